"""Select fields rendered by ``SelectRapide``: same behaviour and validation
as WTForms', a cheaper HTML output (issue #6)."""

from __future__ import annotations

from markupsafe import Markup, escape
from wtforms import SelectField as _SelectField
from wtforms import SelectMultipleField as _SelectMultipleField
from wtforms.validators import ValidationError
from wtforms.widgets import html_params

from app.infra import caches


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
        valeurs, options_html = _options_html(field.choices)
        morceaux = list(options_html)
        for i, valeur in enumerate(valeurs):
            if valeur in choisis:
                morceaux[i] = morceaux[i].replace("<option", "<option selected", 1)
        # WTForms' own html_params: 27 µs a call against 5 µs for the copy this
        # module had (timeit, CPU time), 9 calls on a CV-thèque search whose CPU
        # time stayed within the noise (5.66 ms against 5.61 ms with the copy).
        debut = f"<select {html_params(name=field.name, **kwargs)}>"
        return Markup(debut + "".join(morceaux) + "</select>")  # noqa: S704 - name and attributes by html_params, values and labels escaped


#: Rendered ``<option>`` lists by choices: the same referential lists are
#: rendered on every search page (about 400 options, 800 escapes, 0.7 ms).
_OPTIONS_MAX = 256
_options_cache: dict[tuple, tuple[tuple[str, ...], tuple[str, ...]]] = {}


def _options_html(choices) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The values (as strings) and the unselected ``<option>`` elements of
    ``choices``, kept while the same choices come back (a changed referential
    gives other choices, so another key)."""
    try:
        cle = tuple(choices)
        hit = _options_cache.get(cle)
    except TypeError:  # unhashable choices: rendered each time
        cle, hit = None, None
    if hit is not None:
        return hit
    valeurs = tuple(str(choix[0]) for choix in choices)
    rendu = tuple(
        f'<option value="{escape(valeur)}">{escape(choix[1])}</option>' for valeur, choix in zip(valeurs, choices, strict=True)
    )
    if cle is not None:
        if len(_options_cache) >= _OPTIONS_MAX:
            _options_cache.clear()
        _options_cache[cle] = (valeurs, rendu)
    return valeurs, rendu


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


caches.declarer("formulaires.options_html", cle="les choix du champ", duree=f"le processus ({_OPTIONS_MAX} clés au plus)",
                vide_par="rien : la clé porte les choix", vider=_options_cache.clear)
