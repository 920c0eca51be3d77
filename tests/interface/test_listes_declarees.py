"""Every list of the permission matrix is served by the declared-list
component (issue 36, « Done when »): each list route, opened by an actor
allowed to see it, records the declared list that drew it
(``flask.g.liste_servie``, set by ``app.views.liste.Liste.page``). The
routes are those of tests/outils/listes.py; a route named like a list that
is in none of its sets fails ``test_chaque_liste_de_la_matrice_est_classee``."""

from __future__ import annotations

import pytest
from flask import g

from tests.conftest import sign_in
from tests.outils.listes import A_CONVERTIR, HORS_COMPOSANT, LISTES
from tests.outils.matrice import _endpoints, _expected_for, _url
from tests.outils.permission_matrix import OK

#: Signed in first: a public page is kept whole for anonymous visitors
#: (app.views.cache_public), the component not called again.
ORDRE_ACTEURS = ("gestionnaire_a", "admin_national", "intervenant", "anonyme")


def test_chaque_liste_de_la_matrice_est_classee(app):
    """A new list route (``.list``, ``.liste``) must say how it is served."""
    nommees = {e for e in _endpoints(app) if e.endswith((".list", ".liste")) and _expected_for(e) is not None}
    classees = LISTES | A_CONVERTIR | HORS_COMPOSANT
    assert not nommees - classees, f"Listes non classées (tests/outils/listes.py) : {sorted(nommees - classees)}"
    assert classees <= set(_endpoints(app)), f"Sans route : {sorted(classees - set(_endpoints(app)))}"
    assert not (LISTES & A_CONVERTIR or LISTES & HORS_COMPOSANT or A_CONVERTIR & HORS_COMPOSANT)


@pytest.mark.parametrize("route", sorted(LISTES | A_CONVERTIR))
def test_la_liste_est_servie_par_le_composant(app, scene, route):
    if route in A_CONVERTIR:
        pytest.skip(f"{route} : liste générée par FAB, convertie sur la branche listes-gestion "
                    "(à déplacer dans LISTES de tests/outils/listes.py à la fusion)")
    attendu = _expected_for(route)
    acteur = next(a for a in ORDRE_ACTEURS if attendu[a] == OK)
    client = app.test_client()
    if scene.user(acteur) is not None:
        sign_in(client, scene.user(acteur))
    url = _url(app, _endpoints(app)[route], scene.samples)
    with client:
        reponse = client.get(url)
        assert reponse.status_code == 200, (acteur, url, reponse.status_code)
        assert g.get("liste_servie"), f"{url} ({acteur}) : page rendue hors du composant de listes"
