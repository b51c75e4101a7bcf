"""The dashboard's figures: enrolments per status per regency and per course, and completions per WITA week."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Optional

from sqlalchemy import case, func, select

from app.accounts.models import User
from app.dates import to_wita, wita_midnight
from app.extensions import db, utcnow
from app.progress.models import Enrollment
from app.progress.status import STATUSES, status_expression
from app.reports.scope import scoped

CHART_WEEKS = 12


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


def figures_from_row(values: Sequence[Any]) -> Figures:
    """Figures from a grouped row: enrolled, the three status counts, and the average score."""
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


class _Tally:
    """Running sums of one group of enrolments; averages are taken only at the end."""

    def __init__(self) -> None:
        self.sums = [0, 0, 0, 0, 0.0, 0]  # enrolled, the three statuses, sum and count of best scores

    def add(self, counts: Sequence[Any]) -> None:
        """Add one grouped row: enrolled, three statuses, sum and count of best scores."""
        self.sums = [total + type(total)(value or 0) for total, value in zip(self.sums, counts)]

    def figures(self) -> Figures:
        """The tally as Figures; the average is over scored enrolments, as SQL AVG would give."""
        *counts, score_sum, scored = self.sums
        return Figures(*counts, score_sum / scored if scored else None)


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
    for unit, course, *counts in db.session.execute(scoped(query, viewer)):
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
    cumulative = [int(count or 0) for count in db.session.execute(scoped(query, viewer)).one()]
    return [(start, high - low) for start, low, high in zip(starts, [0, *cumulative], cumulative)]
