"""What the code declared for each built-in role at the last synchronisation.

``flask preparer`` (``app.security.sync``) compares the code's declaration
with this record to tell an admin's change (kept) from a change of the code
(applied): a permission the code adds is granted, one it drops is revoked,
everything else in the role is the administrators' to configure.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask_appbuilder import Model
from flask_appbuilder.security.sqla.models import Role, User, assoc_user_role

from app.extensions import db


class PermissionDeclaree(Model):
    __tablename__ = "permission_declaree"
    id = sa.Column(sa.Integer, primary_key=True)
    role = sa.Column(sa.String(64), nullable=False)
    permission = sa.Column(sa.String(100), nullable=False)
    vue = sa.Column(sa.String(250), nullable=False)

    __table_args__ = (sa.UniqueConstraint("role", "permission", "vue"),)


def adresses_du_role(role: str) -> list[str]:
    """The e-mail addresses of the active accounts holding ``role`` (sorted,
    once each): who is told of what concerns that role as a whole."""
    return sorted(set(db.session.scalars(
        sa.select(User.email).join(assoc_user_role, assoc_user_role.c.user_id == User.id)
        .join(Role, Role.id == assoc_user_role.c.role_id)
        .where(Role.name == role, User.active.is_(True)))))
