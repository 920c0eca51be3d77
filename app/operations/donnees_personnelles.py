"""Where a person's data are (issue 24): the rows of each table that belong
to one intervenant, declared once for the purge (app.operations.purge) and the
« Récupérer mes données » file (app.operations.export_donnees).

``LIENS`` maps a table name to the condition selecting the person's rows;
a table absent from it holds no row of an intervenant (``HORS_PERSONNE``
says why). tests/depart/test_purge.py checks that every table of
the models is in one of the two, so a new table cannot escape the purge
and the export unnoticed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from flask_appbuilder.security.sqla.models import User
from sqlalchemy import and_, exists, or_, select

from app.extensions import db
from app.models.comptes import Intervenant


@dataclass(frozen=True)
class Personne:
    """An intervenant: login user, profile (None: no profile) and e-mail
    (read before the purge replaces it)."""

    user_id: int
    profil_id: int | None
    email: str
    #: Attachments of the person's support requests: stored without owner
    #: (an anonymous requester has no account), read before the requests
    #: are anonymised so the purge still finds them.
    fichiers_support: tuple[int, ...] = ()

    @classmethod
    def de(cls, user_id: int) -> Personne:
        email = db.session.scalar(select(User.email).where(User.id == user_id))
        profil_id = db.session.scalar(select(Intervenant.id).where(Intervenant.user_id == user_id))
        personne = cls(user_id, profil_id, (email or "").lower())
        m = table("message_support")
        pieces = select(m.c.fichier_id).where(_messages_support(personne), m.c.fichier_id.is_not(None))
        return cls(user_id, profil_id, personne.email, tuple(db.session.scalars(pieces)))


def table(nom: str) -> sa.Table:
    return db.metadata.tables[nom]


def _profil(nom: str) -> Callable[[Personne], sa.ColumnElement]:
    return lambda p: table(nom).c.intervenant_id == (p.profil_id if p.profil_id is not None else -1)


def _compte(nom: str, colonne: str = "user_id") -> Callable[[Personne], sa.ColumnElement]:
    return lambda p: table(nom).c[colonne] == p.user_id


def _du_dossier(nom: str) -> Callable[[Personne], sa.ColumnElement]:
    def lien(p: Personne):
        dossiers = select(table("dossier_administratif").c.id).where(_profil("dossier_administratif")(p))
        return table(nom).c.dossier_id.in_(dossiers)
    return lien


def _demandes_support(p: Personne) -> sa.ColumnElement:
    t = table("demande_support")
    return or_(t.c.user_id == p.user_id, sa.func.lower(t.c.email) == p.email)


def _messages_support(p: Personne) -> sa.ColumnElement:
    demandes = select(table("demande_support").c.id).where(_demandes_support(p))
    return table("message_support").c.demande_id.in_(demandes)


def _messages(p: Personne) -> sa.ColumnElement:
    """Sent by the person, or received by the person alone (a message to
    several recipients stays theirs)."""
    m, d = table("message"), table("destinataire_message")
    a_recu = exists().where(d.c.message_id == m.c.id, d.c.destinataire_id == p.user_id)
    autre = exists().where(d.c.message_id == m.c.id, d.c.destinataire_id != p.user_id)
    return or_(m.c.expediteur_id == p.user_id, and_(a_recu, ~autre))


def _fichier(p: Personne) -> sa.ColumnElement:
    """Owned by the person, or attached to one of the person's support requests."""
    f = table("fichier")
    return or_(f.c.owner_user_id == p.user_id, f.c.id.in_(p.fichiers_support or [-1]))


def _fichiers(p: Personne):
    return select(table("fichier").c.id).where(_fichier(p))


def objets_historique(p: Personne) -> list[sa.ColumnElement]:
    """The workflow objects of the person (history rows about them)."""
    h = table("transition_historique")
    conditions = [and_(h.c.objet_type == "etat_compte", h.c.objet_id == p.user_id)]
    if p.profil_id is not None:
        conditions.append(and_(h.c.objet_type == "intervenant", h.c.objet_id == p.profil_id))
        candidatures = select(table("candidature").c.id).where(_profil("candidature")(p))
        conditions.append(and_(h.c.objet_type == "candidature", h.c.objet_id.in_(candidatures)))
        blocs = select(table("bloc_dossier").c.id).where(_du_dossier("bloc_dossier")(p))
        conditions.append(and_(h.c.objet_type == "bloc_dossier", h.c.objet_id.in_(blocs)))
    demandes = select(table("demande_support").c.id).where(_demandes_support(p))
    conditions.append(and_(h.c.objet_type == "demande_support", h.c.objet_id.in_(demandes)))
    return conditions


def _historique(p: Personne) -> sa.ColumnElement:
    return or_(*objets_historique(p), table("transition_historique").c.acteur_id == p.user_id)


#: Table → the condition selecting one person's rows.
LIENS: dict[str, Callable[[Personne], sa.ColumnElement]] = {
    "ab_user": _compte("ab_user", "id"),
    "ab_user_role": _compte("ab_user_role"),
    "ab_user_group": _compte("ab_user_group"),
    "ab_api_key": _compte("ab_api_key"),
    "etat_compte": _compte("etat_compte"),
    "jeton_compte": _compte("jeton_compte"),
    "session_utilisateur": _compte("session_utilisateur"),
    "second_facteur": _compte("second_facteur"),
    "code_secours": _compte("code_secours"),
    "conservation_compte": _compte("conservation_compte"),
    "export_donnees": _compte("export_donnees"),
    "tentative_connexion": lambda p: or_(table("tentative_connexion").c.user_id == p.user_id,
                                         sa.func.lower(table("tentative_connexion").c.identifiant) == p.email),
    "intervenant": lambda p: table("intervenant").c.user_id == p.user_id,
    **{nom: _profil(nom) for nom in (
        "intervenant_region", "intervenant_departement", "intervenant_specialite", "intervenant_sous_specialite",
        "intervenant_nature", "intervenant_public", "intervenant_prestation", "intervenant_methode",
        "specialite_souhaitee", "experience_formateur", "action_professionnalisation", "experience_professionnelle",
        "formation_suivie", "formation_initiale", "langue_intervenant", "candidature", "alerte_envoyee",
        "dossier_administratif", "consultation", "intervention", "immatriculation", "indisponibilite",
        "invitation_annonce", "envoi_annonces_pour_vous",
    )},
    "lettre_demande": lambda p: table("lettre_demande").c.intervention_id.in_(
        select(table("intervention").c.id).where(_profil("intervention")(p))),
    **{nom: _du_dossier(nom) for nom in ("bloc_dossier", "piece_dossier", "demande_dossier")},
    "fichier": _fichier,
    "acces_fichier": lambda p: table("acces_fichier").c.fichier_id.in_(_fichiers(p)),
    "message": _messages,
    "destinataire_message": _compte("destinataire_message", "destinataire_id"),
    "demande_support": _demandes_support,
    "message_support": _messages_support,
    "transition_historique": _historique,
    "outbox_message": lambda p: sa.func.lower(table("outbox_message").c.recipients) == p.email,
}

#: Tables without any row of an intervenant, and why.
HORS_PERSONNE: dict[str, str] = {
    **{nom: "référentiel" for nom in (
        "region", "departement", "structure", "pays", "code_postal", "specialite", "sous_specialite",
        "nature_formation", "public_formation", "prestation_complementaire", "methode_pedagogique", "niveau_diplome",
        "langue", "niveau_langue", "etat_candidature", "piece_statut", "statut_professionnel", "fonction_publique",
        "categorie_hierarchique", "position_administrative", "employeur_public", "type_contrat",
        "type_demande_support", "type_piece_identite", "structure_region", "statut_professionnel_piece",
    )},
    **{nom: "sécurité : rôles et permissions" for nom in (
        "ab_role", "ab_permission", "ab_view_menu", "ab_permission_view", "ab_permission_view_role", "ab_group",
        "ab_group_role", "ab_register_user", "permission_declaree",
    )},
    **{nom: "annonces de la structure (contact : un gestionnaire)" for nom in (
        "annonce", "annonce_region", "annonce_departement", "annonce_specialite", "annonce_sous_specialite",
    )},
    "actualite": "contenu du portail",
    "document_public": "contenu du portail",
    "gestionnaire": "compte du personnel (pas un intervenant)",
    "lectures_sensibles": "compteur de lectures d'un compte du personnel (pas un intervenant)",
    "defi_captcha": "captcha anonyme (réponse hachée, expire en 15 minutes)",
    "journal_purge": "comptes des purges, sans donnée d'une personne",
}
