"""Look-ups behind the forms' autocompletion (public data only)."""

from __future__ import annotations

import re

from sqlalchemy import case, select

from app.extensions import db
from app.models.referentiels import CodePostal, EmployeurPublic

POSTAL_CODE_RE = re.compile(r"\d{5}")

#: Shorter queries match too much to be useful and cost a table scan each keystroke.
MIN_QUERY_LENGTH = 3
MAX_RESULTS = 20
#: Shown next to the search field when nothing matches (manual entry then).
AUCUN_EMPLOYEUR = ("Aucun employeur public ne correspond (saisissez au moins 3 caractères de la raison sociale "
                   "ou du SIRET).")


def communes_for_postal_code(code: str | None) -> list[dict[str, str]]:
    """Communes served by a postal code, one entry per commune and libellé
    d'acheminement (La Poste's ligne 5 variants are merged). A malformed code
    gives an empty list: the form calls this while the user types."""
    code = (code or "").replace(" ", "")
    if not POSTAL_CODE_RE.fullmatch(code):
        return []
    rows = db.session.execute(
        select(CodePostal.code_insee, CodePostal.nom_commune, CodePostal.code_postal, CodePostal.libelle_acheminement)
        .where(CodePostal.code_postal == code, CodePostal.actif.is_(True))
        .distinct()
        .order_by(CodePostal.nom_commune, CodePostal.code_insee)
    )
    return [
        {"code_insee": insee, "nom": nom, "code_postal": cp, "libelle_acheminement": acheminement}
        for insee, nom, cp, acheminement in rows
    ]


def search_employeurs(query: str | None, limit: int = MAX_RESULTS) -> list[dict[str, str | None]]:
    """Public employers by SIRET prefix (digits only) or by raison sociale
    (contains, those starting with the query first)."""
    query = " ".join((query or "").split())
    digits = query.replace(" ", "")
    if len(digits) < MIN_QUERY_LENGTH:
        return []
    stmt = select(EmployeurPublic).where(EmployeurPublic.actif.is_(True))
    if digits.isdigit():
        stmt = stmt.where(EmployeurPublic.siret.startswith(digits, autoescape=True)).order_by(EmployeurPublic.siret)
    else:
        starts_first = case((EmployeurPublic.raison_sociale.istartswith(query, autoescape=True), 0), else_=1)
        stmt = stmt.where(EmployeurPublic.raison_sociale.icontains(query, autoescape=True)).order_by(
            starts_first, EmployeurPublic.raison_sociale
        )
    employeurs = db.session.scalars(stmt.limit(max(1, min(limit, MAX_RESULTS))))
    return [
        {
            "siret": e.siret,
            "siren": e.siren,
            "raison_sociale": e.raison_sociale,
            "adresse": e.adresse,
            "code_postal": e.code_postal,
            "ville": e.ville,
            "code_commune_insee": e.code_commune_insee,
        }
        for e in employeurs
    ]


def employeur_public(siret: str | None) -> EmployeurPublic | None:
    """The active public employer chosen in a list of ``search_employeurs``."""
    if not siret:
        return None
    return db.session.scalar(
        select(EmployeurPublic).where(EmployeurPublic.siret == siret[:14], EmployeurPublic.actif.is_(True)))
