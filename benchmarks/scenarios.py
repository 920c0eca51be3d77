"""The measured pages: for each, its target, the requests of a realistic mix
(many annonces, criteria, users — never one hot URL) and the same requests on
the bare baseline (``benchmarks/baseline.py``, mounted under ``/_baseline``).

Requests are drawn from the generated volume with a fixed seed, so two runs on
the same data send the same requests."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from urllib.parse import urlencode

import sqlalchemy as sa
from flask_appbuilder.security.sqla.models import User

from app.donnees.volume import DOMAINE
from app.models.annonces import Annonce, Candidature, annonce_region, annonce_specialite
from app.models.comptes import Gestionnaire, Intervenant, intervenant_region, intervenant_specialite
from app.models.referentiels import NatureFormation
from app.models.support import DemandeSupport

BASELINE = "/_baseline"
#: Free-text searches of the CV-thèque (words of the generated Parcours).
TEXTES = ["marchés publics", "urbanisme", "petite enfance", "management", "finances locales", "prévention",
          "accueil du public", "restauration collective", "formation", "université"]
SESSIONS_INTERVENANT = 4
SESSIONS_GESTIONNAIRE = 4  # + 4 intervenants: under the login rate limit (10 per 5 minutes)


@dataclass(frozen=True)
class Objectif:
    p95_ms: float
    ratio_rps: float  # minimal throughput(page) / throughput(baseline)


PUBLIC = Objectif(50, 0.30)
#: Issue 36: every page at least 30 % of its bare baseline.
CONNECTE = Objectif(100, 0.30)
TEXTE_LIBRE = Objectif(150, 0.30)
#: Issue 37: both suggestion pages, p95 ≤ 150 ms at 8 clients and ≥ 30 % of the bare baseline.
SUGGESTIONS = Objectif(150, 0.30)


@dataclass
class Scenario:
    page: str
    libelle: str
    objectif: Objectif
    #: (path, e-mail of the session or None, baseline path)
    requetes: list[tuple[str, str | None, str]] = field(default_factory=list)


def _q(**params) -> str:
    return "?" + urlencode({k: v for k, v in params.items() if v not in (None, "")}, doseq=True)


def emails(scenarios: list[Scenario]) -> set[str]:
    """The accounts whose sessions the scenarios need."""
    return {email for sc in scenarios for _, email, _ in sc.requetes if email}


def construire(conn: sa.Connection, seed: int = 7) -> list[Scenario]:
    """The scenarios, drawn from the generated volume."""
    rng = random.Random(seed)
    today = date.today()
    ouvertes = conn.execute(
        sa.select(Annonce.id, Annonce.numero, Annonce.structure_id, Annonce.nature_formation_id)
        .where(Annonce.etat == "publiee", Annonce.date_limite >= today)
        .order_by(Annonce.id)
    ).all()
    if not ouvertes:
        raise RuntimeError("Aucune annonce ouverte : générez d'abord le volume (flask volume generer).")
    echantillon = rng.sample(ouvertes, min(60, len(ouvertes)))
    ids = [a.id for a in echantillon]
    specs = dict(conn.execute(
        sa.select(annonce_specialite.c.annonce_id, sa.func.min(annonce_specialite.c.specialite_id))
        .where(annonce_specialite.c.annonce_id.in_(ids)).group_by(annonce_specialite.c.annonce_id)
    ).all())
    regions = dict(conn.execute(
        sa.select(annonce_region.c.annonce_id, sa.func.min(annonce_region.c.region_id))
        .where(annonce_region.c.annonce_id.in_(ids)).group_by(annonce_region.c.annonce_id)
    ).all())
    natures = conn.scalars(sa.select(NatureFormation.id)).all()

    recherche = []
    for i, a in enumerate(echantillon):
        # Several criteria, varied: spécialité + région, + catégorie, structure, sort orders, page 2.
        forme = i % 4
        if forme == 0:
            q = _q(specialite=specs[a.id], region=regions[a.id])
        elif forme == 1:
            q = _q(specialite=specs[a.id], categorie=a.nature_formation_id or rng.choice(natures), tri="limite", ordre="asc")
        elif forme == 2:
            q = _q(region=regions[a.id], structure=a.structure_id, tri="debut")
        else:
            q = _q(specialite=specs[a.id], page=2)
        recherche.append((f"/annonces/{q}", None, f"{BASELINE}/annonces/{q}"))

    # Sessions: validated intervenants with the most candidatures (the fullest dashboards).
    actifs = conn.execute(
        sa.select(Intervenant.id, User.email)
        .join(User, User.id == Intervenant.user_id)
        .join(Candidature, Candidature.intervenant_id == Intervenant.id)
        .where(Intervenant.etat_inscription == "validee", User.email.endswith(DOMAINE))
        .group_by(Intervenant.id, User.email)
        .order_by(sa.func.count().desc(), Intervenant.id)
        .limit(SESSIONS_INTERVENANT)
    ).all()
    # Gestionnaires of the structures with the most candidatures to their annonces.
    structures = conn.execute(
        sa.select(Annonce.structure_id)
        .join(Candidature, Candidature.annonce_id == Annonce.id)
        .group_by(Annonce.structure_id)
        .order_by(sa.func.count().desc(), Annonce.structure_id)
        .limit(SESSIONS_GESTIONNAIRE)
    ).scalars().all()
    gestionnaires = conn.execute(
        sa.select(Gestionnaire.structure_id, sa.func.min(User.email))
        .join(User, User.id == Gestionnaire.user_id)
        .where(Gestionnaire.structure_id.in_(structures), User.email.endswith(DOMAINE))
        .group_by(Gestionnaire.structure_id)
    ).all()
    candidatures = []
    for sid, email in gestionnaires:
        annonces = conn.scalars(
            sa.select(Annonce.id)
            .join(Candidature, Candidature.annonce_id == Annonce.id)
            .where(Annonce.structure_id == sid)
            .group_by(Annonce.id)
            .order_by(sa.func.count().desc(), Annonce.id)
            .limit(10)
        ).all()
        candidatures += [
            (f"/gestion/annonces/show/{aid}", email, f"{BASELINE}/gestion/annonces/{aid}/candidatures")
            for aid in annonces
        ]

    # CV-thèque criteria from real profiles (non-empty results).
    profils = conn.execute(
        sa.select(intervenant_specialite.c.specialite_id, intervenant_region.c.region_id)
        .join(intervenant_region, intervenant_region.c.intervenant_id == intervenant_specialite.c.intervenant_id)
        .order_by(intervenant_specialite.c.intervenant_id)
        .limit(400)
    ).all()
    criteres = rng.sample(profils, min(40, len(profils)))
    emails_g = [email for _, email in gestionnaires]
    cvtheque, cvtheque_texte = [], []
    for i, (spec, region) in enumerate(criteres):
        email = emails_g[i % len(emails_g)]
        # One in four also « Disponible entre le … et le … » (issue 23), a fortnight
        # in a month (the generated indisponibilités fall in the coming year).
        dispo = {"dispo_du": date.today() + timedelta(days=30), "dispo_au": date.today() + timedelta(days=44)}
        dispo = {k: v.isoformat() for k, v in dispo.items()} if i % 4 == 1 else {}
        q = _q(specialite=spec, region=region) if i % 2 == 0 else _q(specialite=spec, tri="date", **dispo)
        cvtheque.append((f"/cvtheque/{q}", email, f"{BASELINE}/cvtheque/{q}"))
        q = _q(q=TEXTES[i % len(TEXTES)], specialite=spec if i % 3 == 0 else None)
        cvtheque_texte.append((f"/cvtheque/{q}", email, f"{BASELINE}/cvtheque/{q}"))

    # Messagerie (issue 21): the fullest inboxes of validated intervenants and of gestionnaires.
    from app.models.messagerie import DestinataireMessage

    lecteurs = conn.execute(
        sa.select(DestinataireMessage.destinataire_id, User.email)
        .join(User, User.id == DestinataireMessage.destinataire_id)
        .where(DestinataireMessage.archive.is_(False), User.email.endswith(DOMAINE))
        .group_by(DestinataireMessage.destinataire_id, User.email)
        .order_by(sa.func.count().desc(), DestinataireMessage.destinataire_id)
        .limit(SESSIONS_INTERVENANT)
    ).all()
    lus = []
    for uid, email in lecteurs:
        for mid in conn.scalars(sa.select(DestinataireMessage.message_id).where(
                DestinataireMessage.destinataire_id == uid, DestinataireMessage.archive.is_(False))
                .order_by(DestinataireMessage.message_id).limit(10)):
            lus.append((f"/messagerie/reception/{mid}", email, f"{BASELINE}/messagerie/message/{uid}/{mid}"))

    scenarios = [
        Scenario("accueil", "Accueil", PUBLIC, [("/", None, f"{BASELINE}/")]),
        Scenario("recherche_annonces", "Recherche avancée d'annonces (critères)", PUBLIC, recherche),
        Scenario("detail_annonce", "Détail d'une annonce", PUBLIC,
                 [(f"/annonces/{a.numero}", None, f"{BASELINE}/annonces/{a.numero}") for a in echantillon]),
        Scenario("tableau_de_bord", "Tableau de bord intervenant (mes réponses)", CONNECTE,
                 [("/mes-reponses-aux-annonces/", email, f"{BASELINE}/mes-reponses/{pid}") for pid, email in actifs]),
        Scenario("profil_parcours", "Profil, page 2 (Mon parcours)", CONNECTE,
                 [("/profil/parcours", email, f"{BASELINE}/profil/parcours/{pid}") for pid, email in actifs]),
        Scenario("file_inscriptions", "Gestionnaire : demandes d'inscription", CONNECTE,
                 [("/gestion/demandes-inscription/list/", email, f"{BASELINE}/gestion/demandes-inscription/{sid}")
                  for sid, email in gestionnaires]),
        Scenario("cvtheque", "CV-thèque : recherche par critères", CONNECTE, cvtheque),
        Scenario("cvtheque_texte", "CV-thèque : critères et texte libre", TEXTE_LIBRE, cvtheque_texte),
        Scenario("candidatures_annonce", "Candidatures d'une annonce (gestionnaire)", CONNECTE, candidatures),
    ]
    # Suggestions (issue 37): the open annonces of the gestionnaires above, both directions.
    ouvertes_par_structure = {}
    for sid, _ in gestionnaires:
        ouvertes_par_structure[sid] = conn.scalars(
            sa.select(Annonce.id).where(Annonce.structure_id == sid, Annonce.etat == "publiee",
                                        Annonce.date_limite >= today)
            .order_by(Annonce.id).limit(10)).all()
    scenarios += [
        Scenario("suggestions_annonce", "Gestionnaire : intervenants suggérés d'une annonce", SUGGESTIONS,
                 [(f"/gestion/suggestions/annonce/{aid}", email, f"{BASELINE}/gestion/suggestions/{aid}")
                  for sid, email in gestionnaires for aid in ouvertes_par_structure[sid]]),
        Scenario("annonces_pour_vous", "Intervenant : annonces pour vous", SUGGESTIONS,
                 [("/annonces-pour-vous/", email, f"{BASELINE}/annonces-pour-vous/{pid}") for pid, email in actifs]),
    ]
    # Dossier administratif (issue 20): the trainers of the dossiers with the most blocks sent;
    # the queue of the gestionnaires above. Support (issue 22): their structures' requests.
    from app.models.dossier import BlocDossier, DossierAdministratif

    titulaires = conn.execute(
        sa.select(Intervenant.id, User.email)
        .join(User, User.id == Intervenant.user_id)
        .join(DossierAdministratif, DossierAdministratif.intervenant_id == Intervenant.id)
        .join(BlocDossier, BlocDossier.dossier_id == DossierAdministratif.id)
        .where(BlocDossier.date_transmission.is_not(None), User.email.endswith(DOMAINE))
        .group_by(Intervenant.id, User.email)
        .order_by(sa.func.count().desc(), Intervenant.id)
        .limit(SESSIONS_INTERVENANT)
    ).all()
    if titulaires:  # a volume generated with dossiers (flask volume generer --dossiers)
        scenarios += [
            Scenario("dossier_intervenant", "Dossier administratif : page de l'intervenant", CONNECTE,
                     [("/mon-dossier/", email, f"{BASELINE}/mon-dossier/{pid}") for pid, email in titulaires]),
            Scenario("file_dossiers", "Gestionnaire : blocs des dossiers administratifs", CONNECTE,
                     [(f"/gestion/dossiers/list/{q}", email, f"{BASELINE}/gestion/dossiers/{sid}{q}")
                      for sid, email in gestionnaires for q in ("", "?page=2", "?etat=transmis")]),
        ]
    if conn.scalar(sa.select(DemandeSupport.id).limit(1)) is not None:  # (flask volume generer --support)
        scenarios.append(
            Scenario("file_support", "Gestionnaire : demandes de support", CONNECTE,
                     [(f"/gestion/support/{q}", email, f"{BASELINE}/gestion/support/{sid}{q}")
                      for sid, email in gestionnaires for q in ("", "?page=2", "?etat=nouvelle")]))
    if lecteurs:  # a volume generated with messages (flask volume generer --messages)
        scenarios += [
            Scenario("messagerie_reception", "Messagerie : boîte de réception", CONNECTE,
                     [(f"/messagerie/reception/{q}", email, f"{BASELINE}/messagerie/reception/{uid}{q}")
                      for uid, email in lecteurs for q in ("", "?page=2")]),
            Scenario("messagerie_envoyes", "Messagerie : messages envoyés", CONNECTE,
                     [("/messagerie/envoyes/", email, f"{BASELINE}/messagerie/envoyes/{uid}") for uid, email in lecteurs]),
            Scenario("messagerie_message", "Messagerie : lecture d'un message", CONNECTE, lus),
        ]
    # Interventions (issue 23): the trainers with the most interventions; the
    # list of the gestionnaires above, as opened, at page 2 and by état.
    from app.models.interventions import Intervention

    intervenants_actifs = conn.execute(
        sa.select(Intervention.intervenant_id, User.email)
        .join(Intervenant, Intervenant.id == Intervention.intervenant_id)
        .join(User, User.id == Intervenant.user_id)
        .where(User.email.endswith(DOMAINE))
        .group_by(Intervention.intervenant_id, User.email)
        .order_by(sa.func.count().desc(), Intervention.intervenant_id)
        .limit(SESSIONS_INTERVENANT)
    ).all()
    if intervenants_actifs:  # (flask volume generer --interventions)
        scenarios += [
            Scenario("mes_interventions", "Mes interventions (intervenant)", CONNECTE,
                     [(f"/mes-interventions/{q}", email, f"{BASELINE}/mes-interventions/{pid}{q}")
                      for pid, email in intervenants_actifs for q in ("", "?page=2")]),
            Scenario("interventions_gestion", "Gestionnaire : interventions de la structure", CONNECTE,
                     [(f"/gestion/interventions/list/{q}", email, f"{BASELINE}/gestion/interventions/{sid}{b}")
                      for sid, email in gestionnaires
                      for q, b in (("", ""), ("?page_InterventionGestionView=1", "?page=2"),
                                   ("?etat=prevue", "?etat=prevue"))]),
        ]
    return scenarios
