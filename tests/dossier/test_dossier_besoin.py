"""The dossier administratif by need-to-know (issue 33, point 1): the outside
probe's sequence (a foreign structure sends a request, then tries every read
path) refused until the trainer answers, allowed after; the e-mail to the
trainer when a structure gains access; the daily budget of sensitive reads
per staff account and the national administration's alert."""

from __future__ import annotations

import io
import re
import threading
import time
from datetime import date, timedelta
from io import BytesIO

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook
from sqlalchemy import select

from app.extensions import db
from app.models.comptes import EtatInscription
from app.models.consultations import LecturesSensibles
from app.models.dossier import Bloc, EtatBloc, Piece
from app.models.outbox import OutboxMessage
from app.operations.dossier import dossier_de, lisible_par
from app.operations.interventions import creer_intervention
from app.views.dossier import masquer_iban, masquer_nir
from app.workflows.core import Acteur
from app.workflows.dossier import structures_avec_acces
from app.workflows.intervention import intervention as workflow_intervention
from tests.conftest import csrf_token_from, page_text, postgresql_only, sign_in
from tests.outils.concurrence import base_partagee  # noqa: F401  (fixture)
from tests.outils.dossier import IBAN, NIR, PDF, _demander, _envoyer, _identite

SUJET_ACCES = "Une structure du CNFPT a désormais accès à votre dossier administratif"
SUJET_PLAFOND = "Alerte : plafond de lectures de dossiers administratifs atteint"


@pytest.fixture
def sonde(app, factory):
    """A validated trainer of DR-84 whose dossier is on file (identity card,
    carte Vitale, NIR, IBAN, RIB transmitted to DR-84 which asked), and a
    gestionnaire of DR-11: another region, no candidature, no intervention."""
    user, profil = factory.intervenant("DR-84")
    profil.etat_inscription = EtatInscription.validee
    db.session.commit()
    trainer, proprietaire, etranger = app.test_client(), app.test_client(), app.test_client()
    sign_in(trainer, user)
    sign_in(proprietaire, factory.gestionnaire("DR-84"))
    gestionnaire_etranger = factory.gestionnaire("DR-11")
    sign_in(etranger, gestionnaire_etranger)
    assert _demander(proprietaire, profil, ["identite", "securite_sociale", "bancaire"]).status_code == 302
    reponse = _envoyer(trainer, _identite(
        identite_recto=(BytesIO(PDF), "recto.pdf"), identite_verso=(BytesIO(PDF), "verso.pdf"),
        nir=NIR, carte_vitale=(BytesIO(PDF), "vitale.pdf"),
        iban=IBAN, bic="BNPAFRPP", rib=(BytesIO(PDF), "rib.pdf")), "transmettre")
    assert reponse.status_code == 302, page_text(reponse)[:1000]
    db.session.expire_all()
    [acces] = db.session.scalars(select(OutboxMessage).where(OutboxMessage.subject == SUJET_ACCES)).all()
    assert "Auvergne-Rhône-Alpes" in acces.body_text and acces.recipients == user.email
    dossier = dossier_de(profil)
    pieces = [str(dossier.piece(p).fichier.uuid) for p in (Piece.identite_recto, Piece.carte_vitale, Piece.rib)]
    return user, profil, trainer, etranger, gestionnaire_etranger, pieces


def _demander_cvtheque(client, profil, blocs):
    """The request form of the CV-thèque's profile page (any structure)."""
    page = client.get(f"/cvtheque/profil/{profil.id}").get_data(as_text=True)
    assert f'action="/gestion/dossiers/demander/{profil.id}"' in page
    return client.post(f"/gestion/dossiers/demander/{profil.id}",
                       data={"csrf_token": csrf_token_from(page), "blocs": blocs})


def _lectures(client, profil, pieces) -> dict[str, int]:
    """Every read path of the probe, by status code."""
    codes = {"page": client.get(f"/gestion/dossiers/show/{profil.id}").status_code}
    jeton = csrf_token_from(client.get(f"/cvtheque/profil/{profil.id}").get_data(as_text=True))
    for champ in ("nir", "iban"):
        codes[champ] = client.post(f"/gestion/dossiers/afficher/{profil.id}",
                                   data={"csrf_token": jeton, "champ": champ}).status_code
    for i, uuid in enumerate(pieces):
        codes[f"piece{i}"] = client.get(f"/fichiers/{uuid}").status_code
    codes["api"] = client.get(f"/api/v1/dossiers/{profil.id}").status_code
    return codes


def _acces_etranger() -> list[OutboxMessage]:
    """The e-mails telling the trainer that DR-11 (Île-de-France) reads their dossier."""
    return [m for m in db.session.scalars(select(OutboxMessage).where(OutboxMessage.subject == SUJET_ACCES))
            if "Île-de-France" in m.body_text]


def _rien_du_dossier(html: str, pieces) -> None:
    for secret in (NIR, IBAN, masquer_nir(NIR), masquer_iban(IBAN), "vitale.pdf", "rib.pdf", "recto.pdf", *pieces):
        assert secret not in html


def test_une_demande_seule_ne_revele_rien_la_reponse_ouvre(sonde):
    user, profil, trainer, etranger, gestionnaire_etranger, pieces = sonde
    # the request itself is allowed
    assert _demander_cvtheque(etranger, profil, ["diplome"]).status_code == 302
    demande = db.session.scalar(select(OutboxMessage).where(OutboxMessage.template == "dossier_demande")
                                .order_by(OutboxMessage.id.desc()).limit(1))
    assert "Structure qui fait la demande : " in demande.body_text and "Île-de-France" in demande.body_text
    # then every read path: nothing already on file
    page = etranger.get(f"/gestion/dossiers/show/{profil.id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    _rien_du_dossier(html, pieces)
    texte = page_text(page)
    assert "Votre structure n'a pas accès aux données et pièces de ce dossier" in texte
    assert "Diplôme" in texte and "En attente" in texte  # its own request, nothing else
    assert "Validé" not in texte and "Transmis" not in texte  # not even the blocks' states
    codes = _lectures(etranger, profil, pieces)
    assert codes == {"page": 200, "nir": 404, "iban": 404, "piece0": 404, "piece1": 404, "piece2": 404, "api": 404}
    bloc = dossier_de(profil).bloc(Bloc.identite)
    jeton = csrf_token_from(html)
    assert etranger.post(f"/gestion/dossiers/decider/{bloc.id}",
                         data={"csrf_token": jeton, "decision": "valider"}).status_code == 404
    assert not lisible_par(dossier_de(profil), gestionnaire_etranger)
    # the exports: the CV-thèque's file carries nothing of the dossier, the console is not theirs
    classeur = load_workbook(io.BytesIO(etranger.get("/cvtheque/export.xlsx").data))
    cellules = " ".join(str(c) for ligne in classeur.active.iter_rows(values_only=True) for c in ligne)
    assert NIR not in cellules and IBAN not in cellules
    assert etranger.get("/backoffice/bo_consultation/export/csv/").status_code == 403
    assert _acces_etranger() == []

    # the trainer sees which structure asks, and answers it: consent
    mon_dossier = page_text(trainer.get("/mon-dossier/"))
    assert "Demandes en attente de votre réponse" in mon_dossier and "Île-de-France" in mon_dossier
    # the page posts back every field (the blocks already on file unchanged)
    reponse = _envoyer(trainer, _identite(nir=NIR, iban=IBAN, bic="BNPAFRPP", diplome_intitule="Master",
                                          diplome=(BytesIO(PDF), "diplome.pdf")), "transmettre")
    assert reponse.status_code == 302, re.findall(r'class="help-block erreur"[^>]*>([^<]*)', reponse.get_data(as_text=True))
    [courriel] = _acces_etranger()
    assert courriel.recipients == user.email and "en réponse à sa demande" in courriel.body_text
    assert NIR not in courriel.body_text and IBAN not in courriel.body_text

    # now every read path opens
    assert lisible_par(dossier_de(profil), gestionnaire_etranger)
    page = etranger.get(f"/gestion/dossiers/show/{profil.id}").get_data(as_text=True)
    assert masquer_nir(NIR) in page and NIR not in page and pieces[1] in page
    assert _lectures(etranger, profil, pieces) == {
        "page": 200, "nir": 200, "iban": 200, "piece0": 200, "piece1": 200, "piece2": 200, "api": 200}
    # « Qui a consulté mon dossier » shows every read of that structure, downloads included
    texte = page_text(trainer.get("/mon-dossier/"))
    consultation = texte[texte.index("Qui a consulté mon dossier"):]
    assert consultation.count("Île-de-France") >= 6
    assert "NIR affiché" in consultation and "IBAN affiché" in consultation
    assert consultation.count("Pièce téléchargée (dossier administratif)") == 3
    assert "Demandes en attente de votre réponse" not in texte


def _intervention_etrangere(sonde, factory):
    """An intervention of DR-11 (the foreign structure) for the probe's trainer."""
    _, profil, _, _, gestionnaire_etranger, _ = sonde
    acteur = Acteur.from_user(gestionnaire_etranger)
    structure = factory.structure("DR-11").id
    champs = {"intitule": "Finances locales", "date_debut": date.today() + timedelta(days=30),
              "date_fin": date.today() + timedelta(days=31), "duree_jours": 2, "lieu": "Paris"}
    intervention = creer_intervention(profil, structure, acteur, **champs)
    db.session.commit()
    return intervention, acteur, structure, champs


def test_intervention_ouvre_le_dossier_et_previent(sonde, factory):
    user, profil, _, etranger, gestionnaire_etranger, pieces = sonde
    _, acteur, structure, champs = _intervention_etrangere(sonde, factory)
    courriels = _acces_etranger()
    assert len(courriels) == 1 and "une intervention vous est proposée" in courriels[0].body_text
    assert _lectures(etranger, profil, pieces)["piece1"] == 200
    creer_intervention(profil, structure, acteur, **champs)  # already open: no second e-mail
    db.session.commit()
    assert len(_acces_etranger()) == 1


def test_une_intervention_annulee_ne_donne_plus_acces(sonde, factory):
    """Cancelling its interventions closes the dossier to the structure again."""
    user, profil, _, etranger, gestionnaire_etranger, pieces = sonde
    intervention, acteur, structure, _ = _intervention_etrangere(sonde, factory)
    assert _lectures(etranger, profil, pieces)["piece1"] == 200
    workflow_intervention.apply(intervention, "annuler", acteur, "Annulée")
    db.session.commit()
    codes = _lectures(etranger, profil, pieces)
    assert codes == {"page": 200, "nir": 404, "iban": 404, "piece0": 404, "piece1": 404, "piece2": 404, "api": 404}
    page = etranger.get(f"/gestion/dossiers/show/{profil.id}")
    _rien_du_dossier(page.get_data(as_text=True), pieces)
    assert "Votre structure n'a pas accès aux données et pièces de ce dossier" in page_text(page)
    assert structure not in structures_avec_acces(profil.id)


def test_plafond_de_lectures_sensibles(app, sonde, factory):
    """A mass read stops at the budget (default 30 a day), with a French
    message; the national administrators are alerted once, by e-mail and on
    the console."""
    assert app.config["LECTURES_SENSIBLES_PAR_JOUR"] == 30
    user, profil, trainer, etranger, gestionnaire_etranger, pieces = sonde
    admin = factory.admin_national()
    proprietaire = db.session.scalar(select(LecturesSensibles.user_id))  # none yet: nobody read
    assert proprietaire is None
    intervenante = factory.structure("DR-11").id
    creer_intervention(profil, intervenante, Acteur.from_user(gestionnaire_etranger),
                       intitule="Budget", date_debut=date.today() + timedelta(days=5),
                       date_fin=date.today() + timedelta(days=5), duree_jours=1, lieu="Paris")
    db.session.commit()
    jeton = csrf_token_from(etranger.get(f"/gestion/dossiers/show/{profil.id}").get_data(as_text=True))
    lues = 0
    for i in range(40):
        if i % 2:
            reponse = etranger.get(f"/fichiers/{pieces[i % 3]}")
        else:
            reponse = etranger.post(f"/gestion/dossiers/afficher/{profil.id}",
                                    data={"csrf_token": jeton, "champ": "nir"})
        if reponse.status_code != 200:
            break
        lues += 1
    assert lues == 30
    assert reponse.status_code == 429
    texte = page_text(reponse)
    assert "Vous avez atteint le plafond de 30 lectures de données sensibles" in texte
    # refused whichever path comes next, without revealing anything
    refus = etranger.post(f"/gestion/dossiers/afficher/{profil.id}", data={"csrf_token": jeton, "champ": "nir"})
    assert refus.status_code == 429 and NIR not in refus.get_data(as_text=True)
    assert "plafond" in page_text(refus)
    assert etranger.get(f"/fichiers/{pieces[0]}").status_code == 429
    ligne = db.session.scalar(select(LecturesSensibles).where(LecturesSensibles.user_id == gestionnaire_etranger.id))
    assert (ligne.nombre, ligne.refus) == (30, 3)
    # one alert to the national administrators, naming the account (no trainer data)
    alertes = db.session.scalars(select(OutboxMessage).where(OutboxMessage.subject == SUJET_PLAFOND)).all()
    assert len(alertes) == 1 and admin.email in alertes[0].recipients
    assert gestionnaire_etranger.email in alertes[0].body_text and NIR not in alertes[0].body_text
    # the console: a line on its home page, the account in Audit
    console = factory.app.test_client()
    sign_in(console, admin)
    accueil = page_text(console.get("/backoffice/"))
    assert "<strong>Alerte :</strong> 1 compte(s) ont atteint aujourd'hui le plafond de lectures" in accueil
    liste = page_text(console.get("/backoffice/bo_lectures_sensibles/"))
    assert gestionnaire_etranger.email in liste
    # the trainer reads their own dossier without a budget
    assert trainer.get(f"/fichiers/{pieces[0]}").status_code == 200
    # another staff account has its own budget
    autre = factory.app.test_client()
    collegue = factory.gestionnaire("DR-11")
    sign_in(autre, collegue)
    assert autre.get(f"/fichiers/{pieces[0]}").status_code == 200


def test_plafond_reglable_et_compte_par_jour(app, sonde, monkeypatch):
    from app.operations.dossier import PlafondAtteint, consommer_lecture_sensible

    _, _, _, _, gestionnaire_etranger, _ = sonde
    monkeypatch.setitem(app.config, "LECTURES_SENSIBLES_PAR_JOUR", 2)
    with app.test_request_context():
        consommer_lecture_sensible(gestionnaire_etranger)
        consommer_lecture_sensible(gestionnaire_etranger)
        with pytest.raises(PlafondAtteint, match="plafond de 2 lectures"):
            consommer_lecture_sensible(gestionnaire_etranger)
        hier = db.session.scalar(select(LecturesSensibles))
        hier.jour -= timedelta(days=1)  # a new day: a new budget
        db.session.flush()
        consommer_lecture_sensible(gestionnaire_etranger)


def test_la_demande_ne_detourne_pas_un_bloc_transmis(sonde, factory):
    """A request on a block transmitted in answer to another structure leaves
    it in that structure's queue (nothing of it in the new one's)."""
    _, profil, _, etranger, _, _ = sonde
    dossier = dossier_de(profil)
    assert dossier.bloc(Bloc.bancaire).etat == EtatBloc.transmis
    proprietaire = dossier.bloc(Bloc.bancaire).structure_id
    _demander_cvtheque(etranger, profil, ["bancaire"])
    db.session.expire_all()
    assert dossier_de(profil).bloc(Bloc.bancaire).structure_id == proprietaire
    assert "Aucun bloc de dossier administratif." in page_text(etranger.get("/gestion/dossiers/list/"))


@postgresql_only
def test_deux_lectures_simultanees_ne_prennent_pas_la_derniere_place(app, base_partagee, monkeypatch):  # noqa: F811
    """PostgreSQL: the first request holds the counter's row until its commit;
    the second, at the same moment on its own connection, waits, then finds
    the budget spent: one read, one refusal, never two reads."""
    from flask_appbuilder.security.sqla.models import User

    from app.operations.dossier import PlafondAtteint, consommer_lecture_sensible

    monkeypatch.setitem(app.config, "LECTURES_SENSIBLES_PAR_JOUR", 1)
    adresse = "plafond.concurrence@example.test"
    with base_partagee.begin() as conn:
        user_id = conn.execute(sa.insert(User.__table__).values(
            first_name="Plafond", last_name="Concurrence", username=adresse, email=adresse, active=True,
        ).returning(User.__table__.c.id)).scalar_one()
    compte = type("Compte", (), {"id": user_id, "email": adresse})()
    resultats: dict[str, str | BaseException] = {}
    premier_compte, second_lance = threading.Event(), threading.Event()

    def lire(nom: str) -> None:
        try:
            with app.app_context(), app.test_request_context():
                try:
                    consommer_lecture_sensible(compte)
                    resultats[nom] = "lue"
                except PlafondAtteint:
                    resultats[nom] = "refusée"
                if nom == "premier":  # hold the row while the second asks
                    premier_compte.set()
                    second_lance.wait(timeout=10)
                    time.sleep(0.5)
                db.session.commit()
        except BaseException as exc:  # reported by the test
            resultats[nom] = exc
            premier_compte.set()

    premier = threading.Thread(target=lire, args=("premier",))
    premier.start()
    assert premier_compte.wait(timeout=10)
    second = threading.Thread(target=lambda: (second_lance.set(), lire("second")))
    second.start()
    premier.join(timeout=30)
    second.join(timeout=30)
    assert resultats == {"premier": "lue", "second": "refusée"}
    with base_partagee.connect() as conn:
        ligne = conn.execute(sa.select(LecturesSensibles.nombre, LecturesSensibles.refus)
                             .where(LecturesSensibles.user_id == user_id)).one()
    assert tuple(ligne) == (1, 1)
