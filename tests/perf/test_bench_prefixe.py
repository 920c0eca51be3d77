"""Issue #26: two bench runs with different prefixes never share a database."""

from __future__ import annotations

import pytest

from benchmarks.run import PG_SERVEUR, url_base


@pytest.mark.parametrize(
    ("moteur", "prefixe", "fin"),
    [
        ("postgresql", "espace_bench", f"{PG_SERVEUR}/espace_bench_1000"),
        ("postgresql", "bench_lead", f"{PG_SERVEUR}/bench_lead_1000"),
        ("sqlite", "espace_bench", "/instance/bench-1000.db"),
        ("sqlite", "bench_lead", "/instance/bench_lead-1000.db"),
    ],
)
def test_the_prefix_names_the_database(moteur, prefixe, fin):
    assert url_base(moteur, 1000, prefixe).endswith(fin)


def test_two_prefixes_two_databases():
    assert url_base("postgresql", 1000, "run_a") != url_base("postgresql", 1000, "run_b")


@pytest.mark.parametrize("prefixe", ["", "Majuscule", 'x"; DROP DATABASE postgres; --', "1chiffre"])
def test_an_invalid_prefix_is_refused(prefixe):
    with pytest.raises(SystemExit):
        url_base("postgresql", 1000, prefixe)
