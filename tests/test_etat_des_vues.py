"""Views keep no state of one request for the next (issue 39, point 4): the
suite passes in any order only if a page renders the same whatever was
rendered before it, with CSRF on or off."""

from __future__ import annotations

from flask import url_for

from tests.conftest import page_text


def _url(app):
    with app.test_request_context():
        return url_for("UserInfoEditView.this_form_get")


def test_la_fiche_utilisateur_garde_son_jeton_csrf_apres_un_rendu_sans_csrf(app, login_as, monkeypatch):
    """A first render without CSRF leaves later forms their ``csrf_token``."""
    client = login_as("admin_national")
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", False)
    assert client.get(_url(app)).status_code == 200
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    reponse = client.get(_url(app))
    assert reponse.status_code == 200
    assert 'name="csrf_token"' in page_text(reponse)


def test_la_fiche_utilisateur_s_affiche_sans_csrf_apres_un_rendu_avec(app, login_as, monkeypatch):
    """FAB's UserInfoEditView fixed its field list at its first render: first
    rendered with CSRF, a render without it failed (« UserInfoEdit object has
    no attribute csrf_token »), as the permission matrix and the French crawl
    do after the statement-count test."""
    client = login_as("admin_national")
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    assert client.get(_url(app)).status_code == 200
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", False)
    reponse = client.get(_url(app))
    assert reponse.status_code == 200
    assert 'name="first_name"' in page_text(reponse)
