"""Console screens for technical supervision.

The outbox screen is read-only: rows are written by ``app.infra.mail`` only. The one
write is the "Renvoyer" action, which gives failed e-mails a new attempt budget.
"""

from __future__ import annotations

from flask import flash
from flask_admin.actions import action
from flask_admin.contrib.sqla.filters import EnumEqualFilter, EnumFilterInList
from markupsafe import Markup

from app import jobs
from app.extensions import db
from app.infra import mail
from app.infra.formatting import format_heure, heure_de_paris
from app.models import base
from app.models.consultations import Consultation, LecturesSensibles, ObjetConsultation
from app.models.depart import JournalPurge
from app.models.fichiers import AccesFichier
from app.models.outbox import OutboxMessage, OutboxStatus
from app.operations import executer
from app.views.backoffice import ConsoleModelView


def _datetime(view, context, model, name):
    return format_heure(getattr(model, name), "dd/MM/yyyy HH:mm:ss")


def _status(view, context, model, name):
    return model.status.libelle if model.status else ""


def _html_body(view, context, model, name):
    # Shown as escaped source: an e-mail body is never rendered inside the console.
    return Markup("<pre style='white-space:pre-wrap'>{}</pre>").format(model.body_html)


def _text_body(view, context, model, name):
    return Markup("<pre style='white-space:pre-wrap'>{}</pre>").format(model.body_text)


class OutboxView(ConsoleModelView):
    """E-mails of the outbox: where each one is, and why it failed."""

    can_create = False
    can_edit = False
    can_delete = False
    can_export = True
    #: The job queues' health above the list (« indisponible » without Redis).
    list_template = "backoffice/outbox_list.html"
    column_list = ("created_at", "recipients", "subject", "template", "status", "attempts", "next_attempt_at", "sent_at", "last_error")
    column_details_list = (
        "id",
        "created_at",
        "recipients",
        "subject",
        "template",
        "message_id",
        "status",
        "attempts",
        "last_error",
        "next_attempt_at",
        "sent_at",
        "body_text",
        "body_html",
    )
    column_export_list = ("id", "created_at", "recipients", "subject", "template", "status", "attempts", "last_error", "next_attempt_at", "sent_at")
    column_labels = {
        "id": "N°",
        "created_at": "Créé le (heure de Paris)",
        "recipients": "Destinataire(s)",
        "subject": "Objet",
        "template": "Modèle",
        "message_id": "Message-ID",
        "status": "Statut",
        "attempts": "Essais",
        "last_error": "Dernière erreur",
        "next_attempt_at": "Prochain essai (heure de Paris)",
        "sent_at": "Envoyé le (heure de Paris)",
        "body_text": "Texte",
        "body_html": "HTML (source)",
    }
    column_filters = (
        EnumEqualFilter(OutboxMessage.status, "Statut", options=[(s.value, s.libelle) for s in OutboxStatus]),
        EnumFilterInList(OutboxMessage.status, "Statut", options=[(s.value, s.libelle) for s in OutboxStatus]),
        "template",
        "created_at",
        "sent_at",
    )
    column_searchable_list = ("recipients", "subject")
    column_sortable_list = ("created_at", "status", "attempts", "next_attempt_at", "sent_at")
    column_default_sort = ("created_at", True)
    column_formatters = {
        "status": _status,
        "created_at": _datetime,
        "next_attempt_at": _datetime,
        "sent_at": _datetime,
        "body_text": _text_body,
        "body_html": _html_body,
    }
    column_formatters_export = {"status": lambda view, context, model, name: model.status.value}

    def render(self, template, **kwargs):
        if template == self.list_template:
            kwargs["files"] = jobs.etat_des_files()
        return super().render(template, **kwargs)

    @action(
        "renvoyer",
        "Renvoyer",
        "Renvoyer les e-mails en échec sélectionnés ?",
    )
    def action_renvoyer(self, ids):
        count = executer(mail.resend, [int(pk) for pk in ids])
        if count:
            flash(f"{count} e-mail(s) remis en attente d'envoi.", "success")
        else:
            flash("Aucun e-mail en échec parmi la sélection : rien n'a été renvoyé.", "warning")


class JournalView(ConsoleModelView):
    """A journal of reads of personal data (issue 19): read-only, newest first."""

    can_create = False
    can_edit = False
    can_delete = False
    can_view_details = False
    column_default_sort = ("date", True)
    column_sortable_list = ("date",)
    column_formatters = {"date": _datetime, "user": lambda v, c, m, n: m.user.email if m.user else ""}
    column_formatters_export = {"user": lambda v, c, m, n: m.user.email if m.user else ""}


class ConsultationView(JournalView):
    """Who read which CV-thèque profile or exported the CV-thèque."""

    column_list = ("date", "user", "ip", "objet", "intervenant", "detail")
    column_labels = {"date": "Date (heure de Paris)", "user": "Par", "ip": "Adresse IP", "objet": "Lecture",
                     "intervenant": "Intervenant", "detail": "Détail", "user.email": "Par (adresse e-mail)",
                     "intervenant_id": "N° de l'intervenant"}
    column_filters = ("date", "objet", "user.email", "intervenant_id")
    column_searchable_list = ("detail",)
    column_formatters = {**JournalView.column_formatters,
                         "objet": lambda v, c, m, n: ObjetConsultation(m.objet).libelle}


class AccesFichierView(JournalView):
    """Who downloaded which file."""

    column_list = ("date", "user", "ip", "fichier")
    column_labels = {"date": "Date (heure de Paris)", "user": "Par", "ip": "Adresse IP", "fichier": "Fichier",
                     "user.email": "Par (adresse e-mail)", "fichier.original_name": "Nom du fichier"}
    column_filters = ("date", "user.email", "fichier.original_name")


class JournalPurgeView(JournalView):
    """Runs of the purge of personal data (issue 24): when, how many accounts
    and files, rows per table."""

    column_list = ("date", "comptes", "fichiers", "detail")
    column_labels = {"date": "Date (heure de Paris)", "comptes": "Comptes purgés", "fichiers": "Fichiers supprimés",
                     "detail": "Lignes supprimées ou anonymisées par table"}
    column_filters = ("date",)
    column_formatters = {"date": _datetime,
                         "detail": lambda v, c, m, n: Markup("<br>").join(m.detail.splitlines())}


class PlafondLecturesView(ConsoleModelView):
    """Staff accounts that reached their day's budget of sensitive reads
    (``app.operations.dossier.consommer_lecture_sensible``, issue 33): the alert's line."""

    can_create = False
    can_edit = False
    can_delete = False
    can_view_details = False
    column_list = ("jour", "user", "nombre", "refus", "dernier_refus")
    column_labels = {"jour": "Jour", "user": "Compte", "nombre": "Lectures sensibles", "refus": "Lectures refusées",
                     "dernier_refus": "Dernier refus (heure de Paris)", "user.email": "Compte (adresse e-mail)"}
    column_default_sort = ("jour", True)
    column_sortable_list = ("jour", "refus")
    column_filters = ("jour", "user.email")
    column_formatters = {"dernier_refus": _datetime, "user": lambda v, c, m, n: m.user.email if m.user else ""}
    column_formatters_export = {"user": lambda v, c, m, n: m.user.email if m.user else ""}

    def get_query(self):
        return super().get_query().filter(LecturesSensibles.refus > 0)

    def get_count_query(self):
        return super().get_count_query().filter(LecturesSensibles.refus > 0)


def plafonds_atteints_aujourdhui() -> int:
    """The console home's alert line: accounts refused a read today."""
    from sqlalchemy import func, select


    return db.session.scalar(select(func.count()).select_from(LecturesSensibles).where(
        LecturesSensibles.jour == heure_de_paris(base.utcnow()).date(), LecturesSensibles.refus > 0)) or 0


def add_supervision_views(admin, database) -> None:
    admin.add_view(
        OutboxView(OutboxMessage, database, name="Boîte d'envoi des e-mails", category="Supervision",
                   endpoint="bo_outbox")
    )
    admin.add_view(ConsultationView(Consultation, database, name="Consultations de données personnelles",
                                    category="Audit", endpoint="bo_consultation"))
    admin.add_view(AccesFichierView(AccesFichier, database, name="Téléchargements de fichiers",
                                    category="Audit", endpoint="bo_acces_fichier"))
    admin.add_view(PlafondLecturesView(LecturesSensibles, database, name="Plafonds de lectures atteints",
                                       category="Audit", endpoint="bo_lectures_sensibles"))
    admin.add_view(JournalPurgeView(JournalPurge, database, name="Purges des données personnelles",
                                    category="Audit", endpoint="bo_journal_purge"))

