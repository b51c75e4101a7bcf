"""Two gunicorn workers on PostgreSQL: a change made through one is seen at once by the other.

Each worker keeps course outlines and question banks in memory, keyed by the course's content
version. Every check asks both workers (tests/workers.py aims a request at each on purpose), after
both have kept what the change replaces, so whichever worker took the change, the other answers too.
"""
from __future__ import annotations

import secrets

import pytest
from sqlalchemy import update

from app.accounts.models import Role
from app.catalog import versions
from app.catalog.models import Status
from app.extensions import db
from app.progress.models import Enrollment
from app.quizzes.models import Question
from tests.bench.server import Gunicorn
from tests.factories import lesson_path, make_course
from tests.http_client import Browser
from tests.test_security_concurrency import postgresql  # noqa: F401  (a fixture: skips on SQLite)
from tests.workers import ACCESS_LOG_ARGS, WORKERS, on_each_worker


@pytest.fixture
def two_workers(postgresql, tmp_path):  # noqa: F811  (the fixture imported above)
    """A factory: gunicorn with two sync workers on the test database, started once the test data is committed."""
    started: list[Gunicorn] = []

    def start() -> Gunicorn:
        env = {"DATABASE_URL": postgresql.config["SQLALCHEMY_DATABASE_URI"], "SECRET_KEY": secrets.token_hex(32),
               "SESSION_COOKIE_SECURE": "0"}  # plain http on the loopback: the cookies must still be sent
        server = Gunicorn("wsgi:app", tmp_path / "gunicorn.log", env=env, workers=WORKERS, ready_path="/healthz",
                          args=ACCESS_LOG_ARGS)
        started.append(server)
        return server.__enter__()

    yield start
    for server in started:
        server.stop()
    db.session.rollback()


def seen_by_both(server: Gunicorn, browser: Browser, path: str) -> list[tuple[int, str]]:
    """Status and page of the path as each of the two workers answers it, in pid order."""
    return [(reply.status, reply.text) for _pid, reply in sorted(on_each_worker(server, browser, path).items())]


def test_a_change_through_one_worker_is_seen_at_once_by_the_other(two_workers, make_user):
    course = make_course(modules=2, lessons=1)
    course.modules[1].status = Status.DRAFT
    trainee, trainer, admin = make_user(), make_user(role=Role.TRAINER), make_user(role=Role.ADMIN, regency_code="64")
    db.session.add(Enrollment(user_id=trainee.id, course_id=course.id))
    db.session.commit()
    lesson, quiz_id = course.modules[0].lessons[0], course.modules[0].quiz.id
    page, draft_lesson = lesson_path(course), lesson_path(course, 1, 0)
    server = two_workers()
    learner, previewer, editor = Browser(server.base_url), Browser(server.base_url), Browser(server.base_url)
    for browser, user in ((learner, trainee), (previewer, trainer), (editor, admin)):
        browser.login(user.email)
    # Both workers now keep the outline; neither lets the trainer open the draft module.
    assert all("Pelajaran 1.1" in text for _status, text in seen_by_both(server, learner, page))
    assert [status for status, _text in seen_by_both(server, previewer, draft_lesson)] == [404, 404]

    # An edit, through whichever worker takes it, is what both serve on the very next request.
    edit = f"/kelola/pelajaran/{lesson.id}"
    reply = editor.submit(edit, edit, {"title": "Judul yang baru disunting", "slug": lesson.slug, "minutes": 5,
                                       "body": "Isi baru.", "objectives": "Memahami isi.", "sources": "Laporan"})
    assert reply.status == 302, reply.text[:300]
    assert all("Judul yang baru disunting" in text for _status, text in seen_by_both(server, learner, page))

    # A co-owner added through one worker may preview the draft module on both at once.
    owners = f"/kelola/kursus/{course.id}/pemilik"
    assert editor.submit(owners, owners, {"email": trainer.email}).status == 302
    assert [status for status, _text in seen_by_both(server, previewer, draft_lesson)] == [200, 200]

    # A bulk statement from another process, with its version bump, reaches both workers' question banks.
    start = learner.request("POST", f"/kuis/{quiz_id}/mulai", {"csrf_token": learner.token(f"/kuis/{quiz_id}")})
    assert start.status == 302, start.text[:300]
    attempt_page = start.location.removeprefix(server.base_url)
    assert all("Soal single?" in text for _status, text in seen_by_both(server, learner, attempt_page))
    db.session.execute(update(Question).where(Question.quiz_id == quiz_id, Question.key == "single")
                       .values(text="Soal yang diperbaiki serentak?").execution_options(synchronize_session=False))
    versions.bump([course.id])
    db.session.commit()
    assert all("Soal yang diperbaiki serentak?" in text for _status, text in seen_by_both(server, learner, attempt_page))

    # Unpublished through one worker: both say it is being updated.
    # (any form's token of the session will do; the trainee enrolled makes it ask for confirmation first)
    assert editor.submit(edit, f"{edit}/status/draf", {"konfirmasi": "1"}).status == 302
    assert all("Pelajaran ini sedang diperbarui" in text for _status, text in seen_by_both(server, learner, page))
    assert server.errors_logged() == []
