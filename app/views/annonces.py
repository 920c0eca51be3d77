"""Public annonces: « Recherche avancée d'annonces », detail and « Candidater »
(manual §4). Lists show published annonces whose deadline has not passed."""

from __future__ import annotations

import math
from datetime import date, datetime

import sqlalchemy as sa
from flask import abort, flash, redirect, request, url_for
from flask_appbuilder import BaseView, expose
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload
from wtforms import Form, StringField, TextAreaField
from wtforms.fields import DateField
from wtforms.validators import Length, Optional, Regexp, ValidationError

from app.extensions import db
from app.forms.champs import SelectField, SelectMultipleField
from app.infra.formatting import format_heure
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
from app.models.comptes import EtatInscription
from app.models.referentiels import Departement, NatureFormation, Region, SousSpecialite, Specialite, Structure
from app.operations import candidatures, executer
from app.operations.suggestions import invitation_de
from app.referentiels.options import options
from app.security.scope import current_intervenant, dans_ma_structure
from app.views.cache_public import page_publique
from app.views.liste import Arguments, Colonne, Demande, Liste, Lot
from app.workflows.core import WorkflowError

PAGE_SIZE = 20
MESSAGE_AUTHENTIFICATION = "Pour pouvoir postuler à l'annonce vous devez vous authentifier ou vous inscrire"

#: Sortable columns of the result table (URL value → column).
TRIS = {
    "numero": Annonce.numero,
    "intitule": Annonce.intitule,
    "debut": Annonce.date_debut,
    "fin": Annonce.date_fin,
    "limite": Annonce.date_limite,
    "publication": Annonce.date_publication,
}


def aujourdhui() -> date:
    return utcnow().date()


def _choix(rows):
    return [(str(i), libelle) for i, libelle in rows]


class RechercheForm(Form):
    """Criteria of the advanced search, read from the query string (GET: the
    search is a shareable URL; no CSRF needed for a read-only form)."""

    class Meta:
        locales = ("fr_FR", "fr")  # WTForms' own messages (invalid date, choice) in French

    numero = StringField(
        "Numéro de l'annonce", description="Les premiers chiffres suffisent.",
        validators=[Optional(), Regexp(r"^\s*\d{1,10}\s*$", message="Le numéro de l'annonce ne contient que des chiffres (10 au plus).")],
    )
    specialite = SelectMultipleField(
        "Spécialité(s) de formation", [Optional()],
        description="Annonces d'au moins une des spécialités choisies (Ctrl ou Cmd pour en choisir plusieurs).")
    sous_specialite = SelectMultipleField(
        "Sous-spécialité(s) de formation", [Optional()],
        description="Annonces d'au moins une des sous-spécialités choisies.")
    categorie = SelectMultipleField("Catégorie d'intervention", [Optional()],
                                    description="Annonces d'au moins une des catégories choisies.")
    region = SelectField("Région du lieu de l'action", [Optional()])
    departement = SelectField("Département du lieu de l'action", [Optional()])
    structure = SelectField("Structure qui a publié l'annonce", [Optional()])
    # The period asked for: annonces whose intervention overlaps it (appliquer_criteres).
    debut = DateField("Date de début d'intervention", [Optional()],
                      description="Annonces dont l'intervention se termine ce jour-là ou après.")
    fin = DateField("Date de fin d'intervention", [Optional()],
                    description="Annonces dont l'intervention commence ce jour-là ou avant.")
    date_limite = DateField("Date limite de candidature", [Optional()],
                            description="Annonces encore ouvertes aux candidatures à cette date "
                                        "(date limite ce jour-là ou après).")

    def validate_fin(self, field):
        if field.data and self.debut.data and field.data < self.debut.data:
            raise ValidationError("La date de fin doit être postérieure ou égale à la date de début.")

    def charger_choix(self) -> None:
        """The referential options (cached per process: app.referentiels.options)."""
        indifferent = [("", "Indifférent")]
        self.specialite.choices = indifferent + _choix(options(Specialite, actifs=True))
        self.sous_specialite.choices = indifferent + _choix(options(SousSpecialite, actifs=True))
        self.categorie.choices = indifferent + _choix(options(NatureFormation, ordre="ordre", actifs=True))
        self.region.choices = indifferent + _choix(options(Region, "nom", actifs=True))
        self.departement.choices = indifferent + _choix(options(Departement, ("code", "nom"), ordre="code", actifs=True))
        self.structure.choices = [("", "Sélectionner une structure")] + _choix(options(Structure, "nom", actifs=True))


def _ids(values) -> list[int]:
    return [int(v) for v in values or () if str(v).isdigit()]


def annonces_ouvertes():
    """Published annonces whose deadline has not passed."""
    return select(Annonce).where(Annonce.etat == EtatAnnonce.publiee, Annonce.date_limite >= aujourdhui())


def appliquer_criteres(query, form: RechercheForm):
    """Add every filled criterion (they are cumulative)."""
    if form.numero.data and form.numero.data.strip():
        query = query.where(Annonce.numero.startswith(form.numero.data.strip(), autoescape=True))
    links = (
        (form.specialite.data, annonce_specialite, "specialite_id"),
        (form.sous_specialite.data, annonce_sous_specialite, "sous_specialite_id"),
        ([form.region.data], annonce_region, "region_id"),
        ([form.departement.data], annonce_departement, "departement_id"),
    )
    for values, table, column in links:
        ids = _ids(values)
        if ids:
            query = query.where(
                Annonce.id.in_(select(table.c.annonce_id).where(table.c[column].in_(ids)))
            )
    if categories := _ids(form.categorie.data):
        query = query.where(Annonce.nature_formation_id.in_(categories))
    if structures := _ids([form.structure.data]):
        query = query.where(Annonce.structure_id.in_(structures))
    # Période d'intervention: annonces whose period overlaps the one asked for.
    if form.debut.data:
        query = query.where(sa.or_(Annonce.date_fin.is_(None), Annonce.date_fin >= form.debut.data))
    if form.fin.data:
        query = query.where(sa.or_(Annonce.date_debut.is_(None), Annonce.date_debut <= form.fin.data))
    # Date limite de candidature: still open on that date.
    if form.date_limite.data:
        query = query.where(Annonce.date_limite >= form.date_limite.data)
    return query


def page_annonces(query, page: int, per_page: int = PAGE_SIZE, order_by=None):
    """One page of annonces with what the tables show, in a constant number of
    queries (count, page, then one query per eager-loaded collection)."""
    total = db.session.scalar(select(sa.func.count()).select_from(query.order_by(None).subquery()))
    pages = max(1, math.ceil(total / per_page))
    page = min(max(page, 1), pages)
    order_by = order_by if order_by is not None else (Annonce.date_publication.desc(), Annonce.id.desc())
    rows = db.session.scalars(
        query.options(
            selectinload(Annonce.specialites),
            selectinload(Annonce.regions),
            joinedload(Annonce.pays),
            joinedload(Annonce.structure),
        )
        .order_by(*order_by)
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return rows, total, page, pages


def peut_voir(annonce: Annonce) -> bool:
    """Published annonces are public; the others only for their structure's staff."""
    if annonce.etat == EtatAnnonce.publiee:
        return True
    if not current_user.is_authenticated:
        return False
    return dans_ma_structure(annonce.structure_id)


class CandidatureForm(FlaskForm):
    commentaire = TextAreaField(
        "Commentaire associé à votre candidature",
        [Optional(), Length(max=4000, message="Le commentaire est limité à 4000 caractères.")],
    )


def date_candidature(annonce: Annonce, intervenant) -> datetime | None:
    """When ``intervenant`` applied to ``annonce`` (stored UTC), None if they did not."""
    return db.session.scalar(
        select(Candidature.date).where(Candidature.annonce_id == annonce.id, Candidature.intervenant_id == intervenant.id)
    )


def criteres_recherche(args) -> RechercheForm:
    """The advanced search's criteria with their options."""
    form = RechercheForm(args)
    form.charger_choix()
    return form


def page_de_recherche(demande: Demande) -> Lot:
    """One page of the open annonces that fit the criteria (none while a
    criterion is not valid), in the sort asked (``tri``, ``ordre``: any
    value sorts by publication, ``ordre`` alone turns it round)."""
    form, args = demande.form, demande.args
    tri = args.get("tri", "publication")
    ordre = "asc" if args.get("ordre") == "asc" else "desc"
    plus = {"valide": form.validate(), "tri": tri, "ordre": ordre}
    if not plus["valide"]:
        return Lot([], 0, 1, 1, plus=plus)
    column = TRIS.get(tri, Annonce.date_publication)
    direction = column.asc() if ordre == "asc" else column.desc()
    rows, total, page, pages = page_annonces(appliquer_criteres(annonces_ouvertes(), form), demande.numero,
                                             per_page=demande.taille, order_by=(direction.nulls_last(), Annonce.id.desc()))
    return Lot(rows, total, page, pages, plus=plus)


#: « Recherche avancée d'annonces »: the columns of templates/annonces/recherche.html
#: (sorted by their header: ``tri``, ``ordre``; by default by publication,
#: the newest first, which ``page_de_recherche`` applies), 20 annonces a page.
RECHERCHE = Liste(
    nom="recherche_annonces", table=Annonce, cle=Annonce.id,
    colonnes={
        "numero": Colonne("N° de l'annonce", Annonce.numero),
        "intitule": Colonne("Intitulé de l'annonce", Annonce.intitule),
        "specialites": Colonne("Domaine de formation", Annonce.id, triable=False),
        "lieux": Colonne("Région(s)/Pays d'intervention", Annonce.id, triable=False),
        "debut": Colonne("Date de début d'intervention", Annonce.date_debut),
        "fin": Colonne("Date de fin d'intervention", Annonce.date_fin),
        "limite": Colonne("Date limite de candidature", Annonce.date_limite),
    },
    ordre=("numero", "desc"), tailles=(PAGE_SIZE,), arguments=Arguments(tri="tri", sens="ordre"),
    formulaire=criteres_recherche, source=page_de_recherche,
)


class AnnoncesPubliquesView(BaseView):
    """Public pages; « Candidater » checks the applicant itself."""

    route_base = "/annonces"
    default_view = "recherche"

    @expose("/")
    @page_publique
    def recherche(self):
        args = {k: request.args.getlist(k) for k in request.args if k not in ("page", "tri", "ordre")}
        return self.render_template(
            "annonces/recherche.html", title="Recherche avancée d'annonces", p=RECHERCHE.page(), args=args)

    def _annonce(self, numero: str) -> Annonce:
        annonce = db.session.scalar(
            select(Annonce)
            .where(Annonce.numero == numero)
            .options(
                selectinload(Annonce.specialites),
                selectinload(Annonce.sous_specialites),
                selectinload(Annonce.regions),
                selectinload(Annonce.departements),
                joinedload(Annonce.pays),
                joinedload(Annonce.structure),
                joinedload(Annonce.fichier),
            )
        )
        if annonce is None or not peut_voir(annonce):
            abort(404)
        return annonce

    @expose("/<numero>")
    @page_publique
    def detail(self, numero):
        annonce = self._annonce(numero)
        intervenant = current_intervenant()  # None for a visitor: the cached page is everybody's
        deja = date_candidature(annonce, intervenant) if intervenant is not None else None
        invite = invitation_de(annonce.id, intervenant.id) if intervenant is not None else None
        return self.render_template(
            "annonces/detail.html",
            title=f"Annonce {annonce.numero}",
            annonce=annonce,
            retour=request.args.get("retour"),
            deja_candidate=format_heure(deja, "dd/MM/yyyy") if deja else None,
            invite_le=format_heure(invite, "dd/MM/yyyy") if invite else None,
        )

    def refus(self, annonce: Annonce, intervenant) -> str | None:
        """Why the current user may not apply now (None: they may)."""
        if intervenant is None:
            if current_user.is_authenticated:
                return "Seul un intervenant disposant d'un compte validé peut candidater à une annonce."
            return MESSAGE_AUTHENTIFICATION
        if intervenant.etat_inscription != EtatInscription.validee:
            return (
                "Pour candidater, vous devez être connecté et disposer d'un compte validé : "
                "votre inscription n'est pas encore validée par votre structure de rattachement."
            )
        if not annonce.ouverte_aux_candidatures(aujourdhui()):
            return "Cette annonce n'accepte plus de candidatures : la date limite de candidature est dépassée."
        deja = date_candidature(annonce, intervenant)
        if deja is not None:
            return f"Vous avez déjà candidaté à cette annonce le {format_heure(deja, 'dd/MM/yyyy')}."
        return None

    @expose("/<numero>/candidater", methods=["GET", "POST"])
    def candidater(self, numero):
        annonce = self._annonce(numero)
        if annonce.etat != EtatAnnonce.publiee:
            abort(404)
        intervenant = current_intervenant()
        form = CandidatureForm()
        refus = self.refus(annonce, intervenant)
        if refus is None and form.validate_on_submit():
            try:
                executer(candidatures.candidater, annonce, intervenant, form.commentaire.data)
            except WorkflowError as exc:
                refus = exc.message
            else:
                flash("Votre candidature a été déposée. Vous pouvez la suivre dans « Mes réponses aux annonces ».", "success")
                return redirect(url_for("MesCandidaturesView.liste"))
        status = 403 if refus and request.method == "POST" else 200
        return self.render_template(
            "annonces/candidater.html",
            title=f"Déposer une candidature sur l'annonce n° {annonce.numero}",
            annonce=annonce,
            form=form,
            refus=refus,
            authentification=refus == MESSAGE_AUTHENTIFICATION,
            lien_connexion=url_for("AuthDBView.login", next=request.path),
            lien_inscription=f"/inscription?annonce={annonce.numero}",
        ), status
