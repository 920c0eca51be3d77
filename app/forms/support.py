"""Forms of the support desk « Aide et contact » (manual §6): every field
required, French messages next to the fields, the descriptif limited to
2,000 characters on the server as in the browser's counter."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, ValidationError
from wtforms.widgets import EmailInput

from app.forms.comptes import REQUIS, CaptchaMixin, _email_field, _nom_field, _strip
from app.forms.declaration import champs_de_saisie
from app.infra.uploads import PIECE_JOINTE_SUPPORT, format_taille
from app.models.support import ADMINISTRATEUR_NATIONAL, DESCRIPTIF_MAX

#: The « Administrateur national » choice of the structure field.
NATIONAL = "national"
#: The structure field's label when the type goes to the Administrateur national (manual §10).
LIBELLE_DESTINATAIRE = "Destinataire de la demande"
#: The manual's help under « Pièce jointe » (§6.2.2).
CONSIGNES_PIECE = (
    "Cliquer sur « parcourir » pour lier une pièce jointe. Celle-ci ne devra pas excéder "
    f"{format_taille(PIECE_JOINTE_SUPPORT.max_bytes)} et devra être au format : "
    f"{', '.join(e.upper() for e in PIECE_JOINTE_SUPPORT.extensions)}."
)
TROP_LONG = f"Le descriptif de la demande ne doit pas dépasser {DESCRIPTIF_MAX} caractères."


def _courriel(label: str):
    """The accounts' e-mail field, typed « email » (the browser's keyboard and checks)."""
    champ = _email_field(label)
    champ.kwargs["widget"] = EmailInput()
    return champ


def _entier_ou_national(valeur):
    if valeur in (None, ""):
        return None
    if valeur == NATIONAL:
        return NATIONAL
    try:
        return int(valeur)
    except (TypeError, ValueError):
        return -1


class DemandeSupportForm(FlaskForm):
    type_demande = SelectField("Type de demande", coerce=_entier_ou_national,
                               validators=[DataRequired("Choisissez le type de demande.")],
                               validate_choice=False)
    structure = SelectField("Structure gestionnaire en charge de la demande", coerce=_entier_ou_national,
                            validators=[DataRequired("Choisissez la structure gestionnaire en charge de la demande.")],
                            validate_choice=False,
                            description="Les demandes « Réactivation de mon compte archivé » et de récupération de "
                            "données personnelles sont adressées à l'Administrateur national.")
    nom = _nom_field("Nom", DataRequired(REQUIS))
    prenom = _nom_field("Prénom", DataRequired(REQUIS))
    email = _courriel("Votre e-mail")
    sujet = StringField("Sujet", filters=[_strip],
                        validators=[DataRequired(REQUIS), Length(max=150, message="150 caractères au maximum.")])
    descriptif = TextAreaField("Descriptif de la demande",
                               validators=[DataRequired(REQUIS), Length(max=DESCRIPTIF_MAX, message=TROP_LONG)],
                               render_kw={"rows": 8, "data-compteur": "compteur-descriptif"})
    submit = SubmitField("Valider")

    def remplir(self, types, structures) -> None:
        """Choices of the referential (active values) and of the structures."""
        self.type_demande.choices = [("", "Choisissez un type de demande")] + [(str(i), lib) for i, lib in types]
        self.structure.choices = ([("", "Choisissez une structure"), (NATIONAL, ADMINISTRATEUR_NATIONAL)]
                                  + [(str(i), nom) for i, nom in structures])
        ids_types = {i for i, _ in types}
        ids_structures = {i for i, _ in structures}
        self._valides = (ids_types, ids_structures)

    def validate_type_demande(self, field) -> None:
        if field.data not in self._valides[0]:
            raise_choix()

    def validate_structure(self, field) -> None:
        if field.data != NATIONAL and field.data not in self._valides[1]:
            raise_choix()


#: The fields of « Aide et contact », in order (templates/support/formulaire.html).
DemandeSupportForm.CHAMPS = champs_de_saisie(DemandeSupportForm)


def raise_choix():
    raise ValidationError("Choix invalide.")


class DemandeSupportAnonymeForm(CaptchaMixin, DemandeSupportForm):
    """The anonymous requester also copies the captcha."""


class MessageSupportForm(FlaskForm):
    """A message of the thread (handler's answer or requester's reply), with
    an optional attachment checked by ``app.operations.support.joindre``."""

    CHAMPS = ("texte", "piece_jointe")

    texte = TextAreaField("Votre réponse", validators=[
        DataRequired("Saisissez votre réponse."), Length(max=DESCRIPTIF_MAX, message=(
            f"La réponse ne doit pas dépasser {DESCRIPTIF_MAX} caractères."))],
        render_kw={"rows": 6, "data-compteur": "compteur-texte"})
    piece_jointe = FileField("Pièce jointe", description=CONSIGNES_PIECE, render_kw={
        "accept": ",".join(f".{e}" for e in PIECE_JOINTE_SUPPORT.extensions)})
