"""Purge when retention ends (issue 24, point 5): every column of the models
classified, every file kind deleted, a full profile purged by time travel."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from dateutil.relativedelta import relativedelta
from flask_appbuilder.security.sqla.models import User
from sqlalchemy import select

from app.extensions import db
from app.infra.storage import get_storage
from app.jobs.depart import purger_donnees_echues
from app.models.authentification import EtatCompteUtilisateur
from app.models.comptes import Intervenant
from app.models.depart import JournalPurge
from app.operations.donnees_personnelles import HORS_PERSONNE, LIENS, Personne, table
from app.operations.purge import TRAITEMENTS, Anonymiser, Supprimer, colonnes_traitees
from tests.conftest import PASSWORD, page_text
from tests.outils.comptes import post_login
from tests.outils.depart import MAINTENANT, client_de, confirmer, etat_compte, voyager
from tests.outils.donnees_completes import SANS_LIGNE, personne_complete


def test_every_table_holds_a_persons_rows_or_says_why_not(app):
    tables = set(db.metadata.tables)
    assert not (set(LIENS) & set(HORS_PERSONNE)), "table déclarée deux fois"
    oubliees = tables - set(LIENS) - set(HORS_PERSONNE)
    assert not oubliees, f"Tables ni reliées à la personne (LIENS) ni déclarées hors personne : {sorted(oubliees)}"
    assert not (set(LIENS) | set(HORS_PERSONNE)) - tables, "tables déclarées qui n'existent plus"


def test_every_column_of_a_persons_table_is_purged_or_declared_kept(app):
    traitees = colonnes_traitees()
    assert set(traitees) == set(LIENS), "chaque table de LIENS a son traitement dans app.operations.purge.TRAITEMENTS"
    manquantes, inconnues = [], []
    for nom, colonnes in traitees.items():
        reelles = {c.name for c in table(nom).c}
        manquantes += [f"{nom}.{c}" for c in sorted(reelles - colonnes)]
        inconnues += [f"{nom}.{c}" for c in sorted(colonnes - reelles)]
    assert not manquantes, f"Colonnes ni purgées ni déclarées conservées : {manquantes}"
    assert not inconnues, f"Colonnes déclarées qui n'existent plus : {inconnues}"


def test_every_file_kind_leaves_with_the_purge(app):
    """A column pointing at a stored file, in a person's table, is deleted
    with its row or emptied: no file of the person stays referenced."""
    videes = {(t.table, c) for t in TRAITEMENTS if isinstance(t, Anonymiser)
              for c, v in t.remplacees.items() if v is None}
    supprimees = {t.table for t in TRAITEMENTS if isinstance(t, Supprimer)}
    for nom in LIENS:
        for colonne in table(nom).c:
            if any(fk.column.table.name == "fichier" for fk in colonne.foreign_keys):
                assert nom in supprimees or (nom, colonne.name) in videes, f"{nom}.{colonne.name} garde un fichier"
    assert "fichier" in supprimees


def _lignes(personne: Personne) -> dict[str, list]:
    """The primary keys of the person's rows, table by table."""
    resultat = {}
    for nom, lien in LIENS.items():
        t = table(nom)
        resultat[nom] = [tuple(r) for r in db.session.execute(select(*t.primary_key.columns).where(lien(personne)))]
    return resultat


def test_purge_by_time_travel(app, factory, monkeypatch):
    user, profil, gestionnaire = personne_complete(factory)
    autre, autre_profil = factory.intervenant("DR-84", complet=True)
    personne, mot_de_passe = Personne.de(user.id), user.password
    confirmer(client_de(app, user))  # never intervened in the last 5 years: 12 months
    avant = _lignes(personne)
    vides = sorted(n for n, lignes in avant.items() if not lignes and n not in SANS_LIGNE)
    assert not vides, f"tests/outils/donnees_completes.py ne remplit pas : {vides}"
    stockage = get_storage()
    cles = list(db.session.scalars(select(table("fichier").c.storage_key).where(LIENS["fichier"](personne))))
    assert len(cles) == 5  # CV, diploma, RIB, lettre, support attachment (no owner)
    cles += list(db.session.scalars(select(table("export_donnees").c.storage_key).where(LIENS["export_donnees"](personne))))
    assert all(stockage.path_of(c).exists() for c in cles)
    ligne_date = (MAINTENANT() + relativedelta(months=12)).date()
    jours = (ligne_date - MAINTENANT().date()).days

    voyager(monkeypatch, jours - 1)
    journal = db.session.get(JournalPurge, purger_donnees_echues())
    assert journal.comptes == 0 and etat_compte(user) == EtatCompteUtilisateur.archive

    voyager(monkeypatch, jours)
    journal = db.session.get(JournalPurge, purger_donnees_echues())
    assert (journal.comptes, journal.fichiers) == (1, 6)  # the five files and the export
    assert "dossier_administratif: 1" in journal.detail and "ab_user: 1" in journal.detail
    assert etat_compte(user) == EtatCompteUtilisateur.purge
    assert not any(stockage.path_of(c).exists() for c in cles)
    # every treatment done on the rows the person had
    for traitement in TRAITEMENTS:
        t = table(traitement.table)
        for cle in avant[traitement.table]:
            condition = sa.and_(*(c == v for c, v in zip(t.primary_key.columns, cle, strict=True)))
            ligne = db.session.execute(select(t).where(condition)).mappings().first()
            if isinstance(traitement, Supprimer):
                assert ligne is None, f"{traitement.table} {cle} non supprimée"
                continue
            for colonne, valeur in traitement.remplacees.items():
                if colonne == "password":
                    assert ligne[colonne] != mot_de_passe
                else:
                    attendu = valeur(personne) if callable(valeur) else valeur
                    assert ligne[colonne] == attendu, f"{traitement.table}.{colonne}"
    # kept: the anonymised profile for the accounting, the lettre's amount
    db.session.expire_all()
    purge = db.session.get(Intervenant, profil.id)
    assert (purge.nom_usage, purge.prenom, purge.structure_id) == ("", "", autre_profil.structure_id)
    assert db.session.scalar(select(table("lettre_demande").c.taux)) is not None
    assert db.session.get(User, user.id).email == f"compte-supprime-{user.id}@anonyme.invalid"
    # nobody else's data touched; a purged account does not sign in
    assert db.session.get(Intervenant, autre_profil.id).prenom == autre.first_name
    assert db.session.get(User, gestionnaire.id).email.endswith("@example.test")
    assert "Identifiant ou mot de passe incorrect." in page_text(
        post_login(app.test_client(), personne.email, PASSWORD, follow=True))
    # the run in the national console (Audit)
    console = page_text(client_de(app, factory.admin_national()).get("/backoffice/bo_journal_purge/"))
    assert "Purges des données personnelles" in console and "dossier_administratif: 1" in console
    # a second run finds nothing more
    voyager(monkeypatch, jours + 1)
    assert db.session.get(JournalPurge, purger_donnees_echues()).comptes == 0


def test_an_account_reactivated_before_the_date_is_not_purged(app, factory, monkeypatch):
    from app.operations import depart
    from app.workflows.core import Acteur

    user, profil = factory.intervenant("DR-84")
    admin = factory.admin_national()
    confirmer(client_de(app, user))
    depart.reactiver(user.id, Acteur.from_user(admin))
    db.session.commit()
    voyager(monkeypatch, 400)
    assert db.session.get(JournalPurge, purger_donnees_echues()).comptes == 0
    assert db.session.get(Intervenant, profil.id).prenom == user.first_name


def test_an_inscription_archived_by_its_job_is_purged_12_months_later(app, factory, monkeypatch):
    from app.jobs.inscription import archiver_complements
    from app.models.depart import ConservationCompte
    from app.workflows.core import Acteur
    from app.workflows.inscription import inscription

    user, profil = factory.intervenant("DR-84", complet=True)
    gestionnaire = factory.gestionnaire("DR-84")
    inscription.apply(profil, "transmettre", Acteur.from_user(user))
    inscription.apply(profil, "demander_complement", Acteur.from_user(gestionnaire), "Précisez")
    db.session.commit()
    voyager(monkeypatch, 61)
    assert archiver_complements() == 1
    ligne = db.session.get(ConservationCompte, user.id)
    assert ligne.motif == "inscription"
    assert ligne.suppression_le == (MAINTENANT() + timedelta(days=61)).date() + relativedelta(months=12)
    voyager(monkeypatch, 61 + 366)
    assert db.session.get(JournalPurge, purger_donnees_echues()).comptes == 1
    assert etat_compte(user) == EtatCompteUtilisateur.purge
