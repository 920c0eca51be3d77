"""Inscription of an intervenant (manual §3.1.2–§3.3.2).

brouillon → transmise → validée | rejetée | complément demandé;
complément demandé → transmise; complément demandé → archivée (job after two
months without action); rejetée → transmise only one year after the first
analysis. Leaving (issue 24): any state → archivée when the account is
archived (« Me désinscrire », inactivity), out of the CV-thèque and the
alerts at once; archivée → the state it left (« restaurer_<état> ») when a
national administrator reactivates the account.
"""

from __future__ import annotations

from datetime import timedelta

from app.infra.formatting import format_date
from app.models.base import utcnow
from app.models.comptes import LIBELLES_ETAT_INSCRIPTION
from app.models.comptes import EtatInscription as E
from app.security.roles import INTERVENANT, NATIONAL, PERSONNEL
from app.security.scope import perimetre_de
from app.workflows.compte import TITULAIRE
from app.workflows.core import SYSTEME, Acteur, Transition, Workflow

DELAI_NOUVELLE_DEMANDE = timedelta(days=365)


def _owner(obj, actor: Acteur):
    if INTERVENANT in actor.roles and obj.user_id != actor.user_id:
        return "Cette demande d'inscription ne vous appartient pas."
    return None


def _same_structure(obj, actor: Acteur):
    """A gestionnaire only acts on requests addressed to their structure."""
    if not perimetre_de(actor).couvre(obj.structure_id):
        return "Cette demande est adressée à une autre structure."
    return None


def _one_year_after_first_analysis(obj, actor: Acteur):
    possible_from = date_nouvelle_demande(obj)
    if possible_from is not None:
        return (
            "Votre demande a été rejetée : vous pourrez transmettre une nouvelle demande "
            f"à partir du {format_date(possible_from, 'dd/MM/yyyy')}."
        )
    return None


def _complete(obj, actor: Acteur):
    """Every required field of both pages (the page lists them with links)."""
    manquants = champs_manquants(obj)
    if manquants:
        return "Votre demande n'a pas été transmise : des champs obligatoires ne sont pas renseignés ({}).".format(
            ", ".join(label for _, _, label in manquants)
        )
    return None


def _mark_transmitted(obj, actor: Acteur) -> None:
    obj.date_transmission = utcnow()
    obj.date_complement_demande = None
    obj.date_relance_complement = None


def _mark_complement(obj, actor: Acteur) -> None:
    """Start of the two months after which the request is archived."""
    obj.date_complement_demande = utcnow()
    obj.date_relance_complement = None


def date_nouvelle_demande(obj):
    """From when a rejected request may be transmitted again (None if now)."""
    if obj.date_premiere_analyse is None:
        return None
    possible_from = obj.date_premiere_analyse + DELAI_NOUVELLE_DEMANDE
    return possible_from if utcnow() < possible_from else None


#: Page and anchor of each required field, for the « missing fields » list.
PAGE_IDENTIFICATION, PAGE_PARCOURS = "identification", "parcours"


def champs_manquants(p) -> list[tuple[str, str, str]]:
    """Required fields of both pages that are empty: (page, field id, label).

    Conditional rules of the manual: the employer block only when the statut
    has an employer type, the public-agent fields for a public employer, the
    professional coordinates when « Adresse différente » is ticked, the
    motivation when the intervenant has never trained.
    """
    missing: list[tuple[str, str, str]] = []

    def need(page, field, label, value):
        if value in (None, "", []) or (isinstance(value, str) and not value.strip()):
            missing.append((page, field, label))

    i = PAGE_IDENTIFICATION
    for field, label in (
        ("civilite", "Civilité"),
        ("nom_naissance", "Nom de famille (naissance)"),
        ("prenom", "Prénom"),
        ("date_naissance", "Date de naissance"),
        ("lieu_naissance", "Lieu de naissance (ville)"),
        ("nationalite_id", "Nationalité"),
        ("adresse_voie", "Numéro + libellé de la voie"),
        ("pays_residence_id", "Pays de résidence"),
        ("code_postal", "Code postal"),
        ("localite", "Localité - ville"),
        ("telephone_personnel", "Téléphone personnel"),
        ("statut_professionnel_id", "Statut professionnel"),
    ):
        need(i, field, label, getattr(p, field))
    type_employeur = p.statut_professionnel.type_employeur if p.statut_professionnel else None
    if type_employeur:
        need(i, "temps_travail", "Temps complet/temps non complet", p.temps_travail)
        if type_employeur == "PUBLIC":
            need(i, "fonction_publique_id", "Fonction publique", p.fonction_publique_id)
            need(i, "situation_position", "Situation/Position", p.situation_position)
            need(i, "fonction", "Fonction", p.fonction)
        for field, label in (
            ("employeur_raison_sociale", "Raison sociale de l'employeur"),
            ("employeur_pays_id", "Pays (employeur)"),
            ("employeur_voie", "Numéro et libellé de la voie (employeur)"),
            ("employeur_code_postal", "Code postal (employeur)"),
            ("employeur_localite", "Localité - ville (employeur)"),
        ):
            need(i, field, label, getattr(p, field))
        if p.adresse_pro_differente:
            for field, label in (
                ("pro_code_postal", "Code postal (coordonnées professionnelles)"),
                ("pro_localite", "Localité - Ville (coordonnées professionnelles)"),
                ("pro_voie", "Numéro et libellé de la voie (coordonnées professionnelles)"),
            ):
                need(i, field, label, getattr(p, field))
    need(i, "regions", "Région(s)", list(p.regions))
    need(i, "structure_id", "Structure de rattachement", p.structure_id)

    q = PAGE_PARCOURS
    need(q, "specialites", "Sous-spécialité(s)", list(p.specialites_souhaitees))
    need(q, "deja_forme", "Avez-vous déjà réalisé des formations ?", p.deja_forme)
    if p.deja_forme is False:
        need(q, "motivation", "Votre motivation pour devenir intervenant", p.motivation)
    need(q, "formations-initiales", "Formations initiales (scolaire, universitaire)", list(p.formations_initiales))
    return missing


def _mark_analysed(obj, actor: Acteur) -> None:
    """The one-year rule counts from the first analysis, not the latest."""
    if obj.date_premiere_analyse is None:
        obj.date_premiere_analyse = utcnow()


def _titulaire(obj, actor: Acteur):
    """« Me désinscrire »: the account's holder (``app.workflows.compte.titulaire``), not a role."""
    if TITULAIRE in actor.roles and actor.user_id != obj.user_id:
        return "Cette demande d'inscription ne vous appartient pas."
    return None


def _restart_complement(obj, actor: Acteur) -> None:
    """Back in « complément demandé » after a reactivation: the two months
    before the automatic archiving start again."""
    obj.date_complement_demande = utcnow()
    obj.date_relance_complement = None


#: States a profile leaves when its account is archived, and returns to.
AVANT_ARCHIVAGE = (E.brouillon, E.transmise, E.validee, E.rejetee, E.complement_demande)
OWNER = frozenset({INTERVENANT})

inscription = Workflow(
    "inscription",
    titre="Demandes d'inscription",
    state_enum=E,
    deja_traitee="Cette demande d'inscription a déjà été traitée entre-temps",
    state_attr="etat_inscription",
    libelles=LIBELLES_ETAT_INSCRIPTION,
    transitions=[
        Transition(E.brouillon, "transmettre", E.transmise, OWNER, "Transmettre", (_owner, _complete),
                   effects=(_mark_transmitted,)),
        Transition(E.complement_demande, "transmettre", E.transmise, OWNER, "Transmettre",
                   (_owner, _complete), effects=(_mark_transmitted,)),
        Transition(
            E.rejetee, "transmettre", E.transmise, OWNER, "Transmettre",
            (_owner, _one_year_after_first_analysis, _complete), effects=(_mark_transmitted,),
        ),
        Transition(E.transmise, "valider", E.validee, PERSONNEL, "Valider", (_same_structure,),
                   effects=(_mark_analysed,)),
        Transition(
            E.transmise, "rejeter", E.rejetee, PERSONNEL, "Rejeter", (_same_structure,), comment_required=True,
            effects=(_mark_analysed,),
        ),
        Transition(
            E.transmise, "demander_complement", E.complement_demande, PERSONNEL,
            "Demander un complément", (_same_structure,), comment_required=True,
            effects=(_mark_analysed, _mark_complement),
        ),
        Transition(
            E.complement_demande, "archiver", E.archivee, frozenset({SYSTEME}),
            "Archiver (sans action depuis 2 mois)",
        ),
        *(
            Transition(source, "desinscrire", E.archivee, frozenset({TITULAIRE, SYSTEME}),
                       "Compte archivé (désinscription)", (_titulaire,))
            for source in AVANT_ARCHIVAGE
        ),
        *(
            Transition(E.archivee, f"restaurer_{cible.value}", cible, NATIONAL, "Compte réactivé",
                       effects=(_restart_complement,) if cible == E.complement_demande else ())
            for cible in AVANT_ARCHIVAGE
        ),
    ],
)
