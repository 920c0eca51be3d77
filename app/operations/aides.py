"""Contextual help of the manual (§1.2): an « infobulle » shown on hover and
on focus, and « en savoir plus » opening a dialog, on the fields the manual
explains. Texts are the manual's, in one place; the forms' macros ask for a
field's help by its name (``aide_contextuelle(nom)``), and a page for a block's help by
its key.

Why a registry: the same field (NIR, IBAN, statut, structure de rattachement)
appears in several forms; its help is written once and reviewed against the
manual here.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import render_template
from markupsafe import Markup


@dataclass(frozen=True)
class Aide:
    #: What the help is about (read by screen readers: « Aide : <sujet> »).
    sujet: str
    #: The tooltip's text, or None.
    infobulle: str | None = None
    #: The « en savoir plus » dialog's paragraphs, or empty.
    en_savoir_plus: tuple[str, ...] = ()


AIDES: dict[str, Aide] = {
    "code_postal": Aide(
        "Code postal",
        infobulle="Le code postal est normé pour la France. Pour saisir un code postal à l'international, "
                  "choisissez d'abord le pays de résidence.",
    ),
    "statut_professionnel_id": Aide(
        "Statut professionnel",
        infobulle="Il est important que votre statut reste à jour. Veillez à l'actualiser en cas de changement "
                  "dans votre situation.",
    ),
    "structure_id": Aide(
        "Structure de rattachement",
        infobulle="Sélectionner votre structure de rattachement",
        en_savoir_plus=(
            "À NOTER : Si vous déposez votre profil dans le cadre d'une candidature à une annonce, la structure "
            "de rattachement est automatiquement celle ayant publié ladite annonce.",
            "Si votre CV est validé et intègre la CVthèque, votre structure de rattachement sera votre interlocuteur "
            "privilégié. Néanmoins, toutes les structures du CNFPT pourront consulter votre CV et vous contacter.",
        ),
    ),
    "deja_forme": Aide(
        "Informations complémentaires sur vos souhaits",
        en_savoir_plus=(
            "Cette partie vous permet de préciser votre motivation à intervenir pour le CNFPT et d'indiquer vos "
            "expériences en qualité de formateur (qu'elles soient professionnelles, associatives, bénévoles...).",
        ),
    ),
    "alertes": Aide(
        "Alertes e-mail",
        en_savoir_plus=(
            "Vous avez la possibilité de recevoir des messages d'alerte par mail lorsqu'une annonce publiée par une "
            "structure : relève des spécialités de formation pour lesquelles vous souhaitez intervenir ; recouvre "
            "l'une de vos zones d'intérêt géographique régional ; relève des spécialités de formation pour "
            "lesquelles vous souhaitez intervenir ET recouvre l'une de vos zones d'intérêt géographique régional.",
            "Les deux premiers critères sont additionnels : si vous cochez les deux, vous recevrez des alertes pour "
            "toutes les annonces relevant soit de la ou des spécialités de formation que vous aurez choisies, soit "
            "de l'une des régions que vous aurez sélectionnées.",
            "Le troisième critère est restrictif. Vous ne serez alerté qu'en cas de publication d'une annonce "
            "remplissant les deux conditions à la fois.",
        ),
    ),
    "nir": Aide(
        "NIR",
        infobulle="Le NIR (n° de sécurité sociale) doit comporter 15 caractères (avec la clé) ou au moins "
                  "13 caractères (sans la clé). Dans ce cas, la clé se calcule automatiquement à "
                  "l'enregistrement du formulaire.",
    ),
    "iban": Aide(
        "IBAN",
        infobulle="Le code IBAN doit comporter 27 caractères s'il s'agit d'une banque domiciliée en France.",
    ),
}


def aide(cle: str) -> Markup:
    """The help of ``cle`` (a field's name or a block's key), or nothing."""
    entree = AIDES.get(cle)
    if entree is None:
        return Markup("")
    return Markup(render_template("_aide.html", cle=cle, aide=entree))  # noqa: S704 - a rendered template (autoescaped)


def init_app(app) -> None:
    app.add_template_global(aide, "aide_contextuelle")
