"""Tests for the question type registry and grading in app.quizzes.grading."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.quizzes.grading import (
    QUESTION_TYPES,
    GradableQuestion,
    Grade,
    InvalidAnswer,
    MultipleAnswer,
    Response,
    ShortAnswer,
    SingleChoice,
    TrueFalse,
    grade,
    normalize_answer,
    question_from_spec,
)

SINGLE = {
    "id": "opini-publik",
    "type": "single",
    "text": "Apa yang membentuk opini publik?",
    "explanation": "",
    "choices": [
        {"text": "Media", "correct": True},
        {"text": "Cuaca", "correct": False},
        {"text": "Harga cabai", "correct": False},
    ],
}

MULTIPLE = {
    "id": "peran-kim",
    "type": "multiple",
    "text": "Peran KIM?",
    "explanation": "",
    "points": 4,
    "choices": [
        {"text": "Menyebarkan informasi", "correct": True},
        {"text": "Menyerap aspirasi", "correct": True},
        {"text": "Memungut pajak", "correct": False},
        {"text": "Menerbitkan KTP", "correct": False},
    ],
}

TRUEFALSE = {"id": "kim-mandiri", "type": "truefalse", "text": "KIM mandiri?", "explanation": "", "answer": False}

SHORT = {
    "id": "singkatan-kim",
    "type": "short",
    "text": "Kepanjangan KIM?",
    "explanation": "",
    "accepted": ["Kelompok Informasi Masyarakat"],
}


def test_registry_has_exactly_the_four_file_format_types() -> None:
    assert set(QUESTION_TYPES) == {"single", "multiple", "truefalse", "short"}
    assert isinstance(QUESTION_TYPES["single"], SingleChoice)
    assert isinstance(QUESTION_TYPES["multiple"], MultipleAnswer)
    assert isinstance(QUESTION_TYPES["truefalse"], TrueFalse)
    assert isinstance(QUESTION_TYPES["short"], ShortAnswer)
    assert all(kind.label for kind in QUESTION_TYPES.values())


# normalize_answer


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Kelompok  Informasi Masyarakat.", "kelompok informasi masyarakat"),
        ("  kelompok\tinformasí\nMASYARAKAT ", "kelompok informasi masyarakat"),
        ("«Café»", "cafe"),
        ('"KIM"!', "kim"),
        ("KIM .", "kim"),
        ("Straße", "strasse"),
        ("...", ""),
        ("", ""),
        ("e-government", "e-government"),
        ("Dr. Ani", "dr. ani"),
    ],
)
def test_normalize_answer(raw: str, expected: str) -> None:
    assert normalize_answer(raw) == expected


# question_from_spec


def test_question_from_spec_uses_choice_indexes_as_keys() -> None:
    question = question_from_spec(MULTIPLE)
    assert question == GradableQuestion(
        type="multiple",
        points=4.0,
        correct_keys=frozenset({"0", "1"}),
        choice_keys=("0", "1", "2", "3"),
        accepted=(),
        scoring="partial",
    )


def test_question_from_spec_truefalse_and_short() -> None:
    truefalse = question_from_spec(TRUEFALSE)
    assert truefalse.choice_keys == ("true", "false")
    assert truefalse.correct_keys == frozenset({"false"})
    assert truefalse.points == 1.0
    short = question_from_spec(SHORT)
    assert short.accepted == ("Kelompok Informasi Masyarakat",)
    assert short.choice_keys == ()


def test_question_from_spec_rejects_unknown_type() -> None:
    with pytest.raises(ValueError):
        question_from_spec({"type": "essay"})


# single


def test_single_correct_wrong_and_empty() -> None:
    question = question_from_spec(SINGLE)
    assert grade(question, ["0"]) == Grade(1.0, 1.0, True)
    assert grade(question, ["2"]) == Grade(0.0, 1.0, False)
    assert grade(question, []) == Grade(0.0, 1.0, False)
    assert grade(question, [""]) == Grade(0.0, 1.0, False)


def test_single_two_values_is_invalid() -> None:
    question = question_from_spec(SINGLE)
    with pytest.raises(InvalidAnswer) as excinfo:
        grade(question, ["0", "1"])
    assert excinfo.value.message == "Soal ini hanya menerima satu jawaban."


def test_single_unknown_key_is_invalid() -> None:
    question = question_from_spec(SINGLE)
    with pytest.raises(InvalidAnswer) as excinfo:
        grade(question, ["7"])
    assert "tidak ada pada soal ini" in str(excinfo.value)


def test_single_points_weight_the_score() -> None:
    question = question_from_spec({**SINGLE, "points": 2.5})
    assert grade(question, ["0"]) == Grade(2.5, 2.5, True)


# multiple


def test_multiple_partial_exact_set_scores_full() -> None:
    question = question_from_spec(MULTIPLE)
    assert grade(question, ["1", "0"]) == Grade(4.0, 4.0, True)


def test_multiple_partial_one_of_two_correct() -> None:
    question = question_from_spec(MULTIPLE)
    assert grade(question, ["0"]) == Grade(2.0, 4.0, False)


def test_multiple_partial_wrong_tick_is_penalised() -> None:
    question = question_from_spec(MULTIPLE)
    # 2/2 right - 1/2 wrong = 0.5 of 4 points.
    assert grade(question, ["0", "1", "2"]) == Grade(2.0, 4.0, False)


def test_multiple_partial_never_below_zero() -> None:
    question = question_from_spec(MULTIPLE)
    assert grade(question, ["2", "3"]) == Grade(0.0, 4.0, False)
    assert grade(question, ["0", "2", "3"]) == Grade(0.0, 4.0, False)


def test_multiple_partial_every_choice_ticked_scores_zero() -> None:
    question = question_from_spec(MULTIPLE)
    assert grade(question, ["0", "1", "2", "3"]) == Grade(0.0, 4.0, False)


def test_multiple_uneven_counts() -> None:
    spec = {
        **MULTIPLE,
        "points": 1,
        "choices": [
            {"text": "a", "correct": True},
            {"text": "b", "correct": True},
            {"text": "c", "correct": True},
            {"text": "d", "correct": False},
        ],
    }
    question = question_from_spec(spec)
    assert grade(question, ["0", "1"]).score == pytest.approx(2 / 3)
    assert grade(question, ["0", "1", "2", "3"]).score == 0.0


def test_multiple_all_choices_correct_has_no_penalty() -> None:
    spec = {**MULTIPLE, "points": 1, "choices": [{"text": "a", "correct": True}, {"text": "b", "correct": True}]}
    question = question_from_spec(spec)
    assert grade(question, ["0", "1"]) == Grade(1.0, 1.0, True)
    assert grade(question, ["1"]) == Grade(0.5, 1.0, False)


def test_multiple_no_answer_scores_zero() -> None:
    question = question_from_spec(MULTIPLE)
    assert grade(question, []) == Grade(0.0, 4.0, False)


def test_multiple_duplicate_ticks_count_once() -> None:
    question = question_from_spec(MULTIPLE)
    assert grade(question, ["0", "0"]) == Grade(2.0, 4.0, False)


def test_multiple_unknown_key_is_invalid() -> None:
    question = question_from_spec(MULTIPLE)
    with pytest.raises(InvalidAnswer):
        grade(question, ["0", "4"])


def test_multiple_all_or_nothing() -> None:
    question = question_from_spec({**MULTIPLE, "scoring": "all_or_nothing"})
    assert grade(question, ["0", "1"]) == Grade(4.0, 4.0, True)
    assert grade(question, ["0"]) == Grade(0.0, 4.0, False)
    assert grade(question, ["0", "1", "2"]) == Grade(0.0, 4.0, False)
    assert grade(question, ["0", "1", "2", "3"]) == Grade(0.0, 4.0, False)
    assert grade(question, []) == Grade(0.0, 4.0, False)


# true/false


def test_truefalse() -> None:
    question = question_from_spec(TRUEFALSE)
    assert grade(question, ["false"]) == Grade(1.0, 1.0, True)
    assert grade(question, ["true"]) == Grade(0.0, 1.0, False)
    assert grade(question, []) == Grade(0.0, 1.0, False)


def test_truefalse_rejects_both_and_other_keys() -> None:
    question = question_from_spec(TRUEFALSE)
    with pytest.raises(InvalidAnswer):
        grade(question, ["true", "false"])
    with pytest.raises(InvalidAnswer):
        grade(question, ["benar"])
    with pytest.raises(InvalidAnswer):
        grade(question, ["True"])


# short answer


@pytest.mark.parametrize(
    "typed",
    [
        "Kelompok Informasi Masyarakat",
        "kelompok  informasí MASYARAKAT ",
        "KELOMPOK INFORMASI MASYARAKAT.",
        "\tKelompok\nInformasi   Masyarakat",
    ],
)
def test_short_accepts_variants(typed: str) -> None:
    assert grade(question_from_spec(SHORT), [typed]) == Grade(1.0, 1.0, True)


@pytest.mark.parametrize("typed", ["Kelompok Informasi", "KIM", "Kelompok Informasi Masyarakat Desa"])
def test_short_rejects_other_text(typed: str) -> None:
    assert grade(question_from_spec(SHORT), [typed]) == Grade(0.0, 1.0, False)


def test_short_any_accepted_answer_counts() -> None:
    question = question_from_spec({**SHORT, "accepted": ["Kelompok Informasi Masyarakat", "KIM"]})
    assert grade(question, ["kim"]).correct is True


def test_short_blank_is_no_answer_even_if_an_accepted_answer_is_blank() -> None:
    question = question_from_spec({**SHORT, "accepted": ["...", "KIM"]})
    assert grade(question, []) == Grade(0.0, 1.0, False)
    assert grade(question, ["   "]) == Grade(0.0, 1.0, False)
    assert grade(question, ["."]) == Grade(0.0, 1.0, False)


def test_short_two_values_is_invalid() -> None:
    with pytest.raises(InvalidAnswer) as excinfo:
        grade(question_from_spec(SHORT), ["KIM", "Kelompok Informasi Masyarakat"])
    assert excinfo.value.message == "Soal ini hanya menerima satu isian jawaban."


def test_parse_response_shapes() -> None:
    question = question_from_spec(MULTIPLE)
    assert QUESTION_TYPES["multiple"].parse_response(question, ["0", "", "1"]) == Response(keys=frozenset({"0", "1"}))
    short = question_from_spec(SHORT)
    assert QUESTION_TYPES["short"].parse_response(short, ["", " KIM "]) == Response(text=" KIM ")
    assert Response().empty is True


def test_grade_rejects_unknown_type() -> None:
    question = GradableQuestion("essay", 1.0, frozenset(), (), (), "partial")
    with pytest.raises(ValueError):
        grade(question, ["apa saja"])


# property tests

points_strategy = st.one_of(
    st.integers(min_value=1, max_value=10).map(float),
    st.floats(min_value=0.01, max_value=100, allow_nan=False, allow_infinity=False),
)


@st.composite
def choice_questions(draw: st.DrawFn) -> GradableQuestion:
    """Any valid single, multiple or true/false question."""
    kind = draw(st.sampled_from(["single", "multiple", "truefalse"]))
    points = draw(points_strategy)
    if kind == "truefalse":
        keys: tuple[str, ...] = ("true", "false")
        correct = frozenset({draw(st.sampled_from(keys))})
        return GradableQuestion(kind, points, correct, keys, (), "partial")
    size = draw(st.integers(min_value=2, max_value=8))
    keys = tuple(f"k{index}" for index in range(size))
    if kind == "single":
        correct = frozenset({draw(st.sampled_from(keys))})
    else:
        correct = frozenset(draw(st.lists(st.sampled_from(keys), min_size=1, unique=True)))
    scoring = draw(st.sampled_from(["partial", "all_or_nothing"]))
    return GradableQuestion(kind, points, correct, keys, (), scoring)


@given(data=st.data(), question=choice_questions())
def test_any_response_scores_within_bounds(data: st.DataObject, question: GradableQuestion) -> None:
    limit = None if question.type == "multiple" else 1
    ticked = data.draw(st.lists(st.sampled_from(question.choice_keys), unique=True, max_size=limit))
    result = grade(question, ticked)
    assert result.max_score == question.points
    assert 0.0 <= result.score <= result.max_score
    assert result.correct == (frozenset(ticked) == question.correct_keys)
    if result.correct:
        assert result.score == result.max_score


@given(question=choice_questions())
def test_exact_correct_set_scores_max(question: GradableQuestion) -> None:
    result = grade(question, sorted(question.correct_keys))
    assert result == Grade(question.points, question.points, True)


@given(size=st.integers(min_value=2, max_value=8), data=st.data(), points=points_strategy)
def test_every_choice_ticked_on_partial_multiple_scores_zero(size: int, data: st.DataObject, points: float) -> None:
    keys = tuple(str(index) for index in range(size))
    correct = frozenset(data.draw(st.lists(st.sampled_from(keys), min_size=1, max_size=size - 1, unique=True)))
    question = GradableQuestion("multiple", points, correct, keys, (), "partial")
    assert grade(question, list(keys)) == Grade(0.0, points, False)


words = st.text(alphabet="abcdeíéKIMS .", min_size=1, max_size=20)


@given(accepted=st.lists(words, min_size=1, max_size=4), typed=st.text(max_size=30), points=points_strategy)
def test_short_scores_within_bounds(accepted: list[str], typed: str, points: float) -> None:
    question = GradableQuestion("short", points, frozenset(), (), tuple(accepted), "partial")
    result = grade(question, [typed])
    assert result.max_score == points
    assert result.score in (0.0, points)


@given(accepted=st.lists(words, min_size=1, max_size=4), points=points_strategy, pick=st.data())
def test_short_accepted_answer_scores_max(accepted: list[str], points: float, pick: st.DataObject) -> None:
    answer = pick.draw(st.sampled_from(accepted))
    question = GradableQuestion("short", points, frozenset(), (), tuple(accepted), "partial")
    expected_correct = normalize_answer(answer) != ""
    assert grade(question, [answer.upper() + "  "]).correct is expected_correct
