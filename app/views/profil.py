"""The intervenant's profile: page 1 « Identification », page 2 « Parcours »,
the « Ajouter … » sub-pages and the transmission of the inscription request.

Every route works on the signed-in user's own profile only (rows of the
sub-pages are looked up with the profile id: another intervenant's row is a
404). The inscription state decides what may change (``verrouillage``).
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask import abort, flash, g, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_login import current_user
from sqlalchemy import select
from wtforms.fields.core import UnboundField

from app.extensions import db
from app.forms import profil as forms
from app.models import referentiels as R
from app.models.base import references_liees
from app.models.comptes import EtatInscription, Intervenant
from app.models.parcours import (
    ActionProfessionnalisation,
    ExperienceFormateur,
    ExperienceProfessionnelle,
    FormationInitiale,
    FormationSuivie,
    LangueIntervenant,
    SpecialiteSouhaitee,
    intervenant_methode,
    intervenant_nature,
    intervenant_prestation,
    intervenant_public,
    parcours_affiche,
)
from app.models.referentiels import Departement, Pays, SousSpecialite, Specialite
from app.models.regles_profil import CHAMPS_IMMATRICULATION, appliquer_statut, verrouillage  # noqa: F401 (re-exported)
from app.operations import executer
from app.operations import profil as operations
from app.referentiels.lookups import AUCUN_EMPLOYEUR, employeur_public, search_employeurs
from app.referentiels.options import RETIREE, options, options_actives
from app.security.roles import INTERVENANT
from app.security.scope import current_intervenant, intervenant_bref
from app.views.actions import agir
from app.workflows.core import Acteur
from app.workflows.inscription import champs_manquants, date_nouvelle_demande, inscription

MESSAGE_TRANSMIS = (
    "Votre dossier a bien été transmis. Une fois votre demande étudiée, vous recevrez un email de suivi."
)
CHOISIR = [("", "— Choisir —")]

OUI_NON_P1 = ("disponible_etranger", "permis_conduire", "vehicule_personnel")
#: Page 1 fields stored as is in a column of the same name.
CHAMPS_SIMPLES_P1 = tuple(
    name
    for name, value in vars(forms.IdentificationForm).items()
    if isinstance(value, UnboundField)
    and name in {c.name for c in Intervenant.__table__.columns}
    and name not in OUI_NON_P1
)


def _choices(model, label_attr="libelle"):
    return list(options(model, label_attr))


def _actifs(model, *garder):
    """Active entries, and those the profile already holds (``garder``): a
    deactivated value still shows and saves, it is not offered anew (issue 27)."""
    return list(options_actives(model, ordre="ordre", garder=garder))




# --- sub-pages (rubriques) -----------------------------------------------------


@dataclass(frozen=True)
class Rubrique:
    slug: str
    model: type
    form: type
    collection: str
    titre: str  # « Ajouter … »
    fichier_field: str | None = None


RUBRIQUES = {
    r.slug: r
    for r in (
        Rubrique("specialites", SpecialiteSouhaitee, forms.SpecialiteForm, "specialites_souhaitees",
                 "Ajouter une sous-spécialité"),
        Rubrique("experiences-formateur", ExperienceFormateur, forms.ExperienceFormateurForm, "experiences_formateur",
                 "Ajouter une expérience en qualité de formateur"),
        Rubrique("actions-professionnalisation", ActionProfessionnalisation, forms.ActionProfessionnalisationForm,
                 "actions_professionnalisation", "Ajouter une action de professionnalisation de formateur"),
        Rubrique("experiences-professionnelles", ExperienceProfessionnelle, forms.ExperienceProfessionnelleForm,
                 "experiences_professionnelles", "Ajouter une expérience professionnelle"),
        Rubrique("formations-suivies", FormationSuivie, forms.FormationSuivieForm, "formations_suivies",
                 "Ajouter une formation professionnelle suivie"),
        Rubrique("formations-initiales", FormationInitiale, forms.FormationInitialeForm, "formations_initiales",
                 "Ajouter une formation initiale", fichier_field="fichier"),
        Rubrique("langues", LangueIntervenant, forms.LangueForm, "langues",
                 "Ajouter une langue étrangère et/ou régionale"),
    )
}  # fmt: skip


def _set_rubrique_choices(form, ligne=None) -> None:
    """The sub-page's choices: active entries, and the values the edited
    ``ligne`` already holds (deactivated since: it still saves, issue 27)."""
    if isinstance(form, forms.SpecialiteForm):
        actives = sa.and_(SousSpecialite.actif.is_(True), Specialite.actif.is_(True))  # the parent too (issue 27)
        gardee = getattr(ligne, "sous_specialite_id", None)
        rows = db.session.execute(
            select(SousSpecialite.id, SousSpecialite.code, SousSpecialite.libelle, Specialite.libelle,
                   actives.label("actif"))
            .join(Specialite, SousSpecialite.specialite_id == Specialite.id)
            .where(sa.or_(actives, SousSpecialite.id == gardee) if gardee else actives)
            .order_by(Specialite.ordre, Specialite.code, SousSpecialite.ordre, SousSpecialite.code)
        )
        form.sous_specialite_id.choices = CHOISIR + [
            (i, f"{code} - {lib} ({spe})" + ("" if actif else RETIREE)) for i, code, lib, spe, actif in rows
        ]
    elif isinstance(form, forms.FormationInitialeForm):
        form.niveau_diplome_id.choices = CHOISIR + _actifs(R.NiveauDiplome, getattr(ligne, "niveau_diplome_id", None))
    elif isinstance(form, forms.LangueForm):
        form.langue_id.choices = CHOISIR + _actifs(R.Langue, getattr(ligne, "langue_id", None))
        niveaux = [getattr(ligne, f"{n}_id", None) for n in ("niveau_conversation", "niveau_animation", "niveau_redaction")]
        niveaux = CHOISIR + _actifs(R.NiveauLangue, *niveaux)
        for f in (form.niveau_conversation_id, form.niveau_animation_id, form.niveau_redaction_id):
            f.choices = niveaux


#: Menu entries an intervenant only sees once the inscription is validated
#: (manual §3.3.1: « une nouvelle barre de menu apparaît »).
MENU_APRES_VALIDATION = frozenset(
    {"Tableau de bord", "Mes réponses aux annonces", "Recherche avancée d'annonces", "Messagerie"}
)


def inscription_validee() -> bool:
    """True unless the signed-in user is an intervenant not yet validated
    (cached for the request: the menu asks once per entry). A user without
    the Intervenant role has no profile to read: no query for staff (their
    roles come with the user)."""
    if "_inscription_validee" not in g:
        if current_user.is_authenticated and INTERVENANT not in {r.name for r in current_user.roles}:
            g._inscription_validee = True
        else:
            profil = intervenant_bref()  # read with the user: no statement
            g._inscription_validee = profil is None or profil.etat_inscription == EtatInscription.validee
    return g._inscription_validee


def menu_inscription_visible(item) -> bool:
    """Jinja filter of the menu's loop (_menu_principal.html) next to FAB's is_menu_visible."""
    return item.name not in MENU_APRES_VALIDATION or inscription_validee()


#: The four multiple choices of page 2: form field → link table
#: (columns: intervenant id, referential id).
CHOIX_PARCOURS = {
    "natures": intervenant_nature,
    "publics": intervenant_public,
    "prestations": intervenant_prestation,
    "methodes": intervenant_methode,
}


def choix_parcours(intervenant_id: int) -> dict[str, list[int]]:
    """The ids ticked in page 2's four lists, in one statement: the form needs
    the ids only, not four collections of referential rows (four queries)."""
    choix = {champ: [] for champ in CHOIX_PARCOURS}
    for champ, _, id_ in db.session.execute(references_liees(CHOIX_PARCOURS), {"proprietaires": [intervenant_id]}):
        choix[champ].append(id_)
    return choix


class ProfilView(BaseView):
    """Pages « Identification » and « Parcours » of the signed-in intervenant."""

    route_base = "/profil"
    default_view = "identification"
    include_route_methods = {"identification", "parcours", "ajouter", "modifier", "supprimer"}

    def create_blueprint(self, appbuilder, *args, **kwargs):
        blueprint = super().create_blueprint(appbuilder, *args, **kwargs)
        blueprint.add_app_template_filter(menu_inscription_visible, "menu_inscription_visible")
        return blueprint

    # -- helpers -------------------------------------------------------------
    def _profil(self) -> Intervenant:
        profil = current_intervenant()
        if profil is None:
            abort(404)
        return profil

    def _refus_si_verrouille(self, profil):
        verrou = verrouillage(profil)
        if verrou.tout:
            flash(verrou.message, "warning")
            return redirect(url_for("ProfilView.parcours"))
        return None

    # -- page 1 ----------------------------------------------------------------
    def _set_identification_choices(self, form, profil) -> None:
        pays = CHOISIR + _choices(Pays, "nom")
        for f in (form.nationalite_id, form.pays_residence_id, form.employeur_pays_id, form.pro_pays_id):
            f.choices = pays
        form.statut_professionnel_id.choices = CHOISIR + _actifs(R.StatutProfessionnel, profil.statut_professionnel_id)
        form.fonction_publique_id.choices = CHOISIR + _actifs(R.FonctionPublique, profil.fonction_publique_id)
        form.position_administrative_id.choices = CHOISIR + _actifs(R.PositionAdministrative,
                                                                    profil.position_administrative_id)
        form.regions.choices = _choices(R.Region, "nom")
        form.departements.choices = list(options(Departement, ("code", "nom"), ordre="code"))
        form.structure_id.choices = CHOISIR + _choices(R.Structure, "nom")

    def _identification_data(self, profil) -> dict:
        data = {name: getattr(profil, name) for name in CHAMPS_SIMPLES_P1}
        for name in OUI_NON_P1:
            data[name] = forms.bool_to_oui_non(getattr(profil, name))
        data["regions"] = [r.id for r in profil.regions]
        data["departements"] = [d.id for d in profil.departements]
        data["temps_travail"] = profil.temps_travail or ""
        return data

    @expose("/identification", methods=["GET", "POST"])
    @has_access
    def identification(self):
        profil = self._profil()
        verrou = verrouillage(profil)
        if request.method == "GET":
            form = forms.IdentificationForm(data=self._identification_data(profil))
            self._set_identification_choices(form, profil)
            return self._render_identification(form, profil, verrou)
        refus = self._refus_si_verrouille(profil)
        if refus:
            return refus
        form = forms.IdentificationForm()
        self._set_identification_choices(form, profil)
        current = self._identification_data(profil)
        for name in verrou.champs:  # a locked field keeps its value whatever was posted
            form[name].data = current[name]
            form[name].raw_data = [] if current[name] is None else [str(current[name])]

        if form.rechercher.data or request.form.get("choisir_employeur"):
            return self._employer_search(form, profil, verrou)
        if not form.validate() or not self._check_departements(form):
            flash("Le formulaire comporte des erreurs : corrigez les champs signalés.", "danger")
            return self._render_identification(form, profil, verrou), 200
        executer(
            operations.enregistrer_identification, profil,
            {name: form[name].data if form[name].data != "" else None for name in CHAMPS_SIMPLES_P1 if name in form},
            {name: forms.oui_non_to_bool(form[name].data) for name in OUI_NON_P1},
            form.regions.data, form.departements.data,
        )
        flash("Vos informations ont été enregistrées.", "success")
        if form.suivant.data:
            return redirect(url_for("ProfilView.parcours"))
        return redirect(url_for("ProfilView.identification"))

    def _check_departements(self, form) -> bool:
        """Départements must belong to the chosen régions."""
        if not form.departements.data:
            return True
        regions = set(form.regions.data or [])
        hors_zone = db.session.scalars(
            select(Departement.nom).where(
                Departement.id.in_(form.departements.data), Departement.region_id.not_in(regions or [-1])
            )
        ).all()
        if hors_zone:
            form.departements.errors = [
                *form.departements.errors,
                "Ces départements ne sont pas dans les régions choisies : " + ", ".join(sorted(hors_zone)) + ".",
            ]
            return False
        return True

    def _employer_search(self, form, profil, verrou):
        """« Rechercher » lists public employers; choosing one fills the block.
        Nothing is saved: the page comes back with the posted values."""
        siret = request.form.get("choisir_employeur")
        employeurs = []
        if siret and "employeur_raison_sociale" not in verrou.champs:
            employeur = employeur_public(siret)
            if employeur is None:
                abort(404)
            france = db.session.scalar(select(Pays.id).where(Pays.code == forms.CODE_FRANCE))
            form.employeur_raison_sociale.data = employeur.raison_sociale
            form.employeur_siret.data = employeur.siret
            form.employeur_voie.data = employeur.adresse
            form.employeur_code_postal.data = employeur.code_postal
            form.employeur_localite.data = employeur.ville
            form.employeur_pays_id.data = france
            flash("Les coordonnées de l'employeur ont été renseignées : vérifiez-les puis enregistrez.", "info")
        else:
            employeurs = search_employeurs(form.recherche_employeur.data)
            if not employeurs:
                form.recherche_employeur.errors = [AUCUN_EMPLOYEUR]
        return self._render_identification(form, profil, verrou, employeurs=employeurs)

    def _render_identification(self, form, profil, verrou, employeurs=()):
        return self.render_template(
            "profil/identification.html",
            form=form,
            profil=profil,
            verrou=verrou,
            employeurs=employeurs,
            title="Identification",
        )

    # -- page 2 ----------------------------------------------------------------
    def _set_parcours_choices(self, form, choix: dict[str, list[int]]) -> None:
        """``choix``: the profile's ticked ids (``choix_parcours``), kept even if deactivated since."""
        form.natures.choices = _actifs(R.NatureFormation, *choix["natures"])
        form.publics.choices = _actifs(R.PublicFormation, *choix["publics"])
        form.prestations.choices = _actifs(R.PrestationComplementaire, *choix["prestations"])
        form.methodes.choices = _actifs(R.MethodePedagogique, *choix["methodes"])

    def _parcours_data(self, profil) -> dict:
        return {
            **choix_parcours(profil.id),
            "autre_prestation": profil.autre_prestation,
            "deja_forme": forms.bool_to_oui_non(profil.deja_forme),
            "motivation": profil.motivation,
            "alerte_specialites": profil.alerte_specialites,
            "alerte_regions": profil.alerte_regions,
            "alerte_specialites_et_regions": profil.alerte_specialites_et_regions,
            "alerte_annonces_pour_vous": profil.alerte_annonces_pour_vous,
            "reseaux_sociaux": forms.bool_to_oui_non(profil.reseaux_sociaux),
        }

    @expose("/parcours", methods=["GET", "POST"])
    @has_access
    def parcours(self):
        profil = self._profil()
        verrou = verrouillage(profil)
        if request.method == "GET":
            data = self._parcours_data(profil)
            form = forms.ParcoursForm(data=data)
            self._set_parcours_choices(form, data)
            return self._render_parcours(form, profil, verrou)
        refus = self._refus_si_verrouille(profil)
        if refus:
            return refus
        form = forms.ParcoursForm()
        self._set_parcours_choices(form, choix_parcours(profil.id))
        if not form.validate() or not agir(
                operations.enregistrer_parcours, profil, {nom: form[nom].data for nom in CHOIX_PARCOURS},
                {
                    "autre_prestation": form.autre_prestation.data or None,
                    "deja_forme": forms.oui_non_to_bool(form.deja_forme.data),
                    "motivation": form.motivation.data or None,
                    "alerte_specialites": form.alerte_specialites.data,
                    "alerte_regions": form.alerte_regions.data,
                    "alerte_specialites_et_regions": form.alerte_specialites_et_regions.data,
                    "alerte_annonces_pour_vous": form.alerte_annonces_pour_vous.data,
                    "reseaux_sociaux": forms.oui_non_to_bool(form.reseaux_sociaux.data),
                },
                form.cv.data, form.supprimer_cv.data, champ=form.cv):
            flash("Le formulaire comporte des erreurs : corrigez les champs signalés.", "danger")
            return self._render_parcours(form, profil, verrou), 200
        if not form.transmettre.data:
            flash("Vos informations ont été enregistrées.", "success")
            return redirect(url_for("ProfilView.parcours"))
        return self._transmettre(form, profil, verrou)

    def _transmettre(self, form, profil, verrou):
        """Missing fields are listed with links; otherwise the workflow moves the
        request to « transmise » (the gestionnaires are e-mailed by
        app.notifications) and the profile is locked."""
        manquants = champs_manquants(profil)
        if manquants:
            flash("Votre demande n'a pas été transmise : des champs obligatoires ne sont pas renseignés.", "danger")
            return self._render_parcours(form, profil, verrou, manquants=manquants), 200
        agir(operations.transmettre, profil, Acteur.from_user(current_user), succes=MESSAGE_TRANSMIS)
        return redirect(url_for("ProfilView.parcours"))

    def _render_parcours(self, form, profil, verrou, manquants=()):
        return self.render_template(
            "profil/parcours.html",
            form=form,
            profil=profil,
            verrou=verrou,
            manquants=manquants,
            rubriques=RUBRIQUES,
            parcours=parcours_affiche(profil.id),
            nouvelle_demande=date_nouvelle_demande(profil)
            if profil.etat_inscription == EtatInscription.rejetee
            else None,
            historique=inscription.history(profil, for_intervenant=True),
            title="Parcours",
        )

    # -- « Ajouter … » sub-pages ----------------------------------------------
    def _rubrique(self, rubrique: str) -> Rubrique:
        if rubrique not in RUBRIQUES:
            abort(404)
        return RUBRIQUES[rubrique]

    def _ligne(self, r: Rubrique, profil, pk: int):
        ligne = db.session.scalar(select(r.model).where(r.model.id == pk, r.model.intervenant_id == profil.id))
        if ligne is None:
            abort(404)
        return ligne

    @expose("/parcours/<rubrique>/ajouter", methods=["GET", "POST"])
    @has_access
    def ajouter(self, rubrique):
        r = self._rubrique(rubrique)
        profil = self._profil()
        return self._edit_ligne(r, profil, None)

    @expose("/parcours/<rubrique>/<int:pk>/modifier", methods=["GET", "POST"])
    @has_access
    def modifier(self, rubrique, pk):
        r = self._rubrique(rubrique)
        profil = self._profil()
        return self._edit_ligne(r, profil, self._ligne(r, profil, pk))

    def _edit_ligne(self, r: Rubrique, profil, ligne):
        refus = self._refus_si_verrouille(profil)
        if refus:
            return refus
        form = r.form(obj=ligne) if request.method == "GET" else r.form()
        _set_rubrique_choices(form, ligne)
        if request.method == "POST" and form.validate() and self._enregistrer_ligne(r, form, profil, ligne):
            return redirect(url_for("ProfilView.parcours") + f"#{r.slug}")
        return self.render_template(
            "profil/ligne.html", form=form, rubrique=r, ligne=ligne,
            title=r.titre if ligne is None else r.titre.replace("Ajouter", "Modifier", 1),
        )

    def _enregistrer_ligne(self, r: Rubrique, form, profil, ligne) -> bool:
        unique = {forms.SpecialiteForm: "sous_specialite_id", forms.LangueForm: "langue_id"}.get(type(form))
        valeurs = {name: field.data if field.data != "" else None
                   for name, field in form._fields.items() if name not in ("csrf_token", r.fichier_field)}
        if unique is not None:
            valeurs[unique] = form[unique].data
        return bool(agir(
            operations.enregistrer_ligne, profil, r, ligne, valeurs, unique=unique,
            fichier=form[r.fichier_field].data if r.fichier_field else None,
            champ=form[unique] if unique else None,
            champ_fichier=form[r.fichier_field] if r.fichier_field else None,
            succes="La ligne a été enregistrée.",
        ))

    @expose("/parcours/<rubrique>/<int:pk>/supprimer", methods=["GET", "POST"])
    @has_access
    def supprimer(self, rubrique, pk):
        """GET asks for confirmation, POST deletes."""
        r = self._rubrique(rubrique)
        profil = self._profil()
        ligne = self._ligne(r, profil, pk)
        refus = self._refus_si_verrouille(profil)
        if refus:
            return refus
        form = forms.ConfirmationForm()
        if request.method == "POST" and form.validate():
            agir(operations.supprimer_ligne, profil, r, ligne, succes="La ligne a été supprimée.")
            return redirect(url_for("ProfilView.parcours") + f"#{r.slug}")
        return self.render_template(
            "profil/supprimer.html", form=form, rubrique=r, ligne=ligne, title="Confirmer la suppression"
        )
