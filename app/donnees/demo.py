"""Believable demo data for the embedded run (idempotent).

``flask demo charger`` creates a national administrator, gestionnaires for
several structures and intervenants in every inscription state (each state
reached through the inscription workflow, so histories are real), then prints
the demo logins.
"""

from __future__ import annotations

import random
from datetime import date

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from app.donnees.demo_annonces import load_demo_annonces
from app.donnees.demo_dossiers import load_demo_dossiers
from app.donnees.demo_indisponibilites import load_demo_indisponibilites
from app.donnees.demo_interventions import load_demo_interventions
from app.donnees.demo_messagerie import load_demo_messagerie
from app.donnees.demo_support import load_demo_support
from app.extensions import db
from app.models.authentification import identite_normalisee
from app.models.comptes import CIVILITE_MADAME, CIVILITE_MONSIEUR, Gestionnaire, Intervenant
from app.models.parcours import (
    ExperienceFormateur,
    FormationInitiale,
    SpecialiteSouhaitee,
    indexer_parcours,
    synchroniser_specialites,
)
from app.models.referentiels import NiveauDiplome, Pays, Region, SousSpecialite, StatutProfessionnel, Structure
from app.security import deux_facteurs
from app.security.roles import ADMIN_NATIONAL, GESTIONNAIRE, INTERVENANT
from app.workflows.core import Acteur
from app.workflows.inscription import inscription

demo_cli = AppGroup("demo", help="Données de démonstration.")

DEMO_PASSWORD = "Demo-Espace-2026!"  # noqa: S105 - public demo accounts, listed in the README
DEMO_DOMAIN = "demo.espace-intervenants.fr"
#: Second factor of the demo's staff accounts (issue 28), embedded run only
#: (``DEMO_SECOND_FACTEUR``): a public secret, so that a tester computes the
#: codes (``oathtool --totp -b <secret>``).
DEMO_SECRET_TOTP = "DEMOESPACEINTERVENANTSCNFPTDEMO2"  # noqa: S105 - public demo accounts, listed in the README

GESTIONNAIRES = [
    ("DR-84", "Claire", "Martin"),
    ("DR-11", "Julien", "Bernard"),
    ("DR-93", "Sophie", "Petit"),
    ("DR-53", "Nicolas", "Robert"),
    ("INET", "Isabelle", "Richard"),
]

PRENOMS = ["Camille", "Louis", "Emma", "Hugo", "Léa", "Paul", "Chloé", "Lucas", "Manon", "Arthur",
           "Inès", "Jules", "Sarah", "Gabriel", "Zoé", "Raphaël", "Lina", "Adam", "Jeanne", "Théo",
           "Alice", "Nathan", "Louise", "Tom", "Juliette", "Victor", "Margaux", "Maxime", "Anaïs", "Antoine"]
NOMS = ["Durand", "Leroy", "Moreau", "Simon", "Laurent", "Lefebvre", "Michel", "Garcia", "David",
        "Bertrand", "Roux", "Vincent", "Fournier", "Morel", "Girard", "André", "Lefèvre", "Mercier",
        "Dupont", "Lambert", "Bonnet", "François", "Martinez", "Legrand", "Garnier", "Faure", "Rousseau",
        "Blanc", "Guérin", "Muller"]

# (target state, events to reach it from brouillon)
PARCOURS = [
    ("brouillon", []),
    ("transmise", ["transmettre"]),
    ("validee", ["transmettre", "valider"]),
    ("rejetee", ["transmettre", "rejeter"]),
    ("complement_demande", ["transmettre", "demander_complement"]),
]


def ensure_user(email: str, first: str, last: str, role_name: str):
    sm = current_app.appbuilder.sm
    user = sm.find_user(email=email)
    if user is None:
        role = sm.find_role(role_name)
        if role is None:
            raise click.ClickException(f"Rôle {role_name!r} absent : lancez d'abord « flask roles sync ».")
        user = sm.add_user(email, first, last, email, role, password=DEMO_PASSWORD)
        if not user:
            raise click.ClickException(f"Impossible de créer {email}")
    return user


def message_second_facteur() -> str | None:
    """How the demo's staff get their codes (printed by ``make run``), or None
    when the demo staff have no known secret (outside the embedded run)."""
    if not current_app.config.get("DEMO_SECOND_FACTEUR"):
        return None
    return (
        f"Double authentification des comptes gestionnaire et administrateur : clé TOTP {DEMO_SECRET_TOTP} "
        f"(code du moment : oathtool --totp -b {DEMO_SECRET_TOTP}, ou "
        f".venv/bin/python -c \"import pyotp; print(pyotp.TOTP('{DEMO_SECRET_TOTP}').now())\")"
    )


def load_demo(seed: int = 2026) -> list[tuple[str, str]]:
    rng = random.Random(seed)
    structures = {s.code: s for s in db.session.scalars(select(Structure))}
    if not structures:
        raise click.ClickException("Référentiels absents : lancez d'abord « flask referentiels charger ».")
    logins = []
    admin = ensure_user(f"admin.national@{DEMO_DOMAIN}", "Anne", "Nationale", ADMIN_NATIONAL)
    logins.append((ADMIN_NATIONAL, admin.email))
    gestionnaires = {}
    for code, first, last in GESTIONNAIRES:
        user = ensure_user(f"{first.lower()}.{last.lower()}@{DEMO_DOMAIN}", first, last, GESTIONNAIRE)
        link = db.session.scalar(select(Gestionnaire).where(Gestionnaire.user_id == user.id))
        if link is None:
            db.session.add(Gestionnaire(user_id=user.id, structure_id=structures[code].id))
        gestionnaires[code] = user
        logins.append((f"{GESTIONNAIRE} ({code})", user.email))
    if current_app.config.get("DEMO_SECOND_FACTEUR"):
        for user in (admin, *gestionnaires.values()):
            if not deux_facteurs.actif(user.id):
                deux_facteurs.activer_avec_secret(user, DEMO_SECRET_TOTP)
    db.session.commit()

    codes = [c for c, _, _ in GESTIONNAIRES]
    sous_specialites = db.session.scalars(select(SousSpecialite).order_by(SousSpecialite.code)).all()
    for i in range(30):
        prenom, nom = PRENOMS[i], NOMS[i]
        email = f"{_ascii(prenom)}.{_ascii(nom)}@{DEMO_DOMAIN}"
        user = ensure_user(email, prenom, nom, INTERVENANT)
        existing = db.session.scalar(select(Intervenant).where(Intervenant.user_id == user.id))
        if existing is not None:
            if i < 5:
                logins.append((f"{INTERVENANT} ({existing.etat_inscription.libelle})", email))
            continue
        code = codes[(i // len(PARCOURS)) % len(codes)]  # every structure gets every state
        intervenant = Intervenant(
            user_id=user.id,
            civilite=CIVILITE_MADAME if i % 2 else CIVILITE_MONSIEUR,
            nom_naissance=nom,
            nom_usage=nom,
            prenom=prenom,
            date_naissance=date(1960 + rng.randrange(35), 1 + rng.randrange(12), 1 + rng.randrange(28)),
            structure_id=structures[code].id,
        )
        intervenant.identite_normalisee = identite_normalisee(
            intervenant.civilite, nom, prenom, intervenant.date_naissance
        )
        db.session.add(intervenant)
        db.session.flush()
        _fill_identification(intervenant, i, rng)
        _fill_parcours(intervenant, structures[code], sous_specialites, rng)
        state, events = PARCOURS[i % len(PARCOURS)]
        for event in events:
            if event == "transmettre":
                actor = Acteur.from_user(user)
            else:
                actor = Acteur.from_user(gestionnaires[code])
            comment = {
                "rejeter": "Profil ne correspondant pas aux besoins actuels de la structure.",
                "demander_complement": "Merci de préciser vos expériences en qualité de formateur.",
            }.get(event)
            inscription.apply(intervenant, event, actor, comment)
        if i < 5:
            logins.append((f"{INTERVENANT} ({intervenant.etat_inscription.libelle})", email))
        db.session.commit()
    load_demo_annonces(rng, gestionnaires)  # issue #5: annonces, candidatures, news
    load_demo_messagerie(gestionnaires)  # issue 21: a few conversations
    load_demo_support(gestionnaires)  # issue 22: support requests in each state
    load_demo_dossiers(gestionnaires)  # issue 20: dossiers administratifs
    load_demo_interventions(gestionnaires)  # issue 23: interventions, lettres
    load_demo_indisponibilites()  # issue 23: indisponibilités
    return logins


EXPERTISES = [
    "conduite du changement et animation d'ateliers participatifs",
    "accompagnement des encadrants de proximité",
    "ingénierie pédagogique en formation à distance",
    "prévention des risques professionnels dans les services techniques",
    "commande publique et rédaction des marchés",
    "accueil du public et gestion des situations conflictuelles",
]


VILLES = [("69003", "Lyon"), ("75011", "Paris"), ("13001", "Marseille"), ("35000", "Rennes"), ("33000", "Bordeaux")]


def _fill_identification(intervenant, i: int, rng) -> None:
    """Page 1's required fields (the inscription workflow refuses to transmit
    without them): birth place, nationality, address, phone, and a statut —
    retired (no employer block) or private-sector employee (employer filled)."""
    france = db.session.scalar(select(Pays).where(Pays.code == "FR"))
    code_postal, ville = VILLES[i % len(VILLES)]
    intervenant.lieu_naissance = rng.choice([v for _, v in VILLES])
    intervenant.nationalite_id = intervenant.pays_residence_id = france.id
    intervenant.adresse_voie = f"{1 + rng.randrange(120)} rue de la République"
    intervenant.code_postal, intervenant.localite = code_postal, ville
    intervenant.telephone_personnel = f"06{rng.randrange(10**8):08d}"
    statut = db.session.scalar(select(StatutProfessionnel).where(
        StatutProfessionnel.code == ("SALARIE_PRIVE" if i % 3 else "SANS")))
    intervenant.statut_professionnel_id = statut.id
    intervenant.type_employeur = statut.type_employeur
    if statut.type_employeur:
        intervenant.temps_travail = "complet"
        intervenant.employeur_raison_sociale = "Cabinet Conseil Territoires"
        intervenant.employeur_pays_id = france.id
        intervenant.employeur_voie = "12 avenue des Collectivités"
        intervenant.employeur_code_postal, intervenant.employeur_localite = code_postal, ville


def _fill_parcours(intervenant, structure, sous_specialites, rng) -> None:
    """A believable Parcours: wished sous-spécialités, a trainer experience,
    the structure's régions as zone d'intervention and alert preferences."""
    for sous in rng.sample(sous_specialites, k=min(2, len(sous_specialites))):
        intervenant.specialites_souhaitees.append(
            SpecialiteSouhaitee(
                sous_specialite=sous,
                expertise=rng.choice(EXPERTISES),
                observations="Interventions régulières auprès de collectivités de toutes tailles.",
            )
        )
    intervenant.experiences_formateur.append(
        ExperienceFormateur(
            libelle=f"Formateur occasionnel – {rng.choice(EXPERTISES)}",
            contexte="Collectivités territoriales",
            public="Agents de catégorie B et C",
            annees=str(2015 + rng.randrange(9)),
            duree=f"{1 + rng.randrange(5)} jours",
            organismes="CNFPT, centres de gestion",
        )
    )
    intervenant.deja_forme = True
    niveau = db.session.scalar(select(NiveauDiplome).where(NiveauDiplome.code == "7"))
    intervenant.formations_initiales.append(
        FormationInitiale(niveau_diplome_id=niveau.id if niveau else None, titre="Master Administration publique",
                          annee=str(1985 + rng.randrange(20)))
    )
    intervenant.regions = list(structure.regions) or [rng.choice(_all_regions())]
    intervenant.disponible_etranger = rng.random() < 0.2
    intervenant.alerte_specialites = rng.random() < 0.6
    intervenant.alerte_regions = rng.random() < 0.4
    intervenant.alerte_specialites_et_regions = not (intervenant.alerte_specialites or intervenant.alerte_regions)
    synchroniser_specialites(intervenant)
    indexer_parcours(intervenant)


def _all_regions():
    return db.session.scalars(select(Region).order_by(Region.code)).all()


def _ascii(text: str) -> str:
    import unicodedata

    return "".join(c for c in unicodedata.normalize("NFKD", text.lower()) if c.isalnum())


@demo_cli.command("charger")
@click.option("--seed", default=2026, show_default=True)
def charger(seed: int) -> None:
    """Charger (ou compléter) les données de démonstration."""
    logins = load_demo(seed)
    click.echo(f"Comptes de démonstration (mot de passe : {DEMO_PASSWORD}) :")
    for role, email in logins:
        click.echo(f"  {role:<40} {email}")
    if message_second_facteur():
        click.echo(message_second_facteur())
