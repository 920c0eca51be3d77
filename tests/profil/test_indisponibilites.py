"""Indisponibilités (issue 23, point 4): the intervenant's own periods
(list, add, edit, delete with confirmation, own rows only, French messages
next to the fields) and the CV-thèque's « Disponible entre le … et le … »."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select, text

from app.extensions import db
from app.models.comptes import EtatInscription, Intervenant
from app.models.indisponibilites import Indisponibilite, disponible_entre, periode_en_conflit
from tests.conftest import csrf_token_from, page_text, postgresql_only, sign_in
from tests.outils.annonces import count_queries

URL = "/mes-indisponibilites/"


def periode(profil, du, au, motif=None) -> Indisponibilite:
    ligne = Indisponibilite(intervenant_id=profil.id, du=du, au=au, motif=motif)
    db.session.add(ligne)
    db.session.commit()
    return ligne


@pytest.fixture
def intervenant(app, factory):
    user, profil = factory.intervenant("DR-84")
    client = app.test_client()
    sign_in(client, user)
    client.profil = profil
    return client


def poster(client, url, **data):
    token = csrf_token_from(client.get(url).get_data(as_text=True))
    return client.post(url, data={"csrf_token": token, **data})


# -- the overlap rule -----------------------------------------------------------
@pytest.mark.parametrize(
    ("declaree", "cherchee", "chevauche"),
    [
        ((date(2027, 3, 1), date(2027, 3, 5)), (date(2027, 3, 5), date(2027, 3, 9)), True),  # same last/first day
        ((date(2027, 3, 1), date(2027, 3, 5)), (date(2027, 3, 6), date(2027, 3, 9)), False),  # touching
        ((date(2027, 3, 6), date(2027, 3, 9)), (date(2027, 3, 1), date(2027, 3, 5)), False),  # touching, before
        ((date(2027, 3, 1), date(2027, 3, 31)), (date(2027, 3, 10), date(2027, 3, 12)), True),  # contains it
        ((date(2027, 3, 10), date(2027, 3, 12)), (date(2027, 3, 1), date(2027, 3, 31)), True),  # contained
        ((date(2027, 3, 3), date(2027, 3, 3)), (date(2027, 3, 3), date(2027, 3, 3)), True),  # one same day
        ((date(2027, 3, 3), date(2027, 3, 3)), (date(2027, 3, 4), date(2027, 3, 4)), False),  # next day
        ((date(2027, 3, 1), date(2027, 3, 10)), (date(2027, 2, 20), date(2027, 3, 1)), True),  # ends on its start
    ],
)
def test_overlap_rule(factory, declaree, cherchee, chevauche):
    _, profil = factory.intervenant("DR-84")
    periode(profil, *declaree)
    disponible = db.session.scalar(select(Intervenant.id).where(Intervenant.id == profil.id, disponible_entre(*cherchee)))
    assert (disponible is None) is chevauche
    assert (periode_en_conflit(profil.id, *cherchee) is not None) is chevauche


# -- self-service pages ---------------------------------------------------------------
def test_add_edit_delete_own_period(intervenant):
    assert "Vous n'avez déclaré aucune indisponibilité." in page_text(intervenant.get(URL))
    reponse = poster(intervenant, URL + "ajouter", du="2027-04-12", au="16/04/2027", motif="  Congés  ")
    assert reponse.status_code == 302 and reponse.headers["Location"].endswith(URL)
    ligne = db.session.scalar(select(Indisponibilite).where(Indisponibilite.intervenant_id == intervenant.profil.id))
    assert (ligne.du, ligne.au, ligne.motif) == (date(2027, 4, 12), date(2027, 4, 16), "Congés")
    liste = page_text(intervenant.get(URL))
    assert "12/04/2027" in liste and "16/04/2027" in liste and "Congés" in liste
    assert f"{URL}{ligne.id}/modifier" in liste and f"{URL}{ligne.id}/supprimer" in liste

    assert 'value="2027-04-12"' in intervenant.get(f"{URL}{ligne.id}/modifier").get_data(as_text=True)
    assert poster(intervenant, f"{URL}{ligne.id}/modifier", du="2027-04-13", au="2027-04-20", motif="").status_code == 302
    db.session.expire_all()
    ligne = db.session.get(Indisponibilite, ligne.id)
    assert (ligne.du, ligne.au, ligne.motif) == (date(2027, 4, 13), date(2027, 4, 20), None)

    confirmation = page_text(intervenant.get(f"{URL}{ligne.id}/supprimer"))
    assert "Voulez-vous vraiment supprimer votre indisponibilité du 13/04/2027 au 20/04/2027" in confirmation
    assert db.session.get(Indisponibilite, ligne.id) is not None  # GET only asks
    assert poster(intervenant, f"{URL}{ligne.id}/supprimer").status_code == 302
    db.session.expire_all()
    assert db.session.get(Indisponibilite, ligne.id) is None


def test_delete_without_csrf_deletes_nothing(intervenant):
    ligne = periode(intervenant.profil, date(2027, 5, 1), date(2027, 5, 2))
    assert intervenant.post(f"{URL}{ligne.id}/supprimer", data={}).status_code in (200, 400)
    db.session.expire_all()
    assert db.session.get(Indisponibilite, ligne.id) is not None


@pytest.mark.parametrize(
    ("donnees", "champ", "message"),
    [
        ({"du": "2027-04-12", "au": "2027-04-11"}, "au",
         "La date de fin doit être postérieure ou égale à la date de début."),
        ({"du": "", "au": "2027-04-11"}, "du", "Saisissez la date de début."),
        ({"du": "2027-04-11", "au": ""}, "au", "Saisissez la date de fin."),
        ({"du": "31/02/2027", "au": "2027-04-11"}, "du", "Date invalide : saisissez-la au format jj/mm/aaaa."),
        ({"du": "2027-04-11", "au": "2027-04-12", "motif": "x" * 256}, "motif", "255 caractères au maximum."),
        # overlaps the period declared by the test (1–5 June)
        ({"du": "2027-06-05", "au": "2027-06-08"}, "du",
         "Cette période chevauche votre indisponibilité du 01/06/2027 au 05/06/2027 : modifiez celle-ci plutôt."),
    ],
)
def test_errors_next_to_the_field_nothing_saved_nothing_lost(intervenant, donnees, champ, message):
    periode(intervenant.profil, date(2027, 6, 1), date(2027, 6, 5))
    reponse = poster(intervenant, URL + "ajouter", **{"motif": "Motif gardé", **donnees})
    assert reponse.status_code == 200
    html = reponse.get_data(as_text=True)
    assert f'id="{champ}-erreur">{message}' in page_text(reponse)
    if "motif" not in donnees:
        assert 'value="Motif gardé"' in html  # the input is kept
    assert db.session.scalar(select(Indisponibilite.id).where(
        Indisponibilite.intervenant_id == intervenant.profil.id, Indisponibilite.du != date(2027, 6, 1))) is None


def test_touching_periods_and_editing_in_place_are_accepted(intervenant):
    ligne = periode(intervenant.profil, date(2027, 6, 1), date(2027, 6, 5))
    assert poster(intervenant, URL + "ajouter", du="2027-06-06", au="2027-06-06").status_code == 302
    # A period may be moved over its own former days.
    assert poster(intervenant, f"{URL}{ligne.id}/modifier", du="2027-05-30", au="2027-06-04").status_code == 302


def test_another_intervenants_period_is_a_404(intervenant, factory):
    _, autre = factory.intervenant("DR-11")
    sienne = periode(autre, date(2027, 7, 1), date(2027, 7, 3), motif="Secret de l'autre")
    assert "Secret de l'autre" not in page_text(intervenant.get(URL))
    assert intervenant.get(f"{URL}{sienne.id}/modifier").status_code == 404
    assert intervenant.get(f"{URL}{sienne.id}/supprimer").status_code == 404
    token = csrf_token_from(intervenant.get(URL + "ajouter").get_data(as_text=True))
    assert intervenant.post(f"{URL}{sienne.id}/modifier",
                            data={"csrf_token": token, "du": "2027-01-01", "au": "2027-01-02"}).status_code == 404
    assert intervenant.post(f"{URL}{sienne.id}/supprimer", data={"csrf_token": token}).status_code == 404
    db.session.expire_all()
    assert db.session.get(Indisponibilite, sienne.id).du == date(2027, 7, 1)


def test_staff_have_no_such_page(login_as):
    assert login_as("gestionnaire").get(URL).status_code in (302, 403)


def test_list_is_paginated_and_its_query_count_flat(intervenant):
    def mesurer():
        intervenant.get(URL)
        db.session.expunge_all()
        with count_queries() as requetes:
            assert intervenant.get(URL).status_code == 200
        return len(requetes)

    periode(intervenant.profil, date(2030, 1, 1), date(2030, 1, 1))
    peu = mesurer()
    for jour in range(2, 26):
        periode(intervenant.profil, date(2030, 1, jour), date(2030, 1, jour))
    assert mesurer() == peu
    page = page_text(intervenant.get(URL))
    assert "25 indisponibilité(s) – page 1 sur 2" in page
    assert "25/01/2030" in page and "01/01/2030" not in page  # newest first
    assert "01/01/2030" in page_text(intervenant.get(URL + "?page=2"))


def test_menu_entry_under_mon_compte(intervenant):
    assert 'href="/mes-indisponibilites/"' in intervenant.get("/mon-profil/").get_data(as_text=True)


# -- the CV-thèque criterion ----------------------------------------------------------
def _valide(factory, texte):
    _, profil = factory.intervenant("DR-84")
    profil.etat_inscription = EtatInscription.validee  # set-up: no workflow under test here
    profil.texte_parcours = texte
    db.session.commit()
    return profil


def test_cvtheque_available_between(factory, login_as):
    libre = _valide(factory, "dispotest")
    pris = _valide(factory, "dispotest")
    voisin = _valide(factory, "dispotest")
    periode(pris, date(2027, 9, 10), date(2027, 9, 20))
    periode(voisin, date(2027, 9, 1), date(2027, 9, 9))
    client = login_as("gestionnaire", "DR-11")

    def trouves(**args):
        texte = client.get("/cvtheque/", query_string={"q": "dispotest", **args}).get_data(as_text=True)
        return {p.id for p in (libre, pris, voisin) if f"/cvtheque/profil/{p.id}" in texte}

    tous = {libre.id, pris.id, voisin.id}
    assert trouves() == tous  # without the criterion
    assert trouves(dispo_du="2027-09-20", dispo_au="2027-09-30") == {libre.id, voisin.id}  # same last day
    assert trouves(dispo_du="2027-09-21", dispo_au="2027-09-30") == tous  # touching
    assert trouves(dispo_du="2027-09-09", dispo_au="2027-09-10") == {libre.id}
    assert trouves(dispo_du="2027-08-01", dispo_au="2027-10-01") == {libre.id}  # contains both
    assert trouves(dispo_du="15/09/2027") == {libre.id, voisin.id}  # one date: that day
    assert trouves(dispo_au="2027-09-05") == {libre.id, pris.id}
    # The export follows the same criteria.
    from io import BytesIO

    from openpyxl import load_workbook

    reponse = client.get("/cvtheque/export.xlsx", query_string={"q": "dispotest", "dispo_du": "2027-09-15"})
    lignes = list(load_workbook(BytesIO(reponse.data)).active.iter_rows(values_only=True))[1:]
    assert sorted(r[-1].rsplit("/", 1)[1] for r in lignes) == sorted(str(p.id) for p in (libre, voisin))


def test_cvtheque_wrong_period_is_reported_next_to_the_field_and_left_out(factory, login_as):
    pris = _valide(factory, "dispomauvais")
    periode(pris, date(2027, 9, 10), date(2027, 9, 20))
    client = login_as("gestionnaire")
    reponse = client.get("/cvtheque/", query_string={"q": "dispomauvais", "dispo_du": "2027-09-15",
                                                     "dispo_au": "2027-09-01"})
    assert reponse.status_code == 200
    assert 'id="dispo_au-erreur">La date de fin doit être postérieure ou égale à la date de début.' in page_text(reponse)
    assert f"/cvtheque/profil/{pris.id}" in reponse.get_data(as_text=True)  # the criterion is left out
    reponse = client.get("/cvtheque/", query_string={"dispo_du": "pas une date"})
    assert reponse.status_code == 200
    assert "Date invalide : saisissez-la au format jj/mm/aaaa." in page_text(reponse)


def test_cvtheque_query_count_does_not_grow_with_the_periods(factory, login_as):
    client = login_as("gestionnaire")
    url = "/cvtheque/?dispo_du=2027-09-01&dispo_au=2027-09-30"

    def mesurer():
        client.get(url)
        db.session.expunge_all()
        with count_queries() as requetes:
            assert client.get(url).status_code == 200
        return len(requetes)

    premier = _valide(factory, "compte").id
    for _ in range(2):
        _valide(factory, "compte")
    peu = mesurer()
    for k in range(12):
        profil = _valide(factory, "compte")
        periode(profil, date(2027, 9 if k % 2 else 10, 1), date(2027, 9 if k % 2 else 10, 5))
    db.session.add(Indisponibilite(intervenant_id=premier, du=date(2027, 1, 1), au=date(2027, 1, 2)))
    db.session.commit()
    assert mesurer() == peu


@postgresql_only
def test_postgresql_probes_the_index_per_profile(factory):
    """The NOT EXISTS stays a subplan on the index (no anti-join that would
    hash every period and let the walk of the sort index go): see
    ``disponible_entre``."""
    from werkzeug.datastructures import MultiDict

    from app.operations.cvtheque import recherche_de, recherche_form

    for _ in range(3):
        periode(_valide(factory, "plan"), date(2027, 9, 1), date(2027, 9, 5))
    db.session.execute(text("ANALYZE indisponibilite"))
    form = recherche_form(MultiDict({"q": "plan", "dispo_du": "2027-09-01", "dispo_au": "2027-09-30"}))
    form.validate()
    requete = select(Intervenant.id).where(*recherche_de(form).where).order_by(Intervenant.nom_usage).limit(21)
    compilee = requete.compile(db.engine)
    plan = "\n".join(db.session.connection().exec_driver_sql(f"EXPLAIN {compilee}", compilee.params).scalars())
    assert "SubPlan" in plan and "Anti Join" not in plan
