"""Sessions known server-side (issue 19, point 1) and the login throttle per
address (point 6): a row per signed-in session, revoked at logout or when the
account's credentials change; an index to count an address's recent failures.

Revision ID: e7a1c3f5b9d2
Revises: f2c8d4e6a1b9
Create Date: 2026-12-05 10:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'e7a1c3f5b9d2'
down_revision = 'f2c8d4e6a1b9'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'session_utilisateur',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('jeton_hash', sa.String(length=64), nullable=False),
        sa.Column('cree_le', sa.DateTime(), nullable=False),
        sa.Column('revoquee_le', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ['user_id'], ['ab_user.id'], name=op.f('fk_session_utilisateur_user_id_ab_user'), ondelete='CASCADE'
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_session_utilisateur')),
        sa.UniqueConstraint('jeton_hash', name=op.f('uq_session_utilisateur_jeton_hash')),
    )
    with op.batch_alter_table('session_utilisateur', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_session_utilisateur_cree_le'), ['cree_le'], unique=False)
        batch_op.create_index(batch_op.f('ix_session_utilisateur_user_id'), ['user_id'], unique=False)
    with op.batch_alter_table('tentative_connexion', schema=None) as batch_op:
        batch_op.create_index('ix_tentative_connexion_adresse_ip_cree_le', ['adresse_ip', 'cree_le'], unique=False)


def downgrade():
    with op.batch_alter_table('tentative_connexion', schema=None) as batch_op:
        batch_op.drop_index('ix_tentative_connexion_adresse_ip_cree_le')
    with op.batch_alter_table('session_utilisateur', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_session_utilisateur_user_id'))
        batch_op.drop_index(batch_op.f('ix_session_utilisateur_cree_le'))
    op.drop_table('session_utilisateur')
