"""Indisponibilités of the intervenants (issue 23, point 4): periods (du, au
included, optional motif), indexed (intervenant_id, du, au) for the owner's
list and the CV-thèque's « Disponible entre le … et le … » (NOT EXISTS).

Revision ID: b3e5d7f9a2c4
Revises: 6659723f216a
Create Date: 2026-12-08 09:00:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'b3e5d7f9a2c4'
down_revision = '6659723f216a'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('indisponibilite',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('intervenant_id', sa.Integer(), nullable=False),
    sa.Column('du', sa.Date(), nullable=False),
    sa.Column('au', sa.Date(), nullable=False),
    sa.Column('motif', sa.String(length=255), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('au >= du', name=op.f('ck_indisponibilite_periode')),
    sa.ForeignKeyConstraint(['intervenant_id'], ['intervenant.id'], name=op.f('fk_indisponibilite_intervenant_id_intervenant'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_indisponibilite'))
    )
    with op.batch_alter_table('indisponibilite', schema=None) as batch_op:
        batch_op.create_index('ix_indisponibilite_intervenant_periode', ['intervenant_id', 'du', 'au'], unique=False)


def downgrade():
    with op.batch_alter_table('indisponibilite', schema=None) as batch_op:
        batch_op.drop_index('ix_indisponibilite_intervenant_periode')

    op.drop_table('indisponibilite')
