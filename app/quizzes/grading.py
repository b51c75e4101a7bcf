"""The one registry of quiz question types: parsing form answers and grading them."""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

SCORING_PARTIAL = "partial"
SCORING_ALL_OR_NOTHING = "all_or_nothing"
SCORINGS = (SCORING_PARTIAL, SCORING_ALL_OR_NOTHING)

TRUE_KEY = "true"
FALSE_KEY = "false"
TRUEFALSE_KEYS = (TRUE_KEY, FALSE_KEY)

_WHITESPACE = re.compile(r"\s+")


class InvalidAnswer(ValueError):
    """A submitted answer that no honest form could have sent (unknown key, too many values)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class GradableQuestion:
    """What grading needs to know about a question, independent of storage."""

    type: str
    points: float
    correct_keys: frozenset[str]
    choice_keys: tuple[str, ...]
    accepted: tuple[str, ...] = ()
    scoring: str = SCORING_PARTIAL


@dataclass(frozen=True)
class Response:
    """A parsed answer: the ticked choice keys, or the typed text for short answers."""

    keys: frozenset[str] = frozenset()
    text: str = ""

    @property
    def empty(self) -> bool:
        """True when nothing was ticked or typed."""
        return not self.keys and not self.text.strip()


@dataclass(frozen=True)
class Grade:
    """The outcome of grading one answer."""

    score: float
    max_score: float
    correct: bool


def _is_punctuation(char: str) -> bool:
    """True for Unicode punctuation (category P*), e.g. . , ! ? quotes and brackets."""
    return unicodedata.category(char).startswith("P")


def normalize_answer(text: str) -> str:
    """Fold case, diacritics, runs of whitespace and surrounding punctuation for comparison."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    collapsed = _WHITESPACE.sub(" ", bare).strip()
    # Trainees often end a typed answer with "." or wrap it in quotes; neither changes its meaning.
    start, end = 0, len(collapsed)
    while start < end and (_is_punctuation(collapsed[start]) or collapsed[start].isspace()):
        start += 1
    while end > start and (_is_punctuation(collapsed[end - 1]) or collapsed[end - 1].isspace()):
        end -= 1
    return collapsed[start:end]


def _present(raw: Sequence[str]) -> list[str]:
    """Drop blank values: an untouched text field or placeholder input is no answer."""
    return [value for value in raw if value and value.strip()]


def _full_or_nothing(question: GradableQuestion, correct: bool) -> Grade:
    """Full points when correct, otherwise zero."""
    return Grade(score=question.points if correct else 0.0, max_score=question.points, correct=correct)


class QuestionType:
    """Base class of a question type; subclasses are registered in QUESTION_TYPES."""

    name: str = ""
    label: str = ""

    def parse_response(self, question: GradableQuestion, raw: Sequence[str]) -> Response:
        """Turn form values (request.form.getlist) into a Response, rejecting impossible ones."""
        values = _present(raw)
        unknown = [value for value in values if value not in question.choice_keys]
        if unknown:
            raise InvalidAnswer("Jawaban memuat pilihan yang tidak ada pada soal ini.")
        return Response(keys=frozenset(values))

    def grade(self, question: GradableQuestion, response: Response) -> Grade:
        """Score a parsed response against the question."""
        raise NotImplementedError


class _OneChoice(QuestionType):
    """Shared behaviour of types where exactly one choice may be picked."""

    def parse_response(self, question: GradableQuestion, raw: Sequence[str]) -> Response:
        """Like the base parser, but at most one value is allowed."""
        if len(_present(raw)) > 1:
            raise InvalidAnswer("Soal ini hanya menerima satu jawaban.")
        return super().parse_response(question, raw)

    def grade(self, question: GradableQuestion, response: Response) -> Grade:
        """Full points for the correct choice, zero otherwise (including no answer)."""
        return _full_or_nothing(question, bool(response.keys) and response.keys == question.correct_keys)


class SingleChoice(_OneChoice):
    """Multiple choice with exactly one correct answer (radio buttons)."""

    name = "single"
    label = "Pilihan ganda (satu jawaban)"


class TrueFalse(_OneChoice):
    """A statement the trainee marks as true or false; keys are 'true' and 'false'."""

    name = "truefalse"
    label = "Benar/Salah"


class MultipleAnswer(QuestionType):
    """Multiple choice with one or more correct answers (checkboxes)."""

    name = "multiple"
    label = "Pilihan ganda (banyak jawaban)"

    def grade(self, question: GradableQuestion, response: Response) -> Grade:
        """Partial: +1/len(correct) per right tick, -1/len(wrong) per wrong tick; or all-or-nothing."""
        exact = bool(response.keys) and response.keys == question.correct_keys
        if question.scoring == SCORING_ALL_OR_NOTHING:
            return _full_or_nothing(question, exact)
        wrong_keys = set(question.choice_keys) - question.correct_keys
        right_ticks = len(response.keys & question.correct_keys)
        wrong_ticks = len(response.keys - question.correct_keys)
        fraction = right_ticks / len(question.correct_keys) if question.correct_keys else 0.0
        # The penalty makes "tick everything" worth nothing whenever a wrong choice exists.
        if wrong_keys:
            fraction -= wrong_ticks / len(wrong_keys)
        fraction = min(1.0, max(0.0, fraction))
        return Grade(score=fraction * question.points, max_score=question.points, correct=exact)


class ShortAnswer(QuestionType):
    """A typed answer compared with the accepted answers after normalize_answer."""

    name = "short"
    label = "Jawaban singkat"

    def parse_response(self, question: GradableQuestion, raw: Sequence[str]) -> Response:
        """Accept at most one non-blank text value."""
        values = _present(raw)
        if len(values) > 1:
            raise InvalidAnswer("Soal ini hanya menerima satu isian jawaban.")
        return Response(text=values[0] if values else "")

    def grade(self, question: GradableQuestion, response: Response) -> Grade:
        """Full points when the normalized text equals any normalized accepted answer."""
        typed = normalize_answer(response.text)
        accepted = {normalize_answer(answer) for answer in question.accepted}
        # A blank answer is never correct, even if an accepted answer normalizes to nothing.
        return _full_or_nothing(question, bool(typed) and typed in accepted)


QUESTION_TYPES: dict[str, QuestionType] = {
    question_type.name: question_type
    for question_type in (SingleChoice(), MultipleAnswer(), TrueFalse(), ShortAnswer())
}


def question_type(name: str) -> QuestionType:
    """The registered type called name; ValueError for an unknown type."""
    try:
        return QUESTION_TYPES[name]
    except KeyError:
        raise ValueError(f"Tipe soal tidak dikenal: {name!r}.") from None


def grade(question: GradableQuestion, raw_values: Sequence[str]) -> Grade:
    """Parse raw form values for question and grade them; may raise InvalidAnswer."""
    kind = question_type(question.type)
    return kind.grade(question, kind.parse_response(question, raw_values))


def question_from_spec(spec: Mapping[str, Any]) -> GradableQuestion:
    """Build a GradableQuestion from a quiz.yaml question dict; choice keys are their index."""
    kind = question_type(str(spec.get("type", "")))
    points = float(spec.get("points", 1))
    scoring = str(spec.get("scoring", SCORING_PARTIAL))
    if kind.name == "truefalse":
        answer_key = TRUE_KEY if spec.get("answer") else FALSE_KEY
        return GradableQuestion(kind.name, points, frozenset({answer_key}), TRUEFALSE_KEYS, (), scoring)
    if kind.name == "short":
        accepted = tuple(str(answer) for answer in spec.get("accepted") or ())
        return GradableQuestion(kind.name, points, frozenset(), (), accepted, scoring)
    choices = list(spec.get("choices") or ())
    keys = tuple(str(index) for index in range(len(choices)))
    correct = frozenset(key for key, choice in zip(keys, choices) if choice.get("correct"))
    return GradableQuestion(kind.name, points, correct, keys, (), scoring)
