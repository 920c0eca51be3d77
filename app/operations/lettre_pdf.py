"""The PDF of a lettre de demande (manual §3.3.5): reportlab, pip only.

The standard PDF fonts (Helvetica) are written in WinAnsi, which has every
French letter, « œ », « € » and the guillemets: no font file to ship.
Dates, amounts and durations come from app.infra.formatting (Babel,
« 1 234,50 € », « 2,5 jours »); WinAnsi has no narrow no-break space
(U+202F, Babel's thousands separator in French): the PDF writes a no-break
space (U+00A0) instead.

An accepted lettre (docs/lettre_acceptation.md) is the exact PDF sent, its
pages untouched, followed by one page stating the acceptance and the SHA-256
of those pages (``pdf_accepte``).
"""

from __future__ import annotations

import io
from datetime import datetime
from xml.sax.saxutils import escape

from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from app.infra.formatting import format_date, format_duree, format_heure, format_montant, format_nombre
from app.models.interventions import LettreDemande, ModeRemuneration, TypeLettre

_NORMAL = ParagraphStyle("normal", fontName="Helvetica", fontSize=10, leading=14)
_LIBELLE = ParagraphStyle("libelle", parent=_NORMAL, fontName="Helvetica-Bold")
_TITRE = ParagraphStyle("titre", parent=_NORMAL, fontName="Helvetica-Bold", fontSize=15, leading=20, spaceAfter=6)
_SECTION = ParagraphStyle("section", parent=_NORMAL, fontName="Helvetica-Bold", fontSize=11, spaceBefore=10,
                          spaceAfter=4)


def _p(texte: str, style=_NORMAL) -> Paragraph:
    return Paragraph(escape(texte.replace("\u202f", "\u00a0")), style)


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
            ("Né(e) le", format_date(profil.date_naissance)),
            ("Immatriculation", profil.immatriculation or "À attribuer"),
            ("Adresse", _adresse(profil)),
        ]),
        ("L'action", [
            ("Intitulé de l'action", intervention.intitule),
            ("Période", f"du {format_date(intervention.date_debut)} au {format_date(intervention.date_fin)}"),
            ("Durée", format_duree(intervention.duree_jours, "jour")),
            ("Lieu", intervention.lieu),
        ]),
        ("Modalités de paiement", [
            ("Mode de rémunération", mode.libelle),
            ("Taux", f"{format_montant(lettre.taux)} par {mode.unite}"),
            (f"Nombre d'{mode.unite}s" if mode == ModeRemuneration.horaire else "Nombre de jours",
             format_nombre(lettre.quantite)),
            ("Montant total", format_montant(lettre.montant)),
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
        _p(f"N° {lettre.numero} du {format_date(lettre.date_lettre)}"),
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
        ("Lettre de demande", f"n° {lettre.numero} du {format_date(lettre.date_lettre)}"),
        ("Acceptée par", f"{nom} ({email})"),
        ("Le", format_heure(quand, "dd/MM/yyyy 'à' HH:mm:ss") + " (heure de Paris)"),
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
