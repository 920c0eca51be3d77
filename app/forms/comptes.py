"""Account forms: registration, login, passwords, e-mail change, back office.

Every rule gives its French message next to its field; WTForms keeps the
submitted values (password fields are never re-rendered).
"""

from __future__ import annotations

import re
from datetime import date

from flask import current_app
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, HiddenField, PasswordField, RadioField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional, ValidationError

from app.models.comptes import LIBELLES_CIVILITE

CIVILITES = list(LIBELLES_CIVILITE.items())
REQUIS = "Ce champ est obligatoire."
AGE_MINIMUM = 18
AGE_MAXIMUM = 100
MOT_DE_PASSE_REGLE = (
    "Le mot de passe doit être composé de 8 à 24 caractères dont au moins une lettre minuscule, "
    "une lettre majuscule, un chiffre et un caractère spécial."
)
# Letters (accents included), spaces, apostrophes and hyphens: no markup.
_NOM_RE = re.compile(r"^[^\W\d_]+(?:[ '’\-][^\W\d_]+)*$")


def _strip(value):
    return " ".join(value.split()) if isinstance(value, str) else value


def _lower_strip(value):
    return value.strip().lower() if isinstance(value, str) else value


def politique_mot_de_passe(form, field) -> None:
    value = field.data or ""
    if not (
        8 <= len(value) <= 24
        and re.search(r"[a-z]", value)
        and re.search(r"[A-Z]", value)
        and re.search(r"\d", value)
        and re.search(r"[^A-Za-z0-9]", value)
    ):
        raise ValidationError(MOT_DE_PASSE_REGLE)


EMAIL_INVALIDE = "L'adresse e-mail n'est pas valide (exemple : prenom.nom@domaine.fr)."


def adresse_email(form, field) -> None:
    """Checked by email-validator (WTForms' ``Email``), no DNS look-up. ASCII
    only: the outbox speaks SMTP without SMTPUTF8, and email-validator
    accepts an internationalized domain (« café.fr ») that it would not
    deliver to. The tests' reserved ``.test`` domain is accepted when testing."""
    value = field.data or ""
    if not value.isascii():
        raise ValidationError(EMAIL_INVALIDE)
    Email(EMAIL_INVALIDE, check_deliverability=False, allow_smtputf8=False,
          test_environment=current_app.testing)(form, field)


def nom_valide(form, field) -> None:
    if field.data and not _NOM_RE.match(field.data):
        raise ValidationError("Seuls les lettres, espaces, apostrophes et tirets sont acceptés.")


def date_naissance_plausible(form, field) -> None:
    value = field.data
    if value is None:
        return
    today = date.today()
    if value > today:
        raise ValidationError("La date de naissance ne peut pas être dans le futur.")
    age = today.year - value.year - ((today.month, today.day) < (value.month, value.day))
    if age < AGE_MINIMUM:
        raise ValidationError("Vous devez être majeur(e) pour vous inscrire.")
    if age > AGE_MAXIMUM:
        raise ValidationError("La date de naissance n'est pas plausible.")


def _email_field(label: str) -> StringField:
    return StringField(label, filters=[_lower_strip], validators=[DataRequired(REQUIS), Length(max=254), adresse_email])


def _nom_field(label: str, *validators) -> StringField:
    return StringField(
        label,
        filters=[_strip],
        validators=[*validators, Length(max=100, message="100 caractères au maximum."), nom_valide],
    )


class CaptchaMixin:
    captcha_id = HiddenField()
    captcha = StringField(
        "Recopier le texte de l'image",
        filters=[_strip],
        validators=[DataRequired("Recopiez le texte de l'image."), Length(max=20)],
    )
    autre_image = SubmitField("Générer une autre image")


class IdentiteMixin:
    civilite = RadioField("Civilité", choices=CIVILITES, validators=[DataRequired("Choisissez une civilité.")])
    nom_naissance = _nom_field("Nom de famille (naissance)", DataRequired(REQUIS))
    nom_usage = _nom_field("Nom d'usage", Optional())
    identique_nom = BooleanField("Identique au nom de famille")
    prenom = _nom_field("Prénom", DataRequired(REQUIS))
    date_naissance = DateField(
        "Date de Naissance",
        validators=[DataRequired("Saisissez une date valide (jj/mm/aaaa)."), date_naissance_plausible],
        format=["%Y-%m-%d", "%d/%m/%Y"],
    )

    def validate_nom_usage(self, field) -> None:
        if not self.identique_nom.data and not field.data:
            raise ValidationError("Saisissez le nom d'usage ou cochez « Identique au nom de famille ».")


class InscriptionForm(CaptchaMixin, IdentiteMixin, FlaskForm):
    email = _email_field("Adresse e-mail de contact (identifiant de connexion)")
    email_confirmation = StringField(
        "Confirmer l'adresse e-mail de contact (identifiant de connexion)",
        filters=[_lower_strip],
        validators=[DataRequired(REQUIS), EqualTo("email", "Les deux adresses e-mail ne sont pas identiques.")],
    )
    password = PasswordField("Saisir un mot de passe", validators=[DataRequired(REQUIS), politique_mot_de_passe])
    password_confirmation = PasswordField(
        "Confirmer le mot de passe",
        validators=[DataRequired(REQUIS), EqualTo("password", "Les deux mots de passe ne sont pas identiques.")],
    )
    submit = SubmitField("Valider")


class ConnexionForm(FlaskForm):
    username = StringField("Identifiant", filters=[_lower_strip], validators=[DataRequired(REQUIS), Length(max=254)])
    password = PasswordField("Mot de passe", validators=[DataRequired(REQUIS), Length(max=128)])
    # Shown only once the identifier has failed AUTH_SEUIL_CAPTCHA times
    # (app.security.auth.authentifier): then checked before the password.
    captcha_id = HiddenField()
    captcha = StringField("Recopier le texte de l'image", filters=[_strip], validators=[Optional(), Length(max=20)])
    autre_image = SubmitField("Générer une autre image")
    submit = SubmitField("Valider")


class MotDePasseOublieForm(CaptchaMixin, FlaskForm):
    email = _email_field("Adresse e-mail (identifiant de connexion)")
    submit = SubmitField("Valider")


class NouveauMotDePasseForm(FlaskForm):
    password = PasswordField("Nouveau mot de passe", validators=[DataRequired(REQUIS), politique_mot_de_passe])
    password_confirmation = PasswordField(
        "Confirmation du mot de passe",
        validators=[DataRequired(REQUIS), EqualTo("password", "Les deux mots de passe ne sont pas identiques.")],
    )
    submit = SubmitField("Enregistrer")


class ChangerMotDePasseForm(NouveauMotDePasseForm):
    mot_de_passe_actuel = PasswordField("Mot de passe actuel", validators=[DataRequired(REQUIS), Length(max=128)])


class ChangerEmailForm(FlaskForm):
    email = _email_field("Adresse électronique de contact (identifiant de connexion)")
    email_confirmation = StringField(
        "Confirmer l'adresse électronique",
        filters=[_lower_strip],
        validators=[DataRequired(REQUIS), EqualTo("email", "Les deux adresses e-mail ne sont pas identiques.")],
    )
    mot_de_passe_actuel = PasswordField("Mot de passe actuel", validators=[DataRequired(REQUIS), Length(max=128)])
    submit = SubmitField("Valider")


class DeconnexionPartoutForm(FlaskForm):
    """« Se déconnecter de tous mes appareils » (a POST with its CSRF token)."""

    submit = SubmitField("Se déconnecter de tous mes appareils")


class IdentifiantsForm(FlaskForm):
    """"Vos identifiants de connexion": personalise provisional credentials."""

    email = _email_field("Adresse électronique de contact (identifiant de connexion)")
    password = PasswordField("Mot de passe", validators=[DataRequired(REQUIS), politique_mot_de_passe])
    password_confirmation = PasswordField(
        "Confirmation du mot de passe",
        validators=[DataRequired(REQUIS), EqualTo("password", "Les deux mots de passe ne sont pas identiques.")],
    )
    submit = SubmitField("Enregistrer")


class CompteBackofficeForm(IdentiteMixin, FlaskForm):
    """A gestionnaire creates the account of a recruited intervenant."""

    email = _email_field("Adresse e-mail de contact (identifiant de connexion)")
    submit = SubmitField("Créer le compte")


class IdentifiantsProvisoiresForm(FlaskForm):
    """A national admin sends provisional credentials (lost identifier AND password)."""

    email = _email_field("Adresse e-mail où envoyer les identifiants provisoires")
    confirmation = BooleanField(
        "Je confirme le remplacement des identifiants de ce compte",
        validators=[DataRequired("Cochez la case pour confirmer le remplacement des identifiants.")],
    )
    submit = SubmitField("Générer et envoyer les identifiants provisoires")


# -- second factor (issue 28) ---------------------------------------------------
class CodeVerificationForm(FlaskForm):
    """Second step of the sign-in: a 6-digit code, or a recovery code (its
    own field: letters, where the code field brings a numeric keyboard)."""

    code = StringField("Code de vérification", validators=[Length(max=20)])
    code_secours = StringField("Code de secours", validators=[Optional(), Length(max=20)])
    submit = SubmitField("Valider")

    def validate_code(self, field) -> None:
        if not (field.data or "").strip() and not (self.code_secours.data or "").strip():
            raise ValidationError("Veuillez saisir le code affiché par votre application d'authentification.")

    @property
    def saisie(self) -> str:
        return (self.code_secours.data or "").strip() or (self.code.data or "").strip()


class ConfirmationSecondFacteurForm(FlaskForm):
    """Enrolment: the first code of the new authenticator confirms it."""

    code = StringField(
        "Code à 6 chiffres affiché par l'application",
        validators=[DataRequired("Veuillez saisir le code à 6 chiffres affiché par votre application."), Length(max=20)],
    )
    submit = SubmitField("Activer la double authentification")


class DesactivationSecondFacteurForm(FlaskForm):
    """An intervenant turning their optional second factor off (password asked)."""

    mot_de_passe_actuel = PasswordField("Mot de passe actuel", validators=[DataRequired(REQUIS), Length(max=128)])
    submit = SubmitField("Désactiver la double authentification")


class NouveauxCodesSecoursForm(FlaskForm):
    """New recovery codes (the old ones stop working); password asked."""

    mot_de_passe_actuel = PasswordField("Mot de passe actuel", validators=[DataRequired(REQUIS), Length(max=128)])
    submit = SubmitField("Générer de nouveaux codes de secours")
