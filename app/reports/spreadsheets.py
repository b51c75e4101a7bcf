"""Streaming CSV/XLSX export writers and safe CSV/XLSX import readers."""

import csv
import io
import itertools
import os
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

import openpyxl
import xlsxwriter
from flask_babel import lazy_gettext as _l

from app.dates import to_wita

Row = Sequence[Any]
CellWriter = Callable[[int, int, Any], Any]

CHUNK_SIZE = 64 * 1024
UTF8_BOM = b"\xef\xbb\xbf"
# CSV injection (OWASP): a spreadsheet runs a cell that starts with = + - or @ as a formula. It may
# also split a cell where the file did not mean it to: at a semicolon (Indonesian Excel reads a comma
# CSV that way), a comma, a tab, or a line break when it ignores quotes. So a formula character at
# the start of the cell or after any of those gets an apostrophe in front, and so does a cell that
# starts with a tab or carriage return.
_LIVE_FORMULA = re.compile(r"(?:^|(?<=[,;\t\r\n]))(?=[=+\-@])|^(?=[\t\r])")
# Quick tests that leave most cells alone without running the substitution (an export has millions).
_RISKY_FIRST = frozenset("=+-@\t\r")
_FORMULA_AFTER_BREAK = re.compile(r"[,;\t\r\n][=+\-@]")

SUMMARY_SHEET = "Ringkasan"
SHEET_NAME_MAX = 31
EXCEL_MAX_ROWS = 1_048_576
EXCEL_EXACT_INT = 10**15  # Excel keeps only 15 significant digits
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\\x00-\x1f]")
WORKBOOK_OPTIONS = {
    "constant_memory": True,  # rows are flushed to disk as written: flat memory
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
    "nan_inf_to_errors": True,
}

MAX_XLSX_UNCOMPRESSED = 50 * 1024 * 1024
MAX_XLSX_RATIO = 100
MAX_XLSX_MEMBERS = 1000
CSV_DELIMITERS = ";,\t"
SNIFF_LINES = 20
# More control characters than this share of the text means it is not a real CSV.
MAX_CONTROL_SHARE = 0.01

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
MSG_XLSX_TOO_BIG = _l("Berkas Excel terlalu besar atau tidak wajar setelah diekstrak. Pecah datanya atau gunakan CSV.")
MSG_NO_SHEET = _l("Berkas Excel tidak memiliki lembar kerja.")
MSG_NO_HEADER = _l("Baris judul kolom tidak ditemukan. Baris pertama harus berisi nama kolom.")
MSG_DUPLICATE = _l("Kolom '%(name)s' muncul lebih dari sekali pada baris judul.")


class TableError(ValueError):
    """An uploaded table cannot be read; the message is safe to show to the user."""

    def __init__(self, message: Any) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Table:
    """Imported rows keyed by lowercased header, numbered as Excel shows them."""

    headers: list[str] = field(default_factory=list)
    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)


# --------------------------------------------------------------------------- export


def neutralize_cell(value: Any) -> Any:
    """Put an apostrophe before every place a spreadsheet could start a formula; other values pass through."""
    if isinstance(value, str) and ((value and value[0] in _RISKY_FIRST) or _FORMULA_AFTER_BREAK.search(value)):
        return _LIVE_FORMULA.sub("'", value)
    return value


def iter_csv(headers: Row, rows: Iterable[Row], chunk_size: int = CHUNK_SIZE, delimiter: str = ",") -> Iterator[bytes]:
    """Yield a UTF-8 (BOM) CSV in ~chunk_size pieces, consuming rows lazily; every cell neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")  # RFC 4180 line endings
    writer.writerow([neutralize_cell(v) for v in headers])
    # BOM + header go out at once so the download starts before a slow query.
    yield UTF8_BOM + _drain(buffer)
    for row in rows:
        writer.writerow([neutralize_cell(v) for v in row])
        if buffer.tell() >= chunk_size:
            yield _drain(buffer)
    if buffer.tell():
        yield _drain(buffer)


def _drain(buffer: io.StringIO) -> bytes:
    """Return the buffer's text as UTF-8 and empty it."""
    data = buffer.getvalue().encode("utf-8")
    buffer.seek(0)
    buffer.truncate(0)
    return data


def write_xlsx(
    target: str | os.PathLike[str] | IO[bytes],
    summary_headers: Row,
    summary_rows: Iterable[Row],
    sheets: Iterable[tuple[str, Iterable[Row]]],
    headers: Row,
) -> None:
    """Write a workbook: a 'Ringkasan' sheet, then one sheet per (name, rows) group."""
    with xlsxwriter.Workbook(target, WORKBOOK_OPTIONS) as workbook:
        styles = _styles(workbook)
        used: set[str] = set()
        _write_group(workbook, SUMMARY_SHEET, summary_headers, summary_rows, styles, used)
        for name, rows in sheets:
            _write_group(workbook, name, headers, rows, styles, used)


def _styles(workbook: xlsxwriter.Workbook) -> dict[str, Any]:
    """Create the shared cell formats."""
    return {
        "header": workbook.add_format({"bold": True}),
        "date": workbook.add_format({"num_format": "dd/mm/yyyy"}),
        "datetime": workbook.add_format({"num_format": "dd/mm/yyyy hh:mm"}),
    }


def _write_group(
    workbook: xlsxwriter.Workbook, name: str, headers: Row,
    rows: Iterable[Row], styles: dict[str, Any], used: set[str],
) -> None:
    """Write one group's rows, continuing on extra sheets past Excel's row limit."""
    sheet = _start_sheet(workbook, unique_sheet_name(name, used), headers, styles)
    writers, other = _cell_writers(sheet, styles)
    row_index = 1
    for row in rows:
        if row_index >= EXCEL_MAX_ROWS:
            # Excel refuses rows past its limit; continue rather than drop data.
            sheet = _start_sheet(workbook, unique_sheet_name(name, used), headers, styles)
            writers, other = _cell_writers(sheet, styles)
            row_index = 1
        col = 0
        for value in row:
            if value is not None:
                writers.get(type(value), other)(row_index, col, value)
            col += 1
        row_index += 1


def _cell_writers(sheet: Any, styles: dict[str, Any]) -> tuple[dict[type, CellWriter], CellWriter]:
    """Writers by exact value type, and one for any other type: each cell gets an explicit type."""
    # Bound once per sheet and dispatched on the exact type: an export writes millions of cells.
    # XlsxWriter's undecorated methods skip its A1-notation check per cell (our indexes are ints);
    # the public ones are the fallback should a release rename them.
    write_string = getattr(sheet, "_write_string", sheet.write_string)
    write_number = getattr(sheet, "_write_number", sheet.write_number)
    write_datetime = getattr(sheet, "_write_datetime", sheet.write_datetime)
    datetime_format = styles["datetime"]

    def integer(row: int, col: int, value: int) -> Any:
        if -EXCEL_EXACT_INT < value < EXCEL_EXACT_INT:
            return write_number(row, col, value)
        return write_string(row, col, str(value))  # e.g. an 18-digit NIP would be rounded

    def moment(row: int, col: int, value: datetime) -> Any:
        local = to_wita(value).replace(tzinfo=None) if value.tzinfo else value
        return write_datetime(row, col, local, datetime_format)

    def other(row: int, col: int, value: Any) -> None:
        _write_other(sheet, row, col, value, styles)

    # Types not listed here (bool, Decimal, date, subclasses) take the slower checks in _write_other.
    # Strings go in as they are stored: written as strings (strings_to_formulas is off), never run.
    return {str: write_string, int: integer, float: write_number, datetime: moment}, other


def _write_other(sheet: Any, row: int, col: int, value: Any, styles: dict[str, Any]) -> None:
    """Write a value of a less common type (bool, Decimal, date, subclasses, anything else as text)."""
    if isinstance(value, bool):
        sheet.write_boolean(row, col, value)
    elif isinstance(value, int) and abs(value) >= EXCEL_EXACT_INT:
        sheet.write_string(row, col, str(value))
    elif isinstance(value, int | float | Decimal):
        sheet.write_number(row, col, float(value))
    elif isinstance(value, datetime):
        local = to_wita(value).replace(tzinfo=None) if value.tzinfo else value
        sheet.write_datetime(row, col, local, styles["datetime"])
    elif isinstance(value, date):
        sheet.write_datetime(row, col, value, styles["date"])
    else:
        sheet.write_string(row, col, str(value))


def _start_sheet(workbook: xlsxwriter.Workbook, name: str, headers: Row, styles: dict[str, Any]) -> Any:
    """Add a sheet with a bold, frozen header row."""
    sheet = workbook.add_worksheet(name)
    for col, header in enumerate(headers):
        text = str(header)
        sheet.set_column(col, col, min(max(len(text) + 4, 12), 50))
        sheet.write_string(0, col, text, styles["header"])
    sheet.freeze_panes(1, 0)
    return sheet


def sanitize_sheet_name(name: str) -> str:
    """Make name a legal Excel sheet name (<= 31 chars, no []:*?/\\, no edge apostrophes)."""
    cleaned = _SHEET_FORBIDDEN.sub("_", name or "")
    cleaned = cleaned.strip().strip("'").strip()[:SHEET_NAME_MAX].rstrip().rstrip("'")
    if not cleaned:
        return "Lembar"
    # 'History' is reserved by Excel for change tracking.
    return cleaned + "_" if cleaned.lower() == "history" else cleaned


def unique_sheet_name(name: str, used: set[str]) -> str:
    """Return a sanitized name not in used (compared case-insensitively, as Excel does)."""
    base = sanitize_sheet_name(name)
    candidate, number = base, 2
    while candidate.lower() in used:
        suffix = f" ({number})"
        candidate = base[: SHEET_NAME_MAX - len(suffix)].rstrip() + suffix
        number += 1
    used.add(candidate.lower())
    return candidate


def iter_file_chunks(path: str | os.PathLike[str], chunk: int = CHUNK_SIZE) -> Iterator[bytes]:
    """Stream a finished temp file in chunks and delete it, even if never fully read."""
    handle = open(path, "rb")  # noqa: SIM115 - closed by the generator
    # On POSIX the open handle keeps the data readable after unlinking, so the
    # file is gone even when the client disconnects before iteration starts.
    removed = _remove(path)
    return _read_chunks(handle, path, chunk, removed)


def _read_chunks(handle: IO[bytes], path: str | os.PathLike[str], chunk: int, removed: bool) -> Iterator[bytes]:
    """Yield chunks from handle, then close it and delete path if still present."""
    try:
        with handle:
            while block := handle.read(chunk):
                yield block
    finally:
        if not removed:
            _remove(path)


def _remove(path: str | os.PathLike[str]) -> bool:
    """Delete path; return False when that is not possible yet (e.g. open on Windows)."""
    try:
        os.unlink(path)
    except FileNotFoundError:
        return True
    except OSError:
        return False
    return True


# --------------------------------------------------------------------------- import


def read_table(data: bytes, filename: str) -> Table:
    """Read an uploaded .csv or .xlsx into a Table; raise TableError when unreadable."""
    if not data or not data.strip():
        raise TableError(MSG_EMPTY)
    extension = Path(filename or "").suffix.lower()
    if extension == ".csv":
        return _read_csv(data)
    if extension == ".xlsx":
        return _read_xlsx(data)
    raise TableError(MSG_EXTENSION)


def _read_csv(data: bytes) -> Table:
    """Parse CSV bytes in any common Excel encoding and delimiter."""
    text = _decode_csv(data)
    head = itertools.islice(io.StringIO(text), SNIFF_LINES * 2)  # avoids splitting the whole file
    lines = [line.rstrip("\r\n") for line in head if line.strip()]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_detect_delimiter(lines[:SNIFF_LINES]))
    try:
        return _build_table(enumerate(reader, start=1))
    except csv.Error as exc:
        raise TableError(MSG_CSV_SYNTAX) from exc


def _decode_csv(data: bytes) -> str:
    """Decode CSV bytes: UTF-8 (BOM or not), UTF-16 with BOM, else cp1252/Latin-1."""
    if data.startswith(b"PK\x03\x04"):
        raise TableError(MSG_XLSX_AS_CSV)
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        # Excel's "Unicode Text" export is UTF-16; users sometimes rename it .csv.
        text = _try_decode(data, "utf-16")
    elif b"\x00" in data:
        raise TableError(MSG_BINARY)
    else:
        text = _try_decode(data, "utf-8-sig")
        if text is None:
            # cp1252 is what Excel on Indonesian Windows writes for "CSV (Comma delimited)".
            text = _try_decode(data, "cp1252")
        if text is None:
            text = data.decode("latin-1")  # never fails; _looks_binary judges the result
    if text is None or _looks_binary(text):
        raise TableError(MSG_BINARY)
    if not text.strip():
        raise TableError(MSG_EMPTY)  # e.g. a file holding only a BOM
    return text


def _try_decode(data: bytes, encoding: str) -> str | None:
    """Decode strictly, returning None instead of raising."""
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        return None


def _looks_binary(text: str) -> bool:
    """Tell whether text has too many control characters to be a real CSV."""
    controls = sum(1 for ch in text if ch not in "\t\r\n" and unicodedata.category(ch) == "Cc")
    return "\x00" in text or controls > len(text) * MAX_CONTROL_SHARE


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


def _read_xlsx(data: bytes) -> Table:
    """Parse the first sheet of an .xlsx, values only, after zip-bomb checks."""
    _check_zip(data)
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True, keep_links=False)
    except Exception as exc:  # openpyxl raises many unrelated types for corrupt files
        raise TableError(MSG_XLSX_CORRUPT) from exc
    try:
        return _read_first_sheet(workbook)
    finally:
        workbook.close()


def _read_first_sheet(workbook: Any) -> Table:
    """Build a Table from the workbook's first sheet."""
    if not workbook.worksheets:
        raise TableError(MSG_NO_SHEET)
    sheet = workbook.worksheets[0]
    try:
        # Stored dimensions are sometimes wrong (e.g. "A1"); read every row instead.
        sheet.reset_dimensions()
        return _build_table(enumerate(sheet.iter_rows(values_only=True), start=1))
    except TableError:
        raise
    except Exception as exc:  # read-only mode parses lazily, so corruption surfaces here
        raise TableError(MSG_XLSX_CORRUPT) from exc


def _check_zip(data: bytes) -> None:
    """Reject corrupt archives and zip bombs before openpyxl inflates anything."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError) as exc:
        raise TableError(MSG_XLSX_CORRUPT) from exc
    # zipfile never inflates a member past its declared file_size, so these
    # declared totals bound what openpyxl can unpack.
    uncompressed = sum(m.file_size for m in members)
    compressed = sum(m.compress_size for m in members)
    if (
        len(members) > MAX_XLSX_MEMBERS
        or uncompressed > MAX_XLSX_UNCOMPRESSED
        or uncompressed > max(compressed, 1) * MAX_XLSX_RATIO
    ):
        raise TableError(MSG_XLSX_TOO_BIG)


def _build_table(records: Iterable[tuple[int, Sequence[Any]]]) -> Table:
    """Turn numbered raw rows into a Table: first non-blank row is the header."""
    headers: list[str] | None = None
    rows: list[tuple[int, dict[str, str]]] = []
    for number, raw in records:
        cells = [_cell_text(value) for value in raw]
        if not any(cells):
            continue
        if headers is None:
            headers = _parse_headers(cells)
            continue
        rows.append((number, _row_dict(headers, cells)))
    if headers is None:
        raise TableError(MSG_NO_HEADER)
    return Table(headers=[h for h in headers if h], rows=rows)


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
    """Map header -> cell, padding short rows and ignoring unnamed columns."""
    padded = cells + [""] * (len(headers) - len(cells))
    return {header: padded[i] for i, header in enumerate(headers) if header}


def _cell_text(value: Any) -> str:
    """Render a CSV/XLSX cell value as stripped text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # Excel stores 12 as 12.0
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value).strip()
