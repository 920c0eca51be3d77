"""The documents say what the code does (issue 35 point 6).

What a reader acts on is checked against the code, so that a rename or a
removal shows up here rather than in a newcomer's failed command:

- the transition tables of ``docs/architecture.md`` are generated from
  ``app/workflows/`` (between ``<!-- workflow:NAME -->`` markers); rewrite
  them with ``.venv/bin/python -m tests.infra.test_documentation``;
- every module of ``app/operations``, ``workflows``, ``jobs``, ``views``,
  ``infra`` and ``security`` has its line in ``docs/architecture.md``;
- every file path and every ``app.…`` name written in backquotes exists;
- every variable of the README's configuration table is read from the
  environment; every ``make X`` is a target of the Makefile;
- the README stays short (the details live in ``docs/``).
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import re
import sys
from pathlib import Path

#: The repository root (found upwards, so that the module may move within tests/).
RACINE = next(d for d in Path(__file__).resolve().parents if (d / "pyproject.toml").exists())
README = RACINE / "README.md"
ARCHITECTURE = RACINE / "docs" / "architecture.md"
DOCUMENTS = [README, RACINE / "BENCHMARKS.md", RACINE / "RELIABILITY.md", *sorted((RACINE / "docs").glob("*.md"))]
LIGNES_MAX_README = 250

_CODE = re.compile(r"`([^`\n]+)`")
_CHEMIN = re.compile(r"(?:app|tests|benchmarks|deploy|migrations|docs|\.ci)/[\w./-]*")
_FICHIERS_RACINE = {"Makefile", "Procfile", "config.py", "pyproject.toml", "README.md", "BENCHMARKS.md",
                    "RELIABILITY.md"}
_NOM_PYTHON = re.compile(r"app(?:\.\w+)+")
_VARIABLE_LUE = re.compile(r"""(?:_env|_env_bool|environ\.get|environ\[|getenv)\(?\s*["']([A-Z][A-Z0-9_]+)["']""")


# -- the transition tables ------------------------------------------------
def _workflows() -> list[tuple[str, object, str]]:
    """(name, workflow, module path) of every workflow, in declaration order."""
    from app.workflows.core import Workflow, tous_les_workflows

    tous = tous_les_workflows()
    modules = {}
    for module in list(sys.modules.values()):
        if getattr(module, "__name__", "").startswith("app.workflows."):
            for valeur in vars(module).values():
                if isinstance(valeur, Workflow):
                    modules[valeur.name] = Path(inspect.getfile(module)).relative_to(RACINE).as_posix()
    return [(nom, wf, modules[nom]) for nom, wf in tous.items()]


def tableau(workflow, module: str) -> str:
    """The transition table of one workflow, as docs/architecture.md shows it."""
    lignes = [
        f"Workflow `{workflow.name}` (« {workflow.titre} », `{module}`, champ `{workflow.state_attr}`) :",
        "",
        "| de | action | vers | qui | gardes |",
        "|---|---|---|---|---|",
    ]
    for t in workflow.table.values():
        gardes = ", ".join(f"`{g.__name__}`" for g in t.guards)
        if t.comment_required:
            gardes = f"{gardes}, commentaire obligatoire" if gardes else "commentaire obligatoire"
        lignes.append(
            f"| {workflow.libelles.get(t.source, t.source.value)} | {t.label} (`{t.event}`) "
            f"| {workflow.libelles.get(t.target, t.target.value)} | {', '.join(sorted(t.roles))} | {gardes} |"
        )
    return "\n".join(lignes) + "\n"


def _bloc(nom: str) -> re.Pattern:
    return re.compile(rf"(<!-- workflow:{nom} -->\n)(.*?)(<!-- /workflow:{nom} -->)", re.S)


def reecrire_architecture() -> None:
    """Replace each workflow's table in docs/architecture.md by the generated one."""
    texte = ARCHITECTURE.read_text(encoding="utf-8")
    for nom, wf, module in _workflows():
        texte, n = _bloc(nom).subn(lambda m, wf=wf, module=module: m[1] + tableau(wf, module) + m[3], texte)
        if not n:
            print(f"docs/architecture.md : pas de marqueur <!-- workflow:{nom} -->", file=sys.stderr)
    ARCHITECTURE.write_text(texte, encoding="utf-8")


def test_chaque_workflow_a_sa_table_a_jour():
    texte = ARCHITECTURE.read_text(encoding="utf-8")
    for nom, wf, module in _workflows():
        bloc = _bloc(nom).search(texte)
        assert bloc, f"docs/architecture.md n'a pas la table du workflow {nom} (<!-- workflow:{nom} -->)"
        assert bloc[2] == tableau(wf, module), (
            f"la table du workflow {nom} ne suit plus le code : .venv/bin/python -m tests.infra.test_documentation")


def test_chaque_module_a_sa_ligne_dans_l_architecture():
    """A new module of a layer gets its line in docs/architecture.md."""
    texte = ARCHITECTURE.read_text(encoding="utf-8")
    absents = [
        chemin.relative_to(RACINE).as_posix()
        for dossier in ("operations", "workflows", "jobs", "views", "infra", "security")
        for chemin in sorted((RACINE / "app" / dossier).glob("*.py"))
        if chemin.name != "__init__.py" and f"`{chemin.relative_to(RACINE).as_posix()}`" not in texte
    ]
    assert not absents, "modules absents de docs/architecture.md :\n" + "\n".join(absents)


# -- names and paths written in the documents ------------------------------
def _extraits(document: Path) -> list[str]:
    return _CODE.findall(document.read_text(encoding="utf-8"))


def _chemins(extrait: str) -> list[str]:
    """The repository paths of a backquoted extract (placeholders skipped)."""
    chemins = []
    for mot in extrait.split():
        mot = mot.rstrip(".,:;)")
        if any(c in mot for c in "<{*…$"):
            continue
        if mot in _FICHIERS_RACINE or _CHEMIN.fullmatch(mot):
            chemins.append(mot)
    return chemins


def test_les_chemins_cites_existent():
    manquants = []
    for document in DOCUMENTS:
        for extrait in _extraits(document):
            for chemin in _chemins(extrait):
                if not (RACINE / chemin).exists():
                    manquants.append(f"{document.name} : {chemin}")
    assert not manquants, "fichiers cités absents :\n" + "\n".join(manquants)


def _resoudre(nom: str) -> bool:
    """Whether ``app.x.y`` names a module, or an attribute of one (a module
    alone is found without being imported: ``app.wsgi`` builds an app)."""
    parties = nom.split(".")
    for i in range(len(parties), 0, -1):
        module = ".".join(parties[:i])
        try:
            trouve = importlib.util.find_spec(module) is not None
        except ModuleNotFoundError:
            trouve = False
        if not trouve:
            continue
        if i == len(parties):
            return True
        objet = importlib.import_module(module)
        for attribut in parties[i:]:
            if not hasattr(objet, attribut):
                return False
            objet = getattr(objet, attribut)
        return True
    return False


def test_les_noms_python_cites_existent():
    manquants = []
    for document in DOCUMENTS:
        for extrait in _extraits(document):
            for nom in _NOM_PYTHON.findall(extrait):
                if "/" not in extrait and not _resoudre(nom):
                    manquants.append(f"{document.name} : {nom}")
    assert not manquants, "noms cités introuvables :\n" + "\n".join(manquants)


# -- the README -------------------------------------------------------------
def _variables_lues() -> set[str]:
    lues = set()
    for fichier in [RACINE / "config.py", *(RACINE / "app").rglob("*.py")]:
        lues |= set(_VARIABLE_LUE.findall(fichier.read_text(encoding="utf-8")))
    return lues


def test_les_variables_de_configuration_sont_lues():
    texte = README.read_text(encoding="utf-8")
    section = texte.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    variables = {v for ligne in section.splitlines() if ligne.startswith("| `")
                 for v in re.findall(r"`([A-Z][A-Z0-9_]+)`", ligne.split("|")[1])}
    assert len(variables) > 10
    assert not variables - _variables_lues(), "variables du README jamais lues de l'environnement"


def test_les_commandes_make_existent():
    cibles = set(re.findall(r"^([\w-]+):", (RACINE / "Makefile").read_text(), re.M))
    for document in DOCUMENTS:
        for cible in re.findall(r"`make ([\w-]+)", document.read_text(encoding="utf-8")):
            assert cible in cibles, f"{document.name} : make {cible} n'existe pas"


def test_le_readme_reste_court():
    lignes = len(README.read_text(encoding="utf-8").splitlines())
    assert lignes <= LIGNES_MAX_README, f"README.md : {lignes} lignes ; le détail va dans docs/"


if __name__ == "__main__":
    reecrire_architecture()
