"""Messagerie interne (issue 21): who may write to whom, send, read, reply,
forward, drafts, bulk actions on one's own rows, the e-mail alert, escaping,
lists (filters, sorts, pages), the badge and query counts, CSRF."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from app.extensions import db
from app.models.annonces import Annonce, Candidature, EtatAnnonce
from app.models.base import utcnow
from app.models.comptes import EtatInscription, Intervenant
from app.models.messagerie import DestinataireMessage, Message
from app.models.outbox import OutboxMessage
from app.models.referentiels import Structure
from app.operations import messagerie
from tests.conftest import csrf_token_from, page_text, sign_in
from tests.outils.annonces import count_queries
from tests.outils.mails import rq_queues, run_jobs  # noqa: F401  (Redis mode: a real rq worker runs the jobs)


class Monde:
    """Structures A (DR-84), B (DR-11) with messaging, C (DR-93) without;
    their gestionnaires and intervenants (validated unless said)."""

    def __init__(self, factory):
        self.factory = factory
        db.session.execute(update(Structure).where(Structure.code == "DR-93").values(messagerie_active=False))
        self.gA = factory.gestionnaire("DR-84", first="Claire", last="Martin")
        self.gB = factory.gestionnaire("DR-11", first="Julien", last="Bernard")
        self.gC = factory.gestionnaire("DR-93", first="Sophie", last="Petit")
        self.iA = self._intervenant("DR-84", "Emma", "Moreau")
        self.iB = self._intervenant("DR-11", "Louis", "Leroy")  # applied to an annonce of A
        self.iX = self._intervenant("DR-11", "Hugo", "Simon")  # no link with A
        self.iC = self._intervenant("DR-93", "Léa", "Laurent")
        self.iBr = self._intervenant("DR-84", "Camille", "Durand", etat=EtatInscription.brouillon)
        annonce = Annonce(intitule="Annonce", description="D", date_limite=utcnow().date() + timedelta(days=9),
                          structure_id=factory.structure("DR-84").id, etat=EtatAnnonce.publiee)
        db.session.add(annonce)
        db.session.flush()
        db.session.add(Candidature(annonce_id=annonce.id, intervenant_id=self.iB_profil.id))
        db.session.commit()

    def _intervenant(self, code, first, last, etat=EtatInscription.validee):
        user, profil = self.factory.intervenant(code, first=first, last=last)
        profil.etat_inscription = etat  # test set-up: the workflow is tested elsewhere
        if first == "Louis":
            self.iB_profil = profil
        db.session.commit()
        return user


@pytest.fixture
def monde(factory):
    return Monde(factory)


def client_de(app, user):
    client = app.test_client()
    sign_in(client, user)
    return client


# -- who may write to whom ------------------------------------------------------
PERMISSIONS = [
    ("iA", "gA", True),   # attached to A
    ("iA", "gB", False),  # no link with B
    ("iB", "gA", True),   # applied to an annonce of A
    ("iB", "gB", True),   # attached to B
    ("iX", "gA", False),
    ("iBr", "gA", False),  # not validated yet
    ("iC", "gC", False),  # C: messaging off
    ("iA", "iX", False),  # intervenant to intervenant
    ("gA", "iA", True),
    ("gA", "iB", True),   # applied to its annonce
    ("gA", "iX", False),
    ("gA", "iBr", False),  # not validated
    ("gA", "gB", True),   # other gestionnaires
    ("gB", "gA", True),
    ("gA", "gC", False),  # C: messaging off
    ("gC", "iC", False),  # messaging off for its own structure
    ("gC", "gA", False),
    ("gB", "iA", False),
]


@pytest.mark.parametrize(("de", "a", "permis"), PERMISSIONS)
def test_qui_peut_ecrire_a_qui(monde, de, a, permis):
    expediteur, destinataire = getattr(monde, de), getattr(monde, a)
    if permis:
        assert messagerie.verifier_destinataires(expediteur.id, [destinataire.id])
    else:
        with pytest.raises(messagerie.MessagerieRefusee):
            messagerie.verifier_destinataires(expediteur.id, [destinataire.id])
    possibles = {i for i, _ in db.session.execute(select(messagerie.correspondants(expediteur.id).subquery()))}
    assert (destinataire.id in possibles) is permis


def _poster(client, url, data):
    page = client.get(url)
    assert page.status_code == 200, page.status_code
    return client.post(url, data={"csrf_token": csrf_token_from(page_text(page)), **data})


def test_un_post_forge_vers_un_autre_est_refuse(app, monde):
    client = client_de(app, monde.iA)
    reponse = _poster(client, "/messagerie/ecrire/", {
        "destinataires": [str(monde.gA.id), str(monde.gB.id)], "objet": "Bonjour", "texte": "Texte", "envoyer": "1"})
    assert reponse.status_code == 200
    assert "Vous ne pouvez pas écrire à certains des destinataires choisis" in page_text(reponse)
    assert db.session.scalar(select(Message).where(Message.objet == "Bonjour")) is None
    # The form keeps what was typed.
    assert 'value="Bonjour"' in page_text(reponse)


def test_suggestions_limitees_aux_correspondants(app, monde):
    client = client_de(app, monde.gA)
    assert client.get("/messagerie/ecrire/destinataires?q=e").get_json() == []
    noms = {p["nom"] for p in client.get("/messagerie/ecrire/destinataires?q=mo").get_json()}
    assert noms == {"Emma Moreau"}
    noms = {p["nom"] for p in client.get("/messagerie/ecrire/destinataires?q=i").get_json()}
    assert "Hugo Simon" not in noms and "Camille Durand" not in noms


def test_recherche_sans_javascript(app, monde):
    client = client_de(app, monde.gA)
    reponse = _poster(client, "/messagerie/ecrire/", {"destinataire_recherche": "Leroy", "chercher": "1",
                                                     "objet": "", "texte": ""})
    html = page_text(reponse)
    assert f'name="destinataires" value="{monde.iB.id}"' in html and "Louis Leroy" in html
    assert "L'objet est obligatoire." not in html


# -- send, read, reply, forward, drafts ------------------------------------------
def test_envoyer_lire_et_alerte(app, monde):
    client = client_de(app, monde.iA)
    reponse = _poster(client, "/messagerie/ecrire/", {
        "destinataires": [str(monde.gA.id)], "objet": "Ma question", "texte": "Ligne 1\nLigne 2", "envoyer": "1"})
    assert reponse.status_code == 302 and reponse.headers["Location"].endswith("/messagerie/envoyes/")
    assert "Le message a bien été envoyé" in page_text(client.get(reponse.headers["Location"]))
    message = db.session.scalar(select(Message).where(Message.objet == "Ma question"))
    assert not message.brouillon
    # The alert: sender, objet and link, never the text.
    alerte = db.session.scalar(select(OutboxMessage).where(OutboxMessage.template == "message_recu"))
    assert alerte.recipients == monde.gA.email
    assert "Emma Moreau" in alerte.body_text and "Ma question" in alerte.body_text
    assert f"/messagerie/reception/{message.id}" in alerte.body_text
    assert "Ligne 1" not in alerte.body_text and "Ligne 1" not in alerte.body_html

    gestionnaire = client_de(app, monde.gA)
    assert "Ma question" in page_text(gestionnaire.get("/messagerie/reception/"))
    copie = db.session.scalar(select(DestinataireMessage).where(DestinataireMessage.message_id == message.id))
    assert not copie.lu
    html = page_text(gestionnaire.get(f"/messagerie/reception/{message.id}"))
    assert "Ligne 1<br>Ligne 2" in html and "Répondre" in html and "Transférer" in html
    db.session.refresh(copie)
    assert copie.lu
    # Someone else cannot read it.
    assert client_de(app, monde.gB).get(f"/messagerie/reception/{message.id}").status_code == 404


def test_repondre_destinataire_fixe(app, monde):
    message = messagerie.ecrire(monde.iB.id, [monde.gA.id], "Question", "Texte", envoyer=True)
    db.session.commit()
    client = client_de(app, monde.gA)
    html = page_text(client.get(f"/messagerie/ecrire/?reponse={message.id}"))
    assert 'value="RE : Question"' in html and "Louis Leroy" in html
    # The posted recipients are ignored: the reply goes to the sender only.
    reponse = _poster(client, f"/messagerie/ecrire/?reponse={message.id}", {
        "reponse": str(message.id), "destinataires": [str(monde.iA.id)], "objet": "RE : Question",
        "texte": "Réponse", "envoyer": "1"})
    assert reponse.status_code == 302
    envoye = db.session.scalar(select(Message).where(Message.texte == "Réponse"))
    assert [d.destinataire_id for d in envoye.destinataires] == [monde.iB.id]
    assert envoye.origine_id == message.id
    # Replying to a message one did not receive is refused.
    with pytest.raises(messagerie.MessagerieRefusee):
        messagerie.ecrire(monde.gB.id, [], "RE", "x", envoyer=True, reponse_a=message.id)


def test_repondre_refuse_quand_la_messagerie_est_coupee(app, monde):
    message = messagerie.ecrire(monde.gA.id, [monde.iA.id], "Info", "Texte", envoyer=True)
    db.session.execute(update(Structure).where(Structure.code == "DR-84").values(messagerie_active=False))
    db.session.commit()
    with pytest.raises(messagerie.MessagerieRefusee):
        messagerie.ecrire(monde.iA.id, [], "RE : Info", "Réponse", envoyer=True, reponse_a=message.id)


def test_transferer_ajoute_des_destinataires(app, monde):
    message = messagerie.ecrire(monde.iA.id, [monde.gA.id], "Question", "Texte", envoyer=True)
    db.session.commit()
    client = client_de(app, monde.gA)
    assert 'value="TR : Question"' in page_text(client.get(f"/messagerie/ecrire/?transfert={message.id}"))
    reponse = _poster(client, f"/messagerie/ecrire/?transfert={message.id}", {
        "transfert": str(message.id), "destinataires": [str(monde.gB.id), str(monde.iB.id)],
        "objet": "TR : Question", "texte": "Pour information", "envoyer": "1"})
    assert reponse.status_code == 302
    transfere = db.session.scalar(select(Message).where(Message.texte == "Pour information"))
    assert {d.destinataire_id for d in transfere.destinataires} == {monde.gB.id, monde.iB.id}
    # Forwarding to someone outside the rule is refused.
    with pytest.raises(messagerie.MessagerieRefusee):
        messagerie.ecrire(monde.gA.id, [monde.iX.id], "TR", "x", envoyer=True, transfert_de=message.id)
    # A message one cannot read cannot be forwarded.
    with pytest.raises(messagerie.MessagerieRefusee):
        messagerie.ecrire(monde.gB.id, [monde.gA.id], "TR", "x", envoyer=True, transfert_de=message.id)


def test_brouillon_puis_envoi(app, monde):
    client = client_de(app, monde.gA)
    reponse = _poster(client, "/messagerie/ecrire/", {
        "destinataires": [str(monde.iA.id)], "objet": "Projet", "texte": "Version 1", "enregistrer": "1"})
    assert reponse.headers["Location"].endswith("/messagerie/brouillons/")
    assert "Le message a bien été enregistré" in page_text(client.get(reponse.headers["Location"]))
    brouillon = db.session.scalar(select(Message).where(Message.objet == "Projet"))
    assert brouillon.brouillon
    assert db.session.scalar(select(OutboxMessage).where(OutboxMessage.template == "message_recu")) is None
    # Not in the recipient's inbox.
    assert "Projet" not in page_text(client_de(app, monde.iA).get("/messagerie/reception/"))
    assert client_de(app, monde.iA).get(f"/messagerie/reception/{brouillon.id}").status_code == 404
    # Reopened, edited, a recipient added, sent.
    html = page_text(client.get(f"/messagerie/brouillons/{brouillon.id}", follow_redirects=True))
    assert "Version 1" in html and f'name="message" type="hidden" value="{brouillon.id}"' in html
    reponse = _poster(client, f"/messagerie/ecrire/?message={brouillon.id}", {
        "message": str(brouillon.id), "destinataires": [str(monde.iA.id), str(monde.iB.id)],
        "objet": "Projet", "texte": "Version 2", "envoyer": "1"})
    assert reponse.status_code == 302
    db.session.refresh(brouillon)
    assert not brouillon.brouillon and brouillon.texte == "Version 2"
    assert {d.destinataire_id for d in brouillon.destinataires} == {monde.iA.id, monde.iB.id}
    assert db.session.scalar(select(db.func.count()).select_from(OutboxMessage)
                             .where(OutboxMessage.template == "message_recu")) == 2
    # Another user's draft cannot be edited.
    with pytest.raises(messagerie.MessagerieRefusee):
        messagerie.ecrire(monde.gB.id, [monde.gA.id], "x", "y", envoyer=False, brouillon_id=brouillon.id)


def test_message_envoye_reouvert_et_renvoye(app, monde):
    message = messagerie.ecrire(monde.gA.id, [monde.iA.id], "Annonce", "Texte", envoyer=True)
    db.session.commit()
    client = client_de(app, monde.gA)
    html = page_text(client.get(f"/messagerie/ecrire/?message={message.id}"))
    assert 'value="Annonce"' in html and "Emma Moreau" in html
    assert _poster(client, f"/messagerie/ecrire/?message={message.id}", {
        "destinataires": [str(monde.iA.id), str(monde.iB.id)], "objet": "Annonce", "texte": "Texte revu",
        "envoyer": "1"}).status_code == 302
    nouveau = db.session.scalar(select(Message).where(Message.texte == "Texte revu"))
    assert nouveau.id != message.id and len(nouveau.destinataires) == 2


def test_echappement_objet_et_texte(app, monde):
    script = "<script>alert(1)</script>"
    message = messagerie.ecrire(monde.iA.id, [monde.gA.id], script, script, envoyer=True)
    db.session.commit()
    client = client_de(app, monde.gA)
    for url in ("/messagerie/reception/", f"/messagerie/reception/{message.id}"):
        html = client.get(url).get_data(as_text=True)
        assert script not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


@pytest.mark.parametrize(("champ", "taille"), [("objet", 201), ("texte", 10_001)])
def test_limites_de_longueur(app, monde, champ, taille):
    client = client_de(app, monde.iA)
    data = {"destinataires": [str(monde.gA.id)], "objet": "O", "texte": "T", "envoyer": "1", champ: "x" * taille}
    reponse = _poster(client, "/messagerie/ecrire/", data)
    assert reponse.status_code == 200 and "caractères au plus." in page_text(reponse)
    assert db.session.scalar(select(Message)) is None


def test_champs_obligatoires(app, monde):
    reponse = _poster(client_de(app, monde.iA), "/messagerie/ecrire/", {
        "destinataires": [], "objet": "", "texte": "", "envoyer": "1"})
    html = page_text(reponse)
    assert "L'objet est obligatoire." in html and "Le texte est obligatoire." in html


# -- bulk actions -------------------------------------------------------------------
def _recus(monde, n, expediteur=None, destinataire=None):
    expediteur_id = expediteur if isinstance(expediteur, int) else (expediteur or monde.gA).id
    destinataire_id = destinataire if isinstance(destinataire, int) else (destinataire or monde.iA).id
    return [messagerie.ecrire(expediteur_id, [destinataire_id], f"Message {k:02d}", "Texte", envoyer=True).id
            for k in range(n)]


def _action(client, url, action, ids):
    page = client.get(url)
    return client.post(url.rstrip("/") + "/action", data={
        "csrf_token": csrf_token_from(page_text(page)), "action": action, "rowid": [str(i) for i in ids],
        "next": url})


def test_actions_lu_non_lu_archiver(app, monde):
    ids = _recus(monde, 3)
    db.session.commit()
    client = client_de(app, monde.iA)
    html = page_text(client.get("/messagerie/reception/"))
    assert "Sélectionner une action" in html and "Marquer comme lu" in html and "Archiver" in html
    _action(client, "/messagerie/reception/", "marquer_lu", ids[:2])
    lus = dict(db.session.execute(select(DestinataireMessage.message_id, DestinataireMessage.lu)).all())
    assert lus == {ids[0]: True, ids[1]: True, ids[2]: False}
    _action(client, "/messagerie/reception/", "marquer_non_lu", ids[:1])
    assert db.session.scalar(select(DestinataireMessage.lu).where(DestinataireMessage.message_id == ids[0])) is False
    _action(client, "/messagerie/reception/", "archiver", ids[:1])
    assert "Message 00" not in page_text(client.get("/messagerie/reception/"))
    # Archived for the recipient only: the sender still has it.
    assert "Message 00" in page_text(client_de(app, monde.gA).get("/messagerie/envoyes/"))
    _action(client_de(app, monde.gA), "/messagerie/envoyes/", "archiver", ids[1:2])
    assert "Message 01" in page_text(client.get("/messagerie/reception/"))


def test_actions_sur_les_messages_d_un_autre_refusees(app, monde):
    mien = _recus(monde, 1)
    autre = _recus(monde, 1, destinataire=monde.iB)
    db.session.commit()
    client = client_de(app, monde.iA)
    reponse = _action(client, "/messagerie/reception/", "archiver", mien + autre)
    assert "ne sont pas les vôtres" in page_text(client.get(reponse.headers["Location"]))
    assert not any(db.session.scalars(select(DestinataireMessage.archive)))
    # Nor a message one sent, from the sent page of someone else.
    reponse = _action(client_de(app, monde.gB), "/messagerie/envoyes/", "archiver", mien)
    assert db.session.scalar(select(Message.archive_expediteur).where(Message.id == mien[0])) is False


@pytest.mark.parametrize("url", ["/messagerie/reception/action", "/messagerie/envoyes/action",
                                 "/messagerie/brouillons/action", "/messagerie/ecrire/"])
def test_csrf_sur_chaque_formulaire(app, monde, url):
    ids = _recus(monde, 1)
    db.session.commit()
    reponse = client_de(app, monde.iA).post(url, data={"action": "archiver", "rowid": [str(ids[0])],
                                                       "destinataires": [str(monde.gA.id)], "objet": "O",
                                                       "texte": "T", "envoyer": "1"})
    assert reponse.status_code == 400
    assert db.session.scalar(select(DestinataireMessage.archive)) is False
    assert db.session.scalar(select(db.func.count()).select_from(Message)) == 1


def test_intervenant_non_valide_sans_messagerie(app, monde):
    client = client_de(app, monde.iBr)
    assert client.get("/messagerie/reception/").status_code == 403
    assert client.get("/messagerie/ecrire/").status_code == 403
    assert "Boîte de réception" not in page_text(client.get("/profil/identification"))


# -- lists: filters, sorts, pages ----------------------------------------------------
def test_filtres_tri_et_pages(app, monde):
    ids = _recus(monde, 23)
    autres = _recus(monde, 2, expediteur=monde.factory.gestionnaire("DR-84", first="Nicolas", last="Robert"))
    db.session.execute(update(Message).where(Message.id.in_(autres)).values(objet="Autre"))
    ids += autres
    anciens = ids[:5]
    db.session.execute(update(DestinataireMessage).where(DestinataireMessage.message_id.in_(anciens))
                       .values(date=utcnow() - timedelta(days=40)))
    db.session.commit()
    client = client_de(app, monde.iA)
    html = page_text(client.get("/messagerie/reception/"))
    assert "Résultats de la recherche : 25 résultat(s)" in html and "page 1 sur 2" in html
    assert "Message 00" not in html  # the oldest are on page 2 (newest first)
    assert "Message 00" in page_text(client.get("/messagerie/reception/?page=2"))
    html = page_text(client.get("/messagerie/reception/?expediteur=robert"))
    assert "Résultats de la recherche : 2 résultat(s)" in html
    html = page_text(client.get("/messagerie/reception/?objet=message 1"))
    assert "Résultats de la recherche : 10 résultat(s)" in html
    debut = (utcnow() - timedelta(days=41)).strftime("%d/%m/%Y")
    fin = (utcnow() - timedelta(days=39)).strftime("%d/%m/%Y")
    assert "Résultats de la recherche : 5 résultat(s)" in page_text(client.get(f"/messagerie/reception/?du={debut}&au={fin}"))
    html = page_text(client.get(f"/messagerie/reception/?du={fin}&au={debut}"))
    assert "La date de fin doit être postérieure" in html
    html = page_text(client.get("/messagerie/reception/?tri=objet&sens=asc&taille=50"))
    assert html.index("Message 00") < html.index("Message 01") < html.index("Message 22")
    html = page_text(client.get("/messagerie/reception/?tri=objet&sens=desc&taille=50"))
    assert html.index("Message 22") < html.index("Message 01")
    envoyes = page_text(client_de(app, monde.gA).get("/messagerie/envoyes/?destinataire=moreau"))
    assert "Résultats de la recherche : 23 résultat(s)" in envoyes


# -- the badge and query counts --------------------------------------------------------
def test_badge_non_lus(app, monde):
    ids = _recus(monde, 3)
    db.session.commit()
    client = client_de(app, monde.iA)
    html = page_text(client.get("/messagerie/envoyes/"))
    assert '<span class="badge" aria-hidden="true">3</span><span class="sr-only"> (3 message(s) non lu(s))' in html
    client.get(f"/messagerie/reception/{ids[0]}")
    assert '<span class="badge" aria-hidden="true">2</span>' in page_text(client.get("/messagerie/envoyes/"))
    # In the inbox's title too, with the menu's one count.
    with count_queries() as statements:
        html = page_text(client.get("/messagerie/reception/"))
    assert "<title>Boîte de réception (2 non lu(s)) – " in html and '<span class="badge" aria-hidden="true">2</span>' in html
    assert len([s for s in statements if "badge_" in s]) == 1


@pytest.mark.parametrize("qui", ["iA", "gA"])
def test_le_titre_de_la_boite_dit_ses_non_lus(app, monde, qui):
    """Issue 40, point 2: the inbox heading reads « Boîte de réception (N non
    lu(s)) » (manual §7.1), an intervenant's and a gestionnaire's, from the
    menu's one count (no other statement, none per row)."""
    destinataire = getattr(monde, qui)
    expediteur = monde.gB if qui == "gA" else monde.gA
    ids = _recus(monde, 3, expediteur=expediteur, destinataire=destinataire)
    db.session.commit()
    client = client_de(app, destinataire)
    with count_queries() as statements:
        html = page_text(client.get("/messagerie/reception/"))
    assert "<h1>Boîte de réception (3 non lu(s))</h1>" in html
    assert len([s for s in statements if "badge_" in s]) == 1
    for message_id in ids:
        client.get(f"/messagerie/reception/{message_id}")
    assert "<h1>Boîte de réception</h1>" in page_text(client.get("/messagerie/reception/"))  # none unread (§7.1)


def _compter(client, url) -> tuple[int, int]:
    client.get(url)
    db.session.expunge_all()
    with count_queries() as statements:
        assert client.get(url).status_code == 200
    badge = [s for s in statements if "destinataire_message" in s and "lu" in s and "count" in s.lower()]
    return len(statements), len(badge)


def test_requetes_constantes(app, monde):
    iA, gA = monde.iA.id, monde.gA.id
    autre = monde.factory.gestionnaire("DR-84", first="Nicolas", last="Robert").id
    _recus(monde, 2)
    messagerie.ecrire(iA, [gA], "Envoyé", "T", envoyer=True)
    messagerie.ecrire(iA, [gA], "Brouillon", "T", envoyer=False)
    db.session.commit()
    client = client_de(app, monde.iA)
    un = db.session.scalar(select(Message.id).where(Message.expediteur_id == gA).limit(1))
    urls = ["/messagerie/reception/", "/messagerie/envoyes/", "/messagerie/brouillons/",
            f"/messagerie/reception/{un}"]
    petit = {url: _compter(client, url) for url in urls}
    _recus(monde, 40, expediteur=gA, destinataire=iA)
    _recus(monde, 10, expediteur=autre, destinataire=iA)
    for k in range(30):
        messagerie.ecrire(iA, [gA, autre] if k % 2 else [gA], f"E{k}", "T", envoyer=bool(k % 3))
    db.session.commit()
    grand = {url: _compter(client, url) for url in urls}
    assert grand == petit
    # The badge: one statement per page at most.
    assert all(badge <= 1 for _, badge in grand.values())


# -- one message to the applicants of an annonce (point 6) ------------------------------
def _annonce_avec_candidats(monde, n=3):
    annonce = db.session.scalar(select(Annonce).where(Annonce.intitule == "Annonce"))
    candidatures = [db.session.scalar(select(Candidature).where(Candidature.annonce_id == annonce.id))]
    for k in range(n - 1):
        user = monde._intervenant("DR-11", f"Candidat{k}", f"Numero{k}")
        profil = db.session.scalar(select(Intervenant).where(Intervenant.user_id == user.id))
        candidature = Candidature(annonce_id=annonce.id, intervenant_id=profil.id)
        db.session.add(candidature)
        candidatures.append(candidature)
    # An applicant whose inscription is not validated: no copy.
    brouillon = db.session.scalar(select(Intervenant).where(Intervenant.user_id == monde.iBr.id))
    db.session.add(Candidature(annonce_id=annonce.id, intervenant_id=brouillon.id))
    db.session.commit()
    return annonce, candidatures


def test_ecrire_a_tous_les_candidats(app, monde):
    annonce, candidatures = _annonce_avec_candidats(monde)
    client = client_de(app, monde.gA)
    assert "Écrire à tous les candidats" in page_text(client.get(f"/gestion/annonces/show/{annonce.id}"))
    reponse = _poster(client, f"/messagerie/candidats/?annonce={annonce.id}", {
        "annonce": str(annonce.id), "objet": "Réunion", "texte": "Rendez-vous lundi"})
    assert reponse.status_code == 302
    run_jobs(app)
    message = db.session.scalar(select(Message).where(Message.objet == "Réunion"))
    destinataires = {d.destinataire_id for d in message.destinataires}
    assert monde.iBr.id not in destinataires and len(destinataires) == 3 and all(
        d.recu for d in message.destinataires)
    assert "3 exemplaire(s) distribué(s) sur 3" in page_text(client.get(reponse.headers["Location"]))
    assert db.session.scalar(select(db.func.count()).select_from(OutboxMessage)
                             .where(OutboxMessage.template == "message_recu")) == 3
    # Each copy's reader sees neither the other applicants nor can reply to them.
    lecteur = client_de(app, monde.iB)
    html = page_text(lecteur.get(f"/messagerie/reception/{message.id}"))
    assert f"Candidats à l'annonce N° {annonce.numero}" in html and "Numero0" not in html
    messagerie.ecrire(monde.iB.id, [], "RE : Réunion", "OK", envoyer=True, reponse_a=message.id)
    db.session.commit()
    # A retried job writes nothing twice.
    from app.jobs.messagerie import distribuer

    assert distribuer(message.id) == 0
    assert db.session.scalar(select(db.func.count()).select_from(OutboxMessage)
                             .where(OutboxMessage.template == "message_recu")) == 4  # 3 + the reply


def test_ecrire_aux_candidats_selectionnes_et_reprise(app, monde):
    annonce, candidatures = _annonce_avec_candidats(monde)
    from app.jobs import messagerie as messagerie_jobs

    with app.test_request_context():
        envoi = messagerie_jobs.ecrire_aux_candidats(monde.gA.id, annonce, [candidatures[1].id],
                                                          "Choisi", "Texte")
    db.session.commit()
    # Queued, not yet run: nothing delivered, nothing in the inbox.
    assert messagerie_jobs.progression(monde.gA.id, envoi.id) == (0, 1)
    assert messagerie_jobs.progression(monde.gB.id, envoi.id) is None
    # Its job never ran (Redis down): the periodic safety net delivers it, by batches of one, once.
    app.config["MESSAGERIE_TAILLE_LOT"] = 1
    try:
        assert messagerie_jobs.relancer_envois() == 1
        run_jobs(app)
    finally:
        app.config.pop("MESSAGERIE_TAILLE_LOT")
    assert messagerie_jobs.progression(monde.gA.id, envoi.id) == (1, 1)
    assert messagerie_jobs.distribuer(envoi.id) == 0
    assert db.session.scalar(select(db.func.count()).select_from(OutboxMessage)
                             .where(OutboxMessage.template == "message_recu")) == 1


def test_candidatures_d_une_autre_structure_refusees(app, monde):
    annonce, candidatures = _annonce_avec_candidats(monde)
    client = client_de(app, monde.gB)
    assert client.get(f"/messagerie/candidats/?annonce={annonce.id}").status_code == 404
    assert client.get(f"/messagerie/candidats/?candidature={candidatures[0].id}").status_code == 404
    # The bulk action leads to the form with the selection.
    gestionnaire = client_de(app, monde.gA)
    page = page_text(gestionnaire.get(f"/gestion/annonces/show/{annonce.id}"))
    reponse = gestionnaire.post("/gestion/candidatures/action_post", data={
        "csrf_token": csrf_token_from(page), "action": "ecrire", "rowid": [str(candidatures[0].id)]})
    assert reponse.status_code == 302 and f"candidature={candidatures[0].id}" in reponse.headers["Location"]
    assert "1 candidature(s) sélectionnée(s)" in page_text(gestionnaire.get(reponse.headers["Location"]))


def test_demo_conversations(app, demo):
    from app.donnees.demo import load_demo

    load_demo()
    messages = db.session.scalar(select(db.func.count()).select_from(Message))
    assert messages >= 5
    assert db.session.scalar(select(db.func.count()).select_from(DestinataireMessage)
                             .where(DestinataireMessage.lu.is_(False))) >= 1
    load_demo()
    assert db.session.scalar(select(db.func.count()).select_from(Message)) == messages
