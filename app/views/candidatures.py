"""« Mes réponses aux annonces » (Tableau de bord) of the intervenant (manual §3.3)."""

from __future__ import annotations

import math

import sqlalchemy as sa
from flask import request
from flask_appbuilder import BaseView, expose, has_access
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.models.annonces import LIBELLES_ETAT_CANDIDATURE, Candidature, EtatCandidatureAnnonce
from app.security.scope import current_intervenant, no_row_id

PAGE_SIZE = 20


class MesCandidaturesView(BaseView):
    """The signed-in intervenant's candidatures only, filterable by état."""

    route_base = "/mes-reponses-aux-annonces"
    default_view = "liste"

    @expose("/")
    @has_access
    def liste(self):
        intervenant = current_intervenant()
        query = select(Candidature).where(
            Candidature.intervenant_id == (intervenant.id if intervenant else no_row_id())
        )
        etat = request.args.get("etat", "")
        if etat in EtatCandidatureAnnonce.__members__:
            query = query.where(Candidature.etat == EtatCandidatureAnnonce(etat))
        else:
            etat = ""
        total = db.session.scalar(select(sa.func.count()).select_from(query.subquery()))
        pages = max(1, math.ceil(total / PAGE_SIZE))
        page = min(max(request.args.get("page", 1, type=int), 1), pages)
        candidatures = db.session.scalars(
            query.options(joinedload(Candidature.annonce))
            .order_by(Candidature.date.desc(), Candidature.id.desc())
            .limit(PAGE_SIZE)
            .offset((page - 1) * PAGE_SIZE)
        ).all()
        return self.render_template(
            "annonces/mes_reponses.html",
            title="Mes réponses aux annonces",
            candidatures=candidatures,
            etats=LIBELLES_ETAT_CANDIDATURE,
            etat=etat,
            total=total,
            page=page,
            pages=pages,
        )
