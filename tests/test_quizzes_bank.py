"""Question banks kept in memory: an edit by a trainer reaches the quiz page and the grading at once."""
from __future__ import annotations

import pytest

from app.catalog import versions
from app.extensions import db
from app.quizzes.models import Attempt, Choice, Question
from tests.factories import ANSWERS, make_course
from tests.test_quizzes_attempts import sheet, start, trainee  # noqa: F401  (trainee: fixture)


@pytest.fixture
def course():
    return make_course(modules=1, lessons=1)


@pytest.fixture
def quiz(course, trainee):  # noqa: F811  (the fixture imported above)
    """The quiz of a course the logged-in trainee is enrolled in."""
    return course.modules[0].quiz


def question(quiz, key: str) -> Question:
    return next(q for q in quiz.questions if q.key == key)


def commit_edit(quiz) -> None:
    """Commit a trainer's change, counting up the course's content version as the editing services do."""
    versions.bump([quiz.module.course_id])
    db.session.commit()


def test_corrected_question_text_shows_on_an_open_attempt(client, quiz):
    attempt_id = start(client, quiz)
    assert "Soal single?" in client.get(f"/kuis/percobaan/{attempt_id}").get_data(as_text=True)
    question(quiz, "single").text = "Soal yang sudah dibetulkan?"
    commit_edit(quiz)
    html = client.get(f"/kuis/percobaan/{attempt_id}").get_data(as_text=True)
    assert "Soal yang sudah dibetulkan?" in html and "Soal single?" not in html


def test_a_corrected_answer_key_grades_the_next_submission(client, quiz):
    attempt_id = start(client, quiz)
    client.get(f"/kuis/percobaan/{attempt_id}")
    single = question(quiz, "single")
    # The trainer finds the key was wrong: choice 2, not 1, is right.
    for choice in single.choices:
        choice.correct = choice.key == "2"
    commit_edit(quiz)
    client.post(f"/kuis/percobaan/{attempt_id}/kirim", data=sheet(quiz, ANSWERS | {"single": ["2"]}))
    attempt = db.session.get(Attempt, attempt_id)
    assert (attempt.score, attempt.max_score) == (4.0, 4.0)


def test_an_added_choice_shows_on_the_next_attempt(client, quiz):
    first = start(client, quiz)
    client.post(f"/kuis/percobaan/{first}/kirim", data=sheet(quiz, {}))
    question(quiz, "single").choices.append(Choice(key="9", position=9, text="Pilihan tambahan baru", correct=False))
    commit_edit(quiz)
    second = start(client, quiz)
    assert "Pilihan tambahan baru" in client.get(f"/kuis/percobaan/{second}").get_data(as_text=True)


def test_an_edit_without_a_version_bump_is_not_seen(client, quiz):
    """The version, not a timestamp moved by a hook, decides: proof that the bump above is what counts."""
    attempt_id = start(client, quiz)
    client.get(f"/kuis/percobaan/{attempt_id}")
    question(quiz, "single").text = "Diubah tanpa layanan?"
    db.session.commit()
    assert "Diubah tanpa layanan?" not in client.get(f"/kuis/percobaan/{attempt_id}").get_data(as_text=True)
