"""Support desk « Aide et contact » (issue 22, manual §6): the form and its
validation, the anonymous journey (captcha, single-use and expiring
confirmation link), the signed-in journey, routing, numbering, the handlers'
queue and scope, answers and replies by e-mail, the workflow and the jobs."""

from __future__ import annotations

import re
from datetime import timedelta
from io import BytesIO

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.jobs.support import cloturer_demandes_sans_reponse, purger_demandes_non_confirmees
from app.models import base
from app.models.outbox import OutboxMessage
from app.models.support import DemandeSupport, EtatDemandeSupport
from app.models.workflow import TransitionHistorique
from app.operations import support as operations
from app.workflows.core import Acteur, GardeRefusee, TransitionInterdite
from app.workflows.support import demandeur, support
from tests.conftest import corps_envoye, csrf_token_from, page_text
from tests.outils.annonces import count_queries
from tests.outils.support import PDF, _poster, _transmise, structure_id, type_id

TEST_ANSWER = "reponse-test"
URL = "/aide-et-contact"
ENVOYEE = "Vous allez recevoir un mail de confirmation concernant votre demande de support"


@pytest.fixture(autouse=True)
def _captcha_solvable(app, monkeypatch):
    monkeypatch.setitem(app.config, "CAPTCHA_TEST_ANSWER", TEST_ANSWER)


def hidden(html: str, name: str) -> str:
    match = re.search(rf'name="{name}"[^>]*value="([^"]*)"', html) or re.search(
        rf'value="([^"]*)"[^>]*name="{name}"', html)
    assert match, f"no {name} in page"
    return match.group(1)


def donnees(**changes) -> dict:
    data = {
        "type_demande": str(type_id("CONNEXION")), "structure": str(structure_id("DR-84")),
        "nom": "Duchamp", "prenom": "Marcel", "email": "marcel.duchamp@example.test",
        "sujet": "Pb de mot de passe", "descriptif": "J'ai changé d'adresse de messagerie.",
        "captcha": TEST_ANSWER,
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def envoyer(client, **changes):
    """Send the form (a signed-in client with the account's e-mail, unless changed)."""
    if hasattr(client, "user"):
        changes.setdefault("email", client.user.email)
    html = client.get(URL).get_data(as_text=True)
    data = donnees(**changes)
    data.setdefault("csrf_token", csrf_token_from(html))
    if 'name="captcha_id"' in html:
        data.setdefault("captcha_id", hidden(html, "captcha_id"))
    return client.post(URL, data=data)


def dernier_mail(to: str) -> OutboxMessage:
    message = db.session.scalar(select(OutboxMessage).where(OutboxMessage.recipients == to)
                                .order_by(OutboxMessage.id.desc()).limit(1))
    assert message is not None, f"no e-mail to {to}"
    return message


def lien(message: OutboxMessage) -> str:
    match = re.search(r"http://localhost(/\S+)", corps_envoye(message))
    assert match
    return match.group(1)


def demande(**changes) -> DemandeSupport:
    return db.session.scalar(select(DemandeSupport).filter_by(**changes).order_by(DemandeSupport.id.desc()).limit(1))


# -- the form -------------------------------------------------------------------
def test_the_form_has_the_manuals_fields_and_the_counter(client):
    html = page_text(client.get(URL))
    for label in ("Type de demande *", "Structure gestionnaire en charge de la demande *", "Nom *", "Prénom *",
                  "Votre e-mail *", "Sujet *", "Descriptif de la demande *", "0 / 2000 caractères",
                  "Recopier le texte de l'image", "Écouter le code (version audio)", ENVOYEE, "Valider",
                  "Réactivation de mon compte archivé", "Administrateur national"):
        assert label in html, label
    assert 'src="/static/js/support.js"' in html and "onchange" not in html
    assert 'maxlength="2000"' in html and 'data-nationaux="' in html


def test_the_structure_field_reads_destinataire_for_a_national_type(client):
    """Issue 40: the manual names the field « Destinataire de la demande »
    when the request goes to the Administrateur national (§10), « Structure
    gestionnaire en charge de la demande » otherwise (§6.1); support.js
    switches it with the type."""
    html = page_text(client.get(URL + "?type=REACTIVATION"))
    assert '<label class="control-label" for="structure">Destinataire de la demande *</label>' in html
    assert 'data-libelle-national="Destinataire de la demande"' in html
    assert 'data-libelle-structure="Structure gestionnaire en charge de la demande"' in html
    autre = page_text(client.get(URL + "?type=CONNEXION"))
    assert '<label class="control-label" for="structure">Structure gestionnaire en charge de la demande *</label>' in autre
    from pathlib import Path

    script = Path("app/static/js/support.js").read_text()
    assert "data-libelle-national" in script and 'label[for="structure"]' in script


def test_the_footer_of_every_page_links_to_the_form(client):
    assert 'href="/aide-et-contact">Aide et Contact</a>' in page_text(client.get("/accessibilite"))


@pytest.mark.parametrize("champ", ["type_demande", "structure", "nom", "prenom", "email", "sujet", "descriptif"])
def test_every_field_is_required_and_nothing_typed_is_lost(client, champ):
    response = envoyer(client, **{champ: ""})
    html = page_text(response)
    assert response.status_code == 422
    assert re.search(rf'id="{champ}-erreur">[^<]+', html), champ
    assert "Pb de mot de passe" in html or champ == "sujet"
    assert "J'ai changé d'adresse de messagerie." in html or champ == "descriptif"
    assert db.session.scalar(select(func.count()).select_from(DemandeSupport)) == 0


def test_the_descriptif_is_limited_to_2000_characters_on_the_server(client):
    response = envoyer(client, descriptif="é" * 2001)
    assert response.status_code == 422
    assert "Le descriptif de la demande ne doit pas dépasser 2000 caractères." in page_text(response)
    assert "2001 / 2000 caractères" in page_text(response)  # the text kept, counted
    assert envoyer(client, descriptif="é" * 2000).status_code == 200


def test_wrong_captcha_refused_with_the_text_kept(client):
    response = envoyer(client, captcha="000000-faux")
    html = page_text(response)
    assert response.status_code == 422 and "Le texte saisi ne correspond pas à l'image." in html
    assert "Pb de mot de passe" in html
    assert db.session.scalar(select(func.count()).select_from(DemandeSupport)) == 0


def test_the_descriptif_is_shown_escaped(client, login_as):
    envoyer(login_as("intervenant"), descriptif="<script>alert(1)</script>")
    gestionnaire = login_as("gestionnaire", "DR-84")
    html = gestionnaire.get(f"/gestion/support/{demande().id}").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert(1)" not in html


# -- anonymous journey ----------------------------------------------------------
def test_anonymous_request_confirmed_by_its_single_use_link(client):
    response = envoyer(client)
    assert response.status_code == 200 and ENVOYEE in page_text(response)
    d = demande()
    assert d.etat == EtatDemandeSupport.a_confirmer and d.user_id is None
    message = dernier_mail("marcel.duchamp@example.test")
    url = lien(message)
    assert url.startswith("/aide-et-contact/confirmer/")
    # only the token's hash is stored, and the stored e-mail holds no link
    assert url.rsplit("/", 1)[1] not in (d.jeton_hash or "") and url not in message.body_text
    confirme = page_text(client.get(url))
    assert f"Votre demande de support n° {d.numero} a bien été prise en compte" in confirme
    db.session.refresh(d)
    assert d.etat == EtatDemandeSupport.nouvelle and d.transmise_le is not None and d.jeton_hash is None
    # single use
    assert "Ce lien n'est pas valide" in page_text(client.get(url))


def test_expired_confirmation_link_refused(client):
    envoyer(client)
    d = demande()
    url = lien(dernier_mail("marcel.duchamp@example.test"))
    d.jeton_expire_le = base.utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert "Ce lien n'est pas valide" in page_text(client.get(url))
    db.session.refresh(d)
    assert d.etat == EtatDemandeSupport.a_confirmer


def test_forged_link_refused(client):
    assert "Ce lien n'est pas valide" in page_text(client.get("/aide-et-contact/confirmer/" + "x" * 43))
    assert "Ce lien n'est pas valide" in page_text(client.get("/aide-et-contact/historique/faux"))


# -- signed-in journey -----------------------------------------------------------
def test_signed_in_form_prefilled_without_captcha_and_sent_at_once(login_as):
    client = login_as("intervenant", "DR-11")
    html = page_text(client.get(URL))
    assert 'name="captcha"' not in html
    assert f'value="{client.user.email}"' in html
    assert re.search(rf'<option selected value="{structure_id("DR-11")}"|<option value="{structure_id("DR-11")}" selected',
                     html)
    response = envoyer(client, structure=str(structure_id("DR-11")), email=client.user.email)
    d = demande()
    assert f"Votre demande de support n° {d.numero} a bien été prise en compte" in page_text(response)
    assert d.etat == EtatDemandeSupport.nouvelle and d.user_id == client.user.id
    assert d.structure_id == structure_id("DR-11")


# -- routing and numbering -------------------------------------------------------
@pytest.mark.parametrize(("code", "choisie", "attendue"), [
    ("CONNEXION", "DR-84", "DR-84"),
    ("AUTRE", "DR-11", "DR-11"),
    ("REACTIVATION", "DR-84", None),
    ("RECUPERATION_DONNEES", "DR-11", None),
    ("CONNEXION", "national", None),
])
def test_routing_by_type(login_as, code, choisie, attendue):
    client = login_as("intervenant")
    envoyer(client, type_demande=str(type_id(code)),
            structure=choisie if choisie == "national" else str(structure_id(choisie)))
    assert demande().structure_id == (structure_id(attendue) if attendue else None)


def test_numbers_are_ten_digits_date_then_sequence(login_as):
    client = login_as("intervenant")
    for _ in range(3):
        envoyer(client)
    numeros = sorted(db.session.scalars(select(DemandeSupport.numero)))
    prefixe = base.utcnow().strftime("%y%m%d")
    assert numeros == [f"{prefixe}0001", f"{prefixe}0002", f"{prefixe}0003"]


def test_a_number_taken_by_a_concurrent_request_makes_the_next_one(login_as, monkeypatch):
    """The unique index refuses a number another request took between the read
    and the insert: the request gets the next one."""
    client = login_as("intervenant")
    envoyer(client)
    pris = demande().numero
    reel = operations._prochain_numero
    appels = []

    def course():
        appels.append(1)
        return pris if len(appels) == 1 else reel()

    monkeypatch.setattr(operations, "_prochain_numero", course)
    envoyer(client)
    assert demande().numero == f"{pris[:6]}{int(pris[6:]) + 1:04d}" and len(appels) == 2


# -- handling ---------------------------------------------------------------------


def test_the_queue_shows_the_structures_requests_only(login_as):
    a, b, national = _transmise("DR-84"), _transmise("DR-11"), _transmise(None, "REACTIVATION")
    non_confirmee, _ = operations.creer(type_id=type_id("AUTRE"), structure_id=structure_id("DR-84"), nom="X",
                                        prenom="Y", email="x@example.test", sujet="S", descriptif="T")
    db.session.commit()
    html = page_text(login_as("gestionnaire", "DR-84").get("/gestion/support/"))
    assert a.numero in html and b.numero not in html and national.numero not in html
    assert non_confirmee.numero not in html
    html = page_text(login_as("admin_national").get("/gestion/support/"))
    assert all(d.numero in html for d in (a, b, national)) and "Administrateur national" in html
    # a request of another structure, or a national one, is a 404 for a gestionnaire
    client = login_as("gestionnaire", "DR-84")
    assert client.get(f"/gestion/support/{b.id}").status_code == 404
    assert client.get(f"/gestion/support/{national.id}").status_code == 404
    assert client.get(f"/gestion/support/{a.id}").status_code == 200


def test_the_queue_filters_by_state_and_number(login_as):
    a, b = _transmise(), _transmise()
    client = login_as("admin_national")
    html = page_text(client.get(f"/gestion/support/?numero={a.numero}"))
    assert a.numero in html and b.numero not in html
    html = page_text(client.get("/gestion/support/?etat=cloturee"))
    assert a.numero not in html and "Aucune demande de support ne correspond à ces critères." in html


def test_answer_ask_for_information_reply_then_close(login_as, client):
    d = _transmise(email="marcel@example.test")
    gestionnaire = login_as("gestionnaire", "DR-84")
    page = gestionnaire.get(f"/gestion/support/{d.id}")
    token = csrf_token_from(page.get_data(as_text=True))
    # an empty answer: French error next to the field, nothing changed
    vide = gestionnaire.post(f"/gestion/support/{d.id}", data={"csrf_token": token, "reponse": "cloturer", "texte": ""})
    assert vide.status_code == 422 and "Saisissez votre réponse." in page_text(vide)
    reponse = gestionnaire.post(f"/gestion/support/{d.id}", data={
        "csrf_token": token, "reponse": "demander_complement", "texte": "Quelle est votre nouvelle adresse ?"})
    assert reponse.status_code == 302
    db.session.refresh(d)
    assert d.etat == EtatDemandeSupport.complement_demande
    mail = dernier_mail("marcel@example.test")
    assert mail.subject == f"Réponse à votre demande de support n° {d.numero} : Sujet"
    corps = corps_envoye(mail)
    assert "Vous avez reçu une réponse à votre demande de support n° " + d.numero in corps
    assert "Quelle est votre nouvelle adresse ?" in corps and "Information CNIL" in corps
    assert "Consulter l'historique" in corps
    # the requester's signed link opens this request and takes the reply
    historique = lien(mail)
    assert historique.startswith("/aide-et-contact/historique/")
    anonyme = login_as("anonyme")
    page = page_text(anonyme.get(historique))
    assert "Quelle est votre nouvelle adresse ?" in page and "Répondre" in page
    token_public = csrf_token_from(anonyme.get(historique).get_data(as_text=True))
    assert anonyme.post(historique, data={"csrf_token": token_public, "texte": "marcel@nouveau.test"}).status_code == 302
    db.session.refresh(d)
    assert d.etat == EtatDemandeSupport.nouvelle
    assert [m.du_cnfpt for m in d.messages] == [True, False]
    # the handler is told by e-mail
    assert dernier_mail(gestionnaire.user.email).subject.startswith("Complément reçu pour la demande de support")
    # no second reply while the request is back with the handler
    assert anonyme.post(historique, data={"csrf_token": token_public, "texte": "encore"}).status_code == 409
    gestionnaire.post(f"/gestion/support/{d.id}", data={"csrf_token": token, "reponse": "cloturer", "texte": "C'est fait."})
    db.session.refresh(d)
    assert d.etat == EtatDemandeSupport.cloturee
    historique_wf = db.session.scalars(select(TransitionHistorique.etat_apres).where(
        TransitionHistorique.workflow == "support", TransitionHistorique.objet_id == d.id)
        .order_by(TransitionHistorique.id)).all()
    assert historique_wf == ["nouvelle", "complement_demande", "nouvelle", "cloturee"]


def test_a_link_opens_its_own_request_only(login_as):
    a, b = _transmise(email="a@example.test"), _transmise(email="b@example.test")
    client = login_as("anonyme")
    page = page_text(client.get(operations.lien_historique(a).replace("http://localhost", "")))
    assert a.numero in page and b.numero not in page
    # a link whose number does not match its request (or expired) opens nothing
    signe = operations._serialiseur().dumps([b.id, a.numero])
    assert "Ce lien n'est pas valide" in page_text(client.get(f"/aide-et-contact/historique/{signe}"))


# -- the workflow -------------------------------------------------------------------

@pytest.mark.parametrize(("etat", "evenement", "acteur", "cible"), [
    (EtatDemandeSupport.a_confirmer, "confirmer", demandeur(), EtatDemandeSupport.nouvelle),
    (EtatDemandeSupport.nouvelle, "cloturer", "national", EtatDemandeSupport.cloturee),
    (EtatDemandeSupport.nouvelle, "demander_complement", "national", EtatDemandeSupport.complement_demande),
    (EtatDemandeSupport.complement_demande, "completer", demandeur(), EtatDemandeSupport.nouvelle),
    (EtatDemandeSupport.complement_demande, "cloturer", "national", EtatDemandeSupport.cloturee),
    (EtatDemandeSupport.complement_demande, "cloturer_sans_reponse", Acteur.systeme(), EtatDemandeSupport.cloturee),
])
def test_workflow_table(factory, etat, evenement, acteur, cible):
    if acteur == "national":
        acteur = Acteur.from_user(factory.admin_national())
    d = DemandeSupport(numero="2601010001", type_id=type_id("AUTRE"), nom="N", prenom="P", email="e@example.test",
                       sujet="S", descriptif="D", etat=etat)
    db.session.add(d)
    db.session.flush()
    support.apply(d, evenement, acteur, "commentaire")
    assert d.etat == cible


@pytest.mark.parametrize(("etat", "evenement", "acteur", "erreur"), [
    (EtatDemandeSupport.a_confirmer, "cloturer", "national", TransitionInterdite),
    (EtatDemandeSupport.cloturee, "completer", demandeur(), TransitionInterdite),
    (EtatDemandeSupport.nouvelle, "completer", demandeur(), TransitionInterdite),
    (EtatDemandeSupport.nouvelle, "cloturer", demandeur(), GardeRefusee),
    (EtatDemandeSupport.complement_demande, "cloturer_sans_reponse", "national", GardeRefusee),
    (EtatDemandeSupport.nouvelle, "cloturer", "autre_structure", GardeRefusee),
])
def test_illegal_transitions_raise_french_errors(factory, etat, evenement, acteur, erreur):
    if acteur == "national":
        acteur = Acteur.from_user(factory.admin_national())
    elif acteur == "autre_structure":
        acteur = Acteur.from_user(factory.gestionnaire("DR-11"))
    d = DemandeSupport(numero="2601010001", type_id=type_id("AUTRE"), structure_id=structure_id("DR-84"), nom="N",
                       prenom="P", email="e@example.test", sujet="S", descriptif="D", etat=etat)
    db.session.add(d)
    db.session.flush()
    with pytest.raises(erreur) as exc:
        support.apply(d, evenement, acteur, "commentaire")
    assert exc.value.message[0].isupper() and d.etat == etat


# -- jobs -----------------------------------------------------------------------------
def test_unconfirmed_requests_are_purged_after_the_delay(client):
    envoyer(client, email="ancienne@example.test")
    ancienne = demande()
    ancienne.cree_le = base.utcnow() - operations.DELAI_PURGE - timedelta(minutes=1)
    envoyer(client, email="recente@example.test")
    recente = demande()
    confirmee = _transmise()
    confirmee.cree_le = ancienne.cree_le
    db.session.commit()
    ids = ancienne.id, recente.id, confirmee.id
    assert purger_demandes_non_confirmees() == 1
    restantes = set(db.session.scalars(select(DemandeSupport.id)))
    assert ids[0] not in restantes and {ids[1], ids[2]} <= restantes


def test_requests_without_reply_are_closed_after_30_days(factory):
    national = Acteur.from_user(factory.admin_national())
    vieille, recente = _transmise(email="vieille@example.test"), _transmise(email="recente@example.test")
    for d in (vieille, recente):
        operations.repondre(d, "demander_complement", "Précisez.", national)
    vieille.date_complement_demande = base.utcnow() - timedelta(days=31)
    db.session.commit()
    assert cloturer_demandes_sans_reponse() == 1
    db.session.refresh(vieille)
    db.session.refresh(recente)
    assert vieille.etat == EtatDemandeSupport.cloturee and recente.etat == EtatDemandeSupport.complement_demande
    mail = dernier_mail("vieille@example.test")
    assert mail.subject == f"Clôture de votre demande de support n° {vieille.numero} : Sujet"
    assert cloturer_demandes_sans_reponse() == 0  # a re-run sends nothing again


# -- e-mails to the handlers ----------------------------------------------------------
def test_handlers_are_told_of_a_new_request(factory):
    gestionnaire = factory.gestionnaire("DR-84")
    autre = factory.gestionnaire("DR-11")
    admin = factory.admin_national()
    d = _transmise("DR-84")
    assert dernier_mail(gestionnaire.email).subject == f"Nouvelle demande de support n° {d.numero}"
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)
                             .where(OutboxMessage.recipients.contains(autre.email))) == 0
    n = _transmise(None, "REACTIVATION")
    assert dernier_mail(admin.email).subject == f"Nouvelle demande de support n° {n.numero}"


# -- the menu's badge ---------------------------------------------------------------
BADGE = re.compile(r'<span class="badge" aria-hidden="true">(\d+)</span><span class="sr-only"> \((.*?)\)</span>')


def test_the_badge_counts_open_requests_in_one_statement(login_as):
    _transmise("DR-84"), _transmise("DR-84"), _transmise("DR-11"), _transmise(None, "REACTIVATION")
    for role, structure, attendu in (("gestionnaire", "DR-84", "2"), ("admin_national", "DR-84", "1")):
        client = login_as(role, structure)
        client.get("/accessibilite")
        with count_queries() as statements:
            html = page_text(client.get("/accessibilite"))
        assert (attendu, f"{attendu} demande(s) de support à traiter") in BADGE.findall(html)
        assert len([s for s in statements if "badge_" in s]) == 1


# -- demo -------------------------------------------------------------------------------
def test_demo_has_requests_in_each_state(factory):
    from app.donnees.demo_support import load_demo_support

    load_demo_support({"DR-84": factory.gestionnaire("DR-84"), "DR-11": factory.gestionnaire("DR-11")})
    etats = db.session.execute(select(DemandeSupport.structure_id, DemandeSupport.etat)).all()
    for code in ("DR-84", "DR-11"):
        assert {e for s, e in etats if s == structure_id(code)} == {
            EtatDemandeSupport.nouvelle, EtatDemandeSupport.complement_demande, EtatDemandeSupport.cloturee}
    assert (None, EtatDemandeSupport.nouvelle) in etats
    load_demo_support({})  # loaded once
    assert db.session.scalar(select(func.count()).select_from(DemandeSupport)) == len(etats)


def test_the_queue_reads_a_constant_number_of_statements(login_as):
    client = login_as("admin_national")
    _transmise()
    client.get("/gestion/support/")
    with count_queries() as peu:
        client.get("/gestion/support/")
    for _ in range(15):
        _transmise()
    with count_queries() as beaucoup:
        assert "demande(s) de support" in page_text(client.get("/gestion/support/"))
    sql = lambda statements: [s for s in statements if "SAVEPOINT" not in s]  # noqa: E731 - the test's transaction
    assert len(sql(beaucoup)) == len(sql(peu))


# -- signed-in requester changing the e-mail (manual §6.1.2) ------------------------------
def test_changed_email_asks_first_then_uses_the_typed_address(login_as):
    client = login_as("intervenant")
    response = envoyer(client, email="autre.adresse@example.test")
    html = page_text(response)
    assert "Attention !" in html and "Vous êtes sur le point de saisir une adresse e-mail différente" in html
    assert 'href="/compte/email">Accéder à ma fiche intervenant</a>' in html
    assert "Utiliser l'adresse e-mail saisie" in html
    assert db.session.scalar(select(func.count()).select_from(DemandeSupport)) == 0  # nothing sent yet
    # « Utiliser l'adresse e-mail saisie »: the request as typed, re-posted
    champs = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', html))
    assert champs["sujet"] == "Pb de mot de passe" and champs["email_confirme"] == "1"
    response = client.post(URL, data=champs)
    d = demande()
    assert f"Votre demande de support n° {d.numero} a bien été prise en compte" in page_text(response)
    assert d.email == "autre.adresse@example.test"
    db.session.refresh(client.user)
    assert client.user.email != "autre.adresse@example.test"  # the account is unchanged


# -- actions from a request (national administrators) ------------------------------------
def test_national_admin_reactivates_the_archived_account_from_its_request(login_as, factory):
    from app.models.authentification import EtatCompteUtilisateur
    from app.workflows import compte as cycle_compte

    user, _ = factory.intervenant(email="archive@example.test")
    cycle_compte.appliquer(user.id, "archiver", Acteur.systeme())
    db.session.commit()
    d = _transmise(None, "REACTIVATION", email="archive@example.test")
    admin = login_as("admin_national")
    page = admin.get(f"/gestion/support/{d.id}")
    assert "Réactiver le compte archivé" in page_text(page)
    token = csrf_token_from(page.get_data(as_text=True))
    assert admin.post(f"/gestion/support/{d.id}/reactiver", data={"csrf_token": token}).status_code == 302
    assert cycle_compte.etat_de(cycle_compte.etat_du_compte(user.id)) == EtatCompteUtilisateur.actif
    # a second time: the account workflow refuses, in French, on the page
    admin.post(f"/gestion/support/{d.id}/reactiver", data={"csrf_token": token})
    assert "Action impossible" in page_text(admin.get(f"/gestion/support/{d.id}"))
    # not a reactivation request: nothing offered, refused if posted
    autre = _transmise(None, "IDENTIFIANTS_PERDUS", email="archive@example.test")
    page = page_text(admin.get(f"/gestion/support/{autre.id}"))
    assert "Réactiver le compte archivé" not in page
    assert "/gestion/comptes/identifiants-provisoires?email=archive@example.test" in page
    admin.post(f"/gestion/support/{autre.id}/reactiver", data={"csrf_token": token})
    assert "n'est pas une demande de réactivation" in page_text(admin.get(f"/gestion/support/{autre.id}"))


# -- « Mes demandes de support » -----------------------------------------------------------
def test_my_requests_list_and_open_my_own_thread_only(login_as):
    client = login_as("intervenant")
    envoyer(client, sujet="Ma question")
    d = demande()
    autre = login_as("intervenant")
    envoyer(autre, sujet="Question d'un autre")
    html = page_text(client.get("/mes-demandes-de-support/"))
    assert "Ma question" in html and "Question d'un autre" not in html
    assert f'href="/mes-demandes-de-support/{d.numero}"' in html
    ouverte = client.get(f"/mes-demandes-de-support/{d.numero}")
    assert ouverte.status_code == 302 and "/aide-et-contact/historique/" in ouverte.headers["Location"]
    assert "Ma question" in page_text(client.get(ouverte.headers["Location"]))
    assert autre.get(f"/mes-demandes-de-support/{d.numero}").status_code == 404


# -- attachments (point 6): the requester's reply and the handler's answer ----------------


def _complement_demande(gestionnaire, d, **fichier):
    """The handler asks for information (with an optional attachment)."""
    token = csrf_token_from(gestionnaire.get(f"/gestion/support/{d.id}").get_data(as_text=True))
    return _poster(gestionnaire, f"/gestion/support/{d.id}", {
        "csrf_token": token, "reponse": "demander_complement", "texte": "Pouvez-vous joindre une capture ?",
        **fichier})


def _repondre(client, historique: str, texte: str, **fichier):
    token = csrf_token_from(client.get(historique).get_data(as_text=True))
    return _poster(client, historique, {"csrf_token": token, "texte": texte, **fichier})


def _telechargement_protege(reponse, contenu: bytes, nom: str) -> None:
    assert reponse.status_code == 200 and reponse.data == contenu
    assert reponse.headers["Content-Disposition"].startswith("attachment") and nom in reponse.headers[
        "Content-Disposition"]
    assert reponse.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in reponse.headers["Cache-Control"]


def test_reply_with_an_attachment_read_by_the_handlers_and_the_requester_only(login_as, factory):
    from app.infra.storage import get_storage
    from app.models.fichiers import AccesFichier
    from app.models.support import MessageSupport

    d = _transmise(email="marcel@example.test")
    gestionnaire = login_as("gestionnaire", "DR-84")
    assert _complement_demande(gestionnaire, d).status_code == 302
    historique = lien(dernier_mail("marcel@example.test"))
    anonyme = login_as("anonyme")
    page = page_text(anonyme.get(historique))
    assert 'enctype="multipart/form-data"' in page and "Pièce jointe" in page
    assert "ne devra pas excéder 2 Mo et devra être au format : PDF, DOC, DOCX, XLS, XLSX, JPG, JPEG, PNG." in page
    reponse = _repondre(anonyme, historique, "Voici la capture.", piece_jointe=(BytesIO(PDF), "capture écran.pdf"))
    assert reponse.status_code == 302
    db.session.refresh(d)
    assert d.etat == EtatDemandeSupport.nouvelle
    message = db.session.scalar(select(MessageSupport).where(MessageSupport.demande_id == d.id,
                                                             MessageSupport.du_cnfpt.is_(False)))
    fichier = message.fichier
    assert fichier.original_name == "capture écran.pdf" and fichier.sensitive and fichier.owner_user_id is None
    assert PDF not in get_storage().path_of(fichier.storage_key).read_bytes()  # encrypted at rest
    # the handler sees it in the thread and downloads it through the checked view
    page = page_text(gestionnaire.get(f"/gestion/support/{d.id}"))
    url_gestion = f"/gestion/support/pieces/{message.id}"
    assert url_gestion in page and "capture écran.pdf" in page
    _telechargement_protege(gestionnaire.get(url_gestion), PDF, "capture")
    assert gestionnaire.get(f"/fichiers/{fichier.uuid}").status_code == 200
    # the requester, through the signed link of the request
    url_public = f"{historique}/pieces/{message.id}"
    assert url_public in page_text(anonyme.get(historique))
    _telechargement_protege(anonyme.get(url_public), PDF, "capture")
    # every read is logged (who, from which address); the anonymous requester as nobody
    lectures = db.session.execute(select(AccesFichier.user_id, AccesFichier.ip)
                                  .where(AccesFichier.fichier_id == fichier.id).order_by(AccesFichier.id)).all()
    assert [u for u, _ in lectures] == [gestionnaire.user.id, gestionnaire.user.id, None]
    assert all(ip for _, ip in lectures)
    # need-to-know: another structure, an intervenant, a link to another request: 404
    autre = login_as("gestionnaire", "DR-11")
    assert autre.get(url_gestion).status_code == 404
    assert autre.get(f"/fichiers/{fichier.uuid}").status_code == 404
    assert login_as("intervenant").get(f"/fichiers/{fichier.uuid}").status_code == 404
    autre_demande = _transmise(email="autre@example.test")
    autre_lien = operations.lien_historique(autre_demande).replace("http://localhost", "")
    assert anonyme.get(f"{autre_lien}/pieces/{message.id}").status_code == 404
    assert anonyme.get(f"/aide-et-contact/historique/forge/pieces/{message.id}").status_code == 404
    assert login_as("admin_national").get(url_gestion).status_code == 200


def test_the_handlers_answer_carries_an_attachment_to_the_signed_in_requester(login_as, factory):
    from app.models.support import MessageSupport

    demandeur_client = login_as("intervenant")
    assert envoyer(demandeur_client).status_code == 200
    d = demande(user_id=demandeur_client.user.id)
    gestionnaire = login_as("gestionnaire", "DR-84")
    assert _complement_demande(gestionnaire, d, piece_jointe=(BytesIO(PDF), "formulaire.pdf")).status_code == 302
    message = db.session.scalar(select(MessageSupport).where(MessageSupport.demande_id == d.id))
    assert message.fichier.original_name == "formulaire.pdf" and message.fichier.uploaded_by_id == gestionnaire.user.id
    # the signed-in requester opens the thread from « Mes demandes de support » and reads it
    page = demandeur_client.get(f"/mes-demandes-de-support/{d.numero}")
    historique = page.headers["Location"]
    assert "formulaire.pdf" in page_text(demandeur_client.get(historique))
    _telechargement_protege(demandeur_client.get(f"{historique}/pieces/{message.id}"), PDF, "formulaire")
    assert demandeur_client.get(f"/fichiers/{message.fichier.uuid}").status_code == 200
    # another intervenant cannot, even signed in
    assert login_as("intervenant").get(f"/fichiers/{message.fichier.uuid}").status_code == 404


@pytest.mark.parametrize(("nom", "contenu", "erreur"), [
    ("capture.gif", b"GIF89a", "Format de fichier non autorisé : seuls les formats PDF, DOC, DOCX, XLS, XLSX, JPG, "
                               "JPEG et PNG sont acceptés."),
    ("gros.pdf", PDF + b"0" * (2 * 1024 * 1024), "Le fichier dépasse la taille maximale autorisée (2 Mo)."),
    ("faux.pdf", b"MZ\x90\x00 un executable", "Le contenu du fichier ne correspond pas à son extension."),
])
def test_a_bad_attachment_is_refused_next_to_its_field_with_the_text_kept(login_as, nom, contenu, erreur):
    from app.models.fichiers import Fichier
    from app.models.support import MessageSupport

    d = _transmise(email="marcel@example.test")
    gestionnaire = login_as("gestionnaire", "DR-84")
    # the handler's answer first: refused, nothing changed, the text kept
    reponse = _complement_demande(gestionnaire, d, piece_jointe=(BytesIO(contenu), nom))
    assert reponse.status_code == 422
    html = reponse.get_data(as_text=True)
    assert erreur in page_text(reponse) and "Pouvez-vous joindre une capture ?" in html
    assert 'id="piece_jointe-erreur"' in html
    db.session.refresh(d)
    assert d.etat == EtatDemandeSupport.nouvelle
    assert _complement_demande(gestionnaire, d).status_code == 302
    # then the requester's reply
    anonyme = login_as("anonyme")
    historique = lien(dernier_mail("marcel@example.test"))
    reponse = _repondre(anonyme, historique, "Ma réponse détaillée", piece_jointe=(BytesIO(contenu), nom))
    assert reponse.status_code == 422
    assert erreur in page_text(reponse) and "Ma réponse détaillée" in reponse.get_data(as_text=True)
    db.session.refresh(d)
    assert d.etat == EtatDemandeSupport.complement_demande
    assert db.session.scalar(select(func.count()).select_from(MessageSupport)
                             .where(MessageSupport.demande_id == d.id)) == 1
    assert db.session.scalar(select(func.count()).select_from(Fichier)) == 0
