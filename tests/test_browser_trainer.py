"""Browser test: a trainer writes a lesson in Markdown on a 360 px phone, previews, publishes; a trainee reads it."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Locator, Page, expect

from app.accounts.models import Role
from app.catalog.models import Status
from app.extensions import db
from tests.factories import make_course
from tests.test_browser_trainee import enrol_from_catalogue, fits, heading, log_in

pytestmark = pytest.mark.browser

LESSON_TITLE = "Langkah Membentuk KIM"
# A bare address with no hyphen to break at: on a 360 px screen it must wrap, not widen the page.
ADDRESS = "https://diskominfo.kaltimprov.go.id/berita/pembentukan_kelompok_informasi_masyarakat_kutai_kartanegara"
MARKDOWN = f"""## Tiga langkah awal

Bentuk KIM bersama **kepala desa** dan warga yang mau berbagi kabar.

- Kumpulkan relawan
- Susun jadwal siaran
- Laporkan kegiatan ke Diskominfo

Bacaan: {ADDRESS}
"""


@pytest.fixture
def csrf_on(app, monkeypatch):
    """The live server checks CSRF tokens, as in production: every form the browser sends must carry one."""
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)


@pytest.fixture
def draft_course(make_user):
    """A trainer and the draft course they own: one draft module, no lessons yet."""
    trainer = make_user(Role.TRAINER, "64", full_name="Dewi Pelatih")
    course = make_course(slug="kim-desa", modules=1, lessons=0, with_quiz=False, status=Status.DRAFT, owners=[trainer])
    course.title = "KIM di Desa"
    course.modules[0].status = Status.DRAFT
    db.session.commit()
    return trainer, course


def focused(page: Page) -> str:
    """The id of the focused element, or its text when it has no id (a button)."""
    return page.evaluate("() => { const e = document.activeElement; return e.id || e.textContent.trim(); }")


def tab_to(page: Page, target: str, limit: int = 40, key: str = "Tab") -> None:
    """Press Tab (or Shift+Tab) until `target` has the focus; fail if the keyboard never reaches it."""
    for _press in range(limit):
        page.keyboard.press(key)
        if focused(page) == target:
            return
    pytest.fail(f"{target!r} cannot be reached with Tab on {page.url}")


def write_lesson_with_the_keyboard(page: Page) -> None:
    """Fill the new-lesson form with Tab and typing only, in the order the fields are shown."""
    tab_to(page, "title")
    page.keyboard.type(LESSON_TITLE)
    for field, text in (("slug", None), ("minutes", "15"), ("objectives", "Memahami cara membentuk KIM"),
                        ("sources", "Laporan Diskominfo Kukar\nWorkshop KIM Mei 2023"), ("body", MARKDOWN)):
        page.keyboard.press("Tab")
        assert focused(page) == field, f"Tab went to {focused(page)!r} instead of {field!r}"
        if text is not None:
            page.keyboard.press("Control+A")  # replace the suggested 10 minutes
            page.keyboard.type(text)


def named(action: str, item: str) -> re.Pattern:
    """The accessible name of a button or link that names its item for screen readers ("Terbitkan: Modul 1")."""
    return re.compile(rf"^{re.escape(action)}\s*:\s*{re.escape(item)}$")


def publish(page: Page, title: str) -> None:
    """Press the "Terbitkan" button of a course, module or lesson and see the confirmation."""
    page.get_by_role("button", name=named("Terbitkan", title)).click()
    expect(page.get_by_role("status")).to_have_text(f"{title} sudah terbit.")


def rendered(area: Locator) -> None:
    """The Markdown of MARKDOWN shown as HTML: a heading, bold text and a list, no Markdown marks left."""
    expect(area.get_by_role("heading", name="Tiga langkah awal")).to_be_visible()
    expect(area.locator("strong")).to_have_text("kepala desa")
    expect(area.get_by_role("list").filter(has_text="Kumpulkan relawan").get_by_role("listitem")).to_have_text(
        ["Kumpulkan relawan", "Susun jadwal siaran", "Laporkan kegiatan ke Diskominfo"])
    expect(area).not_to_contain_text("## ")
    expect(area).not_to_contain_text("**")


def test_trainer_writes_previews_and_publishes_a_lesson_a_trainee_reads(page, live_server, draft_course, make_user,
                                                                       screenshot, csrf_on):
    trainer, course = draft_course
    module = course.modules[0]
    trainee = make_user(full_name="Agus Salim", regency_code="64.72")

    log_in(page, live_server, trainer.email, home="Kursus yang saya kelola")
    page.get_by_role("link", name=course.title).click()
    heading(page, f"{course.title} Draf")
    expect(page.get_by_text("Belum ada pelajaran.")).to_be_visible()
    fits(page)
    page.get_by_role("link", name=named("Tulis pelajaran baru", module.title)).click()
    heading(page, "Pelajaran baru")

    # Keyboard only: fill the form, Tab to "Pratinjau", Enter. Nothing is saved yet.
    write_lesson_with_the_keyboard(page)
    tab_to(page, "Simpan")
    tab_to(page, "Pratinjau", limit=1)
    page.keyboard.press("Enter")
    # The page opens at the preview, so a phone user sees it without scrolling past the form.
    expect(page.get_by_role("heading", name="Pratinjau (belum disimpan)")).to_be_in_viewport()
    heading(page, "Pelajaran baru")
    rendered(page.locator("section[aria-labelledby=pratinjau]"))
    expect(page.get_by_label("Isi pelajaran (Markdown)")).to_have_value(MARKDOWN)
    expect(page.get_by_label("Judul pelajaran")).to_have_value(LESSON_TITLE)
    fits(page)
    screenshot("trainer-preview-360")

    # Still keyboard only: back from the preview with Shift+Tab, past "Pratinjau" to "Simpan", and Enter.
    tab_to(page, "Pratinjau", limit=1, key="Shift+Tab")
    tab_to(page, "Simpan", limit=1, key="Shift+Tab")
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_have_text(f"Pelajaran {LESSON_TITLE} disimpan sebagai draf.")
    heading(page, "Ubah pelajaran Draf")

    # Publish the course, then its module, then the lesson; the warnings say what is still missing.
    page.get_by_role("navigation", name="Posisi halaman").get_by_role("link", name=course.title).click()
    expect(page.get_by_role("listitem").filter(has_text=LESSON_TITLE).locator(".badge")).to_have_text("Draf")
    publish(page, course.title)
    heading(page, f"{course.title} Terbit")
    expect(page.locator("ul.flash-warning")).to_have_text("Kursus sudah terbit, tetapi belum ada modul yang terbit.")
    publish(page, module.title)
    expect(page.locator("ul.flash-warning")).to_have_text(f"Modul {module.title} terbit tanpa pelajaran yang terbit.")
    publish(page, LESSON_TITLE)
    expect(page.locator("ul.flash-warning")).to_have_count(0)
    expect(page.get_by_role("listitem").filter(has_text=LESSON_TITLE).locator(".badge")).to_have_text("Terbit")
    fits(page)
    screenshot("trainer-course-360")
    page.get_by_role("button", name="Keluar").click()
    expect(page.get_by_role("status")).to_have_text("Anda telah keluar.")

    # The trainee finds the course in the catalogue and reads the lesson as the trainer previewed it.
    log_in(page, live_server, trainee.email)
    enrol_from_catalogue(page, course.title)
    page.get_by_role("link", name="Lanjutkan").click()
    heading(page, LESSON_TITLE)
    rendered(page.locator("main"))
    expect(page.get_by_role("listitem").filter(has_text="Memahami cara membentuk KIM")).to_be_visible()
    expect(page.get_by_role("listitem").filter(has_text="Workshop KIM Mei 2023")).to_be_visible()
    expect(page.get_by_role("button", name="Tandai selesai")).to_be_visible()
    fits(page)
    screenshot("trainer-lesson-published-360")

