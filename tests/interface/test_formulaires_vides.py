"""Every form, its optional fields empty, sent twice (issue 40, point 1).

Each GET page of the permission matrix is opened by an actor allowed to see
it; each of its forms is sent back as a person in a hurry would: what the
page pre-fills kept, each required field given a plausible value, every
optional field left empty — twice in a row (a second empty value is where a
unique optional column gave « UNIQUE constraint failed »). No answer may be
an error page, show the database's text or an English word.
"""

from __future__ import annotations

from html import unescape
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from werkzeug.datastructures import MultiDict

from tests.conftest import sign_in
from tests.outils.francais import mots_anglais
from tests.outils.matrice import _endpoints, _url, routes_get

ORDRE_ACTEURS = ("gestionnaire_a", "admin_national", "intervenant", "anonyme")
TRACES_BRUTES = ("IntegrityError", "constraint failed", "[SQL:", "duplicate key", "psycopg", "sqlite3",
                 "Erreur du serveur", "Enregistrement impossible",
                 # app.infra.integrite's words: a required value is new at each sending, so
                 # a refusal means an empty optional value collided with another
                 "Cette valeur est déjà utilisée", "L'enregistrement est impossible")
#: Forms that end the session or the account: sent, the rest of the page's forms could not be.
ACTIONS_EXCLUES = ("/logout", "/deconnexion")


class _Formulaires(HTMLParser):
    """The page's forms: action, method and fields (name, type, value, required)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.formulaires: list[dict] = []
        self._courant = None
        self._select = None
        self._textarea = None
        self._label = None
        #: Ids of the fields whose label carries the required mark « * » (FAB's forms).
        self.marques: set[str] = set()

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "label" and a.get("for"):
            self._label = a["for"]
        if tag == "form":
            self._courant = {"action": a.get("action") or "", "method": (a.get("method") or "get").lower(),
                             "champs": []}
            self.formulaires.append(self._courant)
        if self._courant is None or not a.get("name"):
            if tag == "option" and self._select is not None:
                self._select["options"].append((a.get("value", ""), "selected" in a))
            return
        if tag == "input":
            type_ = (a.get("type") or "text").lower()
            if type_ in ("submit", "button", "reset", "image"):
                return
            self._courant["champs"].append({"nom": a["name"], "type": type_, "valeur": a.get("value", ""),
                                            "requis": "required" in a, "coche": "checked" in a, "id": a.get("id"),
                                            "max": int(a.get("maxlength") or 0)})
        elif tag == "select":
            self._select = {"nom": a["name"], "type": "select", "options": [], "requis": "required" in a,
                            "id": a.get("id"),
                            "multiple": "multiple" in a}
            self._courant["champs"].append(self._select)
        elif tag == "textarea":
            self._textarea = {"nom": a["name"], "type": "textarea", "valeur": "", "requis": "required" in a,
                              "id": a.get("id"),
                              "max": int(a.get("maxlength") or 0)}
            self._courant["champs"].append(self._textarea)

    def handle_endtag(self, tag):
        if tag == "label":
            self._label = None
        if tag == "form":
            self._courant = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._label is not None and "*" in data:
            self.marques.add(self._label)
        if self._textarea is not None:
            self._textarea["valeur"] += data


def _valeur_requise(champ: dict, scene, n: str) -> str:
    """A plausible value, new at each sending (``n``: form and attempt)."""
    nom, type_ = champ["nom"], champ["type"]
    if nom == "email_intervenant":
        return scene.valide_email
    if type_ == "email" or "email" in nom:
        return f"formulaire.{n}@example.test"
    if type_ == "date" or nom.startswith("date"):
        return "2030-03-04"
    if type_ in ("number", "range"):
        return "1"
    if type_ == "password":
        return "Mot-de-passe-Formulaire-1!"
    if type_ == "tel":
        return "0102030405"
    texte = f"Texte {n}"
    return texte[-champ["max"]:] if champ.get("max") else texte


def _donnees(formulaire: dict, scene, n: str) -> list[tuple[str, str]]:
    donnees = []
    for champ in formulaire["champs"]:
        type_ = champ["type"]
        if type_ == "file":
            continue
        if type_ in ("checkbox", "radio"):
            if champ["coche"] or (champ["requis"] and type_ == "checkbox"):
                donnees.append((champ["nom"], champ["valeur"] or "y"))
            elif champ["requis"] and type_ == "radio" and not any(
                    nom == champ["nom"] for nom, _ in donnees):
                donnees.append((champ["nom"], champ["valeur"]))
            continue
        if type_ == "select":
            choisies = [v for v, s in champ["options"] if s]
            if not choisies and champ["requis"]:
                choisies = [v for v, _ in champ["options"] if v and v != "__None"][:1]
            donnees += [(champ["nom"], v) for v in choisies]
            continue
        valeur = champ["valeur"]
        if not valeur and champ["requis"]:
            valeur = _valeur_requise(champ, scene, n)
        donnees.append((champ["nom"], valeur))
    return donnees


def _routes(app):
    return routes_get(app, ORDRE_ACTEURS, lambda endpoint, rule: rule.rule.startswith(("/api/", "/backoffice/static"))
                      or endpoint.endswith((".ajax_lookup", ".ajax_update", ".action_post")))


def pytest_generate_tests(metafunc):
    if "route" in metafunc.fixturenames:
        from app import create_app

        metafunc.parametrize(("route", "acteur"), _routes(create_app("testing")))


def _verifier(reponse, quoi: str) -> None:
    assert reponse.status_code < 500, (quoi, reponse.status_code)
    if reponse.mimetype != "text/html":
        return
    html = unescape(reponse.get_data(as_text=True))
    for trace in TRACES_BRUTES:
        assert trace not in html, (quoi, trace)
    assert mots_anglais(html) == [], (quoi, mots_anglais(html))


def test_chaque_formulaire_envoye_deux_fois_champs_facultatifs_vides(app, scene, monkeypatch, route, acteur):
    # As in the permission matrix: FAB keeps the first form's field list per
    # view, and the matrix renders FAB's forms without CSRF.
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", False)
    scene.valide_email = scene.valide.user.email if hasattr(scene.valide, "user") else _email(scene.valide)
    url = _url(app, _endpoints(app)[route], scene.samples)
    client = app.test_client()
    user = scene.user(acteur)
    if user is not None:
        sign_in(client, user)
    page = client.get(url)
    if page.status_code != 200 or page.mimetype != "text/html":
        return
    formulaires = _Formulaires()
    formulaires.feed(page.get_data(as_text=True))
    for formulaire in formulaires.formulaires:
        for champ in formulaire["champs"]:
            champ["requis"] = champ["requis"] or champ.get("id") in formulaires.marques
    for n, formulaire in enumerate(formulaires.formulaires):
        cible = urljoin(url, unescape(formulaire["action"])) if formulaire["action"] else url
        chemin = urlsplit(cible).path
        if chemin.startswith(ACTIONS_EXCLUES) or chemin.startswith("/backoffice/static"):
            continue
        for essai in (1, 2):
            donnees = MultiDict(_donnees(formulaire, scene, f"{n}-{essai}"))
            if user is not None:
                sign_in(client, user)
            if formulaire["method"] == "post":
                reponse = client.post(cible, data=donnees, follow_redirects=True)
            else:
                reponse = client.get(urlsplit(cible).path, query_string=donnees, follow_redirects=True)
            _verifier(reponse, f"{formulaire['method'].upper()} {cible} (essai {essai}) {donnees}")


def _email(profil) -> str:
    from flask_appbuilder.security.sqla.models import User

    from app.extensions import db

    return db.session.get(User, profil.user_id).email
