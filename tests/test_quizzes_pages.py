"""The quiz pages: nothing given away before submission, accessible markup, CSP-safe, few queries."""
from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from app.extensions import db
from app.quizzes.models import Choice, Question
from tests.factories import ANSWERS, make_course
from tests.test_quizzes_attempts import enrol, sheet, start, trainee  # noqa: F401  (trainee: fixture)
from tests.conftest import without_site_script


class Markup(HTMLParser):
    """Collects the tags of a page with their attributes, and the legends' text."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.legends: list[str] = []
        self._in_legend = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag == "legend":
            self._in_legend = True
            self.legends.append("")

    def handle_endtag(self, tag):
        if tag == "legend":
            self._in_legend = False

    def handle_data(self, data):
        if self._in_legend:
            self.legends[-1] += data


def parse(html: str) -> Markup:
    markup = Markup()
    markup.feed(html)
    return markup


@pytest.fixture
def course():
    return make_course(modules=1, lessons=1)


def test_quiz_page_gives_away_no_answer_feedback_or_explanation(client, trainee, course):
    quiz = course.modules[0].quiz
    page = client.get(f"/kuis/percobaan/{start(client, quiz)}").get_data(as_text=True)
    for question in quiz.questions:
        assert question.text in page
        for choice in question.choices:
            assert choice.text in page
    for secret in ("Umpan balik", "Tepat.", "Kurang tepat.", "Penjelasan", "Kelompok Informasi Masyarakat"):
        assert secret not in page
    assert "correct" not in page.lower()  # no class, attribute or data-correct flag of any kind
    for _tag, attrs in parse(page).tags:
        assert not any("correct" in name or "correct" in (value or "") for name, value in attrs.items())


def test_quiz_page_inputs_have_fieldsets_legends_labels_and_the_right_types(client, trainee, course):
    quiz = course.modules[0].quiz
    page = client.get(f"/kuis/percobaan/{start(client, quiz)}").get_data(as_text=True)
    markup = parse(page)
    inputs = [attrs for tag, attrs in markup.tags if tag == "input" and attrs.get("name", "").startswith("q-")]
    labelled = {attrs.get("for") for tag, attrs in markup.tags if tag == "label"}
    assert all(attrs["id"] in labelled for attrs in inputs)
    expected = {"single": "radio", "truefalse": "radio", "multiple": "checkbox", "short": "text"}
    for question in quiz.questions:
        types = {attrs["type"] for attrs in inputs if attrs["name"] == f"q-{question.id}"}
        assert types == {expected[question.type]}
        if question.type != "short":
            values = sorted(attrs["value"] for attrs in inputs if attrs["name"] == f"q-{question.id}")
            assert values == sorted(str(choice.id) for choice in question.choices)
    assert [tag for tag, _ in markup.tags].count("fieldset") == len(quiz.questions)
    assert len(markup.legends) == len(quiz.questions) and all("Soal" in legend for legend in markup.legends)
    headings = [int(tag[1]) for tag, _ in markup.tags if re.fullmatch(r"h[1-6]", tag)]
    assert headings[0] == 1 and all(b - a <= 1 for a, b in zip(headings, headings[1:]))


@pytest.mark.parametrize("which", ["overview", "take", "result"])
def test_quiz_pages_need_no_inline_script_or_style(client, trainee, course, which):
    quiz = course.modules[0].quiz
    attempt_id = start(client, quiz)
    if which == "result":
        client.post(f"/kuis/percobaan/{attempt_id}/kirim", data=sheet(quiz, ANSWERS))
    url = {"overview": f"/kuis/{quiz.id}", "take": f"/kuis/percobaan/{attempt_id}",
           "result": f"/kuis/percobaan/{attempt_id}/hasil"}[which]
    response = client.get(url)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "<style" not in page
    # Besides the site's own script, only the quiz page's saving script, from the static files; never inline.
    rest = without_site_script(page)
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", rest, re.S)
    assert all(re.search(r'src="/static/quiz\.js\?v=\w+"', attrs) and not body for attrs, body in scripts)
    assert rest.count("<script") == len(scripts) == (1 if which == "take" else 0)
    for _tag, attrs in parse(page).tags:
        assert "style" not in attrs and not any(name.startswith("on") for name in attrs)
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]


def test_trainer_text_is_sanitised_on_quiz_and_result_pages(client, trainee, course):
    quiz = course.modules[0].quiz
    question = next(q for q in quiz.questions if q.key == "single")
    question.text = 'Soal **tebal**<script>alert(1)</script><img src=x onerror="alert(2)">'
    question.explanation = "Lihat [tautan](javascript:alert(3))."
    question.choices[0].text = "<b onclick='alert(4)'>Pilihan</b>"
    question.choices[0].feedback = "<iframe src='https://contoh.example'></iframe>Umpan"
    db.session.commit()
    attempt_id = start(client, quiz)
    taking = client.get(f"/kuis/percobaan/{attempt_id}").get_data(as_text=True)
    answers = sheet(quiz, ANSWERS) | {f"q-{question.id}": [str(question.choices[0].id)]}
    client.post(f"/kuis/percobaan/{attempt_id}/kirim", data=answers)
    result = client.get(f"/kuis/percobaan/{attempt_id}/hasil").get_data(as_text=True)
    for page in (taking, result):
        assert "<strong>tebal</strong>" in page
        assert "<script>" not in page and "onerror" not in page and "onclick" not in page
    assert 'href="javascript:' not in result and "<iframe" not in result


def _grow(quiz, extra: int) -> None:
    """Add `extra` single-choice questions of three choices to a quiz."""
    for n in range(extra):
        question = Question(key=f"extra-{n}", position=10 + n, type="single", text=f"Tambahan {n}?",
                            explanation="Penjelasan tambahan.")
        question.choices = [Choice(key=str(i), position=i, text=f"T{n}-{i}", correct=i == 0, feedback="Umpan balik.")
                            for i in range(3)]
        quiz.questions.append(question)
    db.session.commit()


def test_quiz_and_result_pages_query_the_same_whatever_the_number_of_questions(app, make_user, login_as, count_queries):
    counts = []
    for extra in (0, 12):
        course = make_course(modules=1, lessons=1)
        quiz = course.modules[0].quiz
        _grow(quiz, extra)
        client = app.test_client()
        user = make_user()
        enrol(user, course)
        login_as(user, the_client=client)
        attempt_id = start(client, quiz)
        with count_queries() as taking:
            assert client.get(f"/kuis/percobaan/{attempt_id}").status_code == 200
        right = ANSWERS | {f"extra-{n}": ["0"] for n in range(extra)}
        client.post(f"/kuis/percobaan/{attempt_id}/kirim", data=sheet(quiz, right))
        with count_queries() as result:
            assert client.get(f"/kuis/percobaan/{attempt_id}/hasil").status_code == 200
        with count_queries() as overview:
            assert client.get(f"/kuis/{quiz.id}").status_code == 200
        counts.append((len(taking), len(result), len(overview)))
    assert counts[0] == counts[1]
    # The result and overview pages of a passed quiz also work out the next step of the course.
    assert counts[0][0] <= 6 and counts[0][1] <= 16 and counts[0][2] <= 16
