"""CV-thèque: every gestionnaire searches the validated profiles (manual
§3.2.3), opens one with its files, exports the result list (XLSX).

The search is a count capped at ``PLAFOND + 1``, one query for the page's
rows (plain rows, not ORM objects) and one for their spécialités and
régions; labels and structure names come from the cached referential lists,
so the number of statements does not grow with the rows. On PostgreSQL the
spécialités and régions of each profile are copied by triggers into integer
arrays on ``intervenant``, and one partial GIN index on the validated
profiles holds them with the Parcours text
(stored tsvector): text, spécialité and région are intersected inside that
index instead of joining each link table to 55,000 validated profiles (7 to
15 ms → under 1 ms at 100,000). The other criteria, and every criterion on
SQLite (free text by LIKE), are EXISTS on the link tables, indexed from the
referential side.

Broad searches (more than ``PLAFOND`` matches) read their page by walking the
sort's index and stopping after one page (``parcours_ordonne``); otherwise a
common expression (« petite enfance ») had every match read and sorted, 10,000
rows and 15 ms at 300,000 profiles, its two words' frequencies multiplied by
the planner into an estimate of 800.
"""

from __future__ import annotations

import io
import math
from contextlib import contextmanager, nullcontext

from flask import abort, request, send_file
from flask_appbuilder import BaseView, expose, has_access
from openpyxl import Workbook
from sqlalchemy import Float, Integer, and_, case, exists, func, literal_column, select, table, text
from sqlalchemy.dialects.postgresql import ARRAY, array
from wtforms import Form, StringField

from app.extensions import db
from app.forms.champs import SelectField
from app.forms.profil import optional_int
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
from app.models.fichiers import Fichier
from app.models.parcours import LangueIntervenant, intervenant_nature, intervenant_public
from app.models.referentiels import (
    Departement,
    Langue,
    NatureFormation,
    PublicFormation,
    Region,
    SousSpecialite,
    Specialite,
    Structure,
)
from app.referentiels.options import options

PAGE_SIZE = 20
#: Beyond this many matches the count is « plus de 1000 » (refine the criteria).
PLAFOND = 1000
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
    region = SelectField("Région", coerce=optional_int)
    departement = SelectField("Département", coerce=optional_int)
    langue = SelectField("Langue", coerce=optional_int)
    nature = SelectField("Nature de formation", coerce=optional_int)
    public = SelectField("Public", coerce=optional_int)
    etranger = SelectField("Disponible à l'étranger", choices=[("", "Indifférent"), ("oui", "Oui"), ("non", "Non")])
    q = StringField("Texte libre (parcours)")
    tri = SelectField("Trier par", choices=[("nom", "Nom"), ("date", "Date de transmission")])


def recherche_form(args) -> RechercheForm:
    form = RechercheForm(args)
    form.specialite.choices = TOUS + list(options(Specialite))
    form.sous_specialite.choices = TOUS + list(options(SousSpecialite))
    form.region.choices = TOUS + list(options(Region, "nom"))
    form.departement.choices = TOUS + list(options(Departement, "nom"))
    form.langue.choices = TOUS + list(options(Langue))
    form.nature.choices = TOUS + list(options(NatureFormation))
    form.public.choices = TOUS + list(options(PublicFormation))
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


def filtres(form: RechercheForm) -> list:
    """WHERE clauses of the search (validated profiles only)."""
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
    texte = texte_libre(form.q.data)
    if texte:
        where.append(condition_texte_libre(texte, dialect))
    return where


def texte_libre(saisie: str | None) -> str:
    """The free text as searched (spaces collapsed); empty: no text criterion."""
    return " ".join((saisie or "").split())


def condition_texte_libre(texte: str, dialect: str):
    """Free text on the Parcours: PostgreSQL full text on the stored tsvector
    (GIN index), a plain LIKE elsewhere."""
    if dialect == "postgresql":
        colonne = literal_column(f"intervenant.{TEXTE_PARCOURS_TSV}")
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
#: count reads it): whether samples can answer, known before the statement is
#: built, so that a small volume does not plan their subqueries (0.5 ms).
_dernier_volume: dict[str, float | None] = {"validees": None}


def compter(executer, where, dialect: str, texte: bool = False) -> tuple[int, float | None]:
    """Number of matches, counted up to ``PLAFOND + 1`` only: past that the page
    says « plus de … » and the count stops early instead of reading every match.
    On PostgreSQL, with it, the planner's count of the validated profiles
    (``V``, which bounds the pages' walk: ``parcours_ordonne``), else None.
    One statement in every case.

    A free ``texte`` on PostgreSQL, once this process has seen more than ``8 ×
    PLAFOND`` validated profiles (fewer: no sample can answer), first reads
    the sample of 1 validated profile in 64 (ECHANTILLONS_CVTHEQUE), a few
    entries of its index: more than ``PLAFOND`` matches there is the answer;
    otherwise it tells how many matches the whole has, and the sample of 1 in
    8 is read only if it should hold more than ``PLAFOND`` of them (with a
    margin). Only then the whole count, with fewer than about 10 × ``PLAFOND``
    matches left to read. The GIN index hands over every match of a word
    before any is counted: a word held by 22,000 profiles at 300,000 cost 8 ms,
    its samples about 2. Criteria alone keep the plain count: a broad one is
    counted from the sort's index alone (INCLUDE), cheaper than a sample read
    from the table. ``executer`` is the session's or a connection's ``execute``."""

    def jusquau_plafond(*echantillon):
        trouves = select(Intervenant.id).where(*where, *echantillon).limit(PLAFOND + 1).subquery()
        return select(func.count().label("n")).select_from(trouves)

    if dialect != "postgresql":
        return executer(jusquau_plafond()).scalar(), None
    # Divisors: 1 profile in 64 (the probe), then 1 in 8.
    d_sonde, d_suivant = sorted(ECHANTILLONS_CVTHEQUE.values(), reverse=True)
    total = jusquau_plafond().scalar_subquery()
    if texte and (_dernier_volume["validees"] or 0) > PLAFOND * d_suivant:
        # Read once, when the CASE first needs it (a materialised CTE).
        sonde = jusquau_plafond(_dans_echantillon(d_sonde)).cte("sonde").prefix_with("MATERIALIZED")
        dans_la_sonde = select(sonde.c.n).scalar_subquery()
        total = case(
            (dans_la_sonde > PLAFOND, PLAFOND + 1),
            (
                and_(
                    dans_la_sonde * d_sonde > MARGE_ECHANTILLON * PLAFOND * d_suivant,
                    jusquau_plafond(_dans_echantillon(d_suivant)).scalar_subquery() > PLAFOND,
                ),
                PLAFOND + 1,
            ),
            else_=total,
        )
    total, validees = executer(select(total, _profils_valides())).one()
    validees = validees if validees is not None and validees >= 0 else None
    _dernier_volume["validees"] = validees
    return total, validees


#: Index rows a page may walk at most (see ``parcours_ordonne``): about 5 ms.
MARCHE_MAX = 5000
#: Planner settings turned off for the walk, for the statements of that page only.
_PLANS_ECARTES = ("enable_bitmapscan", "enable_seqscan")


def parcours_ordonne(validees: float | None, total: int, debut: int) -> bool:
    """Whether this page of a PostgreSQL search is read by walking the sort's
    index (``plan_ordonne``) rather than as the planner likes.

    With more than ``PLAFOND`` matches, at least one validated profile in
    ``V / PLAFOND`` matches: the walk reads at most ``(debut + PAGE_SIZE) × V
    / PLAFOND`` index rows, whatever the number of matches; the planner, when
    it underestimates them (words that go together), reads and sorts all of
    them. The walk is taken while that bound stays under ``MARCHE_MAX`` (the
    first pages; every page at small volumes). ``V`` is ``validees``
    (from ``compter``); unknown, no bound is known and no walk is taken."""
    if total <= PLAFOND or validees is None:
        return False
    return (debut + PAGE_SIZE) * validees <= MARCHE_MAX * PLAFOND


@contextmanager
def plan_ordonne(executer):
    """The statements inside use an index for their ORDER BY (bitmap and
    sequential scans off), then the settings are put back as they were. The
    planner keeps the choice of the index and of the order of the filters.
    The settings are local to the transaction: after an error, its rollback
    puts them back (a statement sent then would be refused)."""
    anciens = executer(
        text("SELECT " + ", ".join(f"current_setting('{p}'), set_config('{p}', 'off', true)" for p in _PLANS_ECARTES))
    ).one()
    yield
    executer(
        text("SELECT " + ", ".join(f"set_config('{p}', :v{i}, true)" for i, p in enumerate(_PLANS_ECARTES))),
        {f"v{i}": anciens[2 * i] for i in range(len(_PLANS_ECARTES))},
    )


def lire_page(executer, requete, total: int, debut: int, validees: float | None) -> list:
    """The rows of ``requete``, read through the sort's index when
    ``parcours_ordonne`` says so (PostgreSQL: ``validees`` is None elsewhere).
    ``executer`` is the session's or a connection's ``execute``."""
    marche = parcours_ordonne(validees, total, debut)
    with plan_ordonne(executer) if marche else nullcontext():
        return executer(requete).all()


def requete_page(where, ordre, debut: int):
    """One page of results, as plain rows of what the table shows: the page's
    ids first (from the sort's index alone when it carries the criteria:
    PostgreSQL INCLUDE), then only those rows from the table (a profile row
    is several kB) with their CV's identifier. Rows, not ORM objects: loading
    20 profiles and three relations into the session cost about 3 ms of
    Python per request (issue #6), for a read-only list."""
    page_ids = select(Intervenant.id).where(*where).order_by(*ordre).offset(debut).limit(PAGE_SIZE).subquery()
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
    liens = references_liees({"specialites": intervenant_specialite, "regions": intervenant_region}, ids)
    for cle, profil, ref in executer(liens):
        if ref in libelles[cle]:
            profils[profil][cle].append(libelles[cle][ref])
    for profil in profils.values():
        for cle in libelles:
            profil[cle] = [libelle for _, libelle in sorted(profil[cle])]
    return [profils[i] for i in ids]


def _ordre(form):
    return TRIS.get(form.tri.data or "nom", TRIS["nom"])


class CvthequeView(BaseView):
    """Search, profile page and export, for every gestionnaire (all structures)."""

    route_base = "/cvtheque"
    default_view = "recherche"
    include_route_methods = {"recherche", "profil", "export"}

    @expose("/")
    @has_access
    def recherche(self):
        form = recherche_form(request.args)
        form.validate()
        where = filtres(form)
        total, validees = compter(
            db.session.execute, where, db.engine.dialect.name, texte=bool(texte_libre(form.q.data))
        )
        pages = max(1, math.ceil(min(total, PLAFOND) / PAGE_SIZE))
        page = min(max(request.args.get("page", 1, type=int), 1), pages)
        debut = (page - 1) * PAGE_SIZE
        ordre = _ordre(form)
        lignes = lire_page(db.session.execute, requete_page(where, ordre, debut), total, debut, validees)
        profils = avec_referentiels(db.session.execute, lignes)
        args = {k: v for k, v in request.args.items() if k != "page"}
        return self.render_template(
            "cvtheque/recherche.html", form=form, profils=profils, total=total, plafond=PLAFOND, page=page,
            pages=pages, args=args, title="CV-thèque",
            # Structure names from the cached referential lists (no query).
            structures=dict(options(Structure, "nom")),
        )

    @expose("/profil/<int:pk>")
    @has_access
    def profil(self, pk):
        """A validated profile (others are not in the CV-thèque: 404)."""
        p = db.session.scalar(
            select(Intervenant).where(Intervenant.id == pk, Intervenant.etat_inscription == EtatInscription.validee)
        )
        if p is None:
            abort(404)
        return self.render_template("cvtheque/profil.html", p=p, title="Profil intervenant")

    @expose("/export.xlsx")
    @has_access
    def export(self):
        form = recherche_form(request.args)
        form.validate()
        rows = db.session.execute(
            select(
                Intervenant.civilite, Intervenant.nom_usage, Intervenant.prenom, Intervenant.localite,
                Intervenant.disponible_etranger, Intervenant.date_transmission, Intervenant.id,
            )
            .where(*filtres(form))
            .order_by(*_ordre(form))
            .limit(EXPORT_MAX)
        )
        wb = Workbook(write_only=True)
        ws = wb.create_sheet("CV-thèque")
        ws.append(["Civilité", "Nom d'usage", "Prénom", "Localité", "Disponible à l'étranger",
                   "Date de transmission", "Lien"])
        base = request.host_url.rstrip("/")
        for civ, nom, prenom, localite, etranger, date, pk in rows:
            ws.append([civ, nom, prenom, localite or "", {True: "Oui", False: "Non"}.get(etranger, ""),
                       date, f"{base}/cvtheque/profil/{pk}"])
        out = io.BytesIO()
        wb.save(out)
        out.seek(0)
        return send_file(
            out, as_attachment=True, download_name="cvtheque.xlsx",
            mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
