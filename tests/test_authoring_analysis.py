"""Item analysis: facility, discrimination and choice counts per question, flagged in words."""
from __future__ import annotations

import pytest

from app.accounts.models import Role
from app.authoring.analysis import analyse, point_biserial
from app.extensions import db
from app.quizzes.models import Answer, Attempt, Choice, Question
from tests.factories import make_course


def _attempt(quiz, user, number, percent, answers, status="submitted"):
    """One attempt with answers given as {question key: (response values, correct)}."""
    attempt = Attempt(quiz_id=quiz.id, user_id=user.id, number=number, status=status, percent=percent,
                      score=percent / 25, max_score=4, passed=percent >= 70)
    by_key = {question.key: question for question in quiz.questions}
    attempt.answers = [Answer(question_id=by_key[key].id, response=list(values), correct=correct,
                              score=float(correct), max_score=1) for key, (values, correct) in answers.items()]
    db.session.add(attempt)


def _build(make_user, repeat: int):
    """`repeat` times four submitted attempts at 100, 75, 50 and 25 percent, and one open attempt that must not count."""
    trainer = make_user(Role.TRAINER, "64")
    course = make_course(owners=[trainer], modules=1)
    quiz = course.modules[0].quiz
    single, multi, tf, _short = quiz.questions
    s = [str(choice.id) for choice in single.choices]
    m = [str(choice.id) for choice in multi.choices]
    t = {choice.key: str(choice.id) for choice in tf.choices}
    rows = [
        (100, {"single": ([s[1]], True), "multi": ([m[0], m[2]], True), "tf": ([t["false"]], False), "short": (["KIM"], False)}),
        (75, {"single": ([s[1]], True), "multi": ([m[0], m[2]], True), "tf": ([t["false"]], False), "short": (["kim."], False)}),
        (50, {"single": ([s[0]], False), "multi": ([m[0], m[2]], True), "tf": ([t["false"]], False),
              "short": (["Kelompok informasi"], False)}),
        (25, {"single": ([s[2]], False), "multi": ([m[0], m[2]], True), "tf": ([t["true"]], True), "short": ([], False)}),
    ]
    for _ in range(repeat):
        for number, (percent, answers) in enumerate(rows, start=1):
            _attempt(quiz, make_user(), number, percent, answers)
    _attempt(quiz, make_user(), 1, 0, {"single": ([s[0]], False)}, status="open")
    db.session.commit()
    return trainer, quiz


@pytest.fixture
def analysed(make_user):
    """Four attempts: every question a small sample."""
    return _build(make_user, 1)


@pytest.fixture
def analysed_enough(make_user):
    """The same four attempts eight times over: 32 answers per question, enough for discrimination."""
    return _build(make_user, 8)


def test_a_small_sample_gets_no_discrimination_and_no_flag(app, analysed):
    _, quiz = analysed
    with app.test_request_context():
        result = analyse(quiz)
    assert result.attempts == 4 and result.few_attempts
    for stat in result.questions:
        assert stat.small_sample and stat.discrimination is None and stat.flags == []
    single = result.questions[0]
    assert single.answered == 4 and single.facility == 0.5
    assert [(c.choice.text, c.count, c.share) for c in single.choices] == [
        ("Pilihan single-0", 1, 0.25), ("Pilihan single-1", 2, 0.5), ("Pilihan single-2", 1, 0.25)]
    assert result.questions[3].blank == 1


def test_numbers_per_question(app, analysed_enough):
    _, quiz = analysed_enough
    with app.test_request_context():
        result = analyse(quiz)
    assert result.attempts == 32 and not result.few_attempts
    single, multi, tf, short = result.questions
    assert single.answered == 32 and not single.small_sample and single.facility == 0.5
    assert single.discrimination == pytest.approx(0.894, abs=0.001)
    assert [(c.choice.text, c.count, c.share) for c in single.choices] == [
        ("Pilihan single-0", 8, 0.25), ("Pilihan single-1", 16, 0.5), ("Pilihan single-2", 8, 0.25)]
    assert single.flags == []
    assert multi.facility == 1.0 and multi.discrimination is None
    assert [c.count for c in multi.choices] == [32, 0, 32, 0]
    assert [flag.split(":")[0] for flag in multi.flags] == ["Terlalu mudah"]
    assert tf.facility == 0.25 and tf.discrimination < 0
    assert [flag.split(":")[0] for flag in tf.flags] == ["Daya beda rendah"]
    assert short.facility == 0 and [flag.split(":")[0] for flag in short.flags] == ["Terlalu sulit"]
    assert short.typed[0] == ("kim", 16) and ("kelompok informasi", 8) in short.typed


def test_point_biserial_matches_the_textbook_formula():
    assert point_biserial([True, False], [80.0, 40.0]) == pytest.approx(1.0)
    assert point_biserial([True, True], [80.0, 40.0]) is None  # everyone right: undefined
    assert point_biserial([True, False, True], [50.0, 50.0, 50.0]) is None  # no spread in scores


def test_analysis_page_shows_numbers_flags_and_method(client, login_as, analysed_enough):
    trainer, quiz = analysed_enough
    login_as(trainer)
    page = client.get(f"/kelola/kuis/{quiz.id}/analisis").get_data(as_text=True)
    assert "32 percobaan sudah dikumpulkan." in page and "32 dari 32 percobaan" in page
    assert "point-biserial" in page and "belum dapat diandalkan" not in page
    assert "0,89" in page and "50%" in page
    assert "Terlalu mudah" in page and "Terlalu sulit" in page and "Daya beda rendah" in page
    assert '<span class="badge">sampel kecil</span>' not in page


def test_analysis_page_marks_a_small_sample(client, login_as, analysed):
    trainer, quiz = analysed
    login_as(trainer)
    page = client.get(f"/kelola/kuis/{quiz.id}/analisis").get_data(as_text=True)
    assert "belum dapat diandalkan" in page and page.count('<span class="badge">sampel kecil</span>') == 4
    assert page.count("belum dihitung (sampel kecil)") == 4 and "Terlalu" not in page and "0,89" not in page


def test_with_a_pool_each_question_counts_the_attempts_that_asked_it(app, make_user):
    trainer = make_user(Role.TRAINER, "64")
    quiz = make_course(owners=[trainer], modules=1).modules[0].quiz
    single, multi, _tf, _short = quiz.questions
    right = str(next(c.id for c in single.choices if c.correct))
    for n in range(40):  # single asked in every attempt, multi in every fourth only
        answers = {"single": ([right], n % 2 == 0)}
        if n % 4 == 0:
            answers["multi"] = ([str(multi.choices[0].id)], False)
        _attempt(quiz, make_user(), 1, 100 if n % 2 == 0 else 40, answers)
    db.session.commit()
    with app.test_request_context():
        result = analyse(quiz)
    single_stat, multi_stat, tf_stat, _ = result.questions
    assert result.attempts == 40 and single_stat.answered == 40 and not single_stat.small_sample
    assert single_stat.facility == 0.5 and single_stat.discrimination == pytest.approx(1.0)
    assert multi_stat.answered == 10 and multi_stat.small_sample and multi_stat.facility == 0.0
    assert multi_stat.discrimination is None and multi_stat.flags == []  # 0% of 10 is no evidence yet
    assert tf_stat.answered == 0 and tf_stat.facility is None


def test_analysis_queries_do_not_grow_with_questions(client, login_as, analysed, count_queries, make_user):
    trainer, quiz = analysed
    login_as(trainer)
    url = f"/kelola/kuis/{quiz.id}/analisis"
    client.get(url)
    with count_queries() as few:
        client.get(url)
    for n in range(12):
        question = Question(quiz_id=quiz.id, key=f"tambahan-{n}", position=4 + n, type="single", text="Soal?", explanation="-")
        question.choices = [Choice(key="0", text="A", correct=True), Choice(key="1", text="B")]
        db.session.add(question)
    db.session.commit()
    with count_queries() as many:
        client.get(url)
    assert len(many) == len(few)
