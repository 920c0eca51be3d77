"""Rules on the data of the dossier administratif (manual §3.3.4.2).

Every check returns the normalised value or raises ``ValueError`` with the
French message shown next to the field. The page, the API and the tests ask
them here only.
"""

from __future__ import annotations

from datetime import date

from stdnum import bic as _bic
from stdnum import iban as _iban
from stdnum.exceptions import InvalidChecksum, InvalidLength, ValidationError
from stdnum.fr import nir as _nir
from stdnum.fr import siret as _siret

from app.models.comptes import CIVILITE_MADAME, CIVILITE_MONSIEUR

#: Countries of the SEPA area (IBAN prefixes): « Zone SEPA » is ticked from it.
PAYS_SEPA = frozenset(
    "AD AT BE BG CH CY CZ DE DK EE ES FI FR GB GI GR HR HU IE IS IT LI LT LU LV MC MT NL NO PL PT RO SE "
    "SI SK SM VA".split()
)
#: NIR's first digit → civilité (3, 4, 7, 8: temporary numbers, not checked).
SEXE_NIR = {"1": CIVILITE_MONSIEUR, "2": CIVILITE_MADAME}


def nir(valeur: str, *, civilite: str | None = None, date_naissance: date | None = None) -> str:
    """A NIR of 15 characters (with its key) or 13 (the key is computed);
    Corsica's 2A/2B; its sex and birth year and month must be the person's."""
    numero = _nir.compact(valeur or "")
    if len(numero) == 13:
        try:
            _nir.validate(numero + "00")
        except InvalidChecksum:
            pass
        except ValidationError:
            raise ValueError("Le NIR ne doit contenir que des chiffres (2A ou 2B pour la Corse).") from None
        numero += _nir.calc_check_digits(numero)
    if len(numero) != 15:
        raise ValueError("Le NIR doit comporter 15 caractères (avec la clé) ou 13 caractères (sans la clé).")
    try:
        _nir.validate(numero)
    except InvalidChecksum:
        raise ValueError("La clé du NIR ne correspond pas au numéro : vérifiez votre saisie.") from None
    except ValidationError:
        raise ValueError("Le NIR ne doit contenir que des chiffres (2A ou 2B pour la Corse).") from None
    sexe = SEXE_NIR.get(numero[0])
    if numero[0] not in "123478":
        raise ValueError("Le NIR doit commencer par 1 ou 2.")
    if civilite and sexe and sexe != civilite:
        raise ValueError("Le NIR ne correspond pas à votre civilité.")
    if date_naissance is not None:
        if int(numero[1:3]) != date_naissance.year % 100:
            raise ValueError("Le NIR ne correspond pas à votre année de naissance.")
        mois = int(numero[3:5])
        if 1 <= mois <= 12 and mois != date_naissance.month:
            raise ValueError("Le NIR ne correspond pas à votre mois de naissance.")
    return numero


def iban(valeur: str) -> str:
    """An IBAN with its checksum and its country's length (27 in France)."""
    numero = _iban.compact(valeur or "")
    if numero.startswith("FR") and len(numero) != 27:
        raise ValueError("L'IBAN d'une banque domiciliée en France doit comporter 27 caractères.")
    try:
        return _iban.validate(numero)
    except InvalidLength:
        raise ValueError("La longueur de l'IBAN ne correspond pas à son pays.") from None
    except ValidationError:
        raise ValueError("L'IBAN n'est pas valide : vérifiez votre saisie.") from None


def zone_sepa(numero_iban: str | None) -> bool:
    """« Zone SEPA » follows the IBAN's country."""
    return bool(numero_iban) and numero_iban[:2].upper() in PAYS_SEPA


def bic(valeur: str) -> str:
    try:
        return _bic.validate(valeur or "")
    except ValidationError:
        raise ValueError("Le BIC n'est pas valide : 8 ou 11 caractères (ex. : BNPAFRPP).") from None


def siret(valeur: str) -> str:
    try:
        return _siret.validate(valeur or "")
    except ValidationError:
        raise ValueError("Le n° SIRET n'est pas valide : 14 chiffres dont une clé de contrôle.") from None


def telephones(*numeros: str | None) -> None:
    """At least one of the four numbers (no asterisk, manual §3.3.4.2 c)."""
    if not any((n or "").strip() for n in numeros):
        raise ValueError("Saisissez au moins un numéro de téléphone.")


def validite(debut: date | None, fin: date | None, *, aujourdhui: date | None = None,
             pour_transmettre: bool = False) -> None:
    """The identity document's validity: the end after the start; an expired
    document cannot be transmitted."""
    if debut and fin and fin <= debut:
        raise ValueError("La date de fin de validité doit être postérieure à la date de début.")
    if pour_transmettre and fin and fin < (aujourdhui or date.today()):
        raise ValueError("Ce document d'identité est expiré : il ne peut pas être transmis.")


def pieces_identite(verso_requis: bool) -> tuple[str, ...]:
    """Carte d'identité or titre de séjour: recto and verso; passeport: recto."""
    return ("identite_recto", "identite_verso") if verso_requis else ("identite_recto",)


def pieces_statut(statut) -> tuple[str, ...]:
    """The pieces the manual's table requires for a statut (the referential's
    ``pieces_requises``); none without statut."""
    return tuple(p.code for p in statut.pieces_requises) if statut is not None else ()


def type_employeur(statut) -> str | None:
    """PUBLIC / PRIVE from the statut; None (no employer block) for « Sans »."""
    return statut.type_employeur or None if statut is not None else None
