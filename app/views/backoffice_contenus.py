"""Console screens for public content: news (« Informations Espace
Intervenants ») and downloadable public documents (national administrators)."""

from __future__ import annotations

from flask_login import current_user
from flask_wtf.file import FileField
from markupsafe import Markup
from wtforms.validators import ValidationError

from app.infra.uploads import UploadError, UploadPreset, validate_upload
from app.models.contenus import Actualite, DocumentPublic
from app.models.fichiers import effacer, store_upload
from app.views.backoffice import ConsoleModelView

CONTENUS = "Contenus du portail"
#: Public documents and news attachments (never sensitive).
DOCUMENT_PUBLIC = UploadPreset(("pdf", "doc", "docx", "odt", "rtf", "txt", "xls", "xlsx"), 10 * 1024 * 1024)


def _valider_fichier(form, field):
    upload = field.data
    if upload is None or not getattr(upload, "filename", None):
        return
    try:
        validate_upload(upload, allowed_extensions=DOCUMENT_PUBLIC.extensions, max_bytes=DOCUMENT_PUBLIC.max_bytes)
    except UploadError as exc:
        raise ValidationError(str(exc)) from None
    finally:
        upload.stream.seek(0)


def _stocker(field):
    upload = field.data
    if upload is None or not getattr(upload, "filename", None):
        return None
    return store_upload(upload, owner_user_id=None, sensitive=False, preset=DOCUMENT_PUBLIC, uploaded_by_id=current_user.id)


def _nom_fichier(view, context, model, name):
    fichier = getattr(model, name)
    return fichier.original_name if fichier else ""


class ActualiteConsoleView(ConsoleModelView):
    """News: title, summary, body (Markdown, rendered safely), date, document."""

    column_list = ("date_publication", "titre", "resume", "document")
    column_default_sort = ("date_publication", True)
    column_searchable_list = ("titre",)
    column_labels = {
        "titre": "Titre",
        "resume": "Résumé",
        "corps": "Texte de l'article",
        "corps_html": "Aperçu",
        "date_publication": "Date de publication",
        "document": "Document joint",
        "document_upload": "Document joint",
        "created_at": "Créé le",
    }
    column_details_list = ("titre", "date_publication", "resume", "corps_html", "document")
    column_formatters = {
        "document": _nom_fichier,
        "corps_html": lambda view, context, model, name: Markup(model.corps_html),  # noqa: S704 (sanitised by markdown_sur)
    }
    column_descriptions = {
        "corps": "Markdown : paragraphes séparés par une ligne vide, « - » ou « 1. » pour les listes, "
        "« ## » pour un intertitre, **gras**, *italique*, « > » pour une citation, "
        "[texte](https://…) pour les liens (http, https, mailto ou adresse du site). Le HTML n'est pas interprété.",
    }
    form_columns = ("titre", "date_publication", "resume", "corps", "document_upload")
    form_extra_fields = {"document_upload": FileField("Document joint", validators=[_valider_fichier])}
    can_export = False

    def on_model_change(self, form, model, is_created):
        fichier = _stocker(form.document_upload)
        if fichier is not None:
            ancien, model.document = model.document, fichier
            effacer(ancien)  # replaced: removed from storage (issue 19)


class DocumentPublicConsoleView(ConsoleModelView):
    """Documents listed on « Informations Complémentaires » (charte, guide...)."""

    column_list = ("ordre", "titre", "fichier", "actif")
    column_default_sort = ("ordre", False)
    column_labels = {
        "titre": "Titre",
        "description": "Description",
        "fichier": "Fichier",
        "fichier_upload": "Fichier",
        "ordre": "Ordre",
        "actif": "Actif",
        "created_at": "Ajouté le",
    }
    column_formatters = {"fichier": _nom_fichier}
    form_columns = ("titre", "description", "ordre", "actif", "fichier_upload")
    form_extra_fields = {"fichier_upload": FileField("Fichier", validators=[_valider_fichier])}
    can_export = False

    def on_model_change(self, form, model, is_created):
        fichier = _stocker(form.fichier_upload)
        if fichier is not None:
            ancien, model.fichier = model.fichier, fichier
            effacer(ancien)  # replaced: removed from storage (issue 19)
        elif model.fichier is None and model.fichier_id is None:
            raise ValidationError("Joignez le fichier à publier.")


def add_contenus_views(admin, session) -> None:
    admin.add_view(ActualiteConsoleView(Actualite, session, name="Actualités", category=CONTENUS,
                                        endpoint="bo_actualite"))
    admin.add_view(DocumentPublicConsoleView(DocumentPublic, session, name="Documents publics",
                                             category=CONTENUS, endpoint="bo_document_public"))
