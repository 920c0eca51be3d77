"""CV-thèque at scale (issue #6), PostgreSQL only: samples of the validated
profiles (1 in 64 and 1 in 8, by id) indexed like the search, so that the
capped count stops in the first sample holding more than 1000 matches instead
of reading every match of a common word.

Revision ID: c5d8e1f0a7b2
Revises: b7c41e2d9a53
Create Date: 2026-12-03 09:00:00

"""
from alembic import op

# Self-contained copy of app.models.comptes.ECHANTILLONS_CVTHEQUE at this revision.
ECHANTILLONS = {
    "ix_intervenant_cvtheque_echantillon_64": 64,
    "ix_intervenant_cvtheque_echantillon_8": 8,
}

# revision identifiers, used by Alembic.
revision = 'c5d8e1f0a7b2'
down_revision = 'b7c41e2d9a53'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for nom, diviseur in ECHANTILLONS.items():
        op.execute(
            f"CREATE INDEX {nom} ON intervenant USING gin (texte_parcours_tsv, specialite_ids, region_ids) "
            f"WHERE etat_inscription = 'validee' AND id % {diviseur} = 0"
        )


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for nom in ECHANTILLONS:
        op.execute(f"DROP INDEX {nom}")
