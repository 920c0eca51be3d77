"""The inscription requests of the gestionnaire's structure (the queue), a
declared list (``app.views.liste``): criteria in a GET form, each shown with
its error next to it, sortable columns, page sizes; one count and one page
statement of the shown columns, built once and kept prepared without
criteria (issue #6, BENCHMARKS.md Round 9; issue #18).

Drafts are the intervenant's alone (issue 19): never listed. Order: newest
transmission first, profiles without a date last on both databases
(PostgreSQL puts NULLs first in a descending order: the first pages were
drafts); an index in that order per structure
(``app.models.comptes.INDEX_FILE_INSCRIPTIONS`` on PostgreSQL).
"""

from __future__ import annotations

from flask import request
from sqlalchemy import func, select

from app.infra.formatting import format_date
from app.models.comptes import EtatInscription, Intervenant, intervenant_region, intervenant_specialite
from app.models.referentiels import Region, Specialite, Structure
from app.referentiels.options import options_actives
from app.security.scope import filtre_prepare, perimetre_courant
from app.views.liste import Colonne, Liste, contient, date_au, date_du, lie_a, parmi
from app.views.menu import declarer_badge


def _argument(nom: str) -> int | None:
    return request.args.get(nom, type=int)


DEMANDES = Liste(
    table=Intervenant, cle=Intervenant.id,
    jointures=((Structure, Structure.id == Intervenant.structure_id, True),),
    colonnes={
        "nom": Colonne("Nom d'usage", Intervenant.nom_usage),
        "prenom": Colonne("Prénom", Intervenant.prenom),
        "structure": Colonne("Structure de rattachement", Structure.nom),
        "etat": Colonne("État", Intervenant.etat_inscription, lambda e: EtatInscription(e).libelle),
        "date": Colonne("Date de transmission", Intervenant.date_transmission,
                        lambda d: format_date(d, "dd/MM/yyyy HH:mm"), vides_a_la_fin=True),
    },
    criteres={
        "nom": contient("Nom d'usage", Intervenant.nom_usage),
        "prenom": contient("Prénom", Intervenant.prenom),
        "etat": parmi("État", Intervenant.etat_inscription, lambda: [(e.value, e.libelle) for e in EtatInscription
                                                    if e != EtatInscription.brouillon],
                      EtatInscription),
        # Active entries only (issue 27); one given in the URL still applies.
        "specialite": lie_a("Spécialité", intervenant_specialite,
                            lambda: options_actives(Specialite, garder=[_argument("specialite")])),
        "region": lie_a("Région", intervenant_region,
                        lambda: options_actives(Region, "nom", garder=[_argument("region")])),
        "du": date_du("Transmise à partir du", Intervenant.date_transmission),
        "au": date_au("Transmise jusqu'au", Intervenant.date_transmission, du="du"),
    },
    ordre=("date", "desc"), tailles=(20, 50, 100), libelle_taille="Demandes par page",
    structure=Intervenant.structure_id,
    filtres=(Intervenant.etat_inscription != EtatInscription.brouillon,),
    vue="DemandeInscriptionView", lien_colonne="nom",
    objet=lambda c: f"la demande de {c['prenom']} {c['nom']}",
    legende="Demandes d'inscription, triées par {tri}",
)


# -- the menu's badge --------------------------------------------------------
#: The requests « transmise » awaiting a structure (index ``ix_intervenant_structure_etat``).
DEMANDES_A_TRAITER = select(func.count()).select_from(Intervenant).where(
    filtre_prepare(Intervenant.structure_id, "badge_demandes_structure"),
    Intervenant.etat_inscription == EtatInscription.transmise,
)


def structure_a_traiter() -> dict | None:
    """The gestionnaire's structure; None for a national role (every
    structure's requests are not theirs to count) or without structure."""
    perimetre = perimetre_courant()
    if perimetre.national or perimetre.structure_id is None:
        return None
    return perimetre.parametres("badge_demandes_structure")


declarer_badge("Demandes d'inscription", DEMANDES_A_TRAITER, structure_a_traiter,
               "{n} demande(s) d'inscription à traiter")
