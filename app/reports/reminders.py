"""Trainees to remind: idle or blocked enrolments, the reminder text, and who reminded whom when."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Optional

from flask_babel import gettext as _
from sqlalchemy import Select, and_, case, func, or_, select
from sqlalchemy.orm import joinedload

from app.accounts.invitations import whatsapp_url
from app.accounts.models import Regency, User
from app.catalog.models import Course, Module, Status
from app.extensions import db, utcnow
from app.progress.models import Enrollment
from app.progress.status import NOT_STARTED
from app.quizzes.models import Attempt, AttemptGrant, AttemptStatus, Quiz
from app.reports.models import Reminder
from app.reports.paging import Page, paginate_rows
from app.reports.roster import RosterFilter, roster_select

DEFAULT_STALLED_DAYS = 14


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
