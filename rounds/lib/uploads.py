"""Checking uploaded documents: size within the limit, and a real document by its content.

The extension and the browser's content type are what the uploader claims; the first bytes are
what the file is. A program renamed `cv.pdf` starts with "MZ", not "%PDF", and is refused."""

from __future__ import annotations

import hashlib
import zipfile

from django.conf import settings
from django.core.exceptions import ValidationError

PDF = "application/pdf"
DOC = "application/msword"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ODT = "application/vnd.oasis.opendocument.text"
RTF = "application/rtf"
TXT = "text/plain"
JPEG = "image/jpeg"
PNG = "image/png"

# Extension → the content type its bytes must show.
EXTENSIONS = {
    "pdf": PDF,
    "doc": DOC,
    "docx": DOCX,
    "odt": ODT,
    "rtf": RTF,
    "txt": TXT,
    "jpg": JPEG,
    "jpeg": JPEG,
    "png": PNG,
}
ALLOWED_DESCRIPTION = "PDF, Word (DOC, DOCX), OpenDocument text (ODT), RTF, plain text, JPG or PNG"
EXTENSION_FOR = {
    PDF: "pdf",
    DOC: "doc",
    DOCX: "docx",
    ODT: "odt",
    RTF: "rtf",
    TXT: "txt",
    JPEG: "jpg",
    PNG: "png",
}


def human_size(size: int) -> str:
    """12.3 MB, 10 MB, 840 KB: how people say file sizes."""
    for unit, factor in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if size >= factor:
            value = size / factor
            text = f"{value:.1f}".rstrip("0").rstrip(".")
            return f"{text} {unit}"
    return f"{size} bytes"


def _head(uploaded_file, n: int = 8192) -> bytes:
    uploaded_file.seek(0)
    head = uploaded_file.read(n)
    uploaded_file.seek(0)
    return head


def _zip_kind(uploaded_file) -> str | None:
    """DOCX and ODT are ZIP archives; which one is told by what they hold."""
    uploaded_file.seek(0)
    try:
        with zipfile.ZipFile(uploaded_file) as archive:
            names = set(archive.namelist())
            if "mimetype" in names and archive.read("mimetype").strip() == ODT.encode():
                return ODT
            if "[Content_Types].xml" in names and any(n.startswith("word/") for n in names):
                return DOCX
    except (zipfile.BadZipFile, OSError, KeyError, ValueError):
        return None
    finally:
        uploaded_file.seek(0)
    return None


def _looks_like_text(head: bytes) -> bool:
    if not head or b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the end of the sample is still text.
        if exc.start < len(head) - 4:
            try:
                head.decode("cp1252")
            except UnicodeDecodeError:
                return False
    control = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13))
    return control <= len(head) // 100


def sniff(uploaded_file) -> str | None:
    """The document type the file's bytes show, or None when it is not a document we accept."""
    head = _head(uploaded_file)
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return DOC
    if head.startswith(b"PK\x03\x04"):
        return _zip_kind(uploaded_file)
    if head.startswith(b"{\\rtf"):
        return RTF
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if _looks_like_text(head):
        return TXT
    return None


def check_document(uploaded_file) -> str:
    """Return the content type of an acceptable document; raise ValidationError saying why not.

    Accepted: PDF, DOC, DOCX, ODT, RTF, TXT, and JPG/PNG for licence scans, up to
    settings.MAX_UPLOAD_BYTES, recognised by their bytes and not only by their name."""
    name = getattr(uploaded_file, "name", "") or "The file"
    size = uploaded_file.size
    limit = settings.MAX_UPLOAD_BYTES
    if size > limit:
        raise ValidationError(
            f"{name} is {human_size(size)}; the limit is {human_size(limit)}.", code="too_large"
        )
    if size == 0:
        raise ValidationError(f"{name} is empty.", code="empty")
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext and ext not in EXTENSIONS:
        raise ValidationError(
            f"{name} is not a document we accept (.{ext}). Upload {ALLOWED_DESCRIPTION}.",
            code="bad_type",
        )
    found = sniff(uploaded_file)
    if found is None:
        raise ValidationError(
            f"{name} is not a document: its content is not {ALLOWED_DESCRIPTION}.",
            code="bad_type",
        )
    if ext and EXTENSIONS[ext] != found and not (ext in ("doc", "docx") and found in (DOC, DOCX)):
        raise ValidationError(
            f"{name} is named .{ext} but its content is {EXTENSION_FOR[found].upper()}. "
            "Rename it or upload the right file.",
            code="bad_type",
        )
    return found


def sha256_of(uploaded_file) -> str:
    digest = hashlib.sha256()
    uploaded_file.seek(0)
    chunks = uploaded_file.chunks() if hasattr(uploaded_file, "chunks") else [uploaded_file.read()]
    for chunk in chunks:
        digest.update(chunk)
    uploaded_file.seek(0)
    return digest.hexdigest()
