"""Load the referential CSV files into their tables.

Two entry points share the same checks:

* ``load_all()`` loads every file bundled in ``app/data/refdata`` (installation,
  each deployment: ``flask referentiels charger``);
* ``load_referentiel(name, path)`` imports an official list supplied by the
  operator, with the same columns (``flask referentiels importer``).

A file is parsed and checked as a whole before anything is written; a bad line
refuses the whole file with a ``ReferentielError`` naming every bad line.
Rows are upserted by natural key with bulk statements (the 39k postal codes
load in well under a second) and never deleted: values that disappear from a
source stay, retired by an administrator through ``actif``, which the loader
never touches. Neither function commits: the caller does (the CLI, the test
set-up); on error the savepoint they opened is rolled back.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.exc import SQLAlchemyError

from app.extensions import db
from app.models.referentiels import (
    DESTINATAIRES_SUPPORT,
    TYPES_EMPLOYEUR,
    TYPES_LANGUE,
    TYPES_STRUCTURE,
    CategorieHierarchique,
    CodePostal,
    Departement,
    EmployeurPublic,
    EtatCandidature,
    FonctionPublique,
    Langue,
    MethodePedagogique,
    NatureFormation,
    NiveauDiplome,
    NiveauLangue,
    Pays,
    PieceStatut,
    PositionAdministrative,
    PrestationComplementaire,
    PublicFormation,
    Region,
    SousSpecialite,
    Specialite,
    StatutProfessionnel,
    Structure,
    TypeContrat,
    TypeDemandeSupport,
    TypePieceIdentite,
    statut_professionnel_piece,
    structure_region,
)

DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "refdata"

#: Beyond this many bad lines the report stops listing them (a wrong file).
MAX_ERRORS = 30

_TRUE = {"1", "oui", "o", "true", "vrai", "x"}
_FALSE = {"0", "non", "n", "false", "faux"}


class ReferentielError(Exception):
    """A referential file was refused; nothing of it was loaded.

    ``errors`` lists the problems, each naming its line of the file.
    """

    def __init__(self, errors: str | list[str], fichier: str | None = None):
        self.errors = [errors] if isinstance(errors, str) else list(errors)
        self.fichier = fichier
        head = f"Fichier « {fichier} » refusé, rien n'a été chargé :\n" if fichier else ""
        super().__init__(head + "\n".join(self.errors))


@dataclass
class Bilan:
    """What a load did to one table."""

    table: str
    lignes: int = 0
    creees: int = 0
    modifiees: int = 0

    def __str__(self) -> str:
        return (
            f"{self.table} : {_plural(self.lignes, 'ligne')} "
            f"({_plural(self.creees, 'créée')}, {_plural(self.modifiees, 'modifiée')})"
        )


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'s' if count > 1 else ''}"


@dataclass(frozen=True)
class Colonne:
    """A CSV column and how it is stored.

    ``attr``: model attribute (default: same name as the column; ``""``: read
    by the referential's own checks, not stored as is).
    """

    csv: str
    attr: str | None = None
    requis: bool = False
    booleen: bool = False
    chiffres: int | None = None
    choix: tuple[str, ...] | None = None
    vide: Any = None

    @property
    def cible(self) -> str:
        return self.csv if self.attr is None else self.attr


@dataclass
class Ligne:
    numero: int
    brut: dict[str, str]
    valeurs: dict[str, Any]
    extra: dict[str, Any] = field(default_factory=dict)


class Erreurs:
    """Collects the bad lines of one file."""

    def __init__(self, fichier: str):
        self.fichier = fichier
        self.messages: list[str] = []
        self.total = 0

    def add(self, numero: int, message: str) -> None:
        self.total += 1
        if len(self.messages) < MAX_ERRORS:
            self.messages.append(f"ligne {numero} : {message}")

    def raise_if_any(self) -> None:
        if not self.total:
            return
        messages = list(self.messages)
        if self.total > len(messages):
            messages.append(f"… et {self.total - len(messages)} autres erreurs")
        raise ReferentielError(messages, self.fichier)


def _csv_rows(path: Path, header: list[str]) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield (line number, cells by column) after checking the header.

    Accepts a UTF-8 BOM and ``;`` as separator (spreadsheet exports); the
    columns must be exactly the expected ones, in any order.
    """
    fichier = path.name
    try:
        fh = open(path, encoding="utf-8-sig", newline="")
    except FileNotFoundError:
        raise ReferentielError(f"fichier introuvable : {path}") from None
    except OSError as exc:
        raise ReferentielError(f"fichier illisible : {path} ({exc.strerror})") from None
    with fh:
        reader = None
        try:
            first = fh.readline()
            if not first.strip():
                raise ReferentielError("fichier vide : la ligne d'en-tête manque", fichier)
            delimiter = ";" if first.count(";") > first.count(",") else ","
            fh.seek(0)
            reader = csv.reader(fh, delimiter=delimiter)
            columns = [c.strip() for c in next(reader)]
            _check_header(columns, header, fichier)
            for cells in reader:
                if not any(cell.strip() for cell in cells):
                    continue
                if len(cells) != len(columns):
                    raise ReferentielError(
                        f"ligne {reader.line_num} : {len(cells)} valeurs au lieu de {len(columns)}", fichier
                    )
                yield reader.line_num, {col: cell.strip() for col, cell in zip(columns, cells, strict=True)}
        except UnicodeDecodeError:
            raise ReferentielError("le fichier n'est pas encodé en UTF-8", fichier) from None
        except csv.Error as exc:
            line = reader.line_num if reader else 1
            raise ReferentielError(f"ligne {line} : CSV mal formé ({exc})", fichier) from None


def _check_header(columns: list[str], header: list[str], fichier: str) -> None:
    if columns == header:
        return
    problems = []
    missing = [c for c in header if c not in columns]
    unexpected = [c for c in columns if c not in header]
    doubles = sorted({c for c in columns if columns.count(c) > 1})
    if missing:
        problems.append("colonnes manquantes : " + ", ".join(missing))
    if unexpected:
        problems.append("colonnes inattendues : " + ", ".join(c or "(sans nom)" for c in unexpected))
    if doubles:
        problems.append("colonnes en double : " + ", ".join(doubles))
    if problems:
        raise ReferentielError(
            f"ligne 1 : en-tête incorrect ({' ; '.join(problems)}) ; colonnes attendues : {','.join(header)}",
            fichier,
        )


def _max_length(model, attr: str) -> int | None:
    column = model.__table__.c.get(attr)
    return getattr(column.type, "length", None) if column is not None else None


def _codes(model) -> dict[str, int]:
    return {code: id_ for code, id_ in db.session.execute(select(model.code, model.id))}


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.split("|") if part.strip()]


class Referentiel:
    """One CSV file and the table it fills."""

    def __init__(self, name: str, model, colonnes: list[Colonne], *, key: tuple[str, ...] = ("code",), titre: str):
        self.name = name
        self.model = model
        self.colonnes = colonnes
        self.key = key
        self.titre = titre
        self.ordered = hasattr(model, "ordre")

    @property
    def filename(self) -> str:
        return f"{self.name}.csv"

    @property
    def header(self) -> list[str]:
        return [c.csv for c in self.colonnes]

    @property
    def tables(self) -> list[str]:
        return [self.model.__tablename__]

    def read(self, path: Path) -> list[Ligne]:
        """Parse and check the whole file (raises ``ReferentielError``)."""
        erreurs = Erreurs(path.name)
        lignes: list[Ligne] = []
        seen: dict[tuple, int] = {}
        for numero, brut in _csv_rows(path, self.header):
            valeurs = self._convert(numero, brut, erreurs)
            if valeurs is None:
                continue
            if self.ordered:
                valeurs["ordre"] = len(lignes) + 1
            key = tuple(valeurs.get(k) for k in self.key)
            if key in seen:
                label = f"code « {key[0]} »" if len(key) == 1 else "ligne identique"
                erreurs.add(numero, f"{label} en double (déjà ligne {seen[key]})")
                continue
            seen[key] = numero
            lignes.append(Ligne(numero, brut, valeurs))
        self.check(lignes, erreurs)
        erreurs.raise_if_any()
        return lignes

    def _convert(self, numero: int, brut: dict[str, str], erreurs: Erreurs) -> dict[str, Any] | None:
        valeurs: dict[str, Any] = {}
        ok = True
        for col in self.colonnes:
            raw = brut[col.csv]
            if not raw:
                if col.requis:
                    erreurs.add(numero, f"valeur obligatoire manquante pour « {col.csv} »")
                    ok = False
                elif col.attr != "":
                    valeurs[col.cible] = col.vide
                continue
            value: Any = raw
            if col.booleen:
                if raw.lower() in _TRUE:
                    value = True
                elif raw.lower() in _FALSE:
                    value = False
                else:
                    erreurs.add(numero, f"« {raw} » n'est pas une valeur valide pour « {col.csv} » (attendu 1 ou 0)")
                    ok = False
                    continue
            elif col.choix and raw not in col.choix:
                erreurs.add(
                    numero, f"« {raw} » n'est pas une valeur admise pour « {col.csv} » ({', '.join(col.choix)})"
                )
                ok = False
                continue
            elif col.chiffres and not (raw.isdigit() and len(raw) == col.chiffres):
                erreurs.add(numero, f"« {raw} » : « {col.csv} » doit comporter {col.chiffres} chiffres")
                ok = False
                continue
            else:
                length = _max_length(self.model, col.cible)
                if length and len(raw) > length:
                    erreurs.add(numero, f"« {col.csv} » dépasse {length} caractères")
                    ok = False
                    continue
            if col.attr != "":
                valeurs[col.cible] = value
        return valeurs if ok else None

    def check(self, lignes: list[Ligne], erreurs: Erreurs) -> None:
        """Cross-row and parent checks; subclasses resolve parent codes here."""

    def apply(self, lignes: list[Ligne]) -> list[Bilan]:
        return [_upsert(self.model, self.key, [ligne.valeurs for ligne in lignes])]


def _upsert(model, key: tuple[str, ...], rows: list[dict[str, Any]]) -> Bilan:
    """Insert new rows and update changed ones, matched by natural key, in
    two bulk statements. Columns absent from ``rows`` (``actif``) are kept."""
    bilan = Bilan(model.__tablename__, lignes=len(rows))
    if not rows:
        return bilan
    attrs = list(rows[0])
    existing: dict[tuple, tuple[int, dict[str, Any]]] = {}
    for row in db.session.execute(select(model.id, *(getattr(model, a) for a in attrs))):
        values = dict(zip(attrs, row[1:], strict=True))
        existing[tuple(values[k] for k in key)] = (row[0], values)
    inserts, updates = [], []
    for values in rows:
        found = existing.get(tuple(values[k] for k in key))
        if found is None:
            inserts.append(values)
        elif found[1] != values:
            updates.append({"id": found[0], **values})
    if inserts:
        db.session.execute(insert(model), inserts)
    if updates:
        db.session.execute(update(model), updates)
    bilan.creees, bilan.modifiees = len(inserts), len(updates)
    return bilan


def _sync_links(table: sa.Table, left: str, right: str, desired: dict[int, set[int]]) -> int:
    """Make the association rows of the ``desired`` left ids exactly these;
    returns the number of left ids whose links changed."""
    lc, rc = table.c[left], table.c[right]
    current: dict[int, set[int]] = defaultdict(set)
    for lid, rid in db.session.execute(select(lc, rc).where(lc.in_(list(desired)))):
        current[lid].add(rid)
    removed = [{"l_id": lid, "r_id": rid} for lid, rids in current.items() for rid in rids - desired.get(lid, set())]
    added = [{left: lid, right: rid} for lid, rids in desired.items() for rid in rids - current[lid]]
    if removed:
        db.session.execute(delete(table).where(lc == bindparam("l_id"), rc == bindparam("r_id")), removed)
    if added:
        db.session.execute(insert(table), added)
    return len({r["l_id"] for r in removed} | {a[left] for a in added})


def _ids_by_code(model, codes) -> dict[str, int]:
    stmt = select(model.code, model.id).where(model.code.in_(list(codes)))
    return {code: id_ for code, id_ in db.session.execute(stmt)}


class DepartementsReferentiel(Referentiel):
    def check(self, lignes, erreurs):
        regions = _codes(Region)
        for ligne in lignes:
            code = ligne.brut["code_region"]
            if code not in regions:
                erreurs.add(ligne.numero, f"code région « {code} » inconnu")
            else:
                ligne.valeurs["region_id"] = regions[code]


class StructuresReferentiel(Referentiel):
    """``regions_couvertes``: ``|``-separated region codes, or ``national``."""

    def check(self, lignes, erreurs):
        regions = _codes(Region)
        for ligne in lignes:
            couvertes = ligne.brut["regions_couvertes"]
            nationale = couvertes.lower() == "national"
            ligne.valeurs["nationale"] = nationale
            codes = [] if nationale else _split(couvertes)
            unknown = [c for c in codes if c not in regions]
            if unknown:
                erreurs.add(ligne.numero, f"code région « {', '.join(unknown)} » inconnu")
            elif not nationale and not codes:
                erreurs.add(ligne.numero, "« regions_couvertes » : codes région ou « national » attendu")
            ligne.extra["regions"] = {regions[c] for c in codes if c in regions}

    def apply(self, lignes):
        bilan = _upsert(self.model, self.key, [ligne.valeurs for ligne in lignes])
        ids = _ids_by_code(Structure, [ligne.valeurs["code"] for ligne in lignes])
        _sync_links(
            structure_region,
            "structure_id",
            "region_id",
            {ids[ligne.valeurs["code"]]: ligne.extra["regions"] for ligne in lignes},
        )
        return [bilan]


class StatutsReferentiel(Referentiel):
    """``pieces_requises``: ``|``-separated codes of ``pieces_statut``."""

    def check(self, lignes, erreurs):
        pieces = _codes(PieceStatut)
        for ligne in lignes:
            codes = _split(ligne.brut["pieces_requises"])
            unknown = [c for c in codes if c not in pieces]
            if unknown:
                erreurs.add(ligne.numero, f"code pièce « {', '.join(unknown)} » inconnu")
            ligne.extra["pieces"] = {pieces[c] for c in codes if c in pieces}

    def apply(self, lignes):
        bilan = _upsert(self.model, self.key, [ligne.valeurs for ligne in lignes])
        ids = _ids_by_code(StatutProfessionnel, [ligne.valeurs["code"] for ligne in lignes])
        _sync_links(
            statut_professionnel_piece,
            "statut_professionnel_id",
            "piece_statut_id",
            {ids[ligne.valeurs["code"]]: ligne.extra["pieces"] for ligne in lignes},
        )
        return [bilan]


class SpecialitesReferentiel(Referentiel):
    """One file, two tables: ``niveau`` says whether a row is a spécialité or a
    sous-spécialité of ``code_specialite`` (in the file or already loaded)."""

    NIVEAUX = ("specialite", "sous_specialite")

    @property
    def tables(self):
        return [Specialite.__tablename__, SousSpecialite.__tablename__]

    def check(self, lignes, erreurs):
        in_file = {ligne.valeurs["code"] for ligne in lignes if ligne.brut["niveau"] == "specialite"}
        known = in_file | set(_codes(Specialite))
        for ligne in lignes:
            niveau, parent = ligne.brut["niveau"], ligne.brut["code_specialite"]
            if niveau not in self.NIVEAUX:
                erreurs.add(ligne.numero, f"niveau « {niveau} » inconnu (attendu : {' ou '.join(self.NIVEAUX)})")
            elif niveau == "specialite" and parent:
                erreurs.add(ligne.numero, "une spécialité n'a pas de « code_specialite »")
            elif niveau == "sous_specialite" and not parent:
                erreurs.add(ligne.numero, "valeur obligatoire manquante pour « code_specialite »")
            elif niveau == "sous_specialite" and parent not in known:
                erreurs.add(ligne.numero, f"code spécialité « {parent} » inconnu")

    def apply(self, lignes):
        specialites = [ligne.valeurs for ligne in lignes if ligne.brut["niveau"] == "specialite"]
        bilans = [_upsert(Specialite, self.key, specialites)]
        parents = _codes(Specialite)
        sous = [
            {**ligne.valeurs, "specialite_id": parents[ligne.brut["code_specialite"]]}
            for ligne in lignes
            if ligne.brut["niveau"] == "sous_specialite"
        ]
        bilans.append(_upsert(SousSpecialite, self.key, sous))
        return bilans


def _simple(name: str, model, titre: str, *extra: Colonne) -> Referentiel:
    """A (code, libellé) file, possibly with a few more columns."""
    return Referentiel(
        name,
        model,
        [Colonne("code", requis=True), Colonne("libelle", requis=True), *extra],
        titre=titre,
    )


#: Every referential, in loading order (parents first); keyed by CSV name.
REFERENTIELS: dict[str, Referentiel] = {
    ref.name: ref
    for ref in (
        Referentiel(
            "regions",
            Region,
            [
                Colonne("code", requis=True),
                Colonne("nom", requis=True),
                Colonne("chef_lieu_commune"),
                Colonne("outre_mer", booleen=True, vide=False),
            ],
            titre="Régions",
        ),
        DepartementsReferentiel(
            "departements",
            Departement,
            [
                Colonne("code", requis=True),
                Colonne("nom", requis=True),
                Colonne("code_region", attr="", requis=True),
                Colonne("nom_region", attr=""),
                Colonne("chef_lieu_commune"),
            ],
            titre="Départements",
        ),
        StructuresReferentiel(
            "cnfpt_structures",
            Structure,
            [
                Colonne("type", requis=True, choix=TYPES_STRUCTURE),
                Colonne("code", requis=True),
                Colonne("nom", requis=True),
                Colonne("regions_couvertes", attr="", requis=True),
                Colonne("messagerie_active", booleen=True, vide=True),
            ],
            titre="Structures du CNFPT",
        ),
        Referentiel(
            "countries",
            Pays,
            [
                Colonne("code_iso2", attr="code", requis=True),
                Colonne("code_iso3"),  # empty for Kosovo (XK, user-assigned code)
                Colonne("code_num"),
                Colonne("nom_fr", attr="nom", requis=True),
                Colonne("nom_fr_iso_court", attr="nom_iso_court"),
                Colonne("nom_en"),
                Colonne("code_cog_insee"),
                Colonne("libelle_insee"),
                Colonne("libelle_officiel_insee"),
            ],
            titre="Pays",
        ),
        Referentiel(
            "postal_codes",
            CodePostal,
            [
                Colonne("code_commune_insee", attr="code_insee", requis=True),
                Colonne("nom_commune", requis=True),
                Colonne("code_postal", requis=True, chiffres=5),
                Colonne("libelle_acheminement", requis=True),
                Colonne("ligne_5", vide=""),
            ],
            key=("code_insee", "code_postal", "libelle_acheminement", "ligne_5"),
            titre="Codes postaux",
        ),
        SpecialitesReferentiel(
            "specialites",
            Specialite,
            [
                Colonne("code", requis=True),
                Colonne("libelle", requis=True),
                Colonne("code_specialite", attr=""),
                Colonne("niveau", attr="", requis=True),
                Colonne("source"),
            ],
            titre="Spécialités et sous-spécialités",
        ),
        _simple("natures_formation", NatureFormation, "Natures de formation"),
        _simple("publics", PublicFormation, "Publics"),
        _simple("prestations_complementaires", PrestationComplementaire, "Prestations complémentaires"),
        _simple("methodes_pedagogiques", MethodePedagogique, "Méthodes pédagogiques", Colonne("source")),
        Referentiel(
            "niveaux_diplome",
            NiveauDiplome,
            [
                Colonne("niveau", attr="code", requis=True),
                Colonne("libelle", requis=True),
                Colonne("description_officielle"),
                Colonne("ancien_niveau_1969"),
            ],
            titre="Niveaux de diplôme",
        ),
        _simple("langues", Langue, "Langues", Colonne("type", requis=True, choix=TYPES_LANGUE)),
        _simple("niveaux_langue", NiveauLangue, "Niveaux de langue"),
        _simple("etats_candidature", EtatCandidature, "États de candidature"),
        _simple("pieces_statut", PieceStatut, "Pièces par statut"),
        StatutsReferentiel(
            "statut_professionnel",
            StatutProfessionnel,
            [
                Colonne("code", requis=True),
                Colonne("libelle", requis=True),
                Colonne("type_employeur", choix=TYPES_EMPLOYEUR),
                Colonne("pieces_requises", attr=""),
            ],
            titre="Statuts professionnels",
        ),
        _simple("fonction_publique", FonctionPublique, "Fonctions publiques", Colonne("libelle_court")),
        _simple("categories_hierarchiques", CategorieHierarchique, "Catégories hiérarchiques"),
        _simple(
            "positions_administratives",
            PositionAdministrative,
            "Positions administratives",
            Colonne("type"),
            Colonne("en_vigueur", booleen=True, vide=True),
            Colonne("reference"),
            Colonne("note"),
        ),
        _simple("types_contrat", TypeContrat, "Types de contrat", Colonne("source")),
        _simple(
            "types_demande_support",
            TypeDemandeSupport,
            "Types de demande de support",
            Colonne("destinataire", requis=True, choix=DESTINATAIRES_SUPPORT),
            Colonne("source"),
        ),
        _simple(
            "types_piece_identite",
            TypePieceIdentite,
            "Types de pièce d'identité",
            Colonne("verso_requis", booleen=True, vide=False),
        ),
        Referentiel(
            "public_employers",
            EmployeurPublic,
            [
                Colonne("siret", requis=True, chiffres=14),
                Colonne("siren", requis=True, chiffres=9),
                Colonne("raison_sociale", requis=True),
                Colonne("adresse"),
                Colonne("code_postal"),
                Colonne("ville"),
                Colonne("code_commune_insee"),
                Colonne("categorie_juridique"),
                Colonne("luhn_ok", booleen=True, vide=True),
                Colonne("source_siret"),
                Colonne("source_adresse"),
            ],
            key=("siret",),
            titre="Employeurs publics",
        ),
    )
}


def get_referentiel(name: str) -> Referentiel:
    """By CSV name (``postal_codes``, ``postal_codes.csv``) or table name (``code_postal``)."""
    wanted = Path(name.strip()).name.removesuffix(".csv")
    if wanted in REFERENTIELS:
        return REFERENTIELS[wanted]
    for ref in REFERENTIELS.values():
        if wanted in ref.tables:
            return ref
    raise ReferentielError(f"référentiel inconnu « {name} » (connus : {', '.join(REFERENTIELS)})")


@contextmanager
def _atomic():
    """A savepoint: a failure undoes this load only, and says so in French."""
    try:
        with db.session.begin_nested():
            yield
    except SQLAlchemyError as exc:
        detail = getattr(exc, "orig", None) or exc
        raise ReferentielError(f"erreur de la base de données, rien n'a été chargé : {detail}") from exc
    db.session.expire_all()  # bulk statements bypass the identity map


def load_referentiel(name: str, path: str | Path) -> list[Bilan]:
    """Import one referential from an operator's file (same columns as the
    bundled one). The whole file is checked first; the caller commits."""
    ref = get_referentiel(name)
    lignes = ref.read(Path(path))
    with _atomic():
        return ref.apply(lignes)


def load_all(data_dir: str | Path = DATA_DIR) -> list[Bilan]:
    """Load every bundled referential, parents first, in one savepoint; the
    caller commits. Running it again changes nothing unless a file changed."""
    data_dir = Path(data_dir)
    bilans: list[Bilan] = []
    with _atomic():
        for ref in REFERENTIELS.values():
            bilans.extend(ref.apply(ref.read(data_dir / ref.filename)))
    return bilans
