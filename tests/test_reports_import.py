"""Bulk import of accounts and enrolments: check every row, preview, then all rows or none."""
from __future__ import annotations

import csv
import io
import os
import re
import threading
import time
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter

from app.accounts.models import AuditEntry, Role, User
from app.extensions import db
from app.progress.models import Enrollment
from app.reports.imports import COLUMNS, UPLOAD_MAX_AGE_SECONDS
from tests.conftest import regency
from tests.factories import make_course

HEADER = "email,nama_lengkap,nip,instansi,no_hp,kode_wilayah,kursus"
VALID = (
    f"{HEADER}\n"
    "ade@kelaskim.example,Ade Rahmawati,1985 0330 2010 01 1 002,KIM Pesona Kersik,0812 3456 7890,64.02,kursus-a;kursus-b\n"
    "Budi@Kelaskim.example,Budi Santoso,,Diskominfo Kukar,,64.02,kursus-a\n"
    "lama@kelaskim.example,Lama Sekali,,KIM Baru,,64.02,\"kursus-a, kursus-b\"\n"
)


@pytest.fixture
def uploads(app, tmp_path, monkeypatch) -> Path:
    """Keep uploaded files in a temporary instance folder."""
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    return tmp_path / "uploads"


@pytest.fixture
def coordinator(client, make_user, login_as, uploads):
    """Two published courses, a draft, an existing Kukar trainee, and a Kukar coordinator logged in."""
    make_course("kursus-a")
    make_course("kursus-b", sequential=False, with_quiz=False)
    make_course("kursus-draf", status="draft")
    make_user(Role.TRAINEE, "64.02", email="lama@kelaskim.example", full_name="Lama")
    user = make_user(Role.COORDINATOR, "64.02")
    login_as(user)
    return user


def counts() -> tuple[int, int]:
    return (db.session.scalar(db.select(db.func.count()).select_from(User)),
            db.session.scalar(db.select(db.func.count()).select_from(Enrollment)))


def upload(client, data: bytes, filename: str = "peserta.csv"):
    return client.post("/laporan/impor", data={"berkas": (io.BytesIO(data), filename)},
                       content_type="multipart/form-data")


def token_of(html: str) -> str:
    return re.search(r'name="token" type="hidden" value="([^"]*)"', html).group(1)


def errors_of(html: str) -> list[tuple[str, str, str]]:
    """The (row, column, message) triples of the preview's error table."""
    table = html[html.index('id="kesalahan"'):html.index("</table>", html.index('id="kesalahan"'))]
    rows = re.findall(r"<tr><td class=\"num\">(\d+)</td><td>(?:<code>([^<]*)</code>)?</td><td>([^<]*)</td></tr>", table)
    return [(r, c, m.replace("&#34;", '"').replace("&#39;", "'")) for r, c, m in rows]


HIDDEN_ACCOUNT = "Email ini sudah dipakai akun yang tidak dapat diubah lewat impor ini; minta admin provinsi memeriksanya."


def import_file(client, data: bytes, filename: str = "peserta.csv"):
    preview = upload(client, data, filename)
    assert preview.status_code == 200
    return client.post("/laporan/impor/konfirmasi", data={"token": token_of(preview.get_data(as_text=True))})


def test_valid_file_previews_then_imports_everything(client, coordinator, uploads):
    before = counts()
    preview = upload(client, VALID.encode()).get_data(as_text=True)
    assert "3 baris siap diimpor: 2 akun baru, 1 akun diperbarui, 5 pendaftaran kursus baru." in preview
    assert "Akun baru belum punya kata sandi" in preview
    assert counts() == before  # the preview writes nothing
    assert len(list(uploads.iterdir())) == 1

    response = client.post("/laporan/impor/konfirmasi", data={"token": token_of(preview)})
    entry = db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "users_imported"))
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/laporan/aktivasi?impor={entry.id}")
    assert counts() == (before[0] + 2, before[1] + 5)
    assert list(uploads.iterdir()) == []  # the kept file is gone

    ade = db.session.scalar(db.select(User).where(User.email == "ade@kelaskim.example"))
    assert (ade.nip, ade.phone, ade.unit, ade.role, ade.regency.code) == (
        "198503302010011002", "6281234567890", "KIM Pesona Kersik", Role.TRAINEE, "64.02")
    assert ade.password_hash.startswith("!") and not ade.check_password("")
    assert db.session.scalar(db.select(User).where(User.email == "budi@kelaskim.example")).full_name == "Budi Santoso"
    lama = db.session.scalar(db.select(User).where(User.email == "lama@kelaskim.example"))
    assert (lama.full_name, lama.unit) == ("Lama Sekali", "KIM Baru")
    enrolled_by = set(db.session.scalars(db.select(Enrollment.enrolled_by_id)))
    assert enrolled_by == {coordinator.id}
    new_ids = sorted(db.session.scalars(db.select(User.id).where(User.email.in_(["ade@kelaskim.example",
                                                                                  "budi@kelaskim.example"]))))
    assert entry.detail == {"created": 2, "updated": 1, "enrolled": 5, "account_ids": new_ids}


def test_the_same_file_twice_creates_no_duplicates(client, coordinator):
    assert import_file(client, VALID.encode()).status_code == 302
    after_first = counts()
    preview = upload(client, VALID.encode()).get_data(as_text=True)
    assert "3 baris siap diimpor: 0 akun baru, 0 akun diperbarui, 0 pendaftaran kursus baru." in preview
    assert client.post("/laporan/impor/konfirmasi", data={"token": token_of(preview)}).status_code == 302
    assert counts() == after_first


def test_row_errors_are_listed_by_row_and_column_and_nothing_is_written(client, coordinator, make_user):
    make_user(Role.TRAINEE, "64.72", email="samarinda@kelaskim.example")
    before = counts()
    data = (
        f"{HEADER}\n"
        "a@kelaskim.example,Ani,12345,,,64.02,kursus-a\n"                    # row 2: NIP too short
        "b@kelaskim.example,Badu,,,,64.99,kursus-a\n"                        # row 3: unknown regency
        "c@kelaskim.example,Cici,,,,64.02,kursus-a\n"
        "C@kelaskim.example,Cici Lagi,,,,64.02,\n"                           # row 5: duplicate email
        "d@kelaskim.example,Dodi,,,,64.72,\n"                                # row 6: another regency
        "samarinda@kelaskim.example,Sam,,,,64.02,\n"                         # row 7: account of another regency
        "bukan-email,Eka,,,,64.02,kursus-draf;kursus-x\n"                    # row 8: email and two courses
        "f@kelaskim.example,,198503302010011002,,0812,64.02,\n"              # row 9: no name, bad phone
    ).encode()
    html = upload(client, data).get_data(as_text=True)
    assert errors_of(html) == [
        ("2", "nip", "NIP harus terdiri dari 18 angka."),
        ("3", "kode_wilayah", 'Kode wilayah "64.99" tidak dikenal.'),
        ("5", "email", "Email ini sudah ada di baris 4 berkas yang sama."),
        ("6", "kode_wilayah", "Anda hanya dapat mengimpor peserta wilayah Anda sendiri (64.02)."),
        ("7", "email", HIDDEN_ACCOUNT),
        ("8", "email", 'Alamat email "bukan-email" tidak valid.'),
        ("8", "kursus", 'Kursus "kursus-draf" tidak ada atau belum terbit.'),
        ("8", "kursus", 'Kursus "kursus-x" tidak ada atau belum terbit.'),
        ("9", "nama_lengkap", "Nama lengkap wajib diisi."),
        ("9", "no_hp", "Nomor HP tidak valid; tulis misalnya 0812xxxxxxx atau 62812xxxxxxx."),
    ]
    assert "Tidak ada yang disimpan" in html and 'name="token"' not in html
    assert counts() == before


def test_latin1_semicolon_file_from_excel_is_read(client, coordinator):
    data = (
        "email;nama_lengkap;nip;instansi;no_hp;kode_wilayah;kursus\r\n"
        "sitti@kelaskim.example;Sitti Nurhayatì;;KIM Tenggarong;;64.02;kursus-a,kursus-b\r\n"
    ).encode("latin-1")
    before = counts()
    assert import_file(client, data).status_code == 302
    assert counts() == (before[0] + 1, before[1] + 2)
    assert db.session.scalar(db.select(User.full_name).where(User.email == "sitti@kelaskim.example")) == "Sitti Nurhayatì"


def test_cp1252_file_with_a_bad_row_shows_the_name_right_and_writes_nothing(client, coordinator):
    data = ("email;nama_lengkap;nip;kode_wilayah\r\n"
            "maruf@kelaskim.example;Ma’ruf Amìn;19850330201001100X;64.02\r\n").encode("cp1252")
    before = counts()
    html = upload(client, data).get_data(as_text=True)
    assert errors_of(html) == [("2", "nip", "NIP harus terdiri dari 18 angka.")]
    assert counts() == before


def test_xlsx_file_is_imported(client, coordinator):
    buffer = io.BytesIO()
    with xlsxwriter.Workbook(buffer) as workbook:
        sheet = workbook.add_worksheet()
        sheet.write_row(0, 0, COLUMNS)
        sheet.write_row(1, 0, ["xl@kelaskim.example", "Xaverius Lahang", "198503302010011002", "", "", "64.02", "kursus-b"])
    before = counts()
    assert import_file(client, buffer.getvalue(), "peserta.xlsx").status_code == 302
    assert counts() == (before[0] + 1, before[1] + 1)
    assert db.session.scalar(db.select(User.nip).where(User.email == "xl@kelaskim.example")) == "198503302010011002"


def test_missing_columns_and_unreadable_files_are_explained(client, coordinator):
    before = counts()
    html = upload(client, b"email;nama\r\nx@kelaskim.example;X\r\n").get_data(as_text=True)
    assert errors_of(html) == [("1", "nama_lengkap", 'Kolom wajib "nama_lengkap" tidak ada di baris judul.'),
                               ("1", "kode_wilayah", 'Kolom wajib "kode_wilayah" tidak ada di baris judul.')]
    html = upload(client, b"email\n", "peserta.txt").get_data(as_text=True)
    assert "Format berkas tidak didukung. Unggah berkas .csv atau .xlsx." in html
    assert "Pilih berkas untuk diunggah." in client.post("/laporan/impor", data={}).get_data(as_text=True)
    assert counts() == before


def test_an_account_out_of_reach_gets_one_message_whatever_its_regency_or_role(client, coordinator, make_user):
    make_user(Role.TRAINEE, "64.72", email="lain.wilayah@kelaskim.example")
    make_user(Role.TRAINER, "64.02", email="pelatih@kelaskim.example")
    make_user(Role.COORDINATOR, "64.02", email="koordinator@kelaskim.example")
    data = (HEADER + "\nlain.wilayah@kelaskim.example,A,,,,64.02,\npelatih@kelaskim.example,B,,,,64.02,\n"
            "koordinator@kelaskim.example,C,,,,64.02,\n").encode()
    assert errors_of(upload(client, data).get_data(as_text=True)) == [
        ("2", "email", HIDDEN_ACCOUNT), ("3", "email", HIDDEN_ACCOUNT), ("4", "email", HIDDEN_ACCOUNT)]


def test_confirm_checks_every_row_again(client, coordinator, make_user):
    preview = upload(client, VALID.encode()).get_data(as_text=True)
    make_user(Role.TRAINEE, "64.72", email="ade@kelaskim.example")  # meanwhile, in another regency
    before = counts()
    html = client.post("/laporan/impor/konfirmasi", data={"token": token_of(preview)}).get_data(as_text=True)
    assert ("2", "email", HIDDEN_ACCOUNT) in errors_of(html)
    assert counts() == before


def test_a_token_of_someone_else_or_made_up_imports_nothing(client, coordinator, make_user, login_as, app):
    preview = upload(client, VALID.encode()).get_data(as_text=True)
    other = app.test_client()
    login_as(make_user(Role.COORDINATOR, "64"), the_client=other)
    before = counts()
    for token in ["../../etc/passwd", "x" * 32, ""]:
        response = client.post("/laporan/impor/konfirmasi", data={"token": token}, follow_redirects=True)
        assert "Berkas yang diperiksa tidak ditemukan" in response.get_data(as_text=True)
    other.post("/laporan/impor/konfirmasi", data={"token": token_of(preview)})
    assert counts() == before
    assert client.post("/laporan/impor/konfirmasi", data={"token": token_of(preview)}).status_code == 302
    assert counts()[0] == before[0] + 2  # the uploader still can


def test_confirm_needs_the_csrf_token(client, coordinator, app, monkeypatch):
    preview = upload(client, VALID.encode()).get_data(as_text=True)
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    before = counts()
    assert client.post("/laporan/impor/konfirmasi", data={"token": token_of(preview)}).status_code == 400
    assert counts() == before
    assert 'name="csrf_token"' in client.get("/laporan/impor").get_data(as_text=True)


def test_templates_have_the_documented_columns(client, coordinator):
    response = client.get("/laporan/impor/templat.csv")
    assert list(csv.reader(io.StringIO(response.data.decode("utf-8-sig")))) == [list(COLUMNS)]
    workbook = openpyxl.load_workbook(io.BytesIO(client.get("/laporan/impor/templat.xlsx").data))
    assert workbook.sheetnames == ["Peserta", "Petunjuk"]
    assert [c.value for c in workbook["Peserta"][1]] == list(COLUMNS)
    assert client.get("/laporan/impor/templat.pdf").status_code == 404


def test_provincial_coordinator_imports_for_any_regency(client, make_user, login_as, uploads):
    make_course("kursus-a")
    login_as(make_user(Role.COORDINATOR, "64"))
    data = f"{HEADER}\nbontang@kelaskim.example,Dian,,,,64.74,kursus-a\nmahulu@kelaskim.example,Lusang,,,,64.11,\n"
    assert import_file(client, data.encode()).status_code == 302
    codes = {u.email: u.regency.code for u in db.session.scalars(db.select(User).where(User.role == Role.TRAINEE))}
    assert codes == {"bontang@kelaskim.example": "64.74", "mahulu@kelaskim.example": "64.11"}
    assert regency("64.74").users[0].full_name == "Dian"


def test_a_double_click_on_confirm_imports_once_and_fails_neither_click(app, client, coordinator, monkeypatch):
    """Both clicks pass the check before either writes; the slower one is told, and nothing is doubled."""
    from app.reports import imports
    from tests.test_quizzes_attempts import all_at_once

    token = token_of(upload(client, VALID.encode()).get_data(as_text=True))
    before = counts()
    other = app.test_client()
    login_as_other = other.post("/masuk", data={"email": coordinator.email, "password": "rahasia-12345"})
    assert login_as_other.status_code == 302
    barrier = threading.Barrier(2)
    check_table = imports.check_table

    def checked_together(*args, **kwargs):
        plan = check_table(*args, **kwargs)
        barrier.wait(timeout=10)
        return plan

    monkeypatch.setattr(imports, "check_table", checked_together)
    answers = all_at_once([client, other], lambda each: each.post(
        "/laporan/impor/konfirmasi", data={"token": token}, follow_redirects=True))
    assert sorted(answer.status_code for answer in answers) == [200, 200]
    pages = [answer.get_data(as_text=True) for answer in answers]
    assert sum("Impor selesai" in page for page in pages) == 1
    assert sum("klik ganda" in page for page in pages) == 1
    assert counts() == (before[0] + 2, before[1] + 5)


def test_a_file_that_cannot_be_read_is_explained_in_the_users_language(client, coordinator):
    assert "Berkas kosong. Pilih berkas yang berisi data." in upload(client, b"").get_data(as_text=True)
    client.get("/bahasa/en")
    page = upload(client, b"").get_data(as_text=True)
    assert "The file is empty. Choose a file that holds data." in page and "Berkas kosong" not in page
    duplicate = upload(client, b"email,email\na@kelaskim.example,b@kelaskim.example\n").get_data(as_text=True)
    assert "Column &#39;email&#39; appears more than once in the header row." in duplicate


def test_identifiers_excel_stored_as_numbers_are_refused_not_rounded(client, coordinator):
    buffer = io.BytesIO()
    with xlsxwriter.Workbook(buffer) as workbook:
        sheet = workbook.add_worksheet()
        sheet.write_row(0, 0, COLUMNS)
        # Typed into columns not formatted as text: Excel keeps them as floating-point numbers.
        sheet.write_row(1, 0, ["xl@kelaskim.example", "Xaverius Lahang"])
        sheet.write_number(1, 2, 198503302010011002)
        sheet.write_number(1, 4, 81234567890)
        sheet.write_number(1, 5, 64.02)
    before = counts()
    html = upload(client, buffer.getvalue(), "peserta.xlsx").get_data(as_text=True)
    errors = errors_of(html)
    assert [(row, column) for row, column, _ in errors] == [("2", "nip"), ("2", "no_hp"), ("2", "kode_wilayah")]
    for _, column, message in errors:
        assert f"Excel menyimpan isi kolom {column} ini sebagai angka (bilangan pecahan)" in message
        assert f"Format kolom {column} sebagai Teks" in message and "Format Cells, Text" in message
    assert 'name="token"' not in html and counts() == before
    assert "198503302010011008" not in html  # the rounded NIP is never offered as the trainee's


def test_checked_files_nobody_imported_within_a_day_are_deleted(client, coordinator, uploads):
    upload(client, VALID.encode())
    mine, = uploads.iterdir()
    abandoned = uploads / "99999-ditinggalkan.csv"  # another person's, never confirmed
    abandoned.write_bytes(VALID.encode())
    day_ago = time.time() - UPLOAD_MAX_AGE_SECONDS - 60
    for path in (mine, abandoned):
        os.utime(path, (day_ago, day_ago))
    token = token_of(upload(client, VALID.encode()).get_data(as_text=True))
    assert [path.name for path in uploads.iterdir()] == [f"{coordinator.id}-{token}.csv"]


def test_each_person_keeps_at_most_three_checked_files(client, coordinator, uploads):
    tokens = [token_of(upload(client, VALID.encode()).get_data(as_text=True)) for _ in range(5)]
    assert len(list(uploads.iterdir())) == 3
    refused = client.post("/laporan/impor/konfirmasi", data={"token": tokens[0]}, follow_redirects=True)
    assert "tidak ditemukan atau sudah diimpor" in refused.get_data(as_text=True)
    assert client.post("/laporan/impor/konfirmasi", data={"token": tokens[-1]}).status_code == 302
    assert db.session.scalar(db.select(User.id).where(User.email == "ade@kelaskim.example")) is not None
