"""Suggestions between annonces and intervenants (issue 37): one ranking,
read both ways, for the gestionnaire's « Intervenants suggérés », the
intervenant's « Annonces pour vous », the API and the weekly e-mail.

The rules (docs/suggestions.md says them in French):

Hard rules, a pair (annonce, intervenant) is never suggested otherwise:
the inscription is validated (an archived account is not); the intervenant
has not applied to the annonce, nor been invited to it already; no
indisponibilité overlaps the annonce's dates; the intervenant's zone
d'intervention covers the annonce's place (``zone`` below is not 0); they
share at least one domaine (a spécialité of the annonce, directly or
through one of its sous-spécialités: an annonce always has one).

Score, the sum of (each count capped):

- ``exact`` × 100: the annonce's sous-spécialités the intervenant declared,
  plus the annonce's spécialités asked as a whole (without any of their
  sous-spécialités) that the intervenant works in;
- ``domaine`` × 40 (at most 2): the annonce's spécialités (domaines) the
  intervenant works in, whatever the sous-spécialité;
- ``zone`` × 5: 3 a département of the annonce, 2 a région of the annonce
  (or the région of one of its départements), 1 an annonce for « toute la
  France » (neither région nor département) or, for an annonce abroad
  (another country), « disponible pour l'étranger »;
- ``structure`` × 3 (at most 4): interventions (not cancelled) for the
  annonce's structure;
- ``experience`` × 2 (at most 4): interventions réalisées, all structures
  (interventions carry no spécialité; counted for people who share the
  domaine, which the hard rules ensure);
- ``texte`` × 1 (at most 5): words of the annonce's intitulé found in the
  Parcours. PostgreSQL: the intitulé's lexemes (French stemming, stop words
  dropped) present in the stored ``tsvector``. SQLite: the intitulé's words
  of 4 letters or more (lower case, a few stop words dropped) found as
  substrings of the Parcours in lower case.

One exact spécialité outweighs everything else put together (40×2 + 5×3 +
3×4 + 2×4 + 5 = 120 < 100 + 40 + 5). Among equal scores, for an annonce: the
least recently invited (to any annonce) first, never invited before anyone,
then an order drawn from the pair (intervenant, annonce), so that the same
people do not always come first; for an intervenant: the nearest deadline.

Never used: age, sex, civilité, nationality (nor any other identity field).

Statements: a constant number per call, whatever the number of rows (the
annonce's or the intervenant's criteria, one ranked SELECT, the names).
"""

from __future__ import annotations

import logging
import re
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import date, datetime
from time import monotonic

import sqlalchemy as sa
from flask import current_app
from flask_appbuilder.security.sqla.models import User
from sqlalchemy import and_, case, exists, func, literal, literal_column, not_, or_, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import aliased

from app.extensions import db
from app.infra import caches
from app.infra.formatting import format_date
from app.infra.liens import external_url
from app.infra.mail import queue_email
from app.models.annonces import (
    Annonce,
    Candidature,
    EtatAnnonce,
    annonce_departement,
    annonce_region,
    annonce_sous_specialite,
    annonce_specialite,
)
from app.models.base import utcnow
from app.models.comptes import (
    TEXTE_PARCOURS_TSV,
    EtatInscription,
    Intervenant,
    intervenant_departement,
    intervenant_region,
    intervenant_sous_specialite,
    intervenant_specialite,
)
from app.models.indisponibilites import Indisponibilite, disponible_entre
from app.models.interventions import EtatIntervention, Intervention
from app.models.referentiels import Departement, Pays, Region, SousSpecialite, Specialite, Structure
from app.models.suggestions import EnvoiAnnoncesPourVous, InvitationAnnonce
from app.operations.messagerie import MessagerieRefusee, envoyer_a_chacun
from app.security.scope import perimetre_de
from app.workflows.core import Acteur, WorkflowError

log = logging.getLogger(__name__)

CODE_FRANCE = "FR"
#: Suggestions on an annonce's page and in the API.
SUGGESTIONS_MAX = 20
#: « Annonces pour vous » on the tableau de bord; the full page.
POUR_VOUS_TABLEAU = 5
POUR_VOUS_PAGE = 50

POIDS = {"exact": 100, "domaine": 40, "zone": 5, "structure": 3, "experience": 2, "texte": 1}
PLAFONDS = {"domaine": 2, "structure": 4, "experience": 4, "texte": 5}
#: Words of the intitulé compared on SQLite (PostgreSQL: the French dictionary's stop words).
MOTS_VIDES = frozenset(
    "avec dans pour sans sous vers chez leur leurs nous vous elle elles être avoir cette ces des les une "
    "aux par sur entre formation formations".split()
)
MOTS_MAX = 8


class SuggestionRefusee(WorkflowError):
    """A refused invitation, with its French message (``agir`` shows it)."""


# -- what is compared ---------------------------------------------------------------
@dataclass
class Besoin:
    """An annonce's criteria, read once."""

    id: int
    numero: str
    intitule: str
    structure_id: int
    structure_nom: str
    sous_specialites: dict[int, str] = field(default_factory=dict)
    #: Spécialités (domaines) of the annonce → libellé; ``entieres``: asked without a sous-spécialité.
    specialites: dict[int, str] = field(default_factory=dict)
    entieres: set[int] = field(default_factory=set)
    regions: dict[int, str] = field(default_factory=dict)  # its régions and those of its départements
    departements: dict[int, str] = field(default_factory=dict)
    france_entiere: bool = False
    etranger: bool = False
    du: date | None = None
    au: date | None = None


def mots_cles(texte: str | None) -> list[str]:
    """The words of an intitulé compared on SQLite (see the module's docstring)."""
    mots = []
    for mot in re.findall(r"\w+", (texte or "").lower()):
        if len(mot) >= 4 and not mot.isdigit() and mot not in MOTS_VIDES and mot not in mots:
            mots.append(mot)
    return mots[:MOTS_MAX]


def besoins(annonce_ids, conn=None) -> dict[int, Besoin]:
    """The criteria of these annonces: five statements whatever their number
    (``conn``: a bare connection, the bench's baseline; else the session)."""
    cx = conn if conn is not None else db.session
    ids = sorted(set(annonce_ids))
    if not ids:
        return {}
    france = select(Pays.id).where(Pays.code == CODE_FRANCE).scalar_subquery()
    lignes = cx.execute(
        select(Annonce.id, Annonce.numero, Annonce.intitule, Annonce.structure_id, Structure.nom.label("structure_nom"),
               Annonce.pays_id, (Annonce.pays_id == france).label("en_france"), Annonce.date_debut, Annonce.date_fin)
        .join(Structure, Structure.id == Annonce.structure_id).where(Annonce.id.in_(ids))
    ).all()
    resultat = {}
    for ligne in lignes:
        resultat[ligne.id] = Besoin(
            id=ligne.id, numero=ligne.numero, intitule=ligne.intitule, structure_id=ligne.structure_id,
            structure_nom=ligne.structure_nom,
            etranger=ligne.pays_id is not None and not ligne.en_france,
            du=ligne.date_debut or ligne.date_fin, au=ligne.date_fin or ligne.date_debut,
        )
    for aid, sid, libelle in cx.execute(
        select(annonce_specialite.c.annonce_id, Specialite.id, Specialite.libelle)
        .join(Specialite, Specialite.id == annonce_specialite.c.specialite_id)
        .where(annonce_specialite.c.annonce_id.in_(ids))
    ):
        resultat[aid].specialites[sid] = libelle
    parents: dict[int, set[int]] = {}
    for aid, ssid, libelle, parent, parent_libelle in cx.execute(
        select(annonce_sous_specialite.c.annonce_id, SousSpecialite.id, SousSpecialite.libelle,
               Specialite.id, Specialite.libelle)
        .join(SousSpecialite, SousSpecialite.id == annonce_sous_specialite.c.sous_specialite_id)
        .join(Specialite, Specialite.id == SousSpecialite.specialite_id)
        .where(annonce_sous_specialite.c.annonce_id.in_(ids))
    ):
        resultat[aid].sous_specialites[ssid] = libelle
        resultat[aid].specialites.setdefault(parent, parent_libelle)
        parents.setdefault(aid, set()).add(parent)
    for aid, rid, nom in cx.execute(
        select(annonce_region.c.annonce_id, Region.id, Region.nom)
        .join(Region, Region.id == annonce_region.c.region_id).where(annonce_region.c.annonce_id.in_(ids))
    ):
        resultat[aid].regions[rid] = nom
    for aid, did, nom, rid, region_nom in cx.execute(
        select(annonce_departement.c.annonce_id, Departement.id, Departement.nom, Region.id, Region.nom)
        .join(Departement, Departement.id == annonce_departement.c.departement_id)
        .join(Region, Region.id == Departement.region_id)
        .where(annonce_departement.c.annonce_id.in_(ids))
    ):
        resultat[aid].departements[did] = nom
        resultat[aid].regions.setdefault(rid, region_nom)
    for besoin in resultat.values():
        besoin.entieres = set(besoin.specialites) - parents.get(besoin.id, set())
        besoin.france_entiere = not besoin.etranger and not besoin.regions and not besoin.departements
    return resultat


@dataclass
class Profil:
    """An intervenant's criteria, read once."""

    id: int
    sous_specialites: dict[int, str]
    specialites: dict[int, str]
    regions: dict[int, str]
    departements: dict[int, str]
    etranger: bool
    indisponibilites: list[tuple[date, date]]
    texte: str
    realisees: int


def profil(intervenant_id: int, conn=None) -> Profil | None:
    """The criteria of one intervenant (validated only: the others are never suggested)."""
    cx = conn if conn is not None else db.session
    ligne = cx.execute(
        select(Intervenant.id, Intervenant.disponible_etranger, Intervenant.texte_parcours)
        .where(Intervenant.id == intervenant_id, Intervenant.etat_inscription == EtatInscription.validee)
    ).first()
    if ligne is None:
        return None
    sous = dict(cx.execute(
        select(SousSpecialite.id, SousSpecialite.libelle)
        .join(intervenant_sous_specialite, intervenant_sous_specialite.c.sous_specialite_id == SousSpecialite.id)
        .where(intervenant_sous_specialite.c.intervenant_id == intervenant_id)).all())
    specs = dict(cx.execute(
        select(Specialite.id, Specialite.libelle)
        .join(intervenant_specialite, intervenant_specialite.c.specialite_id == Specialite.id)
        .where(intervenant_specialite.c.intervenant_id == intervenant_id)).all())
    regions = dict(cx.execute(
        select(Region.id, Region.nom).join(intervenant_region, intervenant_region.c.region_id == Region.id)
        .where(intervenant_region.c.intervenant_id == intervenant_id)).all())
    deps = dict(cx.execute(
        select(Departement.id, Departement.nom)
        .join(intervenant_departement, intervenant_departement.c.departement_id == Departement.id)
        .where(intervenant_departement.c.intervenant_id == intervenant_id)).all())
    periodes = cx.execute(
        select(Indisponibilite.du, Indisponibilite.au).where(Indisponibilite.intervenant_id == intervenant_id)).all()
    realisees = cx.scalar(select(func.count()).select_from(Intervention).where(
        Intervention.intervenant_id == intervenant_id, Intervention.etat == EtatIntervention.realisee))
    return Profil(
        id=ligne.id, sous_specialites=sous, specialites=specs, regions=regions, departements=deps,
        etranger=bool(ligne.disponible_etranger),
        indisponibilites=[(p.du, p.au) for p in periodes], texte=ligne.texte_parcours or "", realisees=realisees,
    )


# -- the score, written once -----------------------------------------------------
def _plafond(expression, cle: str, dialecte: str):
    """``LEAST`` (PostgreSQL) or the two-argument ``min`` (SQLite), not a
    ``CASE``: a CASE names its expression twice, and each correlated count
    behind it ran twice per candidate."""
    borne = literal(PLAFONDS[cle])
    return func.least(expression, borne) if dialecte == "postgresql" else func.min(expression, borne)


def score_sql(c: dict, dialecte: str) -> sa.ColumnElement:
    """The score from the components' SQL expressions (see POIDS and PLAFONDS)."""
    total = literal(0)
    for cle, poids in POIDS.items():
        valeur = _plafond(c[cle], cle, dialecte) if cle in PLAFONDS else c[cle]
        total = total + valeur * poids
    return total


def score(composantes: dict) -> int:
    """The same score in Python (tests, property check)."""
    return sum(min(composantes[cle], PLAFONDS.get(cle, composantes[cle])) * poids for cle, poids in POIDS.items())


def _compter(table, *where):
    return select(func.count()).select_from(table).where(*where).scalar_subquery()


def _pluriel(n: int, singulier: str, pluriel: str | None = None) -> str:
    return f"{n} {singulier if n <= 1 else (pluriel or singulier + 's')}"


def raisons(c: dict, *, premiere_exacte: str | None, premier_domaine: str | None, lieu: str | None,
            periode: bool, structure_nom: str, vous: bool) -> list[str]:
    """The reasons in plain French, from the components of one pair."""
    dites = []
    if c["exact"]:
        dites.append(f"{_pluriel(c['exact'], 'spécialité')} en commun dont {premiere_exacte}"
                     if c["exact"] > 1 else f"spécialité en commun : {premiere_exacte}")
    elif c["domaine"]:
        dites.append(f"même domaine : {premier_domaine}")
    if lieu:
        dites.append(lieu)
    if periode:
        dites.append("disponible sur la période" if not vous else "vous êtes disponible sur la période")
    if c["structure"]:
        dites.append(f"{_pluriel(c['structure'], 'intervention')} pour {structure_nom}")
    if c["experience"]:
        dites.append(f"{_pluriel(c['experience'], 'intervention réalisée', 'interventions réalisées')}")
    if c["texte"]:
        qui = "votre parcours" if vous else "son parcours"
        dites.append(f"{_pluriel(c['texte'], 'mot')} de l'intitulé dans {qui}")
    return dites


@dataclass
class Suggestion:
    annonce_id: int
    intervenant_id: int
    score: int
    composantes: dict
    raisons: list[str]
    #: Direction annonce: the intervenant's name and last invitation (any annonce).
    nom: str = ""
    derniere_invitation: datetime | None = None
    #: Direction intervenant: the annonce.
    numero: str = ""
    intitule: str = ""
    date_limite: date | None = None
    structure_nom: str = ""
    invite_le: datetime | None = None


def _dialecte(conn=None) -> str:
    return db.session.get_bind().dialect.name if conn is None else conn.dialect.name


def _texte_intervenant_sql(besoin: Besoin, dialecte: str, cx):
    """Direction annonce: the intitulé's words in each intervenant's Parcours."""
    if dialecte == "postgresql":
        lexemes = cx.scalar(select(func.tsvector_to_array(func.to_tsvector("french", besoin.intitule)))) or []
        colonne = literal_column(f"intervenant.{TEXTE_PARCOURS_TSV}")
        termes = [case((colonne.op("@@")(func.to_tsquery("simple", _tsquery_litteral(lex))), 1), else_=0)
                  for lex in lexemes[:MOTS_MAX]]
    else:
        texte = func.lower(func.coalesce(Intervenant.texte_parcours, ""))
        termes = [case((texte.contains(mot, autoescape=True), 1), else_=0) for mot in mots_cles(besoin.intitule)]
    total = literal(0)
    for terme in termes:
        total = total + terme
    return total


def _tsquery_litteral(lexeme: str) -> str:
    """A lexeme as a tsquery term (quoted: no operator inside is read)."""
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"


def _zone_intervenant_sql(besoin: Besoin, dialecte: str):
    """Direction annonce: 3, 2, 1 or 0 (see the module's docstring).
    PostgreSQL reads the régions from the profile's ``region_ids`` (copied
    from the link table by triggers): with the spécialités' array, both come
    from one index of the validated profiles, read without the table rows
    (7 to 17 ms instead of 35 for 10,000 candidates at 100,000 profiles)."""
    i = Intervenant.id
    branches = []
    if besoin.departements:
        branches.append((exists().where(intervenant_departement.c.intervenant_id == i,
                                        intervenant_departement.c.departement_id.in_(list(besoin.departements))), 3))
    if besoin.regions and dialecte == "postgresql":
        branches.append((literal_column("intervenant.region_ids").op("&&")(
            sa.cast(sa.literal(sorted(besoin.regions), sa.ARRAY(sa.Integer)), sa.ARRAY(sa.Integer))), 2))
    elif besoin.regions:
        branches.append((exists().where(intervenant_region.c.intervenant_id == i,
                                        intervenant_region.c.region_id.in_(list(besoin.regions))), 2))
    if besoin.etranger:
        return case((Intervenant.disponible_etranger.is_(True), 1), else_=0)
    if besoin.france_entiere:
        return literal(1)
    return case(*branches, else_=0)


def suggestions_annonce(annonce_id: int, limite: int = SUGGESTIONS_MAX, conn=None) -> list[Suggestion]:
    """The intervenants to suggest for this annonce, best first, with their reasons
    (``conn``: a bare connection, the bench's baseline; else the session)."""
    cx = conn if conn is not None else db.session
    besoin = besoins([annonce_id], cx).get(annonce_id)
    if besoin is None or not besoin.specialites:
        return []
    dialecte = _dialecte(conn)
    i = Intervenant.id
    domaines = list(besoin.specialites)
    exact_sous = list(besoin.sous_specialites)
    entieres = list(besoin.entieres)
    c = {
        "exact": (_compter(intervenant_sous_specialite, intervenant_sous_specialite.c.intervenant_id == i,
                           intervenant_sous_specialite.c.sous_specialite_id.in_(exact_sous or [-1]))
                  + _compter(intervenant_specialite, intervenant_specialite.c.intervenant_id == i,
                             intervenant_specialite.c.specialite_id.in_(entieres or [-1]))),
        "domaine": _compter(intervenant_specialite, intervenant_specialite.c.intervenant_id == i,
                            intervenant_specialite.c.specialite_id.in_(domaines)),
        "zone": _zone_intervenant_sql(besoin, dialecte),
        "structure": _compter(Intervention, Intervention.intervenant_id == i,
                              Intervention.structure_id == besoin.structure_id,
                              Intervention.etat != EtatIntervention.annulee),
        "experience": _compter(Intervention, Intervention.intervenant_id == i,
                               Intervention.etat == EtatIntervention.realisee),
    }
    #: Apart from ``c``: read in the second stage only (see below).
    texte = _texte_intervenant_sql(besoin, dialecte, cx)
    premiere_exacte = select(func.min(intervenant_sous_specialite.c.sous_specialite_id)).where(
        intervenant_sous_specialite.c.intervenant_id == i,
        intervenant_sous_specialite.c.sous_specialite_id.in_(exact_sous or [-1])).scalar_subquery()
    premiere_entiere = select(func.min(intervenant_specialite.c.specialite_id)).where(
        intervenant_specialite.c.intervenant_id == i,
        intervenant_specialite.c.specialite_id.in_(entieres or [-1])).scalar_subquery()
    premier_domaine = select(func.min(intervenant_specialite.c.specialite_id)).where(
        intervenant_specialite.c.intervenant_id == i,
        intervenant_specialite.c.specialite_id.in_(domaines)).scalar_subquery()
    departement = select(func.min(intervenant_departement.c.departement_id)).where(
        intervenant_departement.c.intervenant_id == i,
        intervenant_departement.c.departement_id.in_(list(besoin.departements) or [-1])).scalar_subquery()
    region = select(func.min(intervenant_region.c.region_id)).where(
        intervenant_region.c.intervenant_id == i,
        intervenant_region.c.region_id.in_(list(besoin.regions) or [-1])).scalar_subquery()
    derniere = select(func.max(InvitationAnnonce.created_at)).where(
        InvitationAnnonce.intervenant_id == i).scalar_subquery()

    if dialecte == "postgresql":  # the GIN index of the validated profiles' spécialités
        vivier = literal_column("intervenant.specialite_ids").op("&&")(
            sa.cast(sa.literal(domaines, sa.ARRAY(sa.Integer)), sa.ARRAY(sa.Integer)))
    else:
        vivier = i.in_(select(intervenant_specialite.c.intervenant_id)
                       .where(intervenant_specialite.c.specialite_id.in_(domaines)))
    where = [
        Intervenant.etat_inscription == EtatInscription.validee,
        vivier,
        ~exists().where(Candidature.annonce_id == annonce_id, Candidature.intervenant_id == i),
        ~exists().where(InvitationAnnonce.annonce_id == annonce_id, InvitationAnnonce.intervenant_id == i),
    ]
    if besoin.du is not None:
        where.append(disponible_entre(besoin.du, besoin.au, par_profil=dialecte == "postgresql"))
    if dialecte == "postgresql" and besoin.regions and not (besoin.departements or besoin.etranger):
        # The zone's only way in, said plainly as well: the GIN index of the
        # validated profiles then finds spécialité and région together (2,200
        # rows read instead of 11,000 rechecked, 26 → 6 ms at 100,000 profiles).
        where.append(literal_column("intervenant.region_ids").op("&&")(
            sa.cast(sa.literal(sorted(besoin.regions), sa.ARRAY(sa.Integer)), sa.ARRAY(sa.Integer))))
    # Two stages. 1: every candidate with the components read from the link
    # tables, and the score without the text (``partiel``); no column of the
    # profile row but its id and the indexed arrays, so PostgreSQL reads them
    # from an index, not from 10,000 table rows (48 ms at 100,000 profiles).
    # 2: the text, the name and the reasons, only for the candidates that may
    # still reach the first ``limite`` places: the text adds at most
    # POIDS × PLAFONDS (5), so a candidate whose ``partiel`` is below the
    # ``limite``-th best minus 5 cannot pass it (equal totals included).
    candidats = (
        select(i.label("id"), *(v.label(k) for k, v in c.items()), derniere.label("derniere"))
        .where(*where, c["zone"] > 0)
        .cte("candidats")
    )
    partiel = score_sql({**{k: candidats.c[k] for k in c}, "texte": literal(0)}, dialecte)
    retenus = select(candidats, partiel.label("partiel")).subquery("retenus")
    seuil = (select(retenus.c.partiel).order_by(retenus.c.partiel.desc())
             .offset(limite - 1).limit(1).scalar_subquery())
    texte_max = POIDS["texte"] * PLAFONDS["texte"]
    i2 = retenus.c.id
    finale = (
        select(retenus, Intervenant.prenom, Intervenant.nom_usage, texte.label("texte"),
               *(expression.label(nom) for nom, expression in (
                   ("premiere_exacte", premiere_exacte), ("premiere_entiere", premiere_entiere),
                   ("premier_domaine", premier_domaine), ("departement", departement), ("region", region))))
        .join(Intervenant, Intervenant.id == i2)
        .where(retenus.c.partiel >= func.coalesce(seuil, 0) - texte_max)
        .subquery("finale")
    )
    total = (finale.c.partiel + _plafond(finale.c.texte, "texte", dialecte) * POIDS["texte"]).label("score")
    rotation = (finale.c.id * 7919 + annonce_id) % 1009
    lignes = cx.execute(
        select(finale, total)
        .order_by(total.desc(), finale.c.derniere.asc().nulls_first(), rotation, finale.c.id)
        .limit(limite)
    ).all()
    resultat = []
    for ligne in lignes:
        comp = {k: getattr(ligne, k) for k in (*c, "texte")}
        premiere = besoin.sous_specialites.get(ligne.premiere_exacte) or besoin.specialites.get(ligne.premiere_entiere)
        resultat.append(Suggestion(
            annonce_id=annonce_id, intervenant_id=ligne.id, score=ligne.score, composantes=comp,
            raisons=raisons(comp, premiere_exacte=premiere, premier_domaine=besoin.specialites.get(ligne.premier_domaine),
                            lieu=_lieu(comp["zone"], besoin.departements.get(ligne.departement),
                                       besoin.regions.get(ligne.region), besoin, vous=False),
                            periode=besoin.du is not None, structure_nom=besoin.structure_nom, vous=False),
            nom=f"{ligne.prenom} {ligne.nom_usage}", derniere_invitation=ligne.derniere,
        ))
    return resultat


def _lieu(zone: int, departement: str | None, region: str | None, besoin: Besoin | None, *, vous: bool,
          etranger: bool = False) -> str | None:
    """Where the pair meets, in words (none for an annonce open to all France)."""
    sujet = "vous intervenez" if vous else "intervient"
    if zone == 3 and departement:
        return f"{sujet} dans le département {departement}"
    if zone == 2 and region:
        return f"{sujet} en {region}"
    if zone == 1 and ((besoin is not None and besoin.etranger) or etranger):
        return "disponible pour l'étranger" if not vous else "vous êtes disponible pour l'étranger"
    return None  # an annonce open to all France: no reason to give


# -- the rankings shown on pages, kept a few minutes per process ------------------------
#: Ranked beyond what is shown, so that those answered, invited or closed
#: since can be left out at each read without ranking again.
RESERVE = 10
#: (sens, id, limite) → (monotonic time of the ranking, the ranked list), least recently used first.
_gardes: OrderedDict[tuple[str, int, int], tuple[float, list[Suggestion]]] = OrderedDict()
#: At most this many rankings per process (a page of 60 suggestions weighs some 60 kB):
#: a few tens of MB per worker at worst, the least recently read dropped first.
GARDES_MAX = 500


def vider_gardes() -> None:
    _gardes.clear()


def _change_le_classement(obj) -> bool:
    """A commit that can change rankings: an annonce (published, closed, its
    criteria), a profile, its links or unavailabilities, an invitation, an
    intervention (experience). Other processes see it within the duration."""
    return isinstance(obj, Annonce | Intervenant | Indisponibilite | InvitationAnnonce | Intervention)


def init_app(app) -> None:
    caches.vider_apres_commit(db.session, "suggestions_gardees", _change_le_classement, vider_gardes)


def _garde(cle: tuple[str, int, int], classer, encore_valables, id_de) -> list[Suggestion]:
    """The ranking of ``cle`` made at most ``CACHE_SUGGESTIONS_SECONDES`` ago
    in this process (``classer()`` otherwise), its first ``limite`` still
    valid: ``encore_valables(liste)`` gives the ids still allowed (one
    statement, read at each call), ``id_de(suggestion)`` the id it checks."""
    limite = cle[2]
    duree = current_app.config.get("CACHE_SUGGESTIONS_SECONDES", 0)
    maintenant = monotonic()
    entree = _gardes.get(cle)
    if entree is None or maintenant - entree[0] >= duree:
        classees = classer()
        if duree > 0:
            _gardes[cle] = (maintenant, classees)
            _gardes.move_to_end(cle)
            while len(_gardes) > GARDES_MAX:
                _gardes.popitem(last=False)
        return classees[:limite]
    _gardes.move_to_end(cle)
    classees = entree[1]
    valables = encore_valables(classees)  # even for none: a page's statements do not depend on its rows
    return [s for s in classees if id_de(s) in valables][:limite]


def annonces_pour_gardees(intervenant_id: int, limite: int = POUR_VOUS_PAGE) -> list[Suggestion]:
    """« Annonces pour vous » (tableau de bord, full page), ranked at most
    every ``CACHE_SUGGESTIONS_SECONDES`` per process and intervenant.

    Why: ranking every open annonce costs 20 to 25 ms at 100,000 profiles,
    at each visit of the intervenant's first page; the ranking changes
    slowly. An annonce answered since, or no longer open, leaves at once."""

    def encore(classees):
        today = utcnow().date()
        return set(db.session.scalars(select(Annonce.id).where(
            Annonce.id.in_([s.annonce_id for s in classees]), Annonce.etat == EtatAnnonce.publiee,
            Annonce.date_limite >= today,
            ~exists().where(Candidature.annonce_id == Annonce.id, Candidature.intervenant_id == intervenant_id))))

    return _garde(("intervenant", intervenant_id, limite),
                  lambda: annonces_pour(intervenant_id, limite=limite + RESERVE), encore, lambda s: s.annonce_id)


def suggestions_annonce_gardees(annonce_id: int, limite: int = SUGGESTIONS_MAX) -> list[Suggestion]:
    """« Intervenants suggérés » of an annonce, ranked at most every
    ``CACHE_SUGGESTIONS_SECONDES`` per process (20 to 50 ms at 100,000
    profiles); a person who applied or was invited since, or whose
    inscription is no longer validated, leaves at once. An invitation
    re-checks the hard rules of the ticked people (``inviter``)."""

    def encore(classees):
        return set(db.session.scalars(select(Intervenant.id).where(
            Intervenant.id.in_([s.intervenant_id for s in classees]),
            Intervenant.etat_inscription == EtatInscription.validee,
            ~exists().where(Candidature.annonce_id == annonce_id, Candidature.intervenant_id == Intervenant.id),
            ~exists().where(InvitationAnnonce.annonce_id == annonce_id,
                            InvitationAnnonce.intervenant_id == Intervenant.id))))

    return _garde(("annonce", annonce_id, limite),
                  lambda: suggestions_annonce(annonce_id, limite=limite + RESERVE), encore, lambda s: s.intervenant_id)


# -- the other way: annonces for an intervenant --------------------------------------
def annonces_pour(intervenant_id: int, limite: int = POUR_VOUS_PAGE, today: date | None = None,
                  conn=None) -> list[Suggestion]:
    """The open annonces that fit this intervenant best, with their reasons;
    those already answered excluded (an invitation is shown, not excluded).
    ``conn``: a bare connection (the bench's baseline); else the session."""
    cx = conn if conn is not None else db.session
    p = profil(intervenant_id, cx)
    if p is None or not p.specialites:
        return []
    today = today or utcnow().date()
    dialecte = _dialecte(conn)
    a = Annonce.id
    domaines = list(p.specialites)
    sous = list(p.sous_specialites) or [-1]
    ass, asp = annonce_sous_specialite, annonce_specialite
    sous_de_la_specialite = (
        select(1).select_from(ass.join(SousSpecialite, SousSpecialite.id == ass.c.sous_specialite_id))
        .where(ass.c.annonce_id == a, SousSpecialite.specialite_id == asp.c.specialite_id)
        .correlate_except(ass, SousSpecialite).exists()
    )
    france = select(Pays.id).where(Pays.code == CODE_FRANCE).scalar_subquery()
    a_l_etranger = and_(Annonce.pays_id.is_not(None), Annonce.pays_id != france)
    sans_lieu = and_(~exists().where(annonce_region.c.annonce_id == a),
                     ~exists().where(annonce_departement.c.annonce_id == a))
    region_couverte = or_(
        exists().where(annonce_region.c.annonce_id == a, annonce_region.c.region_id.in_(list(p.regions) or [-1])),
        exists().where(annonce_departement.c.annonce_id == a,
                       annonce_departement.c.departement_id == Departement.id,
                       Departement.region_id.in_(list(p.regions) or [-1])).correlate_except(
            annonce_departement, Departement),
    )
    zone = case(
        (a_l_etranger, literal(1 if p.etranger else 0)),
        (exists().where(annonce_departement.c.annonce_id == a,
                        annonce_departement.c.departement_id.in_(list(p.departements) or [-1])), 3),
        (region_couverte, 2),
        (sans_lieu, 1),
        else_=0,
    )
    if dialecte == "postgresql":
        texte = _texte_annonce_pg(p.id, cx)
    else:
        texte = literal(0)  # computed below in Python (SQLite: the simpler rule)
    c = {
        "exact": (_compter(ass, ass.c.annonce_id == a, ass.c.sous_specialite_id.in_(sous))
                  + _compter(asp, asp.c.annonce_id == a, asp.c.specialite_id.in_(domaines), ~sous_de_la_specialite)),
        "domaine": _compter(asp, asp.c.annonce_id == a, asp.c.specialite_id.in_(domaines)),
        "zone": zone,
        "structure": _compter(Intervention, Intervention.intervenant_id == p.id,
                              Intervention.structure_id == Annonce.structure_id,
                              Intervention.etat != EtatIntervention.annulee),
        "experience": literal(p.realisees),
        "texte": texte,
    }
    premiere_exacte = select(func.min(SousSpecialite.libelle)).select_from(ass).join(
        SousSpecialite, SousSpecialite.id == ass.c.sous_specialite_id).where(
        ass.c.annonce_id == a, ass.c.sous_specialite_id.in_(sous)).scalar_subquery()
    premiere_entiere = select(func.min(Specialite.libelle)).select_from(asp).join(
        Specialite, Specialite.id == asp.c.specialite_id).where(
        asp.c.annonce_id == a, asp.c.specialite_id.in_(domaines), ~sous_de_la_specialite).scalar_subquery()
    premier_domaine = select(func.min(Specialite.libelle)).select_from(asp).join(
        Specialite, Specialite.id == asp.c.specialite_id).where(
        asp.c.annonce_id == a, asp.c.specialite_id.in_(domaines)).scalar_subquery()
    departement = select(func.min(Departement.nom)).select_from(annonce_departement).join(
        Departement, Departement.id == annonce_departement.c.departement_id).where(
        annonce_departement.c.annonce_id == a, Departement.id.in_(list(p.departements) or [-1])).scalar_subquery()
    region = select(func.min(Region.nom)).where(Region.id.in_(list(p.regions) or [-1]), or_(
        exists().where(annonce_region.c.annonce_id == a, annonce_region.c.region_id == Region.id)
        .correlate_except(annonce_region),
        exists().where(annonce_departement.c.annonce_id == a, annonce_departement.c.departement_id == Departement.id,
                       Departement.region_id == Region.id).correlate_except(annonce_departement, Departement),
    )).scalar_subquery()
    invite = select(InvitationAnnonce.created_at).where(
        InvitationAnnonce.annonce_id == a, InvitationAnnonce.intervenant_id == p.id).scalar_subquery()
    # The open annonces of the intervenant's domaines first, on their own
    # (materialised): the planner otherwise read every open annonce and ran
    # the zone's subqueries on each before keeping those of the domaines
    # (3,200 for 130, 14 of 22 ms at 100,000 profiles and 20,000 annonces).
    ouverte = aliased(Annonce)
    du_domaine = (
        select(ouverte.id).distinct()
        .join(asp, asp.c.annonce_id == ouverte.id)
        .where(asp.c.specialite_id.in_(domaines), ouverte.etat == EtatAnnonce.publiee, ouverte.date_limite >= today)
        .cte("du_domaine")
    )
    if dialecte == "postgresql":
        du_domaine = du_domaine.prefix_with("MATERIALIZED")
    where = [
        Annonce.etat == EtatAnnonce.publiee,
        Annonce.date_limite >= today,
        a.in_(select(du_domaine.c.id)),
        ~exists().where(Candidature.annonce_id == a, Candidature.intervenant_id == p.id),
    ]
    debut = func.coalesce(Annonce.date_debut, Annonce.date_fin)
    fin = func.coalesce(Annonce.date_fin, Annonce.date_debut)
    for du, au in p.indisponibilites:
        where.append(or_(debut.is_(None), not_(and_(debut <= au, fin >= du))))
    interne = (
        select(a.label("id"), Annonce.numero, Annonce.intitule, Annonce.date_limite, Structure.nom.label("structure_nom"),
               Annonce.date_debut, Annonce.date_fin, a_l_etranger.label("etranger"), sans_lieu.label("sans_lieu"),
               *(v.label(k) for k, v in c.items()),
               premiere_exacte.label("premiere_exacte"), premiere_entiere.label("premiere_entiere"),
               premier_domaine.label("premier_domaine"), departement.label("departement"),
               region.label("region"), invite.label("invite_le"))
        .join(Structure, Structure.id == Annonce.structure_id)
        .where(*where)
        .subquery()
    )
    total = score_sql({k: interne.c[k] for k in c}, dialecte).label("score")
    requete = select(interne, total).where(interne.c.zone > 0)
    if dialecte == "postgresql":
        requete = requete.order_by(total.desc(), interne.c.date_limite, interne.c.id).limit(limite)
    lignes = cx.execute(requete).all()
    resultat = []
    texte_bas = p.texte.lower()
    for ligne in lignes:
        comp = {k: getattr(ligne, k) for k in c}
        if dialecte != "postgresql":
            comp["texte"] = sum(1 for mot in mots_cles(ligne.intitule) if mot in texte_bas)
        lieu = _lieu(comp["zone"], ligne.departement, ligne.region, None, vous=True, etranger=bool(ligne.etranger))
        resultat.append(Suggestion(
            annonce_id=ligne.id, intervenant_id=p.id, score=score(comp), composantes=comp,
            raisons=raisons(comp, premiere_exacte=ligne.premiere_exacte or ligne.premiere_entiere,
                            premier_domaine=ligne.premier_domaine, lieu=lieu,
                            periode=(ligne.date_debut or ligne.date_fin) is not None,
                            structure_nom=ligne.structure_nom, vous=True),
            numero=ligne.numero, intitule=ligne.intitule, date_limite=ligne.date_limite,
            structure_nom=ligne.structure_nom, invite_le=ligne.invite_le,
        ))
    if dialecte != "postgresql":
        resultat.sort(key=lambda s: (-s.score, s.date_limite, s.annonce_id))
        resultat = resultat[:limite]
    return resultat


def _texte_annonce_pg(intervenant_id: int, cx):
    """Direction intervenant (PostgreSQL): the lexemes of each annonce's
    intitulé present in this intervenant's stored ``tsvector``."""
    lexemes = cx.scalar(
        select(func.tsvector_to_array(literal_column(TEXTE_PARCOURS_TSV)))
        .select_from(Intervenant).where(Intervenant.id == intervenant_id)
    ) or []
    if not lexemes:
        return literal(0)
    mots = func.unnest(func.tsvector_to_array(func.to_tsvector("french", Annonce.intitule))).table_valued(
        "l").render_derived()
    return (
        select(func.least(func.count(), MOTS_MAX)).select_from(mots)
        .where(mots.c.l == sa.any_(sa.literal(list(lexemes), sa.ARRAY(sa.Text))))
        .scalar_subquery()
    )


# -- the hard rules, checked on their own ------------------------------------------
def regles_dures_violees(annonce_id: int, intervenant_ids, conn=None) -> dict[int, str]:
    """For each intervenant that may NOT be suggested for the annonce, why (in
    French). Written apart from the ranking's SQL, row by row in Python over
    a few set-based reads: the invitation re-checks the ticked people with
    it, and the bench's property check compares both."""
    cx = conn if conn is not None else db.session
    ids = sorted({int(x) for x in intervenant_ids})
    besoin = besoins([annonce_id], cx).get(annonce_id)
    if besoin is None:
        return dict.fromkeys(ids, "annonce inconnue")
    lignes = cx.execute(select(Intervenant.id, Intervenant.etat_inscription, Intervenant.disponible_etranger)
                                .where(Intervenant.id.in_(ids))).all()
    etats = {ligne.id: ligne.etat_inscription for ligne in lignes}
    etranger = {ligne.id: ligne.disponible_etranger for ligne in lignes}
    candidats = set(cx.scalars(select(Candidature.intervenant_id).where(
        Candidature.annonce_id == annonce_id, Candidature.intervenant_id.in_(ids))))
    invites = set(cx.scalars(select(InvitationAnnonce.intervenant_id).where(
        InvitationAnnonce.annonce_id == annonce_id, InvitationAnnonce.intervenant_id.in_(ids))))
    indisponibles = set()
    if besoin.du is not None:
        indisponibles = set(cx.scalars(select(Indisponibilite.intervenant_id).where(
            Indisponibilite.intervenant_id.in_(ids), Indisponibilite.du <= besoin.au, Indisponibilite.au >= besoin.du)))
    regions, departements, domaines = {}, {}, {}
    for table, cle, cible in ((intervenant_region, "region_id", regions),
                              (intervenant_departement, "departement_id", departements),
                              (intervenant_specialite, "specialite_id", domaines)):
        for iid, rid in cx.execute(select(table.c.intervenant_id, table.c[cle]).where(
                table.c.intervenant_id.in_(ids))):
            cible.setdefault(iid, set()).add(rid)
    violees = {}
    for iid in ids:
        if etats.get(iid) != EtatInscription.validee:
            violees[iid] = "inscription non validée ou archivée"
        elif iid in candidats:
            violees[iid] = "a déjà candidaté"
        elif iid in invites:
            violees[iid] = "déjà invité(e)"
        elif iid in indisponibles:
            violees[iid] = "indisponible sur la période"
        elif not domaines.get(iid, set()) & set(besoin.specialites):
            violees[iid] = "aucun domaine en commun"
        else:
            if besoin.etranger:
                couvre = bool(etranger.get(iid))
            else:
                couvre = (besoin.france_entiere or bool(departements.get(iid, set()) & set(besoin.departements))
                          or bool(regions.get(iid, set()) & set(besoin.regions)))
            if not couvre:
                violees[iid] = "zone d'intervention hors du lieu de l'annonce"
    return violees


# -- « Inviter à candidater » ----------------------------------------------------
SUJET_INVITATION = "Invitation à candidater à l'annonce {numero}"
TEXTE_INVITATION = (
    "Bonjour,\n\n{structure} vous invite à candidater à l'annonce {numero} « {intitule} », "
    "qui correspond à votre profil.\n\nConsulter l'annonce et candidater : {lien}\n\n"
    "Date limite de candidature : {date_limite}.\n\nCordialement,\n{structure}"
)


def inviter(annonce_id: int, intervenant_ids, acteur_id: int) -> list[int]:
    """Invite the ticked intervenants to apply: for each one not invited to
    this annonce before, an invitation row, one messagerie message and one
    e-mail, all in the caller's transaction. The unique key (annonce,
    intervenant) decides who is new: a second click, even simultaneous,
    inserts nothing and so sends nothing. Returns the ids newly invited.

    The acteur must act for the annonce's structure (the view answers 404
    before; checked again here for the API and jobs)."""

    annonce = db.session.get(Annonce, annonce_id)
    acteur = db.session.get(User, acteur_id)
    if annonce is None or acteur is None or not perimetre_de(Acteur.from_user(acteur)).couvre(annonce.structure_id):
        raise SuggestionRefusee("Cette annonce n'existe pas ou n'est pas celle de votre structure.")
    if not annonce.ouverte_aux_candidatures(utcnow().date()):
        raise SuggestionRefusee("Seule une annonce publiée dont la date limite n'est pas passée permet d'inviter.")
    try:
        ids = sorted({int(x) for x in intervenant_ids})
    except (TypeError, ValueError) as exc:
        raise SuggestionRefusee("Sélection invalide.") from exc
    if not ids:
        raise SuggestionRefusee("Cochez au moins un intervenant à inviter.")
    if len(ids) > SUGGESTIONS_MAX:
        raise SuggestionRefusee(f"{SUGGESTIONS_MAX} intervenants au plus par invitation.")
    violees = regles_dures_violees(annonce_id, ids)
    deja = {i for i, raison in violees.items() if raison == "déjà invité(e)"}
    refuses = {i: r for i, r in violees.items() if i not in deja}
    if refuses:
        raise SuggestionRefusee(
            "Certains intervenants cochés ne peuvent pas être invités : " + "; ".join(sorted(set(refuses.values()))) + ".")
    nouveaux = [i for i in ids if i not in deja]
    if not nouveaux:
        return []
    maintenant = utcnow()
    dialecte = postgresql_insert if _dialecte() == "postgresql" else sqlite_insert
    inseres = db.session.scalars(
        dialecte(InvitationAnnonce)
        .values([{"annonce_id": annonce_id, "intervenant_id": i, "invite_par_id": acteur_id, "created_at": maintenant}
                 for i in nouveaux])
        .on_conflict_do_nothing(index_elements=["annonce_id", "intervenant_id"])
        .returning(InvitationAnnonce.intervenant_id)
    ).all()
    if not inseres:
        return []
    destinataires = dict(db.session.execute(
        select(Intervenant.user_id, Intervenant.id).where(Intervenant.id.in_(inseres))).all())
    adresses = dict(db.session.execute(select(User.id, User.email).where(User.id.in_(list(destinataires)))).all())
    structure = db.session.scalar(select(Structure.nom).where(Structure.id == annonce.structure_id))
    lien = external_url("AnnoncesPubliquesView.detail", numero=annonce.numero)
    sujet = SUJET_INVITATION.format(numero=annonce.numero)
    texte = TEXTE_INVITATION.format(structure=structure, numero=annonce.numero, intitule=annonce.intitule,
                                    lien=lien, date_limite=format_date(annonce.date_limite, "dd/MM/yyyy"))
    try:
        messages = envoyer_a_chacun(acteur_id, list(destinataires), sujet[:200], texte)
    except MessagerieRefusee as exc:  # messaging disabled for the structure: nothing is recorded (rollback)
        raise SuggestionRefusee(
            "L'invitation passe par la messagerie, qui n'est pas ouverte pour votre structure : " + str(exc)) from exc
    table = InvitationAnnonce.__table__
    db.session.execute(
        table.update().where(table.c.annonce_id == annonce_id, table.c.intervenant_id == sa.bindparam("iid"))
        .values(message_id=sa.bindparam("mid")),
        [{"iid": intervenant_id, "mid": messages[user_id].id} for user_id, intervenant_id in destinataires.items()],
    )
    for user_id in destinataires:
        message = messages[user_id]
        if adresses.get(user_id):
            queue_email(adresses[user_id], "invitation_annonce", sujet, structure=structure, annonce=annonce,
                        lien=lien, lien_message=external_url("ReceptionView.show", pk=message.id))
    log.info("Annonce %s : %d intervenant(s) invité(s) par l'utilisateur %s.", annonce_id, len(inseres), acteur_id)
    return sorted(inseres)


@dataclass
class Invite:
    intervenant_id: int
    nom: str
    le: datetime
    par: str
    candidature: bool


def invitations_annonce(annonce_id: int) -> list[Invite]:
    """Who was invited to the annonce, when, by whom, and whether they applied since (one statement)."""
    par = sa.orm.aliased(User)
    lignes = db.session.execute(
        select(InvitationAnnonce.intervenant_id, Intervenant.prenom, Intervenant.nom_usage,
               InvitationAnnonce.created_at, par.first_name, par.last_name,
               exists().where(Candidature.annonce_id == annonce_id,
                              Candidature.intervenant_id == InvitationAnnonce.intervenant_id).label("candidature"))
        .join(Intervenant, Intervenant.id == InvitationAnnonce.intervenant_id)
        .outerjoin(par, par.id == InvitationAnnonce.invite_par_id)
        .where(InvitationAnnonce.annonce_id == annonce_id)
        .order_by(InvitationAnnonce.created_at.desc(), InvitationAnnonce.id.desc())
    ).all()
    return [Invite(r.intervenant_id, f"{r.prenom} {r.nom_usage}", r.created_at,
                   f"{r.first_name or ''} {r.last_name or ''}".strip(), bool(r.candidature)) for r in lignes]


def invitation_de(annonce_id: int, intervenant_id: int) -> datetime | None:
    """When this intervenant was invited to this annonce, if ever."""
    return db.session.scalar(select(InvitationAnnonce.created_at).where(
        InvitationAnnonce.annonce_id == annonce_id, InvitationAnnonce.intervenant_id == intervenant_id))


@dataclass
class InvitationRecue:
    numero: str
    intitule: str
    structure_nom: str
    date_limite: date
    le: datetime


def invitations_ouvertes(intervenant_id: int, today: date | None = None, conn=None) -> list[InvitationRecue]:
    """The invitations the intervenant has not answered yet, on annonces still
    open (the tableau de bord's « Vous avez été invité(e) à candidater »).
    ``conn``: a bare connection (the bench's baseline); else the session."""
    today = today or utcnow().date()
    lignes = (conn if conn is not None else db.session).execute(
        select(Annonce.numero, Annonce.intitule, Structure.nom, Annonce.date_limite, InvitationAnnonce.created_at)
        .join(Annonce, Annonce.id == InvitationAnnonce.annonce_id)
        .join(Structure, Structure.id == Annonce.structure_id)
        .where(InvitationAnnonce.intervenant_id == intervenant_id, Annonce.etat == EtatAnnonce.publiee,
               Annonce.date_limite >= today,
               ~exists().where(Candidature.annonce_id == Annonce.id, Candidature.intervenant_id == intervenant_id))
        .order_by(Annonce.date_limite, Annonce.id)
    ).all()
    return [InvitationRecue(*ligne) for ligne in lignes]


# -- the weekly « Annonces pour vous » e-mail ------------------------------------
SUJET_HEBDO = "Annonces pour vous cette semaine sur l'Espace Intervenants"


def semaine_iso(jour: date) -> str:
    annee, semaine, _ = jour.isocalendar()
    return f"{annee}-W{semaine:02d}"


def envoyer_annonces_de_la_semaine(intervenant_id: int, semaine: str) -> bool:
    """Record this week's e-mail of one intervenant and write it to the
    outbox, in the caller's transaction; False when it was already written
    (the unique key (intervenant, semaine): a re-run, a second worker) or
    when no open annonce fits (the row is written all the same, so the week
    is done for them)."""

    annonces = annonces_pour(intervenant_id, limite=POUR_VOUS_TABLEAU)
    inserer = postgresql_insert if _dialecte() == "postgresql" else sqlite_insert
    nouveau = db.session.scalar(
        inserer(EnvoiAnnoncesPourVous)
        .values(intervenant_id=intervenant_id, semaine=semaine, created_at=utcnow(), nombre_annonces=len(annonces))
        .on_conflict_do_nothing(index_elements=["intervenant_id", "semaine"])
        .returning(EnvoiAnnoncesPourVous.id)
    )
    if nouveau is None or not annonces:
        return False
    email = db.session.scalar(select(User.email).join(Intervenant, Intervenant.user_id == User.id)
                              .where(Intervenant.id == intervenant_id))
    if not email:
        return False
    queue_email(email, "annonces_pour_vous", SUJET_HEBDO, annonces=[
        {"numero": a.numero, "intitule": a.intitule, "structure": a.structure_nom, "raisons": a.raisons,
         "date_limite": format_date(a.date_limite, "dd/MM/yyyy"),
         "lien": external_url("AnnoncesPubliquesView.detail", numero=a.numero)} for a in annonces
    ], lien_liste=external_url("AnnoncesPourVousView.liste"), lien_preferences=external_url("ProfilView.parcours"))
    return True


caches.declarer("suggestions.classements", cle="sens (annonce ou intervenant), id, nombre montré",
                duree="CACHE_SUGGESTIONS_SECONDES",
                vide_par="un commit de ce processus qui touche une annonce, un profil, une indisponibilité, une "
                         "invitation ou une intervention", vider=vider_gardes)
