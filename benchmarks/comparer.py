"""Before/after of a change: the 8-client rows of two ``make bench`` runs of
the same session (two checkouts, two ``BENCH_PREFIXE``), side by side.

Why: an issue that must leave the speed unchanged, or raise it, is judged
on the ratio to the bare baseline measured in one session on one machine
(BENCHMARKS.md, « Bruit »); figures of different days are not comparable.

    python -m benchmarks.comparer AVANT.json APRES.json --avant "6aca9ac" --apres "e8cd3d6" [--ecrire]

Exits 1 when a row of the « après » run misses its target, or when its ratio
falls below the « avant » ratio by more than ``--tolerance`` (the bench's
noise, 20 % by default): a comparison whose figures are off does not pass.
``--ecrire`` puts the table in BENCHMARKS.md between the two markers of
``--bloc`` (added at the end when missing).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from benchmarks.rapport import BENCHMARKS_MD


def marqueurs(bloc: str) -> tuple[str, str]:
    """The two markers of a named comparison in BENCHMARKS.md (one per change compared)."""
    return (f"<!-- comparaison:{bloc}:debut (généré par benchmarks/comparer.py) -->",
            f"<!-- comparaison:{bloc}:fin -->")


def _lignes(chemin: Path, base: str, rows: int) -> dict[str, dict]:
    return {e["page"]: e for e in json.loads(chemin.read_text())
            if e["clients"] == 8 and e.get("rps") and e["database"].startswith(base) and e["rows"] == rows}


def comparer(avant: dict[str, dict], apres: dict[str, dict], tolerance: float) -> tuple[list[str], list[str]]:
    """The table's lines and the pages that fail (target missed, or ratio
    down by more than the tolerance)."""
    lignes = ["| page | débit ÷ référence avant | après | écart | p95 avant ms | p95 après ms | objectif | ok |",
              "|---|---:|---:|---:|---:|---:|---|---|"]
    echecs = []
    for page in sorted(set(avant) | set(apres)):
        a, b = avant.get(page), apres.get(page)
        ra = a["rps_ratio"] if a else None
        rb = b["rps_ratio"] if b else None
        ecart = f"{(rb - ra) / ra:+.0%}" if ra and rb else ""
        objectif = f"p95 ≤ {b['target_p95_ms']:g} ms, ≥ {b['target_rps_ratio']:.0%}" if b else ""
        ok = ""
        if b:
            recul = ra is not None and rb < ra * (1 - tolerance)
            ok = "❌" if (b.get("pass") is False or recul) else "✅"
            if ok == "❌":
                echecs.append(page + (" (recul au-delà du bruit)" if recul else " (objectif manqué)"))
        lignes.append(f"| {page} | {'' if ra is None else f'{ra:.0%}'} | {'' if rb is None else f'{rb:.0%}'} "
                      f"| {ecart} | {a['p95_ms'] if a else ''} | {b['p95_ms'] if b else ''} | {objectif} | {ok} |")
    return lignes, echecs


def ecrire(texte: str, bloc: str) -> None:
    DEBUT, FIN = marqueurs(bloc)
    md = BENCHMARKS_MD.read_text()
    if DEBUT not in md or FIN not in md:
        md += f"\n{DEBUT}\n{FIN}\n"
    debut, reste = md.split(DEBUT, 1)
    _, fin = reste.split(FIN, 1)
    BENCHMARKS_MD.write_text(f"{debut}{DEBUT}\n{texte}{FIN}{fin}")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("avant", type=Path)
    parser.add_argument("apres", type=Path)
    parser.add_argument("--avant", dest="nom_avant", default="avant", help="nom du code mesuré avant (commit)")
    parser.add_argument("--apres", dest="nom_apres", default="après", help="nom du code mesuré après (commit)")
    parser.add_argument("--base", default="PostgreSQL")
    parser.add_argument("--intervenants", type=int, default=100_000)
    parser.add_argument("--tolerance", type=float, default=0.20)
    parser.add_argument("--ecrire", action="store_true", help="écrire le tableau dans BENCHMARKS.md")
    parser.add_argument("--bloc", default="derniere", help="nom de la comparaison dans BENCHMARKS.md")
    args = parser.parse_args(argv)
    avant = _lignes(args.avant, args.base, args.intervenants)
    apres = _lignes(args.apres, args.base, args.intervenants)
    if not apres:
        raise SystemExit(f"Aucune ligne à 8 clients ({args.base}, {args.intervenants}) dans {args.apres}.")
    lignes, echecs = comparer(avant, apres, args.tolerance)
    date = next(iter(apres.values()))["date"]
    texte = "\n".join([
        "", f"{args.base}, {args.intervenants:_} intervenants, 8 clients ; « avant » : {args.nom_avant}, "
        f"« après » : {args.nom_apres} ; mesurés l'un après l'autre le {date}. Tolérance de recul : "
        f"{args.tolerance:.0%} (le bruit du banc).".replace("_", " "), "", *lignes, ""]) + "\n"
    print(texte)
    if args.ecrire:
        ecrire(texte, args.bloc)
    if echecs:
        raise SystemExit("Comparaison en échec : " + " ; ".join(echecs))


if __name__ == "__main__":
    main()
