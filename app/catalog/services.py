"""Queries for courses that other parts of the app need; writes only flush."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Optional

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.catalog.models import Course, Lesson, Module, Status
from app.extensions import db
from app.quizzes.models import Question, Quiz


def course_by_slug(slug: str) -> Optional[Course]:
    """The course with this slug, published or not."""
    return db.session.scalar(select(Course).where(Course.slug == slug))


def published_courses() -> list[Course]:
    """Courses trainees can see, by title, with their modules loaded."""
    query = (select(Course).where(Course.status == Status.PUBLISHED)
             .options(selectinload(Course.modules)).order_by(Course.title))
    return list(db.session.scalars(query))


def _with_content():
    """Load options for a whole course: modules, lessons, quiz, questions and choices."""
    module = selectinload(Course.modules)
    return (
        module.selectinload(Module.lessons),
        module.selectinload(Module.quiz).selectinload(Quiz.questions).selectinload(Question.choices),
    )


def courses_with_content(slugs: Iterable[str]) -> dict[str, Course]:
    """The courses with these slugs, each loaded whole in a fixed number of queries, by slug."""
    query = select(Course).where(Course.slug.in_(list(slugs))).options(*_with_content())
    return {course.slug: course for course in db.session.scalars(query)}


def course_with_content(slug: str) -> Optional[Course]:
    """One course loaded whole, or None."""
    return courses_with_content([slug]).get(slug)


def lessons_in_order(course_id: int) -> list[Lesson]:
    """Every lesson of a course in reading order (module, then lesson position)."""
    query = (select(Lesson).join(Module).where(Module.course_id == course_id)
             .order_by(Module.position, Lesson.position))
    return list(db.session.scalars(query))
