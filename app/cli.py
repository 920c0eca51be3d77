"""Flask CLI commands (``flask --app app <group> <command>``)."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

roles_cli = AppGroup("roles", help="Rôles et permissions déclarés dans le code.")


@roles_cli.command("sync")
def roles_sync() -> None:
    """Appliquer les rôles et permissions déclarés dans app/security/roles.py."""
    from app.security.sync import sync_roles

    for role, count in sync_roles().items():
        click.echo(f"{role} : {count} permissions")


def init_app(app: Flask) -> None:
    from app.demo import demo_cli

    app.cli.add_command(roles_cli)
    app.cli.add_command(demo_cli)
