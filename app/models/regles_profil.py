"""Rules on an intervenant's profile that do not belong to one screen.

The profile pages, the management software's API and the dossier
administratif all ask them: what the intervenant may still change
(``verrouillage``: by inscription state, and the fields frozen once an
immatriculation exists, manual §3.3.2) and what the statut implies for the
employer block (``appliquer_statut``).
"""

from __future__ import annotations

from dataclasses import dataclass

from app.extensions import db
from app.models.comptes import EtatInscription, Intervenant
from app.models.referentiels import StatutProfessionnel

#: Read-only once the intervenant has an immatriculation (manual §3.3.2):
#: identity, birth data, address, phones, statut and employer.
CHAMPS_IMMATRICULATION = frozenset(
    {
        "civilite", "nom_naissance", "nom_usage", "prenom", "date_naissance", "lieu_naissance", "nationalite_id",
        "adresse_complement", "adresse_batiment", "adresse_voie", "pays_residence_id", "code_postal", "localite",
        "telephone_personnel", "portable_personnel", "telephone_professionnel", "portable_professionnel",
        "statut_professionnel_id", "temps_travail", "fonction_publique_id", "situation_position", "fonction",
        "grade", "service", "position_administrative_id",
        "employeur_raison_sociale", "employeur_siret", "employeur_pays_id", "employeur_voie",
        "employeur_complement", "employeur_batiment", "employeur_code_postal", "employeur_localite",
        "employeur_telephone", "adresse_pro_differente", "pro_pays_id", "pro_code_postal", "pro_localite",
        "pro_complement", "pro_batiment", "pro_voie", "pro_email", "pro_telephone", "pro_portable",
    }
)  # fmt: skip
CHAMPS_EMPLOYEUR = tuple(f for f in CHAMPS_IMMATRICULATION if f.startswith(("employeur_", "pro_")))


@dataclass(frozen=True)
class Verrou:
    """What the intervenant may change now: the whole profile, or all but some fields."""

    tout: bool
    champs: frozenset[str]
    message: str | None


def verrouillage(profil: Intervenant) -> Verrou:
    """Edit rules by inscription state (manual §3.1.3 and §3.3.2)."""
    etat = EtatInscription(profil.etat_inscription)
    if etat == EtatInscription.transmise:
        return Verrou(True, frozenset(), "Votre demande d'inscription est en cours d'étude : "
                      "votre profil ne peut pas être modifié en attendant la réponse de votre structure.")
    if etat == EtatInscription.archivee:
        return Verrou(True, frozenset(), "Votre demande d'inscription a été archivée : "
                      "contactez le CNFPT par le lien « Aide et contact ».")
    if etat == EtatInscription.validee:
        champs = {"structure_id"}
        if profil.immatriculation:
            champs |= CHAMPS_IMMATRICULATION
        return Verrou(False, frozenset(champs), None)
    return Verrou(False, frozenset(), None)


def appliquer_statut(profil: Intervenant) -> None:
    """The employer type follows the statut; a statut without employer type
    (« Sans ») has no employer block, whose fields are emptied."""
    statut = db.session.get(StatutProfessionnel, profil.statut_professionnel_id) if profil.statut_professionnel_id else None
    profil.type_employeur = statut.type_employeur if statut else None
    if statut is not None and not statut.type_employeur:
        for name in CHAMPS_EMPLOYEUR:
            setattr(profil, name, None)
        profil.adresse_pro_differente = False
