"""State machines: one module per workflow, sharing ``core``."""

from app.workflows.core import (  # noqa: F401
    Acteur,
    CommentaireRequis,
    DejaTraitee,
    GardeRefusee,
    Transition,
    TransitionInterdite,
    Workflow,
    WorkflowError,
    transition_effectuee,
)
