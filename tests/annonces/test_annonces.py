"""Annonces: public advanced search, detail, gestionnaire screens, publication
workflow and query counts (issue #5)."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models.annonces import Annonce, EtatAnnonce
from app.models.referentiels import Departement, NatureFormation, Region, SousSpecialite, Specialite, Structure
from app.views.annonces import aujourdhui
from app.workflows.annonce import annonce as workflow_annonce
from app.workflows.core import Acteur, GardeRefusee, TransitionInterdite
from tests.conftest import csrf_token_from, page_text
from tests.outils.annonces import action, count_queries, creer_annonce, form_annonce, numeros, ref

# -- helpers shared with test_candidatures.py and test_alertes.py ----------------


# -- numbering ---------------------------------------------------------------------
def test_numero_is_ten_unique_digits(app):
    annonces = [creer_annonce() for _ in range(5)]
    assert all(re.fullmatch(r"\d{10}", a.numero) for a in annonces)
    assert len({a.numero for a in annonces}) == 5


# -- public search -------------------------------------------------------------------
@pytest.fixture
def jeu(app):
    """Annonces of different shapes; the last two must never be listed."""
    today = aujourdhui()
    a = creer_annonce("DR-84", specialites=("A1",), sous_specialites=("A1A",), regions=("84",), departements=("69",),
                      date_debut=today + timedelta(days=40), date_fin=today + timedelta(days=50),
                      nature_formation_id=ref(NatureFormation, "CONTINUE").id, intitule="Alpha management")
    b = creer_annonce("DR-11", specialites=("A2",), regions=("11",), departements=("75",),
                      date_debut=today + timedelta(days=100), date_fin=today + timedelta(days=120),
                      limite_jours=60, intitule="Beta assemblées")
    brouillon = creer_annonce(etat=EtatAnnonce.brouillon, intitule="Gamma brouillon")
    expiree = creer_annonce(limite_jours=-1, intitule="Delta expirée")
    return a, b, brouillon, expiree


def chercher(client, **params):
    response = client.get("/annonces/", query_string=params)
    assert response.status_code == 200
    return set(numeros(response))


def test_default_list_has_only_published_open_annonces(client, jeu):
    a, b, brouillon, expiree = jeu
    assert chercher(client) == {a.numero, b.numero}


@pytest.mark.parametrize(
    "critere",
    ["numero", "specialite", "sous_specialite", "region", "departement", "structure", "periode", "date_limite", "categorie"],
)
def test_each_criterion_alone(client, jeu, critere):
    a, b, _, _ = jeu
    today = aujourdhui()
    params = {
        "numero": {"numero": a.numero},
        "specialite": {"specialite": str(ref(Specialite, "A1").id)},
        "sous_specialite": {"sous_specialite": str(ref(SousSpecialite, "A1A").id)},
        "region": {"region": str(ref(Region, "84").id)},
        "departement": {"departement": str(ref(Departement, "69").id)},
        "structure": {"structure": str(ref(Structure, "DR-84").id)},
        "periode": {"debut": (today + timedelta(days=35)).isoformat(), "fin": (today + timedelta(days=45)).isoformat()},
        "date_limite": {"date_limite": (today + timedelta(days=45)).isoformat()},
        "categorie": {"categorie": str(ref(NatureFormation, "CONTINUE").id)},
    }[critere]
    expected = {b.numero} if critere == "date_limite" else {a.numero}
    assert chercher(client, **params) == expected


def test_criteria_are_cumulative(client, jeu):
    a, b, _, _ = jeu
    spec_a1, region_11 = str(ref(Specialite, "A1").id), str(ref(Region, "11").id)
    assert chercher(client, specialite=spec_a1, region=str(ref(Region, "84").id)) == {a.numero}
    assert chercher(client, specialite=spec_a1, region=region_11) == set()
    both = [spec_a1, str(ref(Specialite, "A2").id)]
    assert chercher(client, specialite=both) == {a.numero, b.numero}
    assert chercher(client, specialite=both, structure=str(ref(Structure, "DR-11").id)) == {b.numero}


def test_invalid_criteria_are_reported_and_kept(client, jeu):
    response = client.get("/annonces/?numero=12ab&debut=2030-05-10&fin=2030-05-01")
    text = page_text(response)
    assert "Le numéro de l'annonce ne contient que des chiffres" in text
    assert "La date de fin doit être postérieure ou égale à la date de début." in text
    assert 'value="12ab"' in text
    assert numeros(response) == []


def test_sort_and_pagination_keep_the_search_in_the_url(client, app):
    annonces = [creer_annonce(intitule=f"Annonce {i:02d}") for i in range(23)]
    spec = str(ref(Specialite, "A1").id)
    page1 = client.get(f"/annonces/?specialite={spec}&tri=numero&ordre=asc")
    ordered = sorted(a.numero for a in annonces)
    assert numeros(page1) == ordered[:20]
    html = page_text(page1)
    assert "page=2" in html and f"specialite={spec}" in html.split("Page suivante")[0].rsplit("href=", 1)[1]
    page2 = client.get(f"/annonces/?specialite={spec}&tri=numero&ordre=asc&page=2")
    assert numeros(page2) == ordered[20:]
    desc = client.get(f"/annonces/?specialite={spec}&tri=numero&ordre=desc")
    assert numeros(desc) == sorted(ordered, reverse=True)[:20]


def test_list_pages_query_count_does_not_grow(client, app):
    def counts():
        with count_queries() as home:
            assert client.get("/").status_code == 200
        with count_queries() as search:
            assert client.get("/annonces/?tri=intitule").status_code == 200
        return len(home), len(search)

    counts()  # fills the per-process caches (referential option lists)
    for _ in range(2):
        creer_annonce(regions=("84", "11"), specialites=("A1", "A2"))
    few = counts()
    for _ in range(25):
        creer_annonce(regions=("84", "11"), specialites=("A1", "A2"))
    assert counts() == few


# -- detail ---------------------------------------------------------------------------
def test_detail_shows_every_field_and_the_buttons(client, app):
    annonce = creer_annonce(
        sous_specialites=("A1A",), departements=("69",), duree_jours=Decimal("2.5"),
        date_debut=aujourdhui() + timedelta(days=40), date_fin=aujourdhui() + timedelta(days=60),
        profil_recherche="expérimenté", contexte="présentiel et à distance", public_vise="personnels des bibliothèques",
        precisions_lieux="Lyon", contact_nom="Rachel Fischer", contact_telephone="0829417908",
        contact_email="rachel.fischer@cnfpt.fr", urgent=True,
    )
    text = page_text(client.get(f"/annonces/{annonce.numero}"))
    for label in ("Description de la recherche", "Profil recherché", "Contexte", "Public visé", "Numéro de l'annonce",
                  "Spécialité(s)", "Sous-spécialité(s)", "Durée de la formation", "Date de début et de fin d'intervention",
                  "Date limite de candidature", "Pays d'intervention", "Région(s) d'intervention",
                  "Département(s) d'intervention", "Autres précisions sur le(s) lieu(x)", "Personne à contacter",
                  "Numéro de téléphone", "Adresse email de la personne à contacter", "Urgent", "Auteur de l'annonce",
                  "Fichier joint à l'annonce", "Retour", "Candidater", "Retour à la liste"):
        assert label in text, label
    assert "2,5 jour(s)" in text and "Rachel Fischer" in text and "Management d'équipe" in text
    assert "Oui" in text and "Auvergne-Rhône-Alpes" in text


def test_unpublished_annonce_is_hidden_from_the_public(client, login_as, app):
    brouillon = creer_annonce(etat=EtatAnnonce.brouillon)
    assert client.get(f"/annonces/{brouillon.numero}").status_code == 404
    assert login_as("gestionnaire", "DR-11").get(f"/annonces/{brouillon.numero}").status_code == 404
    assert login_as("gestionnaire", "DR-84").get(f"/annonces/{brouillon.numero}").status_code == 200


# -- gestionnaire screens ----------------------------------------------------------------


def test_gestionnaire_creates_an_annonce_for_their_structure(login_as, app):
    client = login_as("gestionnaire", "DR-84")
    token = csrf_token_from(client.get("/gestion/annonces/add").get_data(as_text=True))
    response = client.post("/gestion/annonces/add", data=form_annonce(token))
    assert response.status_code == 302, page_text(response)[:2000]
    annonce = db.session.scalar(select(Annonce).where(Annonce.intitule.like("Le développement durable%")))
    assert annonce.structure.code == "DR-84"
    assert annonce.etat == EtatAnnonce.brouillon
    assert annonce.duree_jours == Decimal("2.5")
    assert re.fullmatch(r"\d{10}", annonce.numero)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"date_fin": "2020-01-01"}, "La date de fin d'intervention doit être postérieure ou égale à la date de début."),
        ({"sous_specialites": "__autre__"}, "Ces sous-spécialités ne relèvent d'aucune des spécialités choisies"),
        ({"departements": "__autre__"}, "Ces départements ne sont dans aucune des régions choisies"),
        ({"date_limite": "__apres__"}, "La date limite de candidature ne peut pas être postérieure au début"),
        ({"specialites": []}, "Choisissez au moins une spécialité."),
    ],
)
def test_coherence_checks_next_to_fields(login_as, app, overrides, message):
    client = login_as("gestionnaire", "DR-84")
    token = csrf_token_from(client.get("/gestion/annonces/add").get_data(as_text=True))
    if overrides.get("sous_specialites") == "__autre__":
        overrides["sous_specialites"] = [str(ref(SousSpecialite, "A2C").id)]
    if overrides.get("departements") == "__autre__":
        overrides["departements"] = [str(ref(Departement, "75").id)]
    if overrides.get("date_limite") == "__apres__":
        overrides["date_limite"] = (aujourdhui() + timedelta(days=70)).isoformat()
    response = client.post("/gestion/annonces/add", data=form_annonce(token, **overrides))
    text = page_text(response)
    assert response.status_code == 200
    assert message in text
    assert "Le développement durable dans les bibliothèques" in text  # the form stays filled
    assert db.session.scalar(select(Annonce).where(Annonce.intitule.like("Le développement durable%"))) is None


def test_deadline_after_start_is_accepted_when_allowed(login_as, app):
    client = login_as("gestionnaire", "DR-84")
    token = csrf_token_from(client.get("/gestion/annonces/add").get_data(as_text=True))
    data = form_annonce(token, date_limite=(aujourdhui() + timedelta(days=70)).isoformat(), date_limite_apres_debut="y")
    assert client.post("/gestion/annonces/add", data=data).status_code == 302


def test_gestionnaire_list_is_own_structure_only_and_query_count_is_flat(login_as, app):
    client = login_as("gestionnaire", "DR-84")
    mine = creer_annonce("DR-84", intitule="Annonce de Lyon")
    creer_annonce("DR-11", intitule="Annonce de Paris")
    text = page_text(client.get("/gestion/annonces/list/"))
    assert "Annonce de Lyon" in text and "Annonce de Paris" not in text
    assert client.get(f"/gestion/annonces/show/{mine.id}").status_code == 200

    def count():
        client.get("/gestion/annonces/list/")  # reloads the user expired by the commits
        with count_queries() as statements:
            assert client.get("/gestion/annonces/list/").status_code == 200
        return len(statements)

    few = count()
    for _ in range(15):
        creer_annonce("DR-84")
    assert count() == few


def test_publish_unpublish_close_through_the_list_actions(login_as, app):
    client = login_as("gestionnaire", "DR-84")
    annonce = creer_annonce(etat=EtatAnnonce.brouillon)
    lst, act = "/gestion/annonces/list/", "/gestion/annonces/action_post"
    assert action(client, lst, act, "publier", [annonce.id]).status_code == 302
    db.session.refresh(annonce)
    assert annonce.etat == EtatAnnonce.publiee and annonce.date_publication is not None
    action(client, lst, act, "depublier", [annonce.id])
    db.session.refresh(annonce)
    assert annonce.etat == EtatAnnonce.depubliee
    action(client, lst, act, "publier", [annonce.id])
    action(client, lst, act, "cloturer", [annonce.id])
    db.session.refresh(annonce)
    assert annonce.etat == EtatAnnonce.cloturee
    response = action(client, lst, act, "publier", [annonce.id])
    db.session.refresh(annonce)
    assert annonce.etat == EtatAnnonce.cloturee
    with client.session_transaction() as session:
        assert any("Action impossible" in str(m) for _, m in session.get("_flashes", []))
    assert response.status_code == 302


def test_other_structure_cannot_act_on_an_annonce(login_as, app, factory):
    annonce = creer_annonce(etat=EtatAnnonce.brouillon)
    client = login_as("gestionnaire", "DR-11")
    assert action(client, "/gestion/annonces/list/", "/gestion/annonces/action_post", "publier", [annonce.id]).status_code == 404
    db.session.refresh(annonce)
    assert annonce.etat == EtatAnnonce.brouillon
    other = factory.gestionnaire("DR-11")
    with pytest.raises(GardeRefusee):
        workflow_annonce.apply(annonce, "publier", Acteur.from_user(other))
    with pytest.raises(TransitionInterdite):
        workflow_annonce.apply(annonce, "depublier", Acteur.from_user(factory.gestionnaire("DR-84")))


def test_publishing_an_expired_annonce_is_refused(app, factory):
    annonce = creer_annonce(etat=EtatAnnonce.brouillon, limite_jours=-2)
    with pytest.raises(GardeRefusee, match="date limite de candidature est dépassée"):
        workflow_annonce.apply(annonce, "publier", Acteur.from_user(factory.gestionnaire("DR-84")))


def test_demo_annonces_are_varied_and_idempotent(app, demo):
    from app.donnees.demo import load_demo
    from app.models.annonces import Candidature
    from app.models.contenus import Actualite

    def counts():
        return (
            db.session.scalar(select(db.func.count()).select_from(Annonce)),
            db.session.scalar(select(db.func.count()).select_from(Candidature)),
            db.session.scalar(select(db.func.count()).select_from(Actualite)),
        )

    load_demo()
    first = counts()
    load_demo()
    assert counts() == first
    assert first[0] >= 25 and first[1] > 0 and first[2] == 4
    etats = set(db.session.scalars(select(Annonce.etat).distinct()))
    assert etats == set(EtatAnnonce)
    assert len(set(db.session.scalars(select(Annonce.structure_id).distinct()))) >= 4


def test_attached_file_is_stored_and_public_once_published(login_as, app, client):
    from io import BytesIO

    gestionnaire = login_as("gestionnaire", "DR-84")
    token = csrf_token_from(gestionnaire.get("/gestion/annonces/add").get_data(as_text=True))
    data = form_annonce(token, fichier_upload=(BytesIO(b"%PDF-1.4\n%%EOF\n"), "programme.pdf"))
    assert gestionnaire.post("/gestion/annonces/add", data=data, content_type="multipart/form-data").status_code == 302
    annonce = db.session.scalar(select(Annonce).where(Annonce.intitule.like("Le développement durable%")))
    assert annonce.fichier.original_name == "programme.pdf" and not annonce.fichier.sensitive
    assert client.get(f"/documents/{annonce.fichier.uuid}").status_code == 404  # draft
    action(gestionnaire, "/gestion/annonces/list/", "/gestion/annonces/action_post", "publier", [annonce.id])
    assert client.get(f"/documents/{annonce.fichier.uuid}").status_code == 200


def test_a_refused_file_is_reported_next_to_the_field(login_as, app):
    from io import BytesIO

    gestionnaire = login_as("gestionnaire", "DR-84")
    token = csrf_token_from(gestionnaire.get("/gestion/annonces/add").get_data(as_text=True))
    data = form_annonce(token, fichier_upload=(BytesIO(b"MZ\x90\x00"), "outil.exe"))
    response = gestionnaire.post("/gestion/annonces/add", data=data, content_type="multipart/form-data")
    assert response.status_code == 200
    text = page_text(response)
    assert re.search(r'id="fichier_upload".*?Format de fichier non autorisé', text, re.S)
    assert db.session.scalar(select(Annonce).where(Annonce.intitule.like("Le développement durable%"))) is None


def test_unknown_values_get_french_messages_and_back_link_keeps_the_search(client, jeu):
    a, _, _, _ = jeu
    text = page_text(client.get("/annonces/?specialite=999999&debut=pas-une-date"))
    assert "is not a valid" not in text and "Not a valid" not in text
    assert "Certains critères ne sont pas valides" in text
    spec = ref(Specialite, "A1").id
    listing = client.get(f"/annonces/?specialite={spec}").get_data(as_text=True)
    link = re.search(rf'href="(/annonces/{a.numero}\?retour=[^"]+)"', listing).group(1)
    detail = page_text(client.get(link.replace("&amp;", "&")))
    assert f'href="/annonces/?specialite={spec}"' in detail


def test_gestionnaire_show_page_lists_referentials_in_their_order_from_one_statement(login_as, app):
    """The annonce's four referential lists: the labels FAB printed (same
    order as the relations), read in one statement (FAB: one per list)."""
    client = login_as("gestionnaire", "DR-84")
    annonce = creer_annonce("DR-84", specialites=("A1", "A2"), sous_specialites=("A1A",), regions=("84", "11"),
                            departements=("75", "69"))
    db.session.expire_all()  # nothing of the annonce left loaded by its creation
    with count_queries() as statements:
        response = client.get(f"/gestion/annonces/show/{annonce.id}")
    assert response.status_code == 200
    text = page_text(response)
    db.session.expire_all()
    annonce = db.session.get(Annonce, annonce.id)
    for relation in (annonce.specialites, annonce.sous_specialites, annonce.regions, annonce.departements):
        assert ", ".join(str(x) for x in relation) in text
    assert ", ".join(str(x) for x in annonce.departements).startswith("69 - ")
    liens = [s for s in statements if re.search(r"annonce_(specialite|sous_specialite|region|departement)\b", s)]
    assert len(liens) == 1, liens


@pytest.mark.parametrize(
    ("page", "pages", "attendus"),
    [
        (2500, 5000, ["1", "2", "…", "2498", "2499", "2500", "2501", "2502", "…", "4999", "5000"]),
        (1, 5000, ["1", "2", "3", "…", "4999", "5000"]),
        (5000, 5000, ["1", "2", "…", "4998", "4999", "5000"]),
        (3, 4, ["1", "2", "3", "4"]),
        (1, 1, []),
    ],
)
def test_pager_shows_the_first_last_and_nearby_pages_only(app, page, pages, attendus):
    """The first two pages, the last two and those around the current one,
    with an ellipsis between (the macro walks only those: a national queue
    has thousands of pages)."""
    import re

    with app.test_request_context():
        html = app.jinja_env.from_string(
            '{% from "annonces/_macros.html" import pagination %}{{ pagination(page, pages, none, {}, lien=lien) }}'
        ).render(page=page, pages=pages, lien=lambda p: f"/p/{p}")
    assert re.findall(r">(\d+|…)<", html) == attendus
