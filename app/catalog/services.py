"""Queries for courses that other parts of the app need; writes only flush."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Optional

from sqlalchemy import select
from sqlalchemy.orm import selectinload, undefer
from sqlalchemy.orm.attributes import set_committed_value

from app.catalog.models import Course, CourseFile, Module
from app.extensions import db
from app.quizzes.models import Question, Quiz


def _with_content():
    """Load options for a whole course, retired rows included: modules, lessons, quiz, questions, choices."""
    module = selectinload(Course.all_modules)
    return (
        module.selectinload(Module.all_lessons),
        module.selectinload(Module.any_quiz).selectinload(Quiz.all_questions).selectinload(Question.all_choices),
    )


def _live(rows: list) -> list:
    return [row for row in rows if row.retired_at is None]


def _fill_live(course: Course) -> None:
    """Fill the live collections from the all_* ones already loaded, without another query."""
    set_committed_value(course, "modules", _live(course.all_modules))
    for module in course.all_modules:
        set_committed_value(module, "lessons", _live(module.all_lessons))
        quiz = module.any_quiz
        set_committed_value(module, "quiz", quiz if quiz is not None and quiz.retired_at is None else None)
        if quiz is not None:
            set_committed_value(quiz, "questions", _live(quiz.all_questions))
            for question in quiz.all_questions:
                set_committed_value(question, "choices", _live(question.all_choices))


def courses_with_content(slugs: Iterable[str]) -> dict[str, Course]:
    """The courses with these slugs, each loaded whole (retired rows too) in a fixed number of queries, by slug."""
    query = select(Course).where(Course.slug.in_(list(slugs))).options(*_with_content())
    courses = {course.slug: course for course in db.session.scalars(query)}
    for course in courses.values():
        _fill_live(course)
    return courses


def course_with_content(slug: str) -> Optional[Course]:
    """One course loaded whole, or None."""
    return courses_with_content([slug]).get(slug)


def file_with_content(course_id: int, name: str) -> Optional[CourseFile]:
    """A course file with its bytes loaded, or None."""
    query = (select(CourseFile).where(CourseFile.course_id == course_id, CourseFile.name == name)
             .options(undefer(CourseFile.content)))
    return db.session.scalar(query)
