"""Interventions and lettres de demande (issue 23): the gestionnaires' FAB
screens (their structure's rows; national roles: all) and « Mes
interventions » (Mon compte) for the intervenant.

Creation and edition validate in the form (errors next to their field,
nothing lost); the workflow events are FAB actions (buttons on the page and
bulk actions) calling ``app.workflows.intervention``; a lettre is generated
by ``app.operations.interventions.generer_lettre`` from its own form.
"""

from __future__ import annotations

from datetime import date

from flask import abort, flash, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.actions import action
from flask_appbuilder.models.filters import BaseFilter
from flask_login import current_user
from flask_wtf import FlaskForm
from markupsafe import Markup
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload
from wtforms import DateField, RadioField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError
from wtforms.widgets import TextInput

from app.extensions import db
from app.forms.interventions import AcceptationLettreForm, RefusLettreForm
from app.infra.formatting import format_date, format_duree, format_montant, format_nombre
from app.models.comptes import EtatInscription, Intervenant
from app.models.fichiers import Fichier
from app.models.interventions import (
    LETTRE_ACTIVE,
    LIBELLES_MODE_REMUNERATION,
    LIBELLES_TYPE_LETTRE,
    EtatIntervention,
    EtatLettre,
    Intervention,
    LettreDemande,
    ModeRemuneration,
    TypeLettre,
)
from app.models.referentiels import Structure
from app.models.regles_interventions import blocs_non_valides, erreurs_intervention, erreurs_remuneration
from app.operations import executer
from app.operations.interventions import (
    DonneesInvalides,
    attribuer_immatriculation,
    etats_du_dossier,
    generer_lettre,
    lettre_suit_l_intervention,
)
from app.operations.lettres import (
    MESSAGE_MODIFIEE,
    IdentiteRefusee,
    accepter_en_ligne,
    confirmation_par_code,
    lettre_du_destinataire,
    noter_echec_identite,
    refuser_en_ligne,
)
from app.referentiels.options import options
from app.security.headers import options_vue
from app.security.scope import current_intervenant, dans_ma_structure, perimetre_courant, utilisateur_courant
from app.views.annonces_gestion import TAILLES_FAB, ActionsWorkflowMixin, DecimalFrancaisField
from app.views.base import EspaceModelView, ListeDeclareeMixin
from app.views.fichiers import CSP_FICHIER, envoyer_fichier
from app.views.filters import FilterMaStructure
from app.views.interface import InterfaceChargee
from app.views.liste import Arguments, Colonne, LienCellule, Liste, contient, jour_au, jour_du, parmi
from app.workflows.core import Acteur, WorkflowError
from app.workflows.intervention import intervention as workflow_intervention
from app.workflows.intervention import lettre as workflow_lettre

REQUIS = "Ce champ est obligatoire."


# -- the form's checks, next to their field (app.models.regles_interventions) ----
def _regle(champ: str):
    def verifier(form, field):
        erreurs = erreurs_intervention(form.date_debut.data, form.date_fin.data, form.duree_jours.data)
        if champ in erreurs:
            raise ValidationError(erreurs[champ])
    return verifier


def _intervenant_par_email(email: str | None) -> Intervenant | None:
    from flask_appbuilder.security.sqla.models import User

    if not email:
        return None
    return db.session.scalar(select(Intervenant).join(User, User.id == Intervenant.user_id).where(
        func.lower(User.email) == email.strip().lower()))


def _intervenant_valide(form, field):
    profil = _intervenant_par_email(field.data)
    if profil is None:
        raise ValidationError("Aucun intervenant n'a cette adresse e-mail.")
    if profil.etat_inscription != EtatInscription.validee:
        raise ValidationError("L'intervenant doit avoir une inscription validée.")


def _libelle_etat_intervention(v) -> str:
    return EtatIntervention(v).libelle if v else ""


def _libelle_etat_lettre(v) -> str:
    return EtatLettre(v).libelle if v else ""


def _intervenants_de_ma_structure() -> list[tuple[str, str]]:
    """The « Intervenant » criterion's choices: the people who intervened for
    the structure(s) the user sees (national: any), one statement."""
    intervenus = select(Intervention.intervenant_id).where(perimetre_courant().filtre(Intervention.structure_id))
    return [(str(i), f"{prenom} {nom}") for i, prenom, nom in db.session.execute(
        select(Intervenant.id, Intervenant.prenom, Intervenant.nom_usage)
        .where(Intervenant.id.in_(intervenus)).order_by(Intervenant.id))]


def _structures_de_ma_structure() -> list[tuple[str, str]]:
    """The « Structure » criterion's choices: those the user sees (cached list)."""
    perimetre = perimetre_courant()
    return [(str(i), nom) for i, nom in options(Structure, "nom") if perimetre.couvre(i)]


LIBELLES_INTERVENTION = {
    "intervenant": "Intervenant",
    "intervenant.nom_usage": "Nom de l'intervenant",
    "intervenant.prenom": "Prénom de l'intervenant",
    "intervenant.immatriculation": "Immatriculation",
    "email_intervenant": "Adresse e-mail de l'intervenant",
    "structure": "Structure",
    "structure.nom": "Structure",
    "intitule": "Intitulé de l'action",
    "date_debut": "Date de début",
    "date_fin": "Date de fin",
    "duree_jours": "Durée (jours)",
    "lieu": "Lieu",
    "etat": "État",
    "reference_externe": "Référence du logiciel de gestion",
    "lettres": "Lettres de demande",
}


class BoutonsWorkflowMixin:
    """The row's page: FAB's, with a button per workflow event the user may
    take now (a plain form to ``action_post``: no script), an event that
    ends the row (« annuler ») behind a confirmation step."""

    show_template = "interventions/fiche.html"
    workflow = None
    structure_of = None

    def _extra_show(self, item) -> dict:
        return {}

    @expose("/show/<pk>")
    @has_access
    def show(self, pk):
        widgets = self._show(pk)  # read through the base filters: 404 outside the scope
        item = self.datamodel.get(pk, self._base_filters)
        acteur = Acteur.from_user(current_user)
        sm = self.appbuilder.sm
        boutons = [(t.event, t.label) for t in self.workflow.available_events(item, acteur)
                   if sm.has_access(t.event, self.class_permission_name)]
        return self.render_template(self.show_template, pk=pk, title=self.show_title, widgets=widgets,
                                    related_views=self._related_views, boutons=boutons,
                                    endpoint_actions=f"{type(self).__name__}.action_post", **self._extra_show(item))


#: « Interventions »: the structure's (national roles: all), latest start first.
INTERVENTIONS = Liste(
    table=Intervention, cle=Intervention.id,
    jointures=((Intervenant, Intervenant.id == Intervention.intervenant_id, False),
               (Structure, Structure.id == Intervention.structure_id, False)),
    colonnes={
        "date_debut": Colonne(LIBELLES_INTERVENTION["date_debut"], Intervention.date_debut, format_date),
        "date_fin": Colonne(LIBELLES_INTERVENTION["date_fin"], Intervention.date_fin, format_date),
        "intervenant.prenom": Colonne(LIBELLES_INTERVENTION["intervenant.prenom"], Intervenant.prenom),
        "intervenant.nom_usage": Colonne(LIBELLES_INTERVENTION["intervenant.nom_usage"], Intervenant.nom_usage),
        "intitule": Colonne(LIBELLES_INTERVENTION["intitule"], Intervention.intitule),
        "lieu": Colonne(LIBELLES_INTERVENTION["lieu"], Intervention.lieu),
        "structure.nom": Colonne(LIBELLES_INTERVENTION["structure.nom"], Structure.nom),
        "etat": Colonne(LIBELLES_INTERVENTION["etat"], Intervention.etat, _libelle_etat_intervention),
    },
    criteres={
        "etat": parmi("État", Intervention.etat, lambda: [(e.value, e.libelle) for e in EtatIntervention],
                      EtatIntervention),
        "du": jour_du("Débutant à partir du", Intervention.date_debut),
        "au": jour_au("Finissant jusqu'au", Intervention.date_fin, du="du"),
        "intervenant": parmi("Intervenant", Intervention.intervenant_id, _intervenants_de_ma_structure, int),
        "structure": parmi("Structure", Intervention.structure_id, _structures_de_ma_structure, int, "Toutes"),
        "intitule": contient(LIBELLES_INTERVENTION["intitule"], Intervention.intitule),
    },
    ordre=("date_debut", "desc"), tailles=TAILLES_FAB, libelle_taille="Interventions par page",
    arguments=Arguments.fab("InterventionGestionView"), structure=Intervention.structure_id,
    vue="InterventionGestionView",
    objet=lambda c: f"l'intervention « {c['intitule']} » du {c['date_debut']}",
    legende="Interventions, triées par {tri}",
)


class InterventionGestionView(ListeDeclareeMixin, BoutonsWorkflowMixin, ActionsWorkflowMixin, EspaceModelView):
    """The structure's interventions: create, edit, change state, and the
    form generating a lettre de demande."""

    liste = INTERVENTIONS
    textes_liste = {
        "total": "{n} intervention(s)",
        "aucun": "Aucune intervention.",
        "aucun_critere": "Aucune intervention ne correspond à ces critères.",
        "pages": "Pages des interventions",
        "libelle_total": "Interventions",
        "recherche": "Rechercher des interventions",
    }

    datamodel = InterfaceChargee(
        Intervention,
        joinedload(Intervention.intervenant).load_only(
            Intervenant.id, Intervenant.prenom, Intervenant.nom_usage, Intervenant.immatriculation,
            Intervenant.structure_id, Intervenant.user_id, Intervenant.civilite),
        joinedload(Intervention.structure),
    )
    route_base = "/gestion/interventions"
    include_route_methods = {"list", "show", "add", "edit", "action_post", "lettre"}
    base_filters = [["structure_id", FilterMaStructure, None]]
    list_title = "Interventions"
    show_title = "Intervention"
    add_title = "Créer une intervention"
    edit_title = "Modifier l'intervention"
    show_columns = ["intervenant.prenom", "intervenant.nom_usage", "intervenant.immatriculation", "structure.nom",
                    "intitule", "date_debut", "date_fin", "duree_jours", "lieu", "reference_externe", "etat",
                    "lettres"]
    add_columns = ["email_intervenant", "structure", "intitule", "date_debut", "date_fin", "duree_jours", "lieu",
                   "reference_externe"]
    edit_columns = ["intitule", "date_debut", "date_fin", "duree_jours", "lieu", "reference_externe"]
    label_columns = LIBELLES_INTERVENTION
    add_form_query_rel_fields = {"structure": [["id", FilterMaStructure, None]]}
    description_columns = {
        "email_intervenant": "L'adresse de connexion d'un intervenant à l'inscription validée.",
        "duree_jours": "En jours, décimales possibles (ex. 2,5).",
    }
    add_form_extra_fields = {
        "email_intervenant": StringField(
            "Adresse e-mail de l'intervenant",
            validators=[DataRequired(REQUIS), Length(max=254, message="254 caractères au plus."),
                        _intervenant_valide]),
        "duree_jours": DecimalFrancaisField("Durée (jours)", places=2,
                                            validators=[InputRequired(REQUIS), _regle("duree_jours")]),
    }
    edit_form_extra_fields = {"duree_jours": add_form_extra_fields["duree_jours"]}
    validators_columns = {
        "date_debut": [DataRequired(REQUIS)],
        "date_fin": [DataRequired(REQUIS), _regle("date_fin")],
        "intitule": [DataRequired(REQUIS), Length(max=255, message="255 caractères au plus.")],
        "lieu": [DataRequired(REQUIS), Length(max=255, message="255 caractères au plus.")],
        "structure": [DataRequired(REQUIS)],
        "reference_externe": [Optional(), Length(max=50, message="50 caractères au plus.")],
    }
    formatters_columns = {
        "etat": _libelle_etat_intervention,
        "duree_jours": lambda v: format_duree(v, "jour"),
        "intervenant.immatriculation": lambda v: v or "Aucune",
        "reference_externe": lambda v: v or "",
        "lettres": lambda v: Markup("<br>").join(
            Markup('<a href="{}">{}</a> ({})').format(url_for("LettreGestionView.show", pk=x.id), x.numero,
                                                     EtatLettre(x.etat).libelle) for x in v or []),
    }

    workflow = workflow_intervention

    def _extra_show(self, item: Intervention) -> dict:
        en_vigueur = db.session.scalar(select(LettreDemande.numero).where(
            LettreDemande.intervention_id == item.id, LettreDemande.etat.in_(LETTRE_ACTIVE)))
        peut_generer = (EtatIntervention(item.etat) in (EtatIntervention.prevue, EtatIntervention.en_cours)
                        and en_vigueur is None
                        and self.appbuilder.sm.has_access("can_lettre", self.class_permission_name))
        return {"peut_generer": peut_generer}

    def pre_add(self, item: Intervention) -> None:
        """The form checked everything; the profile is read again, the
        structure is within the scope, the first intervention gives the
        immatriculation (in the same transaction as the row)."""
        profil = _intervenant_par_email(request.form.get("email_intervenant"))
        if profil is None or not dans_ma_structure(item.structure_id or (item.structure and item.structure.id)):
            raise ValueError("Intervention refusée : intervenant ou structure invalide.")
        item.intervenant = profil  # its state: the column's default (« prévue »)
        attribuer_immatriculation(profil)

    def pre_update(self, item: Intervention) -> None:
        if not dans_ma_structure(item.structure_id):
            abort(404)
        if EtatIntervention(item.etat) in (EtatIntervention.annulee, EtatIntervention.realisee):
            raise ValueError("Une intervention réalisée ou annulée ne peut plus être modifiée.")
        lettre_suit_l_intervention(item, Acteur.from_user(current_user))

    def _evenement(self, items, event: str, succes: str):
        return self._appliquer(workflow_intervention, items, event, succes, lambda i: i.structure_id)

    @action("demarrer", "Démarrer", "Passer les interventions sélectionnées à l'état « En cours » ?", "fa-play",
            single=False)
    def demarrer(self, items):
        return self._evenement(items, "demarrer", "Intervention(s) en cours")

    @action("realiser", "Marquer réalisée", "Marquer les interventions sélectionnées comme réalisées ?", "fa-check",
            single=False)
    def realiser(self, items):
        return self._evenement(items, "realiser", "Intervention(s) réalisée(s)")

    @action("annuler", "Annuler", "Annuler les interventions sélectionnées ? Cette action est définitive.",
            "fa-times", single=False)
    def annuler(self, items):
        return self._evenement(items, "annuler", "Intervention(s) annulée(s)")

    # -- the lettre de demande's form ------------------------------------------
    @expose("/lettre/<int:pk>", methods=["GET", "POST"])
    @has_access
    def lettre(self, pk):
        intervention = db.session.get(Intervention, pk)
        if intervention is None or not dans_ma_structure(intervention.structure_id):
            abort(404)
        profil = intervention.intervenant
        form = LettreForm()
        if request.method == "GET":
            form.quantite.data = intervention.duree_jours
        manquants = blocs_non_valides(profil.statut_professionnel, etats_du_dossier(profil.id))
        if form.validate_on_submit():
            try:
                lettre = executer(
                    generer_lettre,
                    intervention, Acteur.from_user(current_user), type_lettre=TypeLettre(form.type_lettre.data),
                    mode_remuneration=ModeRemuneration(form.mode_remuneration.data), taux=form.taux.data,
                    quantite=form.quantite.data, date_lettre=form.date_lettre.data)
            except DonneesInvalides as exc:
                for champ, message in exc.erreurs.items():
                    getattr(form, champ).errors = [*getattr(form, champ).errors, message]
            except WorkflowError as exc:
                flash(exc.message, "danger")
            else:
                flash(f"Lettre de demande n° {lettre.numero} générée (brouillon) : vérifiez-la, puis envoyez-la "
                      "à l'intervenant.", "success")
                return redirect(url_for("LettreGestionView.show", pk=lettre.id))
        return self.render_template("interventions/lettre_form.html", title="Générer la lettre de demande",
                                    intervention=intervention, form=form, manquants=manquants)


def _quantite_valide(form, field):
    erreur = erreurs_remuneration(None, field.data).get("quantite")
    if erreur:
        raise ValidationError(erreur)


def _taux_valide(form, field):
    erreur = erreurs_remuneration(field.data, None).get("taux")
    if erreur:
        raise ValidationError(erreur)


class MontantField(DecimalFrancaisField):
    """A decimal typed the French way in a text box (a number box refuses « 2,5 »)."""

    widget = TextInput()

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return format_nombre(self.data, self.places, groupes=False)


class LettreForm(FlaskForm):
    type_lettre = RadioField("Type de lettre", choices=list(LIBELLES_TYPE_LETTRE.items()),
                             default=TypeLettre.intervention.value, validators=[InputRequired(REQUIS)])
    mode_remuneration = RadioField("Modalités de paiement", choices=list(LIBELLES_MODE_REMUNERATION.items()),
                                   default=ModeRemuneration.journalier.value, validators=[InputRequired(REQUIS)])
    taux = MontantField("Taux (€ par heure ou par jour)", places=2, render_kw={"inputmode": "decimal"},
                        validators=[InputRequired(REQUIS), _taux_valide])
    quantite = MontantField("Nombre d'heures ou de jours rémunérés", places=2, render_kw={"inputmode": "decimal"},
                            validators=[InputRequired(REQUIS), _quantite_valide])
    date_lettre = DateField("Date de la lettre", default=date.today, validators=[InputRequired(REQUIS)])


class FilterLettresMaStructure(BaseFilter):
    """Lettres of interventions of the gestionnaire's structure (national: all)."""

    name = "Ma structure"
    arg_name = "lettres_ma_structure"

    def apply(self, query, value):
        return query.filter(perimetre_courant().filtre_via(
            LettreDemande.intervention_id, Intervention.id, Intervention.structure_id))


def _lien_fichier(fichier) -> str:
    if fichier is None:
        return ""
    return Markup('<a href="{}">Télécharger la lettre (PDF)</a>').format(
        url_for("FichierView.telecharger", uuid=fichier.uuid))


#: « Lettres de demande »: those of the structure's interventions (national roles: all).
LETTRES = Liste(
    table=LettreDemande, cle=LettreDemande.id,
    jointures=((Intervention, Intervention.id == LettreDemande.intervention_id, False),
               (Intervenant, Intervenant.id == Intervention.intervenant_id, False)),
    colonnes={
        "numero": Colonne("Numéro", LettreDemande.numero),
        "date_lettre": Colonne("Date de la lettre", LettreDemande.date_lettre, format_date),
        "intervention.intervenant.prenom": Colonne("Prénom de l'intervenant", Intervenant.prenom),
        "intervention.intervenant.nom_usage": Colonne("Nom de l'intervenant", Intervenant.nom_usage),
        "intervention.intitule": Colonne("Intitulé de l'action", Intervention.intitule),
        "etat": Colonne("État", LettreDemande.etat, _libelle_etat_lettre),
    },
    criteres={
        "numero": contient("Numéro", LettreDemande.numero),
        "etat": parmi("État", LettreDemande.etat, lambda: [(e.value, e.libelle) for e in EtatLettre], EtatLettre),
        "du": jour_du("Datée à partir du", LettreDemande.date_lettre),
        "au": jour_au("Datée jusqu'au", LettreDemande.date_lettre, du="du"),
        "type": parmi("Type de lettre", LettreDemande.type, lambda: [(t.value, t.libelle) for t in TypeLettre],
                      TypeLettre),
    },
    ordre=("date_lettre", "desc"), tailles=TAILLES_FAB, libelle_taille="Lettres par page",
    arguments=Arguments.fab("LettreGestionView"), structure=Intervention.structure_id,
    vue="LettreGestionView",
    objet=lambda c: f"la lettre de demande n° {c['numero']}" if c["numero"] else "la lettre de demande",
    legende="Lettres de demande, triées par {tri}",
)


class LettreGestionView(ListeDeclareeMixin, BoutonsWorkflowMixin, ActionsWorkflowMixin, EspaceModelView):
    """The structure's lettres de demande: read, download, change state."""

    liste = LETTRES
    textes_liste = {
        "total": "{n} lettre(s) de demande",
        "aucun": "Aucune lettre de demande.",
        "aucun_critere": "Aucune lettre de demande ne correspond à ces critères.",
        "pages": "Pages des lettres de demande",
        "libelle_total": "Lettres de demande",
        "recherche": "Rechercher des lettres de demande",
    }

    workflow = workflow_lettre

    datamodel = InterfaceChargee(
        LettreDemande,
        joinedload(LettreDemande.intervention).joinedload(Intervention.intervenant).load_only(
            Intervenant.id, Intervenant.prenom, Intervenant.nom_usage, Intervenant.user_id),
        joinedload(LettreDemande.intervention).joinedload(Intervention.structure),
        joinedload(LettreDemande.fichier),
    )
    route_base = "/gestion/lettres-de-demande"
    include_route_methods = {"list", "show", "action_post"}
    base_filters = [["intervention_id", FilterLettresMaStructure, None]]
    list_title = "Lettres de demande"
    show_title = "Lettre de demande"
    show_columns = ["numero", "type", "date_lettre", "intervention.intervenant.prenom",
                    "intervention.intervenant.nom_usage", "intervention.intitule", "intervention.structure.nom",
                    "mode_remuneration", "taux", "quantite", "montant", "etat", "fichier", "envoyee_le",
                    "sha256_envoye", "reponse_le", "reponse_ip", "sha256_reponse", "motif_refus", "fichier_accepte"]
    label_columns = {
        "numero": "Numéro", "type": "Type de lettre", "date_lettre": "Date de la lettre",
        "intervention.intervenant.prenom": "Prénom de l'intervenant",
        "intervention.intervenant.nom_usage": "Nom de l'intervenant",
        "intervention.intitule": "Intitulé de l'action", "intervention.structure.nom": "Structure",
        "mode_remuneration": "Modalités de paiement", "taux": "Taux", "quantite": "Heures ou jours rémunérés",
        "montant": "Montant total", "etat": "État", "fichier": "Lettre (PDF)",
        "envoyee_le": "Envoyée le", "sha256_envoye": "Empreinte SHA-256 de la lettre envoyée",
        "reponse_le": "Réponse en ligne de l'intervenant le", "reponse_ip": "Depuis l'adresse",
        "sha256_reponse": "Empreinte SHA-256 du document accepté ou refusé", "motif_refus": "Motif du refus",
        "fichier_accepte": "Lettre acceptée (PDF avec sa page d'acceptation)",
    }
    formatters_columns = {
        "etat": _libelle_etat_lettre,
        "type": lambda v: TypeLettre(v).libelle if v else "",
        "mode_remuneration": lambda v: ModeRemuneration(v).libelle if v else "",
        "taux": format_montant,
        "montant": format_montant,
        "quantite": format_nombre,
        "fichier": _lien_fichier,
        "fichier_accepte": _lien_fichier,
        "envoyee_le": lambda v: format_date(v),
        "reponse_le": lambda v: format_date(v),
    }

    def _extra_show(self, item: LettreDemande) -> dict:
        """The lettre's history: online answers and paper ones told apart (their labels)."""
        return {"historique": workflow_lettre.history(item)}

    def _evenement(self, items, event: str, succes: str):
        return self._appliquer(workflow_lettre, items, event, succes, lambda x: x.intervention.structure_id)

    @action("envoyer", "Envoyer à l'intervenant",
            "Envoyer les lettres sélectionnées ? Les intervenants seront prévenus par e-mail.", "fa-paper-plane",
            single=False)
    def envoyer(self, items):
        return self._evenement(items, "envoyer", "Lettre(s) envoyée(s)")

    @action("renvoyer", "Renvoyer à l'intervenant",
            "Renvoyer les lettres sélectionnées, modifiées depuis leur envoi ? Les intervenants seront prévenus "
            "par e-mail.", "fa-repeat", single=False)
    def renvoyer(self, items):
        return self._evenement(items, "renvoyer", "Lettre(s) envoyée(s) à nouveau")

    @action("accepter", "Marquer acceptée (réponse papier)",
            "Marquer les lettres sélectionnées comme acceptées sur papier (hors de l'Espace intervenants) ?",
            "fa-check", single=False)
    def accepter(self, items):
        return self._evenement(items, "accepter", "Lettre(s) acceptée(s) (réponse papier)")

    @action("executer", "Marquer en cours d'exécution",
            "Marquer les lettres sélectionnées comme en cours d'exécution ?", "fa-play", single=False)
    def executer(self, items):
        return self._evenement(items, "executer", "Lettre(s) en cours d'exécution")

    @action("terminer", "Marquer terminée", "Marquer les lettres sélectionnées comme terminées ?", "fa-flag-checkered",
            single=False)
    def terminer(self, items):
        return self._evenement(items, "terminer", "Lettre(s) terminée(s)")

    @action("annuler", "Annuler", "Annuler les lettres sélectionnées ? Cette action est définitive.", "fa-times",
            single=False)
    def annuler(self, items):
        return self._evenement(items, "annuler", "Lettre(s) annulée(s)")


# -- « Mes interventions » (Mon compte) -------------------------------------------------
MES_INTERVENTIONS = Liste(
    table=Intervention, cle=Intervention.id,
    jointures=((Structure, Structure.id == Intervention.structure_id, False),),
    colonnes={
        "date_debut": Colonne("Date de début", Intervention.date_debut, format_date),
        "date_fin": Colonne("Date de fin", Intervention.date_fin, format_date),
        "intitule": Colonne("Intitulé de l'action", Intervention.intitule),
        "lieu": Colonne("Lieu", Intervention.lieu),
        "structure": Colonne("Structure", Structure.nom),
        "duree": Colonne("Durée", Intervention.duree_jours, lambda v: format_duree(v, "jour")),
        "etat": Colonne("État", Intervention.etat, _libelle_etat_intervention),
    },
    ordre=("date_debut", "desc"), tailles=(10, 20, 50), libelle_taille="Interventions par page",
    liees={"intervenant": Intervention.intervenant_id},
    legende="Mes interventions, triées par {tri}",
)

MES_LETTRES = Liste(
    table=LettreDemande, cle=LettreDemande.id,
    jointures=((Intervention, Intervention.id == LettreDemande.intervention_id, False),),
    colonnes={
        "numero": Colonne("Numéro", LettreDemande.numero, lien=LienCellule("MesInterventionsView.fiche", "numero")),
        "date_lettre": Colonne("Date de la lettre", LettreDemande.date_lettre, format_date),
        "intitule": Colonne("Intitulé de l'action", Intervention.intitule),
        "montant": Colonne("Montant total", LettreDemande.taux * LettreDemande.quantite,
                           format_montant, triable=False),
        "etat": Colonne("État", LettreDemande.etat, _libelle_etat_lettre),
    },
    ordre=("date_lettre", "desc"), tailles=(10, 20, 50), libelle_taille="Lettres par page",
    arguments=Arguments(
        page="page_lettres", taille="taille_lettres", tri="tri_lettres", sens="sens_lettres"),
    liees={"intervenant": Intervention.intervenant_id},
    cachees={"fichier_id": LettreDemande.fichier_id},
    # A draft is the structure's own work: the intervenant sees a lettre once sent.
    filtres=(LettreDemande.etat != EtatLettre.brouillon,),
    legende="Mes lettres de demande, triées par {tri}",
)


def reponse_fichier(fichier: Fichier):
    """A stored file as a download by the current user (session or API token), its read logged."""
    return envoyer_fichier(fichier, utilisateur_courant().id)


class MesInterventionsView(BaseView):
    """The signed-in intervenant's interventions and lettres, sorted by date;
    a lettre's page, where a sent lettre is accepted or refused online
    (``app.operations.lettres``, docs/lettre_acceptation.md)."""

    route_base = "/mes-interventions"
    default_view = "liste"
    include_route_methods = {"liste", "lettre", "fiche", "accepter", "refuser", "lettre_acceptee"}

    @expose("/")
    @has_access
    def liste(self):
        profil = current_intervenant()
        identifiant = profil.id if profil is not None else -1
        return self.render_template(
            "interventions/mes_interventions.html", title="Mes interventions", profil=profil,
            interventions=MES_INTERVENTIONS.page(intervenant=identifiant),
            lettres=MES_LETTRES.page(intervenant=identifiant))

    @expose("/lettres/<numero>")
    @has_access
    @options_vue(content_security_policy=CSP_FICHIER)
    def lettre(self, numero):
        profil = current_intervenant()
        lettre = None
        if profil is not None:
            lettre = db.session.scalar(select(LettreDemande).join(Intervention).where(
                LettreDemande.numero == numero[:20], Intervention.intervenant_id == profil.id,
                LettreDemande.etat != EtatLettre.brouillon))
        if lettre is None or lettre.fichier is None:
            abort(404)
        return reponse_fichier(lettre.fichier)

    # -- a lettre's page and the online answer (issue 37, point 6) ------------------
    def _lettre_ou_404(self, numero: str) -> LettreDemande:
        lettre = lettre_du_destinataire(numero, utilisateur_courant())
        if lettre is None:
            abort(404)
        return lettre

    def _fiche(self, lettre: LettreDemande, acceptation=None, refus=None, statut: int = 200):
        user = utilisateur_courant()
        acceptation = acceptation or AcceptationLettreForm()
        refus = refus or RefusLettreForm()
        fichier = lettre.fichier
        acceptation.sha256.data = fichier.sha256 if fichier is not None else ""
        par_code = confirmation_par_code(user)
        acceptation.secret.label.text = "Code de vérification" if par_code else "Mot de passe"
        modifiee = (EtatLettre(lettre.etat) == EtatLettre.envoyee
                    and (fichier is None or fichier.sha256 != lettre.sha256_envoye))
        acteur = Acteur.from_user(user)
        historique = workflow_lettre.history(lettre, for_intervenant=True)
        return self.render_template(
            "interventions/lettre.html", title=f"Lettre de demande n° {lettre.numero}", lettre=lettre,
            intervention=lettre.intervention, acceptation=acceptation, refus=refus, par_code=par_code,
            modifiee=modifiee, message_modifiee=MESSAGE_MODIFIEE, historique=historique,
            peut_repondre=not modifiee and workflow_lettre.can(lettre, "accepter_en_ligne", acteur)), statut

    @expose("/lettres/<numero>/fiche")
    @has_access
    def fiche(self, numero):
        return self._fiche(self._lettre_ou_404(numero))

    @expose("/lettres/<numero>/accepter", methods=["POST"])
    @has_access
    def accepter(self, numero):
        """« Accepter la lettre de demande »: one operation; its refusals next
        to their field (the password, the commitment) or at the top."""
        lettre = self._lettre_ou_404(numero)
        form = AcceptationLettreForm()
        if form.validate_on_submit():
            issue = _repondre(form, accepter_en_ligne, lettre, utilisateur_courant(), secret=form.secret.data,
                              engagement=bool(form.engagement.data), sha256_lu=form.sha256.data,
                              ip=request.remote_addr)
            if issue:
                flash("Vous avez accepté la lettre de demande. Un courriel de confirmation vous est envoyé ; "
                      "la lettre acceptée est à télécharger ci-dessous.", "success")
                return redirect(url_for("MesInterventionsView.fiche", numero=lettre.numero))
            db.session.refresh(lettre)
        return self._fiche(lettre, acceptation=form, statut=200)

    @expose("/lettres/<numero>/refuser", methods=["POST"])
    @has_access
    def refuser(self, numero):
        lettre = self._lettre_ou_404(numero)
        form = RefusLettreForm()
        if form.validate_on_submit():
            issue = _repondre(form, refuser_en_ligne, lettre, utilisateur_courant(), motif=form.motif.data,
                              ip=request.remote_addr)
            if issue:
                flash("Vous avez refusé la lettre de demande. Votre gestionnaire en est informé(e) par courriel.",
                      "success")
                return redirect(url_for("MesInterventionsView.fiche", numero=lettre.numero))
            db.session.refresh(lettre)
        return self._fiche(lettre, refus=form, statut=200)

    @expose("/lettres/<numero>/acceptee")
    @has_access
    @options_vue(content_security_policy=CSP_FICHIER)
    def lettre_acceptee(self, numero):
        """The accepted PDF (the one sent, plus its acceptance page)."""
        lettre = self._lettre_ou_404(numero)
        if lettre.fichier_accepte is None:
            abort(404)
        return reponse_fichier(lettre.fichier_accepte)


def _repondre(form, operation, *args, **kwargs) -> bool:
    """Run the answer's operation in its transaction (``executer``): refused
    input goes next to its field, any other refusal to a flash."""
    try:
        executer(operation, *args, **kwargs)
    except IdentiteRefusee as exc:  # rolled back; the failure itself is logged (login throttle)
        executer(noter_echec_identite, utilisateur_courant(), exc.motif, request.remote_addr)
        _aux_champs(form, exc.erreurs)
        return False
    except DonneesInvalides as exc:
        _aux_champs(form, exc.erreurs)
        return False
    except WorkflowError as exc:
        flash(exc.message, "danger")
        return False
    return True


def _aux_champs(form, erreurs: dict[str, str]) -> None:
    """Each message next to its field (a flash for one the form has not)."""
    for champ, message in erreurs.items():
        champ_du_form = getattr(form, champ, None)
        if champ_du_form is None:
            flash(message, "danger")
        else:
            champ_du_form.errors = [*champ_du_form.errors, message]


