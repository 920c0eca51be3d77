"""Public portal (issue #5): home page, news, information pages, cookie
consent, public documents and their console screens."""

from __future__ import annotations

import re
from datetime import date, timedelta
from io import BytesIO

from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from app.extensions import db
from app.infra.uploads import DOSSIER_ADMINISTRATIF
from app.models.annonces import EtatAnnonce
from app.models.contenus import Actualite, DocumentPublic, markdown_sur
from app.models.fichiers import store_upload
from app.views.backoffice_contenus import DOCUMENT_PUBLIC
from tests.conftest import csrf_token_from, page_text
from tests.outils.annonces import creer_annonce, numeros

MESURE = "https://mesure.example.test/audience.js"


def actualite(titre, jours, **kw):
    article = Actualite(titre=titre, resume=kw.pop("resume", f"Résumé de {titre}"), corps=kw.pop("corps", f"Corps de {titre}"),
                        date_publication=date(2026, 1, 1) + timedelta(days=jours), **kw)
    db.session.add(article)
    db.session.commit()
    return article


def fichier_public(nom="guide.pdf"):
    return store_upload(FileStorage(BytesIO(b"%PDF-1.4\n%%EOF\n"), filename=nom), owner_user_id=None,
                        sensitive=False, preset=DOCUMENT_PUBLIC)


def test_home_page_has_login_box_tabs_quick_search_news_and_annonces(client, app):
    for i in range(4):
        actualite(f"Article {i}", i)
    annonces = [creer_annonce(intitule=f"Annonce accueil {i}", date_publication=None) for i in range(12)]
    creer_annonce(etat=EtatAnnonce.brouillon, intitule="Brouillon caché")
    response = client.get("/")
    text = page_text(response)
    for label in ("Identifiant", "Mot de passe", "Me connecter", "Mot de passe oublié ?", "Accueil",
                  "Recherche avancée d'annonces", "Remplir un CV en ligne", "Informations Complémentaires",
                  "Recherche rapide des annonces", "Catégorie d'intervention", "Spécialité de formation",
                  "Informations Espace Intervenants", "Les dernières annonces publiées", "Numéro de l'annonce",
                  "Intitulé de l'annonce", "Région(s)/Pays d'intervention", "Voir plus..."):
        assert label in text, label
    assert 'id="afficher-mot-de-passe"' in text and 'type="password"' in text
    assert 'href="/mot-de-passe-oublie"' in text and 'href="/inscription"' in text
    assert 'action="/login/"' in text and 'name="csrf_token"' in text
    # the 3 latest news, linking to the expanded article
    assert "Article 3" in text and "Article 1" in text and "Article 0" not in text
    assert re.search(r'href="/actualites\?article=\d+#actualite-\d+"', text)
    # 10 annonces per page, the draft never
    assert len(numeros(response)) == 10 and "Brouillon caché" not in text
    page2 = client.get("/?page=2")
    assert len(numeros(page2)) == 2
    assert set(numeros(response)) | set(numeros(page2)) == {a.numero for a in annonces}


def test_quick_search_goes_to_the_advanced_search(client, app):
    annonce = creer_annonce(specialites=("A2",))
    creer_annonce(specialites=("A1",))
    from app.models.referentiels import Specialite
    from tests.outils.annonces import ref

    response = client.get(f"/annonces/?categorie=&specialite={ref(Specialite, 'A2').id}")
    assert numeros(response) == [annonce.numero]


def test_news_page_latest_open_or_the_chosen_one_highlighted(client, app):
    ancien = actualite("Former autrement", 0, corps="Le document **Former autrement**.")
    recent = actualite("De nouvelles fonctionnalités", 10)
    text = client.get("/actualites").get_data(as_text=True)
    assert re.search(rf'id="actualite-{recent.id}" class="actualite">\s*<details open>', text)
    assert re.search(rf'id="actualite-{ancien.id}" class="actualite">\s*<details>', text)
    chosen = client.get(f"/actualites?article={ancien.id}").get_data(as_text=True)
    assert re.search(rf'id="actualite-{ancien.id}" class="actualite actualite-choisie" aria-current="true">\s*<details open>', chosen)
    assert re.search(rf'id="actualite-{recent.id}" class="actualite">\s*<details>', chosen)
    assert "<strong>Former autrement</strong>" in chosen


def test_markdown_is_rendered_safely():
    html = str(markdown_sur('<script>alert(1)</script>\n\n- **a** [lien](https://cnfpt.fr)\n- [x](javascript:alert(1))'))
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert '<a href="https://cnfpt.fr" rel="noopener noreferrer">lien</a>' in html and "<strong>a</strong>" in html
    assert 'href="javascript' not in html
    # No attribute: the quote stays text (nh3 writes a text node's quotes as is).
    assert not re.search(r"<[^>]*onmouseover", str(markdown_sur('[a](https://x.test/" onmouseover="alert(1))')))


def test_information_and_legal_pages(client, app):
    document = DocumentPublic(titre="La charte des intervenants", fichier=fichier_public("charte.pdf"))
    cache = DocumentPublic(titre="Ancien guide", fichier=fichier_public("ancien.pdf"), actif=False)
    db.session.add_all([document, cache])
    db.session.commit()
    text = page_text(client.get("/informations-complementaires"))
    assert "La charte des intervenants" in text and "Ancien guide" not in text
    assert "Les structures en régions" in text and "Auvergne-Rhône-Alpes" in text
    download = client.get(f"/documents/{document.fichier.uuid}")
    assert download.status_code == 200 and download.data.startswith(b"%PDF")
    assert client.get(f"/documents/{cache.fichier.uuid}").status_code == 404
    mentions = page_text(client.get("/mentions-legales"))
    for label in ("Conditions d'utilisation", "Données personnelles", "Cookies"):
        assert label in mentions
    assert client.get("/accessibilite").status_code == 200
    assert client.get("/plan-acces").status_code == 200


def test_private_files_never_leave_through_the_public_route(client, app, factory):
    user, _ = factory.intervenant("DR-84")
    prive = store_upload(FileStorage(BytesIO(b"%PDF-1.4\n%%EOF\n"), filename="rib.pdf"), owner_user_id=user.id,
                         sensitive=True, preset=DOSSIER_ADMINISTRATIF)
    brouillon = creer_annonce(etat=EtatAnnonce.brouillon, fichier=fichier_public("brouillon.pdf"))
    publiee = creer_annonce(fichier=fichier_public("annonce.pdf"))
    db.session.commit()
    assert client.get(f"/documents/{prive.uuid}").status_code == 404
    assert client.get(f"/documents/{brouillon.fichier.uuid}").status_code == 404
    assert client.get(f"/documents/{publiee.fichier.uuid}").status_code == 200
    assert "annonce.pdf" in page_text(client.get(f"/annonces/{publiee.numero}"))


def test_cookie_banner_and_audience_script_only_after_consent(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "MESURE_AUDIENCE_URL", MESURE)
    first = page_text(client.get("/"))
    assert "OK, tout accepter" in first and "Personnaliser" in first
    assert "Autoriser" in first and "Interdire" in first and "Maintenance de session" in first
    assert MESURE not in first
    assert 'href="/cookies"' in first  # footer link "Gestion des cookies"
    token = csrf_token_from(client.get("/cookies").get_data(as_text=True))
    refused = client.post("/cookies", data={"csrf_token": token, "choix": "mesure_interdire", "retour": "/"})
    assert refused.status_code == 302 and refused.headers["Location"] == "/"
    after_refusal = page_text(client.get("/"))
    assert MESURE not in after_refusal and "OK, tout accepter" not in after_refusal
    client.post("/cookies", data={"csrf_token": token, "choix": "tout", "retour": "https://evil.test/"})
    accepted = page_text(client.get("/annonces/"))
    assert MESURE in accepted and "OK, tout accepter" not in accepted
    assert "Vous avez autorisé la mesure d'audience." in page_text(client.get("/cookies"))


def test_cookie_choice_needs_csrf(client, app):
    assert client.post("/cookies", data={"choix": "tout"}).status_code in (200, 400)
    assert "ei_consentement" not in client.get("/").headers.get("Set-Cookie", "")


def test_console_creates_news_with_a_document(app, login_as):
    client = login_as("admin_national")
    page = client.get("/backoffice/bo_actualite/new/")
    assert page.status_code == 200
    token = csrf_token_from(page.get_data(as_text=True))
    response = client.post("/backoffice/bo_actualite/new/", data={
        "csrf_token": token, "titre": "Frais de déplacement", "date_publication": "2026-03-01",
        "resume": "Nouveau formulaire numéroté", "corps": "Texte **important**.",
        "document_upload": (BytesIO(b"%PDF-1.4\n%%EOF\n"), "formulaire.pdf"),
    }, content_type="multipart/form-data")
    assert response.status_code == 302, page_text(response)[:3000]
    article = db.session.scalar(select(Actualite).where(Actualite.titre == "Frais de déplacement"))
    assert article.document.original_name == "formulaire.pdf" and not article.document.sensitive
    assert client.get(f"/documents/{article.document.uuid}").status_code == 200
    home = page_text(client.get("/"))
    assert "Frais de déplacement" in home


def test_console_rejects_a_bad_file(app, login_as):
    client = login_as("admin_national")
    token = csrf_token_from(client.get("/backoffice/bo_document_public/new/").get_data(as_text=True))
    response = client.post("/backoffice/bo_document_public/new/", data={
        "csrf_token": token, "titre": "Exécutable", "ordre": "1", "actif": "y",
        "fichier_upload": (BytesIO(b"MZ\x90\x00binary"), "outil.exe"),
    }, content_type="multipart/form-data")
    assert response.status_code == 200
    assert db.session.scalar(select(DocumentPublic).where(DocumentPublic.titre == "Exécutable")) is None
