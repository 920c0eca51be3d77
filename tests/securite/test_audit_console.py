"""The national administration's audit console (issue 27): decisions and
login attempts with filters by person, date and kind, formula-safe exports,
national admins only; the job queues' health beside the outbox."""

from __future__ import annotations

from datetime import datetime

import pytest

from app.extensions import db
from app.models.authentification import TentativeConnexion
from app.models.workflow import TransitionHistorique
from tests.conftest import page_text

AUDIT = ("/backoffice/bo_audit_decisions/", "/backoffice/bo_audit_connexions/",
         "/backoffice/bo_consultation/", "/backoffice/bo_acces_fichier/")


def _tableau(reponse) -> str:
    """The list's table only (the filters' choices hold every label and code)."""
    html = page_text(reponse)
    debut = html.index('<table class="table table-striped')
    return html[debut:html.index("</table>", debut)]


def _filtre(app, endpoint: str, nom: str, operation: str) -> str:
    """flask-admin's URL argument of one filter (``flt0_<index>``)."""
    vue = next(v for v in app.extensions["admin"][0]._views if v.endpoint == endpoint)
    for i, flt in enumerate(vue._filters):
        if flt.name == nom and str(flt.operation()) == operation:
            return f"flt0_{i}"
    raise KeyError((nom, operation, [(f.name, str(f.operation())) for f in vue._filters]))


@pytest.mark.parametrize("url", AUDIT)
@pytest.mark.parametrize("role,statut", [("gestionnaire", 403), ("intervenant", 403), ("admin_national", 200)])
def test_audit_is_for_national_admins_only(login_as, url, role, statut):
    assert login_as(role).get(url).status_code == statut


def _decision(acteur, evenement: str, quand: datetime, workflow="inscription", avant="transmise", apres="validee"):
    db.session.add(TransitionHistorique(workflow=workflow, objet_type="intervenant", objet_id=7, evenement=evenement,
                                        etat_avant=avant, etat_apres=apres, acteur_id=acteur.id,
                                        date=quand, commentaire="RAS"))


def test_decisions_filtered_by_person_date_and_kind(app, login_as, factory):
    client = login_as("admin_national")
    claire = factory.gestionnaire("DR-84", email="claire.audit@example.test")
    julien = factory.gestionnaire("DR-11", email="julien.audit@example.test")
    _decision(claire, "valider", datetime(2026, 7, 1, 8, 0))
    _decision(julien, "rejeter", datetime(2026, 7, 2, 8, 0))
    _decision(julien, "publier", datetime(2026, 5, 2, 8, 0), workflow="annonce", avant="brouillon", apres="publiee")
    db.session.commit()
    url = "/backoffice/bo_audit_decisions/"
    tout = page_text(client.get(url))
    assert "claire.audit@example.test" in tout and "julien.audit@example.test" in tout
    assert "01/07/2026 10:00:00" in tout  # Paris time (UTC+2 in July)
    par_personne = page_text(client.get(url, query_string={
        _filtre(app, "bo_audit_decisions", "Par (adresse e-mail)", "contient"): "claire"}))
    assert "claire.audit@example.test" in par_personne and "julien.audit@example.test" not in par_personne
    par_genre = _tableau(client.get(url, query_string={_filtre(app, "bo_audit_decisions", "Circuit", "vaut"): "annonce"}))
    assert "Publier" in par_genre and "Valider" not in par_genre
    par_date = _tableau(client.get(url, query_string={
        _filtre(app, "bo_audit_decisions", "Date (heure de Paris)", "plus grand que"): "2026-07-02 00:00:00"}))
    assert "Rejeter" in par_date and "Valider" not in par_date and "Publier" not in par_date


def test_decisions_in_french_on_the_page_in_the_filters_and_in_the_export(app, login_as, factory):
    """The stored codes (« demander_complement », « transmise », « bloc_dossier »)
    are shown as their workflow says them (issue 27, point 4)."""
    from app.workflows.core import tous_les_workflows

    client = login_as("admin_national")
    claire = factory.gestionnaire("DR-84", email="claire.audit@example.test")
    db.session.add(TransitionHistorique(workflow="inscription", objet_type="intervenant", objet_id=7,
                                        evenement="demander_complement", etat_avant="transmise",
                                        etat_apres="complement_demande", acteur_id=claire.id, date=datetime(2026, 7, 1)))
    db.session.commit()
    url = "/backoffice/bo_audit_decisions/"
    page = _tableau(client.get(url))
    for mot in ("Demandes d'inscription", "Demander un complément", "Transmise", "Complément demandé"):
        assert mot in page, mot
    for code in ("demander_complement", "complement_demande", ">inscription<", ">transmise<"):
        assert code not in page, code
    export = client.get(url + "export/csv/").get_data(as_text=True)
    assert "Demander un complément" in export and "demander_complement" not in export
    assert all(wf.titre and wf.titre != nom for nom, wf in tous_les_workflows().items())
    vue = next(v for v in app.extensions["admin"][0]._views if v.endpoint == "bo_audit_decisions")
    with app.test_request_context():
        circuits = dict(next(f for f in vue._filters if f.name == "Circuit").get_options(vue))
    assert circuits["lettre_demande"] == "Lettres de demande" and circuits["bloc_dossier"].startswith("Dossier")


def test_login_attempts_filtered_and_exported_without_formulas(app, login_as):
    client = login_as("admin_national")
    db.session.add_all([
        TentativeConnexion(identifiant="=HYPERLINK(\"http://x\")", succes=False, motif="inconnu", canal="web",
                           adresse_ip="192.0.2.1"),
        TentativeConnexion(identifiant="emma@example.test", succes=True, motif="ok", canal="web",
                           adresse_ip="192.0.2.2"),
    ])
    db.session.commit()
    url = "/backoffice/bo_audit_connexions/"
    echecs = page_text(client.get(url, query_string={_filtre(app, "bo_audit_connexions", "Réussie", "vaut"): "0"}))
    assert "HYPERLINK" in echecs and "emma@example.test" not in echecs
    personne = page_text(client.get(url, query_string={
        _filtre(app, "bo_audit_connexions", "Identifiant saisi", "contient"): "emma"}))
    assert "emma@example.test" in personne and "HYPERLINK" not in personne
    export = client.get(url + "export/csv/").get_data(as_text=True)
    assert "'=HYPERLINK" in export
    assert "\n=HYPERLINK" not in export and ",=HYPERLINK" not in export


def test_queue_health_unavailable_without_redis(app, login_as, monkeypatch):
    client = login_as("admin_national")
    monkeypatch.setitem(app.config, "REDIS_URL", None)
    for url in ("/backoffice/", "/backoffice/bo_outbox/"):
        html = page_text(client.get(url))
        assert "Files de tâches" in html and "Indisponible" in html


def test_queue_health_unavailable_when_redis_does_not_answer(app, login_as, monkeypatch):
    client = login_as("admin_national")
    monkeypatch.setitem(app.config, "REDIS_URL", "redis://127.0.0.1:1/0")
    reponse = client.get("/backoffice/bo_outbox/")
    assert reponse.status_code == 200 and "Indisponible" in page_text(reponse)


def test_queue_health_counts(app, monkeypatch):
    """Queued, failed and scheduled jobs, per queue (a stand-in for rq's queue)."""
    from app import jobs

    class Registre:
        def __init__(self, n):
            self.count = n

    class File:
        def __init__(self, nom):
            self.count, self.failed_job_registry, self.scheduled_job_registry = 3, Registre(1), Registre(2)

    monkeypatch.setitem(app.config, "REDIS_URL", "redis://exemple/0")
    monkeypatch.setattr(jobs, "get_queue", File)
    with app.test_request_context():
        etats = jobs.etat_des_files()
    assert etats == [{"nom": n, "en_attente": 3, "echecs": 1, "planifiees": 2} for n in app.config["RQ_QUEUES"]]
