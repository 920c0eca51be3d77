"""What several test modules share: scene builders, helpers and fixtures,
one module per domain (annonces, comptes, dossier, mails...) and the
permission matrix's tables. Test modules import from here, never from one
another (tests/infra/test_imports_des_tests.py); fixtures every test needs stay in
tests/conftest.py. A fixture shared from here is bound by name in the test
module that uses it (``smtp = mails.smtp``), which is where pytest finds it."""
