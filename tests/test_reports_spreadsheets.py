"""Tests for the CSV/XLSX export writers (the import reader: tests/test_reports_tables.py)."""

import csv
import inspect
import io
import itertools
import re
import zipfile
from collections.abc import Iterator
from datetime import date, datetime, timezone
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.reports import spreadsheets as sp
from app.reports.spreadsheets import (
    iter_csv, iter_file_chunks, neutralize_cell, sanitize_sheet_name, unique_sheet_name, write_xlsx,
)
from app.reports.tables import read_table

HEADERS = ["Nama", "NIP", "Kabupaten/Kota", "Nilai"]


def read_csv_bytes(data: bytes) -> list[list[str]]:
    """Parse exported CSV bytes back into rows."""
    assert data.startswith(sp.UTF8_BOM)
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


# --------------------------------------------------------------------------- neutralize


@pytest.mark.parametrize("value", ["=cmd|' /C calc'!A0", "+62812", "-1+1", "@SUM(A1)", "\rx", "\tx"])
def test_neutralize_prefixes_formula_like_strings(value: str) -> None:
    assert neutralize_cell(value) == "'" + value


@pytest.mark.parametrize(("value", "expected"), [
    ("Siti;=40+2", "Siti;'=40+2"),           # Indonesian Excel splits a comma CSV at the semicolon
    ("Paser,+62812", "Paser,'+62812"),
    ("a\t@SUM(A1)", "a\t'@SUM(A1)"),
    ("Baris\n-1+1", "Baris\n'-1+1"),           # a line break when quotes are ignored
    ("x\r\n=1;=2", "x\r\n'=1;'=2"),
    ("\t=x", "'\t'=x"),
    ("=a;=b", "'=a;'=b"),
])
def test_neutralize_every_place_a_cell_could_start(value: str, expected: str) -> None:
    assert neutralize_cell(value) == expected


@pytest.mark.parametrize("value", ["Ade Rahmawati", "", " =spasi dulu", "a=b", "Kab. Paser, Tanah Grogot",
                                   "siti@kelaskim.example", "2026-03-02 07:30", "a; b", 5, -3, 1.5, None,
                                   date(2026, 1, 1)])
def test_neutralize_passes_other_values_through(value: object) -> None:
    assert neutralize_cell(value) == value


# --------------------------------------------------------------------------- CSV export


def test_iter_csv_round_trip_with_bom_and_neutralized_cells() -> None:
    rows = [
        ["=cmd|' /C calc'!A0", "198703152010011002", "Kota Samarinda", 90],
        ['Sitti "Iti" Nurhayatì', None, "Kab. Paser, Tanah Grogot", -5],
        ["Baris\nbaru", "", "@kota", 1.5],
    ]
    data = b"".join(iter_csv(HEADERS, iter(rows)))
    assert data.startswith(b"\xef\xbb\xbfNama,NIP,Kabupaten/Kota,Nilai\r\n")
    assert read_csv_bytes(data) == [
        HEADERS,
        ["'=cmd|' /C calc'!A0", "198703152010011002", "Kota Samarinda", "90"],
        ['Sitti "Iti" Nurhayatì', "", "Kab. Paser, Tanah Grogot", "-5"],
        ["Baris\nbaru", "", "'@kota", "1.5"],
    ]


CELL_BREAKS = re.compile(r"[,;\t\r\n]")


@settings(max_examples=200, deadline=None)
@given(st.text(st.sampled_from("=+-@,;\t\r\n 'aZ1")))
def test_no_piece_of_a_neutralised_cell_starts_a_formula_wherever_it_is_split(value: str) -> None:
    # A spreadsheet that ignores quotes splits at every separator and line break it knows.
    for piece in CELL_BREAKS.split(neutralize_cell(value)):
        assert not piece.startswith(("=", "+", "-", "@")), (value, neutralize_cell(value))
    assert neutralize_cell(value).replace("'", "") == value.replace("'", "")  # only apostrophes added


def test_iter_csv_with_semicolons() -> None:
    data = b"".join(iter_csv(HEADERS, iter([["Siti;=40+2", "1987", "Paser", "87,5"]]), delimiter=";"))
    assert data == sp.UTF8_BOM + b"Nama;NIP;Kabupaten/Kota;Nilai\r\n\"Siti;'=40+2\";1987;Paser;87,5\r\n"


def test_iter_csv_header_only_when_no_rows() -> None:
    assert read_csv_bytes(b"".join(iter_csv(HEADERS, iter([])))) == [HEADERS]


def test_iter_csv_is_lazy_for_endless_input() -> None:
    consumed = itertools.count()

    def endless() -> Iterator[list[object]]:
        for n in itertools.count():
            next(consumed)
            yield [f"Peserta {n}", n, "Kota Balikpapan", n % 100]

    stream = iter_csv(HEADERS, endless())
    assert inspect.isgenerator(stream)
    first = next(stream)
    assert first.startswith(sp.UTF8_BOM) and b"Nama" in first
    second = next(stream)
    assert sp.CHUNK_SIZE <= len(second) < sp.CHUNK_SIZE + 200
    assert next(consumed) < 5000  # only about one chunk's worth of rows was pulled
    stream.close()


def test_iter_csv_chunks_stay_bounded() -> None:
    rows = ([f"Peserta {n}", n] for n in range(50_000))
    chunks = list(iter_csv(["nama", "no"], rows, chunk_size=4096))
    assert len(chunks) > 10
    assert max(len(c) for c in chunks) < 4096 + 100
    assert len(read_csv_bytes(b"".join(chunks))) == 50_001


@settings(max_examples=60, deadline=None)
@given(st.lists(
    st.lists(st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00")), min_size=2, max_size=2),
    max_size=8,
))
def test_iter_csv_round_trips_any_text(rows: list[list[str]]) -> None:
    data = b"".join(iter_csv(["a", "b"], iter(rows), chunk_size=16))
    assert read_csv_bytes(data)[1:] == [[neutralize_cell(v) for v in row] for row in rows]


# --------------------------------------------------------------------------- XLSX export


def sample_workbook(target: object) -> None:
    """Write a workbook with two regencies, one with a hostile name."""
    groups = iter([
        ("Kota Samarinda", iter([
            ["=HYPERLINK(\"http://evil\",\"klik\")", "198703152010011002", "Kota Samarinda", 88],
        ])),
        ("Kab. Kutai Kartanegara", iter([
            ["Ade Rahmawati", 198703152010011002, "Kab. Kutai Kartanegara", 75.5],
            ["+6281234", None, "Kab. Kutai Kartanegara", datetime(2026, 12, 31, 16, 30, tzinfo=timezone.utc)],
        ])),
    ])
    write_xlsx(target, ["Kabupaten/Kota", "Peserta", "Lulus"],
               iter([["Kota Samarinda", 1, 1], ["=1+1", 2, 1]]), groups, HEADERS)


def test_write_xlsx_layout_and_values(tmp_path: Path) -> None:
    path = tmp_path / "laporan.xlsx"
    sample_workbook(str(path))
    workbook = openpyxl.load_workbook(path)
    assert workbook.sheetnames == ["Ringkasan", "Kota Samarinda", "Kab. Kutai Kartanegara"]
    summary = workbook["Ringkasan"]
    assert list(summary.values) == [("Kabupaten/Kota", "Peserta", "Lulus"), ("Kota Samarinda", 1, 1), ("=1+1", 2, 1)]
    samarinda = workbook["Kota Samarinda"]
    assert samarinda["A2"].value == "=HYPERLINK(\"http://evil\",\"klik\")"  # as stored, and text
    assert samarinda["A2"].data_type == "s"
    assert samarinda["B2"].value == "198703152010011002"
    kukar = workbook["Kab. Kutai Kartanegara"]
    assert kukar["B2"].value == "198703152010011002"  # big ints kept exact as text
    assert kukar["D2"].value == 75.5
    assert kukar["A3"].value == "+6281234" and kukar["B3"].value is None
    assert kukar["D3"].value == datetime(2027, 1, 1, 0, 30)  # aware UTC shown in WITA
    for sheet in workbook.worksheets:
        assert sheet["A1"].font.b is True
        assert sheet.freeze_panes == "A2"


def test_write_xlsx_never_writes_formulas() -> None:
    buffer = io.BytesIO()
    sample_workbook(buffer)
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as archive:
        sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/sheet")]
        assert len(sheets) == 3
        assert all(b"<f>" not in archive.read(name) for name in sheets)


def test_write_xlsx_unique_sanitized_sheet_names(tmp_path: Path) -> None:
    path = tmp_path / "nama.xlsx"
    names = ["ringkasan", "Kab. [Paser]/Tanah*Grogot?", "Kabupaten Penajam Paser Utara Provinsi Kaltim",
             "Kabupaten Penajam Paser Utara Provinsi Kaltim", "", "'History'"]
    write_xlsx(str(path), ["a"], iter([]), iter((n, iter([["x"]])) for n in names), ["a"])
    assert openpyxl.load_workbook(path).sheetnames == [
        "Ringkasan", "ringkasan (2)", "Kab. _Paser__Tanah_Grogot_",
        "Kabupaten Penajam Paser Utara P", "Kabupaten Penajam Paser Uta (2)", "Lembar", "History_",
    ]


def test_write_xlsx_continues_past_row_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sp, "EXCEL_MAX_ROWS", 3)  # header + 2 data rows per sheet
    path = tmp_path / "banyak.xlsx"
    write_xlsx(str(path), ["a"], iter([]), iter([("Kota Bontang", iter([[n] for n in range(5)]))]), ["no"])
    workbook = openpyxl.load_workbook(path)
    assert workbook.sheetnames == ["Ringkasan", "Kota Bontang", "Kota Bontang (2)", "Kota Bontang (3)"]
    values = [v for name in workbook.sheetnames[1:] for (v,) in list(workbook[name].values)[1:]]
    assert values == [0, 1, 2, 3, 4]


@pytest.mark.parametrize(("raw", "expected"), [
    ("Kota Samarinda", "Kota Samarinda"),
    ("a:b/c\\d?e*f[g]h", "a_b_c_d_e_f_g_h"),
    ("x" * 40, "x" * 31),
    ("  'Berau'  ", "Berau"),
    ("'''", "Lembar"),
    ("history", "history_"),
])
def test_sanitize_sheet_name(raw: str, expected: str) -> None:
    assert sanitize_sheet_name(raw) == expected


def test_unique_sheet_name_is_case_insensitive() -> None:
    used: set[str] = set()
    assert [unique_sheet_name(n, used) for n in ["Berau", "BERAU", "berau"]] == ["Berau", "BERAU (2)", "berau (3)"]


def test_iter_file_chunks_streams_and_deletes(tmp_path: Path) -> None:
    path = tmp_path / "ekspor.xlsx"
    payload = bytes(range(256)) * 1000
    path.write_bytes(payload)
    chunks = list(iter_file_chunks(path, chunk=65536))
    assert b"".join(chunks) == payload
    assert [len(c) for c in chunks[:-1]] == [65536] * (len(chunks) - 1)
    assert not path.exists()


def test_iter_file_chunks_deletes_even_if_not_consumed(tmp_path: Path) -> None:
    path = tmp_path / "batal.csv"
    path.write_bytes(b"abc")
    stream = iter_file_chunks(str(path))
    assert next(stream) == b"abc"
    stream.close()
    assert not path.exists()


def test_read_xlsx_round_trips_own_export() -> None:
    buffer = io.BytesIO()
    sample_workbook(buffer)
    table = read_table(buffer.getvalue(), "laporan.xlsx")
    assert table.headers == ["kabupaten/kota", "peserta", "lulus"]
    assert table.rows[1] == (3, {"kabupaten/kota": "=1+1", "peserta": "2", "lulus": "1"})  # text, as written
