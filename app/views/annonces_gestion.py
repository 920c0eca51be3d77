"""Gestionnaire screens for annonces and candidatures: declared lists
(``ANNONCES``, ``CANDIDATURES_GESTION``, app.views.liste) on FAB views that
keep the show, add and edit pages and the bulk actions.

Rows are limited to the gestionnaire's structure: the lists by their
``structure`` column (``scope.Perimetre``), show and edit by base filters;
actions re-check the scope because FAB's action routes load rows without
base filters. State changes go through the workflows only.
"""

from __future__ import annotations

import functools

from flask import abort, flash, redirect, request, url_for
from flask_appbuilder import expose, has_access
from flask_appbuilder.actions import action
from flask_appbuilder.models.filters import BaseFilter
from flask_appbuilder.utils.base import get_safe_redirect
from flask_login import current_user
from flask_wtf.file import FileField
from markupsafe import Markup
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload
from wtforms import BooleanField, DecimalField
from wtforms.validators import Email, Length, NumberRange, Optional, Regexp, ValidationError

from app.extensions import db, preparee
from app.infra import caches
from app.infra.formatting import format_date, format_heure, format_nombre
from app.infra.uploads import UploadError, UploadPreset, validate_upload
from app.models.annonces import (
    Annonce,
    Candidature,
    EtatAnnonce,
    EtatCandidatureAnnonce,
    annonce_departement,
    annonce_region,
    annonce_sous_specialite,
    annonce_specialite,
)
from app.models.comptes import LIBELLES_CIVILITE, EtatInscription, Intervenant
from app.models.fichiers import effacer, store_upload
from app.models.referentiels import Departement, Region, SousSpecialite, Specialite
from app.operations import appliquer_en_lot
from app.operations.suggestions import invitations_annonce
from app.referentiels.options import options
from app.security.scope import current_structure_id, dans_ma_structure, perimetre_courant
from app.views.actions import agir
from app.views.base import EspaceModelView, ListeDeclareeMixin
from app.views.candidatures_annonce import commentaire_court, liste_candidatures
from app.views.filters import FilterChoixActifs, FilterMaStructure
from app.views.interface import InterfaceChargee
from app.views.liste import Arguments, Colonne, Liste, contient, date_au, date_du, jour_au, jour_du, parmi
from app.workflows.annonce import annonce as workflow_annonce
from app.workflows.candidature import candidature as workflow_candidature
from app.workflows.core import Acteur

#: Fichier joint à une annonce (public once the annonce is published).
FICHIER_ANNONCE = UploadPreset(("pdf", "doc", "docx", "odt", "rtf", "txt"), 2 * 1024 * 1024)




# -- coherence checks, shown next to their field -----------------------------
def _valeurs_proposees(form, field):
    """A posted id the list does not offer (a deactivated entry, issue 27):
    FAB's multiple select drops it without a word; refuse it instead."""
    field.data  # noqa: B018 - resolves the posted ids against the offered entries
    if getattr(field, "_invalid_formdata", False):
        raise ValidationError("Choix invalide : cette valeur n'est plus proposée.")


def _specialite_requise(form, field):
    if not field.data:
        raise ValidationError("Choisissez au moins une spécialité.")


def _fin_apres_debut(form, field):
    if field.data and form.date_debut.data and field.data < form.date_debut.data:
        raise ValidationError("La date de fin d'intervention doit être postérieure ou égale à la date de début.")


def _sous_specialites_des_specialites(form, field):
    choisies = {s.id for s in form.specialites.data or []}
    hors = [s.libelle for s in field.data or [] if s.specialite_id not in choisies]
    if hors:
        raise ValidationError(
            "Ces sous-spécialités ne relèvent d'aucune des spécialités choisies : " + ", ".join(hors) + "."
        )


def _departements_des_regions(form, field):
    choisies = {r.id for r in form.regions.data or []}
    hors = [str(d) for d in field.data or [] if d.region_id not in choisies]
    if hors:
        raise ValidationError("Ces départements ne sont dans aucune des régions choisies : " + ", ".join(hors) + ".")


def _date_limite_avant_debut(form, field):
    debut = form.date_debut.data
    if field.data and debut and field.data > debut and not form.date_limite_apres_debut.data:
        raise ValidationError(
            "La date limite de candidature ne peut pas être postérieure au début de la période "
            "d'intervention (cochez « Date limite après le début autorisée » si c'est voulu)."
        )


def _fichier_valide(form, field):
    upload = request.files.get(field.name)
    if upload is None or not upload.filename:
        return
    try:
        validate_upload(upload, allowed_extensions=FICHIER_ANNONCE.extensions, max_bytes=FICHIER_ANNONCE.max_bytes)
    except UploadError as exc:
        raise ValidationError(str(exc)) from None
    finally:
        upload.stream.seek(0)


class DecimalFrancaisField(DecimalField):
    """Accepts the French decimal comma (« 2,5 » jours)."""

    def process_formdata(self, valuelist):
        super().process_formdata([v.replace(",", ".").strip() for v in valuelist or []])


LIBELLES_ANNONCE = {
    "numero": "Numéro de l'annonce",
    "intitule": "Intitulé de l'annonce",
    "description": "Description de la recherche",
    "profil_recherche": "Profil recherché",
    "contexte": "Contexte",
    "public_vise": "Public visé",
    "nature_formation": "Catégorie d'intervention",
    "specialites": "Spécialité(s)",
    "sous_specialites": "Sous-spécialité(s)",
    "duree_jours": "Durée de la formation (jours)",
    "date_debut": "Date de début d'intervention",
    "date_fin": "Date de fin d'intervention",
    "date_limite": "Date limite de candidature",
    "date_limite_apres_debut": "Date limite après le début autorisée",
    "pays": "Pays d'intervention",
    "regions": "Région(s) d'intervention",
    "departements": "Département(s) d'intervention",
    "precisions_lieux": "Autres précisions sur le(s) lieu(x)",
    "contact_nom": "Personne à contacter",
    "contact_telephone": "Numéro de téléphone",
    "contact_email": "Adresse email de la personne à contacter",
    "urgent": "Urgent",
    "structure": "Auteur de l'annonce",
    "structure.nom": "Auteur de l'annonce",
    "fichier": "Fichier joint à l'annonce",
    "etat": "État",
    "date_publication": "Date de publication",
}

COLONNES_FORMULAIRE = [
    "intitule", "description", "profil_recherche", "contexte", "public_vise", "nature_formation",
    "specialites", "sous_specialites", "duree_jours", "date_debut", "date_fin", "date_limite",
    "date_limite_apres_debut", "pays", "regions", "departements", "precisions_lieux",
    "contact_nom", "contact_telephone", "contact_email", "urgent",
]


class ActionsWorkflowMixin:
    """Bulk actions applying one workflow event to the selected rows, all or nothing."""

    def _appliquer(self, workflow, items, event: str, succes: str, structure_of):
        items = items if isinstance(items, list) else [items]
        if not items or any(item is None or not dans_ma_structure(structure_of(item)) for item in items):
            abort(404)
        agir(appliquer_en_lot, workflow, items, event, Acteur.from_user(current_user), succes=f"{succes} ({len(items)}).")
        # Back to the page the form says it came from (the annonce's page),
        # else to this screen's list (FAB's history went one page further
        # back, often the portal's home page: issue 25).
        retour = request.form.get("next")
        return redirect(get_safe_redirect(retour) if retour else url_for(f"{self.endpoint}.list"))


class FilterCandidaturesMaStructure(BaseFilter):
    """Candidatures to annonces of the gestionnaire's structure."""

    name = "Ma structure"
    arg_name = "candidatures_ma_structure"

    def apply(self, query, value):
        return query.filter(perimetre_courant().filtre_via(Candidature.annonce_id, Annonce.id, Annonce.structure_id))


def _lien_dossier(intervenant_id):
    url = url_for("DemandeInscriptionView.show", pk=intervenant_id)
    return Markup('<a href="{}">Voir le dossier d\'inscription</a>').format(url)


#: FAB's page sizes (its page-size menu and default), kept by the declared lists.
TAILLES_FAB = (20, 25, 50, 75, 100)


#: « Candidatures aux annonces »: those to the structure's annonces (national roles: all).
CANDIDATURES_GESTION = Liste(
    table=Candidature, cle=Candidature.id,
    jointures=((Annonce, Annonce.id == Candidature.annonce_id, False),
               (Intervenant, Intervenant.id == Candidature.intervenant_id, False)),
    colonnes={
        "date": Colonne("Date de la réponse", Candidature.date, format_heure),
        "annonce.numero": Colonne("Numéro annonce", Annonce.numero),
        "annonce.intitule": Colonne("Intitulé de l'annonce", Annonce.intitule),
        "intervenant.prenom": Colonne("Prénom", Intervenant.prenom),
        "intervenant.nom_usage": Colonne("Nom", Intervenant.nom_usage),
        "etat": Colonne("État", Candidature.etat, lambda e: EtatCandidatureAnnonce(e).libelle),
        "commentaire": Colonne("Commentaire du candidat", Candidature.commentaire, commentaire_court),
    },
    criteres={
        "etat": parmi("État", Candidature.etat, lambda: [(e.value, e.libelle) for e in EtatCandidatureAnnonce],
                      EtatCandidatureAnnonce),
        "du": date_du("Réponse à partir du", Candidature.date),
        "au": date_au("Réponse jusqu'au", Candidature.date, du="du"),
    },
    ordre=("date", "desc"), tailles=TAILLES_FAB, libelle_taille="Candidatures par page",
    arguments=Arguments.fab("CandidatureGestionView"), structure=Annonce.structure_id,
    vue="CandidatureGestionView",
    objet=lambda c: f"la candidature de {c['intervenant.prenom']} {c['intervenant.nom_usage']}",
    legende="Candidatures aux annonces, triées par {tri}",
)


class CandidatureGestionView(ListeDeclareeMixin, ActionsWorkflowMixin, EspaceModelView):
    """Candidatures to the structure's annonces; the show page is the
    candidate's profile as the gestionnaire needs it."""

    liste = CANDIDATURES_GESTION
    textes_liste = {
        "total": "{n} candidature(s)",
        "aucun": "Aucune candidature aux annonces de votre structure.",
        "aucun_critere": "Aucune candidature ne correspond à ces critères.",
        "pages": "Pages des candidatures",
        "libelle_total": "Candidatures",
        "recherche": "Rechercher des candidatures",
    }

    datamodel = InterfaceChargee(
        Candidature,
        joinedload(Candidature.annonce).load_only(Annonce.id, Annonce.numero, Annonce.intitule, Annonce.structure_id),
        # Only the profile columns shown here (a profile row is several kB).
        joinedload(Candidature.intervenant).load_only(
            Intervenant.id, Intervenant.civilite, Intervenant.prenom, Intervenant.nom_usage,
            Intervenant.etat_inscription, Intervenant.structure_id, Intervenant.user_id,
        ),
    )
    route_base = "/gestion/candidatures"
    include_route_methods = {"list", "show", "action_post"}
    base_filters = [["annonce_id", FilterCandidaturesMaStructure, None]]
    list_title = "Candidatures aux annonces"
    show_title = "Candidature et profil du candidat"
    show_columns = [
        "date", "annonce.numero", "annonce.intitule", "etat", "commentaire",
        "intervenant.civilite", "intervenant.prenom", "intervenant.nom_usage", "intervenant.user.email",
        "intervenant.etat_inscription", "intervenant.structure.nom", "intervenant_id",
    ]
    label_columns = {
        "date": "Date de la réponse",
        "annonce": "Annonce",
        "annonce.numero": "Numéro annonce",
        "annonce.intitule": "Intitulé de l'annonce",
        "intervenant.civilite": "Civilité",
        "intervenant.prenom": "Prénom",
        "intervenant.nom_usage": "Nom",
        "intervenant.user.email": "Adresse e-mail",
        "intervenant.etat_inscription": "État de l'inscription",
        "intervenant.structure.nom": "Structure de rattachement",
        "intervenant_id": "Profil",
        "etat": "État",
        "commentaire": "Commentaire du candidat",
    }
    formatters_columns = {
        "etat": lambda v: EtatCandidatureAnnonce(v).libelle if v else "",
        "intervenant.etat_inscription": lambda v: EtatInscription(v).libelle if v else "",
        "intervenant.civilite": lambda v: LIBELLES_CIVILITE.get(v, v or ""),
        "intervenant_id": _lien_dossier,
        "commentaire": commentaire_court,
    }

    @action("etudier", "Marquer étudiée", "Marquer les candidatures sélectionnées comme étudiées ? Les candidats seront prévenus par e-mail.", "fa-check", single=False)
    def etudier(self, items):
        return self._appliquer(workflow_candidature, items, "etudier", "Candidature(s) marquée(s) étudiée(s)",
                               lambda c: c.annonce.structure_id)

    @action("ne_pas_retenir", "Non retenue", "Marquer les candidatures sélectionnées comme non retenues ? Les candidats seront prévenus par e-mail.", "fa-times", single=False)
    def ne_pas_retenir(self, items):
        return self._appliquer(workflow_candidature, items, "ne_pas_retenir", "Candidature(s) non retenue(s)",
                               lambda c: c.annonce.structure_id)

    @action("ecrire", "Écrire aux candidats sélectionnés", None, "fa-envelope", single=False)
    def ecrire(self, items):
        """To the messagerie's form for the applicants (issue 21), which
        checks the scope and the rule of who may write to whom."""
        return redirect(url_for("EnvoiCandidatsView.ecrire", candidature=[c.id for c in items if c is not None]))


def _tenus(lien):
    """pk → the referential ids annonce ``pk`` holds through link table ``lien``."""
    annonce, reference = list(lien.c)
    return lambda pk: select(reference).where(annonce == pk)


def _tenu(colonne):
    """pk → the referential id annonce ``pk`` holds in ``colonne``."""
    return lambda pk: select(colonne).where(Annonce.id == pk)


#: The annonce page's many-to-one relations, read with it (FAB: one query each).
RELATIONS_AFFICHEES = (
    joinedload(Annonce.structure), joinedload(Annonce.fichier), joinedload(Annonce.nature_formation),
    joinedload(Annonce.pays),
)


@functools.cache
def _requete_annonce():
    """The annonce page's statement, built once per process."""
    return preparee(select(Annonce).options(*RELATIONS_AFFICHEES).where(Annonce.id == bindparam("pk")))


#: « Annonces de ma structure »: newest created first.
ANNONCES = Liste(
    table=Annonce, cle=Annonce.id,
    colonnes={
        "numero": Colonne(LIBELLES_ANNONCE["numero"], Annonce.numero),
        "intitule": Colonne(LIBELLES_ANNONCE["intitule"], Annonce.intitule),
        "etat": Colonne("État", Annonce.etat, lambda e: EtatAnnonce(e).libelle),
        "date_limite": Colonne(LIBELLES_ANNONCE["date_limite"], Annonce.date_limite, format_date),
        "date_publication": Colonne(LIBELLES_ANNONCE["date_publication"], Annonce.date_publication, format_heure,
                                    vides_a_la_fin=True),
        "urgent": Colonne("Urgent", Annonce.urgent, lambda v: "Oui" if v else "Non"),
    },
    criteres={
        "numero": contient(LIBELLES_ANNONCE["numero"], Annonce.numero),
        "intitule": contient(LIBELLES_ANNONCE["intitule"], Annonce.intitule),
        "etat": parmi("État", Annonce.etat, lambda: [(e.value, e.libelle) for e in EtatAnnonce], EtatAnnonce),
        "limite_du": jour_du("Date limite à partir du", Annonce.date_limite),
        "limite_au": jour_au("Date limite jusqu'au", Annonce.date_limite, du="limite_du"),
        "urgent": parmi("Urgent", Annonce.urgent, lambda: [("oui", "Oui"), ("non", "Non")], lambda v: v == "oui"),
    },
    ordre=("creation", "desc"), cachees={"creation": Annonce.created_at},
    tailles=TAILLES_FAB, libelle_taille="Annonces par page", arguments=Arguments.fab("AnnonceGestionView"),
    structure=Annonce.structure_id, vue="AnnonceGestionView",
    objet=lambda c: f"l'annonce n° {c['numero']}",
)


class AnnonceGestionView(ListeDeclareeMixin, ActionsWorkflowMixin, EspaceModelView):
    """The structure's annonces: create, edit, publish, unpublish, close."""

    liste = ANNONCES
    textes_liste = {
        "total": "{n} annonce(s)",
        "aucun": "Aucune annonce de votre structure.",
        "aucun_critere": "Aucune annonce ne correspond à ces critères.",
        "pages": "Pages des annonces",
        "libelle_total": "Annonces",
        "recherche": "Rechercher des annonces",
    }

    # The show page's many-to-one relations in its one query (FAB: one each),
    # its four referential lists in one more (FAB: one each).
    datamodel = InterfaceChargee(
        Annonce, *RELATIONS_AFFICHEES,
        listes={
            "specialites": (annonce_specialite, lambda: options(Specialite)),
            "sous_specialites": (annonce_sous_specialite, lambda: options(SousSpecialite)),
            "regions": (annonce_region, lambda: options(Region, "nom")),
            "departements": (annonce_departement, lambda: options(Departement, ("code", "nom"), ordre="code")),
        },
    )
    route_base = "/gestion/annonces"
    include_route_methods = {"list", "show", "add", "edit", "action_post"}
    base_filters = [["structure_id", FilterMaStructure, None]]
    list_title = "Annonces de ma structure"
    show_title = "Annonce"
    add_title = "Créer une annonce"
    edit_title = "Modifier l'annonce"
    show_columns = ["numero", *COLONNES_FORMULAIRE[:12], "date_limite_apres_debut", *COLONNES_FORMULAIRE[13:],
                    "structure.nom", "fichier", "etat", "date_publication"]
    add_columns = COLONNES_FORMULAIRE + ["fichier_upload"]
    edit_columns = COLONNES_FORMULAIRE + ["fichier_upload"]
    label_columns = {**LIBELLES_ANNONCE, "fichier_upload": "Fichier joint à l'annonce"}
    description_columns = {
        "duree_jours": "En jours, décimales possibles (ex. 2,5).",
        "date_limite_apres_debut": "À cocher seulement si les candidatures restent ouvertes après le début de la période.",
        "fichier_upload": "PDF, Word, ODT, RTF ou texte, 2 Mo au plus ; remplace le fichier déjà joint.",
    }
    # Checkboxes declared here: FAB would make a non-nullable boolean "required" (= must be ticked).
    add_form_extra_fields = {
        "fichier_upload": FileField("Fichier joint à l'annonce", validators=[_fichier_valide]),
        "urgent": BooleanField("Urgent"),
        "duree_jours": DecimalFrancaisField(
            "Durée de la formation (jours)", places=2,
            validators=[Optional(), NumberRange(min=0, max=9999, message="Durée invalide.")],
        ),
        "date_limite_apres_debut": BooleanField("Date limite après le début autorisée"),
    }
    edit_form_extra_fields = add_form_extra_fields
    # Only active referential entries are offered; editing keeps those the
    # annonce already holds (issue 27).
    add_form_query_rel_fields = edit_form_query_rel_fields = {
        "specialites": [["id", FilterChoixActifs, _tenus(annonce_specialite)]],
        "sous_specialites": [["id", FilterChoixActifs, _tenus(annonce_sous_specialite)]],
        "regions": [["id", FilterChoixActifs, _tenus(annonce_region)]],
        "departements": [["id", FilterChoixActifs, _tenus(annonce_departement)]],
        "nature_formation": [["id", FilterChoixActifs, _tenu(Annonce.nature_formation_id)]],
        "pays": [["id", FilterChoixActifs, _tenu(Annonce.pays_id)]],
    }
    validators_columns = {
        "specialites": [_valeurs_proposees, _specialite_requise],
        "sous_specialites": [_valeurs_proposees, _sous_specialites_des_specialites],
        "regions": [_valeurs_proposees],
        "departements": [_valeurs_proposees, _departements_des_regions],
        "date_fin": [_fin_apres_debut],
        "date_limite": [_date_limite_avant_debut],
        "contact_email": [Optional(), Email(message="Adresse e-mail invalide.")],
        "contact_telephone": [Optional(), Regexp(r"^\+?[0-9 .]{10,20}$", message="Numéro de téléphone invalide.")],
        "intitule": [Length(max=255, message="255 caractères au plus.")],
    }
    formatters_columns = {
        "etat": lambda v: EtatAnnonce(v).libelle if v else "",
        "urgent": lambda v: "Oui" if v else "Non",
        "duree_jours": format_nombre,
        "date_limite_apres_debut": lambda v: "Oui" if v else "Non",
        "specialites": lambda v: ", ".join(str(x) for x in v or []),
        "sous_specialites": lambda v: ", ".join(str(x) for x in v or []),
        "regions": lambda v: ", ".join(str(x) for x in v or []),
        "departements": lambda v: ", ".join(str(x) for x in v or []),
        "fichier": lambda v: Markup('<a href="{}">{}</a>').format(
            url_for("FichierView.telecharger", uuid=v.uuid), v.original_name
        ) if v else "",
    }
    # -- the annonce's page ------------------------------------------------------
    # ``<pk>`` as FAB's route: the list builds its links around a placeholder key.
    @expose("/show/<pk>")
    @has_access
    def show(self, pk):
        """The annonce, then a page of its candidatures: a page of its own
        (FAB's show widget printed « None » for an empty field, and its
        related list of candidatures was half the page's time, issue #6)."""
        item = None
        if pk.isascii() and pk.isdigit() and len(pk) < 10:
            item = db.session.execute(_requete_annonce(), {"pk": int(pk)}).unique().scalar_one_or_none()
        if item is None or not dans_ma_structure(item.structure_id):
            abort(404)
        self.update_redirect()  # FAB's history: saving the edit page comes back here
        return self.render_template(
            "gestion/annonce.html",
            title=self.show_title,
            annonce=item,
            champs=self._champs(item),
            peut_modifier=self.appbuilder.sm.has_access("can_edit", self.class_permission_name),
            candidatures=liste_candidatures(item.id),
            invites=invitations_annonce(item.id),
            format_date=format_date,
        )

    def _champs(self, item: Annonce) -> list[tuple[str, object]]:
        """(label, shown value) of the show columns; an empty field is blank."""
        valeurs = self.datamodel.get_values_item(item, self.show_columns)
        champs = []
        for colonne, valeur in zip(self.show_columns, valeurs, strict=True):
            formatter = self.formatters_columns.get(colonne)
            valeur = formatter(valeur) if formatter else valeur
            champs.append((self.label_columns[colonne], "" if valeur is None else valeur))
        return champs

    # -- creation and edition -------------------------------------------------
    def _joindre_fichier(self, item: Annonce) -> None:
        upload = request.files.get("fichier_upload")
        if upload is not None and upload.filename:
            ancien = item.fichier
            item.fichier = store_upload(upload, owner_user_id=None, sensitive=False, preset=FICHIER_ANNONCE)
            effacer(ancien)  # replaced: removed from storage (issue 19)

    def pre_add(self, item: Annonce) -> None:
        structure_id = current_structure_id()
        if structure_id is None:
            raise ValueError("Seul un gestionnaire rattaché à une structure peut créer une annonce.")
        item.structure_id = structure_id
        self._joindre_fichier(item)

    def pre_update(self, item: Annonce) -> None:
        if not dans_ma_structure(item.structure_id):
            abort(404)
        self._joindre_fichier(item)

    def post_add(self, item: Annonce) -> None:
        flash(f"Annonce n° {item.numero} créée (brouillon) : publiez-la pour la rendre visible.", "info")

    # -- publication ------------------------------------------------------------
    @action("publier", "Publier", "Publier les annonces sélectionnées ? Les intervenants dont les alertes correspondent recevront un e-mail.", "fa-bullhorn", single=False)
    def publier(self, items):
        return self._appliquer(workflow_annonce, items, "publier", "Annonce(s) publiée(s)", lambda a: a.structure_id)

    @action("depublier", "Dépublier", "Dépublier les annonces sélectionnées ? Elles ne seront plus visibles du public.", "fa-eye-slash", single=False)
    def depublier(self, items):
        return self._appliquer(workflow_annonce, items, "depublier", "Annonce(s) dépubliée(s)", lambda a: a.structure_id)

    @action("cloturer", "Clôturer", "Clôturer les annonces sélectionnées ? Cette action est définitive.", "fa-lock", single=False)
    def cloturer(self, items):
        return self._appliquer(workflow_annonce, items, "cloturer", "Annonce(s) clôturée(s)", lambda a: a.structure_id)


caches.declarer_requete("annonce_gestion.requete", _requete_annonce)
