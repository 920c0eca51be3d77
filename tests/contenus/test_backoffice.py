"""National administration console (flask-admin at /backoffice): access,
referential screens, editing through the forms, exports."""

from __future__ import annotations

import io
from contextlib import contextmanager
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import event, select
from sqlalchemy.engine import Engine

from app.extensions import db
from app.models.referentiels import Departement, NatureFormation, Region, StatutProfessionnel, TypeDemandeSupport
from app.views.backoffice_referentiels import SCREENS
from tests.conftest import csrf_token_from, page_text

REFERENTIEL_ENDPOINTS = [f"bo_{model.__tablename__}" for _view, model, _name, _cat in SCREENS]


@contextmanager
def count_queries():
    """Counts the SELECTs sent to the database inside the block."""
    statements: list[str] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append(statement)

    event.listen(Engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(Engine, "before_cursor_execute", before)


def _nature(code: str) -> NatureFormation:
    return db.session.scalar(select(NatureFormation).where(NatureFormation.code == code))


# --- access ---------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/backoffice/", "/backoffice/bo_specialite/"])
def test_anonymous_is_sent_to_the_login_page(login_as, url):
    response = login_as("anonyme").get(url)
    assert response.status_code == 302
    assert "/login/" in response.headers["Location"]


@pytest.mark.parametrize("role", ["intervenant", "gestionnaire"])
@pytest.mark.parametrize("url", ["/backoffice/", "/backoffice/bo_specialite/", "/backoffice/bo_region/export/csv/"])
def test_other_roles_are_refused(login_as, role, url):
    assert login_as(role).get(url).status_code == 403


def test_admin_national_sees_the_console_and_its_menu(login_as):
    response = login_as("admin_national").get("/backoffice/")
    assert response.status_code == 200
    html = page_text(response)
    for category in ("Référentiels géographiques", "Référentiels de formation", "Référentiels administratifs"):
        assert category in html
    for name in ("Codes postaux et communes", "Sous-spécialités", "Employeurs publics", "Statuts professionnels"):
        assert name in html


def test_page_size_choices_are_in_french(login_as):
    """flask-admin's French catalogue leaves its page-size choices in English
    (« 50 items »): the console's own catalogue (app/translations_console)
    translates them."""
    html = page_text(login_as("admin_national").get("/backoffice/bo_specialite/"))
    for taille in (20, 50, 100):
        assert f"{taille} éléments" in html
    assert "items" not in html


def test_console_catalogue_is_compiled_from_its_po():
    """admin.mo holds exactly the translations of admin.po (recompile with
    pybabel compile -D admin -d app/translations_console after an edit)."""
    from babel.messages.mofile import read_mo
    from babel.messages.pofile import read_po

    dossier = Path(__file__).resolve().parents[2] / "app" / "translations_console" / "fr" / "LC_MESSAGES"
    with open(dossier / "admin.po", "rb") as po, open(dossier / "admin.mo", "rb") as mo:
        source, compile_ = read_po(po), read_mo(mo)

    def entrees(catalogue):
        def t(v):
            return tuple(v) if isinstance(v, (list, tuple)) else v

        return {t(m.id): t(m.string) for m in catalogue if m.id}

    assert entrees(source) == entrees(compile_)
    # The page sizes, and flask-admin's refusals of a row (issue 40).
    assert {"Failed to create record.", "Failed to save record.", ("20 item", "20 items")} <= set(entrees(source))


@pytest.mark.parametrize("endpoint", REFERENTIEL_ENDPOINTS)
def test_every_referential_list_opens(login_as, endpoint):
    client = login_as("admin_national")
    response = client.get(f"/backoffice/{endpoint}/")
    assert response.status_code == 200
    assert "Actif" in page_text(response)
    assert client.get(f"/backoffice/{endpoint}/new/").status_code == 200


def test_list_is_french(login_as):
    html = page_text(login_as("admin_national").get("/backoffice/bo_nature_formation/"))
    for label in ("Libellé", "Liste (7)", "Créer", "Ajouter un filtre", "Chercher"):
        assert label in html
    assert "Formation continue" in html


# --- large and related lists --------------------------------------------------------


def test_postal_codes_list_is_paginated_without_n_plus_one(login_as):
    client = login_as("admin_national")
    with count_queries() as queries:
        response = client.get("/backoffice/bo_code_postal/")
    assert response.status_code == 200
    html = page_text(response)
    assert "Liste (39192)" in html
    assert html.count("/backoffice/bo_code_postal/edit/?id=") == 50
    assert len(queries) < 10, queries


def test_departements_list_loads_regions_in_the_same_query(login_as):
    client = login_as("admin_national")
    with count_queries() as queries:
        html = page_text(client.get("/backoffice/bo_departement/"))
    assert "Auvergne-Rhône-Alpes" in html
    assert len(queries) < 10, queries


def test_postal_codes_search(login_as):
    html = page_text(login_as("admin_national").get("/backoffice/bo_code_postal/?search=75004"))
    assert "PARIS 04" in html
    assert "Liste (1)" in html


# --- editing ------------------------------------------------------------------------


def test_admin_edits_a_referential_row(login_as):
    client = login_as("admin_national")
    nature = _nature("CONCOURS")
    url = f"/backoffice/bo_nature_formation/edit/?id={nature.id}"
    page = client.get(url)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'name="code"' not in html  # the natural key is read-only
    response = client.post(
        url,
        data={
            "csrf_token": csrf_token_from(html),
            "libelle": "Préparation aux concours",
            "ordre": "2",
            "code": "PIRATE",
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    nature = db.session.get(NatureFormation, nature.id)
    assert nature.libelle == "Préparation aux concours"
    assert nature.code == "CONCOURS"
    assert nature.actif is False  # unticked box: the value is retired


def test_edit_without_csrf_token_is_refused(login_as):
    client = login_as("admin_national")
    nature = _nature("CONTINUE")
    response = client.post(
        f"/backoffice/bo_nature_formation/edit/?id={nature.id}", data={"libelle": "Piratée", "ordre": "1"}
    )
    assert response.status_code == 400
    db.session.expire_all()
    assert _nature("CONTINUE").libelle == "Formation continue"


def test_admin_edits_a_departement_region(login_as):
    client = login_as("admin_national")
    dep = db.session.scalar(select(Departement).where(Departement.code == "2A"))
    paca = db.session.scalar(select(Region).where(Region.code == "93"))
    url = f"/backoffice/bo_departement/edit/?id={dep.id}"
    token = csrf_token_from(client.get(url).get_data(as_text=True))
    response = client.post(
        url,
        data={
            "csrf_token": token,
            "nom": "Corse-du-Sud",
            "region": str(paca.id),
            "chef_lieu_commune": "2A004",
            "actif": "y",
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Departement, dep.id).region.code == "93"


def test_console_refuses_a_value_the_code_does_not_know(login_as):
    client = login_as("admin_national")
    support = db.session.scalar(select(TypeDemandeSupport).where(TypeDemandeSupport.code == "CONNEXION"))
    url = f"/backoffice/bo_type_demande_support/edit/?id={support.id}"
    token = csrf_token_from(client.get(url).get_data(as_text=True))
    data = {"csrf_token": token, "libelle": "Problème de connexion", "source": "manuel", "ordre": "1", "actif": "y"}
    response = client.post(url, data={**data, "destinataire": "REGION"})
    assert response.status_code == 200
    assert "Valeur attendue : STRUCTURE ou NATIONAL." in page_text(response)
    response = client.post(url, data={**data, "destinataire": "NATIONAL"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(TypeDemandeSupport, support.id).destinataire == "NATIONAL"


def test_statut_without_employer_type_can_be_saved(login_as):
    client = login_as("admin_national")
    sans = db.session.scalar(select(StatutProfessionnel).where(StatutProfessionnel.code == "SANS"))
    pieces = [str(p.id) for p in sans.pieces_requises]
    url = f"/backoffice/bo_statut_professionnel/edit/?id={sans.id}"
    token = csrf_token_from(client.get(url).get_data(as_text=True))
    response = client.post(
        url,
        data={
            "csrf_token": token,
            "libelle": "Sans activité ou retraité",
            "type_employeur": "",
            "pieces_requises": pieces,
            "ordre": "5",
            "actif": "y",
        },
    )
    assert response.status_code == 302, page_text(response)[:2000]
    db.session.expire_all()
    sans = db.session.get(StatutProfessionnel, sans.id)
    assert sans.libelle == "Sans activité ou retraité"
    assert sans.type_employeur is None
    assert [p.code for p in sans.pieces_requises] == ["TITRE_PENSION"]


def test_inline_edit_of_libelle(login_as):
    client = login_as("admin_national")
    nature = _nature("ILLETTRISME")
    html = client.get("/backoffice/bo_nature_formation/").get_data(as_text=True)
    assert 'data-csrf="' in html  # x-editable sends the token with each inline change
    token = csrf_token_from(client.get("/backoffice/bo_nature_formation/new/").get_data(as_text=True))
    response = client.post(
        "/backoffice/bo_nature_formation/ajax/update/",
        data={"csrf_token": token, "list_form_pk": str(nature.id), "libelle": "Lutte contre l'illettrisme (2025)"},
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(NatureFormation, nature.id).libelle == "Lutte contre l'illettrisme (2025)"


def test_admin_creates_a_value_active_by_default(login_as):
    client = login_as("admin_national")
    token = csrf_token_from(client.get("/backoffice/bo_nature_formation/new/").get_data(as_text=True))
    response = client.post(
        "/backoffice/bo_nature_formation/new/",
        data={
            "csrf_token": token,
            "code": "ALTERNANCE",
            "libelle": "Formation en alternance",
            "ordre": "8",
            "actif": "y",
        },
    )
    assert response.status_code == 302
    created = _nature("ALTERNANCE")
    assert created.libelle == "Formation en alternance"
    assert created.actif is True


def test_a_used_row_is_not_deleted(login_as):
    """Deleting a used entry is refused with the reason (tests/referentiels/test_referentiels_cycle.py: the rest)."""
    client = login_as("admin_national")
    region = db.session.scalar(select(Region).join(Departement).limit(1))
    token = csrf_token_from(client.get("/backoffice/bo_region/new/").get_data(as_text=True))
    reponse = client.post("/backoffice/bo_region/delete/", data={"csrf_token": token, "id": str(region.id)},
                          follow_redirects=True)
    assert "Suppression impossible" in page_text(reponse)
    db.session.expire_all()
    assert db.session.get(Region, region.id) is not None


# --- exports ----------------------------------------------------------------------------


def test_export_csv(login_as):
    response = login_as("admin_national").get("/backoffice/bo_region/export/csv/")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    text = response.get_data(as_text=True)
    assert text.splitlines()[0] == "Code,Nom,Chef-lieu (code commune),Outre-mer,Actif"
    assert "11,Île-de-France,75056,non,oui" in text


def test_export_xlsx(login_as):
    response = login_as("admin_national").get("/backoffice/bo_departement/export/xlsx/")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0][:3] == ["Code", "Nom", "Région"]
    assert ["2A", "Corse-du-Sud", "Corse"] in [row[:3] for row in rows]
    assert len(rows) == 102


def test_export_of_a_search_only(login_as):
    client = login_as("admin_national")
    text = client.get("/backoffice/bo_code_postal/export/csv/?search=06150").get_data(as_text=True)
    assert "06150,CANNES,06029,CANNES" in text
    # 06150 is Cannes' postal code and La Turbie's INSEE code; nothing else.
    assert len(text.splitlines()) == 3
    assert "06320,LA TURBIE,06150" in text


def test_console_catalogue_even_after_a_translation_outside_the_console(app, login_as):
    """flask-admin caches its catalogue per locale for the whole process, with
    the console's own directory only when the first lookup happens inside a
    console view: a lookup elsewhere first (an error page, a form built
    outside a request of the console) left « 20 items » in English on every
    console page of that process (seen in a random-order run)."""
    from flask_admin import babel

    babel.domain.cache.clear()
    try:
        with app.test_request_context("/"):
            babel.gettext("Failed to create record.")
        html = page_text(login_as("admin_national").get("/backoffice/bo_specialite/"))
        assert "20 éléments" in html and "items" not in html
    finally:
        babel.domain.cache.clear()
