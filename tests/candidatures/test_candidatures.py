"""Candidater (apply rules), the gestionnaire's processing and « Mes réponses
aux annonces » (issue #5)."""

from __future__ import annotations

import re

from sqlalchemy import select

from app.extensions import db
from app.models.annonces import Candidature, EtatAnnonce, EtatCandidatureAnnonce
from app.models.outbox import OutboxMessage
from tests.conftest import csrf_token_from, page_text, sign_in
from tests.outils.annonces import action, count_queries, creer_annonce
from tests.outils.profil import intervenant_valide

REFUS_ANONYME = "Pour pouvoir postuler à l'annonce vous devez vous authentifier ou vous inscrire"


def candidater(client, annonce, commentaire="Je suis très motivée."):
    url = f"/annonces/{annonce.numero}/candidater"
    page = client.get(url)
    token = csrf_token_from(page.get_data(as_text=True))
    return client.post(url, data={"csrf_token": token, "commentaire": commentaire})


def test_anonymous_gets_both_links(client, app):
    annonce = creer_annonce()
    text = page_text(client.get(f"/annonces/{annonce.numero}/candidater"))
    assert REFUS_ANONYME in re.sub(r"<[^>]+>", "", text)
    assert "/login/?next=" in text
    assert f'href="/inscription?annonce={annonce.numero}"' in text
    assert "Commentaire associé à votre candidature" not in text


def test_validated_intervenant_applies_once(app, client, factory):
    annonce = creer_annonce()
    user, profil = intervenant_valide(factory)
    sign_in(client, user)
    page = page_text(client.get(f"/annonces/{annonce.numero}/candidater"))
    assert f"Déposer une candidature sur l'annonce n° {annonce.numero}" in page
    assert "Commentaire associé à votre candidature" in page
    response = candidater(client, annonce)
    assert response.status_code == 302 and "/mes-reponses-aux-annonces/" in response.headers["Location"]
    candidature = db.session.scalar(select(Candidature).where(Candidature.intervenant_id == profil.id))
    assert candidature.commentaire == "Je suis très motivée."
    assert candidature.etat == EtatCandidatureAnnonce.deposee
    # twice: refused with a clear message
    again = client.get(f"/annonces/{annonce.numero}/candidater")
    assert "Vous avez déjà candidaté à cette annonce le" in page_text(again)
    url = f"/annonces/{annonce.numero}/candidater"
    html = client.get("/cookies").get_data(as_text=True)
    posted = client.post(url, data={"csrf_token": csrf_token_from(html), "commentaire": "Encore"})
    assert posted.status_code == 403
    assert db.session.scalar(select(db.func.count()).select_from(Candidature)) == 1


def test_not_validated_intervenant_is_refused(app, client, factory):
    annonce = creer_annonce()
    user, profil = factory.intervenant("DR-84")  # brouillon
    sign_in(client, user)
    text = page_text(client.get(f"/annonces/{annonce.numero}/candidater"))
    assert "votre inscription n'est pas encore validée" in text
    html = client.get("/cookies").get_data(as_text=True)
    response = client.post(f"/annonces/{annonce.numero}/candidater",
                           data={"csrf_token": csrf_token_from(html), "commentaire": "x"})
    assert response.status_code == 403
    assert db.session.scalar(select(Candidature)) is None


def test_deadline_passed_is_refused(app, client, factory):
    annonce = creer_annonce(limite_jours=-1)
    user, _ = intervenant_valide(factory)
    sign_in(client, user)
    text = page_text(client.get(f"/annonces/{annonce.numero}/candidater"))
    assert "la date limite de candidature est dépassée" in text
    html = client.get("/cookies").get_data(as_text=True)
    response = client.post(f"/annonces/{annonce.numero}/candidater",
                           data={"csrf_token": csrf_token_from(html), "commentaire": "x"})
    assert response.status_code == 403
    assert db.session.scalar(select(Candidature)) is None


def test_unpublished_annonce_cannot_be_applied_to(app, client, factory):
    annonce = creer_annonce(etat=EtatAnnonce.cloturee)
    user, _ = intervenant_valide(factory)
    sign_in(client, user)
    assert client.get(f"/annonces/{annonce.numero}/candidater").status_code == 404


def test_gestionnaire_processes_candidatures_and_the_intervenant_is_told(app, login_as, factory):
    annonce = creer_annonce("DR-84", intitule="Lecture publique")
    user, profil = intervenant_valide(factory, "DR-11", email="helene.candidate@example.test")
    candidature = Candidature(annonce_id=annonce.id, intervenant_id=profil.id, commentaire="Motivée")
    db.session.add(candidature)
    db.session.commit()

    autre = login_as("gestionnaire", "DR-11")
    assert "Motivée" not in page_text(autre.get("/gestion/candidatures/list/"))
    assert autre.get(f"/gestion/candidatures/show/{candidature.id}").status_code == 404

    client = login_as("gestionnaire", "DR-84")
    assert "Motivée" in page_text(client.get("/gestion/candidatures/list/"))
    show = page_text(client.get(f"/gestion/candidatures/show/{candidature.id}"))
    assert "helene.candidate@example.test" in show and "Voir le dossier d'inscription" in show
    assert "Lecture publique" in page_text(client.get(f"/gestion/annonces/show/{annonce.id}"))

    response = action(client, "/gestion/candidatures/list/", "/gestion/candidatures/action_post", "etudier",
                      [candidature.id])
    assert response.status_code == 302
    db.session.refresh(candidature)
    assert candidature.etat == EtatCandidatureAnnonce.etudiee
    mail = db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipients == "helene.candidate@example.test")).all()
    assert len(mail) == 1 and "a été étudiée" in mail[0].subject
    action(client, "/gestion/candidatures/list/", "/gestion/candidatures/action_post", "ne_pas_retenir", [candidature.id])
    db.session.refresh(candidature)
    assert candidature.etat == EtatCandidatureAnnonce.non_retenue
    assert autre.post("/gestion/candidatures/action_post",
                      data={"action": "etudier", "rowid": [str(candidature.id)],
                            "csrf_token": csrf_token_from(autre.get("/gestion/candidatures/list/").get_data(as_text=True))}
                      ).status_code == 404


def test_mes_reponses_lists_own_candidatures_with_state_filter(app, client, factory):
    user, profil = intervenant_valide(factory)
    _, autre = intervenant_valide(factory)
    a1 = creer_annonce(intitule="Première annonce")
    a2 = creer_annonce(intitule="Seconde annonce", etat=EtatAnnonce.cloturee)
    db.session.add_all([
        Candidature(annonce_id=a1.id, intervenant_id=profil.id, commentaire="Mon commentaire 1"),
        Candidature(annonce_id=a2.id, intervenant_id=profil.id, commentaire="Mon commentaire 2",
                    etat=EtatCandidatureAnnonce.non_retenue),
        Candidature(annonce_id=a1.id, intervenant_id=autre.id, commentaire="Pas à moi"),
    ])
    db.session.commit()
    sign_in(client, user)
    text = page_text(client.get("/mes-reponses-aux-annonces/"))
    for label in ("Date de la réponse", "Numéro annonce", "Intitulé de l'annonce", "Etat", "Mon commentaire", "Filtrer par état"):
        assert label in text
    assert "Mon commentaire 1" in text and "Mon commentaire 2" in text and "Pas à moi" not in text
    # a published annonce's number links to its public page, a closed one's is plain text
    assert f'<a href="/annonces/{a1.numero}">{a1.numero}</a>' in text
    assert f"<td>{a2.numero}</td>" in text and f'href="/annonces/{a2.numero}"' not in text
    filtered = page_text(client.get("/mes-reponses-aux-annonces/?etat=non_retenue"))
    assert "Mon commentaire 2" in filtered and "Mon commentaire 1" not in filtered
    assert "Non retenue" in filtered


def test_candidature_lists_query_count_does_not_grow(app, login_as, factory):
    gestionnaire = login_as("gestionnaire", "DR-84")
    user, profil = intervenant_valide(factory)
    intervenant = login_as("anonyme")
    sign_in(intervenant, user)

    def counts():
        gestionnaire.get("/gestion/candidatures/list/")
        intervenant.get("/mes-reponses-aux-annonces/")
        with count_queries() as g:
            assert gestionnaire.get("/gestion/candidatures/list/").status_code == 200
        with count_queries() as i:
            assert intervenant.get("/mes-reponses-aux-annonces/").status_code == 200
        return len(g), len(i)

    def ajouter(n):
        for _ in range(n):
            annonce = creer_annonce()
            _, candidat = factory.intervenant("DR-11")
            db.session.add(Candidature(annonce_id=annonce.id, intervenant_id=candidat.id))
            db.session.add(Candidature(annonce_id=annonce.id, intervenant_id=profil.id))
        db.session.commit()

    ajouter(1)
    few = counts()
    ajouter(8)
    assert counts() == few


def test_staff_cannot_apply(app, login_as):
    annonce = creer_annonce()
    client = login_as("gestionnaire", "DR-84")
    text = page_text(client.get(f"/annonces/{annonce.numero}/candidater"))
    assert "Seul un intervenant disposant d'un compte validé peut candidater" in text
    token = csrf_token_from(client.get("/cookies").get_data(as_text=True))
    response = client.post(f"/annonces/{annonce.numero}/candidater", data={"csrf_token": token, "commentaire": "x"})
    assert response.status_code == 403


def test_mes_reponses_sorts_and_a_wrong_criterion_next_to_its_field(app, client, factory):
    """On the declared list (issue #18): sortable columns, a wrong état shown
    in French next to its field and left out."""
    import re

    user, profil = intervenant_valide(factory)
    for intitule in ("Bêta", "Alpha", "Gamma"):
        db.session.add(Candidature(annonce_id=creer_annonce(intitule=intitule).id, intervenant_id=profil.id))
    db.session.commit()
    sign_in(client, user)

    def intitules(query):
        text = page_text(client.get(f"/mes-reponses-aux-annonces/?{query}"))
        return [t for t in re.findall(r"<td>(\w+)</td>", text) if t in ("Alpha", "Bêta", "Gamma")], text

    assert intitules("tri=intitule&sens=asc")[0] == ["Alpha", "Bêta", "Gamma"]
    assert intitules("tri=intitule&sens=desc")[0] == ["Gamma", "Bêta", "Alpha"]
    lignes, text = intitules("etat=inconnu")
    assert len(lignes) == 3 and '<p class="help-block erreur" id="etat-erreur">Choix invalide.</p>' in text
    assert intitules("etat=non_retenue")[0] == []
