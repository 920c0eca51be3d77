"""Forms and detail pages declared once (issue 36 point 2): the generic
macro of templates/widgets/_formulaire.html, the declarations of
app/forms/declaration.py, and the converted templates that no longer list
their fields by hand."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import render_template_string
from wtforms import Form, StringField
from wtforms.validators import DataRequired

from app.forms.declaration import champs_de_saisie
from app.forms.profil import IdentificationForm, ParcoursForm
from app.forms.support import DemandeSupportForm, MessageSupportForm
from app.views.messagerie import MessageForm
from tests.conftest import sign_in

TEMPLATES = Path(__file__).resolve().parents[2] / "app" / "templates"


class _Exemple(Form):
    sujet = StringField("Sujet", validators=[DataRequired("Le sujet est obligatoire.")],
                        description="Quelques mots suffisent.")
    note = StringField("Note")


def _rendu(app, form, appel):
    with app.test_request_context():
        return render_template_string('{% from "widgets/_formulaire.html" import champ, champs %}' + appel, form=form)


def test_the_macro_renders_label_required_mark_hint_and_the_error_next_to_its_field(app):
    form = _Exemple()
    form.validate()
    html = _rendu(app, form, "{{ champ(form.sujet) }}")
    assert '<label class="control-label" for="sujet">Sujet *</label>' in html
    champ = re.search(r"<input [^>]*>", html).group(0)
    assert 'aria-describedby="sujet-aide sujet-erreur"' in champ and 'aria-invalid="true"' in champ
    assert 'name="sujet"' in champ and "required" in champ
    # hint then error, right under the field, in French
    suite = html.split(champ, 1)[1]
    assert re.match(r'\s*<p class="help-block" id="sujet-aide">Quelques mots suffisent.</p>\s*'
                    r'<p class="help-block erreur" id="sujet-erreur">Le sujet est obligatoire.</p>\s*</div>', suite)
    libre = _rendu(app, form, "{{ champ(form.note) }}")
    assert '<label class="control-label" for="note">Note</label>' in libre
    assert "aria-describedby" not in libre and "erreur" not in libre


def test_a_fieldset_may_mark_a_field_required_without_refusing_it_empty(app):
    html = _rendu(app, _Exemple(), "{{ champs(form, ('note', 'sujet'), requis=('note',)) }}")
    assert html.index('for="note">Note *</label>') < html.index('for="sujet">Sujet *</label>')


@pytest.mark.parametrize("form_class", [IdentificationForm, ParcoursForm])
def test_the_fieldsets_place_every_field_of_the_form_once(form_class):
    places = [nom for g in form_class.GROUPES.values() for nom in g.champs] + list(form_class.A_PART)
    assert sorted(places) == sorted(champs_de_saisie(form_class))
    for g in form_class.GROUPES.values():
        assert g.requis <= set(g.champs), g.id


def test_the_support_forms_declare_their_fields_in_order():
    assert DemandeSupportForm.CHAMPS == ("type_demande", "structure", "nom", "prenom", "email", "sujet", "descriptif")
    assert set(MessageSupportForm.CHAMPS) == set(champs_de_saisie(MessageSupportForm))


#: Converted templates, their form, and the fields still written by hand
#: (a search box inside its own widget, hidden fields).
CONVERTIS = [
    ("profil/identification.html", IdentificationForm, set()),
    ("profil/parcours.html", ParcoursForm, set()),
    ("support/formulaire.html", DemandeSupportForm, set()),
    ("support/_reponse.html", MessageSupportForm, set()),
    ("messagerie/ecrire.html", MessageForm, {"destinataire_recherche", "reponse", "transfert", "message"}),
    ("messagerie/candidats.html", MessageForm, set()),
]


@pytest.mark.parametrize(("gabarit", "form_class", "a_la_main"), CONVERTIS, ids=[c[0] for c in CONVERTIS])
def test_converted_templates_no_longer_list_the_fields_by_hand(gabarit, form_class, a_la_main):
    source = (TEMPLATES / gabarit).read_text(encoding="utf-8")
    assert "champ(form." not in source
    saisie = set(champs_de_saisie(form_class))
    rendus = set(re.findall(r"form\.(\w+)\(", source)) & saisie
    assert rendus <= a_la_main, rendus - a_la_main
    assert not {nom for nom in re.findall(r"form\.(\w+)\.label", source)} & (saisie - a_la_main - {"structure"})


def test_the_profile_page_renders_every_declared_field(factory, client):
    user, _ = factory.intervenant("DR-84")
    sign_in(client, user)
    html = client.get("/profil/identification").get_data(as_text=True)
    pro = set(IdentificationForm.GROUPES["coordonnees-pro"].champs)
    for nom in set(champs_de_saisie(IdentificationForm)) - pro:
        assert f'id="{nom}"' in html, nom
    ordre = [html.index(f'id="{g.id}"') for g in IdentificationForm.GROUPES.values() if g.id != "coordonnees-pro"]
    assert ordre == sorted(ordre)
    assert 'for="nom_naissance">Nom de famille (naissance) *</label>' in html
    assert 'for="grade">Grade ou qualité</label>' in html
    parcours = client.get("/profil/parcours").get_data(as_text=True)
    for nom in set(champs_de_saisie(ParcoursForm)) - {"supprimer_cv"}:  # only once a CV is there
        assert f'id="{nom}"' in parcours, nom


def test_a_detail_page_reads_its_rows_from_the_declaration(app):
    from types import SimpleNamespace

    from app.forms.declaration import Ligne, Section

    sections = (
        Section("Identité", (Ligne("Nom", "nom"), Ligne("Né le", lambda o: "1er mai", si="coordonnees"),
                             Ligne("Vide", "vide"))),
        Section("Employeur", (Ligne("Raison sociale", "nom"),), si="employeur"),
    )
    objet = SimpleNamespace(nom="Durand", vide=None)
    with app.test_request_context():
        html = render_template_string('{% from "widgets/_formulaire.html" import fiche %}{{ fiche(o, s, c) }}',
                                      o=objet, s=sections, c={"coordonnees": False, "employeur": True})
    assert "<h3>Identité</h3>" in html and "<h3>Employeur</h3>" in html
    assert "<dt>Nom</dt><dd>Durand</dd>" in html and "<dt>Vide</dt><dd></dd>" in html
    assert "Né le" not in html  # its flag is false


def test_the_dossier_blocks_show_the_statut_pieces_it_asks_for():
    from app.forms.dossier import CHAMPS_BLOC, champs_affiches
    from app.models.dossier import Bloc

    assert champs_affiches(())[Bloc.statut] == ("statut_professionnel_id",)
    attestation = champs_affiches(("ATTESTATION_HONNEUR",))[Bloc.statut]
    assert attestation == ("statut_professionnel_id", "ATTESTATION_HONNEUR", "date_attestation")
    contrat = champs_affiches(("CONTRAT_OU_ATTESTATION_EMPLOYEUR",))[Bloc.statut]
    assert contrat == ("statut_professionnel_id", "CONTRAT_OU_ATTESTATION_EMPLOYEUR", "type_contrat_id",
                       "contrat_debut", "contrat_fin")
    assert champs_affiches(())[Bloc.bancaire] == CHAMPS_BLOC[Bloc.bancaire]
    source = (TEMPLATES / "dossier" / "mon_dossier.html").read_text(encoding="utf-8")
    assert "pieces_statut" not in source and "champ(form[nom]" in source
