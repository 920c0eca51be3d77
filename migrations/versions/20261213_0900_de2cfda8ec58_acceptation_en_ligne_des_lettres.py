"""Lettres de demande accepted or refused online by the intervenant (issue 37,
point 6): the last sending (date, SHA-256 of the PDF sent), the online answer
(who, when, from where, SHA-256 of the PDF answered, reason of a refusal, the
accepted PDF with its acceptance page) and the state « refusee ».

Lettres already sent keep the PDF they have as the one sent.

Revision ID: de2cfda8ec58
Revises: 5c1e7a9d3b20
Create Date: 2026-12-13 09:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'de2cfda8ec58'
down_revision = '5c1e7a9d3b20'
branch_labels = None
depends_on = None

ETATS_AVANT = ('brouillon', 'envoyee', 'acceptee', 'en_cours_execution', 'terminee', 'annulee')
ETATS = (*ETATS_AVANT, 'refusee')


def upgrade():
    with op.batch_alter_table('lettre_demande', schema=None) as batch_op:
        batch_op.add_column(sa.Column('envoyee_le', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('sha256_envoye', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('reponse_le', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('reponse_par_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('reponse_ip', sa.String(length=45), nullable=True))
        batch_op.add_column(sa.Column('sha256_reponse', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('motif_refus', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('fichier_accepte_id', sa.Integer(), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_lettre_demande_fichier_accepte_id'), ['fichier_accepte_id'])
        batch_op.create_foreign_key(batch_op.f('fk_lettre_demande_reponse_par_id_ab_user'), 'ab_user',
                                    ['reponse_par_id'], ['id'], ondelete='SET NULL')
        batch_op.create_foreign_key(batch_op.f('fk_lettre_demande_fichier_accepte_id_fichier'), 'fichier',
                                    ['fichier_accepte_id'], ['id'])
        batch_op.drop_constraint('etat_lettre_demande', type_='check')
        batch_op.create_check_constraint('etat_lettre_demande', sa.column('etat').in_(ETATS))
    op.execute(
        "UPDATE lettre_demande SET sha256_envoye = (SELECT f.sha256 FROM fichier f WHERE f.id = lettre_demande.fichier_id) "
        "WHERE etat <> 'brouillon' AND fichier_id IS NOT NULL"
    )


def downgrade():
    op.execute("UPDATE lettre_demande SET etat = 'annulee' WHERE etat = 'refusee'")
    with op.batch_alter_table('lettre_demande', schema=None) as batch_op:
        batch_op.drop_constraint('etat_lettre_demande', type_='check')
        batch_op.create_check_constraint('etat_lettre_demande', sa.column('etat').in_(ETATS_AVANT))
        batch_op.drop_constraint(batch_op.f('fk_lettre_demande_fichier_accepte_id_fichier'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_lettre_demande_reponse_par_id_ab_user'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_lettre_demande_fichier_accepte_id'), type_='unique')
        for colonne in ('fichier_accepte_id', 'motif_refus', 'sha256_reponse', 'reponse_ip', 'reponse_par_id',
                        'reponse_le', 'sha256_envoye', 'envoyee_le'):
            batch_op.drop_column(colonne)
