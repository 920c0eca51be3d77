"""The declared list component (``app.views.liste``, issue #18): a list of a
few lines gets its criteria (French errors, left out when wrong), sorts,
page sizes and pages, its statements built once and prepared; both counts
(own statement, window). Drawn here on the structures referential, inside a
request to the queue's URL (its links are built on the request's endpoint)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.extensions import PREPARER, db
from app.models.referentiels import Structure
from app.views.liste import Arguments, Colonne, Liste, contient, parmi
from tests.outils.annonces import count_queries

URL = "/gestion/demandes-inscription/list/"


def declarer(**options) -> Liste:
    return Liste(
        table=Structure, cle=Structure.id,
        colonnes={"code": Colonne("Code", Structure.code), "nom": Colonne("Nom", Structure.nom),
                  "type": Colonne("Type", Structure.type, str.upper, triable=False)},
        ordre=("code", "asc"), tailles=(5, 10), objet=lambda c: f"la structure {c['code']}", **options,
    )


AVEC_CRITERES = {"criteres": {
    "nom": contient("Nom", Structure.nom),
    "type": parmi("Type", Structure.type, lambda: [("institut", "Institut"), ("delegation_regionale", "DR")]),
}}


def en_base(*where, ordre=(Structure.code, Structure.id)) -> list[int]:
    return list(db.session.scalars(select(Structure.id).where(*where).order_by(*ordre)))


def page(app, liste: Liste, query: str = "", **liees):
    with app.test_request_context(f"{URL}?{query}"):
        p = liste.page(**liees)
        # links are built inside the request
        return p, {"tri": p.lien_tri("nom"), "page2": p.lien_page(2), "aria": [p.tri_aria(c) for c in p.colonnes]}


@pytest.mark.parametrize("compte", ["separe", "fenetre"])
@pytest.mark.parametrize(
    ("query", "ordre", "taille", "debut"),
    [
        ("", (Structure.code, Structure.id), 5, 0),
        ("page=2", (Structure.code, Structure.id), 5, 5),
        ("tri=nom&sens=desc&taille=10", (Structure.nom.desc(), Structure.id.desc()), 10, 0),
        ("tri=nom&sens=n-importe", (Structure.nom.desc(), Structure.id.desc()), 5, 0),
        # not sortable, unknown column, size and page: the defaults
        ("tri=type&taille=7&page=abc", (Structure.code, Structure.id), 5, 0),
        ("tri=code.password&page=-4", (Structure.code, Structure.id), 5, 0),
    ],
)
def test_sorts_sizes_and_pages(app, compte, query, ordre, taille, debut):
    p, _ = page(app, declarer(compte=compte), query)
    tous = en_base(ordre=ordre)
    assert [ligne.id for ligne in p.lignes] == tous[debut:debut + taille]
    assert p.total == len(tous) and p.pages == -(-len(tous) // taille)
    premiere = p.lignes[0]
    structure = db.session.get(Structure, premiere.id)
    assert premiere.cellules == (structure.code, structure.nom, structure.type.upper())
    assert premiere.objet == f"la structure {structure.code}"


def test_past_the_last_page(app):
    """Own count: the last page; window count: an empty page, counted apart."""
    total = len(en_base())
    p, _ = page(app, declarer(), "page=99999999999999999999")
    assert p.page == p.pages == -(-total // 5) and p.lignes
    with app.test_request_context(f"{URL}?page=999"), count_queries() as statements:
        p = declarer(compte="fenetre").page()
    assert p.lignes == [] and p.total == total and p.page == 999 and len(statements) == 2


def test_criteria_errors_in_french_next_to_their_field_and_left_out(app):
    liste = declarer(**AVEC_CRITERES)
    p, _ = page(app, liste, "nom=Bretagne&type=inconnu&taille=7")
    assert p.form.type.errors == ["Choix invalide."] and p.form.taille.errors == ["Choix invalide."]
    assert [ligne.id for ligne in p.lignes] == en_base(Structure.nom.icontains("Bretagne"))
    assert p.avec_criteres and p.taille == 5
    p, _ = page(app, liste, "nom=" + "x" * 101)
    assert p.form.nom.errors == ["100 caractères au plus."] and p.total == len(en_base())
    p, _ = page(app, liste, "type=institut&nom=%25")  # a LIKE wildcard is a character
    assert p.total == 0 and p.avec_criteres


def test_links_keep_the_arguments_and_say_the_sort(app):
    _, liens = page(app, declarer(**AVEC_CRITERES), "type=institut&tri=nom&sens=asc")
    assert liens["tri"] == f"{URL}?type=institut&tri=nom&sens=desc"
    assert liens["page2"] == f"{URL}?page=2&type=institut&tri=nom&sens=asc"
    assert liens["aria"] == ["none", "ascending", "none"]
    # FAB's arguments, 0-based pages
    _, liens = page(app, declarer(arguments=Arguments.fab("V")), "_oc_V=nom&_od_V=desc")
    assert liens["tri"] == f"{URL}?_oc_V=nom&_od_V=asc"
    assert liens["page2"] == f"{URL}?page_V=1&_oc_V=nom&_od_V=desc"
    assert liens["aria"] == ["none", "descending", "none"]


def test_statements_built_once_and_prepared_without_criteria(app):
    liste = declarer(liees={"type": Structure.type})
    compte, requete = liste.requetes(True, "code", "asc")
    assert liste.requetes(True, "code", "asc") == (compte, requete)
    assert compte.get_execution_options()[PREPARER] and requete.get_execution_options()[PREPARER]
    p, _ = page(app, liste, type="institut")
    assert [ligne.id for ligne in p.lignes] == en_base(Structure.type == "institut")[:5]
    with app.test_request_context(f"{URL}?tri=nom"), count_queries() as statements:
        liste.page(type="institut")
    assert len(statements) == 2  # the count and the page


def test_arguments_are_not_url_for_options(app):
    """``_scheme`` or ``_external`` in the query string stay arguments: they
    do not make the links absolute or ``javascript:`` ones."""
    _, liens = page(app, declarer(), "_external=1&_scheme=javascript&_anchor=x")
    assert liens["tri"] == f"{URL}?_external=1&_scheme=javascript&_anchor=x&tri=nom&sens=asc"
    assert all(lien.startswith(URL) for lien in (liens["tri"], liens["page2"]))


def _compte_sql(liste: Liste, where=()) -> str:
    compte, _ = liste._construire([*liste._portee(True), *where], liste.ordre_par_defaut[0], "desc")
    return str(compte)


def test_the_count_leaves_out_joins_that_cannot_change_it(app, factory):
    """An inner join along a NOT NULL foreign key to the target's primary key
    finds one row per row: the count leaves it out, unless a clause reads its
    table; a join along a nullable key may drop rows and stays."""
    from app.models.comptes import Intervenant
    from app.models.dossier import BlocDossier, DossierAdministratif

    chaine = Liste(
        table=BlocDossier, cle=BlocDossier.id, ordre=("bloc", "asc"),
        jointures=((DossierAdministratif, DossierAdministratif.id == BlocDossier.dossier_id, False),
                   (Intervenant, Intervenant.id == DossierAdministratif.intervenant_id, False)),
        colonnes={"bloc": Colonne("Bloc", BlocDossier.bloc), "nom": Colonne("Nom", Intervenant.nom_usage)},
        criteres={"nom": contient("Nom", Intervenant.nom_usage)},
    )
    assert "JOIN" not in _compte_sql(chaine)
    # a criterion on the last table keeps the whole chain that reaches it
    sql = _compte_sql(chaine, [Intervenant.nom_usage.icontains("a")])
    assert "JOIN dossier_administratif" in sql and "JOIN intervenant" in sql
    # a nullable key (the block's requesting structure) may drop rows: kept
    par_structure = Liste(
        table=BlocDossier, cle=BlocDossier.id, ordre=("bloc", "asc"),
        jointures=((Structure, Structure.id == BlocDossier.structure_id, False),),
        colonnes={"bloc": Colonne("Bloc", BlocDossier.bloc), "structure": Colonne("Structure", Structure.nom)},
    )
    assert "JOIN structure" in _compte_sql(par_structure)
    # and the count still equals the rows listed
    from app.operations.dossier import dossier_de

    profils = [factory.intervenant("DR-84")[1] for _ in range(2)]
    for profil in profils:
        dossier_de(profil, creer=True)
    db.session.flush()
    with app.test_request_context(f"{URL}?taille=100"):
        p = chaine.page()
    assert p.total == len(p.lignes) == 8 * len(profils) > 0


def test_a_source_answers_the_page_from_the_request_and_the_marker_names_the_list(app):
    """``formulaire`` and ``source`` (a ranked or tuned search of its own):
    the source gets the form, the sort, the page (from 1), a declared size
    and the bound values, and its rows are the page's; ``page`` records the
    list's name in ``flask.g.liste_servie`` (tests/interface/test_listes_declarees.py)."""
    from flask import g

    from app.views.liste import Lot

    demandes = []

    def source(demande):
        demandes.append(demande)
        return Lot(["a", "b"], 42, min(demande.numero, 3), 3, plus={"plafond": 40})

    liste = declarer(nom="essai", formulaire=lambda args: {"q": args.get("q")}, source=source)
    with app.test_request_context(f"{URL}?q=mot&page=7&taille=10&tri=nom&sens=asc"):
        p = liste.page(intervenant=5)
        assert g.liste_servie == "essai"
    (demande,) = demandes
    assert (demande.form, demande.ordre, demande.sens, demande.numero, demande.taille, demande.liees) == (
        {"q": "mot"}, "nom", "asc", 7, 10, {"intervenant": 5})
    assert (p.lignes, p.total, p.page, p.pages, p.plus) == (["a", "b"], 42, 3, 3, {"plafond": 40})
    with app.test_request_context(f"{URL}?taille=7&page=-2"):
        liste.page()
    assert (demandes[-1].taille, demandes[-1].numero) == (5, 1)  # not a declared size; pages from 1
