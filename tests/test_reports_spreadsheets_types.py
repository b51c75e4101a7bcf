"""XLSX export cells keep their type whatever path the writer takes for them (common or rare types)."""

import enum
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from app.reports.spreadsheets import write_xlsx


class Level(enum.IntEnum):
    """An int subclass, as a model enum may hand over."""

    TWO = 2


CASES = [
    ("Kota Samarinda", "Kota Samarinda", "s"),
    ("", "", "s"),
    ("=SUM(A1:A9)", "=SUM(A1:A9)", "s"),
    ("-5", "-5", "s"),
    ("@cmd", "@cmd", "s"),
    ("\tx", "\tx", "s"),
    ("a=b", "a=b", "s"),
    (12, 12, "n"),
    (-3, -3, "n"),
    (75.5, 75.5, "n"),
    (Decimal("2.25"), 2.25, "n"),
    (Level.TWO, 2, "n"),
    (True, True, "b"),
    (198703152010011002, "198703152010011002", "s"),
    (-(10**16), "-10000000000000000", "s"),
    (datetime(2026, 12, 31, 16, 30, tzinfo=timezone.utc), datetime(2027, 1, 1, 0, 30), "d"),
    (datetime(2026, 5, 1, 8, 15), datetime(2026, 5, 1, 8, 15), "d"),
    (date(2026, 8, 17), datetime(2026, 8, 17), "d"),
]


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> openpyxl.Workbook:
    """One workbook holding every case in column A, one row each, in a sheet past a second group."""
    path: Path = tmp_path_factory.mktemp("xlsx") / "jenis.xlsx"
    rows = [[value, "penanda"] for value, _, _ in CASES]
    write_xlsx(str(path), ["a"], iter([]), iter([("Kosong", iter([])), ("Jenis", iter(rows))]), ["nilai", "tanda"])
    return openpyxl.load_workbook(path)


@pytest.mark.parametrize(("index", "case"), list(enumerate(CASES)), ids=[repr(c[0]) for c in CASES])
def test_each_type_is_written_as_itself(written: openpyxl.Workbook, index: int, case: tuple) -> None:
    _, expected, data_type = case
    cell = written["Jenis"].cell(row=index + 2, column=1)
    assert cell.value == expected
    if expected is not None:
        assert cell.data_type == data_type
    assert written["Jenis"].cell(row=index + 2, column=2).value == "penanda"


def test_none_leaves_the_cell_empty_and_keeps_later_columns_in_place(tmp_path: Path) -> None:
    path = tmp_path / "kosong.xlsx"
    write_xlsx(str(path), ["a"], iter([]), iter([("Data", iter([[None, None, "C"]]))]), ["x", "y", "z"])
    sheet = openpyxl.load_workbook(path)["Data"]
    assert [cell.value for cell in sheet[2]] == [None, None, "C"]
