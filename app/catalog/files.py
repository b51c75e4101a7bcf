"""Course files (lesson images and PDF handouts): checked by their content, images re-encoded, in bounded time and memory.

An upload is read at most one byte past the limit; an image's size in pixels is read from its
header and refused above MAX_PIXELS before any pixel is decoded (a decompression bomb is a small
file that claims a huge picture); a JPEG is decoded at a reduced scale when that is enough. The
image is then written anew by Pillow at most MAX_DIMENSION pixels wide and high, with its EXIF
orientation applied and every piece of metadata (camera, GPS position, comments) left out.
SVG is refused: it is a document that can carry scripts, not a picture.
"""
from __future__ import annotations

import hashlib
import io
import re
import unicodedata
import warnings
from dataclasses import dataclass
from typing import BinaryIO, Optional

from flask_babel import format_decimal, gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_BYTES = 5 * 1024 * 1024  # per file, as uploaded and as read from a course folder
MAX_PIXELS = 40_000_000  # width x height claimed by the header; a 12 MP phone photo is 12,000,000
MAX_DIMENSION = 1600  # the longer side of a stored image: sharp on a laptop, light on a phone
JPEG_QUALITY = 82
NAME_MAX = 80

IMAGE, PDF = "image", "pdf"
# What is stored: JPEG for photos, PNG for drawings and screenshots (and anything with transparency).
MEDIA_TYPES = {"jpg": "image/jpeg", "png": "image/png", "pdf": "application/pdf"}
IMAGE_EXTENSIONS = {"jpg", "jpeg", "png", "gif", "webp"}
EXTENSIONS = IMAGE_EXTENSIONS | {"pdf"}
_PILLOW_FORMATS = {"JPEG", "PNG", "GIF", "WEBP"}
# Keys Pillow puts in Image.info for metadata a stored image must not carry.
_METADATA = {"exif", "xmp", "XML:com.adobe.xmp", "comment", "photoshop", "icc_profile", "iptc", "adobe"}
_SAFE_NAME = re.compile(r"^[a-z0-9][a-z0-9-]*\.(jpg|png|pdf)$")


class FileProblem(ValueError):
    """A file that cannot be used; the message says why and what to do, for the trainer."""


@dataclass(frozen=True)
class CheckedFile:
    """A file fit to store: its bytes, kind, type and, for an image, its size in pixels."""

    name: str
    data: bytes
    kind: str
    media_type: str
    width: Optional[int] = None
    height: Optional[int] = None

    @property
    def sha256(self) -> str:
        """The hex SHA-256 of the bytes: it names this content in URLs and exports."""
        return hashlib.sha256(self.data).hexdigest()


def size_label(n_bytes: int) -> str:
    """A size in the current language ('1,5 MB' or '1.5 MB', '300 KB'), rounded up: a file over a limit never reads as the limit."""
    if n_bytes >= 1024 * 1024:
        tenths = -(-n_bytes * 10 // (1024 * 1024))  # ceiling division: 5 MB and one byte is 5.1 MB, not 5 MB
        return f"{format_decimal(tenths / 10, format='#,##0.#')} MB"
    return f"{format_decimal(max(1, -(-n_bytes // 1024)), format='#,##0')} KB"


def read_limited(stream: BinaryIO, max_bytes: int | None = None) -> bytes:
    """The stream's bytes, reading one byte past the limit (MAX_BYTES) at most; FileProblem when empty or too large."""
    max_bytes = MAX_BYTES if max_bytes is None else max_bytes
    data = stream.read(max_bytes + 1)
    if not data:
        raise FileProblem(_("Berkas kosong. Pilih berkas yang berisi gambar atau PDF."))
    if len(data) > max_bytes:
        raise FileProblem(_("Berkas terlalu besar; batasnya %(limit)s. Perkecil berkasnya lalu unggah lagi.",
                            limit=size_label(max_bytes)))
    return data


def extension_of(filename: str) -> str:
    """The lower-case extension without its dot ("" when none)."""
    stem, dot, extension = filename.rpartition(".")
    return extension.lower() if dot and stem else ""


def stored_name(filename: str, extension: str) -> str:
    """A safe, readable file name from what the trainer uploaded: 'Peta KIM (1).PNG' -> 'peta-kim-1.png'."""
    stem = filename.rpartition(".")[0] if "." in filename else filename
    stem = unicodedata.normalize("NFKD", stem.rpartition("/")[2].rpartition("\\")[2])
    stem = re.sub(r"[^a-z0-9]+", "-", stem.encode("ascii", "ignore").decode().lower()).strip("-")
    stem = stem[: NAME_MAX - len(extension) - 1].rstrip("-") or "berkas"
    return f"{stem}.{extension}"


def is_safe_name(name: str) -> bool:
    """Whether a stored file name is one this module would write (folder-free, lower case, known type)."""
    return len(name) <= NAME_MAX and bool(_SAFE_NAME.match(name))


def _refuse_svg(data: bytes, extension: str) -> None:
    head = data[:512].lstrip().lower()
    if extension in ("svg", "svgz") or head.startswith((b"<?xml", b"<svg")) or b"<svg" in head:
        raise FileProblem(_("Gambar SVG tidak diterima: berkas SVG dapat memuat skrip. Simpan gambarnya sebagai PNG "
                            "atau JPG lalu unggah lagi."))


def _opened(data: bytes) -> Image.Image:
    """The image, its header read and its size checked, before any pixel is decoded."""
    try:
        image = Image.open(io.BytesIO(data))
    except Image.DecompressionBombError:  # Pillow's own ceiling, far above MAX_PIXELS
        raise FileProblem(_("Gambar ini mengaku berukuran sangat besar (bom dekompresi) dan tidak diolah. "
                            "Perkecil gambarnya lalu unggah lagi.")) from None
    except (UnidentifiedImageError, OSError, ValueError):
        raise FileProblem(_("Isi berkas ini bukan gambar yang dapat dibaca (JPG, PNG, GIF, atau WebP), walaupun "
                            "namanya seperti gambar. Simpan ulang gambarnya lalu unggah lagi.")) from None
    if image.format not in _PILLOW_FORMATS:
        raise FileProblem(_("Jenis gambar %(format)s tidak didukung. Unggah JPG, PNG, GIF, atau WebP.",
                            format=image.format or "?"))
    width, height = image.size
    if width < 1 or height < 1 or width * height > MAX_PIXELS:
        raise FileProblem(_("Gambar %(w)d × %(h)d piksel terlalu besar untuk diolah; batasnya %(mp)d juta piksel. "
                            "Perkecil gambarnya lalu unggah lagi.", w=width, h=height, mp=MAX_PIXELS // 1_000_000))
    return image


def _decoded(image: Image.Image) -> Image.Image:
    """The pixels, upright, at most MAX_DIMENSION on the longer side; FileProblem if the data is damaged."""
    if image.format == "JPEG":
        image.draft("RGB", (MAX_DIMENSION, MAX_DIMENSION))  # decode at 1/2, 1/4 or 1/8 scale when that suffices
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image.load()
            upright = ImageOps.exif_transpose(image)
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise FileProblem(_("Gambar ini rusak atau terpotong. Simpan ulang gambarnya lalu unggah lagi.")) from None
    upright.thumbnail((MAX_DIMENSION, MAX_DIMENSION), Image.Resampling.LANCZOS)
    return upright


def _encoded(image: Image.Image, extension: str) -> bytes:
    """The image written anew as JPEG ("jpg") or PNG, without metadata."""
    out = io.BytesIO()
    if extension == "jpg":
        image.convert("RGB").save(out, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
        return out.getvalue()
    if image.mode not in ("RGB", "RGBA", "L", "LA", "P"):
        image = image.convert("RGBA")
    image.save(out, "PNG", optimize=True)
    return out.getvalue()


def normalised_image(data: bytes, filename: str, extension: str | None = None) -> CheckedFile:
    """An image checked by its content and written anew (upright, resized, without metadata).

    An opaque photo (JPEG, WebP) becomes a JPEG, anything else a PNG, unless `extension` ("jpg" or
    "png") says which: a file named in a course folder keeps its name, so lessons still find it.
    """
    _refuse_svg(data, extension_of(filename))
    image = _opened(data)
    pixels = _decoded(image)
    named = extension is not None
    if extension is None:
        opaque = pixels.mode not in ("RGBA", "LA", "P") and "transparency" not in pixels.info
        extension = "jpg" if image.format in ("JPEG", "WEBP") and opaque else "png"
    encoded = _encoded(pixels, extension)
    name = filename if named else stored_name(filename, extension)
    return CheckedFile(name, encoded, IMAGE, MEDIA_TYPES[extension], pixels.width, pixels.height)


def _is_clean(image: Image.Image) -> bool:
    """Whether an image is already as this module stores them: JPEG or PNG, small enough, no metadata."""
    width, height = image.size
    metadata = _METADATA.intersection(image.info) or getattr(image, "text", None)
    return image.format in ("JPEG", "PNG") and max(width, height) <= MAX_DIMENSION and not metadata


def kept_image(data: bytes, name: str) -> CheckedFile:
    """An image read from a course folder: kept byte for byte when it is clean, else written anew like an upload.

    Images this app stored (and exported) are clean, so an export imported again is identical.
    """
    _refuse_svg(data, extension_of(name))
    image = _opened(data)
    wanted = extension_of(name)
    if not _is_clean(image) or wanted != ("jpg" if image.format == "JPEG" else "png"):
        return normalised_image(data, name, wanted)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image.load()
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombWarning):
        raise FileProblem(_("Gambar ini rusak atau terpotong. Simpan ulang gambarnya lalu unggah lagi.")) from None
    width, height = image.size
    return CheckedFile(name, data, IMAGE, MEDIA_TYPES[wanted], width, height)


def checked_pdf(data: bytes, filename: str) -> CheckedFile:
    """A PDF handout, checked by its opening and its end marker (it is served as a download, never shown inline)."""
    if not data.startswith(b"%PDF-") or b"%%EOF" not in data[-2048:]:
        raise FileProblem(_("Isi berkas ini bukan PDF yang utuh, walaupun namanya .pdf. Simpan ulang sebagai PDF lalu "
                            "unggah lagi."))
    return CheckedFile(stored_name(filename, "pdf"), data, PDF, MEDIA_TYPES["pdf"])


def checked_upload(data: bytes, filename: str) -> CheckedFile:
    """An uploaded file by its content: a PDF as it is, an image written anew; FileProblem for anything else."""
    extension = extension_of(filename)
    _refuse_svg(data, extension)
    if extension == "pdf":
        return checked_pdf(data, filename)
    if extension not in IMAGE_EXTENSIONS:
        raise FileProblem(_("Jenis berkas tidak didukung. Unggah gambar (.jpg, .png, .gif, .webp) atau PDF (.pdf)."))
    return normalised_image(data, filename)


def checked_folder_file(data: bytes, name: str) -> CheckedFile:
    """A file listed in a course folder (its name already checked safe): a PDF as it is, an image kept when clean."""
    if len(data) > MAX_BYTES:
        raise FileProblem(_("berkas terlalu besar (%(size)s; batasnya %(limit)s)", size=size_label(len(data)),
                            limit=size_label(MAX_BYTES)))
    if extension_of(name) == "pdf":
        return checked_pdf(data, name)
    return kept_image(data, name)
