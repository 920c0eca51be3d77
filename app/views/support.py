"""Support desk « Aide et contact » (manual §6, issue 22).

- ``SupportView`` (public): the form of the footer link; anonymous requesters
  copy the captcha and confirm by the e-mail's single-use link, signed-in
  ones send at once with their identity pre-filled; the « Consulter
  l'historique » page opened by the signed link of each answer, where the
  requester replies to a request for information.
- ``SupportGestionView``: the handlers' queue (a declared list, scoped to the
  gestionnaire's structure; national roles see every request, those
  addressed to « Administrateur national » included) and the request's page
  with its thread and the answers.

Domain rules are in ``app.operations.support`` and ``app.workflows.support``.
"""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.security.decorators import permission_name
from flask_appbuilder.utils.limit import Limit
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import and_, bindparam, func, or_, select
from sqlalchemy.types import Boolean

from app.extensions import db
from app.forms.support import (
    CONSIGNES_PIECE,
    LIBELLE_DESTINATAIRE,
    DemandeSupportAnonymeForm,
    DemandeSupportForm,
    MessageSupportForm,
)
from app.infra.formatting import format_date
from app.models.referentiels import Structure, TypeDemandeSupport
from app.models.support import (
    ADMINISTRATEUR_NATIONAL,
    DESCRIPTIF_MAX,
    DemandeSupport,
    EtatDemandeSupport,
    MessageSupport,
)
from app.operations import executer
from app.operations import support as operations
from app.referentiels.options import options
from app.security.headers import options_vue
from app.security.scope import current_intervenant, no_row_id, perimetre_courant
from app.views.actions import agir
from app.views.comptes import captcha_ok, nouveau_captcha
from app.views.fichiers import CSP_FICHIER, envoyer_fichier
from app.views.liste import Colonne, LienCellule, Liste, contient, date_au, date_du, parmi
from app.views.menu import declarer_badge
from app.workflows.core import Acteur, WorkflowError
from app.workflows.support import REPONSES, support

MESSAGE_ENVOYE = "Vous allez recevoir un mail de confirmation concernant votre demande de support"
LIEN_INVALIDE = "Ce lien n'est pas valide : il a expiré ou a déjà été utilisé."


def _limite() -> str:
    return current_app.config.get("SUPPORT_RATE_LIMIT", "10 per 5 minute")


def _cle_limite() -> str:
    """Signed-in people are limited per account, visitors per address: the
    staff of one office behind one address do not share a counter."""
    if current_user.is_authenticated:
        return f"compte:{current_user.id}"
    return request.remote_addr or "inconnue"


def _hors_limite() -> bool:
    """Counted: the form and the history's reply sent, the confirmation link
    opened. FAB applies a view's limits to its whole blueprint: one limit
    here, so that each of them counts once (three limits of the same value
    shared one counter, three hits a request)."""
    return not (request.method == "POST" or request.endpoint == "SupportView.confirmer")


def _pris_en_compte(numero: str) -> str:
    return f"Votre demande de support n° {numero} a bien été prise en compte"


class SupportView(BaseView):
    """The public form and the requester's pages (token links)."""

    route_base = ""
    default_view = "formulaire"
    limits = [Limit(_limite, key_func=_cle_limite, exempt_when=_hors_limite)]

    @expose("/aide-et-contact", methods=["GET", "POST"])
    def formulaire(self):
        connecte = current_user.is_authenticated
        form = DemandeSupportForm() if connecte else DemandeSupportAnonymeForm()
        types = options(TypeDemandeSupport, ordre="ordre", actifs=True)
        form.remplir(types, options(Structure, "nom", actifs=True))
        if request.method == "GET":
            self._preremplir(form, types)
            if not connecte:
                nouveau_captcha(form)
            return self._render(form)
        if not connecte and form.autre_image.data:
            nouveau_captcha(form, form.captcha_id.data)
            return self._render(form)
        valide = form.validate_on_submit()
        if not connecte:
            valide = captcha_ok(form) and valide
        if not valide:
            if not connecte:
                nouveau_captcha(form)
            return self._render(form), 422
        if connecte and form.email.data != current_user.email.lower() and not request.form.get("email_confirme"):
            # The manual's « Attention ! » choice, as a step (with or without JavaScript).
            return self.render_template("support/confirmer_email.html", title="Aide et Contact",
                                        champs=[(k, v) for k, v in request.form.items(multi=True)
                                                if k not in ("csrf_token", "email_confirme")])
        demande, _ = executer(
            operations.creer,
            type_id=form.type_demande.data,
            structure_id=operations.structure_destinataire(form.type_demande.data, form.structure.data),
            nom=form.nom.data, prenom=form.prenom.data, email=form.email.data, sujet=form.sujet.data,
            descriptif=form.descriptif.data, user=current_user if connecte else None,
        )
        if connecte:
            return self.render_template("support/envoyee.html", title="Aide et Contact",
                                        message=_pris_en_compte(demande.numero))
        return self.render_template("support/envoyee.html", title="Aide et Contact", message=MESSAGE_ENVOYE)

    def _preremplir(self, form, types) -> None:
        """Signed in: identity, e-mail and structure de rattachement; a type
        named in the link (``?type=REACTIVATION``)."""
        code = request.args.get("type", "")[:40]
        if code:
            form.type_demande.data = db.session.scalar(
                select(TypeDemandeSupport.id).where(TypeDemandeSupport.code == code))
        if not current_user.is_authenticated:
            return
        form.email.data = current_user.email
        form.nom.data, form.prenom.data = current_user.last_name, current_user.first_name
        profil = current_intervenant()
        if profil is not None:
            form.nom.data, form.prenom.data = profil.nom_usage or profil.nom_naissance, profil.prenom
            form.structure.data = profil.structure_id

    def _render(self, form):
        return self.render_template(
            "support/formulaire.html", title="Aide et Contact", form=form, maximum=DESCRIPTIF_MAX,
            nationaux=",".join(str(i) for i in sorted(operations.types_nationaux())),
            libelle_destinataire=LIBELLE_DESTINATAIRE,
        )

    @expose("/aide-et-contact/confirmer/<token>")
    def confirmer(self, token):
        demande = operations.a_confirmer(token)
        if demande is None:
            return self.render_template("support/lien_invalide.html", title="Aide et Contact",
                                        message=LIEN_INVALIDE), 200
        try:
            executer(operations.confirmer, demande)
        except WorkflowError:
            return self.render_template("support/lien_invalide.html", title="Aide et Contact",
                                        message=LIEN_INVALIDE), 200
        return self.render_template("support/envoyee.html", title="Aide et Contact",
                                    message=_pris_en_compte(demande.numero))

    @expose("/aide-et-contact/historique/<token>", methods=["GET", "POST"])
    def historique(self, token):
        """« Consulter l'historique »: the thread of the one request the
        signed link names; the reply to a request for information."""
        demande = operations.demande_du_lien(token)
        if demande is None:
            return self.render_template("support/lien_invalide.html", title="Aide et Contact",
                                        message=LIEN_INVALIDE), 200
        form = MessageSupportForm()
        peut_repondre = demande.etat == EtatDemandeSupport.complement_demande
        if request.method == "POST":
            if not peut_repondre:
                abort(409)
            if form.validate_on_submit() and agir(
                    operations.completer, demande, form.texte.data, form.piece_jointe.data,
                    champ=form.texte, champ_fichier=form.piece_jointe, succes="Votre réponse a été transmise."):
                return redirect(url_for("SupportView.historique", token=token))
            return self._historique(demande, form, True), 422
        return self._historique(demande, form, peut_repondre)

    def _historique(self, demande, form, peut_repondre):
        token = request.view_args["token"]
        return self.render_template("support/historique.html", title=f"Demande de support n° {demande.numero}",
                                    d=demande, form=form, peut_repondre=peut_repondre, maximum=DESCRIPTIF_MAX,
                                    lien_piece=lambda m: url_for("SupportView.piece", token=token, pk=m.id),
                                    consignes=CONSIGNES_PIECE)

    @expose("/aide-et-contact/historique/<token>/pieces/<int:pk>")
    @options_vue(content_security_policy=CSP_FICHIER)
    def piece(self, token, pk):
        """An attachment of the thread the signed link opens (anonymous or
        signed-in requester); any other file of any other request is a 404."""
        demande = operations.demande_du_lien(token)
        message = db.session.get(MessageSupport, pk) if demande is not None else None
        if message is None or message.demande_id != demande.id or message.fichier is None:
            abort(404)
        return envoyer_fichier(message.fichier, current_user.id if current_user.is_authenticated else None)


# -- the handlers' queue ------------------------------------------------------
DEMANDES = Liste(
    table=DemandeSupport, cle=DemandeSupport.id,
    jointures=((TypeDemandeSupport, TypeDemandeSupport.id == DemandeSupport.type_id, False),
               (Structure, Structure.id == DemandeSupport.structure_id, True)),
    colonnes={
        "numero": Colonne("Numéro", DemandeSupport.numero),
        "date": Colonne("Date", DemandeSupport.transmise_le, lambda d: format_date(d, "dd/MM/yyyy HH:mm")),
        "type": Colonne("Type de demande", TypeDemandeSupport.libelle),
        "sujet": Colonne("Sujet", DemandeSupport.sujet),
        "nom": Colonne("Demandeur", DemandeSupport.nom),
        "destinataire": Colonne("Structure gestionnaire",
                                func.coalesce(Structure.nom, ADMINISTRATEUR_NATIONAL).label("destinataire")),
        "etat": Colonne("État", DemandeSupport.etat, lambda e: EtatDemandeSupport(e).libelle),
    },
    criteres={
        "numero": contient("Numéro", DemandeSupport.numero),
        "etat": parmi("État", DemandeSupport.etat, lambda: [
            (e.value, e.libelle) for e in EtatDemandeSupport if e != EtatDemandeSupport.a_confirmer],
            EtatDemandeSupport),
        "type": parmi("Type de demande", DemandeSupport.type_id,
                      lambda: [(str(i), lib) for i, lib in options(TypeDemandeSupport, ordre="ordre")], int),
        "du": date_du("Transmise à partir du", DemandeSupport.transmise_le),
        "au": date_au("Transmise jusqu'au", DemandeSupport.transmise_le, du="du"),
    },
    ordre=("date", "desc"), tailles=(20, 50, 100), libelle_taille="Demandes par page",
    structure=DemandeSupport.structure_id,
    filtres=(DemandeSupport.etat != EtatDemandeSupport.a_confirmer,),
    vue="SupportGestionView", lien_colonne="numero",
    objet=lambda c: f"la demande de support n° {c['numero']}",
    legende="Demandes de support, triées par {tri}",
)


class SupportGestionView(BaseView):
    """The requests addressed to the gestionnaire's structure (national
    roles: all), their thread and the answers."""

    route_base = "/gestion/support"
    default_view = "list"
    include_route_methods = {"list", "show", "reactiver", "piece"}
    class_permission_name = "SupportGestionView"

    @expose("/")
    @has_access
    def list(self):
        return self.render_template("support/file.html", title="Demandes de support", file=DEMANDES.page())

    def _demande_or_404(self, pk) -> DemandeSupport:
        demande = db.session.get(DemandeSupport, pk)
        if demande is None or not operations.traitee_par(demande, Acteur.from_user(current_user)):
            abort(404)
        return demande

    @expose("/pieces/<int:pk>")
    @has_access
    @permission_name("show")  # whoever opens a request reads its attachments
    @options_vue(content_security_policy=CSP_FICHIER)
    def piece(self, pk):
        """An attachment of a thread (``pk``: the message), for the request's handlers."""
        message = db.session.get(MessageSupport, pk)
        if message is None or message.fichier is None:
            abort(404)
        self._demande_or_404(message.demande_id)
        return envoyer_fichier(message.fichier, current_user.id)

    @expose("/<int:pk>", methods=["GET", "POST"])
    @has_access
    def show(self, pk):
        demande = self._demande_or_404(pk)
        form = MessageSupportForm()
        acteur = Acteur.from_user(current_user)
        if request.method == "POST":
            evenement = request.form.get("reponse")
            if evenement not in REPONSES:
                abort(400)
            if form.validate_on_submit() and agir(
                    operations.repondre, demande, evenement, form.texte.data, acteur, form.piece_jointe.data,
                    champ=form.texte, champ_fichier=form.piece_jointe,
                    succes="Votre réponse a été envoyée au demandeur par e-mail."):
                return redirect(url_for("SupportGestionView.show", pk=pk))
            return self._render(demande, form, acteur), 422
        return self._render(demande, form, acteur)

    @expose("/<int:pk>/reactiver", methods=["POST"])
    @has_access
    def reactiver(self, pk):
        """« Réactivation de mon compte archivé »: reactivate the account
        (national roles; the account workflow checks it is archived)."""
        demande = self._demande_or_404(pk)
        if not FlaskForm().validate_on_submit():  # the CSRF token
            abort(400)
        issue = agir(operations.reactiver_compte, demande, Acteur.from_user(current_user))
        if issue:
            flash(f"Le compte {issue.valeur.email} est réactivé. Répondez au demandeur pour l'en informer.", "success")
        return redirect(url_for("SupportGestionView.show", pk=pk))

    def _render(self, demande, form, acteur):
        national = perimetre_courant().national
        code = demande.type.code
        return self.render_template(
            "support/demande.html", title=f"Demande de support n° {demande.numero}", d=demande, form=form,
            lien_piece=lambda m: url_for("SupportGestionView.piece", pk=m.id), consignes=CONSIGNES_PIECE,
            reponses=[t for t in support.available_events(demande, acteur) if t.event in REPONSES],
            historique=support.history(demande), maximum=DESCRIPTIF_MAX,
            reactivation=national and code == "REACTIVATION" and demande.etat != EtatDemandeSupport.cloturee,
            identifiants=national and code == "IDENTIFIANTS_PERDUS",
            recuperation=national and code == "RECUPERATION_DONNEES" and demande.etat != EtatDemandeSupport.cloturee,
        )



# -- « Mes demandes de support » (Mon compte) -----------------------------------
MES_DEMANDES = Liste(
    table=DemandeSupport, cle=DemandeSupport.id,
    jointures=((TypeDemandeSupport, TypeDemandeSupport.id == DemandeSupport.type_id, False),),
    colonnes={
        "numero": Colonne("Numéro", DemandeSupport.numero,
                          lien=LienCellule("MesDemandesSupportView.demande", "numero")),
        "date": Colonne("Date", DemandeSupport.transmise_le, lambda d: format_date(d, "dd/MM/yyyy")),
        "type": Colonne("Type de demande", TypeDemandeSupport.libelle),
        "sujet": Colonne("Sujet", DemandeSupport.sujet),
        "etat": Colonne("État", DemandeSupport.etat, lambda e: EtatDemandeSupport(e).libelle),
    },
    ordre=("date", "desc"), tailles=(20, 50, 100), libelle_taille="Demandes par page",
    liees={"user": DemandeSupport.user_id},
    filtres=(DemandeSupport.etat != EtatDemandeSupport.a_confirmer,),
    legende="Mes demandes de support, triées par {tri}",
)


class MesDemandesSupportView(BaseView):
    """The signed-in user's own requests; each opens its thread (the same
    page as the e-mail's « Consulter l'historique »)."""

    route_base = "/mes-demandes-de-support"
    default_view = "liste"
    include_route_methods = {"liste", "demande"}

    @expose("/")
    @has_access
    def liste(self):
        return self.render_template("support/mes_demandes.html", title="Mes demandes de support",
                                    demandes=MES_DEMANDES.page(user=current_user.id))

    @expose("/<numero>")
    @has_access
    def demande(self, numero):
        demande = db.session.scalar(select(DemandeSupport).where(
            DemandeSupport.numero == numero[:10], DemandeSupport.user_id == current_user.id,
            DemandeSupport.etat != EtatDemandeSupport.a_confirmer))
        if demande is None:
            abort(404)
        return redirect(operations.lien_historique(demande, externe=False))


# -- the menu's badge: requests « à traiter » ---------------------------------
DEMANDES_A_TRAITER = select(func.count()).select_from(DemandeSupport).where(
    DemandeSupport.etat == EtatDemandeSupport.nouvelle,
    or_(DemandeSupport.structure_id == bindparam("badge_support_structure"),
        and_(DemandeSupport.structure_id.is_(None), bindparam("badge_support_national", type_=Boolean))),
)


def a_traiter() -> dict | None:
    """A gestionnaire: their structure's requests; a national role: those
    addressed to « Administrateur national »."""
    perimetre = perimetre_courant()
    if perimetre.national:
        return {"badge_support_structure": no_row_id(), "badge_support_national": True}
    if perimetre.structure_id is None:
        return None
    return {"badge_support_structure": perimetre.structure_id, "badge_support_national": False}


declarer_badge("Demandes de support", DEMANDES_A_TRAITER, a_traiter, "{n} demande(s) de support à traiter")
