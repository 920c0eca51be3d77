"""The PDF of a lettre de demande (manual §3.3.5): reportlab, pip only.

The standard PDF fonts (Helvetica) are written in WinAnsi, which has every
French letter, « œ », « € » and the guillemets: no font file to ship.
Amounts and durations in French (« 1 234,50 € », « 2,5 jours »).

An accepted lettre (docs/lettre_acceptation.md) is the exact PDF sent, its
pages untouched, followed by one page stating the acceptance and the SHA-256
of those pages (``pdf_accepte``).
"""

from __future__ import annotations

import io
from datetime import datetime
from decimal import Decimal
from xml.sax.saxutils import escape

from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from app.infra.formatting import format_heure
from app.models.interventions import LettreDemande, ModeRemuneration, TypeLettre


def nombre_fr(valeur: Decimal, decimales: int = 2) -> str:
    """« 1 234,50 »: space between thousands, decimal comma."""
    texte = f"{Decimal(valeur):,.{decimales}f}"
    return texte.replace(",", " ").replace(".", ",")


def montant_fr(valeur: Decimal) -> str:
    return f"{nombre_fr(valeur)} €"


def quantite_fr(valeur: Decimal) -> str:
    """« 2 », « 2,5 » (no useless decimals)."""
    valeur = Decimal(valeur).normalize()
    entier = valeur == valeur.to_integral_value()
    return nombre_fr(valeur, 0) if entier else nombre_fr(valeur, max(1, -valeur.as_tuple().exponent))


def duree_fr(valeur: Decimal, unite: str) -> str:
    return f"{quantite_fr(valeur)} {unite}{'s' if Decimal(valeur) >= 2 else ''}"


_NORMAL = ParagraphStyle("normal", fontName="Helvetica", fontSize=10, leading=14)
_LIBELLE = ParagraphStyle("libelle", parent=_NORMAL, fontName="Helvetica-Bold")
_TITRE = ParagraphStyle("titre", parent=_NORMAL, fontName="Helvetica-Bold", fontSize=15, leading=20, spaceAfter=6)
_SECTION = ParagraphStyle("section", parent=_NORMAL, fontName="Helvetica-Bold", fontSize=11, spaceBefore=10,
                          spaceAfter=4)


def _p(texte: str, style=_NORMAL) -> Paragraph:
    return Paragraph(escape(texte), style)


def _tableau(lignes: list[tuple[str, str]]) -> Table:
    table = Table([[_p(a, _LIBELLE), _p(b)] for a, b in lignes], colWidths=[55 * mm, 110 * mm])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    return table


def _adresse(profil) -> str:
    morceaux = [profil.adresse_complement, profil.adresse_batiment, profil.adresse_voie,
                " ".join(x for x in (profil.code_postal, profil.localite) if x)]
    return ", ".join(m for m in morceaux if m) or "Non renseignée"


def contenu(lettre: LettreDemande) -> list[tuple[str, list[tuple[str, str]]]]:
    """The letter's sections (title, rows): the PDF and the tests read them."""
    intervention = lettre.intervention
    profil = intervention.intervenant
    mode = ModeRemuneration(lettre.mode_remuneration)
    civilite = "Mme" if profil.civilite == "Mme" else "M."
    return [
        ("Entre", [
            ("Le donneur d'ordre", f"Centre national de la fonction publique territoriale (CNFPT), "
                                   f"{intervention.structure.nom}"),
            ("L'intervenant", f"{civilite} {profil.prenom} {profil.nom_usage.upper()}"),
            ("Né(e) le", profil.date_naissance.strftime("%d/%m/%Y")),
            ("Immatriculation", profil.immatriculation or "À attribuer"),
            ("Adresse", _adresse(profil)),
        ]),
        ("L'action", [
            ("Intitulé de l'action", intervention.intitule),
            ("Période", f"du {intervention.date_debut:%d/%m/%Y} au {intervention.date_fin:%d/%m/%Y}"),
            ("Durée", duree_fr(intervention.duree_jours, "jour")),
            ("Lieu", intervention.lieu),
        ]),
        ("Modalités de paiement", [
            ("Mode de rémunération", mode.libelle),
            ("Taux", f"{montant_fr(lettre.taux)} par {mode.unite}"),
            (f"Nombre d'{mode.unite}s" if mode == ModeRemuneration.horaire else "Nombre de jours",
             quantite_fr(lettre.quantite)),
            ("Montant total", montant_fr(lettre.montant)),
        ]),
    ]


def generer_pdf(lettre: LettreDemande) -> bytes:
    tampon = io.BytesIO()
    titre = TypeLettre(lettre.type).libelle
    document = SimpleDocTemplate(tampon, pagesize=A4, title=f"{titre} n° {lettre.numero}", author="CNFPT",
                                 leftMargin=20 * mm, rightMargin=20 * mm, topMargin=20 * mm, bottomMargin=20 * mm)
    elements = [
        _p("Centre national de la fonction publique territoriale", _SECTION),
        _p(lettre.intervention.structure.nom),
        Spacer(1, 8 * mm),
        _p(titre, _TITRE),
        _p(f"N° {lettre.numero} du {lettre.date_lettre:%d/%m/%Y}"),
    ]
    for section, lignes in contenu(lettre):
        elements += [_p(section, _SECTION), _tableau(lignes)]
    elements += [
        Spacer(1, 8 * mm),
        _p("La présente lettre de demande précise les modalités de votre intervention : son contenu, sa durée, "
           "sa période et les modalités de paiement de la prestation à réaliser. Le paiement intervient après "
           "service fait, sur la base des données de votre dossier administratif."),
        Spacer(1, 12 * mm),
        _tableau([("Pour le CNFPT", "L'intervenant (bon pour accord)")]),
    ]
    document.build(elements)
    return tampon.getvalue()


_EMPREINTE = ParagraphStyle("empreinte", parent=_NORMAL, fontName="Courier", fontSize=9, leading=12)


def page_acceptation(lettre: LettreDemande, *, nom: str, email: str, quand: datetime, ip: str | None,
                     empreinte: str) -> list[tuple[str, str]]:
    """The acceptance page's rows (the PDF and the tests read them)."""
    return [
        ("Lettre de demande", f"n° {lettre.numero} du {lettre.date_lettre:%d/%m/%Y}"),
        ("Acceptée par", f"{nom} ({email})"),
        ("Le", f"{format_heure(quand, '%d/%m/%Y à %H:%M:%S')} (heure de Paris)"),
        ("Depuis l'adresse", ip or "Inconnue"),
        ("Mode d'acceptation", "En ligne, sur l'Espace intervenants, après confirmation de l'identité "
                               "et de l'engagement de l'intervenant"),
    ]


def pdf_accepte(original: bytes, lettre: LettreDemande, *, nom: str, email: str, quand: datetime,
                ip: str | None, empreinte: str) -> bytes:
    """``original`` (the PDF accepted, its pages unchanged) with a last page
    stating who accepted it, when, from where, and the SHA-256 ``empreinte``
    of the ``original`` file."""
    from pypdf import PdfReader, PdfWriter

    tampon = io.BytesIO()
    document = SimpleDocTemplate(tampon, pagesize=A4, title=f"Acceptation de la lettre n° {lettre.numero}",
                                 author="CNFPT", leftMargin=20 * mm, rightMargin=20 * mm, topMargin=20 * mm,
                                 bottomMargin=20 * mm)
    lignes = page_acceptation(lettre, nom=nom, email=email, quand=quand, ip=ip, empreinte=empreinte)
    document.build([
        _p("Acceptation en ligne de la lettre de demande", _TITRE),
        _tableau(lignes),
        Spacer(1, 6 * mm),
        _p("Empreinte SHA-256 du fichier de la lettre acceptée (les pages précédentes, telles qu'envoyées) :",
           _LIBELLE),
        _p(empreinte, _EMPREINTE),
        Spacer(1, 6 * mm),
        _p("L'intervenant a déclaré avoir pris connaissance de la lettre de demande et en accepter les termes. "
           "Le fichier de la lettre envoyée, conservé par le CNFPT, a cette empreinte : toute modification du "
           "document la changerait."),
    ])
    ecrivain = PdfWriter()
    ecrivain.append(PdfReader(io.BytesIO(original)))
    ecrivain.append(PdfReader(io.BytesIO(tampon.getvalue())))
    ecrivain.add_metadata({"/Title": f"Lettre de demande n° {lettre.numero} (acceptée)", "/Author": "CNFPT"})
    sortie = io.BytesIO()
    ecrivain.write(sortie)
    return sortie.getvalue()
