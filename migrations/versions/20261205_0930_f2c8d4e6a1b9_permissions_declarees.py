"""Roles that admins keep (issue #18): what the code declared for each
built-in role at the last synchronisation, so that ``flask preparer`` applies
the code's changes without undoing the administrators' own.

Revision ID: f2c8d4e6a1b9
Revises: e4b7c2a9d1f3
Create Date: 2026-12-05 09:30:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'f2c8d4e6a1b9'
down_revision = 'e4b7c2a9d1f3'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('permission_declaree',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=64), nullable=False),
    sa.Column('permission', sa.String(length=100), nullable=False),
    sa.Column('vue', sa.String(length=250), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_permission_declaree')),
    sa.UniqueConstraint('role', 'permission', 'vue', name=op.f('uq_permission_declaree_role_permission_vue'))
    )


def downgrade():
    op.drop_table('permission_declaree')
