"""The one registry of quiz question types: parsing form answers and grading them."""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
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


FULL_WEIGHT = 100.0
# A sum of weights such as 3 x 33.33333 counts as full marks, as Moodle's graded-right state does.
FULL_FRACTION = 0.999999


@dataclass(frozen=True)
class GradableQuestion:
    """What grading needs to know about a question, independent of storage.

    weights, when given, are Moodle's per-answer grades in percent (-100..100): for choice
    questions one per choice key, for short answers one per accepted answer, in order. Without
    them a choice question is graded by correct_keys and scoring, and every accepted answer is
    worth full marks.
    """

    type: str
    points: float
    correct_keys: frozenset[str]
    choice_keys: tuple[str, ...]
    accepted: tuple[str, ...] = ()
    scoring: str = SCORING_PARTIAL
    weights: tuple[float, ...] = ()

    def weight_of(self, key: str) -> float:
        """The weight of a choice key in percent (0 for an unknown key)."""
        try:
            return self.weights[self.choice_keys.index(key)]
        except (ValueError, IndexError):
            return 0.0


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


def _fraction_grade(question: GradableQuestion, fraction: float) -> Grade:
    """Points for a fraction of the question, kept within 0..1 (a question never scores below zero)."""
    fraction = min(1.0, max(0.0, fraction))
    return Grade(score=fraction * question.points, max_score=question.points, correct=fraction >= FULL_FRACTION)


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
        """Full points for the correct choice, zero otherwise; with weights, the picked choice's weight."""
        if question.weights:
            picked = next(iter(response.keys), None)
            return _fraction_grade(question, question.weight_of(picked) / FULL_WEIGHT if picked else 0.0)
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
        """Partial: +1/len(correct) per right tick, -1/len(wrong) per wrong tick; or all-or-nothing.

        With weights (Moodle's multiple-answer grading): the sum of the ticked choices' weights,
        kept within 0..100%.
        """
        if question.weights:
            total = sum(question.weight_of(key) for key in response.keys)
            return _fraction_grade(question, total / FULL_WEIGHT)
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
        """The weight (full marks without weights) of the first accepted answer the typed text matches."""
        index = matched_answer(question.accepted, response.text)
        if index is None:
            return _full_or_nothing(question, False)
        weights = question.weights or (FULL_WEIGHT,) * len(question.accepted)
        return _fraction_grade(question, weights[index] / FULL_WEIGHT)


def matched_answer(accepted: Sequence[str], typed: str) -> int | None:
    """The index of the first accepted answer (author's order, as in Moodle) that typed matches.

    Both sides are compared after normalize_answer; a * in an accepted answer stands for any
    text, as in Moodle ("*" alone catches every other answer, usually to give it feedback).
    A blank answer matches nothing, even an accepted answer that normalizes to nothing.
    """
    typed = normalize_answer(typed)
    if not typed:
        return None
    for index, answer in enumerate(accepted):
        if "*" in answer:
            pattern = ".*".join(re.escape(normalize_answer(part)) for part in answer.split("*"))
            if re.fullmatch(pattern, typed, re.DOTALL):
                return index
        elif normalize_answer(answer) == typed:
            return index
    return None


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
        entries = [accepted_entry(answer) for answer in spec.get("accepted") or ()]
        return GradableQuestion(kind.name, points, frozenset(), (), tuple(entry.text for entry in entries), scoring,
                                significant_weights(entry.weight for entry in entries))
    choices = list(spec.get("choices") or ())
    keys = tuple(str(index) for index in range(len(choices)))
    correct = frozenset(key for key, choice in zip(keys, choices) if choice.get("correct"))
    weights = tuple(float(choice["weight"]) for choice in choices) if all("weight" in c for c in choices) and choices else ()
    return GradableQuestion(kind.name, points, correct, keys, (), scoring, weights)


@dataclass(frozen=True)
class AcceptedAnswer:
    """An accepted short answer: its text, its grade in percent and the feedback it gets."""

    text: str
    weight: float = FULL_WEIGHT
    feedback: str = ""


def accepted_entry(answer: Any) -> AcceptedAnswer:
    """An accepted short answer of a quiz file: "text", or {text, weight, feedback}."""
    if isinstance(answer, Mapping):
        return AcceptedAnswer(str(answer.get("text", "")), float(answer.get("weight", FULL_WEIGHT)),
                              str(answer.get("feedback", "") or ""))
    return AcceptedAnswer(str(answer))


def accepted_document(text: str, weight: float = FULL_WEIGHT, feedback: str = "") -> Any:
    """An accepted answer as a quiz file writes it: the bare text when it is worth full marks without feedback."""
    if weight == FULL_WEIGHT and not feedback:
        return text
    entry: dict[str, Any] = {"text": text}
    if weight != FULL_WEIGHT:
        entry["weight"] = int(weight) if float(weight).is_integer() else weight
    if feedback:
        entry["feedback"] = feedback
    return entry


def weight_problems(kind: str, weights: Sequence[float]) -> list[str]:
    """What makes a question's per-answer weights unusable, as Moodle's question editor checks them."""
    if not weights:
        return []
    problems = []
    if any(not -FULL_WEIGHT <= weight <= FULL_WEIGHT for weight in weights):
        problems.append("bobot jawaban harus antara -100% dan 100%")
    if kind == "multiple":
        positive = sum(weight for weight in weights if weight > 0)
        if abs(positive - FULL_WEIGHT) > 0.01:
            problems.append(f"bobot positif soal banyak jawaban harus berjumlah 100%, bukan {positive:g}%")
    elif kind == "short":
        if any(weight < 0 for weight in weights):
            problems.append("jawaban yang diterima tidak boleh bernilai negatif")
        elif max(weights) != FULL_WEIGHT:
            problems.append("minimal satu jawaban yang diterima harus bernilai 100%")
    elif kind == "single" and sum(weight == FULL_WEIGHT for weight in weights) != 1:
        problems.append("soal pilihan tunggal harus punya tepat satu pilihan bernilai 100%")
    return problems


def is_correct_weight(kind: str, weight: float) -> bool:
    """Whether a weighted choice counts as a correct answer (shown as such in reviews): full marks, or any credit in a multiple."""
    return weight > 0 if kind == "multiple" else weight == FULL_WEIGHT


def plain_weights(kind: str, correct: Sequence[bool]) -> tuple[float, ...]:
    """The weights that grade a choice question without weights exactly as it is graded (partial scoring).

    Single: 100% for the right choice, 0 for the others. Multiple: each right tick 100/right,
    each wrong tick -100/wrong, which is also Moodle's way of writing such a question.
    """
    if kind != "multiple":
        return tuple(FULL_WEIGHT if flag else 0.0 for flag in correct)
    right, wrong = sum(correct), len(correct) - sum(correct)
    return tuple(FULL_WEIGHT / right if flag else -FULL_WEIGHT / wrong for flag in correct)


def choice_weights(kind: str, weights: Sequence[float]) -> tuple[float, ...] | None:
    """The weights a choice question must keep, or None when it grades the same without them."""
    correct = [is_correct_weight(kind, weight) for weight in weights]
    plain = plain_weights(kind, correct)
    if all(abs(weight - expected) < 0.001 for weight, expected in zip(weights, plain)):
        return None
    return tuple(float(weight) for weight in weights)


def stored_weights(choice_weights: Sequence[float | None], accepted_weights: Sequence[float]) -> tuple[float, ...]:
    """A stored question's weights for grading: its choices' (all set, in display order), or its accepted answers'."""
    if choice_weights and all(weight is not None for weight in choice_weights):
        return tuple(float(weight) for weight in choice_weights)
    return significant_weights(accepted_weights or ())


def texts_if_any(texts: Iterable[str]) -> list[str]:
    """The feedback of accepted answers, or [] when none has any (the plain case)."""
    found = [str(text or "") for text in texts]
    return found if any(found) else []


def significant_weights(weights: Iterable[float]) -> tuple[float, ...]:
    """The weights of accepted answers, or () when every one is worth full marks (the plain case)."""
    found = tuple(float(weight) for weight in weights)
    return found if any(weight != FULL_WEIGHT for weight in found) else ()
