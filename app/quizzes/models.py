"""Quizzes, questions with their choices, attempts and answers."""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Optional

from sqlalchemy import JSON, Boolean, CheckConstraint, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.catalog.models import Retirable
from app.extensions import UTCDateTime, db, utcnow

if TYPE_CHECKING:
    from app.accounts.models import User
    from app.catalog.models import Module


class ReviewPolicy:
    """What a trainee sees on the result page of an attempt (see courses/README.md)."""

    #: the score and which questions were right or wrong after every attempt; the correct answers
    #: and explanations only once the trainee has passed or has no attempts left
    AFTER_PASS = "after_pass"
    #: everything after every attempt
    ALWAYS = "always"
    #: the score only, never the questions
    NEVER = "never"
    ALL = (AFTER_PASS, ALWAYS, NEVER)


class Quiz(Retirable, db.Model):
    """The quiz of a module: pass mark, attempt limit, review policy and the size of each attempt's draw."""

    __tablename__ = "quizzes"
    __table_args__ = (
        CheckConstraint("pass_mark BETWEEN 1 AND 100", name="pass_mark_range"),
        CheckConstraint("max_attempts IS NULL OR max_attempts > 0", name="max_attempts_positive"),
        CheckConstraint("review IN ('after_pass', 'always', 'never')", name="review"),
        CheckConstraint("draw IS NULL OR draw > 0", name="draw_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id", ondelete="CASCADE"), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    pass_mark: Mapped[int] = mapped_column(Integer, default=70)
    # No Python default: None means unlimited, and a default would silently replace an explicit None.
    max_attempts: Mapped[Optional[int]] = mapped_column(Integer)
    #: one of ReviewPolicy.ALL
    review: Mapped[str] = mapped_column(String(12), default=ReviewPolicy.AFTER_PASS)
    #: questions asked per attempt, drawn from all of them; None asks every question
    draw: Mapped[Optional[int]] = mapped_column(Integer)
    #: {tag: n}: how many of the drawn questions carry each tag (app/quizzes/pools.py)
    draw_per_tag: Mapped[dict] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    module: Mapped[Module] = relationship(back_populates="quiz")
    questions: Mapped[list[Question]] = relationship(
        back_populates="quiz", order_by="Question.position", cascade="all, delete-orphan",
        primaryjoin="and_(Question.quiz_id == Quiz.id, Question.retired_at.is_(None))",
    )
    all_questions: Mapped[list[Question]] = relationship(order_by="Question.position", viewonly=True)


class Question(Retirable, db.Model):
    """A question of one of the registered types (single, multiple, truefalse, short)."""

    __tablename__ = "questions"
    __table_args__ = (
        UniqueConstraint("quiz_id", "key"),
        CheckConstraint("type IN ('single', 'multiple', 'truefalse', 'short')", name="type"),
        CheckConstraint("scoring IN ('partial', 'all_or_nothing')", name="scoring"),
        CheckConstraint("points > 0", name="points_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    quiz_id: Mapped[int] = mapped_column(ForeignKey("quizzes.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(80))
    position: Mapped[int] = mapped_column(Integer, default=0)
    type: Mapped[str] = mapped_column(String(12))
    text: Mapped[str] = mapped_column(Text)
    explanation: Mapped[str] = mapped_column(Text, default="")
    scoring: Mapped[str] = mapped_column(String(16), default="partial")
    points: Mapped[float] = mapped_column(Float, default=1.0)
    accepted: Mapped[list] = mapped_column(JSON, default=list)
    #: per accepted answer, its grade in percent (Moodle's weighted alternatives); [] when each gives full marks
    accepted_weights: Mapped[list] = mapped_column(JSON, default=list)
    #: per accepted answer, the feedback a trainee who typed it sees; [] when none has any
    accepted_feedback: Mapped[list] = mapped_column(JSON, default=list)
    #: short slug-like labels (a lesson, a topic) that a quiz's draw_per_tag draws by
    tags: Mapped[list] = mapped_column(JSON, default=list)

    quiz: Mapped[Quiz] = relationship(back_populates="questions")
    choices: Mapped[list[Choice]] = relationship(
        back_populates="question", order_by="Choice.position", cascade="all, delete-orphan",
        primaryjoin="and_(Choice.question_id == Question.id, Choice.retired_at.is_(None))",
    )
    all_choices: Mapped[list[Choice]] = relationship(order_by="Choice.position", viewonly=True)


class Choice(Retirable, db.Model):
    """A choice of a choice question; true/false questions have the keys 'true' and 'false'."""

    __tablename__ = "choices"
    __table_args__ = (
        UniqueConstraint("question_id", "key"),
        CheckConstraint("weight IS NULL OR weight BETWEEN -100 AND 100", name="weight_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(40))
    position: Mapped[int] = mapped_column(Integer, default=0)
    text: Mapped[str] = mapped_column(Text)
    correct: Mapped[bool] = mapped_column(Boolean, default=False)
    feedback: Mapped[str] = mapped_column(Text, default="")
    #: the choice's grade in percent (-100..100) as Moodle gives it, when the question has
    #: per-answer weights (every choice then has one); None grades by `correct` and the scoring
    weight: Mapped[Optional[float]] = mapped_column(Float)

    question: Mapped[Question] = relationship(back_populates="choices")


class AttemptStatus:
    """An attempt is open until it is submitted, then graded exactly once."""

    OPEN = "open"
    SUBMITTED = "submitted"


class Attempt(db.Model):
    """One trainee's attempt at a quiz, with its drawn and shuffled layout and, once submitted, its score."""

    __tablename__ = "attempts"
    __table_args__ = (
        UniqueConstraint("quiz_id", "user_id", "number"),
        CheckConstraint("status IN ('open', 'submitted')", name="status"),
        CheckConstraint("number > 0", name="number_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # No cascade: a quiz with attempts is retired, never deleted (the database refuses it). Looked up
    # through the unique (quiz_id, user_id, number) index: no index of its own.
    quiz_id: Mapped[int] = mapped_column(ForeignKey("quizzes.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(12), default=AttemptStatus.OPEN)
    #: the questions drawn for this attempt in display order, each with its choice order:
    #: [{"question": id, "choices": [ids]}]
    layout: Mapped[list] = mapped_column(JSON, default=list)
    #: the answers of an open attempt saved so far, {"<question id>": [values]}, kept when the trainee leaves
    saved_answers: Mapped[dict] = mapped_column(JSON, default=dict)
    #: when the answers were last saved
    answers_saved_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    score: Mapped[Optional[float]] = mapped_column(Float)
    max_score: Mapped[Optional[float]] = mapped_column(Float)
    percent: Mapped[Optional[float]] = mapped_column(Float)
    passed: Mapped[Optional[bool]] = mapped_column(Boolean)

    quiz: Mapped[Quiz] = relationship()
    user: Mapped[User] = relationship()
    answers: Mapped[list[Answer]] = relationship(back_populates="attempt", cascade="all, delete-orphan")


class AttemptGrant(db.Model):
    """Extra attempts at a quiz given to one trainee, by whom and why (also in the audit log)."""

    __tablename__ = "attempt_grants"
    __table_args__ = (CheckConstraint("extra > 0", name="extra_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # No cascade: a quiz someone was granted attempts at is retired, never deleted (the reason is kept).
    quiz_id: Mapped[int] = mapped_column(ForeignKey("quizzes.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: attempts added to the quiz's limit for this trainee
    extra: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(300))
    granted_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    granted_by: Mapped[Optional[User]] = relationship(foreign_keys=[granted_by_id])


class Answer(db.Model):
    """The graded answer to one question of a submitted attempt."""

    __tablename__ = "answers"
    __table_args__ = (UniqueConstraint("attempt_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Looked up through the unique (attempt_id, question_id) index: no index of its own.
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id", ondelete="CASCADE"))
    # No cascade: a question with answers is retired, never deleted (the database refuses it).
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id"), index=True)
    response: Mapped[list] = mapped_column(JSON, default=list)
    score: Mapped[float] = mapped_column(Float, default=0.0)
    max_score: Mapped[float] = mapped_column(Float, default=1.0)
    correct: Mapped[bool] = mapped_column(Boolean, default=False)

    attempt: Mapped[Attempt] = relationship(back_populates="answers")
    question: Mapped[Question] = relationship()
