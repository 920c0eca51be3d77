"""« Mes réponses aux annonces » (Tableau de bord) of the intervenant (manual §3.3)."""

from __future__ import annotations

import functools
import math

import sqlalchemy as sa
from flask import request, url_for
from flask_appbuilder import BaseView, expose, has_access
from sqlalchemy import bindparam, select

from app import caches
from app.extensions import db, preparee
from app.models.annonces import LIBELLES_ETAT_CANDIDATURE, Annonce, Candidature, EtatCandidatureAnnonce
from app.security.scope import current_intervenant, no_row_id

PAGE_SIZE = 20


@functools.cache
def _requetes(par_etat: bool) -> tuple[sa.Select, sa.Select]:
    """The count and one page of an intervenant's candidatures (with the
    état asked for), as plain rows with the three columns of the annonce
    shown: built once per process and kept prepared (``preparee``); the page
    loaded whole annonces (their texts) as ORM objects (issue #6)."""
    where = [Candidature.intervenant_id == bindparam("intervenant")]
    if par_etat:
        where.append(Candidature.etat == bindparam("etat"))
    total = preparee(select(sa.func.count()).select_from(Candidature).where(*where))
    page = preparee(
        select(
            Candidature.date, Candidature.etat, Candidature.commentaire, Annonce.numero, Annonce.intitule,
            Annonce.etat.label("etat_annonce"),
        )
        .join(Annonce, Annonce.id == Candidature.annonce_id)
        .where(*where)
        .order_by(Candidature.date.desc(), Candidature.id.desc())
        .limit(PAGE_SIZE)
        .offset(bindparam("debut"))
    )
    return total, page


class MesCandidaturesView(BaseView):
    """The signed-in intervenant's candidatures only, filterable by état."""

    route_base = "/mes-reponses-aux-annonces"
    default_view = "liste"

    @expose("/")
    @has_access
    def liste(self):
        intervenant = current_intervenant()
        valeurs = {"intervenant": intervenant.id if intervenant else no_row_id()}
        etat = request.args.get("etat", "")
        if etat in EtatCandidatureAnnonce.__members__:
            valeurs["etat"] = EtatCandidatureAnnonce(etat)
        else:
            etat = ""
        requete_total, requete_page = _requetes(bool(etat))
        total = db.session.scalar(requete_total, valeurs)
        pages = max(1, math.ceil(total / PAGE_SIZE))
        page = min(max(request.args.get("page", 1, type=int), 1), pages)
        candidatures = db.session.execute(requete_page, {**valeurs, "debut": (page - 1) * PAGE_SIZE}).all()
        return self.render_template(
            "annonces/mes_reponses.html",
            title="Mes réponses aux annonces",
            candidatures=candidatures,
            etats=LIBELLES_ETAT_CANDIDATURE,
            etat=etat,
            total=total,
            page=page,
            pages=pages,
            # one URL for the page, each published annonce's number put in it
            lien_annonce=url_for("AnnoncesPubliquesView.detail", numero="__numero__"),
        )


caches.declarer_requete("mes_candidatures.requetes", _requetes)
