"""Upload validation: every accepted format, every refusal, file name tricks."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

import pytest
from openpyxl import Workbook
from werkzeug.datastructures import FileStorage

from app.infra.uploads import (
    DOSSIER_ADMINISTRATIF,
    MEGA,
    PIECE_JOINTE_SUPPORT,
    PROFIL,
    UploadError,
    format_taille,
    safe_display_name,
    validate_upload,
)

# --- minimal valid samples, generated here --------------------------------

PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
OLE2 = bytes.fromhex("D0CF11E0A1B11AE1") + bytes(504)
RTF = b"{\\rtf1\\ansi\\deff0 {\\fonttbl {\\f0 Times;}} Curriculum vit\\'e6}"
HTML = "<!DOCTYPE html><html lang='fr'><body><p>Expérience</p></body></html>".encode()
TXT_UTF8 = "Curriculum vitæ : formatrice en comptabilité publique.\r\n".encode()
TXT_LATIN1 = "Expérience : 12 années, état civil à jour.\n".encode("latin-1")
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"
ELF = b"\x7fELF\x02\x01\x01\x00" + bytes(56)
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + bytes(48)


def png() -> bytes:
    """A real 1×1 white PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\xff\xff")
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def zip_of(*entries: tuple[str, str | bytes], stored_first: bool = False) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for index, (name, content) in enumerate(entries):
            compress = zipfile.ZIP_STORED if stored_first and index == 0 else zipfile.ZIP_DEFLATED
            archive.writestr(name, content, compress_type=compress)
    return buffer.getvalue()


def docx() -> bytes:
    return zip_of(
        (
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>',
        ),
        ("_rels/.rels", '<?xml version="1.0"?><Relationships/>'),
        ("word/document.xml", '<?xml version="1.0"?><w:document/>'),
    )


def odt() -> bytes:
    return zip_of(
        ("mimetype", "application/vnd.oasis.opendocument.text"),
        ("content.xml", '<?xml version="1.0"?><office:document-content/>'),
        ("META-INF/manifest.xml", '<?xml version="1.0"?><manifest:manifest/>'),
        stored_first=True,
    )


def xlsx() -> bytes:
    buffer = io.BytesIO()
    Workbook().save(buffer)
    return buffer.getvalue()


def upload(name: str | None, data: bytes, **kw) -> FileStorage:
    return FileStorage(stream=io.BytesIO(data), filename=name, **kw)


def check(file: FileStorage, preset=PROFIL):
    return validate_upload(file, allowed_extensions=preset.extensions, max_bytes=preset.max_bytes)


# --- accepted ------------------------------------------------------------------

ACCEPTED = [
    (PROFIL, "cv.pdf", PDF, "application/pdf"),
    (PROFIL, "cv.doc", OLE2, "application/msword"),
    (PROFIL, "cv.txt", TXT_UTF8, "text/plain"),
    (PROFIL, "cv-latin1.txt", TXT_LATIN1, "text/plain"),
    (PROFIL, "cv.rtf", RTF, "application/rtf"),
    (PROFIL, "cv.html", HTML, "text/html"),
    (PROFIL, "cv.odt", odt(), "application/vnd.oasis.opendocument.text"),
    (PROFIL, "cv.docx", docx(), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    (DOSSIER_ADMINISTRATIF, "rib.pdf", PDF, "application/pdf"),
    (DOSSIER_ADMINISTRATIF, "identite.jpg", JPEG, "image/jpeg"),
    (DOSSIER_ADMINISTRATIF, "identite.jpeg", JPEG, "image/jpeg"),
    (DOSSIER_ADMINISTRATIF, "vitale.png", png(), "image/png"),
    (DOSSIER_ADMINISTRATIF, "attestation.odt", odt(), "application/vnd.oasis.opendocument.text"),
    (
        DOSSIER_ADMINISTRATIF,
        "attestation.docx",
        docx(),
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    (DOSSIER_ADMINISTRATIF, "attestation.doc", OLE2, "application/msword"),
    (DOSSIER_ADMINISTRATIF, "attestation.rtf", RTF, "application/rtf"),
    (DOSSIER_ADMINISTRATIF, "attestation.txt", TXT_UTF8, "text/plain"),
    (PIECE_JOINTE_SUPPORT, "tableau.xls", OLE2, "application/vnd.ms-excel"),
    (PIECE_JOINTE_SUPPORT, "tableau.xlsx", xlsx(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    (PIECE_JOINTE_SUPPORT, "capture.png", png(), "image/png"),
    (PIECE_JOINTE_SUPPORT, "capture.jpg", JPEG, "image/jpeg"),
    (
        PIECE_JOINTE_SUPPORT,
        "note.docx",
        docx(),
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
]


@pytest.mark.parametrize(("preset", "name", "data", "content_type"), ACCEPTED, ids=[f"{c[1]}" for c in ACCEPTED])
def test_accepted_formats(preset, name, data, content_type):
    result = check(upload(name, data), preset)
    assert result.data == data
    assert result.size == len(data)
    assert result.content_type == content_type
    assert result.display_name == name
    assert len(result.sha256) == 64


def test_extension_is_case_insensitive():
    result = check(upload("CV.PDF", PDF))
    assert result.extension == "pdf"
    assert result.display_name == "CV.PDF"


def test_size_at_the_limit_is_accepted():
    data = PDF + b"0" * (PROFIL.max_bytes - len(PDF))
    assert check(upload("cv.pdf", data)).size == PROFIL.max_bytes


# --- refused ---------------------------------------------------------------------


def test_too_big_is_refused():
    data = PDF + b"0" * (PROFIL.max_bytes - len(PDF) + 1)
    with pytest.raises(UploadError) as error:
        check(upload("cv.pdf", data))
    assert str(error.value) == "Le fichier dépasse la taille maximale autorisée (2 Mo)."


def test_size_is_measured_not_taken_from_content_length():
    data = PDF + b"0" * (DOSSIER_ADMINISTRATIF.max_bytes + 10)
    lying = upload("rib.pdf", data, content_length=len(PDF))
    assert lying.content_length == len(PDF)
    with pytest.raises(UploadError, match=r"taille maximale autorisée \(5 Mo\)"):
        check(lying, DOSSIER_ADMINISTRATIF)


@pytest.mark.parametrize(
    "name", ["programme.exe", "photo.gif", "archive.zip", "cv.pdf.exe", "sans_extension", ".pdf", "cv."]
)
def test_extension_not_allowed_is_refused(name):
    with pytest.raises(UploadError) as error:
        check(upload(name, PDF))
    assert str(error.value) == (
        "Format de fichier non autorisé : seuls les formats PDF, DOC, TXT, RTF, HTML, ODT et DOCX sont acceptés."
    )


def test_image_not_allowed_in_profile_files():
    with pytest.raises(UploadError, match="Format de fichier non autorisé"):
        check(upload("photo.png", png()), PROFIL)


LIES = [
    ("elf.pdf", ELF, PROFIL),
    ("setup.pdf", EXE, PROFIL),
    ("setup.doc", EXE, PROFIL),
    ("page.pdf", HTML, PROFIL),
    ("image.docx", png(), PROFIL),
    ("image.pdf", png(), PROFIL),
    ("plain-zip.docx", zip_of(("a.txt", "x")), PROFIL),
    ("odt.docx", odt(), PROFIL),
    ("docx.odt", docx(), PROFIL),
    ("tableur.docx", xlsx(), PROFIL),
    ("texte.xlsx", docx(), PIECE_JOINTE_SUPPORT),
    ("broken.docx", b"PK\x03\x04" + bytes(40), PROFIL),
    ("pdf.png", PDF, DOSSIER_ADMINISTRATIF),
    ("png.jpg", png(), DOSSIER_ADMINISTRATIF),
    ("pdf.rtf", PDF, PROFIL),
    ("binary.txt", b"abc\x00def", PROFIL),
    ("elf.txt", ELF, PROFIL),
    ("control.txt", b"abc\x1b[31mdef", PROFIL),
    ("sans-balise.html", b"<p>Pas de document HTML</p>", PROFIL),
    ("elf.html", ELF + b"<html>", PROFIL),
]


@pytest.mark.parametrize(("name", "data", "preset"), LIES, ids=[lie[0] for lie in LIES])
def test_content_lying_about_its_type_is_refused(name, data, preset):
    with pytest.raises(UploadError) as error:
        check(upload(name, data), preset)
    assert str(error.value) == "Le contenu du fichier ne correspond pas à son extension."


def test_zip_bomb_like_mimetype_entry_is_not_inflated():
    data = zip_of(("mimetype", b"application/vnd.oasis.opendocument.text" + b" " * 10_000))
    with pytest.raises(UploadError, match="ne correspond pas"):
        check(upload("gros.odt", data))


def test_empty_file_is_refused():
    with pytest.raises(UploadError, match="Le fichier est vide."):
        check(upload("cv.pdf", b""))


@pytest.mark.parametrize("file", [None, upload(None, PDF), upload("", PDF), upload("   ", PDF)])
def test_missing_file_is_refused(file):
    with pytest.raises(UploadError, match="Aucun fichier n'a été transmis."):
        check(file)


def test_a_format_without_content_check_cannot_be_allowed():
    with pytest.raises(ValueError, match="svg"):
        validate_upload(upload("a.svg", b"<svg/>"), allowed_extensions=("svg",), max_bytes=MEGA)


# --- file names ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "safe"),
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("C:\\x\\a.pdf", "a.pdf"),
        ("/etc/cron.d/tâche.pdf", "tâche.pdf"),
        ("rap\x00port.pdf", "rapport.pdf"),
        ("ligne\r\nsuivante.pdf", "lignesuivante.pdf"),
        ("..\\..\\windows\\system.ini.pdf", "system.ini.pdf"),
        ("..pdf", "pdf"),
        (".cache.pdf", "cache.pdf"),
        ("Attestation URSSAF été 2024.pdf", "Attestation URSSAF été 2024.pdf"),
        ("e\u0301te\u0301.pdf", "été.pdf"),
        ('a<b>c:"d"|e?f*.pdf', "a_b_c__d__e_f_.pdf"),
        ("CON.pdf", "_CON.pdf"),
        ("nul.txt", "_nul.txt"),
        ("  plusieurs   espaces  .pdf", "plusieurs espaces .pdf"),
        ("x" * 300 + ".pdf", "x" * 146 + ".pdf"),
    ],
)
def test_safe_display_name(raw, safe):
    assert safe_display_name(raw) == safe


def test_path_tricks_leave_a_safe_name():
    result = check(upload("../../etc/passwd.pdf", PDF))
    assert result.display_name == "passwd.pdf"


def test_nul_cannot_hide_the_real_extension():
    with pytest.raises(UploadError, match="Format de fichier non autorisé"):
        check(upload("cv.pdf\x00.exe", PDF))


@pytest.mark.parametrize(
    ("size", "text"), [(2 * MEGA, "2 Mo"), (5 * MEGA, "5 Mo"), (MEGA + MEGA // 2, "1,5 Mo"), (500 * 1024, "500 Ko")]
)
def test_format_taille(size, text):
    assert format_taille(size) == text
