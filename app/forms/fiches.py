"""Detail pages declared once (issue 36 point 2): the rows of the read-only
profile shown to staff (``templates/profil/_fiche.html``: request page and
CV-thèque) and of « Mon profil ». Rendered by ``fiche`` and ``lignes`` of
``templates/widgets/_formulaire.html``; the templates read them from the
``fiches`` global."""

from __future__ import annotations

from flask import current_app, url_for
from markupsafe import Markup

from app.forms.declaration import Ligne, Section

TEMPS_TRAVAIL = {"complet": "Temps complet", "non_complet": "Temps non complet"}
TYPES_EMPLOYEUR = {"PUBLIC": "Public", "PRIVE": "Privé"}


def _nom(attribut: str, champ: str = "nom"):
    """The label of a referential row (``attribut``), or nothing."""

    def lire(objet):
        ligne = getattr(objet, attribut)
        return getattr(ligne, champ) if ligne is not None else ""

    return lire


def _texte(objet, *attributs: str) -> str:
    return " ".join(str(getattr(objet, a) or "") for a in attributs)


def format_date(valeur) -> str:
    """The templates' ``date_fr`` filter (app.infra.formatting): one format for the site."""
    return current_app.jinja_env.filters["date_fr"](valeur)


def oui_non(valeur) -> str:
    return "Oui" if valeur else ("Non" if valeur is not None else "Non renseigné")


def lien_fichier(fichier) -> Markup:
    """The link to a stored file and its upload date (as profil/_macros.html's ``lien_fichier``)."""
    if fichier is None:
        return Markup("")
    return Markup('<a href="{}">{}</a> (chargé(e) le {})').format(
        url_for("FichierView.telecharger", uuid=fichier.uuid), fichier.original_name, format_date(fichier.created_at)
    )


def _adresse(p) -> Markup:
    return Markup("{}<br>{}").format(
        _texte(p, "adresse_complement", "adresse_batiment", "adresse_voie"),
        " ".join([str(p.code_postal or ""), str(p.localite or ""), p.pays_residence.nom if p.pays_residence else ""]),
    )


def _liste(attribut: str):
    return lambda p: ", ".join(str(x) for x in getattr(p, attribut))


def _prestations(p) -> str:
    texte = ", ".join(str(x) for x in p.prestations)
    return f"{texte}, {p.autre_prestation}" if p.autre_prestation else texte


#: The staff's read-only profile, page 1 then the single-valued part of page 2.
#: Context flags: ``coordonnees`` (app.security.scope.en_relation_avec),
#: ``sans_coordonnees`` (its opposite), ``employeur`` (the profile has an employer type).
INTERVENANT_IDENTIFICATION = (
    Section("Le formateur", (
        Ligne("Civilité", "civilite_libelle"),
        Ligne("Nom de famille (naissance)", "nom_naissance"),
        Ligne("Nom d'usage", "nom_usage"),
        Ligne("Prénom", "prenom"),
        Ligne("Date de naissance", lambda p: format_date(p.date_naissance), si="coordonnees"),
        Ligne("Lieu de naissance (ville)", "lieu_naissance", si="coordonnees"),
        Ligne("Nationalité", _nom("nationalite")),
        Ligne("Adresse", _adresse, si="coordonnees"),
        Ligne("Téléphone personnel", "telephone_personnel", si="coordonnees"),
        Ligne("Portable personnel", "portable_personnel", si="coordonnees"),
        Ligne("Téléphone professionnel", "telephone_professionnel"),
        Ligne("Téléphone portable professionnel", "portable_professionnel"),
        Ligne("Adresse e-mail", lambda p: p.user.email, si="coordonnees"),
        Ligne("Coordonnées personnelles", lambda p: "Réservées aux structures en relation avec l'intervenant "
              "(rattachement, candidature, demande d'inscription).", si="sans_coordonnees"),
        Ligne("Immatriculation", lambda p: p.immatriculation or "Aucune"),
    )),
    Section("Le statut", (
        Ligne("Statut professionnel", _nom("statut_professionnel", "libelle")),
        Ligne("Temps complet/temps non complet", lambda p: TEMPS_TRAVAIL.get(p.temps_travail, "")),
        Ligne("Fonction publique", _nom("fonction_publique", "libelle")),
        Ligne("Situation/Position", "situation_position"),
        Ligne("Fonction", "fonction"),
        Ligne("Grade ou qualité", "grade"),
        Ligne("Service", "service"),
    )),
    Section("L'employeur", (
        Ligne("Type d'employeur", lambda p: TYPES_EMPLOYEUR.get(p.type_employeur, "")),
        Ligne("Raison sociale", "employeur_raison_sociale"),
        Ligne("N° de SIRET", "employeur_siret"),
        Ligne("Adresse", lambda p: _texte(p, "employeur_voie", "employeur_code_postal", "employeur_localite")),
        Ligne("Numéro de téléphone", "employeur_telephone"),
    ), si="employeur"),
    Section("Zone d'intervention et structure", (
        Ligne("Région(s)", lambda p: ", ".join(r.nom for r in p.regions)),
        Ligne("Département(s)", lambda p: ", ".join(d.nom for d in p.departements)),
        Ligne("Disponible à l'étranger", lambda p: oui_non(p.disponible_etranger)),
        Ligne("Structure de rattachement", _nom("structure")),
        Ligne("Permis de conduire", lambda p: oui_non(p.permis_conduire)),
        Ligne("Véhicule personnel", lambda p: oui_non(p.vehicule_personnel)),
    )),
)

INTERVENANT_PARCOURS = (
    Ligne("Natures de formation", _liste("natures")),
    Ligne("Publics", _liste("publics")),
    Ligne("Prestations complémentaires", _prestations),
    Ligne("Méthodes pédagogiques", _liste("methodes")),
    Ligne("A déjà réalisé des formations", lambda p: oui_non(p.deja_forme)),
    Ligne("Motivation", "motivation", si="motivation"),
    Ligne("Réseaux sociaux professionnels", lambda p: oui_non(p.reseaux_sociaux)),
    Ligne("CV", lambda p: lien_fichier(p.cv_fichier) if p.cv_fichier else "Aucun"),
)

#: « Mon profil » (app.views.intervenant.MonProfilView).
MON_PROFIL = (
    Ligne("Civilité", "civilite_libelle"),
    Ligne("Nom d'usage", "nom_usage"),
    Ligne("Prénom", "prenom"),
    Ligne("Date de naissance", lambda p: format_date(p.date_naissance)),
    Ligne("Structure de rattachement", lambda p: p.structure.nom if p.structure else "Non renseignée"),
    Ligne("État de l'inscription", lambda p: p.etat_inscription.libelle),
)

#: The template global ``fiches``.
FICHES = {
    "intervenant_identification": INTERVENANT_IDENTIFICATION,
    "intervenant_parcours": INTERVENANT_PARCOURS,
    "mon_profil": MON_PROFIL,
}
