"""One vocabulary for the civilité (issue 33, point 5): the demo data stored
« M. » while the NIR check expects « M », so a male demo trainer could not
enter a real NIR."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa
from sqlalchemy import select

from app.donnees.demo import load_demo
from app.extensions import db
from app.models.comptes import LIBELLES_CIVILITE, Intervenant
from app.models.regles_dossier import nir


def test_demo_trainers_use_the_vocabulary_and_a_man_enters_his_nir(app):
    load_demo()
    civilites = set(db.session.scalars(select(Intervenant.civilite).distinct()))
    assert civilites == set(LIBELLES_CIVILITE)
    homme = db.session.scalar(select(Intervenant).where(Intervenant.civilite == "M").limit(1))
    annee, mois = homme.date_naissance.year % 100, homme.date_naissance.month
    sans_cle = f"1{annee:02d}{mois:02d}75123456"
    assert nir(sans_cle, civilite=homme.civilite, date_naissance=homme.date_naissance)


def test_the_nir_check_knows_the_stored_codes():
    naissance = date(1980, 5, 17)
    assert nir("1800575123456", civilite="M", date_naissance=naissance)
    with pytest.raises(ValueError, match="civilité"):
        nir("1800575123456", civilite="Mme", date_naissance=naissance)


def test_a_civilite_outside_the_vocabulary_is_refused():
    with pytest.raises(ValueError, match="Civilité inconnue"):
        Intervenant(civilite="M.")


def test_the_migration_moves_stored_rows_to_the_vocabulary(app, factory):
    """The upgrade's statements on a row stored the old way."""
    import importlib.util
    from pathlib import Path

    _, profil = factory.intervenant()
    db.session.execute(sa.update(Intervenant).where(Intervenant.id == profil.id)
                       .values(civilite="M.", identite_normalisee="m.|nom|prenom|1980-05-17"))
    chemin = next((Path(__file__).resolve().parents[2] / "migrations" / "versions").glob("*_5c1e7a9d3b20_*.py"))
    spec = importlib.util.spec_from_file_location("migration_civilite", chemin)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)

    class Op:
        @staticmethod
        def execute(sql):
            db.session.execute(sa.text(sql))

    migration.op = Op
    migration.upgrade()
    ligne = db.session.execute(select(Intervenant.civilite, Intervenant.identite_normalisee)
                               .where(Intervenant.id == profil.id)).one()
    assert tuple(ligne) == ("M", "m|nom|prenom|1980-05-17")
