"""CV-thèque: every gestionnaire searches the validated profiles (manual
§3.2.3), opens one with its files, exports the result list (XLSX).

The search is one query with EXISTS filters on the link tables (each indexed
from the referential side) and a count; the page's relations are loaded with
``selectinload``, so the number of statements does not grow with the rows.
Free text searches the Parcours text: PostgreSQL full-text (GIN index on
``to_tsvector('french', texte_parcours)``), LIKE elsewhere.
"""

from __future__ import annotations

import io
import math

from flask import abort, request, send_file
from flask_appbuilder import BaseView, expose, has_access
from openpyxl import Workbook
from sqlalchemy import exists, func, literal_column, select
from sqlalchemy.orm import load_only, selectinload
from wtforms import Form, StringField

from app.extensions import db
from app.forms.champs import SelectField
from app.forms.profil import optional_int
from app.models.comptes import (
    TEXTE_PARCOURS_TSV,
    EtatInscription,
    Intervenant,
    intervenant_departement,
    intervenant_region,
    intervenant_sous_specialite,
    intervenant_specialite,
)
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


def _link(table, column: str, value):
    return exists().where(table.c.intervenant_id == Intervenant.id, table.c[column] == value)


def filtres(form: RechercheForm) -> list:
    """WHERE clauses of the search (validated profiles only)."""
    where = [Intervenant.etat_inscription == EtatInscription.validee]
    links = (
        (form.specialite, intervenant_specialite, "specialite_id"),
        (form.sous_specialite, intervenant_sous_specialite, "sous_specialite_id"),
        (form.region, intervenant_region, "region_id"),
        (form.departement, intervenant_departement, "departement_id"),
        (form.nature, intervenant_nature, "nature_formation_id"),
        (form.public, intervenant_public, "public_formation_id"),
    )
    for field, table, column in links:
        if field.data:
            where.append(_link(table, column, field.data))
    if form.langue.data:
        where.append(
            exists().where(LangueIntervenant.intervenant_id == Intervenant.id, LangueIntervenant.langue_id == form.langue.data)
        )
    if form.etranger.data in ("oui", "non"):
        where.append(Intervenant.disponible_etranger.is_(form.etranger.data == "oui"))
    texte = " ".join((form.q.data or "").split())
    if texte:
        where.append(condition_texte_libre(texte, db.engine.dialect.name))
    return where


def condition_texte_libre(texte: str, dialect: str):
    """Free text on the Parcours: PostgreSQL full text on the stored tsvector
    (GIN index), a plain LIKE elsewhere."""
    if dialect == "postgresql":
        colonne = literal_column(f"intervenant.{TEXTE_PARCOURS_TSV}")
        return colonne.op("@@")(func.plainto_tsquery("french", texte))
    return Intervenant.texte_parcours.icontains(texte, autoescape=True)


def compter(where) -> int:
    """Number of matches, counted up to ``PLAFOND + 1`` only: past that the page
    says « plus de … » and the count stops early instead of reading every match."""
    trouves = select(Intervenant.id).where(*where).limit(PLAFOND + 1).subquery()
    return db.session.scalar(select(func.count()).select_from(trouves))


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
        total = compter(where)
        pages = max(1, math.ceil(min(total, PLAFOND) / PAGE_SIZE))
        page = min(max(request.args.get("page", 1, type=int), 1), pages)
        profils = db.session.scalars(
            select(Intervenant)
            .where(*where)
            .order_by(*_ordre(form))
            .offset((page - 1) * PAGE_SIZE)
            .limit(PAGE_SIZE)
            .options(
                # Only what the result table shows (a profile row is several kB).
                load_only(Intervenant.id, Intervenant.nom_usage, Intervenant.prenom, Intervenant.structure_id,
                          Intervenant.cv_fichier_id, Intervenant.date_transmission, Intervenant.etat_inscription),
                selectinload(Intervenant.structure),
                selectinload(Intervenant.regions),
                selectinload(Intervenant.specialites),
                selectinload(Intervenant.cv_fichier),
            )
        ).all()
        args = {k: v for k, v in request.args.items() if k != "page"}
        return self.render_template(
            "cvtheque/recherche.html", form=form, profils=profils, total=total, plafond=PLAFOND, page=page,
            pages=pages, args=args, title="CV-thèque",
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
