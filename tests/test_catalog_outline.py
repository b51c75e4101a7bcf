"""Course outlines kept in memory: a trainee never sees an outline older than the last committed edit."""
from __future__ import annotations

import pytest
from sqlalchemy import select, text

from app.accounts.models import Role
from app.catalog import outline
from app.catalog.models import Course, CourseOwner, Lesson, Module, Status
from app.extensions import db
from app.progress import services
from app.quizzes.models import Quiz
from tests.factories import lesson_path, make_course


@pytest.fixture
def course(client, make_user, login_as):
    """A published two-module course a logged-in trainee is enrolled in, already seen once (so it is kept)."""
    login_as(make_user())
    course = make_course(modules=2, lessons=2)
    client.post(f"/kursus/{course.slug}/daftar")
    assert client.get(lesson_path(course)).status_code == 200
    return course


def page(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def test_edited_lesson_shows_at_once(client, course):
    lesson = course.modules[0].lessons[0]
    lesson.title = "Judul Baru Pelajaran"
    lesson.body_md = "Isi yang sudah diperbaiki pelatih."
    db.session.commit()
    html = page(client, lesson_path(course))
    assert "Judul Baru Pelajaran" in html
    assert "Isi yang sudah diperbaiki pelatih." in html


def test_new_lesson_and_renamed_module_and_quiz_show_on_the_course_page(client, course):
    module = db.session.get(Module, course.modules[1].id)
    module.title = "Modul Yang Diganti Namanya"
    module.lessons.append(Lesson(slug="tambahan", title="Pelajaran Tambahan", position=9, body_md="Isi."))
    db.session.get(Quiz, course.modules[0].quiz.id).title = "Kuis Bernama Baru"
    db.session.commit()
    html = page(client, f"/kursus/{course.slug}")
    assert "Modul Yang Diganti Namanya" in html
    assert "Pelajaran Tambahan" in html
    assert "Kuis Bernama Baru" in html


def test_unpublished_lesson_disappears_for_trainees(client, course):
    lesson = course.modules[0].lessons[1]
    lesson.status = Status.DRAFT
    db.session.commit()
    assert client.get(lesson_path(course, 0, 1)).status_code == 404


def test_reordered_modules_change_the_order_on_the_course_page(client, course):
    first, second = course.modules
    first.position, second.position = 5, 1
    db.session.commit()
    html = page(client, f"/kursus/{course.slug}")
    assert html.index(f'id="modul-{second.slug}"') < html.index(f'id="modul-{first.slug}"')


def test_new_co_owner_may_preview_a_draft_course(client, make_user, login_as):
    draft = make_course(status=Status.DRAFT)
    trainer = make_user(role=Role.TRAINER)
    login_as(trainer)
    assert client.get(f"/kursus/{draft.slug}").status_code == 404
    db.session.add(CourseOwner(course_id=draft.id, user_id=trainer.id))
    db.session.commit()
    assert client.get(f"/kursus/{draft.slug}").status_code == 200


def test_an_edit_moves_only_its_own_course(app, course):
    other = make_course()
    before = outline.by_id(other.id)
    course.modules[0].lessons[0].title = "Diubah"
    db.session.commit()
    assert outline.by_id(other.id) is before
    assert outline.by_id(course.id).modules[0].lessons[0].title == "Diubah"


def test_saving_without_a_change_keeps_the_outline(app, course):
    kept = outline.by_id(course.id)
    course.modules[0].lessons[0].title = course.modules[0].lessons[0].title
    db.session.commit()
    assert outline.by_id(course.id) is kept


def test_a_change_written_by_another_worker_is_seen(app, course):
    """Another process edits the course and moves updated_at; this worker reloads on its next read."""
    kept = outline.by_id(course.id)
    db.session.execute(text("UPDATE lessons SET title = 'Dari worker lain' WHERE id = :id"),
                       {"id": course.modules[0].lessons[0].id})
    db.session.execute(text("UPDATE courses SET updated_at = :now WHERE id = :id"),
                       {"now": kept.updated_at.replace(year=kept.updated_at.year + 1).replace(tzinfo=None), "id": course.id})
    db.session.commit()
    assert outline.by_id(course.id).modules[0].lessons[0].title == "Dari worker lain"


def test_a_kept_outline_costs_one_query(app, course, count_queries):
    outline.by_id(course.id)
    with count_queries() as statements:
        services.course_outline_by_slug(course.slug)
    assert len(statements) == 1


def test_lesson_page_queries_stay_few(client, course, count_queries):
    with count_queries() as statements:
        page(client, lesson_path(course))
    # The user, the course version, the enrolment, and done lessons/modules/passed quizzes.
    assert len(statements) <= 4, statements


def test_deleted_course_is_gone(client, course):
    db.session.delete(db.session.scalar(select(Course).where(Course.id == course.id)))
    db.session.commit()
    assert client.get(lesson_path(course)).status_code == 404
