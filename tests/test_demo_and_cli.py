"""Demo data and the operating commands."""

from __future__ import annotations

from sqlalchemy import func, select

from app.demo import DEMO_PASSWORD, load_demo
from app.extensions import db
from app.models.comptes import EtatInscription, Gestionnaire, Intervenant
from app.models.workflow import TransitionHistorique
from tests.conftest import login, page_text


def _count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_demo_is_idempotent_and_covers_every_state(app):
    logins = load_demo()
    counts = (_count(Intervenant), _count(Gestionnaire), _count(TransitionHistorique))
    assert load_demo() == logins
    assert (_count(Intervenant), _count(Gestionnaire), _count(TransitionHistorique)) == counts
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


def test_demo_logins_work_and_menus_fit_roles(app):
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


def test_demo_command_prints_logins(app):
    result = app.test_cli_runner().invoke(args=["demo", "charger"])
    assert result.exit_code == 0, result.output
    assert DEMO_PASSWORD in result.output
    assert "admin.national@" in result.output
