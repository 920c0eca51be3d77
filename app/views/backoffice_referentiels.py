"""Console screens for the referentials (national administrators only).

Values are retired by unticking « Actif », not deleted: other tables point to
them. The natural key (code, SIRET, the La Poste line) is set at creation and
read-only afterwards, otherwise the next ``flask referentiels charger`` would
no longer recognise the row and would add it again.
"""

from __future__ import annotations

from flask_admin.model import typefmt
from wtforms.validators import AnyOf

from app.extensions import db
from app.models import referentiels as R
from app.models.referentiels import DESTINATAIRES_SUPPORT, TYPES_EMPLOYEUR, TYPES_LANGUE, TYPES_STRUCTURE
from app.views.backoffice import ConsoleModelView

GEOGRAPHIE = "Référentiels géographiques"
FORMATION = "Référentiels de formation"
ADMINISTRATIF = "Référentiels administratifs"

LABELS = {
    "code": "Code",
    "libelle": "Libellé",
    "libelle_court": "Libellé court",
    "ordre": "Ordre",
    "actif": "Actif",
    "nom": "Nom",
    "source": "Source",
    "type": "Type",
    "chef_lieu_commune": "Chef-lieu (code commune)",
    "outre_mer": "Outre-mer",
    "region": "Région",
    "region.nom": "Région",
    "regions": "Régions couvertes",
    "regions.nom": "Région couverte",
    "nationale": "Nationale",
    "messagerie_active": "Messagerie active",
    "code_iso3": "Code ISO alpha-3",
    "code_num": "Code ISO numérique",
    "nom_iso_court": "Nom court ISO",
    "nom_en": "Nom anglais",
    "code_cog_insee": "Code COG (INSEE)",
    "libelle_insee": "Libellé INSEE",
    "libelle_officiel_insee": "Libellé officiel INSEE",
    "code_insee": "Code commune INSEE",
    "nom_commune": "Commune",
    "code_postal": "Code postal",
    "libelle_acheminement": "Libellé d'acheminement",
    "ligne_5": "Ligne 5 (lieu-dit)",
    "specialite": "Spécialité",
    "specialite.libelle": "Spécialité",
    "description_officielle": "Description officielle",
    "ancien_niveau_1969": "Ancien niveau (1969)",
    "type_employeur": "Type d'employeur",
    "pieces_requises": "Pièces requises",
    "en_vigueur": "En vigueur",
    "reference": "Référence",
    "note": "Note",
    "verso_requis": "Verso requis",
    "destinataire": "Destinataire",
    "siret": "SIRET",
    "siren": "SIREN",
    "raison_sociale": "Raison sociale",
    "adresse": "Adresse",
    "ville": "Ville",
    "code_commune_insee": "Code commune INSEE",
    "categorie_juridique": "Catégorie juridique",
    "luhn_ok": "SIRET valide (Luhn)",
    "source_siret": "Source du SIRET",
    "source_adresse": "Source de l'adresse",
}


def _one_of(values: tuple[str, ...]) -> dict:
    """Form arguments restricting a free-text column to the values the code relies on."""
    return {"validators": [AnyOf(values, message="Valeur attendue : " + " ou ".join(values) + ".")]}


def utilisations_de(obj) -> list[str]:
    """Where a referential entry is used: « 3 ligne(s) de sous_specialite »…
    (every foreign key of the schema that points to its table)."""
    from sqlalchemy import func, select

    table = obj.__table__
    utilisations = []
    for autre in db.metadata.tables.values():
        for fk in autre.foreign_keys:
            if fk.column.table is table:
                n = db.session.scalar(select(func.count()).select_from(autre).where(fk.parent == getattr(obj, fk.column.key)))
                if n:
                    utilisations.append(f"{n} ligne(s) de {autre.name}")
    return utilisations


def _oui_non(view, value, name) -> str:
    return "oui" if value else "non"


class ReferentielView(ConsoleModelView):
    """Common settings; subclasses list their columns."""

    natural_key: tuple[str, ...] = ("code",)
    #: Deleting an unused entry is allowed; a used one is refused with the
    #: reason (deactivating hides it from choice lists, rows keep it).
    can_delete = True
    column_labels = LABELS
    column_type_formatters_export = {**typefmt.EXPORT_FORMATTERS, bool: _oui_non}
    column_type_formatters_detail = {**typefmt.DETAIL_FORMATTERS, bool: _oui_non}

    def delete_model(self, model):
        from flask import flash

        utilisations = utilisations_de(model)
        if utilisations:
            flash(
                f"Suppression impossible : « {model} » est utilisé ({', '.join(utilisations)}). "
                "Désactivez-le plutôt : il disparaîtra des listes de choix et restera affiché là où il sert.",
                "error",
            )
            return False
        return super().delete_model(model)

    def get_edit_form(self):
        """The create form without the natural key (set to None, WTForms
        leaves the field out)."""
        form_class = super().get_edit_form()
        return type(f"{self.model.__name__}EditForm", (form_class,), dict.fromkeys(self.natural_key))


class CodeLibelleView(ReferentielView):
    """The many (code, libellé) lists, shown in their file order."""

    column_list = ("code", "libelle", "ordre", "actif")
    column_searchable_list = ("code", "libelle")
    column_filters = ("actif",)
    column_editable_list = ("libelle", "ordre", "actif")
    column_default_sort = "ordre"
    form_columns = ("code", "libelle", "ordre", "actif")


class SourceView(CodeLibelleView):
    """Lists partly taken from the manual, partly illustrative (``source``)."""

    column_list = ("code", "libelle", "source", "ordre", "actif")
    column_filters = ("source", "actif")
    form_columns = ("code", "libelle", "source", "ordre", "actif")


# --- Geography ---------------------------------------------------------------


class RegionView(ReferentielView):
    column_list = ("code", "nom", "chef_lieu_commune", "outre_mer", "actif")
    column_searchable_list = ("code", "nom")
    column_filters = ("outre_mer", "actif")
    column_editable_list = ("nom", "actif")
    column_default_sort = "code"
    form_columns = ("code", "nom", "chef_lieu_commune", "outre_mer", "actif")


class DepartementView(ReferentielView):
    column_list = ("code", "nom", "region", "chef_lieu_commune", "actif")
    column_sortable_list = ("code", "nom", ("region", "region.nom"), "chef_lieu_commune", "actif")
    column_searchable_list = ("code", "nom")
    column_filters = ("region.nom", "actif")
    column_editable_list = ("nom", "actif")
    column_default_sort = "code"
    form_columns = ("code", "nom", "region", "chef_lieu_commune", "actif")


class StructureView(ReferentielView):
    column_list = ("code", "nom", "type", "nationale", "regions", "messagerie_active", "actif")
    column_searchable_list = ("code", "nom")
    column_filters = ("type", "nationale", "regions.nom", "messagerie_active", "actif")
    column_editable_list = ("nom", "messagerie_active", "actif")
    column_default_sort = "code"
    form_columns = ("code", "nom", "type", "nationale", "regions", "messagerie_active", "actif")
    column_descriptions = {
        "type": " ou ".join(TYPES_STRUCTURE),
        "nationale": "Une structure nationale ne couvre aucune région.",
    }
    form_args = {"type": _one_of(TYPES_STRUCTURE)}


class PaysView(ReferentielView):
    column_list = ("code", "code_iso3", "nom", "code_cog_insee", "libelle_insee", "actif")
    column_searchable_list = ("code", "code_iso3", "nom", "code_cog_insee", "libelle_insee")
    column_filters = ("actif",)
    column_editable_list = ("nom", "actif")
    column_default_sort = "nom"
    form_columns = (
        "code",
        "code_iso3",
        "code_num",
        "nom",
        "nom_iso_court",
        "nom_en",
        "code_cog_insee",
        "libelle_insee",
        "libelle_officiel_insee",
        "actif",
    )
    column_labels = {**LABELS, "code": "Code ISO alpha-2"}


class CodePostalView(ReferentielView):
    """39 000 lines: plain columns only (no relationship), paginated, indexed sort."""

    natural_key = ("code_insee", "code_postal", "libelle_acheminement", "ligne_5")
    column_list = ("code_postal", "nom_commune", "code_insee", "libelle_acheminement", "ligne_5", "actif")
    column_searchable_list = ("code_postal", "nom_commune", "code_insee")
    column_filters = ("code_postal", "code_insee", "actif")
    column_editable_list = ("nom_commune", "actif")
    column_default_sort = [("code_postal", False), ("nom_commune", False)]
    form_columns = ("code_insee", "nom_commune", "code_postal", "libelle_acheminement", "ligne_5", "actif")


# --- Training ----------------------------------------------------------------


class SpecialiteView(ReferentielView):
    column_list = ("code", "libelle", "source", "ordre", "actif")
    column_searchable_list = ("code", "libelle")
    column_filters = ("source", "actif")
    column_editable_list = ("libelle", "actif")
    column_default_sort = "ordre"
    form_columns = ("code", "libelle", "source", "ordre", "actif")


class SousSpecialiteView(ReferentielView):
    column_list = ("code", "libelle", "specialite", "source", "ordre", "actif")
    column_sortable_list = ("code", "libelle", ("specialite", "specialite.libelle"), "source", "ordre", "actif")
    column_searchable_list = ("code", "libelle")
    column_filters = ("specialite.libelle", "source", "actif")
    column_editable_list = ("libelle", "actif")
    column_default_sort = "ordre"
    form_columns = ("code", "libelle", "specialite", "source", "ordre", "actif")


class NiveauDiplomeView(CodeLibelleView):
    column_list = ("code", "libelle", "ancien_niveau_1969", "actif")
    form_columns = ("code", "libelle", "description_officielle", "ancien_niveau_1969", "ordre", "actif")
    column_labels = {**LABELS, "code": "Niveau"}


class LangueView(CodeLibelleView):
    column_list = ("code", "libelle", "type", "ordre", "actif")
    column_filters = ("type", "actif")
    form_columns = ("code", "libelle", "type", "ordre", "actif")
    column_descriptions = {"type": " ou ".join(TYPES_LANGUE)}
    form_args = {"type": _one_of(TYPES_LANGUE)}


# --- Administrative situation ------------------------------------------------


class StatutProfessionnelView(CodeLibelleView):
    column_list = ("code", "libelle", "type_employeur", "pieces_requises", "ordre", "actif")
    column_filters = ("type_employeur", "actif")
    form_columns = ("code", "libelle", "type_employeur", "pieces_requises", "ordre", "actif")
    column_descriptions = {"type_employeur": " ou ".join(TYPES_EMPLOYEUR) + " ; vide : sans employeur"}
    form_args = {"type_employeur": _one_of(TYPES_EMPLOYEUR)}


class FonctionPubliqueView(CodeLibelleView):
    column_list = ("code", "libelle", "libelle_court", "ordre", "actif")
    form_columns = ("code", "libelle", "libelle_court", "ordre", "actif")


class PositionAdministrativeView(CodeLibelleView):
    column_list = ("code", "libelle", "type", "en_vigueur", "reference", "actif")
    column_filters = ("en_vigueur", "actif")
    column_editable_list = ("libelle", "en_vigueur", "actif")
    form_columns = ("code", "libelle", "type", "en_vigueur", "reference", "note", "ordre", "actif")


class TypeDemandeSupportView(SourceView):
    column_list = ("code", "libelle", "destinataire", "source", "ordre", "actif")
    column_filters = ("destinataire", "source", "actif")
    form_columns = ("code", "libelle", "destinataire", "source", "ordre", "actif")
    column_descriptions = {"destinataire": "STRUCTURE (gestionnaire de la structure) ou NATIONAL"}
    form_args = {"destinataire": _one_of(DESTINATAIRES_SUPPORT)}


class TypePieceIdentiteView(CodeLibelleView):
    column_list = ("code", "libelle", "verso_requis", "ordre", "actif")
    column_editable_list = ("libelle", "verso_requis", "actif")
    form_columns = ("code", "libelle", "verso_requis", "ordre", "actif")


class EmployeurPublicView(ReferentielView):
    natural_key = ("siret",)
    column_list = ("siret", "raison_sociale", "code_postal", "ville", "categorie_juridique", "actif")
    column_searchable_list = ("siret", "raison_sociale", "code_postal", "ville")
    column_filters = ("categorie_juridique", "code_postal", "actif")
    column_editable_list = ("raison_sociale", "actif")
    column_default_sort = "raison_sociale"
    form_columns = (
        "siret",
        "siren",
        "raison_sociale",
        "adresse",
        "code_postal",
        "ville",
        "code_commune_insee",
        "categorie_juridique",
        "luhn_ok",
        "source_siret",
        "source_adresse",
        "actif",
    )


#: (view class, model, menu label, category), in menu order.
SCREENS = (
    (RegionView, R.Region, "Régions", GEOGRAPHIE),
    (DepartementView, R.Departement, "Départements", GEOGRAPHIE),
    (PaysView, R.Pays, "Pays", GEOGRAPHIE),
    (CodePostalView, R.CodePostal, "Codes postaux et communes", GEOGRAPHIE),
    (StructureView, R.Structure, "Structures du CNFPT", GEOGRAPHIE),
    (SpecialiteView, R.Specialite, "Spécialités", FORMATION),
    (SousSpecialiteView, R.SousSpecialite, "Sous-spécialités", FORMATION),
    (CodeLibelleView, R.NatureFormation, "Natures de formation", FORMATION),
    (CodeLibelleView, R.PublicFormation, "Publics", FORMATION),
    (CodeLibelleView, R.PrestationComplementaire, "Prestations complémentaires", FORMATION),
    (SourceView, R.MethodePedagogique, "Méthodes pédagogiques", FORMATION),
    (NiveauDiplomeView, R.NiveauDiplome, "Niveaux de diplôme", FORMATION),
    (LangueView, R.Langue, "Langues", FORMATION),
    (CodeLibelleView, R.NiveauLangue, "Niveaux de langue", FORMATION),
    (CodeLibelleView, R.EtatCandidature, "États de candidature", FORMATION),
    (StatutProfessionnelView, R.StatutProfessionnel, "Statuts professionnels", ADMINISTRATIF),
    (CodeLibelleView, R.PieceStatut, "Pièces par statut", ADMINISTRATIF),
    (FonctionPubliqueView, R.FonctionPublique, "Fonctions publiques", ADMINISTRATIF),
    (CodeLibelleView, R.CategorieHierarchique, "Catégories hiérarchiques", ADMINISTRATIF),
    (PositionAdministrativeView, R.PositionAdministrative, "Positions administratives", ADMINISTRATIF),
    (SourceView, R.TypeContrat, "Types de contrat", ADMINISTRATIF),
    (TypePieceIdentiteView, R.TypePieceIdentite, "Types de pièce d'identité", ADMINISTRATIF),
    (TypeDemandeSupportView, R.TypeDemandeSupport, "Types de demande de support", ADMINISTRATIF),
    (EmployeurPublicView, R.EmployeurPublic, "Employeurs publics", ADMINISTRATIF),
)


def add_referentiel_views(admin, session) -> None:
    """One screen per referential; endpoint ``bo_<table>`` (the permission
    matrix treats every ``bo_`` endpoint as national-only)."""
    for view_class, model, name, category in SCREENS:
        admin.add_view(view_class(model, session, name=name, category=category, endpoint=f"bo_{model.__tablename__}"))
