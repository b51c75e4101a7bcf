"""Browser tests on a 360 px phone, every page also laid out at 1280 px: a trainer puts an image in a lesson and
later takes the course back to draft; a trainee sees the image, then the "sedang diperbarui" page; a coordinator
reads the roster on a phone."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from app.accounts.models import Role
from app.catalog.models import CourseFile, Status
from app.extensions import db, utcnow
from app.progress import services as learning
from app.progress.models import Enrollment
from tests.conftest import ARTIFACTS
from tests.conftest import log_in as shared_log_in
from tests.factories import make_course
from tests.test_authoring_files import jpeg_with_exif
from tests.test_browser_trainer import csrf_on, named  # noqa: F401  (csrf_on: a fixture)
from tests.test_catalog_loader import run

pytestmark = pytest.mark.browser

ALT = "Peta sebaran KIM di Kutai Kartanegara"


def log_in(page: Page, base: str, email: str) -> None:
    """Log in and see the signed-in header."""
    shared_log_in(page, base, email)
    expect(page.get_by_role("button", name="Keluar")).to_be_visible()


PHONE, DESKTOP = {"width": 360, "height": 800}, {"width": 1280, "height": 800}


def fits(page: Page, width: int) -> None:
    """Nothing on the page sticks out sideways."""
    assert page.evaluate("document.documentElement.scrollWidth") <= width, page.url


def fits_phone_and_desktop(page: Page, screenshot_name: str = "") -> None:
    """Nothing sticks out sideways on the phone, nor once the same page is laid out at 1280 px (then back)."""
    fits(page, PHONE["width"])
    page.set_viewport_size(DESKTOP)
    fits(page, DESKTOP["width"])
    if screenshot_name:
        page.screenshot(path=f"{ARTIFACTS}/{screenshot_name}-1280.png", full_page=True)
    page.set_viewport_size(PHONE)


def image_shown(page: Page, alt: str) -> str:
    """The address of the image with this alt text, once the browser has loaded and decoded it."""
    image = page.get_by_role("img", name=alt)
    expect(image).to_be_visible()
    assert image.evaluate("(img) => img.complete && img.naturalWidth > 0"), "the image did not load"
    return image.get_attribute("src")


@pytest.fixture
def live_course(make_user):
    """A published course of one module with a published and a draft lesson; a trainee is enrolled."""
    trainer = make_user(Role.TRAINER, "64", full_name="Dewi Pelatih")
    trainee = make_user(full_name="Agus Salim", regency_code="64.02")
    course = make_course(slug="kim-bergambar", modules=1, lessons=2, with_quiz=False, owners=[trainer])
    course.title = "KIM Bergambar"
    course.modules[0].lessons[1].status = Status.DRAFT
    course.modules[0].lessons[1].title = "Peta KIM"
    db.session.commit()
    learning.enroll(trainee, course)
    db.session.commit()
    return trainer, trainee, course


def test_an_image_goes_into_a_lesson_and_the_course_back_to_draft(browser, live_server, live_course, runner, tmp_path,
                                                                  csrf_on, screenshot):  # noqa: F811
    trainer, trainee, course = live_course
    viewport = {"viewport": PHONE, "locale": "id-ID"}
    page = browser.new_context(**viewport).new_page()
    log_in(page, live_server, trainer.email)

    # Upload the photo with its alternative text: it is stored re-encoded, and the page gives its Markdown.
    page.goto(f"{live_server}/kelola/kursus/{course.id}")
    page.get_by_role("link", name="Gambar dan berkas").click()
    page.get_by_label("Gambar (JPG, PNG, GIF, WebP) atau PDF").set_input_files(
        {"name": "Peta KIM.jpg", "mimeType": "image/jpeg", "buffer": jpeg_with_exif()})
    page.get_by_label("Teks alternatif").fill(ALT)
    page.get_by_role("button", name="Unggah").click()
    expect(page.get_by_role("status")).to_have_text("Berkas peta-kim.jpg diunggah.")
    expect(page.get_by_text(f"![{ALT}](berkas/peta-kim.jpg)")).to_be_visible()
    fits_phone_and_desktop(page)

    # The lesson editor offers the file; "Sisipkan" puts its Markdown at the cursor; the preview shows it.
    page.goto(f"{live_server}/kelola/pelajaran/{course.modules[0].lessons[1].id}")
    page.get_by_label("Isi pelajaran (Markdown)").fill("Lihat peta di bawah ini.")
    page.get_by_role("button", name=named("Sisipkan", "peta-kim.jpg")).click()
    expect(page.get_by_label("Isi pelajaran (Markdown)")).to_have_value(
        f"Lihat peta di bawah ini.\n\n![{ALT}](berkas/peta-kim.jpg)")
    page.get_by_role("button", name="Pratinjau").click()
    preview = page.locator("section[aria-labelledby=pratinjau]")
    expect(preview.get_by_role("heading", name="Pratinjau (belum disimpan)")).to_be_visible()
    image_shown(preview, ALT)
    expect(page.locator("#catatan-gambar")).to_have_count(0)
    page.get_by_role("button", name="Simpan", exact=True).click()
    expect(page.get_by_role("status")).to_have_text("Pelajaran disimpan.")
    page.get_by_role("navigation", name="Posisi halaman").get_by_role("link", name=course.title).click()
    page.get_by_role("button", name=named("Terbitkan", "Peta KIM")).click()
    expect(page.get_by_role("status")).to_have_text("Peta KIM sudah terbit.")
    screenshot("course-files-trainer-360")

    # The trainee reads the lesson with the image, loaded from the site.
    reader = browser.new_context(**viewport).new_page()
    log_in(reader, live_server, trainee.email)
    reader.goto(f"{live_server}/kursus/{course.slug}/modul-1/pelajaran-2")
    address = image_shown(reader, ALT)
    served = reader.request.get(live_server + address)
    assert served.headers["cache-control"] == "private, max-age=31536000, immutable"
    reader.screenshot(path=f"{ARTIFACTS}/course-files-trainee-360-lesson.png", full_page=True)
    fits_phone_and_desktop(reader, "course-files-trainee-lesson")

    # Exported to a course folder and imported again, the file is byte for byte what the trainee got.
    run(runner, "export", course.slug, tmp_path)
    exported = (tmp_path / course.slug / "berkas" / "peta-kim.jpg").read_bytes()
    assert exported == served.body()
    assert "tidak berubah" in run(runner, "import", tmp_path / course.slug).output
    db.session.expire_all()
    assert db.session.scalar(db.select(CourseFile.content)) == exported

    # The trainer takes the course back to draft: the page says who it affects before anything changes.
    page.get_by_role("button", name=named("Jadikan draf…", course.title)).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Jadikan draf: {course.title}?")
    expect(page.get_by_text("1 peserta terdaftar di kursus ini.")).to_be_visible()
    fits_phone_and_desktop(page)
    page.get_by_role("button", name="Ya, jadikan draf").click()
    expect(page.get_by_role("status")).to_have_text(f"{course.title} sekarang draf dan tidak terlihat oleh peserta.")

    # The trainee's page now says the course is being updated, with their place kept.
    reader.reload()
    expect(reader.get_by_role("heading", level=1)).to_have_text(f"Kursus {course.title} sedang diperbarui")
    expect(reader.get_by_text("Kemajuan Anda tetap tersimpan")).to_be_visible()
    reader.get_by_role("link", name="Ke Kursus saya").click()
    expect(reader.get_by_role("link", name=course.title)).to_be_visible()
    expect(reader.get_by_text("Sedang diperbarui", exact=True)).to_be_visible()
    fits_phone_and_desktop(reader)
    reader.context.close()
    page.context.close()


def test_a_coordinator_reads_status_and_progress_on_the_roster_of_a_phone(browser, live_server, make_user, csrf_on,
                                                                         screenshot):  # noqa: F811
    course = make_course(slug="literasi-kim", modules=1, lessons=4)
    course.title = "Pengelolaan Konten Media di Instansi Pemerintah Daerah"
    for index, (name, done) in enumerate((("Siti Rahmawati Kusumaningtyas", 3), ("Budi", 0), ("Rina Wati", 4))):
        trainee = make_user(full_name=name, regency_code="64.09", nip=f"19850330201001100{index}")
        db.session.add(Enrollment(user_id=trainee.id, course_id=course.id, lessons_completed=done,
                                  enrolled_at=utcnow() - timedelta(days=30),
                                  last_activity_at=utcnow() - timedelta(days=20) if done else None,
                                  completed_at=utcnow() if done == 4 else None, best_score_percent=87.5 if done else None))
    db.session.commit()
    coordinator = make_user(Role.COORDINATOR, "64")
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="id-ID",
                                  permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    log_in(page, live_server, coordinator.email)

    page.goto(f"{live_server}/laporan/peserta")
    card = page.get_by_role("row").filter(has_text="Siti Rahmawati Kusumaningtyas")
    status, progress = card.locator("td.status"), card.locator("td.progress-cell")
    expect(status).to_contain_text("Berjalan")
    expect(progress).to_contain_text("75%")
    for cell, label in ((status, "Status: "), (progress, "Kemajuan: ")):  # labelled, and in view without scrolling
        assert cell.evaluate("(td) => getComputedStyle(td, '::before').content") == f'"{label}"'
        box = cell.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 360
    fits(page, 360)
    screenshot("roster-cards-360")

    # Sorted by progress, highest first; the filters stay folded until opened.
    expect(page.locator("details.filter-box")).not_to_have_attribute("open", "")
    page.get_by_text("Saringan").click()
    page.get_by_label("Urutkan menurut").select_option("kemajuan")
    page.get_by_label("Arah urutan").select_option("turun")
    page.get_by_role("button", name="Tampilkan").click()
    names = page.locator("#roster tbody th a").all_inner_texts()
    assert names == ["Rina Wati", "Siti Rahmawati Kusumaningtyas", "Budi"]

    # On a desktop the same roster is a table that fits its frame, and a header sorts it.
    page.set_viewport_size({"width": 1280, "height": 800})
    expect(page.get_by_role("columnheader", name=re.compile("^Kemajuan"))).to_have_attribute("aria-sort", "descending")
    frame = page.evaluate("(() => { const w = document.querySelector('#roster').closest('.table-wrap');"
                          " return [w.scrollWidth, w.clientWidth]; })()")
    assert frame[0] <= frame[1] + 1, "the roster fits its frame at 1280 px"
    page.get_by_role("link", name=re.compile("^Nama")).click()
    assert page.locator("#roster tbody th a").all_inner_texts() == ["Budi", "Rina Wati", "Siti Rahmawati Kusumaningtyas"]

    # Reminders: the copy button (a script from the site) copies the message and records the reminder.
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(f"{live_server}/laporan/perlu-diingatkan")
    reminder = page.get_by_role("article").filter(has_text="Siti Rahmawati Kusumaningtyas")
    expect(reminder.locator(".last-reminder")).to_have_text("Belum pernah diingatkan.")
    reminder.get_by_role("button", name="Salin pesan").click()
    expect(reminder.get_by_role("status")).to_have_text("Pesan tersalin.")
    expect(reminder.locator(".last-reminder")).to_contain_text("Terakhir diingatkan")
    assert page.evaluate("navigator.clipboard.readText()").startswith("Halo Siti Rahmawati Kusumaningtyas,")
    fits(page, 360)
    context.close()
