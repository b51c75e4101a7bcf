"""Render course-completion certificates as A4 landscape PDFs with a verification QR code.

Text is set in DejaVu Sans (Debian's fonts-dejavu-core, free licence), embedded as a subset, so that
any name prints as written: accents, curly apostrophes, Greek, Cyrillic, Arabic, Hebrew... Names in
Chinese, Japanese or Korean characters fall back to Droid Sans Fallback (fonts-droid-fallback)
where it is installed. The font files are found in CERTIFICATE_FONT_DIRS (colon-separated folders).
"""

import io
import os
from dataclasses import dataclass
from datetime import date, datetime, time, timezone

import segno
from fpdf import FPDF

from app.dates import format_tanggal

ISSUER = "Dinas Komunikasi dan Informatika Provinsi Kalimantan Timur"
FONT = "dejavu"
FALLBACK = "droid-fallback"
FONT_DIRS = ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/truetype/droid")
# (style, file): two styles only, since reading each font file is most of a certificate's time.
FONT_FILES = (("", "DejaVuSans.ttf"), ("B", "DejaVuSans-Bold.ttf"))
FALLBACK_FILE = "DroidSansFallbackFull.ttf"
INSTALL_HINT = "apt-get install fonts-dejavu-core fonts-droid-fallback"
PAGE_W, PAGE_H = 297.0, 210.0
MARGIN = 30.0
TEXT_W = PAGE_W - 2 * MARGIN
NAVY = (18, 52, 97)
GOLD = (184, 144, 52)
QR_SIZE = 32.0


class FontMissing(RuntimeError):
    """The certificate font is not installed on this server."""


@dataclass(frozen=True)
class CertificateData:
    """Everything printed on one certificate."""

    full_name: str
    nip: str | None
    regency_name: str
    course_title: str
    hours: int
    completed_on: date
    code: str
    verify_url: str


def one_line(text: str) -> str:
    """Collapse newlines, tabs and runs of spaces: each text is printed on its own line."""
    return " ".join(text.split())


def font_dirs() -> list[str]:
    """The folders searched for the font files: CERTIFICATE_FONT_DIRS, else Debian's."""
    configured = os.environ.get("CERTIFICATE_FONT_DIRS", "")
    return [d for d in configured.split(":") if d] or list(FONT_DIRS)


def _font_path(filename: str) -> str | None:
    return next((path for d in font_dirs() if os.path.isfile(path := os.path.join(d, filename))), None)


def _add_fonts(pdf: FPDF, data: CertificateData) -> None:
    """Register the embedded fonts; raise FontMissing, naming the package, when one is absent."""
    for style, filename in FONT_FILES:
        path = _font_path(filename)
        if path is None:
            raise FontMissing(f"Font {filename} tidak ditemukan di {', '.join(font_dirs())}: {INSTALL_HINT}")
        pdf.add_font(FONT, style, path)
    # Reading the 4 MB fallback font costs most of a certificate's time: only when a character needs it.
    covered = pdf.fonts[FONT].cmap
    texts = (data.full_name, data.nip or "", data.regency_name, data.course_title)
    fallback = _font_path(FALLBACK_FILE)
    if fallback is not None and any(ord(ch) not in covered for text in texts for ch in text if not ch.isspace()):
        pdf.add_font(FALLBACK, "", fallback)
        # exact_match=False: a bold line may fall back to the only (regular) style there is.
        pdf.set_fallback_fonts([FALLBACK], exact_match=False)


def render_certificate(data: CertificateData) -> bytes:
    """Render a certificate as PDF bytes."""
    pdf = _new_document(data)
    _draw_frame(pdf)
    _draw_body(pdf, data)
    _draw_verification(pdf, data)
    _draw_issuer(pdf)
    return bytes(pdf.output())


def _new_document(data: CertificateData) -> FPDF:
    """Create a one-page A4 landscape document with metadata set."""
    pdf = FPDF(orientation="L", unit="mm", format="A4")
    _add_fonts(pdf, data)
    pdf.set_text_shaping(True)  # HarfBuzz: joined Arabic letters, right-to-left names in their order
    # Fixed creation date (not now()) so re-rendering gives identical bytes.
    pdf.creation_date = datetime.combine(data.completed_on, time(), tzinfo=timezone.utc)
    pdf.set_title(f"Sertifikat Penyelesaian - {data.course_title} - {data.full_name}")
    pdf.set_subject(f"Kode verifikasi {data.code}")
    pdf.set_author(ISSUER)
    pdf.set_creator("Kelas KIM")
    pdf.set_lang("id")
    pdf.set_auto_page_break(False)  # a certificate must never spill onto page 2
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.add_page()
    return pdf


def _draw_frame(pdf: FPDF) -> None:
    """Draw the double decorative border."""
    pdf.set_draw_color(*NAVY)
    pdf.set_line_width(1.5)
    pdf.rect(10, 10, PAGE_W - 20, PAGE_H - 20)
    pdf.set_draw_color(*GOLD)
    pdf.set_line_width(0.5)
    pdf.rect(14, 14, PAGE_W - 28, PAGE_H - 28)


def _draw_body(pdf: FPDF, data: CertificateData) -> None:
    """Draw the title, recipient and course details, centred and flowing downwards."""
    pdf.set_y(24)
    _line(pdf, ISSUER.upper(), "B", 11, color=NAVY)
    pdf.ln(4)
    _line(pdf, "SERTIFIKAT", "B", 38, color=NAVY)
    _line(pdf, "Sertifikat Penyelesaian", "", 16, color=GOLD)
    pdf.ln(8)
    _line(pdf, "diberikan kepada", "", 12)
    _line(pdf, data.full_name, "B", 26, min_size=14)
    if data.nip and data.nip.strip():
        _line(pdf, f"NIP. {data.nip.strip()}", "", 12)
    _line(pdf, data.regency_name, "", 12)
    pdf.ln(6)
    _line(pdf, "atas keberhasilannya menyelesaikan pelatihan", "", 12)
    _line(pdf, data.course_title, "B", 18, min_size=11, color=NAVY)
    _line(pdf, f"dengan beban {data.hours} jam pelajaran (1 JP = 45 menit)", "", 12)
    _line(pdf, f"Diselesaikan pada {format_tanggal(data.completed_on)}", "", 12)


def _line(
    pdf: FPDF, text: str, style: str, size: float,
    min_size: float | None = None, color: tuple[int, int, int] = (0, 0, 0),
) -> None:
    """Write one centred line, shrinking the font (down to min_size) to fit the width."""
    text = one_line(text)
    size = _fit_size(pdf, text, style, size, min_size or size, TEXT_W)
    pdf.set_font(FONT, style, size)
    pdf.set_text_color(*color)
    # multi_cell still wraps when even min_size is too wide, instead of clipping.
    pdf.multi_cell(TEXT_W, size * 0.5, text, align="C", new_x="LMARGIN", new_y="NEXT")


def _fit_size(pdf: FPDF, text: str, style: str, size: float, min_size: float, width: float) -> float:
    """Return the largest font size <= size (and >= min_size) at which text fits width."""
    while size > min_size:
        pdf.set_font(FONT, style, size)
        if pdf.get_string_width(text) <= width:
            break
        size -= 1
    return max(size, min_size)


def _draw_verification(pdf: FPDF, data: CertificateData) -> None:
    """Draw the QR code with the verification code and URL, bottom left."""
    x, y = 24.0, PAGE_H - 24 - QR_SIZE
    pdf.image(_qr_png(data.verify_url), x=x, y=y, w=QR_SIZE, h=QR_SIZE)
    pdf.link(x, y, QR_SIZE, QR_SIZE, data.verify_url)
    text_x, text_w = x + QR_SIZE + 4, 95.0
    pdf.set_text_color(0, 0, 0)
    pdf.set_xy(text_x, y + 4)
    pdf.set_font(FONT, "", 9)
    pdf.cell(text_w, 5, "Kode verifikasi", new_x="LEFT", new_y="NEXT")
    pdf.set_font(FONT, "B", 14)
    pdf.cell(text_w, 7, one_line(data.code), new_x="LEFT", new_y="NEXT")
    pdf.set_font(FONT, "", 8)
    pdf.cell(text_w, 5, "Pindai kode QR atau kunjungi:", new_x="LEFT", new_y="NEXT")
    url = one_line(data.verify_url)
    pdf.set_font(FONT, "", _fit_size(pdf, url, "", 8, 5, text_w))
    pdf.multi_cell(text_w, 3.5, url, new_x="LEFT", new_y="NEXT")


def _qr_png(url: str) -> io.BytesIO:
    """Render url as a QR code PNG in memory."""
    buffer = io.BytesIO()
    # Level M survives small print smudges while keeping modules large enough.
    segno.make(url, error="m", micro=False).save(buffer, kind="png", scale=10, border=0)
    buffer.seek(0)
    return buffer


def _draw_issuer(pdf: FPDF) -> None:
    """Draw the issuing agency block, bottom right."""
    width = 100.0
    pdf.set_xy(PAGE_W - 24 - width, PAGE_H - 24 - QR_SIZE + 8)
    pdf.set_text_color(0, 0, 0)
    pdf.set_font(FONT, "", 9)
    pdf.cell(width, 5, "Diterbitkan oleh", align="C", new_x="LEFT", new_y="NEXT")
    pdf.set_font(FONT, "B", 11)
    pdf.multi_cell(width, 5.5, ISSUER, align="C", new_x="LEFT", new_y="NEXT")
    pdf.set_draw_color(*GOLD)
    pdf.set_line_width(0.4)
    pdf.line(pdf.get_x() + 15, pdf.get_y() + 2, pdf.get_x() + width - 15, pdf.get_y() + 2)
