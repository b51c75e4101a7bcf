"""Reading an uploaded table (a CSV, or the first sheet of an .xlsx) with its limits checked while it is read.

Nothing is built before it is checked: a CSV is decoded and split one record at a time, an .xlsx is
checked as a zip archive and as XML before openpyxl reads it, and reading stops at the first limit
passed. Time and memory grow with the size of the file, never with its shape (docs/security.md).
"""
from __future__ import annotations

import codecs
import csv
import io
import itertools
import re
import zipfile
import zlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import IO, Any
from xml.parsers import expat

import openpyxl
from flask_babel import lazy_gettext as _l


@dataclass(frozen=True)
class Limits:
    """How much of a table is read; past any of these the file is refused with a message."""

    rows: int = 5000  # data rows under the header
    columns: int = 30  # columns read; later columns are not read at all
    cell_chars: int = 1000
    record_chars: int = 64 * 1024  # one CSV record, line breaks inside quotes included
    scanned_rows: int = 50_000  # rows looked at, blank ones included


LIMITS = Limits()

# An .xlsx is a zip of XML parts. openpyxl holds some of that XML in memory while it reads and
# spends tens of microseconds per element, so the parts are measured first, with expat and no tree.
MAX_XLSX_UNCOMPRESSED = 20 * 1024 * 1024
MAX_XLSX_RATIO = 100
MAX_XLSX_MEMBERS = 1000
MAX_XML_ELEMENTS = 500_000  # all parts together: 5,000 rows of about 15 filled columns
MAX_XML_DEPTH = 32  # a worksheet nests about 7 deep
MAX_XML_TEXT = 32 * 1024  # characters of one text run or of one element's attributes
XML_PARTS = (".xml", ".rels", ".vml")

CSV_DELIMITERS = ";,\t"
SNIFF_LINES = 20
DECODE_CHUNK = 64 * 1024
# More control characters than this share of the text means it is not a real CSV.
MAX_CONTROL_SHARE = 0.01
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")  # category Cc except tab and line breaks

# Shown to the user in their language: translated when displayed, not when raised.
MSG_EMPTY = _l("Berkas kosong. Pilih berkas yang berisi data.")
MSG_EXTENSION = _l("Format berkas tidak didukung. Unggah berkas .csv atau .xlsx.")
MSG_BINARY = _l("Berkas CSV tidak valid: isinya bukan teks (mungkin berkas biner atau rusak).")
MSG_XLSX_AS_CSV = _l("Berkas ini berformat Excel, bukan CSV. Ubah ekstensinya menjadi .xlsx atau simpan ulang sebagai CSV.")
MSG_CSV_SYNTAX = _l("Berkas CSV tidak dapat dibaca: susunan baris atau tanda kutip tidak valid.")
MSG_XLSX_CORRUPT = _l(
    "Berkas Excel rusak, terpotong, atau dilindungi kata sandi. "
    "Buka dan simpan ulang sebagai .xlsx, lalu unggah kembali."
)
MSG_XLSX_TOO_BIG = _l("Berkas Excel terlalu besar atau tidak wajar setelah diekstrak. Hapus kolom dan lembar yang "
                      "tidak dipakai, pecah datanya, atau gunakan CSV.")
MSG_NO_SHEET = _l("Berkas Excel tidak memiliki lembar kerja.")
MSG_NO_HEADER = _l("Baris judul kolom tidak ditemukan. Baris pertama harus berisi nama kolom.")
MSG_DUPLICATE = _l("Kolom '%(name)s' muncul lebih dari sekali pada baris judul.")
MSG_TOO_MANY_ROWS = _l("Berkas berisi lebih dari %(n)d baris data; pecah menjadi beberapa berkas.")
MSG_TOO_MANY_LINES = _l("Berkas berisi lebih dari %(n)d baris (baris kosong ikut dihitung). Hapus baris kosong "
                        "di bawah data, atau pecah menjadi beberapa berkas.")
MSG_CELL_TOO_LONG = _l("Baris %(row)d, kolom ke-%(column)d: isi sel lebih dari %(n)d karakter.")
MSG_RECORD_TOO_LONG = _l("Baris %(line)d berkas lebih dari %(n)d karakter (mungkin tanda kutip yang tidak ditutup). "
                         "Periksa baris itu lalu unggah lagi.")


class TableError(ValueError):
    """An uploaded table cannot be read; the message is safe to show to the user."""

    def __init__(self, message: Any) -> None:
        super().__init__(message)
        self.message = message


class NotText(str):
    """The text of an .xlsx cell that Excel stored as a number, date or truth value, not as text.

    An identifier (NIP, phone number) stored so may already have been rounded or lost its leading
    zero; the importer refuses it instead of reading it as text.
    """

    value: Any

    def __new__(cls, text: str, value: Any) -> NotText:
        made = super().__new__(cls, text)
        made.value = value
        return made


@dataclass(frozen=True)
class Table:
    """Imported rows keyed by lowercased header, numbered as Excel shows them; a cell a row lacks has no key."""

    headers: list[str] = field(default_factory=list)
    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)


def read_table(data: bytes, filename: str, limits: Limits = LIMITS) -> Table:
    """Read an uploaded .csv or .xlsx into a Table; raise TableError when unreadable or past a limit."""
    if not data or not data.strip():
        raise TableError(MSG_EMPTY)
    extension = Path(filename or "").suffix.lower()
    if extension == ".csv":
        return _read_csv(data, limits)
    if extension == ".xlsx":
        return _read_xlsx(data, limits)
    raise TableError(MSG_EXTENSION)


# --------------------------------------------------------------------------- CSV


def _read_csv(data: bytes, limits: Limits) -> Table:
    """Parse CSV bytes in any common Excel encoding and delimiter, one record at a time."""
    encoding = _csv_encoding(data)
    delimiter = _detect_delimiter(_first_lines(_text_stream(data, encoding), limits.record_chars))
    try:
        return _build_table(_csv_records(_text_stream(data, encoding), delimiter, limits.record_chars), limits)
    except csv.Error as exc:
        raise TableError(MSG_CSV_SYNTAX) from exc


def _text_stream(data: bytes, encoding: str) -> IO[str]:
    """The bytes decoded a chunk at a time (a BytesIO shares the bytes instead of copying them)."""
    return io.TextIOWrapper(io.BytesIO(data), encoding=encoding, newline="")


def _csv_encoding(data: bytes) -> str:
    """The encoding of CSV bytes: UTF-8 (BOM or not), UTF-16 with BOM, else cp1252/Latin-1; TableError if not text."""
    if data.startswith(b"PK\x03\x04"):
        raise TableError(MSG_XLSX_AS_CSV)
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        # Excel's "Unicode Text" export is UTF-16; users sometimes rename it .csv.
        candidates: tuple[str, ...] = ("utf-16",)
    elif b"\x00" in data:
        raise TableError(MSG_BINARY)
    else:
        # cp1252 is what Excel on Indonesian Windows writes for "CSV (Comma delimited)"; Latin-1 never fails.
        candidates = ("utf-8-sig", "cp1252", "latin-1")
    for encoding in candidates:
        try:
            chars, controls, printable = _scan_text(data, encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise TableError(MSG_BINARY)
    if controls > chars * MAX_CONTROL_SHARE:
        raise TableError(MSG_BINARY)
    if not printable:
        raise TableError(MSG_EMPTY)  # e.g. a file holding only a BOM
    return encoding


def _scan_text(data: bytes, encoding: str) -> tuple[int, int, bool]:
    """Decode strictly, a chunk at a time, keeping nothing: (characters, control characters, any non-space).

    UnicodeDecodeError when the bytes are not in this encoding; TableError for a NUL character.
    """
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    chars = controls = 0
    printable = False
    for start in range(0, len(data) + 1, DECODE_CHUNK):
        text = decoder.decode(data[start:start + DECODE_CHUNK], start + DECODE_CHUNK > len(data))
        if "\x00" in text:
            raise TableError(MSG_BINARY)
        chars += len(text)
        controls += len(_CONTROL.findall(text))
        printable = printable or bool(text.strip())
    return chars, controls, printable


def _first_lines(stream: IO[str], limit: int) -> list[str]:
    """Up to SNIFF_LINES non-blank lines from the start, each cut at limit characters."""
    lines: list[str] = []
    for _ in range(SNIFF_LINES * 2):
        line = stream.readline(limit)
        if not line:
            break
        if line.strip():
            lines.append(line.rstrip("\r\n"))
    return lines[:SNIFF_LINES]


def _detect_delimiter(lines: list[str]) -> str:
    """Pick ';', ',' or tab from the header line and the first data lines."""
    header = lines[0] if lines else ""
    counts = {d: header.count(d) for d in CSV_DELIMITERS}
    try:
        # A header-only sample is ambiguous ("nama, lengkap;email"): Sniffer then
        # breaks ties by preferring ','; data lines let it check consistency.
        sniffed = csv.Sniffer().sniff("\n".join(lines), delimiters=CSV_DELIMITERS).delimiter
    except csv.Error:
        sniffed = ""
    if counts.get(sniffed):
        return sniffed
    # Fallback: the most frequent candidate in the header; ties go to ';', the
    # separator Excel uses under Indonesian regional settings.
    best = max(CSV_DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def _csv_records(stream: IO[str], delimiter: str, limit: int) -> Iterator[tuple[int, list[str]]]:
    """The CSV's records numbered from 1; a record (line breaks inside quotes included) past limit characters
    is refused before csv splits it."""
    used = lines = 0  # characters of the record being read; lines read so far

    def feed() -> Iterator[str]:
        nonlocal used, lines
        readline = stream.readline
        while line := readline(limit + 1 - used):
            used += len(line)
            lines += 1
            if used > limit:
                raise TableError(MSG_RECORD_TOO_LONG % {"line": lines, "n": limit})
            yield line

    for number, cells in enumerate(csv.reader(feed(), delimiter=delimiter), start=1):
        used = 0
        yield number, cells


# --------------------------------------------------------------------------- XLSX


def _read_xlsx(data: bytes, limits: Limits) -> Table:
    """Parse the first sheet of an .xlsx, values only, after the archive and its XML have been measured."""
    _check_archive(data)
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True, keep_links=False)
    except Exception as exc:  # openpyxl raises many unrelated types for corrupt files
        raise TableError(MSG_XLSX_CORRUPT) from exc
    try:
        if not workbook.worksheets:
            raise TableError(MSG_NO_SHEET)
        sheet = workbook.worksheets[0]
        # Stored dimensions are sometimes wrong (e.g. "A1"); read every row instead.
        sheet.reset_dimensions()
        rows = sheet.iter_rows(values_only=True, max_col=limits.columns)
        return _build_table(enumerate(rows, start=1), limits)
    except TableError:
        raise
    except Exception as exc:  # read-only mode parses lazily, so corruption surfaces here
        raise TableError(MSG_XLSX_CORRUPT) from exc
    finally:
        workbook.close()


def _check_archive(data: bytes) -> None:
    """Refuse corrupt archives, zip bombs and XML too large, too deep or too busy, before openpyxl reads any of it."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
            _check_sizes(members)
            budget = _XmlBudget()
            for member in members:
                if member.filename.lower().endswith(XML_PARTS):
                    budget.check(archive, member)
    except TableError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError, RuntimeError,
            NotImplementedError, zlib.error, expat.ExpatError) as exc:  # damaged, truncated or encrypted
        raise TableError(MSG_XLSX_CORRUPT) from exc


def _check_sizes(members: list[zipfile.ZipInfo]) -> None:
    # zipfile never inflates a member past its declared file_size, so these
    # declared totals bound what is unpacked.
    uncompressed = sum(m.file_size for m in members)
    compressed = sum(m.compress_size for m in members)
    if (
        len(members) > MAX_XLSX_MEMBERS
        or uncompressed > MAX_XLSX_UNCOMPRESSED
        or uncompressed > max(compressed, 1) * MAX_XLSX_RATIO
    ):
        raise TableError(MSG_XLSX_TOO_BIG)


class _XmlBudget:
    """Counts elements over every XML part of a workbook, and checks each part's depth and run lengths."""

    def __init__(self) -> None:
        self.elements = 0
        self.depth = 0
        self.run = 0  # characters of text since the last tag

    def check(self, archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> None:
        """Stream one part through expat (no tree is built); TableError when it passes a limit."""
        parser = expat.ParserCreate()
        parser.StartElementHandler = self._start
        parser.EndElementHandler = self._end
        parser.CharacterDataHandler = self._text
        parser.StartDoctypeDeclHandler = self._refuse  # no DTD, hence no entity expansion
        parser.EntityDeclHandler = self._refuse
        self.depth = self.run = 0
        with archive.open(member) as part:
            while chunk := part.read(DECODE_CHUNK):
                parser.Parse(chunk, False)
        parser.Parse(b"", True)

    def _start(self, name: str, attributes: dict[str, str]) -> None:
        self.elements += 1
        self.depth += 1
        self.run = 0
        if (self.elements > MAX_XML_ELEMENTS or self.depth > MAX_XML_DEPTH
                or sum(map(len, attributes.values())) > MAX_XML_TEXT):
            raise TableError(MSG_XLSX_TOO_BIG)

    def _end(self, name: str) -> None:
        self.depth -= 1
        self.run = 0

    def _text(self, text: str) -> None:
        self.run += len(text)
        if self.run > MAX_XML_TEXT:
            raise TableError(MSG_XLSX_TOO_BIG)

    def _refuse(self, *args: Any) -> None:
        raise TableError(MSG_XLSX_CORRUPT)


# --------------------------------------------------------------------------- rows to a table


def _build_table(records: Iterable[tuple[int, Sequence[Any]]], limits: Limits) -> Table:
    """Turn numbered raw rows into a Table: first non-blank row is the header; limits checked row by row."""
    headers: list[str] | None = None
    rows: list[tuple[int, dict[str, str]]] = []
    for number, raw in records:
        if number > limits.scanned_rows:
            raise TableError(MSG_TOO_MANY_LINES % {"n": limits.scanned_rows})
        if not any(raw):  # a blank line or an empty row, the commonest kind of row in a bloated file
            continue
        cells = [_cell_text(value) for value in itertools.islice(raw, limits.columns)]
        if not any(cells):
            continue
        _check_lengths(number, cells, limits.cell_chars)
        if headers is None:
            headers = _parse_headers(cells)
            continue
        if len(rows) == limits.rows:
            raise TableError(MSG_TOO_MANY_ROWS % {"n": limits.rows})
        rows.append((number, _row_dict(headers, cells)))
    if headers is None:
        raise TableError(MSG_NO_HEADER)
    return Table(headers=[h for h in headers if h], rows=rows)


def _check_lengths(number: int, cells: list[str], limit: int) -> None:
    for column, cell in enumerate(cells, start=1):
        if len(cell) > limit:
            raise TableError(MSG_CELL_TOO_LONG % {"row": number, "column": column, "n": limit})


def _parse_headers(cells: list[str]) -> list[str]:
    """Normalise header cells (lowercase, single spaces) and reject duplicates."""
    headers = [" ".join(cell.split()).lower() for cell in cells]
    seen: set[str] = set()
    for header in filter(None, headers):
        if header in seen:
            raise TableError(MSG_DUPLICATE % {"name": header})
        seen.add(header)
    return headers


def _row_dict(headers: list[str], cells: list[str]) -> dict[str, str]:
    """Map header -> cell for the cells the row has: a short row is not padded to the header's width."""
    return {header: cell for header, cell in zip(headers, cells) if header}


def _cell_text(value: Any) -> str:
    """A CSV/XLSX cell value as stripped text; a value Excel did not store as text becomes NotText."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return NotText("TRUE" if value else "FALSE", value)
    if isinstance(value, float) and value.is_integer():
        return NotText(str(int(value)), value)  # Excel stores 12 as 12.0
    if isinstance(value, datetime):
        return NotText(value.date().isoformat() if value.time() == time() else value.isoformat(sep=" "), value)
    if isinstance(value, date | time):
        return NotText(value.isoformat(), value)
    return NotText(str(value).strip(), value)
