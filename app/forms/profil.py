"""Profile forms: page 1 « Identification », page 2 « Parcours » and the
« Ajouter … » sub-pages.

Only formats are checked here (SIRET, postal code, lengths): « Enregistrer »
keeps a partial draft. Required fields are checked at submission by
``app.workflows.inscription.champs_manquants``, which lists what is missing.
"""

from __future__ import annotations

import re

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from sqlalchemy import select
from stdnum.fr import siret as stdnum_siret
from wtforms import (
    BooleanField,
    DateField,
    RadioField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional, Regexp, ValidationError

from app.extensions import db
from app.forms.champs import SelectField, SelectMultipleField
from app.forms.comptes import CIVILITES, adresse_email, nom_valide
from app.forms.declaration import Groupe, groupes
from app.models.referentiels import CodePostal, Pays

CENT_CARACTERES = "100 caractères au maximum."

REQUIS = "Ce champ est obligatoire."
OUI_NON = [("oui", "Oui"), ("non", "Non")]
TEMPS_TRAVAIL = [("", "— Choisir —"), ("complet", "Temps complet"), ("non_complet", "Temps non complet")]
CODE_FRANCE = "FR"
_TELEPHONE_RE = r"^\+?[0-9 .\-]{6,20}$"
_ANNEE_RE = r"^(19|20)\d{2}$"
OBLIGATOIRE_PUBLIC = "Obligatoire pour un employeur public."
TELEPHONE_INVALIDE = "Le numéro de téléphone n'est pas valide (chiffres, espaces, points, tirets, + en tête)."


def optional_int(value):
    """Select values: "" (nothing chosen) → None, else the id."""
    if value in (None, "", "None"):
        return None
    return int(value)


def oui_non_to_bool(value: str | None) -> bool | None:
    return {"oui": True, "non": False}.get(value or "")


def bool_to_oui_non(value: bool | None) -> str | None:
    return None if value is None else ("oui" if value else "non")


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _digits(value):
    return re.sub(r"[\s.]", "", value) if isinstance(value, str) else value


def _texte(label: str, max_len: int = 150, **kw):
    return StringField(label, filters=[_strip], validators=[Optional(), Length(max=max_len)], **kw)


def _telephone(label: str):
    return StringField(label, filters=[_strip], validators=[Optional(), Regexp(_TELEPHONE_RE, message=TELEPHONE_INVALIDE)])


def siret_valide(form, field) -> None:
    if field.data and not stdnum_siret.is_valid(field.data):
        raise ValidationError("Le n° de SIRET n'est pas valide (14 chiffres, clé de contrôle).")


def is_france(pays_id: int | None) -> bool:
    return pays_id is not None and db.session.scalar(select(Pays.code).where(Pays.id == pays_id)) == CODE_FRANCE


def check_postal_code(pays_field, code_field) -> bool:
    """French postal codes must exist in the referential; another country's
    code is free text (checked for length only)."""
    code = code_field.data
    if not code or not is_france(pays_field.data):
        return True
    code = code.replace(" ", "")
    code_field.data = code
    exists = re.fullmatch(r"\d{5}", code) and db.session.scalar(
        select(CodePostal.id).where(CodePostal.code_postal == code).limit(1)
    )
    if not exists:
        code_field.errors = [*code_field.errors, "Ce code postal n'existe pas en France (5 chiffres)."]
        return False
    return True


class IdentificationForm(FlaskForm):
    """Page 1: Le formateur, Le statut, L'employeur, Zone d'intervention,
    Structure de rattachement, Permis de conduire."""

    # Le formateur
    civilite = RadioField("Civilité", choices=CIVILITES, validators=[DataRequired(REQUIS)])
    # The names follow registration's rules (app.forms.comptes.nom_valide):
    # letters, spaces, apostrophes and hyphens, so no formula reaches an export.
    nom_naissance = StringField(
        "Nom de famille (naissance)", filters=[_strip],
        validators=[DataRequired(REQUIS), Length(max=100, message=CENT_CARACTERES), nom_valide],
    )
    nom_usage = StringField("Nom d'usage", filters=[_strip],
                            validators=[Optional(), Length(max=100, message=CENT_CARACTERES), nom_valide],
                            description="Laissez vide si identique au nom de famille.")
    prenom = StringField("Prénom", filters=[_strip],
                         validators=[DataRequired(REQUIS), Length(max=100, message=CENT_CARACTERES), nom_valide])
    date_naissance = DateField(
        "Date de naissance", validators=[DataRequired("Date non valide (format attendu : jj/mm/aaaa).")],
        format=["%Y-%m-%d", "%d/%m/%Y"], description="Format jj/mm/aaaa.",
    )
    lieu_naissance = _texte("Lieu de naissance (ville)", 100)
    nationalite_id = SelectField("Nationalité", coerce=optional_int)
    adresse_complement = _texte("N° appartement ou boîte aux lettres - étage-couloir-escalier", 100)
    adresse_batiment = _texte("Entrée - bâtiment-immeuble", 100)
    adresse_voie = _texte("Numéro + libellé de la voie")
    pays_residence_id = SelectField("Pays de résidence", coerce=optional_int)
    code_postal = _texte("Code postal", 20,
                         description="En France, code postal à 5 chiffres ; format libre pour un autre pays.")
    localite = _texte("Localité - ville", 100)
    telephone_personnel = _telephone("Téléphone personnel")
    portable_personnel = _telephone("Portable personnel")
    telephone_professionnel = _telephone("Téléphone professionnel")
    portable_professionnel = _telephone("Téléphone portable professionnel")
    # Le statut
    statut_professionnel_id = SelectField("Statut professionnel", coerce=optional_int)
    temps_travail = SelectField("Temps complet/temps non complet", choices=TEMPS_TRAVAIL, default="")
    fonction_publique_id = SelectField("Fonction publique", coerce=optional_int, description=OBLIGATOIRE_PUBLIC)
    situation_position = _texte("Situation/Position", 100, description=OBLIGATOIRE_PUBLIC)
    fonction = _texte("Fonction", description=OBLIGATOIRE_PUBLIC)
    grade = _texte("Grade ou qualité")
    service = _texte("Service")
    position_administrative_id = SelectField("Position administrative", coerce=optional_int)
    # L'employeur
    employeur_raison_sociale = _texte("Raison sociale de l'employeur", 255)
    employeur_siret = StringField(
        "N° de SIRET de l'employeur principal", filters=[_digits], validators=[Optional(), siret_valide]
    )
    employeur_pays_id = SelectField("Pays", coerce=optional_int)
    employeur_voie = _texte("Numéro et libellé de la voie")
    employeur_complement = _texte("Boîte aux lettres - étage - couloir - escalier", 100)
    employeur_batiment = _texte("Entrée - bâtiment - immeuble", 100)
    employeur_code_postal = _texte("Code postal", 20)
    employeur_localite = _texte("Localité - ville", 100)
    employeur_telephone = _telephone("Numéro de téléphone")
    adresse_pro_differente = BooleanField("Adresse différente de celle de l'employeur")
    # Coordonnées professionnelles (si différentes de celles de l'employeur)
    pro_pays_id = SelectField("Pays", coerce=optional_int)
    pro_code_postal = _texte("Code postal", 20)
    pro_localite = _texte("Localité - Ville", 100)
    pro_complement = _texte("N° appartement ou boîte aux lettres - étage - couloir - escalier", 100)
    pro_batiment = _texte("Entrée - bâtiment - immeuble", 100)
    pro_voie = _texte("Numéro et libellé de la voie")
    pro_email = StringField("Adresse mail", filters=[_strip], validators=[Optional(), adresse_email])
    pro_telephone = _telephone("Numéro de téléphone")
    pro_portable = _telephone("Numéro de portable")
    # Zone d'intervention
    regions = SelectMultipleField("Région(s)", coerce=int)
    departements = SelectMultipleField(
        "Département(s)", coerce=int,
        description="Uniquement des départements des régions choisies (maintenez Ctrl pour en choisir plusieurs).",
    )
    disponible_etranger = RadioField(
        "Je suis disponible pour effectuer des formations à l'étranger", choices=OUI_NON, validators=[Optional()]
    )
    structure_id = SelectField("Structure de rattachement", coerce=optional_int)
    # Permis de conduire
    permis_conduire = RadioField("Êtes-vous titulaire du permis de conduire ?", choices=OUI_NON, validators=[Optional()])
    vehicule_personnel = RadioField("Disposez-vous d'un véhicule personnel ?", choices=OUI_NON, validators=[Optional()])
    # Employer search without JavaScript
    recherche_employeur = StringField(
        "Rechercher un employeur public (raison sociale ou SIRET)", filters=[_strip],
        description="Employeur du secteur public : saisissez la raison sociale ou le n° de SIRET puis « Rechercher » ; "
        "choisissez votre employeur pour renseigner automatiquement le bloc.",
    )

    rechercher = SubmitField("Rechercher")
    enregistrer = SubmitField("Enregistrer")
    suivant = SubmitField("Enregistrer et passer à la page suivante")

    #: The page's fieldsets (templates/profil/identification.html renders them
    #: in this order); « * »: required at submission (champs_manquants).
    GROUPES = groupes(
        Groupe("formateur", "Le formateur", (
            "civilite", "nom_naissance", "nom_usage", "prenom", "date_naissance", "lieu_naissance", "nationalite_id",
            "adresse_complement", "adresse_batiment", "adresse_voie", "pays_residence_id", "code_postal", "localite",
            "telephone_personnel", "portable_personnel", "telephone_professionnel", "portable_professionnel",
        ), requis=frozenset({
            "civilite", "nom_naissance", "prenom", "date_naissance", "lieu_naissance", "nationalite_id",
            "adresse_voie", "pays_residence_id", "code_postal", "localite", "telephone_personnel",
        })),
        Groupe("statut", "Le statut", (
            "statut_professionnel_id", "temps_travail", "fonction_publique_id", "situation_position", "fonction",
            "grade", "service", "position_administrative_id",
        ), requis=frozenset({
            "statut_professionnel_id", "temps_travail", "fonction_publique_id", "situation_position", "fonction",
        }), intro="Il est important que votre statut reste à jour. Veillez à l'actualiser en cas de changement "
                  "dans votre situation."),
        Groupe("employeur", "L'employeur", (
            "employeur_raison_sociale", "employeur_siret", "employeur_pays_id", "employeur_voie",
            "employeur_complement", "employeur_batiment", "employeur_code_postal", "employeur_localite",
            "employeur_telephone", "adresse_pro_differente",
        ), requis=frozenset({
            "employeur_raison_sociale", "employeur_pays_id", "employeur_voie", "employeur_code_postal",
            "employeur_localite",
        }), note="Si vos coordonnées professionnelles sont différentes de votre employeur, cochez cette case et "
                 "renseignez le formulaire qui s'affiche."),
        Groupe("coordonnees-pro", "Coordonnées professionnelles (si différentes de celles de l'employeur)", (
            "pro_pays_id", "pro_code_postal", "pro_localite", "pro_complement", "pro_batiment", "pro_voie",
            "pro_email", "pro_telephone", "pro_portable",
        ), requis=frozenset({"pro_code_postal", "pro_localite", "pro_voie"})),
        Groupe("zone", "Sélectionner une zone d'intervention", ("regions", "departements", "disponible_etranger"),
               requis=frozenset({"regions"})),
        Groupe("structure", "Sélectionner votre structure de rattachement", ("structure_id",),
               requis=frozenset({"structure_id"}),
               note="Si vous déposez votre profil dans le cadre d'une candidature à une annonce, la structure de "
                    "rattachement est automatiquement celle ayant publié ladite annonce."),
        Groupe("permis", "Permis de conduire", ("permis_conduire", "vehicule_personnel")),
    )
    #: Rendered beside a fieldset's fields (the employer search, in its box).
    A_PART = ("recherche_employeur",)

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        ok = check_postal_code(self.pays_residence_id, self.code_postal) and ok
        ok = check_postal_code(self.employeur_pays_id, self.employeur_code_postal) and ok
        if self.adresse_pro_differente.data:
            ok = check_postal_code(self.pro_pays_id, self.pro_code_postal) and ok
        return ok


class ParcoursForm(FlaskForm):
    """Page 2: the single-valued parts (tables are edited through sub-pages)."""

    natures = SelectMultipleField("Natures de formation", coerce=int)
    publics = SelectMultipleField("Publics", coerce=int)
    prestations = SelectMultipleField("Prestations complémentaires possibles", coerce=int)
    autre_prestation = _texte("Autre prestation complémentaire", 255)
    methodes = SelectMultipleField("Quelles méthodes pédagogiques utilisez-vous ?", coerce=int)
    deja_forme = RadioField("Avez-vous déjà réalisé des formations ?", choices=OUI_NON, validators=[Optional()])
    motivation = TextAreaField(
        "Votre motivation pour devenir intervenant", filters=[_strip], validators=[Optional(), Length(max=4000)],
        description="Obligatoire si vous n'avez jamais réalisé de formation.",
    )
    alerte_specialites = BooleanField("Si la ou les spécialités de formation me concernent")
    alerte_regions = BooleanField("Si la ou les régions sont celles que j'ai sélectionnées")
    alerte_specialites_et_regions = BooleanField(
        "Si la ou les spécialités de formation ET si la ou les régions me concernent"
    )
    alerte_annonces_pour_vous = BooleanField(
        "Recevoir chaque semaine par e-mail les annonces ouvertes qui me correspondent le mieux (« Annonces pour vous »)"
    )
    cv = FileField("Joindre votre CV", description="Formats PDF, DOC, TXT, RTF, HTML, ODT ou DOCX, 2 Mo au maximum.")
    supprimer_cv = BooleanField("Supprimer mon CV actuel")
    reseaux_sociaux = RadioField(
        "Participez-vous à des réseaux sociaux professionnels ?", choices=OUI_NON, validators=[Optional()]
    )

    enregistrer = SubmitField("Enregistrer")
    transmettre = SubmitField("Enregistrer et transmettre ma demande d'inscription")

    #: The page's fieldsets (templates/profil/parcours.html), the « Ajouter … »
    #: tables between them.
    GROUPES = groupes(
        Groupe("souhaits", "Informations complémentaires sur vos souhaits d'intervention",
               ("natures", "publics", "prestations", "autre_prestation", "methodes"), ancre=False),
        Groupe("formateur", "Expériences en qualité de formateur", ("deja_forme", "motivation"),
               requis=frozenset({"deja_forme"}), ancre=False),
        Groupe("alertes", "Alertes e-mail",
               ("alerte_specialites", "alerte_regions", "alerte_specialites_et_regions"), ancre=False),
        Groupe("annonces-pour-vous", "Alertes e-mail", ("alerte_annonces_pour_vous",), ancre=False),
        Groupe("piece-jointe", "Déposer une pièce jointe", ("cv",), ancre=False),
        Groupe("cv-actuel", "Déposer une pièce jointe", ("supprimer_cv",), ancre=False),
        Groupe("divers", "Divers", ("reseaux_sociaux",), ancre=False),
    )
    A_PART = ()


# --- « Ajouter … » sub-pages -------------------------------------------------


class SpecialiteForm(FlaskForm):
    sous_specialite_id = SelectField("Sous-spécialité", coerce=optional_int, validators=[DataRequired(REQUIS)])
    expertise = _texte("Expertise en", 255)
    observations = TextAreaField(
        "Observations et motivations", filters=[_strip], validators=[Optional(), Length(max=4000)]
    )


class ExperienceFormateurForm(FlaskForm):
    contexte = _texte("Contexte", 255)
    libelle = StringField("Libellé", filters=[_strip], validators=[DataRequired(REQUIS), Length(max=255)])
    public = _texte("Public", 255)
    annees = _texte("Années", 50)
    duree = _texte("Durée", 50)
    organismes = _texte("Organismes", 255)


class ActionProfessionnalisationForm(FlaskForm):
    libelle = StringField("Libellé de l'action", filters=[_strip], validators=[DataRequired(REQUIS), Length(max=255)])
    organisme = _texte("Organisme", 255)
    duree = _texte("Durée", 50)
    annee = StringField(
        "Année", filters=[_strip], validators=[Optional(), Regexp(_ANNEE_RE, message="Année sur 4 chiffres.")]
    )


class ExperienceProfessionnelleForm(FlaskForm):
    employeur = StringField("Employeur", filters=[_strip], validators=[DataRequired(REQUIS), Length(max=255)])
    fonction = StringField("Fonction", filters=[_strip], validators=[DataRequired(REQUIS), Length(max=255)])
    periode = _texte("Période", 50)
    missions = TextAreaField("Missions", filters=[_strip], validators=[Optional(), Length(max=4000)])
    responsabilites = TextAreaField(
        "Responsabilités / Observations", filters=[_strip], validators=[Optional(), Length(max=4000)]
    )


class FormationSuivieForm(FlaskForm):
    nature = _texte("Nature de la formation (formation continue, initiale, préparation à un concours)", 255)
    libelle = StringField(
        "Libellé de la formation", filters=[_strip], validators=[DataRequired(REQUIS), Length(max=255)]
    )
    organisme = _texte("Organisme et ou institutions", 255)
    duree = _texte("Durées", 50)
    annees = _texte("Années", 50)


class FormationInitialeForm(FlaskForm):
    niveau_diplome_id = SelectField("Niveau scolaire", coerce=optional_int, validators=[DataRequired(REQUIS)])
    annee = StringField(
        "Année", filters=[_strip], validators=[Optional(), Regexp(_ANNEE_RE, message="Année sur 4 chiffres.")]
    )
    organisme = _texte("Organisme", 255)
    titre = StringField(
        "Titre du diplôme ou de la qualification", filters=[_strip], validators=[DataRequired(REQUIS), Length(max=255)]
    )
    fichier = FileField("Diplôme (fichier)")


class LangueForm(FlaskForm):
    langue_id = SelectField("Libellé de la langue", coerce=optional_int, validators=[DataRequired(REQUIS)])
    niveau_conversation_id = SelectField("Conversation", coerce=optional_int)
    niveau_animation_id = SelectField("Animation", coerce=optional_int)
    niveau_redaction_id = SelectField("Rédaction", coerce=optional_int)


class ConfirmationForm(FlaskForm):
    """Empty form: CSRF for the delete confirmation."""
