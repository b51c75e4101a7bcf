"""Browser test: a trainee takes a quiz on a 360 px phone, with and without JavaScript, under the CSP."""
import pytest

from app.extensions import db
from app.progress.models import Enrollment
from tests.factories import make_course

pytestmark = pytest.mark.browser


@pytest.fixture
def quiz_setup(make_user):
    """A trainee enrolled in a one-module course; returns (trainee, quiz)."""
    course = make_course(modules=1, lessons=1)
    trainee = make_user(full_name="Peserta Peramban")
    db.session.add(Enrollment(user_id=trainee.id, course_id=course.id))
    db.session.commit()
    return trainee, course.modules[0].quiz


def _log_in(page, base: str, email: str) -> None:
    page.goto(f"{base}/masuk")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Kata sandi").fill("rahasia-12345")
    page.get_by_role("button", name="Masuk").click()
    page.wait_for_load_state()


def _answer_everything_right(page) -> None:
    page.get_by_label("Pilihan single-1").check()
    page.get_by_label("Pilihan multi-0").check()
    page.get_by_label("Pilihan multi-2").check()
    page.get_by_label("Benar", exact=True).check()
    page.get_by_label("Jawaban Anda").fill("Kelompok Informasi Masyarakat")
    page.get_by_role("button", name="Kirim jawaban").click()
    page.wait_for_load_state()


def test_trainee_takes_a_quiz_on_a_phone(page, live_server, quiz_setup, screenshot):
    trainee, quiz = quiz_setup
    violations = []
    page.on("console", lambda message: violations.append(message.text) if "Content Security Policy" in message.text else None)
    _log_in(page, live_server, trainee.email)
    page.goto(f"{live_server}/kuis/{quiz.id}")
    page.get_by_role("button", name="Mulai kuis").click()
    page.wait_for_load_state()
    assert page.locator("fieldset").count() == 4
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot("quiz-take-360")
    _answer_everything_right(page)
    assert page.get_by_role("heading", name="Hasil: Kuis").is_visible()
    assert "Nilai Anda 100%" in page.content()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot("quiz-result-360")
    assert violations == []


def test_quiz_works_without_javascript(browser, live_server, quiz_setup):
    trainee, quiz = quiz_setup
    context = browser.new_context(java_script_enabled=False, viewport={"width": 360, "height": 740})
    try:
        page = context.new_page()
        _log_in(page, live_server, trainee.email)
        page.goto(f"{live_server}/kuis/{quiz.id}")
        page.get_by_role("button", name="Mulai kuis").click()
        page.wait_for_load_state()
        _answer_everything_right(page)
        assert "Nilai Anda 100%" in page.content() and "Selamat, Anda lulus kuis ini." in page.content()
    finally:
        context.close()
