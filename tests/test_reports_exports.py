"""The roster exports read back with the csv module and openpyxl: documented columns, safe cells, data as stored."""
from __future__ import annotations

import csv
import io
import zipfile
from datetime import UTC, datetime

import openpyxl
import pytest

from app.accounts.models import Role
from app.extensions import db
from app.progress.models import Certificate, Enrollment
from tests.factories import make_course

# The columns documented in docs/reports.md, in order.
DOCUMENTED = ["Kode wilayah", "Kabupaten/kota", "Nama lengkap", "NIP", "Email", "Instansi", "Slug kursus",
              "Judul kursus", "Pelajaran selesai", "Jumlah pelajaran", "Nilai kuis terbaik (%)", "Status",
              "Terdaftar (WITA)", "Selesai (WITA)", "Kode sertifikat", "Akun"]
NIP = "198503302010011002"
ENROLLED = datetime(2026, 3, 1, 23, 30, tzinfo=UTC)     # 2 March, 07:30 WITA
COMPLETED = datetime(2026, 3, 20, 16, 5, tzinfo=UTC)    # 21 March, 00:05 WITA: the next day in WITA


@pytest.fixture
def exported(client, make_user, login_as):
    """Two trainees, one with a hostile name and a finished course, exported by an admin."""
    course = make_course("kursus-a", modules=2, lessons=2)
    hostile = make_user(Role.TRAINEE, "64.72", full_name="=HYPERLINK(\"http://jahat.example\",\"klik\")",
                        nip=NIP, unit="+62 KIM Tepian", email="jahat@kelaskim.example")
    plain = make_user(Role.TRAINEE, "64.02", full_name="Sitti Nurhayatì", email="sitti@kelaskim.example")
    db.session.add_all([
        Enrollment(user_id=hostile.id, course_id=course.id, enrolled_at=ENROLLED, lessons_completed=4,
                   best_score_percent=87.5, last_activity_at=COMPLETED, completed_at=COMPLETED),
        Certificate(code="KIM-2026-0001", user_id=hostile.id, course_id=course.id, completed_at=COMPLETED),
        Enrollment(user_id=plain.id, course_id=course.id, enrolled_at=ENROLLED),
    ])
    db.session.commit()
    login_as(make_user(Role.ADMIN, "64"))
    return client


def test_csv_reads_back_with_documented_columns(exported):
    response = exported.get("/laporan/peserta.csv")
    assert response.mimetype == "text/csv"
    assert 'attachment; filename="peserta-kelaskim-' in response.headers["Content-Disposition"]
    assert response.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"), newline="")))
    assert rows[0] == DOCUMENTED
    kukar, samarinda = rows[1], rows[2]  # ordered by regency code
    assert kukar == ["64.02", "Kabupaten Kutai Kartanegara", "Sitti Nurhayatì", "", "sitti@kelaskim.example", "",
                     "kursus-a", "Kursus kursus-a", "0", "4", "", "Belum mulai", "2026-03-02 07:30", "", "", "Aktif"]
    assert samarinda == ["64.72", "Kota Samarinda", "'=HYPERLINK(\"http://jahat.example\",\"klik\")", NIP,
                         "jahat@kelaskim.example", "'+62 KIM Tepian", "kursus-a", "Kursus kursus-a", "4", "4",
                         "87.5", "Selesai", "2026-03-02 07:30", "2026-03-21 00:05", "KIM-2026-0001", "Aktif"]


def test_xlsx_reads_back_with_documented_columns(exported):
    response = exported.get("/laporan/peserta.xlsx")
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    workbook = openpyxl.load_workbook(io.BytesIO(response.data))
    assert workbook.sheetnames == ["Ringkasan", "Kabupaten Kutai Kartanegara", "Kota Samarinda"]
    summary = list(workbook["Ringkasan"].values)
    assert summary[0][:3] == ("Kode wilayah", "Kabupaten/kota", "Terdaftar")
    assert summary[1:] == [("64.02", "Kabupaten Kutai Kartanegara", 1, 1, 0, 0, 0, None),
                           ("64.72", "Kota Samarinda", 1, 0, 0, 1, 100, 87.5)]
    sheet = workbook["Kota Samarinda"]
    assert [c.value for c in sheet[1]] == DOCUMENTED
    row = [c.value for c in sheet[2]]
    assert row[2] == "=HYPERLINK(\"http://jahat.example\",\"klik\")" and sheet["C2"].data_type == "s"
    assert row[5] == "+62 KIM Tepian"
    assert row[3] == NIP  # text: all 18 digits kept
    assert row[8:12] == [4, 4, 87.5, "Selesai"]
    assert row[12] == datetime(2026, 3, 2, 7, 30) and row[13] == datetime(2026, 3, 21, 0, 5)  # WITA
    assert row[14] == "KIM-2026-0001"


def test_export_with_nothing_to_show_still_has_the_header(exported):
    rows = list(csv.reader(io.StringIO(exported.get("/laporan/peserta.csv?q=tidak-ada").data.decode("utf-8-sig"))))
    assert rows == [DOCUMENTED]
    workbook = openpyxl.load_workbook(io.BytesIO(exported.get("/laporan/peserta.xlsx?q=tidak-ada").data))
    assert workbook.sheetnames == ["Ringkasan"]


def test_csv_for_indonesian_excel_has_semicolons_and_decimal_commas(exported):
    response = exported.get("/laporan/peserta.csv?pemisah=titik-koma")
    assert response.mimetype == "text/csv" and response.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"), newline=""), delimiter=";"))
    assert rows[0] == DOCUMENTED
    assert rows[2][2] == "'=HYPERLINK(\"http://jahat.example\",\"klik\")"
    assert rows[2][8:12] == ["4", "4", "87,5", "Selesai"]
    assert rows[2][12:] == ["2026-03-02 07:30", "2026-03-21 00:05", "KIM-2026-0001", "Aktif"]


def test_roster_page_offers_both_csv_forms_with_its_filters(exported):
    page = exported.get("/laporan/peserta?status=selesai&pemisah=titik-koma").get_data(as_text=True)
    assert "/laporan/peserta.csv?pemisah=titik-koma&amp;status=selesai" in page
    assert "/laporan/peserta.csv?status=selesai" in page and "/laporan/peserta.xlsx?status=selesai" in page


HOSTILE_TEXTS = ["=1+1", "+62 811", "-5", "@SUM(A1)", "\tTab di depan", "Siti;=40+2", "'sudah berapostrof",
                 "=HYPERLINK(\"http://jahat.example\",\"klik\")"]


def test_xlsx_keeps_every_text_exactly_as_stored(client, make_user, login_as):
    course = make_course("kursus-teks", modules=1, lessons=1)
    for n, text in enumerate(HOSTILE_TEXTS):
        user = make_user(Role.TRAINEE, "64.72", full_name=text, unit=text, email=f"teks{n}@kelaskim.example")
        db.session.add(Enrollment(user_id=user.id, course_id=course.id, enrolled_at=ENROLLED))
    db.session.commit()
    login_as(make_user(Role.ADMIN, "64"))
    data = client.get("/laporan/peserta.xlsx").data
    sheet = openpyxl.load_workbook(io.BytesIO(data))["Kota Samarinda"]
    rows = {row[4].value: row for row in sheet.iter_rows(min_row=2)}
    for n, text in enumerate(HOSTILE_TEXTS):
        name, unit = rows[f"teks{n}@kelaskim.example"][2], rows[f"teks{n}@kelaskim.example"][5]
        assert (name.value, unit.value) == (text, text)
        assert name.data_type == unit.data_type == "s"
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert not any(b"<f>" in archive.read(name) for name in archive.namelist() if name.startswith("xl/worksheets/"))
