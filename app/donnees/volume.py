"""Scale data for measurements (issue #6): ``flask volume generer``.

Fills the database with realistic French data (Faker fr_FR) on top of the
referentials already loaded: intervenants in every inscription state with
their Parcours rows, spécialités, régions and alert preferences; annonces over
several years; candidatures; gestionnaires for every structure.

Why it bypasses the ORM and the workflows: one ORM object per row and one
workflow transition per state would take hours at 100,000 intervenants. Rows
are written with SQLAlchemy Core ``insert()`` executemany in chunks, ids are
allocated in Python (then PostgreSQL sequences are moved past them), and one
password hash is computed once and reused for every generated account.
Consequence, stated plainly: generated rows have NO workflow history
(``transition_historique`` stays untouched, except the dossier blocks'
history, which the trainer's dossier page shows) and no e-mail is queued. This
module is for measurement databases only, never for real data.

Every generated account has the password ``VOLUME_PASSWORD``; e-mails end
with ``@volume.exemple.fr``. The same seed gives the same data.
"""

from __future__ import annotations

import random
import unicodedata
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import click
import sqlalchemy as sa
from faker import Faker
from flask.cli import AppGroup
from flask_appbuilder.security.sqla.models import Role, User, assoc_user_role
from werkzeug.security import generate_password_hash

from app.donnees.volume_interventions import TABLES_INTERVENTIONS, ecrire_interventions
from app.extensions import db
from app.models.annonces import (
    Annonce,
    Candidature,
    EtatAnnonce,
    EtatCandidatureAnnonce,
    annonce_region,
    annonce_sous_specialite,
    annonce_specialite,
)
from app.models.comptes import (
    CIVILITE_MADAME,
    CIVILITE_MONSIEUR,
    TABLEAUX_POSTGRESQL,
    EtatInscription,
    Gestionnaire,
    Intervenant,
    intervenant_region,
    intervenant_sous_specialite,
    intervenant_specialite,
)
from app.models.dossier import Bloc, BlocDossier, DemandeDossier, DossierAdministratif, PieceDossier
from app.models.fichiers import Fichier
from app.models.indisponibilites import Indisponibilite
from app.models.messagerie import DestinataireMessage, Message
from app.models.parcours import ExperienceFormateur, ExperienceProfessionnelle, FormationInitiale, SpecialiteSouhaitee
from app.models.referentiels import NatureFormation, Region, SousSpecialite, Structure, TypeDemandeSupport
from app.models.support import DemandeSupport, MessageSupport
from app.models.workflow import TransitionHistorique
from app.security.roles import GESTIONNAIRE, INTERVENANT

VOLUME_PASSWORD = "Volume-Espace-2026!"  # noqa: S105 - measurement accounts only, documented in the README
DOMAINE = "volume.exemple.fr"
CHUNK = 2000

#: Share of each inscription state (the first rows cycle through all of them
#: so that even a tiny volume has every state).
POIDS_ETATS = {
    EtatInscription.validee: 55,
    EtatInscription.brouillon: 15,
    EtatInscription.transmise: 12,
    EtatInscription.complement_demande: 5,
    EtatInscription.rejetee: 8,
    EtatInscription.archivee: 5,
}

THEMES = [
    "management des équipes",
    "marchés publics",
    "finances locales",
    "urbanisme réglementaire",
    "prévention des risques professionnels",
    "accueil du public",
    "petite enfance",
    "restauration collective",
    "gestion des déchets",
    "police municipale",
    "action sociale",
    "informatique et numérique",
    "ressources humaines",
    "communication publique",
    "développement durable",
    "bibliothèques",
]


@dataclass
class Bilan:
    """Row counts written, by table."""

    lignes: dict[str, int] = field(default_factory=dict)

    def ajouter(self, table: str, n: int) -> None:
        self.lignes[table] = self.lignes.get(table, 0) + n


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower().replace(" ", "-")


class _Ecrivain:
    """Buffers rows per table and writes them by chunks with Core executemany."""

    def __init__(self, bilan: Bilan):
        self.tampons: dict[sa.Table, list[dict]] = {}
        self.bilan = bilan
        self.analysees: set[str] = set()

    def ajouter(self, table: sa.Table, row: dict) -> None:
        tampon = self.tampons.setdefault(table, [])
        tampon.append(row)
        if len(tampon) >= CHUNK:
            # Flush every buffer, in first-use order (parents before their
            # link rows), so foreign keys always find their target.
            self.vider()

    def vider(self, table: sa.Table | None = None) -> None:
        for t in [table] if table is not None else list(self.tampons):
            rows = self.tampons.get(t)
            if rows:
                if t.name in TABLEAUX_POSTGRESQL:
                    # One INSERT for the whole chunk: the PostgreSQL triggers
                    # copying these links into intervenant run once per
                    # statement, and executemany sends one statement per row.
                    db.session.execute(sa.insert(t).values(rows))
                else:
                    db.session.execute(sa.insert(t), rows)
                self.bilan.ajouter(t.name, len(rows))
                self.tampons[t] = []
                self._analyser(t)

    def _analyser(self, table: sa.Table) -> None:
        """PostgreSQL: ANALYZE each table once, after its first chunk. The
        whole volume is one transaction that autovacuum does not see, and on
        a never-analysed table the planner may check each foreign key by a
        full scan of another index instead of the primary key (seen on the
        candidatures' checks of intervenant: three times slower)."""
        if table.name in self.analysees or db.session.get_bind().dialect.name != "postgresql":
            return
        self.analysees.add(table.name)
        db.session.execute(sa.text(f"ANALYZE {table.name}"))


class _Ids:
    """Next free primary key per table, read once."""

    def __init__(self):
        self.suivants: dict[str, int] = {}

    def suivant(self, table: sa.Table) -> int:
        if table.name not in self.suivants:
            self.suivants[table.name] = (db.session.scalar(sa.select(sa.func.max(table.c.id))) or 0) + 1
        value = self.suivants[table.name]
        self.suivants[table.name] = value + 1
        return value


def _avancer_sequences(tables: list[sa.Table]) -> None:
    """PostgreSQL serial sequences do not see ids given explicitly."""
    if db.session.get_bind().dialect.name != "postgresql":
        return
    for t in tables:
        # FAB's tables use explicit sequences (ab_user_id_seq...) that
        # pg_get_serial_sequence does not know; the project's use SERIAL.
        default = t.c.id.default
        sequence = default.name if isinstance(default, sa.Sequence) else sa.func.pg_get_serial_sequence(t.name, "id")
        db.session.execute(
            sa.select(sa.func.setval(sequence, sa.select(sa.func.max(t.c.id)).scalar_subquery()))
        )


def generer(
    intervenants: int, annonces: int, candidatures: int, seed: int = 42, gestionnaires_par_structure: int = 2,
    messages: int = 0, dossiers: int = 0, support: int = 0, interventions: int = 0,
) -> Bilan:
    """Write the volume; the caller commits. ``messages``: messagerie
    exchanges between validated intervenants and their structure's
    gestionnaires (issue 21), one recipient each. ``dossiers``: dossiers
    administratifs of validated intervenants (issue 20); ``support``: support
    requests « Aide et contact » (issue 22); ``interventions``: interventions
    and lettres de demande (issue 23, ``volume_interventions``)."""
    rng = random.Random(seed)
    # Indisponibilités from their own sequence: the rest of the data stays
    # what the same seed gave before they existed.
    rng_indispo = random.Random(f"indisponibilites-{seed}")
    fake = Faker("fr_FR")
    fake.seed_instance(seed)
    bilan = Bilan()
    out = _Ecrivain(bilan)
    ids = _Ids()
    # Dates are relative to the day of generation so that recent annonces are
    # open; everything else depends only on the seed.
    now = datetime.combine(date.today(), time(9, 0))
    today = now.date()
    # A fixed prefix per seed keeps e-mails unique when two volumes are added.
    prefixe = f"v{seed}"

    structures = db.session.execute(sa.select(Structure.id, Structure.code)).all()
    regions = db.session.scalars(sa.select(Region.id)).all()
    sous_specs = db.session.execute(
        sa.select(SousSpecialite.id, SousSpecialite.specialite_id, SousSpecialite.libelle).order_by(SousSpecialite.id)
    ).all()
    natures = db.session.scalars(sa.select(NatureFormation.id)).all()
    roles = dict(db.session.execute(sa.select(Role.name, Role.id)).all())
    if not structures or not regions or not sous_specs:
        raise click.ClickException("Référentiels absents : lancez d'abord « flask referentiels charger ».")
    for name in (INTERVENANT, GESTIONNAIRE):
        if name not in roles:
            raise click.ClickException(f"Rôle « {name} » absent : lancez d'abord « flask roles sync ».")
    structure_ids = [s.id for s in structures]
    mot_de_passe = generate_password_hash(VOLUME_PASSWORD)
    users, user_roles = User.__table__, assoc_user_role

    def nouvel_utilisateur(numero: str, prenom: str, nom: str, role_id: int) -> int:
        uid = ids.suivant(users)
        email = f"{_ascii(prenom)}.{_ascii(nom)}.{prefixe}-{numero}@{DOMAINE}"
        out.ajouter(
            users,
            {
                "id": uid,
                "first_name": prenom,
                "last_name": nom,
                "username": email,
                "email": email,
                "password": mot_de_passe,
                "active": True,
                "login_count": 0,
                "fail_login_count": 0,
                "created_on": now,
                "changed_on": now,
            },
        )
        out.ajouter(user_roles, {"id": ids.suivant(user_roles), "user_id": uid, "role_id": role_id})
        return uid

    # --- gestionnaires ------------------------------------------------------
    for sid, code in structures:
        for k in range(gestionnaires_par_structure):
            prenom, nom = fake.first_name(), fake.last_name()
            uid = nouvel_utilisateur(f"g{_ascii(code)}-{k}", prenom, nom, roles[GESTIONNAIRE])
            out.ajouter(
                Gestionnaire.__table__,
                {
                    "id": ids.suivant(Gestionnaire.__table__),
                    "user_id": uid,
                    "structure_id": sid,
                    "created_at": now,
                    "updated_at": now,
                },
            )

    # --- intervenants -------------------------------------------------------
    etats, poids = list(POIDS_ETATS), list(POIDS_ETATS.values())
    intervenant_ids: list[int] = []
    for i in range(intervenants):
        civilite = rng.choice([CIVILITE_MONSIEUR, CIVILITE_MADAME])
        prenom = fake.first_name_male() if civilite == CIVILITE_MONSIEUR else fake.first_name_female()
        nom = fake.last_name()
        uid = nouvel_utilisateur(f"i{i}", prenom, nom, roles[INTERVENANT])
        pid = ids.suivant(Intervenant.__table__)
        intervenant_ids.append(pid)
        etat = etats[i] if i < len(etats) else rng.choices(etats, poids)[0]
        cree = now - timedelta(days=rng.randint(1, 6 * 365))
        transmis = etat != EtatInscription.brouillon
        choix = rng.sample(sous_specs, rng.randint(1, 3))
        motivation = fake.paragraph(nb_sentences=3)
        theme = rng.choice(THEMES)
        experience = {
            "libelle": f"Formation {theme}",
            "contexte": fake.company(),
            "public": "Agents territoriaux",
            "organismes": f"CNFPT, {fake.city()}",
        }
        pro = {
            "employeur": f"Mairie de {fake.city()}",
            "fonction": fake.job()[:255],
            "missions": fake.sentence(nb_words=12),
        }
        diplome = {"titre": f"Master {theme}", "organisme": f"Université de {fake.city()}"}
        out.ajouter(
            Intervenant.__table__,
            {
                "id": pid,
                "user_id": uid,
                "civilite": civilite,
                "nom_naissance": nom,
                "nom_usage": nom,
                "prenom": prenom,
                "date_naissance": fake.date_of_birth(minimum_age=25, maximum_age=68),
                "structure_id": rng.choice(structure_ids),
                "etat_inscription": etat.value,
                "date_transmission": cree + timedelta(days=rng.randint(0, 20)) if transmis else None,
                "date_premiere_analyse": cree + timedelta(days=30)
                if etat not in (EtatInscription.brouillon, EtatInscription.transmise)
                else None,
                "immatriculation": f"VOL{seed % 1000:03d}{pid:09d}" if etat == EtatInscription.validee else None,
                "adresse_voie": fake.street_address()[:150],
                "code_postal": fake.postcode(),
                "localite": fake.city()[:100],
                "portable_personnel": f"06{rng.randint(0, 99_999_999):08d}",
                "disponible_etranger": rng.random() < 0.1,
                "permis_conduire": rng.random() < 0.85,
                "vehicule_personnel": rng.random() < 0.7,
                "deja_forme": rng.random() < 0.7,
                "motivation": motivation,
                "adresse_pro_differente": False,
                "alerte_specialites": rng.random() < 0.4,
                "alerte_regions": rng.random() < 0.3,
                "alerte_specialites_et_regions": rng.random() < 0.2,
                "texte_parcours": "\n".join(
                    [motivation]
                    + [s.libelle for s in choix]
                    + [experience["contexte"], experience["libelle"], experience["public"], experience["organismes"]]
                    + [pro["employeur"], pro["fonction"], pro["missions"]]
                    + [diplome["titre"], diplome["organisme"]]
                ),
                "created_at": cree,
                "updated_at": cree,
            },
        )
        for s in choix:
            out.ajouter(
                SpecialiteSouhaitee.__table__,
                {
                    "id": ids.suivant(SpecialiteSouhaitee.__table__),
                    "intervenant_id": pid,
                    "sous_specialite_id": s.id,
                    "created_at": cree,
                    "updated_at": cree,
                },
            )
            out.ajouter(intervenant_sous_specialite, {"intervenant_id": pid, "sous_specialite_id": s.id})
        for spec in sorted({s.specialite_id for s in choix}):
            out.ajouter(intervenant_specialite, {"intervenant_id": pid, "specialite_id": spec})
        for rid in rng.sample(regions, rng.randint(1, 3)):
            out.ajouter(intervenant_region, {"intervenant_id": pid, "region_id": rid})
        _indisponibilites(out, ids, rng_indispo, pid, today, cree)
        for table, row in (
            (ExperienceFormateur.__table__, experience),
            (ExperienceProfessionnelle.__table__, pro),
            (FormationInitiale.__table__, diplome),
        ):
            out.ajouter(
                table, {"id": ids.suivant(table), "intervenant_id": pid, "created_at": cree, "updated_at": cree, **row}
            )
    out.vider()

    # --- annonces -----------------------------------------------------------
    numeros = set(db.session.scalars(sa.select(Annonce.numero)).all())
    ouvertes: list[tuple[int, datetime]] = []
    for _ in range(annonces):
        aid = ids.suivant(Annonce.__table__)
        numero = f"{rng.randrange(10**10):010d}"
        while numero in numeros:
            numero = f"{rng.randrange(10**10):010d}"
        numeros.add(numero)
        # 15 % published in the last days (open to candidatures), the rest over four years.
        jours = rng.randint(0, 9) if rng.random() < 0.15 else rng.randint(0, 4 * 365)
        publication = now - timedelta(days=jours, hours=rng.randint(0, 23))
        limite = publication.date() + timedelta(days=rng.randint(10, 60))
        if rng.random() < 0.05:
            etat, publication = EtatAnnonce.brouillon, None
        elif limite < today:
            etat = EtatAnnonce.cloturee if rng.random() < 0.8 else EtatAnnonce.depubliee
        else:
            etat = EtatAnnonce.publiee
        debut = limite + timedelta(days=rng.randint(7, 60))
        theme = rng.choice(THEMES)
        s = rng.choice(sous_specs)
        out.ajouter(
            Annonce.__table__,
            {
                "id": aid,
                "numero": numero,
                "intitule": f"Intervenant(e) en {theme}",
                "description": fake.paragraph(nb_sentences=4),
                "profil_recherche": fake.sentence(nb_words=15),
                "nature_formation_id": rng.choice(natures) if natures else None,
                "duree_jours": rng.choice([1, 2, 3, 5]),
                "date_debut": debut,
                "date_fin": debut + timedelta(days=rng.randint(0, 10)),
                "date_limite": limite,
                "date_limite_apres_debut": False,
                "contact_nom": fake.name(),
                "contact_email": f"contact.{aid}@{DOMAINE}",
                "urgent": rng.random() < 0.1,
                "structure_id": rng.choice(structure_ids),
                "etat": etat.value,
                "date_publication": publication,
                "created_at": publication or now,
                "updated_at": publication or now,
            },
        )
        out.ajouter(annonce_sous_specialite, {"annonce_id": aid, "sous_specialite_id": s.id})
        out.ajouter(annonce_specialite, {"annonce_id": aid, "specialite_id": s.specialite_id})
        for rid in rng.sample(regions, rng.randint(1, 2)):
            out.ajouter(annonce_region, {"annonce_id": aid, "region_id": rid})
        if publication is not None:
            ouvertes.append((aid, publication))
    out.vider()

    # --- candidatures (one per annonce and intervenant) ----------------------
    deja = {tuple(r) for r in db.session.execute(sa.select(Candidature.annonce_id, Candidature.intervenant_id))}
    maximum = len(ouvertes) * len(intervenant_ids) - len(deja)
    cible = min(candidatures, max(maximum, 0))
    faites = 0
    etats_c, poids_c = list(EtatCandidatureAnnonce), [60, 25, 15]
    while faites < cible:
        aid, publication = rng.choice(ouvertes)
        pid = rng.choice(intervenant_ids)
        if (aid, pid) in deja:
            continue
        deja.add((aid, pid))
        faites += 1
        out.ajouter(
            Candidature.__table__,
            {
                "id": ids.suivant(Candidature.__table__),
                "annonce_id": aid,
                "intervenant_id": pid,
                "date": publication + timedelta(days=rng.randint(0, 9), minutes=rng.randint(0, 600)),
                "commentaire": fake.sentence(nb_words=10) if rng.random() < 0.3 else None,
                "etat": rng.choices(etats_c, poids_c)[0].value,
            },
        )
    out.vider()
    if messages:
        _messages(out, ids, rng, messages, now, premier_intervenant=intervenant_ids[0] if intervenant_ids else None)
    if dossiers:
        _dossiers(out, ids, rng, dossiers, now, premier_intervenant=intervenant_ids[0] if intervenant_ids else None)
    if support:
        _support(out, ids, rng, support, now, premier_intervenant=intervenant_ids[0] if intervenant_ids else None)
    if interventions:
        ecrire_interventions(out, ids, random.Random(f"interventions-{seed}"), interventions, now,
                             premier_intervenant=intervenant_ids[0] if intervenant_ids else None)
    _avancer_sequences(
        [
            *TABLES_INTERVENTIONS,
            *TABLES_DOSSIERS,
            *TABLES_SUPPORT,
            Message.__table__,
            DestinataireMessage.__table__,
            users,
            user_roles,
            Gestionnaire.__table__,
            Intervenant.__table__,
            SpecialiteSouhaitee.__table__,
            ExperienceFormateur.__table__,
            ExperienceProfessionnelle.__table__,
            FormationInitiale.__table__,
            Indisponibilite.__table__,
            Annonce.__table__,
            Candidature.__table__,
        ]
    )
    return bilan


#: Share of the profiles with indisponibilités (one or two periods in the coming year).
PART_INDISPONIBLES = 0.3


def _indisponibilites(out: _Ecrivain, ids: _Ids, rng: random.Random, pid: int, today: date, cree: datetime) -> None:
    """Issue 23: one or two periods of 1 to 21 days within the coming year,
    one after the other, for ``PART_INDISPONIBLES`` of the profiles."""
    if rng.random() >= PART_INDISPONIBLES:
        return
    debut = today + timedelta(days=rng.randint(0, 300))
    for _ in range(rng.randint(1, 2)):
        fin = debut + timedelta(days=rng.randint(0, 20))
        out.ajouter(Indisponibilite.__table__, {
            "id": ids.suivant(Indisponibilite.__table__), "intervenant_id": pid, "du": debut, "au": fin,
            "motif": rng.choice([None, "Congés", "Autre mission"]), "created_at": cree, "updated_at": cree,
        })
        debut = fin + timedelta(days=rng.randint(1, 60))


OBJETS_MESSAGES = ["Disponibilités", "Convention de formation", "Support de la session", "Question sur l'annonce",
                   "Programme de la journée", "Évaluation de la session", "Frais de déplacement"]
TEXTES_MESSAGES = [
    "Bonjour,\nPouvez-vous me confirmer vos disponibilités pour la session ?\nCordialement,",
    "Bonjour,\nVous trouverez ci-dessous le programme prévu.\nBien cordialement,",
    "Merci pour votre retour, je reviens vers vous rapidement.",
]


def _messages(out: _Ecrivain, ids: _Ids, rng: random.Random, n: int, now: datetime,
              premier_intervenant: int | None) -> None:
    """``n`` messages between this volume's validated intervenants and the
    gestionnaires of their structure, half in each direction, over a year;
    70 % read, 10 % archived by the recipient."""
    if premier_intervenant is None:
        return
    nom = User.first_name + " " + User.last_name
    intervenants = db.session.execute(
        sa.select(Intervenant.user_id, Intervenant.structure_id, nom)
        .join(User, User.id == Intervenant.user_id)
        .where(Intervenant.id >= premier_intervenant, Intervenant.etat_inscription == EtatInscription.validee.value)
    ).all()
    gestionnaires: dict[int, list[tuple[int, str]]] = {}
    for uid, sid, g_nom in db.session.execute(
            sa.select(Gestionnaire.user_id, Gestionnaire.structure_id, nom).join(User, User.id == Gestionnaire.user_id)):
        gestionnaires.setdefault(sid, []).append((uid, g_nom))
    paires = [(i_uid, i_nom, gestionnaires[sid]) for i_uid, sid, i_nom in intervenants if sid in gestionnaires]
    if not paires:
        return
    for _ in range(n):
        i_uid, i_nom, gs = rng.choice(paires)
        g_uid, g_nom = rng.choice(gs)
        (de, a, a_nom) = (g_uid, i_uid, i_nom) if rng.random() < 0.5 else (i_uid, g_uid, g_nom)
        date_envoi = now - timedelta(minutes=rng.randint(0, 365 * 24 * 60))
        mid = ids.suivant(Message.__table__)
        out.ajouter(Message.__table__, {
            "id": mid, "expediteur_id": de, "objet": rng.choice(OBJETS_MESSAGES), "texte": rng.choice(TEXTES_MESSAGES),
            "brouillon": False, "date": date_envoi, "archive_expediteur": rng.random() < 0.05, "origine_id": None,
            "destinataires_libelle": a_nom,
        })
        out.ajouter(DestinataireMessage.__table__, {
            "id": ids.suivant(DestinataireMessage.__table__), "message_id": mid, "destinataire_id": a,
            "date": date_envoi, "recu": True, "lu": rng.random() < 0.7, "archive": rng.random() < 0.1,
        })
    out.vider()


#: Shares of the block states of a generated dossier (``EtatBloc`` values).
POIDS_BLOCS = {"vide": 35, "demande": 15, "transmis": 15, "valide": 25, "refuse": 5, "a_reviser": 5}
#: The piece(s) each block holds once sent.
PIECES_BLOC = {"identite": ("identite_recto", "identite_verso"), "securite_sociale": ("carte_vitale",),
               "bancaire": ("rib",), "diplome": ("diplome",)}
TABLES_DOSSIERS = [DossierAdministratif.__table__, BlocDossier.__table__, DemandeDossier.__table__,
                   PieceDossier.__table__, Fichier.__table__, TransitionHistorique.__table__]


def _dossiers(out: _Ecrivain, ids: _Ids, rng: random.Random, n: int, now: datetime,
              premier_intervenant: int | None) -> None:
    """``n`` dossiers administratifs of this volume's validated intervenants
    (issue 20): the eight blocks in every state, mostly requested by the
    intervenant's own structure, their pieces (file rows only: nothing is
    stored, the pages list them), the structures' requests and the blocks'
    history (demander, transmettre, valider / refuser) as the workflow writes
    it. NIR, IBAN and BIC stay empty: the volume holds no encrypted data."""
    if premier_intervenant is None:
        return
    valides = db.session.execute(
        sa.select(Intervenant.id, Intervenant.user_id, Intervenant.structure_id)
        .where(Intervenant.id >= premier_intervenant, Intervenant.etat_inscription == EtatInscription.validee.value)
        .where(~sa.exists().where(DossierAdministratif.intervenant_id == Intervenant.id))
        .order_by(Intervenant.id)
    ).all()
    structures = db.session.scalars(sa.select(Structure.id).order_by(Structure.id)).all()
    etats, poids = list(POIDS_BLOCS), list(POIDS_BLOCS.values())
    historique = TransitionHistorique.__table__
    fichier_suivant = ids.suivant(Fichier.__table__)  # storage keys unique across runs

    def transition(bloc_id: int, evenement: str, avant: str, apres: str, quand: datetime, motif=None) -> None:
        out.ajouter(historique, {
            "id": ids.suivant(historique), "workflow": "bloc_dossier", "objet_type": "bloc_dossier",
            "objet_id": bloc_id, "evenement": evenement, "etat_avant": avant, "etat_apres": apres,
            "acteur_id": None, "date": quand, "commentaire": motif, "visible_intervenant": True,
        })

    for pid, uid, structure_propre in sorted(rng.sample(valides, min(n, len(valides)))):
        did = ids.suivant(DossierAdministratif.__table__)
        cree = now - timedelta(days=rng.randint(30, 700))
        out.ajouter(DossierAdministratif.__table__, {
            "id": did, "intervenant_id": pid, "zone_sepa": False, "rappel_expiration": False, "created_at": cree,
            "diplome_intitule": f"Master {rng.choice(THEMES)}",
        })
        demandes: dict[int, tuple[datetime, list[str]]] = {}
        reponses: dict[int, datetime] = {}  # the trainer's answer opens the dossier (app.workflows.dossier.condition_acces)
        for bloc in Bloc:
            bid = ids.suivant(BlocDossier.__table__)
            etat = rng.choices(etats, poids)[0]
            ligne = {"id": bid, "dossier_id": did, "bloc": bloc.value, "etat": etat, "structure_id": None,
                     "date_demande": None, "date_transmission": None, "date_decision": None, "motif_refus": None,
                     "modifie": False, "rappel_revision": False}
            if etat != "vide":
                structure = structure_propre if rng.random() < 0.8 else rng.choice(structures)
                demande = cree + timedelta(days=rng.randint(0, 20), minutes=rng.randint(0, 600))
                ligne.update(structure_id=structure, date_demande=demande)
                premiere, blocs = demandes.get(structure, (demande, []))
                demandes[structure] = (min(premiere, demande), [*blocs, bloc.value])
                transition(bid, "demander", "vide", "demande", demande)
                if etat != "demande":
                    envoi = demande + timedelta(days=rng.randint(0, 15), minutes=rng.randint(0, 600))
                    ligne["date_transmission"] = envoi
                    reponses[structure] = max(reponses.get(structure, envoi), envoi)
                    transition(bid, "transmettre", "demande", "transmis", envoi)
                    for piece in PIECES_BLOC.get(bloc.value, ()):
                        fid = ids.suivant(Fichier.__table__)
                        out.ajouter(Fichier.__table__, {
                            "id": fid, "uuid": uuid.UUID(int=rng.getrandbits(128), version=4),
                            "storage_key": f"volume/{fichier_suivant}-{fid}", "original_name": f"{piece}.pdf",
                            "content_type": "application/pdf", "size": rng.randint(40_000, 900_000),
                            "sensitive": True, "sha256": f"{fid:064x}", "owner_user_id": uid,
                            "uploaded_by_id": uid, "created_at": envoi,
                        })
                        out.ajouter(PieceDossier.__table__, {"id": ids.suivant(PieceDossier.__table__),
                                                             "dossier_id": did, "piece": piece, "fichier_id": fid})
                    if etat in ("valide", "refuse", "a_reviser"):
                        decision = envoi + timedelta(days=rng.randint(0, 10), minutes=rng.randint(0, 600))
                        ligne["date_decision"] = decision
                        if etat == "refuse":
                            ligne["motif_refus"] = "Document illisible"
                            transition(bid, "refuser", "transmis", "refuse", decision, "Document illisible")
                        else:
                            transition(bid, "valider", "transmis", "valide", decision)
                        if etat == "a_reviser":
                            transition(bid, "reviser", "valide", "a_reviser", decision + timedelta(days=365))
            out.ajouter(BlocDossier.__table__, ligne)
        for structure, (quand, blocs) in demandes.items():
            out.ajouter(DemandeDossier.__table__, {"id": ids.suivant(DemandeDossier.__table__), "dossier_id": did,
                                                   "structure_id": structure, "auteur_id": None, "date": quand,
                                                   "blocs": ",".join(blocs), "date_reponse": reponses.get(structure)})
    out.vider()


#: Shares of the support requests' states (``EtatDemandeSupport`` values).
POIDS_SUPPORT = {"a_confirmer": 2, "nouvelle": 12, "complement_demande": 8, "cloturee": 78}
SUJETS_SUPPORT = ["Mot de passe oublié", "Modification de mon adresse e-mail", "Question sur une annonce",
                  "Mon profil n'est pas validé", "Problème de connexion", "Pièce jointe refusée"]
TEXTES_SUPPORT = ["Bonjour,\nJe n'arrive plus à me connecter à mon espace.\nCordialement,",
                  "Bonjour,\nPouvez-vous m'indiquer où en est mon inscription ?\nMerci,",
                  "Bonjour,\nMon adresse a changé, comment la mettre à jour ?"]
TABLES_SUPPORT = [DemandeSupport.__table__, MessageSupport.__table__]


def _support(out: _Ecrivain, ids: _Ids, rng: random.Random, n: int, now: datetime,
             premier_intervenant: int | None) -> None:
    """``n`` support requests over two years (issue 22), numbered as the
    desk numbers them (AAMMJJ then the day's sequence), routed by type (the
    national types to « Administrateur national »), half of them from this
    volume's intervenants, in every state; answered ones carry the
    handler's message."""
    types = db.session.execute(sa.select(TypeDemandeSupport.id, TypeDemandeSupport.destinataire)
                               .order_by(TypeDemandeSupport.id)).all()
    structures = db.session.scalars(sa.select(Structure.id).order_by(Structure.id)).all()
    if not types or not structures:
        raise click.ClickException("Référentiels absents : lancez d'abord « flask referentiels charger ».")
    demandeurs = []
    if premier_intervenant is not None:
        demandeurs = db.session.execute(
            sa.select(Intervenant.user_id, Intervenant.nom_usage, Intervenant.prenom, User.email)
            .join(User, User.id == Intervenant.user_id).where(Intervenant.id >= premier_intervenant)
            .order_by(Intervenant.id).limit(20_000)
        ).all()
    numeros = set(db.session.scalars(sa.select(DemandeSupport.numero)))
    par_jour: dict[str, int] = {}
    etats, poids = list(POIDS_SUPPORT), list(POIDS_SUPPORT.values())
    for i in range(n):
        transmise = now - timedelta(minutes=rng.randint(0, 730 * 24 * 60))
        prefixe = transmise.strftime("%y%m%d")
        while True:
            par_jour[prefixe] = par_jour.get(prefixe, 0) + 1
            numero = f"{prefixe}{par_jour[prefixe]:04d}"
            if numero not in numeros:
                break
        numeros.add(numero)
        type_id, destinataire = rng.choice(types)
        etat = rng.choices(etats, poids)[0]
        if demandeurs and rng.random() < 0.5:
            uid, nom, prenom, email = rng.choice(demandeurs)
        else:
            uid, nom, prenom, email = None, "Demandeur", f"Anonyme {i}", f"support.{i}@{DOMAINE}"
        did = ids.suivant(DemandeSupport.__table__)
        out.ajouter(DemandeSupport.__table__, {
            "id": did, "numero": numero, "type_id": type_id,
            "structure_id": None if destinataire == "NATIONAL" else rng.choice(structures),
            "user_id": uid, "nom": nom, "prenom": prenom, "email": email, "sujet": rng.choice(SUJETS_SUPPORT),
            "descriptif": rng.choice(TEXTES_SUPPORT), "etat": etat, "cree_le": transmise - timedelta(minutes=5),
            "transmise_le": None if etat == "a_confirmer" else transmise,
            "date_complement_demande": transmise + timedelta(days=2) if etat == "complement_demande" else None,
            "jeton_hash": None, "jeton_expire_le": None,
        })
        if etat in ("complement_demande", "cloturee"):
            out.ajouter(MessageSupport.__table__, {
                "id": ids.suivant(MessageSupport.__table__), "demande_id": did, "auteur_id": None, "du_cnfpt": True,
                "texte": "Bonjour,\nVotre demande a été traitée.\nCordialement,",
                "date": transmise + timedelta(days=rng.randint(1, 5)), "fichier_id": None,
            })
    out.vider()


volume_cli = AppGroup("volume", help="Données de volume pour les mesures (jamais en production).")


@volume_cli.command("generer")
@click.option("--intervenants", default=100_000, show_default=True)
@click.option("--annonces", default=20_000, show_default=True)
@click.option("--candidatures", default=300_000, show_default=True)
@click.option("--gestionnaires-par-structure", default=2, show_default=True)
@click.option("--messages", default=0, show_default=True, help="messages de la messagerie (1 000 000 pour le banc)")
@click.option("--dossiers", default=0, show_default=True, help="dossiers administratifs (le tiers des intervenants pour le banc)")
@click.option("--support", default=0, show_default=True, help="demandes de support (200 000 pour le banc)")
@click.option("--interventions", default=0, show_default=True, help="interventions (200 000 pour le banc)")
@click.option("--seed", default=42, show_default=True)
def generer_cmd(
    intervenants: int, annonces: int, candidatures: int, gestionnaires_par_structure: int, messages: int,
    dossiers: int, support: int, interventions: int, seed: int,
) -> None:
    """Générer les données de volume (sans historique de workflow, hors dossiers administratifs)."""
    bilan = generer(
        intervenants, annonces, candidatures, seed=seed, gestionnaires_par_structure=gestionnaires_par_structure,
        messages=messages, dossiers=dossiers, support=support, interventions=interventions,
    )
    db.session.commit()
    for table, n in sorted(bilan.lignes.items()):
        click.echo(f"{table:<32} {n:>9}")
    click.echo(f"Mot de passe de tous les comptes générés : {VOLUME_PASSWORD}")


@volume_cli.command("messages")
@click.option("--messages", default=1_000_000, show_default=True)
@click.option("--seed", default=42, show_default=True)
def messages_cmd(messages: int, seed: int) -> None:
    """Ajouter des messages de messagerie à un volume déjà généré (sans autre donnée)."""
    bilan = Bilan()
    _messages(_Ecrivain(bilan), _Ids(), random.Random(seed), messages, datetime.combine(date.today(), time(9, 0)),
              premier_intervenant=1)
    _avancer_sequences([Message.__table__, DestinataireMessage.__table__])
    db.session.commit()
    for table, n in sorted(bilan.lignes.items()):
        click.echo(f"{table:<32} {n:>9}")


@volume_cli.command("dossiers")
@click.option("--dossiers", default=33_333, show_default=True)
@click.option("--seed", default=42, show_default=True)
def dossiers_cmd(dossiers: int, seed: int) -> None:
    """Ajouter des dossiers administratifs à un volume déjà généré (intervenants validés sans dossier)."""
    _ajouter(lambda out, ids, rng, now: _dossiers(out, ids, rng, dossiers, now, premier_intervenant=1),
             TABLES_DOSSIERS, seed)


@volume_cli.command("support")
@click.option("--demandes", default=200_000, show_default=True)
@click.option("--seed", default=42, show_default=True)
def support_cmd(demandes: int, seed: int) -> None:
    """Ajouter des demandes de support à un volume déjà généré."""
    _ajouter(lambda out, ids, rng, now: _support(out, ids, rng, demandes, now, premier_intervenant=1),
             TABLES_SUPPORT, seed)


@volume_cli.command("interventions")
@click.option("--interventions", default=200_000, show_default=True)
@click.option("--seed", default=42, show_default=True)
def interventions_cmd(interventions: int, seed: int) -> None:
    """Ajouter des interventions et lettres de demande à un volume déjà généré (intervenants validés sans intervention)."""
    _ajouter(lambda out, ids, rng, now: ecrire_interventions(out, ids, rng, interventions, now, premier_intervenant=1),
             TABLES_INTERVENTIONS, seed)


@volume_cli.command("indisponibilites")
@click.option("--seed", default=42, show_default=True)
def indisponibilites_cmd(seed: int) -> None:
    """Ajouter des indisponibilités à un volume généré avant elles (intervenants sans indisponibilité)."""

    def ecrire(out, ids, rng, now):
        sans = db.session.scalars(sa.select(Intervenant.id).where(
            ~sa.exists().where(Indisponibilite.intervenant_id == Intervenant.id)).order_by(Intervenant.id)).all()
        for pid in sans:
            _indisponibilites(out, ids, rng, pid, now.date(), now)
        out.vider()

    _ajouter(ecrire, [Indisponibilite.__table__], seed)


def _ajouter(ecrire, tables: list[sa.Table], seed: int) -> None:
    bilan = Bilan()
    ecrire(_Ecrivain(bilan), _Ids(), random.Random(seed), datetime.combine(date.today(), time(9, 0)))
    _avancer_sequences(tables)
    db.session.commit()
    for table, n in sorted(bilan.lignes.items()):
        click.echo(f"{table:<32} {n:>9}")
