"""The menu's live counts (issue #18, ``app.views.menu``): the entries stay
cached per permission set, the badges are counted per request, all in one
statement, none when no badge applies; the queue's badge counts the requests
« transmise » awaiting the gestionnaire's structure."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import bindparam, func, select

from app.extensions import db
from app.models.referentiels import Structure
from app.security import roles
from app.views import menu
from tests.conftest import page_text, sign_in
from tests.outils.comptes import transmise
from tests.outils.menu import PAGE, badges, requetes_badges


@pytest.fixture
def demandes(factory):
    """Two requests transmitted to DR-84, one to DR-11, a draft of DR-84."""
    for structure in ("DR-84", "DR-84", "DR-11"):
        transmise(factory, structure)
    factory.intervenant("DR-84")


def test_the_queue_badge_counts_the_structures_transmitted_requests(login_as, demandes):
    texte, statements = requetes_badges(login_as("gestionnaire", "DR-84"))
    assert badges(texte) == [("2", "2 demande(s) d'inscription à traiter")]
    assert len(statements) == 1
    # on the queue's entry, in the cached menu
    assert re.search(r"""href="/gestion/demandes-inscription/list/">Demandes d'inscription <span class="badge""", texte)
    texte, _ = requetes_badges(login_as("gestionnaire", "DR-11"))
    assert badges(texte) == [("1", "1 demande(s) d'inscription à traiter")]


def test_the_count_is_read_at_each_request(login_as, factory, demandes):
    """Same permissions, same cached entries: the number follows the rows."""
    client = login_as("gestionnaire", "DR-84")
    assert badges(page_text(client.get(PAGE))) == [("2", "2 demande(s) d'inscription à traiter")]
    transmise(factory, "DR-84")
    assert badges(page_text(client.get(PAGE))) == [("3", "3 demande(s) d'inscription à traiter")]


def test_no_badge_and_no_statement_when_none_applies(app, login_as, factory, demandes):
    """An intervenant does not see the entry, a national admin sees it
    without a count of their own (the support badge, issue 22, is theirs: one
    statement, a count of 0), a gestionnaire without structure has none;
    a count of 0 shows nothing."""
    sans_structure = app.test_client()
    sign_in(sans_structure, factory.create_user(roles.GESTIONNAIRE))
    for client in (login_as("intervenant"), login_as("anonyme")):
        texte, statements = requetes_badges(client, "/")
        assert statements == [] and badges(texte) == [] and "<!--badge" not in texte
    # One statement: the messagerie's unread count (issue 21), and for national
    # roles the support requests (issue 22); 0 each: no badge; no queue count.
    for client in (login_as("admin_national"), sans_structure):
        texte, statements = requetes_badges(client, "/")
        assert len(statements) == 1 and "badge_demandes_structure" not in statements[0]
        assert badges(texte) == [] and "<!--badge" not in texte
    texte, statements = requetes_badges(login_as("admin_national"), "/")
    assert "FROM demande_support" in statements[0]
    texte, statements = requetes_badges(login_as("gestionnaire", "DR-93"))
    assert len(statements) == 1 and badges(texte) == [] and "<!--badge" not in texte


def test_every_badge_of_the_page_in_one_statement(login_as, monkeypatch, demandes):
    """A second declared badge (on the CV-thèque's entry) is read in the
    same statement; one whose count is None for the user is left out."""
    structures = select(func.count()).select_from(Structure).where(Structure.actif == bindparam("badge_test_actif"))

    monkeypatch.setattr(menu, "_badges", list(menu._badges))
    menu.vider()
    try:
        menu.declarer_badge("CV-thèque", structures, lambda: {"badge_test_actif": True}, "{n} structures")
        menu.declarer_badge("Créer un compte intervenant", select(func.count()).select_from(Structure),
                            lambda: None, "{n} jamais")
        with pytest.raises(ValueError, match="déjà déclaré"):
            menu.declarer_badge("CV-thèque", structures, dict, "{n}")
        with pytest.raises(ValueError, match="badge_test_actif"):
            menu.declarer_badge("Annonces", structures, dict, "{n}")
        texte, statements = requetes_badges(login_as("gestionnaire", "DR-84"))
        nombre = db.session.scalar(structures, {"badge_test_actif": True})
        assert sorted(badges(texte)) == sorted([("2", "2 demande(s) d'inscription à traiter"),
                                                (str(nombre), f"{nombre} structures")])
        # the queue's, this one's, the messagerie's unread count (issue 21) and the support requests' (issue 22)
        assert len(statements) == 1 and statements[0].count("count(") == 4
    finally:
        menu.vider()  # the kept entries hold this test's markers


def test_the_badge_text_is_escaped():
    badge = menu.Badge("x", select(func.count()), dict, "{n} <b>non lus</b>")
    assert menu.rendre_badge(badge, 3) == (
        ' <span class="badge" aria-hidden="true">3</span><span class="sr-only"> (3 &lt;b&gt;non lus&lt;/b&gt;)</span>')
    assert menu.rendre_badge(badge, 0) == menu.rendre_badge(badge, None) == ""
