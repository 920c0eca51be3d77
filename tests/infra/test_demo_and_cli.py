"""Demo data and the operating commands."""

from __future__ import annotations

from flask_appbuilder.security.sqla.models import User
from sqlalchemy import func, select

from app.donnees.demo import DEMO_PASSWORD, load_demo
from app.extensions import db
from app.models.comptes import EtatInscription, Gestionnaire, Intervenant
from app.models.indisponibilites import Indisponibilite
from app.models.workflow import TransitionHistorique
from tests.conftest import login, page_text


def _count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_demo_is_idempotent_and_covers_every_state(app, demo):
    logins = load_demo()
    counts = (_count(Intervenant), _count(Gestionnaire), _count(TransitionHistorique), _count(Indisponibilite))
    assert load_demo() == logins
    assert (_count(Intervenant), _count(Gestionnaire), _count(TransitionHistorique), _count(Indisponibilite)) == counts
    # Issue 23: validated demo intervenants have indisponibilités, Emma Moreau (validée) among them.
    emma = db.session.scalar(select(Intervenant).join(Intervenant.user).where(
        User.email == "emma.moreau@demo.espace-intervenants.fr"))
    assert counts[3] >= 6 and emma.indisponibilites
    states = set(db.session.scalars(select(Intervenant.etat_inscription).distinct()))
    assert {
        EtatInscription.brouillon,
        EtatInscription.transmise,
        EtatInscription.validee,
        EtatInscription.rejetee,
        EtatInscription.complement_demande,
    } <= states
    roles = {role.split(" (")[0] for role, _ in logins}
    assert roles == {"Administrateur national", "Gestionnaire", "Intervenant"}


def test_demo_logins_work_and_menus_fit_roles(app, demo):
    logins = dict((role, email) for role, email in reversed(load_demo()))
    expectations = {
        "Administrateur national": "Console d'administration",
        "Gestionnaire (DR-84)": "Demandes d'inscription",
        "Intervenant (Brouillon)": "Mon profil",
    }
    for role, label in expectations.items():
        client = app.test_client()
        login(client, logins[role], DEMO_PASSWORD)
        assert label in page_text(client.get("/")), role


def test_roles_sync_command(app):
    result = app.test_cli_runner().invoke(args=["roles", "sync"])
    assert result.exit_code == 0, result.output
    assert "Intervenant :" in result.output


def test_demo_command_prints_logins(app, demo):
    result = app.test_cli_runner().invoke(args=["demo", "charger"])
    assert result.exit_code == 0, result.output
    assert DEMO_PASSWORD in result.output
    assert "admin.national@" in result.output
    # Issue 28: the demo's staff are enrolled with the public secret, printed too.
    from app.donnees.demo import DEMO_SECRET_TOTP
    from app.security import deux_facteurs

    assert f"clé TOTP {DEMO_SECRET_TOTP}" in result.output
    admin = app.appbuilder.sm.find_user(email="admin.national@demo.espace-intervenants.fr")
    assert deux_facteurs.facteur(admin.id).secret == DEMO_SECRET_TOTP


def test_production_entry_builds_the_app_and_sets_the_collector(tmp_path):
    """``app.wsgi`` (Procfile) builds the production app once and freezes the
    start-up objects with a higher first GC threshold (run apart: it changes
    the interpreter's collector)."""
    import os
    import subprocess
    import sys

    code = (
        "import gc, app.wsgi as w; "
        "print(w.app.config['WTF_CSRF_ENABLED'], gc.get_threshold()[0], gc.get_freeze_count() > 0)"
    )
    env = {**os.environ, "APP_CONFIG": "production", "SECRET_KEY": "x" * 40, "GC_SEUIL": "12345",
           "DATABASE_URL": f"sqlite:///{tmp_path / 'prod.db'}",
           "ENCRYPTION_KEY": "ZGVtby1rZXktZXNwYWNlLWludGVydmVuYW50cy0wMDA="}
    env.pop("REDIS_URL", None)
    sortie = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert sortie.stdout.split() == ["True", "12345", "True"]
