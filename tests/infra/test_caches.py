"""The registry of per-process caches (issue #18): every cache named with its
key, lifetime and what empties it; one call empties them all."""

from __future__ import annotations

from app.infra import caches
from app.operations.cvtheque import _dernier_volume
from app.referentiels import options
from app.views import cache_public, menu, urls
from tests.conftest import sign_in

ATTENDUS = {
    "referentiels.options", "securite.permissions", "pages_publiques", "menu", "urls_fixes",
    "formulaires.options_html", "fab.filtres_convertis", "cvtheque.volume",
    "formats.textes", "scope.requete_intervenant", "securite.requete_utilisateur", "parcours.tableaux",
    "parcours.requete", "references_liees", "listes.requetes", "annonce_gestion.requete", "vues.etat",
    "suggestions.classements",
}


def test_every_cache_is_declared_with_its_rules(app):
    declares = {cache.nom: cache for cache in caches.registre()}
    assert ATTENDUS <= set(declares)
    for cache in declares.values():
        assert cache.cle and cache.duree and cache.vide_par and callable(cache.vider)


def test_vider_tout_empties_every_cache(app, client, factory):
    """Fill the caches through real pages, then one call empties them."""
    sign_in(client, factory.gestionnaire())
    for url in ("/", "/annonces/", "/cvtheque/", "/gestion/demandes-inscription/list/"):
        assert client.get(url).status_code == 200
    assert options._cache and menu._cache and urls._cache
    from app.views.file_inscriptions import DEMANDES

    assert DEMANDES._requetes
    _dernier_volume["validees"] = 12.0
    caches.vider_tout()
    assert not options._cache and not menu._cache and not urls._cache and not cache_public._cache
    assert not DEMANDES._requetes and not menu._requetes
    assert _dernier_volume["validees"] is None
    from app.models.parcours import _requete_parcours

    _requete_parcours()
    assert _requete_parcours.cache_info().currsize == 1
    caches.vider_tout()
    assert _requete_parcours.cache_info().currsize == 0
