"""The annonce's page for a gestionnaire and the candidatures under it
(``app.views.candidatures_annonce``, issue #6): the annonce's fields (an
empty one blank), the candidatures' pages, sorts, page sizes, links and
actions, each with its permission, and the scope."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from app.donnees.volume import generer
from app.extensions import db
from app.models.annonces import Candidature, EtatCandidatureAnnonce
from app.models.comptes import Intervenant
from app.security.roles import GESTIONNAIRE
from tests.conftest import csrf_token_from, page_text
from tests.outils.annonces import count_queries, creer_annonce

VUE = "CandidatureGestionView"


@pytest.fixture
def annonce_demandee(app):
    """An annonce of DR-84 with 27 candidatures, one hour apart (the newest
    last), their comments numbered."""
    generer(27, 1, 0, seed=5)
    db.session.commit()
    annonce = creer_annonce("DR-84", intitule="Lecture publique", contexte=None, duree_jours=Decimal("2.50"))
    debut = datetime(2026, 3, 2, 8)
    ids = db.session.scalars(sa.select(Intervenant.id).order_by(Intervenant.id)).all()[:27]
    for n, pid in enumerate(ids):
        db.session.add(Candidature(annonce_id=annonce.id, intervenant_id=pid, date=debut + timedelta(hours=n),
                                   commentaire=f"Motivation {n:02d}"))
    db.session.commit()
    return annonce


def texte(response) -> str:
    """The page's text, tags removed and spaces collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", page_text(response)).split())


def candidatures_montrees(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'href="/gestion/candidatures/show/(\d+)"', html)]


def en_base(annonce, *ordre, limite=20, debut=0) -> list[int]:
    return db.session.scalars(
        sa.select(Candidature.id).join(Intervenant, Intervenant.id == Candidature.intervenant_id)
        .where(Candidature.annonce_id == annonce.id).order_by(*ordre).limit(limite).offset(debut)
    ).all()


def test_fields_of_the_annonce_with_empty_ones_blank(login_as, annonce_demandee):
    client = login_as("gestionnaire", "DR-84")
    html = client.get(f"/gestion/annonces/show/{annonce_demandee.id}").get_data(as_text=True)
    text = texte(client.get(f"/gestion/annonces/show/{annonce_demandee.id}"))
    assert f"Annonce n° {annonce_demandee.numero} : Lecture publique" in text
    # FAB's show widget printed « None » for an empty field
    assert "None" not in re.sub(r"<[^>]+>", " ", html)
    assert re.search(r">Contexte</th>\s*<td><span[^>]*></span></td>", html)
    assert re.search(r">Durée de la formation \(jours\)</th>\s*<td><span[^>]*>2,5</span></td>", html)
    assert f'href="/gestion/annonces/edit/{annonce_demandee.id}"' in html
    assert "Candidatures :</strong> 27" in html


def test_first_page_newest_first_with_links_and_actions(login_as, annonce_demandee):
    client = login_as("gestionnaire", "DR-84")
    html = client.get(f"/gestion/annonces/show/{annonce_demandee.id}").get_data(as_text=True)
    attendues = en_base(annonce_demandee, Candidature.date.desc(), Candidature.id.desc())
    assert candidatures_montrees(html) == attendues
    assert [int(i) for i in re.findall(r'name="rowid" value="(\d+)"', html)] == attendues
    assert "Motivation 26" in html and "Motivation 06" not in html
    assert 'action="/gestion/candidatures/action_post"' in html and csrf_token_from(html)
    assert "etudier_menu_item" in html and "ne_pas_retenir_menu_item" in html
    # the project's pager, with FAB's 0-based argument of the related list
    assert f'<a href="/gestion/annonces/show/{annonce_demandee.id}?page_{VUE}=1" rel="next">Page suivante</a>' in html
    assert "Page 1 / 2" in html


@pytest.mark.parametrize(
    ("args", "ordre", "taille", "debut"),
    [
        (f"page_{VUE}=1", (Candidature.date.desc(), Candidature.id.desc()), 20, 20),
        (f"_oc_{VUE}=intervenant.nom_usage&_od_{VUE}=asc", (Intervenant.nom_usage, Candidature.id), 20, 0),
        (f"_oc_{VUE}=intervenant.nom_usage&_od_{VUE}=desc",
         (Intervenant.nom_usage.desc(), Candidature.id.desc()), 20, 0),
        (f"_oc_{VUE}=commentaire&_od_{VUE}=asc&psize_{VUE}=25&page_{VUE}=1", (Candidature.commentaire, Candidature.id),
         25, 25),
        # unknown column, page size out of the choices: the defaults
        (f"_oc_{VUE}=intervenant.user.password&psize_{VUE}=100000",
         (Candidature.date.desc(), Candidature.id.desc()), 20, 0),
    ],
)
def test_pages_sorts_and_sizes(login_as, annonce_demandee, args, ordre, taille, debut):
    client = login_as("gestionnaire", "DR-84")
    html = client.get(f"/gestion/annonces/show/{annonce_demandee.id}?{args}").get_data(as_text=True)
    assert candidatures_montrees(html) == en_base(annonce_demandee, *ordre, limite=taille, debut=debut)


@pytest.mark.parametrize("args", [f"page_{VUE}=-3", f"psize_{VUE}=abc&page_{VUE}=x", f"page_{VUE}={10**30}"])
def test_malformed_page_arguments_are_a_bad_request(login_as, annonce_demandee, args):
    """Issue 19, point 10: what is not a page number is a 400 in French
    (FAB's own pages read these arguments with a bare int())."""
    client = login_as("gestionnaire", "DR-84")
    response = client.get(f"/gestion/annonces/show/{annonce_demandee.id}?{args}")
    assert response.status_code == 400 and "Requête invalide" in texte(response)


def test_sort_links_toggle_and_keep_the_other_arguments(login_as, annonce_demandee):
    client = login_as("gestionnaire", "DR-84")
    url = f"/gestion/annonces/show/{annonce_demandee.id}"
    html = client.get(f"{url}?_oc_{VUE}=etat&_od_{VUE}=asc&psize_{VUE}=25").get_data(as_text=True)
    assert f"{url}?_oc_{VUE}=etat&amp;_od_{VUE}=desc&amp;psize_{VUE}=25" in html
    assert f"{url}?_oc_{VUE}=date&amp;_od_{VUE}=asc&amp;psize_{VUE}=25" in html
    assert "fa-chevron-up" in html
    # the sorted column says so to screen readers; the default order is the date's, newest first
    assert re.findall(r'aria-sort="(\w+)"', html) == ["none", "none", "none", "ascending", "none"]
    html = client.get(url).get_data(as_text=True)
    assert re.findall(r'aria-sort="(\w+)"', html) == ["descending", "none", "none", "none", "none"]


@pytest.mark.parametrize("page", ["9", "999999999"])
def test_past_the_last_page_and_no_candidature(login_as, annonce_demandee, page):
    client = login_as("gestionnaire", "DR-84")
    text = texte(client.get(f"/gestion/annonces/show/{annonce_demandee.id}?page_{VUE}={page}"))
    assert "Candidatures : 27" in text and "Pas de candidature sur cette page" in text
    vide = creer_annonce("DR-84", intitule="Sans réponse")
    html = client.get(f"/gestion/annonces/show/{vide.id}").get_data(as_text=True)
    assert "Aucune candidature à cette annonce." in html and "action_form" not in html


def test_links_and_actions_follow_the_permissions(login_as, annonce_demandee, app):
    """Without ``can_show`` nor the actions on the candidatures, the rows are
    listed without their link, checkbox or action menu."""
    sm = app.appbuilder.sm
    role = sm.find_role(GESTIONNAIRE)
    retirees = [pv for pv in role.permissions
                if pv.view_menu.name == VUE and pv.permission.name in ("can_show", "etudier", "ne_pas_retenir",
                                                                       "ecrire")]  # ecrire: issue 21
    assert len(retirees) == 4
    for pv in retirees:
        sm.del_permission_role(role, pv)
    client = login_as("gestionnaire", "DR-84")
    html = client.get(f"/gestion/annonces/show/{annonce_demandee.id}").get_data(as_text=True)
    assert "Motivation 26" in html
    assert candidatures_montrees(html) == [] and 'name="rowid"' not in html
    assert "action_form" not in html and "etudier_menu_item" not in html


def test_an_action_from_the_page_comes_back_to_it(login_as, annonce_demandee):
    client = login_as("gestionnaire", "DR-84")
    url = f"/gestion/annonces/show/{annonce_demandee.id}"
    html = client.get(url).get_data(as_text=True)
    premiere = candidatures_montrees(html)[0]
    retour = re.search(r'name="next" value="([^"]+)"', html).group(1)
    assert retour == url
    response = client.post("/gestion/candidatures/action_post", data={
        "csrf_token": csrf_token_from(html), "action": "etudier", "rowid": [str(premiere)], "next": retour})
    assert response.status_code == 302 and response.headers["Location"] == retour
    assert db.session.get(Candidature, premiere).etat == EtatCandidatureAnnonce.etudiee
    assert "Étudiée" in page_text(client.get(url))
    # another site is not a way back
    response = client.post("/gestion/candidatures/action_post", data={
        "csrf_token": csrf_token_from(html), "action": "etudier", "rowid": [str(premiere)],
        "next": "https://exemple.test/piege"})
    assert response.status_code == 302 and "exemple.test" not in response.headers["Location"]


def test_the_list_links_to_each_annonce_page(login_as, annonce_demandee):
    """The list's buttons are built around a placeholder key: a route taking
    only integers left the list without its links."""
    autre = creer_annonce("DR-84", intitule="Autre annonce")
    html = login_as("gestionnaire", "DR-84").get("/gestion/annonces/list/").get_data(as_text=True)
    liens = set(re.findall(r'href="/gestion/annonces/show/(\d+)', html))
    assert liens == {str(annonce_demandee.id), str(autre.id)}


@pytest.mark.parametrize("chemin", ["{autre}", "abc", "999999", "99999999999999999999", "-1", "١٢"])
def test_another_structure_or_no_annonce_is_not_found(login_as, annonce_demandee, chemin):
    autre = creer_annonce("DR-11", intitule="Annonce de Paris")
    client = login_as("gestionnaire", "DR-84")
    assert client.get(f"/gestion/annonces/show/{chemin.format(autre=autre.id)}").status_code == 404
    # and the other structure's gestionnaire does not see this one
    assert login_as("gestionnaire", "DR-11").get(f"/gestion/annonces/show/{annonce_demandee.id}").status_code == 404


def test_statements_do_not_grow_with_the_page_size(login_as, annonce_demandee):
    client = login_as("gestionnaire", "DR-84")
    url = f"/gestion/annonces/show/{annonce_demandee.id}"
    counts = []
    for args in (f"psize_{VUE}=20", f"psize_{VUE}=50", f"page_{VUE}=9"):
        client.get(url)  # the session's user reloaded after the fixtures' commits
        with count_queries() as statements:
            assert client.get(f"{url}?{args}").status_code == 200
        counts.append(len(statements))
    # a page past the end counts apart (no row to carry the window count)
    assert counts[0] == counts[1] == counts[2] - 1, counts
