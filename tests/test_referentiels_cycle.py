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
