"""Sample URL arguments for the permission matrix, by argument name.

A value may be a callable taking the endpoint name, for arguments whose
meaning depends on the view (``pk`` of a user, a role, an intervenant...).
Sample rows are in structure A (DR-84) and owned by ``scene.owner``.
"""

from __future__ import annotations


def build(scene) -> dict:
    from flask_appbuilder.security.sqla.models import Group

    from app.extensions import db

    group = Group(name="groupe-matrice", label="Groupe matrice")
    db.session.add(group)
    db.session.flush()

    def pk(endpoint: str):
        view = endpoint.split(".")[0]
        if view in ("DemandeInscriptionView", "IntervenantApi"):
            return scene.owner_profil.id
        if view == "UtilisateurView":
            return scene.owner.id
        if view == "GroupeView":
            return group.id
        return 1

    return {
        "pk": pk,
        "name": "inexistante",
        "filename": "inexistant.txt",
        "group_by": 0,
        "locale": "fr",
        "export_type": "csv",
    }


def post_data(endpoint: str, scene) -> dict:
    """Form data for POST-only endpoints whose handler reads it before
    checking rights (FAB's bulk actions)."""
    if endpoint == "RoleView.action_post":
        from app.extensions import db
        from flask_appbuilder.security.sqla.models import Role
        from sqlalchemy import select

        return {"action": "copyrole", "rowid": [str(db.session.scalar(select(Role.id).where(Role.name == "Public")))]}
    return {}
