"""Public portal (manual §1.3–§2): home page, news, information and legal
pages, cookie consent and the public documents."""

from __future__ import annotations

import io
from urllib.parse import urlsplit

from flask import abort, redirect, request, send_file, url_for
from flask_appbuilder import BaseView, IndexView, expose
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models.annonces import Annonce, EtatAnnonce
from app.models.contenus import Actualite, DocumentPublic
from app.models.fichiers import Fichier
from app.models.referentiels import NatureFormation, Specialite, Structure
from app.operations import executer, fichiers
from app.operations.audit_rgaa import AUDIT, audit
from app.referentiels.options import options
from app.views.annonces import annonces_ouvertes, page_annonces
from app.views.cache_public import COOKIE_CONSENTEMENT, page_publique
from app.views.liste import Colonne, Demande, Liste, Lot

DUREE_CONSENTEMENT = 13 * 30 * 24 * 3600  # 13 months (CNIL)
ANNONCES_ACCUEIL = 10


def derniere_actualites(limit: int = 3):
    return db.session.scalars(
        select(Actualite).order_by(Actualite.date_publication.desc(), Actualite.id.desc()).limit(limit)
    ).all()


def dernieres_annonces(demande: Demande) -> Lot:
    """One page of the open annonces, the latest published first."""
    return Lot(*page_annonces(annonces_ouvertes(), demande.numero, per_page=demande.taille))


#: « Les dernières annonces publiées » of the home page (templates/portail/accueil.html).
DERNIERES_ANNONCES = Liste(
    nom="accueil_annonces", table=Annonce, cle=Annonce.id,
    colonnes={
        "numero": Colonne("Numéro de l'annonce", Annonce.numero, triable=False),
        "intitule": Colonne("Intitulé de l'annonce", Annonce.intitule, triable=False),
        "specialites": Colonne("Spécialité de formation", Annonce.id, triable=False),
        "lieux": Colonne("Région(s)/Pays d'intervention", Annonce.id, triable=False),
    },
    ordre=("numero", "desc"), tailles=(ANNONCES_ACCUEIL,), source=dernieres_annonces,
)


class AccueilView(IndexView):
    """Home page (public)."""

    index_template = "portail/accueil.html"

    @expose("/")
    @page_publique
    def index(self):
        p = DERNIERES_ANNONCES.page()
        return self.render_template(
            self.index_template,
            title="Accueil",
            actualites=derniere_actualites(),
            p=p,
            annonces=p.lignes,
            specialites=options(Specialite, actifs=True),
            categories=options(NatureFormation, ordre="ordre", actifs=True),
            login_form=FlaskForm(),
        )


#: The automated figures the accessibility statement keeps as evidence beside
#: its RGAA audit (app/operations/audit_rgaa.py): the last full run of
#: tests/navigateur/test_axe_pages.py (`make test-navigateur`), which fails
#: on any violation; update the date and counts when the pages change.
MESURE_ACCESSIBILITE = {
    "date": "7 décembre 2026",
    "outil": "4.14.1",
    "navigateur": "Chromium 156 (Debian)",
    "pages": (("pour un visiteur", 22), ("pour un intervenant", 40), ("pour un gestionnaire", 56),
              ("pour un gestionnaire d'une autre structure", 44), ("pour un administrateur national", 131)),
    "violations": 0,
}


class PagesView(BaseView):
    """Information and legal pages, news, cookies and public documents."""

    route_base = ""
    default_view = "mentions_legales"

    @expose("/accessibilite")
    def accessibilite(self):
        return self.render_template("portail/accessibilite.html", title="Accessibilité", mesure=MESURE_ACCESSIBILITE,
                                    audit=audit(), methode=AUDIT)

    @expose("/plan-acces")
    def plan_acces(self):
        return self.render_template("portail/plan_acces.html", title="Plan d'accès")

    @expose("/mentions-legales")
    def mentions_legales(self):
        return self.render_template("portail/mentions_legales.html", title="Mentions légales")

    @expose("/actualites")
    def actualites(self):
        """All news, collapsed but the chosen one (``?article=<id>``, from a
        summary of the home page) or else the latest; no JavaScript needed."""
        articles = db.session.scalars(
            select(Actualite)
            .options(selectinload(Actualite.document))
            .order_by(Actualite.date_publication.desc(), Actualite.id.desc())
        ).all()
        choisi = request.args.get("article", type=int)
        if choisi not in {a.id for a in articles}:
            choisi = None
        ouvert = choisi or (articles[0].id if articles else None)
        return self.render_template(
            "portail/actualites.html", title="Informations Espace Intervenants",
            articles=articles, ouvert=ouvert, choisi=choisi,
        )

    @expose("/informations-complementaires")
    def informations_complementaires(self):
        structures = db.session.scalars(
            select(Structure)
            .where(Structure.actif.is_(True))
            .options(selectinload(Structure.regions))
            .order_by(Structure.nom)
        ).all()
        par_region: dict[str, list[Structure]] = {}
        for structure in structures:
            for region in structure.regions or [None]:
                par_region.setdefault(region.nom if region else "Structures nationales", []).append(structure)
        documents = db.session.scalars(
            select(DocumentPublic)
            .where(DocumentPublic.actif.is_(True))
            .options(selectinload(DocumentPublic.fichier))
            .order_by(DocumentPublic.ordre, DocumentPublic.titre)
        ).all()
        return self.render_template(
            "portail/informations_complementaires.html",
            title="Informations Complémentaires",
            par_region=dict(sorted(par_region.items())),
            documents=documents,
        )

    @expose("/cookies", methods=["GET", "POST"])
    def cookies(self):
        """Consent page (« Personnaliser »); the banner's buttons post here too."""
        form = FlaskForm()
        if request.method == "POST" and form.validate_on_submit():
            choix = request.form.get("choix")
            valeur = "mesure" if choix in ("tout", "mesure_autoriser") else "aucun"
            retour = request.form.get("retour") or url_for("PagesView.cookies")
            parts = urlsplit(retour)
            if parts.scheme or parts.netloc or not retour.startswith("/"):
                retour = url_for("PagesView.cookies")
            response = redirect(retour)
            response.set_cookie(
                COOKIE_CONSENTEMENT, valeur, max_age=DUREE_CONSENTEMENT, samesite="Lax",
                secure=request.is_secure, httponly=True,
            )
            return response
        return self.render_template("portail/cookies.html", title="Gestion des cookies", cookie_form=form)

    @expose("/documents/<uuid:uuid>")
    def document(self, uuid):
        """A public file: attached to a published annonce, to a news article or
        listed in the public documents. Any other file answers 404."""
        fichier = db.session.scalar(
            select(Fichier).where(
                Fichier.uuid == uuid,
                Fichier.sensitive.is_(False),
                or_(
                    Fichier.id.in_(select(Annonce.fichier_id).where(Annonce.etat == EtatAnnonce.publiee)),
                    Fichier.id.in_(select(Actualite.document_id)),
                    Fichier.id.in_(select(DocumentPublic.fichier_id).where(DocumentPublic.actif.is_(True))),
                ),
            )
        )
        if fichier is None:
            abort(404)
        user_id = current_user.id if current_user.is_authenticated else None
        try:
            data = executer(fichiers.lire, fichier, user_id, request.remote_addr)
        except FileNotFoundError:
            abort(404)
        response = send_file(
            io.BytesIO(data), mimetype=fichier.content_type, as_attachment=True,
            download_name=fichier.original_name, etag=False, conditional=False,
        )
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
        return response
