"""Browser tests: a trainee goes from login to certificate on a 360 px phone, with and without JavaScript."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from app.extensions import db
from tests.conftest import log_in as shared_log_in
from tests.factories import make_course

pytestmark = pytest.mark.browser

WIDTH = 360
LESSON_BODY = """## Mengapa KIM penting

KIM menjembatani informasi pemerintah daerah dan warga desa.

- Menyebarkan informasi pembangunan
- Menampung aspirasi warga
"""
# What the trainee ticks on the quiz of tests.factories.make_quiz, by the labels on the page.
RIGHT = {"checks": ["Pilihan single-1", "Pilihan multi-0", "Pilihan multi-2", "Benar"],
         "short": "Kelompok Informasi Masyarakat"}
WRONG = {"checks": ["Pilihan single-0", "Pilihan multi-1", "Salah"], "short": "Komunitas Internet Mandiri"}


@pytest.fixture
def csrf_on(app, monkeypatch):
    """The live server checks CSRF tokens, as in production: every form the browser sends must carry one."""
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)


def _course(modules: int, lessons: int):
    """A published sequential course with readable titles and a Markdown body in every lesson."""
    course = make_course(slug="literasi-kim", modules=modules, lessons=lessons)
    course.title = "Literasi Informasi untuk KIM"
    for module in course.modules:
        for lesson in module.lessons:
            lesson.body_md = LESSON_BODY
    db.session.commit()
    return course


def fits(page: Page) -> None:
    """Nothing on the page may stick out sideways on a 360 px screen."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= WIDTH, f"{page.url} is {width}px wide on a {WIDTH}px screen"


def heading(page: Page, text: str) -> None:
    """Wait for the page whose main heading is `text`."""
    expect(page.get_by_role("heading", level=1)).to_have_text(text)


def log_in(page: Page, base: str, email: str, home: str = "Kursus saya") -> None:
    """Log in through the form and land on the role's home page (a trainee's is "Kursus saya")."""
    shared_log_in(page, base, email)
    heading(page, home)


def enrol_from_catalogue(page: Page, title: str) -> None:
    """Katalog → the course → "Daftar kursus ini"; the course page then shows progress from zero."""
    page.get_by_role("navigation", name="Menu utama").get_by_role("link", name="Katalog").click()
    heading(page, "Katalog kursus")
    page.get_by_role("link", name=title).click()
    heading(page, title)
    page.get_by_role("button", name="Daftar kursus ini").click()
    expect(page.get_by_role("status")).to_contain_text(f"Anda terdaftar di kursus {title}.")
    expect(page.locator("#kemajuan")).to_contain_text("0 dari")
    # "Lanjutkan" is on the first screen of a phone, above the course summary.
    box = page.get_by_role("link", name="Lanjutkan").bounding_box()
    assert box is not None and box["y"] + box["height"] <= 740


def read_lesson(page: Page, title: str) -> None:
    """On a lesson page: check it is the expected one with its Markdown rendered, then "Tandai selesai"."""
    heading(page, title)
    expect(page.get_by_role("heading", level=2, name="Mengapa KIM penting")).to_be_visible()
    expect(page.get_by_role("listitem").filter(has_text="Menampung aspirasi warga")).to_be_visible()
    page.get_by_role("button", name="Tandai selesai").click()
    expect(page.get_by_role("status").first).to_have_text(f"Pelajaran “{title}” ditandai selesai.")


def answer_and_submit(page: Page, answers: dict) -> None:
    """Tick and type the answers on the quiz page, then "Kirim jawaban"."""
    for label in answers["checks"]:
        page.get_by_label(label, exact=True).check()
    page.get_by_label("Jawaban Anda").fill(answers["short"])
    page.get_by_role("button", name="Kirim jawaban").click()
    heading(page, "Hasil: Kuis")


def test_trainee_goes_from_login_to_certificate_on_a_phone(page, live_server, make_user, screenshot, csrf_on):
    course = _course(modules=2, lessons=2)
    trainee = make_user(full_name="Siti Rahmawati")
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))

    log_in(page, live_server, trainee.email)
    expect(page.get_by_text("Anda belum terdaftar di kursus mana pun.")).to_be_visible()
    enrol_from_catalogue(page, course.title)
    expect(page.locator("#kemajuan")).to_have_text("0 dari 6 langkah selesai (4 pelajaran dan 2 kuis)")
    # Module 2 stays shut until module 1 (lessons and quiz) is done.
    expect(page.locator("#modul-modul-2")).to_contain_text("Terkunci. Selesaikan modul 'Modul 1' terlebih dahulu.")
    fits(page)
    page.get_by_role("link", name="Lanjutkan").click()

    heading(page, "Pelajaran 1.1")
    fits(page)
    screenshot("trainee-lesson-360")
    read_lesson(page, "Pelajaran 1.1")
    # Marking a lesson complete leads straight on to the next one, and the course page counts it.
    heading(page, "Pelajaran 1.2")
    page.get_by_role("link", name=course.title).click()
    expect(page.locator("#kemajuan")).to_have_text("1 dari 6 langkah selesai (4 pelajaran dan 2 kuis)")
    page.get_by_role("link", name="Lanjutkan").click()
    read_lesson(page, "Pelajaran 1.2")

    # The last lesson of the module leads to its quiz; a first, wrong attempt fails.
    heading(page, "Kuis")
    expect(page.locator("dl")).to_contain_text("0 dari 3")
    fits(page)
    page.get_by_role("button", name="Mulai kuis").click()
    expect(page.get_by_text("Percobaan ke-1 · 4 soal · nilai lulus 70%")).to_be_visible()
    expect(page.locator("fieldset")).to_have_count(4)
    fits(page)
    screenshot("trainee-quiz-360")
    answer_and_submit(page, WRONG)
    expect(page.get_by_text("Nilai Anda 0% (0 dari 4 poin).")).to_be_visible()
    expect(page.locator(".lead .badge")).to_have_text("Belum lulus")
    expect(page.get_by_text("Sisa kesempatan: 2.")).to_be_visible()
    fits(page)
    screenshot("trainee-result-fail-360")

    page.get_by_role("button", name="Coba lagi").click()
    expect(page.get_by_text("Percobaan ke-2 · 4 soal · nilai lulus 70%")).to_be_visible()
    answer_and_submit(page, RIGHT)
    expect(page.get_by_text("Nilai Anda 100% (4 dari 4 poin).")).to_be_visible()
    expect(page.locator(".lead .badge")).to_have_text("Lulus")
    expect(page.get_by_text("Selamat, Anda lulus kuis ini.")).to_be_visible()
    expect(page.get_by_role("button", name="Coba lagi")).to_have_count(0)
    fits(page)
    screenshot("trainee-result-360")

    # Passing opens module 2; its lessons and quiz finish the course.
    page.get_by_role("link", name="Lanjut: Pelajaran 2.1").click()
    read_lesson(page, "Pelajaran 2.1")
    read_lesson(page, "Pelajaran 2.2")
    page.get_by_role("button", name="Mulai kuis").click()
    answer_and_submit(page, RIGHT)
    expect(page.get_by_text("Selamat, Anda lulus kuis ini.")).to_be_visible()
    page.get_by_role("link", name="Kursus selesai: lihat ucapan selamat dan sertifikat Anda").click()

    # The course page opens with the congratulation and the certificate.
    heading(page, course.title)
    congratulation = page.locator("#selamat")
    expect(congratulation).to_contain_text("Selamat, Anda menyelesaikan kursus ini!")
    expect(congratulation.get_by_role("link", name="Unduh sertifikat (PDF)")).to_be_in_viewport()
    fits(page)
    screenshot("trainee-finished-360")
    page.get_by_role("link", name="Kursus saya").first.click()
    heading(page, "Kursus saya")
    card = page.locator("article.card").filter(has_text=course.title)
    expect(card.locator(".badge")).to_have_text("Selesai")
    expect(card).to_contain_text("6 dari 6 langkah selesai")
    expect(card).to_contain_text("Sertifikat: kode ")
    pdf_link = card.get_by_role("link", name="Unduh sertifikat (PDF)")
    expect(pdf_link).to_have_attribute("href", re.compile(r"^/sertifikat/[A-Z0-9-]+\.pdf$"))
    expect(card.get_by_role("link", name="Lanjutkan")).to_have_count(0)
    fits(page)
    screenshot("trainee-my-courses-360")
    card.get_by_role("link", name="Halaman verifikasi").click()
    expect(page.locator("main")).to_contain_text("Siti Rahmawati")
    assert problems == []


def test_trainee_learns_without_javascript(browser, live_server, make_user, csrf_on):
    course = _course(modules=1, lessons=1)
    trainee = make_user(full_name="Yohanes Dau", regency_code="64.11")
    context = browser.new_context(java_script_enabled=False, viewport={"width": WIDTH, "height": 740}, locale="id-ID")
    try:
        page = context.new_page()
        log_in(page, live_server, trainee.email)
        enrol_from_catalogue(page, course.title)
        # Offline reading needs JavaScript: without it nothing of it shows, and nothing is missing.
        expect(page.get_by_role("button", name="Simpan untuk dibaca luring")).to_be_hidden()
        expect(page.get_by_text("Anda sedang luring")).to_be_hidden()
        page.get_by_role("link", name="Lanjutkan").click()
        heading(page, "Pelajaran 1.1")
        fits(page)
        read_lesson(page, "Pelajaran 1.1")
        expect(page.get_by_text("menunggu dikirim")).to_be_hidden()

        heading(page, "Kuis")
        page.get_by_role("button", name="Mulai kuis").click()
        fits(page)
        answer_and_submit(page, RIGHT)
        expect(page.get_by_text("Nilai Anda 100% (4 dari 4 poin).")).to_be_visible()
        expect(page.get_by_text("Selamat, Anda lulus kuis ini.")).to_be_visible()
        fits(page)

        page.get_by_role("link", name="Kursus selesai: lihat ucapan selamat dan sertifikat Anda").click()
        heading(page, course.title)
        expect(page.locator("#selamat").get_by_role("link", name="Unduh sertifikat (PDF)")).to_be_visible()
        page.get_by_role("link", name="Kursus saya").first.click()
        heading(page, "Kursus saya")
        expect(page.get_by_role("link", name="Unduh sertifikat (PDF)")).to_be_visible()
        expect(page.get_by_text("2 dari 2 langkah selesai")).to_be_visible()
    finally:
        context.close()
