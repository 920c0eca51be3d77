"""All models, imported here so that Alembic and ``create_all`` see them."""

from app.extensions import db  # noqa: F401  (sets the naming convention first)
from app.models.base import TimestampMixin, state_column, utcnow  # noqa: F401
from app.models.comptes import EtatInscription, Gestionnaire, Intervenant  # noqa: F401
from app.models.referentiels import Departement, Region, Structure  # noqa: F401
from app.models.workflow import TransitionHistorique  # noqa: F401
