"""Dossier administratif dématérialisé (issue 20): the dossier (NIR, IBAN and
BIC as Fernet ciphertext in text columns), its blocks with their state (CHECK
constraints), its pieces (sensitive files) and the structures' requests.

Revision ID: a6c4bf4f1c1c
Revises: a8d2f5c7e913
Create Date: 2026-12-07 09:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a6c4bf4f1c1c'
down_revision = 'a8d2f5c7e913'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('dossier_administratif',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('intervenant_id', sa.Integer(), nullable=False),
    sa.Column('type_piece_identite_id', sa.Integer(), nullable=True),
    sa.Column('validite_debut', sa.Date(), nullable=True),
    sa.Column('validite_fin', sa.Date(), nullable=True),
    sa.Column('rappel_expiration', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('pays_naissance_id', sa.Integer(), nullable=True),
    sa.Column('nir', sa.Text(), nullable=True),
    sa.Column('type_contrat_id', sa.Integer(), nullable=True),
    sa.Column('contrat_debut', sa.Date(), nullable=True),
    sa.Column('contrat_fin', sa.Date(), nullable=True),
    sa.Column('date_attestation', sa.Date(), nullable=True),
    sa.Column('iban', sa.Text(), nullable=True),
    sa.Column('bic', sa.Text(), nullable=True),
    sa.Column('zone_sepa', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('diplome_intitule', sa.String(length=255), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['intervenant_id'], ['intervenant.id'], name=op.f('fk_dossier_administratif_intervenant_id_intervenant'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['pays_naissance_id'], ['pays.id'], name=op.f('fk_dossier_administratif_pays_naissance_id_pays')),
    sa.ForeignKeyConstraint(['type_contrat_id'], ['type_contrat.id'], name=op.f('fk_dossier_administratif_type_contrat_id_type_contrat')),
    sa.ForeignKeyConstraint(['type_piece_identite_id'], ['type_piece_identite.id'], name=op.f('fk_dossier_administratif_type_piece_identite_id_type_piece_identite')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dossier_administratif')),
    sa.UniqueConstraint('intervenant_id', name=op.f('uq_dossier_administratif_intervenant_id'))
    )
    with op.batch_alter_table('dossier_administratif', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dossier_administratif_validite_fin'), ['validite_fin'], unique=False)

    op.create_table('bloc_dossier',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dossier_id', sa.Integer(), nullable=False),
    sa.Column('bloc', sa.Enum('adresse', 'telephones', 'identite', 'securite_sociale', 'statut', 'employeur', 'bancaire', 'diplome', name='bloc_dossier_bloc', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('etat', sa.Enum('vide', 'demande', 'transmis', 'valide', 'refuse', 'a_reviser', name='etat_bloc_dossier', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('structure_id', sa.Integer(), nullable=True),
    sa.Column('date_demande', sa.DateTime(), nullable=True),
    sa.Column('date_transmission', sa.DateTime(), nullable=True),
    sa.Column('date_decision', sa.DateTime(), nullable=True),
    sa.Column('motif_refus', sa.String(length=1000), nullable=True),
    sa.Column('modifie', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('rappel_revision', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.ForeignKeyConstraint(['dossier_id'], ['dossier_administratif.id'], name=op.f('fk_bloc_dossier_dossier_id_dossier_administratif'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['structure_id'], ['structure.id'], name=op.f('fk_bloc_dossier_structure_id_structure')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bloc_dossier')),
    sa.UniqueConstraint('dossier_id', 'bloc', name='uq_bloc_dossier_dossier_id_bloc')
    )
    with op.batch_alter_table('bloc_dossier', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bloc_dossier_dossier_id'), ['dossier_id'], unique=False)
        batch_op.create_index('ix_bloc_dossier_etat_date', ['etat', 'date_transmission'], unique=False)
        batch_op.create_index(batch_op.f('ix_bloc_dossier_structure_id'), ['structure_id'], unique=False)

    op.create_table('demande_dossier',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dossier_id', sa.Integer(), nullable=False),
    sa.Column('structure_id', sa.Integer(), nullable=False),
    sa.Column('auteur_id', sa.Integer(), nullable=True),
    sa.Column('date', sa.DateTime(), nullable=False),
    sa.Column('blocs', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['auteur_id'], ['ab_user.id'], name=op.f('fk_demande_dossier_auteur_id_ab_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['dossier_id'], ['dossier_administratif.id'], name=op.f('fk_demande_dossier_dossier_id_dossier_administratif'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['structure_id'], ['structure.id'], name=op.f('fk_demande_dossier_structure_id_structure')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_demande_dossier'))
    )
    with op.batch_alter_table('demande_dossier', schema=None) as batch_op:
        batch_op.create_index('ix_demande_dossier_dossier_structure', ['dossier_id', 'structure_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_demande_dossier_structure_id'), ['structure_id'], unique=False)

    op.create_table('piece_dossier',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dossier_id', sa.Integer(), nullable=False),
    sa.Column('piece', sa.Enum('identite_recto', 'identite_verso', 'carte_vitale', 'rib', 'diplome', 'ATTESTATION_HONNEUR', 'ARRETE_SITUATION', 'CONTRAT_OU_ATTESTATION_EMPLOYEUR', 'TITRE_PENSION', name='piece_dossier_piece', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('fichier_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['dossier_id'], ['dossier_administratif.id'], name=op.f('fk_piece_dossier_dossier_id_dossier_administratif'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['fichier_id'], ['fichier.id'], name=op.f('fk_piece_dossier_fichier_id_fichier')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_piece_dossier')),
    sa.UniqueConstraint('dossier_id', 'piece', name='uq_piece_dossier_dossier_id_piece'),
    sa.UniqueConstraint('fichier_id', name=op.f('uq_piece_dossier_fichier_id'))
    )


def downgrade():
    op.drop_table('piece_dossier')
    with op.batch_alter_table('demande_dossier', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_demande_dossier_structure_id'))
        batch_op.drop_index('ix_demande_dossier_dossier_structure')

    op.drop_table('demande_dossier')
    with op.batch_alter_table('bloc_dossier', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bloc_dossier_structure_id'))
        batch_op.drop_index('ix_bloc_dossier_etat_date')
        batch_op.drop_index(batch_op.f('ix_bloc_dossier_dossier_id'))

    op.drop_table('bloc_dossier')
    with op.batch_alter_table('dossier_administratif', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dossier_administratif_validite_fin'))

    op.drop_table('dossier_administratif')
