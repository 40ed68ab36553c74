"""Checks on uploaded files: size, and type judged by the file's content, not its name.

A file whose name says .pdf but whose bytes are an executable (a "disguised" file) is refused.
"""

import zipfile
from dataclasses import dataclass

from django.conf import settings
from django.template.defaultfilters import filesizeformat

from .errors import DomainError

# What each accepted type starts with, and the extensions it may be named with.
SIGNATURES = {
    "application/pdf": (b"%PDF-", (".pdf",)),
    "image/png": (b"\x89PNG\r\n\x1a\n", (".png",)),
    "image/jpeg": (b"\xff\xd8\xff", (".jpg", ".jpeg")),
}
OFFICE_TYPES = {
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ".odt": "application/vnd.oasis.opendocument.text",
    ".ods": "application/vnd.oasis.opendocument.spreadsheet",
}
TEXT_TYPES = {".txt": "text/plain", ".csv": "text/csv"}
ACCEPTED_DESCRIPTION = "a PDF, Word, Excel, OpenDocument, CSV, text, PNG or JPEG file"


@dataclass(frozen=True)
class CheckedUpload:
    name: str
    content: bytes
    content_type: str

    @property
    def size(self) -> int:
        return len(self.content)


def check_upload(uploaded_file, *, field: str = "file", max_bytes: int | None = None):
    """Reads and checks an uploaded file. Returns its name, bytes and real content type, or
    raises DomainError with a message for `field`."""
    limit = max_bytes or settings.MAX_UPLOAD_BYTES
    name = (uploaded_file.name or "").rsplit("/", 1)[-1]
    if uploaded_file.size > limit:
        _refuse(field, f"The selected file must be smaller than {filesizeformat(limit)}")
    content = uploaded_file.read()
    if not content:
        _refuse(field, "The selected file is empty")
    extension = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    content_type = _sniff(content, extension)
    if content_type is None:
        _refuse(
            field,
            f"The selected file must be {ACCEPTED_DESCRIPTION}, and its name must match its "
            "contents",
        )
    return CheckedUpload(name=name, content=content, content_type=content_type)


def _sniff(content: bytes, extension: str) -> str | None:
    for content_type, (magic, extensions) in SIGNATURES.items():
        if content.startswith(magic):
            return content_type if extension in extensions else None
    if extension in OFFICE_TYPES and content.startswith(b"PK\x03\x04"):
        return OFFICE_TYPES[extension] if _is_office_zip(content) else None
    if extension in TEXT_TYPES:
        try:
            text = content.decode("utf-8")
        except UnicodeDecodeError:
            return None
        return TEXT_TYPES[extension] if "\x00" not in text else None
    return None


def _is_office_zip(content: bytes) -> bool:
    import io

    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = set(archive.namelist())
    except zipfile.BadZipFile:
        return False
    return "[Content_Types].xml" in names or "mimetype" in names


def _refuse(field: str, message: str):
    raise DomainError(message, field_errors={field: [message]})
