"""Question banks kept in memory by each worker, keyed by their course's content version.

The quiz page, grading and the result page all read a quiz's questions and choices; they
change only when a trainer edits them, and every such edit counts up the course's
content_version (app/catalog/versions.py), which the caller already has from the attempt's course.
The banks are immutable values kept on the application (`app.extensions`), replaced whole.
A bank holds retired questions and choices too, flagged: the review of a graded attempt still
shows them; an open attempt leaves them out.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from types import MappingProxyType

from flask import Flask, current_app
from sqlalchemy import bindparam, select

from app.catalog import versions
from app.extensions import db
from app.quizzes.models import Choice, Question, Quiz

EXTENSION = "question_banks"


@dataclass(frozen=True, eq=False)
class ChoiceView:
    """A choice as stored: its correctness and feedback stay on the server until the result page."""

    id: int
    question_id: int
    key: str
    position: int
    text: str
    correct: bool
    feedback: str
    retired: bool = False
    weight: float | None = None


@dataclass(frozen=True, eq=False)
class QuestionView:
    """A question with its choices in their stored order."""

    id: int
    quiz_id: int
    key: str
    position: int
    type: str
    text: str
    explanation: str
    scoring: str
    points: float
    accepted: tuple[str, ...]
    choices: tuple[ChoiceView, ...]
    retired: bool = False
    accepted_weights: tuple[float, ...] = ()
    accepted_feedback: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()  # what a quiz's draw_per_tag draws by


def init_app(app: Flask) -> None:
    """Give the app its (empty) question bank cache."""
    app.extensions[EXTENSION] = versions.KeptByVersion[Mapping[int, QuestionView]]()


_QUESTIONS = select(*Question.__table__.c).where(Question.__table__.c.quiz_id == bindparam("quiz_id"))
_CHOICES = (select(*Choice.__table__.c).join(Question.__table__, Question.__table__.c.id == Choice.__table__.c.question_id)
            .where(Question.__table__.c.quiz_id == bindparam("quiz_id"))
            .order_by(Choice.__table__.c.question_id, Choice.__table__.c.position, Choice.__table__.c.id))


def questions(quiz: Quiz) -> Mapping[int, QuestionView]:
    """The quiz's questions by id, current as of its course's content version (quiz.module.course loaded)."""
    course = quiz.module.course
    return current_app.extensions[EXTENSION].get(quiz.id, course.id, course.content_version, lambda: _load(quiz.id))


def current(quiz: Quiz) -> list[QuestionView]:
    """The questions a new attempt draws from: not retired, each with its choices that are not retired."""
    return [replace(question, choices=tuple(choice for choice in question.choices if not choice.retired))
            for question in questions(quiz).values() if not question.retired]


def _load(quiz_id: int) -> Mapping[int, QuestionView]:
    """Read one quiz's questions and choices with two plain column queries."""
    choices: dict[int, list[ChoiceView]] = {}
    for row in db.session.execute(_CHOICES, {"quiz_id": quiz_id}):
        choices.setdefault(row.question_id, []).append(ChoiceView(
            row.id, row.question_id, row.key, row.position, row.text, bool(row.correct), row.feedback or "",
            row.retired_at is not None, None if row.weight is None else float(row.weight)))
    return MappingProxyType({
        row.id: QuestionView(row.id, row.quiz_id, row.key, row.position, row.type, row.text, row.explanation or "",
                             row.scoring, float(row.points), tuple(str(a) for a in row.accepted or ()),
                             tuple(choices.get(row.id, ())), row.retired_at is not None,
                             tuple(float(w) for w in row.accepted_weights or ()),
                             tuple(str(f) for f in row.accepted_feedback or ()), tuple(row.tags or ()))
        for row in db.session.execute(_QUESTIONS, {"quiz_id": quiz_id})
    })
