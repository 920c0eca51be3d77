"""Account lifecycle workflow (issue #18): the transition table, FAB's
``active`` flag kept in step, history, and the users screen's actions."""

from __future__ import annotations

import pytest
from flask_appbuilder.security.sqla.models import User
from sqlalchemy import select

from app.extensions import db
from app.models import base
from app.models.authentification import EtatCompte
from app.models.authentification import EtatCompteUtilisateur as E
from app.models.workflow import TransitionHistorique
from app.workflows import compte as cycle_compte
from app.workflows.compte import compte
from app.workflows.core import Acteur, GardeRefusee, TransitionInterdite
from tests.conftest import PASSWORD, csrf_token_from, page_text, sign_in

# (state, event, actor) -> resulting state, or the error raised.
TABLE = [
    (E.a_activer, "activer", "titulaire", E.actif),
    (E.a_activer, "activer", "autre_titulaire", GardeRefusee),
    (E.a_activer, "activer", "admin_national", GardeRefusee),
    (E.a_activer, "expirer", "systeme", E.purge),
    (E.a_activer, "expirer", "admin_national", GardeRefusee),
    (E.a_activer, "attribuer_provisoires", "admin_national", E.a_personnaliser),
    (E.actif, "attribuer_provisoires", "admin_national", E.a_personnaliser),
    (E.actif, "attribuer_provisoires", "titulaire", GardeRefusee),
    (E.archive, "attribuer_provisoires", "admin_national", TransitionInterdite),
    (E.a_personnaliser, "personnaliser", "titulaire", E.actif),
    (E.a_personnaliser, "personnaliser", "autre_titulaire", GardeRefusee),
    (E.a_personnaliser, "expirer_provisoires", "systeme", E.provisoire_expire),
    (E.provisoire_expire, "personnaliser", "titulaire", E.actif),
    (E.actif, "activer", "titulaire", TransitionInterdite),
    (E.actif, "desactiver", "admin_national", E.desactive),
    (E.actif, "desactiver", "gestionnaire", GardeRefusee),
    (E.actif, "desactiver", "titulaire", GardeRefusee),
    (E.desactive, "reactiver", "admin_national", E.actif),
    (E.actif, "archiver", "titulaire", E.archive),
    (E.actif, "archiver", "autre_titulaire", GardeRefusee),
    (E.actif, "archiver", "systeme", E.archive),
    (E.desactive, "archiver", "admin_national", E.archive),
    (E.archive, "reactiver", "admin_national", E.actif),
    (E.archive, "reactiver", "gestionnaire", GardeRefusee),
    (E.archive, "purger", "systeme", E.purge),
    (E.archive, "archiver", "systeme", TransitionInterdite),
    (E.purge, "reactiver", "admin_national", TransitionInterdite),
    (E.a_activer, "archiver", "systeme", TransitionInterdite),
]

#: Whether FAB's session may exist in each state (``ab_user.active``).
ACTIF_FAB = {E.a_activer: False, E.actif: True, E.a_personnaliser: True, E.provisoire_expire: True,
             E.desactive: False, E.archive: False, E.purge: False}


@pytest.fixture
def scene(factory):
    user, _ = factory.intervenant()
    autre, _ = factory.intervenant()
    actors = {
        "titulaire": cycle_compte.titulaire(user.id),
        "autre_titulaire": cycle_compte.titulaire(autre.id),
        "gestionnaire": Acteur.from_user(factory.gestionnaire()),
        "admin_national": Acteur.from_user(factory.admin_national()),
        "systeme": Acteur.systeme(),
    }
    return user, actors


@pytest.mark.parametrize(("state", "event", "actor", "outcome"), TABLE)
def test_transition_table(scene, state, event, actor, outcome):
    user, actors = scene
    etat = cycle_compte.etat_du_compte(user.id, creer=True)
    etat.etat = state  # test setup only: views and jobs never do this
    db.session.flush()
    if isinstance(outcome, type) and issubclass(outcome, Exception):
        with pytest.raises(outcome) as erreur:
            cycle_compte.appliquer(user.id, event, actors[actor])
        assert erreur.value.message  # a French message for the user
        assert db.session.scalar(select(TransitionHistorique).where(TransitionHistorique.workflow == "compte")) is None
        return
    history = cycle_compte.appliquer(user.id, event, actors[actor], "motif")
    db.session.commit()
    assert E(db.session.get(EtatCompte, user.id).etat) == outcome
    assert db.session.get(User, user.id).active is ACTIF_FAB[outcome]
    assert (history.workflow, history.objet_type, history.objet_id) == ("compte", "etat_compte", user.id)
    assert (history.etat_avant, history.etat_apres, history.acteur_id) == (state.value, outcome.value, actors[actor].user_id)


def test_every_state_has_a_label_and_no_dead_end_but_purge():
    sources = {source for source, _ in compte.table}
    assert set(E) - sources == {E.purge}
    assert all(e in compte.libelles for e in E)


def test_an_account_without_row_is_actif(factory):
    user = factory.admin_national()
    assert cycle_compte.etat_de(db.session.get(EtatCompte, user.id)) == E.actif
    assert cycle_compte.peut(user.id, "desactiver", Acteur.from_user(factory.admin_national()))


def test_new_account_cannot_start_archived(factory):
    user = factory.admin_national()
    with pytest.raises(ValueError):
        cycle_compte.ouvrir(user, E.archive)


def _action(client, user_id: int, action: str):
    token = csrf_token_from(client.get(f"/users/show/{user_id}").get_data(as_text=True))
    return client.post("/users/action_post", data={"action": action, "rowid": [str(user_id)], "csrf_token": token},
                       headers={"Referer": "/users/list/"})


def test_users_screen_deactivates_through_the_workflow(app, client, factory):
    admin = factory.admin_national()
    user, _ = factory.intervenant()
    sign_in(client, admin)
    page = page_text(client.get("/users/list/"))
    assert "État du compte" in page and "Actif" in page
    assert "Actif?" not in page_text(client.get(f"/users/edit/{user.id}"))  # no « active » box any more

    _action(client, user.id, "desactiver")
    assert E(db.session.get(EtatCompte, user.id).etat) == E.desactive
    assert db.session.get(User, user.id).active is False
    assert "Désactivé" in page_text(client.get(f"/users/show/{user.id}"))
    historique = db.session.scalars(select(TransitionHistorique).where(TransitionHistorique.workflow == "compte")).all()
    assert [(h.evenement, h.acteur_id) for h in historique] == [("desactiver", admin.id)]

    # A deactivated account is told so at login, not that it is archived.
    other = app.test_client()
    html = page_text(other.post("/login/", data={"username": user.email, "password": PASSWORD,
                                                  "csrf_token": csrf_token_from(other.get("/login/").get_data(as_text=True))},
                                follow_redirects=True))
    assert "Votre compte est désactivé" in html and "archivé" not in html

    _action(client, user.id, "reactiver")
    assert E(db.session.get(EtatCompte, user.id).etat) == E.actif and db.session.get(User, user.id).active


def test_users_screen_refuses_an_illegal_transition(client, factory):
    admin = factory.admin_national()
    user, _ = factory.intervenant()
    sign_in(client, admin)
    response = _action(client, user.id, "reactiver")
    assert response.status_code == 302
    assert "n'est pas permis" in page_text(client.get("/users/list/"))
    assert E(cycle_compte.etat_de(db.session.get(EtatCompte, user.id))) == E.actif


def test_provisional_credentials_last_seven_days_set_by_the_transition(scene):
    """The end date of provisional credentials is written by the workflow's
    transition, not by the page that sends them."""
    user, actors = scene
    avant = base.utcnow()
    cycle_compte.appliquer(user.id, "attribuer_provisoires", actors["admin_national"])
    etat = db.session.get(EtatCompte, user.id)
    assert E(etat.etat) == E.a_personnaliser
    assert avant + cycle_compte.VALIDITE_PROVISOIRE <= etat.provisoire_jusqua <= base.utcnow() + cycle_compte.VALIDITE_PROVISOIRE
