"""FAB's security screens, restricted to the routes this project uses.

FAB's defaults expose download, show-action and bulk-action routes the
security models never need; each one is a permission and a route to guard.
"""

from __future__ import annotations

from flask import flash, g, redirect, request
from flask_appbuilder import expose, has_access
from flask_appbuilder.actions import action
from flask_appbuilder.security.views import (
    PermissionModelView,
    PermissionViewModelView,
    RoleModelView,
    UserDBModelView,
    UserGroupModelView,
    ViewMenuModelView,
)
from flask_appbuilder.security.views import UserStatsChartView as FabUserStatsChartView
from sqlalchemy.orm import selectinload, undefer

from app.errors import ParametreInvalide
from app.models.authentification import LIBELLES_ETAT_COMPTE, EtatCompteUtilisateur
from app.views.interface import InterfaceChargee

CRUD = {"list", "show", "add", "edit", "delete"}


def _sans_actif(colonnes):
    return [c for c in colonnes if c != "active"]


class UtilisateurView(UserDBModelView):
    """FAB's users screen. Whether an account may sign in is its lifecycle
    state (``app.workflows.compte``): the « active » box is not offered,
    deactivating and reactivating are workflow actions."""

    include_route_methods = CRUD | {"userinfo", "action_post"}
    add_columns = _sans_actif(UserDBModelView.add_columns)
    edit_columns = _sans_actif(UserDBModelView.edit_columns)
    list_columns = [*_sans_actif(UserDBModelView.list_columns), "etat_du_compte"]
    show_fieldsets = [
        (titre, {**contenu, "fields": [*_sans_actif(contenu["fields"]), *(["etat_du_compte"] if i == 0 else [])]})
        for i, (titre, contenu) in enumerate(UserDBModelView.show_fieldsets)
    ]
    user_show_fieldsets = [
        (titre, {**contenu, "fields": _sans_actif(contenu["fields"])})
        for titre, contenu in UserDBModelView.user_show_fieldsets
    ]
    label_columns = {**UserDBModelView.label_columns, "etat_du_compte": "État du compte"}
    formatters_columns = {"etat_du_compte": lambda etat: LIBELLES_ETAT_COMPTE[EtatCompteUtilisateur(etat or "actif")]}

    def __init__(self, **kwargs):
        # The list shows each user's roles, groups and state: loaded with the
        # page, not row by row (FAB would lazy-load them).
        modele = self.datamodel.obj
        type(self).datamodel = InterfaceChargee(
            modele, undefer(modele.etat_du_compte), selectinload(modele.roles), selectinload(modele.groups)
        )
        super().__init__(**kwargs)

    def _transition(self, items, event: str, succes: str):
        from app.extensions import db
        from app.workflows import compte as cycle_compte
        from app.workflows.core import Acteur, WorkflowError

        items = items if isinstance(items, list) else [items]
        acteur = Acteur.from_user(g.user)
        try:
            for user in items:
                if user.id == g.user.id:
                    raise WorkflowError("Vous ne pouvez pas modifier l'état de votre propre compte.")
                cycle_compte.appliquer(user.id, event, acteur)
        except WorkflowError as erreur:
            db.session.rollback()
            flash(erreur.message, "danger")
        else:
            db.session.commit()
            flash(succes, "success")
        return redirect(request.referrer or self.get_redirect())

    @action("desactiver", "Désactiver", "Désactiver le ou les comptes sélectionnés ?", "fa-ban")
    def desactiver(self, items):
        return self._transition(items, "desactiver", "Compte(s) désactivé(s).")

    @action("reactiver", "Réactiver", "Réactiver le ou les comptes sélectionnés ?", "fa-check")
    def reactiver(self, items):
        return self._transition(items, "reactiver", "Compte(s) réactivé(s).")

    @action(
        "reinitialiser_second_facteur",
        "Réinitialiser la double authentification",
        "Réinitialiser la double authentification du ou des comptes sélectionnés (appareil perdu) ? "
        "Leurs sessions seront fermées et un e-mail les préviendra.",
        "fa-mobile",
    )
    def reinitialiser_second_facteur(self, items):
        """Lost device (issue 28): the factor removed, logged, the person told."""
        from app.extensions import db
        from app.security import deux_facteurs

        items = items if isinstance(items, list) else [items]
        if any(user.id == g.user.id for user in items):
            flash("Vous ne pouvez pas réinitialiser votre propre double authentification.", "danger")
            return redirect(request.referrer or self.get_redirect())
        for user in items:
            deux_facteurs.reinitialiser(user, g.user.id)
        db.session.commit()
        flash("Double authentification réinitialisée : la personne a été prévenue par e-mail.", "success")
        return redirect(request.referrer or self.get_redirect())

    def process_form(self, form, is_created):
        """A new e-mail (the identifier) or a deactivation ends the account's
        sessions, in the edit's transaction. Checked here, before the form is
        copied onto the row: afterwards an autoflush has erased the change
        from the row's history."""
        super().process_form(form, is_created)
        if is_created:
            return
        from app.security.sessions import invalider_sessions

        avant = self.datamodel.get(request.view_args.get("pk"))
        if avant is None:
            return
        email = (form.email.data or "").strip().lower() if "email" in form else avant.email
        desactive = "active" in form and avant.active and not form.active.data
        if email != avant.email or desactive:
            invalider_sessions(avant)


class RoleView(RoleModelView):
    # action_post carries the bulk "copyrole" action.
    include_route_methods = CRUD | {"action_post"}


class GroupeView(UserGroupModelView):
    include_route_methods = CRUD


class PermissionView(PermissionModelView):
    include_route_methods = {"list"}


class ViewMenuView(ViewMenuModelView):
    include_route_methods = {"list"}


class PermissionViewView(PermissionViewModelView):
    include_route_methods = {"list"}


class UserStatsChartView(FabUserStatsChartView):
    """FAB's user statistics (class name kept: endpoints stay
    ``UserStatsChartView.*``); a chart number that is not one of its charts
    (``/chart/created_by``) is a bad request, not a server error."""

    @expose("/chart/<group_by>")
    @expose("/chart/")
    @has_access
    def chart(self, group_by=0):
        numero = str(group_by)
        if not numero.isdigit() or int(numero) >= len(self.definitions):
            raise ParametreInvalide("Ce graphique n'existe pas.")
        return super().chart(int(numero))
