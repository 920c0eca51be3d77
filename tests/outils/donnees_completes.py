"""An intervenant with a row in every table that can hold their data (issue
24): the purge and the « Récupérer mes données » tests run on it, and check
that it leaves no table of ``app.operations.donnees_personnelles.LIENS`` empty (a new
table needs its line here)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from io import BytesIO

from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from app.extensions import db
from app.infra.mail import queue_email
from app.infra.storage import get_storage
from app.infra.uploads import DOSSIER_ADMINISTRATIF, PIECE_JOINTE_SUPPORT
from app.models import base
from app.models.annonces import AlerteEnvoyee, Annonce, Candidature, EtatAnnonce
from app.models.authentification import JetonCompte, SessionUtilisateur, TentativeConnexion, TypeJeton
from app.models.consultations import Consultation
from app.models.depart import ExportDonnees
from app.models.deux_facteurs import CodeSecours, SecondFacteur
from app.models.dossier import Bloc, BlocDossier, DemandeDossier, DossierAdministratif, EtatBloc, Piece, PieceDossier
from app.models.fichiers import AccesFichier, store_upload
from app.models.indisponibilites import Indisponibilite
from app.models.interventions import (
    EtatIntervention,
    EtatLettre,
    Immatriculation,
    Intervention,
    LettreDemande,
    ModeRemuneration,
)
from app.models.parcours import (
    ActionProfessionnalisation,
    ExperienceFormateur,
    ExperienceProfessionnelle,
    FormationSuivie,
    LangueIntervenant,
)
from app.models.referentiels import (
    Departement,
    Langue,
    MethodePedagogique,
    NatureFormation,
    PrestationComplementaire,
    PublicFormation,
    Structure,
    TypeDemandeSupport,
)
from app.models.suggestions import EnvoiAnnoncesPourVous, InvitationAnnonce
from app.models.support import MessageSupport
from app.operations import support as operations_support
from app.operations.messagerie import ecrire
from app.workflows.core import Acteur
from app.workflows.inscription import inscription

NIR = "180057512345623"
IBAN = "FR7630006000011234567890189"
#: Tables of LIENS the fixture cannot fill for an intervenant (staff only).
SANS_LIGNE = {"ab_user_group", "ab_api_key"}


def _premier(modele):
    return db.session.scalar(select(modele).order_by(modele.id).limit(1))


def _fichier(user, nom: str):
    return store_upload(FileStorage(BytesIO(b"%PDF-1.4\n%%EOF\n"), filename=nom), owner_user_id=user.id,
                        sensitive=True, preset=DOSSIER_ADMINISTRATIF, uploaded_by_id=user.id)


def personne_complete(factory, email: str = "complete@example.test"):
    """(user, profil, gestionnaire): a validated intervenant with data everywhere."""
    user, profil = factory.intervenant("DR-84", complet=True, email=email, first="Camille", last="Durand")
    gestionnaire = factory.gestionnaire("DR-84")
    structure = db.session.get(Structure, profil.structure_id)
    inscription.apply(profil, "transmettre", Acteur.from_user(user))
    inscription.apply(profil, "valider", Acteur.from_user(gestionnaire))
    # identity, statut, employer, zones, Parcours
    profil.immatriculation = "IMM0000042"
    profil.portable_personnel, profil.pro_email, profil.employeur_raison_sociale = "0601020304", "pro@x.fr", "Mairie"
    profil.motivation, profil.autre_prestation, profil.alerte_regions = "Transmettre", "Tutorat", True
    profil.departements = [_premier(Departement)]
    sous_specialite = profil.specialites_souhaitees[0].sous_specialite
    profil.sous_specialites, profil.specialites = [sous_specialite], [sous_specialite.specialite]
    profil.natures, profil.publics = [_premier(NatureFormation)], [_premier(PublicFormation)]
    profil.prestations, profil.methodes = [_premier(PrestationComplementaire)], [_premier(MethodePedagogique)]
    profil.experiences_formateur.append(ExperienceFormateur(libelle="Formation budget", organismes="CNFPT"))
    profil.actions_professionnalisation.append(ActionProfessionnalisation(libelle="Pédagogie", annee="2020"))
    profil.experiences_professionnelles.append(ExperienceProfessionnelle(employeur="Ville", fonction="DGS"))
    profil.formations_suivies.append(FormationSuivie(libelle="Droit public"))
    profil.langues.append(LangueIntervenant(langue=_premier(Langue)))
    profil.cv_fichier = _fichier(user, "mon-cv.pdf")
    profil.formations_initiales[0].fichier = _fichier(user, "mon-diplome.pdf")
    # dossier administratif with a piece
    dossier = DossierAdministratif(intervenant_id=profil.id, nir=NIR, iban=IBAN, bic="AGRIFRPP",
                                   diplome_intitule="Master", validite_fin=date(2030, 1, 1))
    db.session.add(dossier)
    db.session.flush()
    db.session.add_all([
        BlocDossier(dossier_id=dossier.id, bloc=Bloc.identite, etat=EtatBloc.transmis, structure_id=structure.id,
                    motif_refus="Pièce illisible"),
        PieceDossier(dossier_id=dossier.id, piece=Piece.rib, fichier=_fichier(user, "mon-rib.pdf")),
        DemandeDossier(dossier_id=dossier.id, structure_id=structure.id, auteur_id=gestionnaire.id, blocs="identite"),
    ])
    db.session.flush()
    db.session.add(AccesFichier(fichier_id=profil.cv_fichier.id, user_id=gestionnaire.id, ip="10.0.0.1"))
    db.session.add(Consultation(user_id=gestionnaire.id, ip="10.0.0.1", objet="profil", intervenant_id=profil.id))
    db.session.add(Indisponibilite(intervenant_id=profil.id, du=date(2031, 5, 1), au=date(2031, 5, 15),
                                   motif="Congés"))
    # annonces: a candidature with a comment, an alert
    annonce = Annonce(intitule="Annonce budget", description="Description", structure_id=structure.id,
                      date_limite=date.today() + timedelta(days=30), etat=EtatAnnonce.publiee)
    db.session.add(annonce)
    db.session.flush()
    db.session.add_all([
        Candidature(annonce_id=annonce.id, intervenant_id=profil.id, commentaire="Je suis disponible en mai"),
        AlerteEnvoyee(annonce_id=annonce.id, intervenant_id=profil.id),
        # issue 37: an invitation to apply, a weekly « Annonces pour vous »
        InvitationAnnonce(annonce_id=annonce.id, intervenant_id=profil.id),
        EnvoiAnnoncesPourVous(intervenant_id=profil.id, semaine="2020-W10", nombre_annonces=1),
    ])
    # interventions and lettres (accounting)
    intervention = Intervention(intervenant_id=profil.id, structure_id=structure.id, intitule="Budget M57",
                                date_debut=date(2020, 3, 1), date_fin=date(2020, 3, 2), duree_jours=Decimal("2"),
                                lieu="Lyon", etat=EtatIntervention.realisee)
    db.session.add(intervention)
    db.session.flush()
    db.session.add_all([
        LettreDemande(intervention_id=intervention.id, date_lettre=date(2020, 2, 1), taux=Decimal("300"),
                      mode_remuneration=ModeRemuneration.journalier, quantite=Decimal("2"), etat=EtatLettre.terminee,
                      fichier=_fichier(user, "lettre.pdf"), auteur_id=gestionnaire.id),
        Immatriculation(intervenant_id=profil.id, numero="IMM0000042", attribuee_le=base.utcnow()),
    ])
    # messages both ways, support request with its thread
    ecrire(user.id, [gestionnaire.id], "Ma disponibilité", "Je suis disponible le 12.", envoyer=True)
    ecrire(gestionnaire.id, [user.id], "Votre dossier", "Merci de compléter votre RIB.", envoyer=True)
    type_id = db.session.scalar(select(TypeDemandeSupport.id).where(TypeDemandeSupport.code == "CONNEXION"))
    demande, _ = operations_support.creer(type_id=type_id, structure_id=structure.id, nom="Durand", prenom="Camille",
                                          email=email, sujet="Connexion", descriptif="Je n'arrive pas à me connecter.")
    operations_support.confirmer(demande)
    db.session.flush()
    piece_support = store_upload(FileStorage(BytesIO(b"%PDF-1.4\n%%EOF\n"), filename="capture.pdf"),
                                 owner_user_id=None, sensitive=True, preset=PIECE_JOINTE_SUPPORT)
    db.session.add(MessageSupport(demande_id=demande.id, auteur_id=user.id, du_cnfpt=False,
                                  texte="Voici une capture de l'erreur.", fichier=piece_support))
    db.session.add(MessageSupport(demande_id=demande.id, auteur_id=gestionnaire.id, du_cnfpt=True,
                                  texte="Essayez « Mot de passe oublié »."))
    # account security rows, connection log, outbox copy
    JetonCompte.emettre(db.session, user, TypeJeton.reinitialisation, timedelta(hours=2))
    db.session.add_all([
        TentativeConnexion(identifiant=email, user_id=user.id, succes=True, motif="ok", adresse_ip="192.0.2.7"),
        SessionUtilisateur(user_id=user.id, jeton_hash="a" * 64),
        SecondFacteur(user_id=user.id, secret="JBSWY3DPEHPK3PXP"),
        CodeSecours(user_id=user.id, code_hash="b" * 64),
        ExportDonnees(user_id=user.id, demandeur_id=user.id, storage_key=get_storage().save(b"xlsx", sensitive=True)),
    ])
    queue_email(email, "compte_reinitialisation", "Réinitialisation", prenom="Camille", nom="Durand", heures=2,
                lien="http://localhost/x")
    db.session.commit()
    return user, profil, gestionnaire
