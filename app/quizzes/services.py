"""Quiz attempts: start, a shuffled layout, grading exactly once, and reviews; views commit, these only flush."""
from __future__ import annotations

import random
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value

from app.accounts.models import User
from app.catalog.models import Module
from app.extensions import db, utcnow
from app.quizzes import bank, grading, grants, pools
from app.quizzes.bank import ChoiceView, QuestionView
from app.quizzes.models import Answer, Attempt, AttemptStatus, Choice, Question, Quiz, ReviewPolicy
from app.signals import Signal

FIELD_PREFIX = "q-"
MAX_TEXT_ANSWER = 500

# The quiz engine tells what happened and the domains above it act on it: progress moves the trainee's
# records, xapi records statements (create_app connects them, in the order they run): a lower domain
# never calls a higher one. Receivers run in the sender's transaction and only flush.
#: Sent with `user` and `attempt` when a new attempt has begun: starting a quiz is activity in the course.
attempt_started = Signal("attempt-started")
#: Sent with `attempt` once, right after it was graded: best score, completion and certificate follow.
attempt_graded = Signal("attempt-graded")


class QuizError(ValueError):
    """A quiz action that cannot be done as asked; the message is for the trainee."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class AttemptLimitReached(QuizError):
    """Every allowed attempt of the quiz has been used."""


class AnswerSheetError(QuizError):
    """A submitted answer sheet names a question or choice outside the attempt; nothing was saved."""


class AttemptClosed(QuizError):
    """The attempt was submitted meanwhile (another tab): its answers can no longer change."""


@dataclass(frozen=True)
class AttemptQuestion:
    """A question of an attempt, with its choices in the attempt's display order."""

    question: QuestionView
    choices: tuple[ChoiceView, ...]

    @property
    def field_name(self) -> str:
        """The name of this question's form field."""
        return f"{FIELD_PREFIX}{self.question.id}"


@dataclass(frozen=True)
class ReviewItem:
    """One question on the result page: the trainee's answer next to the right one."""

    question: QuestionView
    choices: tuple[ChoiceView, ...]
    answer: Answer | None
    chosen: tuple[ChoiceView, ...]
    correct_choices: tuple[ChoiceView, ...]

    @property
    def typed(self) -> str:
        """The typed text of a short answer, or ''."""
        if self.question.type != "short" or self.answer is None or not self.answer.response:
            return ""
        return str(self.answer.response[0])

    @property
    def typed_feedback(self) -> str:
        """The feedback of the accepted answer the typed text matched (Moodle's per-answer feedback), or ''."""
        index = grading.matched_answer(self.question.accepted, self.typed) if self.typed else None
        feedback = self.question.accepted_feedback
        return feedback[index] if index is not None and index < len(feedback) else ""

    @property
    def full_answers(self) -> tuple[str, ...]:
        """The accepted answers worth full marks (a "*" that catches the rest is no answer to show)."""
        weights = self.question.accepted_weights or (grading.FULL_WEIGHT,) * len(self.question.accepted)
        return tuple(answer for answer, weight in zip(self.question.accepted, weights)
                     if weight == grading.FULL_WEIGHT and answer.strip() != "*")


@dataclass(frozen=True)
class SubmitResult:
    """What a submission did: graded is False when an earlier submission had already graded it."""

    attempt: Attempt
    graded: bool


@dataclass(frozen=True)
class QuizStanding:
    """A trainee's standing on a quiz: their attempts, best score, and whether they may start one."""

    quiz: Quiz
    attempts: tuple[Attempt, ...]
    question_count: int
    extra: int = 0  # attempts granted on top of the quiz's limit

    @property
    def limit(self) -> int | None:
        """Attempts allowed to this trainee (the quiz's limit and any granted), or None for no limit."""
        return None if self.quiz.max_attempts is None else self.quiz.max_attempts + self.extra

    @property
    def asked(self) -> int:
        """How many questions each attempt asks: every one, or the quiz's draw from its pool."""
        return pools.asked_count(self.question_count, self.quiz.draw)

    @property
    def used(self) -> int:
        """How many attempts have been started, open or submitted."""
        return max((attempt.number for attempt in self.attempts), default=0)

    @property
    def remaining(self) -> int | None:
        """Attempts still allowed, or None when the quiz has no limit."""
        if self.limit is None:
            return None
        return max(0, self.limit - self.used)

    @property
    def open_attempt(self) -> Attempt | None:
        """The attempt in progress, if any."""
        return next((a for a in self.attempts if a.status == AttemptStatus.OPEN), None)

    @property
    def submitted(self) -> tuple[Attempt, ...]:
        """The graded attempts, oldest first."""
        return tuple(a for a in self.attempts if a.status == AttemptStatus.SUBMITTED)

    @property
    def best(self) -> Attempt | None:
        """The graded attempt with the highest percent (the earliest on a tie)."""
        return _best_of(self.submitted)

    @property
    def passed(self) -> bool:
        """Whether any attempt passed: passing once is enough."""
        return any(attempt.passed for attempt in self.submitted)

    @property
    def exhausted(self) -> bool:
        """Whether every allowed attempt has been used and none is still open."""
        return self.open_attempt is None and self.remaining == 0

    @property
    def can_start(self) -> bool:
        """Whether a new attempt may be started now."""
        if self.open_attempt is not None or self.question_count == 0:
            return False
        return self.remaining is None or self.remaining > 0


@dataclass(frozen=True)
class ReviewScope:
    """What a trainee's result page shows under the quiz's review policy."""

    questions: bool  # each question, right or wrong, with the trainee's own answer
    answers: bool  # the correct answers, the feedback on each choice and the explanations


def review_scope(standing: QuizStanding) -> ReviewScope:
    """The review policy applied to the trainee's standing: after_pass opens the answers once passed or out of attempts."""
    policy = standing.quiz.review
    if policy == ReviewPolicy.ALWAYS:
        return ReviewScope(questions=True, answers=True)
    if policy == ReviewPolicy.NEVER:
        return ReviewScope(questions=False, answers=False)
    return ReviewScope(questions=True, answers=standing.passed or standing.exhausted)


def _best_of(attempts: Sequence[Attempt]) -> Attempt | None:
    graded = [a for a in attempts if a.percent is not None]
    return max(graded, key=lambda a: (a.percent, -a.number), default=None)


# Built once: on the quiz's start, page and submission, building these statements cost more than running them.
_QUIZ = (select(Quiz).where(Quiz.id == bindparam("quiz_id"))
         .options(joinedload(Quiz.module).joinedload(Module.course)))
_ATTEMPT = (select(Attempt).where(Attempt.id == bindparam("attempt_id"))
            .options(joinedload(Attempt.quiz).joinedload(Quiz.module).joinedload(Module.course)))
_USER_ATTEMPTS = (select(Attempt).where(Attempt.user_id == bindparam("user_id"), Attempt.quiz_id == bindparam("quiz_id"))
                  .order_by(Attempt.number))
_LATEST_ATTEMPT = (select(Attempt).where(Attempt.user_id == bindparam("user_id"), Attempt.quiz_id == bindparam("quiz_id"))
                   .order_by(Attempt.number.desc()).limit(1))
_QUESTION_COUNT = (select(func.count()).select_from(Question)
                   .where(Question.quiz_id == bindparam("quiz_id"), Question.retired_at.is_(None)))


def get_quiz(quiz_id: int) -> Quiz | None:
    """The quiz with its module and course, or None."""
    return db.session.scalar(_QUIZ, {"quiz_id": quiz_id})


def get_attempt(attempt_id: int) -> Attempt | None:
    """The attempt with its quiz, module and course, or None."""
    return db.session.scalar(_ATTEMPT, {"attempt_id": attempt_id})


def user_attempts(user_id: int, quiz_id: int) -> list[Attempt]:
    """The user's attempts at the quiz, oldest first."""
    return list(db.session.scalars(_USER_ATTEMPTS, {"user_id": user_id, "quiz_id": quiz_id}))


def open_attempt(user_id: int, quiz_id: int) -> Attempt | None:
    """The user's attempt in progress at the quiz, if any."""
    return db.session.scalar(
        select(Attempt).where(Attempt.user_id == user_id, Attempt.quiz_id == quiz_id,
                              Attempt.status == AttemptStatus.OPEN).order_by(Attempt.number.desc()).limit(1)
    )


def question_count(quiz_id: int) -> int:
    """How many questions the quiz has."""
    return db.session.scalar(_QUESTION_COUNT, {"quiz_id": quiz_id}) or 0


def quiz_standing(user: User, quiz: Quiz) -> QuizStanding:
    """The user's attempts, best score and remaining attempts at the quiz, in three queries."""
    return QuizStanding(quiz, tuple(user_attempts(user.id, quiz.id)), question_count(quiz.id),
                        grants.extra_attempts(user.id, quiz.id))


def build_layout(questions: Sequence[Question | QuestionView], rng: random.Random, draw: int | None = None,
                 draw_per_tag: Mapping[str, int] | None = None) -> list[dict]:
    """Draw the attempt's questions, in a shuffled order, each with its choices shuffled.

    [{"question": id, "choices": [ids]}]; without draw every question is asked (app/quizzes/pools.py).
    """
    layout = []
    drawn = pools.draw_questions(list(questions), lambda q: q.tags or (), draw, draw_per_tag or {}, rng)
    for question in drawn:
        choice_ids = [choice.id for choice in question.choices]
        # Benar/Salah stays in its usual order: shuffling two fixed words only confuses.
        if question.type != "truefalse":
            rng.shuffle(choice_ids)
        layout.append({"question": question.id, "choices": choice_ids})
    return layout


def start_attempt(user: User, quiz: Quiz, rng: random.Random | None = None) -> Attempt:
    """Continue the open attempt, or start the next one with its own shuffled layout.

    Raises AttemptLimitReached when every allowed attempt is used, QuizError when the quiz has
    no questions. Call it before any other write of the transaction: when a concurrent request
    (a double click) wins the same attempt number, the transaction is rolled back and the
    winner's attempt is returned.
    """
    # One read decides both "continue" and the next number, so a concurrent start seen by one and
    # not the other cannot yield two attempts; only the latest attempt can be open.
    latest = db.session.scalar(_LATEST_ATTEMPT, {"user_id": user.id, "quiz_id": quiz.id})
    if latest is not None and latest.status == AttemptStatus.OPEN:
        return latest
    number = (latest.number if latest is not None else 0) + 1
    if quiz.max_attempts is not None and number > quiz.max_attempts:
        limit = quiz.max_attempts + grants.extra_attempts(user.id, quiz.id)  # read only when the quiz's own limit is reached
        if number > limit:
            raise AttemptLimitReached(_("Kesempatan mengerjakan kuis ini sudah habis (%(n)d kali).", n=limit))
    layout = new_layout(quiz, rng)
    attempt = Attempt(quiz_id=quiz.id, user_id=user.id, number=number, layout=layout)
    db.session.add(attempt)
    try:
        db.session.flush()
    except IntegrityError:
        # The unique (quiz, user, number) refused a concurrent start. A savepoint would keep the
        # rest of the transaction, but pysqlite commits on releasing an outermost savepoint.
        db.session.rollback()
        winner = db.session.scalar(select(Attempt).where(
            Attempt.user_id == user.id, Attempt.quiz_id == quiz.id, Attempt.number == number))
        if winner is None:
            raise
        return winner
    attempt_started.send(attempt, user=user)
    return attempt


def new_layout(quiz: Quiz, rng: random.Random | None = None) -> list[dict]:
    """A fresh draw of the quiz's questions with their choices shuffled; QuizError for a quiz without questions.

    Drawn from the question bank kept for the course's content version (quiz.module.course loaded):
    on a quiz day every trainee starts the same quiz, and its questions need not be read again for each.
    """
    questions = bank.current(quiz)
    if not questions:
        raise QuizError(_("Kuis ini belum memiliki soal."))
    return build_layout(questions, rng or random.Random(secrets.randbits(64)), quiz.draw, quiz.draw_per_tag)


def attempt_questions(attempt: Attempt) -> list[AttemptQuestion]:
    """The attempt's questions and choices in its stored display order, from the kept question bank."""
    return layout_questions(attempt.quiz, attempt.layout, graded=attempt.status != AttemptStatus.OPEN)


def layout_questions(quiz: Quiz, layout: Sequence[Mapping], graded: bool = False) -> list[AttemptQuestion]:
    """The questions of a layout (an attempt's or a preview's) with their choices in its order.

    An open attempt or a preview leaves out what a trainer removed since it was drawn (retired: kept
    only for the records); a graded attempt keeps every question and choice it was graded on.
    """
    by_id = bank.questions(quiz)
    ordered = []
    for entry in layout:
        question = by_id.get(entry["question"])
        if question is None or (question.retired and not graded):
            continue
        rank = {choice_id: index for index, choice_id in enumerate(entry["choices"])}
        shown = [choice for choice in question.choices if graded or not choice.retired]
        choices = sorted(shown, key=lambda c: (rank.get(c.id, len(rank)), c.position))
        ordered.append(AttemptQuestion(question, tuple(choices)))
    return ordered


def gradable(item: AttemptQuestion) -> grading.GradableQuestion:
    """The grading registry's view of a stored question: choice keys are choice ids."""
    question = item.question
    return grading.GradableQuestion(
        type=question.type,
        points=float(question.points),
        correct_keys=frozenset(str(choice.id) for choice in item.choices if choice.correct),
        choice_keys=tuple(str(choice.id) for choice in item.choices),
        accepted=tuple(str(text) for text in question.accepted or ()),
        scoring=question.scoring,
        weights=grading.stored_weights([choice.weight for choice in item.choices], question.accepted_weights),
    )


def _check_sheet(items: Sequence[AttemptQuestion], raw_answers: Mapping[str, Sequence[str]]) -> None:
    """Refuse answers to questions that are not part of the attempt."""
    known = {item.field_name for item in items}
    for name in raw_answers:
        if name not in known:
            raise AnswerSheetError(_("Lembar jawaban memuat soal yang tidak ada pada kuis ini."))


def _checked_values(items: Sequence[AttemptQuestion],
                    raw_answers: Mapping[str, Sequence[str]]) -> list[tuple[AttemptQuestion, list[str]]]:
    """Each question with its submitted values; AnswerSheetError for anything grading would refuse."""
    _check_sheet(items, raw_answers)
    checked = []
    for number, item in enumerate(items, start=1):
        values = [str(value) for value in raw_answers.get(item.field_name, ())]
        if any(len(value) > MAX_TEXT_ANSWER for value in values):
            raise AnswerSheetError(_("Jawaban soal nomor %(n)d terlalu panjang.", n=number))
        try:
            grading.question_type(item.question.type).parse_response(gradable(item), values)
        except grading.InvalidAnswer as error:
            raise AnswerSheetError(_("Jawaban soal nomor %(n)d tidak dapat diterima: %(reason)s",
                                     n=number, reason=error.message)) from error
        checked.append((item, values))
    return checked


def _grade_sheet(items: Sequence[AttemptQuestion], raw_answers: Mapping[str, Sequence[str]]) -> list[Answer]:
    """Grade every question in memory; raise AnswerSheetError before anything is written."""
    answers = []
    for item, values in _checked_values(items, raw_answers):
        result = grading.grade(gradable(item), values)
        answers.append(Answer(question_id=item.question.id, response=_response(item, values),
                              score=result.score, max_score=result.max_score, correct=result.correct))
    return answers


def unanswered(attempt: Attempt, raw_answers: Mapping[str, Sequence[str]]) -> list[tuple[int, AttemptQuestion]]:
    """(number, question) of each question of the attempt that the sheet leaves blank."""
    return [(number, item) for number, item in enumerate(attempt_questions(attempt), start=1)
            if not _response(item, [str(value) for value in raw_answers.get(item.field_name, ())])]


def saved_sheet(attempt: Attempt) -> dict[str, list[str]]:
    """The answers saved so far on an attempt, as the quiz form's fields (q-<question id>: values)."""
    return {f"{FIELD_PREFIX}{question_id}": [str(value) for value in values]
            for question_id, values in (attempt.saved_answers or {}).items()}


def save_answers(attempt: Attempt, raw_answers: Mapping[str, Sequence[str]]) -> None:
    """Keep an open attempt's answers so far, replacing the ones saved before; nothing is graded.

    Raises AnswerSheetError, with nothing written, for a sheet that grading would refuse, and
    AttemptClosed when the attempt has been submitted meanwhile (its saved answers stay as they were).
    """
    checked = _checked_values(attempt_questions(attempt), raw_answers)
    saved = {str(item.question.id): response for item, values in checked if (response := _response(item, values))}
    table, now = Attempt.__table__, utcnow()
    # Conditional, like the claim on submission: a save racing a submission never rewrites a graded attempt.
    result = db.session.execute(
        update(table).where(table.c.id == attempt.id, table.c.status == AttemptStatus.OPEN)
        .values(saved_answers=saved, answers_saved_at=now)
    )
    if result.rowcount != 1:
        raise AttemptClosed(_("Percobaan ini sudah dikirim; jawabannya tidak dapat diubah lagi."))
    set_committed_value(attempt, "saved_answers", saved)
    set_committed_value(attempt, "answers_saved_at", now)


def _response(item: AttemptQuestion, values: Sequence[str]) -> list[str]:
    """What to store as the answer: the chosen choice ids in display order, or the typed text."""
    present = [value.strip() for value in values if value and value.strip()]
    if item.question.type == "short":
        return present[:1]
    return [str(choice.id) for choice in item.choices if str(choice.id) in present]


def _claim(attempt: Attempt, answers: Sequence[Answer]) -> bool:
    """Move the attempt from open to submitted, with its score, in one conditional UPDATE; True for the one winner."""
    table = Attempt.__table__
    score, max_score = sum(answer.score for answer in answers), sum(answer.max_score for answer in answers)
    percent = round(100 * score / max_score, 2) if max_score else 0.0
    values = {"status": AttemptStatus.SUBMITTED, "submitted_at": utcnow(), "score": score, "max_score": max_score,
              "percent": percent, "passed": percent >= attempt.quiz.pass_mark}
    result = db.session.execute(
        update(table).where(table.c.id == attempt.id, table.c.status == AttemptStatus.OPEN).values(**values)
    )
    if result.rowcount != 1:
        return False
    # The row already holds these values: record them as loaded so the ORM does not write them again.
    for name, value in values.items():
        set_committed_value(attempt, name, value)
    return True


def submit_attempt(attempt: Attempt, raw_answers: Mapping[str, Sequence[str]]) -> SubmitResult:
    """Grade an open attempt exactly once and record it; a repeated submission changes nothing.

    raw_answers maps field names ("q-<question id>") to the submitted values. Raises
    AnswerSheetError, with nothing written, when an answer names a question or choice outside
    the attempt.
    """
    if attempt.status != AttemptStatus.OPEN:
        return SubmitResult(attempt, graded=False)
    answers = _grade_sheet(attempt_questions(attempt), raw_answers)
    # Whoever flips open -> submitted grades; a double click or a second tab finds nothing to flip.
    if not _claim(attempt, answers):
        db.session.refresh(attempt)
        return SubmitResult(attempt, graded=False)
    # One multi-row INSERT: the graded answers are never read back in this request.
    db.session.execute(insert(Answer), [
        {"attempt_id": attempt.id, "question_id": a.question_id, "response": a.response, "score": a.score,
         "max_score": a.max_score, "correct": a.correct} for a in answers])
    attempt_graded.send(attempt)
    return SubmitResult(attempt, graded=True)


def answers_per_choice(choice_ids: list[int]) -> dict[int, int]:
    """How many graded answers were given to the question of each of these choices: each showed the choice."""
    return dict(db.session.execute(
        select(Choice.id, func.count(Answer.id)).join(Answer, Answer.question_id == Choice.question_id)
        .where(Choice.id.in_(choice_ids)).group_by(Choice.id)).all())


def attempt_review(attempt: Attempt) -> list[ReviewItem]:
    """Each question of a submitted attempt with the trainee's answer and the right one (three queries)."""
    answers = {answer.question_id: answer for answer in db.session.scalars(
        select(Answer).where(Answer.attempt_id == attempt.id))}
    return [_review_item(item, answers.get(item.question.id)) for item in attempt_questions(attempt)]


def _review_item(item: AttemptQuestion, answer: Answer | None) -> ReviewItem:
    picked = {str(value) for value in answer.response} if answer is not None else set()
    chosen = tuple(choice for choice in item.choices if str(choice.id) in picked)
    correct = tuple(choice for choice in item.choices if choice.correct)
    return ReviewItem(item.question, item.choices, answer, chosen, correct)


@dataclass(frozen=True)
class PreviewOutcome:
    """A trainer's preview, graded in memory: the score as a trainee would get it, and every answer."""

    score: float
    max_score: float
    percent: float
    passed: bool
    items: list[ReviewItem]


def grade_preview(quiz: Quiz, layout: Sequence[Mapping], raw_answers: Mapping[str, Sequence[str]]) -> PreviewOutcome:
    """Grade a preview with an attempt's checks and rules; nothing is written, so no report counts it.

    Raises AnswerSheetError for a sheet that an attempt would refuse.
    """
    items = layout_questions(quiz, layout)
    answers = {answer.question_id: answer for answer in _grade_sheet(items, raw_answers)}
    score = sum(answer.score for answer in answers.values())
    max_score = sum(answer.max_score for answer in answers.values())
    percent = round(100 * score / max_score, 2) if max_score else 0.0
    return PreviewOutcome(score, max_score, percent, percent >= quiz.pass_mark,
                          [_review_item(item, answers.get(item.question.id)) for item in items])
