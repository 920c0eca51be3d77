"""The candidatures of one annonce, on the annonce's page (gestionnaire).

FAB drew them as a related list of ``CandidatureGestionView`` under the
annonce (show_cascade): a ``Filters`` object, ORM rows and the list widget's
macros, half of the page's time and its slowest target (issue #6,
BENCHMARKS.md Round 8). Here one statement reads the page's rows and their
number (plain rows), and one template fragment draws them. The page keeps
FAB's arguments (``page_``, ``psize_``, ``_oc_``, ``_od_`` suffixed with the
view's name), its actions (posted to ``CandidatureGestionView.action_post``,
which checks the scope again) and the links to each candidature, each shown
only with its permission.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import ClassVar
from urllib.parse import urlencode

from flask import request, url_for
from sqlalchemy import asc, bindparam, desc, func, select

from app.extensions import db, preparee
from app.formatting import format_date
from app.models.annonces import Candidature, EtatCandidatureAnnonce
from app.models.comptes import Intervenant

#: The related view whose arguments, permissions and actions the list keeps.
VUE = "CandidatureGestionView"
TAILLES = (20, 25, 50, 75, 100)
TAILLE = 20
#: Sortable columns: argument value → (label, column).
COLONNES = {
    "date": ("Date de la réponse", Candidature.date),
    "intervenant.prenom": ("Prénom", Intervenant.prenom),
    "intervenant.nom_usage": ("Nom", Intervenant.nom_usage),
    "etat": ("État", Candidature.etat),
    "commentaire": ("Commentaire du candidat", Candidature.commentaire),
}
ORDRE_PAR_DEFAUT = ("date", "desc")
#: Past it a page number is this one (an OFFSET beyond PostgreSQL's bigint
#: would be an error, not an empty page).
PAGE_MAX = 100_000


def commentaire_court(texte: str | None) -> str:
    """The candidate's comment cut to 120 characters in lists."""
    return (texte[:120] + "…") if texte and len(texte) > 120 else (texte or "")


@functools.cache
def _requete(ordre: str, sens: str):
    """One page of an annonce's candidatures with their total (window count),
    built once per sort (ten at most)."""
    direction = asc if sens == "asc" else desc
    return preparee(
        select(
            Candidature.id, Candidature.date, Intervenant.prenom, Intervenant.nom_usage, Candidature.etat,
            Candidature.commentaire, func.count().over().label("total"),
        )
        .join(Intervenant, Intervenant.id == Candidature.intervenant_id)
        .where(Candidature.annonce_id == bindparam("annonce"))
        .order_by(direction(COLONNES[ordre][1]), direction(Candidature.id))
        .limit(bindparam("taille"))
        .offset(bindparam("debut"))
    )


@functools.cache
def _requete_total():
    return preparee(
        select(func.count()).select_from(Candidature).where(Candidature.annonce_id == bindparam("annonce"))
    )


@dataclass(frozen=True)
class Ligne:
    id: int
    date: str
    prenom: str
    nom: str
    etat: str
    commentaire: str


@dataclass
class ListeCandidatures:
    """What the template draws: rows, total, sort, pages and the links."""

    colonnes: ClassVar[dict] = COLONNES
    tailles: ClassVar[tuple[int, ...]] = TAILLES
    lignes: list[Ligne]
    total: int
    ordre: str | None
    sens: str
    page: int
    taille: int
    #: A candidature's page without its id (None without the permission).
    lien_show: str | None
    actions: list
    lien_actions: str
    base: str

    @property
    def pages(self) -> int:
        return -(-self.total // self.taille)

    def lien(self, **changes) -> str:
        """This page's URL with the request's arguments, some changed."""
        args = request.args.to_dict()
        args.update({f"{cle}{VUE}": valeur for cle, valeur in changes.items()})
        return f"{self.base}?{urlencode(args)}"

    def lien_tri(self, colonne: str) -> str:
        sens = "desc" if self.ordre == colonne and self.sens == "asc" else "asc"
        return self.lien(_oc_=colonne, _od_=sens)

    def tri_aria(self, colonne: str) -> str:
        """The column's aria-sort value (the default order when none is asked)."""
        if (self.ordre or ORDRE_PAR_DEFAUT[0]) == colonne:
            return "ascending" if self.sens == "asc" else "descending"
        return "none"

    def lien_page(self, numero: int) -> str:
        """Page ``numero`` (from 1, as the project's pager counts) under FAB's
        0-based argument."""
        return self.lien(page_=numero - 1)


def _arguments(args) -> tuple[str | None, str, int, int]:
    ordre = args.get(f"_oc_{VUE}")
    if ordre in COLONNES:
        sens = "asc" if args.get(f"_od_{VUE}") == "asc" else "desc"
    else:
        ordre, sens = None, ORDRE_PAR_DEFAUT[1]
    taille = args.get(f"psize_{VUE}", TAILLE, type=int)
    taille = taille if taille in TAILLES else TAILLE
    page = min(max(args.get(f"page_{VUE}", 0, type=int), 0), PAGE_MAX)
    return ordre, sens, page, taille


def liste_candidatures(annonce_id: int, vue) -> ListeCandidatures:
    """The page of candidatures the request asks for. ``vue`` is the
    registered ``CandidatureGestionView``: its permissions decide the links
    and actions shown."""
    ordre, sens, page, taille = _arguments(request.args)
    resultat = db.session.execute(
        _requete(ordre or ORDRE_PAR_DEFAUT[0], sens), {"annonce": annonce_id, "taille": taille, "debut": page * taille}
    ).all()
    if resultat:
        total = resultat[0].total
    else:  # past the last page (or none): the window count has no row to ride on
        total = db.session.scalar(_requete_total(), {"annonce": annonce_id}) if page else 0
    lignes = [
        Ligne(r.id, format_date(r.date, "%d/%m/%Y %H:%M"), r.prenom or "", r.nom_usage or "",
              EtatCandidatureAnnonce(r.etat).libelle if r.etat else "", commentaire_court(r.commentaire))
        for r in resultat
    ]
    sm = vue.appbuilder.sm
    permission = vue.class_permission_name
    lien_show = url_for(f"{VUE}.show", pk=0)[:-1] if sm.has_access("can_show", permission) else None
    actions = [
        a for nom, a in vue.actions.items()
        if a.multiple and vue.get_action_permission_name(nom) in vue.base_permissions
        and sm.has_access(vue.get_action_permission_name(nom), permission)
    ]
    return ListeCandidatures(
        lignes, total, ordre, sens, page, taille, lien_show, actions, url_for(f"{VUE}.action_post"),
        url_for(request.endpoint, **request.view_args),
    )
