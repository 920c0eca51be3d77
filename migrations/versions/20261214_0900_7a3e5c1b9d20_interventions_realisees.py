"""The suggestions' experience count reads a person's interventions réalisées
from a partial index (app.models.interventions, ix_intervention_realisees).

Revision ID: 7a3e5c1b9d20
Revises: 52fc24354781
Create Date: 2026-12-14 09:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '7a3e5c1b9d20'
down_revision = '52fc24354781'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_intervention_realisees', 'intervention', ['intervenant_id'], unique=False,
                    postgresql_where=sa.text("etat = 'realisee'"), sqlite_where=sa.text("etat = 'realisee'"))


def downgrade():
    op.drop_index('ix_intervention_realisees', table_name='intervention')
