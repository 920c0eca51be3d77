"""Referential option lists cached per process, and the fast <select> widget."""

from __future__ import annotations

import pytest
from markupsafe import Markup
from sqlalchemy import select
from wtforms import Form

from app.extensions import db
from app.forms.champs import SelectField, SelectMultipleField
from app.models.referentiels import Specialite
from app.referentiels.options import options
from tests.outils.annonces import count_queries


def _statements(fn) -> int:
    with count_queries() as seen:
        fn()
    return len(seen)


def test_lists_are_read_once_then_dropped_when_a_referential_changes(app):
    first = options(Specialite, actifs=True)
    assert first and _statements(lambda: options(Specialite, actifs=True)) == 0
    spe = db.session.get(Specialite, first[0][0])
    spe.libelle = "AAA Spécialité renommée"
    db.session.commit()
    assert options(Specialite, actifs=True)[0] == (spe.id, "AAA Spécialité renommée")


def test_linking_a_referential_to_a_row_keeps_the_lists(app, factory):
    _, profil = factory.intervenant("DR-84")
    options(Specialite)
    profil.specialites.append(db.session.scalars(select(Specialite).limit(1)).first())
    db.session.commit()
    assert _statements(lambda: options(Specialite)) == 0


def test_no_cache_when_the_delay_is_zero(app, monkeypatch):
    monkeypatch.setitem(app.config, "CACHE_REFERENTIELS_SECONDES", 0)
    options(Specialite)
    assert _statements(lambda: options(Specialite)) == 1


def test_select_widget_marks_the_chosen_values_and_escapes_labels(app):
    class F(Form):
        un = SelectField(choices=[("", "Tous"), ("1", "A & B"), ("2", "<b>")])
        plusieurs = SelectMultipleField(choices=[(1, "x"), (2, "y"), (3, "z")], coerce=int)

    form = F(data={"un": "1", "plusieurs": [1, 3]})
    html = str(form.un(class_="form-control"))
    assert html.startswith('<select class="form-control" id="un" name="un">')
    assert '<option selected value="1">A &amp; B</option>' in html and "&lt;b&gt;" in html
    assert '<option value="">Tous</option>' in html
    multi = str(form.plusieurs())
    assert 'multiple' in multi and '<option selected value="1">' in multi and '<option value="2">' in multi
    assert '<option selected value="3">' in multi


def test_select_options_kept_per_choices_without_their_selection(app):
    """The rendered options are kept per list of choices (app.forms.champs):
    the next rendering selects its own value only, and changed choices (a
    renamed referential) are rendered anew."""
    choix = [("", "Tous"), ("1", "Un"), ("2", "Deux")]

    class F(Form):
        un = SelectField(choices=choix)

    premier = str(F(data={"un": "1"}).un())
    second = str(F(data={"un": "2"}).un())
    assert '<option selected value="1">Un</option>' in premier and '<option value="2">Deux</option>' in premier
    assert '<option value="1">Un</option>' in second and '<option selected value="2">Deux</option>' in second
    choix[2] = ("2", "Deux (renommé)")
    assert '<option selected value="2">Deux (renommé)</option>' in str(F(data={"un": "2"}).un())


def test_select_validation_matches_wtforms(app):
    """The fast choice check gives WTForms' answers (valid, coerced, refused
    with the same message)."""
    from werkzeug.datastructures import MultiDict
    from wtforms import SelectField as WtformsSelectField

    from app.forms.profil import optional_int

    def formulaire(champ):
        class F(Form):
            choix = champ("Choix", coerce=optional_int,
                          choices=[("", "Tous"), ("3", "Trois"), ("12", "Douze")])
        return F

    resultats = {}
    for valeur in ("", "3", "12", "4", "abc"):
        reponses = []
        for champ in (SelectField, WtformsSelectField):
            form = formulaire(champ)(MultiDict({"choix": valeur}))
            reponses.append((form.validate(), form.choix.data, form.choix.errors))
        assert reponses[0] == reponses[1], valeur
        resultats[valeur] = reponses[0]
    assert resultats["12"] == (True, 12, []) and resultats[""] == (True, None, [])
    assert resultats["4"] == (False, 4, ["Not a valid choice."])


@pytest.mark.parametrize("attributs", [
    {"name": "specialite", "id": "specialite"},
    {"name": "q", "class_": "form-control", "required": True, "multiple": False},
    {"data_placeholder": 'Choisir "une" valeur', "aria_label": "Région <&>", "title": Markup('déjà "sûr"')},
    {"name": "x", "value": None, "tabindex": 3, "for_": "a'b"},
])
def test_select_attributes_same_as_wtforms(attributs):
    """The select tag's attributes are written as WTForms writes them."""
    from wtforms.widgets import html_params as wtforms_html_params

    from app.forms.champs import html_params

    assert html_params(**attributs) == str(wtforms_html_params(**attributs))
