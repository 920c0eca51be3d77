"""History of every state transition, whatever the workflow."""

from __future__ import annotations

import sqlalchemy as sa
from flask_appbuilder import Model
from flask_appbuilder.security.sqla.models import User
from sqlalchemy.orm import relationship

from app.models.base import utcnow

#: Every workflow by name (the ``workflow`` column of the history), filled as
#: each module of ``app.workflows`` declares its own (``Workflow(name=…)``);
#: the history reads its French here, below the workflows.
WORKFLOWS: dict[str, object] = {}


class TransitionHistorique(Model):
    """One applied transition: who, when, from, to, why. Written by
    ``app.workflows.core.Workflow.apply`` only."""

    __tablename__ = "transition_historique"
    id = sa.Column(sa.Integer, primary_key=True)
    workflow = sa.Column(sa.String(40), nullable=False)
    objet_type = sa.Column(sa.String(40), nullable=False)
    objet_id = sa.Column(sa.Integer, nullable=False)
    evenement = sa.Column(sa.String(40), nullable=False)
    etat_avant = sa.Column(sa.String(40), nullable=False)
    etat_apres = sa.Column(sa.String(40), nullable=False)
    acteur_id = sa.Column(sa.Integer, sa.ForeignKey("ab_user.id", ondelete="SET NULL"), index=True)
    date = sa.Column(sa.DateTime, nullable=False, default=utcnow)
    commentaire = sa.Column(sa.Text)
    visible_intervenant = sa.Column(sa.Boolean, nullable=False, default=True)

    acteur = relationship(User)

    # The French of a recorded transition, as its workflow says it (issue 25:
    # the history showed « transmettre → transmise »).
    def _workflow(self):
        return WORKFLOWS.get(self.workflow)

    @property
    def action_libelle(self) -> str:
        wf = self._workflow()
        return wf.libelle_action(self.etat_avant, self.evenement) if wf else self.evenement

    @property
    def etat_avant_libelle(self) -> str:
        wf = self._workflow()
        return wf.libelle_etat(self.etat_avant) if wf else self.etat_avant

    @property
    def etat_apres_libelle(self) -> str:
        wf = self._workflow()
        return wf.libelle_etat(self.etat_apres) if wf else self.etat_apres

    __table_args__ = (
        sa.Index("ix_transition_historique_objet", "objet_type", "objet_id", "date"),
        # The audit console: newest first (issue 27).
        sa.Index("ix_transition_historique_date", "date"),
    )
