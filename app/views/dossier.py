"""Pages of the dossier administratif (manual §3.3.4, issue 20).

``MonDossierView``: the trainer's page « Données et pièces du dossier
administratif » (Mon compte / Mes données et documents). ``DossierGestionView``:
the back office: the queue of transmitted blocks (a declared list), the
dossier page (masked NIR/IBAN, « Afficher » logged, pieces, history), the
request and the review per block. Every staff read is written to the access
log (``consultation``); files go through ``FichierView`` (attachment, nosniff,
no-store, each download logged) with the dossier's need-to-know.
"""

from __future__ import annotations

from datetime import date

from flask import abort, flash, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_login import current_user
from sqlalchemy import literal, select, union_all

from app.extensions import db
from app.forms.dossier import (
    CHAMPS_BLOC,
    CHAMPS_PROFIL,
    FICHIERS,
    DecisionBlocForm,
    DemandeForm,
    DossierForm,
    champs_affiches,
)
from app.infra.formatting import format_date
from app.models.comptes import EtatInscription, Gestionnaire, Intervenant
from app.models.consultations import Consultation, ObjetConsultation, tracer
from app.models.dossier import (
    ATTENTE_INTERVENANT,
    Bloc,
    BlocDossier,
    DemandeDossier,
    DossierAdministratif,
    EtatBloc,
    Piece,
    PieceDossier,
)
from app.models.fichiers import AccesFichier
from app.models.referentiels import Pays, StatutProfessionnel, Structure, TypeContrat, TypePieceIdentite
from app.models.regles_dossier import (
    bic,
    iban,
    nir,
    pieces_statut,
    siret,
    validite,
)
from app.models.workflow import TransitionHistorique
from app.operations import dossier as operations
from app.operations import executer
from app.referentiels.lookups import AUCUN_EMPLOYEUR, employeur_public, search_employeurs
from app.referentiels.options import options
from app.security.roles import INTERVENANT
from app.security.scope import current_intervenant, perimetre_courant
from app.views.actions import agir
from app.views.liste import Colonne, Liste, date_au, date_du, parmi
from app.views.menu import declarer_badge
from app.views.profil import inscription_validee
from app.workflows.core import Acteur
from app.workflows.dossier import bloc_dossier

DEMANDE_PAR_GESTIONNAIRE = "Les informations ci-dessous sont demandées par votre gestionnaire CNFPT"
HISTORIQUE_COURT = 5
#: « 03/12/2026 à 10h45 » (Paris time), the review table's dates.
_LE_A_HEURE = "dd/MM/yyyy 'à' HH'h'mm"
PIECE, LIBELLE_PIECE = "piece", "Pièce téléchargée (dossier administratif)"
CHOIX = [("", "— Choisir —")]


# -- masking ---------------------------------------------------------------------
def masquer_nir(valeur: str | None) -> str:
    """« 1 85 ** ** *** *** 42 »: sex, birth year and key only."""
    if not valeur:
        return ""
    return f"{valeur[0]} {valeur[1:3]} ** ** *** *** {valeur[13:15]}"


def masquer_iban(valeur: str | None) -> str:
    """« FR76 **** … 1234 »."""
    if not valeur:
        return ""
    return f"{valeur[:4]} **** … {valeur[-4:]}"


# -- the history table -----------------------------------------------------------
def historique(dossier: DossierAdministratif | None) -> list[dict]:
    """Bloc, Date d'envoi de l'intervenant, Action Gestionnaire CNFPT/Date;
    the latest first (one statement)."""
    if dossier is None:
        return []
    blocs = {b.id: b.libelle for b in dossier.blocs}
    lignes = db.session.scalars(select(TransitionHistorique).where(
        TransitionHistorique.workflow == "bloc_dossier", TransitionHistorique.objet_type == "bloc_dossier",
        TransitionHistorique.objet_id.in_(list(blocs)),
        TransitionHistorique.evenement.in_(("transmettre", "valider", "refuser")),
    ).order_by(TransitionHistorique.date, TransitionHistorique.id)).all()
    envois: dict[int, object] = {}
    tableau = []
    for h in lignes:
        if h.evenement == "transmettre":
            envois[h.objet_id] = h.date
            tableau.append({"bloc": blocs[h.objet_id], "envoi": h.date, "action": None, "objet": h.objet_id})
            continue
        action = ("Validé" if h.evenement == "valider" else "Refusé") + " le " + format_date(h.date, _LE_A_HEURE)
        ouverte = next((r for r in reversed(tableau) if r["objet"] == h.objet_id and r["action"] is None), None)
        if ouverte is not None:
            ouverte["action"], ouverte["motif"] = action, h.commentaire
        else:
            tableau.append({"bloc": blocs[h.objet_id], "envoi": envois.get(h.objet_id), "action": action,
                            "motif": h.commentaire, "objet": h.objet_id})
    return list(reversed(tableau))


def envoi(valeur) -> str:
    return "Le " + format_date(valeur, _LE_A_HEURE) if valeur else ""  # stored UTC, shown in Paris time


# -- the trainer's page --------------------------------------------------------------
def _choix(form: DossierForm) -> None:
    pays = CHOIX + list(options(Pays, "nom"))
    for nom in ("pays_residence_id", "nationalite_id", "pays_naissance_id"):
        form[nom].choices = pays
    form.type_piece_identite_id.choices = CHOIX + list(options(TypePieceIdentite))
    form.statut_professionnel_id.choices = CHOIX + list(options(StatutProfessionnel))
    form.type_contrat_id.choices = CHOIX + list(options(TypeContrat))


def _erreur(form, nom: str, message: str) -> None:
    champ = form[nom]
    champ.errors = [*list(champ.errors or ()), message]


def _regles_de_format(form: DossierForm, profil: Intervenant) -> dict:
    """The domain rules on what was typed; the normalised values."""
    valeurs = {}
    for nom, regle in (("iban", iban), ("bic", bic), ("employeur_siret", siret)):
        if form[nom].data:
            try:
                valeurs[nom] = regle(form[nom].data)
            except ValueError as exc:
                _erreur(form, nom, str(exc))
    if form.nir.data:
        try:
            valeurs["nir"] = nir(form.nir.data, civilite=profil.civilite, date_naissance=profil.date_naissance)
        except ValueError as exc:
            _erreur(form, "nir", str(exc))
    for debut, fin in (("validite_debut", "validite_fin"), ("contrat_debut", "contrat_fin")):
        try:
            validite(form[debut].data, form[fin].data)
        except ValueError as exc:
            _erreur(form, fin, str(exc).replace("de validité ", "") if debut == "contrat_debut" else str(exc))
    return valeurs


class MonDossierView(BaseView):
    """Mon compte / Mes données et documents."""

    route_base = "/mon-dossier"
    default_view = "page"
    include_route_methods = {"page"}

    @expose("/", methods=["GET", "POST"])
    @has_access
    def page(self):
        profil = current_intervenant()
        if profil is None:
            abort(404)
        dossier = executer(operations.dossier_de, profil, creer=True)  # a new dossier gets its blocks
        form = DossierForm()
        _choix(form)
        if request.method == "GET":
            for champs in CHAMPS_BLOC.values():
                for nom in champs:
                    if nom not in FICHIERS and nom != "zone_sepa":
                        form[nom].data = operations.valeur_du_champ(profil, dossier, nom)
            form.zone_sepa.data = dossier.zone_sepa
            return self._rendre(profil, dossier, form)
        if not form.validate_on_submit() and getattr(form, "csrf_token", None) is not None and form.csrf_token.errors:
            return self._rendre(profil, dossier, form), 400
        if form.rechercher.data or request.form.get("choisir_employeur"):
            return self._chercher_employeur(form, profil, dossier)
        valeurs = _regles_de_format(form, profil)
        valide = not any(champ.errors for champ in form)
        saisie = executer(
            operations.enregistrer_saisie, profil, dossier, {nom: form[nom].data for nom in FICHIERS},
            {nom: valeurs.get(nom, form[nom].data) for champs in CHAMPS_BLOC.values() for nom in champs
             if nom not in FICHIERS and nom != "zone_sepa"} if valide else None,
            transmettre_blocs=request.form.get("action") == "transmettre", acteur=Acteur.from_user(current_user),
            aujourdhui=date.today(),
        )
        for nom, message in saisie.erreurs.items():
            _erreur(form, nom, message)
        if saisie.issue == "a_corriger":
            flash("Votre saisie n'a pas été enregistrée : corrigez les champs signalés.", "danger")
            return self._rendre(profil, dossier, form), 422
        if saisie.issue == "rien_a_transmettre":
            flash("Rien à transmettre : aucun bloc n'a été renseigné depuis votre dernière transmission.", "info")
        elif saisie.issue == "incomplete":
            flash("Vos données sont enregistrées mais n'ont pas été transmises : "
                  "complétez les champs signalés.", "danger")
            return self._rendre(profil, dossier, form), 422
        elif saisie.issue == "transmise":
            flash("Vos données et pièces sont transmises à votre gestionnaire CNFPT.", "success")
        else:
            flash("Vos données et pièces sont enregistrées. Pensez à les transmettre.", "success")
        return redirect(url_for("MonDossierView.page"))

    def _chercher_employeur(self, form, profil, dossier):
        """« Rechercher » lists the public employers of the referential;
        « Choisir » fills the block's raison sociale and SIRET. The typed
        fields are not saved (the page comes back as posted); the files sent
        with this post stay attached."""
        for nom, message in executer(operations.joindre_pieces, profil, dossier,
                                     {nom: form[nom].data for nom in FICHIERS}).items():
            _erreur(form, nom, message)
        employeurs = []
        siret = request.form.get("choisir_employeur")
        if "employeur_raison_sociale" in operations.champs_figes(profil):
            form.recherche_employeur.errors = ["Votre employeur n'est pas modifiable ici."]
        elif siret:
            employeur = employeur_public(siret)
            if employeur is None:
                abort(404)
            form.employeur_raison_sociale.data, form.employeur_siret.data = employeur.raison_sociale, employeur.siret
            flash("L'employeur a été renseigné : vérifiez-le puis enregistrez ou transmettez.", "info")
        else:
            employeurs = search_employeurs(form.recherche_employeur.data)
            if not employeurs:
                form.recherche_employeur.errors = [AUCUN_EMPLOYEUR]
        return self._rendre(profil, dossier, form, employeurs=employeurs)

    def _rendre(self, profil, dossier, form, employeurs=()):
        statut = operations.statut_de(profil.statut_professionnel_id)
        tableau = historique(dossier)
        tout = request.args.get("historique") == "tout"
        gestionnaire = DossierGestionView.gestionnaire_table()
        lectures = select(Consultation.date.label("date"), Consultation.objet.label("objet"),
                          Structure.nom.label("nom")).select_from(Consultation).outerjoin(
            gestionnaire, gestionnaire.user_id == Consultation.user_id).outerjoin(
            Structure, Structure.id == gestionnaire.structure_id).where(
            Consultation.intervenant_id == profil.id,
            Consultation.objet.in_([o.value for o in (ObjetConsultation.dossier, ObjetConsultation.nir,
                                                      ObjetConsultation.iban)]))
        # every piece downloaded by someone else (staff): a read too (issue 33)
        telechargements = select(AccesFichier.date.label("date"), literal(PIECE).label("objet"),
                                 Structure.nom.label("nom")).select_from(AccesFichier).join(
            PieceDossier, PieceDossier.fichier_id == AccesFichier.fichier_id).outerjoin(
            gestionnaire, gestionnaire.user_id == AccesFichier.user_id).outerjoin(
            Structure, Structure.id == gestionnaire.structure_id).where(
            PieceDossier.dossier_id == dossier.id, AccesFichier.user_id != profil.user_id)
        toutes = union_all(lectures, telechargements).subquery()
        consultations = db.session.execute(select(toutes).order_by(toutes.c.date.desc())).all()
        return self.render_template(
            "dossier/mon_dossier.html", form=form, dossier=dossier, profil=profil,
            blocs=operations.blocs_affiches(statut), champs_bloc=champs_affiches(pieces_statut(statut)),
            figes=operations.champs_figes(profil),
            requis=operations.requis_affiches(profil, dossier),
            demande=DEMANDE_PAR_GESTIONNAIRE,
            attente=ATTENTE_INTERVENANT, historique=tableau if tout else tableau[:HISTORIQUE_COURT],
            plus=not tout and len(tableau) > HISTORIQUE_COURT, envoi=envoi, fichiers=FICHIERS,
            consultations=consultations, demandes_structures=operations.demandes_en_attente(dossier),
            libelle_objet=lambda o: LIBELLE_PIECE if o == PIECE else ObjetConsultation(o).libelle,
            employeurs=employeurs, title="Données et pièces du dossier administratif",
        )


# -- the back office ------------------------------------------------------------------
FILE_DOSSIERS = Liste(
    table=BlocDossier, cle=Intervenant.id,
    jointures=(
        (DossierAdministratif, DossierAdministratif.id == BlocDossier.dossier_id, False),
        (Intervenant, Intervenant.id == DossierAdministratif.intervenant_id, False),
        (Structure, Structure.id == BlocDossier.structure_id, True),
    ),
    colonnes={
        "nom": Colonne("Nom d'usage", Intervenant.nom_usage),
        "prenom": Colonne("Prénom", Intervenant.prenom),
        "bloc": Colonne("Bloc", BlocDossier.bloc, lambda b: Bloc(b).libelle),
        "etat": Colonne("État", BlocDossier.etat, lambda e: EtatBloc(e).libelle),
        "structure": Colonne("Structure demandeuse", Structure.nom),
        "date": Colonne("Date de transmission", BlocDossier.date_transmission,
                        lambda d: format_date(d, "dd/MM/yyyy HH:mm"), vides_a_la_fin=True),
    },
    criteres={
        "bloc": parmi("Bloc", BlocDossier.bloc, lambda: [(b.value, b.libelle) for b in Bloc], Bloc),
        "etat": parmi("État", BlocDossier.etat, lambda: [(e.value, e.libelle) for e in EtatBloc], EtatBloc),
        "du": date_du("Transmis à partir du", BlocDossier.date_transmission),
        "au": date_au("Transmis jusqu'au", BlocDossier.date_transmission, du="du"),
    },
    ordre=("date", "desc"), tailles=(20, 50, 100), libelle_taille="Blocs par page",
    structure=BlocDossier.structure_id,
    filtres=(BlocDossier.etat != EtatBloc.vide,),
    vue="DossierGestionView", lien_colonne="nom",
    objet=lambda c: f"le dossier de {c['prenom']} {c['nom']}",
    legende="Blocs des dossiers administratifs, triés par {tri}",
)


#: Blocks shown to the reviewer field by field (label, value): the ones kept
#: on the profile, and the statut's contract. Identity, NIR, IBAN and files
#: have their own display.
BLOCS_AFFICHES = (Bloc.adresse, Bloc.telephones, Bloc.statut, Bloc.employeur)
#: Referential of each select field of those blocks, and its label column.
REFERENTIELS_CHAMPS = {"pays_residence_id": (Pays, "nom"), "statut_professionnel_id": (StatutProfessionnel, "libelle"),
                       "type_contrat_id": (TypeContrat, "libelle")}


def _contenus_blocs(profil, dossier) -> dict:
    """{bloc value: [(label, value)]} of the filled fields of BLOCS_AFFICHES:
    what the gestionnaire validates, not an empty panel."""
    contenus = {}
    for bloc in BLOCS_AFFICHES:
        lignes = []
        for nom in CHAMPS_BLOC[bloc]:
            if nom in FICHIERS:
                continue
            valeur = getattr(profil if nom in CHAMPS_PROFIL else dossier, nom, None)
            if valeur is None or valeur == "":
                continue
            if nom in REFERENTIELS_CHAMPS:
                modele, colonne = REFERENTIELS_CHAMPS[nom]
                ligne = db.session.get(modele, valeur)
                valeur = getattr(ligne, colonne) if ligne is not None else None
            elif isinstance(valeur, date):
                valeur = format_date(valeur)
            if valeur:
                lignes.append((getattr(DossierForm, nom).args[0], valeur))
        contenus[bloc.value] = lignes
    return contenus


class DossierGestionView(BaseView):
    """Dossiers administratifs: queue, dossier page, request, review."""

    route_base = "/gestion/dossiers"
    default_view = "list"
    include_route_methods = {"list", "show", "demander", "decider", "afficher"}

    @staticmethod
    def gestionnaire_table():
        return Gestionnaire

    @expose("/list/")
    @has_access
    def list(self):
        return self.render_template("dossier/file.html", file=FILE_DOSSIERS.page(),
                                    title="Dossiers administratifs")

    def _dossier_lisible(self, pk) -> tuple[Intervenant, DossierAdministratif]:
        profil = db.session.get(Intervenant, pk)
        dossier = operations.dossier_de(profil) if profil is not None else None
        if dossier is None or not operations.lisible_par(dossier, current_user):
            abort(404)
        return profil, dossier

    @expose("/show/<int:pk>")
    @has_access
    def show(self, pk):
        """The dossier, for staff who read it (``app.operations.dossier.lisible_par``);
        for a structure that does not work with this validated trainer, only
        its requests and the request form: nothing on file."""
        profil = db.session.get(Intervenant, pk)
        dossier = operations.dossier_de(profil) if profil is not None else None
        if dossier is None or not operations.lisible_par(dossier, current_user):
            if profil is None or EtatInscription(profil.etat_inscription) != EtatInscription.validee:
                abort(404)
            return self._sans_acces(profil, dossier)
        executer(tracer, ObjetConsultation.dossier, intervenant_id=profil.id)
        return self._rendre(profil, dossier)

    def _sans_acces(self, profil, dossier):
        structure_id = perimetre_courant().structure_id
        demandes = [] if dossier is None or structure_id is None else db.session.scalars(
            select(DemandeDossier).where(DemandeDossier.dossier_id == dossier.id,
                                         DemandeDossier.structure_id == structure_id)
            .order_by(DemandeDossier.date.desc())).all()
        return self.render_template(
            "dossier/sans_acces.html", profil=profil, demandes=demandes, demande_form=DemandeForm(),
            Bloc=Bloc, envoi=envoi, title="Dossier administratif")

    def _rendre(self, profil, dossier, *, revele=None, form_decision=None, bloc_en_erreur=None, status=200):
        acteur = Acteur.from_user(current_user)
        decisions = {b.id: bloc_dossier.can(b, "valider", acteur) for b in dossier.blocs}
        # What the reviewer validates: the identity document's kind, validity and
        # birth country, and each file named by what it is (recto, verso, RIB…).
        type_piece = db.session.get(TypePieceIdentite, dossier.type_piece_identite_id) \
            if dossier.type_piece_identite_id else None
        pays = db.session.get(Pays, dossier.pays_naissance_id) if dossier.pays_naissance_id else None
        identite = {
            "type": type_piece.libelle if type_piece else None,
            "debut": format_date(dossier.validite_debut) if dossier.validite_debut else None,
            "fin": format_date(dossier.validite_fin) if dossier.validite_fin else None,
            "pays": pays.nom if pays else None,
        }
        libelles_pieces = {nom: getattr(DossierForm, nom).args[0] for nom in FICHIERS}
        contenus = _contenus_blocs(profil, dossier)
        return self.render_template(
            "dossier/gestion.html", profil=profil, dossier=dossier, revele=revele or {},
            masque={"nir": masquer_nir(dossier.nir), "iban": masquer_iban(dossier.iban)},
            identite=identite, libelles_pieces=libelles_pieces, contenus=contenus,
            decisions=decisions, form=form_decision or DecisionBlocForm(), bloc_en_erreur=bloc_en_erreur,
            historique=historique(dossier), envoi=envoi, Piece=Piece, demande_form=DemandeForm(),
            peut_demander=EtatInscription(profil.etat_inscription) == EtatInscription.validee,
            Bloc=Bloc, title="Dossier administratif",
        ), status

    @expose("/afficher/<int:pk>", methods=["POST"])
    @has_access
    def afficher(self, pk):
        """« Afficher »: one value in clear, logged."""
        profil, dossier = self._dossier_lisible(pk)
        champ = request.form.get("champ")
        if champ not in ("nir", "iban") or not DemandeForm().validate_on_submit():
            abort(400)
        if not agir(operations.reveler, current_user, profil.id, champ):  # PlafondAtteint: the day's budget
            return self._rendre(profil, dossier, status=429)
        return self._rendre(profil, dossier, revele={champ: getattr(dossier, champ)})

    @expose("/demander/<int:pk>", methods=["POST"])
    @has_access
    def demander(self, pk):
        """Request blocks of a validated intervenant's dossier."""
        profil = db.session.get(Intervenant, pk)
        if profil is None or EtatInscription(profil.etat_inscription) != EtatInscription.validee:
            abort(404)
        form = DemandeForm()
        if not form.validate_on_submit():
            abort(400)
        try:
            blocs = [Bloc(v) for v in request.form.getlist("blocs")]
        except ValueError:
            abort(400)
        if not agir(operations.demander, profil, blocs, Acteur.from_user(current_user),
                    perimetre_courant().structure_id,
                    succes="La demande est envoyée : l'intervenant est informé par e-mail."):
            return redirect(request.referrer or url_for("DossierGestionView.list"))
        return redirect(url_for("DossierGestionView.show", pk=pk))

    @expose("/decider/<int:pk>", methods=["POST"])
    @has_access
    def decider(self, pk):
        """« Valider » / « Refuser » (with a reason) one block."""
        ligne = db.session.get(BlocDossier, pk)
        if ligne is None:
            abort(404)
        profil, dossier = self._dossier_lisible(ligne.dossier.intervenant_id)
        form = DecisionBlocForm()
        evenement = request.form.get("decision")
        if evenement not in ("valider", "refuser") or not form.validate_on_submit():
            abort(400)
        if not agir(operations.examiner, dossier, {Bloc(ligne.bloc): (evenement, form.motif.data)},
                    Acteur.from_user(current_user), champ=form.motif):
            return self._rendre(profil, dossier, form_decision=form, bloc_en_erreur=ligne.id, status=422)
        flash(f"{ligne.libelle} : {'validé' if evenement == 'valider' else 'refusé'}. "
              "L'intervenant est informé par e-mail.", "success")
        return redirect(url_for("DossierGestionView.show", pk=profil.id))


def dossier_blocs() -> list[Bloc]:
    """Template global: the blocks the signed-in user may request (none
    without the permission), for the intervenant pages of the back office."""
    from flask import current_app

    return list(Bloc) if current_app.appbuilder.sm.has_access("can_demander", "DossierGestionView") else []


# -- the menu's badges: blocks awaiting the trainer ------------------------------------
def _valeurs(parametre: str):
    def valeurs() -> dict | None:
        if not current_user.is_authenticated or not any(r.name == INTERVENANT for r in current_user.roles):
            return None  # staff have no dossier: no statement
        if not inscription_validee():
            return None  # requests go to validated intervenants only (read once per request, cached)
        return {parametre: current_user.id}
    return valeurs


for _entree, _parametre in (("Mes données et documents", "badge_dossier_entree"),
                            ("Mon compte", "badge_dossier_categorie")):
    declarer_badge(_entree, operations.requete_attente(_parametre), _valeurs(_parametre),
                   "{n} bloc(s) de votre dossier administratif à renseigner")
