"""The signed-in request's common path (issue 36 point 6): what every page
reads once, and the message page in one transaction."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models.comptes import EtatInscription
from app.models.messagerie import DestinataireMessage
from app.operations import messagerie
from tests.conftest import page_text, sign_in
from tests.outils.annonces import count_queries


def _intervenant(factory, etat=EtatInscription.validee):
    user, profil = factory.intervenant("DR-84")
    profil.etat_inscription = etat  # test set-up: the workflow is tested elsewhere
    db.session.commit()
    return user, profil


#: The whole profile's statement (``scope.current_intervenant``).
PROFIL = "SELECT intervenant.id, intervenant.user_id,"


def _lectures(statements, debut: str) -> list[str]:
    return [s for s in statements if " ".join(s.split()).startswith(debut)]


def test_lire_un_message_sans_relire_ce_qui_est_charge(app, factory):
    """The message, its sender and the reader's copy in one statement; the
    commit marking it read expires nothing (the user and the message are not
    read again for the layout); the menu's unread count, read in the same
    transaction, already leaves the message out."""
    gestionnaire = factory.gestionnaire("DR-84")
    lecteur, _ = _intervenant(factory)
    lu = messagerie.ecrire(gestionnaire.id, [lecteur.id], "Premier", "Texte 1", envoyer=True)
    messagerie.ecrire(gestionnaire.id, [lecteur.id], "Second", "Texte 2", envoyer=True)
    db.session.commit()
    lu_id = lu.id
    client = app.test_client()
    sign_in(client, lecteur)
    assert client.get("/messagerie/reception/").status_code == 200
    db.session.expunge_all()
    with count_queries() as statements:
        reponse = client.get(f"/messagerie/reception/{lu_id}")
    html = page_text(reponse)
    assert reponse.status_code == 200 and "Texte 1" in html
    assert len(_lectures(statements, "SELECT message.")) == 1, statements
    assert len(_lectures(statements, "SELECT ab_user.")) == 1, statements
    assert not _lectures(statements, PROFIL), statements
    assert '<span class="badge" aria-hidden="true">1</span>' in html
    assert db.session.scalar(select(DestinataireMessage.lu).where(DestinataireMessage.message_id == lu_id))


def test_etat_de_l_inscription_lu_avec_l_utilisateur_a_chaque_requete(app, factory):
    """The menu follows the inscription's state from one request to the next
    (read with the user, never kept between requests), and the dashboard
    reads no profile of its own."""
    user, profil = _intervenant(factory, EtatInscription.transmise)
    client = app.test_client()
    sign_in(client, user)
    assert 'href="/messagerie/reception/"' not in page_text(client.get("/"))
    profil.etat_inscription = EtatInscription.validee
    db.session.commit()
    db.session.expunge_all()
    with count_queries() as statements:
        reponse = client.get("/mes-reponses-aux-annonces/")
    assert reponse.status_code == 200 and 'href="/messagerie/reception/"' in page_text(reponse)
    assert not _lectures(statements, PROFIL), statements
