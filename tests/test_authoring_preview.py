"""A trainer takes any quiz they may edit as a trainee would, and nothing of it reaches the records or reports."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from app.accounts.models import AuditEntry, Role
from app.catalog.models import Status
from app.extensions import db
from app.progress import services as progress
from app.progress.models import Certificate, Enrollment, LessonCompletion, ModuleCompletion
from app.quizzes.models import Answer, Attempt
from tests.factories import ANSWERS, make_course
from tests.test_quizzes_attempts import sheet

RECORDS = (Attempt, Answer, Enrollment, LessonCompletion, ModuleCompletion, Certificate, AuditEntry)


def _counts() -> dict[str, int]:
    return {model.__name__: db.session.scalar(select(func.count()).select_from(model)) for model in RECORDS}


@pytest.fixture
def trainer(make_user):
    return make_user(Role.TRAINER, "64", full_name="Pelatih Pratinjau")


def _token(page: str) -> str:
    return re.search(r'name="pratinjau" value="([^"]+)"', page).group(1)


def _preview(client, quiz, answers) -> tuple[str, str]:
    """Open the preview and send the answers; (the quiz page, the result page)."""
    taking = client.get(f"/kelola/kuis/{quiz.id}/pratinjau").get_data(as_text=True)
    result = client.post(f"/kelola/kuis/{quiz.id}/pratinjau", data={**sheet(quiz, answers), "pratinjau": _token(taking)})
    assert result.status_code == 200
    return taking, result.get_data(as_text=True)


def test_a_trainer_previews_a_draft_quiz_and_sees_grading_and_the_review(client, login_as, trainer):
    course = make_course(status=Status.DRAFT, modules=1, owners=[trainer])
    course.modules[0].status = Status.DRAFT
    db.session.commit()
    quiz = course.modules[0].quiz
    login_as(trainer)
    before = _counts()
    taking, result = _preview(client, quiz, ANSWERS)
    assert "Pratinjau pelatih" in taking and taking.count("<fieldset") == 4
    assert "Penjelasan" not in taking and "Umpan balik" not in taking  # as on a trainee's quiz page
    assert "Nilai 100%" in result and "Lulus" in result and "Penjelasan single." in result
    assert "Setelah mengirim jawaban peserta melihat: Nilai dan benar/salah" in result
    _, failed = _preview(client, quiz, {})
    assert "Nilai 0%" in failed and "Kelompok Informasi Masyarakat" in failed  # the trainer sees every answer
    assert _counts() == before


def test_a_preview_leaves_no_attempt_in_reports_even_for_an_enrolled_trainer(app, client, login_as, trainer, make_user):
    course = make_course(modules=1, owners=[trainer])
    quiz = course.modules[0].quiz
    progress.enroll(trainer, course)
    db.session.commit()
    reporter = app.test_client()
    login_as(make_user(Role.ADMIN, "64"), the_client=reporter)
    roster_before = reporter.get("/laporan/peserta.csv").get_data(as_text=True)
    login_as(trainer)
    before = _counts()
    for _ in range(3):
        _preview(client, quiz, ANSWERS)
    assert _counts() == before
    enrolment = db.session.scalar(select(Enrollment))
    assert enrolment.last_activity_at is None and enrolment.best_score_percent is None
    assert "Mulai kuis" in client.get(f"/kuis/{quiz.id}").get_data(as_text=True)  # no attempt was spent
    roster_after = reporter.get("/laporan/peserta.csv").get_data(as_text=True)
    assert roster_after.splitlines()[1:] == roster_before.splitlines()[1:]


def test_a_pool_preview_asks_the_draw(client, login_as, trainer):
    course = make_course(modules=1, owners=[trainer])
    quiz = course.modules[0].quiz
    quiz.draw = 2
    db.session.commit()
    login_as(trainer)
    taking = client.get(f"/kelola/kuis/{quiz.id}/pratinjau").get_data(as_text=True)
    assert taking.count("<fieldset") == 2 and "2 soal · nilai lulus 70%" in taking


def test_a_forged_or_foreign_preview_is_not_graded(client, login_as, trainer):
    course = make_course(modules=2, owners=[trainer])
    first, second = (module.quiz for module in course.modules)
    login_as(trainer)
    token = _token(client.get(f"/kelola/kuis/{first.id}/pratinjau").get_data(as_text=True))
    for quiz, data in ((first, {"pratinjau": token + "x"}), (second, {"pratinjau": token}), (first, {})):
        response = client.post(f"/kelola/kuis/{quiz.id}/pratinjau", data=data)
        assert response.status_code == 302 and response.location == f"/kelola/kuis/{quiz.id}/pratinjau"
    page = client.post(f"/kelola/kuis/{first.id}/pratinjau", data={"pratinjau": token, "q-424242": "1"})
    assert page.status_code == 400 and "tidak ada pada kuis ini" in page.get_data(as_text=True)


def test_only_the_courses_trainers_and_admins_preview(app, login_as, trainer, make_user):
    course = make_course(modules=1, owners=[trainer])
    quiz = course.modules[0].quiz
    for role, code, status in ((Role.TRAINER, "64", 403), (Role.TRAINEE, "64.02", 403), (Role.COORDINATOR, "64", 403),
                               (Role.ADMIN, "64", 200)):
        each = app.test_client()
        login_as(make_user(role, code), the_client=each)
        assert each.get(f"/kelola/kuis/{quiz.id}/pratinjau").status_code == status, role
