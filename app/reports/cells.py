"""Roster rows as cells: headers and typed cells for the page, the CSV and the workbook; the summary sheet."""
from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from itertools import groupby
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, case, func, select

from app.accounts.forms import ACCOUNT_STATUS_LABELS
from app.accounts.models import User
from app.dates import to_wita
from app.extensions import db
from app.progress.status import STATUS_LABELS, STATUSES
from app.reports.dashboard import figures_from_row
from app.reports.roster import RosterFilter, iter_records, roster_select
from app.reports.spreadsheets import write_xlsx


# The export columns, in their documented order (docs/reports.md).
ROSTER_HEADERS = (
    _l("Kode wilayah"), _l("Kabupaten/kota"), _l("Nama lengkap"), _l("NIP"), _l("Email"), _l("Instansi"),
    _l("Slug kursus"), _l("Judul kursus"), _l("Pelajaran selesai"), _l("Jumlah pelajaran"),
    _l("Nilai kuis terbaik (%)"), _l("Status"), _l("Terdaftar (WITA)"), _l("Selesai (WITA)"), _l("Kode sertifikat"),
    _l("Akun"),
)
SUMMARY_HEADERS = (
    _l("Kode wilayah"), _l("Kabupaten/kota"), _l("Terdaftar"), _l("Belum mulai"), _l("Berjalan"), _l("Selesai"),
    _l("Tingkat penyelesaian (%)"), _l("Rata-rata nilai kuis terbaik (%)"),
)


def roster_table(records: Iterable[Any]) -> tuple[list[str], Iterator[list[Any]]]:
    """Headers and typed cells of roster records: the one builder behind the page, CSV and XLSX."""
    # Labels are translated once per table, not once per row (an export has one row per enrolment).
    labels = {key: str(label) for key, label in STATUS_LABELS.items()}
    account_labels = {key: str(label) for key, label in ACCOUNT_STATUS_LABELS.items()}
    return [str(h) for h in ROSTER_HEADERS], (_roster_cells(r, labels, account_labels) for r in records)


def _roster_cells(r: Any, labels: dict[str, str], account_labels: dict[str, str]) -> list[Any]:
    # Unpacked by position (the first sixteen columns of roster_select, in order): reading sixteen
    # attributes by name per row costs more than the rest of a CSV export's row building.
    (code, unit_name, name, nip, email, unit, slug, title, done, total, score, status, enrolled, completed,
     certificate, account) = r[:16]
    return [code, unit_name, name, nip or "", email, unit or "", slug, title, done, total,
            round(score, 1) if score is not None else None, labels[status], enrolled, completed, certificate or "",
            account_labels[account]]


def text_cells(cells: Sequence[Any], decimal: str = ".") -> list[str]:
    """Cells as text, as the page and the CSV show them: times in WITA, scores without '.0' and with this decimal mark."""
    return [_text(value, decimal) for value in cells]


def _text(value: Any, decimal: str) -> str:
    # Exact type checks, most common first: this runs for every cell of a province-wide export.
    kind = type(value)
    if kind is str:
        return value
    if value is None:
        return ""
    if kind is datetime:
        return _wita_minutes(value)
    if kind is float:
        return f"{value:g}".replace(".", decimal)
    return str(value)


def _wita_minutes(value: datetime) -> str:
    """A stored UTC time as 'YYYY-MM-DD HH:MM' in WITA (isoformat is much faster than strftime)."""
    return to_wita(value).isoformat(" ", "minutes")[:16]


def roster_summary(viewer: User, filters: RosterFilter) -> list[list[Any]]:
    """Per regency figures of the filtered roster, for the export's summary sheet."""
    return summary_rows(roster_select(viewer, filters))


def summary_rows(records: Select) -> list[list[Any]]:
    """Per regency figures of a report's rows (with regency_code, regency_name, status, best_score_percent)."""
    roster = records.order_by(None).subquery()
    rows = db.session.execute(
        select(roster.c.regency_code, roster.c.regency_name, func.count(),
               *[func.sum(case((roster.c.status == s, 1), else_=0)) for s in STATUSES],
               func.avg(roster.c.best_score_percent))
        .group_by(roster.c.regency_code, roster.c.regency_name).order_by(roster.c.regency_code)
    )
    summary = []
    for code, name, enrolled, *counts, average in rows:
        figures = figures_from_row((enrolled, *counts, average))
        rate = round(figures.completion_rate, 1) if figures.completion_rate is not None else None
        score = round(figures.average_score, 1) if figures.average_score is not None else None
        summary.append([code, name, figures.enrolled, figures.not_started, figures.in_progress, figures.completed,
                        rate, score])
    return summary


def write_roster_xlsx(target: Any, viewer: User, filters: RosterFilter) -> None:
    """Write the filtered roster as a workbook: a summary sheet, then one sheet per regency."""
    headers, rows = roster_table(iter_records(roster_select(viewer, filters)))
    write_by_regency_xlsx(target, roster_summary(viewer, filters), headers, rows)


def write_by_regency_xlsx(target: Any, summary: list[list[Any]], headers: list[str], rows: Iterable[list[Any]]) -> None:
    """A workbook of a summary sheet, then one sheet per regency; rows start with regency code and name, in code order."""
    # Rows come ordered by regency code, so each group is one regency's rows, consumed in turn.
    sheets = ((name, group) for (_code, name), group in groupby(rows, key=lambda cells: (cells[0], cells[1])))
    write_xlsx(target, [str(h) for h in SUMMARY_HEADERS], summary, sheets, headers)
