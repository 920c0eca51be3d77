"""Bare baseline of the benchmark (issue #6): each measured page of the app
redone with plain Flask + SQLAlchemy Core and a minimal Jinja template.

It is the reference point of the measurements: what the same queries cost
without the framework (no Flask-AppBuilder, no flask-login, no session, no
CSRF, no ORM). Each route runs the essential queries of its real page, with
the same filters, order and page size; a displayed relation is one extra
query for the whole page (IN, as ``selectinload``) or a join for a
many-to-one, never one query per row. The routes take the user's scope (an
intervenant, a structure) in the URL since there is no login.

Served under ``/_baseline`` next to the real app (the dispatcher is not here).
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import date
from pathlib import Path
from typing import NamedTuple

import sqlalchemy as sa
from flask import Blueprint, Flask, abort, current_app, render_template, request
from sqlalchemy import exists, func, select

from app.models.annonces import (
    Annonce,
    Candidature,
    EtatAnnonce,
    EtatCandidatureAnnonce,
    annonce_departement,
    annonce_region,
    annonce_sous_specialite,
    annonce_specialite,
)
from app.models.base import utcnow
from app.models.comptes import (
    EtatInscription,
    Intervenant,
    intervenant_departement,
    intervenant_region,
    intervenant_sous_specialite,
    intervenant_specialite,
)
from app.models.contenus import Actualite
from app.models.fichiers import Fichier
from app.models.indisponibilites import disponible_entre
from app.models.parcours import (
    ActionProfessionnalisation,
    ExperienceFormateur,
    ExperienceProfessionnelle,
    FormationInitiale,
    FormationSuivie,
    LangueIntervenant,
    SpecialiteSouhaitee,
    intervenant_methode,
    intervenant_nature,
    intervenant_prestation,
    intervenant_public,
)
from app.models.referentiels import (
    Departement,
    Langue,
    MethodePedagogique,
    NatureFormation,
    NiveauDiplome,
    NiveauLangue,
    Pays,
    PrestationComplementaire,
    PublicFormation,
    Region,
    SousSpecialite,
    Specialite,
    Structure,
)
from app.models.workflow import TransitionHistorique
from app.operations.cvtheque import Recherche, compter, condition_lien, lire_page, pages_offertes, texte_libre

annonce, candidature, intervenant = Annonce.__table__, Candidature.__table__, Intervenant.__table__
structure, pays, fichier, actualite = Structure.__table__, Pays.__table__, Fichier.__table__, Actualite.__table__
specialite, sous_specialite = Specialite.__table__, SousSpecialite.__table__
region, departement, nature, public = Region.__table__, Departement.__table__, NatureFormation.__table__, PublicFormation.__table__
langue, niveau_langue = Langue.__table__, NiveauLangue.__table__

TEMPLATES = Path(__file__).parent / "templates"
PAGE_SIZE = 20  # app.views.annonces / candidatures / cvtheque, and FAB's PAGE_SIZE
ANNONCES_ACCUEIL = 10
#: Sort keys of the public search (app.views.annonces.TRIS).
TRIS_ANNONCES = {
    "numero": annonce.c.numero,
    "intitule": annonce.c.intitule,
    "debut": annonce.c.date_debut,
    "fin": annonce.c.date_fin,
    "limite": annonce.c.date_limite,
    "publication": annonce.c.date_publication,
}
#: Sort keys of the CV-thèque (app.operations.cvtheque.TRIS).
TRIS_CVTHEQUE = {
    "nom": (intervenant.c.nom_usage, intervenant.c.prenom, intervenant.c.id),
    "date": (intervenant.c.date_transmission.desc(), intervenant.c.id.desc()),
}
COLONNES_ANNONCES = ("numero", "intitule", "urgent", "specialites", "lieux", "structure",
                     "date_debut", "date_fin", "date_limite")  # fmt: skip
COLONNES_ANNONCE = ("numero", "intitule", "etat", "description", "profil_recherche", "contexte", "public_vise",
                    "nature", "specialites", "sous_specialites", "duree_jours", "date_debut", "date_fin",
                    "date_limite", "pays", "regions", "departements", "precisions_lieux", "contact_nom",
                    "contact_telephone", "contact_email", "urgent", "structure", "fichier",
                    "date_publication")  # fmt: skip

bp = Blueprint("baseline", __name__)


def create_baseline_app(
    database_url: str | None = None,
    connect: Callable[[], AbstractContextManager[sa.Connection]] | None = None,
) -> Flask:
    """The bare app. ``connect`` (zero-arg, returns a context manager yielding a
    Connection) replaces the app's own engine, e.g. to share a test's transaction."""
    if connect is None:
        connect = sa.create_engine(database_url, pool_pre_ping=False).connect
    app = Flask(__name__, template_folder=str(TEMPLATES))
    app.extensions["baseline_connect"] = connect
    app.register_blueprint(bp)
    return app


def connexion() -> AbstractContextManager[sa.Connection]:
    return current_app.extensions["baseline_connect"]()


class Page(NamedTuple):
    lignes: list
    total: int
    page: int
    pages: int


class Tableau(NamedTuple):
    nom: str
    colonnes: tuple[str, ...]
    lignes: list


def paginer(conn, table, where, stmt, order_by, page: int, per_page: int = PAGE_SIZE, recherche=None) -> Page:
    """Count on the main table (with ``recherche``: the CV-thèque's own
    capped count, samples first, and its page read as the page reads it),
    then one page of ``stmt`` (as the real pages do)."""
    if recherche is None:
        total = conn.scalar(select(func.count()).select_from(table).where(*where))
        pages = max(1, math.ceil(total / per_page))
        page = min(max(page, 1), pages)
        lignes = conn.execute(stmt.where(*where).order_by(*order_by).limit(per_page).offset((page - 1) * per_page))
        return Page(lignes.all(), total, page, pages)
    compte = compter(conn.execute, recherche.where, conn.dialect.name)
    pages = pages_offertes(compte)
    page = min(max(page, 1), pages)
    debut = (page - 1) * per_page

    def lignes(ids):
        return stmt.join(ids, ids.c.id == table.c.id).order_by(*recherche.ordre)

    return Page(lire_page(conn.execute, lignes, recherche, compte, debut)[:per_page], compte.total, page, pages)


def libelles(conn, lien, cible, libelle, ids, ordre=None) -> dict[int, list[str]]:
    """A many-to-many relation for all the rows at once (one IN query, like
    ``selectinload``): {owner id: [labels]}. ``lien`` is a link table of
    app.models, whose columns are (owner id, referential id)."""
    proprietaire, reference = list(lien.c)
    resultat: dict[int, list[str]] = defaultdict(list)
    if ids:
        stmt = (
            select(proprietaire, libelle)
            .join(cible, cible.c.id == reference)
            .where(proprietaire.in_(ids))
            .order_by(proprietaire, ordre if ordre is not None else libelle)
        )
        for owner_id, label in conn.execute(stmt):
            resultat[owner_id].append(label)
    return resultat


def avec(lignes, **relations) -> list[dict]:
    """Rows as dicts, each relation's labels joined."""
    return [
        {**ligne._mapping, **{nom: ", ".join(rel.get(ligne.id, ())) for nom, rel in relations.items()}}
        for ligne in lignes
    ]


def options(conn, table, libelle, ordre=None, actifs=False) -> list[tuple[int, str]]:
    stmt = select(table.c.id, libelle).order_by(ordre if ordre is not None else libelle)
    if actifs:
        stmt = stmt.where(table.c.actif.is_(True))
    return [tuple(r) for r in conn.execute(stmt)]


def page_html(titre: str, tableaux=(), options=None, selection=None, resultats: Page | None = None):
    return render_template(
        "baseline/page.html",
        titre=titre,
        tableaux=tableaux,
        options=options or {},
        selection=selection or {},
        total=resultats.total if resultats else None,
        page=resultats.page if resultats else None,
        pages=resultats.pages if resultats else None,
    )


# --- annonces -----------------------------------------------------------------


def aujourdhui() -> date:
    return utcnow().date()


def annonces_ouvertes() -> list:
    """WHERE of app.views.annonces.annonces_ouvertes."""
    return [annonce.c.etat == EtatAnnonce.publiee, annonce.c.date_limite >= aujourdhui()]


def page_annonces(conn, where, page: int, per_page: int = PAGE_SIZE, order_by=None) -> Page:
    """app.views.annonces.page_annonces: count, page joined with structure and
    pays, spécialités and régions for the whole page."""
    stmt = select(annonce, structure.c.nom.label("structure"), pays.c.nom.label("pays")).select_from(
        annonce.outerjoin(structure, structure.c.id == annonce.c.structure_id).outerjoin(
            pays, pays.c.id == annonce.c.pays_id
        )
    )
    order_by = order_by or (annonce.c.date_publication.desc(), annonce.c.id.desc())
    resultat = paginer(conn, annonce, where, stmt, order_by, page, per_page)
    ids = [a.id for a in resultat.lignes]
    lignes = avec(
        resultat.lignes,
        specialites=libelles(conn, annonce_specialite, specialite, specialite.c.libelle, ids),
        regions=libelles(conn, annonce_region, region, region.c.nom, ids),
    )
    for a in lignes:
        a["lieux"] = a["regions"] or a["pays"]
    return resultat._replace(lignes=lignes)


def une_annonce(conn, condition) -> dict | None:
    """An annonce with what its detail page shows (relations: one query each)."""
    ligne = conn.execute(
        select(
            annonce,
            structure.c.nom.label("structure"),
            pays.c.nom.label("pays"),
            nature.c.libelle.label("nature"),
            fichier.c.original_name.label("fichier"),
        )
        .select_from(
            annonce.outerjoin(structure, structure.c.id == annonce.c.structure_id)
            .outerjoin(pays, pays.c.id == annonce.c.pays_id)
            .outerjoin(nature, nature.c.id == annonce.c.nature_formation_id)
            .outerjoin(fichier, fichier.c.id == annonce.c.fichier_id)
        )
        .where(condition)
    ).first()
    if ligne is None:
        return None
    ids = [ligne.id]
    (resultat,) = avec(
        [ligne],
        specialites=libelles(conn, annonce_specialite, specialite, specialite.c.libelle, ids),
        sous_specialites=libelles(conn, annonce_sous_specialite, sous_specialite, sous_specialite.c.libelle, ids),
        regions=libelles(conn, annonce_region, region, region.c.nom, ids),
        departements=libelles(
            conn, annonce_departement, departement, departement.c.code + " - " + departement.c.nom, ids,
            ordre=departement.c.code,
        ),
    )
    return resultat


def entiers(valeurs) -> list[int]:
    return [int(v) for v in valeurs if str(v).isdigit()]


def date_arg(nom: str) -> date | None:
    try:
        return date.fromisoformat(request.args.get(nom, ""))
    except ValueError:
        return None


def criteres_annonces() -> list | None:
    """WHERE of app.views.annonces.appliquer_criteres; None when the real form
    would be invalid (it then runs no search)."""
    args = request.args
    numero = args.get("numero", "").strip()
    debut, fin = date_arg("debut"), date_arg("fin")
    if (numero and not re.fullmatch(r"\d{1,10}", numero)) or (debut and fin and fin < debut):
        return None
    where = annonces_ouvertes()
    if numero:
        where.append(annonce.c.numero.startswith(numero, autoescape=True))
    links = (
        (args.getlist("specialite"), annonce_specialite),
        (args.getlist("sous_specialite"), annonce_sous_specialite),
        ([args.get("region", "")], annonce_region),
        ([args.get("departement", "")], annonce_departement),
    )
    for valeurs, lien in links:
        if ids := entiers(valeurs):
            proprietaire, reference = list(lien.c)
            where.append(annonce.c.id.in_(select(proprietaire).where(reference.in_(ids))))
    if categories := entiers(args.getlist("categorie")):
        where.append(annonce.c.nature_formation_id.in_(categories))
    if structures := entiers([args.get("structure", "")]):
        where.append(annonce.c.structure_id.in_(structures))
    if debut:
        where.append(sa.or_(annonce.c.date_fin.is_(None), annonce.c.date_fin >= debut))
    if fin:
        where.append(sa.or_(annonce.c.date_debut.is_(None), annonce.c.date_debut <= fin))
    if limite := date_arg("date_limite"):
        where.append(annonce.c.date_limite >= limite)
    return where


@bp.get("/")
def accueil():
    """↔ ``/`` (AccueilView.index)."""
    with connexion() as conn:
        annonces = page_annonces(
            conn, annonces_ouvertes(), request.args.get("page", 1, type=int), per_page=ANNONCES_ACCUEIL
        )
        actualites = conn.execute(
            select(actualite).order_by(actualite.c.date_publication.desc(), actualite.c.id.desc()).limit(3)
        ).all()
        choix = {
            "specialite": options(conn, specialite, specialite.c.libelle, actifs=True),
            "categorie": options(conn, nature, nature.c.libelle, nature.c.ordre, actifs=True),
        }
    return page_html(
        "Accueil",
        [
            Tableau("annonces", COLONNES_ANNONCES, annonces.lignes),
            Tableau("actualites", ("titre", "resume", "date_publication"), actualites),
        ],
        choix,
        resultats=annonces,
    )


@bp.get("/annonces/")
def recherche_annonces():
    """↔ ``/annonces/`` (AnnoncesPubliquesView.recherche), same query string."""
    tri = TRIS_ANNONCES.get(request.args.get("tri", "publication"), annonce.c.date_publication)
    direction = tri.asc() if request.args.get("ordre") == "asc" else tri.desc()
    with connexion() as conn:
        choix = {
            "specialite": options(conn, specialite, specialite.c.libelle, actifs=True),
            "sous_specialite": options(conn, sous_specialite, sous_specialite.c.libelle, actifs=True),
            "categorie": options(conn, nature, nature.c.libelle, nature.c.ordre, actifs=True),
            "region": options(conn, region, region.c.nom),
            "departement": options(conn, departement, departement.c.code + " - " + departement.c.nom, departement.c.code),
            "structure": options(conn, structure, structure.c.nom, actifs=True),
        }
        where = criteres_annonces()
        annonces = Page([], 0, 1, 1)
        if where is not None:
            annonces = page_annonces(
                conn, where, request.args.get("page", 1, type=int),
                order_by=(direction.nulls_last(), annonce.c.id.desc()),
            )
    selection = {nom: set(entiers(request.args.getlist(nom))) for nom in choix}
    return page_html(
        "Recherche avancée d'annonces", [Tableau("annonces", COLONNES_ANNONCES, annonces.lignes)], choix, selection,
        resultats=annonces,
    )


@bp.get("/annonces/<numero>")
def detail_annonce(numero):
    """↔ ``/annonces/<numero>`` for a visitor: published annonces only."""
    with connexion() as conn:
        a = une_annonce(conn, annonce.c.numero == numero)
    if a is None or a["etat"] != EtatAnnonce.publiee:
        abort(404)
    return page_html(f"Annonce {a['numero']}", [Tableau("annonce", COLONNES_ANNONCE, [a])])


@bp.get("/gestion/annonces/<int:annonce_id>/candidatures")
def candidatures_annonce(annonce_id):
    """↔ ``/gestion/annonces/show/<pk>``: the annonce and the first page of its
    candidatures (related view, ordered by date)."""
    with connexion() as conn:
        a = une_annonce(conn, annonce.c.id == annonce_id)
        if a is None:
            abort(404)
        where = [
            candidature.c.annonce_id == annonce_id,
            # FilterCandidaturesMaStructure, with the annonce's structure as the gestionnaire's
            candidature.c.annonce_id.in_(select(annonce.c.id).where(annonce.c.structure_id == a["structure_id"])),
        ]
        stmt = select(
            candidature, annonce.c.numero, intervenant.c.prenom, intervenant.c.nom_usage
        ).select_from(
            candidature.outerjoin(annonce, annonce.c.id == candidature.c.annonce_id).outerjoin(
                intervenant, intervenant.c.id == candidature.c.intervenant_id
            )
        )
        candidatures = paginer(
            conn, candidature, where, stmt, (candidature.c.date.desc(), candidature.c.id.desc()),
            request.args.get("page", 1, type=int),
        )
    return page_html(
        f"Annonce {a['numero']}",
        [
            Tableau("annonce", COLONNES_ANNONCE, [a]),
            Tableau("candidatures", ("date", "numero", "prenom", "nom_usage", "etat", "commentaire"),
                    candidatures.lignes),
        ],
        resultats=candidatures,
    )


# --- intervenant --------------------------------------------------------------


@bp.get("/mes-reponses/<int:intervenant_id>")
def mes_reponses(intervenant_id):
    """↔ ``/mes-reponses-aux-annonces/`` of that intervenant, ``?etat=`` optional;
    for a validated intervenant, above the list (issue 37), the invitations
    not answered on open annonces and the five annonces that fit best (the
    same ranked statement as « Annonces pour vous », on the bare connection)."""
    where = [candidature.c.intervenant_id == intervenant_id]
    etat = request.args.get("etat", "")
    if etat in EtatCandidatureAnnonce.__members__:
        where.append(candidature.c.etat == EtatCandidatureAnnonce(etat))
    stmt = select(
        candidature, annonce.c.numero, annonce.c.intitule, annonce.c.etat.label("etat_annonce")
    ).select_from(candidature.outerjoin(annonce, annonce.c.id == candidature.c.annonce_id))
    from app.operations.suggestions import POUR_VOUS_TABLEAU, annonces_pour, invitations_ouvertes

    with connexion() as conn:
        reponses = paginer(
            conn, candidature, where, stmt, (candidature.c.date.desc(), candidature.c.id.desc()),
            request.args.get("page", 1, type=int),
        )
        # Issue 37: the page's two blocks, for a validated intervenant.
        valide = conn.scalar(select(intervenant.c.etat_inscription)
                             .where(intervenant.c.id == intervenant_id)) == EtatInscription.validee
        pour_vous = annonces_pour(intervenant_id, limite=POUR_VOUS_TABLEAU, conn=conn) if valide else []
        invitations = invitations_ouvertes(intervenant_id, conn=conn) if valide else []
    return page_html(
        "Mes réponses aux annonces",
        [Tableau("candidatures", ("date", "numero", "intitule", "etat", "commentaire"), reponses.lignes),
         Tableau("pour_vous", ("intitule", "score", "raisons"), _lignes_suggestions(pour_vous, "annonce_id")),
         Tableau("invitations", ("intitule", "structure", "date_limite"),
                 [{"intitule": i.intitule, "structure": i.structure_nom, "date_limite": i.date_limite}
                  for i in invitations])],
        resultats=reponses,
    )


def rubriques(intervenant_id: int):
    """The tables of the Parcours page: (name, columns, query), one query each."""

    def lignes(model, *colonnes, joins=()):
        table = model.__table__
        source = table
        for cible, condition in joins:
            source = source.outerjoin(cible, condition)
        return (
            select(table, *colonnes)
            .select_from(source)
            .where(table.c.intervenant_id == intervenant_id)
            .order_by(table.c.id)
        )

    souhaitee = SpecialiteSouhaitee.__table__
    initiale = FormationInitiale.__table__
    niveau = NiveauDiplome.__table__
    li = LangueIntervenant.__table__
    conversation, animation, redaction = (niveau_langue.alias(n) for n in ("conversation", "animation", "redaction"))
    return (
        ("specialites", ("sous_specialite", "expertise", "observations"), lignes(
            SpecialiteSouhaitee, (sous_specialite.c.code + " - " + sous_specialite.c.libelle).label("sous_specialite"),
            joins=[(sous_specialite, sous_specialite.c.id == souhaitee.c.sous_specialite_id)],
        )),
        ("experiences_formateur", ("contexte", "libelle", "public", "annees", "duree", "organismes"),
         lignes(ExperienceFormateur)),
        ("actions_professionnalisation", ("libelle", "organisme", "duree", "annee"),
         lignes(ActionProfessionnalisation)),
        ("experiences_professionnelles", ("employeur", "fonction", "periode", "missions", "responsabilites"),
         lignes(ExperienceProfessionnelle)),
        ("formations_suivies", ("nature", "libelle", "organisme", "duree", "annees"), lignes(FormationSuivie)),
        ("formations_initiales", ("niveau", "titre", "organisme", "annee", "fichier"), lignes(
            FormationInitiale, niveau.c.libelle.label("niveau"), fichier.c.original_name.label("fichier"),
            joins=[(niveau, niveau.c.id == initiale.c.niveau_diplome_id),
                   (fichier, fichier.c.id == initiale.c.fichier_id)],
        )),
        ("langues", ("langue", "conversation", "animation", "redaction"), lignes(
            LangueIntervenant, langue.c.libelle.label("langue"), conversation.c.libelle.label("conversation"),
            animation.c.libelle.label("animation"), redaction.c.libelle.label("redaction"),
            joins=[(langue, langue.c.id == li.c.langue_id),
                   (conversation, conversation.c.id == li.c.niveau_conversation_id),
                   (animation, animation.c.id == li.c.niveau_animation_id),
                   (redaction, redaction.c.id == li.c.niveau_redaction_id)],
        )),
    )  # fmt: skip


#: Multiple choices of the Parcours form: (field, link table, referential).
CHOIX_PARCOURS = (
    ("natures", intervenant_nature, nature),
    ("publics", intervenant_public, PublicFormation.__table__),
    ("prestations", intervenant_prestation, PrestationComplementaire.__table__),
    ("methodes", intervenant_methode, MethodePedagogique.__table__),
)


@bp.get("/profil/parcours/<int:intervenant_id>")
def parcours(intervenant_id):
    """↔ ``/profil/parcours`` (GET) of that intervenant: the profile, the four
    multiple choices and their options, one query per rubrique, the history."""
    historique = TransitionHistorique.__table__
    with connexion() as conn:
        profil = conn.execute(
            select(intervenant, fichier.c.original_name.label("cv"))
            .select_from(intervenant.outerjoin(fichier, fichier.c.id == intervenant.c.cv_fichier_id))
            .where(intervenant.c.id == intervenant_id)
        ).first()
        if profil is None:
            abort(404)
        choix, selection = {}, {}
        for nom, lien, table in CHOIX_PARCOURS:
            proprietaire, reference = list(lien.c)
            selection[nom] = set(conn.scalars(select(reference).where(proprietaire == intervenant_id)))
            choix[nom] = options(conn, table, table.c.libelle, table.c.ordre, actifs=True)
        tableaux = [Tableau(nom, colonnes, conn.execute(stmt).all()) for nom, colonnes, stmt in rubriques(intervenant_id)]
        tableaux.append(Tableau("historique", ("date", "etat_apres", "commentaire"), conn.execute(
            select(historique)
            .where(
                historique.c.workflow == "inscription",
                historique.c.objet_type == intervenant.name,
                historique.c.objet_id == intervenant_id,
                historique.c.visible_intervenant.is_(True),
            )
            .order_by(historique.c.date, historique.c.id)
        ).all()))
    tableaux.insert(0, Tableau("profil", ("prenom", "nom_usage", "etat_inscription", "motivation", "cv"), [profil]))
    return page_html("Parcours", tableaux, choix, selection)


# --- gestion ------------------------------------------------------------------


@bp.get("/gestion/demandes-inscription/<int:structure_id>")
def demandes_inscription(structure_id):
    """↔ ``/gestion/demandes-inscription/list/`` of a gestionnaire of that
    structure (app.views.file_inscriptions: the columns shown, newest
    transmission first, never transmitted last)."""
    colonnes = ("id", "nom_usage", "prenom", "etat_inscription", "date_transmission")
    stmt = select(*(intervenant.c[c] for c in colonnes), structure.c.nom.label("structure")).select_from(
        intervenant.outerjoin(structure, structure.c.id == intervenant.c.structure_id)
    )
    with connexion() as conn:
        demandes = paginer(
            conn, intervenant, [intervenant.c.structure_id == structure_id], stmt,
            (intervenant.c.date_transmission.desc().nulls_last(), intervenant.c.id.desc()),
            request.args.get("page", 1, type=int),
        )
    return page_html(
        "Demandes d'inscription",
        [Tableau("demandes", ("nom_usage", "prenom", "structure", "etat_inscription", "date_transmission"),
                 demandes.lignes)],
        resultats=demandes,
    )


# --- messagerie (issue 21) -----------------------------------------------------


def _nom_utilisateur():
    from flask_appbuilder.security.sqla.models import User

    u = User.__table__
    return u, (u.c.first_name + " " + u.c.last_name)


@bp.get("/messagerie/reception/<int:user_id>")
def messagerie_reception(user_id):
    """↔ ``/messagerie/reception/`` of that user (app.views.messagerie.RECEPTION:
    the received copies not archived, newest first, with the sender's name)."""
    from app.models.messagerie import DestinataireMessage, Message

    dm, m = DestinataireMessage.__table__, Message.__table__
    u, nom = _nom_utilisateur()
    stmt = select(m.c.id, dm.c.date, nom.label("expediteur"), m.c.objet, dm.c.lu).select_from(
        dm.join(m, m.c.id == dm.c.message_id).join(u, u.c.id == m.c.expediteur_id))
    with connexion() as conn:
        boite = paginer(conn, dm, [dm.c.destinataire_id == user_id, dm.c.recu.is_(True), dm.c.archive.is_(False)],
                        stmt, (dm.c.date.desc(), m.c.id.desc()), request.args.get("page", 1, type=int))
    return page_html("Boîte de réception", [Tableau("messages", ("date", "expediteur", "objet", "lu"), boite.lignes)],
                     resultats=boite)


@bp.get("/messagerie/envoyes/<int:user_id>")
def messagerie_envoyes(user_id):
    """↔ ``/messagerie/envoyes/`` of that user (app.views.messagerie.ENVOYES)."""
    from app.models.messagerie import Message

    m = Message.__table__
    stmt = select(m.c.id, m.c.date, m.c.destinataires_libelle, m.c.objet)
    with connexion() as conn:
        envoyes = paginer(conn, m, [m.c.expediteur_id == user_id, m.c.brouillon.is_(False),
                                    m.c.archive_expediteur.is_(False)],
                          stmt, (m.c.date.desc(), m.c.id.desc()), request.args.get("page", 1, type=int))
    return page_html("Messages envoyés", [Tableau("messages", ("date", "destinataires_libelle", "objet"),
                                                  envoyes.lignes)], resultats=envoyes)


@bp.get("/messagerie/message/<int:user_id>/<int:message_id>")
def messagerie_message(user_id, message_id):
    """↔ ``/messagerie/reception/<id>`` read by its recipient: the message
    with its sender's name, the copy checked and marked read."""
    from app.models.messagerie import DestinataireMessage, Message

    dm, m = DestinataireMessage.__table__, Message.__table__
    u, nom = _nom_utilisateur()
    with connexion() as conn:
        # The write first: on SQLite a transaction that has read cannot wait
        # for the write lock (« database is locked » at once under 8 clients).
        conn.execute(sa.update(dm).where(dm.c.message_id == message_id, dm.c.destinataire_id == user_id,
                                         dm.c.recu.is_(True), dm.c.archive.is_(False),
                                         dm.c.lu.is_(False)).values(lu=True))
        ligne = conn.execute(
            select(m.c.id, m.c.objet, m.c.texte, m.c.date, m.c.destinataires_libelle, nom.label("expediteur"))
            .select_from(m.join(u, u.c.id == m.c.expediteur_id).join(dm, dm.c.message_id == m.c.id))
            .where(m.c.id == message_id, dm.c.destinataire_id == user_id, dm.c.recu.is_(True),
                   dm.c.archive.is_(False))
        ).first()
        if ligne is None:
            abort(404)
        if current_app.config.get("BASELINE_COMMIT", True):  # tests share their transaction
            conn.commit()
    return page_html(ligne.objet, [Tableau("message", ("expediteur", "destinataires_libelle", "date", "objet",
                                                       "texte"), [ligne])])


def recherche_cvtheque(dialect: str) -> Recherche:
    """The search of app.operations.cvtheque.recherche_de (same composition)."""
    tri = TRIS_CVTHEQUE.get(request.args.get("tri") or "nom", TRIS_CVTHEQUE["nom"])
    return Recherche.composer(criteres_cvtheque(dialect), texte_libre(request.args.get("q")), tri, dialect)


def criteres_cvtheque(dialect: str) -> list:
    """WHERE of app.operations.cvtheque.filtres (validated profiles only, the free text apart)."""
    args = request.args
    where = [intervenant.c.etat_inscription == EtatInscription.validee]
    links = (
        ("specialite", intervenant_specialite),
        ("sous_specialite", intervenant_sous_specialite),
        ("region", intervenant_region),
        ("departement", intervenant_departement),
        ("nature", intervenant_nature),
        ("public", intervenant_public),
    )
    for nom, lien in links:
        if valeur := args.get(nom, type=int):
            # The same expression: copied array on PostgreSQL (GIN index), EXISTS elsewhere.
            where.append(condition_lien(lien, valeur, dialect))
    if valeur := args.get("langue", type=int):
        li = LangueIntervenant.__table__
        where.append(exists().where(li.c.intervenant_id == intervenant.c.id, li.c.langue_id == valeur))
    if args.get("etranger") in ("oui", "non"):
        where.append(intervenant.c.disponible_etranger.is_(args["etranger"] == "oui"))
    du, au = (args.get(nom, type=date.fromisoformat) for nom in ("dispo_du", "dispo_au"))
    if du or au:  # the same NOT EXISTS (issue 23)
        where.append(disponible_entre(du or au, au or du, par_profil=dialect == "postgresql"))
    return where


@bp.get("/cvtheque/")
def cvtheque():
    """↔ ``/cvtheque/`` (CvthequeView.recherche), same query string."""
    stmt = select(
        intervenant, structure.c.nom.label("structure"), fichier.c.original_name.label("cv")
    ).select_from(
        intervenant.outerjoin(structure, structure.c.id == intervenant.c.structure_id).outerjoin(
            fichier, fichier.c.id == intervenant.c.cv_fichier_id
        )
    )
    with connexion() as conn:
        choix = {
            nom: options(conn, table, libelle)
            for nom, table, libelle in (
                ("specialite", specialite, specialite.c.libelle),
                ("sous_specialite", sous_specialite, sous_specialite.c.libelle),
                ("region", region, region.c.nom),
                ("departement", departement, departement.c.nom),
                ("langue", langue, langue.c.libelle),
                ("nature", nature, nature.c.libelle),
                ("public", public, public.c.libelle),
            )
        }
        recherche = recherche_cvtheque(conn.dialect.name)
        profils = paginer(
            conn, intervenant, recherche.where, stmt, recherche.ordre, request.args.get("page", 1, type=int),
            recherche=recherche,
        )
        ids = [p.id for p in profils.lignes]
        lignes = avec(
            profils.lignes,
            specialites=libelles(conn, intervenant_specialite, specialite, specialite.c.libelle, ids, specialite.c.code),
            regions=libelles(conn, intervenant_region, region, region.c.nom, ids),
        )
    selection = {nom: {request.args.get(nom, type=int)} for nom in choix}
    return page_html(
        "CV-thèque",
        [Tableau("profils", ("nom_usage", "prenom", "structure", "specialites", "regions", "cv"), lignes)],
        choix,
        selection,
        resultats=profils,
    )


# --- dossier administratif (issue 20) ------------------------------------------


@bp.get("/mon-dossier/<int:intervenant_id>")
def mon_dossier(intervenant_id):
    """↔ ``/mon-dossier/`` (GET) of that intervenant: the profile, the
    dossier, its blocks and pieces, the form's option lists, the statut's
    pieces, the history of the blocks and « Qui a consulté mon dossier »."""
    from app.models.comptes import Gestionnaire
    from app.models.consultations import Consultation, ObjetConsultation
    from app.models.dossier import BlocDossier, DossierAdministratif, PieceDossier
    from app.models.referentiels import StatutProfessionnel, TypeContrat, TypePieceIdentite, statut_professionnel_piece

    dossier_t, bloc, piece = DossierAdministratif.__table__, BlocDossier.__table__, PieceDossier.__table__
    historique, consultation = TransitionHistorique.__table__, Consultation.__table__
    gestionnaire = Gestionnaire.__table__
    with connexion() as conn:
        profil = conn.execute(select(intervenant).where(intervenant.c.id == intervenant_id)).first()
        dossier = conn.execute(select(dossier_t).where(dossier_t.c.intervenant_id == intervenant_id)).first()
        if profil is None or dossier is None:
            abort(404)
        blocs = conn.execute(select(bloc).where(bloc.c.dossier_id == dossier.id).order_by(bloc.c.id)).all()
        pieces = conn.execute(
            select(piece.c.id, piece.c.piece, fichier.c.original_name, fichier.c.uuid, fichier.c.created_at)
            .join(fichier, fichier.c.id == piece.c.fichier_id).where(piece.c.dossier_id == dossier.id)
        ).all()
        choix = {
            "pays": options(conn, pays, pays.c.nom),
            "type_piece_identite": options(conn, TypePieceIdentite.__table__, TypePieceIdentite.__table__.c.libelle),
            "statut_professionnel": options(conn, StatutProfessionnel.__table__,
                                            StatutProfessionnel.__table__.c.libelle),
            "type_contrat": options(conn, TypeContrat.__table__, TypeContrat.__table__.c.libelle),
        }
        if profil.statut_professionnel_id is not None:
            lien = statut_professionnel_piece
            choix["pieces_statut"] = [tuple(r) for r in conn.execute(
                select(lien.c.piece_statut_id, lien.c.piece_statut_id)
                .where(lien.c.statut_professionnel_id == profil.statut_professionnel_id))]
        actions = conn.execute(
            select(historique)
            .where(historique.c.workflow == "bloc_dossier", historique.c.objet_type == "bloc_dossier",
                   historique.c.objet_id.in_([b.id for b in blocs]),
                   historique.c.evenement.in_(("transmettre", "valider", "refuser")))
            .order_by(historique.c.date, historique.c.id)
        ).all()
        lectures = conn.execute(
            select(consultation.c.id, consultation.c.date, consultation.c.objet, structure.c.nom)
            .select_from(consultation.outerjoin(gestionnaire, gestionnaire.c.user_id == consultation.c.user_id)
                         .outerjoin(structure, structure.c.id == gestionnaire.c.structure_id))
            .where(consultation.c.intervenant_id == intervenant_id,
                   consultation.c.objet.in_([o.value for o in (ObjetConsultation.dossier, ObjetConsultation.nir,
                                                               ObjetConsultation.iban)]))
            .order_by(consultation.c.date.desc()).limit(20)
        ).all()
    return page_html("Données et pièces du dossier administratif", [
        Tableau("profil", ("prenom", "nom_usage", "adresse_voie", "code_postal", "localite", "telephone_personnel",
                           "employeur_raison_sociale", "employeur_siret"), [profil]),
        Tableau("dossier", ("validite_debut", "validite_fin", "diplome_intitule"), [dossier]),
        Tableau("blocs", ("bloc", "etat", "date_transmission", "motif_refus"), blocs),
        Tableau("pieces", ("piece", "original_name", "created_at"), pieces),
        Tableau("historique", ("objet_id", "evenement", "date", "commentaire"), actions[::-1]),
        Tableau("consultations", ("date", "objet", "nom"), lectures),
    ], choix)


def _file(conn, table, where, stmt, ordre) -> Page:
    """A queue of the declared lists (app.views.liste): count, then the page."""
    return paginer(conn, table, where, stmt, ordre, request.args.get("page", 1, type=int))


@bp.get("/gestion/dossiers/<int:structure_id>")
def file_dossiers(structure_id):
    """↔ ``/gestion/dossiers/list/`` of a gestionnaire of that structure
    (app.views.dossier.FILE_DOSSIERS: the blocks requested by the structure,
    empty ones left out, latest transmission first, never transmitted last)."""
    from app.models.dossier import BlocDossier, DossierAdministratif, EtatBloc

    bloc, dossier_t = BlocDossier.__table__, DossierAdministratif.__table__
    stmt = select(
        intervenant.c.id, intervenant.c.nom_usage, intervenant.c.prenom, bloc.c.bloc, bloc.c.etat,
        structure.c.nom.label("structure"), bloc.c.date_transmission,
    ).select_from(
        bloc.join(dossier_t, dossier_t.c.id == bloc.c.dossier_id)
        .join(intervenant, intervenant.c.id == dossier_t.c.intervenant_id)
        .outerjoin(structure, structure.c.id == bloc.c.structure_id)
    )
    where = [bloc.c.etat != EtatBloc.vide, bloc.c.structure_id == structure_id]
    if request.args.get("etat") in EtatBloc.__members__:
        where.append(bloc.c.etat == EtatBloc(request.args["etat"]))
    with connexion() as conn:
        blocs = _file(conn, bloc, where, stmt, (bloc.c.date_transmission.desc().nulls_last(), intervenant.c.id.desc()))
    return page_html("Dossiers administratifs", [Tableau("blocs", (
        "nom_usage", "prenom", "bloc", "etat", "structure", "date_transmission"), blocs.lignes)], resultats=blocs)


# --- support « Aide et contact » (issue 22) ----------------------------------------


@bp.get("/gestion/support/<int:structure_id>")
def file_support(structure_id):
    """↔ ``/gestion/support/`` of a gestionnaire of that structure
    (app.views.support.DEMANDES: its requests once confirmed, latest first,
    with the type criterion's options)."""
    from app.models.referentiels import TypeDemandeSupport
    from app.models.support import ADMINISTRATEUR_NATIONAL, DemandeSupport, EtatDemandeSupport

    demande, type_demande = DemandeSupport.__table__, TypeDemandeSupport.__table__
    stmt = select(
        demande.c.id, demande.c.numero, demande.c.transmise_le, type_demande.c.libelle.label("type"),
        demande.c.sujet, demande.c.nom, func.coalesce(structure.c.nom, ADMINISTRATEUR_NATIONAL).label("destinataire"),
        demande.c.etat,
    ).select_from(
        demande.join(type_demande, type_demande.c.id == demande.c.type_id)
        .outerjoin(structure, structure.c.id == demande.c.structure_id)
    )
    where = [demande.c.etat != EtatDemandeSupport.a_confirmer, demande.c.structure_id == structure_id]
    if request.args.get("etat") in EtatDemandeSupport.__members__:
        where.append(demande.c.etat == EtatDemandeSupport(request.args["etat"]))
    with connexion() as conn:
        choix = {"type": options(conn, type_demande, type_demande.c.libelle, type_demande.c.ordre)}
        demandes = _file(conn, demande, where, stmt, (demande.c.transmise_le.desc(), demande.c.id.desc()))
    return page_html("Demandes de support", [Tableau("demandes", (
        "numero", "transmise_le", "type", "sujet", "nom", "destinataire", "etat"), demandes.lignes)], choix,
        resultats=demandes)


# --- interventions and lettres de demande (issue 23) ----------------------------------


@bp.get("/mes-interventions/<int:intervenant_id>")
def mes_interventions(intervenant_id):
    """↔ ``/mes-interventions/`` of that intervenant (app.views.interventions
    MES_INTERVENTIONS and MES_LETTRES: two lists of 10, newest first; the
    lettres once sent)."""
    from app.models.interventions import EtatLettre, Intervention, LettreDemande

    iv, lettre = Intervention.__table__, LettreDemande.__table__
    stmt_i = select(iv.c.id, iv.c.date_debut, iv.c.date_fin, iv.c.intitule, iv.c.lieu,
                    structure.c.nom.label("structure"), iv.c.duree_jours, iv.c.etat,
                    ).select_from(iv.join(structure, structure.c.id == iv.c.structure_id))
    lettres_de = lettre.join(iv, iv.c.id == lettre.c.intervention_id)
    stmt_l = select(lettre.c.id, lettre.c.numero, lettre.c.fichier_id, lettre.c.date_lettre, iv.c.intitule,
                    (lettre.c.taux * lettre.c.quantite).label("montant"), lettre.c.etat).select_from(lettres_de)
    with connexion() as conn:
        interventions = paginer(conn, iv, [iv.c.intervenant_id == intervenant_id], stmt_i,
                                (iv.c.date_debut.desc(), iv.c.id.desc()), request.args.get("page", 1, type=int),
                                per_page=10)
        lettres = paginer(conn, lettres_de, [iv.c.intervenant_id == intervenant_id,
                                             lettre.c.etat != EtatLettre.brouillon], stmt_l,
                          (lettre.c.date_lettre.desc(), lettre.c.id.desc()), 1, per_page=10)
    return page_html("Mes interventions", [
        Tableau("interventions", ("date_debut", "date_fin", "intitule", "lieu", "structure", "duree_jours", "etat"),
                interventions.lignes),
        Tableau("lettres", ("numero", "date_lettre", "intitule", "montant", "etat"), lettres.lignes),
    ], resultats=interventions)


@bp.get("/gestion/interventions/<int:structure_id>")
def interventions_gestion(structure_id):
    """↔ ``/gestion/interventions/list/`` of a gestionnaire of that structure
    (a declared list, ``app.views.interventions.INTERVENTIONS``: the
    structure's interventions, 20 a page, latest start first, ``?etat=``
    optional; the criteria's choices of intervenants who intervened for it
    and of structures)."""
    from app.models.interventions import EtatIntervention, Intervention

    iv = Intervention.__table__
    stmt = select(iv.c.id, iv.c.date_debut, iv.c.date_fin, intervenant.c.prenom, intervenant.c.nom_usage,
                  iv.c.intitule, iv.c.lieu, structure.c.nom.label("structure"), iv.c.etat).select_from(
        iv.join(intervenant, intervenant.c.id == iv.c.intervenant_id)
        .join(structure, structure.c.id == iv.c.structure_id))
    where = [iv.c.structure_id == structure_id]
    if request.args.get("etat") in EtatIntervention.__members__:
        where.append(iv.c.etat == EtatIntervention(request.args["etat"]))
    with connexion() as conn:
        choix = {
            "intervenant": [tuple(r) for r in conn.execute(
                select(intervenant.c.id, intervenant.c.prenom + " " + intervenant.c.nom_usage)
                .where(intervenant.c.id.in_(select(iv.c.intervenant_id).where(iv.c.structure_id == structure_id)))
                .order_by(intervenant.c.id))],
            "structure": [tuple(r) for r in conn.execute(
                select(structure.c.id, structure.c.nom).where(structure.c.id == structure_id))],
        }
        interventions = paginer(conn, iv, where, stmt, (iv.c.date_debut.desc(), iv.c.id.desc()),
                                request.args.get("page", 1, type=int))
    return page_html("Interventions", [Tableau("interventions", (
        "date_debut", "date_fin", "prenom", "nom_usage", "intitule", "lieu", "structure", "etat"),
        interventions.lignes)], choix, resultats=interventions)


# --- suggestions (issue 37) ----------------------------------------------------


def _lignes_suggestions(liste, cle: str) -> list[dict]:
    return [{"id": getattr(s, cle), "nom": s.nom, "numero": s.numero, "intitule": s.intitule,
             "score": s.score, "raisons": " ; ".join(s.raisons)} for s in liste]


@bp.get("/gestion/suggestions/<int:annonce_id>")
def suggestions_annonce(annonce_id):
    """↔ ``/gestion/suggestions/annonce/<id>``: the annonce, the same ranked
    statement (app.operations.suggestions run on the bare connection: the
    same SQL and reasons, without the framework) and who was invited."""
    from app.models.suggestions import InvitationAnnonce
    from app.operations.suggestions import suggestions_annonce as classer

    inv = InvitationAnnonce.__table__
    with connexion() as conn:
        a = conn.execute(select(annonce.c.id, annonce.c.numero, annonce.c.intitule, annonce.c.etat,
                                annonce.c.structure_id).where(annonce.c.id == annonce_id)).first()
        if a is None:
            abort(404)
        liste = classer(a.id, conn=conn) if a.etat == EtatAnnonce.publiee else []
        invites = conn.execute(
            select(inv.c.intervenant_id.label("id"), intervenant.c.prenom, intervenant.c.nom_usage, inv.c.created_at)
            .join(intervenant, intervenant.c.id == inv.c.intervenant_id)
            .where(inv.c.annonce_id == a.id).order_by(inv.c.created_at.desc(), inv.c.id.desc())).all()
    return page_html(f"Intervenants suggérés — {a.numero}", [
        Tableau("suggestions", ("nom", "score", "raisons"), _lignes_suggestions(liste, "intervenant_id")),
        Tableau("invites", ("prenom", "nom_usage", "created_at"), invites),
    ])


@bp.get("/annonces-pour-vous/<int:intervenant_id>")
def annonces_pour_vous(intervenant_id):
    """↔ ``/annonces-pour-vous/`` of that intervenant: the same ranked statement, read the other way."""
    from app.operations.suggestions import annonces_pour

    with connexion() as conn:
        liste = annonces_pour(intervenant_id, conn=conn)
    return page_html("Annonces pour vous", [
        Tableau("annonces", ("numero", "intitule", "score", "raisons"), _lignes_suggestions(liste, "annonce_id"))])
