"""Lettres de demande (issue 23): the PDF's text, the refusal while the
dossier is not validated, the e-mail, the downloads and their scope."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from app.extensions import db
from app.infra.formatting import format_duree, format_montant, format_nombre
from app.models.comptes import EtatInscription
from app.models.dossier import Bloc
from app.models.fichiers import AccesFichier, read_fichier
from app.models.interventions import EtatLettre, LettreDemande, TypeLettre
from app.models.outbox import OutboxMessage
from app.operations.interventions import Conflit, DonneesInvalides, DossierIncomplet
from app.workflows.core import Acteur, GardeRefusee
from app.workflows.intervention import lettre as wf_lettre
from tests.conftest import csrf_token_from, page_text, sign_in
from tests.outils.interventions import _generer, _intervention, _personne


def test_formats_francais():
    """Babel's French (app.infra.formatting): U+202F between thousands, U+00A0 before « € »."""
    assert format_montant(Decimal("21603.75")) == "21\u202f603,75\u00a0€"
    assert format_nombre(Decimal("2.50")) == "2,5" and format_nombre(Decimal("3.00")) == "3"
    assert format_duree(Decimal("1"), "jour") == "1 jour" and format_duree(Decimal("2.5"), "jour") == "2,5 jours"


def test_le_pdf_porte_les_parties_l_action_et_les_montants(factory):
    gestionnaire = factory.gestionnaire("DR-84")
    _, profil = _personne(factory)
    lettre = _generer(gestionnaire, _intervention(factory, profil))
    db.session.commit()
    assert lettre.etat == EtatLettre.brouillon and lettre.numero == f"LD-2027-{lettre.id:06d}"
    fichier = lettre.fichier
    assert fichier.sensitive and fichier.owner_user_id == profil.user_id
    texte = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(read_fichier(fichier))).pages)
    texte = " ".join(texte.split())
    for attendu in (
        "Lettre de demande d'intervention", f"N° {lettre.numero} du 01/02/2027",
        "Mme Éloïse CŒUR", "17/05/1980", profil.immatriculation or "À attribuer",
        "3 allée des Œillets, 42000 Saint-Étienne",
        "Management de projet – niveau 2", "du 08/03/2027 au 10/03/2027", "2,5 jours", "Saint-Étienne (Loire)",
        "Taux horaire", "1 234,50 € par heure", "17,5", "21 603,75 €",
        "Délégation régionale Auvergne-Rhône-Alpes",
    ):
        assert attendu in texte, attendu


@pytest.mark.parametrize("bloc", [b for b in Bloc if b != Bloc.diplome])
def test_refusee_tant_qu_un_bloc_requis_n_est_pas_valide(factory, bloc):
    gestionnaire = factory.gestionnaire("DR-84")
    _, profil = _personne(factory, valider=[b for b in Bloc if b != bloc])
    with pytest.raises(DossierIncomplet) as erreur:
        _generer(gestionnaire, _intervention(factory, profil))
    assert erreur.value.blocs == [bloc]
    assert bloc.libelle in erreur.value.message


def test_le_diplome_n_est_pas_requis_ni_l_employeur_sans_statut_employeur(factory):
    from app.models.referentiels import StatutProfessionnel

    gestionnaire = factory.gestionnaire("DR-84")
    _, profil = _personne(factory, valider=[b for b in Bloc if b not in (Bloc.diplome, Bloc.employeur)])
    profil.statut_professionnel = db.session.scalar(select(StatutProfessionnel).where(
        StatutProfessionnel.type_employeur.is_(None)).limit(1))
    assert _generer(gestionnaire, _intervention(factory, profil)).numero


def test_sans_dossier_refusee(factory):
    gestionnaire = factory.gestionnaire("DR-84")
    user, profil = factory.intervenant("DR-84")
    profil.etat_inscription = EtatInscription.validee
    with pytest.raises(DossierIncomplet):
        _generer(gestionnaire, _intervention(factory, profil))


def test_une_seule_lettre_en_vigueur_et_hors_structure_refusee(factory):
    gestionnaire = factory.gestionnaire("DR-84")
    _, profil = _personne(factory)
    intervention = _intervention(factory, profil)
    premiere = _generer(gestionnaire, intervention)
    with pytest.raises(Conflit):
        _generer(gestionnaire, intervention)
    wf_lettre.apply(premiere, "annuler", Acteur.from_user(gestionnaire))
    assert _generer(gestionnaire, intervention).numero != premiere.numero
    with pytest.raises(GardeRefusee):
        _generer(factory.gestionnaire("DR-11"), intervention)


def test_taux_invalide_refuse_avec_le_champ(factory):
    gestionnaire = factory.gestionnaire("DR-84")
    _, profil = _personne(factory)
    with pytest.raises(DonneesInvalides) as erreur:
        _generer(gestionnaire, _intervention(factory, profil), taux=Decimal("0"))
    assert set(erreur.value.erreurs) == {"taux"}


def test_envoyer_previent_l_intervenant_par_courriel(factory):
    gestionnaire = factory.gestionnaire("DR-84")
    user, profil = _personne(factory)
    lettre = _generer(gestionnaire, _intervention(factory, profil))
    wf_lettre.apply(lettre, "envoyer", Acteur.from_user(gestionnaire))
    db.session.commit()
    message = db.session.scalar(select(OutboxMessage).where(OutboxMessage.template == "lettre_demande"))
    assert message.recipients == user.email
    assert lettre.numero in message.subject
    assert "/mes-interventions/" in message.body_text and "Management de projet" in message.body_text


# -- pages -----------------------------------------------------------------------------
def test_formulaire_de_generation_et_page_de_la_lettre(app, factory):
    gestionnaire = factory.gestionnaire("DR-84")
    _, profil = _personne(factory)
    intervention = _intervention(factory, profil)
    client = app.test_client()
    sign_in(client, gestionnaire)
    page = client.get(f"/gestion/interventions/lettre/{intervention.id}")
    assert page.status_code == 200 and "Générer la lettre de demande" in page_text(page)
    jeton = csrf_token_from(page.get_data(as_text=True))
    refus = client.post(f"/gestion/interventions/lettre/{intervention.id}", data={
        "csrf_token": jeton, "type_lettre": "intervention", "mode_remuneration": "journalier", "taux": "abc",
        "quantite": "2,5", "date_lettre": "2027-02-01"})
    texte = page_text(refus)
    assert refus.status_code == 200 and 'value="2,5"' in texte and 'value="abc"' in texte  # nothing lost
    assert "N'est pas une valeur décimale valide." in texte
    assert db.session.scalar(select(LettreDemande.id)) is None
    reponse = client.post(f"/gestion/interventions/lettre/{intervention.id}", data={
        "csrf_token": jeton, "type_lettre": "ressources", "mode_remuneration": "journalier", "taux": "450,00",
        "quantite": "2,5", "date_lettre": "2027-02-01"})
    assert reponse.status_code == 302
    lettre = db.session.scalar(select(LettreDemande))
    assert lettre.type == TypeLettre.ressources and lettre.taux == Decimal("450.00")
    fiche = client.get(f"/gestion/lettres-de-demande/show/{lettre.id}")
    assert "1\u202f125,00\u00a0€" in page_text(fiche) and str(lettre.fichier.uuid) in page_text(fiche)


def test_formulaire_signale_le_dossier_incomplet(app, factory):
    gestionnaire = factory.gestionnaire("DR-84")
    _, profil = _personne(factory, valider=[Bloc.adresse])
    client = app.test_client()
    sign_in(client, gestionnaire)
    texte = page_text(client.get(f"/gestion/interventions/lettre/{_intervention(factory, profil).id}"))
    assert "dossier administratif complet et validé" in texte and "Informations bancaires" in texte


def test_telechargements_traces_et_limites(app, factory):
    gestionnaire = factory.gestionnaire("DR-84")
    user, profil = _personne(factory)
    lettre = _generer(gestionnaire, _intervention(factory, profil))
    db.session.commit()
    client = app.test_client()
    sign_in(client, user)
    # a draft is not the intervenant's yet
    assert client.get(f"/mes-interventions/lettres/{lettre.numero}").status_code == 404
    wf_lettre.apply(lettre, "envoyer", Acteur.from_user(gestionnaire))
    db.session.commit()
    reponse = client.get(f"/mes-interventions/lettres/{lettre.numero}")
    assert reponse.status_code == 200 and reponse.data.startswith(b"%PDF")
    assert reponse.headers["Cache-Control"] == "private, no-store"
    assert db.session.scalar(select(AccesFichier.user_id).where(AccesFichier.fichier_id == lettre.fichier_id)) == user.id
    # the same file by its identifier: staff of the structure, not another structure's
    autre = app.test_client()
    sign_in(autre, factory.gestionnaire("DR-11"))
    assert autre.get(f"/fichiers/{lettre.fichier.uuid}").status_code == 404
    meme = app.test_client()
    sign_in(meme, gestionnaire)
    assert meme.get(f"/fichiers/{lettre.fichier.uuid}").status_code == 200
    # another intervenant
    tiers = app.test_client()
    sign_in(tiers, factory.intervenant("DR-84")[0])
    assert tiers.get(f"/mes-interventions/lettres/{lettre.numero}").status_code == 404
