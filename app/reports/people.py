"""The regency page's trainee list and the page of one trainee."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import and_, case, func, or_, select

from app.accounts.models import Role, User
from app.catalog.models import Course, Lesson, Module
from app.extensions import db
from app.progress.models import Certificate, Enrollment, LessonCompletion
from app.quizzes.models import Attempt, Quiz
from app.reports.paging import Page, paginate_rows
from app.reports.reminders import blocked_quizzes
from app.reports.roster import RosterFilter, roster_select


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
