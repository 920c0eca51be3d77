"""Issue #34, point 3: the fault script's verdict counts what matters and can
fail. Its figures come from a run (``make pannes``); here, the verdict on
made-up figures: a second e-mail for one decision is a duplicate even with a
new Message-ID, an e-mail never written is missed, a 5xx during a fault or a
race's e-mail that contradicts its final state fails the run."""

from __future__ import annotations

import copy
from collections import Counter

from benchmarks.pannes import SUJETS_DECISION, bilan_emails, verdict

VALIDEE = SUJETS_DECISION["valider"]


def run_sain() -> dict:
    return {
        "defaut": None, "connexion_sans_redis": 302, "publication": 302,
        "decisions": [{"phase": "nominal", "demande": 1, "decision": "valider", "http": 302, "etat_final": "validee"}],
        "courses": {"10 valider / 10 rejeter": {"objet": 2, "http": {302: 1, 200: 19}, "transitions": 1,
                                                "etat_final": "validee", "email_attendu": VALIDEE,
                                                "emails_recus": [VALIDEE]}},
        "reponses": {"nominal": {200: 40}, "base redémarrée": {200: 12, 302: 1}},
        "phases": {"base redémarrée": {"connexions coupées": [5, 4, 6]},
                   "alertes": {"connexions coupées": [3, 3, 2, 4, 3], "worker tué pendant l'envoi": True}},
        "attendus": Counter({("a@x.test", VALIDEE): 1, ("b@x.test", VALIDEE): 1, ("c@x.test", "Alerte"): 1}),
        "recus": Counter({("a@x.test", VALIDEE): 1, ("b@x.test", VALIDEE): 1, ("c@x.test", "Alerte"): 1}),
        "message_ids_dupliques": 0, "outbox": {"sent": 3}, "alertes_non_ecrites": 0,
    }


def test_a_sound_run_passes():
    assert verdict(run_sain()) == []


def test_a_second_email_for_one_decision_fails_even_with_a_new_message_id():
    r = run_sain()
    r["recus"][("a@x.test", VALIDEE)] += 1  # sent again by a new row: another Message-ID
    assert bilan_emails(r["attendus"], r["recus"])["en double (même décision ou alerte)"] == 1
    assert verdict(r) == ["e-mails en double (même décision ou alerte) : 1"]


def test_an_email_never_written_is_missed():
    r = run_sain()
    del r["recus"][("c@x.test", "Alerte")]  # absent from the outbox too: still expected
    assert verdict(r) == ["e-mails manquants : 1"]


def test_a_5xx_during_a_fault_a_contradicting_race_and_a_stuck_row_fail():
    r = copy.deepcopy(run_sain())
    r["reponses"]["base redémarrée"][500] = 1
    r["courses"]["10 valider / 10 rejeter"]["emails_recus"] = [SUJETS_DECISION["rejeter"]]
    r["outbox"]["sending"] = 1
    ecarts = verdict(r)
    assert "pages pendant « base redémarrée » : {500: 1}" in ecarts
    assert any(e.startswith("course 10 valider / 10 rejeter : état final validee") for e in ecarts)
    assert "boîte d'envoi : 1 « sending » à la fin" in ecarts
