"""Annonces: index in publication order (issue #6): the home page reads the
newest published annonces from the index instead of sorting all open ones.

Revision ID: 5b2e9c41d7a8
Revises: 3ddec472b661
Create Date: 2026-11-30 13:10:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '5b2e9c41d7a8'
down_revision = '3ddec472b661'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('annonce', schema=None) as batch_op:
        batch_op.create_index('ix_annonce_etat_publication', ['etat', 'date_publication', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('annonce', schema=None) as batch_op:
        batch_op.drop_index('ix_annonce_etat_publication')
