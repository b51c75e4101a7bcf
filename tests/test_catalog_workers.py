"""Two gunicorn workers on PostgreSQL: a change made through one is seen at once by the other.

Each worker keeps course outlines and question banks in memory, keyed by the course's content
version. Two gunicorn servers of one worker each, on the same database, stand for two workers of
one server (whose requests the kernel hands out, so a test could not choose the worker).
"""
from __future__ import annotations

import pytest
from sqlalchemy import update

from app.accounts.models import Role
from app.catalog import versions
from app.catalog.models import Status
from app.extensions import db
from app.progress.models import Enrollment
from app.quizzes.models import Question
from tests.factories import lesson_path, make_course
from tests.test_security_concurrency import Browser, Server, postgresql  # noqa: F401  (postgresql: fixture)


@pytest.fixture
def two_workers(postgresql, tmp_path):  # noqa: F811  (the fixture imported above)
    """Worker A and worker B, started once the test data is committed; stopped after the test."""
    servers: list[Server] = []

    def start() -> tuple[Server, Server]:
        for name in ("a", "b"):
            server = Server(postgresql.config["SQLALCHEMY_DATABASE_URI"], tmp_path / f"worker-{name}.log", workers=1)
            servers.append(server)
            server.start()
        return servers[0], servers[1]

    yield start
    for server in servers:
        server.stop()
    db.session.rollback()


def test_a_change_through_one_worker_is_seen_at_once_by_the_other(two_workers, make_user):
    course = make_course(modules=2, lessons=1)
    course.modules[1].status = Status.DRAFT
    trainee, trainer, admin = make_user(), make_user(role=Role.TRAINER), make_user(role=Role.ADMIN, regency_code="64")
    db.session.add(Enrollment(user_id=trainee.id, course_id=course.id))
    db.session.commit()
    lesson = course.modules[0].lessons[0]
    draft_lesson = lesson_path(course, 1, 0)
    worker_a, worker_b = two_workers()
    learner_a, learner_b = Browser(worker_a.base_url), Browser(worker_b.base_url)
    trainer_b, admin_a = Browser(worker_b.base_url), Browser(worker_a.base_url)
    for browser, user in ((learner_a, trainee), (learner_b, trainee), (trainer_b, trainer), (admin_a, admin)):
        browser.login(user.email)
    # Both workers now keep the outline.
    for learner in (learner_a, learner_b):
        assert "Pelajaran 1.1" in learner.request("GET", lesson_path(course)).text
    assert trainer_b.request("GET", draft_lesson).status == 404

    # An edit through worker A ...
    edit = f"/kelola/pelajaran/{lesson.id}"
    reply = admin_a.submit(edit, edit, {"title": "Judul dari worker A", "slug": lesson.slug, "minutes": 5,
                                        "body": "Isi baru.", "objectives": "Memahami isi.", "sources": "Laporan"})
    assert reply.status == 302, reply.text[:300]
    # ... is what worker B serves on the very next request.
    assert "Judul dari worker A" in learner_b.request("GET", lesson_path(course)).text

    # A co-owner added through worker A may preview the draft module on worker B at once.
    owners = f"/kelola/kursus/{course.id}/pemilik"
    assert admin_a.submit(owners, owners, {"email": trainer.email}).status == 302
    assert trainer_b.request("GET", draft_lesson).status == 200

    # A bulk statement from a third process, with its version bump, reaches both workers' question banks.
    attempt_page = learner_b.request("POST", f"/kuis/{course.modules[0].quiz.id}/mulai",
                                     {"csrf_token": learner_b.token(f"/kuis/{course.modules[0].quiz.id}")}).location
    assert "Soal single?" in learner_b.request("GET", attempt_page).text
    db.session.execute(update(Question).where(Question.quiz_id == course.modules[0].quiz.id, Question.key == "single")
                       .values(text="Soal yang diperbaiki serentak?").execution_options(synchronize_session=False))
    versions.bump([course.id])
    db.session.commit()
    assert "Soal yang diperbaiki serentak?" in learner_b.request("GET", attempt_page).text

    # Unpublished through worker A: gone from worker B.
    status = f"/kelola/pelajaran/{lesson.id}/status/draf"
    assert admin_a.submit(edit, status).status == 302  # the token of any form of the session will do
    assert learner_b.request("GET", lesson_path(course)).status == 404
    assert worker_a.failed_requests() == [] and worker_b.failed_requests() == []
