"""Rules of interventions and lettres de demande (issue 23), written once for
the screens, the API and the operations: each answers {field: French message}."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from app.models.dossier import Bloc, EtatBloc
from app.models.regles_dossier import type_employeur

DUREE_MAX_JOURS = Decimal("365")
TAUX_MAX = Decimal("100000")
QUANTITE_MAX = Decimal("10000")


def erreurs_intervention(date_debut: date | None, date_fin: date | None, duree_jours: Decimal | None) -> dict[str, str]:
    """Dates in order, a positive duration that fits in the period."""
    erreurs = {}
    if date_debut and date_fin and date_fin < date_debut:
        erreurs["date_fin"] = "La date de fin doit être postérieure ou égale à la date de début."
    if duree_jours is not None:
        if duree_jours <= 0:
            erreurs["duree_jours"] = "La durée doit être supérieure à zéro."
        elif duree_jours > DUREE_MAX_JOURS:
            erreurs["duree_jours"] = "La durée ne peut pas dépasser 365 jours."
        elif date_debut and date_fin and date_fin >= date_debut and duree_jours > (date_fin - date_debut).days + 1:
            erreurs["duree_jours"] = "La durée (en jours) ne peut pas dépasser le nombre de jours de la période."
    return erreurs


def erreurs_remuneration(taux: Decimal | None, quantite: Decimal | None) -> dict[str, str]:
    erreurs = {}
    if taux is not None and not (0 < taux <= TAUX_MAX):
        erreurs["taux"] = "Le taux doit être un montant positif (100 000 € au plus)."
    if quantite is not None and not (0 < quantite <= QUANTITE_MAX):
        erreurs["quantite"] = "Le nombre d'heures ou de jours doit être positif."
    return erreurs


def blocs_requis(statut) -> tuple[Bloc, ...]:
    """The blocks of the dossier a lettre de demande needs validated: all
    but the diplôme, and no employeur block without employer (« Sans »)."""
    sans_employeur = statut is not None and type_employeur(statut) is None
    return tuple(b for b in Bloc if b != Bloc.diplome and not (b == Bloc.employeur and sans_employeur))


def blocs_non_valides(statut, etats: dict[Bloc, EtatBloc]) -> list[Bloc]:
    """The required blocks not (yet) validated, in the dossier's order."""
    return [b for b in blocs_requis(statut) if etats.get(b) != EtatBloc.valide]
