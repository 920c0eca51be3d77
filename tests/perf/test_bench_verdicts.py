"""A bench whose figures are off exits non-zero: the run (a judged row that
misses its target) and the before/after comparison (a target missed, or a
ratio down by more than the noise)."""

from __future__ import annotations

import json

import pytest

from benchmarks import comparer
from benchmarks.run import echecs_de


def _ligne(page, ratio, ok=True, clients=8, p95=20.0):
    return {"page": page, "clients": clients, "rps": 100.0, "rps_ratio": ratio, "p95_ms": p95,
            "target_p95_ms": 100, "target_rps_ratio": 0.30, "pass": ok if clients == 8 else None,
            "database": "PostgreSQL 15.20", "rows": 100_000, "date": "2026-12-08 01:30 UTC"}


def test_a_missed_target_is_a_failure_of_the_run():
    lignes = [_ligne("accueil", 4.5), _ligne("tableau_de_bord", 0.24, ok=False), _ligne("cvtheque", 0.2, clients=32)]
    assert echecs_de(lignes) == ["tableau_de_bord (8 clients, PostgreSQL 15.20, 100000 intervenants)"]


@pytest.mark.parametrize(
    ("avant", "apres", "ok", "echoue"),
    [
        (0.40, 0.38, True, False),    # within the noise
        (0.40, 0.30, True, True),     # down by 25 %: beyond the 20 % tolerance
        (0.24, 0.35, True, False),    # up
        (0.40, 0.41, False, True),    # the target missed (p95)
    ],
)
def test_the_comparison_fails_on_a_regression_or_a_missed_target(avant, apres, ok, echoue):
    _, echecs = comparer.comparer({"page": _ligne("page", avant)}, {"page": _ligne("page", apres, ok=ok)}, 0.20)
    assert bool(echecs) is echoue


def test_the_comparison_exits_non_zero(tmp_path, monkeypatch):
    avant, apres = tmp_path / "avant.json", tmp_path / "apres.json"
    avant.write_text(json.dumps([_ligne("tableau_de_bord", 0.40)]))
    apres.write_text(json.dumps([_ligne("tableau_de_bord", 0.20)]))
    with pytest.raises(SystemExit, match="tableau_de_bord"):
        comparer.main([str(avant), str(apres)])
    apres.write_text(json.dumps([_ligne("tableau_de_bord", 0.41)]))
    comparer.main([str(avant), str(apres)])
