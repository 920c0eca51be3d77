"""Validation of uploaded files, before anything is written to storage.

Nothing sent by the browser is trusted: the size is measured by reading the
stream, the type is decided from the content (magic bytes via puremagic, then
the inner structure of containers) and must agree with the extension, and the
user's file name is only kept as a cleaned display name, never used as a path.
"""

from __future__ import annotations

import hashlib
import io
import re
import unicodedata
import zipfile
from collections.abc import Callable
from dataclasses import dataclass

import puremagic

from app.infra.formatting import format_taille

CHUNK_SIZE = 64 * 1024
MEGA = 1024 * 1024
MAX_DISPLAY_NAME = 150

OLE2_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
ZIP_MAGIC = b"PK\x03\x04"
ODT_MIMETYPE = b"application/vnd.oasis.opendocument.text"


class UploadError(ValueError):
    """A refused upload; the message is shown to the user as is."""


@dataclass(frozen=True)
class UploadPreset:
    """Which extensions a form accepts and up to which size."""

    extensions: tuple[str, ...]
    max_bytes: int


#: Fichiers du profil (CV, diplômes...).
PROFIL = UploadPreset(("pdf", "doc", "txt", "rtf", "html", "odt", "docx"), 2 * MEGA)
#: Pièces du dossier administratif (identité, RIB, attestations...).
DOSSIER_ADMINISTRATIF = UploadPreset(("pdf", "doc", "docx", "txt", "rtf", "odt", "jpg", "jpeg", "png"), 5 * MEGA)
#: Pièces jointes d'une demande de support.
PIECE_JOINTE_SUPPORT = UploadPreset(("pdf", "doc", "docx", "xls", "xlsx", "jpg", "jpeg", "png"), 2 * MEGA)


@dataclass(frozen=True)
class ValidatedUpload:
    """An accepted file: its bytes and what the application records about it."""

    data: bytes
    display_name: str
    extension: str
    content_type: str
    size: int
    sha256: str


# --- content checks ---------------------------------------------------------


def _starts_with(prefix: bytes) -> Callable[[bytes], bool]:
    return lambda data: data.startswith(prefix)


def _open_zip(data: bytes) -> zipfile.ZipFile | None:
    if not data.startswith(ZIP_MAGIC):
        return None
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        return None
    return archive


def _ooxml(part_folder: str) -> Callable[[bytes], bool]:
    """Office Open XML: a zip with [Content_Types].xml and the main part's folder
    (word/ for DOCX, xl/ for XLSX)."""

    def check(data: bytes) -> bool:
        archive = _open_zip(data)
        if archive is None:
            return False
        names = archive.namelist()
        return "[Content_Types].xml" in names and any(n.startswith(part_folder) for n in names)

    return check


def _odt(data: bytes) -> bool:
    """OpenDocument text: a zip whose ``mimetype`` entry names the ODT type."""
    archive = _open_zip(data)
    if archive is None:
        return False
    try:
        info = archive.getinfo("mimetype")
    except KeyError:
        return False
    # Read only a tiny entry: never inflate anything a zip bomb could hide.
    if info.file_size > 100:
        return False
    try:
        return archive.read(info).strip() == ODT_MIMETYPE
    except (zipfile.BadZipFile, ValueError, OSError, NotImplementedError):
        return False


_ALLOWED_CONTROL = {"\t", "\n", "\r", "\f", "\v"}


def _decode_text(data: bytes) -> str | None:
    """UTF-8 (with or without BOM), else latin-1; None if it looks binary."""
    if b"\x00" in data:
        return None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    if any(ch < " " and ch not in _ALLOWED_CONTROL for ch in text):
        return None
    return text


def _is_text(data: bytes) -> bool:
    return _decode_text(data) is not None


_HTML_TAG = re.compile(r"<(?:html|!doctype)\b", re.IGNORECASE)


def _is_html(data: bytes) -> bool:
    text = _decode_text(data)
    return text is not None and _HTML_TAG.search(text) is not None


@dataclass(frozen=True)
class _Format:
    label: str
    content_type: str
    #: Extensions puremagic must see among its candidates (None: text formats,
    #: which have no magic bytes).
    magic: frozenset[str] | None
    check: Callable[[bytes], bool]


_JPEG = _Format("JPEG", "image/jpeg", frozenset({".jpg", ".jpeg"}), _starts_with(b"\xff\xd8\xff"))

FORMATS: dict[str, _Format] = {
    "pdf": _Format("PDF", "application/pdf", frozenset({".pdf"}), _starts_with(b"%PDF-")),
    "doc": _Format("DOC", "application/msword", frozenset({".doc"}), _starts_with(OLE2_MAGIC)),
    "xls": _Format("XLS", "application/vnd.ms-excel", frozenset({".xls"}), _starts_with(OLE2_MAGIC)),
    "docx": _Format(
        "DOCX",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        frozenset({".docx"}),
        _ooxml("word/"),
    ),
    "xlsx": _Format(
        "XLSX",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        frozenset({".xlsx"}),
        _ooxml("xl/"),
    ),
    "odt": _Format("ODT", "application/vnd.oasis.opendocument.text", frozenset({".odt"}), _odt),
    "rtf": _Format("RTF", "application/rtf", frozenset({".rtf"}), _starts_with(b"{\\rtf")),
    "txt": _Format("TXT", "text/plain", None, _is_text),
    "html": _Format("HTML", "text/html", None, _is_html),
    "png": _Format("PNG", "image/png", frozenset({".png"}), _starts_with(b"\x89PNG\r\n\x1a\n")),
    "jpg": _JPEG,
    "jpeg": _JPEG,
}


def _magic_candidates(data: bytes) -> set[str]:
    try:
        return {match.extension for match in puremagic.magic_string(data)}
    except (puremagic.PureError, ValueError):
        return set()


def content_matches(extension: str, data: bytes) -> bool:
    """True when the bytes really are a file of type ``extension``."""
    fmt = FORMATS[extension]
    if fmt.magic is not None and not (fmt.magic & _magic_candidates(data)):
        return False
    return fmt.check(data)


# --- file names -------------------------------------------------------------

_WINDOWS_FORBIDDEN = re.compile(r'[<>:"|?*]')
_WINDOWS_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10)), *(f"lpt{i}" for i in range(1, 10))}


def safe_display_name(filename: str) -> str:
    """The user's file name reduced to a harmless display name.

    Like werkzeug's ``secure_filename`` (last path component only, no control
    characters, no leading dots) but accents are kept: the name is shown to
    French users and offered back as the download name, never used as a path.
    """
    name = unicodedata.normalize("NFC", filename or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if not unicodedata.category(ch).startswith("C"))
    name = _WINDOWS_FORBIDDEN.sub("_", name)
    name = " ".join(name.split()).strip(" .")
    if name.split(".", 1)[0].lower() in _WINDOWS_RESERVED:
        name = "_" + name
    if len(name) > MAX_DISPLAY_NAME:
        stem, dot, ext = name.rpartition(".")
        if dot and len(ext) <= 10:
            name = stem[: MAX_DISPLAY_NAME - len(ext) - 1].rstrip(" .") + "." + ext
        else:
            name = name[:MAX_DISPLAY_NAME]
    return name


def _extension(name: str) -> str:
    stem, dot, ext = name.rpartition(".")
    return ext.lower() if dot and stem else ""


# --- validation -------------------------------------------------------------


def _formats_label(allowed: tuple[str, ...]) -> str:
    labels = [ext.upper() for ext in allowed]
    return ", ".join(labels[:-1]) + " et " + labels[-1] if len(labels) > 1 else labels[0]


def _read_limited(stream, max_bytes: int) -> bytes:
    """Read at most ``max_bytes`` + 1 bytes: enough to know the file is too big
    without holding an arbitrarily large body in memory."""
    if hasattr(stream, "seek"):
        stream.seek(0)
    buffer = bytearray()
    while len(buffer) <= max_bytes:
        chunk = stream.read(min(CHUNK_SIZE, max_bytes + 1 - len(buffer)))
        if not chunk:
            break
        buffer.extend(chunk)
    return bytes(buffer)


def validate_upload(file_storage, *, allowed_extensions, max_bytes: int) -> ValidatedUpload:
    """Check an uploaded file (a werkzeug ``FileStorage``) and return its bytes
    and metadata, or raise ``UploadError`` with a message for the user."""
    allowed = tuple(ext.lower().lstrip(".") for ext in allowed_extensions)
    unknown = [ext for ext in allowed if ext not in FORMATS]
    if unknown:
        raise ValueError(f"Formats sans contrôle de contenu : {', '.join(unknown)}")

    if file_storage is None or not (file_storage.filename or "").strip():
        raise UploadError("Aucun fichier n'a été transmis.")
    display_name = safe_display_name(file_storage.filename)
    extension = _extension(display_name)
    if extension not in allowed:
        raise UploadError(
            f"Format de fichier non autorisé : seuls les formats {_formats_label(allowed)} sont acceptés."
        )

    data = _read_limited(file_storage.stream, max_bytes)
    if len(data) > max_bytes:
        raise UploadError(f"Le fichier dépasse la taille maximale autorisée ({format_taille(max_bytes)}).")
    if not data:
        raise UploadError("Le fichier est vide.")
    if not content_matches(extension, data):
        raise UploadError("Le contenu du fichier ne correspond pas à son extension.")

    return ValidatedUpload(
        data=data,
        display_name=display_name,
        extension=extension,
        content_type=FORMATS[extension].content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
    )
