"""Retired content: gone for new learners, still named wherever a trainee's record shows it."""
from __future__ import annotations

import pytest
import yaml
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from app.accounts.models import Role
from app.authoring import services as authoring
from app.extensions import db
from app.progress.models import LessonCompletion
from app.quizzes.models import Attempt, Question
from tests.factories import ANSWERS, lesson_path, make_course
from tests.test_quizzes_attempts import sheet, start


@pytest.fixture
def graded(client, make_user, login_as):
    """A trainee who completed the first lesson and submitted the first quiz; then its 'short' question is removed."""
    course = make_course(modules=1, lessons=2)
    trainee = make_user(full_name="Yohanes Dau")
    login_as(trainee)
    client.post(f"/kursus/{course.slug}/daftar")
    client.post(f"{lesson_path(course)}/selesai")
    quiz = course.modules[0].quiz
    attempt_id = start(client, quiz)
    client.post(f"/kuis/percobaan/{attempt_id}/kirim", data=sheet(quiz, ANSWERS))
    short = next(question for question in quiz.questions if question.key == "short")
    admin = make_user(role=Role.ADMIN, regency_code="64")
    assert authoring.delete_question(short, admin) == authoring.RETIRED
    db.session.commit()
    return course, trainee, attempt_id, short.id


def test_a_graded_attempt_still_shows_the_retired_question(client, graded):
    _course, _trainee, attempt_id, _short = graded
    html = client.get(f"/kuis/percobaan/{attempt_id}/hasil").get_data(as_text=True)
    assert "Kepanjangan KIM?" in html
    assert db.session.get(Attempt, attempt_id).percent == 100.0  # graded as it was


def test_a_new_attempt_no_longer_asks_it(client, graded):
    course, _trainee, attempt_id, short = graded
    quiz = course.modules[0].quiz
    second = start(client, quiz)
    assert short not in [entry["question"] for entry in db.session.get(Attempt, second).layout]
    assert "Kepanjangan KIM?" not in client.get(f"/kuis/percobaan/{second}").get_data(as_text=True)
    assert short in [entry["question"] for entry in db.session.get(Attempt, attempt_id).layout]


def _admin(app, make_user, login_as):
    """A separate browser, logged in as an admin."""
    browser = app.test_client()
    login_as(make_user(role=Role.ADMIN, regency_code="64"), the_client=browser)
    return browser


def test_the_item_analysis_still_counts_its_answers(app, graded, make_user, login_as):
    course, *_rest = graded
    html = _admin(app, make_user, login_as).get(f"/kelola/kuis/{course.modules[0].quiz.id}/analisis").get_data(as_text=True)
    assert "Kepanjangan KIM?" in html and "Diarsipkan" in html


def test_the_person_report_names_a_retired_lesson(app, client, graded, make_user, login_as, runner, tmp_path):
    course, trainee, *_rest = graded
    files = tmp_path / "files"
    assert runner.invoke(args=["courses", "export", course.slug, str(files)]).exit_code == 0
    listing = files / course.slug / "course.yaml"
    listing.write_text(listing.read_text(encoding="utf-8").replace("- pelajaran-1.md\n", ""), encoding="utf-8")
    result = runner.invoke(args=["courses", "import", str(files)])
    assert "pelajaran: 1 diubah, 1 diarsipkan (1 catatan peserta tetap disimpan)" in result.output, result.output
    html = _admin(app, make_user, login_as).get(f"/laporan/peserta/{trainee.id}").get_data(as_text=True)
    assert "Pelajaran 1.1" in html and "Diarsipkan" in html
    assert client.get(f"/kursus/{course.slug}/modul-1/pelajaran-1").status_code == 404  # gone for learners


def test_the_database_refuses_to_delete_content_that_records_point_at(graded):
    course, *_rest = graded
    lesson_id = course.modules[0].lessons[0].id
    assert db.session.query(LessonCompletion).filter_by(lesson_id=lesson_id).count() == 1
    with pytest.raises(IntegrityError):
        db.session.execute(delete(Question).where(Question.quiz_id == course.modules[0].quiz.id))
        db.session.flush()
    db.session.rollback()


def test_an_import_changing_an_answered_questions_key_says_so_and_keeps_the_grades(client, graded, runner, tmp_path):
    course, trainee, attempt_id, _short = graded
    files = tmp_path / "files"
    assert runner.invoke(args=["courses", "export", course.slug, str(files)]).exit_code == 0
    quiz_file = next((files / course.slug).glob("*/*.yaml"))
    quiz = yaml.safe_load(quiz_file.read_text(encoding="utf-8"))
    single = next(question for question in quiz["questions"] if question["id"] == "single")
    for index, choice in enumerate(single["choices"]):  # the right answer moves from the second choice to the first
        choice["correct"] = index == 0
    quiz_file.write_text(yaml.safe_dump(quiz, allow_unicode=True, sort_keys=False), encoding="utf-8")
    graded_before = [(a.question_id, a.score, a.correct) for a in db.session.get(Attempt, attempt_id).answers]
    note = "soal 'single' (modul-1): kunci jawaban berubah; 1 jawaban yang sudah dinilai tetap dengan nilainya"

    dry = runner.invoke(args=["courses", "import", "--dry-run", str(files)])
    assert dry.exit_code == 0 and note in dry.output, dry.output
    db.session.expire_all()
    assert [c.correct for c in db.session.scalar(select(Question).where(Question.key == "single")).choices] \
        == [False, True, False]  # nothing written
    result = runner.invoke(args=["courses", "import", str(files)])

    assert result.exit_code == 0 and note in result.output, result.output
    db.session.expire_all()
    attempt = db.session.get(Attempt, attempt_id)
    assert attempt.percent == 100.0 and [(a.question_id, a.score, a.correct) for a in attempt.answers] == graded_before
    assert "Nilai Anda 100%" in client.get(f"/kuis/percobaan/{attempt_id}/hasil").get_data(as_text=True)
    assert [c.correct for c in db.session.scalar(select(Question).where(Question.key == "single")).choices] \
        == [True, False, False]  # new attempts are graded by the new key
