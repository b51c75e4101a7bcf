"""A trainee walks through a whole course: enrol, read, fail and pass quizzes, get and verify the certificate."""
from __future__ import annotations

import re

from app.extensions import db
from app.progress.models import Certificate, Enrollment, ModuleCompletion
from app.quizzes.models import Attempt
from tests.factories import ANSWERS, make_course
from tests.test_progress_certificate_pdf import pdf_text
from tests.test_quizzes_attempts import WRONG, sheet


def token(page: str) -> str:
    """The CSRF token of a page's forms."""
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)


def href(page: str, pattern: str) -> str:
    """The first link on the page whose address matches pattern."""
    return re.search(rf'href="({pattern})"', page).group(1)


def read_module(client, course, module) -> str:
    """Open every lesson of a module and mark it complete; return the last lesson page."""
    page = ""
    for lesson in module.lessons:
        url = f"/kursus/{course.slug}/{module.slug}/{lesson.slug}"
        page = client.get(url).get_data(as_text=True)
        assert lesson.title in page
        assert client.post(f"{url}/selesai", data={"csrf_token": token(page)}).status_code == 302
    return client.get(f"/kursus/{course.slug}/{module.slug}/{module.lessons[-1].slug}").get_data(as_text=True)


def take_quiz(client, quiz, overview: str, answers: dict) -> str:
    """Start (or retry) from a page with the start button, answer, submit; return the result page."""
    started = client.post(f"/kuis/{quiz.id}/mulai", data={"csrf_token": token(overview)})
    assert started.status_code == 302
    quiz_page = client.get(started.location).get_data(as_text=True)
    assert "Kirim jawaban" in quiz_page and "Penjelasan" not in quiz_page
    submitted = client.post(f"{started.location}/kirim", data=sheet(quiz, answers) | {"csrf_token": token(quiz_page)})
    assert submitted.status_code == 302 and submitted.location.endswith("/hasil")
    return client.get(submitted.location).get_data(as_text=True)


def test_a_trainee_completes_a_course_and_verifies_the_certificate(app, client, make_user, login_as, monkeypatch):
    course = make_course(modules=2, lessons=2)
    first, second = course.modules
    trainee = make_user(full_name="Rahmawati Lestari", regency_code="64.11")
    login_as(trainee)
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)  # every form the trainee uses must carry its token

    catalog = client.get("/kursus").get_data(as_text=True)
    course_page = client.get(href(catalog, f"/kursus/{course.slug}")).get_data(as_text=True)
    assert client.post(f"/kursus/{course.slug}/daftar", data={"csrf_token": token(course_page)}).status_code == 302

    # Module 1: read every lesson; the quiz is failed once, then passed on the next attempt.
    lesson_page = read_module(client, course, first)
    overview = client.get(href(lesson_page, rf"/kuis/{first.quiz.id}")).get_data(as_text=True)
    assert "Mulai kuis" in overview and "0 dari 3" in overview
    assert client.get(f"/kursus/{course.slug}/{second.slug}/{second.lessons[0].slug}").status_code == 403
    failed = take_quiz(client, first.quiz, overview, WRONG)
    # The default review: which questions were wrong, but no answers or explanations while attempts are left.
    assert "Belum lulus" in failed and "Coba lagi" in failed and "Penjelasan single." not in failed
    passed = take_quiz(client, first.quiz, failed, ANSWERS)
    assert "Nilai Anda 100%" in passed and "Selamat, Anda lulus kuis ini." in passed and "Coba lagi" not in passed
    assert "Penjelasan single." in passed

    # The result page leads on to module 2, now open.
    next_lesson = href(passed, rf"/kursus/{course.slug}/{second.slug}/[^\"]+")
    assert next_lesson == f"/kursus/{course.slug}/{second.slug}/{second.lessons[0].slug}"
    assert client.get(next_lesson).status_code == 200
    lesson_page = read_module(client, course, second)
    overview = client.get(href(lesson_page, rf"/kuis/{second.quiz.id}")).get_data(as_text=True)
    finished = take_quiz(client, second.quiz, overview, ANSWERS)
    assert "Lulus" in finished

    # Course complete: the certificate is on "Kursus saya", downloads as a PDF and verifies publicly.
    my_courses = client.get(href(finished, "/kursus-saya")).get_data(as_text=True)
    pdf_url = href(my_courses, r"/sertifikat/[A-Z0-9-]+\.pdf")
    code = re.search(r"/sertifikat/([A-Z0-9-]+)\.pdf", pdf_url).group(1)
    download = client.get(pdf_url)
    assert download.status_code == 200 and download.mimetype == "application/pdf"
    assert download.data.startswith(b"%PDF-") and download.data.rstrip().endswith(b"%%EOF")
    assert code in pdf_text(download.data) and "Rahmawati Lestari" in pdf_text(download.data)

    public = app.test_client()  # anyone holding the paper certificate, not logged in
    verified = public.get(f"/verify/{code}")
    assert verified.status_code == 200
    assert "Rahmawati Lestari" in verified.get_data(as_text=True) and course.title in verified.get_data(as_text=True)
    unknown = public.get("/verify/KIM-AAAA-AAAA-AAAA")
    assert unknown.status_code == 404 and "tidak ditemukan" in unknown.get_data(as_text=True)

    enrollment = db.session.scalar(db.select(Enrollment).where(Enrollment.user_id == trainee.id))
    assert enrollment.completed_at is not None and enrollment.lessons_completed == 4
    assert enrollment.best_score_percent == 100.0
    assert db.session.scalar(db.select(db.func.count()).select_from(ModuleCompletion)) == 2
    assert [a.passed for a in db.session.scalars(db.select(Attempt).order_by(Attempt.id))] == [False, True, True]
    assert db.session.scalar(db.select(Certificate.code).where(Certificate.user_id == trainee.id)) == code
