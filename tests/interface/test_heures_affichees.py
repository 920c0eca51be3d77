"""Times labelled with their zone (issue 40, point 4): the portal shows Paris
time and then names no zone; « Récupérer mes données » and the e-mail of an
archived account's data said « (heure UTC) » beside a Paris time — a reader
believed the link lasted an hour longer (or shorter) than it does. Each
shown expiry is compared with the stored one."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

from sqlalchemy import select

from app.extensions import db
from app.infra.formatting import heure_de_paris
from app.models.depart import ExportDonnees
from tests.conftest import corps_envoye, csrf_token_from, page_text
from tests.outils.depart import client_de, confirmer, dernier_mail
from tests.outils.donnees_completes import personne_complete
from tests.outils.export_donnees import URL, _demande, recuperer
from tests.outils.mails import redis_mode, rq_queues, run_jobs  # noqa: F401  (rq_queues: autouse, empties Redis)


def _paris(instant: datetime, fmt: str = "%d/%m/%Y %H:%M") -> str:
    return heure_de_paris(instant).strftime(fmt)


def test_aucune_page_ni_aucun_e_mail_ne_dit_utc():
    """Every time the portal shows is stored UTC and formatted in Paris time
    (app.infra.formatting): a template naming « UTC » labels it wrongly."""
    modeles = [p for p in Path("app/templates").rglob("*") if p.suffix in (".html", ".txt")]
    assert len(modeles) > 50
    fautifs = [str(p) for p in modeles if re.search(r"\bUTC\b", p.read_text(encoding="utf-8"))]
    assert fautifs == []


def test_recuperer_mes_donnees_affiche_l_expiration_stockee_en_heure_de_paris(app, factory):
    user, _, _ = personne_complete(factory)
    client = client_de(app, user)
    assert recuperer(client).status_code == 302
    if redis_mode(app):
        run_jobs(app)
    texte = page_text(client.get(URL))
    db.session.expire_all()
    export = db.session.scalar(select(ExportDonnees).where(
        ExportDonnees.user_id == user.id, ExportDonnees.expire_le.is_not(None)).order_by(ExportDonnees.id.desc()))
    assert _paris(export.expire_le) != export.expire_le.strftime("%d/%m/%Y %H:%M")  # Paris is never UTC
    assert f"expire le {_paris(export.expire_le)}." in texte
    assert "UTC" not in texte


def test_l_e_mail_et_la_page_des_donnees_d_un_compte_archive_disent_l_expiration_stockee(app, factory, login_as):
    """The issue's e-mail: « valable jusqu'au 10/12/2026 à 20:09 (heure UTC) »
    for a link expiring at 19:09 UTC; now 20:09 with no zone (Paris time)."""
    user, _, _ = personne_complete(factory)
    confirmer(client_de(app, user))
    demande = _demande("RECUPERATION_DONNEES", user.email)
    admin = login_as("admin_national")
    page = admin.get(f"/gestion/support/{demande.id}")
    admin.post(f"/gestion/donnees-personnelles/support/{demande.id}",
               data={"csrf_token": csrf_token_from(page.get_data(as_text=True))})
    run_jobs(app)
    db.session.expire_all()
    export = db.session.scalar(select(ExportDonnees).where(
        ExportDonnees.user_id == user.id, ExportDonnees.expire_le.is_not(None)).order_by(ExportDonnees.id.desc()))
    corps = corps_envoye(dernier_mail(user.email, "depart_export"))
    assert f"valable jusqu'au {_paris(export.expire_le, '%d/%m/%Y à %H:%M')}\net ne peut servir" in corps
    assert "UTC" not in corps
    lien = re.search(r"http://localhost(/donnees/\S+)", corps).group(1)
    texte = page_text(app.test_client().get(lien))
    assert f"expire le {_paris(export.expire_le)}." in texte and "UTC" not in texte


def test_le_fichier_des_donnees_donne_ses_heures_en_heure_de_paris(app):
    """The file of « Récupérer mes données » wrote the stored UTC instant as
    if it were the reader's time."""
    from app.models.authentification import TentativeConnexion
    from app.operations.export_donnees import _texte

    assert _texte(datetime(2026, 12, 10, 18, 9), TentativeConnexion.__table__.c.cree_le, None) == "10/12/2026 19:09"
    assert _texte(datetime(2026, 7, 10, 18, 9), TentativeConnexion.__table__.c.cree_le, None) == "10/07/2026 20:09"


def test_la_console_exporte_et_detaille_ses_dates_comme_ses_pages(app, login_as):
    """The console's exports headed « Créé le (heure de Paris) » wrote the
    stored UTC instant, and its detail pages the raw ISO value: exports now
    give Paris time (ISO-like), detail pages the French date of the list."""
    from datetime import date

    from app.models.contenus import Actualite
    from app.models.outbox import OutboxMessage, OutboxStatus

    db.session.add(OutboxMessage(recipients="x@example.test", subject="Essai", template="t", body_text="t",
                                 body_html="<p>t</p>", status=OutboxStatus.failed, attempts=1,
                                 message_id="<essai-36@x>", created_at=datetime(2026, 7, 10, 18, 9, 5)))
    article = Actualite(titre="Heures", resume="r", corps="c", date_publication=date(2026, 3, 1))
    db.session.add(article)
    db.session.commit()
    client = login_as("admin_national")
    export = client.get("/backoffice/bo_outbox/export/csv/").get_data(as_text=True)
    assert "Créé le (heure de Paris)" in export
    assert "2026-07-10 20:09:05" in export and "18:09:05" not in export
    detail = page_text(client.get(f"/backoffice/bo_actualite/details/?id={article.id}"))
    assert "01/03/2026" in detail and "2026-03-01" not in detail
