"""Leaving and personal data (issue 24): retention of archived accounts and
inactivity warnings (conservation_compte), « Récupérer mes données » files
(export_donnees), runs of the purge job (journal_purge).

Revision ID: dcc8eecb7c7b
Revises: b3e5d7f9a2c4
Create Date: 2026-12-08 10:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'dcc8eecb7c7b'
down_revision = 'b3e5d7f9a2c4'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('journal_purge',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('date', sa.DateTime(), nullable=False),
    sa.Column('comptes', sa.Integer(), nullable=False),
    sa.Column('fichiers', sa.Integer(), nullable=False),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_journal_purge'))
    )
    with op.batch_alter_table('journal_purge', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_journal_purge_date'), ['date'], unique=False)

    op.create_table('conservation_compte',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('archive_le', sa.DateTime(), nullable=True),
    sa.Column('motif', sa.String(length=20), nullable=True),
    sa.Column('suppression_le', sa.Date(), nullable=True),
    sa.Column('avertissement_inactivite_le', sa.DateTime(), nullable=True),
    sa.Column('reactive_le', sa.DateTime(), nullable=True),
    sa.Column('purge_le', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['ab_user.id'], name=op.f('fk_conservation_compte_user_id_ab_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_conservation_compte'))
    )
    with op.batch_alter_table('conservation_compte', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_conservation_compte_suppression_le'), ['suppression_le'], unique=False)

    op.create_table('export_donnees',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('demandeur_id', sa.Integer(), nullable=True),
    sa.Column('demande_support_id', sa.Integer(), nullable=True),
    sa.Column('etat', sa.Enum('en_preparation', 'pret', 'telecharge', 'expire', 'echec', name='etat_export_donnees', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('storage_key', sa.String(length=255), nullable=True),
    sa.Column('taille', sa.Integer(), nullable=True),
    sa.Column('jeton_hash', sa.String(length=64), nullable=True),
    sa.Column('cree_le', sa.DateTime(), nullable=False),
    sa.Column('pret_le', sa.DateTime(), nullable=True),
    sa.Column('expire_le', sa.DateTime(), nullable=True),
    sa.Column('telecharge_le', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['demande_support_id'], ['demande_support.id'], name=op.f('fk_export_donnees_demande_support_id_demande_support'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['demandeur_id'], ['ab_user.id'], name=op.f('fk_export_donnees_demandeur_id_ab_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['ab_user.id'], name=op.f('fk_export_donnees_user_id_ab_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_export_donnees')),
    sa.UniqueConstraint('jeton_hash', name=op.f('uq_export_donnees_jeton_hash'))
    )
    with op.batch_alter_table('export_donnees', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_export_donnees_expire_le'), ['expire_le'], unique=False)
        batch_op.create_index(batch_op.f('ix_export_donnees_user_id'), ['user_id'], unique=False)



def downgrade():
    with op.batch_alter_table('export_donnees', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_export_donnees_user_id'))
        batch_op.drop_index(batch_op.f('ix_export_donnees_expire_le'))

    op.drop_table('export_donnees')
    with op.batch_alter_table('conservation_compte', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_conservation_compte_suppression_le'))

    op.drop_table('conservation_compte')
    with op.batch_alter_table('journal_purge', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_journal_purge_date'))

    op.drop_table('journal_purge')
