"""Publishing that warns: making live content a draft asks first and says how many trainees it affects;
enrolled trainees then see "sedang diperbarui" with their progress, and keep the course in "Kursus saya"."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.accounts.models import Role
from app.catalog.models import Course, Lesson, Module, Revision, Status
from app.extensions import db
from app.progress import services as learning
from app.progress.models import Enrollment, LessonCompletion
from tests.factories import lesson_path, make_course


@pytest.fixture
def live_course(app, make_user, login_as, client):
    """A published course owned by a logged-in trainer; two trainees enrolled, one finished a lesson."""
    trainer = make_user(Role.TRAINER, "64")
    course = make_course(slug="kim-langsung", owners=[trainer])
    learners = []
    for name in ("Agus Salim", "Rina Wati"):
        trainee = make_user(full_name=name)
        learning.enroll(trainee, course)
        learners.append(trainee)
    learning.mark_lesson_complete(learners[0], learning.course_outline(course.id), learning.course_outline(course.id).modules[0].lessons[0])
    db.session.commit()
    login_as(trainer)
    trainee_client = app.test_client()
    login_as(learners[0], the_client=trainee_client)
    return course, trainee_client


def status_of(model, item_id: int) -> str:
    db.session.expire_all()
    return db.session.get(model, item_id).status


def revisions_count() -> int:
    return db.session.scalar(select(func.count(Revision.id)))


@pytest.mark.parametrize("kind, pick, model", [
    ("kursus", lambda course: course, Course),
    ("modul", lambda course: course.modules[0], Module),
    ("pelajaran", lambda course: course.modules[0].lessons[0], Lesson),
])
def test_unpublishing_live_content_asks_first_and_says_who_it_affects(client, live_course, kind, pick, model):
    course, _trainee = live_course
    item = pick(course)
    assert "Jadikan draf…" in client.get(f"/kelola/kursus/{course.id}").get_data(as_text=True)
    before = revisions_count()

    page = client.post(f"/kelola/{kind}/{item.id}/status/draf").get_data(as_text=True)
    assert f"Jadikan draf: {item.title}?" in page
    assert "2 peserta terdaftar di kursus ini." in page
    if kind == "kursus":
        assert "2 di antaranya masih belajar." in page
    if kind == "pelajaran":
        assert "1 peserta sudah menyelesaikan pelajaran ini." in page
    assert status_of(model, item.id) == Status.PUBLISHED and revisions_count() == before  # nothing changed yet

    response = client.post(f"/kelola/{kind}/{item.id}/status/draf", data={"konfirmasi": "1"})
    assert response.status_code == 302
    assert status_of(model, item.id) == Status.DRAFT


def test_content_nobody_is_enrolled_in_becomes_a_draft_at_once(client, make_user, login_as):
    trainer = make_user(Role.TRAINER, "64")
    course = make_course(owners=[trainer])
    login_as(trainer)
    assert "Jadikan draf…" not in client.get(f"/kelola/kursus/{course.id}").get_data(as_text=True)
    assert client.post(f"/kelola/kursus/{course.id}/status/draf").status_code == 302
    assert status_of(Course, course.id) == Status.DRAFT


def test_trainees_of_an_unpublished_course_see_it_is_being_updated_with_their_progress(client, live_course, app,
                                                                                      make_user, login_as):
    course, trainee = live_course
    client.post(f"/kelola/kursus/{course.id}/status/draf", data={"konfirmasi": "1"})

    for url in (f"/kursus/{course.slug}", lesson_path(course, 0, 1), f"/kuis/{course.modules[0].quiz.id}"):
        response = trainee.get(url)
        page = response.get_data(as_text=True)
        assert response.status_code == 200, url
        assert f"Kursus {course.title} sedang diperbarui" in page, url
        assert "1 dari 6 langkah selesai" in page, url
    # The course stays in "Kursus saya", marked, with a link that explains.
    page = trainee.get("/kursus-saya").get_data(as_text=True)
    assert course.title in page and "Sedang diperbarui" in page and f'href="/kursus/{course.slug}"' in page
    # Nothing of theirs was touched.
    assert db.session.scalar(select(func.count(LessonCompletion.id))) == 1
    assert db.session.scalar(select(func.count(Enrollment.id)).where(Enrollment.course_id == course.id)) == 2

    # Someone not enrolled still finds nothing there.
    stranger = app.test_client()
    login_as(make_user(full_name="Orang Lain"), the_client=stranger)
    assert stranger.get(f"/kursus/{course.slug}").status_code == 404

    # Published again, the trainee carries on where they were.
    client.post(f"/kelola/kursus/{course.id}/status/terbit")
    page = trainee.get(f"/kursus/{course.slug}").get_data(as_text=True)
    assert "sedang diperbarui" not in page and "1 dari 6 langkah selesai" in page
