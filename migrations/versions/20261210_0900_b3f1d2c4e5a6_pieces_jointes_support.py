"""Support (issue 22, point 6): an optional attachment on each message of a
request's thread (the handler's answer or the requester's reply), a
sensitive file served by checked views only.

Revision ID: b3f1d2c4e5a6
Revises: dcc8eecb7c7b
Create Date: 2026-12-10 09:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b3f1d2c4e5a6'
down_revision = 'dcc8eecb7c7b'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('message_support', schema=None) as batch_op:
        batch_op.add_column(sa.Column('fichier_id', sa.Integer(), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_message_support_fichier_id'), ['fichier_id'])
        batch_op.create_foreign_key(batch_op.f('fk_message_support_fichier_id_fichier'), 'fichier',
                                    ['fichier_id'], ['id'], ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('message_support', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_message_support_fichier_id_fichier'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_message_support_fichier_id'), type_='unique')
        batch_op.drop_column('fichier_id')
