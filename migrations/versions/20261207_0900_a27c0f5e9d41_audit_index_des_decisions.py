"""Audit console (issue 27): the decisions are listed newest first and
filtered by person: indexes on ``transition_historique.date`` and
``acteur_id``.

Revision ID: a27c0f5e9d41
Revises: a400e4129be8
Create Date: 2026-12-07 09:00:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = 'a27c0f5e9d41'
down_revision = 'a400e4129be8'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_transition_historique_date', 'transition_historique', ['date'])
    op.create_index(op.f('ix_transition_historique_acteur_id'), 'transition_historique', ['acteur_id'])


def downgrade():
    op.drop_index(op.f('ix_transition_historique_acteur_id'), table_name='transition_historique')
    op.drop_index('ix_transition_historique_date', table_name='transition_historique')
