"""Base classes shared by the project's FAB views."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_appbuilder import ModelView, expose, has_access
from flask_appbuilder.exceptions import DatabaseException
from flask_appbuilder.fields import EnumField
from flask_appbuilder.urltools import get_filter_args, get_order_args, get_page_args, get_page_size_args
from flask_wtf.i18n import translations as flask_wtf_traductions
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from app.infra import integrite
from app.infra.formatting import format_date

#: The label of a list's empty choice, in the manual's words (§ « Sélectionner une valeur »).
CHOIX_VIDE = "Sélectionner une valeur"


def libeller_choix_vides(form_class) -> None:
    """Give each optional choice list of a generated form the French label
    of its empty choice: FAB's converter leaves it blank and WTForms then
    shows its value, « __None » (issue 25)."""
    for nom in dir(form_class):
        champ = getattr(form_class, nom, None)
        kwargs = getattr(champ, "kwargs", None)
        if isinstance(kwargs, dict) and kwargs.get("allow_blank") and not kwargs.get("blank_text"):
            kwargs["blank_text"] = CHOIX_VIDE


class EnumFrancais(EnumField):
    """FAB's choice of an enum column labelled as the enum says it
    (``libelle``: « Prévue ») instead of its stored value (« prevue »)."""

    def __init__(self, enum_class, enums, *args, **kwargs):
        super().__init__(enum_class, enums, *args, **kwargs)
        if enum_class is not None:
            self.choices = [(nom, getattr(enum_class[nom], "libelle", libelle)) for nom, libelle in self.choices]


def libeller_enums(form_class) -> None:
    """The enum choices of a generated form (a list's search) in French."""
    for nom in dir(form_class):
        champ = getattr(form_class, nom, None)
        if getattr(champ, "field_class", None) is EnumField:
            champ.field_class = EnumFrancais


#: Messages FAB's fields and validators raise in English, outside WTForms'
#: French catalogue (« Not a valid choice », « Already exists. »).
MESSAGES_FAB = {
    "Not a valid choice": "Choix invalide : sélectionnez une valeur de la liste.",
    "Already exists.": "Cette valeur existe déjà.",
}


class TraductionsFormulaire:
    """WTForms' French catalogue (Flask-WTF), plus FAB's own messages."""

    def gettext(self, message):
        return MESSAGES_FAB.get(message) or flask_wtf_traductions.gettext(message)

    def ngettext(self, singulier, pluriel, n):
        return flask_wtf_traductions.ngettext(singulier, pluriel, n)


_TRADUCTIONS = TraductionsFormulaire()


def traduire_formulaire(form_class) -> None:
    """A generated form's error messages in French, FAB's included."""
    form_class.Meta = type("Meta", (), {"get_translations": lambda self, form: _TRADUCTIONS})


class ChoixVidesMixin:
    """FAB model views whose generated forms speak French: « Sélectionner une
    valeur » for an empty choice, FAB's error messages translated."""

    def _init_forms(self):
        super()._init_forms()
        for form_class in (self.add_form, self.edit_form, getattr(self, "search_form", None)):
            if form_class is not None:
                libeller_choix_vides(form_class)
                libeller_enums(form_class)
                traduire_formulaire(form_class)


def _integrite(exc: Exception) -> IntegrityError | None:
    """The integrity error behind FAB's ``DatabaseException`` (``edit``), if any."""
    while exc is not None and not isinstance(exc, IntegrityError):
        exc = exc.__cause__
    return exc


class ActionChoisieMixin:
    """FAB's bulk actions, sent without an action chosen (or an unknown one):
    FAB failed with a server error (``None.func``); here the list again,
    with what to do."""

    @expose("/action_post", methods=["POST"])
    def action_post(self):
        if request.form.get("action") not in self.actions:
            flash("Choisissez une action dans la liste, puis les lignes concernées.", "warning")
            return redirect(url_for(f"{self.endpoint}.list"))
        return super().action_post()


class EnregistrementFrancaisMixin(ActionChoisieMixin):
    """FAB's add and edit, except when the database refuses the row: FAB
    flashed its raw text (« UNIQUE constraint failed … [SQL: …] ») and left
    the page, losing the input; here the form comes back with what was typed
    and the French message under the field concerned (``app.infra.integrite``)."""

    def _enregistrer(self, form, item, ajout: bool) -> bool | None:
        """True: saved; None: refused before the database (flashed); False:
        refused by the database (message on the form)."""
        self.process_form(form, ajout)
        try:
            form.populate_obj(item)
            (self.pre_add if ajout else self.pre_update)(item)
        except Exception as e:  # noqa: BLE001  FAB's contract: pre_* refuse with a message
            flash(str(e), "danger")
            return None
        try:
            (self.datamodel.add if ajout else self.datamodel.edit)(item)
        except (SQLAlchemyError, DatabaseException) as exc:
            erreur = _integrite(exc)
            if erreur is None:
                flash("L'enregistrement a échoué : réessayez dans un moment.", "danger")
                return None
            integrite.signaler(erreur, form)
            return False
        (self.post_add if ajout else self.post_update)(item)
        flash(self.add_row_message if ajout else self.edit_row_message, "success")
        return True

    def _add(self):
        get_filter_args(self._filters, disallow_if_not_in_search=False)
        exclude_cols = self._filters.get_relation_cols()
        form = self.add_form.refresh()
        if request.method == "POST":
            self._fill_form_exclude_cols(exclude_cols, form)
            if form.validate() and self._enregistrer(form, self.datamodel.obj(), True) is not False:
                return None
        else:
            self.update_redirect()
        return self._get_add_widget(form=form, exclude_cols=exclude_cols)

    def _edit(self, pk):
        if request.method != "POST":
            return super()._edit(pk)
        get_filter_args(self._filters, disallow_if_not_in_search=False)
        exclude_cols = self._filters.get_relation_cols()
        item = self.datamodel.get(pk, self._base_filters)
        if not item:
            abort(404)
        pk = self.datamodel.get_pk_value(item)
        form = self.edit_form.refresh(request.form)
        self._fill_form_exclude_cols(exclude_cols, form)
        form._id = pk  # FAB's trick to pass its unique validator
        if form.validate() and self._enregistrer(form, item, False) is not False:
            return None
        widgets = self._get_edit_widget(form=form, exclude_cols=exclude_cols)
        return self._get_related_views_widgets(item, filters={}, orders=get_order_args(), pages=get_page_args(),
                                               page_sizes=get_page_size_args(), widgets=widgets)

    def _delete(self, pk):
        item = self.datamodel.get(pk, self._base_filters)
        if not item:
            abort(404)
        try:
            self.pre_delete(item)
        except Exception as e:  # noqa: BLE001  FAB's contract: pre_delete refuses with a message
            flash(str(e), "danger")
            return
        try:
            self.datamodel.delete(item)
        except (SQLAlchemyError, DatabaseException) as exc:
            flash("Suppression impossible : cet enregistrement est encore utilisé." if _integrite(exc) is not None
                  else "La suppression a échoué : réessayez dans un moment.", "danger")
        else:
            self.post_delete(item)
            flash(self.delete_row_message, "success")
        self.update_redirect()


class ListeDeclareeMixin:
    """A FAB model view whose list page is a declared list (``liste``, an
    ``app.views.liste.Liste`` naming this view as its ``vue``): criteria,
    sorts, page sizes, row links and bulk actions from the declaration, drawn
    by ``listes/page.html``; FAB keeps the show, add and edit pages and the
    actions' ``action_post`` (which checks the scope again). FAB's generated
    list cost some 24,000 Python calls a page (BENCHMARKS.md Round 9).

    ``textes_liste``: the texts of the ``liste`` macro (``total`` with
    ``{n}``, ``aucun``, ``aucun_critere``, ``pages``, ``libelle_total``) and
    ``recherche``, the search form's name."""

    liste = None
    textes_liste: dict = {}
    list_template = "listes/page.html"

    @expose("/list/")
    @has_access
    def list(self):
        self.update_redirect()  # FAB's history: add, edit and actions come back here
        ajout = None
        if "can_add" in self.base_permissions and self.appbuilder.sm.has_access("can_add", self.class_permission_name):
            ajout = url_for(f"{self.endpoint}.add")
        return self.render_template(self.list_template, title=self.list_title, p=self.liste.page(),
                                    textes=self.textes_liste, lien_ajout=ajout,
                                    libelle_ajout=getattr(self, "add_title", None))


class EspaceModelView(EnregistrementFrancaisMixin, ChoixVidesMixin, ModelView):
    """FAB ModelView showing dates the French way (dd/mm/yyyy [hh:mm]).

    FAB renders date columns with ``str()`` (ISO); every date and datetime
    column of the list and show pages gets a formatter unless the view sets
    its own.
    """

    page_size = 20

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        formatters = {}
        for column in {*self.list_columns, *self.show_columns}:
            if "." in column:
                continue
            if self.datamodel.is_datetime(column):
                formatters[column] = lambda v: format_date(v, "dd/MM/yyyy HH:mm")
            elif self.datamodel.is_date(column):
                formatters[column] = format_date
        self.formatters_columns = {**formatters, **self.formatters_columns}
