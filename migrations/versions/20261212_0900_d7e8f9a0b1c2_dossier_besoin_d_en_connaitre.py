"""Dossier by need-to-know (issue 33, point 1): the trainer's answer to a
structure's request (``demande_dossier.date_reponse``, their consent) and
the daily count of each staff account's sensitive reads
(``lectures_sensibles``).

Revision ID: d7e8f9a0b1c2
Revises: c4d5e6f7a8b9
Create Date: 2026-12-12 09:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'd7e8f9a0b1c2'
down_revision = 'c4d5e6f7a8b9'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('demande_dossier', schema=None) as batch_op:
        batch_op.add_column(sa.Column('date_reponse', sa.DateTime(), nullable=True))
    # Requests already answered: a block they asked transmitted since (as
    # app.operations.dossier.transmettre records it from now on).
    repondu = ("FROM bloc_dossier b WHERE b.dossier_id = demande_dossier.dossier_id "
               "AND b.date_transmission >= demande_dossier.date "
               "AND ',' || demande_dossier.blocs || ',' LIKE '%,' || b.bloc || ',%'")
    op.execute(f"UPDATE demande_dossier SET date_reponse = (SELECT MAX(b.date_transmission) {repondu}) "
               f"WHERE EXISTS (SELECT 1 {repondu})")
    op.create_table(
        'lectures_sensibles',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('jour', sa.Date(), nullable=False),
        sa.Column('nombre', sa.Integer(), nullable=False),
        sa.Column('refus', sa.Integer(), nullable=False),
        sa.Column('dernier_refus', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['ab_user.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('user_id', 'jour', name='uq_lectures_sensibles_user_jour'),
    )


def downgrade():
    op.drop_table('lectures_sensibles')
    with op.batch_alter_table('demande_dossier', schema=None) as batch_op:
        batch_op.drop_column('date_reponse')
