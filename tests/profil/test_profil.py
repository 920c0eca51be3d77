"""Profile pages 1 and 2, sub-pages, submission (issue #4)."""

from __future__ import annotations

import re
from io import BytesIO

from sqlalchemy import select
from werkzeug.datastructures import FileStorage
from werkzeug.test import stream_encode_multipart

from app.extensions import db
from app.models.comptes import EtatInscription
from app.models.outbox import OutboxMessage
from app.models.parcours import ExperienceFormateur, FormationInitiale
from app.models.referentiels import (
    Departement,
    NiveauDiplome,
    Pays,
    SousSpecialite,
)
from tests.conftest import csrf_token_from, page_text, sign_in
from tests.outils.profil import _envoyer_cv, _id, identification_data


def test_partial_draft_is_kept_and_form_refilled(factory, client):
    user, profil = factory.intervenant("DR-84")
    sign_in(client, user)
    page = client.get("/profil/identification")
    token = csrf_token_from(page.get_data(as_text=True))
    response = client.post(
        "/profil/identification",
        data={"csrf_token": token, "civilite": "Mme", "nom_naissance": "Durand", "prenom": "Claire",
              "date_naissance": "1980-05-17", "lieu_naissance": "Nîmes", "enregistrer": "Enregistrer"},
    )
    assert response.status_code == 302
    db.session.refresh(profil)
    assert profil.lieu_naissance == "Nîmes"
    assert profil.etat_inscription == EtatInscription.brouillon
    assert 'value="Nîmes"' in page_text(client.get("/profil/identification"))


def test_bad_postal_code_and_siret_refused_next_to_fields(factory, client):
    user, profil = factory.intervenant("DR-84")
    sign_in(client, user)
    data = identification_data(client, code_postal="99999", employeur_siret="12345678901234",
                               lieu_naissance="Orange")
    response = client.post("/profil/identification", data=data)
    text = page_text(response)
    assert response.status_code == 200
    assert "Ce code postal n'existe pas en France" in text
    assert "Le n° de SIRET n'est pas valide" in text
    assert 'value="Orange"' in text  # the form stays filled
    db.session.refresh(profil)
    assert profil.lieu_naissance is None


def test_foreign_postal_code_is_free(factory, client):
    user, profil = factory.intervenant("DR-84")
    sign_in(client, user)
    data = identification_data(client, pays_residence_id=str(_id(Pays, code="BE")), code_postal="B-1000")
    assert client.post("/profil/identification", data=data).status_code == 302
    db.session.refresh(profil)
    assert profil.code_postal == "B-1000"


def test_departements_limited_to_regions(factory, client):
    user, _ = factory.intervenant("DR-84")
    sign_in(client, user)
    hors_zone = db.session.scalar(select(Departement).where(Departement.code == "75"))
    data = identification_data(client, departements=[str(hors_zone.id)])
    response = client.post("/profil/identification", data=data)
    assert response.status_code == 200
    assert "ne sont pas dans les régions choisies" in page_text(response)


def test_next_page_button_goes_to_parcours(factory, client):
    user, _ = factory.intervenant("DR-84")
    sign_in(client, user)
    data = identification_data(client, suivant="Enregistrer et passer à la page suivante")
    del data["enregistrer"]
    response = client.post("/profil/identification", data=data)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/profil/parcours")


def _add_row(client, rubrique, data, files=None):
    page = client.get(f"/profil/parcours/{rubrique}/ajouter")
    assert page.status_code == 200
    payload = {"csrf_token": csrf_token_from(page.get_data(as_text=True)), **data}
    if files:
        payload.update(files)
    return client.post(f"/profil/parcours/{rubrique}/ajouter", data=payload, content_type="multipart/form-data")


def complete_profile(client):
    """Fill every required field of both pages through HTTP."""
    assert client.post("/profil/identification", data=identification_data(client)).status_code == 302
    sous = db.session.scalar(select(SousSpecialite).order_by(SousSpecialite.id).limit(1))
    assert _add_row(client, "specialites", {"sous_specialite_id": str(sous.id), "expertise": "Finances"}).status_code == 302
    niveau = _id(NiveauDiplome)
    response = _add_row(
        client, "formations-initiales",
        {"niveau_diplome_id": str(niveau), "titre": "Master 2 Agronomie", "annee": "1984"},
        {"fichier": (BytesIO(b"%PDF-1.4\n%%EOF\n"), "diplome.pdf")},
    )
    assert response.status_code == 302
    page = client.get("/profil/parcours")
    return csrf_token_from(page.get_data(as_text=True))


def test_transmission_lists_missing_fields_then_succeeds(factory, client, app):
    user, profil = factory.intervenant("DR-84")
    gestionnaire = factory.gestionnaire("DR-84")
    sign_in(client, user)
    page = client.get("/profil/parcours")
    token = csrf_token_from(page.get_data(as_text=True))
    response = client.post("/profil/parcours", data={"csrf_token": token, "transmettre": "x", "deja_forme": "non"})
    text = page_text(response)
    assert response.status_code == 200
    assert "Lieu de naissance (ville)" in text and 'href="/profil/identification#lieu_naissance"' in text
    assert "Votre motivation pour devenir intervenant" in text
    db.session.refresh(profil)
    assert profil.etat_inscription == EtatInscription.brouillon
    assert profil.deja_forme is False  # the draft part was saved

    token = complete_profile(client)
    response = client.post(
        "/profil/parcours",
        data={"csrf_token": token, "transmettre": "x", "deja_forme": "non", "motivation": "Partager."},
    )
    assert response.status_code == 302
    follow = client.get(response.headers["Location"])
    assert "Votre dossier a bien été transmis. Une fois votre demande étudiée, vous recevrez un email de suivi." in page_text(follow)
    db.session.refresh(profil)
    assert profil.etat_inscription == EtatInscription.transmise
    assert profil.texte_parcours and "Finances" in profil.texte_parcours
    sent = db.session.scalars(select(OutboxMessage).where(OutboxMessage.template == "inscription_transmise")).all()
    assert [m.recipients for m in sent] == [gestionnaire.email]

    # locked: no more changes
    locked = client.post("/profil/identification", data=identification_data(client, lieu_naissance="Ailleurs"))
    assert locked.status_code == 302
    db.session.refresh(profil)
    assert profil.lieu_naissance == "Avignon"
    assert client.get("/profil/parcours/langues/ajouter").status_code == 302


def test_rows_editable_and_deletable_with_confirmation(factory, client):
    user, profil = factory.intervenant("DR-84")
    sign_in(client, user)
    assert _add_row(client, "experiences-formateur", {"libelle": "Tableurs", "duree": "2 jours"}).status_code == 302
    row = db.session.scalar(select(ExperienceFormateur).where(ExperienceFormateur.intervenant_id == profil.id))
    page = client.get(f"/profil/parcours/experiences-formateur/{row.id}/modifier")
    assert 'value="Tableurs"' in page_text(page)
    token = csrf_token_from(page.get_data(as_text=True))
    client.post(f"/profil/parcours/experiences-formateur/{row.id}/modifier",
                data={"csrf_token": token, "libelle": "Tableurs avancés"})
    db.session.refresh(row)
    assert row.libelle == "Tableurs avancés"
    confirm = client.get(f"/profil/parcours/experiences-formateur/{row.id}/supprimer")
    assert "Voulez-vous vraiment supprimer" in page_text(confirm)
    assert db.session.get(ExperienceFormateur, row.id) is not None
    token = csrf_token_from(confirm.get_data(as_text=True))
    assert client.post(f"/profil/parcours/experiences-formateur/{row.id}/supprimer",
                       data={"csrf_token": token}).status_code == 302
    db.session.expire_all()
    assert db.session.get(ExperienceFormateur, row.id) is None


def test_required_row_field_error_in_french(factory, client):
    user, _ = factory.intervenant("DR-84")
    sign_in(client, user)
    response = _add_row(client, "experiences-formateur", {"libelle": "", "duree": "3 jours"})
    assert response.status_code == 200
    text = page_text(response)
    assert "Ce champ est obligatoire." in text and 'value="3 jours"' in text


def test_other_intervenant_row_is_404(factory, client):
    _, other = factory.intervenant("DR-84")
    row = ExperienceFormateur(intervenant_id=other.id, libelle="Privé")
    db.session.add(row)
    db.session.commit()
    user, _ = factory.intervenant("DR-84")
    sign_in(client, user)
    assert client.get(f"/profil/parcours/experiences-formateur/{row.id}/modifier").status_code == 404
    assert client.post(f"/profil/parcours/experiences-formateur/{row.id}/supprimer").status_code in (400, 404)


def _upload(client, name, content):
    return _add_row(
        client, "formations-initiales",
        {"niveau_diplome_id": str(_id(NiveauDiplome)), "titre": "Licence"},
        {"fichier": (BytesIO(content), name)},
    )


def test_upload_refusals(factory, client):
    user, profil = factory.intervenant("DR-84")
    sign_in(client, user)
    # Encoded in memory: werkzeug's test client would spool this body to a
    # temporary file it never closes (ResourceWarning).
    page = client.get("/profil/parcours/formations-initiales/ajouter")
    stream, length, boundary = stream_encode_multipart(
        {
            "csrf_token": csrf_token_from(page.get_data(as_text=True)),
            "niveau_diplome_id": str(_id(NiveauDiplome)),
            "titre": "Licence",
            "fichier": FileStorage(BytesIO(b"%PDF-1.4\n" + b"0" * (2 * 1024 * 1024 + 1)), "gros.pdf"),
        },
        use_tempfile=False,
    )
    too_big = client.post(
        "/profil/parcours/formations-initiales/ajouter",
        input_stream=stream,
        content_length=length,
        content_type=f"multipart/form-data; boundary={boundary}",
    )
    assert "taille maximale" in page_text(too_big)
    bad_ext = _upload(client, "script.exe", b"MZ\x90\x00")
    assert "Format de fichier non autorisé" in page_text(bad_ext)
    lying = _upload(client, "faux.pdf", b"<html>pas un pdf</html>")
    assert "ne correspond pas à son extension" in page_text(lying)
    assert not db.session.scalars(select(FormationInitiale).where(FormationInitiale.intervenant_id == profil.id)).all()
    ok = _upload(client, "../../etc/passwd.pdf", b"%PDF-1.4\n%%EOF\n")
    assert ok.status_code == 302
    row = db.session.scalar(select(FormationInitiale).where(FormationInitiale.intervenant_id == profil.id))
    assert row.fichier.original_name == "passwd.pdf"


def test_cv_file_downloadable_by_owner_and_staff_by_need_to_know(factory, client, app):
    from app.workflows.core import Acteur
    from app.workflows.inscription import inscription

    user, profil = factory.intervenant("DR-84")
    sign_in(client, user)
    assert _envoyer_cv(client, b"Mon CV en texte").status_code == 302
    db.session.refresh(profil)
    url = f"/fichiers/{profil.cv_fichier.uuid}"
    assert client.get(url).status_code == 200
    other_user, _ = factory.intervenant("DR-84")
    other = app.test_client()
    sign_in(other, other_user)
    assert other.get(url).status_code == 404
    ici, ailleurs = app.test_client(), app.test_client()
    sign_in(ici, factory.gestionnaire("DR-84"))
    sign_in(ailleurs, factory.gestionnaire("DR-11"))
    assert ici.get(url).status_code == 404  # a draft: the intervenant's alone
    factory.completer(profil)
    inscription.apply(profil, "transmettre", Acteur.from_user(user))
    db.session.commit()
    assert ici.get(url).status_code == 200
    assert ailleurs.get(url).status_code == 404  # not in the CV-thèque, not their structure


def test_replaced_or_removed_cv_is_deleted_from_storage(factory, client):
    from app.infra.storage import get_storage
    from app.models.fichiers import Fichier

    user, profil = factory.intervenant("DR-84")
    sign_in(client, user)
    _envoyer_cv(client, b"Premier CV")
    db.session.refresh(profil)
    premier = profil.cv_fichier
    uuid, chemin = premier.uuid, get_storage().path_of(premier.storage_key)
    assert chemin.exists()
    _envoyer_cv(client, b"Second CV")
    db.session.expire_all()
    assert not chemin.exists()
    assert db.session.scalar(select(Fichier).where(Fichier.uuid == uuid)) is None
    assert client.get(f"/fichiers/{uuid}").status_code == 404
    second = profil.cv_fichier
    chemin = get_storage().path_of(second.storage_key)
    token = csrf_token_from(client.get("/profil/parcours").get_data(as_text=True))
    client.post("/profil/parcours", data={"csrf_token": token, "enregistrer": "x", "supprimer_cv": "y"})
    db.session.expire_all()
    assert profil.cv_fichier is None and not chemin.exists()


def test_employer_search_without_javascript_fills_the_block(factory, client):
    from app.models.referentiels import EmployeurPublic

    employeur = db.session.scalar(
        select(EmployeurPublic).where(EmployeurPublic.actif.is_(True)).order_by(EmployeurPublic.id).limit(1)
    )
    user, profil = factory.intervenant("DR-84")
    sign_in(client, user)
    data = identification_data(client, recherche_employeur=employeur.siret[:9], rechercher="Rechercher",
                               lieu_naissance="Carpentras")
    del data["enregistrer"]
    listed = page_text(client.post("/profil/identification", data=data))
    assert employeur.raison_sociale in listed and 'value="Carpentras"' in listed
    del data["rechercher"]
    chosen = page_text(client.post("/profil/identification", data={**data, "choisir_employeur": employeur.siret}))
    assert f'value="{employeur.siret}"' in chosen and 'value="Carpentras"' in chosen
    db.session.refresh(profil)
    assert profil.employeur_siret is None  # nothing saved before « Enregistrer »


def test_parcours_choices_saved_are_shown_ticked(factory, client):
    """The four multiple choices come back selected (read in one statement)."""
    from app.models.referentiels import MethodePedagogique, NatureFormation, PrestationComplementaire, PublicFormation

    user, profil = factory.intervenant("DR-84")
    sign_in(client, user)
    choisis = {
        champ: db.session.scalars(select(modele.id).order_by(modele.id).limit(2)).all()
        for champ, modele in (("natures", NatureFormation), ("publics", PublicFormation),
                              ("prestations", PrestationComplementaire), ("methodes", MethodePedagogique))
    }
    token = csrf_token_from(client.get("/profil/parcours").get_data(as_text=True))
    data = {"csrf_token": token, "deja_forme": "non", **{k: [str(i) for i in v] for k, v in choisis.items()}}
    assert client.post("/profil/parcours", data=data).status_code == 302
    html = client.get("/profil/parcours").get_data(as_text=True)
    for champ, ids in choisis.items():
        coches = re.findall(rf'name="{champ}" value="(\d+)" checked', html)
        assert sorted(int(i) for i in coches) == sorted(ids), champ


def test_parcours_tables_shown_from_one_statement(factory, client, app):
    """Page 2's seven tables, every value and link as the collections gave
    them (a file, a referential, a missing level), read in one statement."""
    from markupsafe import escape
    from sqlalchemy import event

    from app.models.parcours import (
        ActionProfessionnalisation,
        ExperienceProfessionnelle,
        FormationSuivie,
        LangueIntervenant,
    )
    from app.models.referentiels import Langue, NiveauLangue

    user, profil = factory.intervenant("DR-84")
    sign_in(client, user)
    complete_profile(client)  # a sous-spécialité and a formation initiale with its diploma file
    niveau = db.session.scalar(select(NiveauLangue).order_by(NiveauLangue.id).limit(1))
    langue = db.session.scalar(select(Langue).order_by(Langue.id).limit(1))
    db.session.add_all([
        ExperienceFormateur(intervenant_id=profil.id, libelle="Tableurs", organismes="CNFPT, Lyon"),
        ExperienceFormateur(intervenant_id=profil.id, libelle="Bureautique"),
        ActionProfessionnalisation(intervenant_id=profil.id, libelle="Pédagogie", annee="2019"),
        ExperienceProfessionnelle(intervenant_id=profil.id, employeur="Ville de Lyon", fonction="DGS",
                                  missions="Piloter"),
        FormationSuivie(intervenant_id=profil.id, libelle="Management", organisme="INET"),
        LangueIntervenant(intervenant_id=profil.id, langue_id=langue.id, niveau_animation_id=niveau.id),
    ])
    db.session.commit()
    statements = []
    listener = lambda conn, cursor, statement, *args: statements.append(statement)  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        html = client.get("/profil/parcours").get_data(as_text=True)
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)

    db.session.expire_all()
    profil = db.session.get(type(profil), profil.id)
    diplome = profil.formations_initiales[0]
    sous = profil.specialites_souhaitees[0].sous_specialite
    assert f"<td>{escape(sous.code)} - {escape(sous.libelle)}</td><td>Finances</td>" in html
    assert f"<td>{escape(diplome.niveau_diplome.libelle)}</td><td>Master 2 Agronomie</td><td></td><td>1984</td>" in html
    assert f'<a href="/fichiers/{diplome.fichier.uuid}">diplome.pdf</a> (chargé(e) le ' in html
    assert "<td></td><td>Tableurs</td><td></td><td></td><td></td><td>CNFPT, Lyon</td>" in html
    assert html.index("Tableurs") < html.index("Bureautique")  # the collection's order (by id)
    assert "<td>Pédagogie</td><td></td><td></td><td>2019</td>" in html
    assert "<td>Ville de Lyon</td><td>DGS</td><td></td><td>Piloter</td>" in html
    assert "<td>Management</td><td>INET</td>" in html
    assert f"<td>{escape(langue.libelle)}</td><td></td><td>{escape(niveau.libelle)}</td><td></td>" in html
    for slug, ligne in (("experiences-formateur", profil.experiences_formateur[1]), ("formations-initiales", diplome),
                        ("langues", profil.langues[0])):
        assert f'href="/profil/parcours/{slug}/{ligne.id}/modifier"' in html
    tables = ("specialite_souhaitee", "experience_formateur", "action_professionnalisation",
              "experience_professionnelle", "formation_suivie", "formation_initiale", "langue_intervenant")
    lectures = [s for s in statements if any(re.search(rf"\bFROM {t}\b", s) for t in tables)]
    assert len(lectures) == 1, lectures


def test_link_table_statement_built_once_and_bound_at_execution(factory, app):
    """references_liees: one statement per set of link tables, the owners
    bound when it runs (two owners, each their own rows)."""
    from app.models.base import references_liees
    from app.models.parcours import intervenant_nature, intervenant_public
    from app.models.referentiels import NatureFormation, PublicFormation

    liens = {"natures": intervenant_nature, "publics": intervenant_public}
    assert references_liees(liens) is references_liees(dict(liens))
    nature = db.session.scalar(select(NatureFormation).limit(1))
    public = db.session.scalar(select(PublicFormation).limit(1))
    _, a = factory.intervenant("DR-84")
    _, b = factory.intervenant("DR-84")
    a.natures, b.publics = [nature], [public]
    db.session.commit()
    rows = set(db.session.execute(references_liees(liens), {"proprietaires": [a.id, b.id]}))
    assert rows == {("natures", a.id, nature.id), ("publics", b.id, public.id)}
    assert set(db.session.execute(references_liees(liens), {"proprietaires": [b.id]})) == {("publics", b.id, public.id)}
