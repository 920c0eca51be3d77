"""Download of stored files, the only way a file leaves the storage."""

from __future__ import annotations

import logging

from flask import abort, current_app, render_template, request
from flask_appbuilder import BaseView, expose, has_access
from flask_login import current_user
from sqlalchemy import select

from app.extensions import db
from app.infra.errors import page_precedente
from app.models.fichiers import Fichier
from app.operations import executer, fichiers
from app.operations.dossier import PlafondAtteint, piece_de_dossier
from app.security.headers import options_vue
from app.views.telechargement import reponse_en_flux

log = logging.getLogger(__name__)

#: A downloaded file is never a page: nothing loads, runs or frames it
#: (app.security.headers adds nosniff and the others).
CSP_FICHIER = {"default-src": "'none'", "sandbox": "", "frame-ancestors": "'none'"}


class FichierView(BaseView):
    """``/fichiers/<uuid>``: the owner or back-office staff download a file.

    Anyone else gets the same 404 as for an unknown identifier, so the
    existence of a file is never revealed. The response is an attachment that
    browsers must neither sniff, render nor cache.
    """

    route_base = "/fichiers"
    include_route_methods = {"telecharger"}

    @expose("/<uuid:uuid>")
    @has_access
    @options_vue(content_security_policy=CSP_FICHIER)
    def telecharger(self, uuid):
        fichier = db.session.scalar(select(Fichier).where(Fichier.uuid == uuid))
        if fichier is None or not fichier.lisible_par(current_user):
            abort(404)
        # a piece of a dossier administratif read by staff: the daily budget
        sensible = fichier.owner_user_id != current_user.id and piece_de_dossier(fichier.id)
        try:
            return envoyer_fichier(fichier, current_user.id, lecture_sensible_de=current_user if sensible else None)
        except PlafondAtteint as exc:
            return render_template("erreurs/erreur.html", appbuilder=current_app.appbuilder,
                                   titre="Plafond de lectures atteint", message=exc.message,
                                   precedente=page_precedente()), 429


def envoyer_fichier(fichier: Fichier, user_id: int | None, *, lecture_sensible_de=None):
    """A checked file as an attachment that browsers must neither sniff,
    render nor cache; the read is logged (who, when, from which address).
    The caller has checked the reader's right (404 otherwise).
    The content is streamed from the storage (``reponse_en_flux``): opened
    first, so a file the storage lost is a 404 with nothing logged; the read
    is then logged (and a sensitive one takes its budget) before any byte goes."""
    try:
        reponse = reponse_en_flux(fichier)
    except FileNotFoundError:
        log.error("Fichier %s absent du stockage (clé %s)", fichier.uuid, fichier.storage_key)
        abort(404)
    try:
        executer(fichiers.noter_lecture, fichier, user_id, request.remote_addr, lecture_sensible_de=lecture_sensible_de)
    except BaseException:
        reponse.close()
        raise
    return reponse
