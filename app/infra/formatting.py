"""French display of dates, times, numbers, amounts and file sizes, by Babel
(locale fr_FR, Paris time), for templates (filters ``date_fr``,
``datetime_fr``, ``nombre_fr``, ``montant_fr``, ``taille_fr``), e-mails,
exports and the lettre PDF.

Patterns are CLDR's (``dd/MM/yyyy HH:mm``, ``'à'`` for literal text), never
strftime's. Numbers are Babel's text as is: U+202F (narrow no-break space)
between thousands, U+00A0 before « € »; a unit we append (« 2 Mo »,
« 2,5 jours ») follows a plain space, like the prose that announces the
same limits. Stored instants are naive UTC, shown in Paris time (the
console's exports too, ISO-like); the API's values stay ISO and never come
here.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

from babel import Locale
from babel import dates as babel_dates
from babel import numbers as babel_numbers

from app.infra import caches

PARIS = ZoneInfo("Europe/Paris")
#: Parsed once: ``Locale.parse`` of an identifier reads the CLDR data.
FR = Locale.parse("fr_FR")

DATE = "dd/MM/yyyy"
DATE_HEURE = "dd/MM/yyyy HH:mm"

#: Number patterns parsed once (``babel.numbers.parse_pattern`` has no cache):
#: as many decimals as the value has, or a fixed number of them.
_NOMBRE = babel_numbers.parse_pattern("#,##0.###")
_DECIMALES: dict[int, babel_numbers.NumberPattern] = {}
_TAILLE = babel_numbers.parse_pattern("#,##0.#")


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


def _motif(motif: str) -> str:
    """A CLDR pattern; a strftime one (``%d/%m/%Y``) would print its ``%``
    and letters as is: refused loudly."""
    if "%" in motif:
        raise ValueError(f"Motif strftime {motif!r} : un motif CLDR est attendu (ex. « dd/MM/yyyy »).")
    return motif


#: Texts already written, by (kind, value, pattern): a list's cells repeat
#: their days and amounts, and Babel is slower than strftime (see
#: ``format_date``). The text depends on the value only (Paris' rules are
#: those of the process), so nothing empties it but its size.
_TEXTES_MAX = 4096
_textes: dict[tuple, str] = {}


def _retenir(cle: tuple, texte: str) -> str:
    if len(_textes) >= _TEXTES_MAX:
        _textes.clear()
    _textes[cle] = texte
    return texte


def format_heure(value: datetime | None, motif: str = DATE_HEURE) -> str:
    """« 03/12/2026 10:45 », Paris time (what every screen shows) of a stored
    naive UTC instant; a day alone has no time to convert."""
    if not isinstance(value, datetime):
        return format_date(value)
    return format_date(value, motif)


def format_date(value, motif: str | None = None) -> str:
    """« 03/12/2026 » for a date, « 03/12/2026 10:45 » (Paris time) for a
    stored instant, or ``motif``; nothing for an absent value.

    The declared lists call it once per date cell. timeit, CPU time of the
    process (Python 3.11, the shared 2-core machine, load average 5): a
    date 3.1 µs (strftime 1.6), an instant in Paris time 5.6 µs (strftime
    3.5), a value already written 0.13 µs."""
    if value is None or value == "":
        return ""
    cle = ("d", value, motif)
    try:
        return _textes[cle]
    except KeyError:
        pass
    # What babel.dates.format_datetime / format_date do (parse_pattern, cached
    # by Babel, then apply), without their argument checks: 4.8 µs an instant
    # instead of 5.9 for format_datetime (same measure).
    if isinstance(value, datetime):  # stored naive UTC: shown in Paris time
        paris = (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(PARIS)
        texte = babel_dates.parse_pattern(_motif(motif or DATE_HEURE)).apply(paris, FR)
    elif isinstance(value, date):
        texte = babel_dates.parse_pattern(_motif(motif or DATE)).apply(value, FR)
    else:
        return str(value)
    return _retenir(cle, texte)


def format_nombre(valeur, decimales: int | None = None, *, groupes: bool = True) -> str:
    """« 1 234,5 », « 2,5 », « 3 » (no useless decimals), or exactly
    ``decimales`` decimals (« 1 234,50 »); ``groupes=False`` for a value a
    form reads back (« 1234,50 »)."""
    if valeur is None or valeur == "":
        return ""
    cle = ("n", valeur, decimales, groupes)
    try:
        return _textes[cle]
    except KeyError:
        pass
    if decimales is None:
        texte = babel_numbers.format_decimal(valeur, format=_NOMBRE, locale=FR, decimal_quantization=False,
                                             group_separator=groupes)
    else:
        motif = _DECIMALES.get(decimales)
        if motif is None:
            motif = _DECIMALES[decimales] = babel_numbers.parse_pattern(
                "#,##0" + ("." + "0" * decimales if decimales else ""))
        texte = babel_numbers.format_decimal(valeur, format=motif, locale=FR, group_separator=groupes)
    return _retenir(cle, texte)


def format_montant(valeur) -> str:
    """« 21 603,75 € »: two decimals, the euro sign after a no-break space.
    Babel's format_currency costs 14 µs (same measure as ``format_date``; the
    former « f"{v:,.2f}" » 0.5 µs): kept by value (0.3 µs when written)."""
    if valeur is None or valeur == "":
        return ""
    cle = ("m", valeur)
    try:
        return _textes[cle]
    except KeyError:
        return _retenir(cle, babel_numbers.format_currency(Decimal(valeur), "EUR", locale=FR))


def format_duree(valeur, unite: str) -> str:
    """« 1 jour », « 2,5 jours »: French plural from 2 on."""
    if valeur is None or valeur == "":
        return ""
    return f"{format_nombre(valeur)} {unite}{'s' if Decimal(valeur) >= 2 else ''}"


_MEGA = 1024 * 1024


def format_taille(octets: int) -> str:
    """« 2 Mo », « 1,5 Mo », « 500 Ko »: sizes as the forms announce them
    (binary multiples, one decimal at most)."""
    if octets is None:
        return ""
    if octets >= _MEGA:
        valeur, unite = octets / _MEGA, "Mo"
    else:
        valeur, unite = octets / 1024, "Ko"
    return f"{babel_numbers.format_decimal(valeur, format=_TAILLE, locale=FR)} {unite}"


def _rien_pour_none(valeur):
    """An absent value prints as nothing, never as Python's « None » (FAB's
    show pages print a column's raw value: issue 25)."""
    return "" if valeur is None else valeur


def init_app(app) -> None:
    # Before any template is compiled: Jinja reads ``finalize`` at compile time.
    app.jinja_env.finalize = _rien_pour_none
    app.jinja_env.filters["date_fr"] = format_date
    app.jinja_env.filters["datetime_fr"] = format_heure
    app.jinja_env.filters["nombre_fr"] = format_nombre
    app.jinja_env.filters["montant_fr"] = format_montant
    app.jinja_env.filters["taille_fr"] = format_taille
    # The templates' ``_()`` stays Flask-Babel's own callable: a cached copy
    # saved nothing measurable (13 to 17 calls a list page; CPU time of
    # /gestion/annonces/list/ 9.2 ms with the copy, 9.0 ms without, median of
    # 8 alternated blocks of 25 requests).


caches.declarer("formats.textes", cle="genre, valeur et motif", duree=f"le processus ({_TEXTES_MAX} textes au plus)",
                vide_par="rien : le texte ne dépend que de la valeur", vider=_textes.clear)
