"""Two-factor sign-in for staff (issue 28): enrolment, the code step (right,
wrong, replayed, expired codes; recovery codes), the shared throttle, the
admin reset, the API login, the roles setting, the secret encrypted at rest."""

from __future__ import annotations

import base64
import re

import pytest
from sqlalchemy import func, select, text

from app.extensions import db
from app.models.authentification import SessionUtilisateur, TentativeConnexion
from app.models.deux_facteurs import CodeSecours, SecondFacteur
from app.models.outbox import OutboxMessage
from app.security import deux_facteurs
from tests.conftest import PASSWORD, SECRET_TOTP, code_totp, corps_envoye, csrf_token_from, enroler, page_text, sign_in
from tests.outils.comptes import _action_utilisateurs

CODE_STEP = "/login/code"
ENROLEMENT = "/compte/double-authentification/activer"


def post_login(client, username, password=PASSWORD):
    page = client.get("/login/")
    return client.post(
        "/login/",
        data={"username": username, "password": password, "csrf_token": csrf_token_from(page.get_data(as_text=True))},
    )


def post_code(client, code="", secours=""):
    page = client.get(CODE_STEP)
    return client.post(
        CODE_STEP,
        data={"code": code, "code_secours": secours, "csrf_token": csrf_token_from(page.get_data(as_text=True))},
    )


def sessions_de(user) -> int:
    return db.session.scalar(select(func.count()).select_from(SessionUtilisateur).where(SessionUtilisateur.user_id == user.id))


def motifs(user) -> list[str]:
    return list(db.session.scalars(
        select(TentativeConnexion.motif).where(TentativeConnexion.user_id == user.id).order_by(TentativeConnexion.id)
    ))


def autre_code(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


# -- enrolment --------------------------------------------------------------------
def test_staff_without_second_factor_is_led_to_enrol_then_gets_recovery_codes(client, factory):
    user = factory.gestionnaire()
    response = post_login(client, user.email)
    assert response.status_code == 302
    # Only the enrolment page (and logout, static files) until done.
    for page in ("/cvtheque/", "/compte/mot-de-passe", "/"):
        assert client.get(page).headers["Location"].endswith(ENROLEMENT), page
    statique = client.get("/static/appbuilder/css/bootstrap.min.css")
    assert statique.status_code == 200
    statique.close()

    html = page_text(client.get(ENROLEMENT))
    secret = deux_facteurs.facteur(user.id).secret_en_attente
    assert "<svg" in html and "http" not in html.split("<svg", 1)[1].split("</svg>", 1)[0].replace(
        "http://www.w3.org/2000/svg", ""
    ), "QR code inline, no external resource"
    assert deux_facteurs.secret_lisible(secret) in html
    assert 'autocomplete="one-time-code"' in html and 'inputmode="numeric"' in html
    assert '<label class="control-label" for="code">' in html

    token = csrf_token_from(html)
    mauvais = client.post(ENROLEMENT, data={"code": autre_code(code_totp(secret)), "csrf_token": token})
    assert mauvais.status_code == 200
    assert 'id="code-erreur"' in mauvais.get_data(as_text=True) and "Code incorrect" in page_text(mauvais)
    assert not deux_facteurs.actif(user.id)

    ok = client.post(ENROLEMENT, data={"code": code_totp(secret), "csrf_token": token})
    assert ok.status_code == 200 and ok.headers["Cache-Control"] == "no-store"
    codes = re.findall(r"<li><code>([A-Z0-9-]{14})</code></li>", ok.get_data(as_text=True))
    assert len(codes) == 10 and len(set(codes)) == 10
    fichier = re.search(r'href="data:text/plain;charset=utf-8;base64,([^"]+)" download=', ok.get_data(as_text=True))
    assert all(code in base64.b64decode(fichier.group(1)).decode() for code in codes)
    assert deux_facteurs.actif(user.id)
    stockes = set(db.session.scalars(select(CodeSecours.code_hash).where(CodeSecours.user_id == user.id)))
    assert len(stockes) == 10 and not stockes & set(codes)
    # Enrolled: the pages open.
    assert client.get("/cvtheque/").status_code == 200
    # The first code was consumed: it cannot sign in again.
    assert deux_facteurs.facteur(user.id).dernier_pas is not None


def test_the_secret_is_encrypted_at_rest(factory):
    user = factory.gestionnaire()
    enroler(user)
    brut = db.session.execute(text("SELECT secret FROM second_facteur WHERE user_id = :id"), {"id": user.id}).scalar()
    assert brut and SECRET_TOTP not in brut and brut.startswith("gAAAA")  # Fernet
    assert deux_facteurs.facteur(user.id).secret == SECRET_TOTP


def test_an_enrolled_staff_member_cannot_replace_the_device_without_the_second_step(app, factory):
    user = factory.gestionnaire()
    enroler(user)
    client = app.test_client()
    from app.security.sessions import cles_de_session

    cles = cles_de_session(user)
    db.session.commit()
    with client.session_transaction() as session:
        session.update(cles)  # a session that did not pass the code step
    assert "/login" in client.get(ENROLEMENT).headers["Location"]
    assert deux_facteurs.facteur(user.id).secret_en_attente is None


# -- sign-in ----------------------------------------------------------------------
def test_the_session_opens_only_after_the_right_code(client, factory):
    user = factory.gestionnaire()
    enroler(user)
    response = post_login(client, user.email)
    assert response.headers["Location"].endswith(CODE_STEP)
    assert sessions_de(user) == 0
    assert "/login" in client.get("/cvtheque/").headers["Location"]
    html = client.get(CODE_STEP).get_data(as_text=True)
    assert 'autocomplete="one-time-code"' in html and 'inputmode="numeric"' in html
    response = post_code(client, code_totp())
    assert response.status_code == 302 and CODE_STEP not in response.headers["Location"]
    assert sessions_de(user) == 1
    assert client.get("/cvtheque/").status_code == 200
    assert motifs(user) == ["code_requis", "succes"]


@pytest.mark.parametrize(
    ("decalage", "accepte"),
    [(0, True), (-30, True), (30, True), (-90, False), (90, False)],
    ids=["maintenant", "pas-precedent", "pas-suivant", "expire", "trop-en-avance"],
)
def test_clock_tolerance_is_one_step(client, factory, decalage, accepte):
    user = factory.gestionnaire()
    enroler(user)
    post_login(client, user.email)
    response = post_code(client, code_totp(decalage=decalage))
    assert (response.status_code == 302) is accepte
    if not accepte:
        assert "Code de vérification incorrect ou déjà utilisé." in page_text(response)
        assert 'id="code-erreur"' in response.get_data(as_text=True)
        assert motifs(user)[-1] == "code"


def test_a_wrong_code_is_refused_and_logged(client, factory):
    user = factory.gestionnaire()
    enroler(user)
    post_login(client, user.email)
    response = post_code(client, autre_code(code_totp()))
    assert response.status_code == 200 and sessions_de(user) == 0
    assert motifs(user) == ["code_requis", "code"]
    vide = post_code(client, "")
    assert "Veuillez saisir le code" in page_text(vide)


def test_a_code_is_accepted_once(app, factory):
    user = factory.gestionnaire()
    enroler(user)
    code = code_totp()
    premier = app.test_client()
    post_login(premier, user.email)
    assert post_code(premier, code).status_code == 302
    second = app.test_client()
    post_login(second, user.email)
    response = post_code(second, code)
    assert response.status_code == 200 and "déjà utilisé" in page_text(response)
    assert motifs(user)[-1] == "code_rejoue"


def test_the_code_step_expires(client, factory, monkeypatch):
    user = factory.gestionnaire()
    enroler(user)
    post_login(client, user.email)
    instant = deux_facteurs.maintenant()
    monkeypatch.setattr(deux_facteurs, "maintenant", lambda: instant + deux_facteurs.DUREE_ATTENTE + 1)
    page = client.get(CODE_STEP)
    assert page.headers["Location"].endswith("/login/")
    assert sessions_de(user) == 0


def test_a_recovery_code_signs_in_once(app, factory):
    user = factory.gestionnaire()
    codes = enroler(user)
    client = app.test_client()
    post_login(client, user.email)
    response = post_code(client, secours=codes[3].lower().replace("-", " "))
    assert response.status_code == 302
    accueil = page_text(client.get(response.headers["Location"], follow_redirects=True))
    assert "code de secours (il vous en reste 9)" in accueil
    assert motifs(user)[-1] == "code_secours"
    autre = app.test_client()
    post_login(autre, user.email)
    refus = post_code(autre, secours=codes[3])
    assert refus.status_code == 200 and 'id="code_secours-erreur"' in refus.get_data(as_text=True)
    # ... then the person may enrol a new device from « Mon compte ».
    assert client.get(ENROLEMENT + "?nouveau=1").status_code == 200
    assert deux_facteurs.facteur(user.id).secret_en_attente not in (None, SECRET_TOTP)


def test_wrong_codes_count_in_the_password_throttle(app, client, factory):
    user = factory.gestionnaire()
    enroler(user)
    seuil = app.config["AUTH_MAX_ECHECS"]
    post_login(client, user.email)
    for _ in range(seuil - 2):
        post_code(client, autre_code(code_totp()))
    # A right password again does not restart the count...
    assert post_login(client, user.email).headers["Location"].endswith(CODE_STEP)
    for _ in range(2):
        post_code(client, autre_code(code_totp()))
    # ... and the right code is now refused, as is the password.
    response = post_code(client, code_totp())
    assert response.headers["Location"].endswith("/login/")
    assert "Trop de tentatives" in page_text(client.get("/login/"))
    assert "Trop de tentatives" in page_text(client.get(post_login(client, user.email).headers["Location"]))
    assert sessions_de(user) == 0
    assert motifs(user).count("code") == seuil and motifs(user)[-1] == "ralenti"


# -- lost device: the national admin's reset -------------------------------------------


def test_a_national_admin_resets_a_second_factor_logged_and_mailed(login_as, factory):
    admin = login_as("admin_national")
    user = factory.gestionnaire()
    enroler(user)
    personne = factory.app.test_client()
    sign_in(personne, user)
    response = _action_utilisateurs(admin, "reinitialiser_second_facteur", user)
    assert response.status_code == 302
    assert db.session.get(SecondFacteur, user.id) is None
    assert not db.session.scalar(select(func.count()).select_from(CodeSecours).where(CodeSecours.user_id == user.id))
    ligne = db.session.scalar(
        select(TentativeConnexion).where(TentativeConnexion.motif == deux_facteurs.MOTIF_REINITIALISATION)
    )
    assert (ligne.user_id, ligne.acteur_id, ligne.canal, ligne.succes) == (user.id, admin.user.id, "admin", False)
    message = db.session.scalar(select(OutboxMessage).where(OutboxMessage.recipients == user.email))
    assert message.subject == "Réinitialisation de votre double authentification"
    assert "enregistrer un nouvel appareil" in corps_envoye(message)
    # Their sessions ended; at the next sign-in they enrol again.
    assert "/login" in personne.get("/cvtheque/").headers["Location"]
    client = factory.app.test_client()
    post_login(client, user.email)
    assert client.get("/").headers["Location"].endswith(ENROLEMENT)


def test_a_gestionnaire_cannot_reset_a_second_factor(login_as, factory):
    gestionnaire = login_as("gestionnaire")
    user = factory.gestionnaire()
    enroler(user)
    _action_utilisateurs(gestionnaire, "reinitialiser_second_facteur", user)
    assert deux_facteurs.actif(user.id)


# -- API ----------------------------------------------------------------------------------
def _api(client, email, **extra):
    return client.post("/api/v1/security/login", json={"username": email, "password": PASSWORD, "provider": "db", **extra})


def test_the_api_login_of_staff_requires_the_code(client, factory):
    user = factory.gestionnaire()
    assert _api(client, user.email).status_code == 401  # not enrolled: enrol on the web first
    assert motifs(user) == ["enrolement_requis"]
    enroler(user)
    assert _api(client, user.email).status_code == 401
    assert _api(client, user.email, totp=autre_code(code_totp())).status_code == 401
    ok = _api(client, user.email, totp=code_totp())
    assert ok.status_code == 200 and "access_token" in ok.get_json()
    assert _api(client, user.email, totp=code_totp()).status_code == 401  # replayed
    assert motifs(user)[1:] == ["code_requis", "code_requis", "code", "code_requis", "succes", "code_requis", "code_rejoue"]


def test_the_api_login_of_an_intervenant_without_second_factor(client, factory):
    user, _ = factory.intervenant()
    assert _api(client, user.email).status_code == 200


# -- the roles setting and the intervenants' choice ------------------------------------------
def test_the_roles_that_must_use_it_are_a_setting(app, client, factory, monkeypatch):
    monkeypatch.setitem(app.config, "DEUX_FACTEURS_ROLES", ("Administrateur national",))
    gestionnaire = factory.gestionnaire()
    admin = factory.admin_national()
    post_login(client, gestionnaire.email)
    assert client.get("/cvtheque/").status_code == 200
    autre = app.test_client()
    post_login(autre, admin.email)
    assert autre.get("/").headers["Location"].endswith(ENROLEMENT)
    assert deux_facteurs.roles_obliges() == {"Administrateur national"}


def test_default_roles(app):
    assert deux_facteurs.roles_obliges() == {"Gestionnaire", "Administrateur national"}


def test_an_intervenant_may_choose_it_in_mon_compte(app, client, factory):
    user, _ = factory.intervenant()
    post_login(client, user.email)
    assert client.get("/").status_code == 200  # optional: no enrolment imposed
    assert "n'est pas activée" in page_text(client.get("/compte/double-authentification/"))
    html = client.get(ENROLEMENT).get_data(as_text=True)
    secret = deux_facteurs.facteur(user.id).secret_en_attente
    client.post(ENROLEMENT, data={"code": code_totp(secret), "csrf_token": csrf_token_from(html)})
    assert deux_facteurs.actif(user.id)
    # From now on the sign-in asks the code.
    autre = app.test_client()
    assert post_login(autre, user.email).headers["Location"].endswith(CODE_STEP)
    # Turned off with the password.
    page = client.get("/compte/double-authentification/").get_data(as_text=True)
    mauvais = client.post("/compte/double-authentification/desactiver",
                          data={"desactivation-mot_de_passe_actuel": "Faux-1!", "csrf_token": csrf_token_from(page)})
    assert mauvais.status_code == 302 and deux_facteurs.actif(user.id)
    client.post("/compte/double-authentification/desactiver",
                data={"desactivation-mot_de_passe_actuel": PASSWORD, "csrf_token": csrf_token_from(page)})
    assert not deux_facteurs.actif(user.id)


def test_staff_cannot_turn_it_off_but_may_renew_recovery_codes(login_as):
    client = login_as("gestionnaire")
    anciens = enroler(client.user)
    page = client.get("/compte/double-authentification/").get_data(as_text=True)
    assert "desactivation-mot_de_passe_actuel" not in page
    client.post("/compte/double-authentification/desactiver",
                data={"desactivation-mot_de_passe_actuel": PASSWORD, "csrf_token": csrf_token_from(page)})
    assert deux_facteurs.actif(client.user.id)
    response = client.post("/compte/double-authentification/codes-de-secours",
                           data={"codes-mot_de_passe_actuel": PASSWORD, "csrf_token": csrf_token_from(page)})
    nouveaux = re.findall(r"<li><code>([A-Z0-9-]{14})</code></li>", response.get_data(as_text=True))
    assert len(nouveaux) == 10 and not set(nouveaux) & set(anciens)
    assert not deux_facteurs.verifier(client.user.id, anciens[0]).ok
    assert deux_facteurs.verifier(client.user.id, nouveaux[0]).ok


# -- embedded run --------------------------------------------------------------------------
def test_the_demo_secret_only_under_the_embedded_run(app, monkeypatch):
    from app.donnees.demo import DEMO_SECRET_TOTP, message_second_facteur
    from config import DefaultConfig, ProductionConfig

    assert DefaultConfig.DEMO_SECOND_FACTEUR is True and ProductionConfig.DEMO_SECOND_FACTEUR is False
    assert DEMO_SECRET_TOTP in message_second_facteur()
    monkeypatch.setitem(app.config, "DEMO_SECOND_FACTEUR", False)
    assert message_second_facteur() is None
