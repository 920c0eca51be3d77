"""Suggestions between annonces and intervenants (issue 37): the invitations
to apply (one per annonce and intervenant, ever), the weekly « Annonces pour
vous » e-mails (one per intervenant and ISO week) and the intervenant's
choice to receive them.

Revision ID: 52fc24354781
Revises: de2cfda8ec58
Create Date: 2026-12-13 09:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '52fc24354781'
down_revision = 'de2cfda8ec58'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'invitation_annonce',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('annonce_id', sa.Integer(), nullable=False),
        sa.Column('intervenant_id', sa.Integer(), nullable=False),
        sa.Column('invite_par_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('message_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['annonce_id'], ['annonce.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['intervenant_id'], ['intervenant.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['invite_par_id'], ['ab_user.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['message_id'], ['message.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('annonce_id', 'intervenant_id', name='uq_invitation_annonce_intervenant'),
    )
    op.create_index('ix_invitation_annonce_intervenant_date', 'invitation_annonce',
                    ['intervenant_id', 'created_at'], unique=False)
    op.create_table(
        'envoi_annonces_pour_vous',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('intervenant_id', sa.Integer(), nullable=False),
        sa.Column('semaine', sa.String(length=8), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('nombre_annonces', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['intervenant_id'], ['intervenant.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('intervenant_id', 'semaine', name='uq_envoi_annonces_pour_vous_semaine'),
    )
    with op.batch_alter_table('intervenant', schema=None) as batch_op:
        batch_op.add_column(sa.Column('alerte_annonces_pour_vous', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))


def downgrade():
    with op.batch_alter_table('intervenant', schema=None) as batch_op:
        batch_op.drop_column('alerte_annonces_pour_vous')
    op.drop_table('envoi_annonces_pour_vous')
    op.drop_index('ix_invitation_annonce_intervenant_date', table_name='invitation_annonce')
    op.drop_table('invitation_annonce')
