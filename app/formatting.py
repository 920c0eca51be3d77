"""French display of dates and numbers in templates (dd/mm/yyyy)."""

from __future__ import annotations

from datetime import date, datetime


def format_date(value, fmt: str | None = None) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, datetime):
        return value.strftime(fmt or "%d/%m/%Y %H:%M")
    if isinstance(value, date):
        return value.strftime(fmt or "%d/%m/%Y")
    return str(value)


def init_app(app) -> None:
    app.jinja_env.filters["date_fr"] = format_date
    app.jinja_env.filters["datetime_fr"] = lambda v: format_date(v, "%d/%m/%Y %H:%M")
