"""One vocabulary for the civilité (issue 33, point 5): the demo and volume
data stored « M. » while the forms and the NIR check use « M »; existing
rows (and the normalised identity, which begins with the civilité) follow.

Revision ID: 5c1e7a9d3b20
Revises: e8f9a0b1c2d3
Create Date: 2026-12-12 11:00:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '5c1e7a9d3b20'
down_revision = 'e8f9a0b1c2d3'
branch_labels = None
depends_on = None


def upgrade():
    op.execute("UPDATE intervenant SET civilite = 'M' WHERE civilite = 'M.'")
    op.execute("UPDATE intervenant SET identite_normalisee = 'm' || substr(identite_normalisee, 3) "
               "WHERE identite_normalisee LIKE 'm.|%'")


def downgrade():
    # « M. » was never a value of the vocabulary: nothing to restore.
    pass
