"""``flask chiffrement rechiffrer``: key rotation (issue 20, point 7).

Put the new key in ``ENCRYPTION_KEY`` and the old one(s) in
``ENCRYPTION_KEYS_PRECEDENTES``: everything still reads; this command then
rewrites the encrypted columns of the dossier administratif (NIR, IBAN, BIC)
and every sensitive file under the new key, after which the old keys can be
removed from the environment.
"""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from sqlalchemy import select
from sqlalchemy.orm.attributes import flag_modified

from app.extensions import db
from app.infra.storage import get_storage
from app.models.dossier import DossierAdministratif
from app.models.fichiers import Fichier

COLONNES_CHIFFREES = ("nir", "iban", "bic")
LOT = 500


@click.group("chiffrement", help="Chiffrement au repos (rotation de clé).")
def chiffrement_cli() -> None:
    pass


def rechiffrer() -> tuple[int, int]:
    """Rewrite every encrypted value and file under ``ENCRYPTION_KEY``;
    returns (dossiers, fichiers)."""
    dossiers = 0
    dernier = 0
    while lot := db.session.scalars(select(DossierAdministratif).where(DossierAdministratif.id > dernier)
                                    .order_by(DossierAdministratif.id).limit(LOT)).all():
        for dossier in lot:
            for colonne in COLONNES_CHIFFREES:
                if getattr(dossier, colonne) is not None:
                    flag_modified(dossier, colonne)  # same clear value, new ciphertext
            dossiers += 1
        dernier = lot[-1].id
        db.session.commit()
    stockage = get_storage()
    fichiers = 0
    for cle in db.session.scalars(select(Fichier.storage_key).where(Fichier.sensitive.is_(True))):
        stockage.rechiffrer(cle)
        fichiers += 1
    return dossiers, fichiers


@chiffrement_cli.command("rechiffrer")
@with_appcontext
def rechiffrer_commande() -> None:
    """Re-encrypt under the current key (the previous keys still read)."""
    dossiers, fichiers = rechiffrer()
    click.echo(f"Rechiffré(s) : {dossiers} dossier(s) administratif(s), {fichiers} fichier(s) sensible(s).")
