"""The roster: one row per visible enrolment, filtered and ordered as the coordinator asked."""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from typing import Any, Optional

from sqlalchemy import Select, and_, func, select

from app.accounts.models import Regency, User
from app.catalog.models import Course
from app.dates import wita_midnight
from app.extensions import db
from app.progress.figures import lesson_totals
from app.progress.models import Certificate, Enrollment
from app.progress.status import STATUSES, status_expression
from app.reports.scope import scoped, search_clause

YIELD_PER = 500  # rows fetched at a time by an export


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
    query = filtered(scoped(query, viewer), filters)
    return query.order_by(*_order_keys(order, descending, totals))


def filtered(query: Select, filters: RosterFilter) -> Select:
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
        query = query.where(search_clause(filters.search))
    return query


def roster_keys(viewer: User, filters: RosterFilter, *columns: Any) -> Select:
    """The filtered roster reduced to the given columns, with only the joins that filter or order it."""
    query = (
        select(*columns)
        .select_from(Enrollment)
        .join(User, User.id == Enrollment.user_id)
        .join(Regency, Regency.id == User.regency_id)
        .join(Course, Course.id == Enrollment.course_id)
    )
    return filtered(scoped(query, viewer), filters)


def iter_records(query: Select) -> Iterator[Any]:
    """Run a select lazily, fetching rows in batches so a big export keeps memory flat."""
    yield from db.session.execute(query.execution_options(yield_per=YIELD_PER))
