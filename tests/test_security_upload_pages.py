"""Every upload page refuses an empty, binary, oversized or truncated file with a clear message and writes nothing."""
from __future__ import annotations

import io
import zipfile

import pytest
import xlsxwriter
from sqlalchemy import func, select

from app.accounts.models import AuditEntry, Role, User
from app.catalog.models import Revision
from app.extensions import db
from app.progress.models import Enrollment
from app.quizzes.models import Question
from tests.authz_matrix import sign_in
from tests.factories import make_course

LIMIT = 64 * 1024  # a small MAX_CONTENT_LENGTH, so that "too large" costs little to send
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10" + bytes(range(256)) * 4
TOO_LARGE = "Berkas terlalu besar"


@pytest.fixture
def small_limit(app, monkeypatch):
    """Requests above LIMIT bytes are refused before any view runs."""
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", LIMIT)


def post_file(client, url: str, field: str, data: bytes, filename: str, **fields):
    """Send a file as the upload form does."""
    return client.post(url, data={**fields, field: (io.BytesIO(data), filename)}, content_type="multipart/form-data")


# --------------------------------------------------------------------------- question banks (GIFT/Aiken) in authoring


@pytest.fixture
def quiz_import(app, make_user):
    """A trainer signed in, and the import address of a quiz of their course."""
    trainer = make_user(Role.TRAINER, "64")
    quiz = make_course(owners=[trainer]).modules[0].quiz
    client = app.test_client()
    sign_in(client, trainer)
    return client, f"/kelola/kuis/{quiz.id}/impor", quiz.id


def question_bank_state(quiz_id: int) -> tuple[int, int]:
    """The quiz's questions and every revision: what an import would add to."""
    return (db.session.scalar(select(func.count(Question.id)).where(Question.quiz_id == quiz_id)),
            db.session.scalar(select(func.count(Revision.id))))


@pytest.mark.parametrize(("data", "filename", "message"), [
    (b"", "soal.txt", "Berkas kosong."),
    (b"\xef\xbb\xbf \r\n\t\n", "soal.txt", "Berkas kosong."),
    (PNG, "soal.txt", "Berkas ini bukan berkas teks."),
    (b"PK\x03\x04\x14\x00\x06\x00" + bytes(200), "soal.gift", "Berkas ini bukan berkas teks."),
    ("::a:: Apa itu “KIM”? {=Kelompok Informasi Masyarakat}".encode("cp1252"), "soal.txt",
     "tidak tersimpan dalam UTF-8"),
    (PNG, "soal.png", "Unggah berkas teks berakhiran .txt."),
], ids=["empty", "only-a-bom-and-spaces", "png", "zip", "not-utf8", "wrong-type"])
def test_question_bank_upload_refused_with_a_message_and_nothing_saved(quiz_import, data, filename, message):
    client, url, quiz_id = quiz_import
    before = question_bank_state(quiz_id)
    response = post_file(client, url, "file", data, filename, format="gift")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and message in page
    assert f"{url}/simpan" not in page  # no confirm step offered
    assert question_bank_state(quiz_id) == before


def test_question_bank_over_the_limit_gets_the_413_page_and_nothing_saved(quiz_import, small_limit):
    client, url, quiz_id = quiz_import
    before = question_bank_state(quiz_id)
    text = b"::q:: Ibu kota Kalimantan Timur? {=Samarinda ~Balikpapan}\n\n" * (LIMIT // 50)
    response = post_file(client, url, "file", text, "soal.txt", format="gift")
    assert response.status_code == 413 and TOO_LARGE in response.get_data(as_text=True)
    assert question_bank_state(quiz_id) == before


# --------------------------------------------------------------------------- account import (CSV/XLSX) in reports


HEADER = ["email", "nama_lengkap", "nip", "instansi", "no_hp", "kode_wilayah", "kursus"]


def workbook(rows: int = 30) -> bytes:
    """A real import workbook with a header and `rows` valid rows."""
    buffer = io.BytesIO()
    with xlsxwriter.Workbook(buffer) as book:
        sheet = book.add_worksheet("Peserta")
        sheet.write_row(0, 0, HEADER)
        for n in range(1, rows + 1):
            sheet.write_row(n, 0, [f"impor{n}@kelaskim.example", f"Peserta Impor {n}", "", "KIM", "", "64.02", ""])
    return buffer.getvalue()


def not_a_workbook() -> bytes:
    """A sound zip archive that holds no workbook (a renamed .docx, say)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


@pytest.fixture
def account_import(app, make_user, tmp_path, monkeypatch):
    """A regency coordinator signed in; uploads kept in a temporary instance folder."""
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    coordinator = make_user(Role.COORDINATOR, "64.02")
    client = app.test_client()
    sign_in(client, coordinator)
    return client, tmp_path / "uploads"


def account_state(uploads) -> tuple:
    """Accounts, enrolments, audit entries and kept upload files: what an import would add to."""
    count = lambda model: db.session.scalar(select(func.count()).select_from(model))  # noqa: E731
    kept = sorted(p.name for p in uploads.iterdir()) if uploads.exists() else []
    return count(User), count(Enrollment), count(AuditEntry), kept


def test_the_workbook_used_below_imports_when_whole(account_import):
    client, uploads = account_import
    page = post_file(client, "/laporan/impor", "berkas", workbook(), "peserta.xlsx").get_data(as_text=True)
    assert "Ya, impor semua baris" in page  # so the truncated copies below fail for being truncated only


@pytest.mark.parametrize(("data", "filename", "message"), [
    (b"", "peserta.csv", "Berkas kosong. Pilih berkas yang berisi data."),
    (b"\xef\xbb\xbf", "peserta.csv", "Berkas kosong. Pilih berkas yang berisi data."),
    (b"", "peserta.xlsx", "Berkas kosong. Pilih berkas yang berisi data."),
    (PNG, "peserta.csv", "Berkas CSV tidak valid: isinya bukan teks"),
    (workbook(), "peserta.csv", "Berkas ini berformat Excel, bukan CSV."),
    (PNG, "peserta.xlsx", "Berkas Excel rusak, terpotong, atau dilindungi kata sandi."),
    (workbook()[: len(workbook()) // 2], "peserta.xlsx", "Berkas Excel rusak, terpotong, atau dilindungi kata sandi."),
    (workbook()[:-22], "peserta.xlsx", "Berkas Excel rusak, terpotong, atau dilindungi kata sandi."),
    (not_a_workbook(), "peserta.xlsx", "Berkas Excel rusak, terpotong, atau dilindungi kata sandi."),
    (PNG, "peserta.png", "Format berkas tidak didukung. Unggah berkas .csv atau .xlsx."),
], ids=["empty-csv", "only-a-bom", "empty-xlsx", "binary-csv", "xlsx-named-csv", "binary-xlsx", "half-an-xlsx",
        "xlsx-without-its-end", "zip-without-a-workbook", "wrong-type"])
def test_account_import_refused_with_a_message_and_nothing_written(account_import, data, filename, message):
    client, uploads = account_import
    before = account_state(uploads)
    response = post_file(client, "/laporan/impor", "berkas", data, filename)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and message in page
    assert "Ya, impor semua baris" not in page
    assert account_state(uploads) == before


def test_account_import_over_the_limit_gets_the_413_page_and_nothing_written(account_import, small_limit):
    client, uploads = account_import
    before = account_state(uploads)
    big = workbook(rows=3000)
    assert len(big) > LIMIT
    response = post_file(client, "/laporan/impor", "berkas", big, "peserta.xlsx")
    assert response.status_code == 413 and TOO_LARGE in response.get_data(as_text=True)
    assert account_state(uploads) == before
