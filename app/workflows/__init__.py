"""State machines: one module per workflow, sharing ``core``; importing the
package declares them all (``core.WORKFLOWS``, the history's French)."""

# Every workflow, declared (the history's labels and the audit's list ask them by name).
from app.workflows import annonce, candidature, compte, dossier, inscription, intervention, support  # noqa: F401
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
