"""Structures' lists read in index order (make bench, session 19):
interventions (issue 23), the list as opened, newest first, and the search's
choice of intervenants from an index only; PostgreSQL: the dossiers' review
queue (issue 20), latest transmission first, never transmitted last.

Revision ID: c4d5e6f7a8b9
Revises: b3f1d2c4e5a6
Create Date: 2026-12-11 09:00:00

"""
from alembic import op

# Self-contained copy of app.models.dossier.INDEX_FILE_DOSSIERS at this revision.
INDEX_FILE_DOSSIERS = {
    "ix_bloc_dossier_file_structure":
        "ON bloc_dossier (structure_id, date_transmission DESC NULLS LAST) WHERE etat <> 'vide'",
}


# revision identifiers, used by Alembic.
revision = 'c4d5e6f7a8b9'
down_revision = 'b3f1d2c4e5a6'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('intervention', schema=None) as batch_op:
        batch_op.create_index('ix_intervention_structure_debut', ['structure_id', 'date_debut', 'id'], unique=False)
        batch_op.create_index('ix_intervention_structure_intervenant', ['structure_id', 'intervenant_id'],
                              unique=False)
    if op.get_bind().dialect.name == "postgresql":
        for nom, definition in INDEX_FILE_DOSSIERS.items():
            op.execute(f"CREATE INDEX {nom} {definition}")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for nom in INDEX_FILE_DOSSIERS:
            op.execute(f"DROP INDEX {nom}")
    with op.batch_alter_table('intervention', schema=None) as batch_op:
        batch_op.drop_index('ix_intervention_structure_intervenant')
        batch_op.drop_index('ix_intervention_structure_debut')
