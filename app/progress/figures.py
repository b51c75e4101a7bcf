"""Enrolment figures: what counts, the status rule, and the one recount every content change goes through.

Lessons completed, best score and completion are stored on each enrolment. The dashboard, the
roster and its CSV/XLSX exports read one row per enrolment (100,000 trainees in the benchmark);
deriving these figures when read would join some two million lesson completions and 800,000
attempts into every export and dashboard. So they are written by the trainee's own actions
(progress.services) and recounted here, for every enrolment of a course, whenever what counts in
that course changes: every content version bump (app.catalog.versions) sends `content_changed`,
create_app connects it to on_content_changed(), and a digest of the counted content kept on the
course skips the recount when only text changed. Python (on outlines) and SQL (for reports) read
the rules below; both live here so they cannot drift apart (the status rule: app/progress/status.py).
"""
from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, case, func, select, update

from app.catalog import outline
from app.catalog.models import Course, Lesson, Module, Status
from app.catalog.outline import CourseView, LessonView, ModuleView
from app.extensions import db, utcnow
from app.progress import certificates
from app.progress.models import Enrollment, LessonCompletion, ModuleCompletion
from app.quizzes.models import Attempt, AttemptStatus

# --------------------------------------------------------------------------- what counts

def counted_modules(course: CourseView) -> list[ModuleView]:
    """The modules a course's figures count: published ones (outlines never hold retired content)."""
    return [module for module in course.modules if module.status == Status.PUBLISHED]


def counted_lessons(module: ModuleView) -> list[LessonView]:
    """The lessons of a counted module that its figures count: the published ones."""
    return [lesson for lesson in module.lessons if lesson.status == Status.PUBLISHED]


def lesson_totals():
    """Subquery (course_id, total): the counted lessons per course, the SQL twin of counted_lessons()."""
    return (
        select(Module.course_id.label("course_id"), func.count(Lesson.id).label("total"))
        .join(Lesson, Lesson.module_id == Module.id)
        .where(Module.status == Status.PUBLISHED, Module.retired_at.is_(None),
               Lesson.status == Status.PUBLISHED, Lesson.retired_at.is_(None))
        .group_by(Module.course_id)
        .subquery()
    )


def module_done(module: ModuleView, done_lessons: set[int], passed_quizzes: set[int]) -> bool:
    """A module is done when every counted lesson is done and its quiz (if any) is passed."""
    lessons_done = all(lesson.id in done_lessons for lesson in counted_lessons(module))
    return lessons_done and (module.quiz is None or module.quiz.id in passed_quizzes)


def counted_digest(course: CourseView) -> str:
    """A digest of what the course's figures count: modules, their lessons and quizzes, in order."""
    parts = [f"{m.id}:{','.join(str(lesson.id) for lesson in counted_lessons(m))}:{m.quiz.id if m.quiz else ''}"
             for m in counted_modules(course)]
    return hashlib.sha1(";".join(parts).encode()).hexdigest()


def average_best(best_per_quiz: Iterable[float]) -> float | None:
    """The best score figure: the average of the best percent per submitted counted quiz, two decimals."""
    scores = list(best_per_quiz)
    return round(sum(scores) / len(scores), 2) if scores else None


# --------------------------------------------------------------------------- the recount


def on_content_changed(sender, course_ids: Iterable[int] = (), **extra) -> None:
    """Receiver of the catalog's content_changed signal: recount each course whose counted content moved."""
    for course_id in course_ids:
        recount_course(course_id)


@dataclass
class _Trainee:
    """What one trainee has done in the counted content of a course, read in bulk."""

    lessons: dict  # module id -> (lessons done, when the last was done)
    best: dict     # quiz id -> best percent
    passed: dict   # quiz id -> when it was first passed


def recount_course(course_id: int, force: bool = False) -> int:
    """Recount the figures of every enrolment of the course from its records; returns how many changed.

    Nothing is taken back: a recorded module or course completion stays, with its certificate.
    A trainee whom the current content now finds complete (a lesson they lacked was retired)
    gets the module completions, the course completion and the certificate, dated when their last
    needed record was made. Skipped when the counted content is what the last recount saw.
    """
    course = outline.by_id(course_id)
    if course is None:
        return 0
    digest = counted_digest(course)
    if not force and db.session.scalar(select(Course.counted_digest).where(Course.id == course_id)) == digest:
        return 0
    db.session.execute(update(Course).where(Course.id == course_id).values(counted_digest=digest)
                       .execution_options(synchronize_session=False))
    enrollments = db.session.execute(
        select(Enrollment.id, Enrollment.user_id, Enrollment.lessons_completed, Enrollment.best_score_percent,
               Enrollment.completed_at).where(Enrollment.course_id == course_id).with_for_update()
    ).all()
    if not enrollments:
        return 0
    modules = counted_modules(course)
    trainees = _records(modules)
    recorded = set(db.session.execute(
        select(ModuleCompletion.user_id, ModuleCompletion.module_id)
        .where(ModuleCompletion.module_id.in_([m.id for m in modules]))).tuples())
    changed, completions = [], []
    for enrollment in enrollments:
        trainee = trainees.get(enrollment.user_id) or _Trainee({}, {}, {})
        done = sum(trainee.lessons.get(m.id, (0, None))[0] for m in modules)
        best = average_best(trainee.best[m.quiz.id] for m in modules if m.quiz and m.quiz.id in trainee.best)
        if (done, best) != (enrollment.lessons_completed, enrollment.best_score_percent):
            changed.append({"row_id": enrollment.id, "done": done, "best": best})
        moments = {m.id: _done_at(m, trainee) for m in modules}
        for module_id, moment in moments.items():
            if moment is not None and (enrollment.user_id, module_id) not in recorded:
                completions.append({"user_id": enrollment.user_id, "module_id": module_id, "completed_at": moment})
        if enrollment.completed_at is None and modules and all(m is not None for m in moments.values()):
            _complete(enrollment.id, enrollment.user_id, course, max(moments.values()))
    _write(changed, completions)
    # Enrolments loaded in this session would otherwise keep the figures written around them.
    for obj in db.session.identity_map.values():
        if isinstance(obj, Enrollment) and obj.course_id == course_id:
            db.session.expire(obj)
    return len(changed)


def _records(modules: list[ModuleView]) -> dict[int, _Trainee]:
    """Every trainee's done lessons per counted module and best/passing attempts per counted quiz (two queries)."""
    lesson_module = {lesson.id: m.id for m in modules for lesson in counted_lessons(m)}
    quiz_ids = [m.quiz.id for m in modules if m.quiz is not None]
    trainees: dict[int, _Trainee] = defaultdict(lambda: _Trainee({}, {}, {}))
    if lesson_module:
        rows = db.session.execute(
            select(LessonCompletion.user_id, Lesson.module_id, func.count(), func.max(LessonCompletion.completed_at))
            .join(Lesson, Lesson.id == LessonCompletion.lesson_id)
            .where(LessonCompletion.lesson_id.in_(list(lesson_module)))
            .group_by(LessonCompletion.user_id, Lesson.module_id))
        for user_id, module_id, count, last in rows:
            trainees[user_id].lessons[module_id] = (count, last)
    if quiz_ids:
        first_pass = func.min(case((Attempt.passed.is_(True), Attempt.submitted_at)))
        rows = db.session.execute(
            select(Attempt.user_id, Attempt.quiz_id, func.max(Attempt.percent), first_pass)
            .where(Attempt.quiz_id.in_(quiz_ids), Attempt.status == AttemptStatus.SUBMITTED,
                   Attempt.percent.is_not(None))
            .group_by(Attempt.user_id, Attempt.quiz_id))
        for user_id, quiz_id, best, passed_at in rows:
            trainees[user_id].best[quiz_id] = float(best)
            if passed_at is not None:
                trainees[user_id].passed[quiz_id] = passed_at
    return trainees


def _done_at(module: ModuleView, trainee: _Trainee) -> datetime | None:
    """When the trainee finished the module by its current content, or None while they have not."""
    count, last = trainee.lessons.get(module.id, (0, None))
    if count < len(counted_lessons(module)):
        return None
    moments = [last] if last is not None else []
    if module.quiz is not None:
        if module.quiz.id not in trainee.passed:
            return None
        moments.append(trainee.passed[module.quiz.id])
    return max(moments) if moments else utcnow()


def _complete(enrollment_id: int, user_id: int, course: CourseView, moment: datetime) -> None:
    """Record a completion the current content now grants, and its certificate."""
    db.session.execute(update(Enrollment).where(Enrollment.id == enrollment_id).values(completed_at=moment)
                       .execution_options(synchronize_session=False))
    certificates.issue_for(user_id, course.id, moment)


def _write(changed: list[dict], completions: list[dict]) -> None:
    """Write the changed figures and the new module completions in two statements."""
    if changed:
        table = Enrollment.__table__
        db.session.execute(update(table).where(table.c.id == bindparam("row_id"))
                           .values(lessons_completed=bindparam("done"), best_score_percent=bindparam("best")), changed)
    if completions:
        db.session.execute(ModuleCompletion.__table__.insert(), completions)
