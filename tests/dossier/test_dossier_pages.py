"""Dossier administratif by HTTP (issue 20): request → fill → transmit →
refuse one block → correct → validate; nothing lost on error; badges;
masked values and the access log; need-to-know on the pieces."""

from __future__ import annotations

import re
from io import BytesIO

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import stream_encode_multipart

from app.extensions import db
from app.models.consultations import Consultation
from app.models.dossier import Bloc, EtatBloc, Piece
from app.models.fichiers import AccesFichier
from app.models.outbox import OutboxMessage
from app.models.referentiels import Pays, TypePieceIdentite
from app.operations.dossier import dossier_de
from app.views.dossier import masquer_iban, masquer_nir
from tests.conftest import csrf_token_from, page_text, sign_in
from tests.outils import dossier
from tests.outils.dossier import IBAN, NIR, PDF, _demander, _envoyer, _identite, _jeton

# Fixtures shared with other test modules (tests/outils/dossier.py).
scene = dossier.scene


def test_parcours_complet(scene):
    user, profil, trainer, staff, other = scene
    reponse = _demander(staff, profil, ["identite", "bancaire"])
    assert reponse.status_code == 302
    courriel = db.session.scalar(select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(1))
    assert courriel.subject == "Demande de données et pièces complémentaires pour votre dossier intervenant du CNFPT"

    page = trainer.get("/mon-dossier/")
    texte = page_text(page)
    assert "Données et pièces du dossier administratif" in texte
    assert texte.count("Les informations ci-dessous sont demandées par votre gestionnaire CNFPT") == 2
    assert '<span class="badge" aria-hidden="true">2</span>' in page.get_data(as_text=True)

    # transmit: the identity block, its files, and a wrong IBAN
    data = _identite(identite_recto=(BytesIO(PDF), "recto.pdf"), identite_verso=(BytesIO(PDF), "verso.pdf"),
                     iban="FR76 3000 6000 0112 3456 7890 188", bic="BNPAFRPP", rib=(BytesIO(PDF), "rib.pdf"))
    reponse = _envoyer(trainer, data, "transmettre")
    assert reponse.status_code == 422
    texte = page_text(reponse)
    assert "L'IBAN n'est pas valide" in texte
    assert 'value="Perpignan"' in reponse.get_data(as_text=True)  # nothing lost
    dossier = dossier_de(profil)
    db.session.refresh(dossier)
    assert {p.piece for p in dossier.pieces} == {Piece.identite_recto, Piece.identite_verso, Piece.rib}
    assert "recto.pdf" in texte  # the files sent stay attached

    reponse = _envoyer(trainer, _identite(iban=IBAN, bic="BNPAFRPP"), "transmettre")
    assert reponse.status_code == 302, page_text(reponse)[:2000]
    db.session.expire_all()
    dossier = dossier_de(profil)
    assert dossier.bloc(Bloc.identite).etat == EtatBloc.transmis
    assert dossier.bloc(Bloc.bancaire).etat == EtatBloc.transmis
    assert dossier.zone_sepa is True and dossier.iban == IBAN

    # the gestionnaire refuses the bank details, validates the identity
    page = staff.get(f"/gestion/dossiers/show/{profil.id}").get_data(as_text=True)
    assert masquer_iban(IBAN) in page and IBAN not in page
    token = csrf_token_from(page)
    bancaire, identite = dossier.bloc(Bloc.bancaire).id, dossier.bloc(Bloc.identite).id
    sans_motif = staff.post(f"/gestion/dossiers/decider/{bancaire}", data={"csrf_token": token, "decision": "refuser"})
    assert sans_motif.status_code == 422 and "Un commentaire est obligatoire" in page_text(sans_motif)
    staff.post(f"/gestion/dossiers/decider/{bancaire}",
               data={"csrf_token": token, "decision": "refuser", "motif": "RIB illisible"})
    staff.post(f"/gestion/dossiers/decider/{identite}", data={"csrf_token": token, "decision": "valider"})
    db.session.expire_all()
    dossier = dossier_de(profil)
    assert dossier.bloc(Bloc.bancaire).etat == EtatBloc.refuse
    assert dossier.bloc(Bloc.identite).etat == EtatBloc.valide
    revues = db.session.scalars(select(OutboxMessage.body_text).where(
        OutboxMessage.subject == "Votre dossier administratif du CNFPT a été examiné").order_by(OutboxMessage.id)).all()
    assert len(revues) == 2  # one e-mail per review
    assert "Informations bancaires : RIB illisible" in revues[0] and "Document d'identité" in revues[1]

    # the trainer corrects and transmits the refused block only
    texte = page_text(trainer.get("/mon-dossier/"))
    assert "Motif du refus : RIB illisible" in texte and "Validé le" in texte and "Refusé le" in texte
    reponse = _envoyer(trainer, _identite(iban=IBAN, bic="BNPAFRPP", rib=(BytesIO(PDF), "rib2.pdf")), "transmettre")
    assert reponse.status_code == 302
    db.session.expire_all()
    dossier = dossier_de(profil)
    assert dossier.bloc(Bloc.bancaire).etat == EtatBloc.transmis
    assert dossier.bloc(Bloc.identite).etat == EtatBloc.valide  # not transmitted again
    page = staff.get(f"/gestion/dossiers/show/{profil.id}").get_data(as_text=True)
    staff.post(f"/gestion/dossiers/decider/{bancaire}", data={"csrf_token": csrf_token_from(page), "decision": "valider"})
    db.session.expire_all()
    assert dossier_de(profil).bloc(Bloc.bancaire).etat == EtatBloc.valide
    assert '<span class="badge"' not in trainer.get("/mon-dossier/").get_data(as_text=True)


def test_le_gestionnaire_voit_ce_qu_il_valide(scene):
    """The identity block under review shows the document's kind, its
    validity and the birth country, and each file says what it is: the
    reviewer does not validate blind."""
    user, profil, trainer, staff, other = scene
    _demander(staff, profil, ["identite", "bancaire"])
    data = _identite(identite_recto=(BytesIO(PDF), "a.pdf"), identite_verso=(BytesIO(PDF), "b.pdf"),
                     iban=IBAN, bic="BNPAFRPP", rib=(BytesIO(PDF), "c.pdf"), validite_debut="01/01/2020",
                     validite_fin="31/12/2034")
    assert _envoyer(trainer, data, "transmettre").status_code == 302
    pays = db.session.scalar(select(Pays.nom).order_by(Pays.id).limit(1))
    cni = db.session.scalar(select(TypePieceIdentite.libelle).where(TypePieceIdentite.code == "CNI"))
    texte = " ".join(re.sub(r"<[^>]+>", " ", page_text(staff.get(f"/gestion/dossiers/show/{profil.id}"))).split())
    assert f"Type de document {cni}" in texte
    assert "Période de validité du 01/01/2020 au 31/12/2034" in texte
    assert f"Pays de naissance {pays}" in texte
    assert "Document d'identité en recto : a.pdf" in texte
    assert "Document d'identité en verso : b.pdf" in texte
    assert "RIB ou attestation bancaire : c.pdf" in texte


def test_le_gestionnaire_voit_l_adresse_et_les_telephones(scene):
    """The blocks kept on the profile (address, phones) show their content to
    the reviewer: no empty panel with « Valider » under it."""
    user, profil, trainer, staff, other = scene
    _demander(staff, profil, ["adresse", "telephones"])
    france = db.session.scalar(select(Pays).where(Pays.code == "FR"))
    data = {"pays_residence_id": str(france.id), "adresse_voie": "12 rue des Lilas", "code_postal": "66000",
            "localite": "Perpignan", "telephone_personnel": "0401020304"}
    reponse = _envoyer(trainer, data, "transmettre")
    assert reponse.status_code == 302, page_text(reponse)[:3000]
    texte = " ".join(re.sub(r"<[^>]+>", " ", page_text(staff.get(f"/gestion/dossiers/show/{profil.id}"))).split())
    assert f"Pays {france.nom}" in texte
    assert "Numéro et libellé de la voie 12 rue des Lilas" in texte
    assert "Code postal 66000" in texte and "Localité - ville Perpignan" in texte
    assert "Numéro de téléphone 0401020304" in texte


def test_transmettre_incomplet_garde_le_brouillon(scene):
    _, profil, trainer, staff, _ = scene
    _demander(staff, profil, ["securite_sociale"])
    reponse = _envoyer(trainer, {"nir": "2800569006084", "telephone_personnel": "0401020304"}, "transmettre")
    assert reponse.status_code == 422
    assert "Ce champ est obligatoire." in page_text(reponse)  # the carte vitale
    db.session.expire_all()
    dossier = dossier_de(profil)
    assert dossier.nir == NIR  # saved with its computed key
    assert dossier.bloc(Bloc.securite_sociale).etat == EtatBloc.demande


@pytest.mark.parametrize(("champ", "valeur", "message"), [
    ("nir", "2800569006084 43", "La clé du NIR"),
    ("nir", "1800569006084", "civilité"),
    ("bic", "BNP", "Le BIC n'est pas valide"),
    ("employeur_siret", "12345678901234", "SIRET"),
    ("validite_fin", "01/01/2019", "postérieure"),
    ("validite_fin", "32/01/2019", "Date non valide"),
])
def test_erreurs_a_cote_des_champs(scene, champ, valeur, message):
    _, profil, trainer, _, _ = scene
    reponse = _envoyer(trainer, {**_identite(), champ: valeur})
    assert reponse.status_code == 422
    html = reponse.get_data(as_text=True)
    assert f'id="{champ}-erreur">' in html and message in page_text(reponse)
    assert 'value="Perpignan"' in html


@pytest.mark.parametrize(("nom", "contenu", "message"), [
    ("cv.exe", b"MZ\x90\x00", "Format de fichier non autorisé"),
    ("faux.pdf", b"<html>pas un pdf</html>", "contenu"),
    ("gros.pdf", PDF + b"0" * (5 * 1024 * 1024), "taille maximale"),
])
def test_fichiers_refuses(scene, nom, contenu, message):
    _, profil, trainer, _, _ = scene
    reponse = _envoyer(trainer, {**_identite(), "rib": (BytesIO(contenu), nom)})
    assert reponse.status_code == 422
    assert message in page_text(reponse)


def test_besoin_d_en_connaitre_et_journal(scene, factory):
    user, profil, trainer, staff, other = scene
    _demander(staff, profil, ["securite_sociale", "bancaire"])
    # the trainer's answer to the request opens the dossier to staff's structure (issue 33)
    assert _envoyer(trainer, {"nir": NIR, "iban": IBAN, "bic": "BNPAFRPP", "telephone_personnel": "0401020304",
                              "carte_vitale": (BytesIO(PDF), "vitale.pdf"), "rib": (BytesIO(PDF), "rib.pdf")},
                    "transmettre").status_code == 302
    dossier = dossier_de(profil)
    fichier = dossier.piece(Piece.carte_vitale).fichier
    url = f"/fichiers/{fichier.uuid}"
    assert trainer.get(url).status_code == 200
    reponse = staff.get(url)
    assert reponse.status_code == 200
    assert reponse.headers["X-Content-Type-Options"] == "nosniff"
    assert reponse.headers["Content-Disposition"].startswith("attachment")
    assert "no-store" in reponse.headers["Cache-Control"]
    assert other.get(url).status_code == 404
    sans_acces = other.get(f"/gestion/dossiers/show/{profil.id}")  # only the request form, nothing on file
    assert sans_acces.status_code == 200 and "n'a pas accès" in page_text(sans_acces)
    assert masquer_nir(NIR) not in sans_acces.get_data(as_text=True) and str(fichier.uuid) not in sans_acces.get_data(as_text=True)
    intrus = factory.intervenant("DR-84")[0]
    client = staff.application.test_client()
    sign_in(client, intrus)
    assert client.get(url).status_code == 404
    assert db.session.scalar(select(func.count()).select_from(AccesFichier).where(
        AccesFichier.fichier_id == fichier.id)) == 2

    page = staff.get(f"/gestion/dossiers/show/{profil.id}").get_data(as_text=True)
    assert masquer_nir(NIR) == "2 80 ** ** *** *** 44" and masquer_nir(NIR) in page and NIR not in page
    reponse = staff.post(f"/gestion/dossiers/afficher/{profil.id}",
                         data={"csrf_token": csrf_token_from(page), "champ": "nir"})
    assert NIR in reponse.get_data(as_text=True)
    objets = db.session.scalars(select(Consultation.objet).where(Consultation.intervenant_id == profil.id)
                                .order_by(Consultation.id)).all()
    assert objets == ["dossier", "nir"]
    texte = page_text(trainer.get("/mon-dossier/"))
    assert "Qui a consulté mon dossier" in texte and "NIR affiché" in texte


def test_demande_seulement_sur_un_intervenant_valide(app, factory):
    _, profil = factory.intervenant("DR-84")
    staff = app.test_client()
    sign_in(staff, factory.gestionnaire("DR-84"))
    token = _jeton(staff, "/gestion/dossiers/list/")
    assert staff.post(f"/gestion/dossiers/demander/{profil.id}",
                      data={"csrf_token": token, "blocs": ["identite"]}).status_code == 404


def test_formulaire_de_demande_sur_la_fiche_cvtheque(scene, factory):
    _, profil, _, _, other = scene  # a validated intervenant: in every structure's CV-thèque
    assert "Envoyer la demande" in page_text(other.get(f"/cvtheque/profil/{profil.id}"))


def test_demande_sans_csrf_refusee(scene):
    _, profil, _, staff, _ = scene
    assert staff.post(f"/gestion/dossiers/demander/{profil.id}", data={"blocs": ["identite"]}).status_code == 400


def test_file_des_blocs(scene):
    _, profil, trainer, staff, other = scene
    _demander(staff, profil, ["diplome"])
    texte = page_text(staff.get("/gestion/dossiers/list/"))
    assert "Diplôme" in texte and "Demandé" in texte
    assert "Aucun bloc de dossier administratif." in page_text(other.get("/gestion/dossiers/list/"))
    filtre = page_text(staff.get("/gestion/dossiers/list/?etat=transmis"))
    assert "ne correspond à ces critères" in filtre


def test_badges_en_une_requete(scene):
    """« Mon compte » and « Mes données et documents » show the number of
    blocks awaiting the trainer, both read in the menu's one statement."""
    from tests.outils.menu import badges, requetes_badges

    _, profil, trainer, staff, _ = scene
    texte, statements = requetes_badges(trainer, "/")
    assert len(statements) == 1 and badges(texte) == []  # nothing awaits: no number
    _demander(staff, profil, ["identite", "diplome", "bancaire"])
    texte, statements = requetes_badges(trainer, "/")
    assert len(statements) == 1
    assert badges(texte) == [("3", "3 bloc(s) de votre dossier administratif à renseigner")] * 2
    texte, statements = requetes_badges(staff, "/")
    assert "bloc(s) de votre dossier" not in texte


def test_champs_figes_par_l_immatriculation(scene):
    """The profile's fields frozen by the immatriculation (regles_profil) are
    shown disabled and not written by the dossier page."""
    _, profil, trainer, _, _ = scene
    profil.immatriculation, profil.localite = "IMM-1", "Lyon"
    db.session.commit()
    html = trainer.get("/mon-dossier/").get_data(as_text=True)
    assert "ne sont pas modifiables ici" in html
    _envoyer(trainer, {**_identite(), "localite": "Paris", "diplome_intitule": "Master 2"})
    db.session.expire_all()
    assert profil.localite == "Lyon" and dossier_de(profil).diplome_intitule == "Master 2"


# -- the public employer from the referential (point 3, employeur) ------------------------
def _poster(client, data):
    token = _jeton(client, "/mon-dossier/")
    champs = {k: FileStorage(v[0], v[1]) if isinstance(v, tuple) else v for k, v in data.items()}
    stream, length, boundary = stream_encode_multipart({"csrf_token": token, **champs}, use_tempfile=False)
    return client.post("/mon-dossier/", input_stream=stream, content_length=length,
                       content_type=f"multipart/form-data; boundary={boundary}")


def _employeur_public(profil):
    from app.models.referentiels import EmployeurPublic, StatutProfessionnel

    profil.statut_professionnel_id = db.session.scalar(
        select(StatutProfessionnel.id).where(StatutProfessionnel.type_employeur == "PUBLIC").limit(1))
    profil.type_employeur = "PUBLIC"
    db.session.commit()
    return db.session.scalar(select(EmployeurPublic).where(EmployeurPublic.actif.is_(True))
                             .order_by(EmployeurPublic.id).limit(1))


@pytest.mark.parametrize("par", ["siret", "raison_sociale"])
def test_public_employer_found_in_the_referential_fills_the_block(scene, par):
    _, profil, trainer, _, _ = scene
    employeur = _employeur_public(profil)
    page = page_text(trainer.get("/mon-dossier/"))
    assert "Rechercher un employeur public (raison sociale ou SIRET)" in page
    recherche = employeur.siret[:9] if par == "siret" else employeur.raison_sociale[2:12]
    # « Rechercher »: the list, the typed fields kept, a file sent with it attached
    liste = _poster(trainer, {**_identite(lieu_naissance="Carpentras"), "recherche_employeur": recherche,
                              "rechercher": "Rechercher", "rib": (BytesIO(PDF), "rib.pdf")})
    assert liste.status_code == 200
    html = liste.get_data(as_text=True)
    assert employeur.raison_sociale in page_text(liste) and f'value="{employeur.siret}"' in html
    assert 'value="Carpentras"' in html and "Employeurs publics correspondants" in html
    dossier = dossier_de(profil)
    assert dossier.piece(Piece.rib) is not None
    # « Choisir »: raison sociale and SIRET filled, nothing saved yet
    choisi = _poster(trainer, {**_identite(lieu_naissance="Carpentras"), "choisir_employeur": employeur.siret})
    html = choisi.get_data(as_text=True)
    assert f'name="employeur_siret" type="text" value="{employeur.siret}"' in html
    assert 'value="Carpentras"' in html
    db.session.refresh(profil)
    assert profil.employeur_siret is None
    # « Enregistrer » keeps it
    _poster(trainer, {**_identite(), "action": "enregistrer", "employeur_raison_sociale": employeur.raison_sociale,
                      "employeur_siret": employeur.siret})
    db.session.refresh(profil)
    assert (profil.employeur_raison_sociale, profil.employeur_siret) == (employeur.raison_sociale, employeur.siret)


def test_no_public_employer_matches_then_manual_entry(scene):
    _, profil, trainer, _, _ = scene
    _employeur_public(profil)
    reponse = _poster(trainer, {**_identite(), "recherche_employeur": "zzzzqqq", "rechercher": "Rechercher"})
    html = reponse.get_data(as_text=True)
    assert "Aucun employeur public ne correspond (saisissez au moins 3 caractères" in page_text(reponse)
    assert 'id="recherche_employeur-erreur"' in html and 'value="zzzzqqq"' in html
    _poster(trainer, {**_identite(), "action": "enregistrer", "employeur_raison_sociale": "Syndicat des eaux"})
    db.session.refresh(profil)
    assert profil.employeur_raison_sociale == "Syndicat des eaux"


def test_a_private_employer_has_no_public_search(scene):
    from app.models.referentiels import StatutProfessionnel

    _, profil, trainer, _, _ = scene
    profil.statut_professionnel_id = db.session.scalar(
        select(StatutProfessionnel.id).where(StatutProfessionnel.type_employeur == "PRIVE").limit(1))
    profil.type_employeur = "PRIVE"
    db.session.commit()
    assert "Rechercher un employeur public" not in page_text(trainer.get("/mon-dossier/"))


def test_a_frozen_employer_cannot_be_chosen(scene):
    _, profil, trainer, _, _ = scene
    employeur = _employeur_public(profil)
    profil.immatriculation = "IMM0000042"
    db.session.commit()
    bouton = re.search(r'<input[^>]*name="rechercher"[^>]*>', trainer.get("/mon-dossier/").get_data(as_text=True))
    assert "disabled" in bouton.group(0)
    reponse = _poster(trainer, {**_identite(), "choisir_employeur": employeur.siret})
    assert "Votre employeur n'est pas modifiable ici." in page_text(reponse)
    db.session.refresh(profil)
    assert profil.employeur_siret is None
