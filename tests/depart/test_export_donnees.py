"""« Récupérer mes données » (issue 24, points 6 and 7): every personal
column in the file, the file built by a job, its link single-use and
time-limited; the national administration's export for an archived account."""

from __future__ import annotations

import re
from io import BytesIO

from openpyxl import load_workbook
from sqlalchemy import select

from app.extensions import db
from app.infra.storage import get_storage
from app.jobs.depart import expirer_exports
from app.models.consultations import Consultation
from app.models.depart import EtatExport, ExportDonnees
from app.operations import export_donnees
from app.operations.donnees_personnelles import LIENS, table
from app.operations.export_donnees import NON_EXPORTEES, _cle_primaire_ou_lien, colonnes_exportees, feuilles
from app.operations.purge import TRAITEMENTS, Anonymiser
from app.views.depart import MESSAGE_LIEN_USAGE
from tests.conftest import corps_envoye, csrf_token_from, page_text
from tests.outils.depart import client_de, confirmer, dernier_mail, voyager
from tests.outils.donnees_completes import IBAN, NIR, personne_complete
from tests.outils.export_donnees import URL, _demande, recuperer
from tests.outils.mails import redis_mode, rq_queues, run_jobs  # noqa: F401  (rq_queues: autouse, empties Redis)


def colonnes_personnelles() -> set[str]:
    """From the purge's declarations: what it replaces, and every column of
    the tables whose rows it deletes."""
    colonnes = set()
    for traitement in TRAITEMENTS:
        if isinstance(traitement, Anonymiser):
            noms = set(traitement.remplacees)
        else:
            noms = {c.name for c in table(traitement.table).c}
        colonnes |= {f"{traitement.table}.{n}" for n in noms if not _cle_primaire_ou_lien(table(traitement.table).c[n])}
    return colonnes


def test_every_personal_column_is_in_the_file(app):
    exportees = colonnes_exportees()
    ecartees = {c for c in NON_EXPORTEES if not c.endswith(".*")}
    tables_ecartees = {c.split(".")[0] for c in NON_EXPORTEES if c.endswith(".*")}
    manquantes = sorted(c for c in colonnes_personnelles() - exportees - ecartees
                        if c.split(".")[0] not in tables_ecartees)
    assert not manquantes, f"Colonnes personnelles absentes de « Récupérer mes données » : {manquantes}"
    for nom in exportees | ecartees:  # every declared column exists
        t, c = nom.split(".")
        assert c in table(t).c, nom
    assert all(f.lien is not None or f.table in LIENS for f in feuilles())


def _classeur(reponse):
    assert reponse.status_code == 200, reponse.status_code
    assert reponse.headers["Content-Disposition"].startswith("attachment")
    return load_workbook(BytesIO(reponse.data))


def _texte(classeur) -> str:
    return "\n".join(str(v) for f in classeur.worksheets for r in f.iter_rows(values_only=True) for v in r if v)


def test_the_file_has_one_sheet_per_block_and_is_downloaded_once(app, factory):
    user, profil, gestionnaire = personne_complete(factory)
    client = client_de(app, user)
    assert recuperer(client).status_code == 302  # inline: built at once; Redis: by the worker
    if redis_mode(app):
        assert "Votre fichier est en cours de préparation" in page_text(client.get(URL))
        run_jobs(app)
    page = page_text(client.get(URL))
    lien = re.search(r'href="(/mon-compte/recuperer-mes-donnees/\d+)"', page).group(1)
    classeur = _classeur(client.get(lien))
    titres = classeur.sheetnames
    for titre in ("Compte", "Identité", "Statut", "Employeur", "Régions", "Spécialités", "Parcours",
                  "Formations initiales", "Langues", "Préférences d'alerte", "Dossier administratif",
                  "Candidatures", "Interventions", "Lettres de demande", "Messages envoyés", "Messages reçus",
                  "Demandes de support", "Historique des décisions", "Journal des connexions"):
        assert titre in titres
    identite = list(classeur["Identité"].iter_rows(values_only=True))
    assert identite[0][:3] == ("Civilité", "Nom de famille (naissance)", "Nom d'usage")
    assert identite[1][3] == "Camille"
    texte = _texte(classeur)
    # NIR and IBAN in clear for their owner, file names listed, labels instead of codes
    for attendu in (NIR, IBAN, "mon-cv.pdf", "mon-diplome.pdf", "mon-rib.pdf", "Je suis disponible le 12.",
                    "Merci de compléter votre RIB.", "Je suis disponible en mai", "Validée", "192.0.2.7",
                    "Essayez « Mot de passe oublié ».", "Budget M57", f"{gestionnaire.first_name} {gestionnaire.last_name}"):
        assert attendu in texte, attendu
    # single use: the second click is refused, the stored file is gone
    export = db.session.scalar(select(ExportDonnees).where(ExportDonnees.user_id == user.id,
                                                           ExportDonnees.etat == EtatExport.telecharge))
    assert export.storage_key is None
    reponse = client.get(lien)
    assert reponse.status_code == 302
    assert MESSAGE_LIEN_USAGE in page_text(client.get(URL))


def test_the_link_expires_and_the_job_deletes_the_file(app, factory, monkeypatch):
    user, _ = factory.intervenant("DR-84")
    client = client_de(app, user)
    recuperer(client)
    run_jobs(app)
    export = db.session.scalar(select(ExportDonnees).where(ExportDonnees.user_id == user.id))
    db.session.refresh(export)
    chemin = get_storage().path_of(export.storage_key)
    assert chemin.exists()
    voyager(monkeypatch, 3)  # 72 hours later
    assert client.get(f"{URL}/{export.id}").status_code == 302
    assert expirer_exports() == 1
    db.session.refresh(export)
    assert export.etat == EtatExport.expire and not chemin.exists()


def test_nobody_downloads_someone_elses_file(app, factory):
    user, _ = factory.intervenant("DR-84")
    recuperer(client_de(app, user))
    run_jobs(app)
    export = db.session.scalar(select(ExportDonnees).where(ExportDonnees.user_id == user.id))
    db.session.refresh(export)
    autre, _ = factory.intervenant("DR-84")
    assert client_de(app, autre).get(f"{URL}/{export.id}").status_code == 404
    assert db.session.get(ExportDonnees, export.id).etat == EtatExport.pret


def test_national_administration_sends_an_archived_accounts_data_by_a_single_use_link(app, factory, login_as):
    user, profil, _ = personne_complete(factory)
    confirmer(client_de(app, user))  # archived: no login to ask with
    demande = _demande("RECUPERATION_DONNEES", user.email)
    admin = login_as("admin_national")
    page = admin.get(f"/gestion/support/{demande.id}")
    assert "Envoyer ses données personnelles au demandeur" in page_text(page)
    jeton = csrf_token_from(page.get_data(as_text=True))
    assert admin.post(f"/gestion/donnees-personnelles/support/{demande.id}",
                      data={"csrf_token": jeton}).status_code == 302
    run_jobs(app)
    assert db.session.scalar(select(Consultation).where(Consultation.intervenant_id == profil.id,
                                                        Consultation.objet == "donnees")) is not None
    corps = corps_envoye(dernier_mail(user.email, "depart_export"))
    lien = re.search(r"http://localhost(/donnees/\S+)", corps).group(1)
    anonyme = app.test_client()
    page = anonyme.get(lien)  # a page with a button: a mail scanner opening the link does not use it
    assert "Télécharger mes données" in page_text(page)
    classeur = _classeur(anonyme.post(lien, data={"csrf_token": csrf_token_from(page.get_data(as_text=True))}))
    assert NIR in _texte(classeur)
    html = page_text(anonyme.get(lien))
    assert "Ce lien n'est pas valide" in html
    assert anonyme.get("/donnees/jeton-invente").status_code == 200


def test_only_a_data_request_gives_an_export(app, factory, login_as):
    user, _ = factory.intervenant("DR-84")
    demande = _demande("REACTIVATION", user.email)
    admin = login_as("admin_national")
    page = admin.get(f"/gestion/support/{demande.id}")
    assert "Envoyer ses données personnelles" not in page_text(page)
    admin.post(f"/gestion/donnees-personnelles/support/{demande.id}",
               data={"csrf_token": csrf_token_from(page.get_data(as_text=True))})
    assert "n'est pas une demande de récupération" in page_text(admin.get(f"/gestion/support/{demande.id}"))
    assert db.session.scalar(select(ExportDonnees).where(ExportDonnees.user_id == user.id)) is None


def test_the_export_etat_moves_only_along_its_table(app, factory):
    """``changer_etat`` is the one writer of the export's état: it refuses a
    row that has already moved on (a file taken cannot expire, nor be taken twice)."""
    user, _ = factory.intervenant()
    export = export_donnees.demander(user.id, user.id)
    assert not export_donnees.changer_etat(export, EtatExport.telecharge)  # not ready yet
    assert export.etat == EtatExport.en_preparation
    assert export_donnees.changer_etat(export, EtatExport.echec)
    assert not export_donnees.changer_etat(export, EtatExport.pret)
    assert export.etat == EtatExport.echec
