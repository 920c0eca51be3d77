"""CV-thèque at scale (issue #6), PostgreSQL only: the spécialités and régions
of each profile copied into integer arrays on intervenant (kept by triggers on
the link tables, filled here for the existing rows), and one partial GIN index
over text, spécialités and régions of the validated profiles. It replaces the
full-text index on every profile, which only the CV-thèque used.

Revision ID: 99fce28bef8c
Revises: 5b2e9c41d7a8
Create Date: 2026-12-01 09:00:00

"""
from alembic import op

# Self-contained copy of app.models.comptes (DDL_POSTGRESQL, DDL_POSTGRESQL_LIENS) at this revision.
TABLEAUX = {"intervenant_specialite": ("specialite_id", "specialite_ids"), "intervenant_region": ("region_id", "region_ids")}
INDEX_RECHERCHE = "ix_intervenant_recherche_cvtheque"
ANCIEN_INDEX = "ix_intervenant_texte_parcours_tsv"
TRANSITIONS = {
    "INSERT": "NEW TABLE AS nouvelles",
    "UPDATE": "OLD TABLE AS anciennes NEW TABLE AS nouvelles",
    "DELETE": "OLD TABLE AS anciennes",
}


def fonction(lien: str, reference: str, colonne: str) -> str:
    return f"""CREATE OR REPLACE FUNCTION {lien}_copier_ids() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    touches integer[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        touches := array(SELECT DISTINCT intervenant_id FROM nouvelles);
    ELSIF TG_OP = 'DELETE' THEN
        touches := array(SELECT DISTINCT intervenant_id FROM anciennes);
    ELSE
        touches := array(SELECT intervenant_id FROM anciennes UNION SELECT intervenant_id FROM nouvelles);
    END IF;
    PERFORM 1 FROM intervenant WHERE id = ANY (touches) ORDER BY id FOR NO KEY UPDATE;
    UPDATE intervenant i
    SET {colonne} = array(SELECT l.{reference} FROM {lien} l WHERE l.intervenant_id = i.id ORDER BY 1)
    WHERE i.id = ANY (touches);
    RETURN NULL;
END
$$"""


# revision identifiers, used by Alembic.
revision = '99fce28bef8c'
down_revision = '5b2e9c41d7a8'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for lien, (reference, colonne) in TABLEAUX.items():
        op.execute(f"ALTER TABLE intervenant ADD COLUMN {colonne} integer[] NOT NULL DEFAULT '{{}}'")
        op.execute(fonction(lien, reference, colonne))
        for evenement, tables in TRANSITIONS.items():
            op.execute(
                f"CREATE TRIGGER {lien}_copier_ids_{evenement.lower()} AFTER {evenement} ON {lien} "
                f"REFERENCING {tables} FOR EACH STATEMENT EXECUTE FUNCTION {lien}_copier_ids()"
            )
    # Existing rows (the triggers only follow changes from now on).
    op.execute(
        "UPDATE intervenant i SET "
        + ", ".join(
            f"{colonne} = array(SELECT l.{reference} FROM {lien} l WHERE l.intervenant_id = i.id ORDER BY 1)"
            for lien, (reference, colonne) in TABLEAUX.items()
        )
        + " WHERE "
        + " OR ".join(f"EXISTS (SELECT FROM {lien} l WHERE l.intervenant_id = i.id)" for lien in TABLEAUX)
    )
    op.execute(f"DROP INDEX {ANCIEN_INDEX}")
    op.execute(
        f"CREATE INDEX {INDEX_RECHERCHE} ON intervenant USING gin "
        "(texte_parcours_tsv, specialite_ids, region_ids) WHERE etat_inscription = 'validee'"
    )


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"DROP INDEX {INDEX_RECHERCHE}")
    op.execute(f"CREATE INDEX {ANCIEN_INDEX} ON intervenant USING gin (texte_parcours_tsv)")
    for lien, (_, colonne) in TABLEAUX.items():
        for evenement in TRANSITIONS:
            op.execute(f"DROP TRIGGER {lien}_copier_ids_{evenement.lower()} ON {lien}")
        op.execute(f"DROP FUNCTION {lien}_copier_ids()")
        op.execute(f"ALTER TABLE intervenant DROP COLUMN {colonne}")
