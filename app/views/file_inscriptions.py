"""The inscription requests of the gestionnaire's structure (the queue).

FAB drew it as a generated list: its ``Filters`` object, an ORM query and the
list and search widgets' macros, about 24,000 Python calls per request and a
third of its bare baseline's throughput (issue #6, BENCHMARKS.md Round 9).
Here a plain GET form holds the criteria (each shown with its error next to
it), one statement counts and one reads the page's columns as plain rows;
without criteria both are built once and kept prepared.

Drafts are the intervenant's alone (issue 19): never listed. Order: newest
transmission first, profiles without a date last on both databases (PostgreSQL puts NULLs first in a descending
order: the first pages were drafts); an index in that order per structure
(``app.models.comptes.INDEX_FILE_INSCRIPTIONS`` on PostgreSQL).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask import url_for
from sqlalchemy import asc, bindparam, desc, exists, func, select
from wtforms import DateField, Form, StringField
from wtforms.validators import Length, Optional, ValidationError

from app.extensions import db, preparee
from app.formatting import format_date
from app.forms.champs import SelectField
from app.forms.profil import optional_int
from app.models.comptes import EtatInscription, Intervenant, intervenant_region, intervenant_specialite
from app.models.referentiels import Region, Specialite, Structure
from app.referentiels.options import options
from app.security.scope import structure_visible

TAILLES = (20, 50, 100)
TAILLE = TAILLES[0]
#: Past it a page number is this one (an OFFSET beyond PostgreSQL's bigint
#: would be an error page, not the last page).
PAGE_MAX = 100_000
#: Sortable columns: argument value → (label, column).
COLONNES = {
    "nom": ("Nom d'usage", Intervenant.nom_usage),
    "prenom": ("Prénom", Intervenant.prenom),
    "structure": ("Structure de rattachement", Structure.nom),
    "etat": ("État", Intervenant.etat_inscription),
    "date": ("Date de transmission", Intervenant.date_transmission),
}
ORDRE_PAR_DEFAUT = ("date", "desc")
TOUS = [("", "Tous")]
FORMATS_DATE = ["%Y-%m-%d", "%d/%m/%Y"]


class DateFr(DateField):
    """A date typed as the browser sends it (``2026-03-09``) or as read in
    France (``09/03/2026``); a French message otherwise."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError as exc:
            raise ValueError("Date invalide : saisissez-la au format jj/mm/aaaa.") from exc


TROP_LONG = "100 caractères au plus."


def _sans_espaces(valeur: str | None) -> str | None:
    return valeur.strip() if valeur else valeur


def _au_apres_du(form, field):
    if field.data and form.du.data and field.data < form.du.data:
        raise ValidationError("La date de fin doit être postérieure ou égale à la date de début.")


class FiltresForm(Form):
    """GET search form (no CSRF: it changes nothing). A criterion with an
    error is shown with its message and left out of the search."""

    nom = StringField("Nom d'usage", filters=[_sans_espaces], validators=[Optional(), Length(max=100, message=TROP_LONG)])
    prenom = StringField("Prénom", filters=[_sans_espaces], validators=[Optional(), Length(max=100, message=TROP_LONG)])
    etat = SelectField("État", choices=TOUS + [(e.value, e.libelle) for e in EtatInscription
                                               if e != EtatInscription.brouillon], default="")
    specialite = SelectField("Spécialité", coerce=optional_int)
    region = SelectField("Région", coerce=optional_int)
    du = DateFr("Transmise à partir du", format=FORMATS_DATE, validators=[Optional()])
    au = DateFr("Transmise jusqu'au", format=FORMATS_DATE, validators=[Optional(), _au_apres_du])
    taille = SelectField("Demandes par page", choices=[(str(t), str(t)) for t in TAILLES],
                         default=str(TAILLE))

    def __init__(self, args):
        super().__init__(args)
        self.specialite.choices = TOUS + list(options(Specialite))
        self.region.choices = TOUS + list(options(Region, "nom"))

    def valeur(self, nom: str):
        """A criterion's value, or None if empty or in error."""
        champ = self[nom]
        return None if champ.errors or champ.data in ("", None) else champ.data


def _valider(form: FiltresForm) -> None:
    """WTForms' validation, its English messages made French."""
    form.validate()
    for champ in (form.etat, form.specialite, form.region, form.taille):
        if champ.errors:
            champ.errors = ["Choix invalide."]


def criteres(form: FiltresForm) -> list:
    """WHERE clauses of the form's valid criteria (the scope apart)."""
    where = []
    if nom := form.valeur("nom"):
        where.append(Intervenant.nom_usage.icontains(nom, autoescape=True))
    if prenom := form.valeur("prenom"):
        where.append(Intervenant.prenom.icontains(prenom, autoescape=True))
    if etat := form.valeur("etat"):
        where.append(Intervenant.etat_inscription == EtatInscription(etat))
    for nom_champ, lien in (("specialite", intervenant_specialite), ("region", intervenant_region)):
        if (valeur := form.valeur(nom_champ)) is not None:
            proprietaire, reference = list(lien.c)
            where.append(exists().where(proprietaire == Intervenant.id, reference == valeur))
    if du := form.valeur("du"):
        where.append(Intervenant.date_transmission >= datetime.combine(du, time.min))
    if (au := form.valeur("au")) and au < date.max:  # up to the end of that day
        where.append(Intervenant.date_transmission < datetime.combine(au + timedelta(days=1), time.min))
    return where


def _portee(national: bool):
    """The rows the user may see (``scope.demandes_visibles``): transmitted
    requests (never a draft) of every structure for a national role, else
    of one structure, bound at execution."""
    transmises = [Intervenant.etat_inscription != EtatInscription.brouillon]
    return transmises if national else [*transmises, Intervenant.structure_id == bindparam("structure")]


def _ordre(ordre: str, sens: str) -> tuple:
    direction = asc if sens == "asc" else desc
    colonne = direction(COLONNES[ordre][1])
    if ordre == "date":
        colonne = colonne.nulls_last()  # never transmitted: last, whatever the direction
    return colonne, direction(Intervenant.id)


def _page(where: list, ordre: str, sens: str):
    return (
        select(
            Intervenant.id, Intervenant.nom_usage, Intervenant.prenom, Intervenant.etat_inscription,
            Intervenant.date_transmission, Structure.nom.label("structure"),
        )
        .outerjoin(Structure, Structure.id == Intervenant.structure_id)
        .where(*where)
        .order_by(*_ordre(ordre, sens))
        .limit(bindparam("taille"))
        .offset(bindparam("debut"))
    )


def _compte(where: list):
    return select(func.count()).select_from(Intervenant).where(*where)


@functools.cache
def _requetes_sans_critere(national: bool, ordre: str, sens: str):
    """Count and page without criteria (the queue as opened), built once
    and kept prepared: their plan does not depend on the structure."""
    return preparee(_compte(_portee(national))), preparee(_page(_portee(national), ordre, sens))


@dataclass(frozen=True)
class Ligne:
    id: int
    nom: str
    prenom: str
    structure: str
    etat: str
    date: str


@dataclass
class FileDemandes:
    """What the template draws: the form, rows, total, sort, page and links."""

    form: FiltresForm
    lignes: list[Ligne]
    total: int
    ordre: str | None
    sens: str
    page: int
    pages: int
    #: The request's criteria and sort (page apart), for the pager's links.
    args: dict
    #: A request's page without its id (None without the permission).
    lien_show: str | None
    #: Whether a criterion narrowed the list (the message when it is empty).
    avec_criteres: bool
    colonnes = COLONNES

    def lien_tri(self, colonne: str) -> str:
        sens = "desc" if self.ordre == colonne and self.sens == "asc" else "asc"
        return url_for("DemandeInscriptionView.list", **{**self.args, "tri": colonne, "sens": sens})

    def tri_aria(self, colonne: str) -> str:
        """The column's aria-sort value (the default order when none is asked)."""
        if (self.ordre or ORDRE_PAR_DEFAUT[0]) == colonne:
            return "ascending" if self.sens == "asc" else "descending"
        return "none"


def _arguments(args, form: FiltresForm) -> tuple[str | None, str, int, int]:
    ordre = args.get("tri")
    if ordre in COLONNES:
        sens = "asc" if args.get("sens") == "asc" else "desc"
    else:
        ordre, sens = None, ORDRE_PAR_DEFAUT[1]
    taille = int(form.valeur("taille") or TAILLE)
    page = min(max(args.get("page", 1, type=int), 1), PAGE_MAX)
    return ordre, sens, page, taille


def file_demandes(args, vue) -> FileDemandes:
    """The page of requests ``args`` (the query string) asks for; ``vue`` is
    the registered DemandeInscriptionView, whose permission shows the links."""
    form = FiltresForm(args)
    _valider(form)
    ordre, sens, page, taille = _arguments(args, form)
    structure_id = structure_visible()
    national = structure_id is None
    parametres = {} if national else {"structure": structure_id}
    where = criteres(form)
    if where:
        compte = _compte(_portee(national) + where)
        requete = _page(_portee(national) + where, ordre or ORDRE_PAR_DEFAUT[0], sens)
    else:
        compte, requete = _requetes_sans_critere(national, ordre or ORDRE_PAR_DEFAUT[0], sens)
    total = db.session.scalar(compte, parametres)
    pages = max(1, -(-total // taille))
    page = min(page, pages)  # past the last page: the last one
    resultat = db.session.execute(requete, {**parametres, "taille": taille, "debut": (page - 1) * taille})
    lignes = [
        Ligne(r.id, r.nom_usage or "", r.prenom or "", r.structure or "",
              EtatInscription(r.etat_inscription).libelle if r.etat_inscription else "",
              format_date(r.date_transmission, "%d/%m/%Y %H:%M"))
        for r in resultat
    ]
    gardes = {cle: v for cle, v in args.items() if v and (cle in form._fields or cle in ("tri", "sens"))}
    sm = vue.appbuilder.sm
    lien_show = url_for("DemandeInscriptionView.show", pk=0)[:-1] if sm.has_access("can_show", vue.class_permission_name) else None
    return FileDemandes(form, lignes, total, ordre, sens, page, pages, gardes, lien_show, bool(where))
