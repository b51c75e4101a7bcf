"""Streaming CSV/XLSX export writers; uploads are read by app.reports.tables."""

import csv
import io
import os
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import IO, Any

import xlsxwriter

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
    # Bound once per sheet and dispatched on the exact type: an export writes millions of cells,
    # and the typed methods skip XlsxWriter's guessing of each value's type in write().
    write_string, write_number, write_datetime = sheet.write_string, sheet.write_number, sheet.write_datetime
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
