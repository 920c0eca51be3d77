"""Gestionnaire processing of inscription requests (issue #4)."""

from __future__ import annotations

from datetime import UTC, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models.base import utcnow
from app.models.comptes import EtatInscription
from app.models.outbox import OutboxMessage
from app.models.workflow import TransitionHistorique
from app.workflows.core import Acteur
from app.workflows.inscription import inscription
from tests.conftest import csrf_token_from, page_text, sign_in
from tests.outils.comptes import transmise


def decide(client, profil, decision, commentaire=""):
    page = client.get(f"/gestion/demandes-inscription/show/{profil.id}")
    assert page.status_code == 200
    token = csrf_token_from(page.get_data(as_text=True))
    return client.post(
        f"/gestion/decisions-inscription/{profil.id}",
        data={"csrf_token": token, "decision": decision, "commentaire": commentaire},
    )


def test_queue_lists_own_structure_only(factory, login_as):
    _, mine = transmise(factory, "DR-84")
    _, other = transmise(factory, "DR-11")
    client = login_as("gestionnaire", "DR-84")
    text = page_text(client.get("/gestion/demandes-inscription/list/"))
    assert mine.nom_usage in text
    assert f"/show/{other.id}" not in text
    assert client.get(f"/gestion/demandes-inscription/show/{other.id}").status_code == 404
    assert client.post(f"/gestion/decisions-inscription/{other.id}", data={}).status_code in (400, 404)
    assert client.get(f"/api/v1/intervenants/{other.id}").status_code == 404


def test_comment_required_for_reject_and_complement(factory, login_as):
    _, profil = transmise(factory)
    client = login_as("gestionnaire", "DR-84")
    for decision in ("rejeter", "demander_complement"):
        response = decide(client, profil, decision)
        assert "Un commentaire est obligatoire" in page_text(response)
        db.session.refresh(profil)
        assert profil.etat_inscription == EtatInscription.transmise


def test_complement_retransmit_then_validate_with_history_and_emails(factory, login_as):
    user, profil = transmise(factory)
    client = login_as("gestionnaire", "DR-84")
    assert decide(client, profil, "demander_complement", "Ajoutez votre diplôme").status_code == 302
    db.session.refresh(profil)
    assert profil.etat_inscription == EtatInscription.complement_demande
    assert profil.date_complement_demande is not None
    inscription.apply(profil, "transmettre", Acteur.from_user(user))
    db.session.commit()
    assert decide(client, profil, "valider").status_code == 302
    db.session.refresh(profil)
    assert profil.etat_inscription == EtatInscription.validee
    subjects = db.session.scalars(
        select(OutboxMessage.subject).where(OutboxMessage.recipients == user.email)
    ).all()
    assert any("complément" in s for s in subjects) and any("validée" in s for s in subjects)
    events = db.session.scalars(
        select(TransitionHistorique.evenement).where(TransitionHistorique.objet_id == profil.id)
    ).all()
    assert events == ["transmettre", "demander_complement", "transmettre", "valider"]
    text = page_text(client.get(f"/gestion/demandes-inscription/show/{profil.id}"))
    assert "Ajoutez votre diplôme" in text


def test_rejection_and_one_year_rule(factory, login_as, app):
    user, profil = transmise(factory)
    client = login_as("gestionnaire", "DR-84")
    assert decide(client, profil, "rejeter", "Profil hors besoins").status_code == 302
    db.session.refresh(profil)
    assert profil.etat_inscription == EtatInscription.rejetee
    # 23:30 UTC is the next day in Paris, winter and summer: the page shows the Paris day
    profil.date_premiere_analyse = (utcnow() - timedelta(days=10)).replace(hour=23, minute=30)
    db.session.commit()
    own = app.test_client()
    sign_in(own, user)
    text = page_text(own.get("/profil/parcours"))
    # the Paris calendar day (between 23:00 and midnight UTC it is the next day)
    echeance = (profil.date_premiere_analyse + timedelta(days=365)).replace(tzinfo=UTC)
    expected = echeance.astimezone(ZoneInfo("Europe/Paris")).strftime("%d/%m/%Y")
    assert f"à partir du {expected}." in text  # the day, without an hour
    # one year later the request may be transmitted again
    profil.date_premiere_analyse = utcnow() - timedelta(days=366)
    db.session.commit()
    inscription.apply(profil, "transmettre", Acteur.from_user(user))
    assert profil.etat_inscription == EtatInscription.transmise


def test_intervenant_cannot_reach_gestion(login_as, factory):
    _, profil = transmise(factory)
    client = login_as("intervenant")
    assert client.get(f"/gestion/demandes-inscription/show/{profil.id}").status_code in (302, 403)


def test_queue_filters_state_and_region(factory, login_as):
    from app.models.referentiels import Region

    _, a = transmise(factory)
    _, b = factory.intervenant("DR-84")  # brouillon
    region = db.session.scalar(select(Region).where(Region.code == "93"))
    a.regions = [region]
    db.session.commit()
    client = login_as("gestionnaire", "DR-84")
    by_state = page_text(client.get("/gestion/demandes-inscription/list/?etat=transmise"))
    assert f"/show/{a.id}" in by_state and f"/show/{b.id}" not in by_state
    assert '<option selected value="transmise">' in by_state  # the form keeps the criterion
    by_region = client.get(f"/gestion/demandes-inscription/list/?region={region.id}")
    assert by_region.status_code == 200
    text = page_text(by_region)
    assert f"/show/{a.id}" in text and f"/show/{b.id}" not in text


def _ids(client, url: str) -> list[int]:
    import re

    page = client.get(url)
    assert page.status_code == 200, url
    return [int(i) for i in re.findall(r'href="/gestion/demandes-inscription/show/(\d+)"', page_text(page))]


def test_queue_criteria_name_first_name_specialite_and_dates(factory, login_as):
    from datetime import datetime

    from app.models.referentiels import Specialite

    _, a = transmise(factory)
    _, b = transmise(factory)
    a.nom_usage, a.prenom, a.date_transmission = "Dupont-Moretti", "Éloïse", datetime(2026, 3, 9, 14, 5)
    b.nom_usage, b.prenom, b.date_transmission = "Martin", "Paul", datetime(2026, 4, 1, 9, 0)
    specialite = db.session.scalar(select(Specialite).order_by(Specialite.id).limit(1))
    b.specialites = [specialite]
    db.session.commit()
    client = login_as("gestionnaire", "DR-84")
    base = "/gestion/demandes-inscription/list/"
    assert _ids(client, base + "?nom=dupont") == [a.id]  # contains, any case
    assert _ids(client, base + "?prenom=LO%C3%AF") == [a.id]  # « LOï »: accents as typed
    assert _ids(client, base + "?nom=%25") == []  # a LIKE wildcard is a character here
    assert _ids(client, base + f"?specialite={specialite.id}") == [b.id]
    assert _ids(client, base + "?du=2026-03-09&au=2026-03-09") == [a.id]  # the whole last day
    assert _ids(client, base + "?du=10/03/2026") == [b.id]  # typed the French way
    assert _ids(client, base + "?au=2026-03-31") == [a.id]
    assert set(_ids(client, base + "?au=9999-12-31&du=0001-01-01")) == {a.id, b.id}


def test_queue_blank_name_is_no_criterion(factory, login_as):
    """Spaces alone are no criterion (not « names containing three spaces »)."""
    _, profil = transmise(factory)
    client = login_as("gestionnaire", "DR-84")
    assert _ids(client, "/gestion/demandes-inscription/list/?nom=+++&prenom=+") == [profil.id]
    assert _ids(client, f"/gestion/demandes-inscription/list/?nom=+{profil.nom_usage}+") == [profil.id]


@pytest.mark.parametrize(
    ("query", "champ", "message"),
    [
        ("du=31/02/2026", "du", "Date invalide : saisissez-la au format jj/mm/aaaa."),
        ("du=2026-04-02&au=2026-04-01", "au", "La date de fin doit être postérieure ou égale à la date de début."),
        ("etat=inconnu", "etat", "Choix invalide."),
        ("specialite=abc", "specialite", "Choix invalide."),
        ("region=999999", "region", "Choix invalide."),
        ("taille=7", "taille", "Choix invalide."),
    ],
)
def test_queue_wrong_criterion_is_shown_next_to_its_field_and_left_out(factory, login_as, query, champ, message):
    _, profil = transmise(factory)
    client = login_as("gestionnaire", "DR-84")
    page = client.get(f"/gestion/demandes-inscription/list/?{query}&nom={profil.nom_usage}")
    assert page.status_code == 200
    html = page_text(page)
    assert f'<p class="help-block erreur" id="{champ}-erreur">{message}</p>' in html.replace("&#39;", "'")
    assert f'id="{champ}"' in html and 'aria-invalid="true"' in html
    assert f"/show/{profil.id}" in html  # the other criteria still apply, nothing is lost
    assert f'value="{profil.nom_usage}"' in html


def test_queue_order_newest_transmission_first_drafts_never_and_sortable(factory, login_as):
    from datetime import datetime

    _, ancien = transmise(factory)
    _, brouillon = factory.intervenant("DR-84")
    _, recent = transmise(factory)
    ancien.date_transmission = datetime(2025, 1, 1)
    recent.date_transmission = datetime(2026, 6, 1)
    ancien.nom_usage, brouillon.nom_usage, recent.nom_usage = "Bernard", "Albert", "Colin"
    db.session.commit()
    client = login_as("gestionnaire", "DR-84")
    base = "/gestion/demandes-inscription/list/"
    assert _ids(client, base) == [recent.id, ancien.id]
    assert _ids(client, base + "?tri=date&sens=asc") == [ancien.id, recent.id]
    assert _ids(client, base + "?tri=nom&sens=asc") == [ancien.id, recent.id]
    assert _ids(client, base + "?tri=nom&sens=desc") == [recent.id, ancien.id]
    assert _ids(client, base + "?tri=inconnu") == [recent.id, ancien.id]
    assert _ids(client, base + "?etat=brouillon") == [recent.id, ancien.id]  # not a choice: no criterion
    html = page_text(client.get(base + "?tri=nom&sens=asc&etat=transmise"))
    # the header links keep the criteria and turn the order round
    assert 'href="/gestion/demandes-inscription/list/?tri=nom&sens=desc&etat=transmise"' in html
    assert 'aria-sort="ascending"' in html


def test_queue_pages_keep_the_criteria_and_a_page_too_far_is_the_last(factory, login_as):
    for _ in range(23):
        transmise(factory)
    client = login_as("gestionnaire", "DR-84")
    base = "/gestion/demandes-inscription/list/"
    premiere = _ids(client, base + "?etat=transmise")
    seconde = _ids(client, base + "?etat=transmise&page=2")
    assert len(premiere) == 20 and len(seconde) == 3 and not set(premiere) & set(seconde)
    html = page_text(client.get(base + "?etat=transmise"))
    assert "23 demande(s) d'inscription – page 1 sur 2" in html
    assert 'href="/gestion/demandes-inscription/list/?page=2&etat=transmise"' in html
    assert _ids(client, base + "?etat=transmise&page=99999999999999999999") == seconde
    assert _ids(client, base + "?etat=transmise&page=-3") == premiere
    assert len(_ids(client, base + "?etat=transmise&taille=50")) == 23
    assert "Aucune demande d'inscription ne correspond à ces critères." in page_text(client.get(base + "?nom=zzzz"))


def test_queue_of_a_gestionnaire_without_structure_is_empty(app, factory):
    """A Gestionnaire role without a structure link fails closed."""
    from app.security import roles
    from tests.conftest import sign_in

    transmise(factory, "DR-84")
    client = app.test_client()
    sign_in(client, factory.create_user(roles.GESTIONNAIRE))
    page = client.get("/gestion/demandes-inscription/list/")
    assert page.status_code == 200
    assert "Aucune demande d'inscription." in page_text(page)
    assert "Aucune demande d'inscription ne correspond à ces critères." in page_text(
        client.get("/gestion/demandes-inscription/list/?etat=transmise"))


def test_queue_of_a_national_admin_lists_every_structure(factory, login_as):
    _, lyon = transmise(factory, "DR-84")
    _, paris = transmise(factory, "DR-11")
    ids = _ids(login_as("admin_national"), "/gestion/demandes-inscription/list/")
    assert {lyon.id, paris.id} <= set(ids)


def test_queue_reads_the_columns_it_shows_with_the_structure(factory, login_as):
    """The list reads its columns and the structure's name in its page
    statement (no whole profile with its Parcours text, no query for the
    structure); the request page still reads the whole profile."""
    from tests.outils.annonces import count_queries

    _, profil = transmise(factory)
    transmise(factory)
    client = login_as("gestionnaire", "DR-84")
    db.session.expire_all()
    with count_queries() as statements:
        page = client.get("/gestion/demandes-inscription/list/")
    assert page.status_code == 200
    assert profil.nom_usage in page_text(page) and "Délégation" in page_text(page)
    lectures = [s for s in statements if "FROM intervenant" in s and "count(" not in s]
    assert len(lectures) == 1 and "texte_parcours" not in lectures[0] and "structure" in lectures[0]
    assert not [s for s in statements if s.lstrip().startswith("SELECT structure.")]
    show = client.get(f"/gestion/demandes-inscription/show/{profil.id}")
    assert show.status_code == 200 and profil.prenom in page_text(show)


@pytest.mark.parametrize("role", ["gestionnaire", "admin_national"])
def test_a_draft_is_invisible_to_staff(app, factory, login_as, monkeypatch, role):
    """Issue 19, point 2: a never-transmitted profile is the intervenant's
    alone: not in the queue, its page, its decision URL nor the API."""
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", False)  # the decision's 404 comes first
    _, brouillon = factory.intervenant("DR-84")
    client = login_as(role, "DR-84")
    assert brouillon.id not in _ids(client, "/gestion/demandes-inscription/list/")
    assert client.get(f"/gestion/demandes-inscription/show/{brouillon.id}").status_code == 404
    assert client.post(f"/gestion/decisions-inscription/{brouillon.id}", data={}).status_code == 404
    assert client.get(f"/api/v1/intervenants/{brouillon.id}").status_code == 404
    ids = [r["id"] for r in client.get("/api/v1/intervenants/?q=(page_size:100)").get_json()["result"]]
    assert brouillon.id not in ids
