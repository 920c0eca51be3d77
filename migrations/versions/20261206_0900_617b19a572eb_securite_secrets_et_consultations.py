"""Security (issue 19): the journal of the reads of personal data
(``consultation``: CV-thèque profile pages and exports) and the outbox's
encrypted secrets (token links, provisional passwords kept out of the
stored bodies until sent).

Revision ID: 617b19a572eb
Revises: e7a1c3f5b9d2
Create Date: 2026-12-06 09:00:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '617b19a572eb'
down_revision = 'e7a1c3f5b9d2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('consultation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('date', sa.DateTime(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('ip', sa.String(length=45), nullable=True),
    sa.Column('objet', sa.String(length=20), nullable=False),
    sa.Column('intervenant_id', sa.Integer(), nullable=True),
    sa.Column('detail', sa.String(length=1000), nullable=True),
    sa.ForeignKeyConstraint(['intervenant_id'], ['intervenant.id'], name=op.f('fk_consultation_intervenant_id_intervenant'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['ab_user.id'], name=op.f('fk_consultation_user_id_ab_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consultation'))
    )
    with op.batch_alter_table('consultation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consultation_date'), ['date'], unique=False)
        batch_op.create_index(batch_op.f('ix_consultation_intervenant_id'), ['intervenant_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_consultation_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('secrets_chiffres', sa.Text(), nullable=True))



def downgrade():
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_column('secrets_chiffres')

    with op.batch_alter_table('consultation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consultation_user_id'))
        batch_op.drop_index(batch_op.f('ix_consultation_intervenant_id'))
        batch_op.drop_index(batch_op.f('ix_consultation_date'))

    op.drop_table('consultation')
