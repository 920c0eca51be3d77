"""Forms of the support desk « Aide et contact » (manual §6): every field
required, French messages next to the fields, the descriptif limited to
2,000 characters on the server as in the browser's counter."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, ValidationError

from app.forms.comptes import REQUIS, CaptchaMixin, _email_field, _nom_field, _strip
from app.models.support import ADMINISTRATEUR_NATIONAL, DESCRIPTIF_MAX

#: The « Administrateur national » choice of the structure field.
NATIONAL = "national"
#: The structure field's label when the type goes to the Administrateur national (manual §10).
LIBELLE_DESTINATAIRE = "Destinataire de la demande"
TROP_LONG = f"Le descriptif de la demande ne doit pas dépasser {DESCRIPTIF_MAX} caractères."


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
                            validate_choice=False)
    nom = _nom_field("Nom", DataRequired(REQUIS))
    prenom = _nom_field("Prénom", DataRequired(REQUIS))
    email = _email_field("Votre e-mail")
    sujet = StringField("Sujet", filters=[_strip],
                        validators=[DataRequired(REQUIS), Length(max=150, message="150 caractères au maximum.")])
    descriptif = TextAreaField("Descriptif de la demande",
                               validators=[DataRequired(REQUIS), Length(max=DESCRIPTIF_MAX, message=TROP_LONG)])
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


def raise_choix():
    raise ValidationError("Choix invalide.")


class DemandeSupportAnonymeForm(CaptchaMixin, DemandeSupportForm):
    """The anonymous requester also copies the captcha."""


class MessageSupportForm(FlaskForm):
    """A message of the thread (handler's answer or requester's reply), with
    an optional attachment checked by ``app.operations.support.joindre``."""

    texte = TextAreaField("Votre réponse", validators=[
        DataRequired("Saisissez votre réponse."), Length(max=DESCRIPTIF_MAX, message=(
            f"La réponse ne doit pas dépasser {DESCRIPTIF_MAX} caractères."))])
    piece_jointe = FileField("Pièce jointe")
