"""Base classes shared by the project's FAB views."""

from __future__ import annotations

from flask_appbuilder import ModelView
from flask_appbuilder._compat import as_unicode
from flask_appbuilder.fields import EnumField
from flask_appbuilder.widgets import ListWidget, RenderTemplateWidget, SearchWidget
from flask_babel import get_locale
from flask_wtf.i18n import translations as flask_wtf_traductions

from app import caches
from app.formatting import format_date


class ListeRapide(ListWidget):
    """FAB's list table with each row's links cut from one URL built per page
    (``widgets/liste.html``): same HTML, a fraction of the per-row work."""

    template = "widgets/liste.html"


def _choix(field):
    """What a search field's rendering depends on besides its label: its
    choices (a referential's cached list: a renamed entry gives another key),
    ``...`` for a field reading the database itself (never kept)."""
    if getattr(field, "query_factory", None) is not None or getattr(field, "query", None) is not None:
        return ...
    choices = getattr(field, "choices", None)
    if choices is None:
        return None
    try:  # groups of options (a dict) with their options; anything unhashable is never kept
        if isinstance(choices, dict):
            cle = tuple((groupe, tuple(options)) for groupe, options in choices.items())
        else:
            cle = tuple(choices)
        hash(cle)
    except TypeError:
        return ...
    return cle


class RechercheRapide(SearchWidget):
    """FAB's search widget with its filter templates (one rendered field, a
    label and the translated filter names per column) kept per process: the
    same for every request of a view, they were a seventh of the inscription
    queue's time (issue #6). The active filters are read at each request."""

    _rendus: dict[tuple, tuple[dict, dict, dict]] = {}
    _MAX = 64

    def __call__(self, **kwargs):
        form, colonnes = self.template_args["form"], tuple(self.template_args["include_cols"])
        choix = tuple(_choix(form[c]) for c in colonnes)
        cle = (self.template_args.get("route_base"), colonnes, str(get_locale()), choix)
        rendu = self._rendus.get(cle)
        if rendu is None:
            filtres = self.filters.get_search_filters()
            rendu = (
                {c: as_unicode(form[c].label.text) for c in colonnes},
                {c: form[c]() for c in colonnes},
                {c: [as_unicode(f.name) for f in filtres[c]] for c in colonnes},
            )
            if ... not in choix:
                if len(self._rendus) >= self._MAX:
                    self._rendus.clear()
                self._rendus[cle] = rendu
        kwargs["label_columns"], kwargs["form_fields"], kwargs["search_filters"] = rendu
        kwargs["active_filters"] = self.filters.get_filters_values_tojson()
        return RenderTemplateWidget.__call__(self, **kwargs)


caches.declarer("fab.recherche_rendue", cle="vue, colonnes, langue, choix des listes",
                duree="le processus (RechercheRapide._MAX clés au plus)", vide_par="rien : la clé porte tout",
                vider=RechercheRapide._rendus.clear)


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


class EspaceModelView(ChoixVidesMixin, ModelView):
    """FAB ModelView showing dates the French way (dd/mm/yyyy [hh:mm]).

    FAB renders date columns with ``str()`` (ISO); every date and datetime
    column of the list and show pages gets a formatter unless the view sets
    its own.
    """

    page_size = 20
    list_widget = ListeRapide
    search_widget = RechercheRapide

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        formatters = {}
        for column in {*self.list_columns, *self.show_columns}:
            if "." in column:
                continue
            if self.datamodel.is_datetime(column):
                formatters[column] = lambda v: format_date(v, "%d/%m/%Y %H:%M")
            elif self.datamodel.is_date(column):
                formatters[column] = format_date
        self.formatters_columns = {**formatters, **self.formatters_columns}
