"""All models, imported here so that Alembic and ``create_all`` see them."""

from app.extensions import db  # noqa: F401  (sets the naming convention first)
from app.models.annonces import AlerteEnvoyee, Annonce, Candidature, EtatAnnonce, EtatCandidatureAnnonce  # noqa: F401
from app.models.authentification import (  # noqa: F401
    DefiCaptcha,
    EtatCompte,
    JetonCompte,
    SessionUtilisateur,
    TentativeConnexion,
)
from app.models.base import TimestampMixin, state_column, utcnow  # noqa: F401
from app.models.comptes import OBJETS_POSTGRESQL, EtatInscription, Gestionnaire, Intervenant  # noqa: F401
from app.models.consultations import Consultation  # noqa: F401
from app.models.contenus import Actualite, DocumentPublic  # noqa: F401
from app.models.depart import ConservationCompte, ExportDonnees, JournalPurge  # noqa: F401
from app.models.deux_facteurs import CodeSecours, SecondFacteur  # noqa: F401
from app.models.dossier import (  # noqa: F401
    INDEX_FILE_DOSSIERS,
    BlocDossier,
    DemandeDossier,
    DossierAdministratif,
    PieceDossier,
)
from app.models.fichiers import AccesFichier, Fichier  # noqa: F401
from app.models.indisponibilites import Indisponibilite  # noqa: F401
from app.models.interventions import Immatriculation, Intervention, LettreDemande  # noqa: F401
from app.models.messagerie import DestinataireMessage, Message  # noqa: F401
from app.models.outbox import OutboxMessage, OutboxStatus  # noqa: F401
from app.models.parcours import (  # noqa: F401
    ActionProfessionnalisation,
    ExperienceFormateur,
    ExperienceProfessionnelle,
    FormationInitiale,
    FormationSuivie,
    LangueIntervenant,
    SpecialiteSouhaitee,
)
from app.models.referentiels import (  # noqa: F401
    CategorieHierarchique,
    CodePostal,
    Departement,
    EmployeurPublic,
    EtatCandidature,
    FonctionPublique,
    Langue,
    MethodePedagogique,
    NatureFormation,
    NiveauDiplome,
    NiveauLangue,
    Pays,
    PieceStatut,
    PositionAdministrative,
    PrestationComplementaire,
    PublicFormation,
    Region,
    SousSpecialite,
    Specialite,
    StatutProfessionnel,
    Structure,
    TypeContrat,
    TypeDemandeSupport,
    TypePieceIdentite,
)
from app.models.roles import PermissionDeclaree  # noqa: F401
from app.models.suggestions import EnvoiAnnoncesPourVous, InvitationAnnonce  # noqa: F401
from app.models.support import DemandeSupport, MessageSupport  # noqa: F401
from app.models.workflow import TransitionHistorique  # noqa: F401


def migration_object_filter():
    """Alembic ``include_object`` hook: leave out of the comparison the
    PostgreSQL-only column and index that the models create by DDL
    (``app.models.comptes.OBJETS_POSTGRESQL``, ``app.models.dossier.INDEX_FILE_DOSSIERS``);
    the models do not map them."""
    objets = {*OBJETS_POSTGRESQL, *INDEX_FILE_DOSSIERS}

    def include_object(obj, name, type_, reflected, compare_to) -> bool:
        return not (reflected and compare_to is None and name in objets)

    return include_object
