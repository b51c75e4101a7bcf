"""Course outlines kept in memory: a trainee never sees an outline older than the last committed change."""
from __future__ import annotations

import pytest
from flask import current_app
from sqlalchemy import select, text, update

from app.accounts.models import Role
from app.authoring import services as authoring
from app.catalog import outline, versions
from app.catalog.models import Course, Lesson, Module, Status
from app.extensions import db
from app.progress import services
from tests.factories import lesson_path, make_course


@pytest.fixture
def course(client, make_user, login_as):
    """A published two-module course a logged-in trainee is enrolled in, already seen once (so it is kept)."""
    login_as(make_user())
    course = make_course(modules=2, lessons=2)
    client.post(f"/kursus/{course.slug}/daftar")
    assert client.get(lesson_path(course)).status_code == 200
    return course


@pytest.fixture
def admin(make_user):
    return make_user(role=Role.ADMIN)


def page(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def lesson_edit(lesson: Lesson, **changes) -> authoring.LessonEdit:
    values = dict(title=lesson.title, slug=lesson.slug, minutes=lesson.minutes, objectives=list(lesson.objectives),
                  sources=list(lesson.sources), body_md=lesson.body_md)
    return authoring.LessonEdit(**(values | changes))


def test_edited_lesson_shows_at_once(client, course, admin):
    lesson = course.modules[0].lessons[0]
    authoring.update_lesson(lesson, lesson_edit(lesson, title="Judul Baru Pelajaran",
                                                body_md="Isi yang sudah diperbaiki pelatih."), admin)
    db.session.commit()
    html = page(client, lesson_path(course))
    assert "Judul Baru Pelajaran" in html
    assert "Isi yang sudah diperbaiki pelatih." in html


def test_new_lesson_and_renamed_module_and_quiz_show_on_the_course_page(client, course, admin):
    module = db.session.get(Module, course.modules[1].id)
    authoring.update_module(module, authoring.ModuleEdit("Modul Yang Diganti Namanya", module.slug), admin)
    lesson = authoring.create_lesson(module, authoring.LessonEdit("Pelajaran Tambahan", "tambahan", 5, [], [], "Isi."),
                                     admin)
    authoring.set_status("lesson", lesson, Status.PUBLISHED, admin)
    quiz = course.modules[0].quiz
    authoring.update_quiz(quiz, authoring.QuizEdit("Kuis Bernama Baru", quiz.pass_mark, quiz.max_attempts), admin)
    db.session.commit()
    html = page(client, f"/kursus/{course.slug}")
    assert "Modul Yang Diganti Namanya" in html
    assert "Pelajaran Tambahan" in html
    assert "Kuis Bernama Baru" in html


def test_unpublished_lesson_disappears_for_trainees(client, course, admin):
    authoring.set_status("lesson", course.modules[0].lessons[1], Status.DRAFT, admin)
    db.session.commit()
    assert "Pelajaran ini sedang diperbarui" in page(client, lesson_path(course, 0, 1))


def test_reordered_modules_change_the_order_on_the_course_page(client, course, admin):
    first, second = course.modules
    authoring.move("module", second, -1, admin)
    db.session.commit()
    html = page(client, f"/kursus/{course.slug}")
    assert html.index(f'id="modul-{second.slug}"') < html.index(f'id="modul-{first.slug}"')


def test_new_co_owner_may_preview_a_draft_course(client, make_user, login_as, admin):
    draft = make_course(status=Status.DRAFT)
    trainer = make_user(role=Role.TRAINER)
    login_as(trainer)
    assert client.get(f"/kursus/{draft.slug}").status_code == 404
    authoring.add_owner(draft, trainer.email, admin)
    db.session.commit()
    assert client.get(f"/kursus/{draft.slug}").status_code == 200


def test_an_edit_moves_only_its_own_course(app, course, admin):
    other = make_course()
    before = outline.by_id(other.id)
    lesson = course.modules[0].lessons[0]
    authoring.update_lesson(lesson, lesson_edit(lesson, title="Diubah"), admin)
    db.session.commit()
    assert outline.by_id(other.id) is before
    assert outline.by_id(course.id).modules[0].lessons[0].title == "Diubah"


def test_a_commit_without_a_bump_keeps_the_outline(app, course):
    kept = outline.by_id(course.id)
    course.modules[0].lessons[0].title = course.modules[0].lessons[0].title
    db.session.commit()
    assert outline.by_id(course.id) is kept


def test_a_bulk_statement_with_a_bump_is_seen(app, course):
    """Another process changes lessons with one UPDATE and bumps the version; this worker reloads."""
    outline.by_id(course.id)
    db.session.execute(update(Lesson).where(Lesson.module_id == course.modules[0].id).values(title="Dari worker lain")
                       .execution_options(synchronize_session=False))
    versions.bump([course.id])
    db.session.commit()
    assert {lesson.title for lesson in outline.by_id(course.id).modules[0].lessons} == {"Dari worker lain"}


def test_two_bumps_at_once_both_count(app, course):
    before = db.session.scalar(select(Course.content_version).where(Course.id == course.id))
    versions.bump([course.id, course.id])
    versions.bump([course.id])
    db.session.commit()
    assert db.session.scalar(select(Course.content_version).where(Course.id == course.id)) == before + 2


def test_an_uncommitted_change_is_never_kept(app, course):
    """A transaction that bumps and reads, then rolls back, must not leave its outline under the new number."""
    outline.by_id(course.id)
    db.session.execute(text("UPDATE lessons SET title = 'Tidak jadi' WHERE id = :id"),
                       {"id": course.modules[0].lessons[0].id})
    versions.bump([course.id])
    assert outline.by_id(course.id).modules[0].lessons[0].title == "Tidak jadi"  # its own transaction sees it
    db.session.rollback()
    # A committed change that happens to get the same number is read afresh, not the rolled-back one.
    versions.bump([course.id])
    db.session.commit()
    assert outline.by_id(course.id).modules[0].lessons[0].title == "Pelajaran 1.1"


def test_outlines_are_immutable_and_kept_on_the_application(app, course):
    kept = outline.by_id(course.id)
    assert isinstance(current_app.extensions[outline.EXTENSION], versions.KeptByVersion)
    with pytest.raises(AttributeError):
        kept.title = "Diubah"  # frozen: a view shared by every request of the worker
    assert isinstance(kept.modules, tuple) and isinstance(kept.modules[0].lessons, tuple)


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
