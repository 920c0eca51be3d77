"""All models, imported here so that Alembic and ``create_all`` see them."""

from app.extensions import db  # noqa: F401  (sets the naming convention first)

# Every model module, so that each table is registered with the metadata.
from app.models import (  # noqa: F401
    annonces,
    authentification,
    consultations,
    contenus,
    depart,
    deux_facteurs,
    fichiers,
    indisponibilites,
    interventions,
    messagerie,
    outbox,
    parcours,
    referentiels,
    roles,
    suggestions,
    support,
    workflow,
)
from app.models.comptes import OBJETS_POSTGRESQL
from app.models.dossier import INDEX_FILE_DOSSIERS


def migration_object_filter():
    """Alembic ``include_object`` hook: leave out of the comparison the
    PostgreSQL-only column and index that the models create by DDL
    (``app.models.comptes.OBJETS_POSTGRESQL``, ``app.models.dossier.INDEX_FILE_DOSSIERS``);
    the models do not map them."""
    objets = {*OBJETS_POSTGRESQL, *INDEX_FILE_DOSSIERS}

    def include_object(obj, name, type_, reflected, compare_to) -> bool:
        return not (reflected and compare_to is None and name in objets)

    return include_object
