"""The RGAA 4.1 audit behind the accessibility statement (issue 40 point 8).

The grid is kept in the repository, app/data/rgaa/: ``criteres.csv`` (the
106 criteria of RGAA 4.1 with their themes, text of the DINUM, Licence
Ouverte 2.0), ``echantillon.csv`` (the sample of pages audited) and
``grille.csv`` (one line per criterion and page: conforme, non conforme or
non applicable, with the reason). The statement shows what the grid says,
computed as the RGAA method does: a criterion is conforme when it is
conforme on every page where it applies, non conforme when it fails on one
page, non applicable when it applies nowhere; the rate is conformes /
(conformes + non conformes). Updating the audit means editing the grid and
``AUDIT`` below, nothing else.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

DOSSIER = Path(__file__).parent.parent / "data" / "rgaa"
CONFORME, NON_CONFORME, NON_APPLICABLE = "conforme", "non conforme", "non applicable"
STATUTS = (CONFORME, NON_CONFORME, NON_APPLICABLE)

#: How and when the grid was filled (shown in the statement).
AUDIT = {
    "date": "7 décembre 2026",
    "realise_par": "l'équipe du projet (auto-évaluation, pas d'audit par un organisme extérieur)",
    "methode": ("chaque critère évalué sur chaque page de l'échantillon à partir du code des pages, "
                "des tests automatisés du projet (axe-core dans Chromium, parcours au clavier, "
                "affichage à 390 px) ; un critère qui demande une vérification humaine non faite "
                "(lecteur d'écran, pages sans styles, zoom à 200 %) est compté non conforme"),
}


@dataclass
class Critere:
    numero: str
    thematique: str
    intitule: str
    #: page → (statut, justification), in the sample's order.
    pages: dict[str, tuple[str, str]] = field(default_factory=dict)

    @property
    def statut(self) -> str:
        statuts = {statut for statut, _ in self.pages.values()}
        if NON_CONFORME in statuts:
            return NON_CONFORME
        return CONFORME if CONFORME in statuts else NON_APPLICABLE

    def defauts(self) -> list[tuple[str, list[str]]]:
        """The reasons it fails, each with the pages it fails on."""
        raisons: dict[str, list[str]] = {}
        for page, (statut, raison) in self.pages.items():
            if statut == NON_CONFORME:
                raisons.setdefault(raison, []).append(page)
        return list(raisons.items())


@dataclass
class Audit:
    echantillon: list[dict]
    criteres: list[Critere]

    def nombre(self, statut: str) -> int:
        return sum(1 for c in self.criteres if c.statut == statut)

    @property
    def taux(self) -> float:
        conformes, non_conformes = self.nombre(CONFORME), self.nombre(NON_CONFORME)
        return 100 * conformes / (conformes + non_conformes)

    @property
    def etat(self) -> str:
        """The state the law names (« totalement », « partiellement », « non conforme »)."""
        if self.nombre(NON_CONFORME) == 0:
            return "totalement conforme"
        return "partiellement conforme" if self.taux >= 50 else "non conforme"

    def non_conformes(self) -> list[Critere]:
        return [c for c in self.criteres if c.statut == NON_CONFORME]

    def nom_page(self, page: str) -> str:
        return next(p["nom"] for p in self.echantillon if p["page"] == page)


def _lire(nom: str) -> list[dict]:
    with open(DOSSIER / nom, encoding="utf-8", newline="") as fichier:
        return list(csv.DictReader(fichier))


@cache
def audit() -> Audit:
    """The grid read and checked once per process: every criterion on every
    page of the sample, exactly once, with a known status and a reason."""
    echantillon = _lire("echantillon.csv")
    pages = [p["page"] for p in echantillon]
    criteres = {c["critere"]: Critere(c["critere"], c["thematique"], c["intitule"]) for c in _lire("criteres.csv")}
    for ligne in _lire("grille.csv"):
        critere, page, statut, raison = ligne["critere"], ligne["page"], ligne["statut"], ligne["justification"].strip()
        if critere not in criteres or page not in pages or statut not in STATUTS or not raison:
            raise ValueError(f"grille RGAA : ligne invalide {ligne}")
        if page in criteres[critere].pages:
            raise ValueError(f"grille RGAA : {critere} évalué deux fois sur la page {page}")
        criteres[critere].pages[page] = (statut, raison)
    for critere in criteres.values():
        if manquantes := [p for p in pages if p not in critere.pages]:
            raise ValueError(f"grille RGAA : {critere.numero} non évalué sur {', '.join(manquantes)}")
        critere.pages = {p: critere.pages[p] for p in pages}
    return Audit(echantillon, list(criteres.values()))
