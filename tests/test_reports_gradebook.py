"""The course view (gradebook): every figure equals a recount from the raw records, in the page, CSV and XLSX."""
from __future__ import annotations

import csv
import io
import re

import openpyxl
import pytest
from sqlalchemy import select

from app.accounts.models import Role, User
from app.catalog.models import Lesson, Module, Status
from app.extensions import db, utcnow
from app.progress import services as progress
from app.quizzes import grants, services as quizzes
from app.quizzes.models import Quiz
from tests import recount
from tests.factories import ANSWERS, make_course
from tests.test_quizzes_attempts import WRONG, sheet

STATUS_TEXT = {"selesai": "Selesai", "berjalan": "Berjalan", "belum_mulai": "Belum mulai"}


def _take(user, quiz, answers) -> None:
    quizzes.submit_attempt(quizzes.start_attempt(user, quiz), sheet(quiz, answers))


@pytest.fixture
def province(app, make_user):
    """A two-module course (two attempts per quiz) with trainees of three regencies in every state."""
    trainer = make_user(Role.TRAINER, "64", full_name="Pelatih Kursus")
    course = make_course(modules=2, lessons=2, owners=[trainer], max_attempts=2)
    first, second = course.modules
    people = {}
    for name, code in (("Ani", "64.02"), ("Budi", "64.02"), ("Citra", "64.02"), ("Dedi", "64.03"), ("Eka", "64.03"),
                       ("Fajar", "64.11")):
        people[name] = make_user(Role.TRAINEE, code, full_name=f"{name} Peserta")
        progress.enroll(people[name], course)
    view = progress.course_outline(course.id)
    lesson = {(m, l): view.modules[m].lessons[l] for m in range(2) for l in range(2)}
    # Ani finishes the course: every lesson, a failed then a passed first quiz, the second quiz at once.
    for key in lesson:
        progress.mark_lesson_complete(people["Ani"], view, lesson[key])
    _take(people["Ani"], first.quiz, WRONG)
    _take(people["Ani"], first.quiz, ANSWERS)
    _take(people["Ani"], second.quiz, ANSWERS)
    # Budi uses both attempts without passing, is granted one more and leaves it open.
    progress.mark_lesson_complete(people["Budi"], view, lesson[(0, 0)])
    _take(people["Budi"], first.quiz, WRONG)
    _take(people["Budi"], first.quiz, {**WRONG, "single": ["1"]})
    grants.grant_attempts(first.quiz, people["Budi"], 1, "Gangguan sinyal.", trainer)
    quizzes.start_attempt(people["Budi"], first.quiz)
    # Dedi is blocked; Eka read one lesson; Citra and Fajar have not started.
    _take(people["Dedi"], first.quiz, WRONG)
    _take(people["Dedi"], first.quiz, WRONG)
    progress.mark_lesson_complete(people["Eka"], view, lesson[(0, 1)])
    # A lesson made a draft afterwards and one retired (removed, Eka's) no longer count, for anyone.
    db.session.get(Lesson, lesson[(1, 1)].id).status = Status.DRAFT
    db.session.get(Lesson, lesson[(0, 1)].id).retired_at = utcnow()
    db.session.commit()
    return course, trainer, people


def recount_course(course_id: int) -> dict[str, dict]:
    """Each enrolled trainee's figures, by email, from the one recount of the raw records (tests/recount.py)."""
    counted = recount.content()
    quiz_ids = list(db.session.scalars(select(Quiz.id).join(Module).where(Quiz.id.in_(counted.quizzes.get(course_id, ())))
                                       .order_by(Module.position)))  # the columns' order: the course's
    standing = recount.quiz_standing()
    figures = {}
    for (user_id, course), row in recount.figures().items():
        if course != course_id:
            continue
        user = db.session.get(User, user_id)
        per_quiz = [standing.get((user_id, quiz_id), (None, 0, db.session.get(Quiz, quiz_id).max_attempts))
                    for quiz_id in quiz_ids]
        figures[user.email] = {"regency": user.regency.code, "done": row.lessons_completed, "total": row.lessons_total,
                               "quizzes": per_quiz, "status": STATUS_TEXT[row.status]}
    return figures


def _number(text: str) -> float | None:
    return float(text) if text else None


def _from_csv(body: str) -> dict[str, dict]:
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    header, found = rows[0], {}
    quiz_count = (len(header) - 10) // 3
    for row in rows[1:]:
        found[row[4]] = {"regency": row[0], "done": int(row[5]), "total": int(row[6]),
                         "quizzes": [(_number(row[7 + 3 * i]), int(row[8 + 3 * i]), int(row[9 + 3 * i]))
                                     for i in range(quiz_count)],
                         "status": row[8 + 3 * quiz_count]}
    return found


def test_the_course_view_and_its_exports_equal_a_recount_from_the_records(app, client, login_as, province):
    course, trainer, people = province
    login_as(trainer)
    expected = recount_course(course.id)
    assert expected[people["Budi"].email]["quizzes"][0] == (25.0, 3, 3)  # sanity: the recount sees the grant
    assert expected[people["Eka"].email] | {"regency": ""} == {  # and leaves the draft and the retired lesson out
        "regency": "", "done": 0, "total": 2, "quizzes": [(None, 0, 2), (None, 0, 2)], "status": "Berjalan"}
    body = client.get(f"/laporan/kursus/{course.id}/nilai.csv").get_data(as_text=True)
    assert _from_csv(body) == expected
    workbook = openpyxl.load_workbook(io.BytesIO(client.get(f"/laporan/kursus/{course.id}/nilai.xlsx").data))
    csv_rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    sheet_rows = [row for name in workbook.sheetnames[1:] for row in list(workbook[name].iter_rows(values_only=True))[1:]]
    assert [row[4] for row in sheet_rows] == [row[4] for row in csv_rows[1:]]  # same rows, same order
    assert [[cell for cell in row[5:7]] for row in sheet_rows] == [[int(c) for c in row[5:7]] for row in csv_rows[1:]]
    page = client.get(f"/laporan/kursus/{course.id}/nilai").get_data(as_text=True)
    for person in people.values():
        figures = expected[person.email]
        assert f"{figures['done']} dari {figures['total']}" in page
    assert page.count("kesempatan kuis habis") == 1  # Dedi
    assert "3/3 percobaan" in page and "Tambah kesempatan" in page


def test_a_regency_coordinator_sees_their_regency_only_and_filters_work(app, client, login_as, make_user, province):
    course, _trainer, people = province
    login_as(make_user(Role.COORDINATOR, "64.03"))
    body = client.get(f"/laporan/kursus/{course.id}/nilai.csv").get_data(as_text=True)
    assert set(_from_csv(body)) == {people["Dedi"].email, people["Eka"].email}
    assert client.get(f"/laporan/kursus/{course.id}/nilai?wilayah=64.02").status_code == 403
    page = client.get(f"/laporan/kursus/{course.id}/nilai?status=belum_mulai").get_data(as_text=True)
    assert "0 peserta terdaftar" in page
    page = client.get(f"/laporan/kursus/{course.id}/nilai?q=eka").get_data(as_text=True)
    assert "Eka Peserta" in page and "Dedi Peserta" not in page


def test_the_trainer_filters_any_regency_and_another_trainer_is_refused(app, client, login_as, make_user, province):
    course, trainer, people = province
    other = app.test_client()
    login_as(make_user(Role.TRAINER, "64"), the_client=other)
    assert other.get(f"/laporan/kursus/{course.id}/nilai").status_code == 403
    assert other.get(f"/laporan/kursus/{course.id}/nilai.csv").status_code == 403
    login_as(trainer)
    body = client.get(f"/laporan/kursus/{course.id}/nilai.csv?wilayah=64.11").get_data(as_text=True)
    assert set(_from_csv(body)) == {people["Fajar"].email}
    admin = app.test_client()
    login_as(make_user(Role.ADMIN, "64"), the_client=admin)
    log = admin.get("/admin/audit?tindakan=gradebook_exported").get_data(as_text=True)
    assert f"Pelatih Kursus mengunduh nilai peserta kursus {course.slug} (CSV)." in log


def test_the_page_reads_a_fixed_number_of_queries_whatever_the_number_of_trainees(app, client, login_as, make_user,
                                                                                   province, count_queries):
    course, trainer, _people = province
    url = f"/laporan/kursus/{course.id}/nilai"
    login_as(trainer)
    client.get(url)
    with count_queries() as few:
        client.get(url)
    for n in range(10):
        user = make_user(Role.TRAINEE, "64.07")
        progress.enroll(user, course)
        _take(user, course.modules[0].quiz, WRONG)
    db.session.commit()
    with count_queries() as many:
        page = client.get(url).get_data(as_text=True)
    assert len(re.findall(r"<tr>", page)) == 1 + 16 and len(many) == len(few)
