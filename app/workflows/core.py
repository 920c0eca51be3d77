"""Shared machinery of every state machine.

A workflow is a declarative table of ``Transition(source, event, target, ...)``.
``Workflow.apply`` is the only way a state changes: it finds the transition,
checks its guards (role, then the condition function), sets the state, writes a
``TransitionHistorique`` row and sends the ``transition_effectuee`` signal, all
in the caller's transaction (it never commits). Notifications listen to the
signal and write to the outbox in that same transaction.

Concurrency: the state is changed by ONE conditional statement,
``UPDATE … SET state = target WHERE id = … AND state = <state read>``. Two
requests that read the same state (double click, two gestionnaires, twenty
identical POSTs) cannot both match it: on PostgreSQL the second UPDATE waits
for the first transaction's row lock, then sees the new state; on SQLite the
writers are serialised by the database lock (a transaction whose read is older
than another's write lock is refused by SQLite at once: same error). The loser
gets ``DejaTraitee`` (the workflow's French message) before any history row or
notification is written; the caller rolls back. Every caller (pages, bulk
actions, API, jobs) goes through ``apply``, so every workflow present and
future has this guarantee.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from blinker import Namespace

from app.extensions import db
from app.models.base import utcnow
from app.models.workflow import WORKFLOWS, TransitionHistorique

signals = Namespace()
transition_effectuee = signals.signal("transition-effectuee")

#: Pseudo-role of background jobs (no logged-in user).
SYSTEME = "Système"


class WorkflowError(Exception):
    """Base of workflow errors; ``message`` is shown to the user as is (French)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class TransitionInterdite(WorkflowError):
    """No transition for this (state, event)."""


class DejaTraitee(TransitionInterdite):
    """Another request changed the state between our read and our update."""


class GardeRefusee(WorkflowError):
    """The transition exists but this actor or this object may not take it now."""


class CommentaireRequis(GardeRefusee):
    """The transition needs a comment and none was given."""


Guard = Callable[[Any, "Acteur"], str | None]
Effect = Callable[[Any, "Acteur"], None]


@dataclass(frozen=True)
class Acteur:
    """Who triggers an event: a user id (None for jobs) and their role names."""

    user_id: int | None
    roles: frozenset[str]

    @classmethod
    def systeme(cls) -> Acteur:
        return cls(None, frozenset({SYSTEME}))

    @classmethod
    def from_user(cls, user) -> Acteur:
        return cls(user.id, frozenset(r.name for r in user.roles))


def tous_les_workflows() -> dict[str, Workflow]:
    """Every workflow by name (``app.workflows`` imports each module)."""
    return WORKFLOWS


def workflow_nomme(nom: str) -> Workflow | None:
    """The workflow recorded as ``nom`` in the history."""
    return WORKFLOWS.get(nom)


@dataclass(frozen=True)
class Transition:
    source: enum.Enum
    event: str
    target: enum.Enum
    roles: frozenset[str]
    label: str
    guards: tuple[Guard, ...] = field(default_factory=tuple)
    comment_required: bool = False
    #: Bookkeeping done with the state change (dates...), never notifications:
    #: those listen to ``transition_effectuee``.
    effects: tuple[Effect, ...] = field(default_factory=tuple)
    visible_intervenant: bool = True


class Workflow:
    """A state machine over one model attribute."""

    def __init__(
        self,
        name: str,
        *,
        titre: str,
        state_enum: type[enum.Enum],
        state_attr: str,
        transitions: Iterable[Transition],
        libelles: dict[enum.Enum, str],
        deja_traitee: str = "Cette demande a déjà été traitée entre-temps",
    ):
        self.name = name
        #: The circuit's French name (the audit console's « Circuit », issue 27).
        self.titre = titre
        #: Start of the message of the loser of a race (the state found is appended).
        self.deja_traitee = deja_traitee
        self.state_enum = state_enum
        self.state_attr = state_attr
        self.libelles = libelles
        self.table: dict[tuple[enum.Enum, str], Transition] = {}
        for t in transitions:
            key = (t.source, t.event)
            if key in self.table:
                raise ValueError(f"{name}: transition dupliquée {key}")
            self.table[key] = t
        WORKFLOWS[name] = self

    # -- labels of a recorded transition (history pages, issue 25) -----
    def libelle_etat(self, valeur: str | None) -> str:
        """« Transmise » for the stored « transmise »."""
        try:
            return self.libelles.get(self.state_enum(valeur), valeur or "")
        except ValueError:
            return valeur or ""

    def libelle_action(self, etat_avant: str, evenement: str) -> str:
        """The transition's label (« Demander un complément ») for a stored event."""
        try:
            transition = self.table.get((self.state_enum(etat_avant), evenement))
        except ValueError:
            transition = None
        return transition.label if transition else evenement

    # -- queries -------------------------------------------------------
    def state_of(self, obj) -> enum.Enum:
        return self.state_enum(getattr(obj, self.state_attr))

    def find(self, state: enum.Enum, event: str) -> Transition:
        try:
            return self.table[(state, event)]
        except KeyError:
            raise TransitionInterdite(
                f"Action impossible : « {event} » n'est pas permis quand l'état est "
                f"« {self.libelles.get(state, state.value)} »."
            ) from None

    def check(self, obj, event: str, actor: Acteur, comment: str | None = None) -> Transition:
        """Return the transition if ``actor`` may apply ``event`` now, else raise."""
        transition = self.find(self.state_of(obj), event)
        if not (transition.roles & actor.roles):
            raise GardeRefusee("Vous n'avez pas le droit d'effectuer cette action.")
        for guard in transition.guards:
            refusal = guard(obj, actor)
            if refusal:
                raise GardeRefusee(refusal)
        if transition.comment_required and not (comment or "").strip():
            raise CommentaireRequis("Un commentaire est obligatoire pour cette action.")
        return transition

    def can(self, obj, event: str, actor: Acteur) -> bool:
        try:
            self.check(obj, event, actor, comment="-")
        except WorkflowError:
            return False
        return True

    def available_events(self, obj, actor: Acteur) -> list[Transition]:
        state = self.state_of(obj)
        return [t for (s, e), t in self.table.items() if s == state and self.can(obj, e, actor)]

    # -- the one mutation ----------------------------------------------
    def apply(self, obj, event: str, actor: Acteur, comment: str | None = None) -> TransitionHistorique:
        transition = self.check(obj, event, actor, comment)
        before = self.state_of(obj)
        db.session.add(obj)
        db.session.flush()  # a new row gets its id, pending changes go first
        self._changer_etat(obj, before, transition.target)
        for effect in transition.effects:
            effect(obj, actor)
        db.session.flush()
        history = TransitionHistorique(
            workflow=self.name,
            objet_type=type(obj).__tablename__,
            objet_id=obj.id,
            evenement=event,
            etat_avant=before.value,
            etat_apres=transition.target.value,
            acteur_id=actor.user_id,
            date=utcnow(),
            commentaire=(comment or "").strip() or None,
            visible_intervenant=transition.visible_intervenant,
        )
        db.session.add(history)
        transition_effectuee.send(self, obj=obj, transition=transition, history=history, actor=actor)
        return history

    def _changer_etat(self, obj, before: enum.Enum, target: enum.Enum) -> None:
        """Move the row from ``before`` to ``target`` only if it is still in
        ``before`` (see the module docstring); else raise ``DejaTraitee``."""
        model = type(obj)
        column = getattr(model, self.state_attr)
        mapper = sa.inspect(model)  # by primary key: not every model's is ``id``
        cles = zip(mapper.primary_key, mapper.primary_key_from_instance(obj), strict=True)
        ligne = [cle == valeur for cle, valeur in cles]
        try:
            result = db.session.execute(
                sa.update(model)
                .where(*ligne, column == before)
                .values({self.state_attr: target})
                .execution_options(synchronize_session=False)
            )
        except sa.exc.OperationalError as exc:
            # SQLite: another transaction took the write lock after our read
            # (it is changing this row or another one): refused at once.
            if "database is locked" not in str(exc):
                raise
            raise DejaTraitee(
                f"{self.deja_traitee} ou est en cours de traitement : rechargez la page pour voir son état à jour."
            ) from None
        if result.rowcount != 1:
            actuel = db.session.scalar(sa.select(column).where(*ligne))
            libelle = self.libelles.get(actuel, getattr(actuel, "value", actuel)) if actuel is not None else None
            etat = f" (état actuel : « {libelle} »)" if libelle else ""
            raise DejaTraitee(f"{self.deja_traitee}{etat} : rechargez la page pour voir son état à jour.")
        # Also on the object, as a change: the flush writes the same value again
        # (row already locked by our UPDATE) and the session's listeners see a
        # modified row (caches emptied after the commit, e.g. public pages).
        setattr(obj, self.state_attr, target)

    def history(self, obj, *, for_intervenant: bool = False) -> list[TransitionHistorique]:
        q = db.session.query(TransitionHistorique).filter_by(
            workflow=self.name, objet_type=type(obj).__tablename__, objet_id=obj.id
        )
        if for_intervenant:
            q = q.filter(TransitionHistorique.visible_intervenant.is_(True))
        return q.order_by(TransitionHistorique.date, TransitionHistorique.id).all()
