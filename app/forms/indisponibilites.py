"""The form of one indisponibilité (« Mes indisponibilités », Mon compte)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField, StringField
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from app.models.indisponibilites import MOTIF_MAX

FORMATS_DATE = ["%Y-%m-%d", "%d/%m/%Y"]
DATE_INVALIDE = "Date invalide : saisissez-la au format jj/mm/aaaa."
FIN_AVANT_DEBUT = "La date de fin doit être postérieure ou égale à la date de début."


class DateFrancaise(DateField):
    """A date typed as the browser sends it or as read in France; a French
    message otherwise (WTForms' own is English)."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError as exc:
            raise ValueError(DATE_INVALIDE) from exc


def _nettoyer(valeur):
    return valeur.strip() if isinstance(valeur, str) else valeur


class IndisponibiliteForm(FlaskForm):
    du = DateFrancaise("Date de début", format=FORMATS_DATE,
               validators=[InputRequired("Saisissez la date de début.")])
    au = DateFrancaise("Date de fin (incluse)", format=FORMATS_DATE,
               validators=[InputRequired("Saisissez la date de fin.")])
    motif = StringField("Motif (facultatif)", filters=[_nettoyer],
                        validators=[Optional(), Length(max=MOTIF_MAX, message=f"{MOTIF_MAX} caractères au maximum.")])

    def validate_au(self, field) -> None:
        if field.data and self.du.data and field.data < self.du.data:
            raise ValidationError(FIN_AVANT_DEBUT)
