"""Item analysis of a quiz: facility, discrimination and choice counts per question.

With a question pool each attempt asks only some questions, so every figure of a question is taken
over the attempts that asked it. Below SMALL_SAMPLE answers a question is marked "sampel kecil":
its discrimination is not computed and no flag is raised, since a handful of answers says nothing.
"""
from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Optional

from flask_babel import gettext as _
from sqlalchemy import func, select

from app.authoring.revisions import by_position
from app.extensions import db
from app.quizzes.grading import normalize_answer
from app.quizzes.models import Answer, Attempt, AttemptStatus, Choice, Question, Quiz

TOO_HARD = 0.2
TOO_EASY = 0.95
LOW_DISCRIMINATION = 0.1
FEW_ATTEMPTS = 10
SMALL_SAMPLE = 30  # answers a question needs before its discrimination and flags mean something
TOP_TYPED = 5


@dataclass(frozen=True)
class ChoiceStat:
    """How often one choice was picked among the answers to its question."""

    choice: Choice
    count: int
    share: float


@dataclass
class QuestionStat:
    """The analysis of one question."""

    question: Question
    answered: int = 0  # attempts that asked this question (a blank answer included)
    blank: int = 0  # of those, left unanswered
    facility: Optional[float] = None
    discrimination: Optional[float] = None
    choices: list[ChoiceStat] = field(default_factory=list)
    typed: list[tuple[str, int]] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)

    @property
    def small_sample(self) -> bool:
        """Fewer answers than SMALL_SAMPLE: no discrimination and no flags."""
        return self.answered < SMALL_SAMPLE


@dataclass
class QuizAnalysis:
    """The analysis of a quiz: submitted attempts and one QuestionStat per question."""

    attempts: int
    questions: list[QuestionStat]

    @property
    def few_attempts(self) -> bool:
        """Whether there are too few attempts for the numbers to mean much."""
        return self.attempts < FEW_ATTEMPTS


def point_biserial(correct: list[bool], percents: list[float]) -> Optional[float]:
    """Correlation between answering correctly and the attempt's percent; None when undefined."""
    n = len(correct)
    right = [p for ok, p in zip(correct, percents) if ok]
    wrong = [p for ok, p in zip(correct, percents) if not ok]
    if n < 2 or not right or not wrong:
        return None
    mean = sum(percents) / n
    spread = math.sqrt(sum((p - mean) ** 2 for p in percents) / n)
    if spread == 0:
        return None
    share = len(right) / n
    return (sum(right) / len(right) - sum(wrong) / len(wrong)) / spread * math.sqrt(share * (1 - share))


def _flags(stat: QuestionStat) -> list[str]:
    flags = []
    if stat.facility is not None and stat.facility < TOO_HARD:
        flags.append(_("Terlalu sulit: kurang dari 20% peserta menjawab benar. Periksa kunci jawaban dan kejelasan soal."))
    if stat.facility is not None and stat.facility > TOO_EASY:
        flags.append(_("Terlalu mudah: lebih dari 95% peserta menjawab benar; soal ini hampir tidak membedakan peserta."))
    if stat.discrimination is not None and stat.discrimination < LOW_DISCRIMINATION:
        flags.append(_("Daya beda rendah: peserta bernilai tinggi tidak lebih sering menjawab benar daripada peserta "
                       "bernilai rendah. Periksa apakah soal membingungkan atau kuncinya keliru."))
    return flags


def _submitted_answers(quiz_id: int) -> list:
    query = (select(Answer.question_id, Answer.response, Answer.correct, Attempt.percent)
             .join(Attempt, Attempt.id == Answer.attempt_id)
             .where(Attempt.quiz_id == quiz_id, Attempt.status == AttemptStatus.SUBMITTED))
    return list(db.session.execute(query))


def _as_values(response) -> list[str]:
    if isinstance(response, list):
        return [str(value) for value in response]
    return [str(response)] if response else []


def _question_stat(question: Question, rows: list) -> QuestionStat:
    stat = QuestionStat(question=question, answered=len(rows),
                        blank=sum(1 for row in rows if not _as_values(row.response)))
    if not rows:
        return stat
    stat.facility = sum(1 for row in rows if row.correct) / len(rows)
    if not stat.small_sample:
        scored = [row for row in rows if row.percent is not None]
        stat.discrimination = point_biserial([bool(row.correct) for row in scored], [float(row.percent) for row in scored])
    picks = Counter(value for row in rows for value in _as_values(row.response))
    if question.type == "short":
        typed = Counter(normalize_answer(value) for row in rows for value in _as_values(row.response))
        stat.typed = typed.most_common(TOP_TYPED)
    else:
        choices = question.all_choices if question.retired_at is not None else question.choices
        stat.choices = [ChoiceStat(choice, picks[str(choice.id)], picks[str(choice.id)] / len(rows))
                        for choice in by_position(choices)]
    stat.flags = [] if stat.small_sample else _flags(stat)
    return stat


def analyse(quiz: Quiz) -> QuizAnalysis:
    """Analyse a quiz (questions and choices already loaded) from its submitted attempts in two queries."""
    attempts = db.session.scalar(select(func.count(Attempt.id)).where(
        Attempt.quiz_id == quiz.id, Attempt.status == AttemptStatus.SUBMITTED)) or 0
    by_question: dict[int, list] = defaultdict(list)
    for row in _submitted_answers(quiz.id):
        by_question[row.question_id].append(row)
    # Retired questions trainees answered are still analysed, after the live ones: their answers count.
    retired = [question for question in by_position(quiz.all_questions)
               if question.retired_at is not None and by_question.get(question.id)]
    stats = [_question_stat(question, by_question.get(question.id, []))
             for question in by_position(quiz.questions) + retired]
    return QuizAnalysis(attempts=attempts, questions=stats)
