"""The import reader: CSV in Excel's encodings and delimiters, XLSX values only, damaged and oversized files refused."""

import io
import random
import zipfile
from datetime import datetime

import pytest
import xlsxwriter

from app.reports import tables
from app.reports.tables import Limits, NotText, Table, TableError, read_table


def xlsx_bytes(rows: list[list[object]], *, extra_sheet_active: bool = False) -> bytes:
    """Build a small real .xlsx; None cells are left empty."""
    buffer = io.BytesIO()
    with xlsxwriter.Workbook(buffer, {"strings_to_formulas": False, "default_date_format": "dd/mm/yyyy"}) as workbook:
        sheet = workbook.add_worksheet("Peserta")
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is not None:
                    sheet.write(r, c, value)
        if extra_sheet_active:
            workbook.add_worksheet("Lain").activate()
    return buffer.getvalue()


# --------------------------------------------------------------------------- import: CSV


def test_read_semicolon_cp1252_from_excel() -> None:
    text = (
        "Nama ; Email;NIP\r\n"
        "Sitti Nurhayatì;sitti@kaltimprov.go.id;198703152010011002\r\n"
        ";;\r\n"
        "  Ade Rahmawati ;ade@example.id;\r\n"
        "Ma’ruf Amin;maruf@example.id;\r\n"  # ’ exists in cp1252 but not Latin-1
    )
    table = read_table(text.encode("cp1252"), "peserta.csv")
    assert table.headers == ["nama", "email", "nip"]
    assert table.rows == [
        (2, {"nama": "Sitti Nurhayatì", "email": "sitti@kaltimprov.go.id", "nip": "198703152010011002"}),
        (4, {"nama": "Ade Rahmawati", "email": "ade@example.id", "nip": ""}),
        (5, {"nama": "Ma’ruf Amin", "email": "maruf@example.id", "nip": ""}),
    ]


@pytest.mark.parametrize("encoded", [
    "\ufeffNama,Email\nSitti Nurhayatì,sitti@example.id\n".encode("utf-8"),
    "Nama,Email\nSitti Nurhayatì,sitti@example.id\n".encode("utf-8"),
    "Nama\tEmail\r\nSitti Nurhayatì\tsitti@example.id\r\n".encode("utf-16"),
])
def test_read_utf_variants(encoded: bytes) -> None:
    table = read_table(encoded, "PESERTA.CSV")
    assert table == Table(["nama", "email"], [(2, {"nama": "Sitti Nurhayatì", "email": "sitti@example.id"})])


def test_read_csv_delimiter_detection() -> None:
    table = read_table(b"Nama, Lengkap;Email\nAde;ade@example.id\n", "x.csv")
    assert table.headers == ["nama, lengkap", "email"]
    table = read_table(b'"Nama";"Email"\n"Ade, S.Kom";ade@example.id\n', "x.csv")
    assert table.rows == [(2, {"nama": "Ade, S.Kom", "email": "ade@example.id"})]
    table = read_table(b"Nama;Email;NIP\n", "x.csv")
    assert table.headers == ["nama", "email", "nip"] and table.rows == []
    table = read_table(b"nama,alamat\nAde,\"Jl. A; RT 1\"\n", "x.csv")
    assert table.rows == [(2, {"nama": "Ade", "alamat": "Jl. A; RT 1"})]
    table = read_table(b"Nama\nAde\nSitti\n", "x.csv")
    assert table.rows == [(2, {"nama": "Ade"}), (3, {"nama": "Sitti"})]


def test_read_csv_row_numbers_follow_records_not_lines() -> None:
    table = read_table(b'nama,alamat,\n"Ade","Jl. A\nRT 1",extra\nSitti\n', "x.csv")
    assert table.headers == ["nama", "alamat"]
    assert table.rows == [(2, {"nama": "Ade", "alamat": "Jl. A\nRT 1"}), (3, {"nama": "Sitti"})]  # a short row is not padded


def test_formula_text_in_csv_is_kept_as_text() -> None:
    table = read_table(b"nama\n=1+1\n", "x.csv")
    assert table.rows == [(2, {"nama": "=1+1"})]


@pytest.mark.parametrize("data", [b"", b"  \r\n\t", b"\xef\xbb\xbf", b"\xef\xbb\xbf\r\n"])
def test_empty_files_rejected(data: bytes) -> None:
    with pytest.raises(TableError, match="kosong"):
        read_table(data, "kosong.csv")


def test_header_missing_rejected() -> None:
    with pytest.raises(TableError, match="judul kolom"):
        read_table(b";;\r\n ; ;\r\n", "x.csv")


def test_duplicate_header_rejected() -> None:
    with pytest.raises(TableError, match="'nama'"):
        read_table(b"Nama;Email;NAMA\n", "x.csv")


@pytest.mark.parametrize("data", [
    random.Random(2026).randbytes(4096),
    b"nama\x00email\n",
    bytes(range(1, 9)) * 200 + b"\nnama\n",
])
def test_binary_csv_rejected(data: bytes) -> None:
    with pytest.raises(TableError) as excinfo:
        read_table(data, "sampah.csv")
    assert excinfo.value.message == tables.MSG_BINARY


def test_xlsx_renamed_to_csv_gets_specific_message() -> None:
    with pytest.raises(TableError, match="berformat Excel"):
        read_table(xlsx_bytes([["nama"]]), "peserta.csv")


@pytest.mark.parametrize("filename", ["peserta.xls", "peserta.txt", "peserta", "peserta.csv.exe"])
def test_unknown_extension_rejected(filename: str) -> None:
    with pytest.raises(TableError, match=r"\.csv atau \.xlsx"):
        read_table(b"nama\nAde\n", filename)


def test_table_error_is_value_error_with_message() -> None:
    error = TableError("Pesan")
    assert isinstance(error, ValueError) and error.message == str(error) == "Pesan"


# --------------------------------------------------------------------------- import: XLSX


def test_read_xlsx_values_only() -> None:
    data = xlsx_bytes([
        [" Nama ", "NIP", "Nilai", "Tanggal"],
        ["Sitti Nurhayatì", "198703152010011002", 12.0, datetime(2026, 11, 26)],
        [None, None, None, None],
        ["=HYPERLINK(\"http://x\")", None, 7.5, None],
    ], extra_sheet_active=True)
    table = read_table(data, "peserta.XLSX")
    assert table.headers == ["nama", "nip", "nilai", "tanggal"]
    assert table.rows == [
        (2, {"nama": "Sitti Nurhayatì", "nip": "198703152010011002", "nilai": "12", "tanggal": "2026-11-26"}),
        (4, {"nama": "=HYPERLINK(\"http://x\")", "nip": "", "nilai": "7.5", "tanggal": ""}),
    ]


def test_read_xlsx_uses_cached_value_not_formula() -> None:
    buffer = io.BytesIO()
    with xlsxwriter.Workbook(buffer) as workbook:
        sheet = workbook.add_worksheet()
        sheet.write_string(0, 0, "nilai")
        sheet.write_formula(1, 0, "=1+1", None, 2)
    assert read_table(buffer.getvalue(), "f.xlsx").rows == [(2, {"nilai": "2"})]


def test_empty_xlsx_sheet_has_no_header() -> None:
    with pytest.raises(TableError, match="judul kolom"):
        read_table(xlsx_bytes([]), "kosong.xlsx")


@pytest.mark.parametrize("cut", [0.5, 0.9])
def test_truncated_xlsx_rejected(cut: float) -> None:
    data = xlsx_bytes([["nama", "email"]] + [[f"Peserta {n}", f"p{n}@example.id"] for n in range(200)])
    with pytest.raises(TableError) as excinfo:
        read_table(data[: int(len(data) * cut)], "potong.xlsx")
    assert excinfo.value.message == tables.MSG_XLSX_CORRUPT


@pytest.mark.parametrize("data", [b"nama;email\nAde;a@b.c\n", b"\xd0\xcf\x11\xe0" + b"\x00" * 600])
def test_non_zip_xlsx_rejected(data: bytes) -> None:
    with pytest.raises(TableError, match="rusak"):
        read_table(data, "palsu.xlsx")


def test_zip_without_workbook_rejected() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("halo.txt", "bukan excel")
    with pytest.raises(TableError, match="rusak"):
        read_table(buffer.getvalue(), "zip.xlsx")


def zip_with(members: dict[str, bytes]) -> bytes:
    """Build a deflate-compressed zip from name -> content."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def test_zip_bomb_by_size_rejected(monkeypatch) -> None:
    monkeypatch.setattr(tables, "MAX_XLSX_UNCOMPRESSED", 1024 * 1024)  # 20 MB, scaled down to keep the test fast
    data = zip_with({"[Content_Types].xml": b"<Types/>", "xl/worksheets/sheet1.xml": b"\0" * (3 * 1024 * 1024)})
    assert len(data) < 10 * 1024
    with pytest.raises(TableError) as excinfo:
        read_table(data, "bom.xlsx")
    assert excinfo.value.message == tables.MSG_XLSX_TOO_BIG


def test_zip_bomb_by_ratio_rejected() -> None:
    data = zip_with({"xl/worksheets/sheet1.xml": b"<row/>" * 400_000})  # 2.4 MB, ratio far above 100
    with pytest.raises(TableError, match="terlalu besar"):
        read_table(data, "rasio.xlsx")


def test_zip_with_too_many_members_rejected() -> None:
    data = zip_with({f"xl/m{n}.xml": b"" for n in range(tables.MAX_XLSX_MEMBERS + 1)})
    with pytest.raises(TableError, match="terlalu besar"):
        read_table(data, "banyak.xlsx")


def test_values_excel_did_not_store_as_text_are_marked() -> None:
    data = xlsx_bytes([["nip", "nilai", "tanggal", "nama"],
                       [198503302010011002, 7.5, datetime(2026, 11, 26), "198503302010011002"]])
    (number, cells), = read_table(data, "x.xlsx").rows
    assert isinstance(cells["nip"], NotText) and cells["nip"].value == 1.98503302010011e17
    assert cells["nip"] == "198503302010011008"  # what Excel kept of the NIP: not the NIP that was typed
    assert isinstance(cells["nilai"], NotText) and isinstance(cells["tanggal"], NotText)
    assert type(cells["nama"]) is str and cells["nama"] == "198503302010011002"
    assert all(type(cell) is str for _, row in read_table(b"nip\n198503302010011002\n", "x.csv").rows
               for cell in row.values())


# --------------------------------------------------------------------------- limits, checked while reading

SMALL = Limits(rows=3, columns=4, cell_chars=10, record_chars=100, scanned_rows=20)


@pytest.mark.parametrize("filename", ["x.csv", "x.xlsx"])
def test_rows_past_the_limit_are_refused(filename: str) -> None:
    rows = [["nama"]] + [[f"P{n}"] for n in range(4)]
    data = xlsx_bytes(rows) if filename.endswith("xlsx") else "\n".join(r[0] for r in rows).encode()
    with pytest.raises(TableError, match="lebih dari 3 baris data"):
        read_table(data, filename, SMALL)
    assert len(read_table(data, filename, Limits(rows=4)).rows) == 4


@pytest.mark.parametrize("filename", ["x.csv", "x.xlsx"])
def test_columns_past_the_limit_are_not_read(filename: str) -> None:
    rows = [["a", "b", "c", "d", "e"], ["1", "2", "3", "4", "5"]]
    data = xlsx_bytes(rows) if filename.endswith("xlsx") else "\n".join(",".join(r) for r in rows).encode()
    assert read_table(data, filename, SMALL) == Table(["a", "b", "c", "d"], [(2, {"a": "1", "b": "2", "c": "3", "d": "4"})])


@pytest.mark.parametrize("filename", ["x.csv", "x.xlsx"])
def test_a_cell_past_the_length_limit_is_refused_with_its_place(filename: str) -> None:
    rows = [["nama", "email"], ["Ade", "x" * 11]]
    data = xlsx_bytes(rows) if filename.endswith("xlsx") else "\n".join(",".join(r) for r in rows).encode()
    with pytest.raises(TableError, match="Baris 2, kolom ke-2: isi sel lebih dari 10 karakter"):
        read_table(data, filename, SMALL)


def test_blank_lines_count_towards_the_rows_looked_at() -> None:
    assert read_table(b"nama\n" + b",\n" * 18 + b"Ade\n", "x.csv", SMALL).rows == [(20, {"nama": "Ade"})]
    with pytest.raises(TableError, match="lebih dari 20 baris"):
        read_table(b"nama\n" + b",\n" * 19 + b"Ade\n", "x.csv", SMALL)


def test_a_record_past_the_length_limit_is_refused_before_it_is_split() -> None:
    with pytest.raises(TableError, match="Baris 3 berkas lebih dari 100 karakter"):
        read_table(b"nama\nAde\n" + b"," * 200 + b"\n", "x.csv", SMALL)
    unclosed = b'nama\nAde\n"Budi\n' + b"lanjut\n" * 30  # a quote never closed swallows every later line
    with pytest.raises(TableError, match="tanda kutip yang tidak ditutup"):
        read_table(unclosed, "x.csv", SMALL)


WORKSHEET = "xl/worksheets/sheet1.xml"


def with_worksheet(xml: bytes) -> bytes:
    """A real workbook whose first sheet's XML is replaced, with a photo that keeps it under the zip-bomb ratio."""
    source = zipfile.ZipFile(io.BytesIO(xlsx_bytes([["nama"], ["Ade"]])))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in source.namelist():
            archive.writestr(name, xml if name == WORKSHEET else source.read(name))
        archive.writestr("xl/media/foto.png", random.Random(16).randbytes(len(xml) // 50 + 1024))
    return buffer.getvalue()


def sheet_xml(inside: bytes, before_data: bytes = b"") -> bytes:
    return (b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
            b'spreadsheetml/2006/main">' + before_data + b"<sheetData>" + inside + b"</sheetData></worksheet>")


HEADER_ROW = b'<row r="1"><c r="A1" t="inlineStr"><is><t>nama</t></is></c></row>'


def test_the_replaced_worksheet_is_read() -> None:
    data = with_worksheet(sheet_xml(HEADER_ROW + b'<row r="2"><c r="A2" t="inlineStr"><is><t>Ade</t></is></c></row>'))
    assert read_table(data, "x.xlsx").rows == [(2, {"nama": "Ade"})]


@pytest.mark.parametrize("xml", [
    lambda: sheet_xml(HEADER_ROW, b"<x>" * (tables.MAX_XML_DEPTH + 1) + b"</x>" * (tables.MAX_XML_DEPTH + 1)),
    lambda: sheet_xml(HEADER_ROW, b"<x/>" * (tables.MAX_XML_ELEMENTS + 1)),
    lambda: sheet_xml(HEADER_ROW + b'<row r="2"><c r="A2" t="inlineStr"><is><t>' + b"a" * (tables.MAX_XML_TEXT + 1)
                      + b"</t></is></c></row>"),
    lambda: sheet_xml(HEADER_ROW, b'<x y="' + b"a" * (tables.MAX_XML_TEXT + 1) + b'"/>'),
], ids=["deep", "many-elements", "long-text", "long-attribute"])
def test_xml_too_deep_too_busy_or_too_long_is_refused_before_openpyxl(xml, monkeypatch) -> None:
    # Budgets scaled down so that the files stay small; the real ones: tests/test_security_upload_shapes.py.
    monkeypatch.setattr(tables, "MAX_XML_ELEMENTS", 2000)
    monkeypatch.setattr(tables, "MAX_XML_TEXT", 1024)
    monkeypatch.setattr(tables.openpyxl, "load_workbook", lambda *a, **k: pytest.fail("openpyxl reached"))
    with pytest.raises(TableError) as excinfo:
        read_table(with_worksheet(xml()), "x.xlsx")
    assert excinfo.value.message == tables.MSG_XLSX_TOO_BIG


def test_xml_with_a_document_type_is_refused() -> None:
    xml = b'<?xml version="1.0"?><!DOCTYPE w [<!ENTITY a "aaaa">]><worksheet>&a;</worksheet>'
    with pytest.raises(TableError) as excinfo:
        read_table(with_worksheet(xml), "x.xlsx")
    assert excinfo.value.message == tables.MSG_XLSX_CORRUPT


def test_a_row_far_down_the_sheet_stops_at_the_rows_looked_at() -> None:
    data = with_worksheet(sheet_xml(HEADER_ROW + b'<row r="1000000"><c r="A1000000"><v>1</v></c></row>'))
    with pytest.raises(TableError, match="lebih dari 20 baris"):
        read_table(data, "x.xlsx", SMALL)
