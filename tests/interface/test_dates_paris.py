"""Dates are Paris dates (issue 27, point 4): instants are stored in UTC;
they are shown in Paris time and a date criterion « le 3 décembre » means
the Paris day, in the declared lists, FAB's search and the console."""

from __future__ import annotations

import re
from datetime import date, datetime

import pytest

from app.extensions import db
from app.infra.formatting import debut_du_jour, format_date, paris_vers_utc
from tests.conftest import page_text

#: 2 December 23:30 UTC: already 3 December (00:30) in Paris.
TARD_LE_2 = datetime(2026, 12, 2, 23, 30)
#: 3 December 23:30 UTC: 4 December (00:30) in Paris.
TARD_LE_3 = datetime(2026, 12, 3, 23, 30)


def test_conversions():
    assert debut_du_jour(date(2026, 12, 3)) == datetime(2026, 12, 2, 23, 0)  # winter: UTC+1
    assert debut_du_jour(date(2026, 7, 1)) == datetime(2026, 6, 30, 22, 0)  # summer: UTC+2
    assert debut_du_jour(date.min) == datetime.min
    assert paris_vers_utc(datetime(2026, 12, 3, 10, 0)) == datetime(2026, 12, 3, 9, 0)
    assert format_date(TARD_LE_2) == "03/12/2026 00:30"
    assert format_date(date(2026, 12, 3)) == "03/12/2026"


def _file(factory, *dates):
    from app.workflows.core import Acteur
    from app.workflows.inscription import inscription

    profils = []
    for quand in dates:
        user, profil = factory.intervenant("DR-84", complet=True)
        inscription.apply(profil, "transmettre", Acteur.from_user(user))
        profil.date_transmission = quand
        profils.append(profil)
    db.session.commit()
    return profils


def _ids(client, url: str) -> list[int]:
    page = client.get(url)
    assert page.status_code == 200, url
    return [int(i) for i in re.findall(r'href="/gestion/demandes-inscription/show/(\d+)"', page_text(page))]


def test_critere_de_date_d_une_liste_declaree(factory, login_as):
    a, b = _file(factory, TARD_LE_2, TARD_LE_3)
    client = login_as("gestionnaire", "DR-84")
    base = "/gestion/demandes-inscription/list/"
    assert _ids(client, base + "?du=03/12/2026&au=03/12/2026") == [a.id]
    assert _ids(client, base + "?du=02/12/2026&au=02/12/2026") == []
    assert _ids(client, base + "?du=04/12/2026") == [b.id]
    assert "03/12/2026 00:30" in page_text(client.get(base))


def _candidatures_du_2_et_du_3(factory):
    from app.models.annonces import Candidature
    from tests.outils.annonces import creer_annonce
    from tests.outils.profil import intervenant_valide

    annonce = creer_annonce(intitule="Annonce du 3 décembre")
    candidatures = []
    for quand in (TARD_LE_2, TARD_LE_3):
        _, profil = intervenant_valide(factory)
        candidature = Candidature(annonce_id=annonce.id, intervenant_id=profil.id, date=quand)
        db.session.add(candidature)
        candidatures.append(candidature)
    db.session.commit()
    return candidatures


def test_recherche_fab_sur_une_date(app, factory):
    """FAB's « Égal à » on a date and time column (its data interface, still
    read by the REST APIs' filters): the Paris day."""
    from app.models.annonces import Candidature
    from app.views.interface import InterfaceEspace

    candidatures = _candidatures_du_2_et_du_3(factory)
    interface = InterfaceEspace(Candidature)

    def ids(index, valeur):
        filtres = interface.get_filters(["date"])
        filtres.add_filter_index("date", index, valeur)
        return sorted(c.id for c in interface.query(filtres)[1])

    assert ids(0, "2026-12-03") == [candidatures[0].id]
    assert ids(0, "2026-12-02") == []
    assert ids(3, "2026-12-03") == [candidatures[1].id]  # « Différent de »
    assert ids(1, "2026-12-03 12:00:00") == [candidatures[1].id]  # « Plus grand que » Paris noon


def test_critere_de_date_des_candidatures_aux_annonces(factory, login_as):
    """« Réponse à partir du / jusqu'au » of the declared list: Paris days."""
    candidatures = _candidatures_du_2_et_du_3(factory)
    client = login_as("gestionnaire", "DR-84")

    def ids(criteres):
        html = page_text(client.get("/gestion/candidatures/list/?" + criteres))
        return sorted({int(i) for i in re.findall(r'href="/gestion/candidatures/show/(\d+)', html)})

    assert ids("du=03/12/2026&au=03/12/2026") == [candidatures[0].id]
    assert ids("du=2026-12-02&au=2026-12-02") == []
    assert ids("du=04/12/2026") == [candidatures[1].id]
    assert "03/12/2026 00:30" in page_text(client.get("/gestion/candidatures/list/"))


@pytest.mark.parametrize(("saisie", "attendu"), [
    ("2026-12-03 00:00:00", datetime(2026, 12, 2, 23, 0)),
    ("2026-07-01 12:00:00", datetime(2026, 7, 1, 10, 0)),
])
def test_filtres_de_date_de_la_console(app, saisie, attendu):
    """The console's date filters read the typed time as Paris time."""
    from app.models.workflow import TransitionHistorique
    from app.views.backoffice import ConsoleModelView, FiltresHeureDeParis

    assert isinstance(ConsoleModelView.filter_converter, FiltresHeureDeParis)
    filtres = FiltresHeureDeParis().convert("DateTime", TransitionHistorique.__table__.c.date, "Date")
    simples = [f for f in filtres if type(f).__name__ in ("DateTimeEqualFilter", "DateTimeGreaterFilter")]
    assert len(simples) == 2 and all(f.clean(saisie) == attendu for f in simples)
    entre = next(f for f in filtres if type(f).__name__ == "DateTimeBetweenFilter")
    assert entre.clean(f"{saisie} to 2026-12-04 00:00:00") == [attendu, datetime(2026, 12, 3, 23, 0)]
