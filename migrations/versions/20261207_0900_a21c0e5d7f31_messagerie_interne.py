"""Messagerie interne (issue 21): a message and one row per recipient (read
and archived per recipient, archived per sender), indexed for the mailboxes
and the unread badge.

Revision ID: a21c0e5d7f31
Revises: 617b19a572eb
Create Date: 2026-12-07 09:00:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'a21c0e5d7f31'
down_revision = '617b19a572eb'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('expediteur_id', sa.Integer(), nullable=False),
    sa.Column('objet', sa.String(length=200), nullable=False),
    sa.Column('texte', sa.Text(), nullable=False),
    sa.Column('brouillon', sa.Boolean(), nullable=False),
    sa.Column('date', sa.DateTime(), nullable=False),
    sa.Column('archive_expediteur', sa.Boolean(), nullable=False),
    sa.Column('origine_id', sa.Integer(), nullable=True),
    sa.Column('destinataires_libelle', sa.String(length=1000), nullable=False),
    sa.ForeignKeyConstraint(['expediteur_id'], ['ab_user.id'], name=op.f('fk_message_expediteur_id_ab_user'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['origine_id'], ['message.id'], name=op.f('fk_message_origine_id_message'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_message'))
    )
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.create_index('ix_message_expediteur_boite', ['expediteur_id', 'brouillon', 'archive_expediteur', 'date'], unique=False)

    op.create_table('destinataire_message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=False),
    sa.Column('destinataire_id', sa.Integer(), nullable=False),
    sa.Column('date', sa.DateTime(), nullable=False),
    sa.Column('recu', sa.Boolean(), nullable=False),
    sa.Column('lu', sa.Boolean(), nullable=False),
    sa.Column('archive', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['destinataire_id'], ['ab_user.id'], name=op.f('fk_destinataire_message_destinataire_id_ab_user'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['message_id'], ['message.id'], name=op.f('fk_destinataire_message_message_id_message'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_destinataire_message')),
    sa.UniqueConstraint('message_id', 'destinataire_id', name=op.f('uq_destinataire_message_message_id_destinataire_id'))
    )
    with op.batch_alter_table('destinataire_message', schema=None) as batch_op:
        batch_op.create_index('ix_destinataire_message_boite', ['destinataire_id', 'recu', 'archive', 'date'], unique=False)
        batch_op.create_index('ix_destinataire_message_non_lus', ['destinataire_id', 'recu', 'archive', 'lu'], unique=False)


def downgrade():
    with op.batch_alter_table('destinataire_message', schema=None) as batch_op:
        batch_op.drop_index('ix_destinataire_message_non_lus')
        batch_op.drop_index('ix_destinataire_message_boite')

    op.drop_table('destinataire_message')
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.drop_index('ix_message_expediteur_boite')

    op.drop_table('message')
