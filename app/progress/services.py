"""Enrolment, lesson and module completion, and where a trainee left off; views commit, these only flush."""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import func, select

from app.accounts.models import User
from app.catalog.models import Module, Status
from app.extensions import db, utcnow
from app.progress.models import Enrollment, ModuleCompletion
from app.quizzes.models import Attempt, AttemptStatus, Quiz


def get_enrollment(user_id: int, course_id: int) -> Enrollment | None:
    """Return the user's enrolment in the course, or None when they are not enrolled."""
    return db.session.scalar(select(Enrollment).where(Enrollment.user_id == user_id, Enrollment.course_id == course_id))


def module_is_open(user: User, module: Module) -> bool:
    """Whether the user may study the module: published course, enrolled, and (sequential) earlier modules complete."""
    return locked_reason(user, module) is None


def locked_reason(user: User, module: Module) -> str | None:
    """The sentence shown on a locked module, or None when the module is open to the user."""
    course = module.course
    if not course.is_published or module.status != Status.PUBLISHED:
        return _("Modul ini belum diterbitkan.")
    if get_enrollment(user.id, course.id) is None:
        return _("Daftar kursus ini terlebih dahulu.")
    if not course.sequential:
        return None
    done = set(db.session.scalars(select(ModuleCompletion.module_id).where(ModuleCompletion.user_id == user.id)))
    for earlier in course.modules:
        if earlier.position >= module.position or earlier.id == module.id:
            break
        if earlier.status == Status.PUBLISHED and earlier.id not in done:
            return _("Selesaikan modul '%(title)s' terlebih dahulu.", title=earlier.title)
    return None


def after_quiz_submitted(user: User, quiz: Quiz, attempt: Attempt) -> None:
    """Record a graded attempt: best score, last activity, and completion of the module and course.

    Enrollment.best_score_percent is the average, over the quizzes of the course the trainee has
    submitted at least once, of their best percent on each quiz; quizzes never attempted do not
    count (reports show it as "rata-rata nilai kuis terbaik"). Called by the quiz engine inside
    its transaction, after grading; only flushes.
    """
    module = quiz.module
    enrollment = get_enrollment(user.id, module.course_id)
    if enrollment is None:
        return
    db.session.flush()
    best_per_quiz = (
        select(func.max(Attempt.percent).label("best"))
        .join(Quiz, Quiz.id == Attempt.quiz_id)
        .join(Module, Module.id == Quiz.module_id)
        .where(Attempt.user_id == user.id, Attempt.status == AttemptStatus.SUBMITTED,
               Module.course_id == module.course_id, Attempt.percent.is_not(None))
        .group_by(Attempt.quiz_id)
        .subquery()
    )
    enrollment.best_score_percent = db.session.scalar(select(func.avg(best_per_quiz.c.best)))
    enrollment.last_activity_at = utcnow()
    db.session.flush()
