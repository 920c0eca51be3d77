"""E-mail addresses checked by email-validator through WTForms' ``Email``
(issue 36, point 5), no DNS look-up, with the French message of the
account forms (app.forms.comptes.adresse_email)."""

from __future__ import annotations

import pytest
from werkzeug.datastructures import MultiDict
from wtforms import Form, StringField

from app.forms.comptes import EMAIL_INVALIDE, adresse_email


class _Formulaire(Form):
    email = StringField(validators=[adresse_email])


def _erreurs(adresse: str) -> list[str]:
    form = _Formulaire(MultiDict({"email": adresse}))
    form.validate()
    return form.email.errors


@pytest.mark.parametrize("adresse", [
    "prenom.nom@domaine.fr",
    "jean+alertes@sous.domaine.fr",
    "o'brien@exemple.com",
    "a-b_c@x-y.org",
    "jean@example.test",  # reserved for tests (RFC 2606): accepted while testing only
])
def test_adresses_valides(app, adresse):
    assert _erreurs(adresse) == []


@pytest.mark.parametrize("adresse", [
    "pas-une-adresse",
    "jean@",
    "@domaine.fr",
    "jean@domaine",  # no top-level domain
    "jean..dupont@domaine.fr",  # two dots in a row (the former regex let it through)
    "jean@-domaine.fr",
    "jean dupont@domaine.fr",
    "jean@domaine_fr.fr",
    "jean@localhost",
    "jean@[192.0.2.1]",
    '"jean dupont"@domaine.fr',
    "éloïse@domaine.fr",  # the outbox speaks SMTP without SMTPUTF8
    "jean@café.fr",  # email-validator would accept this internationalized domain
    "a" * 250 + "@x.fr",  # over 254 characters
])
def test_adresses_refusees_avec_le_message_francais(app, adresse):
    assert _erreurs(adresse) == [EMAIL_INVALIDE]
    assert EMAIL_INVALIDE == "L'adresse e-mail n'est pas valide (exemple : prenom.nom@domaine.fr)."


def test_aucune_consultation_du_dns(app, monkeypatch):
    """check_deliverability=False: a domain without MX is accepted, no network."""
    import dns.resolver

    def interdit(*args, **kwargs):
        raise AssertionError("requête DNS")

    monkeypatch.setattr(dns.resolver.Resolver, "resolve", interdit)
    assert _erreurs("jean@domaine-sans-mx.fr") == []


def test_le_domaine_reserve_aux_tests_est_refuse_hors_des_tests(app):
    app.testing = False
    try:
        assert _erreurs("jean@example.test") == [EMAIL_INVALIDE]
    finally:
        app.testing = True
