"""The intervenant's answer to a lettre de demande (issue 37, point 6): the
form checks presence; ``app.operations.lettres`` checks the rest (identity,
the PDF read is the one sent) and its messages go next to these fields."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, PasswordField, TextAreaField
from wtforms.validators import DataRequired, Length

#: The commitment the intervenant ticks (kept with the acceptance).
ENGAGEMENT = ("J'ai lu la lettre de demande ci-dessus et j'en accepte les termes : le contenu, la durée, la "
              "période et les modalités de paiement de l'intervention. Cette acceptation en ligne m'engage.")
MESSAGE_MOTIF = "Indiquez le motif de votre refus."
MOTIF_MAX = 2000


class AcceptationLettreForm(FlaskForm):
    #: Checked by the operation, with the identity: both messages at once.
    engagement = BooleanField(ENGAGEMENT)
    #: The password, or the second factor's code (the label says which).
    secret = PasswordField("Mot de passe", render_kw={"autocomplete": "current-password"})
    #: The SHA-256 of the PDF the page showed: what the intervenant read.
    sha256 = HiddenField()


class RefusLettreForm(FlaskForm):
    motif = TextAreaField("Motif du refus", validators=[
        DataRequired(MESSAGE_MOTIF), Length(max=MOTIF_MAX, message=f"{MOTIF_MAX} caractères au plus.")])
