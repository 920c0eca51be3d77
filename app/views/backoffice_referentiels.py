"""Console screens for the referentials."""

from __future__ import annotations

from app.models.referentiels import Departement, Region, Structure
from app.views.backoffice import ConsoleModelView


def add_referentiel_views(admin, session) -> None:
    cat = "Référentiels"
    admin.add_view(ConsoleModelView(Region, session, name="Régions", category=cat, endpoint="bo_region"))
    admin.add_view(ConsoleModelView(Departement, session, name="Départements", category=cat, endpoint="bo_departement"))
    admin.add_view(ConsoleModelView(Structure, session, name="Structures", category=cat, endpoint="bo_structure"))
