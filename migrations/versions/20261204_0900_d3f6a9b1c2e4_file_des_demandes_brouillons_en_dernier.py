"""Inscription queue (issue #6), PostgreSQL only: indexes in the queue's order
(newest transmission first, never transmitted last), per structure and over
every structure. The ascending index read backwards put the drafts first.

Revision ID: d3f6a9b1c2e4
Revises: c5d8e1f0a7b2
Create Date: 2026-12-04 09:00:00

"""
from alembic import op

# Self-contained copy of app.models.comptes.INDEX_FILE_INSCRIPTIONS at this revision.
INDEX = {
    "ix_intervenant_file_structure": "structure_id, date_transmission DESC NULLS LAST, id DESC",
    "ix_intervenant_file_nationale": "date_transmission DESC NULLS LAST, id DESC",
}

# revision identifiers, used by Alembic.
revision = 'd3f6a9b1c2e4'
down_revision = 'c5d8e1f0a7b2'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for nom, colonnes in INDEX.items():
        op.execute(f"CREATE INDEX {nom} ON intervenant ({colonnes})")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for nom in INDEX:
        op.execute(f"DROP INDEX {nom}")
