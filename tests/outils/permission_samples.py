"""Sample URL arguments for the permission matrix, by argument name.

A value may be a callable taking the endpoint name, for arguments whose
meaning depends on the view (``pk`` of a user, a role, an intervenant...).
Sample rows are in structure A (DR-84) and owned by ``scene.owner``.
"""

from __future__ import annotations

from io import BytesIO

from werkzeug.datastructures import FileStorage

from app.infra.uploads import DOSSIER_ADMINISTRATIF
from app.models.fichiers import store_upload


def build(scene) -> dict:
    from flask_appbuilder.security.sqla.models import Group

    from app.extensions import db

    group = Group(name="groupe-matrice", label="Groupe matrice")
    db.session.add(group)
    db.session.flush()

    def pk(endpoint: str):
        view = endpoint.split(".")[0]
        if view in ("DemandeInscriptionView", "DecisionInscriptionView", "IntervenantApi", "CvthequeView"):
            return scene.owner_profil.id
        if view in ("UtilisateurView", "ComptesGestionView"):
            return scene.owner.id
        if view == "GroupeView":
            return group.id
        if view == "AnnonceGestionView":
            return annonce.id
        if view == "CandidatureGestionView":
            return candidature.id
        if view == "ProfilView":
            return experience.id
        if view == "MesIndisponibilitesView":
            return indisponibilite.id
        if view in ("ReceptionView", "EnvoyesView", "BrouillonsView", "EnvoiCandidatsView"):
            return message.id
        if view == "SupportGestionView":
            return piece_support.id if endpoint.endswith(".piece") else demande_support.id
        if view == "ExportDonneesGestionView":
            return demande_support.id
        if view == "DossierGestionView":
            return bloc.id if endpoint.endswith(".decider") else scene.owner_profil.id
        if view in ("InterventionGestionView", "InterventionApi"):
            return scene.intervention.id
        if view in ("LettreGestionView", "LettreDemandeApi"):
            return scene.lettre.id
        return 1

    from app.models.parcours import ExperienceFormateur

    experience = ExperienceFormateur(intervenant_id=scene.owner_profil.id, libelle="Formation matrice")
    db.session.add(experience)
    from datetime import date

    from app.models.indisponibilites import Indisponibilite

    indisponibilite = Indisponibilite(intervenant_id=scene.owner_profil.id, du=date(2027, 1, 4), au=date(2027, 1, 8))
    db.session.add(indisponibilite)
    db.session.flush()

    fichier = store_upload(
        FileStorage(BytesIO(b"%PDF-1.4\n%%EOF\n"), filename="piece.pdf"),
        owner_user_id=scene.owner.id,
        sensitive=True,
        preset=DOSSIER_ADMINISTRATIF,
    )
    annonce, candidature = _annonces(scene)
    # Issue 21: a message from gestionnaire A to gestionnaire B.
    from app.operations.messagerie import ecrire

    message = ecrire(scene.gestionnaire_a.id, [scene.gestionnaire_b.id], "Objet matrice", "Texte", envoyer=True)
    demande_support, piece_support = _demande_support()
    bloc = _dossier(scene)
    _interventions(scene)
    from app.infra.captcha import nouveau_defi

    defi = nouveau_defi()
    db.session.commit()

    return {
        "defi": defi,
        "token": "lien-inexistant",
        "nom": "charte",
        "pk": pk,
        "rubrique": "experiences-formateur",
        "uuid": str(fichier.uuid),
        "name": "inexistante",
        "filename": "inexistant.txt",
        "group_by": 0,
        "locale": "fr",
        "export_type": "csv",
        "numero": annonce.numero,
        "annonce_id": annonce.id,
        "intervenant_id": scene.owner_profil.id,
        "version": "v1",
    }


def _interventions(scene):
    """Issue 23: a validated intervenant of structure A (scene.valide), an
    intervention of structure A (scene.intervention) and its lettre, sent,
    with its PDF (scene.lettre)."""
    from datetime import date, timedelta
    from decimal import Decimal

    from flask import current_app
    from sqlalchemy import select

    from app.extensions import db
    from app.models.comptes import EtatInscription, Intervenant
    from app.models.interventions import EtatLettre, Intervention, LettreDemande, ModeRemuneration
    from app.models.referentiels import Structure
    from app.operations.interventions import stocker_pdf
    from app.security.roles import INTERVENANT

    sm = current_app.appbuilder.sm
    user = sm.add_user("probe.valide@example.test", "Valide", "Matrice", "probe.valide@example.test",
                       sm.find_role(INTERVENANT), password="Mot-de-passe-1!")
    structure_id = db.session.scalar(select(Structure.id).where(Structure.code == "DR-84"))
    valide = Intervenant(user_id=user.id, civilite="M", nom_naissance="Matrice", nom_usage="Matrice", prenom="Valide",
                         date_naissance=date(1970, 1, 1), structure_id=structure_id,
                         etat_inscription=EtatInscription.validee)
    db.session.add(valide)
    db.session.flush()
    debut = date.today() + timedelta(days=20)
    intervention = Intervention(intervenant_id=valide.id, structure_id=structure_id, intitule="Action matrice",
                                date_debut=debut, date_fin=debut, duree_jours=Decimal("1"), lieu="Lyon")
    db.session.add(intervention)
    db.session.flush()
    lettre = LettreDemande(intervention_id=intervention.id, numero="LD-MATRICE-1", date_lettre=date.today(),
                           mode_remuneration=ModeRemuneration.journalier, taux=Decimal("300"),
                           quantite=Decimal("1"), etat=EtatLettre.envoyee,
                           fichier=stocker_pdf(b"%PDF-1.4\n%%EOF\n", "lettre.pdf", owner_user_id=user.id,
                                               uploaded_by_id=None))
    db.session.add(lettre)
    db.session.flush()
    scene.valide, scene.intervention, scene.lettre = valide, intervention, lettre


def _dossier(scene):
    """Issue 20: structure A asked scene.owner for the identity block, transmitted."""
    from sqlalchemy import select

    from app.extensions import db
    from app.models.dossier import Bloc
    from app.models.referentiels import Structure
    from app.operations.dossier import demander, dossier_de, transmettre
    from app.workflows.core import Acteur

    acteur = Acteur.from_user(scene.gestionnaire_a)
    structure_id = db.session.scalar(select(Structure.id).where(Structure.code == "DR-84"))
    demander(scene.owner_profil, [Bloc.identite], acteur, structure_id)
    dossier = dossier_de(scene.owner_profil)
    transmettre(dossier, [Bloc.identite], Acteur.from_user(scene.owner))
    return dossier.bloc(Bloc.identite)


def _annonces(scene):
    """Issue #5: a published annonce of structure A with a candidature of
    scene.owner, and a draft (scene.annonce_brouillon) for the bulk actions."""
    from datetime import date, timedelta

    from sqlalchemy import select

    from app.extensions import db
    from app.models.annonces import Annonce, Candidature, EtatAnnonce
    from app.models.referentiels import Structure

    structure_id = db.session.scalar(select(Structure.id).where(Structure.code == "DR-84"))
    limite = date.today() + timedelta(days=30)
    annonce = Annonce(intitule="Annonce matrice", description="Description", date_limite=limite,
                      structure_id=structure_id, etat=EtatAnnonce.publiee)
    brouillon = Annonce(intitule="Brouillon matrice", description="Description", date_limite=limite,
                        structure_id=structure_id)
    db.session.add_all([annonce, brouillon])
    db.session.flush()
    candidature = Candidature(annonce_id=annonce.id, intervenant_id=scene.owner_profil.id, commentaire="Matrice")
    db.session.add(candidature)
    db.session.flush()
    scene.annonce_brouillon, scene.candidature = brouillon, candidature
    return annonce, candidature


def _demande_support():
    """Issue 22: a support request addressed to structure A, « à traiter »,
    and a message of its thread with an attachment."""
    from sqlalchemy import select

    from app.extensions import db
    from app.models.referentiels import Structure, TypeDemandeSupport
    from app.models.support import DemandeSupport, EtatDemandeSupport

    demande = DemandeSupport(
        numero="2612010001", type_id=db.session.scalar(select(TypeDemandeSupport.id).where(TypeDemandeSupport.code == "CONNEXION")),
        structure_id=db.session.scalar(select(Structure.id).where(Structure.code == "DR-84")),
        nom="Matrice", prenom="Probe", email="probe.support@example.test", sujet="Sujet", descriptif="Texte",
        etat=EtatDemandeSupport.nouvelle,
    )
    db.session.add(demande)
    db.session.flush()
    # Its thread: the handler's answer with an attachment.
    from app.models.support import MessageSupport
    from app.operations.support import joindre

    fichier = joindre(FileStorage(BytesIO(b"%PDF-1.4\n%%EOF\n"), filename="capture.pdf"), None)
    message = MessageSupport(demande_id=demande.id, du_cnfpt=True, texte="Réponse", fichier=fichier)
    db.session.add(message)
    db.session.flush()
    return demande, message


def post_data(endpoint: str, scene) -> dict:
    """Form data for POST-only endpoints whose handler reads it before
    checking rights (FAB's bulk actions)."""
    if endpoint == "RoleView.action_post":
        from flask_appbuilder.security.sqla.models import Role
        from sqlalchemy import select

        from app.extensions import db

        return {"action": "copyrole", "rowid": [str(db.session.scalar(select(Role.id).where(Role.name == "Public")))]}
    if endpoint == "UtilisateurView.action_post":
        return {"action": "desactiver", "rowid": [str(scene.owner.id)]}
    if endpoint == "DeuxFacteursView.codes_secours":
        return {"codes-mot_de_passe_actuel": "Pas-le-bon-1!"}
    if endpoint == "DeuxFacteursView.desactiver":
        return {"desactivation-mot_de_passe_actuel": "Pas-le-bon-1!"}
    if endpoint == "DossierGestionView.decider":
        return {"decision": "valider"}  # the sample block is transmitted
    if endpoint == "DossierGestionView.afficher":
        return {"champ": "nir"}
    if endpoint == "DossierGestionView.demander":
        return {"blocs": ["identite"]}
    if endpoint == "DecisionInscriptionView.decider":
        return {"decision": "valider"}  # the sample request is transmitted
    if endpoint == "CompteApi.post":
        return {
            "civilite": "Mme",
            "nom_naissance": "Matrice",
            "prenom": "Probe",
            "date_naissance": "1975-03-02",
            "email": "probe.matrice@example.test",
        }
    if endpoint == "InterventionGestionView.action_post":
        return {"action": "demarrer", "rowid": [str(scene.intervention.id)]}
    if endpoint == "LettreGestionView.action_post":
        return {"action": "accepter", "rowid": [str(scene.lettre.id)]}
    if endpoint == "InterventionApi.post":  # form-encoded, as CompteApi accepts it
        return {"intervenant_id": str(scene.valide.id), "intitule": "Action créée", "date_debut": "2030-01-07",
                "date_fin": "2030-01-08", "duree_jours": "2", "lieu": "Lyon", "structure_id": str(scene.intervention.structure_id)}
    if endpoint == "AnnonceGestionView.action_post":
        return {"action": "publier", "rowid": [str(scene.annonce_brouillon.id)]}
    if endpoint == "CandidatureGestionView.action_post":
        return {"action": "etudier", "rowid": [str(scene.candidature.id)]}
    if endpoint.endswith(".ajax_update"):
        # flask-admin's inline edit needs the row's primary key (it fails with
        # a 500 on an empty form, a flask-admin bug unrelated to access).
        return {"list_form_pk": str(_first_pk_of_console_view(endpoint.split(".")[0]))}
    return {}


def _first_pk_of_console_view(endpoint: str):
    from flask import current_app
    from sqlalchemy import select

    from app.extensions import db

    for admin in current_app.extensions["admin"]:
        for view in admin._views:
            if view.endpoint == endpoint:
                model = view.model
                return db.session.scalar(select(model.id).order_by(model.id).limit(1))
    raise KeyError(endpoint)


def put_json(endpoint: str, scene) -> dict:
    """JSON bodies of the REST API's PUT endpoints."""
    if endpoint == "IntervenantApi.put":
        return {"immatriculation": f"GF{scene.owner_profil.id:07d}"}
    if endpoint == "InterventionApi.put":
        return {"lieu": "Villeurbanne"}
    if endpoint == "InterventionApi.etat":
        return {"evenement": "demarrer"}
    raise KeyError(f"{endpoint}: aucun corps JSON d'exemple (tests/outils/permission_samples.py)")
