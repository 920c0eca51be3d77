"""Load the referential CSV files into their tables (idempotent)."""

from __future__ import annotations

import csv
from pathlib import Path

from sqlalchemy import select

from app.extensions import db
from app.models.referentiels import Departement, Region, Structure

DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "refdata"


def _rows(name: str):
    with open(DATA_DIR / name, encoding="utf-8", newline="") as fh:
        yield from csv.DictReader(fh)


def load_all() -> None:
    regions = {r.code: r for r in db.session.scalars(select(Region))}
    for row in _rows("regions.csv"):
        region = regions.get(row["code"]) or Region(code=row["code"])
        region.nom = row["nom"]
        region.chef_lieu_commune = row["chef_lieu_commune"]
        region.outre_mer = row["outre_mer"] == "1"
        db.session.add(region)
        regions[region.code] = region
    db.session.flush()
    deps = {d.code: d for d in db.session.scalars(select(Departement))}
    for row in _rows("departements.csv"):
        dep = deps.get(row["code"]) or Departement(code=row["code"])
        dep.nom = row["nom"]
        dep.region = regions[row["code_region"]]
        dep.chef_lieu_commune = row["chef_lieu_commune"]
        db.session.add(dep)
    structures = {s.code: s for s in db.session.scalars(select(Structure))}
    for row in _rows("cnfpt_structures.csv"):
        s = structures.get(row["code"]) or Structure(code=row["code"])
        s.nom = row["nom"]
        s.type = row["type"]
        s.nationale = row["regions_couvertes"] == "national"
        s.messagerie_active = row["messagerie_active"] == "1"
        s.regions = [] if s.nationale else [regions[c] for c in row["regions_couvertes"].split("|")]
        db.session.add(s)
    db.session.flush()
