"""Results: ``benchmarks/results.json`` (every run, merged by database and
volume) and the generated tables of ``BENCHMARKS.md`` (between two markers;
the hand-written analysis around them is kept)."""

from __future__ import annotations

import json
import os
import platform
from pathlib import Path

RACINE = Path(__file__).resolve().parent.parent
RESULTATS = RACINE / "benchmarks" / "results.json"
BENCHMARKS_MD = RACINE / "BENCHMARKS.md"
DEBUT, FIN = "<!-- resultats:debut (généré par make bench) -->", "<!-- resultats:fin -->"


def machine() -> str:
    modele = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                modele = line.split(":", 1)[1].strip()
                break
        kib = int(next(x for x in Path("/proc/meminfo").read_text().splitlines() if x.startswith("MemTotal")).split()[1])
        memoire = f"{kib / 1024 / 1024:.0f} GiB"
    except (OSError, StopIteration, ValueError):
        memoire = "?"
    return f"{modele}, {os.cpu_count()} cores, {memoire}, {platform.system()} {platform.release()}, Python {platform.python_version()}"


def charger() -> list[dict]:
    return json.loads(RESULTATS.read_text()) if RESULTATS.exists() else []


def enregistrer(nouvelles: list[dict]) -> list[dict]:
    """Replace the lines of the same (database, rows, page, clients), keep the others."""
    cle = lambda e: (e["database"].split()[0], e["rows"], e["page"], e["clients"])  # noqa: E731
    remplacees = {cle(e) for e in nouvelles}
    toutes = [e for e in charger() if cle(e) not in remplacees] + nouvelles
    toutes.sort(key=lambda e: (e["database"], e["rows"], e["page"], e["clients"]))
    RESULTATS.parent.mkdir(exist_ok=True)
    RESULTATS.write_text(json.dumps(toutes, ensure_ascii=False, indent=1) + "\n")
    return toutes


def _verdict(e: dict) -> str:
    return {True: "✅", False: "❌"}.get(e.get("pass"), "")


def _tableau(lignes: list[dict]) -> list[str]:
    out = [
        "| page | clients | p50 ms | p95 ms | p99 ms | req/s | baseline p95 ms | baseline req/s "
        "| req/s ÷ baseline | p95 ÷ baseline | objectif | ok |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    for e in lignes:
        if e["page"] in ("alertes_publication", "suggestions_regles_dures"):
            continue
        ratio_rps = f"{e['rps'] / e['baseline_rps']:.0%}" if e.get("baseline_rps") else ""
        ratio_p95 = f"{e['p95_ms'] / e['baseline_p95_ms']:.1f}×" if e.get("baseline_p95_ms") else ""
        objectif = f"p95 ≤ {e['target_p95_ms']:g} ms, ≥ {e['target_rps_ratio']:.0%}" if e["clients"] == 8 else ""
        out.append(
            f"| {e['page']} | {e['clients']} | {e['p50_ms']} | {e['p95_ms']} | {e['p99_ms']} | {e['rps']} "
            f"| {e.get('baseline_p95_ms', '')} | {e.get('baseline_rps', '')} | {ratio_rps} | {ratio_p95} "
            f"| {objectif} | {_verdict(e)} |"
        )
    return out


def markdown(toutes: list[dict]) -> str:
    groupes: dict[tuple, list[dict]] = {}
    for e in toutes:
        groupes.setdefault((e["database"], e["rows"]), []).append(e)
    out = []
    for (database, rows), lignes in sorted(groupes.items(), key=lambda kv: (kv[0][0], kv[0][1])):
        first = lignes[0]
        out += ["", f"### {database}, {rows:,} intervenants".replace(",", " "), "",
                f"Mesuré le {first['date']} sur {first['machine']}."]
        if "generation_s" in first:
            out.append(f"Génération du volume : {first['generation_s']:.0f} s.")
        out += [""] + _tableau(lignes)
        for e in lignes:
            if e["page"] == "alertes_publication":
                out += ["", f"Alertes à la publication : {e['alertes']} alertes ({e['part_ciblee']:.0%} des intervenants) "
                        f"calculées et mises en file en {e['p50_ms']:.0f} ms (médiane de {len(e['durees_ms'])} "
                        f"publications ; pire {e['p99_ms']:.0f} ms ; objectif ≤ {e['target_p95_ms']:g} ms) {_verdict(e)}"]
            if e["page"] == "suggestions_regles_dures":
                out += ["", f"Suggestions (issue 37) : {e['paires']} paires (annonce, intervenant) de 200 annonces "
                        f"vérifiées contre les règles strictes en {e['duree_s']} s, {e['violations']} violée(s) "
                        f"{_verdict(e)}"]
    return "\n".join(out) + "\n"


def ecrire_markdown(toutes: list[dict]) -> None:
    texte = BENCHMARKS_MD.read_text() if BENCHMARKS_MD.exists() else f"# Benchmarks\n\n{DEBUT}\n{FIN}\n"
    if DEBUT not in texte or FIN not in texte:
        texte += f"\n{DEBUT}\n{FIN}\n"
    avant, reste = texte.split(DEBUT, 1)
    _, apres = reste.split(FIN, 1)
    BENCHMARKS_MD.write_text(f"{avant}{DEBUT}\n{markdown(toutes)}{FIN}{apres}")
