"""``flask referentiels …``: load the bundled referentials, import an official one."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from app.extensions import db
from app.referentiels.loader import REFERENTIELS, ReferentielError, load_all, load_referentiel

referentiels_cli = AppGroup("referentiels", help="Référentiels : chargement et import des fichiers CSV.")


@referentiels_cli.command("charger")
def charger() -> None:
    """Charger ou mettre à jour tous les référentiels livrés avec l'application (app/data/refdata)."""
    try:
        bilans = load_all()
        db.session.commit()
    except ReferentielError as exc:
        db.session.rollback()
        click.echo(f"Erreur : {exc}", err=True)
        sys.exit(1)
    for bilan in bilans:
        click.echo(str(bilan))


@referentiels_cli.command(
    "importer",
    epilog="NOM : " + ", ".join(f"{ref.name} ({ref.titre})" for ref in REFERENTIELS.values()) + ".",
)
@click.argument("nom")
@click.argument("fichier")
def importer(nom: str, fichier: str) -> None:
    """Importer le fichier officiel FICHIER dans le référentiel NOM (mêmes colonnes que le fichier livré).

    Le fichier est vérifié en entier avant tout enregistrement : une seule ligne
    incorrecte et rien n'est chargé.
    """
    try:
        bilans = load_referentiel(nom, fichier)
        db.session.commit()
    except ReferentielError as exc:
        db.session.rollback()
        click.echo(f"Erreur : {exc}", err=True)
        sys.exit(1)
    for bilan in bilans:
        click.echo(str(bilan))
