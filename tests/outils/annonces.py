"""Annonces: referential look-ups, an annonce built in one call, the annonce form's fields, list actions, and ``count_queries`` (the SQL statements a block runs)."""

from __future__ import annotations

import re
from contextlib import contextmanager
from datetime import timedelta

from sqlalchemy import event, select

from app.extensions import db
from app.models.annonces import Annonce, EtatAnnonce
from app.models.referentiels import Departement, Region, SousSpecialite, Specialite, Structure
from app.views.annonces import aujourdhui
from tests.conftest import csrf_token_from


def ref(model, code):
    return db.session.scalar(select(model).where(model.code == code))


def creer_annonce(structure="DR-84", *, etat=EtatAnnonce.publiee, specialites=("A1",), sous_specialites=(),
                  regions=("84",), departements=(), limite_jours=30, **kw) -> Annonce:
    annonce = Annonce(
        intitule=kw.pop("intitule", "Formation au management"),
        description=kw.pop("description", "Nous recherchons un formateur expérimenté."),
        date_limite=aujourdhui() + timedelta(days=limite_jours),
        structure_id=ref(Structure, structure).id,
        etat=etat,
        date_publication=kw.pop("date_publication", None),
        **kw,
    )
    annonce.specialites = [ref(Specialite, c) for c in specialites]
    annonce.sous_specialites = [ref(SousSpecialite, c) for c in sous_specialites]
    annonce.regions = [ref(Region, c) for c in regions]
    annonce.departements = [ref(Departement, c) for c in departements]
    db.session.add(annonce)
    db.session.commit()
    return annonce


@contextmanager
def count_queries():
    statements = []

    def listener(conn, cursor, statement, *args):
        statements.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", listener)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", listener)


def numeros(response) -> list[str]:
    return re.findall(r"/annonces/(\d{10})[?\"]", response.get_data(as_text=True))


def form_annonce(token, **overrides):
    today = aujourdhui()
    data = {
        "csrf_token": token,
        "intitule": "Le développement durable dans les bibliothèques",
        "description": "Nous sommes à la recherche d'un formateur expérimenté.",
        "profil_recherche": "expérimenté",
        "contexte": "présentiel",
        "public_vise": "personnels des bibliothèques",
        "specialites": [str(ref(Specialite, "A1").id)],
        "sous_specialites": [str(ref(SousSpecialite, "A1A").id)],
        "duree_jours": "2,5",
        "date_debut": (today + timedelta(days=60)).isoformat(),
        "date_fin": (today + timedelta(days=90)).isoformat(),
        "date_limite": (today + timedelta(days=30)).isoformat(),
        "regions": [str(ref(Region, "84").id)],
        "departements": [str(ref(Departement, "69").id)],
        "contact_nom": "Claire Martin",
        "contact_email": "claire.martin@cnfpt.fr",
    }
    data.update(overrides)
    return data


def action(client, url_list, url_action, name, ids):
    token = csrf_token_from(client.get(url_list).get_data(as_text=True))
    return client.post(url_action, data={"csrf_token": token, "action": name, "rowid": [str(i) for i in ids]})
