"""CV-thèque and inscription requests at scale (issue #6): ordered indexes,
and on PostgreSQL the Parcours text as a stored tsvector with its GIN index
(replacing the expression index, which made every search recompute
to_tsvector row by row).

Revision ID: 3ddec472b661
Revises: 1cb6d3d7d72c
Create Date: 2026-11-30 12:27:22.984929

"""
from alembic import op

# Self-contained copy of app.models.comptes.DDL_POSTGRESQL at this revision.
TEXTE_PARCOURS_TSV = "texte_parcours_tsv"
DDL_POSTGRESQL = (
    f"ALTER TABLE intervenant ADD COLUMN {TEXTE_PARCOURS_TSV} tsvector GENERATED ALWAYS AS "
    "(to_tsvector('french', coalesce(texte_parcours, ''))) STORED",
    f"CREATE INDEX ix_intervenant_{TEXTE_PARCOURS_TSV} ON intervenant USING gin ({TEXTE_PARCOURS_TSV})",
)

# revision identifiers, used by Alembic.
revision = '3ddec472b661'
down_revision = '1cb6d3d7d72c'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('intervenant', schema=None) as batch_op:
        batch_op.create_index('ix_intervenant_etat_nom', ['etat_inscription', 'nom_usage', 'prenom', 'id'], unique=False)
        batch_op.create_index('ix_intervenant_etat_transmission', ['etat_inscription', 'date_transmission', 'id'], unique=False)
        batch_op.create_index('ix_intervenant_structure_transmission', ['structure_id', 'date_transmission', 'id'], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_intervenant_texte_parcours_fts", table_name="intervenant")
        for ddl in DDL_POSTGRESQL:
            op.execute(ddl)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP INDEX ix_intervenant_{TEXTE_PARCOURS_TSV}")
        op.execute(f"ALTER TABLE intervenant DROP COLUMN {TEXTE_PARCOURS_TSV}")
        op.execute(
            "CREATE INDEX ix_intervenant_texte_parcours_fts ON intervenant "
            "USING gin (to_tsvector('french', coalesce(texte_parcours, '')))"
        )
    with op.batch_alter_table('intervenant', schema=None) as batch_op:
        batch_op.drop_index('ix_intervenant_structure_transmission')
        batch_op.drop_index('ix_intervenant_etat_transmission')
        batch_op.drop_index('ix_intervenant_etat_nom')
