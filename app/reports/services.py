"""Report queries: enrolment status, dashboard figures, the roster and the reminder list."""
from __future__ import annotations

import logging
import math
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from itertools import groupby
from typing import Any, Optional

from flask_babel import gettext as _, lazy_gettext as _l
from redis.exceptions import RedisError
from sqlalchemy import Select, and_, case, false, func, or_, select, union_all
from sqlalchemy.orm import joinedload

from app.accounts.models import Regency, Role, User
from app.accounts.forms import ACCOUNT_STATUS_LABELS
from app.accounts.invitations import whatsapp_url
from app.accounts.validators import normalise_nip
from app.catalog.models import Course, Lesson, Module, Status
from app.dates import to_wita, wita_midnight
from app.extensions import cache, db, utcnow
from app.progress.figures import COMPLETED, IN_PROGRESS, NOT_STARTED, STATUSES, lesson_totals, status_expression
from app.progress.models import Certificate, Enrollment, LessonCompletion
from app.quizzes.models import Attempt, AttemptGrant, AttemptStatus, Quiz
from app.reports.models import Reminder
from app.reports.spreadsheets import write_xlsx

log = logging.getLogger(__name__)

# The three states of an enrolment: one rule, in app/progress/figures.py, for the trainee pages and every report.
STATUS_LABELS = {NOT_STARTED: _l("Belum mulai"), IN_PROGRESS: _l("Berjalan"), COMPLETED: _l("Selesai")}

DEFAULT_STALLED_DAYS = 14
CHART_WEEKS = 12
YIELD_PER = 500

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


# --------------------------------------------------------------------------- status and scope


def _scoped(query: Select, viewer: User) -> Select:
    """Restrict a query joined with users to the regencies the viewer may see."""
    if viewer.sees_everyone():
        return query
    if viewer.role == Role.COORDINATOR:
        return query.where(User.regency_id == viewer.regency_id)
    return query.where(false())


def visible_regencies(viewer: User) -> list[Regency]:
    """The units the viewer may report on, the province first."""
    query = select(Regency).order_by(Regency.code)
    if not viewer.sees_everyone():
        query = query.where(Regency.id == (viewer.regency_id if viewer.role == Role.COORDINATOR else -1))
    return list(db.session.scalars(query))


def all_regencies() -> list[Regency]:
    """Every unit, the province first, for viewers who may see all of a course's trainees."""
    return list(db.session.scalars(select(Regency).order_by(Regency.code)))


def all_courses() -> list[Course]:
    """Every course, by title, for report filters (drafts too: they may have enrolments)."""
    return list(db.session.scalars(select(Course).order_by(Course.title, Course.id)))


# --------------------------------------------------------------------------- pagination


@dataclass
class Page:
    """One page of rows, with what the pager macro needs."""

    items: list
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1


def paginate_rows(query: Select, page: int, per_page: int) -> Page:
    """Run a count and one page of a select of columns (two queries, whatever the total)."""
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    page = max(1, min(page, max(1, math.ceil(total / per_page))))
    items = list(db.session.execute(query.limit(per_page).offset((page - 1) * per_page)))
    return Page(items=items, page=page, per_page=per_page, total=total)


# --------------------------------------------------------------------------- dashboard figures


@dataclass
class Figures:
    """Enrolment counts of one course, regency or total."""

    enrolled: int = 0
    not_started: int = 0
    in_progress: int = 0
    completed: int = 0
    average_score: Optional[float] = None

    @property
    def completion_rate(self) -> Optional[float]:
        """Completed as a percentage of enrolled, or None when nobody is enrolled."""
        return 100.0 * self.completed / self.enrolled if self.enrolled else None


def _figures(values: Sequence[Any]) -> Figures:
    enrolled, not_started, in_progress, completed, average = values
    return Figures(int(enrolled or 0), int(not_started or 0), int(in_progress or 0), int(completed or 0),
                   float(average) if average is not None else None)


def week_starts(now: datetime, weeks: int = CHART_WEEKS) -> list[date]:
    """Mondays (WITA) of the last `weeks` weeks, the current week last."""
    today = to_wita(now).date()
    monday = today - timedelta(days=today.weekday())
    return [monday - timedelta(weeks=weeks - 1 - i) for i in range(weeks)]


@dataclass
class Dashboard:
    """Figures per regency and per course, the total, and completions per WITA week."""

    by_regency: dict[int, Figures]
    by_course: dict[int, Figures]
    total: Figures
    weekly: list[tuple[date, int]]
    computed_at: datetime
    cache_key: str = ""


def _scope_key(viewer: User) -> str:
    """What decides which enrolments the viewer's figures count: everyone, one regency, or none."""
    if viewer.sees_everyone():
        return "semua"
    return f"wilayah-{viewer.regency_id}" if viewer.role == Role.COORDINATOR else "tidak-ada"


def cached_dashboard(viewer: User, course_id: int | None = None, regency_id: int | None = None,
                     max_age: int = 60) -> Dashboard:
    """Dashboard figures from the short-lived cache, computed again when missing or max_age seconds old.

    The age is checked against computed_at too, so figures are never older than max_age whatever
    the cache backend keeps; the page shows computed_at, so nobody mistakes them for live figures.
    """
    now = utcnow()
    key = f"dasbor:{_scope_key(viewer)}:{course_id or 0}:{regency_id or 0}"
    kept = _cache_get(key)
    if isinstance(kept, Dashboard) and timedelta(0) <= now - kept.computed_at < timedelta(seconds=max_age):
        return kept
    figures = dashboard_figures(viewer, course_id, regency_id, now)
    figures.cache_key = key
    _cache_set(key, figures, max_age)
    return figures


def cached_fragment(figures: Dashboard, variant: str, render: Callable[[], str], max_age: int = 60) -> str:
    """HTML rendered from these figures, kept exactly as long as the figures it shows.

    The key holds the figures' own key and the time they were computed, so new figures always
    get newly rendered HTML; `variant` holds whatever else the HTML depends on (the language).
    """
    key = f"{figures.cache_key}:html:{variant}:{figures.computed_at.isoformat()}"
    html = _cache_get(key) if figures.cache_key else None
    if not isinstance(html, str):
        html = render()
        if figures.cache_key:
            _cache_set(key, html, max_age)
    return html


# A shared cache (Redis) that is down must not take the dashboard with it: it is computed live.
def _cache_get(key: str) -> Any:
    try:
        return cache.get(key)
    except RedisError as error:
        log.warning("dashboard cache unreachable, computing live: %s", error)
        return None


def _cache_set(key: str, value: Any, timeout: int) -> None:
    try:
        cache.set(key, value, timeout=timeout)
    except RedisError as error:
        log.warning("dashboard cache unreachable, not kept: %s", error)


@dataclass
class _Tally:
    """Running sums of one group of enrolments; averages are taken only at the end."""

    enrolled: int = 0
    not_started: int = 0
    in_progress: int = 0
    completed: int = 0
    score_sum: float = 0.0
    scored: int = 0

    def add(self, counts: Sequence[Any]) -> None:
        """Add one grouped row: enrolled, three statuses, sum and count of best scores."""
        self.enrolled += int(counts[0] or 0)
        self.not_started += int(counts[1] or 0)
        self.in_progress += int(counts[2] or 0)
        self.completed += int(counts[3] or 0)
        self.score_sum += float(counts[4] or 0)
        self.scored += int(counts[5] or 0)

    def figures(self) -> Figures:
        """The tally as Figures; the average is over scored enrolments, as SQL AVG would give."""
        average = self.score_sum / self.scored if self.scored else None
        return Figures(self.enrolled, self.not_started, self.in_progress, self.completed, average)


def dashboard_figures(viewer: User, course_id: int | None = None, regency_id: int | None = None,
                      now: datetime | None = None) -> Dashboard:
    """Every dashboard figure from one grouped scan of enrolments, summed in Python, and the weeks.

    Rows are grouped by (regency, course): a few hundred groups at most, whatever the number of
    trainees. Per regency and the total follow the course filter; per course shows every course.
    """
    status = status_expression()
    score = Enrollment.best_score_percent
    query = (
        select(User.regency_id, Enrollment.course_id, func.count(Enrollment.id),
               *[func.sum(case((status == s, 1), else_=0)) for s in STATUSES], func.sum(score), func.count(score))
        .join(User, User.id == Enrollment.user_id)
        .group_by(User.regency_id, Enrollment.course_id)
    )
    if regency_id:
        query = query.where(User.regency_id == regency_id)
    by_regency: dict[int, _Tally] = {}
    by_course: dict[int, _Tally] = {}
    total = _Tally()
    for unit, course, *counts in db.session.execute(_scoped(query, viewer)):
        by_course.setdefault(course, _Tally()).add(counts)
        if course_id and course != course_id:
            continue
        by_regency.setdefault(unit, _Tally()).add(counts)
        total.add(counts)
    now = now or utcnow()
    return Dashboard({k: t.figures() for k, t in by_regency.items()}, {k: t.figures() for k, t in by_course.items()},
                     total.figures(), weekly_completions(viewer, course_id, regency_id, now), now)


def weekly_completions(viewer: User, course_id: int | None = None, regency_id: int | None = None,
                       now: datetime | None = None) -> list[tuple[date, int]]:
    """Completions per WITA week over the last twelve weeks, in one query over the completion index."""
    starts = week_starts(now or utcnow())
    bounds = [wita_midnight(d) for d in starts] + [wita_midnight(starts[-1] + timedelta(weeks=1))]
    # Only the twelve weeks' completions are read (a range on completed_at), not every enrolment.
    query = select(*[func.sum(case((Enrollment.completed_at < high, 1), else_=0)) for high in bounds[1:]]).where(
        Enrollment.completed_at >= bounds[0], Enrollment.completed_at < bounds[-1])
    if course_id:
        query = query.where(Enrollment.course_id == course_id)
    if regency_id or not viewer.sees_everyone():
        query = query.join(User, User.id == Enrollment.user_id)
        if regency_id:
            query = query.where(User.regency_id == regency_id)
    cumulative = [int(count or 0) for count in db.session.execute(_scoped(query, viewer)).one()]
    return [(start, high - low) for start, low, high in zip(starts, [0, *cumulative], cumulative)]


# --------------------------------------------------------------------------- roster


@dataclass(frozen=True)
class RosterFilter:
    """What the coordinator asked for on the roster page; exports reuse it unchanged."""

    course_id: Optional[int] = None
    regency_id: Optional[int] = None
    status: str = ""
    completed_from: Optional[date] = None
    completed_to: Optional[date] = None
    search: str = ""

    def as_dict(self) -> dict[str, Any]:
        """The filters that are set, as JSON-friendly values (for the audit log)."""
        return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in asdict(self).items() if v}

    def describe(self) -> str:
        """A short text of the filters for the audit entry's target."""
        return (" ".join(f"{k}={v}" for k, v in self.as_dict().items()) or "semua")[:200]


# The orders the roster page offers (?urut=): the export order (unit, then name) is the default.
ROSTER_ORDERS = ("wilayah", "nama", "kursus", "status", "kemajuan", "nilai", "aktivitas", "selesai")
DEFAULT_ORDER = "wilayah"


def _order_keys(order: str, descending: bool, totals) -> list[Any]:
    """ORDER BY terms for one of ROSTER_ORDERS; ties always fall back to unit, name, id and course."""
    progress = Enrollment.lessons_completed * 1.0 / func.nullif(func.coalesce(totals.c.total, 0), 0)
    key = {
        "nama": User.full_name, "kursus": Course.title, "status": status_expression(), "kemajuan": progress,
        "nilai": Enrollment.best_score_percent, "aktivitas": Enrollment.last_activity_at,
        "selesai": Enrollment.completed_at,
    }.get(order)
    tail = [Regency.code, User.full_name, User.id, Course.slug]
    if key is None:
        return [term.desc() for term in tail] if descending else tail
    # Empty values (no score, never active, not finished) go last whichever way the column is sorted.
    return [(key.desc() if descending else key.asc()).nulls_last(), *tail]


def roster_select(viewer: User, filters: RosterFilter, user_id: int | None = None, order: str = DEFAULT_ORDER,
                  descending: bool = False) -> Select:
    """One row per visible enrolment (user, regency, course, lessons, status, certificate), in the given order."""
    totals = lesson_totals()
    query = (
        select(
            Regency.code.label("regency_code"), Regency.name.label("regency_name"), User.full_name, User.nip,
            User.email, User.unit, Course.slug, Course.title, Enrollment.lessons_completed,
            func.coalesce(totals.c.total, 0).label("lessons_total"), Enrollment.best_score_percent,
            status_expression().label("status"), Enrollment.enrolled_at, Enrollment.completed_at,
            Certificate.code.label("certificate_code"), User.account_status.label("account_status"),
            User.id.label("user_id"), User.phone, Enrollment.last_activity_at, Enrollment.id.label("enrollment_id"),
        )
        .select_from(Enrollment)
        .join(User, User.id == Enrollment.user_id)
        .join(Regency, Regency.id == User.regency_id)
        .join(Course, Course.id == Enrollment.course_id)
        .outerjoin(totals, totals.c.course_id == Enrollment.course_id)
        .outerjoin(Certificate, and_(Certificate.user_id == Enrollment.user_id,
                                     Certificate.course_id == Enrollment.course_id, Certificate.revoked_at.is_(None)))
    )
    if user_id is not None:
        query = query.where(Enrollment.user_id == user_id)
    query = _filtered(_scoped(query, viewer), filters)
    return query.order_by(*_order_keys(order, descending, totals))


def _filtered(query: Select, filters: RosterFilter) -> Select:
    """Apply the roster filters; completion dates are WITA days turned into UTC bounds."""
    if filters.course_id:
        query = query.where(Enrollment.course_id == filters.course_id)
    if filters.regency_id:
        query = query.where(User.regency_id == filters.regency_id)
    if filters.status in STATUSES:
        query = query.where(status_expression() == filters.status)
    if filters.completed_from:
        query = query.where(Enrollment.completed_at >= wita_midnight(filters.completed_from))
    if filters.completed_to:
        query = query.where(Enrollment.completed_at < wita_midnight(filters.completed_to + timedelta(days=1)))
    if filters.search.strip():
        query = query.where(_search_clause(filters.search))
    return query


def _search_clause(search: str):
    """Match a name (any case) or a NIP typed with or without spaces and dots."""
    pattern = f"%{search.strip().lower()}%"
    clauses = [func.lower(User.full_name).like(pattern)]
    nip = normalise_nip(search)
    if nip and nip.isdigit():
        clauses.append(User.nip.like(f"%{nip}%"))
    return or_(*clauses)


def _roster_keys(viewer: User, filters: RosterFilter, *columns: Any) -> Select:
    """The filtered roster reduced to the given columns, with only the joins that filter or order it."""
    query = (
        select(*columns)
        .select_from(Enrollment)
        .join(User, User.id == Enrollment.user_id)
        .join(Regency, Regency.id == User.regency_id)
        .join(Course, Course.id == Enrollment.course_id)
    )
    return _filtered(_scoped(query, viewer), filters)


def roster_page(viewer: User, filters: RosterFilter, page: int, per_page: int, order: str = DEFAULT_ORDER,
                descending: bool = False) -> Page:
    """A page of the roster: the rows the exports would contain, in the same order (three queries).

    The roster is ordered by regency code first, so a page is cut from the units taken in code
    order, using the number of rows of each unit; within a unit the name index gives the order,
    so no query sorts the rows of the whole province. Another order (a sorted column) is one
    count and one sorted page of the whole filtered roster.
    """
    if order != DEFAULT_ORDER or descending:
        return paginate_rows(roster_select(viewer, filters, order=order, descending=descending), page, per_page)
    counts = _unit_counts(viewer, filters)
    total = sum(counts.values())
    page = max(1, min(page, max(1, math.ceil(total / per_page))))
    units = [unit.id for unit in visible_regencies(viewer)]
    segments = _segments(counts, units, (page - 1) * per_page, per_page)
    ids = _segment_ids(viewer, filters, segments)
    items = list(db.session.execute(roster_select(viewer, filters).where(Enrollment.id.in_(ids)))) if ids else []
    return Page(items=items, page=page, per_page=per_page, total=total)


def _unit_counts(viewer: User, filters: RosterFilter) -> dict[int, int]:
    """The number of roster rows per regency id."""
    query = (select(User.regency_id, func.count(Enrollment.id)).select_from(Enrollment)
             .join(User, User.id == Enrollment.user_id).group_by(User.regency_id))
    return dict(db.session.execute(_filtered(_scoped(query, viewer), filters)).all())


def _segments(counts: dict[int, int], units: list[int], skip: int, limit: int) -> list[tuple[int, int, int]]:
    """(unit, offset, limit) of each unit that the rows skip .. skip + limit fall in, in unit order."""
    segments = []
    for unit in units:
        rows = counts.get(unit, 0)
        if skip >= rows:
            skip -= rows
            continue
        take = min(limit, rows - skip)
        segments.append((unit, skip, take))
        skip, limit = 0, limit - take
        if not limit:
            break
    return segments


def _segment_ids(viewer: User, filters: RosterFilter, segments: list[tuple[int, int, int]]) -> list[int]:
    """Enrolment ids of the page: each unit's slice read in name order, the slices joined (one query).

    The ids come back in no particular order: the page's rows are read and ordered by roster_select.
    """
    parts = []
    for unit, offset, count in segments:
        part = (_roster_keys(viewer, filters, Enrollment.id.label("id"))
                .where(User.regency_id == unit).order_by(User.full_name, User.id, Course.slug)
                .limit(count).offset(offset).subquery())
        parts.append(select(part))
    if not parts:
        return []
    rows = union_all(*parts).subquery()
    return list(db.session.scalars(select(rows.c.id)))


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


def iter_records(query: Select) -> Iterator[Any]:
    """Run a select lazily, fetching rows in batches so a big export keeps memory flat."""
    yield from db.session.execute(query.execution_options(yield_per=YIELD_PER))


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
        figures = _figures((enrolled, *counts, average))
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


# --------------------------------------------------------------------------- regency and person pages


def regency_trainees(regency_id: int, page: int, per_page: int) -> Page:
    """The trainees of one unit with how many courses each joined and finished (one aggregate)."""
    query = (
        select(
            User.id, User.full_name, User.nip, User.unit,
            func.count(Enrollment.id).label("enrolled"),
            func.sum(case((Enrollment.completed_at.is_not(None), 1), else_=0)).label("completed"),
            func.max(func.coalesce(Enrollment.last_activity_at, Enrollment.enrolled_at)).label("last_seen"),
        )
        .outerjoin(Enrollment, Enrollment.user_id == User.id)
        .where(User.regency_id == regency_id, User.role == Role.TRAINEE)
        .group_by(User.id, User.full_name, User.nip, User.unit)
        .order_by(User.full_name, User.id)
    )
    return paginate_rows(query, page, per_page)


@dataclass
class PersonReport:
    """Everything a coordinator sees about one trainee."""

    user: User
    enrolments: list = field(default_factory=list)
    lessons: list = field(default_factory=list)
    attempts: list = field(default_factory=list)
    certificates: list = field(default_factory=list)
    blocked: list = field(default_factory=list)


def person_report(viewer: User, user: User) -> PersonReport:
    """A trainee's enrolments, lessons done, attempts, certificates and quizzes blocking them (five queries)."""
    lessons = db.session.execute(
        select(Course.title.label("course"), Module.title.label("module"), Lesson.title.label("lesson"),
               LessonCompletion.completed_at,
               # Retired lessons (or modules) are still named, marked: the trainee did complete them.
               or_(Lesson.retired_at.is_not(None), Module.retired_at.is_not(None)).label("retired"))
        .join(Lesson, Lesson.id == LessonCompletion.lesson_id).join(Module, Module.id == Lesson.module_id)
        .join(Course, Course.id == Module.course_id)
        .where(LessonCompletion.user_id == user.id)
        .order_by(Course.title, Module.position, Lesson.position)
    )
    attempts = db.session.execute(
        select(Course.title.label("course"), Module.title.label("module"), Attempt.number, Attempt.status,
               Attempt.submitted_at, Attempt.percent, Attempt.passed,
               or_(Quiz.retired_at.is_not(None), Module.retired_at.is_not(None)).label("retired"))
        .join(Quiz, Quiz.id == Attempt.quiz_id).join(Module, Module.id == Quiz.module_id)
        .join(Course, Course.id == Module.course_id)
        .where(Attempt.user_id == user.id)
        .order_by(Course.title, Module.position, Attempt.number)
    )
    certificates = db.session.execute(
        select(Certificate.code, Certificate.issued_at, Certificate.revoked_at, Course.title.label("course"))
        .join(Course, Course.id == Certificate.course_id)
        .where(Certificate.user_id == user.id).order_by(Certificate.issued_at)
    )
    enrolments = db.session.execute(roster_select(viewer, RosterFilter(), user_id=user.id))
    blocked = blocked_quizzes()
    stuck = db.session.execute(
        select(blocked.c.quiz_id, Quiz.title.label("quiz"), Course.title.label("course"))
        .join(Quiz, Quiz.id == blocked.c.quiz_id).join(Course, Course.id == blocked.c.course_id)
        .join(Enrollment, and_(Enrollment.user_id == blocked.c.user_id, Enrollment.course_id == blocked.c.course_id))
        .where(blocked.c.user_id == user.id, Enrollment.completed_at.is_(None)).order_by(Course.title)
    )
    return PersonReport(user, list(enrolments), list(lessons), list(attempts), list(certificates), list(stuck))


# --------------------------------------------------------------------------- reminders


@dataclass(frozen=True)
class LastReminder:
    """When an enrolment's trainee was last reminded, and by whom (None: an account since deleted)."""

    at: datetime
    by: Optional[str]


@dataclass
class StalledEnrolment:
    """A trainee to remind about one course: the message to send and the last reminder, if any."""

    row: Any
    message: str
    whatsapp_url: Optional[str]
    last_reminder: Optional[LastReminder] = None


def blocked_quizzes():
    """Subquery: (user_id, course_id, quiz_id) where a trainee used every allowed attempt at a quiz without passing.

    quiz_id is the first such quiz of the course; granted attempts count toward the limit.
    """
    used = (select(Attempt.user_id, Attempt.quiz_id, func.max(Attempt.number).label("used"),
                   func.max(case((Attempt.passed.is_(True), 1), else_=0)).label("passed"),
                   func.max(case((Attempt.status == AttemptStatus.OPEN, 1), else_=0)).label("open"))
            .group_by(Attempt.user_id, Attempt.quiz_id).subquery())
    extra = (select(AttemptGrant.user_id, AttemptGrant.quiz_id, func.sum(AttemptGrant.extra).label("extra"))
             .group_by(AttemptGrant.user_id, AttemptGrant.quiz_id).subquery())
    return (
        select(used.c.user_id, Module.course_id, func.min(used.c.quiz_id).label("quiz_id"))
        .join(Quiz, Quiz.id == used.c.quiz_id).join(Module, Module.id == Quiz.module_id)
        .outerjoin(extra, and_(extra.c.user_id == used.c.user_id, extra.c.quiz_id == used.c.quiz_id))
        .where(Quiz.max_attempts.is_not(None), Quiz.retired_at.is_(None), Module.status == Status.PUBLISHED,
               Module.retired_at.is_(None), used.c.passed == 0,
               used.c.open == 0, used.c.used >= Quiz.max_attempts + func.coalesce(extra.c.extra, 0))
        .group_by(used.c.user_id, Module.course_id)
        .subquery()
    )


def stalled_select(viewer: User, days: int, regency_id: int | None = None, course_id: int | None = None,
                   now: datetime | None = None, not_reminded_days: int | None = None) -> Select:
    """Unfinished enrolments idle for `days` days, or blocked by a quiz whose attempts are used up.

    A blocked row carries blocked_quiz_id: the quiz to grant more attempts at ("kesempatan kuis habis").
    With not_reminded_days, only those not reminded in that many days.
    """
    now = now or utcnow()
    cutoff = now - timedelta(days=days)
    idle_since = func.coalesce(Enrollment.last_activity_at, Enrollment.enrolled_at)
    blocked = blocked_quizzes()
    query = (roster_select(viewer, RosterFilter(course_id=course_id, regency_id=regency_id))
             .add_columns(blocked.c.quiz_id.label("blocked_quiz_id"))
             .outerjoin(blocked, and_(blocked.c.user_id == Enrollment.user_id, blocked.c.course_id == Enrollment.course_id)))
    query = query.where(Enrollment.completed_at.is_(None), or_(idle_since < cutoff, blocked.c.quiz_id.is_not(None)))
    if not_reminded_days:
        recent = select(Reminder.id).where(Reminder.enrollment_id == Enrollment.id,
                                           Reminder.reminded_at >= now - timedelta(days=not_reminded_days))
        query = query.where(~recent.exists())
    return query.order_by(None).order_by(Regency.code, idle_since, User.full_name, User.id, Course.slug)


def stalled_page(viewer: User, days: int, page: int, per_page: int, course_url, regency_id: int | None = None,
                 course_id: int | None = None, now: datetime | None = None,
                 not_reminded_days: int | None = None) -> Page:
    """A page of trainees to remind, each with their last reminder; course_url(slug) gives the link in each message."""
    result = paginate_rows(stalled_select(viewer, days, regency_id, course_id, now, not_reminded_days), page, per_page)
    last = last_reminders([row.enrollment_id for row in result.items])
    result.items = [_stalled(row, course_url(row.slug), last.get(row.enrollment_id)) for row in result.items]
    return result


def _stalled(row: Any, url: str, last: Optional[LastReminder]) -> StalledEnrolment:
    message = reminder_message(row.full_name, row.title, row.status, row.lessons_completed, row.lessons_total, url)
    return StalledEnrolment(row, message, whatsapp_url(row.phone, message), last)


def last_reminders(enrollment_ids: Sequence[int]) -> dict[int, LastReminder]:
    """The latest reminder of each of these enrolments, in one query."""
    if not enrollment_ids:
        return {}
    latest = (select(Reminder.enrollment_id, func.max(Reminder.reminded_at).label("at"))
              .where(Reminder.enrollment_id.in_(list(enrollment_ids))).group_by(Reminder.enrollment_id).subquery())
    rows = db.session.execute(
        select(Reminder.enrollment_id, Reminder.reminded_at, User.full_name)
        .join(latest, and_(latest.c.enrollment_id == Reminder.enrollment_id, latest.c.at == Reminder.reminded_at))
        .outerjoin(User, User.id == Reminder.reminded_by_id)
    )
    return {enrollment_id: LastReminder(at, name) for enrollment_id, at, name in rows}


def enrollment_to_remind(enrollment_id: int) -> Optional[Enrollment]:
    """An enrolment with its trainee, or None."""
    return db.session.get(Enrollment, enrollment_id, options=[joinedload(Enrollment.user)])


def record_reminder(enrollment: Enrollment, by: User) -> LastReminder:
    """Note that a coordinator reminded the enrolment's trainee now (sent, copied or said)."""
    reminder = Reminder(enrollment_id=enrollment.id, reminded_by_id=by.id, reminded_at=utcnow())
    db.session.add(reminder)
    db.session.flush()
    return LastReminder(reminder.reminded_at, by.full_name)


def reminder_message(name: str, course: str, status: str, done: int, total: int, url: str) -> str:
    """The Indonesian reminder text: who, which course, what is left, and where to continue."""
    left = max(total - done, 0)
    if status == NOT_STARTED:
        progress = _("Anda belum memulai kursus ini; ada %(total)d pelajaran yang menunggu.", total=total)
    elif left:
        progress = _("Tinggal %(left)d dari %(total)d pelajaran lagi.", left=left, total=total)
    else:
        progress = _("Semua pelajaran sudah selesai; tinggal menyelesaikan kuisnya.")
    return _(
        "Halo %(name)s, ini pengingat dari koordinator Kelas KIM. Anda terdaftar di kursus \"%(course)s\". "
        "%(progress)s Lanjutkan belajar di %(url)s . Terima kasih.",
        name=name, course=course, progress=progress, url=url,
    )

