"""Purge of a person's data when retention ends (issue 24, point 5).

``TRAITEMENTS`` says, table by table and column by column, what happens to
an intervenant's rows (``app.operations.donnees_personnelles.LIENS``): rows deleted,
columns replaced (anonymised), or columns kept with the reason. The purge
runs the table in order (children before parents, conditions that read a
column before it is replaced). tests/depart/test_purge.py fails when a column of
the models is in none of these, and checks on a full profile that every
purged column is emptied and every file deleted.

Kept, anonymised: the account row (no name, no e-mail, no password) with
its « purgé » state, the profile row with its structure and states (the
interventions and lettres of the back office point at it, for accounting),
the candidatures' dates and states, the workflow history without comments,
the reads log of the profile (who read it, when: the readers' trace).
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy import select

from app.extensions import db
from app.infra.storage import get_storage
from app.operations.donnees_personnelles import LIENS, Personne, table
from app.security.auth import hacher_mot_de_passe

log = logging.getLogger(__name__)

#: The birth date of a purged profile (the column is required).
DATE_ANONYME = date(1900, 1, 1)


@dataclass(frozen=True)
class Supprimer:
    """The person's rows are deleted."""

    table: str


@dataclass(frozen=True)
class Anonymiser:
    """The person's rows stay; ``remplacees`` get a value (a constant, or a
    function of the person), ``gardees`` stay as they are, for a reason."""

    table: str
    remplacees: dict[str, Any] = field(default_factory=dict)
    gardees: dict[str, str] = field(default_factory=dict)


def _mot_de_passe(p: Personne) -> str:
    return hacher_mot_de_passe(secrets.token_urlsafe(32))


def adresse_anonyme(p: Personne) -> str:
    return f"compte-supprime-{p.user_id}@anonyme.invalid"


CLES = "identifiant technique ou lien entre tables"
_NULS_PROFIL = (
    "identite_normalisee", "lieu_naissance", "nationalite_id", "adresse_complement",
    "adresse_batiment", "adresse_voie", "pays_residence_id", "code_postal", "localite", "telephone_personnel",
    "portable_personnel", "telephone_professionnel", "portable_professionnel", "statut_professionnel_id",
    "temps_travail", "fonction_publique_id", "situation_position", "fonction", "grade", "service",
    "position_administrative_id", "type_employeur", "employeur_raison_sociale", "employeur_siret",
    "employeur_pays_id", "employeur_voie", "employeur_complement", "employeur_batiment", "employeur_code_postal",
    "employeur_localite", "employeur_telephone", "pro_pays_id", "pro_code_postal", "pro_localite",
    "pro_complement", "pro_batiment", "pro_voie", "pro_email", "pro_telephone", "pro_portable",
    "disponible_etranger", "permis_conduire", "vehicule_personnel", "deja_forme", "motivation",
    "autre_prestation", "reseaux_sociaux", "cv_fichier_id", "texte_parcours",
)

#: In the order the purge runs.
TRAITEMENTS: tuple[Supprimer | Anonymiser, ...] = (
    Supprimer("export_donnees"),  # its files first (purger_fichiers)
    Anonymiser("transition_historique", remplacees={"commentaire": None}, gardees={
        "id": CLES, "workflow": "historique sans nom (décisions)", "objet_type": CLES, "objet_id": CLES,
        "evenement": "historique sans nom (décisions)", "etat_avant": "historique sans nom (décisions)",
        "etat_apres": "historique sans nom (décisions)", "date": "historique sans nom (décisions)",
        "visible_intervenant": "historique sans nom (décisions)",
        "acteur_id": "l'auteur d'une décision (un gestionnaire) ; la personne purgée n'a plus de nom",
    }),
    Anonymiser("message_support", remplacees={"texte": "", "fichier_id": None}, gardees={
        "id": CLES, "demande_id": CLES, "auteur_id": CLES, "du_cnfpt": "sens de l'échange", "date": "date",
    }),
    Anonymiser("demande_support", remplacees={
        "nom": "", "prenom": "", "email": adresse_anonyme, "sujet": "", "descriptif": "", "jeton_hash": None,
        "jeton_expire_le": None, "user_id": None,
    }, gardees={
        "id": CLES, "numero": "numéro de la demande (suivi du support)", "type_id": "type de demande",
        "structure_id": "destinataire", "etat": "état", "cree_le": "date", "transmise_le": "date",
        "date_complement_demande": "date",
    }),
    Anonymiser("message", remplacees={"objet": "", "texte": "", "destinataires_libelle": ""}, gardees={
        "id": CLES, "expediteur_id": CLES, "brouillon": "état", "date": "date", "archive_expediteur": "état",
        "origine_id": CLES,
    }),
    Supprimer("destinataire_message"),
    Anonymiser("candidature", remplacees={"commentaire": None}, gardees={
        "id": CLES, "annonce_id": CLES, "intervenant_id": CLES, "date": "date (statistiques des annonces)",
        "etat": "état (statistiques des annonces)",
    }),
    Supprimer("alerte_envoyee"),
    Supprimer("invitation_annonce"),
    Supprimer("envoi_annonces_pour_vous"),
    Supprimer("piece_dossier"),
    Supprimer("bloc_dossier"),
    Supprimer("demande_dossier"),
    Supprimer("dossier_administratif"),
    *(Supprimer(nom) for nom in (
        "intervenant_region", "intervenant_departement", "intervenant_specialite", "intervenant_sous_specialite",
        "intervenant_nature", "intervenant_public", "intervenant_prestation", "intervenant_methode",
        "specialite_souhaitee", "experience_formateur", "action_professionnalisation", "experience_professionnelle",
        "formation_suivie", "formation_initiale", "langue_intervenant", "indisponibilite",
    )),
    Anonymiser("intervenant", remplacees={
        "civilite": "", "nom_naissance": "", "nom_usage": "", "prenom": "", "date_naissance": DATE_ANONYME,
        "adresse_pro_differente": False, "alerte_specialites": False, "alerte_regions": False,
        "alerte_specialites_et_regions": False, "alerte_annonces_pour_vous": False, "date_complement_demande": None, "date_relance_complement": None,
        **dict.fromkeys(_NULS_PROFIL),
    }, gardees={
        "id": "les interventions et lettres (comptabilité) pointent sur le profil", "user_id": CLES,
        "immatriculation": "numéro d'immatriculation, jamais réattribué (comptabilité)",
        "structure_id": "structure de rattachement (statistiques)", "etat_inscription": "état",
        "date_transmission": "date", "date_premiere_analyse": "date", "created_at": "date", "updated_at": "date",
    }),
    Anonymiser("consultation", gardees={
        "id": CLES, "date": "trace des lectures du profil", "user_id": "le lecteur (un gestionnaire)",
        "ip": "adresse du lecteur", "objet": "trace des lectures du profil", "intervenant_id": CLES,
        "detail": "critères de l'export d'un lecteur",
    }),
    Anonymiser("intervention", gardees={
        "id": CLES, "intervenant_id": CLES, "structure_id": "comptabilité des interventions",
        **dict.fromkeys(("intitule", "date_debut", "date_fin", "duree_jours", "lieu", "etat", "reference_externe",
                         "created_at", "updated_at"), "comptabilité des interventions (sans nom)"),
    }),
    Anonymiser("lettre_demande", remplacees={
        "fichier_id": None, "fichier_accepte_id": None, "reponse_par_id": None, "reponse_ip": None,
        "motif_refus": None,
    }, gardees={
        "id": CLES, "intervention_id": CLES, "auteur_id": "l'auteur (un gestionnaire)",
        **dict.fromkeys(("numero", "type", "date_lettre", "mode_remuneration", "taux", "quantite", "etat", "cree_le"),
                        "montants et dates des lettres (comptabilité)"),
        **dict.fromkeys(("envoyee_le", "sha256_envoye", "reponse_le", "sha256_reponse"),
                        "dates et empreintes de l'envoi et de l'acceptation (comptabilité)"),
    }),
    Anonymiser("immatriculation", gardees={
        "id": CLES, "intervenant_id": CLES, "numero": "numéro d'immatriculation, jamais réattribué (comptabilité)",
        "attribuee_le": "date",
    }),
    Supprimer("acces_fichier"),
    Supprimer("fichier"),  # its contents first (purger_fichiers)
    Supprimer("tentative_connexion"),
    Supprimer("outbox_message"),
    Supprimer("session_utilisateur"),
    Supprimer("jeton_compte"),
    Supprimer("second_facteur"),
    Supprimer("code_secours"),
    Supprimer("ab_user_group"),
    Supprimer("ab_api_key"),
    Anonymiser("ab_user_role", gardees={"id": CLES, "user_id": CLES, "role_id": "rôle (Intervenant)"}),
    Anonymiser("ab_user", remplacees={
        "first_name": "Compte", "last_name": "supprimé", "username": adresse_anonyme, "email": adresse_anonyme,
        "password": _mot_de_passe, "last_login": None,
    }, gardees={
        "id": CLES, "active": "suit l'état du compte (purgé : inactif)", "login_count": "compteur",
        "fail_login_count": "compteur", "created_on": "date", "changed_on": "date", "created_by_fk": CLES,
        "changed_by_fk": CLES,
    }),
    Anonymiser("etat_compte", gardees={
        "user_id": CLES, "etat": "état « purgé »", "echecs_consecutifs": "compteur", "verrouille_jusqua": "date",
        "provisoire_jusqua": "date", "cree_le": "date",
    }),
    Anonymiser("conservation_compte", gardees={
        "user_id": CLES, "archive_le": "date de l'archivage", "motif": "motif de l'archivage",
        "suppression_le": "date prévue de la purge", "avertissement_inactivite_le": "date", "reactive_le": "date",
        "purge_le": "date de la purge",
    }),
)


def _valeur(valeur, personne: Personne):
    return valeur(personne) if callable(valeur) else valeur


def cles_fichiers(personne: Personne) -> list[str]:
    """Where the person's files are (CV, diplomas, pieces, « Récupérer mes
    données » files): read before the rows go, deleted after the commit
    (``supprimer_contenus``), so a rolled-back purge loses no file."""
    cles = list(db.session.scalars(select(table("fichier").c.storage_key).where(LIENS["fichier"](personne))))
    exports = select(table("export_donnees").c.storage_key).where(LIENS["export_donnees"](personne))
    return cles + [c for c in db.session.scalars(exports) if c]


def supprimer_contenus(cles: list[str]) -> int:
    stockage, supprimes = get_storage(), 0
    for cle in cles:
        try:
            stockage.delete(cle)
            supprimes += 1
        except OSError:
            log.exception("Fichier %s non supprimé par la purge", cle)
    return supprimes


def purger_personne(personne: Personne) -> dict[str, int]:
    """Run ``TRAITEMENTS`` for one person (caller's transaction): rows per
    table. Each condition is evaluated when its statement runs: the order of
    ``TRAITEMENTS`` keeps what a condition reads (a support request's e-mail,
    a dossier's blocks) until it has been used."""
    compteurs: dict[str, int] = {}
    for traitement in TRAITEMENTS:
        t = table(traitement.table)
        if isinstance(traitement, Supprimer):
            resultat = db.session.execute(sa.delete(t).where(LIENS[traitement.table](personne)))
        elif traitement.remplacees:
            valeurs = {c: _valeur(v, personne) for c, v in traitement.remplacees.items()}
            resultat = db.session.execute(sa.update(t).where(LIENS[traitement.table](personne)).values(valeurs))
        else:
            continue
        if resultat.rowcount:
            compteurs[traitement.table] = resultat.rowcount
    db.session.expire_all()  # the ORM's copies of these rows are stale
    return compteurs


def colonnes_traitees() -> dict[str, set[str]]:
    """Every column the purge deletes, replaces or keeps, per table."""
    resultat: dict[str, set[str]] = {}
    for traitement in TRAITEMENTS:
        colonnes = resultat.setdefault(traitement.table, set())
        if isinstance(traitement, Supprimer):
            colonnes.update(c.name for c in table(traitement.table).c)
        else:
            colonnes.update(traitement.remplacees, traitement.gardees)
    return resultat

