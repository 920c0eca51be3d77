"""Workflow machinery, exercised through the inscription transition table."""

from __future__ import annotations

from datetime import UTC, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, text

from app.extensions import db
from app.models.comptes import EtatInscription as E
from app.models.workflow import TransitionHistorique
from app.workflows import core
from app.workflows.core import Acteur, CommentaireRequis, GardeRefusee, TransitionInterdite, transition_effectuee
from app.workflows.inscription import inscription

ALL_EVENTS = ("transmettre", "valider", "rejeter", "demander_complement", "archiver")

# (state, event, actor) -> resulting state, or the error raised.
TABLE = [
    (E.brouillon, "transmettre", "owner", E.transmise),
    (E.brouillon, "transmettre", "autre_intervenant", GardeRefusee),
    (E.brouillon, "transmettre", "gestionnaire_a", GardeRefusee),
    (E.brouillon, "valider", "gestionnaire_a", TransitionInterdite),
    (E.transmise, "valider", "gestionnaire_a", E.validee),
    (E.transmise, "valider", "gestionnaire_b", GardeRefusee),
    (E.transmise, "valider", "admin_national", E.validee),
    (E.transmise, "valider", "owner", GardeRefusee),
    (E.transmise, "rejeter", "gestionnaire_a", E.rejetee),
    (E.transmise, "demander_complement", "gestionnaire_a", E.complement_demande),
    (E.transmise, "transmettre", "owner", TransitionInterdite),
    (E.complement_demande, "transmettre", "owner", E.transmise),
    (E.complement_demande, "archiver", "systeme", E.archivee),
    (E.complement_demande, "archiver", "gestionnaire_a", GardeRefusee),
    (E.validee, "rejeter", "gestionnaire_a", TransitionInterdite),
    (E.validee, "transmettre", "owner", TransitionInterdite),
    (E.archivee, "transmettre", "owner", TransitionInterdite),
    (E.rejetee, "valider", "gestionnaire_a", TransitionInterdite),
]


@pytest.fixture
def scene(factory):
    owner, profil = factory.intervenant("DR-84", complet=True)
    other, _ = factory.intervenant("DR-84")
    actors = {
        "owner": Acteur.from_user(owner),
        "autre_intervenant": Acteur.from_user(other),
        "gestionnaire_a": Acteur.from_user(factory.gestionnaire("DR-84")),
        "gestionnaire_b": Acteur.from_user(factory.gestionnaire("DR-11")),
        "admin_national": Acteur.from_user(factory.admin_national()),
        "systeme": Acteur.systeme(),
    }
    return profil, actors


@pytest.mark.parametrize(("state", "event", "actor", "outcome"), TABLE)
def test_transition_table(scene, state, event, actor, outcome):
    profil, actors = scene
    profil.etat_inscription = state  # test setup only: views never do this
    db.session.flush()
    comment = "Motif de la décision"
    if isinstance(outcome, type) and issubclass(outcome, Exception):
        with pytest.raises(outcome) as error:
            inscription.apply(profil, event, actors[actor], comment)
        assert error.value.message  # a French message for the user
        assert profil.etat_inscription == state
        assert not inscription.history(profil)
    else:
        history = inscription.apply(profil, event, actors[actor], comment)
        assert profil.etat_inscription == outcome
        assert (history.etat_avant, history.etat_apres) == (state.value, outcome.value)
        assert history.acteur_id == actors[actor].user_id
        assert history.commentaire == comment
        assert history.date is not None


@pytest.mark.parametrize("event", ["rejeter", "demander_complement"])
@pytest.mark.parametrize("comment", [None, "", "   "])
def test_comment_required_for_rejection_and_complement(scene, event, comment):
    profil, actors = scene
    profil.etat_inscription = E.transmise
    with pytest.raises(CommentaireRequis, match="commentaire est obligatoire"):
        inscription.apply(profil, event, actors["gestionnaire_a"], comment)


def test_rejected_request_can_be_sent_again_only_after_one_year(scene):
    profil, actors = scene
    inscription.apply(profil, "transmettre", actors["owner"])
    inscription.apply(profil, "rejeter", actors["gestionnaire_a"], "Non retenu")
    # 23:30 UTC is the next day in Paris, winter and summer
    profil.date_premiere_analyse = (core_now() - timedelta(days=200)).replace(hour=23, minute=30)
    with pytest.raises(GardeRefusee) as error:
        inscription.apply(profil, "transmettre", actors["owner"])
    # the user's (Paris) calendar day
    echeance = (profil.date_premiere_analyse + timedelta(days=365)).replace(tzinfo=UTC)
    expected = echeance.astimezone(ZoneInfo("Europe/Paris")).strftime("%d/%m/%Y")
    assert f"à partir du {expected}" in error.value.message
    profil.date_premiere_analyse = core_now() - timedelta(days=366)
    inscription.apply(profil, "transmettre", actors["owner"])
    assert profil.etat_inscription == E.transmise


def core_now():
    from app.models.base import utcnow

    return utcnow()


def test_history_and_signal_in_callers_transaction(scene):
    profil, actors = scene
    received = []

    def listener(sender, **kw):
        received.append((sender.name, kw["transition"].event, kw["history"].etat_apres))

    transition_effectuee.connect(listener)
    try:
        inscription.apply(profil, "transmettre", actors["owner"])
        inscription.apply(profil, "demander_complement", actors["gestionnaire_a"], "Précisez vos expériences")
    finally:
        transition_effectuee.disconnect(listener)
    assert received == [("inscription", "transmettre", "transmise"), ("inscription", "demander_complement", "complement_demande")]
    rows = inscription.history(profil)
    assert [(h.etat_avant, h.etat_apres) for h in rows] == [("brouillon", "transmise"), ("transmise", "complement_demande")]
    # Nothing committed by the workflow: a rollback undoes state and history.
    db.session.rollback()
    db.session.refresh(profil)
    assert profil.etat_inscription == E.brouillon
    assert db.session.scalar(select(TransitionHistorique.id).where(TransitionHistorique.objet_id == profil.id)) is None


def test_available_events_depend_on_actor(scene):
    profil, actors = scene
    profil.etat_inscription = E.transmise
    assert {t.event for t in inscription.available_events(profil, actors["gestionnaire_a"])} == {
        "valider",
        "rejeter",
        "demander_complement",
    }
    assert inscription.available_events(profil, actors["gestionnaire_b"]) == []
    assert inscription.available_events(profil, actors["owner"]) == []


def test_state_column_has_a_check_constraint(scene):
    profil, _ = scene
    with pytest.raises(Exception) as error:  # noqa: B017 - IntegrityError on both backends
        with db.session.begin_nested():
            db.session.execute(
                text("UPDATE intervenant SET etat_inscription = 'inconnu' WHERE id = :id"), {"id": profil.id}
            )
    assert "check" in str(error.value).lower()


def test_duplicate_transition_rejected_at_declaration():
    with pytest.raises(ValueError, match="dupliquée"):
        core.Workflow(
            "x",
            titre="X",
            state_enum=E,
            state_attr="etat_inscription",
            libelles={},
            transitions=[
                core.Transition(E.brouillon, "a", E.transmise, frozenset({"r"}), "A"),
                core.Transition(E.brouillon, "a", E.validee, frozenset({"r"}), "A"),
            ],
        )


def test_an_incomplete_profile_cannot_be_transmitted_whoever_calls(factory):
    """Completeness is the workflow's guard, not only the page's check: the
    API, a job or a hand-made call meet the same rule."""
    user, profil = factory.intervenant("DR-84")
    with pytest.raises(GardeRefusee) as erreur:
        inscription.apply(profil, "transmettre", Acteur.from_user(user))
    assert "champs obligatoires" in erreur.value.message and "Lieu de naissance (ville)" in erreur.value.message
    assert profil.etat_inscription == E.brouillon
    factory.completer(profil)
    inscription.apply(profil, "transmettre", Acteur.from_user(user))
    assert profil.etat_inscription == E.transmise
