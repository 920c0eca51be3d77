"""« Récupérer mes données » (issue 24, manual §11): one .xlsx file, one
sheet per block of the account, French headers.

``FEUILLES`` declares each sheet: its columns (``"table.colonne"``, header)
and the person's rows (``app.operations.donnees_personnelles.LIENS`` unless told).
Values are written for a reader: a referential code becomes its label, a
person their name, a file its name, a state its French label, NIR and IBAN
in clear (the file is for their owner). tests/depart/test_export_donnees.py derives
the personal columns from the purge's declarations (app.operations.purge) and fails
when one is neither in a sheet nor in ``NON_EXPORTEES``.

Built by a job (``app.jobs.depart.preparer_export``), stored encrypted,
downloaded once before ``EXPORT_DONNEES_VALIDITE_HEURES`` (app.views.depart).
Its technical état changes in one place, ``changer_etat``.
"""

from __future__ import annotations

import enum
import io
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from openpyxl import Workbook
from sqlalchemy import select

from app.extensions import db
from app.infra.exports import ligne_xlsx
from app.infra.formatting import format_date, format_heure
from app.infra.liens import external_url
from app.infra.mail import Secret, queue_email
from app.infra.storage import get_storage
from app.models import base
from app.models.authentification import hash_token
from app.models.consultations import ObjetConsultation, tracer
from app.models.depart import EtatExport, ExportDonnees
from app.models.fichiers import enregistrer_contenu
from app.models.support import DemandeSupport
from app.operations.donnees_personnelles import LIENS, Personne, objets_historique, table


@dataclass(frozen=True)
class Feuille:
    titre: str
    colonnes: tuple[tuple[str, str], ...]
    #: The person's rows, when not ``LIENS`` of the first column's table.
    lien: Callable[[Personne], sa.ColumnElement] | None = None
    #: Tables joined to the first one: (table, ON condition builder).
    jointures: tuple[tuple[str, Callable[[], sa.ColumnElement]], ...] = ()

    @property
    def table(self) -> str:
        return self.colonnes[0][0].split(".")[0]


def _c(nom: str) -> sa.Column:
    t, c = nom.split(".")
    return table(t).c[c]


def _profil(*colonnes: tuple[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple((f"intervenant.{c}", entete) for c, entete in colonnes)


def _lien_table(nom: str, entete: str) -> Feuille:
    """A profile ↔ referential link table (zones, natures, publics...)."""
    reference = next(c.name for c in table(nom).c if c.name != "intervenant_id")
    return Feuille(entete, ((f"{nom}.{reference}", entete),))


def _messages_envoyes(p: Personne):
    return table("message").c.expediteur_id == p.user_id


def _historique(p: Personne):
    return sa.or_(*objets_historique(p))


def feuilles() -> tuple[Feuille, ...]:
    """The sheets, in the file's order (built once the tables are known)."""
    return (
        Feuille("Compte", (
            ("ab_user.first_name", "Prénom"), ("ab_user.last_name", "Nom"),
            ("ab_user.email", "Adresse e-mail (identifiant)"), ("ab_user.created_on", "Compte créé le"),
            ("ab_user.last_login", "Dernière connexion"), ("etat_compte.etat", "État du compte"),
        ), jointures=(("etat_compte", lambda: table("etat_compte").c.user_id == table("ab_user").c.id),)),
        Feuille("Identité", _profil(
            ("civilite", "Civilité"), ("nom_naissance", "Nom de famille (naissance)"), ("nom_usage", "Nom d'usage"),
            ("prenom", "Prénom"), ("date_naissance", "Date de naissance"), ("lieu_naissance", "Lieu de naissance (ville)"),
            ("nationalite_id", "Nationalité"), ("adresse_complement", "N° appartement ou boîte aux lettres"),
            ("adresse_batiment", "Entrée - bâtiment - immeuble"), ("adresse_voie", "Numéro + libellé de la voie"),
            ("code_postal", "Code postal"), ("localite", "Localité - ville"), ("pays_residence_id", "Pays de résidence"),
            ("telephone_personnel", "Téléphone personnel"), ("portable_personnel", "Portable personnel"),
            ("telephone_professionnel", "Téléphone professionnel"), ("portable_professionnel", "Portable professionnel"),
            ("immatriculation", "Immatriculation"), ("structure_id", "Structure de rattachement"),
            ("etat_inscription", "État de l'inscription"), ("date_transmission", "Demande transmise le"),
            ("date_premiere_analyse", "Première analyse le"), ("date_complement_demande", "Complément demandé le"),
            ("date_relance_complement", "Relance du complément le"),
        )),
        Feuille("Statut", _profil(
            ("statut_professionnel_id", "Statut professionnel"), ("temps_travail", "Temps complet/temps non complet"),
            ("fonction_publique_id", "Fonction publique"), ("situation_position", "Situation/Position"),
            ("fonction", "Fonction"), ("grade", "Grade"), ("service", "Service"),
            ("position_administrative_id", "Position administrative"),
        )),
        Feuille("Employeur", _profil(
            ("type_employeur", "Type d'employeur"), ("employeur_raison_sociale", "Raison sociale"),
            ("employeur_siret", "SIRET"), ("employeur_pays_id", "Pays"), ("employeur_voie", "Numéro et libellé de la voie"),
            ("employeur_complement", "Complément d'adresse"), ("employeur_batiment", "Bâtiment"),
            ("employeur_code_postal", "Code postal"), ("employeur_localite", "Localité - ville"),
            ("employeur_telephone", "Téléphone"), ("adresse_pro_differente", "Adresse différente"),
            ("pro_pays_id", "Pays (coordonnées professionnelles)"), ("pro_code_postal", "Code postal (coordonnées professionnelles)"),
            ("pro_localite", "Localité - Ville (coordonnées professionnelles)"),
            ("pro_complement", "Complément (coordonnées professionnelles)"), ("pro_batiment", "Bâtiment (coordonnées professionnelles)"),
            ("pro_voie", "Numéro et libellé de la voie (coordonnées professionnelles)"),
            ("pro_email", "E-mail professionnel"), ("pro_telephone", "Téléphone professionnel"),
            ("pro_portable", "Portable professionnel"),
        )),
        Feuille("Zones d'intervention", _profil(
            ("disponible_etranger", "Disponible pour intervenir à l'étranger"), ("permis_conduire", "Permis de conduire"),
            ("vehicule_personnel", "Véhicule personnel"),
        )),
        _lien_table("intervenant_region", "Régions"),
        _lien_table("intervenant_departement", "Départements"),
        Feuille("Spécialités", (
            ("specialite_souhaitee.sous_specialite_id", "Sous-spécialité"), ("specialite_souhaitee.expertise", "Expertise en"),
            ("specialite_souhaitee.observations", "Observations et motivations"),
            ("specialite_souhaitee.created_at", "Ajoutée le"), ("specialite_souhaitee.updated_at", "Modifiée le"),
        )),
        _lien_table("intervenant_specialite", "Domaines de spécialité"),
        _lien_table("intervenant_sous_specialite", "Sous-spécialités"),
        Feuille("Parcours", _profil(
            ("deja_forme", "Avez-vous déjà réalisé des formations ?"),
            ("motivation", "Votre motivation pour devenir intervenant"), ("autre_prestation", "Autre prestation"),
            ("reseaux_sociaux", "Réseaux sociaux"), ("cv_fichier_id", "CV (fichier)"),
        )),
        _lien_table("intervenant_nature", "Natures de formation"),
        _lien_table("intervenant_public", "Publics"),
        _lien_table("intervenant_prestation", "Prestations complémentaires"),
        _lien_table("intervenant_methode", "Méthodes pédagogiques"),
        Feuille("Expériences de formateur", tuple((f"experience_formateur.{c}", e) for c, e in (
            ("libelle", "Intitulé"), ("contexte", "Contexte"), ("public", "Public"), ("annees", "Années"),
            ("duree", "Durée"), ("organismes", "Organismes"), ("created_at", "Ajoutée le"), ("updated_at", "Modifiée le")))),
        Feuille("Actions de professionnalisation", tuple((f"action_professionnalisation.{c}", e) for c, e in (
            ("libelle", "Intitulé"), ("organisme", "Organisme"), ("duree", "Durée"), ("annee", "Année"),
            ("created_at", "Ajoutée le"), ("updated_at", "Modifiée le")))),
        Feuille("Expériences professionnelles", tuple((f"experience_professionnelle.{c}", e) for c, e in (
            ("employeur", "Employeur"), ("fonction", "Fonction"), ("periode", "Période"), ("missions", "Missions"),
            ("responsabilites", "Responsabilités"), ("created_at", "Ajoutée le"), ("updated_at", "Modifiée le")))),
        Feuille("Formations suivies", tuple((f"formation_suivie.{c}", e) for c, e in (
            ("libelle", "Intitulé"), ("nature", "Nature"), ("organisme", "Organisme"), ("duree", "Durée"),
            ("annees", "Années"), ("created_at", "Ajoutée le"), ("updated_at", "Modifiée le")))),
        Feuille("Formations initiales", tuple((f"formation_initiale.{c}", e) for c, e in (
            ("titre", "Titre du diplôme"), ("niveau_diplome_id", "Niveau"), ("organisme", "Organisme"),
            ("annee", "Année"), ("fichier_id", "Diplôme (fichier)"), ("created_at", "Ajoutée le"), ("updated_at", "Modifiée le")))),
        Feuille("Langues", tuple((f"langue_intervenant.{c}", e) for c, e in (
            ("langue_id", "Langue"), ("niveau_conversation_id", "Conversation"), ("niveau_animation_id", "Animation"),
            ("niveau_redaction_id", "Rédaction"), ("created_at", "Ajoutée le"), ("updated_at", "Modifiée le")))),
        Feuille("Préférences d'alerte", _profil(
            ("alerte_specialites", "Annonces de mes spécialités"), ("alerte_regions", "Annonces de mes régions"),
            ("alerte_specialites_et_regions", "Annonces de mes spécialités dans mes régions"),
            ("alerte_annonces_pour_vous", "Annonces pour vous, chaque semaine"),
        )),
        Feuille("Alertes reçues", (
            ("alerte_envoyee.annonce_id", "Annonce"), ("alerte_envoyee.created_at", "Le"),
            ("alerte_envoyee.email_ecrit_le", "E-mail écrit le"),
        )),
        Feuille("Invitations à candidater", (
            ("invitation_annonce.annonce_id", "Annonce"), ("invitation_annonce.created_at", "Le"),
            ("invitation_annonce.invite_par_id", "Par"), ("invitation_annonce.message_id", "Message"),
        )),
        Feuille("Annonces pour vous (e-mails)", (
            ("envoi_annonces_pour_vous.semaine", "Semaine"), ("envoi_annonces_pour_vous.created_at", "Écrit le"),
            ("envoi_annonces_pour_vous.nombre_annonces", "Nombre d'annonces"),
        )),
        Feuille("Dossier administratif", tuple((f"dossier_administratif.{c}", e) for c, e in (
            ("type_piece_identite_id", "Pièce d'identité"), ("validite_debut", "Valide du"), ("validite_fin", "Valide jusqu'au"),
            ("rappel_expiration", "Rappel de fin de validité envoyé"), ("pays_naissance_id", "Pays de naissance"),
            ("nir", "N° de sécurité sociale (NIR)"), ("type_contrat_id", "Type de contrat"), ("contrat_debut", "Contrat du"),
            ("contrat_fin", "Contrat jusqu'au"), ("date_attestation", "Date de l'attestation"), ("iban", "IBAN"),
            ("bic", "BIC"), ("zone_sepa", "Zone SEPA"), ("diplome_intitule", "Diplôme"), ("created_at", "Créé le")))),
        Feuille("Dossier - blocs", tuple((f"bloc_dossier.{c}", e) for c, e in (
            ("bloc", "Bloc"), ("etat", "État"), ("structure_id", "Structure"), ("date_demande", "Demandé le"),
            ("date_transmission", "Transmis le"), ("date_decision", "Décision le"), ("motif_refus", "Motif du refus"),
            ("modifie", "Modifié depuis la transmission"), ("rappel_revision", "Rappel de révision envoyé")))),
        Feuille("Dossier - demandes", tuple((f"demande_dossier.{c}", e) for c, e in (
            ("date", "Le"), ("structure_id", "Structure"), ("auteur_id", "Par"), ("blocs", "Blocs demandés"),
            ("date_reponse", "Votre réponse (accès ouvert à la structure) le")))),
        Feuille("Pièces du dossier", (("piece_dossier.piece", "Pièce"), ("piece_dossier.fichier_id", "Fichier"))),
        Feuille("Fichiers déposés", tuple((f"fichier.{c}", e) for c, e in (
            ("original_name", "Nom du fichier"), ("content_type", "Type"), ("size", "Taille (octets)"),
            ("sensitive", "Chiffré"), ("created_at", "Déposé le"), ("uploaded_by_id", "Déposé par")))),
        Feuille("Candidatures", tuple((f"candidature.{c}", e) for c, e in (
            ("annonce_id", "Annonce"), ("date", "Le"), ("etat", "État"), ("commentaire", "Commentaire")))),
        Feuille("Interventions", tuple((f"intervention.{c}", e) for c, e in (
            ("intitule", "Intitulé"), ("structure_id", "Structure"), ("date_debut", "Du"), ("date_fin", "Au"),
            ("duree_jours", "Durée (jours)"), ("lieu", "Lieu"), ("etat", "État"),
            ("reference_externe", "Référence")))),
        Feuille("Lettres de demande", tuple((f"lettre_demande.{c}", e) for c, e in (
            ("numero", "Numéro"), ("intervention_id", "Intervention"), ("type", "Type"), ("date_lettre", "Date"),
            ("mode_remuneration", "Mode de rémunération"), ("taux", "Taux (€)"), ("quantite", "Quantité"),
            ("etat", "État"), ("fichier_id", "Lettre (fichier)"), ("auteur_id", "Par"), ("cree_le", "Créée le"),
            ("envoyee_le", "Envoyée le"), ("sha256_envoye", "Empreinte SHA-256 de la lettre envoyée"),
            ("reponse_le", "Réponse en ligne le"), ("reponse_ip", "Depuis l'adresse IP"),
            ("sha256_reponse", "Empreinte SHA-256 du document accepté ou refusé"), ("motif_refus", "Motif du refus"),
            ("fichier_accepte_id", "Lettre acceptée (fichier)")))),
        Feuille("Indisponibilités", tuple((f"indisponibilite.{c}", e) for c, e in (
            ("du", "Du"), ("au", "Au"), ("motif", "Motif"), ("created_at", "Déclarée le"),
            ("updated_at", "Modifiée le")))),
        Feuille("Messages envoyés", tuple((f"message.{c}", e) for c, e in (
            ("date", "Le"), ("destinataires_libelle", "Destinataires"), ("objet", "Objet"), ("texte", "Message"),
            ("brouillon", "Brouillon"), ("archive_expediteur", "Archivé"))), lien=_messages_envoyes),
        Feuille("Messages reçus", (
            ("destinataire_message.date", "Le"), ("message.expediteur_id", "Expéditeur"), ("message.objet", "Objet"),
            ("message.texte", "Message"), ("destinataire_message.recu", "Reçu"), ("destinataire_message.lu", "Lu"),
            ("destinataire_message.archive", "Archivé"),
        ), jointures=(("message", lambda: table("message").c.id == table("destinataire_message").c.message_id),)),
        Feuille("Demandes de support", tuple((f"demande_support.{c}", e) for c, e in (
            ("numero", "Numéro"), ("type_id", "Type de demande"), ("structure_id", "Structure gestionnaire"),
            ("nom", "Nom"), ("prenom", "Prénom"), ("email", "E-mail"), ("sujet", "Sujet"),
            ("descriptif", "Descriptif de la demande"), ("etat", "État"), ("cree_le", "Créée le"),
            ("transmise_le", "Transmise le"), ("date_complement_demande", "Complément demandé le")))),
        Feuille("Échanges du support", (
            ("message_support.demande_id", "Demande n°"), ("message_support.date", "Le"),
            ("message_support.du_cnfpt", "Écrit par le CNFPT"), ("message_support.texte", "Message"),
            ("message_support.fichier_id", "Pièce jointe"),
        )),
        Feuille("Historique des décisions", tuple((f"transition_historique.{c}", e) for c, e in (
            ("date", "Le"), ("workflow", "Procédure"), ("objet_type", "Objet"), ("evenement", "Action"),
            ("etat_avant", "État avant"), ("etat_apres", "État après"), ("acteur_id", "Par"),
            ("commentaire", "Commentaire"))), lien=_historique),
        Feuille("Journal des connexions", tuple((f"tentative_connexion.{c}", e) for c, e in (
            ("cree_le", "Le"), ("identifiant", "Identifiant saisi"), ("succes", "Réussie"), ("motif", "Motif"),
            ("canal", "Canal"), ("adresse_ip", "Adresse IP"), ("acteur_id", "Action d'un administrateur")))),
        Feuille("Sessions", tuple((f"session_utilisateur.{c}", e) for c, e in (
            ("cree_le", "Ouverte le"), ("revoquee_le", "Fermée le")))),
    )


#: Columns of the person's rows left out of the file, and why.
NON_EXPORTEES: dict[str, str] = {
    "intervenant.identite_normalisee": "clé d'unicité calculée de l'identité (déjà dans « Identité »)",
    "intervenant.texte_parcours": "texte du Parcours recopié pour la recherche (déjà dans les feuilles du Parcours)",
    "ab_user.username": "identique à l'adresse e-mail",
    "ab_user.password": "empreinte du mot de passe (secret)",
    "demande_support.jeton_hash": "empreinte d'un lien de confirmation (secret)",
    "demande_support.jeton_expire_le": "validité de ce lien",
    "demande_support.user_id": "le compte lui-même",
    "fichier.uuid": "identifiant technique du fichier",
    "fichier.storage_key": "emplacement technique du fichier",
    "fichier.sha256": "empreinte technique du fichier",
    "fichier.owner_user_id": "le compte lui-même",
    "lettre_demande.reponse_par_id": "le compte lui-même (la réponse en ligne est la sienne)",
    "export_donnees.*": "les fichiers « Récupérer mes données » eux-mêmes",
    "jeton_compte.*": "liens à usage unique (empreintes, secrets)",
    "second_facteur.*": "clé de double authentification (secret)",
    "code_secours.*": "codes de secours (empreintes, secrets)",
    "session_utilisateur.jeton_hash": "empreinte du cookie de session (secret)",
    "outbox_message.*": "copies des e-mails envoyés à la personne (reçus dans sa messagerie)",
    "acces_fichier.*": "journal des téléchargements de ses fichiers par le personnel (« Qui a consulté mon dossier »)",
    "ab_user_group.*": "groupes du personnel",
    "ab_api_key.*": "clés d'API du personnel",
}


def _cle_primaire_ou_lien(colonne: sa.Column) -> bool:
    """Ids and links to the person's own rows say nothing to a reader."""
    if colonne.primary_key and not colonne.foreign_keys:  # a link table's referential id is data
        return True
    return colonne.name in ("intervenant_id", "dossier_id", "user_id", "destinataire_id", "message_id", "origine_id")


def colonnes_exportees() -> set[str]:
    return {nom for f in feuilles() for nom, _ in f.colonnes}


# -- writing the file ------------------------------------------------------
LIBELLES = ("libelle", "nom", "original_name", "intitule", "numero")


def _libelles_references(colonne: sa.Column, valeurs: set) -> dict | None:
    """Labels of the rows a foreign key points at (one query per column)."""
    if not colonne.foreign_keys or not valeurs:
        return None
    cible = next(iter(colonne.foreign_keys)).column.table
    if cible.name == "ab_user":
        lignes = db.session.execute(select(cible.c.id, cible.c.first_name, cible.c.last_name)
                                    .where(cible.c.id.in_(valeurs)))
        return {i: f"{prenom} {nom}" for i, prenom, nom in lignes}
    if cible.name == "annonce":
        lignes = db.session.execute(select(cible.c.id, cible.c.numero, cible.c.intitule).where(cible.c.id.in_(valeurs)))
        return {i: f"{numero} – {intitule}" for i, numero, intitule in lignes}
    libelle = next((cible.c[n] for n in LIBELLES if n in cible.c), None)
    if libelle is None:
        return None
    return dict(db.session.execute(select(cible.c.id, libelle).where(cible.c.id.in_(valeurs))).all())


def _texte(valeur, colonne: sa.Column, references: dict | None):
    if valeur is None:
        return ""
    if references is not None:
        return references.get(valeur, valeur)
    if isinstance(valeur, bool):
        return "Oui" if valeur else "Non"
    if isinstance(valeur, datetime):
        return format_heure(valeur)  # stored UTC, read in Paris time like every screen
    if isinstance(valeur, date):
        return format_date(valeur)
    if isinstance(valeur, enum.Enum):
        return getattr(valeur, "libelle", valeur.value)
    enum_class = getattr(colonne.type, "enum_class", None)
    if enum_class is not None and hasattr(enum_class, "libelle"):
        return enum_class(valeur).libelle
    return valeur


def lignes(feuille: Feuille, personne: Personne) -> list[list]:
    colonnes = [_c(nom) for nom, _ in feuille.colonnes]
    depuis = table(feuille.table)
    for nom, condition in feuille.jointures:
        depuis = depuis.outerjoin(table(nom), condition())
    lien = feuille.lien or LIENS[feuille.table]
    brutes = db.session.execute(select(*colonnes).select_from(depuis).where(lien(personne))
                                .order_by(*table(feuille.table).primary_key.columns)).all()
    references = [_libelles_references(c, {r[i] for r in brutes if r[i] is not None}) for i, c in enumerate(colonnes)]
    return [[_texte(v, colonnes[i], references[i]) for i, v in enumerate(r)] for r in brutes]


def _titre(titre: str) -> str:
    return "".join(" " if c in "[]:*?/\\" else c for c in titre)[:31]


def construire(personne: Personne) -> bytes:
    """The .xlsx file of one person's data."""
    classeur = Workbook(write_only=True)
    for feuille in feuilles():
        onglet = classeur.create_sheet(_titre(feuille.titre))
        onglet.append([entete for _, entete in feuille.colonnes])
        for ligne in lignes(feuille, personne):
            onglet.append(ligne_xlsx(onglet, ligne))
    sortie = io.BytesIO()
    classeur.save(sortie)
    return sortie.getvalue()


# -- the file's life: asked, built, downloaded once, expired ----------------
def _sources():
    E = EtatExport
    #: From which états each état is reached: en préparation → prêt | échec; prêt → téléchargé | expiré.
    return {E.pret: (E.en_preparation,), E.echec: (E.en_preparation,),
            E.telecharge: (E.pret,), E.expire: (E.pret,)}


def changer_etat(export, etat, **champs) -> bool:
    """The one place the export's état changes: ``etat`` (with ``champs``)
    is written only if the row is still in a state that leads there, in one
    conditional UPDATE, so two concurrent requests cannot both take it.
    False when the row had already moved on."""
    fait = db.session.execute(
        sa.update(ExportDonnees)
        .where(ExportDonnees.id == export.id, ExportDonnees.etat.in_(_sources()[etat]))
        .values(etat=etat, **champs)
        .execution_options(synchronize_session=False)
    ).rowcount == 1
    db.session.refresh(export)
    return fait


def demander(user_id: int, demandeur_id: int, demande_support_id: int | None = None):
    """A new file to build (the caller commits, then enqueues the job)."""
    export = ExportDonnees(user_id=user_id, demandeur_id=demandeur_id, demande_support_id=demande_support_id,
                           etat=EtatExport.en_preparation, cree_le=base.utcnow())
    db.session.add(export)
    db.session.flush()
    return export


def demander_pour_support(demande, user_id: int, intervenant_id: int, demandeur_id: int):
    """The national administration's export of an archived account, from its
    support request: the file to build, and the consultation recorded."""
    export = demander(user_id, demandeur_id, demande.id)
    tracer(ObjetConsultation.donnees, intervenant_id=intervenant_id, detail=f"Demande de support n° {demande.numero}")
    return export


def preparer(export) -> str | None:
    """Build and store the file; for a support request, a single-use link is
    e-mailed to the requester (its clear token returned)."""
    from flask import current_app


    contenu = construire(Personne.de(export.user_id))
    maintenant = base.utcnow()
    changer_etat(export, EtatExport.pret,
                 storage_key=enregistrer_contenu(contenu, sensitive=True),  # deleted if the job rolls back
                 taille=len(contenu), pret_le=maintenant,
                 expire_le=maintenant + timedelta(hours=current_app.config["EXPORT_DONNEES_VALIDITE_HEURES"]))
    if export.demande_support_id is None:
        return None
    demande = db.session.get(DemandeSupport, export.demande_support_id)
    token = secrets.token_urlsafe(32)
    export.jeton_hash = hash_token(token)
    queue_email(demande.email, "depart_export", "Vos données personnelles sur l'Espace intervenants",
                prenom=demande.prenom, nom=demande.nom, numero=demande.numero, expire_le=export.expire_le,
                lien=Secret(external_url("LienDonneesView.telecharger", token=token)))
    return token


def retirer(export) -> bytes | None:
    """The file's content for its one download, then gone: None if it was
    already taken, or has expired (a concurrent request gets None too)."""
    if export.etat != EtatExport.pret or export.expire_le is None or export.expire_le <= base.utcnow():
        return None
    cle = export.storage_key
    if not changer_etat(export, EtatExport.telecharge, telecharge_le=base.utcnow(), storage_key=None):
        return None
    stockage = get_storage()
    contenu = stockage.open(cle)
    stockage.delete(cle)
    return contenu


def du_lien(token: str):
    """The export an e-mailed link names (None: unknown token)."""
    if not token or len(token) > 100:
        return None
    return db.session.scalar(select(ExportDonnees).where(ExportDonnees.jeton_hash == hash_token(token)))


def echouer(export_id: int) -> None:
    """The job could not build the file (its work rolled back): the page says so."""
    changer_etat(db.session.get(ExportDonnees, export_id), EtatExport.echec)


def expirer(export) -> None:
    """A file not downloaded in time: its content goes (the caller deletes the stored key)."""
    changer_etat(export, EtatExport.expire, storage_key=None)
