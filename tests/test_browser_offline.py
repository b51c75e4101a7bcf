"""Browser test: a trainee saves a course, reads and marks lessons done without a connection, and progress syncs."""
from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from app.catalog import versions
from app.catalog.models import Lesson, Status
from app.extensions import db, utcnow
from app.progress.models import LessonCompletion
from tests.test_browser_trainee import _course, csrf_on, enrol_from_catalogue, fits, heading, log_in  # noqa: F401 (csrf_on: a fixture)

pytestmark = pytest.mark.browser

SERVICE_WORKER_LIMIT = 10 * 1024


@pytest.fixture
def server_hits(app):
    """The paths the app served, in order, while the test runs (requests that reached the server)."""
    hits: list[str] = []

    def record():
        from flask import request
        hits.append(request.path)

    app.before_request_funcs.setdefault(None, []).insert(0, record)
    yield hits
    app.before_request_funcs[None].remove(record)


def recorded(user) -> list[tuple[int, object]]:
    """The user's lesson completions as the server holds them: (lesson id, completed at)."""
    db.session.rollback()  # a fresh read: the live server committed from its own thread
    rows = db.session.execute(db.select(LessonCompletion.lesson_id, LessonCompletion.completed_at)
                              .where(LessonCompletion.user_id == user.id).order_by(LessonCompletion.lesson_id))
    return [tuple(row) for row in rows]


# The paths of the one saved copy of a course, once there is exactly one and it is complete (a refresh briefly makes two).
SAVED_PATHS = """async () => {
    const names = (await caches.keys()).filter((name) => name.startsWith('kelaskim-kursus-'));
    if (names.length !== 1 || !(await caches.match('/luring/tersimpan.json', { cacheName: names[0] }))) return null;
    return (await (await caches.open(names[0])).keys()).map((request) => new URL(request.url).pathname);
}"""
QUEUE_EMPTY = "async () => (await (await caches.open('kelaskim-antrean')).keys()).length === 0"


def open_lesson(page: Page, link: str, title: str) -> None:
    """Follow a link to a lesson and check that it opened."""
    page.get_by_role("link", name=link, exact=True).first.click()
    heading(page, title)


def test_trainee_reads_offline_and_completions_are_sent_once(page: Page, context, live_server, make_user,
                                                              server_hits, screenshot, csrf_on):
    course = _course(modules=1, lessons=4)
    trainee = make_user(full_name="Yohanes Dau", regency_code="64.11")
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))

    log_in(page, live_server, trainee.email)
    enrol_from_catalogue(page, course.title)
    # After enrolling, "Lanjutkan" is on the first screen of a phone, above the course summary.
    box = page.get_by_role("link", name="Lanjutkan").bounding_box()
    assert box is not None and box["y"] + box["height"] <= 740
    page.evaluate("navigator.serviceWorker.ready")

    card = page.locator("[data-luring-card]")
    expect(card).to_contain_text("Belum disimpan di perangkat ini.")
    card.get_by_role("button", name="Simpan untuk dibaca luring").click()
    expect(card).to_contain_text("Tersimpan di perangkat ini: 7 halaman")
    expect(card).to_contain_text(" KB, pada ")
    expect(card.get_by_role("button", name="Hapus salinan luring")).to_be_visible()
    fits(page)
    screenshot("offline-saved-360")

    # A later visit, with the service worker in charge: at most one request more than the page itself.
    page.goto(f"{live_server}/kursus/{course.slug}/modul-1/pelajaran-2")
    page.evaluate("navigator.serviceWorker.ready")
    server_hits.clear()
    page.goto(f"{live_server}/kursus/{course.slug}/modul-1/pelajaran-3")
    heading(page, "Pelajaran 1.3")
    page.wait_for_load_state("networkidle")
    extra = [path for path in server_hits if path != f"/kursus/{course.slug}/modul-1/pelajaran-3"]
    assert len(extra) <= 1 and set(extra) <= {"/sw.js"}, server_hits

    page.goto(f"{live_server}/kursus/{course.slug}")
    context.set_offline(True)
    open_lesson(page, "Pelajaran 1.1", "Pelajaran 1.1")
    expect(page.get_by_text("Anda sedang luring")).to_be_visible()
    page.get_by_role("button", name="Tandai selesai").click()
    expect(page.get_by_text("Ditandai selesai di perangkat ini")).to_be_visible()
    expect(page.get_by_text("1 menunggu dikirim")).to_be_visible()
    open_lesson(page, "Berikutnya: Pelajaran 1.2", "Pelajaran 1.2")
    page.get_by_role("button", name="Tandai selesai").click()
    expect(page.get_by_text("2 menunggu dikirim")).to_be_visible()
    open_lesson(page, "Berikutnya: Pelajaran 1.3", "Pelajaran 1.3")  # read, not marked
    expect(page.get_by_text("Anda sedang luring")).to_be_visible()
    expect(page.get_by_text("2 menunggu dikirim")).to_be_visible()
    fits(page)
    screenshot("offline-lesson-360")
    # A page that needs the server says so instead of the browser's error page.
    page.goto(f"{live_server}/kuis/{course.modules[0].quiz.id}")
    heading(page, "Halaman ini perlu koneksi")
    assert recorded(trainee) == []

    went_online = utcnow()
    context.set_offline(False)
    page.goto(f"{live_server}/kursus/{course.slug}")
    # Sent by this page or by Background Sync, whichever comes first: the queue empties either way.
    page.wait_for_function(QUEUE_EMPTY)
    expect(page.get_by_text("menunggu dikirim")).to_be_hidden()
    first = recorded(trainee)
    lessons = course.modules[0].lessons
    assert [lesson_id for lesson_id, _ in first] == [lessons[0].id, lessons[1].id]
    assert all(done_at < went_online for _, done_at in first)  # the time it was done, not the time it was sent

    # Reloading, and the same queue sent again, change nothing.
    page.reload()
    page.evaluate("""async (items) => {
        const queue = await caches.open('kelaskim-antrean');
        for (const item of items) await queue.put(`/luring/antrean/${item.user}/${item.lesson}`, new Response(JSON.stringify(item)));
    }""", [{"user": str(trainee.id), "lesson": str(lesson.id), "title": lesson.title, "url": f"/pelajaran/{lesson.id}/selesai-luring",
            "done_at": utcnow().isoformat(), "csrf": ""} for lesson in lessons[:2]])
    page.reload()
    page.wait_for_function(QUEUE_EMPTY)
    assert recorded(trainee) == first
    page.reload()
    expect(page.locator("#kemajuan")).to_contain_text("2 dari 5 langkah selesai")

    # A lesson taken back by a trainer leaves the saved copy the next time the trainee is online.
    last = course.modules[0].lessons[3]
    last_path = f"/kursus/{course.slug}/modul-1/{last.slug}"
    page.wait_for_function(f"async () => ((await ({SAVED_PATHS})()) || []).includes('{last_path}')")
    db.session.get(Lesson, last.id).status = Status.DRAFT
    versions.bump([course.id])  # as the editing services do
    db.session.commit()
    page.reload()
    first_path = f"/kursus/{course.slug}/modul-1/pelajaran-1"
    page.wait_for_function(f"async () => {{ const paths = await ({SAVED_PATHS})(); "
                           f"return paths !== null && paths.includes('{first_path}') && !paths.includes('{last_path}'); }}")

    # The saved copy goes away on request.
    page.get_by_role("button", name="Hapus salinan luring").click()
    expect(page.locator("[data-luring-card]")).to_contain_text("Belum disimpan di perangkat ini.")
    assert problems == []
    assert page.evaluate("fetch('/sw.js').then(r => r.text()).then(t => new Blob([t]).size)") <= SERVICE_WORKER_LIMIT

