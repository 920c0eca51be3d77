"""FAB's security screens, restricted to the routes this project uses.

FAB's defaults expose download, show-action and bulk-action routes the
security models never need; each one is a permission and a route to guard.
"""

from __future__ import annotations

from flask import current_app, flash, g, redirect, request, url_for
from flask_appbuilder import expose, has_access
from flask_appbuilder.actions import action
from flask_appbuilder.fields import QuerySelectField
from flask_appbuilder.fieldwidgets import Select2Widget
from flask_appbuilder.security.sqla.models import PermissionView as PaireFab
from flask_appbuilder.security.views import (
    PermissionModelView,
    PermissionViewModelView,
    ResetPasswordView,
    RoleModelView,
    UserDBModelView,
    UserGroupModelView,
    ViewMenuModelView,
)
from flask_appbuilder.security.views import UserInfoEditView as FabUserInfoEditView
from flask_appbuilder.widgets import ListWidget, ShowWidget
from markupsafe import Markup, escape
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload, undefer
from wtforms import Field, ValidationError

from app.extensions import db
from app.infra.formatting import format_date
from app.models.authentification import LIBELLES_ETAT_COMPTE, EtatCompteUtilisateur
from app.models.comptes import Gestionnaire
from app.models.referentiels import Structure
from app.operations import comptes, executer
from app.security import auth, libelles
from app.security.roles import GESTIONNAIRE
from app.security.sessions import invalider_sessions
from app.views.actions import agir
from app.views.base import ChoixVidesMixin, EnregistrementFrancaisMixin
from app.views.interface import InterfaceChargee
from app.workflows import compte as cycle_compte
from app.workflows.core import Acteur

CRUD = {"list", "show", "add", "edit", "delete"}


class RetourListeMixin(EnregistrementFrancaisMixin, ChoixVidesMixin):
    """After saving in a security screen: back to its list, a French message
    (FAB went back in its page history, often the portal's home page); empty
    choices in French."""

    add_row_message = "Enregistrement ajouté."
    edit_row_message = "Modifications enregistrées."
    delete_row_message = "Enregistrement supprimé."
    database_error_message = "L'enregistrement n'a pas pu être fait (erreur de base de données)."
    add_integrity_error_message = "Enregistrement refusé : une valeur existe déjà (nom ou adresse en double)."
    edit_integrity_error_message = add_integrity_error_message
    delete_integrity_error_message = "Suppression impossible : cet enregistrement est encore utilisé."

    def _vers_liste(self):
        return redirect(url_for(f"{self.endpoint}.list"))

    def post_add_redirect(self):
        return self._vers_liste()

    def post_edit_redirect(self):
        return self._vers_liste()

    def post_delete_redirect(self):
        return self._vers_liste()


def _sans_actif(colonnes):
    return [c for c in colonnes if c != "active"]


def _structures():
    return db.session.query(Structure).order_by(Structure.nom)


class StructureDuGestionnaire:
    """A gestionnaire works for one structure: without it they would see
    every structure's menu and write annonces of none."""

    def __call__(self, form, field):
        roles = {r.name for r in (form.roles.data or [])}
        if GESTIONNAIRE in roles and field.data is None:
            raise ValidationError("Choisissez la structure du gestionnaire.")


class UtilisateurView(RetourListeMixin, UserDBModelView):
    """FAB's users screen. Whether an account may sign in is its lifecycle
    state (``app.workflows.compte``): the « active » box is not offered,
    deactivating and reactivating are workflow actions. No password is ever
    typed here: a new account gets the back office's invitation e-mail; a
    locked account is unlocked (« Déverrouiller »)."""

    include_route_methods = CRUD | {"userinfo", "action_post"}
    list_title = "Utilisateurs"
    show_title = "Fiche de l'utilisateur"
    add_title = "Créer un utilisateur"
    edit_title = "Modifier l'utilisateur"
    add_form_extra_fields = {
        "structure": QuerySelectField(
            "Structure", query_func=_structures, get_pk_func=lambda s: s.id, allow_blank=True, blank_text="— aucune (national, intervenant) —",
            widget=Select2Widget(), validators=[StructureDuGestionnaire()],
            description="Obligatoire pour un gestionnaire : ses demandes, annonces et candidatures sont celles de cette structure.",
        ),
    }
    edit_form_extra_fields = add_form_extra_fields
    add_columns = ["first_name", "last_name", "email", "roles", "structure", "groups"]
    edit_columns = ["first_name", "last_name", "email", "roles", "structure", "groups"]
    list_columns = ["first_name", "last_name", "email", "roles", "etat_du_compte", "verrou", "last_login"]
    show_fieldsets = [
        ("Utilisateur", {"fields": ["first_name", "last_name", "email", "roles", "structure_du_compte",
                                    "etat_du_compte", "verrou"]}),
        ("Connexions", {"fields": ["last_login", "login_count", "fail_login_count", "created_on", "changed_on"],
                        "expanded": False}),
    ]
    # A subset of the fields above (FAB's page reads them among the show columns).
    user_show_fieldsets = [
        ("Mon compte", {"fields": ["first_name", "last_name", "email", "roles", "last_login", "login_count"]}),
    ]
    label_columns = {
        "first_name": "Prénom", "last_name": "Nom", "username": "Identifiant", "email": "Adresse e-mail",
        "roles": "Rôles", "groups": "Groupes", "structure": "Structure", "structure_du_compte": "Structure",
        "etat_du_compte": "État du compte", "verrou": "Verrouillage", "last_login": "Dernière connexion",
        "login_count": "Nombre de connexions", "fail_login_count": "Échecs de connexion",
        "created_on": "Créé le", "changed_on": "Modifié le", "created_by": "Créé par", "changed_by": "Modifié par",
    }
    description_columns = {"roles": "Les droits de chaque rôle se règlent dans l'écran Rôles."}
    formatters_columns = {
        "etat_du_compte": lambda etat: LIBELLES_ETAT_COMPTE[EtatCompteUtilisateur(etat or "actif")],
        "last_login": lambda d: format_date(d, "dd/MM/yyyy HH:mm") if d else "jamais",
        "created_on": lambda d: format_date(d, "dd/MM/yyyy HH:mm") if d else "",
        "changed_on": lambda d: format_date(d, "dd/MM/yyyy HH:mm") if d else "",
    }

    def __init__(self, **kwargs):
        # The list shows each user's roles, groups and state: loaded with the
        # page, not row by row (FAB would lazy-load them).
        modele = self.datamodel.obj
        type(self).datamodel = InterfaceChargee(
            modele, undefer(modele.etat_du_compte), selectinload(modele.roles), selectinload(modele.groups),
            selectinload(modele.etat_compte_ligne),
        )
        super().__init__(**kwargs)
        # The framework's « Reset Password » (a password typed by the admin) is gone.
        self.actions.pop("resetpasswords", None)

    @expose("/show/<pk>", methods=["GET"])
    @has_access
    def show(self, pk):
        from flask import abort

        item = self.datamodel.get(pk, self._base_filters)
        if not item:
            abort(404)
        widgets = self._get_show_widget(pk, item, actions={})
        self.update_redirect()
        return self.render_template("securite/utilisateur_show.html", pk=pk, title=self.show_title,
                                    widgets=widgets, appbuilder=self.appbuilder,
                                    related_views=self._related_views, actions_compte=self._actions_compte(item))

    def _actions_compte(self, item) -> list[tuple[str, str]]:
        """The buttons that apply to this account and that the admin may use."""
        sm, acteur = self.appbuilder.sm, Acteur.from_user(g.user)
        possibles = []
        if item.verrou != "Non":
            possibles.append(("deverrouiller", "Déverrouiller"))
        for event, libelle in (("desactiver", "Désactiver"), ("reactiver", "Réactiver")):
            if item.id != g.user.id and cycle_compte.peut(item.id, event, acteur):
                possibles.append((event, libelle))
        return [(n, lib) for n, lib in possibles if sm.has_access(n, self.class_permission_name)]

    # -- structure of a gestionnaire, invitation instead of a password -------
    def prefill_form(self, form, pk):
        ligne = _gestionnaire_de(int(pk))
        form.structure.data = ligne.structure if ligne is not None else None

    def pre_add(self, item):
        item.email = (item.email or "").strip().lower()
        item.username = item.email
        # Never a typed password: a random one nobody knows, replaced through the invitation link.
        import secrets

        item.password = auth.hacher_mot_de_passe(secrets.token_urlsafe(32))

    def pre_update(self, item):
        super().pre_update(item)
        item.email = (item.email or "").strip().lower()
        item.username = item.email

    def post_add(self, item):
        executer(comptes.ouvrir_depuis_ecran, item, g.get("structure_saisie"))
        flash(f"Une invitation à choisir son mot de passe a été envoyée à {item.email}.", "info")

    def post_update(self, item):
        executer(comptes.rattacher_structure, item, g.get("structure_saisie"))

    @action("deverrouiller", "Déverrouiller", "Déverrouiller le ou les comptes sélectionnés ?", "fa-unlock")
    def deverrouiller(self, items):
        items = items if isinstance(items, list) else [items]
        agir(comptes.deverrouiller_comptes, items, Acteur.from_user(g.user),
             succes="Compte(s) déverrouillé(s) : la personne peut se connecter à nouveau.")
        return redirect(request.referrer or url_for(f"{self.endpoint}.list"))

    def _transition(self, items, event: str, succes: str):
        items = items if isinstance(items, list) else [items]
        agir(comptes.changer_etat_comptes, items, event, Acteur.from_user(g.user), succes=succes)
        return redirect(request.referrer or self.get_redirect())

    @action("desactiver", "Désactiver", "Désactiver le ou les comptes sélectionnés ?", "fa-ban")
    def desactiver(self, items):
        return self._transition(items, "desactiver", "Compte(s) désactivé(s).")

    @action("reactiver", "Réactiver", "Réactiver le ou les comptes sélectionnés ?", "fa-check")
    def reactiver(self, items):
        return self._transition(items, "reactiver", "Compte(s) réactivé(s) ; un compte archivé reçoit un e-mail "
                                "pour choisir un nouveau mot de passe.")

    @action(
        "reinitialiser_second_facteur",
        "Réinitialiser la double authentification",
        "Réinitialiser la double authentification du ou des comptes sélectionnés (appareil perdu) ? "
        "Leurs sessions seront fermées et un e-mail les préviendra.",
        "fa-mobile",
    )
    def reinitialiser_second_facteur(self, items):
        """Lost device (issue 28): the factor removed, logged, the person told."""
        items = items if isinstance(items, list) else [items]
        if any(user.id == g.user.id for user in items):
            flash("Vous ne pouvez pas réinitialiser votre propre double authentification.", "danger")
            return redirect(request.referrer or self.get_redirect())
        agir(comptes.reinitialiser_seconds_facteurs, items, g.user.id,
             succes="Double authentification réinitialisée : la personne a été prévenue par e-mail.")
        return redirect(request.referrer or self.get_redirect())

    def process_form(self, form, is_created):
        """A new e-mail (the identifier) or a deactivation ends the account's
        sessions, in the edit's transaction. Checked here, before the form is
        copied onto the row: afterwards an autoflush has erased the change
        from the row's history. ``structure`` is not a column of ab_user: kept
        aside for post_add/post_update, in the request's ``g`` (the view object
        is shared by every request: app.views.etat_des_vues)."""
        g.structure_saisie = form.structure.data
        del form.structure
        super().process_form(form, is_created)
        if is_created:
            return
        avant = self.datamodel.get(request.view_args.get("pk"))
        if avant is None:
            return
        email = (form.email.data or "").strip().lower() if "email" in form else avant.email
        desactive = "active" in form and avant.active and not form.active.data
        if email != avant.email or desactive:
            invalider_sessions(avant)


def _gestionnaire_de(user_id: int):
    return db.session.scalar(select(Gestionnaire).where(Gestionnaire.user_id == user_id))


# -- roles: rights in French, grouped by screen ---------------------------------
def _paires_fab() -> dict[tuple[str, str], PaireFab]:
    with db.session.no_autoflush:  # called while a new role is being filled in
        lignes = db.session.scalars(
            select(PaireFab).options(joinedload(PaireFab.permission), joinedload(PaireFab.view_menu))
        ).unique().all()
    return {(pv.permission.name, pv.view_menu.name): pv for pv in lignes}


class DroitsWidget:
    """One fieldset per screen, one labelled checkbox per right."""

    def __call__(self, field, **kwargs):
        tenues = field.paires_tenues()
        html = ['<div class="droits-par-ecran">']
        for ecran, droits in field.par_ecran():
            html.append(f'<fieldset class="droits-ecran"><legend>{escape(ecran.titre)}</legend>')
            for cle, droit in droits:
                ident = f"{field.id}-{cle.replace(':', '-')}"
                coche = " checked" if set(droit.paires) <= tenues else ""
                html.append(
                    f'<div class="checkbox"><label for="{ident}"><input type="checkbox" id="{ident}" '
                    f'name="{escape(field.name)}" value="{escape(cle)}"{coche}> {escape(droit.libelle)}</label></div>'
                )
            html.append("</fieldset>")
        html.append("</div>")
        return Markup("".join(html))  # noqa: S704 - every value escaped above


class DroitsField(Field):
    """The role's permissions as French rights (``app.security.libelles``).
    Menu entries are not chosen: they follow the screens (``RoleView``);
    pairs outside the catalogue that a role already holds are kept."""

    widget = DroitsWidget()

    def _value(self):
        return ""

    def paires_tenues(self) -> set[tuple[str, str]]:
        if getattr(self, "raw_data", None):
            return {p for cle in self.raw_data if cle in self._cles() for p in self._cles()[cle].paires}
        return {(pv.permission.name, pv.view_menu.name) for pv in (self.object_data or [])}

    @staticmethod
    def _cles() -> dict:
        return {c: d for c, _, d in libelles.droits()}

    @staticmethod
    def par_ecran():
        groupes: dict = {}
        for cle, ecran, droit in libelles.droits():
            groupes.setdefault(ecran, []).append((cle, droit))
        return list(groupes.items())

    def process_formdata(self, valuelist):
        cles = self._cles()
        if any(c not in cles for c in valuelist):
            raise ValueError("Droit inconnu.")
        self.data = sorted({p for c in valuelist for p in cles[c].paires})

    def populate_obj(self, obj, name):
        catalogue = libelles.paires_cataloguees()
        gardees = {
            (pv.permission.name, pv.view_menu.name)
            for pv in (getattr(obj, name) or [])
            if pv.permission.name != libelles.MENU and (pv.permission.name, pv.view_menu.name) not in catalogue
        }
        fab = _paires_fab()
        voulues = set(self.data or []) if isinstance(self.data, list) and all(isinstance(p, tuple) for p in self.data or []) else set()
        setattr(obj, name, [fab[p] for p in sorted(voulues | gardees) if p in fab])


def completer_menus(role) -> None:
    """A role holds the menu entries (and their categories) of the screens it
    may use, and no other: a right given is a way there."""
    paires = {(pv.permission.name, pv.view_menu.name) for pv in role.permissions}
    ecrans = [pv for pv in role.permissions if pv.permission.name != libelles.MENU]
    fab = _paires_fab()
    menus = [fab[p] for p in sorted(libelles.menus_pour(current_app, paires)) if p in fab]
    role.permissions = ecrans + menus


def _resume_droits(permissions) -> Markup:
    lignes = libelles.resume((pv.permission.name, pv.view_menu.name) for pv in permissions)
    return Markup("<ul class='list-unstyled'>{}</ul>").format(
        Markup("").join(Markup("<li>{}</li>").format(ligne) for ligne in lignes)
    )


class RoleView(RetourListeMixin, RoleModelView):
    """Roles: what each may do, screen by screen, in French."""

    # action_post carries the bulk "copyrole" action.
    include_route_methods = CRUD | {"action_post"}
    list_title = "Rôles"
    show_title = "Rôle"
    add_title = "Créer un rôle"
    edit_title = "Modifier le rôle"
    label_columns = {"name": "Nom", "permissions": "Droits"}
    # FAB's search offered the permissions by their internal names, and its
    # role widgets listed them raw: the plain widgets use the French summary.
    search_columns = ["name"]
    list_widget = ListWidget
    show_widget = ShowWidget
    description_columns = {
        "permissions": "Cochez ce que le rôle peut faire, écran par écran ; les entrées de menu suivent."
    }
    add_form_extra_fields = {"permissions": DroitsField("Droits")}
    edit_form_extra_fields = add_form_extra_fields
    formatters_columns = {"permissions": _resume_droits}

    def pre_add(self, item):
        completer_menus(item)

    def pre_update(self, item):
        completer_menus(item)

    @action("copyrole", "Copier le rôle", "Copier les rôles sélectionnés ?", icon="fa-copy", single=False)
    def copy_role(self, items):
        return super().copy_role(items)


class ResetPasswordSansRoute(ResetPasswordView):
    """FAB's « reset a user's password » screen accepted any password (« a »)
    typed by an admin: it is not served. An admin sends provisional
    credentials (Administration nationale) or the person uses « Mot de passe
    oublié »; both follow the project's password policy."""

    include_route_methods: set[str] = set()


class UserInfoEditView(FabUserInfoEditView):
    """FAB's view fixes its field list at its first render (``_init_vars``):
    the form's fields at that moment, ``csrf_token`` included when CSRF was on,
    so a later render with CSRF off failed (« no attribute csrf_token »). The
    list is the form's own fields; the CSRF field is rendered by ``hidden_tag``
    when CSRF is on. Same class name: same endpoints and permissions as FAB's."""

    form_columns = ["first_name", "last_name"]


class GroupeView(RetourListeMixin, UserGroupModelView):
    include_route_methods = CRUD
    list_title = "Groupes"
    show_title = "Groupe"
    add_title = "Créer un groupe"
    edit_title = "Modifier le groupe"
    label_columns = {"name": "Nom", "label": "Libellé", "description": "Description", "roles": "Rôles",
                     "users": "Utilisateurs"}


class PermissionView(PermissionModelView):
    include_route_methods = {"list"}


class ViewMenuView(ViewMenuModelView):
    include_route_methods = {"list"}


class PermissionViewView(PermissionViewModelView):
    include_route_methods = {"list"}
