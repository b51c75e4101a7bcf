"""Bulk account import and enrolment from CSV or Excel: check every row, then write all or nothing."""
from __future__ import annotations

import io
import re
import secrets
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import xlsxwriter
from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _, lazy_gettext as _l
from sqlalchemy import select

from app.accounts.models import Regency, Role, User, unusable_password_hash
from app.accounts.validators import nip_problem, normalise_nip, normalise_phone, phone_problem
from app.catalog.models import Course
from app.extensions import db
from app.progress.models import Enrollment
from app.progress.services import enroll
from app.reports.spreadsheets import iter_csv
from app.reports.tables import NotText, Table

# The template's columns, in order (docs/reports.md explains each).
COLUMNS = ("email", "nama_lengkap", "nip", "instansi", "no_hp", "kode_wilayah", "kursus")
REQUIRED = ("email", "nama_lengkap", "kode_wilayah")
COLUMN_HINTS = {
    "email": _l("Wajib. Alamat email peserta; akun yang sudah ada dikenali dari email ini."),
    "nama_lengkap": _l("Wajib. Nama lengkap seperti pada sertifikat."),
    "nip": _l("Opsional. NIP 18 angka (boleh dengan spasi atau titik)."),
    "instansi": _l("Opsional. Instansi atau nama KIM."),
    "no_hp": _l("Opsional. Nomor HP/WhatsApp, mis. 081234567890."),
    "kode_wilayah": _l("Wajib. Kode Kemendagri: 64 provinsi, 64.01 Paser, 64.72 Samarinda, dan seterusnya."),
    "kursus": _l("Opsional. Slug kursus yang terbit, dipisah ; atau , (mis. pemberdayaan-kim;konten-media-pemda)."),
}
# Identifiers are refused when Excel stored them as numbers: it keeps 15 significant digits, so an
# 18-digit NIP comes back as a different NIP, and a phone number or a code like 64.10 loses digits.
IDENTIFIER_COLUMNS = ("nip", "no_hp", "kode_wilayah")
UPLOAD_MAX_AGE_SECONDS = 24 * 3600
# Checked files kept per person until confirmed: a new preview removes that person's oldest beyond this.
UPLOADS_KEPT_PER_USER = 3
TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
EXTENSIONS = (".csv", ".xlsx")


@dataclass(frozen=True)
class RowError:
    """A problem with one cell (or the whole file when row is 1 and column is empty)."""

    row: int
    column: str
    message: str


@dataclass
class PlannedRow:
    """What one valid row would do: create or update an account, and enrol it."""

    row: int
    email: str
    full_name: str
    nip: Optional[str]
    unit: str
    phone: Optional[str]
    regency: Regency
    courses: list[Course]
    user: Optional[User] = None
    changes: list[str] = field(default_factory=list)
    new_courses: list[Course] = field(default_factory=list)

    def fields(self) -> dict[str, Optional[str]]:
        """The account fields this row sets."""
        return {"full_name": self.full_name, "nip": self.nip, "unit": self.unit, "phone": self.phone}

    @property
    def action(self) -> str:
        """'baru', 'diperbarui' or 'tetap': what happens to the account."""
        if self.user is None:
            return "baru"
        return "diperbarui" if self.changes else "tetap"


@dataclass
class ImportPlan:
    """Every row's plan and every error; nothing is written while there are errors."""

    rows: list[PlannedRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.rows)

    @property
    def created(self) -> int:
        return sum(1 for r in self.rows if r.action == "baru")

    @property
    def updated(self) -> int:
        return sum(1 for r in self.rows if r.action == "diperbarui")

    @property
    def enrolments(self) -> int:
        return sum(len(r.new_courses) for r in self.rows)


@dataclass
class _Context:
    """Everything the row checks look up, loaded with a handful of queries."""

    actor: User
    regencies: dict[str, Regency]
    courses: dict[str, Course]
    users_by_email: dict[str, User]
    users_by_nip: dict[str, User]
    enrolled: set[tuple[int, int]]
    seen_emails: dict[str, int] = field(default_factory=dict)
    seen_nips: dict[str, int] = field(default_factory=dict)


# --------------------------------------------------------------------------- checking


def check_table(table: Table, actor: User) -> ImportPlan:
    """Check every row of an uploaded table and plan what importing it would write."""
    plan = ImportPlan(errors=_header_errors(table))
    if plan.errors:
        return plan
    context = _load_context(table, actor)
    for number, cells in table.rows:
        errors, planned = _check_row(number, cells, context)
        plan.errors.extend(errors)
        if planned is not None:
            plan.rows.append(planned)
    return plan


def _header_errors(table: Table) -> list[RowError]:
    missing = [c for c in REQUIRED if c not in table.headers]
    errors = [RowError(1, c, _("Kolom wajib \"%(column)s\" tidak ada di baris judul.", column=c)) for c in missing]
    if not errors and not table.rows:
        errors.append(RowError(1, "", _("Berkas tidak berisi baris data di bawah baris judul.")))
    return errors


def _load_context(table: Table, actor: User) -> _Context:
    emails = {_email_key(cells.get("email", "")) for _, cells in table.rows}
    nips = {normalise_nip(cells.get("nip")) for _, cells in table.rows} - {None}
    users_by_email = {u.email: u for u in _users_where(User.email, emails)}
    users_by_nip = {u.nip: u for u in _users_where(User.nip, nips)}
    user_ids = [u.id for u in users_by_email.values()]
    enrolled = set(db.session.execute(
        select(Enrollment.user_id, Enrollment.course_id).where(Enrollment.user_id.in_(user_ids))
    ).tuples()) if user_ids else set()
    return _Context(
        actor=actor,
        regencies={r.code: r for r in db.session.scalars(select(Regency))},
        courses={c.slug: c for c in db.session.scalars(select(Course))},
        users_by_email=users_by_email, users_by_nip=users_by_nip, enrolled=enrolled,
    )


def _users_where(column, values: set[str]) -> list[User]:
    """Accounts whose column is one of values, in chunks that every database accepts."""
    values = sorted(v for v in values if v)
    found: list[User] = []
    for start in range(0, len(values), 500):
        found.extend(db.session.scalars(select(User).where(column.in_(values[start:start + 500]))))
    return found


def _email_key(raw: str) -> str:
    return (raw or "").strip().lower()


def _check_row(number: int, cells: dict[str, str], context: _Context) -> tuple[list[RowError], Optional[PlannedRow]]:
    """Check one row; return its errors, or its plan when it has none."""
    errors: list[RowError] = []

    def problem(column: str, message: str) -> None:
        errors.append(RowError(number, column, message))

    numbers = _stored_as_numbers(cells, problem)
    email = _check_email(cells.get("email", ""), number, context, problem)
    full_name = _check_name(cells.get("nama_lengkap", ""), problem)
    nip = None if "nip" in numbers else _check_nip(cells.get("nip", ""), email, number, context, problem)
    phone = None if "no_hp" in numbers else _check_phone(cells.get("no_hp", ""), problem)
    unit = (cells.get("instansi") or "").strip()
    if len(unit) > 160:
        problem("instansi", _("Instansi terlalu panjang (maksimal 160 karakter)."))
    regency = None if "kode_wilayah" in numbers else _check_regency(cells.get("kode_wilayah", ""), context, problem)
    courses = _check_courses(cells.get("kursus", ""), context, problem)
    user = context.users_by_email.get(email) if email else None
    if user is not None and regency is not None:
        _check_existing(user, regency, problem)
    if errors:
        return errors, None
    planned = PlannedRow(number, email, full_name, nip, unit, phone, regency, courses, user=user)
    planned.changes = _changes(user, planned) if user else []
    planned.new_courses = [c for c in courses if user is None or (user.id, c.id) not in context.enrolled]
    return errors, planned


def _stored_as_numbers(cells: dict[str, str], problem) -> set[str]:
    """The identifier columns whose cell Excel stored as a number, each reported; their other checks are skipped."""
    numbers = {column for column in IDENTIFIER_COLUMNS if isinstance(cells.get(column), NotText)}
    for column in sorted(numbers, key=IDENTIFIER_COLUMNS.index):
        problem(column, _("Excel menyimpan isi kolom %(column)s ini sebagai angka (bilangan pecahan), sehingga angka "
                          "yang panjang dibulatkan dan angka 0 di depan hilang: nilainya bisa sudah berubah. Format "
                          "kolom %(column)s sebagai Teks (pilih kolomnya, klik kanan, Format Cells, Text), ketik ulang "
                          "isinya, lalu unggah lagi.", column=column))
    return numbers


def _check_email(raw: str, number: int, context: _Context, problem) -> str:
    email = _email_key(raw)
    if not email:
        problem("email", _("Email wajib diisi."))
        return ""
    try:
        email = validate_email(email, check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        problem("email", _("Alamat email \"%(email)s\" tidak valid.", email=raw.strip()))
        return ""
    if email in context.seen_emails:
        problem("email", _("Email ini sudah ada di baris %(row)d berkas yang sama.", row=context.seen_emails[email]))
    context.seen_emails.setdefault(email, number)
    return email


def _check_name(raw: str, problem) -> str:
    name = " ".join((raw or "").split())
    if not name:
        problem("nama_lengkap", _("Nama lengkap wajib diisi."))
    elif len(name) > 120:
        problem("nama_lengkap", _("Nama lengkap terlalu panjang (maksimal 120 karakter)."))
    return name


def _check_nip(raw: str, email: str, number: int, context: _Context, problem) -> Optional[str]:
    nip = normalise_nip(raw)
    if nip is None:
        return None
    if message := nip_problem(nip):
        problem("nip", message)
        return None
    owner = context.users_by_nip.get(nip)
    if owner is not None and owner.email != email:
        problem("nip", _("NIP ini sudah terdaftar pada akun lain."))
    if nip in context.seen_nips:
        problem("nip", _("NIP ini sudah ada di baris %(row)d berkas yang sama.", row=context.seen_nips[nip]))
    context.seen_nips.setdefault(nip, number)
    return nip


def _check_phone(raw: str, problem) -> Optional[str]:
    phone = normalise_phone(raw)
    if phone and (message := phone_problem(phone)):
        problem("no_hp", message)
    return phone


def _check_regency(raw: str, context: _Context, problem) -> Optional[Regency]:
    code = (raw or "").strip()
    regency = context.regencies.get(code)
    if not code:
        problem("kode_wilayah", _("Kode wilayah wajib diisi, mis. 64.72."))
    elif regency is None:
        problem("kode_wilayah", _("Kode wilayah \"%(code)s\" tidak dikenal.", code=code))
    elif not context.actor.can_see_regency(regency.id):
        problem("kode_wilayah", _("Anda hanya dapat mengimpor peserta wilayah Anda sendiri (%(code)s).",
                                  code=context.actor.regency.code))
        return None
    return regency


def _check_courses(raw: str, context: _Context, problem) -> list[Course]:
    courses: list[Course] = []
    for slug in dict.fromkeys(s.strip() for s in re.split(r"[;,]", raw or "") if s.strip()):
        course = context.courses.get(slug)
        if course is None or not course.is_published:
            problem("kursus", _("Kursus \"%(slug)s\" tidak ada atau belum terbit.", slug=slug))
        else:
            courses.append(course)
    return courses


def _check_existing(user: User, regency: Regency, problem) -> None:
    # One message whatever the reason (another regency, another role): the file must not tell a
    # coordinator where or what an account is that their role may not see.
    if user.regency_id != regency.id or user.role != Role.TRAINEE:
        problem("email", _("Email ini sudah dipakai akun yang tidak dapat diubah lewat impor ini; minta admin "
                           "provinsi memeriksanya."))


def _changes(user: User, planned: PlannedRow) -> list[str]:
    """The account fields the row would change; empty cells never erase what is stored."""
    return [name for name, value in planned.fields().items() if value and getattr(user, name) != value]


# --------------------------------------------------------------------------- writing


@dataclass(frozen=True)
class TraineeImportResult:
    """What an import wrote."""

    created: int
    updated: int
    enrolled: int
    new_user_ids: list[int] = field(default_factory=list)


def apply_plan(plan: ImportPlan, actor: User) -> TraineeImportResult:
    """Write a checked plan: new accounts, changed fields, enrolments. Flushes; the view commits."""
    new_users = {}
    for row in plan.rows:
        if row.user is None:
            new_users[row.row] = User(email=row.email, role=Role.TRAINEE, regency_id=row.regency.id,
                                      password_hash=unusable_password_hash(), **row.fields())
        else:
            for name in row.changes:
                setattr(row.user, name, row.fields()[name])
    db.session.add_all(new_users.values())
    db.session.flush()
    enrolled = 0
    for row in plan.rows:
        for course in row.new_courses:
            enroll(row.user or new_users[row.row], course, by=actor)
            enrolled += 1
    return TraineeImportResult(created=plan.created, updated=plan.updated, enrolled=enrolled,
                        new_user_ids=[user.id for user in new_users.values()])


# --------------------------------------------------------------------------- uploads kept between preview and confirm


def save_upload(directory: Path, owner_id: int, data: bytes, filename: str) -> str:
    """Keep an uploaded file under a random token until it is confirmed; return the token."""
    directory.mkdir(parents=True, exist_ok=True)
    _purge_old(directory)
    _keep_newest(directory, owner_id, UPLOADS_KEPT_PER_USER - 1)
    token = secrets.token_urlsafe(24)
    (directory / f"{owner_id}-{token}{Path(filename).suffix.lower()}").write_bytes(data)
    return token


def _upload_path(directory: Path, owner_id: int, token: str) -> Optional[Path]:
    """The kept file of this owner and token, if any; tokens of another shape are refused."""
    if not TOKEN_PATTERN.match(token or ""):
        return None
    for extension in EXTENSIONS:
        path = directory / f"{owner_id}-{token}{extension}"
        if path.is_file():
            return path
    return None


def load_upload(directory: Path, owner_id: int, token: str) -> Optional[tuple[bytes, str]]:
    """The kept file's bytes and name, or None when it expired or belongs to someone else."""
    path = _upload_path(directory, owner_id, token)
    return (path.read_bytes(), path.name) if path else None


def delete_upload(directory: Path, owner_id: int, token: str) -> None:
    """Remove a kept file once it has been imported."""
    path = _upload_path(directory, owner_id, token)
    if path:
        path.unlink(missing_ok=True)


def _keep_newest(directory: Path, owner_id: int, keep: int) -> None:
    """Delete this owner's kept files but the newest `keep`: each person's previews have a quota."""
    kept = sorted(directory.glob(f"{owner_id}-*"), key=_modified, reverse=True)
    for path in kept[keep:]:
        path.unlink(missing_ok=True)


def _modified(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:  # removed meanwhile by a simultaneous request
        return 0.0


def _purge_old(directory: Path) -> None:
    """Delete files of previews nobody confirmed within a day."""
    limit = time.time() - UPLOAD_MAX_AGE_SECONDS
    for path in directory.iterdir():
        if path.is_file() and path.stat().st_mtime < limit:
            path.unlink(missing_ok=True)


# --------------------------------------------------------------------------- the template to fill in


def template_csv() -> bytes:
    """The import template as CSV: the header row only."""
    return b"".join(iter_csv(list(COLUMNS), iter(())))


def template_xlsx() -> bytes:
    """The import template as Excel: a 'Peserta' sheet to fill in and a 'Petunjuk' sheet."""
    buffer = io.BytesIO()
    with xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False}) as workbook:
        bold, text = workbook.add_format({"bold": True}), workbook.add_format({"num_format": "@"})
        sheet = workbook.add_worksheet("Peserta")
        for col, name in enumerate(COLUMNS):
            # Text format keeps an 18-digit NIP or a leading 0 of a phone number as typed.
            sheet.set_column(col, col, 24, text if name in ("nip", "no_hp", "kode_wilayah") else None)
            sheet.write_string(0, col, name, bold)
        sheet.freeze_panes(1, 0)
        _write_hints(workbook.add_worksheet("Petunjuk"), bold, COLUMN_HINTS.items())
    return buffer.getvalue()


def _write_hints(sheet, bold, hints: Iterable) -> None:
    sheet.set_column(0, 0, 16)
    sheet.set_column(1, 1, 90)
    sheet.write_string(0, 0, str(_("Kolom")), bold)
    sheet.write_string(0, 1, str(_("Keterangan")), bold)
    for row, (name, hint) in enumerate(hints, start=1):
        sheet.write_string(row, 0, name)
        sheet.write_string(row, 1, str(hint))
