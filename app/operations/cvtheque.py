"""The CV-thèque's search: criteria, capped count, one page, export rows.

Interface (what the view and the bench use):

- ``recherche_form(args)`` / ``RechercheForm``: the criteria read from a query string;
- ``rechercher(form, page)`` → ``Resultat``: the page's profiles (plain dicts
  with their spécialités and régions), ``total`` capped at ``PLAFOND + 1``,
  the pages offered and whether a next page exists;
- ``lignes_export(form)``: the rows of the XLSX export (``EXPORT_MAX`` at most).

Everything else here is how it stays fast (moved from the view as it was,
issue #18). The search is a count capped at ``PLAFOND + 1`` (« Plus de 100 profils
trouvés » past it, the pages going on while there are rows), one query for
the page's rows (plain rows, not ORM objects) and one for their spécialités
and régions; labels and structure names come from the cached referential
lists, so the number of statements does not grow with the rows. On
PostgreSQL the spécialités and régions of each profile are copied by
triggers into integer arrays on ``intervenant``, and one partial GIN index
on the validated profiles holds them with the Parcours text (stored
tsvector): text, spécialité and région are intersected inside that index
instead of joining each link table to 55,000 validated profiles (7 to 15 ms
→ under 1 ms at 100,000). The other criteria, and every criterion on SQLite
(free text by LIKE), are EXISTS on the link tables, indexed from the
referential side.

What must not grow with the profiles (issue #6, BENCHMARKS.md « Growth »):
the count reads samples of the profiles first (``compter``), so a broad
search is answered from a sample's short index lists; broad searches read
their page by walking the sort's index and stopping after one page
(``parcours_ordonne``), the text checked after the criteria
(``ids_de_page``); otherwise a common expression (« petite enfance ») had
every match read and sorted, 10,000 rows and 15 ms at 300,000 profiles, its
two words' frequencies multiplied by the planner into an estimate of 800.
"""

from __future__ import annotations

import math
from contextlib import contextmanager, nullcontext
from typing import NamedTuple

from sqlalchemy import Float, Integer, and_, case, exists, func, literal_column, select, table, text
from sqlalchemy.dialects.postgresql import ARRAY, array
from sqlalchemy.sql.elements import UnaryExpression
from wtforms import Form, StringField
from wtforms.validators import Optional, ValidationError

from app.extensions import db
from app.forms.champs import SelectField
from app.forms.indisponibilites import FIN_AVANT_DEBUT, FORMATS_DATE, DateFrancaise
from app.forms.profil import optional_int
from app.infra import caches
from app.models.base import references_liees
from app.models.comptes import (
    ECHANTILLONS_CVTHEQUE,
    INDEX_TRIS_CVTHEQUE,
    TABLEAUX_POSTGRESQL,
    TEXTE_PARCOURS_TSV,
    EtatInscription,
    Intervenant,
    intervenant_departement,
    intervenant_region,
    intervenant_sous_specialite,
    intervenant_specialite,
)
from app.models.fichiers import Fichier, declarer_lecteur
from app.models.indisponibilites import disponible_entre
from app.models.parcours import LangueIntervenant, intervenant_nature, intervenant_public
from app.models.referentiels import (
    Departement,
    Langue,
    NatureFormation,
    PublicFormation,
    Region,
    SousSpecialite,
    Specialite,
)
from app.referentiels.options import options, options_actives
from app.security.scope import profil_visible

PAGE_SIZE = 20
#: Beyond this many matches the count says « plus de 100 » (refine the
#: criteria) and stops: an exact count up to 1,000 cost more as the profiles
#: grew (the matches to find, and the index lists they come from; issue #6,
#: BENCHMARKS.md « Growth »). The pages go on past it (PAGES_MAX).
PLAFOND = 100
#: Past the cap, pages are offered while there are rows, up to this one (the
#: OFFSET a page costs grows with its number; the export lists more).
PAGES_MAX = 50
EXPORT_MAX = 10_000
TOUS = [("", "Tous")]
TRIS = {
    "nom": (Intervenant.nom_usage, Intervenant.prenom, Intervenant.id),
    "date": (Intervenant.date_transmission.desc(), Intervenant.id.desc()),
}


class RechercheForm(Form):
    """GET search form (no CSRF: it changes nothing)."""

    specialite = SelectField("Spécialité", coerce=optional_int)
    sous_specialite = SelectField("Sous-spécialité", coerce=optional_int)
    region = SelectField("Région", coerce=optional_int, description="Une des régions où la personne peut intervenir.")
    departement = SelectField("Département", coerce=optional_int,
                              description="Un des départements où la personne peut intervenir.")
    langue = SelectField("Langue", coerce=optional_int)
    nature = SelectField("Nature de formation", coerce=optional_int)
    public = SelectField("Public", coerce=optional_int)
    etranger = SelectField("Disponible à l'étranger", choices=[("", "Indifférent"), ("oui", "Oui"), ("non", "Non")])
    q = StringField("Texte libre (parcours)",
                    description="Cherché dans le parcours : expériences, formations, spécialités "
                                "souhaitées et motivation (pas dans le nom).")
    # Issue 23: no declared indisponibilité overlapping the period (one date alone: that day).
    dispo_du = DateFrancaise("Disponible entre le", format=FORMATS_DATE, validators=[Optional()],
                             description="Profils sans indisponibilité déclarée qui chevauche la période, "
                                         "bornes incluses ; une seule date : ce jour-là (jj/mm/aaaa).")
    dispo_au = DateFrancaise("et le", format=FORMATS_DATE, validators=[Optional()],
                             description="Fin de la période, incluse (jj/mm/aaaa).")
    tri = SelectField("Trier par", choices=[("nom", "Nom"), ("date", "Date de transmission")])

    def validate_dispo_au(self, field) -> None:
        if field.data and self.dispo_du.data and field.data < self.dispo_du.data:
            raise ValidationError(FIN_AVANT_DEBUT)


#: Criteria whose wrong value is shown next to the field and left out (a date
#: typed by hand), not refused as a hand-made URL.
CRITERES_SIGNALES = ("dispo_du", "dispo_au")


def periode_disponible(form: RechercheForm):
    """(du, au) of « Disponible entre le … et le … », a date alone standing
    for that day; None without a valid period (a wrong date is reported next
    to its field and the criterion left out)."""
    du, au = form.dispo_du.data, form.dispo_au.data
    if form.dispo_du.errors or form.dispo_au.errors or (du is None and au is None):
        return None
    du, au = du or au, au or du
    return None if au < du else (du, au)


def recherche_form(args) -> RechercheForm:
    """The criteria of ``args``. Lists offer the active entries only (issue
    27); one deactivated since a search was saved still applies when given
    in the URL (shown, not offered)."""
    form = RechercheForm(args)
    for champ in (form.etranger, form.tri):  # absent: the first choice, not a wrong one shown next to the field
        if champ.data is None:
            champ.data = champ.choices[0][0]
    for champ, modele, libelle in (
        (form.specialite, Specialite, "libelle"),
        (form.sous_specialite, SousSpecialite, "libelle"),
        (form.region, Region, "nom"),
        (form.departement, Departement, "nom"),
        (form.langue, Langue, "libelle"),
        (form.nature, NatureFormation, "libelle"),
        (form.public, PublicFormation, "libelle"),
    ):
        champ.choices = TOUS + list(options_actives(modele, libelle, garder=[champ.data]))
    return form


def condition_lien(lien, valeur: int, dialect: str):
    """Profiles linked to ``valeur`` through the link table ``lien``: on
    PostgreSQL the copied array when there is one (``@>``, in the search's GIN
    index, app.models.comptes.TABLEAUX_POSTGRESQL), else EXISTS on the link."""
    colonne = TABLEAUX_POSTGRESQL.get(lien.name) if dialect == "postgresql" else None
    if colonne:
        return literal_column(f"intervenant.{colonne}", ARRAY(Integer)).contains(array([valeur]))
    proprietaire, reference = list(lien.c)
    return exists().where(proprietaire == Intervenant.id, reference == valeur)


def recherche_de(form: RechercheForm) -> Recherche:
    """The search the form describes (validated profiles only)."""
    return Recherche.composer(filtres(form), texte_libre(form.q.data), _ordre(form), db.engine.dialect.name)


def filtres(form: RechercheForm) -> list:
    """WHERE clauses of the criteria (validated profiles only), the free text
    apart (``recherche_de``)."""
    dialect = db.engine.dialect.name
    where = [Intervenant.etat_inscription == EtatInscription.validee]
    links = (
        (form.specialite, intervenant_specialite),
        (form.sous_specialite, intervenant_sous_specialite),
        (form.region, intervenant_region),
        (form.departement, intervenant_departement),
        (form.nature, intervenant_nature),
        (form.public, intervenant_public),
    )
    for field, lien in links:
        if field.data:
            where.append(condition_lien(lien, field.data, dialect))
    if form.langue.data:
        where.append(
            exists().where(LangueIntervenant.intervenant_id == Intervenant.id, LangueIntervenant.langue_id == form.langue.data)
        )
    if form.etranger.data in ("oui", "non"):
        where.append(Intervenant.disponible_etranger.is_(form.etranger.data == "oui"))
    if periode := periode_disponible(form):
        where.append(disponible_entre(*periode, par_profil=dialect == "postgresql"))
    return where


def texte_libre(saisie: str | None) -> str:
    """The free text as searched (spaces collapsed); empty: no text criterion."""
    return " ".join((saisie or "").split())


def condition_texte_libre(texte: str, dialect: str, table: str = "intervenant"):
    """Free text on the Parcours: PostgreSQL full text on the stored tsvector
    (GIN index; ``table``: the name or alias of ``intervenant``), a plain
    LIKE elsewhere."""
    if dialect == "postgresql":
        colonne = literal_column(f"{table}.{TEXTE_PARCOURS_TSV}")
        return colonne.op("@@")(func.plainto_tsquery("french", texte))
    return Intervenant.texte_parcours.icontains(texte, autoescape=True)


def _dans_echantillon(diviseur: int):
    """The predicate of a sample index, spelled as in its definition (the
    divisor inline, not a parameter, so that the planner can match it)."""
    return text(f"intervenant.id % {int(diviseur)} = 0")


def _profils_valides():
    """The planner's count of the validated profiles: rows of the name sort
    index (a catalogue read; -1 before the first ANALYZE)."""
    return (
        select(literal_column("reltuples", Float))
        .select_from(table("pg_class"))
        .where(literal_column("oid") == func.to_regclass(next(iter(INDEX_TRIS_CVTHEQUE))))
        .scalar_subquery()
    )


#: The larger sample is read only when the smaller one says that it should
#: hold this many times PLAFOND matches (its count is a sample's: a margin).
MARGE_ECHANTILLON = 1.25
#: The planner's count of validated profiles last read by this process (every
#: count reads it): which samples can answer, known before the statement is
#: built, so that a small volume does not plan their subqueries (0.5 ms).
_dernier_volume: dict[str, float | None] = {"validees": None}


class Compte(NamedTuple):
    """What the count found. ``total``: the matches counted up to ``PLAFOND
    + 1`` (what the page states). ``validees``: the planner's count of the
    validated profiles (PostgreSQL; None elsewhere or before any ANALYZE).
    ``estimation``: ``total``, or past the cap the matches the sample that
    answered stands for (its capped count × its divisor), or the probe's
    share when the whole was counted to the cap, if larger: it bounds the
    walk of the page (``parcours_ordonne``), never what the page states."""

    total: int
    validees: float | None
    estimation: int


def compter(executer, where, dialect: str) -> Compte:
    """Number of matches, counted up to ``PLAFOND + 1`` only: past that the page
    says « plus de … » and the count stops early instead of reading every
    match. One statement in every case; ``executer`` is the session's or a
    connection's ``execute``.

    On PostgreSQL the samples of the validated profiles (1 in 64, 1 in 8:
    ECHANTILLONS_CVTHEQUE) that can hold more than ``PLAFOND`` profiles, as
    far as this process last saw, are read first, the smallest first (the
    probe), a few entries of their index: more than ``PLAFOND`` matches in a
    sample is the answer; otherwise the probe tells how many matches the
    whole has, and the next sample is read only if it should hold more than
    ``PLAFOND`` of them (with a margin). Only then the whole count. The GIN
    index hands over every match of each of its entries before any is
    counted, lists that grow with the profiles (3.3 ms for a text and a
    spécialité at 300,000); a sample's lists are 8 or 64 times shorter, so
    the count of a broad search costs about the same at every volume."""

    def jusquau_plafond(*echantillon):
        trouves = select(Intervenant.id).where(*where, *echantillon).limit(PLAFOND + 1).subquery()
        return select(func.count().label("n")).select_from(trouves)

    if dialect != "postgresql":
        total = executer(jusquau_plafond()).scalar()
        return Compte(total, None, total)
    vues = _dernier_volume["validees"] or 0
    echelle = sorted((d for d in ECHANTILLONS_CVTHEQUE.values() if vues > PLAFOND * d), reverse=True)
    if not echelle:
        estimation = jusquau_plafond().scalar_subquery()
    else:
        d_sonde, *suivants = echelle
        # Each read once, when the CASE first needs it (materialised CTEs).
        sonde = jusquau_plafond(_dans_echantillon(d_sonde)).cte("sonde").prefix_with("MATERIALIZED")
        dans_la_sonde = select(sonde.c.n).scalar_subquery()
        tout = jusquau_plafond().cte("tout").prefix_with("MATERIALIZED")
        dans_le_tout = select(tout.c.n).scalar_subquery()
        branches = [(dans_la_sonde > PLAFOND, (PLAFOND + 1) * d_sonde)]
        branches += [
            (
                and_(
                    dans_la_sonde * d_sonde > MARGE_ECHANTILLON * PLAFOND * d,
                    jusquau_plafond(_dans_echantillon(d)).scalar_subquery() > PLAFOND,
                ),
                (PLAFOND + 1) * d,
            )
            for d in suivants
        ]
        # Counted on the whole past the cap: the probe's share, if larger, is
        # the better estimate (only the walk's choice depends on it).
        branches.append((dans_le_tout > PLAFOND, func.greatest(dans_le_tout, dans_la_sonde * d_sonde)))
        estimation = case(*branches, else_=dans_le_tout)
    estimation, validees = executer(select(estimation, _profils_valides())).one()
    validees = validees if validees is not None and validees >= 0 else None
    _dernier_volume["validees"] = validees
    return Compte(min(estimation, PLAFOND + 1), validees, estimation)


#: Index rows a page may walk at most (see ``parcours_ordonne``): about 5 ms.
MARCHE_MAX = 5000
#: Planner settings turned off for the walk, for the statements of that page only.
_PLANS_ECARTES = ("enable_bitmapscan", "enable_seqscan")
#: The two statements of ``plan_ordonne``, built once.
_ECARTER_PLANS = text(
    "SELECT " + ", ".join(f"current_setting('{p}'), set_config('{p}', 'off', true)" for p in _PLANS_ECARTES)
)
_RETABLIR_PLANS = text("SELECT " + ", ".join(f"set_config('{p}', :v{i}, true)" for i, p in enumerate(_PLANS_ECARTES)))


def parcours_ordonne(compte: Compte, debut: int) -> bool:
    """Whether this page of a PostgreSQL search is read by walking the sort's
    index (``plan_ordonne``) rather than as the planner likes.

    With ``E`` matches (``compte.estimation``, more than ``PLAFOND``) among
    ``V`` validated profiles, one profile in ``V / E`` matches: the walk reads
    about ``(debut + PAGE_SIZE) × V / E`` index rows, whatever the number of
    matches; the planner, when it underestimates them (words that go
    together, « petite enfance »), reads and sorts all of them. The walk is
    taken while that stays under ``MARCHE_MAX`` (the first pages of a broad
    search). ``V`` unknown (no ANALYZE yet, SQLite): no walk."""
    if compte.total <= PLAFOND or compte.validees is None:
        return False
    return (debut + PAGE_SIZE) * compte.validees <= MARCHE_MAX * compte.estimation


@contextmanager
def plan_ordonne(executer):
    """The statements inside use an index for their ORDER BY (bitmap and
    sequential scans off), then the settings are put back as they were. The
    planner keeps the choice of the index and of the order of the filters.
    The settings are local to the transaction: after an error, its rollback
    puts them back (a statement sent then would be refused)."""
    anciens = executer(_ECARTER_PLANS).one()
    yield
    executer(_RETABLIR_PLANS, {f"v{i}": anciens[2 * i] for i in range(len(_PLANS_ECARTES))})


class Recherche(NamedTuple):
    """A search as its statements need it: ``where`` (every criterion),
    ``criteres`` (the same without the free text), ``texte`` (the free text,
    "" for none) and ``ordre`` (the sort, on ``intervenant``'s columns)."""

    where: list
    criteres: list
    texte: str
    ordre: tuple

    @classmethod
    def composer(cls, criteres: list, texte: str, ordre, dialect: str) -> Recherche:
        """The search of these criteria and this free text (cleaned by
        ``texte_libre``; "" for none)."""
        where = [*criteres, condition_texte_libre(texte, dialect)] if texte else criteres
        return cls(where, criteres, texte, tuple(ordre))


def pages_offertes(compte: Compte) -> int:
    """Pages offered: those of the count, or PAGES_MAX past the cap (the
    number is not known; a page shows « Suivante » while it has a next row)."""
    return PAGES_MAX if compte.total > PLAFOND else max(1, math.ceil(compte.total / PAGE_SIZE))


def ids_de_page(recherche: Recherche, debut: int, texte_a_part: bool = False):
    """The ids of one page, one row more (whether a next page exists past the
    count's cap), from the sort's index alone when it carries the criteria
    (PostgreSQL INCLUDE).

    ``texte_a_part`` (a walk on PostgreSQL, with criteria besides the text):
    the criteria are walked first in the sort's order, from the index alone,
    and the text is checked only on the profiles they let through, by primary
    key. Checked on every walked row, the text read 3,400 table rows for one
    page of « prévention » in one spécialité at 300,000 profiles (13 ms);
    after the criteria, 225 (4.6 ms). ``OFFSET 0`` keeps the planner from
    merging both steps back into one."""
    if not texte_a_part:
        return (
            select(Intervenant.id).where(*recherche.where).order_by(*recherche.ordre)
            .offset(debut).limit(PAGE_SIZE + 1).subquery()
        )
    colonnes = Intervenant.__table__.c
    cles = dict.fromkeys(["id", *(getattr(terme, "element", terme).key for terme in recherche.ordre)])
    parcours = (
        select(*(colonnes[cle] for cle in cles)).where(*recherche.criteres).order_by(*recherche.ordre)
        .offset(0).subquery("parcours")
    )
    profil = Intervenant.__table__.alias("profil_texte")
    ordre = [
        parcours.c[terme.element.key].desc() if isinstance(terme, UnaryExpression) else parcours.c[terme.key]
        for terme in recherche.ordre
    ]
    return (
        select(parcours.c.id).join_from(parcours, profil, profil.c.id == parcours.c.id)
        .where(condition_texte_libre(recherche.texte, "postgresql", profil.name))
        .order_by(*ordre).offset(debut).limit(PAGE_SIZE + 1).subquery()
    )


def lire_page(executer, lignes, recherche: Recherche, compte: Compte, debut: int) -> list:
    """The rows of one page: ``lignes(ids)`` is the statement of the rows
    from the page's ids (``ids_de_page``), read through the sort's index
    when ``parcours_ordonne`` says so, the text apart when there are
    criteria besides it. ``executer`` is the session's or a connection's
    ``execute``."""
    marche = parcours_ordonne(compte, debut)
    a_part = marche and bool(recherche.texte) and len(recherche.criteres) > 1
    with plan_ordonne(executer) if marche else nullcontext():
        return executer(lignes(ids_de_page(recherche, debut, a_part))).all()


def lignes_de_page(page_ids, ordre):
    """One page of results, as plain rows of what the table shows: only the
    page's rows from the table (a profile row is several kB) with their CV's
    identifier. Rows, not ORM objects: loading 20 profiles and three
    relations into the session cost about 3 ms of Python per request (issue
    #6), for a read-only list."""
    return (
        select(Intervenant.id, Intervenant.nom_usage, Intervenant.prenom, Intervenant.structure_id,
               Fichier.uuid.label("cv_uuid"))
        .join(page_ids, page_ids.c.id == Intervenant.id)
        .outerjoin(Fichier, Fichier.id == Intervenant.cv_fichier_id)
        .order_by(*ordre)
    )


def avec_referentiels(executer, lignes) -> list[dict]:
    """Each row of the page as a dict with its ``specialites`` (by code) and
    ``regions`` (by name) as labels: one statement over both link tables for
    the page's ids, labels from the cached referential lists (a referential
    added by another process shows once this process's list is renewed,
    within ``CACHE_REFERENTIELS_SECONDES``)."""
    # Read first, results or not: the statements sent do not depend on the rows.
    libelles = {
        "specialites": {i: (rang, libelle) for rang, (i, libelle) in enumerate(options(Specialite, "libelle", "code"))},
        "regions": {i: (rang, libelle) for rang, (i, libelle) in enumerate(options(Region, "nom"))},
    }
    ids = [ligne.id for ligne in lignes]
    if not ids:
        return []
    profils = {ligne.id: dict(ligne._mapping, specialites=[], regions=[]) for ligne in lignes}
    liens = references_liees({"specialites": intervenant_specialite, "regions": intervenant_region})
    for cle, profil, ref in executer(liens, {"proprietaires": ids}):
        if ref in libelles[cle]:
            profils[profil][cle].append(libelles[cle][ref])
    for profil in profils.values():
        for cle in libelles:
            profil[cle] = [libelle for _, libelle in sorted(profil[cle])]
    return [profils[i] for i in ids]


def _ordre(form):
    return TRIS.get(form.tri.data or "nom", TRIS["nom"])


class Resultat(NamedTuple):
    profils: list[dict]
    total: int
    page: int
    pages: int
    suivante: bool
    #: Past this many matches the page says « Plus de … ».
    plafond: int


def rechercher(form: RechercheForm, page: int) -> Resultat:
    """One page of the search (``page`` counted from 1, kept within the pages offered)."""
    recherche = recherche_de(form)
    compte = compter(db.session.execute, recherche.where, db.engine.dialect.name)
    pages = pages_offertes(compte)
    page = min(max(page, 1), pages)
    debut = (page - 1) * PAGE_SIZE
    lignes = lire_page(db.session.execute, lambda ids: lignes_de_page(ids, recherche.ordre), recherche, compte, debut)
    suivante = len(lignes) > PAGE_SIZE and page < pages
    profils = avec_referentiels(db.session.execute, lignes[:PAGE_SIZE])
    return Resultat(profils, compte.total, page, pages, suivante, PLAFOND)


def lignes_export(form: RechercheForm):
    """(civilité, nom d'usage, prénom, localité, disponible à l'étranger,
    date de transmission, id) of the matches in the page's order."""
    recherche = recherche_de(form)
    return db.session.execute(
        select(
            Intervenant.civilite, Intervenant.nom_usage, Intervenant.prenom, Intervenant.localite,
            Intervenant.disponible_etranger, Intervenant.date_transmission, Intervenant.id,
        )
        .where(*recherche.where)
        .order_by(*recherche.ordre)
        .limit(EXPORT_MAX)
    )


caches.declarer("cvtheque.volume", cle="aucune (le dernier compte lu)", duree="jusqu'au compte suivant",
                vide_par="chaque compte de la CV-thèque", vider=lambda: _dernier_volume.update(validees=None))


def _lecture_profil(fichier: Fichier, user) -> bool | None:
    """An intervenant's other files (CV, diplomas...): staff who may see the
    profile (``profil_visible``: in the CV-thèque, or its request visible)."""
    profil = db.session.execute(
        select(Intervenant.etat_inscription, Intervenant.structure_id).where(
            Intervenant.user_id == fichier.owner_user_id)
    ).first()
    return profil is not None and profil_visible(profil.etat_inscription, profil.structure_id)


declarer_lecteur(_lecture_profil, par_defaut=True)
