"""Tests for the certificate PDF renderer, read back with poppler's pdftotext and pdffonts."""

import dataclasses
import re
import shutil
import subprocess
from datetime import date

import pytest

from app.progress.certificate_pdf import FALLBACK_FILE, ISSUER, CertificateData, FontMissing, _font_path, one_line, render_certificate

pytestmark = pytest.mark.skipif(
    shutil.which("pdftotext") is None or shutil.which("pdffonts") is None,
    reason="poppler-utils tidak terpasang: jalankan 'apt-get install -y poppler-utils' untuk uji sertifikat",
)
# pdftotext wraps right-to-left runs in directional embedding marks.
BIDI_MARKS = dict.fromkeys(map(ord, "\u202a\u202b\u202c\u200e\u200f"))

A4_LANDSCAPE_PT = (841.89, 595.28)


def make_data(**changes: object) -> CertificateData:
    """Build sample certificate data with optional overrides."""
    data = CertificateData(
        full_name="Sitti Nurhayatì",
        nip="198703152010011002",
        regency_name="Kabupaten Kutai Kartanegara",
        course_title="Literasi Digital untuk KIM",
        hours=8,
        completed_on=date(2026, 11, 26),
        code="KIM-7Q4X-9P2M",
        verify_url="https://kelaskim.kaltimprov.go.id/sertifikat/verifikasi/KIM-7Q4X-9P2M",
    )
    return dataclasses.replace(data, **changes)


def pdf_text(pdf: bytes) -> str:
    """The text of the PDF as pdftotext reads it, one printed line per line."""
    result = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True)
    return result.stdout.decode("utf-8").translate(BIDI_MARKS)


def pdf_fonts(pdf: bytes) -> list[dict[str, str]]:
    """pdffonts' table of the PDF: one dict per font with its name, type and whether it is embedded."""
    result = subprocess.run(["pdffonts", "-"], input=pdf, capture_output=True, check=True, text=False)
    lines = result.stdout.decode("utf-8").splitlines()[2:]
    rows = []
    for line in lines:
        # name type... encoding emb sub uni object-id gen: the last six columns are single words.
        *head, emb, sub, uni, _obj, _gen = line.split()
        rows.append({"name": head[0], "embedded": emb, "subset": sub, "unicode": uni})
    return rows


@pytest.fixture(scope="module")
def default_pdf() -> bytes:
    """The certificate of make_data(), rendered once for the tests that only read it."""
    return render_certificate(make_data())


def test_output_is_a_pdf(default_pdf: bytes) -> None:
    pdf = default_pdf
    assert pdf.startswith(b"%PDF-")
    assert pdf.rstrip().endswith(b"%%EOF")


def test_text_contains_details(default_pdf: bytes) -> None:
    text = " ".join(pdf_text(default_pdf).split())
    for expected in (
        "Sertifikat Penyelesaian", "diberikan kepada", "Sitti Nurhayat\xec",
        "NIP. 198703152010011002", "Kabupaten Kutai Kartanegara", "Literasi Digital untuk KIM",
        "dengan beban 8 jam pelajaran (1 JP = 45 menit)", "26 November 2026", "KIM-7Q4X-9P2M",
        "https://kelaskim.kaltimprov.go.id/sertifikat/verifikasi/KIM-7Q4X-9P2M",
    ):
        assert expected in text
    # The footer issuer block wraps, so only its first line is one text run.
    assert "Dinas Komunikasi dan Informatika Provinsi" in text
    assert ISSUER.upper() in text


def test_nip_line_omitted_when_absent() -> None:
    for nip in (None, "   "):
        assert "NIP" not in pdf_text(render_certificate(make_data(nip=nip)))


def test_page_is_a4_landscape(default_pdf: bytes) -> None:
    pdf = default_pdf
    boxes = re.findall(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]", pdf)
    assert len(boxes) == 1, "certificate must be exactly one page"
    width, height = (float(v) for v in boxes[0])
    assert (width, height) == pytest.approx(A4_LANDSCAPE_PT, abs=0.5)


def test_embeds_qr_image_and_link(default_pdf: bytes) -> None:
    pdf = default_pdf
    assert b"/Subtype /Image" in pdf
    assert b"/URI (https://kelaskim.kaltimprov.go.id/sertifikat/verifikasi/KIM-7Q4X-9P2M)" in pdf


def test_metadata_title_set(default_pdf: bytes) -> None:
    pdf = default_pdf
    assert re.search(rb"/Title\s*[(<]", pdf)


def test_rendering_is_deterministic(default_pdf: bytes) -> None:
    assert render_certificate(make_data()) == default_pdf


NAMES = {
    "Latin with marks": "Nguyễn Thị Ánh Ṣàlèh",
    "curly apostrophes and quotes": "Ma’ruf O’Neil “Ade” Łukasz",
    "Cyrillic": "Алёна Петрова",
    "Greek": "Γιώργος Παπαδόπουλος",
    "Arabic": "محمد عبد الله",
    "Hebrew": "שרה כהן",
    "Chinese": "王小明",
}


@pytest.mark.parametrize("name", NAMES.values(), ids=NAMES.keys())
def test_any_name_prints_as_written_with_embedded_fonts(name: str) -> None:
    if "王" in name and _font_path(FALLBACK_FILE) is None:
        pytest.skip("fonts-droid-fallback tidak terpasang: apt-get install -y fonts-droid-fallback")
    pdf = render_certificate(make_data(full_name=name, course_title="Etika — Media Sosial…"))
    lines = [line.strip() for line in pdf_text(pdf).splitlines()]
    assert name in lines  # the whole name, on its own line, exactly as written
    assert "Etika — Media Sosial…" in lines
    fonts = pdf_fonts(pdf)
    assert fonts and all(font["embedded"] == "yes" and font["unicode"] == "yes" for font in fonts), fonts
    assert any("DejaVuSans" in font["name"] for font in fonts)


def test_a_missing_font_is_reported_with_the_package_to_install(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("CERTIFICATE_FONT_DIRS", str(tmp_path))
    with pytest.raises(FontMissing, match="fonts-dejavu-core"):
        render_certificate(make_data())


def test_very_long_texts_stay_on_one_page() -> None:
    data = make_data(full_name="Raden Ajeng " * 12, course_title="Pelatihan Lanjutan " * 10)
    pdf = render_certificate(data)
    assert len(re.findall(rb"/Type\s*/Page\b", pdf)) == 1


def test_one_line_collapses_whitespace() -> None:
    assert one_line("Sitti  Nurhayatì\n\tRahma") == "Sitti Nurhayatì Rahma"
