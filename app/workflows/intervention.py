"""Interventions and their lettres de demande (issue 23).

Intervention: prévue → en cours → réalisée; prévue → réalisée (entered
afterwards); prévue | en cours → annulée (a reason may be given; its lettres in force
are cancelled with it).

Lettre de demande: brouillon → envoyée (the intervenant gets the e-mail) →
acceptée → en cours d'exécution → terminée; brouillon | envoyée | acceptée |
en cours d'exécution → annulée. A sent lettre whose PDF changed since is sent
again (envoyée → envoyée, « Renvoyer »). The intervenant answers a sent
lettre online: « accepter_en_ligne » (→ acceptée) or « refuser_en_ligne »
(→ refusée, a reason required); staff keep « Marquer acceptée (réponse
papier) » for answers received outside the portal (docs/lettre_acceptation.md).

Both are handled by staff of the intervention's structure (national roles:
every structure) and by background jobs (système); the online answers by the
lettre's intervenant only.
"""

from __future__ import annotations

import sqlalchemy as sa

from app.extensions import db
from app.models.base import utcnow
from app.models.comptes import EtatInscription, Intervenant
from app.models.interventions import LETTRE_ACTIVE, LIBELLES_ETAT_INTERVENTION, LIBELLES_ETAT_LETTRE
from app.models.interventions import EtatIntervention as EI
from app.models.interventions import EtatLettre as L
from app.security.roles import INTERVENANT, PERSONNEL
from app.security.scope import perimetre_de
from app.workflows.core import SYSTEME, Acteur, GardeRefusee, Transition, Workflow

#: Staff, and the jobs (``Acteur.systeme()``).
AUTEURS = PERSONNEL | {SYSTEME}


def verrouiller_intervenant(intervenant_id: int) -> EtatInscription | None:
    """Lock the intervenant's row until the end of the transaction and read
    its inscription state (None: no such row).

    Unregistering and making a lettre « programmée » take this lock first: on
    PostgreSQL the second waits for the first to commit, then reads what it
    did (a lettre sent, or the profile archived) and refuses; the rule « no
    unregistration while a lettre is programmée » holds under concurrency.
    SQLite serialises writers by itself (the later one is refused).
    """
    etat = db.session.scalar(sa.select(Intervenant.etat_inscription)
                             .where(Intervenant.id == intervenant_id).with_for_update())
    return EtatInscription(etat) if etat is not None else None


#: The lettre refused when its intervenant has unregistered meanwhile.
INTERVENANT_DESINSCRIT = "L'intervenant s'est désinscrit de l'Espace intervenants : aucune lettre ne peut lui être adressée."


def _structure_de_l_intervention(obj, actor: Acteur) -> str | None:
    """Staff act on their structure's interventions only (jobs on all)."""
    if SYSTEME in actor.roles:
        return None
    structure_id = obj.structure_id if hasattr(obj, "structure_id") else obj.intervention.structure_id
    if perimetre_de(actor).couvre(structure_id):
        return None
    return "Cette intervention relève d'une autre structure."


def _intervenant_inscrit(obj, actor: Acteur) -> str | None:
    """A lettre becomes « programmée » only for an intervenant still
    registered (read without a lock: this guard also decides which buttons
    a page shows)."""
    if obj.intervention.intervenant.etat_inscription == EtatInscription.archivee:
        return INTERVENANT_DESINSCRIT
    return None


def _verrouiller_l_intervenant(obj, actor: Acteur) -> None:
    """Sending takes the intervenant's row lock, then reads its state again:
    a « Me désinscrire » committed meanwhile wins and the sending is refused;
    one still waiting will see the lettre sent (``verrouiller_intervenant``)."""
    if verrouiller_intervenant(obj.intervention.intervenant_id) == EtatInscription.archivee:
        raise GardeRefusee(INTERVENANT_DESINSCRIT)


def _noter_l_envoi(obj, actor: Acteur) -> None:
    """The PDF sent is the one the intervenant may accept: its SHA-256 is kept."""
    obj.envoyee_le = utcnow()
    obj.sha256_envoye = obj.fichier.sha256 if obj.fichier is not None else None


def _pdf_change_depuis_l_envoi(obj, actor: Acteur) -> str | None:
    """« Renvoyer » only a lettre whose PDF is no longer the one sent."""
    if obj.fichier is not None and obj.fichier.sha256 != obj.sha256_envoye:
        return None
    return "La lettre n'a pas changé depuis son envoi."


def _destinataire_de_la_lettre(obj, actor: Acteur) -> str | None:
    """Only the intervenant the lettre is addressed to answers it online."""
    if actor.user_id is not None and actor.user_id == obj.intervention.intervenant.user_id:
        return None
    return "Seul l'intervenant destinataire peut répondre à cette lettre de demande."


def _annuler_les_lettres(obj, actor: Acteur) -> None:
    """A cancelled intervention's lettres in force are cancelled with it (each
    through its workflow: history, and no lettre left « programmée »)."""
    for lettre_en_vigueur in [x for x in obj.lettres if L(x.etat) in LETTRE_ACTIVE]:
        lettre.apply(lettre_en_vigueur, "annuler", actor, "Intervention annulée")


def _t(source, event, target, label, effects=(), gardes=()):
    return Transition(source, event, target, AUTEURS, label, (_structure_de_l_intervention, *gardes),
                      effects=tuple(effects))


intervention = Workflow(
    "intervention",
    titre="Interventions",
    state_enum=EI,
    state_attr="etat",
    libelles=LIBELLES_ETAT_INTERVENTION,
    deja_traitee="Cette intervention a déjà été modifiée entre-temps",
    transitions=[
        _t(EI.prevue, "demarrer", EI.en_cours, "Démarrer"),
        _t(EI.prevue, "realiser", EI.realisee, "Marquer réalisée"),
        _t(EI.en_cours, "realiser", EI.realisee, "Marquer réalisée"),
        _t(EI.prevue, "annuler", EI.annulee, "Annuler", (_annuler_les_lettres,)),
        _t(EI.en_cours, "annuler", EI.annulee, "Annuler", (_annuler_les_lettres,)),
    ],
)

lettre = Workflow(
    "lettre_demande",
    titre="Lettres de demande",
    state_enum=L,
    state_attr="etat",
    libelles=LIBELLES_ETAT_LETTRE,
    deja_traitee="Cette lettre de demande a déjà été modifiée entre-temps",
    transitions=[
        _t(L.brouillon, "envoyer", L.envoyee, "Envoyer à l'intervenant", (_verrouiller_l_intervenant, _noter_l_envoi),
           gardes=(_intervenant_inscrit,)),
        _t(L.envoyee, "renvoyer", L.envoyee, "Renvoyer à l'intervenant", (_verrouiller_l_intervenant, _noter_l_envoi),
           gardes=(_intervenant_inscrit, _pdf_change_depuis_l_envoi)),
        # Paper answers, entered by staff; the history says so (its label).
        _t(L.envoyee, "accepter", L.acceptee, "Marquer acceptée (réponse papier)"),
        # The intervenant's own answers (app.operations.lettres).
        Transition(L.envoyee, "accepter_en_ligne", L.acceptee, frozenset({INTERVENANT}),
                   "Acceptée en ligne par l'intervenant", (_destinataire_de_la_lettre,)),
        Transition(L.envoyee, "refuser_en_ligne", L.refusee, frozenset({INTERVENANT}),
                   "Refusée en ligne par l'intervenant", (_destinataire_de_la_lettre,), comment_required=True),
        _t(L.acceptee, "executer", L.en_cours_execution, "Marquer en cours d'exécution"),
        _t(L.en_cours_execution, "terminer", L.terminee, "Marquer terminée"),
        *[_t(source, "annuler", L.annulee, "Annuler")
          for source in (L.brouillon, L.envoyee, L.acceptee, L.en_cours_execution)],
    ],
)

#: Events offered as buttons, in this order.
EVENEMENTS_INTERVENTION = ("demarrer", "realiser", "annuler")
EVENEMENTS_LETTRE = ("envoyer", "renvoyer", "accepter", "executer", "terminer", "annuler")
