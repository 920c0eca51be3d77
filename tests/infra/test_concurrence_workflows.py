"""Issue #26: every workflow transition is applied once, whatever the number
of requests that race for it.

The stale-read tests run on both databases: another request changed the state
between our read and our update; the conditional UPDATE of ``Workflow.apply``
matches no row and the loser gets the workflow's message, with no history row
and no e-mail. The threaded tests need PostgreSQL (real concurrent
transactions on separate connections; SQLite in memory is one shared
connection): 20 identical decisions, 10 « valider » against 10 « rejeter »,
20 « étudier » bulk actions.
"""

from __future__ import annotations

import threading
from datetime import date

import pytest
import sqlalchemy as sa
from sqlalchemy import func, select

from app.extensions import db
from app.models.annonces import Candidature, EtatCandidatureAnnonce
from app.models.comptes import EtatInscription
from app.models.outbox import OutboxMessage
from app.models.workflow import TransitionHistorique
from app.workflows.candidature import candidature as workflow_candidature
from app.workflows.core import Acteur, DejaTraitee, WorkflowError
from app.workflows.inscription import inscription as workflow_inscription
from tests.conftest import postgresql_only
from tests.outils import concurrence
from tests.outils.annonces import creer_annonce
from tests.outils.concurrence import _en_meme_temps

# Fixtures shared with other test modules (tests/outils/concurrence.py).
base_partagee = concurrence.base_partagee


def _historique(objet_type: str, objet_id: int) -> list[TransitionHistorique]:
    return db.session.scalars(
        select(TransitionHistorique).where(
            TransitionHistorique.objet_type == objet_type, TransitionHistorique.objet_id == objet_id
        )
    ).all()


def _emails(adresse: str) -> int:
    return db.session.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.recipients == adresse))


# -- stale read: both databases ------------------------------------------------
def _demande_transmise(factory):
    user, profil = factory.intervenant("DR-84")
    profil.etat_inscription = EtatInscription.transmise  # test setup only
    db.session.commit()
    return user, profil


def _candidature_deposee(factory):
    annonce = creer_annonce("DR-84")
    user, profil = factory.intervenant("DR-84")
    candidature = Candidature(annonce_id=annonce.id, intervenant_id=profil.id, commentaire="Motivée")
    db.session.add(candidature)
    db.session.commit()
    return user, candidature


CAS_LECTURE_PERIMEE = [
    # (scene, workflow, event done by the other request, our event, state written by the other, message)
    ("inscription", "valider", "valider", EtatInscription.validee,
     "Cette demande d'inscription a déjà été traitée entre-temps (état actuel : « Validée »)"),
    ("inscription", "rejeter", "valider", EtatInscription.rejetee,
     "Cette demande d'inscription a déjà été traitée entre-temps (état actuel : « Rejetée »)"),
    ("candidature", "etudier", "etudier", EtatCandidatureAnnonce.etudiee,
     "Cette candidature a déjà été traitée entre-temps"),
    ("candidature", "ne_pas_retenir", "etudier", EtatCandidatureAnnonce.non_retenue,
     "Cette candidature a déjà été traitée entre-temps"),
]


@pytest.mark.parametrize(("scene", "autre", "evenement", "etat_autre", "message"), CAS_LECTURE_PERIMEE)
def test_a_stale_read_loses_with_the_workflow_message(factory, scene, autre, evenement, etat_autre, message):
    """The row changed behind our back (another request committed after our
    read): no transition, no history row, no e-mail, a French message."""
    acteur = Acteur.from_user(factory.gestionnaire("DR-84"))
    if scene == "inscription":
        user, obj = _demande_transmise(factory)
        workflow, table, colonne = workflow_inscription, "intervenant", "etat_inscription"
    else:
        user, obj = _candidature_deposee(factory)
        workflow, table, colonne = workflow_candidature, "candidature", "etat"
    # The other request's UPDATE, unseen by the object we hold in memory.
    model = type(obj)
    db.session.execute(
        sa.update(model).where(model.id == obj.id).values({colonne: etat_autre})
        .execution_options(synchronize_session=False)
    )
    assert workflow.state_of(obj) != etat_autre  # our read is stale
    with pytest.raises(DejaTraitee) as erreur:
        workflow.apply(obj, evenement, acteur, "Motif")
    assert erreur.value.message.startswith(message)
    assert "rechargez la page" in erreur.value.message
    db.session.rollback()
    assert _historique(table, obj.id) == []
    assert _emails(user.email) == 0


def test_the_winner_still_writes_one_row_and_one_email(factory):
    """The conditional update does not write the state twice nor lose the effects."""
    user, profil = _demande_transmise(factory)
    acteur = Acteur.from_user(factory.gestionnaire("DR-84"))
    workflow_inscription.apply(profil, "valider", acteur)
    db.session.commit()
    db.session.expire_all()
    assert profil.etat_inscription == EtatInscription.validee
    assert profil.date_premiere_analyse is not None
    assert len(_historique("intervenant", profil.id)) == 1
    assert _emails(user.email) == 1
    with pytest.raises(WorkflowError):  # a second click, after the commit
        workflow_inscription.apply(profil, "valider", acteur)


# -- real concurrency: PostgreSQL ---------------------------------------------


DECISIONS_SIMULTANEES = {
    "20 valider": [{"decision": "valider"}] * 20,
    "10 valider contre 10 rejeter": [
        {"decision": "valider"} if i % 2 else {"decision": "rejeter", "commentaire": "Dossier incomplet"}
        for i in range(20)
    ],
}


@postgresql_only
@pytest.mark.parametrize("donnees", DECISIONS_SIMULTANEES.values(), ids=DECISIONS_SIMULTANEES.keys())
def test_simultaneous_decisions_are_applied_once(app, factory, base_partagee, donnees):
    gestionnaire = factory.gestionnaire("DR-84")
    user, profil = _demande_transmise(factory)
    pk, email, gestionnaire_id = profil.id, user.email, gestionnaire.id
    db.session.remove()

    reponses = _en_meme_temps(
        app, gestionnaire_id, f"/gestion/demandes-inscription/show/{pk}", f"/gestion/decisions-inscription/{pk}", donnees
    )

    assert [status for status, _ in reponses].count(302) == 1
    perdants = [body for status, body in reponses if status != 302]
    assert all(status == 200 for status, _ in reponses if status != 302)
    # Each loser is told, either by the race message or because the state moved on.
    assert all("déjà été traitée" in body or "Action impossible" in body for body in perdants)
    historique = _historique("intervenant", pk)
    assert len(historique) == 1
    etat = db.session.scalar(select(profil.__class__.etat_inscription).where(profil.__class__.id == pk))
    assert historique[0].etat_apres == etat.value  # the e-mail says what the state is
    assert _emails(email) == 1


@postgresql_only
def test_simultaneous_bulk_actions_are_applied_once(app, factory, base_partagee):
    gestionnaire = factory.gestionnaire("DR-84")
    user, candidature = _candidature_deposee(factory)
    pk, email, gestionnaire_id = candidature.id, user.email, gestionnaire.id
    db.session.remove()

    reponses = _en_meme_temps(
        app, gestionnaire_id, "/gestion/candidatures/list/", "/gestion/candidatures/action_post",
        [{"action": "etudier", "rowid": [str(pk)]}] * 20,
    )

    assert all(status == 302 for status, _ in reponses)
    historique = _historique("candidature", pk)
    assert [(h.etat_avant, h.etat_apres) for h in historique] == [("deposee", "etudiee")]
    assert db.session.get(Candidature, pk).etat == EtatCandidatureAnnonce.etudiee
    assert _emails(email) == 1


def test_the_api_answers_409_to_the_loser_of_a_race(app):
    """An API call that loses the race gets the same message, as a conflict."""
    from app.infra.errors import handle_workflow_error

    with app.test_request_context("/api/v1/intervenants/1", method="PUT"):
        response, status = handle_workflow_error(DejaTraitee("Cette demande a déjà été traitée entre-temps"))
    assert status == 409
    assert response.get_json() == {"message": "Cette demande a déjà été traitée entre-temps"}


# -- real locks on a SQLite file --------------------------------------------------
@pytest.fixture
def base_sqlite_fichier(app, tmp_path):
    """A SQLite file of its own (two connections, real locks) for this test."""
    from sqlalchemy.pool import NullPool

    engines = db.engines
    connexion = engines[None]
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'verrous.db'}", poolclass=NullPool,
                              connect_args={"timeout": 5, "check_same_thread": False})
    db.metadata.create_all(engine)
    db.session.remove()
    engines[None] = engine
    try:
        yield engine
    finally:
        db.session.remove()
        engines[None] = connexion
        engine.dispose()


def test_sqlite_two_writers_on_one_request_one_wins(app, base_sqlite_fichier):
    """Two requests read « transmise »; the first updates (write lock held),
    the second is refused by SQLite at once: the workflow's message, not a 500."""
    from flask_appbuilder.security.sqla.models import User

    from app.models.comptes import Intervenant
    from app.security.roles import ADMIN_NATIONAL

    with base_sqlite_fichier.begin() as conn:
        user_id = conn.execute(sa.insert(User.__table__).values(
            first_name="Inès", last_name="Verrou", username="ines@example.test", email="ines@example.test",
            active=True)).inserted_primary_key[0]
        pk = conn.execute(sa.insert(Intervenant.__table__).values(
            user_id=user_id, civilite="Mme", nom_naissance="Verrou", nom_usage="Verrou", prenom="Inès",
            date_naissance=date(1980, 5, 17), etat_inscription=EtatInscription.transmise.name,
        )).inserted_primary_key[0]
    acteur = Acteur(None, frozenset({ADMIN_NATIONAL}))
    # Two requests (app contexts: a session and a connection each), both open at once.
    ctx1, ctx2 = app.app_context(), app.app_context()
    ctx1.push()
    s1 = db.session()
    premiere = s1.get(Intervenant, pk)
    ctx2.push()
    s2 = db.session()
    assert s2 is not s1
    seconde = s2.get(Intervenant, pk)  # read: « transmise »
    ctx2.pop()
    workflow_inscription.apply(premiere, "valider", acteur)  # write lock taken, not committed
    ctx2.push()
    with pytest.raises(DejaTraitee) as erreur:
        workflow_inscription.apply(seconde, "rejeter", acteur, "Motif")
    assert "en cours de traitement" in erreur.value.message
    db.session.rollback()
    ctx2.pop()
    db.session.commit()  # request 1 commits
    ctx1.pop()
    with base_sqlite_fichier.connect() as conn:
        assert conn.scalar(sa.text("SELECT etat_inscription FROM intervenant WHERE id = :i"), {"i": pk}) == "validee"
        assert conn.scalar(sa.text("SELECT count(*) FROM transition_historique")) == 1
        assert conn.scalar(sa.text("SELECT count(*) FROM outbox_message")) == 1


# -- « Me désinscrire » against a lettre sent at the same instant (issue 24) ----------
def _en_parallele(app, premier, second):
    """Run ``premier`` in its own transaction and stop before its commit; start
    ``second`` in another thread; return whether ``second`` waited for the
    first's commit, and each one's outcome (None, or the WorkflowError raised)."""
    import time

    pret, valider = threading.Event(), threading.Event()
    issues: dict[str, object] = {}

    def executer(nom, operation, avant_commit=None):
        with app.app_context():
            try:
                operation()
                if avant_commit:
                    avant_commit()
                db.session.commit()
                issues[nom] = None
            except WorkflowError as exc:
                db.session.rollback()
                issues[nom] = exc
            except BaseException as exc:  # reported by the test
                db.session.rollback()
                issues[nom] = exc
                pret.set()

    def attendre():
        pret.set()
        valider.wait(timeout=30)

    a = threading.Thread(target=executer, args=("premier", premier, attendre))
    a.start()
    assert pret.wait(timeout=30)
    b = threading.Thread(target=executer, args=("second", second))
    b.start()
    time.sleep(0.8)
    attendu = b.is_alive()
    valider.set()
    a.join(timeout=60)
    b.join(timeout=60)
    for issue in issues.values():
        if issue is not None and not isinstance(issue, WorkflowError):
            raise issue
    return attendu, issues["premier"], issues["second"]


@pytest.fixture
def lettre_en_brouillon(app, base_partagee):
    """A validated intervenant, its intervention and a lettre « brouillon », committed."""
    from datetime import timedelta
    from decimal import Decimal

    from flask_appbuilder.security.sqla.models import User

    from app.models.interventions import EtatLettre, Intervention, LettreDemande, ModeRemuneration
    from app.models.referentiels import Structure
    from tests.conftest import Factory

    factory = Factory(app)
    user, profil = factory.intervenant("DR-84", complet=True)
    profil.etat_inscription = EtatInscription.validee  # test setup only
    gestionnaire = factory.gestionnaire("DR-84")
    debut = date.today() + timedelta(days=30)
    intervention = Intervention(intervenant_id=profil.id, intitule="Management d'équipe", lieu="Lyon",
                                structure_id=db.session.scalar(select(Structure.id).where(Structure.code == "DR-84")),
                                date_debut=debut, date_fin=debut, duree_jours=Decimal("1"))
    db.session.add(intervention)
    db.session.flush()
    lettre = LettreDemande(intervention_id=intervention.id, date_lettre=date.today(), taux=Decimal("300"),
                           quantite=Decimal("1"), mode_remuneration=ModeRemuneration.journalier,
                           etat=EtatLettre.brouillon)
    db.session.add(lettre)
    db.session.commit()
    ids = (user.id, profil.id, gestionnaire.id, lettre.id)
    db.session.remove()

    def desinscrire():
        from app.operations import depart

        depart.desinscrire(db.session.get(User, ids[0]))

    def envoyer():
        from app.workflows.intervention import lettre as workflow_lettre

        workflow_lettre.apply(db.session.get(LettreDemande, ids[3]), "envoyer",
                              Acteur.from_user(db.session.get(User, ids[2])))

    return ids, desinscrire, envoyer


@postgresql_only
def test_unregistering_first_then_the_lettre_sent_is_refused(app, lettre_en_brouillon):
    from app.models.comptes import Intervenant
    from app.models.interventions import EtatLettre, LettreDemande
    from app.operations.interventions import INTERVENANT_DESINSCRIT

    (_, profil_id, _, lettre_id), desinscrire, envoyer = lettre_en_brouillon
    a_attendu, premier, second = _en_parallele(app, desinscrire, envoyer)
    assert a_attendu and premier is None
    assert second is not None and second.message == INTERVENANT_DESINSCRIT
    db.session.remove()
    assert db.session.get(LettreDemande, lettre_id).etat == EtatLettre.brouillon
    assert db.session.get(Intervenant, profil_id).etat_inscription == EtatInscription.archivee


@postgresql_only
def test_lettre_sent_first_then_unregistering_is_refused(app, lettre_en_brouillon):
    from app.models.comptes import Intervenant
    from app.models.interventions import EtatLettre, LettreDemande
    from app.models.regles_depart import MESSAGES, CasDesinscription

    (_, profil_id, _, lettre_id), desinscrire, envoyer = lettre_en_brouillon
    a_attendu, premier, second = _en_parallele(app, envoyer, desinscrire)
    assert a_attendu and premier is None
    assert second is not None and second.message == MESSAGES[CasDesinscription.refusee][0]
    db.session.remove()
    assert db.session.get(LettreDemande, lettre_id).etat == EtatLettre.envoyee
    assert db.session.get(Intervenant, profil_id).etat_inscription == EtatInscription.validee


@postgresql_only
def test_simultaneous_invitations_send_once(app, factory, base_partagee):
    """Issue 37: 20 simultaneous « Inviter à candidater » of the same person
    give one invitation, one messagerie message and one e-mail."""
    from app.models.messagerie import DestinataireMessage
    from app.models.referentiels import Region, SousSpecialite, Specialite
    from app.models.suggestions import InvitationAnnonce
    from tests.outils.annonces import ref

    gestionnaire = factory.gestionnaire("DR-84")
    user, profil = factory.intervenant("DR-84")
    profil.etat_inscription = EtatInscription.validee  # test setup only
    profil.sous_specialites = [ref(SousSpecialite, "FI1")]
    profil.specialites = [ref(Specialite, "FI")]
    profil.regions = [ref(Region, "84")]
    db.session.commit()
    annonce = creer_annonce("DR-84", specialites=("FI",), sous_specialites=("FI1",))
    aid, pid, uid, email, gid = annonce.id, profil.id, user.id, user.email, gestionnaire.id
    db.session.remove()

    reponses = _en_meme_temps(app, gid, f"/gestion/suggestions/annonce/{aid}",
                              f"/gestion/suggestions/annonce/{aid}/inviter", [{"intervenant": str(pid)}] * 20)

    assert all(status == 302 for status, _ in reponses)
    assert db.session.scalar(select(func.count()).select_from(InvitationAnnonce).where(
        InvitationAnnonce.annonce_id == aid)) == 1
    assert db.session.scalar(select(func.count()).select_from(DestinataireMessage).where(
        DestinataireMessage.destinataire_id == uid)) == 1
    assert _emails(email) == 1
