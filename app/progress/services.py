"""Enrolment, lesson and module completion, and where a trainee left off; views commit, these only flush."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import CompoundSelect, and_, bindparam, func, literal, or_, select, union_all, update

from app.accounts.models import Role, User
from app.catalog import outline
from app.catalog.models import Course, CourseOwner, Lesson, Module, Status
from app.catalog.outline import CourseView, LessonView, ModuleView, QuizView
from app import events
from app.extensions import db, utcnow
from app.progress import certificates
from app.progress.figures import average_best, counted_lessons, counted_modules, module_done
from app.progress.status import status_of
from app.progress.models import Certificate, Enrollment, LessonCompletion, ModuleCompletion
from app.quizzes.models import Attempt, AttemptStatus, Quiz

# The next thing a trainee should open: a lesson, or a module's quiz.
Step = LessonView | QuizView


class LearningError(ValueError):
    """A learning action cannot be done as asked; the message is for the user."""


@dataclass
class CourseProgress:
    """What one trainee has done in one course: enrolment, completions and locks."""

    enrollment: Enrollment | None
    done_lessons: set[int] = field(default_factory=set)
    done_modules: set[int] = field(default_factory=set)
    passed_quizzes: set[int] = field(default_factory=set)
    reasons: dict[int, str | None] = field(default_factory=dict)

    def is_open(self, module: ModuleView) -> bool:
        """Whether the trainee may study the module (never a draft one)."""
        return module.id in self.reasons and self.reasons[module.id] is None


@dataclass
class CompletionResult:
    """What one action completed: the modules, and the certificate when it finished the course."""

    modules: list[ModuleView] = field(default_factory=list)
    certificate: Certificate | None = None
    recorded: bool = True  # False when the lesson was already complete and nothing was written


@dataclass(frozen=True)
class Steps:
    """A course counted in steps, its published lessons and quizzes, and how many of them the trainee finished."""

    done: int
    total: int
    lessons: int
    quizzes: int


@dataclass
class MyCourse:
    """One row of "Kursus saya"."""

    enrollment: Enrollment
    course: CourseView
    steps: Steps
    status: str
    resume: Step | None
    certificate: Certificate | None
    progress: CourseProgress


# ---------------------------------------------------------------- contract with the quiz engine


def get_enrollment(user_id: int, course_id: int) -> Enrollment | None:
    """Return the user's enrolment in the course, or None when they are not enrolled."""
    return db.session.scalar(_ENROLLMENT, {"user_id": user_id, "course_id": course_id})


def lock_enrollment(user_id: int, course_id: int) -> Enrollment | None:
    """The enrolment, re-read with its row locked until commit (PostgreSQL; SQLite writes one at a time anyway).

    Progress is counted from what is committed: two tabs of one trainee finishing a lesson each, or the
    last lesson and the quiz, must take turns, or each would count without the other and the enrolment
    would keep a count too low and no certificate.
    """
    return db.session.scalar(_ENROLLMENT_LOCKED, {"user_id": user_id, "course_id": course_id})


def locked_reason(user: User, module: Module | ModuleView) -> str | None:
    """The sentence shown on a locked module, or None when the module is open to the user: published course,
    enrolled, and (sequential) earlier modules complete."""
    course = course_outline(module.course_id)
    enrolled = get_enrollment(user.id, course.id) is not None
    done = _done_modules(user.id, [course.id]) if enrolled and course.sequential else set()
    return lock_reasons(course, enrolled, done).get(module.id, _("Modul ini belum diterbitkan."))


def on_attempt_started(attempt: Attempt, *, user: User) -> None:
    """Receiver of the quiz engine's attempt_started: starting a quiz is activity in the course (reports, reminders)."""
    db.session.execute(_QUIZ_ACTIVITY, {"trainee_id": user.id, "quiz_module_id": attempt.quiz.module_id, "now": utcnow()})


def on_attempt_graded(attempt: Attempt) -> None:
    """Receiver of the quiz engine's attempt_graded: move the trainee's records (see after_quiz_submitted)."""
    after_quiz_submitted(attempt.user, attempt.quiz, attempt)


def after_quiz_submitted(user: User, quiz: Quiz, attempt: Attempt) -> None:
    """Record a graded attempt: best score, last activity, and completion of the module and course.

    Enrollment.best_score_percent is the average, over the counted quizzes of the course the
    trainee has submitted at least once, of their best percent on each quiz; quizzes never
    attempted do not count (reports show it as "rata-rata nilai kuis terbaik"). Called through the
    quiz engine's attempt_graded signal inside its transaction, after grading; only flushes. Does
    nothing for a user who is not enrolled.
    """
    enrollment = lock_enrollment(user.id, quiz.module.course_id)
    if enrollment is None:
        return
    db.session.flush()  # the attempt's grade must be visible to the aggregate below
    # The course row came with the attempt: its version is not read a second time in this request.
    course = outline.of_loaded(quiz.module.course)
    enrollment.best_score_percent = _average_best_percent(user.id, course)
    enrollment.last_activity_at = utcnow()
    refresh_completion(user, course, enrollment)


_BEST_PER_QUIZ = (
    select(func.max(Attempt.percent))
    .where(Attempt.user_id == bindparam("user_id"), Attempt.quiz_id.in_(bindparam("quiz_ids", expanding=True)),
           Attempt.status == AttemptStatus.SUBMITTED, Attempt.percent.is_not(None))
    .group_by(Attempt.quiz_id)
)


def _average_best_percent(user_id: int, course: CourseView) -> float | None:
    """The average of the user's best percent per attempted counted quiz of the course."""
    quiz_ids = [module.quiz.id for module in counted_modules(course) if module.quiz is not None]
    if not quiz_ids:
        return None
    return average_best(float(best) for best in db.session.scalars(
        _BEST_PER_QUIZ, {"user_id": user_id, "quiz_ids": quiz_ids}))


# ---------------------------------------------------------------- courses as trainees see them


def course_outline(course_id: int) -> CourseView:
    """The outline of an existing course (LookupError when there is none)."""
    course = outline.by_id(course_id)
    if course is None:
        raise LookupError(f"course {course_id} does not exist")
    return course


def course_outline_by_slug(slug: str) -> CourseView | None:
    """The outline of the course with this slug, whatever its status, or None."""
    return outline.by_slug(slug)


def can_preview(user: User, course: CourseView | Course) -> bool:
    """Trainers and admins who may edit a course also see its drafts and every lesson."""
    return course.can_edit(user)


def can_view(user: User, course: CourseView | Course) -> bool:
    """Published courses are open to everyone logged in; drafts only to their editors."""
    return course.is_published or can_preview(user, course)


@dataclass(frozen=True)
class DraftImpact:
    """Who a course, module or lesson made a draft would be taken from: enrolled, still learning, done with it."""

    enrolled: int
    learning: int
    completed_lesson: int = 0


def draft_impact(course_id: int, lesson_id: int | None = None) -> DraftImpact:
    """The trainees of a course (and those who completed one of its lessons) that a draft would hide it from."""
    enrolled, learning = db.session.execute(
        select(func.count(Enrollment.id), func.count(Enrollment.id).filter(Enrollment.completed_at.is_(None)))
        .where(Enrollment.course_id == course_id)
    ).one()
    completed = 0
    if lesson_id is not None:
        completed = db.session.scalar(
            select(func.count(LessonCompletion.id)).where(LessonCompletion.lesson_id == lesson_id)) or 0
    return DraftImpact(int(enrolled or 0), int(learning or 0), int(completed))


def catalog(user: User) -> list[Course]:
    """Published courses by title, plus the drafts this user may edit."""
    query = select(Course).order_by(Course.title, Course.id)
    if user.role == Role.TRAINER:
        owned = select(CourseOwner.course_id).where(CourseOwner.user_id == user.id)
        query = query.where(or_(Course.status == Status.PUBLISHED, Course.id.in_(owned)))
    elif user.role != Role.ADMIN:
        query = query.where(Course.status == Status.PUBLISHED)
    return list(db.session.scalars(query))


def course_sizes(course_ids: Iterable[int]) -> dict[int, tuple[int, int]]:
    """(published modules, published lessons) per course, in one aggregate query."""
    ids = list(course_ids)
    if not ids:
        return {}
    rows = db.session.execute(
        select(Module.course_id, func.count(func.distinct(Module.id)), func.count(Lesson.id))
        .outerjoin(Lesson, and_(Lesson.module_id == Module.id, Lesson.status == Status.PUBLISHED,
                                Lesson.retired_at.is_(None)))
        .where(Module.course_id.in_(ids), Module.status == Status.PUBLISHED, Module.retired_at.is_(None))
        .group_by(Module.course_id)
    )
    return {course_id: (modules, lessons) for course_id, modules, lessons in rows}


def enrolled_course_ids(user_id: int) -> set[int]:
    """The ids of the courses the user is enrolled in."""
    return set(db.session.scalars(select(Enrollment.course_id).where(Enrollment.user_id == user_id)))


def visible_modules(course: CourseView, preview: bool = False) -> list[ModuleView]:
    """The modules shown: the counted (published) ones, or every one when previewing."""
    return list(course.modules) if preview else counted_modules(course)


def visible_lessons(module: ModuleView, preview: bool = False) -> list[LessonView]:
    """The lessons shown: the counted (published) ones, or every one when previewing."""
    return list(module.lessons) if preview else counted_lessons(module)


def visible_outline(course: CourseView, preview: bool = False) -> list[tuple[ModuleView, list[LessonView]]]:
    """The modules shown, each with the lessons shown, in course order."""
    return [(module, visible_lessons(module, preview)) for module in visible_modules(course, preview)]


def find_lesson(course: CourseView, module_slug: str, lesson_slug: str) -> tuple[ModuleView, LessonView] | None:
    """The module and lesson of the course with these slugs, or None."""
    for module in course.modules:
        if module.slug == module_slug:
            for lesson in module.lessons:
                if lesson.slug == lesson_slug:
                    return module, lesson
    return None


def find_lesson_by_id(lesson_id: int) -> tuple[CourseView, ModuleView, LessonView] | None:
    """The course, module and lesson of a lesson id, whatever their status, or None when there is no such lesson."""
    course_id = db.session.scalar(select(Module.course_id).join(Lesson, Lesson.module_id == Module.id)
                                  .where(Lesson.id == lesson_id))
    course = outline.by_id(course_id) if course_id is not None else None
    for module in course.modules if course is not None else ():
        for lesson in module.lessons:
            if lesson.id == lesson_id:
                return course, module, lesson
    return None


def neighbours(course: CourseView, lesson: LessonView, preview: bool = False) -> tuple[LessonView | None, LessonView | None]:
    """The previous and next lessons across modules, in course order."""
    ordered = [item for module in visible_modules(course, preview) for item in visible_lessons(module, preview)]
    index = next((i for i, item in enumerate(ordered) if item.id == lesson.id), None)
    if index is None:
        return None, None
    return (ordered[index - 1] if index > 0 else None), (ordered[index + 1] if index + 1 < len(ordered) else None)


# ---------------------------------------------------------------- progress and locks


def lock_reasons(course: CourseView, enrolled: bool, done_modules: set[int]) -> dict[int, str | None]:
    """For each published module of the course: why it is locked, or None when it is open."""
    reasons: dict[int, str | None] = {}
    blocker: ModuleView | None = None
    for module in visible_modules(course):
        if not course.is_published:
            reasons[module.id] = _("Kursus ini belum diterbitkan.")
        elif not enrolled:
            reasons[module.id] = _("Daftar kursus ini terlebih dahulu.")
        elif blocker is not None:
            reasons[module.id] = _("Selesaikan modul '%(title)s' terlebih dahulu.", title=blocker.title)
        else:
            reasons[module.id] = None
        if course.sequential and blocker is None and module.id not in done_modules:
            blocker = module
    return reasons


def _done_modules(user_id: int, course_ids: list[int]) -> set[int]:
    """The modules of these courses the user completed."""
    return set(db.session.scalars(
        select(ModuleCompletion.module_id).join(Module, Module.id == ModuleCompletion.module_id)
        .where(ModuleCompletion.user_id == user_id, Module.course_id.in_(course_ids))
    ))


def _progress_sets_statement() -> CompoundSelect:
    """Done lessons, done modules and passed quizzes of some courses as one UNION ALL tagged by kind."""
    user_id, course_ids = bindparam("user_id"), bindparam("course_ids", expanding=True)
    lessons = (select(literal("l").label("kind"), LessonCompletion.lesson_id.label("id"))
               .join(Lesson, Lesson.id == LessonCompletion.lesson_id).join(Module, Module.id == Lesson.module_id)
               .where(LessonCompletion.user_id == user_id, Module.course_id.in_(course_ids)))
    modules = (select(literal("m").label("kind"), ModuleCompletion.module_id.label("id"))
               .join(Module, Module.id == ModuleCompletion.module_id)
               .where(ModuleCompletion.user_id == user_id, Module.course_id.in_(course_ids)))
    quizzes = (select(literal("q").label("kind"), Attempt.quiz_id.label("id"))
               .join(Quiz, Quiz.id == Attempt.quiz_id).join(Module, Module.id == Quiz.module_id)
               .where(Attempt.user_id == user_id, Attempt.status == AttemptStatus.SUBMITTED,
                      Attempt.passed.is_(True), Module.course_id.in_(course_ids)))
    return union_all(lessons, modules, quizzes)


# Built once: on the lesson page, building this statement cost more than running it.
_PROGRESS_SETS = _progress_sets_statement()
_ENROLLMENT = select(Enrollment).where(Enrollment.user_id == bindparam("user_id"),
                                       Enrollment.course_id == bindparam("course_id"))
_ENROLLMENT_LOCKED = _ENROLLMENT.with_for_update().execution_options(populate_existing=True)
_QUIZ_ACTIVITY = (
    update(Enrollment).where(
        Enrollment.user_id == bindparam("trainee_id"),
        Enrollment.course_id == select(Module.course_id).where(Module.id == bindparam("quiz_module_id")).scalar_subquery())
    .values(last_activity_at=bindparam("now")).execution_options(synchronize_session=False)
)


def _progress_sets(user_id: int, course_ids: list[int]) -> tuple[set[int], set[int], set[int]]:
    """Done lessons, done modules and passed quizzes of these courses, in one round trip."""
    found: dict[str, set[int]] = {"l": set(), "m": set(), "q": set()}
    for kind, item_id in db.session.execute(_PROGRESS_SETS, {"user_id": user_id, "course_ids": course_ids}):
        found[kind].add(item_id)
    return found["l"], found["m"], found["q"]


def course_progress(user: User, course: CourseView) -> CourseProgress:
    """Everything the course and lesson pages need about the user's progress, in two queries."""
    enrollment = get_enrollment(user.id, course.id)
    if enrollment is None:
        return CourseProgress(None, reasons=lock_reasons(course, False, set()))
    done_lessons, done_modules, passed = _progress_sets(user.id, [course.id])
    return CourseProgress(enrollment, done_lessons, done_modules, passed, lock_reasons(course, True, done_modules))


def course_steps(course: CourseView, progress: CourseProgress) -> Steps:
    """Published lessons and quizzes of published modules, and how many the trainee completed or passed."""
    lessons = quizzes = done = 0
    for module in visible_modules(course):
        for lesson in visible_lessons(module):
            lessons += 1
            done += lesson.id in progress.done_lessons
        if module.quiz is not None:
            quizzes += 1
            done += module.quiz.id in progress.passed_quizzes
    return Steps(done, lessons + quizzes, lessons, quizzes)


def resume_step(course: CourseView, progress: CourseProgress) -> Step | None:
    """Where to continue: the first unfinished lesson or quiz, or None when all is done.

    In a sequential course that is the first unfinished step of the course; in a free-order
    course it is the first unfinished step after the last lesson marked complete.
    """
    steps: list[tuple[Step, bool]] = []
    for module in visible_modules(course):
        steps += [(lesson, lesson.id in progress.done_lessons) for lesson in visible_lessons(module)]
        if module.quiz is not None:
            steps.append((module.quiz, module.quiz.id in progress.passed_quizzes))
    last_id = progress.enrollment.last_lesson_id if progress.enrollment else None
    start = 0
    if not course.sequential and last_id is not None:
        start = next((i + 1 for i, (step, _done) in enumerate(steps) if isinstance(step, LessonView) and step.id == last_id), 0)
    return next((step for step, done in steps[start:] + steps[:start] if not done), None)


# ---------------------------------------------------------------- writes


def enroll(user: User, course: CourseView | Course, by: User | None = None) -> Enrollment:
    """Enrol the user in a published course; return the existing enrolment when there is one.

    `by` is the coordinator or admin who enrolled someone else; None for self-enrolment.
    Raises LearningError for a course that is not published.
    """
    existing = get_enrollment(user.id, course.id)
    if existing is not None:
        return existing
    if not course.is_published:
        raise LearningError(_("Kursus ini belum diterbitkan."))
    enrollment = Enrollment(user_id=user.id, course_id=course.id, enrolled_by_id=by.id if by else None)
    db.session.add(enrollment)
    db.session.flush()
    events.enrolled.send(current_app._get_current_object(), user=user, course=course, at=enrollment.enrolled_at)
    return enrollment


def mark_lesson_complete(user: User, course: CourseView, lesson: LessonView,
                         done_at: datetime | None = None) -> CompletionResult:
    """Mark a lesson complete and complete its module and course when due; "Tandai selesai" and its offline queue.

    done_at is when a trainee without a connection pressed "Tandai selesai" (None: now). It must lie
    between their enrolment and now (LearningError otherwise), and becomes the completion's time,
    and that of the module and course it completes. Again is harmless: online it only moves where
    the trainee left off; a completion sent from the offline queue a second time changes nothing
    (`result.recorded` is False).
    """
    enrollment = lock_enrollment(user.id, course.id)
    if enrollment is None:
        raise LearningError(_("Daftar kursus ini terlebih dahulu."))
    now = utcnow()
    if done_at is not None:
        _check_offline_time(done_at, enrollment, now)
    exists = db.session.scalar(select(LessonCompletion.id).where(
        LessonCompletion.user_id == user.id, LessonCompletion.lesson_id == lesson.id))
    if exists is not None and done_at is not None:
        return CompletionResult(recorded=False)
    at = done_at or now
    if exists is None:
        db.session.add(LessonCompletion(user_id=user.id, lesson_id=lesson.id, completed_at=at))
        db.session.flush()
        events.lesson_completed.send(current_app._get_current_object(), user=user, lesson=lesson, at=at)
    # A completion sent late never moves "where the trainee left off" back before what they did since.
    previous = enrollment.last_activity_at
    if previous is None or at >= previous:
        enrollment.last_lesson_id = lesson.id
        enrollment.last_activity_at = at
    result = refresh_completion(user, course, enrollment, at=max(at, previous) if previous else at)
    result.recorded = exists is None
    return result


def _check_offline_time(done_at: datetime, enrollment: Enrollment, now: datetime) -> None:
    """Refuse an offline completion said to be done in the future or before the trainee enrolled."""
    if done_at > now:
        raise LearningError(_("Waktu selesai tidak boleh di masa depan."))
    if done_at < enrollment.enrolled_at:
        raise LearningError(_("Waktu selesai lebih awal daripada pendaftaran Anda di kursus ini."))


def refresh_completion(user: User, course: CourseView, enrollment: Enrollment,
                       at: datetime | None = None) -> CompletionResult:
    """Count the lessons done, record every module now complete and, when all are, the course and its
    certificate, as of `at` (now).

    Completion is never taken back: a module or course completed stays completed even if a
    trainer later adds a lesson. The whole-course twin is app.progress.figures.recount_course.
    """
    done_lessons, done_modules, passed = _progress_sets(user.id, [course.id])
    result, now, modules = CompletionResult(), at or utcnow(), counted_modules(course)
    enrollment.lessons_completed = sum(lesson.id in done_lessons for m in modules for lesson in counted_lessons(m))
    for module in modules:
        if module.id not in done_modules and module_done(module, done_lessons, passed):
            db.session.add(ModuleCompletion(user_id=user.id, module_id=module.id, completed_at=now))
            done_modules.add(module.id)
            result.modules.append(module)
    if modules and enrollment.completed_at is None and all(m.id in done_modules for m in modules):
        enrollment.completed_at = now
        events.course_completed.send(current_app._get_current_object(), user=user, course=course, at=now)
        result.certificate = certificates.issue(user, course, now)
    db.session.flush()
    return result


# ---------------------------------------------------------------- "Kursus saya"


def my_courses(user: User) -> list[MyCourse]:
    """The user's enrolments with progress, where to continue and certificates, in a fixed number of queries."""
    enrollments = list(db.session.scalars(
        select(Enrollment).where(Enrollment.user_id == user.id)
        .order_by(Enrollment.enrolled_at.desc(), Enrollment.id.desc())
    ))
    if not enrollments:
        return []
    courses = outline.by_ids(e.course_id for e in enrollments)
    # Steps are counted on the outlines kept anyway for resume_step: no aggregate query.
    done_lessons, done_modules, passed = _progress_sets(user.id, list(courses))
    issued = certificates.for_user(user.id)
    rows = []
    for enrollment in enrollments:
        course = courses.get(enrollment.course_id)
        if course is None:  # deleted between the two reads; its enrolment goes with it
            continue
        progress = CourseProgress(enrollment, done_lessons, done_modules, passed,
                                  lock_reasons(course, True, done_modules))
        rows.append(MyCourse(
            enrollment, course, course_steps(course, progress), status_of(enrollment),
            resume_step(course, progress) if course.is_published and not enrollment.completed_at else None,
            issued.get(course.id), progress,
        ))
    return rows

