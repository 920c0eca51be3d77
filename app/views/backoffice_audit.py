"""Audit console of the national administration (issue 27): decisions (the
workflows' history) and login attempts, beside the reads of personal data
and files (``backoffice_supervision``). Read-only, newest first, filtered by
person, date and kind, exported without formulas (``ConsoleModelView``)."""

from __future__ import annotations

from flask_admin.contrib.sqla.filters import BooleanEqualFilter, FilterEqual, FilterLike

from app.infra.formatting import format_heure
from app.models.authentification import TentativeConnexion
from app.models.workflow import TransitionHistorique
from app.views.backoffice import ConsoleModelView
from app.workflows.core import tous_les_workflows, workflow_nomme


def _heure(view, context, model, name):
    return format_heure(getattr(model, name), "dd/MM/yyyy HH:mm:ss")


def _heure_export(view, context, model, name):
    return format_heure(getattr(model, name), "yyyy-MM-dd HH:mm:ss")


class AuditView(ConsoleModelView):
    can_create = False
    can_edit = False
    can_delete = False
    can_view_details = False


def _circuits() -> list[tuple[str, str]]:
    """The filter's choices: each workflow's stored name and French title."""
    return sorted(((nom, wf.titre) for nom, wf in tous_les_workflows().items()), key=lambda choix: choix[1])


def _decisions() -> list[tuple[str, str]]:
    """Each stored event once, with its French label(s) across the workflows."""
    libelles: dict[str, set[str]] = {}
    for wf in tous_les_workflows().values():
        for (_, evenement), transition in wf.table.items():
            libelles.setdefault(evenement, set()).add(transition.label)
    return sorted(((code, " / ".join(sorted(noms))) for code, noms in libelles.items()), key=lambda choix: choix[1])


def _circuit(view, context, model, name):
    wf = workflow_nomme(model.workflow)
    return wf.titre if wf else model.workflow


#: The stored codes (« transmise », « demander_complement ») in French, as the
#: workflow says them; the export gives the same words as the page.
_FRANCAIS = {
    "date": _heure,
    "acteur": lambda v, c, m, n: m.acteur.email if m.acteur else "système",
    "workflow": _circuit,
    "evenement": lambda v, c, m, n: m.action_libelle,
    "etat_avant": lambda v, c, m, n: m.etat_avant_libelle,
    "etat_apres": lambda v, c, m, n: m.etat_apres_libelle,
}


class DecisionsView(AuditView):
    """Every applied transition: inscriptions, annonces, candidatures, accounts,
    dossiers, interventions, support; codes shown in French (issue 27)."""

    column_list = ("date", "acteur", "workflow", "objet_id", "evenement", "etat_avant", "etat_apres", "commentaire")
    column_labels = {"date": "Date (heure de Paris)", "acteur": "Par", "acteur.email": "Par (adresse e-mail)",
                     "workflow": "Circuit", "objet_id": "N° de l'objet",
                     "evenement": "Décision", "etat_avant": "État avant", "etat_apres": "État après",
                     "commentaire": "Commentaire"}
    column_default_sort = ("date", True)
    column_sortable_list = ("date",)
    column_filters = (
        FilterEqual(TransitionHistorique.workflow, "Circuit", options=_circuits),
        FilterEqual(TransitionHistorique.evenement, "Décision", options=_decisions),
        FilterEqual(TransitionHistorique.objet_id, "N° de l'objet"),
        "acteur.email",
        "date",
    )
    column_formatters = _FRANCAIS
    column_formatters_export = {**_FRANCAIS, "date": _heure_export}


class TentativesView(AuditView):
    """Login attempts, successful or not."""

    column_list = ("cree_le", "identifiant", "succes", "motif", "canal", "adresse_ip")
    column_labels = {"cree_le": "Date (heure de Paris)", "identifiant": "Identifiant saisi", "succes": "Réussie",
                     "motif": "Motif", "canal": "Canal", "adresse_ip": "Adresse IP"}
    column_default_sort = ("cree_le", True)
    column_sortable_list = ("cree_le",)
    column_filters = (
        FilterLike(TentativeConnexion.identifiant, "Identifiant saisi"),
        BooleanEqualFilter(TentativeConnexion.succes, "Réussie"),
        FilterEqual(TentativeConnexion.motif, "Motif"),
        "cree_le",
        "adresse_ip",
    )
    column_formatters = {"cree_le": _heure, "succes": lambda v, c, m, n: "oui" if m.succes else "non"}
    column_formatters_export = {"cree_le": _heure_export, "succes": lambda v, c, m, n: "oui" if m.succes else "non"}


def add_audit_views(admin, database) -> None:
    admin.add_view(DecisionsView(TransitionHistorique, database, name="Décisions", category="Audit",
                                 endpoint="bo_audit_decisions"))
    admin.add_view(TentativesView(TentativeConnexion, database, name="Tentatives de connexion", category="Audit",
                                  endpoint="bo_audit_connexions"))
