"""Accessibility checks that run without a browser (issue 25 point 6,
issue 27 point 4); axe-core itself runs in tests/navigateur/."""

from __future__ import annotations

import re

from tests.conftest import page_text
from tests.outils.annonces import creer_annonce


def test_statement_shows_the_measured_state(client):
    html = page_text(client.get("/accessibilite"))
    assert "<h1>Déclaration d'accessibilité</h1>" in html
    assert "axe-core 4.14.1" in html and "<strong>0 violation</strong>" in html
    assert "non conforme" in html and "Défenseur des droits" in html
    assert re.search(r"soit \d+ pages", html)


#: RGAA 4.1: its 13 themes and how many criteria each has (106 in all).
THEMATIQUES_RGAA = {1: ("Images", 9), 2: ("Cadres", 2), 3: ("Couleurs", 3), 4: ("Multimédia", 13), 5: ("Tableaux", 8),
                    6: ("Liens", 2), 7: ("Scripts", 5), 8: ("Éléments obligatoires", 10),
                    9: ("Structuration de l'information", 4), 10: ("Présentation de l'information", 14),
                    11: ("Formulaires", 13), 12: ("Navigation", 11), 13: ("Consultation", 12)}


def _csv(nom: str) -> list[dict]:
    import csv
    from pathlib import Path

    import app as paquet

    with open(Path(paquet.__file__).parent / "data" / "rgaa" / nom, encoding="utf-8", newline="") as fichier:
        return list(csv.DictReader(fichier))


def test_rgaa_grid_has_the_106_criteria_on_every_page_of_the_sample():
    criteres = _csv("criteres.csv")
    attendus = [(f"{t}.{n}", nom) for t, (nom, total) in THEMATIQUES_RGAA.items() for n in range(1, total + 1)]
    assert [(c["critere"], c["thematique"]) for c in criteres] == attendus
    assert len(attendus) == 106 and all(c["intitule"].strip() for c in criteres)
    pages = [p["page"] for p in _csv("echantillon.csv")]
    assert len(pages) >= 5 and len(set(pages)) == len(pages)
    grille = _csv("grille.csv")
    assert sorted((ligne["critere"], ligne["page"]) for ligne in grille) == sorted((c, p) for c, _ in attendus for p in pages)
    for ligne in grille:
        assert ligne["statut"] in ("conforme", "non conforme", "non applicable"), ligne
        assert ligne["justification"].strip(), ligne


def test_rgaa_sample_pages_are_real_pages(client, login_as):
    roles = {"visiteur": client, "intervenant": login_as("intervenant"), "gestionnaire": login_as("gestionnaire")}
    from app.models.comptes import EtatInscription, Intervenant

    for page in _csv("echantillon.csv"):
        if page["consultee_par"] == "intervenant validé":
            from app.extensions import db

            for profil in db.session.query(Intervenant):
                profil.etat_inscription = EtatInscription.validee
            db.session.commit()
        navigateur = roles[page["consultee_par"].split()[0]]
        assert navigateur.get(page["adresse"]).status_code == 200, page


def test_statement_shows_the_rate_computed_from_the_grid(client):
    """The RGAA way, recomputed here from the grid: a criterion is conforme
    when conforme on every page where it applies, non conforme when it fails
    on one; rate = conformes / (conformes + non conformes)."""
    par_critere: dict[str, set[str]] = {}
    for ligne in _csv("grille.csv"):
        par_critere.setdefault(ligne["critere"], set()).add(ligne["statut"])
    resultat = {c: ("non conforme" if "non conforme" in s else "conforme" if "conforme" in s else "non applicable")
                for c, s in par_critere.items()}
    conformes = sum(1 for r in resultat.values() if r == "conforme")
    non_conformes = sorted((c for c, r in resultat.items() if r == "non conforme"), key=lambda c: tuple(map(int, c.split("."))))
    taux = f"{100 * conformes / (conformes + len(non_conformes)):.1f}".replace(".", ",")

    html = page_text(client.get("/accessibilite"))
    assert f'<strong id="taux-conformite">{taux} %</strong> des critères du RGAA version 4.1 sont respectés' in html
    etat = "totalement conforme" if not non_conformes else ("partiellement conforme" if float(taux.replace(",", ".")) >= 50 else "non conforme")
    assert f'<strong id="etat-conformite">{etat}</strong>' in html
    assert f"<li>{conformes} critères conformes ;</li>" in html
    assert f"<li>{len(non_conformes)} critères non conformes ;</li>" in html
    assert re.findall(r"<li><strong>Critère (\d+\.\d+)</strong>", html) == non_conformes
    for ligne in _csv("grille.csv"):
        if ligne["statut"] == "non conforme":
            assert ligne["justification"] in html, ligne
    for page in _csv("echantillon.csv"):
        assert f"<li>{page['nom']} : <code>{page['adresse']}</code>" in html
    for mention in ("Dérogations pour charge disproportionnée", "Cette déclaration a été établie le",
                    "Défenseur des droits", "Libre réponse 71120", "axe-core 4.14.1", 'href="/aide-et-contact"'):
        assert mention in html, mention


def test_generated_lists_have_a_heading_labelled_checkboxes_and_named_headers(login_as):
    """FAB's generated lists (the security console's)."""
    html = page_text(login_as("admin_national").get("/users/list/"))
    assert len(re.findall(r"<h1[ >]", html)) == 1
    assert 'id="check_all" class="action_check_all" name="check_all" type="checkbox" aria-label="Sélectionner toutes les lignes"' in html
    assert re.search(r'class="action_check" name="rowid" value="\d+" type="checkbox" aria-label="Sélectionner la ligne : [^"]+"', html)
    assert not re.search(r"<th[^>]*>\s*</th>", html)
    assert '<h2 class="panel-title">' in html  # the search panel under the level-one heading


def test_declared_staff_lists_have_a_heading_labelled_checkboxes_and_named_headers(login_as):
    annonce = creer_annonce()
    html = page_text(login_as("gestionnaire").get("/gestion/annonces/list/"))
    assert len(re.findall(r"<h1[ >]", html)) == 1
    assert 'id="check_all" class="action_check_all" name="check_all" type="checkbox" aria-label="Tout sélectionner"' in html
    assert re.search(rf'value="{annonce.id}" type="checkbox"\s+aria-label="Sélectionner l\'annonce n° {annonce.numero}"', html)
    assert f'title="Modifier l\'annonce n° {annonce.numero}"' in html
    assert not re.search(r"<th[^>]*>\s*</th>", html)
    assert 'role="search" aria-label="Rechercher des annonces"' in html


def test_generated_forms_have_a_level_one_heading(login_as):
    client = login_as("admin_national")
    for url in ("/gestion/annonces/add", "/users/list/", "/roles/add"):
        html = page_text(client.get(url))
        assert len(re.findall(r"<h1[ >]", html)) == 1, url
        assert '<main id="contenu"' in html, url


def test_console_lists_label_their_checkboxes_and_toggles(login_as):
    html = page_text(login_as("admin_national").get("/backoffice/bo_structure/"))
    assert 'class="action-rowtoggle" aria-label="Sélectionner toutes les lignes"' in html
    assert re.search(r'class="action-checkbox" value="\d+"\s+aria-label="Sélectionner la ligne : [^"]+"', html)
    assert re.search(r'aria-label="Actif : (oui|non) \(modifier\)"', html)
    assert not re.search(r"<th[^>]*>(\s|&nbsp;)*</th>", html)


def test_statement_counts_the_pages_axe_core_audits(app, scene):
    """The statement's page counts are those tests/navigateur audits, role by
    role: a page added or removed since the measure fails here until the
    statement is measured again (``make test-navigateur``)."""
    from app.views.portail import MESURE_ACCESSIBILITE
    from tests.outils.matrice import pages_html
    from tests.outils.permission_matrix import ACTORS

    mesurees = [len(pages_html(app, scene, actor)) for actor in ACTORS]
    assert mesurees == [n for _, n in MESURE_ACCESSIBILITE["pages"]]
