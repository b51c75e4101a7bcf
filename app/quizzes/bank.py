"""Question banks kept in memory per worker, reloaded when their course's `updated_at` moves.

The quiz page, grading and the result page all read a quiz's questions and choices; they
change only when a trainer edits them, and every such edit touches the course's updated_at
(app/catalog/outline.py), which the caller already has from the attempt's course.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from threading import Lock

from sqlalchemy import bindparam, select

from app.extensions import db
from app.quizzes.models import Choice, Question


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


@dataclass(frozen=True)
class Bank:
    """A quiz's questions by id, as of its course's `updated_at`."""

    updated_at: datetime
    questions: dict[int, QuestionView]


_banks: dict[int, Bank] = {}
_loading = Lock()
_QUESTIONS = select(*Question.__table__.c).where(Question.__table__.c.quiz_id == bindparam("quiz_id"))
_CHOICES = (select(*Choice.__table__.c).join(Question.__table__, Question.__table__.c.id == Choice.__table__.c.question_id)
            .where(Question.__table__.c.quiz_id == bindparam("quiz_id"))
            .order_by(Choice.__table__.c.question_id, Choice.__table__.c.position, Choice.__table__.c.id))


def questions(quiz_id: int, course_updated_at: datetime) -> dict[int, QuestionView]:
    """The quiz's questions by id, current as of the course's `updated_at` given by the caller."""
    kept = _banks.get(quiz_id)
    if kept is None or kept.updated_at != course_updated_at:
        with _loading:
            kept = _banks.get(quiz_id)
            if kept is None or kept.updated_at != course_updated_at:
                kept = _banks[quiz_id] = Bank(course_updated_at, _load(quiz_id))
    return kept.questions


def _load(quiz_id: int) -> dict[int, QuestionView]:
    choices: dict[int, list[ChoiceView]] = {}
    for row in db.session.execute(_CHOICES, {"quiz_id": quiz_id}):
        choices.setdefault(row.question_id, []).append(ChoiceView(
            row.id, row.question_id, row.key, row.position, row.text, bool(row.correct), row.feedback or ""))
    return {row.id: QuestionView(row.id, row.quiz_id, row.key, row.position, row.type, row.text, row.explanation or "",
                                 row.scoring, float(row.points), tuple(str(a) for a in row.accepted or ()),
                                 tuple(choices.get(row.id, ())))
            for row in db.session.execute(_QUESTIONS, {"quiz_id": quiz_id})}
