"""Account lifecycle (issue #18): ``etat_compte.etat`` replaces the
``a_activer`` and ``a_personnaliser`` booleans; « archivé » becomes a state
instead of « inactive and not awaiting activation ».

Existing rows: awaiting activation → a_activer; provisional credentials →
a_personnaliser (or provisoire_expire once the job processed them);
inactive accounts and intervenants whose inscription is archived → archive;
the rest → actif. Accounts without a row stay without one (actif), except
those that need another state.

Revision ID: e4b7c2a9d1f3
Revises: d3f6a9b1c2e4
Create Date: 2026-12-05 09:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'e4b7c2a9d1f3'
down_revision = 'd3f6a9b1c2e4'
branch_labels = None
depends_on = None

# Self-contained copy of app.models.authentification.EtatCompteUtilisateur at this revision.
ETATS = ('a_activer', 'actif', 'a_personnaliser', 'provisoire_expire', 'desactive', 'archive', 'purge')


def upgrade():
    with op.batch_alter_table('etat_compte', schema=None) as batch_op:
        batch_op.add_column(sa.Column('etat', sa.String(length=17), nullable=True))
    op.execute(
        "INSERT INTO etat_compte (user_id, a_activer, echecs_consecutifs, a_personnaliser, cree_le) "
        "SELECT u.id, false, 0, false, COALESCE(u.created_on, CURRENT_TIMESTAMP) FROM ab_user u "
        "WHERE NOT EXISTS (SELECT 1 FROM etat_compte e WHERE e.user_id = u.id) AND (u.active = false "
        "OR EXISTS (SELECT 1 FROM intervenant i WHERE i.user_id = u.id AND i.etat_inscription = 'archivee'))"
    )
    op.execute(
        "UPDATE etat_compte SET etat = CASE "
        "WHEN a_activer THEN 'a_activer' "
        "WHEN EXISTS (SELECT 1 FROM intervenant i WHERE i.user_id = etat_compte.user_id "
        "AND i.etat_inscription = 'archivee') THEN 'archive' "
        "WHEN EXISTS (SELECT 1 FROM ab_user u WHERE u.id = etat_compte.user_id AND u.active = false) THEN 'archive' "
        "WHEN a_personnaliser THEN 'a_personnaliser' "
        "WHEN provisoire_jusqua IS NOT NULL THEN 'provisoire_expire' "
        "ELSE 'actif' END"
    )
    with op.batch_alter_table('etat_compte', schema=None) as batch_op:
        batch_op.alter_column('etat', existing_type=sa.String(length=17), nullable=False)
        batch_op.create_check_constraint('etat_compte_etat', sa.column('etat').in_(ETATS))
        batch_op.create_index(batch_op.f('ix_etat_compte_etat'), ['etat'], unique=False)
        batch_op.drop_column('a_activer')
        batch_op.drop_column('a_personnaliser')


def downgrade():
    with op.batch_alter_table('etat_compte', schema=None) as batch_op:
        batch_op.add_column(sa.Column('a_activer', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('a_personnaliser', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.execute(
        "UPDATE etat_compte SET a_activer = (etat = 'a_activer'), a_personnaliser = (etat = 'a_personnaliser')"
    )
    with op.batch_alter_table('etat_compte', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_etat_compte_etat'))
        batch_op.drop_constraint('etat_compte_etat', type_='check')
        batch_op.drop_column('etat')
