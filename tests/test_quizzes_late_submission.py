"""A quiz that closed while a trainee was answering refuses the submission and keeps the attempt open."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.accounts.models import Role
from app.authoring import services as authoring
from app.catalog import retiring, versions
from app.catalog.models import Status
from app.extensions import db
from app.progress.models import Certificate
from app.quizzes.models import Answer, Attempt, AttemptStatus
from tests.factories import ANSWERS, lesson_path, make_course
from tests.test_quizzes_attempts import sheet, start


def _close_by_draft_course(course, admin):
    authoring.set_status("course", course, Status.DRAFT, admin)


def _close_by_draft_module(course, admin):
    authoring.set_status("module", course.modules[2], Status.DRAFT, admin)


def _close_by_retiring_the_quiz(course, admin):
    quiz = course.modules[2].quiz
    assert retiring.take_away([quiz])[quiz] == retiring.RETIRED  # the open attempt points at it
    versions.bump([course.id])


def _close_by_making_the_order_binding(course, admin):
    """Modules 1 and 2 are not done: in a sequential course, module 3 is locked."""
    data = authoring.CourseEdit(title=course.title, slug=course.slug, summary=course.summary, audience=course.audience,
                                hours=course.hours, sequential=True, sources=list(course.sources))
    authoring.update_course(course, data, admin)


@pytest.mark.parametrize("close", [_close_by_draft_course, _close_by_draft_module, _close_by_retiring_the_quiz,
                                   _close_by_making_the_order_binding])
def test_a_late_submission_is_refused_and_the_attempt_stays_open(client, make_user, login_as, close):
    course = make_course(modules=3, lessons=1, sequential=False)
    login_as(make_user())
    client.post(f"/kursus/{course.slug}/daftar")
    assert client.post(f"{lesson_path(course, 2, 0)}/selesai").status_code == 302
    quiz = course.modules[2].quiz
    attempt_id = start(client, quiz)
    close(course, make_user(role=Role.ADMIN, regency_code="64"))
    db.session.commit()

    response = client.post(f"/kuis/percobaan/{attempt_id}/kirim", data=sheet(quiz, ANSWERS))

    assert response.status_code == 403
    assert "Kuis ini tidak lagi terbuka untuk Anda, jadi jawaban ini tidak dinilai." in response.get_data(as_text=True)
    db.session.expire_all()
    attempt = db.session.get(Attempt, attempt_id)
    assert attempt.status == AttemptStatus.OPEN and attempt.score is None
    assert db.session.scalar(select(func.count()).select_from(Answer).where(Answer.attempt_id == attempt_id)) == 0
    assert db.session.scalar(select(func.count()).select_from(Certificate)) == 0


def test_the_kept_attempt_is_graded_once_the_quiz_is_open_again(client, make_user, login_as):
    course = make_course(modules=1, lessons=1)
    admin = make_user(role=Role.ADMIN, regency_code="64")
    login_as(make_user())
    client.post(f"/kursus/{course.slug}/daftar")
    assert client.post(f"{lesson_path(course)}/selesai").status_code == 302
    quiz = course.modules[0].quiz
    attempt_id = start(client, quiz)
    authoring.set_status("module", course.modules[0], Status.DRAFT, admin)
    db.session.commit()
    assert client.post(f"/kuis/percobaan/{attempt_id}/kirim", data=sheet(quiz, ANSWERS)).status_code == 403
    authoring.set_status("module", course.modules[0], Status.PUBLISHED, admin)
    db.session.commit()

    assert client.post(f"/kuis/percobaan/{attempt_id}/kirim", data=sheet(quiz, ANSWERS)).status_code == 302

    db.session.expire_all()
    assert db.session.get(Attempt, attempt_id).passed is True
    assert db.session.scalar(select(func.count()).select_from(Certificate)) == 1
