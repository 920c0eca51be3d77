"""The one « ma structure » rule (issue #18): ``app.security.scope.Perimetre``,
asked by views (signed-in user), workflow guards (actor) and list filters."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models.referentiels import Structure
from app.security import scope
from app.workflows.core import Acteur
from tests.conftest import sign_in

# who → (sees every structure, may act on S, may act on T)
TABLE = [
    ("admin_national", True, True, True),
    ("gestionnaire_S", False, True, False),
    ("gestionnaire_T", False, False, True),
    ("gestionnaire_sans_structure", False, False, False),
    ("intervenant", False, False, False),
    ("systeme", False, False, False),
]


@pytest.fixture
def qui(factory):
    sans = factory.create_user("Gestionnaire")
    intervenant, _ = factory.intervenant("DR-84")
    return {
        "admin_national": factory.admin_national(),
        "gestionnaire_S": factory.gestionnaire("DR-84"),
        "gestionnaire_T": factory.gestionnaire("DR-11"),
        "gestionnaire_sans_structure": sans,
        "intervenant": intervenant,
        "systeme": None,
    }


def _structures(factory):
    return factory.structure("DR-84").id, factory.structure("DR-11").id


@pytest.mark.parametrize(("who", "national", "sur_s", "sur_t"), TABLE)
def test_perimetre_of_an_actor(qui, factory, who, national, sur_s, sur_t):
    s, t = _structures(factory)
    acteur = Acteur.systeme() if qui[who] is None else Acteur.from_user(qui[who])
    perimetre = scope.perimetre_de(acteur)
    assert (perimetre.national, perimetre.couvre(s), perimetre.couvre(t), perimetre.couvre(None)) == (
        national, sur_s, sur_t, False if not national else True)


@pytest.mark.parametrize(("who", "national", "sur_s", "sur_t"), [row for row in TABLE if row[0] != "systeme"])
def test_perimetre_of_the_signed_in_user_matches_the_actor(app, qui, factory, who, national, sur_s, sur_t):
    """The request-side rule and the workflow-side rule agree, and the SQL
    form selects exactly the structures ``couvre`` accepts."""
    s, t = _structures(factory)
    client = app.test_client()
    sign_in(client, qui[who])
    with app.test_request_context():
        from flask_login import login_user

        login_user(qui[who])
        courant = scope.perimetre_courant()
        assert courant == scope.perimetre_de(Acteur.from_user(qui[who]))
        assert (courant.couvre(s), courant.couvre(t)) == (sur_s, sur_t)
        visibles = set(db.session.scalars(select(Structure.id).where(courant.filtre(Structure.id))))
        attendues = {i for i in db.session.scalars(select(Structure.id)) if courant.couvre(i)}
        assert visibles == attendues
        assert (s in visibles, t in visibles) == (sur_s, sur_t)
        visible = courant.structure_visible()
        assert visible is None if national else visible in ({s} if sur_s else {t} if sur_t else {scope.no_row_id()})
