"""Uploads: a clear Indonesian message for every bad file, and 413 above MAX_CONTENT_LENGTH."""
from __future__ import annotations

import io

import pytest
from werkzeug.datastructures import FileStorage

from app import create_app
from app.extensions import db
from app.uploads import UploadError, looks_binary, read_upload

CSV = "nama,email\nSiti Rahma,siti@kelaskim.example\n".encode()
XLSX_OPENING = b"PK\x03\x04" + b"\x14\x00" * 20


@pytest.fixture(autouse=True)
def in_a_request(app):
    """Messages are translated for the current request, as in the views that call read_upload."""
    with app.test_request_context():
        yield


def upload(data: bytes, filename: str = "peserta.csv") -> FileStorage:
    """A file as Flask hands it to a view."""
    return FileStorage(stream=io.BytesIO(data), filename=filename)


def test_a_good_csv_comes_back_byte_for_byte():
    assert read_upload(upload(CSV), {"csv"}, 1024) == CSV


def test_utf8_with_bom_and_accents_is_text():
    data = "\ufeffnama\nSiti Rahmé\n".encode()
    assert read_upload(upload(data), ["csv"], 1024) == data


def test_a_workbook_is_accepted_where_xlsx_is_allowed():
    assert read_upload(upload(XLSX_OPENING, "peserta.XLSX"), {"csv", "xlsx"}, 1024) == XLSX_OPENING


@pytest.mark.parametrize(("storage", "message"), [
    (None, "Belum ada berkas yang dipilih"),
    (upload(b"", ""), "Belum ada berkas yang dipilih"),
    (upload(b""), "Berkas kosong"),
    (upload(CSV, "peserta.exe"), "Jenis berkas tidak didukung. Unggah berkas .csv, .md, .xlsx."),
    (upload(CSV, "peserta"), "Jenis berkas tidak didukung"),
    (upload(b"x" * 2049), "Berkas terlalu besar; batasnya 2 KB."),
    (upload(XLSX_OPENING, "peserta.csv"), "Isi berkas bukan teks"),
    (upload(b"nama\x00email\n"), "Isi berkas bukan teks"),
    (upload(b"%PDF-1.7\n", "soal.md"), "Isi berkas bukan teks"),
    (upload(CSV, "peserta.xlsx"), "Berkas .xlsx ini rusak atau bukan berkas .xlsx"),
])
def test_bad_uploads_are_refused_with_a_clear_message(storage, message):
    with pytest.raises(UploadError, match=message.replace(".", r"\.")):
        read_upload(storage, {"csv", "xlsx", "md"}, 2048)


def test_exactly_at_the_limit_is_accepted_and_the_limit_reads_in_megabytes():
    assert read_upload(upload(b"a" * 2048), {"csv"}, 2048) == b"a" * 2048
    with pytest.raises(UploadError, match="batasnya 5 MB"):
        read_upload(upload(b"a" * (5 * 1024 * 1024 + 1)), {"csv"}, 5 * 1024 * 1024)


def test_text_can_be_required_or_waived_explicitly():
    with pytest.raises(UploadError, match="bukan teks"):
        read_upload(upload(b"\x00\x01", "data.bin"), {"bin"}, 100, text=True)
    assert read_upload(upload(b"\x00\x01", "data.csv"), {"csv"}, 100, text=False) == b"\x00\x01"


def test_binary_sniffing():
    assert looks_binary(b"PK\x03\x04rest") and looks_binary(b"abc\x00")
    assert not looks_binary("Kelompok Informasi Masyarakat; ṡ ✓".encode())


def test_a_body_over_max_content_length_gets_the_indonesian_413_page(app):
    small = create_app({
        "TESTING": True, "SECRET_KEY": "test-secret", "WTF_CSRF_ENABLED": False,
        "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"], "MAX_CONTENT_LENGTH": 1024,
    })
    try:
        response = small.test_client().post(
            "/masuk", data={"email": "a@b.example", "berkas": (io.BytesIO(b"x" * 4096), "besar.csv")},
            content_type="multipart/form-data",
        )
        assert response.status_code == 413
        assert "Berkas terlalu besar" in response.get_data(as_text=True)
        assert response.headers["X-Content-Type-Options"] == "nosniff"
    finally:
        with small.app_context():
            db.engine.dispose()
