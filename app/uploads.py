"""Reading an uploaded file safely: present, not empty, an allowed type, not too large, text when text is due."""
from __future__ import annotations

import os
from collections.abc import Iterable

from flask_babel import gettext as _
from werkzeug.datastructures import FileStorage

# Types read as text (CSV, Markdown, YAML...); every other allowed type is taken as binary.
TEXT_EXTENSIONS = frozenset({"csv", "txt", "md", "markdown", "yaml", "yml", "json", "tsv"})
# Openings of the binary files people most often upload by mistake under a text name.
_BINARY_SIGNATURES = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0", b"%PDF", b"\x89PNG", b"\xff\xd8\xff", b"GIF8")
# An .xlsx is a zip archive; anything else under that name is not a workbook.
_EXPECTED_SIGNATURES = {"xlsx": b"PK\x03\x04"}
_SNIFF_BYTES = 8192


class UploadError(ValueError):
    """An upload cannot be used; the message tells the user what to do, in Bahasa Indonesia."""


def _extension(filename: str) -> str:
    return os.path.splitext(filename)[1].lower().lstrip(".")


def _size_label(n_bytes: int) -> str:
    if n_bytes >= 1024 * 1024:
        return f"{n_bytes / (1024 * 1024):.1f}".rstrip("0").rstrip(".") + " MB"
    return f"{max(1, round(n_bytes / 1024))} KB"


def looks_binary(data: bytes) -> bool:
    """Whether content meant as text is in fact binary (a NUL byte, or a known binary opening)."""
    head = data[:_SNIFF_BYTES]
    return b"\x00" in head or head.startswith(_BINARY_SIGNATURES)


def read_upload(file_storage: FileStorage | None, allowed_extensions: Iterable[str], max_bytes: int,
                *, text: bool | None = None) -> bytes:
    """Return the bytes of an upload, or raise UploadError saying what is wrong with it.

    allowed_extensions are names without the dot ("csv", "xlsx"); text=None means text is
    expected when the file's extension is one of TEXT_EXTENSIONS.
    """
    allowed = sorted({ext.lower().lstrip(".") for ext in allowed_extensions})
    if file_storage is None or not file_storage.filename:
        raise UploadError(_("Belum ada berkas yang dipilih. Pilih berkas lalu unggah lagi."))
    extension = _extension(file_storage.filename)
    if extension not in allowed:
        raise UploadError(_("Jenis berkas tidak didukung. Unggah berkas %(types)s.",
                            types=", ".join("." + ext for ext in allowed)))
    # Read one byte past the limit: enough to know it is too large without reading it all.
    data = file_storage.stream.read(max_bytes + 1)
    if not data:
        raise UploadError(_("Berkas kosong. Periksa isinya lalu unggah lagi."))
    if len(data) > max_bytes:
        raise UploadError(_("Berkas terlalu besar; batasnya %(limit)s. Perkecil berkas lalu unggah lagi.",
                            limit=_size_label(max_bytes)))
    expects_text = extension in TEXT_EXTENSIONS if text is None else text
    if expects_text and looks_binary(data):
        raise UploadError(_("Isi berkas bukan teks (mungkin berkas Excel, PDF, atau gambar yang diganti namanya). "
                            "Simpan sebagai .%(ext)s dengan pengodean UTF-8 lalu unggah lagi.", ext=extension))
    signature = _EXPECTED_SIGNATURES.get(extension)
    if signature and not data.startswith(signature):
        raise UploadError(_("Berkas .%(ext)s ini rusak atau bukan berkas .%(ext)s yang sebenarnya. "
                            "Simpan ulang dari aplikasinya lalu unggah lagi.", ext=extension))
    return data
