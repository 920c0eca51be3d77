"""Declared lists: a list is a ``Liste(...)`` of a few lines, not a module.

Why: the back-office queues (inscriptions, candidatures, and the dossier,
messagerie and support queues to come) each re-implemented criteria, sorts,
page sizes, a row dataclass and the pager (issue #18). FAB's generated list
costs about 24,000 Python calls a page (its ``Filters``, ORM rows and
widgets, BENCHMARKS.md Round 9); this layer keeps what made the hand-tuned
pages fast:

- the count and the page statements are built once per process for each
  sort (and scope shape) and kept prepared (``preparee``) when no criterion
  applies — the list as opened; with criteria they are built for the request;
- the page statement reads only the shown columns, as plain rows, each cell
  formatted once;
- the count is either its own statement (the page number is then clamped to
  the last page) or a window count riding on the page's rows (one statement;
  a page past the end counts apart).

A declaration names its columns (label, SQL expression, formatting, sortable),
its criteria (a WTForms field and the clause of its value: a wrong value is
shown next to its field in French and left out, the others still apply), its
default order, page sizes, scope (``scope.Perimetre`` on a structure
column, and columns bound to the caller's values such as an annonce or the
signed-in intervenant) and the FAB view whose permissions gate the row links
and whose bulk actions are offered (posted with the CSRF token to its
``action_post``, which checks the scope again). ``templates/listes/_liste.html``
draws it with the project's pager and sorted headers (``aria-sort``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any
from urllib.parse import quote, urlencode

from flask import current_app, g, request, url_for
from markupsafe import Markup, escape
from sqlalchemy import Column, asc, bindparam, desc, exists, func, select
from sqlalchemy.sql import operators
from sqlalchemy.sql.util import find_tables
from wtforms import DateField, Form, StringField
from wtforms.fields import SelectFieldBase
from wtforms.validators import Length, Optional, ValidationError

from app.extensions import db, preparee
from app.forms.champs import SelectField
from app.infra import caches
from app.infra.formatting import debut_du_jour
from app.security.scope import filtre_prepare, perimetre_courant

#: Past it a page number is this one (an OFFSET beyond PostgreSQL's bigint
#: would be an error page, not the last page).
PAGE_MAX = 100_000
TOUS = [("", "Tous")]
FORMATS_DATE = ["%Y-%m-%d", "%d/%m/%Y"]
TROP_LONG = "100 caractères au plus."
CHOIX_INVALIDE = "Choix invalide."
#: Label of the window count in the page statement (``compte="fenetre"``).
_TOTAL = "total_lignes"
#: Placeholder of a cell's value in its link (``LienCellule``).
_VALEUR = "__valeur__"


def _nom(cle: str) -> str:
    """A column's label in the page statement (``intervenant.prenom`` →
    ``intervenant_prenom``)."""
    return cle.replace(".", "_")


#: Every declared list (their statements are emptied together).
_listes: list[Liste] = []


def vider() -> None:
    for liste in _listes:
        liste._requetes.clear()


caches.declarer("listes.requetes", cle="liste, portée (nationale ou une structure), tri, sens",
                duree="le processus", vide_par="vider_tout (rien ne les périme : des requêtes, pas des lignes)",
                vider=vider)


# -- columns and criteria ------------------------------------------------------
@dataclass(frozen=True)
class LienCellule:
    """A cell linking to ``endpoint`` with the cell's value as ``argument``,
    for the rows where ``si(row)`` holds (the row's columns and hidden
    columns by name). The URL is built once per page around a placeholder."""

    endpoint: str
    argument: str
    si: Callable[[Any], bool] | None = None


@dataclass(frozen=True)
class Colonne:
    libelle: str
    expression: Any
    #: value → shown text (None → ""); ``str`` when not given.
    format: Callable[[Any], str] | None = None
    triable: bool = True
    #: Empty values last in both directions (PostgreSQL puts NULLs first in
    #: a descending order, SQLite last).
    vides_a_la_fin: bool = False
    lien: LienCellule | None = None


@dataclass(frozen=True)
class Critere:
    """A criterion: its (unbound) form field and the WHERE clause of a valid,
    non-empty value. ``choix`` fills a select's choices at each request
    (from the per-process option lists)."""

    champ: Any
    clause: Callable[[Any], Any]
    choix: Callable[[], list] | None = None


class DateFr(DateField):
    """A date typed as the browser sends it (``2026-03-09``) or as read in
    France (``09/03/2026``); a French message otherwise."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError as exc:
            raise ValueError("Date invalide : saisissez-la au format jj/mm/aaaa.") from exc


def _sans_espaces(valeur: str | None) -> str | None:
    return valeur.strip() if valeur else valeur


def contient(libelle: str, colonne) -> Critere:
    """Text contained in ``colonne``, any case; LIKE wildcards are characters."""
    return Critere(
        StringField(libelle, filters=[_sans_espaces], validators=[Optional(), Length(max=100, message=TROP_LONG)]),
        lambda v: colonne.icontains(v, autoescape=True),
    )


def parmi(libelle: str, colonne, choix: Callable[[], list], convertir: Callable = lambda v: v,
          tous: str = "Tous") -> Critere:
    """One of ``choix()`` (value, label); ``tous`` (no criterion) first."""
    return Critere(SelectField(libelle, default=""), lambda v: colonne == convertir(v),
                   lambda: [("", tous), *choix()])


def _entier_ou_rien(valeur):
    return None if valeur in (None, "", "None") else int(valeur)


def lie_a(libelle: str, liaison, choix: Callable[[], list]) -> Critere:
    """Rows linked to the chosen referential row through ``liaison`` (an
    association table: owner id, referential id), as an EXISTS."""
    proprietaire, reference = list(liaison.c)[:2]
    cle = next(iter(proprietaire.foreign_keys)).column
    return Critere(
        SelectField(libelle, coerce=_entier_ou_rien),
        lambda v: exists().where(proprietaire == cle, reference == v),
        lambda: TOUS + list(choix()),
    )


def date_du(libelle: str, colonne) -> Critere:
    """From that day on (a date and time column, stored UTC): the day is
    the Paris day."""
    return Critere(DateFr(libelle, format=FORMATS_DATE, validators=[Optional()]),
                   lambda v: colonne >= debut_du_jour(v))


def date_au(libelle: str, colonne, du: str | None = None) -> Critere:
    """Up to the end of that day; after the ``du`` criterion if named."""

    def apres_du(form, champ):
        debut = form[du].data if du else None
        if champ.data and debut and champ.data < debut:
            raise ValidationError("La date de fin doit être postérieure ou égale à la date de début.")

    def clause(v):
        return colonne < debut_du_jour(v + timedelta(days=1)) if v < date.max else None

    return Critere(DateFr(libelle, format=FORMATS_DATE, validators=[Optional(), apres_du]), clause)


def jour_du(libelle: str, colonne) -> Critere:
    """From that day on, on a date column (no time, no zone)."""
    return Critere(date_du(libelle, colonne).champ, lambda v: colonne >= v)


def jour_au(libelle: str, colonne, du: str | None = None) -> Critere:
    """Up to that day included, on a date column; after ``du`` if named."""
    return Critere(date_au(libelle, colonne, du).champ, lambda v: colonne <= v)


class Criteres(Form):
    """GET search form (no CSRF: it changes nothing). A criterion with an
    error is shown with its message and left out of the search."""

    def valeur(self, nom: str):
        """A criterion's value, or None if empty or in error."""
        champ = self[nom]
        return None if champ.errors or champ.data in ("", None) else champ.data


# -- arguments, links, the declaration ----------------------------------------
@dataclass(frozen=True)
class Arguments:
    """Names of the query-string arguments, and the first page's number."""

    page: str = "page"
    taille: str = "taille"
    tri: str = "tri"
    sens: str = "sens"
    premiere_page: int = 1

    @classmethod
    def fab(cls, vue: str) -> Arguments:
        """FAB's arguments of a list of view ``vue`` (0-based pages): the
        URLs of a list it drew keep working."""
        return cls(f"page_{vue}", f"psize_{vue}", f"_oc_{vue}", f"_od_{vue}", 0)


@dataclass(frozen=True)
class Ligne:
    id: Any
    cellules: tuple[str, ...]
    #: What the row is, for screen readers (« la demande de … »).
    objet: str
    #: Each cell's link (``Colonne.lien``) or None; None when no column links.
    liens: tuple[str | None, ...] | None = None


@dataclass(frozen=True)
class Demande:
    """What a list's ``source`` is asked for: the criteria's form (None
    without criteria), the sort asked (None: the default) and its direction,
    the page (from 1, not clamped to the last), its size, the bound values and the
    query string."""

    form: Any
    ordre: str | None
    sens: str
    numero: int
    taille: int
    liees: dict
    args: Any


@dataclass(frozen=True)
class Lot:
    """A ``source``'s answer: the page's rows (drawn by the list's template
    block), the total (or what the page states), the page shown and the
    pages offered; ``plus``: what else the template shows (a cap, a next
    page, whether the criteria were valid)."""

    lignes: list
    total: int
    numero: int
    pages: int
    avec_criteres: bool = False
    plus: dict = field(default_factory=dict)


class Liste:
    """A declared list (see the module's docstring).

    ``table``: the entity listed (its ``cle`` is each row's id); ``jointures``:
    (entity, condition, outer) for the columns of other tables (an outer join
    must be many-to-one: the count reads ``table`` alone, with the inner
    joins). ``structure``: the column the « ma structure » rule applies to.
    ``liees``: argument → column equal to a value the caller passes
    (``page(annonce=…)``). ``vue``: the FAB view (class name) whose ``show``
    is each row's link (with ``can_show``; its ``edit`` too, with ``can_edit``,
    in the « Voir » column) and whose multiple actions are the
    bulk actions (each with its permission); ``lien_colonne``: the column
    whose cell is the link, else a « Voir » button column. ``objet``: the
    cells by column → what a row is, for screen readers. ``cachees``: name →
    expression read with the row but not shown (for ``LienCellule.si``; or
    the ``ordre`` the list opens with, offered as no header).
    ``filtres``: fixed clauses every page and count applies (drafts left out).

    ``nom``: the list's name, recorded in ``flask.g.liste_servie`` by each
    ``page`` (which declared list served the request: tests/interface/
    test_listes_declarees.py). ``formulaire`` (args → form) and ``source``
    (``Demande`` → ``Lot``): a list whose rows come from a tuned or ranked
    search of its own (the CV-thèque's capped count and index walk, the
    public annonces with their linked labels, the suggestions' scores)
    keeps its declaration, pager arguments and marker, the search reading
    its criteria from the form and answering one page."""

    def __init__(self, *, table, cle, colonnes: Mapping[str, Colonne], ordre: tuple[str, str],
                 jointures: tuple = (), criteres: Mapping[str, Critere] | None = None,
                 tailles: tuple[int, ...] = (20, 50, 100), taille: int | None = None,
                 libelle_taille: str = "Lignes par page", arguments: Arguments = Arguments(),
                 structure=None, liees: Mapping[str, Any] | None = None, compte: str = "separe",
                 vue: str | None = None, lien_colonne: str | None = None,
                 objet: Callable[[dict], str] = lambda cellules: "la ligne", legende: str | None = None,
                 cachees: Mapping[str, Any] | None = None, filtres: tuple = (), nom: str | None = None,
                 formulaire: Callable[[Any], Any] | None = None, source: Callable[[Demande], Lot] | None = None):
        assert compte in ("separe", "fenetre")
        self.nom = nom or getattr(table, "__tablename__", None) or str(table)
        self.formulaire, self.source = formulaire, source
        self.table, self.cle, self.colonnes = table, cle, dict(colonnes)
        self.ordre_par_defaut = ordre
        self.jointures = jointures
        self.criteres = dict(criteres or {})
        self.tailles, self.taille = tailles, taille or tailles[0]
        self.arguments = arguments
        self.structure, self.liees = structure, dict(liees or {})
        self.compte = compte
        self.vue, self.lien_colonne = vue, lien_colonne
        self.objet, self.legende = objet, legende
        self.cachees = dict(cachees or {})
        self.filtres = tuple(filtres)
        self._liens = tuple(c.lien for c in self.colonnes.values())
        self._cles = tuple(self.colonnes)
        self._index_lien = self._cles.index(lien_colonne) if lien_colonne else None
        self._formats = tuple(c.format or str for c in self.colonnes.values())
        self._requetes: dict[tuple, tuple] = {}
        _listes.append(self)
        self._formulaire = self._classe_formulaire(libelle_taille) if self.criteres else None

    def _classe_formulaire(self, libelle_taille: str) -> type[Criteres]:
        champs = {nom: c.champ for nom, c in self.criteres.items()}
        champs[self.arguments.taille] = SelectField(
            libelle_taille, choices=[(str(t), str(t)) for t in self.tailles], default=str(self.taille))
        return type("CriteresListe", (Criteres,), champs)

    # -- statements, built once per (scope, sort) without criteria ----------
    def _portee(self, national: bool) -> list:
        where = [*self.filtres, *(colonne == bindparam(nom) for nom, colonne in self.liees.items())]
        if self.structure is not None and not national:
            where.append(filtre_prepare(self.structure, "structure"))
        return where

    def _ordre(self, ordre: str, sens: str) -> tuple:
        direction = asc if sens == "asc" else desc
        if ordre not in self.colonnes:  # the order opened with, on a hidden column (``cachees``)
            return direction(self.cachees[ordre]), direction(self.cle)
        colonne = self.colonnes[ordre]
        expression = direction(colonne.expression)
        if colonne.vides_a_la_fin:
            expression = expression.nulls_last()
        return expression, direction(self.cle)

    def _construire(self, where: list, ordre: str, sens: str) -> tuple:
        page = select(
            self.cle.label("cle_ligne"), *(c.expression.label(_nom(k)) for k, c in self.colonnes.items()),
            *(expression.label(nom) for nom, expression in self.cachees.items()),
        )
        if self.compte == "fenetre":
            page = page.add_columns(func.count().over().label(_TOTAL))
        compte = select(func.count()).select_from(self.table)
        page = page.select_from(self.table)
        for cible, condition, externe in self.jointures:
            page = page.join(cible, condition, isouter=externe)
        for cible, condition in self._jointures_du_compte(where):
            compte = compte.join(cible, condition)
        page = page.where(*where).order_by(*self._ordre(ordre, sens))
        page = page.limit(bindparam("taille")).offset(bindparam("debut"))
        return compte.where(*where), page

    def _jointures_du_compte(self, where: list) -> list[tuple]:
        """The inner joins the count needs: those that may drop rows, and
        those whose table a clause (or a kept join) reads. An inner join
        along a non-null foreign key to the target's primary key matches
        exactly one row: it changes no count, so the count leaves it out
        (the dossier queue's count read the 33,333 dossiers for nothing)."""
        besoins = set().union(*(_tables(clause) for clause in where))
        gardees = []
        for cible, condition, externe in reversed(self.jointures):
            if externe:
                continue
            if _une_ligne_par_ligne(cible, condition) and _table(cible) not in besoins:
                continue
            gardees.append((cible, condition))
            besoins |= _tables(condition)
        return gardees[::-1]

    def requetes(self, national: bool, ordre: str, sens: str) -> tuple:
        """The count and page statements without criteria (the list as
        opened): built once and kept prepared, their plan does not depend on
        the bound values."""
        cle = (national, ordre, sens)
        if cle not in self._requetes:
            compte, page = self._construire(self._portee(national), ordre, sens)
            self._requetes[cle] = (preparee(compte), preparee(page))
        return self._requetes[cle]

    # -- the request ---------------------------------------------------------
    def _tri(self, args) -> tuple[str | None, str]:
        ordre = args.get(self.arguments.tri)
        if ordre in self.colonnes and self.colonnes[ordre].triable:
            return ordre, "asc" if args.get(self.arguments.sens) == "asc" else "desc"
        return None, self.ordre_par_defaut[1]

    def _criteres(self, args) -> tuple[Criteres | None, list, int]:
        if self._formulaire is None:
            taille = args.get(self.arguments.taille, self.taille, type=int)
            return None, [], taille if taille in self.tailles else self.taille
        form = self._formulaire(args)
        for nom, critere in self.criteres.items():
            if critere.choix is not None:
                form[nom].choices = critere.choix()
        form.validate()
        for champ in form:
            if champ.errors and isinstance(champ, SelectFieldBase):
                champ.errors = [CHOIX_INVALIDE]  # WTForms' messages are English
        where = []
        for nom, critere in self.criteres.items():
            valeur = form.valeur(nom)
            if valeur is not None and (clause := critere.clause(valeur)) is not None:
                where.append(clause)
        return form, where, int(form.valeur(self.arguments.taille) or self.taille)

    def page(self, args=None, **liees) -> PageListe:
        """The page the query string ``args`` (the request's by default) asks
        for; ``liees`` gives the values of the bound columns."""
        args = request.args if args is None else args
        g.liste_servie = self.nom
        if self.source is not None:
            return self._page_de_source(args, liees)
        form, where, taille = self._criteres(args)
        ordre, sens = self._tri(args)
        premiere = self.arguments.premiere_page
        numero = min(max(args.get(self.arguments.page, premiere, type=int) - premiere + 1, 1), PAGE_MAX)
        parametres = dict(liees)
        national = True
        if self.structure is not None:
            perimetre = perimetre_courant()
            national = perimetre.national
            parametres.update(perimetre.parametres("structure"))
        tri = ordre or self.ordre_par_defaut[0]
        if where:
            compte, requete = self._construire(self._portee(national) + where, tri, sens)
        else:
            compte, requete = self.requetes(national, tri, sens)
        if self.compte == "separe":
            total = db.session.scalar(compte, parametres)
            pages = max(1, -(-total // taille))
            numero = min(numero, pages)  # past the last page: the last one
            rangs = db.session.execute(requete, {**parametres, "taille": taille, "debut": (numero - 1) * taille})
        else:
            rangs = db.session.execute(
                requete, {**parametres, "taille": taille, "debut": (numero - 1) * taille}).all()
            if rangs:
                total = rangs[0][-1]
            else:  # past the last page (or none): the window count has no row to ride on
                total = db.session.scalar(compte, parametres) if numero > 1 else 0
            pages = -(-total // taille)
        return PageListe(self, form, self._lignes(rangs), total, ordre, sens, numero, pages, taille, bool(where))

    def _page_de_source(self, args, liees: dict) -> PageListe:
        """The page a ``source`` answers (see the class's docstring)."""
        form = self.formulaire(args) if self.formulaire is not None else None
        ordre, sens = self._tri(args)
        taille = args.get(self.arguments.taille, self.taille, type=int)
        taille = taille if taille in self.tailles else self.taille
        premiere = self.arguments.premiere_page
        numero = min(max(args.get(self.arguments.page, premiere, type=int) - premiere + 1, 1), PAGE_MAX)
        lot = self.source(Demande(form, ordre, sens, numero, taille, dict(liees), args))
        return PageListe(self, form, lot.lignes, lot.total, ordre, sens, lot.numero, lot.pages, taille,
                         lot.avec_criteres, plus=lot.plus)

    def _lignes(self, rangs) -> list[Ligne]:
        formats, cles = self._formats, self._cles
        liens = self._modeles_liens()
        lignes = []
        for rang in rangs:
            valeurs = rang[1:len(formats) + 1]
            cellules = tuple("" if v is None else f(v) for f, v in zip(formats, valeurs, strict=True))
            lignes.append(Ligne(
                rang[0], cellules, self.objet(dict(zip(cles, cellules, strict=True))),
                tuple(
                    modele.replace(_VALEUR, quote(str(v), safe="")) if modele and v is not None
                    and (lien.si is None or lien.si(rang)) else None
                    for modele, lien, v in zip(liens, self._liens, valeurs, strict=True)
                ) if liens else None,
            ))
        return lignes

    def _modeles_liens(self) -> tuple[str | None, ...] | None:
        """Each linking column's URL around a placeholder (once per page)."""
        if not any(self._liens):
            return None
        return tuple(url_for(lien.endpoint, **{lien.argument: _VALEUR}) if lien else None for lien in self._liens)

    # -- the FAB view gating links and actions --------------------------------
    def vue_fab(self):
        """The registered FAB view named ``vue`` (looked up once per app)."""
        vues = current_app.extensions.setdefault("listes_vues", {})
        if self.vue not in vues:
            vues[self.vue] = next(v for v in current_app.appbuilder.baseviews if type(v).__name__ == self.vue)
        return vues[self.vue]


def _table(cible):
    return getattr(cible, "__table__", cible)


def _tables(clause) -> set:
    return set(find_tables(clause, check_columns=True, include_aliases=True))


def _une_ligne_par_ligne(cible, condition) -> bool:
    """``condition`` is ``cible.pk == t.fk``, ``t.fk`` a NOT NULL foreign key
    to that primary key (any order): each row finds exactly one ``cible``."""
    table = _table(cible)
    if getattr(condition, "operator", None) is not operators.eq or len(table.primary_key.columns) != 1:
        return False
    (cle,) = table.primary_key.columns
    gauche, droite = condition.left, condition.right
    for pk, fk in ((gauche, droite), (droite, gauche)):
        # (the ORM's expressions hold annotated copies of the table's columns)
        if (isinstance(pk, Column) and isinstance(fk, Column) and pk.table is table and pk.name == cle.name
                and fk.table is not table and not fk.nullable and any(f.column is cle for f in fk.foreign_keys)):
            return True
    return False


@dataclass
class PageListe:
    """What the templates draw: form, rows, total, sort, page and links."""

    liste: Liste
    form: Criteres | None
    lignes: list[Ligne]
    total: int
    ordre: str | None
    sens: str
    #: From 1, as the pager counts (whatever the argument's base).
    page: int
    pages: int
    taille: int
    #: Whether a criterion narrowed the list (the message when it is empty).
    avec_criteres: bool
    _liens: dict = field(default_factory=dict, repr=False)
    #: A ``source``'s ``Lot.plus``.
    plus: dict = field(default_factory=dict)

    @property
    def colonnes(self) -> dict[str, Colonne]:
        return self.liste.colonnes

    @property
    def arguments(self) -> Arguments:
        return self.liste.arguments

    @property
    def index_lien(self) -> int | None:
        return self.liste._index_lien

    @property
    def args(self) -> dict:
        """The request's arguments (empty ones left out), in their order."""
        if "args" not in self._liens:
            self._liens["args"] = {k: v for k, v in request.args.items() if v}
        return self._liens["args"]

    def lien(self, _debut: dict | None = None, **changes) -> str:
        """This page's URL with the request's arguments, some changed
        (``_debut``: arguments put first). Encoded here, not by ``url_for``,
        which would read ``_scheme`` or ``_external`` in them."""
        if "base" not in self._liens:
            self._liens["base"] = url_for(request.endpoint, **(request.view_args or {}))
        args = {**(_debut or {}), **{k: v for k, v in self.args.items() if not _debut or k not in _debut}}
        args.update(changes)
        return f"{self._liens['base']}?{urlencode(args)}" if args else self._liens["base"]

    def lien_tri(self, colonne: str) -> str:
        sens = "desc" if self.ordre == colonne and self.sens == "asc" else "asc"
        return self.lien(**{self.arguments.tri: colonne, self.arguments.sens: sens})

    def tri_aria(self, colonne: str) -> str:
        """The column's aria-sort value (the default order when none is asked)."""
        if (self.ordre or self.liste.ordre_par_defaut[0]) == colonne:
            return "ascending" if self.sens == "asc" else "descending"
        return "none"

    def lien_page(self, numero: int) -> str:
        """Page ``numero`` (from 1) under the list's own argument."""
        return self.lien({self.arguments.page: numero - 1 + self.arguments.premiere_page})

    def lien_taille(self, taille: int) -> str:
        return self.lien(**{self.arguments.taille: taille, self.arguments.page: self.arguments.premiere_page})

    @property
    def tri_libelle(self) -> str:
        return self.colonnes[self.ordre or self.liste.ordre_par_defaut[0]].libelle

    # -- permissions of the FAB view ---------------------------------------
    def _vue(self):
        return self.liste.vue_fab() if self.liste.vue else None

    @property
    def lien_show(self) -> str | None:
        """A row's page without its id (None without ``can_show``)."""
        if "show" not in self._liens:
            vue = self._vue()
            ok = vue is not None and vue.appbuilder.sm.has_access("can_show", vue.class_permission_name)
            self._liens["show"] = url_for(f"{self.liste.vue}.show", pk=0)[:-1] if ok else None
        return self._liens["show"]

    @property
    def lien_edit(self) -> str | None:
        """A row's edit page without its id: the view's ``edit`` (FAB's
        button next to « Voir »), None without that route or ``can_edit``."""
        if "edit" not in self._liens:
            vue = self._vue()
            ok = (vue is not None and "can_edit" in vue.base_permissions
                  and vue.appbuilder.sm.has_access("can_edit", vue.class_permission_name))
            self._liens["edit"] = url_for(f"{self.liste.vue}.edit", pk=0)[:-1] if ok else None
        return self._liens["edit"]

    @property
    def actions(self) -> list:
        """The view's multiple actions the user may run."""
        if "actions" not in self._liens:
            vue = self._vue()
            actions = []
            if vue is not None:
                sm, permission = vue.appbuilder.sm, vue.class_permission_name
                actions = [
                    a for nom, a in vue.actions.items()
                    if a.multiple and vue.get_action_permission_name(nom) in vue.base_permissions
                    and sm.has_access(vue.get_action_permission_name(nom), permission)
                ]
            self._liens["actions"] = actions
        return self._liens["actions"]

    def corps_tableau(self, actions, lien_show, index_lien, lien_edit=None) -> Markup:
        """The table's rows, drawn here rather than by a Jinja loop: the same
        HTML (checkbox, « Voir » button or linked cell, cells escaped) for
        about a third of the Python the loop cost, a seventh of a list
        page's time (issue 36). The template passes the actions, the row
        link and the linked column as it read them (a view without actions
        is an undefined value there: no checkbox), and the edit link when the
        user may edit (its button beside « Voir »)."""
        show = escape(lien_show) if lien_show else None
        edit = escape(lien_edit) if lien_edit and index_lien is None else None
        bouton = (show is not None or edit is not None) and index_lien is None
        lignes = []
        for ligne in self.lignes:
            ident, objet = escape(ligne.id), escape(ligne.objet)
            morceaux = ["      <tr>\n"]
            if actions:
                morceaux.append(f'        <td><input id="{ident}" class="action_check" name="rowid" value="{ident}" '
                                f'type="checkbox"\n                   aria-label="Sélectionner {objet}"></td>\n')
            if bouton:
                morceaux.append("        <td><center>\n")
                if show is not None:
                    morceaux.append(
                        f'          <a href="{show}{ident}" class="btn btn-sm btn-default" title="Voir {objet}">\n'
                        f'            <span class="sr-only">Voir {objet}</span>'
                        f'<i class="fa fa-search" aria-hidden="true"></i>\n          </a>\n')
                if edit is not None:
                    morceaux.append(
                        f'          <a href="{edit}{ident}" class="btn btn-sm btn-default" title="Modifier {objet}">\n'
                        f'            <span class="sr-only">Modifier {objet}</span>'
                        f'<i class="fa fa-edit" aria-hidden="true"></i>\n          </a>\n')
                morceaux.append("        </center></td>\n")
            liens = ligne.liens
            for i, cellule in enumerate(ligne.cellules):
                if i == index_lien and show is not None:
                    morceaux.append(f'<td><a href="{show}{ident}">{escape(cellule)}<span class="sr-only"> : voir '
                                    f'{objet}</span></a></td>\n')
                elif liens and liens[i]:
                    morceaux.append(f'<td><a href="{escape(liens[i])}">{escape(cellule)}</a></td>\n')
                else:
                    morceaux.append(f"<td>{escape(cellule)}</td>\n")
            morceaux.append("      </tr>\n")
            lignes.append("".join(morceaux))
        return Markup("".join(lignes))  # noqa: S704 - every value escaped above

    @property
    def lien_actions(self) -> str:
        return url_for(f"{self.liste.vue}.action_post")
