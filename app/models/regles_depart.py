"""Rules of leaving (manual §9, issue 24): which case applies to a person who
unregisters, and until when their data are kept.

Pure functions of the facts (a lettre de demande programmée or en cours
d'exécution, the end of the last intervention, today) and of the retention
settings: the page, the inactivity job and the tests read the same rule.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta


class CasDesinscription(enum.StrEnum):
    #: Never intervened (or the last intervention is older than the retention): 12 months.
    sans_intervention = "sans_intervention"
    #: Last intervention ended less than 5 years ago: kept until 5 years after its end.
    intervention_recente = "intervention_recente"
    #: A lettre de demande programmée or en cours d'exécution: refused.
    refusee = "refusee"


@dataclass(frozen=True)
class Conservation:
    """The retention settings (config.py, README)."""

    mois_sans_intervention: int = 12
    ans_apres_intervention: int = 5

    @classmethod
    def depuis(cls, config) -> Conservation:
        return cls(config["CONSERVATION_SANS_INTERVENTION_MOIS"], config["CONSERVATION_APRES_INTERVENTION_ANS"])


@dataclass(frozen=True)
class Decision:
    cas: CasDesinscription
    #: The day the personal data are deleted (None: unregistering refused).
    suppression_le: date | None

    @property
    def possible(self) -> bool:
        return self.cas != CasDesinscription.refusee


def decider(lettre_en_cours: bool, fin_derniere_intervention: date | None, aujourdhui: date,
            conservation: Conservation = Conservation()) -> Decision:
    """The case of the manual (§9.1, §9.2, §9.3) and the deletion date."""
    if lettre_en_cours:
        return Decision(CasDesinscription.refusee, None)
    douze_mois = aujourdhui + relativedelta(months=conservation.mois_sans_intervention)
    if fin_derniere_intervention is not None:
        fin_conservation = fin_derniere_intervention + relativedelta(years=conservation.ans_apres_intervention)
        if fin_conservation > aujourdhui:
            return Decision(CasDesinscription.intervention_recente, fin_conservation)
    return Decision(CasDesinscription.sans_intervention, douze_mois)


@dataclass(frozen=True)
class Inactivite:
    """No login for ``jours`` days archives the account, warned ``preavis`` days before."""

    jours: int = 1095
    preavis: int = 30

    @classmethod
    def depuis(cls, config) -> Inactivite:
        return cls(config["INACTIVITE_JOURS"], config["INACTIVITE_PREAVIS_JOURS"])

    def archivage_le(self, derniere_activite: date) -> date:
        return derniere_activite + timedelta(days=self.jours)

    def avertissement_le(self, derniere_activite: date) -> date:
        return self.archivage_le(derniere_activite) - timedelta(days=self.preavis)


#: The manual's messages (§9.1, §9.2, §9.3), word for word.
ATTENTION_FERMETURE = (
    "Attention vous êtes sur le point de fermer définitivement votre compte. Si vous souhaitez récupérer "
    "vos données, veuillez d'abord utiliser le menu « Mon compte », « Récupérer mes données » avant de "
    "désactiver votre compte de connexion."
)
CONFIRMER_OU_ANNULER = (
    "Si vous êtes sûr de vouloir désactiver votre compte de connexion, cliquez sur le bouton « confirmer », "
    "sinon sur le bouton « Annuler »."
)
_MESSAGES = {
    CasDesinscription.sans_intervention: (
        ATTENTION_FERMETURE,
        "Après désactivation de votre compte de connexion, vos données seront archivées pendant {mois} mois. "
        "Au-delà de ce délai vos données personnelles seront supprimées.",
        CONFIRMER_OU_ANNULER,
    ),
    CasDesinscription.intervention_recente: (
        ATTENTION_FERMETURE,
        "Après désactivation de votre compte de connexion, vos données seront archivées pendant un délai de "
        "{ans} après la date de clôture de votre dernière intervention. Au-delà de ce délai, vos données "
        "personnelles seront supprimées.",
        CONFIRMER_OU_ANNULER,
    ),
    CasDesinscription.refusee: (
        "Votre demande de désinscription de l'Espace intervenants ne peut pas être prise en compte.",
        "En effet, nous avons détecté dans votre dossier la présence de lettre(s) de demande d'intervention "
        "programmée ou en cours d'exécution.",
        "Si vous souhaitez néanmoins que votre compte soit désactivé, nous vous invitons à prendre contact avec "
        "l'administrateur de l'Espace intervenants en formulant une demande de support par le lien « aide et "
        "contact » présent en pied de page de l'Espace intervenants.",
    ),
}


def messages(cas: CasDesinscription, conservation: Conservation = Conservation()) -> tuple[str, ...]:
    """The manual's messages with the durations of the settings (« 12 mois »,
    « 5 ans » by default: the page says what the purge will do)."""
    ans = conservation.ans_apres_intervention
    duree_ans = f"{ans} an" if ans == 1 else f"{ans} ans"
    return tuple(p.replace("{mois}", str(conservation.mois_sans_intervention)).replace("{ans}", duree_ans)
                 for p in _MESSAGES[cas])


#: The messages with the default settings, as the manual words them.
MESSAGES = {cas: messages(cas) for cas in CasDesinscription}
