"""No test module imports another test module: what several share lives in
tests/outils/ (or tests/conftest.py for fixtures every test needs). Importing
a test module runs its module-level code and binds its fixtures where they
were not meant to be, and ties one file's tests to another's."""

from __future__ import annotations

import ast
from pathlib import Path

RACINE = Path(__file__).resolve().parents[1]


def _est_un_module_de_test(nom: str) -> bool:
    return nom.rsplit(".", 1)[-1].startswith("test_")


def imports_de_tests(source: str) -> list[str]:
    """The test modules ``source`` imports (``from tests.x.test_y import …``,
    ``from . import test_y``, ``import tests.test_y``…)."""
    trouves = []
    for noeud in ast.walk(ast.parse(source)):
        if isinstance(noeud, ast.Import):
            trouves += [alias.name for alias in noeud.names if _est_un_module_de_test(alias.name)]
        elif isinstance(noeud, ast.ImportFrom):
            module = "." * noeud.level + (noeud.module or "")
            if _est_un_module_de_test(module):
                trouves.append(module)
            else:
                trouves += [f"{module}.{alias.name}" for alias in noeud.names if alias.name.startswith("test_")]
    return trouves


def test_le_controle_voit_chaque_forme_d_import():
    source = ("from tests.test_annonces import creer_annonce\nfrom tests import test_outbox\nimport tests.test_auth\n"
              "from .test_profil import x\nfrom tests.comptes.test_auth import y\nfrom tests.outils.annonces import ref\n")
    assert imports_de_tests(source) == ["tests.test_annonces", "tests.test_outbox", "tests.test_auth", ".test_profil",
                                        "tests.comptes.test_auth"]


def test_aucun_module_de_test_n_en_importe_un_autre():
    fautifs = {
        str(chemin.relative_to(RACINE)): trouves
        for chemin in sorted(RACINE.rglob("*.py"))
        if (trouves := imports_de_tests(chemin.read_text(encoding="utf-8")))
    }
    assert not fautifs, f"à déplacer dans tests/outils/ : {fautifs}"
