"""Sample URL arguments for the permission matrix, by argument name.

A value may be a callable taking the endpoint name, for arguments whose
meaning depends on the view (``pk`` of a user, a role, an intervenant...).
Sample rows are in structure A (DR-84) and owned by ``scene.owner``.
"""

from __future__ import annotations

from io import BytesIO

from werkzeug.datastructures import FileStorage

from app.models.fichiers import store_upload
from app.uploads import DOSSIER_ADMINISTRATIF


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

    fichier = store_upload(
        FileStorage(BytesIO(b"%PDF-1.4\n%%EOF\n"), filename="piece.pdf"),
        owner_user_id=scene.owner.id,
        sensitive=True,
        preset=DOSSIER_ADMINISTRATIF,
    )
    db.session.commit()

    return {
        "pk": pk,
        "uuid": str(fichier.uuid),
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
        from flask_appbuilder.security.sqla.models import Role
        from sqlalchemy import select

        from app.extensions import db

        return {"action": "copyrole", "rowid": [str(db.session.scalar(select(Role.id).where(Role.name == "Public")))]}
    if endpoint.endswith(".ajax_update"):
        # flask-admin's inline edit needs the row's primary key (it fails with
        # a 500 on an empty form, a flask-admin bug unrelated to access).
        return {"list_form_pk": str(_first_pk_of_console_view(endpoint.split(".")[0]))}
    return {}


def _first_pk_of_console_view(endpoint: str):
    from flask import current_app
    from sqlalchemy import select

    from app.extensions import db

    for admin in current_app.extensions["admin"]:
        for view in admin._views:
            if view.endpoint == endpoint:
                model = view.model
                return db.session.scalar(select(model.id).order_by(model.id).limit(1))
    raise KeyError(endpoint)
