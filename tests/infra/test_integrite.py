"""No raw database error, ever (issue 40, point 1): an empty optional value
is stored as NULL in every unique optional column, and a row the database
still refuses is said in French next to its field."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import select

from app.extensions import db
from app.models.base import colonnes_uniques_facultatives
from app.models.comptes import EtatInscription
from app.models.interventions import Intervention
from tests.conftest import csrf_token_from, page_text, sign_in
from tests.outils.francais import mots_anglais

TRACES_BRUTES = ("IntegrityError", "constraint failed", "UNIQUE", "[SQL:", "duplicate key", "psycopg", "sqlite3")


def _sans_trace_brute(html: str) -> None:
    for trace in TRACES_BRUTES:
        assert trace not in html, trace
    assert mots_anglais(html) == [], mots_anglais(html)


def test_chaque_colonne_unique_facultative_est_connue_de_la_migration():
    """The columns the models convert are the ones the migration cleaned (a new
    one: add it to a migration turning its '' into NULL)."""
    import importlib.util
    from pathlib import Path

    chemin = next(Path("migrations/versions").glob("*_e8f9a0b1c2d3_vides_en_null.py"))
    spec = importlib.util.spec_from_file_location("vides_en_null", chemin)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    modeles = {(t.name, c.name) for t in db.metadata.tables.values() for c in colonnes_uniques_facultatives(t)}
    assert ("intervention", "reference_externe") in modeles and ("intervenant", "immatriculation") in modeles
    assert modeles == set(migration.COLONNES)


def test_une_valeur_vide_est_enregistree_null_partout(app, factory):
    """'' and blanks set on any unique optional column (constructor, form,
    API) are stored as NULL."""
    sa.orm.configure_mappers()
    for mapper in db.Model.registry.mappers:
        table = mapper.local_table
        for colonne in colonnes_uniques_facultatives(table) if isinstance(table, sa.Table) else ():
            attribut = next(p.key for p in mapper.column_attrs if colonne in p.columns)
            objet = mapper.class_()
            setattr(objet, attribut, "  ")
            assert getattr(objet, attribut) is None, f"{table.name}.{colonne.name}"
            setattr(objet, attribut, "X1")
            assert getattr(objet, attribut) == "X1"


def _valide(factory):
    user, profil = factory.intervenant("DR-84")
    profil.etat_inscription = EtatInscription.validee
    db.session.commit()
    return user


def test_deux_interventions_sans_reference_du_logiciel(app, factory):
    """The issue's case: a second intervention of the structure with the
    optional reference left empty is created (it flashed « sqlite3.IntegrityError
    UNIQUE constraint failed » and created nothing)."""
    gestionnaire = factory.gestionnaire("DR-84")
    intervenant = _valide(factory)
    client = app.test_client()
    sign_in(client, gestionnaire)
    for n in (1, 2):
        page = client.get("/gestion/interventions/add")
        reponse = client.post("/gestion/interventions/add", follow_redirects=True, data={
            "csrf_token": csrf_token_from(page.get_data(as_text=True)), "email_intervenant": intervenant.email,
            "structure": str(factory.structure("DR-84").id), "intitule": f"Action {n}", "date_debut": "2030-03-04",
            "date_fin": "2030-03-05", "duree_jours": "2", "lieu": "Lyon", "reference_externe": ""})
        assert reponse.status_code == 200
        _sans_trace_brute(reponse.get_data(as_text=True))
    references = db.session.execute(select(Intervention.intitule, Intervention.reference_externe)).all()
    assert sorted(references) == [("Action 1", None), ("Action 2", None)]


def test_une_reference_deja_utilisee_est_dite_sous_son_champ(app, factory):
    """A reference already used in the structure: the form comes back with
    what was typed and the French message under « Référence du logiciel de
    gestion » (the database's refusal, read by app.infra.integrite)."""
    gestionnaire = factory.gestionnaire("DR-84")
    intervenant = _valide(factory)
    client = app.test_client()
    sign_in(client, gestionnaire)
    donnees = {"email_intervenant": intervenant.email, "structure": str(factory.structure("DR-84").id),
               "intitule": "Action", "date_debut": "2030-03-04", "date_fin": "2030-03-05", "duree_jours": "2",
               "lieu": "Lyon", "reference_externe": "GF-42"}
    for intitule in ("Première", "Seconde"):
        page = client.get("/gestion/interventions/add")
        reponse = client.post("/gestion/interventions/add", data={
            **donnees, "intitule": intitule, "csrf_token": csrf_token_from(page.get_data(as_text=True))})
    html = reponse.get_data(as_text=True)
    assert reponse.status_code == 200
    _sans_trace_brute(html)
    assert 'value="Seconde"' in html  # nothing lost
    texte = page_text(reponse)
    assert "Cette valeur est déjà utilisée (dans cette structure) : saisissez-en une autre." in texte
    champ = html.index('name="reference_externe"')
    assert html.index("Cette valeur est déjà utilisée") > champ  # under the field, not a flash alone
    assert db.session.scalar(select(sa.func.count()).select_from(Intervention)) == 1


def test_une_modification_refusee_par_la_base_est_dite_sous_son_champ(app, factory):
    from datetime import date
    from decimal import Decimal

    gestionnaire = factory.gestionnaire("DR-84")
    _valide(factory)
    profil_id = db.session.scalar(select(sa.text("id")).select_from(sa.table("intervenant")))
    structure = factory.structure("DR-84").id
    lignes = [Intervention(intervenant_id=profil_id, structure_id=structure, intitule=f"A{n}", lieu="Lyon",
                           date_debut=date(2030, 1, 7), date_fin=date(2030, 1, 7), duree_jours=Decimal("1"),
                           reference_externe=f"R{n}") for n in (1, 2)]
    db.session.add_all(lignes)
    db.session.commit()
    client = app.test_client()
    sign_in(client, gestionnaire)
    url = f"/gestion/interventions/edit/{lignes[1].id}"
    page = client.get(url)
    reponse = client.post(url, data={
        "csrf_token": csrf_token_from(page.get_data(as_text=True)), "intitule": "A2 modifiée",
        "date_debut": "2030-01-07", "date_fin": "2030-01-07", "duree_jours": "1", "lieu": "Lyon",
        "reference_externe": "R1"})
    html = reponse.get_data(as_text=True)
    assert reponse.status_code == 200
    _sans_trace_brute(html)
    assert 'value="A2 modifiée"' in html and "Cette valeur est déjà utilisée (dans cette structure)" in html


def test_la_console_dit_un_code_deja_utilise_en_francais(app, login_as, monkeypatch):
    """flask-admin flashed « Integrity error. UNIQUE constraint failed… »."""
    from flask import url_for

    from app.models.referentiels import Region

    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", False)
    client = login_as("admin_national")
    existante = db.session.scalars(select(Region)).first()
    with app.test_request_context():
        url = url_for("bo_region.create_view")
    # The form's own check is bypassed to reach the database's (a concurrent insert).
    from app.views import backoffice_referentiels

    monkeypatch.setattr(backoffice_referentiels.ReferentielView, "validate_form", lambda self, form: True,
                        raising=False)
    reponse = client.post(url, data={"code": existante.code, "nom": "Doublon", "actif": "y"})
    html = reponse.get_data(as_text=True)
    _sans_trace_brute(html)
    assert "Cette valeur est déjà utilisée" in html


def test_une_erreur_d_integrite_ailleurs_est_une_page_francaise(app, client, monkeypatch):
    """Any other page: the French reason with a way back (409), not a 500."""
    from sqlalchemy.exc import IntegrityError

    class Orig(Exception):
        def __str__(self):
            return "UNIQUE constraint failed: intervention.structure_id, intervention.reference_externe"

    def panne():
        raise IntegrityError("INSERT …", {}, Orig())

    monkeypatch.setitem(app.view_functions, "PagesView.plan_acces", panne)
    monkeypatch.setattr(app, "testing", False)
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    reponse = client.get("/plan-acces")
    html = reponse.get_data(as_text=True)
    assert reponse.status_code == 409
    _sans_trace_brute(html)
    assert "Cette valeur est déjà utilisée (dans cette structure)" in html and "Retour à l'accueil" in html
