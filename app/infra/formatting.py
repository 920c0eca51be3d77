"""French display of dates and numbers in templates (dd/mm/yyyy), and the
templates' translation calls."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from babel.support import Translations
from flask_babel import get_translations

from app.infra import caches

PARIS = ZoneInfo("Europe/Paris")


def heure_de_paris(value: datetime | None) -> datetime | None:
    """A stored (naive UTC) instant as Paris wall-clock time, for display."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(PARIS).replace(tzinfo=None)


def paris_vers_utc(value: datetime) -> datetime:
    """A Paris wall-clock time (typed by a person) as the stored naive UTC
    instant, to compare with stored columns (issue 27: « le 3 décembre » is
    the Paris day, not the UTC one)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=PARIS)
    return value.astimezone(UTC).replace(tzinfo=None)


def debut_du_jour(jour: date) -> datetime:
    """Midnight of ``jour`` in Paris, as a stored (naive UTC) instant."""
    try:
        return paris_vers_utc(datetime.combine(jour, time.min))
    except OverflowError:  # 1 January of year 1: before any stored instant anyway
        return datetime.min


def format_heure(value: datetime | None, fmt: str = "%d/%m/%Y %H:%M") -> str:
    """« 03/12/2026 10:45 », Paris time (what every screen shows)."""
    return "" if value is None else heure_de_paris(value).strftime(fmt)


def format_date(value, fmt: str | None = None) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, datetime):  # stored naive UTC: shown in Paris time
        return heure_de_paris(value).strftime(fmt or "%d/%m/%Y %H:%M")
    if isinstance(value, date):
        return value.strftime(fmt or "%d/%m/%Y")
    return str(value)


#: Template messages → French text; filled only from the real catalogue
#: (outside a request Flask-Babel answers with an identity catalogue).
_traductions: dict[str, str] = {}


def _traduire(message: str) -> str:
    try:
        return _traductions[message]
    except KeyError:
        catalogue = get_translations()
        texte = catalogue.ugettext(message)
        if isinstance(catalogue, Translations):
            _traductions[message] = texte
        return texte


def _traduire_pluriel(singulier: str, pluriel: str, n: int) -> str:
    return get_translations().ungettext(singulier, pluriel, n)


def _rien_pour_none(valeur):
    """An absent value prints as nothing, never as Python's « None » (FAB's
    show pages print a column's raw value: issue 25)."""
    return "" if valeur is None else valeur


def init_app(app) -> None:
    # Before any template is compiled: Jinja reads ``finalize`` at compile time.
    app.jinja_env.finalize = _rien_pour_none
    app.jinja_env.filters["date_fr"] = format_date
    app.jinja_env.filters["datetime_fr"] = lambda v: format_date(v, "%d/%m/%Y %H:%M")
    # The portal speaks one language (LANGUAGES): a template's ``_()`` need not
    # resolve the locale and its catalogue at every call, as Flask-Babel's
    # callables do — FAB's list rows call it several times per row, about 2 ms
    # of a list page (issue #6).
    if len(app.config.get("LANGUAGES") or {}) == 1:
        app.jinja_env.install_gettext_callables(_traduire, _traduire_pluriel, newstyle=True)


caches.declarer("traductions", cle="message", duree="le processus", vide_par="rien (catalogue livré)",
                vider=_traductions.clear)
