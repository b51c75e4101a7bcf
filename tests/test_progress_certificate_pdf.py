"""Tests for the certificate PDF renderer."""

import dataclasses
import re
import shutil
import subprocess
import zlib
from datetime import date

import pytest

from app.progress.certificate_pdf import ISSUER, CertificateData, render_certificate, to_latin1

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
    """Return the text of all Flate-compressed content streams, PDF string escapes undone."""
    chunks = []
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            chunks.append(zlib.decompress(match.group(1)).decode("latin-1"))
        except zlib.error:
            continue  # image data and other binary streams
    return re.sub(r"\\([()\\])", r"\1", "".join(chunks))


def test_output_is_a_pdf() -> None:
    pdf = render_certificate(make_data())
    assert pdf.startswith(b"%PDF-")
    assert pdf.rstrip().endswith(b"%%EOF")


def test_text_contains_details() -> None:
    text = pdf_text(render_certificate(make_data()))
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
    for nip in (None, "", "   "):
        assert "NIP" not in pdf_text(render_certificate(make_data(nip=nip)))


def test_page_is_a4_landscape() -> None:
    pdf = render_certificate(make_data())
    boxes = re.findall(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]", pdf)
    assert len(boxes) == 1, "certificate must be exactly one page"
    width, height = (float(v) for v in boxes[0])
    assert (width, height) == pytest.approx(A4_LANDSCAPE_PT, abs=0.5)


def test_embeds_qr_image_and_link() -> None:
    pdf = render_certificate(make_data())
    assert b"/Subtype /Image" in pdf
    assert b"/URI (https://kelaskim.kaltimprov.go.id/sertifikat/verifikasi/KIM-7Q4X-9P2M)" in pdf


def test_metadata_title_set() -> None:
    pdf = render_certificate(make_data())
    assert re.search(rb"/Title\s*[(<]", pdf)


def test_rendering_is_deterministic() -> None:
    assert render_certificate(make_data()) == render_certificate(make_data())


def test_non_latin1_name_does_not_crash() -> None:
    data = make_data(full_name="Nguyễn Thị “Ade” Łukasz 王", course_title="Etika — Media Sosial…")
    text = pdf_text(render_certificate(data))
    assert 'Nguyen Thi "Ade" Lukasz ?' in text
    assert "Etika - Media Sosial..." in text


def test_very_long_texts_stay_on_one_page() -> None:
    data = make_data(full_name="Raden Ajeng " * 12, course_title="Pelatihan Lanjutan " * 10)
    pdf = render_certificate(data)
    assert len(re.findall(rb"/Type\s*/Page\b", pdf)) == 1


def test_to_latin1_keeps_latin1_and_collapses_whitespace() -> None:
    assert to_latin1("Sitti  Nurhayatì\n") == "Sitti Nurhayatì"
    assert to_latin1("Ṣàlèh") == "Sàlèh"
    to_latin1("😀 ﬁ ‰").encode("latin-1")  # must always be encodable


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext tidak terpasang")
def test_pdftotext_extracts_name_and_code() -> None:
    result = subprocess.run(
        ["pdftotext", "-", "-"], input=render_certificate(make_data(full_name="Ade Rahmawati")),
        capture_output=True, check=True,
    )
    text = result.stdout.decode("utf-8")
    assert "Ade Rahmawati" in text
    assert "KIM-7Q4X-9P2M" in text
