"""Read-only course outlines, kept in memory by each worker and keyed by the course's content version.

Every lesson, course and "Kursus saya" page needs the same outline (modules, lessons, quizzes),
which changes only when a trainer edits it. Loading it through the ORM on every request cost
more than everything else on the lesson page together, so each worker keeps immutable copies on
the application (`app.extensions`), checked with one small query against the course's
`content_version`, which the services count up on every change (app/catalog/versions.py).
Outlines hold live content only: retired modules, lessons and quizzes (app/catalog/retiring.py)
are gone for learners and editors alike.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Optional

from flask import Flask, current_app
from sqlalchemy import bindparam, select

from app.catalog import versions
from app.catalog.models import Course, CourseFile, CourseOwner, Lesson, Module, Status, editable_by
from app.extensions import db
from app.quizzes.models import Quiz

if TYPE_CHECKING:
    from app.accounts.models import User

EXTENSION = "course_outlines"


def _set(obj, name: str, value) -> None:
    """Fill a field of a frozen view while the outline is being built (never afterwards)."""
    object.__setattr__(obj, name, value)


@dataclass(frozen=True, eq=False)
class LessonView:
    """A lesson as trainees see it; `module` leads back to its module."""

    id: int
    module_id: int
    slug: str
    title: str
    position: int
    minutes: int
    objectives: tuple[str, ...]
    sources: tuple[str, ...]
    body_md: str
    status: str
    module: ModuleView = field(init=False, repr=False)


@dataclass(frozen=True, eq=False)
class QuizView:
    """A module's quiz: what the outline and the "Lanjutkan" link need."""

    id: int
    module_id: int
    title: str
    pass_mark: int
    max_attempts: Optional[int]
    module: ModuleView = field(init=False, repr=False)


@dataclass(frozen=True, eq=False)
class ModuleView:
    """A module with its lessons in order and its quiz; `course` leads back to the course."""

    id: int
    course_id: int
    slug: str
    title: str
    position: int
    status: str
    lessons: tuple[LessonView, ...] = ()
    quiz: Optional[QuizView] = None
    course: CourseView = field(init=False, repr=False)


@dataclass(frozen=True, eq=False)
class CourseView:
    """A course and its whole outline, as of `content_version`."""

    id: int
    slug: str
    title: str
    summary: str
    audience: str
    hours: int
    sources: tuple[str, ...]
    sequential: bool
    status: str
    content_version: int
    owner_ids: frozenset[int]
    files: dict[str, str] = field(default_factory=dict)  # berkas/<name> -> the SHA-256 of its content
    modules: tuple[ModuleView, ...] = ()

    @property
    def is_published(self) -> bool:
        """Whether trainees can see this course."""
        return self.status == Status.PUBLISHED

    def can_edit(self, user: User) -> bool:
        """Admins edit every course; a trainer edits the courses they own or co-own."""
        return editable_by(user, self.owner_ids)


def init_app(app: Flask) -> None:
    """Give the app its (empty) outline cache."""
    app.extensions[EXTENSION] = versions.KeptByVersion[CourseView]()


def _kept(course_id: int, version: int) -> CourseView:
    """The outline at this version, from the app's kept outlines."""
    return current_app.extensions[EXTENSION].get(course_id, course_id, version, lambda: _load(course_id))


# Built once: a statement built per request costs more than the query itself.
_VERSION_BY_SLUG = select(Course.id, Course.content_version).where(Course.slug == bindparam("slug"))
_VERSIONS_BY_ID = select(Course.id, Course.content_version).where(Course.id.in_(bindparam("ids", expanding=True)))


def by_slug(slug: str) -> CourseView | None:
    """The outline of the course with this slug, or None when there is no such course."""
    row = db.session.execute(_VERSION_BY_SLUG, {"slug": slug}).first()
    return None if row is None else _kept(*row)


def by_id(course_id: int) -> CourseView | None:
    """The outline of the course with this id, or None."""
    return by_ids([course_id]).get(course_id)


def of_loaded(course: Course) -> CourseView:
    """The outline at the version of a course row this transaction already read: no query.

    The quiz engine grades with the question bank of that same version, so progress counted
    from this outline agrees with the grading.
    """
    return _kept(course.id, course.content_version)


def by_ids(course_ids: Iterable[int]) -> dict[int, CourseView]:
    """The outlines of these courses by id, checked in one query; missing ids are left out."""
    ids = list(dict.fromkeys(course_ids))
    if not ids:
        return {}
    return {course_id: _kept(course_id, version)
            for course_id, version in db.session.execute(_VERSIONS_BY_ID, {"ids": ids})}


def _load(course_id: int) -> CourseView:
    """Read one course's outline with plain column queries (no ORM objects to build)."""
    c = Course.__table__.c
    row = db.session.execute(select(
        c.id, c.slug, c.title, c.summary, c.audience, c.hours, c.sources, c.sequential, c.status, c.content_version,
    ).where(c.id == course_id)).one()
    owners = frozenset(db.session.scalars(select(CourseOwner.user_id).where(CourseOwner.course_id == course_id)))
    files = {name: sha for name, sha in db.session.execute(
        select(CourseFile.name, CourseFile.sha256).where(CourseFile.course_id == course_id))}
    course = CourseView(row.id, row.slug, row.title, row.summary or "", row.audience or "", row.hours,
                        tuple(row.sources or ()), row.sequential, row.status, row.content_version, owners,
                        files)
    modules = _modules(course)
    lessons = _lessons(modules)
    quizzes = _quizzes(modules)
    for module in modules.values():
        _set(module, "lessons", tuple(lessons.get(module.id, ())))
        _set(module, "quiz", quizzes.get(module.id))
    _set(course, "modules", tuple(modules.values()))
    return course


def _modules(course: CourseView) -> dict[int, ModuleView]:
    """The course's modules in order, each leading back to the course."""
    m = Module.__table__.c
    rows = db.session.execute(
        select(m.id, m.course_id, m.slug, m.title, m.position, m.status)
        .where(m.course_id == course.id, m.retired_at.is_(None)).order_by(m.position, m.id)
    )
    modules = {}
    for row in rows:
        module = ModuleView(*row)
        _set(module, "course", course)
        modules[module.id] = module
    return modules


def _lessons(modules: dict[int, ModuleView]) -> dict[int, list[LessonView]]:
    """The lessons of these modules in order, by module id."""
    if not modules:
        return {}
    ls = Lesson.__table__.c
    rows = db.session.execute(
        select(ls.id, ls.module_id, ls.slug, ls.title, ls.position, ls.minutes, ls.objectives, ls.sources,
               ls.body_md, ls.status)
        .where(ls.module_id.in_(list(modules)), ls.retired_at.is_(None)).order_by(ls.module_id, ls.position, ls.id)
    )
    lessons: dict[int, list[LessonView]] = {}
    for row in rows:
        lesson = LessonView(row.id, row.module_id, row.slug, row.title, row.position, row.minutes,
                            tuple(row.objectives or ()), tuple(row.sources or ()), row.body_md or "", row.status)
        _set(lesson, "module", modules[row.module_id])
        lessons.setdefault(row.module_id, []).append(lesson)
    return lessons


def _quizzes(modules: dict[int, ModuleView]) -> dict[int, QuizView]:
    """The quiz of each of these modules that has one, by module id."""
    if not modules:
        return {}
    q = Quiz.__table__.c
    rows = db.session.execute(
        select(q.id, q.module_id, q.title, q.pass_mark, q.max_attempts)
        .where(q.module_id.in_(list(modules)), q.retired_at.is_(None))
    )
    quizzes = {}
    for row in rows:
        quiz = QuizView(*row)
        _set(quiz, "module", modules[row.module_id])
        quizzes[row.module_id] = quiz
    return quizzes
