"""Select fields rendered by ``SelectRapide`` (see app.views.options): same
behaviour and validation as WTForms', a cheaper HTML output."""

from __future__ import annotations

from wtforms import SelectField as _SelectField
from wtforms import SelectMultipleField as _SelectMultipleField

from app.views.options import SelectRapide, options


class SelectField(_SelectField):
    widget = SelectRapide()


class SelectMultipleField(_SelectMultipleField):
    widget = SelectRapide(multiple=True)


class SelectReferentiel(SelectField):
    """A referential's cached option list (app.views.options), read at each
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
