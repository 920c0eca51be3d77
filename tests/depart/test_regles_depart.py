"""The unregistration rule (manual §9) and the inactivity dates, alone."""

from __future__ import annotations

from datetime import date

import pytest

from app.models.regles_depart import (
    MESSAGES,
    CasDesinscription,
    Conservation,
    Inactivite,
    decider,
)

AUJOURDHUI = date(2026, 3, 15)


@pytest.mark.parametrize(("lettre", "fin", "cas", "suppression"), [
    # never intervened: 12 months after today
    (False, None, CasDesinscription.sans_intervention, date(2027, 3, 15)),
    # last intervention ended less than 5 years ago: 5 years after its end
    (False, date(2024, 6, 30), CasDesinscription.intervention_recente, date(2029, 6, 30)),
    (False, date(2021, 3, 16), CasDesinscription.intervention_recente, date(2026, 3, 16)),
    # ended 5 years ago or more: nothing left to keep for, as if never intervened
    (False, date(2021, 3, 15), CasDesinscription.sans_intervention, date(2027, 3, 15)),
    (False, date(2010, 1, 1), CasDesinscription.sans_intervention, date(2027, 3, 15)),
    # a lettre programmée or en cours d'exécution: refused, whatever the past
    (True, None, CasDesinscription.refusee, None),
    (True, date(2025, 1, 1), CasDesinscription.refusee, None),
])
def test_decision(lettre, fin, cas, suppression):
    decision = decider(lettre, fin, AUJOURDHUI)
    assert (decision.cas, decision.suppression_le) == (cas, suppression)
    assert decision.possible is (cas != CasDesinscription.refusee)


def test_retention_settings_change_the_dates():
    conservation = Conservation(mois_sans_intervention=6, ans_apres_intervention=10)
    assert decider(False, None, AUJOURDHUI, conservation).suppression_le == date(2026, 9, 15)
    assert decider(False, date(2020, 1, 31), AUJOURDHUI, conservation).suppression_le == date(2030, 1, 31)
    # end of month: 29 February plus whole years
    assert decider(False, date(2024, 2, 29), AUJOURDHUI).suppression_le == date(2029, 2, 28)


def test_inactivity_dates():
    regle = Inactivite(jours=1095, preavis=30)
    assert regle.archivage_le(date(2023, 1, 1)) == date(2025, 12, 31)
    assert regle.avertissement_le(date(2023, 1, 1)) == date(2025, 12, 1)


def test_every_case_has_the_manuals_message():
    assert "archivées pendant 12 mois" in MESSAGES[CasDesinscription.sans_intervention][1]
    assert "5 ans après la date de clôture de votre dernière intervention" in \
        MESSAGES[CasDesinscription.intervention_recente][1]
    assert "lettre(s) de demande d'intervention programmée ou en cours d'exécution" in \
        MESSAGES[CasDesinscription.refusee][1]
