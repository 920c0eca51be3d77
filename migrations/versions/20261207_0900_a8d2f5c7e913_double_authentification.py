"""Two-factor sign-in (issue 28): the TOTP secret of an account (encrypted),
its recovery codes (digests), and who made a row of the attempts log that
is no attempt (an administrator's reset of a second factor).

Revision ID: a8d2f5c7e913
Revises: a27c0f5e9d41
Create Date: 2026-12-07 09:00:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'a8d2f5c7e913'
down_revision = 'a27c0f5e9d41'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('second_facteur',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('secret', sa.Text(), nullable=True),
    sa.Column('secret_en_attente', sa.Text(), nullable=True),
    sa.Column('dernier_pas', sa.BigInteger(), nullable=True),
    sa.Column('confirme_le', sa.DateTime(), nullable=True),
    sa.Column('cree_le', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['ab_user.id'], name=op.f('fk_second_facteur_user_id_ab_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_second_facteur'))
    )
    op.create_table('code_secours',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('cree_le', sa.DateTime(), nullable=False),
    sa.Column('utilise_le', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['ab_user.id'], name=op.f('fk_code_secours_user_id_ab_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_code_secours')),
    sa.UniqueConstraint('user_id', 'code_hash', name=op.f('uq_code_secours_user_id_code_hash'))
    )
    with op.batch_alter_table('code_secours', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_code_secours_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('tentative_connexion', schema=None) as batch_op:
        batch_op.add_column(sa.Column('acteur_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_tentative_connexion_acteur_id_ab_user'), 'ab_user', ['acteur_id'], ['id'], ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('tentative_connexion', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_tentative_connexion_acteur_id_ab_user'), type_='foreignkey')
        batch_op.drop_column('acteur_id')

    with op.batch_alter_table('code_secours', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_code_secours_user_id'))

    op.drop_table('code_secours')
    op.drop_table('second_facteur')
