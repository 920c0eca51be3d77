"""French formats by Babel (issue 36, point 3): app.infra.formatting writes
dates, Paris times (across the daylight-saving changes), numbers, amounts in
euros and file sizes for the templates, the e-mails, the exports and the
lettre PDF. Babel's French puts U+202F (narrow no-break space) between
thousands and U+00A0 before « € »."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
from flask import render_template_string

from app.infra.formatting import (
    format_date,
    format_duree,
    format_heure,
    format_montant,
    format_nombre,
    format_taille,
)

FINE = "\u202f"  # Babel's French thousands separator
INSECABLE = "\u00a0"


@pytest.mark.parametrize(("instant", "attendu"), [
    # Stored naive UTC, shown in Paris time: UTC+1 in winter, UTC+2 in summer.
    (datetime(2026, 1, 15, 9, 30), "15/01/2026 10:30"),
    (datetime(2026, 7, 1, 8, 0), "01/07/2026 10:00"),
    # 29 March 2026: at 01:00 UTC Paris jumps from 02:00 to 03:00.
    (datetime(2026, 3, 29, 0, 59), "29/03/2026 01:59"),
    (datetime(2026, 3, 29, 1, 0), "29/03/2026 03:00"),
    # 25 October 2026: at 01:00 UTC Paris goes back from 03:00 to 02:00 (02:30 happens twice).
    (datetime(2026, 10, 25, 0, 30), "25/10/2026 02:30"),
    (datetime(2026, 10, 25, 1, 30), "25/10/2026 02:30"),
    (datetime(2026, 10, 25, 2, 0), "25/10/2026 03:00"),
    # Late evening UTC is already the next Paris day.
    (datetime(2026, 12, 31, 23, 30), "01/01/2027 00:30"),
])
def test_heures_de_paris_de_part_et_d_autre_des_changements_d_heure(instant, attendu):
    assert format_heure(instant) == attendu
    assert format_date(instant) == attendu
    assert format_date(instant, "dd/MM/yyyy") == attendu[:10]


def test_dates_et_motifs():
    assert format_date(date(2026, 3, 1)) == "01/03/2026"
    assert format_date(date(2026, 3, 1), "d MMMM yyyy") == "1 mars 2026"
    assert format_date(datetime(2026, 12, 3, 9, 45), "dd/MM/yyyy 'à' HH'h'mm") == "03/12/2026 à 10h45"
    assert format_heure(datetime(2026, 7, 10, 18, 9, 5), "dd/MM/yyyy 'à' HH:mm:ss") == "10/07/2026 à 20:09:05"
    assert format_heure(datetime(2026, 7, 10, 18, 9, 5), "yyyy-MM-dd HH:mm:ss") == "2026-07-10 20:09:05"
    assert format_heure(date(2026, 3, 1)) == "01/03/2026"  # a day has no time to convert
    for absent in (None, ""):
        assert format_date(absent) == "" and format_heure(absent) == ""


def test_un_motif_strftime_est_refuse():
    """A strftime pattern would print « %15/%12/%2026 »: refused loudly."""
    with pytest.raises(ValueError, match="motif CLDR"):
        format_date(date(2026, 3, 1), "%d/%m/%Y")


@pytest.mark.parametrize(("valeur", "decimales", "attendu"), [
    (Decimal("2.50"), None, "2,5"),
    (Decimal("3.00"), None, "3"),
    (Decimal("1234.5"), None, f"1{FINE}234,5"),
    (Decimal("1234567.125"), None, f"1{FINE}234{FINE}567,125"),
    (Decimal("-12.5"), None, "-12,5"),
    (0, None, "0"),
    (Decimal("1234.5"), 2, f"1{FINE}234,50"),
    (Decimal("2"), 0, "2"),
])
def test_nombres(valeur, decimales, attendu):
    assert format_nombre(valeur, decimales) == attendu


def test_nombre_relu_par_un_formulaire_sans_separateur_de_milliers():
    assert format_nombre(Decimal("1234.5"), 2, groupes=False) == "1234,50"
    assert format_nombre(None) == ""


@pytest.mark.parametrize(("valeur", "attendu"), [
    (Decimal("21603.75"), f"21{FINE}603,75{INSECABLE}€"),
    (Decimal("450"), f"450,00{INSECABLE}€"),
    (Decimal("0.005"), f"0,00{INSECABLE}€"),  # half to even, like Decimal's own rounding
    (Decimal("1234.5678"), f"1{FINE}234,57{INSECABLE}€"),  # taux × quantité: 4 decimals
    (2000.0, f"2{FINE}000,00{INSECABLE}€"),  # SQLite's product of two numerics
    (None, ""),
])
def test_montants_en_euros(valeur, attendu):
    assert format_montant(valeur) == attendu


def test_durees():
    assert format_duree(Decimal("1"), "jour") == "1 jour"
    assert format_duree(Decimal("1.5"), "jour") == "1,5 jour"
    assert format_duree(Decimal("2"), "heure") == "2 heures"
    assert format_duree(None, "jour") == ""


@pytest.mark.parametrize(("octets", "attendu"), [
    (2 * 1024 * 1024, "2 Mo"),
    (3 * 1024 * 1024 // 2, "1,5 Mo"),
    (10 * 1024 * 1024 + 1, "10 Mo"),
    (500 * 1024, "500 Ko"),
    (358_810, "350,4 Ko"),
    (1000 * 1024, f"1{FINE}000 Ko"),
    (0, "0 Ko"),
])
def test_tailles_de_fichiers(octets, attendu):
    assert format_taille(octets) == attendu


def test_filtres_des_gabarits(app):
    with app.test_request_context():
        rendu = render_template_string(
            "{{ d | date_fr }}|{{ i | datetime_fr }}|{{ i | datetime_fr(\"dd/MM/yyyy 'à' HH:mm\") }}|"
            "{{ n | nombre_fr }}|{{ m | montant_fr }}|{{ t | taille_fr }}|{{ _('Save') }}",
            d=date(2026, 3, 1), i=datetime(2026, 3, 29, 1, 0), n=Decimal("2.5"), m=Decimal("1125"),
            t=1536 * 1024)
    assert rendu == (f"01/03/2026|29/03/2026 03:00|29/03/2026 à 03:00|2,5|1{FINE}125,00{INSECABLE}€|1,5 Mo|"
                     "Enregistrer")


def test_le_pluriel_des_gabarits_reste_celui_de_flask_babel(app):
    """Only ``_()`` is replaced (cached by message); ngettext stays Flask-Babel's."""
    with app.test_request_context():
        rendu = render_template_string("{{ ngettext('%(num)d item', '%(num)d items', 3) }}")
    assert rendu == "3 items"
