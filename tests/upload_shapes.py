"""Uploads of hostile shapes next to a normal file of the same size, and how long and how much memory reading each takes.

tests/test_security_upload_shapes.py checks the ratios and bounds on small files; run this module
for the figures at full size (docs/security.md):

    .venv/bin/python -m tests.upload_shapes              # 5 MB, every shape
    .venv/bin/python -m tests.upload_shapes 1000000      # another size in bytes
"""
from __future__ import annotations

import io
import random
import sys
import time
import tracemalloc
import zipfile
from collections.abc import Callable
from dataclasses import dataclass

import xlsxwriter

from app.authoring.qformats import parse_aiken, parse_gift
from app.reports.tables import MAX_XML_ELEMENTS, TableError, read_table

FULL_SIZE = 5 * 1024 * 1024
NORMAL_ROW = "peserta{n}@kelaskim.example,Peserta Nomor {n},198503302010011002,KIM Tepian,081234567890,64.72,kursus-a\n"
HEADER = "email,nama_lengkap,nip,instansi,no_hp,kode_wilayah,kursus\n"


def _fill(head: str, unit: Callable[[int], str], size: int) -> bytes:
    """head, then unit(0), unit(1)... until the text reaches size bytes."""
    parts, total, n = [head], len(head), 0
    while total < size:
        part = unit(n)
        parts.append(part)
        total += len(part)
        n += 1
    return "".join(parts).encode()[:size]


# --------------------------------------------------------------------------- CSV


def csv_normal(size: int) -> bytes:
    """The import template's columns, one trainee per line."""
    return _fill(HEADER, lambda n: NORMAL_ROW.format(n=n), size)


def csv_wide_header(size: int) -> bytes:
    """A header of 60 KB of column names (just under the record limit), then short rows."""
    header = ",".join(f"kolom{n}" for n in range(7000))[: 60 * 1024] + "\n"
    return _fill(header, lambda n: f"p{n}@kelaskim.example,Peserta\n", size)


def csv_wide_rows(size: int) -> bytes:
    """Every row 60 KB of one-character cells."""
    return _fill(HEADER, lambda n: ",1" * (30 * 1024) + "\n", size)


def csv_one_long_line(size: int) -> bytes:
    """A header, then a single line as long as the file."""
    return _fill(HEADER, lambda n: "x" * 65536, size)


def csv_short_lines(size: int) -> bytes:
    """Millions of two-byte lines."""
    return _fill(HEADER, lambda n: "a\n", size)


def csv_blank_lines(size: int) -> bytes:
    """A header, then only line breaks."""
    return _fill(HEADER, lambda n: "\n", size)


def csv_unclosed_quote(size: int) -> bytes:
    """A quote opened on the second line and never closed: one record swallowing the file."""
    return _fill(HEADER + '"', lambda n: "a,b\n", size)


# --------------------------------------------------------------------------- XLSX


def _padded(members: dict[str, bytes], size: int) -> bytes:
    """A zip of members plus an incompressible photo that brings it to about size bytes (past the ratio check)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
        room = size - buffer.tell() - 1024
        if room > 0:
            archive.writestr("xl/media/foto.png", random.Random(size).randbytes(room))
    return buffer.getvalue()


def _workbook(sheet_xml: bytes, strings: list[str] = ()) -> dict[str, bytes]:
    """The parts of a minimal valid workbook around one worksheet's XML."""
    main = b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    rel = b"http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    shared = b"".join(b"<si><t>" + s.encode() + b"</t></si>" for s in strings)
    return {
        "[Content_Types].xml": (
            b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            b'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            b'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName='
            b'"/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.'
            b'main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.'
            b'openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings'
            b'.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
            b"</Types>"),
        "_rels/.rels": (
            b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
            b'package/2006/relationships"><Relationship Id="rId1" Type="' + rel + b'/officeDocument" Target='
            b'"xl/workbook.xml"/></Relationships>'),
        "xl/workbook.xml": (
            b'<?xml version="1.0" encoding="UTF-8"?><workbook ' + main + b' xmlns:r="' + rel + b'"><sheets>'
            b'<sheet name="Peserta" sheetId="1" r:id="rId1"/></sheets></workbook>'),
        "xl/_rels/workbook.xml.rels": (
            b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
            b'package/2006/relationships"><Relationship Id="rId1" Type="' + rel + b'/worksheet" Target='
            b'"worksheets/sheet1.xml"/><Relationship Id="rId2" Type="' + rel + b'/sharedStrings" Target='
            b'"sharedStrings.xml"/></Relationships>'),
        "xl/sharedStrings.xml": b'<?xml version="1.0" encoding="UTF-8"?><sst ' + main + b">" + shared + b"</sst>",
        "xl/worksheets/sheet1.xml": (
            b'<?xml version="1.0" encoding="UTF-8"?><worksheet ' + main + b">" + sheet_xml + b"</worksheet>"),
    }


def _header_cell() -> bytes:
    return b'<row r="1"><c r="A1" t="inlineStr"><is><t>email</t></is></c></row>'


def xlsx_normal(size: int) -> bytes:
    """A workbook as Excel writes it: the template's columns, then trainees with notes of random letters."""
    letters = random.Random(7)
    rows = min(5000, max(10, size // 45))  # at most the 5,000 rows an import takes
    note_chars = max(0, int((size // rows - 45) / 0.7))  # random letters compress to about 0.66 bytes each
    buffer = io.BytesIO()
    with xlsxwriter.Workbook(buffer, {"in_memory": True}) as workbook:
        sheet = workbook.add_worksheet("Peserta")
        sheet.write_row(0, 0, HEADER.strip().split(",") + [f"catatan{i}" for i in range(note_chars // 1000 + 1)])
        for n in range(1, rows + 1):
            note = "".join(letters.choices("abcdefghijklmnopqrstuvwxyz0123456789 ", k=note_chars))
            sheet.write_row(n, 0, NORMAL_ROW.format(n=n).strip().split(",")
                            + [note[start:start + 1000] for start in range(0, note_chars, 1000)])
    return buffer.getvalue()


def xlsx_wide(size: int) -> bytes:
    """A header with a cell in the last column Excel has (XFD), and every row too."""
    rows = b"".join(b'<row r="%d"><c r="A%d"><v>%d</v></c><c r="XFD%d"><v>1</v></c></row>' % (n, n, n, n)
                    for n in range(2, 2 + min(4999, size // 400)))
    return _padded(_workbook(b"<sheetData>" + _header_cell() + b'<c r="XFD1"><v>1</v></c>' + rows
                             + b"</sheetData>"), size)


def xlsx_row_far_down(size: int) -> bytes:
    """A header and one cell a million rows further down."""
    return _padded(_workbook(b"<sheetData>" + _header_cell()
                             + b'<row r="1048576"><c r="A1048576"><v>1</v></c></row></sheetData>'), size)


def xlsx_deep(size: int) -> bytes:
    """XML nested as deep as the file allows."""
    depth = size // 8
    return _padded(_workbook(b"<x>" * depth + b"</x>" * depth + b"<sheetData>" + _header_cell() + b"</sheetData>"),
                   size)


def xlsx_many_elements(size: int) -> bytes:
    """Empty elements openpyxl does not know, which it keeps in memory until the sheet ends."""
    count = min(size // 4, MAX_XML_ELEMENTS + 1)
    return _padded(_workbook(b"<x/>" * count + b"<sheetData>" + _header_cell() + b"</sheetData>"), size)


def xlsx_many_strings(size: int) -> bytes:
    """A shared-string table as long as the file allows."""
    count = min(size // 16, MAX_XML_ELEMENTS // 2 + 1)
    return _padded(_workbook(b"<sheetData>" + _header_cell() + b"</sheetData>", ["x"] * count), size)


def xlsx_long_strings(size: int) -> bytes:
    """Shared strings of 30,000 characters each, filling the file."""
    count = max(1, min(size // 30_000, 600))
    return _padded(_workbook(b"<sheetData>" + _header_cell() + b"</sheetData>", ["k" * 30_000] * count), size)


# --------------------------------------------------------------------------- GIFT and Aiken


def gift_normal(size: int) -> str:
    """Questions as a trainer writes them."""
    return _fill("", lambda n: f"::s{n}:: Ibu kota Kalimantan Timur nomor {n}? {{=Samarinda ~Balikpapan ~Bontang}}\n\n",
                 size).decode()


def aiken_normal(size: int) -> str:
    """Aiken questions as a trainer writes them."""
    return _fill("", lambda n: f"Ibu kota Kalimantan Timur nomor {n}?\nA. Samarinda\nB. Balikpapan\nC. Bontang\n"
                               "ANSWER: A\n\n", size).decode()


def gift_long_answer_list(size: int) -> str:
    """One question with an answer list as long as the text."""
    return _fill("::q:: Pilih? {=benar ", lambda n: f"~salah{n} ", size - 1).decode() + "}"


def gift_same_title(size: int) -> str:
    """Thousands of questions under one title (each needs a fresh id)."""
    return _fill("", lambda n: "::judul:: T? {T}\n\n", size).decode()


def aiken_repeated_letter(size: int) -> str:
    """One question whose choice A repeats to the end."""
    return _fill("Soal?\n", lambda n: "A. x\n", size).decode()


# --------------------------------------------------------------------------- measuring


@dataclass(frozen=True)
class Reading:
    """What reading one upload cost."""

    seconds: float
    peak_bytes: int
    outcome: str


def measure(read: Callable[[], object], runs: int = 3, traced: bool = True) -> Reading:
    """The least CPU time of a few readings (tracemalloc off: it slows allocations sevenfold, and
    unevenly), then the peak Python memory of one more reading, traced; and its outcome in a few words."""
    seconds = min(_cpu_seconds(read) for _ in range(runs))
    if not traced:
        return Reading(seconds, 0, _outcome(read))
    tracemalloc.start()
    try:
        outcome = _outcome(read)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return Reading(seconds, peak, outcome)


def _cpu_seconds(read: Callable[[], object]) -> float:
    started = time.process_time()
    _outcome(read)
    return time.process_time() - started


def _outcome(read: Callable[[], object]) -> str:
    try:
        return _describe(read())
    except TableError as error:
        return "ditolak: " + str(error.message)[:60]


def _describe(result: object) -> str:
    if hasattr(result, "status_code"):  # a page
        return f"HTTP {result.status_code}"
    if hasattr(result, "rows"):
        return f"{len(result.rows)} baris"
    return f"{len(result.questions)} soal, {len(result.errors)} masalah"


CSV_SHAPES = {"lebar judul 60 KB": csv_wide_header, "baris 60 KB": csv_wide_rows, "satu baris panjang": csv_one_long_line,
              "jutaan baris pendek": csv_short_lines, "baris kosong saja": csv_blank_lines,
              "kutip tak ditutup": csv_unclosed_quote}
XLSX_SHAPES = {"sel di kolom XFD": xlsx_wide, "baris ke-1.048.576": xlsx_row_far_down, "XML bersarang": xlsx_deep,
               "elemen tak dikenal": xlsx_many_elements, "string bersama banyak": xlsx_many_strings,
               "string bersama panjang": xlsx_long_strings}
# (hostile text, its parser, the normal text of the same format)
TEXT_SHAPES = {"GIFT daftar jawaban panjang": (gift_long_answer_list, parse_gift, gift_normal),
               "GIFT judul sama": (gift_same_title, parse_gift, gift_normal),
               "Aiken huruf A berulang": (aiken_repeated_letter, parse_aiken, aiken_normal)}
TEXT_SIZE = 400_000  # the most an import of questions takes (app.authoring.services.MAX_IMPORT_TEXT_BYTES)


def table(size: int) -> list[tuple[str, int, Reading, Reading]]:
    """(shape, bytes, normal reading, hostile reading) for every shape at this size."""
    lines = []
    for kind, shapes, normal, name in (("csv", CSV_SHAPES, csv_normal, "x.csv"),
                                       ("xlsx", XLSX_SHAPES, xlsx_normal, "x.xlsx")):
        plain = normal(size)
        baseline = measure(lambda: read_table(plain, name))
        for label, build in shapes.items():
            data = build(size)
            lines.append((f"{kind}: {label}", len(data), baseline, measure(lambda: read_table(data, name))))
    text_size = min(size, TEXT_SIZE)
    for label, (build, parse, normal) in TEXT_SHAPES.items():
        plain, hostile = normal(text_size), build(text_size)
        baseline = measure(lambda: parse(plain))
        lines.append((label, len(hostile.encode()), baseline, measure(lambda: parse(hostile))))
    return lines


def page_figures(size: int) -> list[tuple[str, int, Reading]]:
    """(shape, bytes, reading) of the whole import page (/laporan/impor) for a coordinator, on a fresh SQLite database."""
    import tempfile

    from flask_migrate import upgrade

    from app import create_app
    from app.accounts.models import Regency, Role, User
    from app.extensions import db

    folder = tempfile.mkdtemp(prefix="kelaskim-shapes-")
    app = create_app({"TESTING": True, "SECRET_KEY": "ukur", "WTF_CSRF_ENABLED": False,
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/ukur.sqlite3", "MAX_CONTENT_LENGTH": 2 * size})
    app.instance_path = folder
    with app.app_context():
        upgrade()
        regency = db.session.scalar(db.select(Regency).where(Regency.code == "64"))
        coordinator = User(email="koordinator@ukur.example", full_name="Koordinator", role=Role.COORDINATOR,
                           regency_id=regency.id, password_hash="!")
        db.session.add(coordinator)
        db.session.commit()
        user_id = coordinator.id
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = str(user_id)

    def post(data: bytes, name: str) -> Reading:
        def request() -> object:
            with app.app_context():
                return client.post("/laporan/impor", data={"berkas": (io.BytesIO(data), name)},
                                   content_type="multipart/form-data")
        return measure(request, runs=1)

    shapes = [("csv", "normal", csv_normal)] + [("csv", label, build) for label, build in CSV_SHAPES.items()]
    shapes += [("xlsx", "normal", xlsx_normal)] + [("xlsx", label, build) for label, build in XLSX_SHAPES.items()]
    figures = []
    for kind, label, build in shapes:
        data = build(size)
        figures.append((f"{kind}: {label}", len(data), post(data, f"x.{kind}")))
    return figures


def main(size: int) -> None:
    """Print the tables of figures for docs/security.md."""
    print("Membaca berkas (app.reports.tables.read_table; soal: parse_gift/parse_aiken):\n")
    print("| bentuk | bita | normal (s) | ini (s) | rasio | puncak memori (MB) | hasil |")
    print("|---|---|---|---|---|---|---|")
    for label, n_bytes, baseline, hostile in table(size):
        ratio = hostile.seconds / max(baseline.seconds, 1e-3)
        print(f"| {label} | {n_bytes:,} | {baseline.seconds:.2f} | {hostile.seconds:.2f} | {ratio:.2f} "
              f"| {hostile.peak_bytes / 1e6:.1f} | {hostile.outcome} |")
    print("\nSeluruh halaman /laporan/impor (unggahan diterima, diperiksa, pratinjau dibuat):\n")
    print("| bentuk | bita | waktu (s) | puncak memori (MB) | hasil |")
    print("|---|---|---|---|---|")
    for label, n_bytes, reading in page_figures(size):
        print(f"| {label} | {n_bytes:,} | {reading.seconds:.2f} | {reading.peak_bytes / 1e6:.1f} | {reading.outcome} |")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else FULL_SIZE)
