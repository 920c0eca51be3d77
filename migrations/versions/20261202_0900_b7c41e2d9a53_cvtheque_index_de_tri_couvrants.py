"""CV-thèque at scale (issue #6), PostgreSQL only: the two sorts of the
validated profiles (name; date de transmission, newest first) as partial
indexes carrying the spécialité and région arrays (INCLUDE), so that a broad
search reads one page and its capped count from the index alone.

Revision ID: b7c41e2d9a53
Revises: 99fce28bef8c
Create Date: 2026-12-02 09:00:00

"""
from alembic import op

# Self-contained copy of app.models.comptes.INDEX_TRIS_CVTHEQUE at this revision.
INDEX = {
    "ix_intervenant_cvtheque_nom": "nom_usage, prenom, id",
    "ix_intervenant_cvtheque_transmission": "date_transmission DESC, id DESC",
}

# revision identifiers, used by Alembic.
revision = 'b7c41e2d9a53'
down_revision = '99fce28bef8c'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for nom, colonnes in INDEX.items():
        op.execute(
            f"CREATE INDEX {nom} ON intervenant ({colonnes}) INCLUDE (specialite_ids, region_ids) "
            "WHERE etat_inscription = 'validee'"
        )


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for nom in INDEX:
        op.execute(f"DROP INDEX {nom}")
