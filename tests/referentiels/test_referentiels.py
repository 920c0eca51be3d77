"""Referentials: bundled load, operator import, CLI and public look-ups."""

from __future__ import annotations

import csv
import shutil

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models.referentiels import (
    CodePostal,
    Departement,
    EmployeurPublic,
    NatureFormation,
    Pays,
    PieceStatut,
    Region,
    SousSpecialite,
    Specialite,
    StatutProfessionnel,
    Structure,
)
from app.referentiels.loader import DATA_DIR, REFERENTIELS, ReferentielError, load_all, load_referentiel
from app.referentiels.lookups import communes_for_postal_code, search_employeurs


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _csv_rows(name: str) -> list[dict[str, str]]:
    with open(DATA_DIR / f"{name}.csv", encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _write(path, text: str):
    path.write_text(text, encoding="utf-8")
    return path


def _by_code(model, code):
    return db.session.scalar(select(model).where(model.code == code))


# --- bundled load -------------------------------------------------------------


def test_every_bundled_csv_has_a_referential():
    bundled = {p.stem for p in DATA_DIR.glob("*.csv")}
    assert bundled == set(REFERENTIELS)


@pytest.mark.parametrize("name", [n for n in REFERENTIELS if n != "specialites"])
def test_counts_match_csv_rows(name):
    assert _count(REFERENTIELS[name].model) == len(_csv_rows(name))


def test_specialites_split_into_two_tables():
    rows = _csv_rows("specialites")
    assert _count(Specialite) == sum(r["niveau"] == "specialite" for r in rows)
    assert _count(SousSpecialite) == sum(r["niveau"] == "sous_specialite" for r in rows)


def test_postal_codes_are_fully_loaded():
    assert _count(CodePostal) == 39192


def test_codes_keep_leading_zeros():
    assert _by_code(Region, "01").nom == "Guadeloupe"
    assert _by_code(Departement, "2A").nom == "Corse-du-Sud"
    assert _by_code(Pays, "AD").code_num == "020"
    ligne = db.session.scalar(select(CodePostal).where(CodePostal.code_insee == "01001"))
    assert ligne.code_postal == "01400"


def test_load_twice_changes_nothing():
    before = {name: _count(ref.model) for name, ref in REFERENTIELS.items()}
    bilans = load_all()
    assert all(b.creees == 0 and b.modifiees == 0 for b in bilans), [str(b) for b in bilans if b.creees or b.modifiees]
    assert {name: _count(ref.model) for name, ref in REFERENTIELS.items()} == before


def test_reload_updates_a_changed_libelle_and_keeps_retired_values(tmp_path):
    data = tmp_path / "refdata"
    shutil.copytree(DATA_DIR, data)
    path = data / "natures_formation.csv"
    path.write_text(
        path.read_text(encoding="utf-8").replace("Formation continue", "Formation continue des agents"),
        encoding="utf-8",
    )
    retired = _by_code(NatureFormation, "CONCOURS")
    retired.actif = False
    db.session.commit()
    count = _count(NatureFormation)

    bilans = {b.table: b for b in load_all(data)}

    assert bilans["nature_formation"].modifiees == 1
    assert bilans["nature_formation"].creees == 0
    assert _count(NatureFormation) == count
    assert _by_code(NatureFormation, "CONTINUE").libelle == "Formation continue des agents"
    assert _by_code(NatureFormation, "CONCOURS").actif is False


def test_simple_lists_keep_file_order_and_label():
    continue_, concours = _by_code(NatureFormation, "CONTINUE"), _by_code(NatureFormation, "CONCOURS")
    assert continue_.ordre < concours.ordre
    assert str(concours) == "Préparation aux concours ou examens"
    assert continue_.actif is True


# --- relationships ------------------------------------------------------------


def test_sous_specialites_belong_to_their_specialite():
    rows = {r["code"]: r for r in _csv_rows("specialites")}
    for sous in db.session.scalars(select(SousSpecialite)):
        assert sous.specialite.code == rows[sous.code]["code_specialite"]
    management = _by_code(Specialite, "A1")
    assert [s.code for s in management.sous_specialites] == ["A1A", "A1B"]


def test_departements_belong_to_their_region():
    assert _by_code(Departement, "75").region.code == "11"
    assert _by_code(Departement, "2B").region.nom == "Corse"
    assert _by_code(Departement, "976").region.code == "06"
    for region in db.session.scalars(select(Region)):
        assert region.departements, region.nom


def test_structures_cover_regions_and_national_ones_none():
    assert [r.code for r in _by_code(Structure, "DR-84").regions] == ["84"]
    assert {r.code for r in _by_code(Structure, "EC-AG").regions} == {"01", "02", "03"}
    for code in ("INET", "INSET-NANCY", "SIEGE"):
        structure = _by_code(Structure, code)
        assert structure.nationale is True
        assert structure.regions == []
    delegations = db.session.scalars(select(Structure).where(Structure.type == "delegation_regionale")).all()
    assert sorted(r.code for s in delegations for r in s.regions) == sorted(
        r.code for r in db.session.scalars(select(Region))
    )


def test_statuts_list_their_required_pieces():
    non_titulaire = _by_code(StatutProfessionnel, "NON_TITULAIRE")
    assert {p.code for p in non_titulaire.pieces_requises} == {
        "CONTRAT_OU_ATTESTATION_EMPLOYEUR",
        "ATTESTATION_HONNEUR",
        "ARRETE_SITUATION",
    }
    assert non_titulaire.type_employeur == "PUBLIC"
    sans = _by_code(StatutProfessionnel, "SANS")
    assert sans.type_employeur is None
    assert [p.code for p in sans.pieces_requises] == ["TITRE_PENSION"]
    assert _count(PieceStatut) == 4


def test_employers_are_keyed_by_siret():
    cannes = db.session.scalar(select(EmployeurPublic).where(EmployeurPublic.siret == "21060029200010"))
    assert cannes.raison_sociale == "COMMUNE DE CANNES"
    assert cannes.code_postal == "06150"
    assert str(cannes) == "COMMUNE DE CANNES"


# --- operator import ------------------------------------------------------------

DEPARTEMENTS_HEADER = "code,nom,code_region,nom_region,chef_lieu_commune\n"


def test_import_good_file_updates_and_creates(tmp_path):
    path = _write(
        tmp_path / "depts.csv",
        DEPARTEMENTS_HEADER + "01,Ain (officiel),84,Auvergne-Rhône-Alpes,01053\n"
        "977,Saint-Barthélemy,01,Guadeloupe,97701\n",
    )
    (bilan,) = load_referentiel("departements", path)
    assert (bilan.table, bilan.lignes, bilan.creees, bilan.modifiees) == ("departement", 2, 1, 1)
    assert _by_code(Departement, "01").nom == "Ain (officiel)"
    assert _by_code(Departement, "977").region.code == "01"
    assert _by_code(Departement, "02").nom == "Aisne"  # absent from the file: kept


def test_import_accepts_bom_and_semicolons(tmp_path):
    path = tmp_path / "natures.csv"
    path.write_bytes("code;libelle\nCONTINUE;Formation continue (officiel)\n".encode("utf-8-sig"))
    load_referentiel("natures_formation", path)
    assert _by_code(NatureFormation, "CONTINUE").libelle == "Formation continue (officiel)"


def test_import_wrong_header_is_refused(tmp_path):
    path = _write(tmp_path / "depts.csv", "code,nom,region\n01,Ain,84\n")
    with pytest.raises(ReferentielError) as error:
        load_referentiel("departements", path)
    message = str(error.value)
    assert "en-tête incorrect" in message
    assert "colonnes manquantes : code_region, nom_region, chef_lieu_commune" in message
    assert "colonnes inattendues : region" in message
    assert _by_code(Departement, "01").nom == "Ain"


def test_import_unknown_parent_names_the_line_and_loads_nothing(tmp_path):
    path = _write(
        tmp_path / "depts.csv",
        DEPARTEMENTS_HEADER + "01,Ain modifié,84,,01053\n02,Aisne,32,,02408\n03,Allier,99,,03190\n",
    )
    with pytest.raises(ReferentielError) as error:
        load_referentiel("departements", path)
    assert error.value.errors == ["ligne 4 : code région « 99 » inconnu"]
    assert "depts.csv" in str(error.value)
    assert _by_code(Departement, "01").nom == "Ain"


def test_import_unknown_specialite_of_a_sous_specialite(tmp_path):
    path = _write(
        tmp_path / "specialites.csv",
        "code,libelle,code_specialite,niveau,source\n"
        "ZZ,Nouvelle spécialité,,specialite,officiel\n"
        "ZZ1,Sous-spécialité rattachée,ZZ,sous_specialite,officiel\n"
        "A1C,Sous-spécialité existante,A1,sous_specialite,officiel\n"
        "QQ1,Orpheline,QQ,sous_specialite,officiel\n",
    )
    with pytest.raises(ReferentielError) as error:
        load_referentiel("specialites", path)
    assert error.value.errors == ["ligne 5 : code spécialité « QQ » inconnu"]
    assert _by_code(Specialite, "ZZ") is None

    path.write_text(path.read_text(encoding="utf-8").rsplit("QQ1", 1)[0], encoding="utf-8")
    load_referentiel("specialites", path)
    assert _by_code(SousSpecialite, "ZZ1").specialite.code == "ZZ"
    assert _by_code(SousSpecialite, "A1C").specialite.code == "A1"


def test_import_empty_required_value_and_every_bad_line_are_reported(tmp_path):
    path = _write(
        tmp_path / "natures.csv",
        "code,libelle\nNOUVELLE,Nouvelle nature\nSANS_LIBELLE,\n,Sans code\nNOUVELLE,Doublon\n",
    )
    with pytest.raises(ReferentielError) as error:
        load_referentiel("natures_formation", path)
    assert error.value.errors == [
        "ligne 3 : valeur obligatoire manquante pour « libelle »",
        "ligne 4 : valeur obligatoire manquante pour « code »",
        "ligne 5 : code « NOUVELLE » en double (déjà ligne 2)",
    ]
    assert _by_code(NatureFormation, "NOUVELLE") is None


def test_import_checks_formats(tmp_path):
    header = "code_commune_insee,nom_commune,code_postal,libelle_acheminement,ligne_5\n"
    path = _write(tmp_path / "cp.csv", header + "75104,PARIS 04,7500A,PARIS,\n")
    with pytest.raises(ReferentielError, match="ligne 2 : « 7500A » : « code_postal » doit comporter 5 chiffres"):
        load_referentiel("postal_codes", path)
    path = _write(tmp_path / "regions.csv", "code,nom,chef_lieu_commune,outre_mer\n01,Guadeloupe,97105,peut-être\n")
    with pytest.raises(
        ReferentielError, match="ligne 2 : « peut-être » n'est pas une valeur valide pour « outre_mer »"
    ):
        load_referentiel("regions", path)
    path = _write(tmp_path / "regions2.csv", "code,nom,chef_lieu_commune,outre_mer\n01,Guadeloupe,97105\n")
    with pytest.raises(ReferentielError, match="ligne 2 : 3 valeurs au lieu de 4"):
        load_referentiel("regions", path)


def test_import_refuses_values_the_code_does_not_know(tmp_path):
    path = _write(
        tmp_path / "support.csv",
        "code,libelle,destinataire,source\nCONNEXION,Problème de connexion,STRUCTURE,manuel\nX,Autre,REGION,\n",
    )
    with pytest.raises(ReferentielError) as error:
        load_referentiel("types_demande_support", path)
    assert error.value.errors == [
        "ligne 3 : « REGION » n'est pas une valeur admise pour « destinataire » (STRUCTURE, NATIONAL)"
    ]


def test_import_accepts_reordered_columns(tmp_path):
    path = _write(tmp_path / "natures.csv", "libelle,code\nFormation continue (réordonnée),CONTINUE\n")
    load_referentiel("natures_formation", path)
    assert _by_code(NatureFormation, "CONTINUE").libelle == "Formation continue (réordonnée)"


def test_import_structure_with_unknown_region_or_piece(tmp_path):
    path = _write(
        tmp_path / "structures.csv",
        "type,code,nom,regions_couvertes,messagerie_active\n"
        "delegation_regionale,DR-84,Délégation régionale Auvergne-Rhône-Alpes,84,1\n"
        "espace_cooperation,EC-X,Espace fictif,84|99,1\n",
    )
    with pytest.raises(ReferentielError, match="ligne 3 : code région « 99 » inconnu"):
        load_referentiel("cnfpt_structures", path)
    path = _write(
        tmp_path / "statuts.csv",
        "code,libelle,type_employeur,pieces_requises\nSANS,Sans activité,,TITRE_PENSION|INCONNUE\n",
    )
    with pytest.raises(ReferentielError, match="ligne 2 : code pièce « INCONNUE » inconnu"):
        load_referentiel("statut_professionnel", path)


def test_import_updates_structure_regions(tmp_path):
    path = _write(
        tmp_path / "structures.csv",
        "type,code,nom,regions_couvertes,messagerie_active\n"
        "espace_cooperation,EC-HDFN,Espace de coopération Nord,32|28|11,0\n",
    )
    load_referentiel("cnfpt_structures", path)
    structure = _by_code(Structure, "EC-HDFN")
    assert {r.code for r in structure.regions} == {"32", "28", "11"}
    assert structure.messagerie_active is False


def test_import_unknown_referentiel_or_missing_file(tmp_path):
    with pytest.raises(ReferentielError, match="référentiel inconnu « villes »"):
        load_referentiel("villes", tmp_path / "x.csv")
    with pytest.raises(ReferentielError, match="fichier introuvable"):
        load_referentiel("regions", tmp_path / "absent.csv")
    with pytest.raises(ReferentielError, match="n'est pas encodé en UTF-8"):
        path = tmp_path / "latin1.csv"
        path.write_bytes("code,libelle\nX,Intérim\n".encode("latin-1"))
        load_referentiel("natures_formation", path)


def test_referentiel_found_by_table_name(tmp_path):
    path = _write(tmp_path / "pays.csv", ",".join(REFERENTIELS["countries"].header) + "\n")
    assert load_referentiel("pays", path)[0].table == "pays"


# --- CLI ---------------------------------------------------------------------------


def test_cli_charger_prints_counts(app):
    result = app.test_cli_runner().invoke(args=["referentiels", "charger"])
    assert result.exit_code == 0, result.output
    assert "code_postal : 39192 lignes (0 créée, 0 modifiée)" in result.output
    assert "sous_specialite : 29 lignes" in result.output


def test_cli_importer_good_file(app, tmp_path):
    path = _write(tmp_path / "natures.csv", "code,libelle\nCONTINUE,Formation continue (CLI)\n")
    result = app.test_cli_runner().invoke(args=["referentiels", "importer", "natures_formation", str(path)])
    assert result.exit_code == 0, result.output
    assert "nature_formation : 1 ligne (0 créée, 1 modifiée)" in result.output
    assert _by_code(NatureFormation, "CONTINUE").libelle == "Formation continue (CLI)"


def test_cli_importer_bad_file_fails_with_the_line(app, tmp_path):
    path = _write(tmp_path / "depts.csv", DEPARTEMENTS_HEADER + "01,Ain modifié,84,,01053\n03,Allier,99,,03190\n")
    result = app.test_cli_runner().invoke(args=["referentiels", "importer", "departements", str(path)])
    assert result.exit_code == 1
    assert "ligne 3 : code région « 99 » inconnu" in result.output
    assert _by_code(Departement, "01").nom == "Ain"


def test_cli_importer_unknown_name(app, tmp_path):
    result = app.test_cli_runner().invoke(args=["referentiels", "importer", "villes", str(tmp_path / "v.csv")])
    assert result.exit_code == 1
    assert "référentiel inconnu" in result.output


# --- look-ups ------------------------------------------------------------------------


def test_communes_for_postal_code():
    assert communes_for_postal_code("75004") == [
        {"code_insee": "75104", "nom": "PARIS 04", "code_postal": "75004", "libelle_acheminement": "PARIS"}
    ]
    assert {c["nom"] for c in communes_for_postal_code(" 06150 ")} == {"CANNES"}
    for bad in ("", None, "7500", "75A04", "750040", "%"):
        assert communes_for_postal_code(bad) == []


def test_communes_merge_ligne_5_variants_and_skip_retired():
    code = db.session.scalar(
        select(CodePostal.code_postal).where(CodePostal.ligne_5 != "").order_by(CodePostal.code_postal)
    )
    lines = db.session.scalars(select(CodePostal).where(CodePostal.code_postal == code)).all()
    communes = communes_for_postal_code(code)
    assert len(communes) == len({(c.code_insee, c.libelle_acheminement) for c in lines})
    for line in lines:
        line.actif = False
    db.session.commit()
    assert communes_for_postal_code(code) == []


def test_search_employeurs():
    assert [e["raison_sociale"] for e in search_employeurs("cannes")] == ["COMMUNE DE CANNES"]
    assert [e["siret"] for e in search_employeurs("2106002")] == ["21060029200010"]
    assert [e["raison_sociale"] for e in search_employeurs("coise")] == [
        "COMMUNE DE COISE",
        "Mairie - Coise-Saint-Jean-Pied-Gauthier",
    ]
    assert len(search_employeurs("217")) == 2
    for bad in ("", None, "ca", "21", "%%%", "___"):
        assert search_employeurs(bad) == []


def test_search_employeurs_returns_at_most_20():
    db.session.add_all(
        EmployeurPublic(siret=f"2100000000{i:04d}", siren="210000000", raison_sociale=f"COMMUNE TEST {i}")
        for i in range(25)
    )
    db.session.commit()
    assert len(search_employeurs("commune test")) == 20


def test_communes_endpoint_is_public(client):
    response = client.get("/referentiels/communes?code_postal=75004")
    assert response.status_code == 200
    assert response.json == [
        {"code_insee": "75104", "nom": "PARIS 04", "code_postal": "75004", "libelle_acheminement": "PARIS"}
    ]
    for query in ("?code_postal=abc", "?code_postal=", ""):
        response = client.get("/referentiels/communes" + query)
        assert response.status_code == 200
        assert response.json == []


def test_employeurs_endpoint_is_public(client):
    response = client.get("/referentiels/employeurs?q=CANNES")
    assert response.status_code == 200
    (cannes,) = response.json
    assert cannes["siret"] == "21060029200010"
    assert cannes["ville"] == "CANNES"
    response = client.get("/referentiels/employeurs?q=2175")
    assert [e["raison_sociale"] for e in response.json] == ["COMMUNE DE PARIS"]
    for query in ("?q=a", ""):
        response = client.get("/referentiels/employeurs" + query)
        assert response.status_code == 200
        assert response.json == []
