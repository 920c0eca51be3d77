"""Periodic jobs, declared once, for rq's cron scheduler.

Started (one process for the whole platform) with::

    python -m app.jobs.planificateur --url "$REDIS_URL"

(``rq cron --url "$REDIS_URL" app.jobs.cron`` runs the same jobs but exits when
Redis goes away; ``app.jobs.planificateur`` waits for it.)

The scheduler only enqueues; the jobs run on the ``rq worker`` processes (see
``app.jobs``). Intervals are in seconds, ``cron`` strings in the scheduler
host's local time. Without Redis (embedded default) nothing runs periodically:
``flask outbox redispatch`` does the re-dispatch by hand.
"""

from __future__ import annotations

from rq import cron

from app.jobs import purge_sent_messages, redispatch_pending

# E-mails whose next attempt is due (SMTP or Redis was down, a worker died).
cron.register(redispatch_pending, queue_name="mail", interval=60, job_timeout=600)

# Sent e-mails past their retention period (personal data).
cron.register(purge_sent_messages, queue_name="default", cron="30 3 * * *")

# Accounts (issue #3): unactivated accounts (7 days), provisional credentials
# (7 days), expired captcha challenges.
from app.jobs.comptes import (  # noqa: E402
    expirer_identifiants_provisoires,
    purger_captchas,
    purger_tentatives_connexion,
    supprimer_comptes_non_actives,
)

cron.register(supprimer_comptes_non_actives, queue_name="default", cron="15 2 * * *")
cron.register(expirer_identifiants_provisoires, queue_name="default", interval=3600)
cron.register(purger_captchas, queue_name="default", interval=3600)
cron.register(purger_tentatives_connexion, queue_name="default", cron="45 3 * * *")

# Annonces (issue #5): alerts recorded at publication but never written (Redis was down).
from app.jobs.alertes import relancer_alertes  # noqa: E402

cron.register(relancer_alertes, queue_name="default", interval=600)

# Inscription (issue #4): reminder 2 weeks before, then archive after 2 months
# of « complément demandé » without action.
from app.jobs.inscription import archiver_complements, relancer_complements  # noqa: E402

cron.register(relancer_complements, queue_name="default", cron="0 6 * * *")
cron.register(archiver_complements, queue_name="default", cron="30 6 * * *")

# Messagerie (issue 21): copies of a message to applicants whose job could not be queued.
from app.jobs.messagerie import relancer_envois  # noqa: E402

cron.register(relancer_envois, queue_name="default", interval=600)

# Support « Aide et contact » (issue 22): unconfirmed anonymous requests (7 days),
# requests without reply 30 days after a request for information.
from app.jobs.support import cloturer_demandes_sans_reponse, purger_demandes_non_confirmees  # noqa: E402

cron.register(purger_demandes_non_confirmees, queue_name="default", cron="0 4 * * *")
cron.register(cloturer_demandes_sans_reponse, queue_name="default", cron="15 6 * * *")

# Dossier administratif (issue 20): yearly revision (reminder at 11 months,
# « à réviser » at 12), identity documents (reminder 30 days before the end
# of validity, back to « demandé » once expired).
from app.jobs.dossier import (  # noqa: E402
    expirer_identites,
    purger_lectures_sensibles,
    rappeler_expirations,
    rappeler_revisions,
    reviser_blocs,
)

cron.register(rappeler_revisions, queue_name="default", cron="0 7 * * *")
cron.register(reviser_blocs, queue_name="default", cron="15 7 * * *")
cron.register(rappeler_expirations, queue_name="default", cron="30 7 * * *")
cron.register(expirer_identites, queue_name="default", cron="45 7 * * *")
cron.register(purger_lectures_sensibles, queue_name="default", cron="50 3 * * *")

# Leaving and personal data (issue 24): inactivity warnings then archiving,
# purge when retention ends, « Récupérer mes données » files past their validity.
from app.jobs.depart import expirer_exports, purger_donnees_echues, traiter_inactivite  # noqa: E402

cron.register(traiter_inactivite, queue_name="default", cron="0 5 * * *")
cron.register(purger_donnees_echues, queue_name="default", cron="30 5 * * *")
cron.register(expirer_exports, queue_name="default", interval=3600)

# Suggestions (issue 37): the weekly « Annonces pour vous » e-mail, Monday morning.
from app.jobs.suggestions import envoyer_annonces_pour_vous  # noqa: E402

cron.register(envoyer_annonces_pour_vous, queue_name="default", cron="0 8 * * 1", job_timeout=3600)
