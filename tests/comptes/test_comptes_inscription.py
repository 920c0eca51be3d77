"""Registration "Remplir un CV en ligne", activation and uniqueness (issue #3)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from flask_appbuilder.security.sqla.models import User
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import base
from app.models.authentification import EtatCompte, JetonCompte
from app.models.comptes import Intervenant
from app.workflows import compte as cycle_compte
from app.workflows.core import Acteur
from tests.conftest import csrf_token_from, deconnecter, page_text
from tests.outils.comptes import (
    PASSWORD_OK,
    TEST_ANSWER,
    hidden,
    last_mail,
    link_in,
    open_documents,
    registration_data,
    submit_registration,
    user_by_email,
)


@pytest.fixture(autouse=True)
def _captcha_solvable(app, monkeypatch):
    monkeypatch.setitem(app.config, "CAPTCHA_TEST_ANSWER", TEST_ANSWER)


def test_registration_page_has_every_field_of_the_manual(client):
    html = page_text(client.get("/inscription"))
    for label in (
        "Civilité *",
        "Monsieur",
        "Madame",
        "Nom de famille (naissance) *",
        "Nom d'usage *",
        "Identique au nom de famille",
        "Prénom *",
        "Date de Naissance *",
        "Adresse e-mail de contact (identifiant de connexion) *",
        "Confirmer l'adresse e-mail de contact (identifiant de connexion) *",
        "Saisir un mot de passe *",
        "Confirmer le mot de passe *",
        "J'ai pris connaissance de la charte des intervenants",
        "J'ai pris connaissance des conditions générales d'emploi des intervenants",
        "J'ai pris connaissance des mentions légales",
        "Recopier le texte de l'image",
        "Générer une autre image",
        "Écouter le code (version audio)",
        "Valider",
    ):
        assert label in html, label


def test_whole_journey_registration_activation_login(app, client):
    response = submit_registration(client)
    assert response.status_code == 200, page_text(response)[:2000]
    assert "courriel contenant un lien" in page_text(response)
    user = user_by_email("jean.dubois@example.test")
    assert user is not None and not user.active and user.username == "jean.dubois@example.test"
    profil = db.session.scalar(select(Intervenant).where(Intervenant.user_id == user.id))
    assert profil.nom_usage == "Dubois" and profil.identite_normalisee == "m|dubois|jean|1975-04-12"

    # Not activated yet: its own message at login.
    page = client.get("/login/")
    response = client.post(
        "/login/",
        data={"username": "jean.dubois@example.test", "password": PASSWORD_OK, "csrf_token": csrf_token_from(page.get_data(as_text=True))},
        follow_redirects=True,
    )
    assert "pas encore activé" in page_text(response)

    mail = last_mail("jean.dubois@example.test")
    assert mail.subject == "Inscription sur l'Espace intervenants"
    link = link_in(mail)
    response = client.get(link)
    assert response.status_code == 302 and response.headers["Location"].endswith("/profil/identification")
    db.session.refresh(user)
    assert user.active
    # Single use: the same link again gives the clear page with a way to start again.
    other = app.test_client()
    again = page_text(other.get(link))
    assert "a expiré ou a déjà été utilisé" in again and "/inscription" in again

    deconnecter(client)
    page = client.get("/login/")
    response = client.post(
        "/login/",
        data={"username": "Jean.Dubois@Example.test", "password": PASSWORD_OK, "csrf_token": csrf_token_from(page.get_data(as_text=True))},
    )
    assert response.status_code == 302 and "/login" not in response.headers["Location"]


def test_documents_must_be_opened_server_side(client):
    response = submit_registration(client, documents=False)
    assert response.status_code == 422
    assert "Cliquez sur chacun des trois liens" in page_text(response)
    assert user_by_email("jean.dubois@example.test") is None


def test_form_kept_filled_with_messages_next_to_fields(client):
    response = submit_registration(
        client,
        email="pas-une-adresse",
        email_confirmation="autre@example.test",
        password="court",
        password_confirmation="autre",
        date_naissance=(date.today() + timedelta(days=3)).isoformat(),
        prenom="  Jean   Pierre ",
    )
    html = page_text(response)
    assert response.status_code == 422
    assert "L'adresse e-mail n'est pas valide" in html
    assert "Les deux adresses e-mail ne sont pas identiques." in html
    assert "8 à 24 caractères dont au moins une lettre minuscule" in html
    assert "Les deux mots de passe ne sont pas identiques." in html
    assert "La date de naissance ne peut pas être dans le futur." in html
    assert 'value="Jean Pierre"' in html and 'value="Dubois"' in html  # kept, trimmed
    assert PASSWORD_OK not in html and 'value="court"' not in html  # passwords never re-rendered
    assert db.session.scalar(select(func.count()).select_from(Intervenant).where(Intervenant.nom_naissance == "Dubois")) == 0


@pytest.mark.parametrize(
    "password",
    ["Court1!", "sansmajuscule1!", "SANSMINUSCULE1!", "SansChiffre!!", "SansSpecial12", "Beaucoup-Trop-Long-12345!"],
)
def test_password_policy(client, password):
    response = submit_registration(client, password=password, password_confirmation=password)
    assert "8 à 24 caractères" in page_text(response)
    assert user_by_email("jean.dubois@example.test") is None


def test_minor_refused(client):
    birth = date.today().replace(year=date.today().year - 17).isoformat()
    response = submit_registration(client, date_naissance=birth)
    assert "Vous devez être majeur(e)" in page_text(response)


def test_bad_input_oversized_and_markup_refused_and_escaped(client):
    response = submit_registration(client, nom_naissance="<script>alert(1)</script>", prenom="x" * 500)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html
    assert "Seuls les lettres" in page_text(response) and "100 caractères au maximum." in page_text(response)
    assert user_by_email("jean.dubois@example.test") is None


def test_missing_csrf_token_refused_nothing_stored(client):
    response = submit_registration(client, csrf_token="")
    assert response.status_code == 400
    assert user_by_email("jean.dubois@example.test") is None


def test_wrong_or_replayed_captcha_refused(client):
    response = submit_registration(client, captcha="000000-faux")
    assert response.status_code == 422
    assert "ne correspond pas à l'image" in page_text(response)
    # Replay: the challenge of a first (failed) submission cannot be reused.
    page = client.get("/inscription")
    html = page.get_data(as_text=True)
    challenge = hidden(html, "captcha_id")
    open_documents(client)
    data = registration_data(csrf_token=csrf_token_from(html), captcha_id=challenge, password="x")
    client.post("/inscription", data=data)
    data.update(password=PASSWORD_OK, captcha=TEST_ANSWER)
    open_documents(client)
    response = client.post("/inscription", data=data)
    assert "ne correspond pas à l'image" in page_text(response)
    assert user_by_email("jean.dubois@example.test") is None


def test_other_image_keeps_the_form_filled(client):
    page = client.get("/inscription")
    html = page.get_data(as_text=True)
    first = hidden(html, "captcha_id")
    data = registration_data(csrf_token=csrf_token_from(html), captcha_id=first, autre_image="Générer une autre image")
    response = client.post("/inscription", data=data)
    html = response.get_data(as_text=True)
    assert hidden(html, "captcha_id") != first
    assert 'value="Dubois"' in html
    assert "ne correspond pas" not in page_text(response)


def test_duplicate_email_case_insensitive_and_identity_normalised(client, factory):
    factory.intervenant(email="jean.dubois@example.test")
    response = submit_registration(client, email="JEAN.Dubois@example.test", email_confirmation="jean.dubois@example.TEST")
    assert response.status_code == 409
    assert "existe déjà" in page_text(response)

    response = submit_registration(client, nom_naissance="Dubois", email="autre@example.test", email_confirmation="autre@example.test")
    assert response.status_code == 200  # first with this identity
    other = page_text(
        submit_registration(
            client,
            prenom="JEAN",
            nom_naissance="Düböis",
            email="troisieme@example.test",
            email_confirmation="troisieme@example.test",
        )
    )
    assert "existe déjà" in other
    assert user_by_email("troisieme@example.test") is None


def test_duplicate_of_archived_account_offers_reactivation(client, factory):
    user, profil = factory.intervenant(email="ancien@example.test")
    cycle_compte.appliquer(user.id, "archiver", Acteur.systeme())
    db.session.commit()
    response = submit_registration(client, email="ancien@example.test", email_confirmation="ancien@example.test")
    html = page_text(response)
    assert "Un compte archivé correspondant aux informations saisies a été trouvé en base" in html
    assert "Réactivation de mon compte archivé" in html and "aide-et-contact?type=REACTIVATION" in html
    # issue 40: said once (the notice with its link), not also in a flash
    assert html.count("Un compte archivé correspondant aux informations saisies a été trouvé en base") == 1


def test_database_refuses_duplicates(app, client):
    """The unique indexes hold even when the application check is bypassed
    (two concurrent submissions both passing the check)."""
    assert submit_registration(client).status_code == 200
    from app.security.auth import creer_utilisateur

    with pytest.raises(IntegrityError):
        with db.session.begin_nested():
            creer_utilisateur("JEAN.DUBOIS@example.test", "Jean", "Dubois", "Intervenant", PASSWORD_OK)
    # Any write path stores the e-mail lowercased, and the database refuses
    # an uppercase one written behind the ORM's back.
    with pytest.raises(IntegrityError):
        with db.session.begin_nested():
            db.session.add(User(first_name="J", last_name="D", username="x", email="Jean.Dubois@EXAMPLE.test", active=True))
    with pytest.raises(IntegrityError):
        with db.session.begin_nested():
            db.session.execute(
                sa.text(
                    "INSERT INTO ab_user (first_name, last_name, username, email, active) "
                    "VALUES ('J', 'D', 'y', 'MAJ@EXAMPLE.TEST', TRUE)"
                )
            )
    other = creer_utilisateur("autre.jean@example.test", "Jean", "Dubois", "Intervenant", PASSWORD_OK)
    with pytest.raises(IntegrityError):
        with db.session.begin_nested():
            db.session.add(
                Intervenant(
                    user_id=other.id,
                    civilite="M",
                    nom_naissance="Dubois",
                    nom_usage="Dubois",
                    prenom="Jean",
                    date_naissance=date(1975, 4, 12),
                    identite_normalisee="m|dubois|jean|1975-04-12",
                )
            )


def test_concurrent_double_submission_handled_gracefully(app, client, monkeypatch):
    """The second submission passes the application check (race) and is
    stopped by the database: a French message, nothing half-stored."""
    from app.security import auth

    real = auth.chercher_doublon
    calls = {"n": 0}

    def racing(email, identite):
        calls["n"] += 1
        if calls["n"] == 1:
            # Another session commits the same person between check and insert.
            from app.security.auth import creer_utilisateur

            creer_utilisateur(email, "Jean", "Dubois", "Intervenant", PASSWORD_OK)
            db.session.commit()
            return None
        return real(email, identite)

    monkeypatch.setattr(auth, "chercher_doublon", racing)
    response = submit_registration(client)
    assert response.status_code == 409
    assert "existe déjà" in page_text(response)
    assert db.session.scalar(select(func.count()).select_from(User).where(func.lower(User.email) == "jean.dubois@example.test")) == 1


def test_annonce_parameter_sets_structure(client):
    """Registering from an annonce (« Candidater » while anonymous) attaches the
    new profile to the annonce's structure."""
    from tests.outils.annonces import creer_annonce

    annonce = creer_annonce("DR-11")
    assert submit_registration(client, url=f"/inscription?annonce={annonce.numero}").status_code == 200
    profil = db.session.scalar(select(Intervenant).join(User, User.id == Intervenant.user_id).where(User.email == "jean.dubois@example.test"))
    assert profil.structure_id == annonce.structure_id
    assert profil.structure.code == "DR-11"


def test_unknown_annonce_parameter_leaves_structure_empty(client):
    assert submit_registration(client, url="/inscription?annonce=0000000000").status_code == 200
    profil = db.session.scalar(select(Intervenant).join(User, User.id == Intervenant.user_id).where(User.email == "jean.dubois@example.test"))
    assert profil.structure_id is None


def test_activation_link_expires_after_7_days_and_job_deletes(app, client, monkeypatch):
    submit_registration(client)
    link = link_in(last_mail("jean.dubois@example.test"))
    user_id = user_by_email("jean.dubois@example.test").id
    later = base.utcnow() + timedelta(days=7, minutes=1)
    monkeypatch.setattr(base, "utcnow", lambda: later)
    assert "a expiré ou a déjà été utilisé" in page_text(client.get(link))
    assert not db.session.get(User, user_id).active

    from app.jobs.comptes import supprimer_comptes_non_actives

    assert supprimer_comptes_non_actives() == 1
    db.session.expire_all()
    assert db.session.get(User, user_id) is None
    assert db.session.scalar(select(func.count()).select_from(Intervenant).where(Intervenant.user_id == user_id)) == 0
    assert db.session.scalar(select(func.count()).select_from(JetonCompte).where(JetonCompte.user_id == user_id)) == 0
    assert db.session.get(EtatCompte, user_id) is None


def test_job_keeps_recent_and_activated_accounts(app, client, factory):
    factory.intervenant()
    submit_registration(client)
    from app.jobs.comptes import supprimer_comptes_non_actives

    assert supprimer_comptes_non_actives() == 0
    assert user_by_email("jean.dubois@example.test") is not None


def test_forged_activation_token(client):
    response = client.get("/activation/forge-" + "a" * 40)
    assert "a expiré ou a déjà été utilisé" in page_text(response)


def test_identity_key_follows_profile_corrections(client):
    submit_registration(client)
    profil = db.session.scalar(
        select(Intervenant).join(User, User.id == Intervenant.user_id).where(User.email == "jean.dubois@example.test")
    )
    profil.prenom = "Jean-Édouard"
    db.session.commit()
    assert profil.identite_normalisee == "m|dubois|jean edouard|1975-04-12"
