"""Read-only course outlines kept in memory per worker and reloaded when their course changes.

Every lesson, course and "Kursus saya" page needs the same outline (modules, lessons, quizzes),
which changes only when a trainer edits it. Loading it through the ORM on every request cost
more than everything else on the lesson page together, so each worker keeps plain copies,
checked with one small query against the course's `updated_at`. Any change to a course's
modules, lessons, quizzes, questions, choices or owners touches that timestamp (see
`_touch_courses` below), so a worker never serves an outline older than the last committed edit.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from threading import Lock
from typing import TYPE_CHECKING, Optional

from sqlalchemy import bindparam, event, select
from sqlalchemy.orm import Session

from app.catalog.models import Course, CourseOwner, Lesson, Module, Status, editable_by
from app.extensions import db, utcnow
from app.quizzes.models import Choice, Question, Quiz

if TYPE_CHECKING:
    from app.accounts.models import User


@dataclass(eq=False)
class LessonView:
    """A lesson as trainees see it; `module` leads back to its module."""

    id: int
    module_id: int
    slug: str
    title: str
    position: int
    minutes: int
    objectives: list
    sources: list
    body_md: str
    status: str
    module: ModuleView = field(init=False, repr=False)


@dataclass(eq=False)
class QuizView:
    """A module's quiz: what the outline and the "Lanjutkan" link need."""

    id: int
    module_id: int
    title: str
    pass_mark: int
    max_attempts: Optional[int]
    module: ModuleView = field(init=False, repr=False)


@dataclass(eq=False)
class ModuleView:
    """A module with its lessons in order and its quiz; `course` leads back to the course."""

    id: int
    course_id: int
    slug: str
    title: str
    position: int
    status: str
    lessons: list[LessonView] = field(default_factory=list)
    quiz: Optional[QuizView] = None
    course: CourseView = field(init=False, repr=False)


@dataclass(eq=False)
class CourseView:
    """A course and its whole outline, as of `updated_at`."""

    id: int
    slug: str
    title: str
    summary: str
    audience: str
    hours: int
    sources: list
    sequential: bool
    status: str
    updated_at: datetime
    owner_ids: frozenset[int]
    modules: list[ModuleView] = field(default_factory=list)

    @property
    def is_published(self) -> bool:
        """Whether trainees can see this course."""
        return self.status == Status.PUBLISHED

    def can_edit(self, user: User) -> bool:
        """Admins edit every course; a trainer edits the courses they own or co-own."""
        return editable_by(user, self.owner_ids)


# One dictionary per worker process; the lock only keeps two threads from loading the same course twice.
_outlines: dict[int, CourseView] = {}
_loading = Lock()

# Built once: a statement built per request costs more than the query itself.
_VERSION_BY_SLUG = select(Course.id, Course.updated_at).where(Course.slug == bindparam("slug"))
_VERSIONS_BY_ID = select(Course.id, Course.updated_at).where(Course.id.in_(bindparam("ids", expanding=True)))


def by_slug(slug: str) -> CourseView | None:
    """The outline of the course with this slug, or None when there is no such course."""
    row = db.session.execute(_VERSION_BY_SLUG, {"slug": slug}).first()
    return None if row is None else _current(*row)


def by_id(course_id: int) -> CourseView | None:
    """The outline of the course with this id, or None."""
    return by_ids([course_id]).get(course_id)


def by_ids(course_ids: Iterable[int]) -> dict[int, CourseView]:
    """The outlines of these courses by id, checked in one query; missing ids are left out."""
    ids = list(dict.fromkeys(course_ids))
    if not ids:
        return {}
    return {course_id: _current(course_id, updated_at)
            for course_id, updated_at in db.session.execute(_VERSIONS_BY_ID, {"ids": ids})}


def _current(course_id: int, updated_at: datetime) -> CourseView:
    kept = _outlines.get(course_id)
    if kept is not None and kept.updated_at == updated_at:
        return kept
    with _loading:
        kept = _outlines.get(course_id)
        if kept is None or kept.updated_at != updated_at:
            kept = _outlines[course_id] = _load(course_id)
    return kept


def _load(course_id: int) -> CourseView:
    """Read one course's outline with plain column queries (no ORM objects to build)."""
    c = Course.__table__.c
    row = db.session.execute(select(
        c.id, c.slug, c.title, c.summary, c.audience, c.hours, c.sources, c.sequential, c.status, c.updated_at,
    ).where(c.id == course_id)).one()
    owners = frozenset(db.session.scalars(select(CourseOwner.user_id).where(CourseOwner.course_id == course_id)))
    course = CourseView(row.id, row.slug, row.title, row.summary or "", row.audience or "", row.hours,
                        list(row.sources or []), row.sequential, row.status, row.updated_at, owners)
    modules = _modules(course)
    _attach_lessons(modules)
    _attach_quizzes(modules)
    return course


def _modules(course: CourseView) -> dict[int, ModuleView]:
    m = Module.__table__.c
    rows = db.session.execute(
        select(m.id, m.course_id, m.slug, m.title, m.position, m.status)
        .where(m.course_id == course.id).order_by(m.position, m.id)
    )
    for row in rows:
        module = ModuleView(*row)
        module.course = course
        course.modules.append(module)
    return {module.id: module for module in course.modules}


def _attach_lessons(modules: dict[int, ModuleView]) -> None:
    if not modules:
        return
    ls = Lesson.__table__.c
    rows = db.session.execute(
        select(ls.id, ls.module_id, ls.slug, ls.title, ls.position, ls.minutes, ls.objectives, ls.sources,
               ls.body_md, ls.status)
        .where(ls.module_id.in_(list(modules))).order_by(ls.module_id, ls.position, ls.id)
    )
    for row in rows:
        lesson = LessonView(row.id, row.module_id, row.slug, row.title, row.position, row.minutes,
                            list(row.objectives or []), list(row.sources or []), row.body_md or "", row.status)
        lesson.module = modules[row.module_id]
        lesson.module.lessons.append(lesson)


def _attach_quizzes(modules: dict[int, ModuleView]) -> None:
    if not modules:
        return
    q = Quiz.__table__.c
    rows = db.session.execute(
        select(q.id, q.module_id, q.title, q.pass_mark, q.max_attempts).where(q.module_id.in_(list(modules)))
    )
    for row in rows:
        quiz = QuizView(*row)
        quiz.module = modules[row.module_id]
        quiz.module.quiz = quiz


# ---------------------------------------------------------------- keeping updated_at honest

# Objects whose change alters an outline or a question bank (app/quizzes/bank.py), and how to
# reach their course id. A removed child may have lost its parent object but keeps the parent's id.
_COURSE_OF = {
    Module: lambda s, module: _course_of_module(module),
    Lesson: lambda s, lesson: _course_of_module(_parent(s, lesson, "module", Module)),
    Quiz: lambda s, quiz: _course_of_quiz(s, quiz),
    Question: lambda s, question: _course_of_quiz(s, _parent(s, question, "quiz", Quiz)),
    Choice: lambda s, choice: _course_of_quiz(s, _parent(s, _parent(s, choice, "question", Question), "quiz", Quiz)),
    CourseOwner: lambda s, owner: owner.course_id,
}


def _parent(session: Session, obj, name: str, model):
    """obj.<name>, or the row its <name>_id points at; None when neither is known."""
    if obj is None:
        return None
    parent = getattr(obj, name)
    if parent is None and getattr(obj, f"{name}_id") is not None:
        parent = session.get(model, getattr(obj, f"{name}_id"))
    return parent


def _course_of_module(module: Module | None) -> int | None:
    if module is None:
        return None
    return module.course_id if module.course_id is not None else getattr(module.course, "id", None)


def _course_of_quiz(session: Session, quiz: Quiz | None) -> int | None:
    return _course_of_module(_parent(session, quiz, "module", Module))


@event.listens_for(Session, "before_flush")
def _touch_courses(session: Session, flush_context, instances) -> None:
    """Move `updated_at` of every course whose content or owners change in this flush."""
    course_ids = set()
    for objects, dirty in ((session.new, False), (session.dirty, True), (session.deleted, False)):
        for obj in objects:
            course_of = _COURSE_OF.get(type(obj))
            if course_of is not None and not (dirty and not session.is_modified(obj, include_collections=False)):
                course_ids.add(course_of(session, obj))
    course_ids.discard(None)
    now = utcnow()
    for course_id in course_ids:
        course = session.get(Course, course_id)
        if course is not None and course not in session.deleted:
            course.updated_at = now
