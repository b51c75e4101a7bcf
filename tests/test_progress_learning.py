"""Catalogue, enrolment, lesson pages, locking and "Kursus saya"."""
from __future__ import annotations

import re

import pytest
from flask import url_for

from app.accounts.models import Role
from app.catalog.models import Status
from app.extensions import db
from app.progress import services
from app.progress.models import Certificate, Enrollment, LessonCompletion
from tests.factories import lesson_path, make_course
from tests.test_progress_completion import submit_attempt
from tests.conftest import without_site_script


def enrolment(user, course) -> Enrollment:
    """The user's enrolment, read fresh from the database."""
    db.session.expire_all()
    return services.get_enrollment(user.id, course.id)


@pytest.fixture
def trainee(make_user, login_as):
    """A logged-in trainee."""
    user = make_user()
    login_as(user)
    return user


# ------------------------------------------------------------------ catalogue and course page


def test_anonymous_visitors_are_sent_to_login(client):
    course = make_course()
    for path in ("/kursus", f"/kursus/{course.slug}", "/kursus-saya", lesson_path(course)):
        response = client.get(path)
        assert response.status_code == 302 and "/masuk" in response.headers["Location"], path


def test_catalog_lists_published_courses_only(client, trainee):
    make_course(slug="terbit")
    make_course(slug="rahasia-draf", status=Status.DRAFT)
    page = client.get("/kursus").get_data(as_text=True)
    assert "Kursus terbit" in page
    assert "rahasia-draf" not in page
    assert "2 modul, 4 pelajaran" in page


def test_drafts_are_invisible_to_trainees(client, trainee):
    draft = make_course(status=Status.DRAFT)
    published = make_course()
    published.modules[1].status = Status.DRAFT
    published.modules[0].lessons[1].status = Status.DRAFT
    db.session.commit()
    assert client.get(f"/kursus/{draft.slug}").status_code == 404
    assert client.get(lesson_path(draft)).status_code == 404
    client.post(f"/kursus/{published.slug}/daftar")
    page = client.get(f"/kursus/{published.slug}").get_data(as_text=True)
    assert "Modul 2" not in page and "Pelajaran 1.2" not in page
    # Enrolled, the trainee is told a draft part is being updated, without its title.
    module_page = client.get(lesson_path(published, 1, 0)).get_data(as_text=True)
    lesson_page = client.get(lesson_path(published, 0, 1)).get_data(as_text=True)
    assert "Modul ini sedang diperbarui" in module_page and "Modul 2" not in module_page
    assert "Pelajaran ini sedang diperbarui" in lesson_page and "Pelajaran 1.2" not in lesson_page
    assert client.get(lesson_path(published, 0, 0)).status_code == 200


def test_editors_preview_drafts(app, client, make_user, login_as):
    trainer, other_trainer = make_user(role=Role.TRAINER), make_user(role=Role.TRAINER)
    draft = make_course(status=Status.DRAFT, owners=[trainer])
    other_client = app.test_client()
    login_as(other_trainer, the_client=other_client)
    assert other_client.get(f"/kursus/{draft.slug}").status_code == 404
    login_as(trainer)
    assert "Pratinjau draf" in client.get(f"/kursus/{draft.slug}").get_data(as_text=True)
    assert "Kursus " + draft.slug in client.get("/kursus").get_data(as_text=True)
    page = client.get(lesson_path(draft, 1, 1)).get_data(as_text=True)
    assert "Isi pelajaran 2.2." in page and "Tandai selesai" not in page


def test_course_page_shows_details_and_locks_for_visitors(client, trainee):
    course = make_course()
    page = client.get(f"/kursus/{course.slug}").get_data(as_text=True)
    for text in ("Ringkasan.", "Staf Diskominfo", "4 jam pelajaran", "Laporan JatimTIMES", "Daftar kursus ini terlebih dahulu."):
        assert text in page
    assert lesson_path(course) not in page  # locked lessons are not links


def test_course_outline_shows_minutes_and_done_badges_in_the_page_language(client, trainee):
    course = make_course()
    client.post(f"/kursus/{course.slug}/daftar")
    client.post(lesson_path(course) + "/selesai")
    outline = client.get(f"/kursus/{course.slug}").get_data(as_text=True).split("<h2>Modul</h2>")[1]
    assert outline.count('<span class="meta">5 menit</span>') == 4
    assert outline.count('<span class="badge badge-ok">Selesai</span>') == 1
    client.get("/bahasa/en")
    outline = client.get(f"/kursus/{course.slug}").get_data(as_text=True).split("<h2>Module</h2>")[1]
    assert outline.count('<span class="meta">5 min</span>') == 4
    assert outline.count('<span class="badge badge-ok">Completed</span>') == 1


def test_lesson_of_a_course_not_enrolled_is_refused_with_reason(client, trainee):
    course = make_course()
    response = client.get(lesson_path(course))
    assert response.status_code == 403
    assert "Daftar kursus ini terlebih dahulu." in response.get_data(as_text=True)


def test_self_enrolment_is_idempotent(client, trainee):
    course = make_course()
    response = client.post(f"/kursus/{course.slug}/daftar")
    assert response.status_code == 302
    client.post(f"/kursus/{course.slug}/daftar")
    assert db.session.scalar(db.select(db.func.count(Enrollment.id))) == 1
    page = client.get(f"/kursus/{course.slug}", follow_redirects=True).get_data(as_text=True)
    assert "0 dari 6 langkah selesai" in page and "4 pelajaran dan 2 kuis" in page
    assert client.get(lesson_path(course)).status_code == 200


def test_enrolment_needs_csrf_token(app, client, trainee):
    course = make_course()
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        assert client.post(f"/kursus/{course.slug}/daftar").status_code == 400
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert enrolment(trainee, course) is None


def test_service_enrol_by_coordinator_records_who(app, make_user):
    trainee, coordinator = make_user(), make_user(role=Role.COORDINATOR)
    course = make_course()
    first = services.enroll(trainee, course, by=coordinator)
    assert services.enroll(trainee, course) is first
    assert first.enrolled_by_id == coordinator.id
    draft = make_course(status=Status.DRAFT)
    with app.test_request_context(), pytest.raises(services.LearningError, match="belum diterbitkan"):
        services.enroll(trainee, draft)


# ------------------------------------------------------------------ lessons


def test_lesson_page_shows_body_sources_and_neighbours(client, trainee):
    course = make_course()
    course.modules[0].lessons[1].body_md = "## Latihan\n\nTulis **satu** ide.<script>alert(1)</script>"
    db.session.commit()
    client.post(f"/kursus/{course.slug}/daftar")
    page = client.get(lesson_path(course, 0, 1)).get_data(as_text=True)
    assert "<h1>Pelajaran 1.2</h1>" in page
    assert "<strong>satu</strong>" in page and "<script" not in without_site_script(page)
    assert "5 menit" in page and "Memahami isi." in page and "Laporan Diskominfo Kukar" in page
    assert f'href="{lesson_path(course, 0, 0)}" rel="prev"' in page
    # The next lesson is in module 2, across the module boundary.
    assert f'href="{lesson_path(course, 1, 0)}" rel="next"' in page
    assert "Tandai selesai" in page


def test_mark_complete_is_idempotent_and_goes_on(client, trainee):
    course = make_course()
    client.post(f"/kursus/{course.slug}/daftar")
    response = client.post(lesson_path(course) + "/selesai")
    assert response.headers["Location"].endswith(lesson_path(course, 0, 1))
    client.post(lesson_path(course) + "/selesai")
    assert db.session.scalar(db.select(db.func.count(LessonCompletion.id))) == 1
    enrollment = enrolment(trainee, course)
    assert enrollment.lessons_completed == 1
    assert enrollment.last_lesson_id == course.modules[0].lessons[0].id
    assert enrollment.last_activity_at is not None
    page = client.get(lesson_path(course)).get_data(as_text=True)
    assert "Anda sudah menandai pelajaran ini selesai." in page


def test_mark_complete_refused_without_enrolment(client, trainee):
    course = make_course()
    response = client.post(lesson_path(course) + "/selesai")
    assert response.status_code == 403
    assert db.session.scalar(db.select(db.func.count(LessonCompletion.id))) == 0


# ------------------------------------------------------------------ locking


def test_sequential_course_locks_later_modules_until_earlier_complete(client, trainee):
    course = make_course(modules=2, lessons=1)
    client.post(f"/kursus/{course.slug}/daftar")
    page = client.get(f"/kursus/{course.slug}").get_data(as_text=True)
    assert "Selesaikan modul &#39;Modul 1&#39; terlebih dahulu." in page
    response = client.get(lesson_path(course, 1, 0))
    assert response.status_code == 403
    assert "Selesaikan modul &#39;Modul 1&#39; terlebih dahulu." in response.get_data(as_text=True)
    assert client.post(lesson_path(course, 1, 0) + "/selesai").status_code == 403

    client.post(lesson_path(course, 0, 0) + "/selesai")
    assert client.get(lesson_path(course, 1, 0)).status_code == 403  # the quiz is not passed yet
    submit_attempt(trainee, course.modules[0].quiz, percent=80, passed=True)
    assert client.get(lesson_path(course, 1, 0)).status_code == 200


def test_free_order_course_opens_every_module(client, trainee):
    course = make_course(modules=3, sequential=False)
    client.post(f"/kursus/{course.slug}/daftar")
    assert client.get(lesson_path(course, 2, 1)).status_code == 200


def test_locked_reason_tells_the_quiz_pages_why_a_module_is_closed(app, make_user):
    trainee = make_user()
    course = make_course(modules=2, lessons=1)
    first, second = course.modules
    with app.test_request_context():  # the reasons are translated for the page that shows them
        assert services.locked_reason(trainee, first) == "Daftar kursus ini terlebih dahulu."
        services.enroll(trainee, course)
        assert services.locked_reason(trainee, first) is None
        assert services.locked_reason(trainee, second) == "Selesaikan modul 'Modul 1' terlebih dahulu."
        services.mark_lesson_complete(trainee, course, first.lessons[0])
        submit_attempt(trainee, first.quiz, percent=100, passed=True)
        assert services.locked_reason(trainee, second) is None


# ------------------------------------------------------------------ Kursus saya


def test_my_courses_shows_progress_status_and_resume(client, trainee):
    course = make_course(modules=2, lessons=2)
    client.post(f"/kursus/{course.slug}/daftar")
    page = client.get("/kursus-saya").get_data(as_text=True)
    assert "Belum mulai" in page and 'value="0"' in page
    assert f'href="{lesson_path(course, 0, 0)}">Lanjutkan' in page
    client.post(lesson_path(course, 0, 0) + "/selesai")
    client.post(lesson_path(course, 0, 1) + "/selesai")
    page = client.get("/kursus-saya").get_data(as_text=True)
    assert "Sedang belajar" in page
    assert "2 dari 6 langkah selesai" in page  # four lessons and two quizzes
    assert re.search(r'<progress max="6" value="2"', page)
    # Every lesson of module 1 done: continue with its quiz.
    assert "Kuis: Kuis" in page


def test_my_courses_resume_after_quiz_goes_to_next_module(client, trainee):
    course = make_course(modules=2, lessons=1)
    client.post(f"/kursus/{course.slug}/daftar")
    client.post(lesson_path(course, 0, 0) + "/selesai")
    submit_attempt(trainee, course.modules[0].quiz, percent=90, passed=True)
    page = client.get("/kursus-saya").get_data(as_text=True)
    assert f'href="{lesson_path(course, 1, 0)}">Lanjutkan' in page
    assert "2 dari 4 langkah selesai" in page  # the passed quiz counts as a step


def test_my_courses_empty_points_to_catalog(client, trainee):
    page = client.get("/kursus-saya").get_data(as_text=True)
    assert "belum terdaftar" in page and 'href="/kursus"' in page


def test_my_courses_query_count_does_not_grow_with_enrolments(client, trainee, count_queries):
    def queries_for_page() -> int:
        with count_queries() as statements:
            assert client.get("/kursus-saya").status_code == 200
        return len(statements)

    courses = [make_course(modules=2, lessons=2) for _ in range(5)]
    client.post(f"/kursus/{courses[0].slug}/daftar")
    client.post(lesson_path(courses[0]) + "/selesai")
    one = queries_for_page()
    for course in courses[1:]:
        client.post(f"/kursus/{course.slug}/daftar")
        client.post(lesson_path(course) + "/selesai")
    assert queries_for_page() == one
    assert client.get("/kursus-saya").get_data(as_text=True).count("<progress") == 5


def test_last_lesson_after_passed_quiz_completes_the_course(client, trainee):
    course = make_course(modules=1, lessons=1)
    client.post(f"/kursus/{course.slug}/daftar")
    submit_attempt(trainee, course.modules[0].quiz, percent=100, passed=True)
    response = client.post(lesson_path(course) + "/selesai")
    assert response.headers["Location"].endswith(f"/kursus/{course.slug}")
    page = client.get(f"/kursus/{course.slug}").get_data(as_text=True)
    # The congratulation and the certificate come first, before the course summary.
    assert "Selamat! Anda menyelesaikan kursus" in page
    assert page.index("Selamat, Anda menyelesaikan kursus ini!") < page.index("Ringkasan.")
    certificate = db.session.scalar(db.select(Certificate))
    assert f'href="/sertifikat/{certificate.code}.pdf">Unduh sertifikat (PDF)' in page
    assert "Lanjutkan" not in page
    assert enrolment(trainee, course).completed_at is not None


# ------------------------------------------------------------------ links to the quiz pages


def test_lesson_and_course_pages_link_to_the_quiz(app, client, trainee):
    course = make_course(modules=1, lessons=2)
    with app.test_request_context():
        quiz_path = url_for("quizzes.overview", quiz_id=course.modules[0].quiz.id)
    client.post(f"/kursus/{course.slug}/daftar")
    assert quiz_path not in client.get(lesson_path(course, 0, 0)).get_data(as_text=True)
    assert f'href="{quiz_path}"' in client.get(lesson_path(course, 0, 1)).get_data(as_text=True)
    assert f'href="{quiz_path}"' in client.get(f"/kursus/{course.slug}").get_data(as_text=True)
