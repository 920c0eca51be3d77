"""CV-thèque search, profile page, export and query count (issue #4)."""

from __future__ import annotations

import io
import re
import uuid

import pytest
from openpyxl import load_workbook
from sqlalchemy import event, select, text
from werkzeug.datastructures import MultiDict

from app.extensions import db
from app.models.comptes import Intervenant, intervenant_specialite
from app.models.fichiers import Fichier
from app.models.parcours import LangueIntervenant
from app.models.referentiels import Langue, Region, Specialite
from tests.conftest import postgresql_only
from tests.outils.annonces import count_queries
from tests.outils.profil import valide


def test_search_filters_and_cross_structure_access(factory, login_as):
    spe = db.session.scalar(select(Specialite).order_by(Specialite.id).limit(1))
    a = valide(factory, "DR-11", texte="Comptabilité publique M57", etranger=True, specialite=spe)
    b = valide(factory, "DR-84", texte="Urbanisme", region_code="11")
    _, brouillon = factory.intervenant("DR-84")
    langue = db.session.scalar(select(Langue).order_by(Langue.id).limit(1))
    db.session.add(LangueIntervenant(intervenant_id=b.id, langue_id=langue.id))
    db.session.commit()
    client = login_as("gestionnaire", "DR-84")

    def found(**args):
        text = client.get("/cvtheque/", query_string=args).get_data(as_text=True)
        return {p.id for p in (a, b, brouillon) if f"/cvtheque/profil/{p.id}" in text}

    assert found() >= {a.id, b.id} and brouillon.id not in found()
    assert a.id in found(q="m57") and b.id not in found(q="m57")
    assert found(etranger="oui") & {a.id, b.id} == {a.id}
    assert b.id in found(langue=langue.id) and a.id not in found(langue=langue.id)
    assert a.id in found(specialite=spe.id) and b.id not in found(specialite=spe.id)
    region_11 = db.session.scalar(select(Region.id).where(Region.code == "11"))
    assert found(region=region_11) & {a.id, b.id} == {b.id}
    # another structure's validated profile is readable by every gestionnaire
    assert client.get(f"/cvtheque/profil/{a.id}").status_code == 200
    assert client.get(f"/cvtheque/profil/{brouillon.id}").status_code == 404


def test_result_row_shows_structure_specialites_regions_and_cv(factory, login_as):
    """Each row: name, structure, spécialités in code order, régions in name
    order, a link to the CV; a profile without CV has no link."""
    s1, s2 = db.session.scalars(select(Specialite).order_by(Specialite.code).limit(2)).all()
    r_a, r_b = db.session.scalars(select(Region).order_by(Region.nom).limit(2)).all()
    avec_cv = valide(factory, "DR-11", texte="avec cv rowtest")
    avec_cv.specialites = [s2, s1]
    avec_cv.regions = [r_b, r_a]
    cv = Fichier(uuid=uuid.uuid4(), storage_key=f"cle-{uuid.uuid4()}", original_name="cv.pdf",
                 content_type="application/pdf", size=10, sha256="0" * 64, owner_user_id=avec_cv.user_id)
    db.session.add(cv)
    db.session.flush()
    avec_cv.cv_fichier_id = cv.id
    sans_cv = valide(factory, "DR-84", texte="sans cv rowtest")
    db.session.commit()
    client = login_as("gestionnaire", "DR-84")
    page = client.get("/cvtheque/", query_string={"q": "rowtest"}).get_data(as_text=True)
    lignes = {p.id: page[page.index(f"/cvtheque/profil/{p.id}"):].split("</tr>")[0] for p in (avec_cv, sans_cv)}
    assert f"{s1.libelle}, {s2.libelle}" in lignes[avec_cv.id]
    assert f"{r_a.nom}, {r_b.nom}" in lignes[avec_cv.id]
    assert avec_cv.structure.nom in lignes[avec_cv.id] and sans_cv.structure.nom in lignes[sans_cv.id]
    assert f'href="/fichiers/{cv.uuid}"' in lignes[avec_cv.id]
    assert "/fichiers/" not in lignes[sans_cv.id]
    assert "2 profil(s) trouvé(s)" in page


def test_export_xlsx(factory, login_as):
    profil = valide(factory, texte="Export unique XLSX")
    client = login_as("gestionnaire", "DR-11")
    response = client.get("/cvtheque/export.xlsx", query_string={"q": "unique xlsx"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][1] == "Nom d'usage"
    assert [r[1] for r in rows[1:]] == [profil.nom_usage]


def _count_queries(client, url):
    statements = []

    def listener(conn, cursor, statement, *args):
        statements.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", listener)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    return len(statements)


def test_query_count_independent_of_rows(factory, login_as):
    client = login_as("gestionnaire", "DR-84")
    spe = db.session.scalar(select(Specialite).order_by(Specialite.id).limit(1))
    _count_queries(client, "/cvtheque/")  # fills the per-process caches (option lists)
    valide(factory, texte="peu", specialite=spe)
    few = _count_queries(client, "/cvtheque/")
    for _ in range(15):
        valide(factory, texte="beaucoup", specialite=spe)
    many = _count_queries(client, "/cvtheque/")
    assert few > 0 and many == few


def test_intervenant_has_no_access(login_as):
    client = login_as("intervenant")
    assert client.get("/cvtheque/").status_code in (302, 403)


def test_count_stops_at_the_cap(factory, login_as, monkeypatch):
    """Past PLAFOND matches the count is not read to the end: « Plus de … »;
    the pages go on while there are rows (one row read past the page), up to
    PAGES_MAX."""
    from app.operations import cvtheque

    for k in range(5):
        valide(factory, texte=f"Plafond {k} commande publique")
    client = login_as("gestionnaire")
    monkeypatch.setattr(cvtheque, "PLAFOND", 3)
    monkeypatch.setattr(cvtheque, "PAGE_SIZE", 2)

    def page(n):
        html = client.get("/cvtheque/", query_string={"q": "commande publique", "page": n}).get_data(as_text=True)
        return html, len(set(re.findall(r"/cvtheque/profil/(\d+)", html)))

    html, lignes = page(1)
    assert "Plus de 3 profils trouvés : affinez vos critères pour les voir tous – page 1<" in html
    assert lignes == 2 and ">Suivante<" in html and ">Précédente<" not in html
    html, lignes = page(3)  # the fifth profile alone: no next page
    assert "– page 3<" in html and lignes == 1 and ">Suivante<" not in html and ">Précédente<" in html
    monkeypatch.setattr(cvtheque, "PAGES_MAX", 2)
    html, lignes = page(9)  # brought back to the last page offered, without a next one
    assert "– page 2<" in html and lignes == 2 and ">Suivante<" not in html
    monkeypatch.setattr(cvtheque, "PLAFOND", 5)
    html, lignes = page(1)
    assert "5 profil(s) trouvé(s) – page 1 sur 3" in html and "Plus de" not in html and ">Suivante<" in html


@pytest.mark.parametrize(
    ("total", "validees", "estimation", "debut", "marche"),
    [
        (100, 300_000, 100, 0, False),  # under the cap: every match is read anyway
        (101, None, 6464, 0, False),  # volume unknown: no bound
        (101, 300_000, 101, 0, False),  # counted to the cap on the whole: 1 in 3,000 may match
        (101, 300_000, 6464, 0, True),  # the probe answered: about 1 in 46 matches, 930 rows
        (101, 300_000, 6464, 100, False),  # page 6: 5,600 rows
        (101, 300_000, 808, 0, False),  # the sample of 1 in 8: 7,400 rows
        (101, 165_000, 808, 0, True),  # 4,100 rows
    ],
)
def test_walk_bounded_by_the_estimated_matches(monkeypatch, total, validees, estimation, debut, marche):
    """The sort's index is walked when the rows it should read, from the
    estimated share of matching profiles, stay under MARCHE_MAX."""
    from app.operations import cvtheque

    monkeypatch.setattr(cvtheque, "PLAFOND", 100)
    monkeypatch.setattr(cvtheque, "PAGE_SIZE", 20)
    monkeypatch.setattr(cvtheque, "MARCHE_MAX", 5000)
    assert cvtheque.parcours_ordonne(cvtheque.Compte(total, validees, estimation), debut) is marche


def test_date_sort_newest_first_then_highest_id(factory, login_as):
    """tri=date follows the index (date desc, id desc): equal dates by id desc."""
    from datetime import datetime

    a = valide(factory, texte="Tri par date")
    b = valide(factory, texte="Tri par date")
    a.date_transmission = b.date_transmission = datetime(2026, 1, 5, 10, 0)
    db.session.commit()
    text = login_as("gestionnaire").get("/cvtheque/", query_string={"q": "Tri par date", "tri": "date"}).get_data(
        as_text=True
    )
    assert text.index(f"/cvtheque/profil/{b.id}") < text.index(f"/cvtheque/profil/{a.id}")


def _specialites(n: int) -> list[Specialite]:
    return db.session.scalars(select(Specialite).order_by(Specialite.id).limit(n)).all()


def _regions(*codes: str) -> list[Region]:
    return [db.session.scalar(select(Region).where(Region.code == code)) for code in codes]


def _tableaux(profil) -> tuple[list[int], list[int]] | None:
    """The PostgreSQL copies (specialite_ids, region_ids) of a profile, None once it is deleted."""
    ligne = db.session.execute(
        text("SELECT specialite_ids, region_ids FROM intervenant WHERE id = :id"), {"id": profil.id}
    ).first()
    return None if ligne is None else (ligne[0], ligne[1])


@postgresql_only
def test_postgresql_arrays_follow_the_orm_links(factory):
    """The triggers on the link tables keep intervenant.specialite_ids /
    region_ids sorted and equal to the links, whatever the ORM does."""
    s1, s2, s3, s4 = _specialites(4)
    r93, r11, r84 = _regions("93", "11", "84")
    profil = valide(factory, specialite=s3)
    autre = valide(factory, region_code="11", specialite=s3)
    assert _tableaux(profil) == ([s3.id], [r93.id])

    profil.specialites.append(s1)
    profil.regions.append(r84)
    db.session.commit()
    assert _tableaux(profil) == (sorted([s1.id, s3.id]), sorted([r93.id, r84.id]))

    profil.specialites.remove(s3)
    db.session.commit()
    assert _tableaux(profil) == ([s1.id], sorted([r93.id, r84.id]))

    profil.specialites = [s4, s2]
    profil.regions = [r11]
    db.session.commit()
    assert _tableaux(profil) == (sorted([s2.id, s4.id]), [r11.id])

    profil.regions = []
    db.session.commit()
    assert _tableaux(profil) == (sorted([s2.id, s4.id]), [])

    # Statements outside the ORM: a link row moved in place (UPDATE trigger),
    # one statement touching several profiles.
    db.session.execute(
        intervenant_specialite.update()
        .where(intervenant_specialite.c.intervenant_id == profil.id, intervenant_specialite.c.specialite_id == s4.id)
        .values(specialite_id=s3.id)
    )
    assert _tableaux(profil) == (sorted([s2.id, s3.id]), [])
    db.session.execute(intervenant_specialite.delete().where(intervenant_specialite.c.specialite_id == s3.id))
    assert _tableaux(profil) == ([s2.id], []) and _tableaux(autre) == ([], [r11.id])
    db.session.expire_all()
    autre.specialites = [s3]
    db.session.commit()

    db.session.delete(profil)
    db.session.commit()
    assert _tableaux(profil) is None
    assert _tableaux(autre) == ([s3.id], [r11.id])  # the other profile on the same links is untouched


def test_search_follows_link_changes(factory, login_as):
    """Spécialité + région and text + spécialité return exactly the right
    profiles after the links change (PostgreSQL: through the copied arrays)."""
    s1, s2 = _specialites(2)
    r93, r11 = _regions("93", "11")
    a = valide(factory, texte="Marchés publics et achats", specialite=s1)
    b = valide(factory, texte="Passation des marchés publics", region_code="11", specialite=s2)
    c = valide(factory, texte="Urbanisme", region_code="11", specialite=s1)
    client = login_as("gestionnaire")

    def found(**args) -> set[int]:
        page = client.get("/cvtheque/", query_string=args).get_data(as_text=True)
        ids = {int(i) for i in re.findall(r"/cvtheque/profil/(\d+)", page)}
        assert f"{len(ids)} profil(s) trouvé(s)" in page  # the count agrees with the page
        return ids

    with count_queries() as statements:
        assert found(specialite=s1.id, region=r93.id) == {a.id}
    if db.engine.dialect.name == "postgresql":
        assert any("specialite_ids @>" in s and "region_ids @>" in s for s in statements)
    assert found(specialite=s1.id, region=r11.id) == {c.id}
    assert found(q="marchés publics", specialite=s1.id) == {a.id}
    assert found(q="marchés publics", specialite=s2.id) == {b.id}

    b.specialites.append(s1)
    a.regions = [r11]
    c.specialites = [s2]
    db.session.commit()
    assert found(specialite=s1.id, region=r11.id) == {a.id, b.id}
    assert found(specialite=s1.id, region=r93.id) == set()
    assert found(specialite=s2.id, region=r11.id) == {b.id, c.id}
    assert found(q="marchés publics", specialite=s1.id) == {a.id, b.id}

    db.session.delete(db.session.get(Intervenant, b.id))
    db.session.commit()
    assert found(specialite=s1.id, region=r11.id) == {a.id}
    assert found(q="marchés publics", specialite=s2.id) == set()


def _larges(factory, n: int) -> list[Intervenant]:
    """``n`` validated profiles sharing one expression, names in reverse id order."""
    profils = [valide(factory, texte="Expression partagée restauration") for _ in range(n)]
    for k, profil in enumerate(profils):
        profil.nom_usage, profil.prenom = f"Large-{n - k:02d}", "Camille"
    db.session.commit()
    return sorted(profils, key=lambda p: (p.nom_usage, p.prenom, p.id))


@postgresql_only
def test_plan_ordonne_turns_the_scans_off_then_puts_them_back():
    from app.operations.cvtheque import plan_ordonne

    def reglages():
        return db.session.execute(
            text("SELECT current_setting('enable_bitmapscan'), current_setting('enable_seqscan')")
        ).one()

    avant = reglages()
    with plan_ordonne(db.session.execute):
        assert reglages() == ("off", "off")
    assert reglages() == avant == ("on", "on")
    db.session.rollback()


@postgresql_only
@pytest.mark.parametrize(
    ("plafond", "marche_max", "ordonne"),
    [
        (3, 10**9, True),  # more matches than the cap, walk bound respected: the sort's index
        (3, 0, False),  # walk bound exceeded: the planner's choice
        (100, 10**9, False),  # under the cap: every match is read anyway (at most PLAFOND)
    ],
)
def test_broad_search_pages_are_the_same_whichever_plan(factory, login_as, monkeypatch, plafond, marche_max, ordonne):
    """A search with more matches than PLAFOND walks the name index for its
    first pages (issue #6): the pages list the same profiles in the same
    order as the planner's own plan (restoring the settings: the test above)."""
    from app.operations import cvtheque

    profils = _larges(factory, 7)
    db.session.execute(text("ANALYZE intervenant"))  # reltuples of the sort index: the walk's bound
    db.session.commit()
    client = login_as("gestionnaire")
    monkeypatch.setattr(cvtheque, "PLAFOND", plafond)
    monkeypatch.setattr(cvtheque, "PAGE_SIZE", 2)
    monkeypatch.setattr(cvtheque, "MARCHE_MAX", marche_max)
    sent: list[str] = []

    def capture(conn, cursor, statement, *args):
        sent.append(statement)

    event.listen(db.engine, "before_cursor_execute", capture)
    try:
        pages = [
            client.get("/cvtheque/", query_string={"q": "restauration partagée", "page": page}).get_data(as_text=True)
            for page in (1, 2)
        ]
    finally:
        event.remove(db.engine, "before_cursor_execute", capture)
    for html, attendus in zip(pages, (profils[0:2], profils[2:4]), strict=True):
        liens = re.findall(r"/cvtheque/profil/(\d+)", html)
        assert [int(i) for i in dict.fromkeys(liens)] == [p.id for p in attendus]
    assert any("set_config('enable_bitmapscan', 'off'" in s for s in sent) is ordonne


@postgresql_only
@pytest.mark.parametrize("tri", ["nom", "date"])
def test_text_checked_after_the_criteria_gives_the_same_pages(factory, login_as, monkeypatch, tri):
    """A walk with a text and a spécialité walks the spécialité in the sort's
    index, then checks the text on those profiles only (issue #6): same pages,
    same order as the planner's own plan."""
    from app.operations import cvtheque

    spe, autre = db.session.scalars(select(Specialite).order_by(Specialite.id).limit(2)).all()
    for k in range(12):
        profil = valide(factory, texte="Voirie" if k % 3 == 2 else "Expression partagée restauration",
                        specialite=autre if k % 3 == 1 else spe)
        profil.nom_usage = f"Deux-temps-{12 - k:02d}"
    db.session.commit()
    db.session.execute(text("ANALYZE intervenant"))
    db.session.commit()
    client = login_as("gestionnaire")
    monkeypatch.setattr(cvtheque, "PLAFOND", 1)
    monkeypatch.setattr(cvtheque, "PAGE_SIZE", 2)

    def pages(marche_max):
        monkeypatch.setattr(cvtheque, "MARCHE_MAX", marche_max)
        with count_queries() as sent:
            html = [
                client.get("/cvtheque/", query_string={"q": "restauration partagée", "specialite": spe.id,
                                                       "tri": tri, "page": page}).get_data(as_text=True)
                for page in (1, 2, 3)
            ]
        return [list(dict.fromkeys(re.findall(r"/cvtheque/profil/(\d+)", h))) for h in html], sent

    planner, sent = pages(0)
    assert not any("profil_texte" in s for s in sent)
    walk, sent = pages(10**9)
    assert any("profil_texte" in s for s in sent)
    assert walk == planner and [len(p) for p in walk] == [2, 2, 0]


def _comptes_executes(statement, parameters) -> dict[str, int]:
    """Each count of the statement (a sample by its divisor, or "tout": the
    whole index) → times it actually ran, from EXPLAIN ANALYZE (a subquery
    the CASE does not reach is never executed)."""
    plan = db.session.connection().exec_driver_sql("EXPLAIN (ANALYZE, FORMAT JSON) " + statement, parameters).scalar()
    db.session.rollback()

    def textes(noeud):
        yield " ".join(str(v) for k, v in noeud.items() if k.endswith(("Cond", "Filter")))
        for enfant in noeud.get("Plans", []):
            yield from textes(enfant)

    executes: dict[str, int] = {}
    for noeud in plan[0]["Plan"]["Plans"]:  # InitPlans and the CTE
        conditions = " ".join(textes(noeud))
        if "texte_parcours_tsv" in conditions:
            echantillon = re.search(r"\(id % (\d+)\) = 0", conditions)
            executes[echantillon.group(1) if echantillon else "tout"] = noeud["Actual Loops"]
    return executes


@postgresql_only
@pytest.mark.parametrize(
    ("correspondants", "executes", "estimation"),
    [
        (0, {"4": 1, "2": 0, "tout": 1}, 0),  # the probe finds none: the whole count
        (2, {"4": 1, "2": 0, "tout": 1}, 2),  # at most 1 in the probe: the larger sample would not answer
        (3, {"4": 1, "2": 0, "tout": 1}, None),  # 3 on the whole, past the cap: the probe's share if larger
        (8, {"4": 1, "2": 1, "tout": 0}, 6),  # 2 in the probe (not more than PLAFOND), 3 of 4 counted in the 1 in 2
        (24, {"4": 1, "2": 0, "tout": 0}, 12),  # 3 of 6 counted in the probe: it answers
    ],
)
def test_count_through_the_samples_is_the_capped_count(factory, monkeypatch, correspondants, executes, estimation):
    """With a free text the count reads a probe sample (1 profile in 64 by id),
    then perhaps a larger one (1 in 8), before the whole index (issue #6), in
    one statement: it says the same as a plain capped count, and reads what
    the probe's count calls for only; its estimate is the sample's capped
    count times its divisor. Here samples of 1 in 4 and 1 in 2 of 24
    contiguous profiles (exact sizes), PLAFOND 2."""
    from app.operations import cvtheque

    profils = [
        valide(factory, texte="Échantillon commande publique" if k < correspondants else "Échantillon voirie")
        for k in range(24)
    ]
    if estimation is None:
        estimation = max(3, 4 * sum(1 for p in profils[:correspondants] if p.id % 4 == 0))
    db.session.execute(text("ANALYZE intervenant"))  # the planner's count of validated profiles: 24
    db.session.commit()
    monkeypatch.setattr(cvtheque, "PLAFOND", 2)
    monkeypatch.setattr(cvtheque, "ECHANTILLONS_CVTHEQUE", {"quart": 4, "moitie": 2})
    # This process saw 24 validated profiles: samples of 1 in 2 can hold more than PLAFOND.
    monkeypatch.setitem(cvtheque._dernier_volume, "validees", 24)
    where = cvtheque.recherche_de(cvtheque.recherche_form(MultiDict({"q": "commande publique"}))).where
    sent: list[tuple] = []

    def capture(conn, cursor, statement, parameters, *args):
        sent.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", capture)
    try:
        compte = cvtheque.compter(db.session.execute, where, "postgresql")
    finally:
        event.remove(db.engine, "before_cursor_execute", capture)
    assert compte == (min(correspondants, 3), 24, estimation)
    assert len(sent) == 1  # samples, whole count and the planner's count: one statement
    assert _comptes_executes(*sent[0]) == executes


@postgresql_only
@pytest.mark.parametrize("critere", ["texte", "specialite"])
@pytest.mark.parametrize(("vues", "echantillons"), [(None, False), (16, False), (17, True)])
def test_samples_only_once_the_volume_can_fill_them(factory, monkeypatch, vues, echantillons, critere):
    """Below PLAFOND × 8 validated profiles (last seen by this process) no
    sample can answer: the count is the plain one, without their subqueries
    to plan; the count then notes the volume it read. Free text or criteria
    alone alike."""
    from app.operations import cvtheque

    spe = db.session.scalar(select(Specialite).order_by(Specialite.id.desc()).limit(1))
    ids = [valide(factory, texte="Volume vu commande", specialite=spe).id for _ in range(3)]
    db.session.execute(text("ANALYZE intervenant"))
    db.session.commit()
    monkeypatch.setattr(cvtheque, "PLAFOND", 2)
    monkeypatch.setitem(cvtheque._dernier_volume, "validees", vues)
    recherche = {"q": "volume vu commande"} if critere == "texte" else {"specialite": str(spe.id)}
    where = cvtheque.recherche_de(cvtheque.recherche_form(MultiDict(recherche))).where
    with count_queries() as sent:
        compte = cvtheque.compter(db.session.execute, where, "postgresql")
    # Past the cap on the whole, the estimate is the probe's share (1 in 8) if larger.
    assert compte == (3, 3, max(3, 8 * sum(1 for i in ids if i % 8 == 0)) if echantillons else 3)
    assert bool(re.search(r"intervenant\.id %%? \d+ = 0", sent[0])) is echantillons
    assert cvtheque._dernier_volume["validees"] == 3


def test_count_of_a_free_text_is_one_statement(factory, monkeypatch):
    """The capped count, samples or not, costs one statement."""
    from app.operations import cvtheque

    for _ in range(5):
        valide(factory, texte="Volume inconnu commande")
    monkeypatch.setattr(cvtheque, "PLAFOND", 3)
    where = cvtheque.recherche_de(cvtheque.recherche_form(MultiDict({"q": "volume inconnu commande"}))).where
    with count_queries() as sent:
        assert cvtheque.compter(db.session.execute, where, db.engine.dialect.name).total == 4
    assert len(sent) == 1
