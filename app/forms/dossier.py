"""Forms of the dossier administratif (manual §3.3.4.2, issue 20).

Formats only (dates, lengths); the domain rules (NIR, IBAN, BIC, SIRET,
phones, validity, required pieces) are ``app.models.regles_dossier``'s,
applied by ``app.views.dossier`` so that each message lands next to its field.
"""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, DateField, StringField, SubmitField, TextAreaField
from wtforms.validators import Length, Optional

from app.forms.champs import SelectField
from app.forms.profil import optional_int
from app.models.dossier import Bloc

DATE_INVALIDE = "Date non valide (format attendu : jj/mm/aaaa)."
FORMATS_DATE = ["%Y-%m-%d", "%d/%m/%Y"]


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _texte(libelle: str, longueur: int = 150) -> StringField:
    return StringField(libelle, filters=[_strip],
                       validators=[Optional(), Length(max=longueur, message=f"{longueur} caractères au maximum.")])


class _Date(DateField):
    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError as exc:
            raise ValueError(DATE_INVALIDE) from exc


def _date(libelle: str) -> _Date:
    return _Date(libelle, format=FORMATS_DATE, validators=[Optional()])


class DossierForm(FlaskForm):
    """The trainer's page « Données et pièces du dossier administratif »."""

    # b- Adresse personnelle (the profile's columns)
    pays_residence_id = SelectField("Pays", coerce=optional_int)
    adresse_batiment = _texte("Entrée - bâtiment - immeuble", 100)
    adresse_complement = _texte("N° appartement ou boîte aux lettres - étage-couloir-escalier", 100)
    adresse_voie = _texte("Numéro et libellé de la voie")
    code_postal = _texte("Code postal", 20)
    localite = _texte("Localité - ville", 100)
    # c- Téléphones
    telephone_personnel = _texte("Numéro de téléphone", 20)
    portable_personnel = _texte("Numéro de téléphone portable", 20)
    telephone_professionnel = _texte("Numéro de téléphone professionnel", 20)
    portable_professionnel = _texte("Numéro de téléphone portable professionnel", 20)
    # d- Identité
    type_piece_identite_id = SelectField("Type de document d'identité", coerce=optional_int)
    identite_recto = FileField("Document d'identité en recto")
    identite_verso = FileField("Document d'identité en verso")
    nationalite_id = SelectField("Nationalité", coerce=optional_int)
    validite_debut = _date("Période de validité (début)")
    validite_fin = _date("Période de validité (fin)")
    lieu_naissance = _texte("Lieu de naissance (ville)", 100)
    pays_naissance_id = SelectField("Pays de naissance", coerce=optional_int)
    # e- Sécurité sociale
    carte_vitale = FileField("Attestation/carte vitale")
    nir = _texte("NIR", 21)
    # f- Statut
    statut_professionnel_id = SelectField("Statut professionnel", coerce=optional_int)
    CONTRAT_OU_ATTESTATION_EMPLOYEUR = FileField("Contrat de travail ou attestation de l'employeur")
    type_contrat_id = SelectField("Type de contrat", coerce=optional_int)
    contrat_debut = _date("Période du contrat (début)")
    contrat_fin = _date("Période du contrat (fin)")
    TITRE_PENSION = FileField("Titre, bulletin, brevet de pension ou arrêté de mise à la retraite")
    ATTESTATION_HONNEUR = FileField("Attestation sur l'honneur")
    date_attestation = _date("Date de l'attestation")
    ARRETE_SITUATION = FileField("Dernier arrêté de situation (secteur public)")
    # g- Employeur (type from the statut): a public one found in the referential
    # (the profile's look-up, app.referentiels.lookups), else typed by hand
    recherche_employeur = _texte("Rechercher un employeur public (raison sociale ou SIRET)", 255)
    rechercher = SubmitField("Rechercher")
    employeur_raison_sociale = _texte("Raison sociale de l'employeur", 255)
    employeur_siret = _texte("N° SIRET de l'employeur principal", 20)
    # h- Informations bancaires
    iban = _texte("IBAN", 42)
    bic = _texte("BIC", 15)
    rib = FileField("RIB ou attestation bancaire")
    zone_sepa = BooleanField("Zone SEPA", render_kw={"disabled": True})
    # Diplôme
    diplome_intitule = _texte("Intitulé du diplôme", 255)
    diplome = FileField("Diplôme")


#: Each block's fields (the form's names), in the manual's order.
CHAMPS_BLOC = {
    Bloc.adresse: ("pays_residence_id", "adresse_batiment", "adresse_complement", "adresse_voie",
                   "code_postal", "localite"),
    Bloc.telephones: ("telephone_personnel", "portable_personnel", "telephone_professionnel",
                      "portable_professionnel"),
    Bloc.identite: ("type_piece_identite_id", "identite_recto", "identite_verso", "nationalite_id",
                    "validite_debut", "validite_fin", "lieu_naissance", "pays_naissance_id"),
    Bloc.securite_sociale: ("carte_vitale", "nir"),
    Bloc.statut: ("statut_professionnel_id", "CONTRAT_OU_ATTESTATION_EMPLOYEUR", "type_contrat_id",
                  "contrat_debut", "contrat_fin", "TITRE_PENSION", "ATTESTATION_HONNEUR", "date_attestation",
                  "ARRETE_SITUATION"),
    Bloc.employeur: ("employeur_raison_sociale", "employeur_siret"),
    Bloc.bancaire: ("iban", "bic", "rib", "zone_sepa"),
    Bloc.diplome: ("diplome_intitule", "diplome"),
}
#: Fields of the statut block shown only when the statut asks for this piece.
SELON_PIECE = {
    "CONTRAT_OU_ATTESTATION_EMPLOYEUR": "CONTRAT_OU_ATTESTATION_EMPLOYEUR",
    "type_contrat_id": "CONTRAT_OU_ATTESTATION_EMPLOYEUR",
    "contrat_debut": "CONTRAT_OU_ATTESTATION_EMPLOYEUR",
    "contrat_fin": "CONTRAT_OU_ATTESTATION_EMPLOYEUR",
    "TITRE_PENSION": "TITRE_PENSION",
    "ATTESTATION_HONNEUR": "ATTESTATION_HONNEUR",
    "date_attestation": "ATTESTATION_HONNEUR",
    "ARRETE_SITUATION": "ARRETE_SITUATION",
}


def champs_affiches(pieces_du_statut) -> dict[Bloc, tuple[str, ...]]:
    """Each block's fields shown to the trainer (templates/dossier/mon_dossier.html):
    ``CHAMPS_BLOC`` without the statut's pieces (and their dates) it does not ask for."""
    return {bloc: tuple(nom for nom in noms if nom not in SELON_PIECE or SELON_PIECE[nom] in pieces_du_statut)
            for bloc, noms in CHAMPS_BLOC.items()}


#: Fields kept on the profile (``Intervenant``), the others on the dossier.
CHAMPS_PROFIL = frozenset({
    "pays_residence_id", "adresse_batiment", "adresse_complement", "adresse_voie", "code_postal", "localite",
    "telephone_personnel", "portable_personnel", "telephone_professionnel", "portable_professionnel",
    "nationalite_id", "lieu_naissance", "statut_professionnel_id", "employeur_raison_sociale", "employeur_siret",
})
#: File fields → the piece they store.
FICHIERS = ("identite_recto", "identite_verso", "carte_vitale", "CONTRAT_OU_ATTESTATION_EMPLOYEUR",
            "TITRE_PENSION", "ATTESTATION_HONNEUR", "ARRETE_SITUATION", "rib", "diplome")


class DemandeForm(FlaskForm):
    """The gestionnaire ticks the blocks to request."""


class DecisionBlocForm(FlaskForm):
    motif = TextAreaField("Motif du refus", filters=[_strip],
                          validators=[Optional(), Length(max=1000, message="1000 caractères au maximum.")])
