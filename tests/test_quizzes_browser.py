"""Browser test: a trainee takes a quiz on a 360 px phone, with and without JavaScript, under the CSP."""
import pytest

from app.extensions import db
from app.progress.models import Enrollment
from tests.conftest import log_in
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
    log_in(page, live_server, trainee.email)
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


def _leave_and_come_back(page, base: str, quiz_id: int) -> None:
    """Go to the course page by the quiz page's own link, then back to the quiz and continue it."""
    page.get_by_role("navigation", name="Posisi halaman").get_by_role("link").first.click()
    page.wait_for_load_state()
    assert "/kursus/" in page.url
    page.goto(f"{base}/kuis/{quiz_id}")
    page.get_by_role("link", name="Lanjutkan kuis").click()
    page.wait_for_load_state()


def test_answers_survive_leaving_and_a_blank_question_is_confirmed_first(page, live_server, quiz_setup, screenshot):
    trainee, quiz = quiz_setup
    wrong = next(c for q in quiz.questions if q.key == "multi" for c in q.choices if c.key == "3")
    wrong.text = "Pilihan multi-3: " + "teks pilihan yang panjang sekali sehingga terlipat menjadi beberapa baris " * 2
    db.session.commit()
    log_in(page, live_server, trainee.email)
    page.goto(f"{live_server}/kuis/{quiz.id}")
    page.get_by_role("button", name="Mulai kuis").click()
    page.wait_for_load_state()
    # A choice whose text wraps over several lines is tappable anywhere in its box, far from the box.
    wrapped = page.locator("label.answer", has_text="Pilihan multi-3")
    wrapped.scroll_into_view_if_needed()
    box = wrapped.bounding_box()
    assert box["height"] >= 60 and box["x"] + box["width"] <= 360
    page.mouse.click(box["x"] + box["width"] - 8, box["y"] + box["height"] - 8)
    assert page.get_by_label("Pilihan multi-3", exact=False).is_checked()
    page.mouse.click(box["x"] + box["width"] - 8, box["y"] + box["height"] - 8)
    assert not page.get_by_label("Pilihan multi-3", exact=False).is_checked()
    # Two answers, saved by the page's script as they change; no button pressed.
    page.get_by_label("Pilihan single-1").check()
    page.get_by_label("Jawaban Anda").fill("Kelompok Informasi Masyarakat")
    page.get_by_label("Jawaban Anda").blur()
    page.get_by_role("status").filter(has_text="Jawaban tersimpan").wait_for()
    _leave_and_come_back(page, live_server, quiz.id)
    assert page.get_by_label("Pilihan single-1").is_checked()
    assert page.get_by_label("Jawaban Anda").input_value() == "Kelompok Informasi Masyarakat"
    # One question left blank: the confirmation lists it, "Kembali menjawab" keeps every answer.
    page.get_by_label("Pilihan multi-0").check()
    page.get_by_label("Pilihan multi-2").check()
    page.get_by_role("button", name="Kirim jawaban").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Masih ada soal yang belum dijawab").is_visible()
    assert "1 dari 4 soal belum dijawab" in page.content()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot("quiz-confirm-360")
    page.get_by_role("link", name="Kembali menjawab").click()
    page.wait_for_load_state()
    assert page.get_by_label("Pilihan multi-2").is_checked() and page.get_by_label("Pilihan single-1").is_checked()
    page.get_by_label("Benar", exact=True).check()
    page.get_by_role("button", name="Kirim jawaban").click()
    page.wait_for_load_state()
    assert "Nilai Anda 100%" in page.content()


def test_quiz_works_without_javascript(browser, live_server, quiz_setup):
    trainee, quiz = quiz_setup
    context = browser.new_context(java_script_enabled=False, viewport={"width": 360, "height": 740})
    try:
        page = context.new_page()
        log_in(page, live_server, trainee.email)
        page.goto(f"{live_server}/kuis/{quiz.id}")
        page.get_by_role("button", name="Mulai kuis").click()
        page.wait_for_load_state()
        page.get_by_label("Pilihan single-1").check()
        page.get_by_label("Benar", exact=True).check()
        page.get_by_role("button", name="Simpan jawaban").click()
        page.wait_for_load_state()
        assert "Jawaban tersimpan" in page.content()
        _leave_and_come_back(page, live_server, quiz.id)
        assert page.get_by_label("Pilihan single-1").is_checked() and page.get_by_label("Benar", exact=True).is_checked()
        page.get_by_role("button", name="Kirim jawaban").click()  # two questions blank
        page.wait_for_load_state()
        assert "2 dari 4 soal belum dijawab" in page.content()
        page.get_by_role("button", name="Kirim tetap").click()
        page.wait_for_load_state()
        assert "Nilai Anda 50%" in page.content()
    finally:
        context.close()
