"""Messagerie interne (issue 21, manual §7): the three mailboxes as declared
lists (``app.views.liste``), reading, writing (reply, forward, drafts) and
the recipients' suggestions. Every change goes through ``app.operations.messagerie``
(the rule of who may write to whom, checked on every POST).

Each mailbox is its own small FAB view: its list, its row page (``show``)
and its bulk actions (« Sélectionner une action », posted with the CSRF
token to ``action_post``, which acts on the user's own rows only).
"""

from __future__ import annotations

from flask import abort, flash, jsonify, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.actions import ActionItem
from flask_appbuilder.security.sqla.models import User
from flask_login import current_user
from wtforms import Form, HiddenField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from app.infra.formatting import format_date
from app.jobs import messagerie as messagerie_jobs
from app.models.messagerie import OBJET_MAX, TEXTE_MAX, DestinataireMessage, Message
from app.operations import executer, executer_sans_expirer, messagerie
from app.views.actions import agir
from app.views.liste import Colonne, Liste, contient, date_au, date_du
from app.views.menu import declarer_badge, nombre_badge
from app.views.profil import inscription_validee

_DATE = "dd/MM/yyyy HH:mm"
#: The menu entry carrying the unread count.
BADGE = "Boîte de réception"
_EXPEDITEUR = User.first_name + " " + User.last_name


def _date(d) -> str:
    return format_date(d, _DATE)


def _objet(c: dict) -> str:
    return f"le message « {c['objet']} »"


RECEPTION = Liste(
    table=DestinataireMessage, cle=Message.id,
    jointures=((Message, Message.id == DestinataireMessage.message_id, False),
               (User, User.id == Message.expediteur_id, False)),
    colonnes={
        "date": Colonne("Date de réception", DestinataireMessage.date, _date),
        "expediteur": Colonne("Expéditeur", _EXPEDITEUR),
        "objet": Colonne("Objet", Message.objet),
        "lu": Colonne("Lu", DestinataireMessage.lu, lambda v: "Oui" if v else "Non"),
    },
    criteres={
        "du": date_du("Date de réception du message, entre le", DestinataireMessage.date),
        "au": date_au("et le", DestinataireMessage.date, du="du"),
        "expediteur": contient("Expéditeur", _EXPEDITEUR),
        "objet": contient("Objet du message", Message.objet),
    },
    ordre=("date", "desc"), tailles=(20, 50, 100), libelle_taille="Messages par page",
    liees={"user": DestinataireMessage.destinataire_id},
    filtres=(DestinataireMessage.recu.is_(True), DestinataireMessage.archive.is_(False)),
    vue="ReceptionView", lien_colonne="objet", objet=_objet, legende="Boîte de réception, triée par {tri}",
)


def _envoyes(brouillons: bool, vue: str, libelle_date: str, legende: str) -> Liste:
    return Liste(
        table=Message, cle=Message.id,
        colonnes={
            "date": Colonne(libelle_date, Message.date, _date),
            "destinataires": Colonne("Destinataires", Message.destinataires_libelle),
            "objet": Colonne("Objet", Message.objet),
        },
        criteres={
            "du": date_du(f"{libelle_date}, entre le", Message.date),
            "au": date_au("et le", Message.date, du="du"),
            "destinataire": contient("Destinataire", Message.destinataires_libelle),
            "objet": contient("Objet du message", Message.objet),
        },
        ordre=("date", "desc"), tailles=(20, 50, 100), libelle_taille="Messages par page",
        liees={"user": Message.expediteur_id},
        filtres=(Message.brouillon.is_(brouillons), Message.archive_expediteur.is_(False)),
        vue=vue, lien_colonne="objet", objet=_objet, legende=legende,
    )


ENVOYES = _envoyes(False, "EnvoyesView", "Date d'envoi", "Messages envoyés, triés par {tri}")
BROUILLONS = _envoyes(True, "BrouillonsView", "Date d'enregistrement", "Messages brouillons, triés par {tri}")

TEXTES = {
    "total": "Résultats de la recherche : {n} résultat(s)",
    "libelle_total": "Résultats de la recherche",
    "aucun_critere": "La recherche ne retourne aucun résultat.",
    "actions": "Sélectionner une action",
}


# -- the mailboxes ------------------------------------------------------------------
def _exiger_validation() -> None:
    """An intervenant uses the messagerie once its inscription is validated
    (the menu hides it before: manual §3.3.1)."""
    if not inscription_validee():
        abort(403)


def _action(nom: str, texte: str, icone: str) -> ActionItem:
    return ActionItem(nom, texte, None, icone, True, False, lambda items: None)


def _lire_et_compter(user_id: int, pk: int):
    lecture = messagerie.lire(user_id, pk)
    if lecture is not None:
        nombre_badge(BADGE)
    return lecture


class _Boite(BaseView):
    """A mailbox: list, row page, bulk actions on the user's own rows."""

    boite = ""
    declaration: Liste
    titre = ""
    textes: dict = {}
    actions: dict = {"archiver": _action("archiver", "Archiver", "fa-archive")}
    default_view = "liste"

    # The three routes of every mailbox (FAB registers a view's inherited
    # routes, each under the subclass's own permissions).
    @expose("/")
    @has_access
    def liste(self):
        return self._page()

    @expose("/<int:pk>")
    @has_access
    def show(self, pk: int):
        return self._lire(pk)

    @expose("/action", methods=["POST"])
    @has_access
    def action_post(self):
        return self._action_post()

    def get_action_permission_name(self, nom: str) -> str:
        return "can_action_post"

    def _titre(self) -> str:
        return self.titre

    def _page(self):
        _exiger_validation()
        titre = self._titre()  # the heading as the page's title: « Boîte de réception (N non lu(s)) »
        return self.render_template(
            "messagerie/boite.html", title=titre, titre=titre,
            page=self.declaration.page(user=current_user.id), textes={**TEXTES, "pages": f"Pages : {self.titre}", **self.textes},
        )

    def _action_post(self):
        _exiger_validation()
        action = request.form.get("action", "")
        issue = agir(messagerie.appliquer_action, current_user.id, self.boite, action, request.form.getlist("rowid"))
        if issue:
            flash(f"{issue.valeur} message(s) modifié(s).", "success")
        suite = request.form.get("next", "")
        return redirect(suite if suite.startswith("/") and not suite.startswith("//") else url_for(f"{type(self).__name__}.liste"))

    def _lire(self, pk: int):
        _exiger_validation()
        # One transaction, one connection: the copy marked read (an UPDATE: nothing
        # the page shows is read again after the commit), then the menu's badges
        # counted before the commit (the count already sees the message read; the
        # menu reuses it instead of opening a second transaction).
        lecture = executer_sans_expirer(_lire_et_compter, current_user.id, pk)
        if lecture is None:
            abort(404)
        message = lecture.message
        return self.render_template(
            "messagerie/message.html", title=message.objet, lecture=lecture, message=message,
            date=_date(message.date),
        )


class ReceptionView(_Boite):
    route_base = "/messagerie/reception"
    boite, declaration, titre = "reception", RECEPTION, "Boîte de réception"
    textes = {"aucun": "Vous n'avez reçu aucun message."}

    def _titre(self) -> str:
        """« Boîte de réception (N non lu(s)) »: the menu badge's count, read once."""
        non_lus = nombre_badge(BADGE)
        return f"{self.titre} ({non_lus} non lu(s))" if non_lus else self.titre
    actions = {
        "archiver": _action("archiver", "Archiver", "fa-archive"),
        "marquer_lu": _action("marquer_lu", "Marquer comme lu", "fa-envelope-open"),
        "marquer_non_lu": _action("marquer_non_lu", "Marquer comme non lu", "fa-envelope"),
    }


class EnvoyesView(_Boite):
    route_base = "/messagerie/envoyes"
    boite, declaration, titre = "envoyes", ENVOYES, "Messages envoyés"
    textes = {"aucun": "Vous n'avez envoyé aucun message."}


class BrouillonsView(_Boite):
    route_base = "/messagerie/brouillons"
    boite, declaration, titre = "brouillons", BROUILLONS, "Messages brouillons"
    textes = {"aucun": "Vous n'avez aucun message brouillon."}

    @expose("/<int:pk>")
    @has_access
    def show(self, pk: int):
        """A draft opens in the form (which checks it is the user's)."""
        _exiger_validation()
        return redirect(url_for("EcrireView.ecrire", message=pk))


# -- writing --------------------------------------------------------------------------
class MessageForm(Form):
    """« Écrire un message »: recipients as user ids (chosen in the
    suggestions, or a plain list without JavaScript), objet, texte.
    The CSRF token is checked by the app's CSRFProtect on every POST."""

    destinataire_recherche = StringField("Rechercher un destinataire", validators=[Length(max=100)])
    objet = StringField("Objet", validators=[DataRequired("L'objet est obligatoire."),
                                             Length(max=OBJET_MAX, message=f"{OBJET_MAX} caractères au plus.")])
    texte = TextAreaField("Texte", validators=[DataRequired("Le texte est obligatoire."),
                                               Length(max=TEXTE_MAX, message=f"{TEXTE_MAX} caractères au plus.")])
    reponse = HiddenField()
    transfert = HiddenField()
    message = HiddenField()

    #: The fields shown under the recipients, in order (templates/messagerie/ecrire.html).
    CHAMPS = ("objet", "texte")


def _entier(valeur) -> int | None:
    try:
        return int(valeur) if valeur not in (None, "") else None
    except ValueError:
        return None


class EcrireView(BaseView):
    route_base = "/messagerie/ecrire"
    default_view = "ecrire"

    @expose("/", methods=["GET", "POST"])
    @has_access
    def ecrire(self):
        _exiger_validation()
        user_id = current_user.id
        form = MessageForm(request.form if request.method == "POST" else None)
        choisis: list[int] = []
        erreur_destinataires = None
        fixe = None  # the reply's recipient, fixed
        if request.method == "GET":
            choisis = self._preremplir(form, user_id)
        else:
            choisis = [i for i in (_entier(v) for v in request.form.getlist("destinataires")) if i is not None]
        reponse_a = _entier(form.reponse.data)
        if reponse_a is not None:
            origine = messagerie.message_lisible(user_id, reponse_a)
            if origine is None or not origine.recu:
                abort(404)
            fixe = (origine.message.expediteur_id, origine.expediteur)
            choisis = [fixe[0]]
        if request.method == "POST" and request.form.get("chercher") is None:
            envoyer = "envoyer" in request.form
            if form.validate():
                try:
                    executer(
                        messagerie.ecrire,
                        user_id, choisis, form.objet.data, form.texte.data, envoyer=envoyer,
                        brouillon_id=_entier(form.message.data), reponse_a=reponse_a,
                        transfert_de=_entier(form.transfert.data),
                    )
                except messagerie.MessagerieRefusee as exc:
                    erreur_destinataires = exc.message
                else:
                    if envoyer:
                        flash("Le message a bien été envoyé", "success")
                        return redirect(url_for("EnvoyesView.liste"))
                    flash("Le message a bien été enregistré", "success")
                    return redirect(url_for("BrouillonsView.liste"))
        noms = messagerie.destinataires_libelles(user_id, choisis)
        if fixe is not None:
            noms = {fixe[0]: fixe[1]}
        trouves = messagerie.suggestions(user_id, form.destinataire_recherche.data or "") \
            if request.method == "POST" and request.form.get("chercher") is not None else []
        return self.render_template(
            "messagerie/ecrire.html", title="Écrire un message", form=form, choisis=noms,
            ignores=[i for i in choisis if i not in noms], trouves=trouves, fixe=fixe,
            erreur_destinataires=erreur_destinataires,
        )

    def _preremplir(self, form: MessageForm, user_id: int) -> list[int]:
        """?reponse=, ?transfert= or ?message= (a draft or a sent message reopened)."""
        for argument in ("reponse", "transfert", "message"):
            origine_id = _entier(request.args.get(argument))
            if origine_id is None:
                continue
            lecture = messagerie.message_lisible(user_id, origine_id)
            if lecture is None or (argument == "reponse" and not lecture.recu) or \
                    (argument == "message" and lecture.recu):
                abort(404)
            message = lecture.message
            if argument == "message":
                form.objet.data, form.texte.data = message.objet, message.texte
                if message.brouillon:
                    form.message.data = str(message.id)
                return [d.destinataire_id for d in message.destinataires]
            prefixe = "RE : " if argument == "reponse" else "TR : "
            form.objet.data = (prefixe + message.objet)[:OBJET_MAX]
            citation = "\n".join(f"> {ligne}" for ligne in message.texte.splitlines())
            form.texte.data = f"\n\n{lecture.expediteur} a écrit le {_date(message.date)} :\n{citation}"[:TEXTE_MAX]
            getattr(form, argument).data = str(message.id)
            return []
        return []

    @expose("/destinataires")
    @has_access
    def destinataires(self):
        """Suggestions from the second character: only the people the user
        may write to."""
        _exiger_validation()
        return jsonify(messagerie.suggestions(current_user.id, request.args.get("q", "")))


# -- the menu's badge -------------------------------------------------------------
def _badge_valeurs() -> dict | None:
    return {"badge_messages_user": current_user.id} if current_user.is_authenticated else None


declarer_badge(BADGE, messagerie.non_lus_requete(), _badge_valeurs, "{n} message(s) non lu(s)")


# -- one message to the applicants of an annonce (point 6) ---------------------------------
class EnvoiCandidatsView(BaseView):
    """A gestionnaire writes to all the applicants of an annonce
    (``?annonce=``) or to the selected ones (``?candidature=…``, from the
    candidatures' « Sélectionner une action »); a job writes the copies."""

    route_base = "/messagerie/candidats"
    default_view = "ecrire"

    @expose("/", methods=["GET", "POST"])
    @has_access
    def ecrire(self):
        source = request.form if request.method == "POST" else request.args
        candidature_ids = [i for i in (_entier(v) for v in source.getlist("candidature")) if i is not None]
        annonce = messagerie_jobs.annonce_des_candidatures(_entier(source.get("annonce")), candidature_ids)
        if annonce is None:
            abort(404)
        form = MessageForm(request.form if request.method == "POST" else None)
        erreur = None
        if request.method == "POST" and form.validate():
            try:
                message = executer(messagerie_jobs.ecrire_aux_candidats,
                                   current_user.id, annonce, candidature_ids or None, form.objet.data, form.texte.data)
            except messagerie.MessagerieRefusee as exc:
                erreur = exc.message
            else:
                messagerie_jobs.planifier(message.id)
                flash("Le message a bien été envoyé", "success")
                return redirect(url_for("EnvoiCandidatsView.envoi", pk=message.id))
        return self.render_template(
            "messagerie/candidats.html", title="Écrire aux candidats", form=form, annonce=annonce,
            candidature_ids=candidature_ids, erreur=erreur,
        )

    @expose("/envoi/<int:pk>")
    @has_access
    def envoi(self, pk: int):
        """The copies written so far (the page reloads until all are)."""
        etat = messagerie_jobs.progression(current_user.id, pk)
        if etat is None:
            abort(404)
        return self.render_template("messagerie/envoi.html", title="Envoi aux candidats", faites=etat[0],
                                    total=etat[1], message_id=pk)
