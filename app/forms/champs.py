"""Select fields rendered by ``SelectRapide``: same behaviour and validation
as WTForms', a cheaper HTML output (issue #6)."""

from __future__ import annotations

from markupsafe import Markup, escape
from wtforms import SelectField as _SelectField
from wtforms import SelectMultipleField as _SelectMultipleField
from wtforms.validators import ValidationError
from wtforms.widgets import html_params

from app.referentiels.options import options


class SelectRapide:
    """``<select>`` (single or multiple) written in one pass over the choices:
    WTForms' own widget builds each ``<option>`` with ``html_params``, which
    cost about 15 ms for the 300 options of a search form."""

    def __init__(self, multiple: bool = False):
        self.multiple = multiple

    def __call__(self, field, **kwargs):
        kwargs.setdefault("id", field.id)
        if self.multiple:
            kwargs["multiple"] = True
        if "required" not in kwargs and "required" in field.flags:
            kwargs["required"] = True
        donnees = (field.data or ()) if self.multiple else (field.data,)
        choisis = {str(v) for v in donnees if v is not None}
        morceaux = [f"<select {html_params(name=field.name, **kwargs)}>"]
        for choix in field.choices:
            valeur, libelle = str(choix[0]), choix[1]
            selected = " selected" if valeur in choisis else ""
            morceaux.append(f'<option{selected} value="{escape(valeur)}">{escape(libelle)}</option>')
        morceaux.append("</select>")
        return Markup("".join(morceaux))  # noqa: S704 - name and attributes by html_params, values and labels escaped


def _valeur(choix):
    if isinstance(choix, tuple | list):
        return choix[0]
    return getattr(choix, "value", choix)


class SelectField(_SelectField):
    widget = SelectRapide()

    def pre_validate(self, form):
        """WTForms 3.3 builds a ``Choice`` and coerces every option to check
        one value (2 ms for a search form's seven lists); this stops at the
        first option equal to the data, with the same outcome and message."""
        if self.process_errors or not self.validate_choice or self.choices is None or isinstance(self.choices, dict):
            return super().pre_validate(form)
        for choix in self.choices:
            if self.coerce(_valeur(choix)) == self.data:
                return
        raise ValidationError(self.invalid_choice_message or self.gettext("Not a valid choice."))


class SelectMultipleField(_SelectMultipleField):
    widget = SelectRapide(multiple=True)


class SelectReferentiel(SelectField):
    """A referential's cached option list (app.referentiels.options), read at each
    rendering: for the search forms Flask-AppBuilder builds once per view,
    whose relation fields would otherwise load every related row per request."""

    def __init__(self, label=None, validators=None, model=None, libelle="libelle", **kwargs):
        super().__init__(label, validators, choices=[], **kwargs)
        self._model, self._libelle = model, libelle

    @property
    def choices(self):
        return [(str(i), libelle) for i, libelle in options(self._model, self._libelle)]

    @choices.setter
    def choices(self, value):  # set by SelectField.__init__; the list comes from the cache
        pass
