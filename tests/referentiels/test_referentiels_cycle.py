"""Referentials in the console (issue 27): a deactivated entry and its
children leave every choice list while the rows that use them keep showing
them; an unused entry can be deleted, a used one is refused in French."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models.parcours import SpecialiteSouhaitee
from app.models.referentiels import NatureFormation, SousSpecialite, Specialite
from app.referentiels.options import options
from tests.conftest import csrf_token_from, page_text


def _specialite_avec_enfants():
    return db.session.scalar(select(Specialite).join(SousSpecialite).where(Specialite.actif.is_(True)).limit(1))


def _desactiver(client, specialite):
    page = client.get(f"/backoffice/bo_specialite/edit/?id={specialite.id}").get_data(as_text=True)
    reponse = client.post(f"/backoffice/bo_specialite/edit/?id={specialite.id}", data={
        "csrf_token": csrf_token_from(page), "libelle": specialite.libelle, "source": specialite.source or "",
        "ordre": str(specialite.ordre or 0)})  # « actif » unchecked
    assert reponse.status_code == 302
    db.session.expire_all()
    assert db.session.get(Specialite, specialite.id).actif is False


def test_deactivating_a_specialite_hides_its_sous_specialites_everywhere(app, login_as, factory):
    specialite = _specialite_avec_enfants()
    enfant = db.session.scalar(select(SousSpecialite).where(SousSpecialite.specialite_id == specialite.id).limit(1))
    user, profil = factory.intervenant("DR-84")
    profil.specialites_souhaitees.append(SpecialiteSouhaitee(sous_specialite=enfant, expertise="Ancienne"))
    db.session.commit()
    intervenant = app.test_client()
    from tests.conftest import sign_in

    sign_in(intervenant, user)
    assert f'value="{enfant.id}"' in intervenant.get("/profil/parcours/specialites/ajouter").get_data(as_text=True)

    _desactiver(login_as("admin_national"), specialite)

    assert enfant.id not in {i for i, _ in options(SousSpecialite, actifs=True)}
    assert specialite.id not in {i for i, _ in options(Specialite, actifs=True)}
    recherche = app.test_client().get("/annonces/").get_data(as_text=True)
    assert f'value="{enfant.id}"' not in recherche.split('name="sous_specialite"', 1)[1].split("</select>", 1)[0]
    ajout = intervenant.get("/profil/parcours/specialites/ajouter").get_data(as_text=True)
    assert f'value="{enfant.id}"' not in ajout
    # The row that uses it keeps showing it.
    assert enfant.libelle in page_text(intervenant.get("/profil/parcours"))


def test_an_unused_entry_is_deleted(login_as):
    client = login_as("admin_national")
    nature = NatureFormation(code="ESSAI-27", libelle="Essai à supprimer", ordre=99, actif=True)
    db.session.add(nature)
    db.session.commit()
    token = csrf_token_from(client.get("/backoffice/bo_nature_formation/new/").get_data(as_text=True))
    reponse = client.post("/backoffice/bo_nature_formation/delete/", data={"csrf_token": token, "id": str(nature.id)},
                          follow_redirects=True)
    assert reponse.status_code == 200
    db.session.expire_all()
    assert db.session.get(NatureFormation, nature.id) is None


def test_a_used_entry_is_refused_with_its_reason(login_as):
    client = login_as("admin_national")
    specialite = _specialite_avec_enfants()
    token = csrf_token_from(client.get("/backoffice/bo_specialite/new/").get_data(as_text=True))
    reponse = client.post("/backoffice/bo_specialite/delete/", data={"csrf_token": token, "id": str(specialite.id)},
                          follow_redirects=True)
    texte = page_text(reponse)
    assert "Suppression impossible" in texte and "sous_specialite" in texte and "Désactivez-le plutôt" in texte
    db.session.expire_all()
    assert db.session.get(Specialite, specialite.id) is not None


# -- issue 27 point 5: not offered any more, still held, still saved ------------------
def _desactiver_ref(*entrees):
    for entree in entrees:
        entree.actif = False
    db.session.commit()  # empties this process's option lists


def _options_de(html: str, nom: str) -> set[str]:
    """The values offered by the select named ``nom``."""
    import re

    bloc = html.split(f'name="{nom}"', 1)[1].split("</select>", 1)[0]
    return set(re.findall(r'value="([^"]*)"', bloc))


def test_annonce_form_offers_active_entries_and_edit_keeps_held_ones(login_as):
    from datetime import timedelta

    from app.models.annonces import Annonce
    from app.models.referentiels import Region
    from app.views.annonces import aujourdhui
    from tests.outils.annonces import creer_annonce, form_annonce, ref

    annonce = creer_annonce(specialites=("A1",), sous_specialites=("A1A",), regions=("84",))
    nature = db.session.scalar(select(NatureFormation).where(NatureFormation.actif.is_(True)).limit(1))
    annonce.nature_formation_id = nature.id
    annonce.date_debut = aujourdhui() + timedelta(days=60)
    db.session.commit()
    a1a, region = ref(SousSpecialite, "A1A"), ref(Region, "84")
    _desactiver_ref(a1a, region, nature)
    client = login_as("gestionnaire", "DR-84")

    ajout = client.get("/gestion/annonces/add").get_data(as_text=True)
    assert str(a1a.id) not in _options_de(ajout, "sous_specialites")
    assert str(region.id) not in _options_de(ajout, "regions")
    assert str(nature.id) not in _options_de(ajout, "nature_formation")
    assert str(ref(SousSpecialite, "A1B").id) in _options_de(ajout, "sous_specialites")
    # A new annonce cannot pick them.
    token = csrf_token_from(ajout)
    refus = client.post("/gestion/annonces/add", data=form_annonce(
        token, intitule="Essai valeur retirée", sous_specialites=[str(a1a.id)], departements=[]))
    assert refus.status_code == 200
    assert "Choix invalide : cette valeur n'est plus proposée." in page_text(refus)
    assert db.session.scalar(select(Annonce.id).where(Annonce.intitule == "Essai valeur retirée")) is None

    # The annonce that holds them shows them and saves as it is.
    page = client.get(f"/gestion/annonces/edit/{annonce.id}").get_data(as_text=True)
    assert str(a1a.id) in _options_de(page, "sous_specialites")
    assert str(region.id) in _options_de(page, "regions")
    reponse = client.post(f"/gestion/annonces/edit/{annonce.id}", data=form_annonce(
        csrf_token_from(page), intitule="Annonce modifiée", sous_specialites=[str(a1a.id)],
        regions=[str(region.id)], departements=[], nature_formation=str(nature.id),
        date_debut=annonce.date_debut.isoformat(), date_fin=annonce.date_debut.isoformat()))
    assert reponse.status_code == 302, page_text(reponse)[:3000]
    db.session.expire_all()
    annonce = db.session.get(Annonce, annonce.id)
    assert annonce.intitule == "Annonce modifiée"
    assert [s.code for s in annonce.sous_specialites] == ["A1A"] and [r.code for r in annonce.regions] == ["84"]
    assert annonce.nature_formation_id == nature.id


def test_cvtheque_and_queue_filters_offer_active_entries_only(login_as):
    specialite = _specialite_avec_enfants()
    enfant = db.session.scalar(select(SousSpecialite).where(SousSpecialite.specialite_id == specialite.id).limit(1))
    _desactiver_ref(specialite)
    client = login_as("gestionnaire", "DR-84")
    cvtheque = client.get("/cvtheque/").get_data(as_text=True)
    assert str(specialite.id) not in _options_de(cvtheque, "specialite")
    assert str(enfant.id) not in _options_de(cvtheque, "sous_specialite")  # its parent is deactivated
    file = client.get("/gestion/demandes-inscription/list/").get_data(as_text=True)
    assert str(specialite.id) not in _options_de(file, "specialite")
    # A saved search naming it still works (shown, not offered anew).
    assert client.get(f"/cvtheque/?specialite={specialite.id}").status_code == 200
    file = client.get(f"/gestion/demandes-inscription/list/?specialite={specialite.id}").get_data(as_text=True)
    assert "Choix invalide." not in file


def test_profile_rows_holding_a_deactivated_entry_still_save(app, factory):
    from app.models.parcours import intervenant_nature
    from tests.conftest import sign_in

    specialite = _specialite_avec_enfants()
    enfant = db.session.scalar(select(SousSpecialite).where(SousSpecialite.specialite_id == specialite.id).limit(1))
    user, profil = factory.intervenant("DR-84")
    ligne = SpecialiteSouhaitee(sous_specialite=enfant, expertise="Ancienne")
    profil.specialites_souhaitees.append(ligne)
    nature = db.session.scalar(select(NatureFormation).where(NatureFormation.actif.is_(True)).limit(1))
    db.session.execute(intervenant_nature.insert().values(intervenant_id=profil.id, nature_formation_id=nature.id))
    db.session.commit()
    _desactiver_ref(specialite, nature)
    client = app.test_client()
    sign_in(client, user)

    page = client.get(f"/profil/parcours/specialites/{ligne.id}/modifier").get_data(as_text=True)
    assert f'<option selected value="{enfant.id}">' in page and "(valeur retirée)" in page
    reponse = client.post(f"/profil/parcours/specialites/{ligne.id}/modifier", data={
        "csrf_token": csrf_token_from(page), "sous_specialite_id": str(enfant.id), "expertise": "Mise à jour"})
    assert reponse.status_code == 302, page_text(reponse)[:2000]
    db.session.expire_all()
    assert db.session.get(SpecialiteSouhaitee, ligne.id).expertise == "Mise à jour"
    # Not offered for a new row.
    assert f'value="{enfant.id}"' not in client.get("/profil/parcours/specialites/ajouter").get_data(as_text=True)

    # Page 2 with the deactivated nature still ticked saves as it is.
    page = client.get("/profil/parcours").get_data(as_text=True)
    assert f'value="{nature.id}" checked' in page
    reponse = client.post("/profil/parcours", data={
        "csrf_token": csrf_token_from(page), "natures": [str(nature.id)], "deja_forme": "oui", "enregistrer": "1"})
    assert reponse.status_code == 302, page_text(reponse)[:2000]
    assert db.session.execute(select(intervenant_nature).where(
        intervenant_nature.c.intervenant_id == profil.id)).all() != []
