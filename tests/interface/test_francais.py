"""French everywhere (issue 25, point 1): every GET page of the permission
matrix, as each role, shows none of the English words the frameworks use;
the error pages (400, 403, 404, 429, 500) are French with a way back."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.models.comptes import EtatInscription
from tests.conftest import sign_in
from tests.outils.francais import mots_anglais, textes_lus
from tests.outils.matrice import _endpoints, _expected_for, _url
from tests.outils.permission_matrix import ACTORS, DENY, HIDDEN, OK

#: The matrix's intervenant has not been validated yet: the pages of a
#: validated one (messagerie, dossier…) are crawled as the owner of the
#: sample rows once validated; a page that refuses them is skipped.
VALIDE = "intervenant_valide"


def _pages_get(app, actor):
    for endpoint, rule in sorted(_endpoints(app).items()):
        attendu = _expected_for(endpoint)
        if attendu is None or "GET" not in rule.methods:
            continue
        if actor == VALIDE:
            if attendu["intervenant"] not in (OK, DENY, HIDDEN):
                continue
        elif attendu[actor] != OK:
            continue
        if endpoint.endswith((".delete", ".ajax_lookup", ".ajax_update")) or rule.rule.startswith("/api/"):
            continue
        yield endpoint, rule


def test_le_detecteur_voit_les_mots_des_cadriciels():
    """The detector reads text and spoken attributes, never URLs nor classes."""
    page = (
        '<html><body class="Show Edit"><a href="/Export/Search" title="Show record">x</a>'
        '<span aria-label="Actions">y</span><input type="submit" value="Cancel">'
        "<p>Nombre de record: 9</p><script>var Delete = 1;</script>"
        '<select><option value="__None">__None</option><option value="Search">Oui</option></select></body></html>'
    )
    trouves = " ".join(mots_anglais(page))
    for mot in ("Show", "record", "Actions", "Cancel", "__None"):
        assert f"« {mot} »" in trouves, mot
    assert "Export" not in trouves and "Delete" not in trouves and "Edit" not in trouves and "Search" not in trouves
    assert mots_anglais("<p>Exporter la liste, Rechercher, Supprimer, Modifier</p>") == []
    assert "Voir" in textes_lus('<button title="Voir">v</button>')[0]


@pytest.mark.parametrize("actor", [*ACTORS, VALIDE])
def test_toutes_les_pages_en_francais(app, scene, monkeypatch, actor):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", False)
    client = app.test_client()
    if actor == VALIDE:
        scene.owner_profil.etat_inscription = EtatInscription.validee  # set-up: the workflow is tested elsewhere
        db.session.commit()
        user = scene.owner
    else:
        user = scene.user(actor)
    if user is not None:
        sign_in(client, user)
    anglais = {}
    vues = 0
    for endpoint, rule in _pages_get(app, actor):
        url = _url(app, rule, scene.samples)
        response = client.get(url, follow_redirects=True)
        if response.mimetype != "text/html" or response.status_code != 200:
            continue
        vues += 1
        trouves = mots_anglais(response.get_data(as_text=True))
        if trouves:
            anglais[f"{endpoint} {url}"] = sorted(set(trouves))
    assert vues > 5
    assert not anglais, "\n".join(f"{page}:\n  " + "\n  ".join(mots) for page, mots in anglais.items())


def _page_erreur_francaise(response, code, titre):
    html = response.get_data(as_text=True)
    assert response.status_code == code
    assert '<html lang="fr">' in html and f"<h1>{titre}</h1>" in html, html[:300]
    assert "Retour à l'accueil" in html  # a way back
    assert mots_anglais(html) == [], mots_anglais(html)


@pytest.mark.parametrize(("url", "code", "titre"), [
    ("/gestion/demandes-inscription/list/?page_DemandeInscriptionView=x", 400, "Requête invalide"),
    ("/page-qui-n-existe-pas", 404, "Page introuvable"),
])
def test_pages_d_erreur_en_francais(login_as, url, code, titre):
    _page_erreur_francaise(login_as("gestionnaire").get(url), code, titre)


def test_methode_refusee_en_francais(client):
    _page_erreur_francaise(client.delete("/accessibilite"), 405, "Action impossible")


def test_acces_refuse_en_francais(login_as):
    _page_erreur_francaise(login_as("intervenant").get("/cvtheque/"), 403, "Accès refusé")


def test_erreur_du_serveur_en_francais(app, client, monkeypatch):
    """A failure in a page: the French page, with the way back to the page before."""

    def panne():
        raise RuntimeError("panne simulée")

    monkeypatch.setitem(app.view_functions, "PagesView.plan_acces", panne)
    monkeypatch.setattr(app, "testing", False)
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    response = client.get("/plan-acces", headers={"Referer": "http://localhost/accessibilite"})
    _page_erreur_francaise(response, 500, "Erreur du serveur")
    assert 'href="http://localhost/accessibilite"' in response.get_data(as_text=True)


@pytest.fixture
def app_limitee(tmp_path):
    from app import create_app

    limitee = create_app(
        "testing", RATELIMIT_ENABLED=True, AUTH_RATE_LIMITED=True, AUTH_RATE_LIMIT="2 per 5 minute",
        WTF_CSRF_ENABLED=False, UPLOAD_FOLDER=str(tmp_path / "u"), MAIL_FILE_DIR=str(tmp_path / "m"),
    )
    with limitee.app_context():
        db.create_all()
    yield limitee
    with limitee.app_context():
        db.session.remove()
        db.engine.dispose()


def test_trop_de_tentatives_en_francais(app_limitee):
    """The rate limit's page (issue 25: « Too Many Requests / 10 per 5 minute »,
    no way back): French, the way back, the API in JSON."""
    client = app_limitee.test_client()
    for _ in range(2):
        client.post("/login/", data={"username": "a@example.test"})
    reponse = client.post("/login/", data={"username": "a@example.test"}, headers={"Referer": "http://localhost/login/"})
    _page_erreur_francaise(reponse, 429, "Trop de tentatives")
    assert "per 5 minute" not in reponse.get_data(as_text=True)
    assert 'href="http://localhost/login/"' in reponse.get_data(as_text=True)
    api = client.post("/api/v1/security/login", json={"username": "a", "password": "b"})
    assert api.status_code == 429 and "Patientez" in api.get_json()["message"]


def test_console_en_francais(app, login_as):
    """The console (issue 27, point 4): page size, booleans and filter
    labels in French, never flask-admin's « 50 articles » or « actif: true »."""
    from flask import url_for

    client = login_as("admin_national")
    with app.test_request_context():
        structures, consultations = url_for("bo_structure.index_view"), url_for("bo_consultation.index_view")
    html = client.get(structures).get_data(as_text=True)
    assert "50 éléments par page" in html and "articles" not in html
    assert "Oui" in html and ": true" not in html and ": false" not in html
    filtres = client.get(consultations).get_data(as_text=True)
    assert "Par (adresse e-mail)" in filtres and "Ab User" not in filtres and "Intervenant Id" not in filtres
    assert mots_anglais(html) == [] and mots_anglais(filtres) == []


def test_e_mails_en_francais(app):
    """Every e-mail template (text and HTML), rendered with whatever its
    variables hold, carries none of the frameworks' English words."""
    from pathlib import Path

    from jinja2 import ChainableUndefined

    dossier = Path(app.root_path) / "templates" / "emails"
    modeles = sorted(p.name for p in dossier.iterdir() if p.suffix in (".txt", ".html") and not p.name.startswith("_"))
    assert len(modeles) > 20
    class Vide(ChainableUndefined):
        def __call__(self, *args, **kwargs):
            return self

    env = app.jinja_env.overlay(undefined=Vide)
    with app.test_request_context():
        for nom in modeles:
            rendu = env.get_template(f"emails/{nom}").render(base_url="http://127.0.0.1:5000", subject="Objet")
            texte = rendu if nom.endswith(".html") else f"<pre>{rendu}</pre>"
            assert mots_anglais(texte) == [], (nom, mots_anglais(texte))
            assert "None" not in rendu, nom


def test_erreurs_des_formulaires_generes_en_francais(app, login_as, monkeypatch):
    """FAB's own field errors (« Not a valid choice ») in French, the text kept."""
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", False)
    client = login_as("gestionnaire", "DR-84")
    reponse = client.post("/gestion/annonces/add", data={"intitule": "Formation gardée", "nature_formation": "999999"})
    html = reponse.get_data(as_text=True)
    assert reponse.status_code == 200
    assert "Choix invalide : sélectionnez une valeur de la liste." in html and "Not a valid choice" not in html
    assert 'value="Formation gardée"' in html
    assert mots_anglais(html) == []


def test_les_formulaires_generes_gardent_leur_jeton_csrf(login_as):
    """The French messages change the forms' Meta: CSRF is still checked."""
    client = login_as("gestionnaire", "DR-84")
    assert client.post("/gestion/annonces/add", data={"intitule": "Sans jeton"}).status_code == 400
