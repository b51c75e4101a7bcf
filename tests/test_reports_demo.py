"""Demo trainees: every unit, every status, bulk inserted; removal takes exactly the generated ones."""
from __future__ import annotations

from datetime import timedelta

from app.accounts.models import Regency, User
from app.extensions import db, utcnow
from app.progress.models import Certificate, Enrollment, LessonCompletion
from app.progress.status import COMPLETED, IN_PROGRESS, NOT_STARTED, status_expression
from app.quizzes.models import Attempt, AttemptStatus
from app.reports import demo
from tests.factories import make_course


def _count(model, *where) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(model).where(*where))


def _courses():
    make_course("kursus-a", modules=2, lessons=2)
    make_course("kursus-b", modules=1, lessons=3, sequential=False, with_quiz=False)
    make_course("kursus-draf", status="draft")


def test_fill_spreads_trainees_over_units_and_statuses(app):
    _courses()
    summary = demo.fill_demo(120)
    db.session.commit()
    assert summary.trainees == 120 and summary.courses == 2
    users = db.session.scalars(db.select(User).where(User.is_demo)).all()
    assert len(users) == 120 and all(u.email.endswith("@demo.kelaskim.example") for u in users)
    assert {u.regency_id for u in users} == set(db.session.scalars(db.select(Regency.id)))  # all eleven units
    assert all(" " in u.full_name and not u.check_password("") for u in users[:5])

    status = status_expression().label("status")
    rows = db.session.execute(db.select(status, db.func.count()).select_from(Enrollment).group_by(status))
    statuses = {name: count for name, count in rows}
    assert set(statuses) == {NOT_STARTED, IN_PROGRESS, COMPLETED} and min(statuses.values()) >= 10
    assert _count(Certificate) == statuses[COMPLETED]
    assert _count(Enrollment, Enrollment.course.has(slug="kursus-draf")) == 0
    assert _count(Attempt, Attempt.status == AttemptStatus.SUBMITTED) > 0 and _count(LessonCompletion) > 0
    idle_since = db.func.coalesce(Enrollment.last_activity_at, Enrollment.enrolled_at)
    stalled = _count(Enrollment, Enrollment.completed_at.is_(None), idle_since < utcnow() - timedelta(days=14))
    assert stalled >= 10


def test_fill_twice_adds_nothing_and_grows_on_request(app):
    _courses()
    demo.fill_demo(30)
    assert demo.fill_demo(30).trainees == 0
    assert demo.fill_demo(45).trainees == 15
    db.session.commit()
    assert _count(User, User.is_demo) == 45


def test_commands_fill_and_remove_only_generated_trainees(runner):
    _courses()
    assert runner.invoke(args=["demo", "--trainees", "0"]).exit_code == 0  # the role accounts, is_demo too
    role_accounts = _count(User)
    result = runner.invoke(args=["demo-data", "fill", "--trainees", "50"])
    assert result.exit_code == 0 and "Peserta demo baru: 50" in result.output, result.output
    assert _count(User) == role_accounts + 50 and _count(Enrollment) > 50

    result = runner.invoke(args=["demo-data", "remove"])
    assert result.exit_code == 0 and "Peserta demo dihapus: 50" in result.output, result.output
    assert _count(User) == role_accounts
    assert _count(Enrollment) == _count(Certificate) == _count(Attempt) == _count(LessonCompletion) == 0
    assert runner.invoke(args=["demo-data", "remove"]).output.startswith("Peserta demo dihapus: 0")


def test_fill_without_published_courses_says_so(runner):
    result = runner.invoke(args=["demo-data", "fill", "--trainees", "5"])
    assert result.exit_code == 0 and "Belum ada kursus yang terbit" in result.output
