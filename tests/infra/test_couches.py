"""The layers (issue 35): the file model asks the rules the domains declare,
never their modules; the application declares them all when it is built."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from app.models import fichiers

RACINE = Path(__file__).resolve().parents[2]


def test_the_factory_declares_every_domain_s_reading_rule(app):
    """Support attachments (asked of everybody), dossier pieces and lettres
    (staff), the profile's files last: one rule each, declared once."""
    regles = {(r.lit.__module__, r.personnel_seulement, r.par_defaut) for r in fichiers._LECTEURS}
    assert regles == {
        ("app.operations.support", False, False),
        ("app.operations.dossier", True, False),
        ("app.operations.interventions", True, False),
        ("app.operations.cvtheque", True, True),
    }
    assert len(fichiers._LECTEURS) == 4


def test_declaring_a_rule_again_changes_nothing(app):
    avant = list(fichiers._LECTEURS)
    regle = avant[0]
    fichiers.declarer_lecteur(regle.lit, personnel_seulement=regle.personnel_seulement, par_defaut=regle.par_defaut)
    assert fichiers._LECTEURS == avant


def test_the_file_model_alone_imports_no_operation():
    """A fresh interpreter importing the file model loads no domain operation
    and no workflow: the models sit below them."""
    code = ("import sys, app.models.fichiers; "
            "print(sorted(m for m in sys.modules if m.startswith(('app.operations', 'app.workflows', 'app.views'))))")
    sortie = subprocess.run([sys.executable, "-c", code], cwd=RACINE, capture_output=True, text=True, check=True)
    assert sortie.stdout.strip() == "[]"


def test_every_module_of_a_split_package_has_its_layer():
    """app.security and app.infra are placed module by module in the layer
    contract (pyproject's [tool.importlinter]): a new module there gets its line,
    otherwise the contract would not see it."""
    import tomllib

    contrat = tomllib.loads((RACINE / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]
    couches = next(c for c in contrat if c["id"] == "couches")["layers"]
    places = {m.strip() for couche in couches for m in couche.replace("|", ":").split(":")}
    for paquet in ("security", "infra"):
        modules = {f"app.{paquet}.{p.stem}" for p in (RACINE / "app" / paquet).glob("*.py") if p.stem != "__init__"}
        assert modules - places == set(), f"modules de app.{paquet} sans couche dans pyproject.toml"
