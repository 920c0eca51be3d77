"""An empty optional value is NULL, never '' (issue 40): the rows written
before the models converted blanks (a second intervention of a structure with
an empty « Référence du logiciel de gestion » broke the unique key), in every
nullable text column a unique constraint covers
(``app.models.base.colonnes_uniques_facultatives`` at this revision).

Revision ID: e8f9a0b1c2d3
Revises: d7e8f9a0b1c2
Create Date: 2026-12-12 10:00:00

"""
from alembic import op

# Self-contained copy of the columns at this revision (table, column).
COLONNES = (
    ("intervention", "reference_externe"),
    ("intervenant", "immatriculation"),
    ("intervenant", "identite_normalisee"),
    ("immatriculation", "numero"),
    ("lettre_demande", "numero"),
    ("demande_support", "jeton_hash"),
    ("export_donnees", "jeton_hash"),
    ("ab_api_key", "lookup_hash"),
)

# revision identifiers, used by Alembic.
revision = 'e8f9a0b1c2d3'
down_revision = 'd7e8f9a0b1c2'
branch_labels = None
depends_on = None


def upgrade():
    for table, colonne in COLONNES:
        op.execute(f"UPDATE {table} SET {colonne} = NULL WHERE TRIM({colonne}) = ''")


def downgrade():
    pass  # NULL is what an empty value always meant: nothing to restore
