"""Flask CLI commands (``flask --app app <group> <command>``)."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from app.donnees.demo import DEMO_PASSWORD, demo_cli, load_demo, message_second_facteur
from app.donnees.volume import volume_cli
from app.extensions import db
from app.infra.chiffrement_cli import chiffrement_cli
from app.infra.sauvegarde import sauvegarde_cli
from app.infra.stockage_cli import stockage_cli
from app.jobs.outbox_cli import outbox_cli
from app.models.comptes import Gestionnaire
from app.models.referentiels import Region
from app.referentiels.cli import referentiels_cli
from app.referentiels.loader import load_all
from app.security.sync import sync_roles

roles_cli = AppGroup("roles", help="Rôles et permissions déclarés dans le code.")


@roles_cli.command("sync")
def roles_sync() -> None:
    """Appliquer les rôles et permissions déclarés dans app/security/roles.py."""
    for role, count in sync_roles().items():
        click.echo(f"{role} : {count} permissions")


@click.command("preparer")
@click.option("--sans-demo", is_flag=True, help="Ne pas charger les données de démonstration.")
def preparer(sans_demo: bool) -> None:
    """Mettre la base à jour (migrations, rôles), puis au premier lancement
    charger les référentiels et la démonstration. Idempotent."""
    from flask_migrate import upgrade
    from sqlalchemy import func, select


    upgrade()
    sync_roles()
    if not db.session.scalar(select(func.count()).select_from(Region)):
        load_all()
        db.session.commit()
        click.echo("Référentiels chargés.")
    if not sans_demo and not db.session.scalar(select(func.count()).select_from(Gestionnaire)):
        logins = load_demo()
        click.echo(f"Données de démonstration chargées. Mot de passe de tous les comptes : {DEMO_PASSWORD}")
        for role, email in logins:
            click.echo(f"  {role:<40} {email}")
    if not sans_demo and message_second_facteur():
        click.echo(message_second_facteur())


def init_app(app: Flask) -> None:
    app.cli.add_command(roles_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(outbox_cli)
    app.cli.add_command(referentiels_cli)
    app.cli.add_command(preparer)
    app.cli.add_command(volume_cli)
    app.cli.add_command(chiffrement_cli)
    app.cli.add_command(stockage_cli)
    app.cli.add_command(sauvegarde_cli)
