"""The review policy: what a trainee sees after an attempt, checked against the real quiz files."""
from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from app.catalog.coursefiles.content import FolderQuestion
from app.catalog.coursefiles.reading import read_courses
from app.catalog.loader import import_courses
from app.catalog.services import course_with_content
from app.extensions import db
from app.progress.models import Enrollment
from app.quizzes.models import Attempt, Question
from tests.factories import ANSWERS, make_course
from tests.test_quizzes_attempts import WRONG, sheet, start

COURSE = Path(__file__).resolve().parents[1] / "courses" / "konten-media-pemda"
TAG = re.compile(r"<[^>]+>")


def plain(markup: str) -> str:
    """Text a reader sees in HTML: tags dropped, entities decoded, whitespace collapsed."""
    return " ".join(html.unescape(TAG.sub(" ", markup)).split())


@pytest.fixture
def real_course(app, client, make_user, login_as):
    """The first module's quiz of a real course, imported from courses/; returns (quiz, its file's questions by id)."""
    reading = read_courses(COURSE)
    assert reading.ok, [str(problem) for problem in reading.problems]
    import_courses(reading.courses)
    course = course_with_content(reading.courses[0].slug)
    quiz = course.modules[0].quiz
    quiz.max_attempts, quiz.review = 3, "after_pass"  # attempts left after a failure, whatever the file says
    trainee = make_user()
    db.session.add(Enrollment(user_id=trainee.id, course_id=course.id))
    db.session.commit()
    login_as(trainee)
    return quiz, {question.key: question for question in reading.courses[0].modules[0].quiz.questions}


def _rendered(app, text: str, inline: bool = False) -> str:
    """A course text as the page shows it, as plain text."""
    return plain(str(app.jinja_env.filters["markdown_inline" if inline else "markdown"](text)))


def _answer_sheet(attempt: Attempt, right: bool) -> dict[str, list[str]]:
    """Answer every question of the attempt all right, or all wrong (only wrong ticks, a wrong word)."""
    data = {}
    for entry in attempt.layout:
        question = db.session.get(Question, entry["question"])
        if question.type == "short":
            data[f"q-{question.id}"] = [question.accepted[0] if right else "jawaban yang keliru"]
            continue
        picks = [choice for choice in question.choices if choice.correct == right]
        if question.type != "multiple":
            picks = picks[:1]
        data[f"q-{question.id}"] = [str(choice.id) for choice in picks]
    return data


def _secrets(app, file_question: FolderQuestion) -> list[str]:
    """What must stay hidden before passing: right answers, every choice's feedback, the explanation."""
    found = [_rendered(app, file_question.explanation)]
    found += [_rendered(app, choice.feedback, inline=True) for choice in file_question.choices if choice.feedback]
    if file_question.type in ("single", "multiple"):
        found += [_rendered(app, choice.text, inline=True) for choice in file_question.choices if choice.correct]
    if file_question.type == "short":
        found += list(file_question.accepted)
    return found


def _shows(secret: str, text: str) -> bool:
    """Whether the text holds the secret as words of its own, as written ("ikut" is not in "berikut")."""
    return re.search(rf"(?<!\w){re.escape(secret)}(?!\w)", text) is not None


def _asked(attempt: Attempt, by_key: dict[str, FolderQuestion]) -> list[FolderQuestion]:
    return [by_key[db.session.get(Question, entry["question"]).key] for entry in attempt.layout]


def test_a_failed_attempt_with_attempts_left_shows_no_answer_and_no_explanation_until_passed(app, client, real_course):
    quiz, by_key = real_course
    first = db.session.get(Attempt, start(client, quiz))
    client.post(f"/kuis/percobaan/{first.id}/kirim", data=_answer_sheet(first, right=False))
    page = client.get(f"/kuis/percobaan/{first.id}/hasil").get_data(as_text=True)
    assert "Belum lulus" in page and "Sisa kesempatan: 2." in page and "Coba lagi" in page
    assert "<h2>Jawaban Anda</h2>" in page
    text = plain(page.split("<h2>", 1)[1].split("</main>", 1)[0])  # the review, without the site's frame
    asked = _asked(first, by_key)
    # The questions and the trainee's own (wrong) answers are on the page; nothing else of the file's answers.
    visible = [_rendered(app, question.text) for question in asked]
    assert all(question in text for question in visible)
    leaks = [secret for question in asked for secret in _secrets(app, question)
             if secret and _shows(secret, text) and not any(_shows(secret, shown) for shown in visible)]
    assert leaks == []
    assert text.count("Belum tepat") == len(asked)  # which questions were wrong is shown

    second = db.session.get(Attempt, start(client, quiz))
    client.post(f"/kuis/percobaan/{second.id}/kirim", data=_answer_sheet(second, right=True))
    passed = plain(client.get(f"/kuis/percobaan/{second.id}/hasil").get_data(as_text=True))
    assert "Selamat, Anda lulus kuis ini." in passed
    for question in _asked(second, by_key):
        assert _rendered(app, question.explanation) in passed
        right = [choice for choice in question.choices if choice.correct and question.type != "truefalse"]
        assert all(_rendered(app, choice.text, inline=True) in passed for choice in right)
        assert all(_rendered(app, choice.feedback, inline=True) in passed for choice in right if choice.feedback)
    # Once passed, the failed attempt's result page explains it too.
    earlier = plain(client.get(f"/kuis/percobaan/{first.id}/hasil").get_data(as_text=True))
    assert all(_rendered(app, question.explanation) in earlier for question in asked)


@pytest.fixture
def factory_quiz(client, make_user, login_as):
    """The factory course's first quiz with one attempt allowed, and a logged-in enrolled trainee."""
    course = make_course(modules=1, max_attempts=1)
    trainee = make_user()
    db.session.add(Enrollment(user_id=trainee.id, course_id=course.id))
    db.session.commit()
    login_as(trainee)
    return course.modules[0].quiz


def _result(client, quiz, answers) -> str:
    attempt_id = start(client, quiz)
    client.post(f"/kuis/percobaan/{attempt_id}/kirim", data=sheet(quiz, answers))
    return client.get(f"/kuis/percobaan/{attempt_id}/hasil").get_data(as_text=True)


def test_after_the_last_attempt_the_answers_and_explanations_are_shown(client, factory_quiz):
    page = _result(client, factory_quiz, WRONG)
    assert "Belum lulus" in page and "Sisa kesempatan: 0." in page
    assert "Penjelasan single." in page and "Pilihan single-1" in page and "Umpan balik single-0." in page


def test_review_never_shows_the_score_only(client, factory_quiz):
    factory_quiz.review, factory_quiz.max_attempts = "never", 2
    db.session.commit()
    for answers in (WRONG, ANSWERS):
        page = _result(client, factory_quiz, answers)
        assert "Nilai Anda" in page and "soal dan jawaban tidak ditinjau" in page
        assert "Penjelasan single." not in page and "Soal single?" not in page and "Pilihan single-" not in page


def test_review_always_shows_everything_after_a_failed_attempt(client, factory_quiz):
    factory_quiz.review, factory_quiz.max_attempts = "always", 3
    db.session.commit()
    page = _result(client, factory_quiz, WRONG)
    assert "Sisa kesempatan: 2." in page and "Penjelasan short." in page and "Kelompok Informasi Masyarakat" in page


def test_with_attempts_left_a_multiple_answer_tick_is_not_marked_right_or_wrong(client, factory_quiz):
    factory_quiz.max_attempts = 3
    db.session.commit()
    page = _result(client, factory_quiz, {**ANSWERS, "multi": ["0"], "tf": ["false"]})
    assert "Pilihan multi-0" in page and "Sebagian benar" in page  # the trainee's own tick, half the points
    assert "(benar)" not in page and "(salah)" not in page and "Umpan balik multi-0." not in page
    assert "Pilihan multi-2" not in page and "Penjelasan multi." not in page
