"""Issue 37, point 6: the intervenant accepts (or refuses) its lettre de
demande online (docs/lettre_acceptation.md).

Who may open and answer a lettre (a matrix), the acceptance once only (also
20 simultaneous clicks on PostgreSQL), identity by password or second factor,
the commitment, a lettre changed after sending (to be sent again first), the
refusal's reason, the accepted PDF's added page with the fingerprint, the
e-mails to both sides, and the history telling online from paper answers.
"""

from __future__ import annotations

import hashlib
import io
import re

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from app.extensions import db
from app.models.fichiers import read_fichier
from app.models.interventions import EtatLettre
from app.models.outbox import OutboxMessage
from app.models.workflow import TransitionHistorique
from app.operations import executer
from app.operations.interventions import DonneesInvalides, modifier_intervention
from app.operations.lettres import (
    MESSAGE_AUTRE_VERSION,
    MESSAGE_CODE,
    MESSAGE_ENGAGEMENT,
    MESSAGE_MODIFIEE,
    MESSAGE_MOT_DE_PASSE,
    MESSAGE_MOTIF,
    accepter_en_ligne,
    refuser_en_ligne,
)
from app.workflows.core import Acteur, GardeRefusee, TransitionInterdite
from app.workflows.intervention import lettre as wf_lettre
from tests.conftest import PASSWORD, code_totp, csrf_token_from, enroler, page_text, postgresql_only, sign_in
from tests.outils.concurrence import _en_meme_temps, base_partagee  # noqa: F401 (fixture)
from tests.outils.interventions import _generer, _intervention, _personne, lettre_envoyee


def _texte_pdf(contenu: bytes) -> list[str]:
    return [" ".join((page.extract_text() or "").split()) for page in PdfReader(io.BytesIO(contenu)).pages]


def _emails(template: str) -> list[OutboxMessage]:
    return db.session.scalars(select(OutboxMessage).where(OutboxMessage.template == template)
                              .order_by(OutboxMessage.id)).all()


def _historique(lettre_id: int) -> list[TransitionHistorique]:
    return db.session.scalars(select(TransitionHistorique).where(
        TransitionHistorique.workflow == "lettre_demande", TransitionHistorique.objet_id == lettre_id)
        .order_by(TransitionHistorique.id)).all()


def _page(client, lettre):
    return client.get(f"/mes-interventions/lettres/{lettre.numero}/fiche")


def _accepter(client, lettre, *, secret=PASSWORD, engagement=True, sha256=None):
    page = _page(client, lettre)
    donnees = {"csrf_token": csrf_token_from(page.get_data(as_text=True)), "secret": secret,
               "sha256": sha256 if sha256 is not None else lettre.fichier.sha256}
    if engagement:
        donnees["engagement"] = "y"
    return client.post(f"/mes-interventions/lettres/{lettre.numero}/accepter", data=donnees)


# -- the journey ---------------------------------------------------------------------------
def test_l_intervenant_lit_puis_accepte_sa_lettre(app, factory):
    gestionnaire, user, lettre = lettre_envoyee(factory)
    original = read_fichier(lettre.fichier)
    client = app.test_client()
    sign_in(client, user)
    liste = page_text(client.get("/mes-interventions/"))
    assert f"/mes-interventions/lettres/{lettre.numero}/fiche" in liste
    page = page_text(_page(client, lettre))
    assert "Accepter la lettre de demande" in page and "Refuser la lettre de demande" in page
    assert f"/mes-interventions/lettres/{lettre.numero}\"" in page  # the PDF, through the checked view
    assert hashlib.sha256(original).hexdigest() in page and "Mot de passe" in page

    reponse = _accepter(client, lettre)

    assert reponse.status_code == 302
    db.session.expire_all()
    assert lettre.etat == EtatLettre.acceptee
    empreinte = hashlib.sha256(original).hexdigest()
    assert (lettre.reponse_par_id, lettre.reponse_ip, lettre.sha256_reponse) == (user.id, "127.0.0.1", empreinte)
    assert lettre.sha256_envoye == empreinte and lettre.reponse_le is not None
    [ligne] = [h for h in _historique(lettre.id) if h.evenement == "accepter_en_ligne"]
    assert (ligne.acteur_id, ligne.action_libelle) == (user.id, "Acceptée en ligne par l'intervenant")
    # both sides e-mailed, once
    destinataires = [m.recipients for m in _emails("lettre_reponse")]
    assert destinataires == [user.email, gestionnaire.email]
    assert empreinte in _emails("lettre_reponse")[1].body_text
    # the accepted PDF: the pages sent, unchanged, then the acceptance page with the fingerprint
    page = page_text(client.get(f"/mes-interventions/lettres/{lettre.numero}/fiche"))
    assert "Vous avez accepté cette lettre en ligne" in page and "Accepter la lettre de demande" not in page
    pdf = client.get(f"/mes-interventions/lettres/{lettre.numero}/acceptee")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    pages, pages_originales = _texte_pdf(pdf.data), _texte_pdf(original)
    assert pages[:-1] == pages_originales and len(pages) == len(pages_originales) + 1
    derniere = pages[-1]
    for attendu in ("Acceptation en ligne de la lettre de demande", lettre.numero, user.email, "127.0.0.1",
                    empreinte, "heure de Paris"):
        assert attendu in derniere, attendu


def test_mauvais_mot_de_passe_message_a_cote_du_champ_rien_perdu(app, factory):
    _, user, lettre = lettre_envoyee(factory)
    client = app.test_client()
    sign_in(client, user)
    reponse = _accepter(client, lettre, secret="pas-le-bon")
    texte = page_text(reponse)
    assert reponse.status_code == 200
    assert f'id="secret-erreur">{MESSAGE_MOT_DE_PASSE}' in texte
    case = re.search(r"<input[^>]*name=\"engagement\"[^>]*>", texte).group(0)
    assert "checked" in case  # the commitment stays ticked
    db.session.expire_all()
    assert lettre.etat == EtatLettre.envoyee and lettre.reponse_le is None and _emails("lettre_reponse") == []
    # both messages at once: no commitment, no password
    texte = page_text(_accepter(client, lettre, secret="", engagement=False))
    assert MESSAGE_ENGAGEMENT in texte and "Saisissez votre mot de passe" in texte


def test_avec_un_second_facteur_le_code_remplace_le_mot_de_passe(app, factory):
    _, user, lettre = lettre_envoyee(factory)
    enroler(user)
    client = app.test_client()
    sign_in(client, user)
    assert "Code de vérification" in page_text(_page(client, lettre))
    assert MESSAGE_CODE in page_text(_accepter(client, lettre, secret=PASSWORD))
    assert _accepter(client, lettre, secret=code_totp()).status_code == 302
    db.session.expire_all()
    assert lettre.etat == EtatLettre.acceptee


def test_acceptee_une_seule_fois(app, factory):
    _, user, lettre = lettre_envoyee(factory)
    client = app.test_client()
    sign_in(client, user)
    assert _accepter(client, lettre).status_code == 302
    second = client.post(f"/mes-interventions/lettres/{lettre.numero}/accepter", data={
        "csrf_token": _jeton(client), "secret": PASSWORD, "engagement": "y", "sha256": lettre.fichier.sha256})
    assert second.status_code == 200 and "n'attend plus de réponse" in page_text(second)
    with pytest.raises(TransitionInterdite):
        accepter_en_ligne(lettre, user, secret=PASSWORD, engagement=True, sha256_lu=lettre.fichier.sha256, ip=None)
    assert [h.evenement for h in _historique(lettre.id)] == ["envoyer", "accepter_en_ligne"]
    assert len(_emails("lettre_reponse")) == 2


def _jeton(client) -> str:
    """A CSRF token of the session (any page with a form: the profile's sign-out)."""
    return csrf_token_from(client.get("/logout/").get_data(as_text=True))


def test_une_lettre_modifiee_apres_l_envoi_doit_etre_renvoyee(app, factory):
    gestionnaire, user, lettre = lettre_envoyee(factory)
    acteur = Acteur.from_user(gestionnaire)
    envoye = lettre.sha256_envoye
    modifier_intervention(lettre.intervention, acteur, lieu="Roanne (Loire)")
    db.session.commit()
    assert lettre.fichier.sha256 != envoye and "Roanne (Loire)" in " ".join(_texte_pdf(read_fichier(lettre.fichier)))
    client = app.test_client()
    sign_in(client, user)
    page = page_text(_page(client, lettre))
    assert MESSAGE_MODIFIEE in page and "Accepter la lettre de demande" not in page
    # even with the hash of what is now shown
    refus = _accepter(client, lettre, sha256=lettre.fichier.sha256)
    assert MESSAGE_MODIFIEE in page_text(refus)
    db.session.expire_all()
    assert lettre.etat == EtatLettre.envoyee
    # « Renvoyer »: a new e-mail, and now it can be accepted
    wf_lettre.apply(lettre, "renvoyer", acteur)
    db.session.commit()
    assert [m.recipients for m in _emails("lettre_demande")] == [user.email, user.email]
    with pytest.raises(GardeRefusee):  # nothing changed since: no second « Renvoyer »
        wf_lettre.apply(lettre, "renvoyer", acteur)
    assert _accepter(client, lettre).status_code == 302


def test_une_lettre_changee_depuis_sa_lecture_est_relue(factory):
    gestionnaire, user, lettre = lettre_envoyee(factory)
    with pytest.raises(GardeRefusee) as erreur:
        accepter_en_ligne(lettre, user, secret=PASSWORD, engagement=True, sha256_lu="0" * 64, ip="192.0.2.1")
    assert erreur.value.message == MESSAGE_AUTRE_VERSION


def test_refus_avec_motif_obligatoire(app, factory):
    gestionnaire, user, lettre = lettre_envoyee(factory)
    client = app.test_client()
    sign_in(client, user)
    jeton = csrf_token_from(_page(client, lettre).get_data(as_text=True))
    vide = client.post(f"/mes-interventions/lettres/{lettre.numero}/refuser", data={"csrf_token": jeton, "motif": "  "})
    assert vide.status_code == 200 and f'id="motif-erreur">{MESSAGE_MOTIF}' in page_text(vide)
    db.session.expire_all()
    assert lettre.etat == EtatLettre.envoyee
    with pytest.raises(DonneesInvalides) as erreur:
        refuser_en_ligne(lettre, user, motif="", ip=None)
    assert erreur.value.erreurs == {"motif": MESSAGE_MOTIF}
    reponse = client.post(f"/mes-interventions/lettres/{lettre.numero}/refuser",
                          data={"csrf_token": jeton, "motif": "Je suis en congé à ces dates."})
    assert reponse.status_code == 302
    db.session.expire_all()
    assert lettre.etat == EtatLettre.refusee and lettre.motif_refus == "Je suis en congé à ces dates."
    ligne = _historique(lettre.id)[-1]
    assert (ligne.evenement, ligne.commentaire) == ("refuser_en_ligne", "Je suis en congé à ces dates.")
    messages = _emails("lettre_reponse")
    assert [m.recipients for m in messages] == [user.email, gestionnaire.email]
    assert "Je suis en congé à ces dates." in messages[1].body_text and "refusée" in messages[1].subject
    # refused: no longer in force, the structure may establish another one
    assert "Refusée par l'intervenant" in page_text(_page(client, lettre))


# -- who may open and answer -----------------------------------------------------------------
ACTEURS = ("destinataire", "autre_intervenant", "gestionnaire", "gestionnaire_autre_structure", "anonyme")
#: (method, path after /mes-interventions/lettres/<numero>, expected status per actor); an
#: anonymous POST has no CSRF token to send: refused (400) before anything.
ROUTES = {
    "fiche": ("get", "/fiche", (200, 404, 403, 403, 302)),
    "pdf": ("get", "", (200, 404, 403, 403, 302)),
    "accepter": ("post", "/accepter", (302, 404, 403, 403, 400)),
    "refuser": ("post", "/refuser", (302, 404, 403, 403, 400)),
    "acceptee": ("get", "/acceptee", (404, 404, 403, 403, 302)),  # none before an acceptance
}


@pytest.mark.parametrize("acteur", ACTEURS)
@pytest.mark.parametrize("route", ROUTES)
def test_matrice_des_droits(app, factory, route, acteur):
    gestionnaire, user, lettre = lettre_envoyee(factory)
    utilisateurs = {
        "destinataire": user, "autre_intervenant": factory.intervenant("DR-84")[0], "gestionnaire": gestionnaire,
        "gestionnaire_autre_structure": factory.gestionnaire("DR-11"), "anonyme": None,
    }
    client = app.test_client()
    if utilisateurs[acteur] is not None:
        sign_in(client, utilisateurs[acteur])
    methode, suffixe, attendus = ROUTES[route]
    url = f"/mes-interventions/lettres/{lettre.numero}{suffixe}"
    if methode == "get":
        reponse = client.get(url)
    else:
        donnees = {"csrf_token": _jeton(client) if acteur != "anonyme" else "", "secret": PASSWORD,
                   "engagement": "y", "sha256": lettre.fichier.sha256, "motif": "Indisponible"}
        reponse = client.post(url, data=donnees)
    attendu = attendus[ACTEURS.index(acteur)]
    if attendu == 403:  # FAB: a redirect with « Access is Denied », or 403
        assert reponse.status_code in (302, 403) and "/mes-interventions" not in reponse.headers.get("Location", "")
    else:
        assert reponse.status_code == attendu, page_text(reponse)[:300]
    if acteur == "anonyme" and methode == "get":
        assert "/login" in reponse.headers["Location"]
    db.session.expire_all()
    attendu_etat = {"accepter": EtatLettre.acceptee, "refuser": EtatLettre.refusee}.get(route)
    if acteur == "destinataire" and attendu_etat:
        assert lettre.etat == attendu_etat
    else:
        assert lettre.etat == EtatLettre.envoyee


def test_un_brouillon_n_est_pas_a_l_intervenant(app, factory):
    gestionnaire = factory.gestionnaire("DR-84")
    user, profil = _personne(factory)
    lettre = _generer(gestionnaire, _intervention(factory, profil))
    db.session.commit()
    client = app.test_client()
    sign_in(client, user)
    assert _page(client, lettre).status_code == 404


def test_le_personnel_ne_repond_pas_en_ligne_a_la_place_de_l_intervenant(factory):
    gestionnaire, _, lettre = lettre_envoyee(factory)
    with pytest.raises(GardeRefusee):
        wf_lettre.apply(lettre, "accepter_en_ligne", Acteur.from_user(gestionnaire))
    with pytest.raises(GardeRefusee):
        accepter_en_ligne(lettre, gestionnaire, secret=PASSWORD, engagement=True,
                          sha256_lu=lettre.fichier.sha256, ip=None)


# -- the history: online and paper answers told apart ------------------------------------------
def test_l_historique_distingue_en_ligne_et_papier(app, factory):
    gestionnaire, user, en_ligne = lettre_envoyee(factory)
    executer(accepter_en_ligne, en_ligne, user, secret=PASSWORD, engagement=True,
             sha256_lu=en_ligne.fichier.sha256, ip="192.0.2.7")
    _, _, papier = lettre_envoyee(factory)
    wf_lettre.apply(papier, "accepter", Acteur.from_user(gestionnaire))
    db.session.commit()
    client = app.test_client()
    sign_in(client, gestionnaire)
    fiche_en_ligne = page_text(client.get(f"/gestion/lettres-de-demande/show/{en_ligne.id}"))
    fiche_papier = page_text(client.get(f"/gestion/lettres-de-demande/show/{papier.id}"))
    assert "Acceptée en ligne par l'intervenant" in fiche_en_ligne and "192.0.2.7" in fiche_en_ligne
    assert en_ligne.sha256_reponse in fiche_en_ligne and "réponse papier" not in fiche_en_ligne
    assert "Marquer acceptée (réponse papier)" in fiche_papier
    assert "Acceptée en ligne" not in fiche_papier
    # the staff reads the accepted PDF too (the file's own check)
    assert client.get(f"/fichiers/{en_ligne.fichier_accepte.uuid}").status_code == 200
    # paper: no online answer recorded, no e-mail pair
    assert papier.reponse_le is None and papier.fichier_accepte is None
    assert len(_emails("lettre_reponse")) == 2


# -- 20 simultaneous clicks: PostgreSQL ------------------------------------------------------------
@postgresql_only
def test_vingt_clics_simultanes_une_seule_acceptation(app, factory, base_partagee):  # noqa: F811
    from app.models.interventions import LettreDemande as Lettre

    gestionnaire, user, lettre = lettre_envoyee(factory)
    numero, pk, user_id, sha256 = lettre.numero, lettre.id, user.id, lettre.fichier.sha256
    emails = (user.email, gestionnaire.email)
    db.session.remove()

    reponses = _en_meme_temps(
        app, user_id, f"/mes-interventions/lettres/{numero}/fiche", f"/mes-interventions/lettres/{numero}/accepter",
        [{"secret": PASSWORD, "engagement": "y", "sha256": sha256}] * 20,
    )

    assert [status for status, _ in reponses].count(302) == 1
    perdants = [body for status, body in reponses if status != 302]
    assert all(status == 200 for status, _ in reponses if status != 302)
    assert all("déjà été modifiée entre-temps" in body or "n'attend plus de réponse" in body for body in perdants)
    assert [h.evenement for h in _historique(pk)] == ["envoyer", "accepter_en_ligne"]
    assert db.session.get(Lettre, pk).etat == EtatLettre.acceptee
    assert sorted(m.recipients for m in _emails("lettre_reponse")) == sorted(emails)
    assert db.session.scalar(select(func.count()).select_from(Lettre).where(
        Lettre.fichier_accepte_id.is_not(None), Lettre.id == pk)) == 1


def test_la_date_et_le_montant_de_la_lettre_ne_changent_pas_a_l_acceptation(factory):
    """Accepting records the answer; the lettre's own terms stay as sent."""
    _, user, lettre = lettre_envoyee(factory)
    avant = (lettre.taux, lettre.quantite, lettre.date_lettre, lettre.fichier_id)
    accepter_en_ligne(lettre, user, secret=PASSWORD, engagement=True, sha256_lu=lettre.fichier.sha256, ip=None)
    db.session.flush()
    assert (lettre.taux, lettre.quantite, lettre.date_lettre, lettre.fichier_id) == avant
    assert lettre.fichier_accepte_id not in (None, lettre.fichier_id)


def test_les_mots_de_passe_faux_comptent_dans_le_ralentissement_des_connexions(app, factory):
    """A wrong password here is logged like a sign-in failure (rolled back
    with the answer, logged apart); past the login's threshold even the
    right one waits, and nothing is accepted."""
    from app.models.authentification import TentativeConnexion

    _, user, lettre = lettre_envoyee(factory)
    client = app.test_client()
    sign_in(client, user)
    for _ in range(app.config["AUTH_MAX_ECHECS"]):
        assert MESSAGE_MOT_DE_PASSE in page_text(_accepter(client, lettre, secret="devine"))
    lignes = db.session.scalars(select(TentativeConnexion).where(TentativeConnexion.user_id == user.id)).all()
    assert {(t.canal, t.motif, t.succes, t.adresse_ip) for t in lignes} == {("lettre", "mot_de_passe", False,
                                                                           "127.0.0.1")}
    assert len(lignes) == app.config["AUTH_MAX_ECHECS"]
    texte = page_text(_accepter(client, lettre))
    assert "Trop de tentatives infructueuses" in texte
    db.session.expire_all()
    assert lettre.etat == EtatLettre.envoyee


def test_modifier_l_intervention_a_l_ecran_refait_la_lettre_envoyee(app, factory):
    """The management screen's edit goes the same way as the API's: the sent
    lettre's PDF follows the intervention, and must be sent again."""
    gestionnaire, user, lettre = lettre_envoyee(factory)
    intervention = lettre.intervention
    client = app.test_client()
    sign_in(client, gestionnaire)
    assert "Renvoyer à l'intervenant" not in page_text(client.get(f"/gestion/lettres-de-demande/show/{lettre.id}"))
    page = client.get(f"/gestion/interventions/edit/{intervention.id}")
    reponse = client.post(f"/gestion/interventions/edit/{intervention.id}", data={
        "csrf_token": csrf_token_from(page.get_data(as_text=True)), "intitule": intervention.intitule,
        "date_debut": "2027-03-08", "date_fin": "2027-03-10", "duree_jours": "2,5", "lieu": "Montbrison (Loire)",
        "reference_externe": ""})
    assert reponse.status_code == 302, page_text(reponse)[:500]
    db.session.expire_all()
    assert lettre.fichier.sha256 != lettre.sha256_envoye
    assert "Montbrison (Loire)" in " ".join(_texte_pdf(read_fichier(lettre.fichier)))
    fiche = page_text(client.get(f"/gestion/lettres-de-demande/show/{lettre.id}"))
    assert "Renvoyer à l'intervenant" in fiche
