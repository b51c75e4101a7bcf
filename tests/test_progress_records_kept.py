"""Content changes never lose or misstate a trainee's record: every figure against a recount from the raw records.

A province's records are made through the app's own services (lessons done, quizzes passed and
failed, an attempt left open, certificates), then the course is changed through every path a
trainer or an admin has: a re-import of the course files without a lesson and a question, removal
in the editor, unpublishing, a new lesson, a new co-owner. After each change every figure on the
trainee pages, the dashboard, the roster and its CSV and XLSX exports must equal the recount of
tests/recount.py, and no completion, attempt, answer or certificate may be gone or changed.
"""
from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest
import yaml
from sqlalchemy import select, update

from app.accounts.models import Regency, Role, User
from app.catalog import outline
from app.dates import format_tanggal, to_wita
from app.extensions import cache, db
from app.progress import services as progress
from app.progress.status import status_of
from app.progress.models import Enrollment
from app.quizzes import services as quizzes
from app.quizzes.models import Attempt, AttemptStatus, Question, Quiz
from tests import recount
from tests.conftest import PASSWORD
from tests.factories import ANSWERS, make_course
from tests.test_quizzes_attempts import WRONG, sheet
from tests.test_reports_province import csv_rows, number, table_rows

LABELS = {"Belum mulai": recount.NOT_STARTED, "Berjalan": recount.IN_PROGRESS, "Selesai": recount.COMPLETED}
RECORD_TABLES = ("lesson_completions", "module_completions", "attempts", "answers", "certificates")


@dataclass
class Province:
    """The course, its files, and who did what."""

    course_id: int
    slug: str
    files: Path
    people: dict[str, User]


def learn(user: User, course_id: int, *lessons: tuple[int, int]) -> None:
    """Enrol and mark lessons (module index, lesson index) complete through the learning service."""
    course = outline.by_id(course_id)
    progress.enroll(user, course)
    for m, l in lessons:
        progress.mark_lesson_complete(user, course, course.modules[m].lessons[l])
    db.session.commit()


def take(user: User, quiz_id: int, right: bool = True, submit: bool = True) -> None:
    """Start an attempt at the quiz and, unless told not to, submit it all right or all wrong."""
    quiz = quizzes.get_quiz(quiz_id)
    attempt = quizzes.start_attempt(user, quiz)
    db.session.commit()
    if submit:
        quizzes.submit_attempt(attempt, sheet(quiz, ANSWERS if right else WRONG))
        db.session.commit()


@pytest.fixture
def province(app, make_user, runner, tmp_path) -> Province:
    """Three modules of two lessons and a quiz each, and trainees in every state in three regencies."""
    course = make_course("literasi-digital", modules=3, lessons=2, sequential=False)
    quiz_ids = [module.quiz.id for module in course.modules]
    every = [(m, l) for m in range(3) for l in range(2)]
    people = {name: make_user(regency_code=code, full_name=name, email=f"{name.lower()}@kelaskim.example")
              for name, code in (("Ani", "64.02"), ("Agus", "64.72"), ("Bayu", "64.02"), ("Bunga", "64.72"),
                                 ("Candra", "64.71"), ("Dewi", "64.71"), ("Eka", "64.02"), ("Fajar", "64.72"))}
    for name in ("Ani", "Agus"):  # everything: certificates
        learn(people[name], course.id, *every)
        for quiz_id in quiz_ids:
            if name == "Agus":
                take(people[name], quiz_id, right=False)  # failed once first: the best score counts
            take(people[name], quiz_id)
    # Bayu lacks only the second lesson of module 3, which the files will drop.
    learn(people["Bayu"], course.id, *[step for step in every if step != (2, 1)])
    for quiz_id in quiz_ids:
        take(people["Bayu"], quiz_id)
    # Bunga finished modules 1 and 3 but never opened module 2, which will go back to draft.
    learn(people["Bunga"], course.id, (0, 0), (0, 1), (2, 0), (2, 1))
    take(people["Bunga"], quiz_ids[0])
    take(people["Bunga"], quiz_ids[2])
    learn(people["Candra"], course.id, (0, 0))
    take(people["Candra"], quiz_ids[0], right=False)
    learn(people["Dewi"], course.id)
    learn(people["Eka"], course.id, (2, 1))  # only the lesson that will be retired
    learn(people["Fajar"], course.id)
    take(people["Fajar"], quiz_ids[1], submit=False)  # an attempt left open
    files = tmp_path / "files"
    result = runner.invoke(args=["courses", "export", course.slug, str(files)])
    assert result.exit_code == 0, result.output
    return Province(course.id, course.slug, files / course.slug, people)


# --------------------------------------------------------------------------- what every page shows


def records() -> dict[str, set[str]]:
    """Every trainee record, whole rows: a content change must leave each one exactly as it was."""
    return {name: {repr(tuple(row)) for row in db.session.execute(select(db.metadata.tables[name]))}
            for name in RECORD_TABLES}


def certified() -> set[int]:
    """Who holds a certificate."""
    return set(db.session.scalars(select(db.metadata.tables["certificates"].c.user_id)))


def minute(moment: datetime | None) -> str:
    """A completion time as the roster and CSV show it (WITA, to the minute)."""
    return "" if moment is None else to_wita(moment).isoformat(" ", "minutes")[:16]


def score(value: float | None) -> str:
    """A best score as the roster and CSV show it."""
    return "" if value is None else f"{round(value, 1):g}"


def expected_rows(counted: dict) -> dict[str, list[str]]:
    """Roster figures by email: lessons done, lessons total, best score, status, completed, certificate."""
    emails = dict(db.session.execute(select(User.id, User.email)).all())
    return {emails[user]: [str(f.lessons_completed), str(f.lessons_total), score(f.best_score_percent), f.status,
                           minute(f.completed_at), f.certificate_code] for (user, _course), f in counted.items()}


def page_expected(counted: dict) -> dict[str, list[str]]:
    """What the roster page shows of each enrolment, by name: lessons done and total, best score, status,
    completion date (WITA) and certificate code (the page shows fewer columns than the downloads)."""
    names = dict(db.session.execute(select(User.id, User.full_name)).all())
    return {names[user]: [str(min(f.lessons_completed, f.lessons_total)), str(f.lessons_total),
                          score(f.best_score_percent), f.status,
                          format_tanggal(to_wita(f.completed_at).date()) if f.completed_at else "",
                          f.certificate_code] for (user, _course), f in counted.items()}


PAGE_PROGRESS = re.compile(r"\((\d+)/(\d+) pelajaran\)")


def page_rows(html: str) -> dict[str, list[str]]:
    """The same figures read from the roster page's cards: name, progress '75% (3/4 pelajaran)', score '87,5%'..."""
    shown = {}
    for attrs, cells in table_rows(html, "roster"):
        name = cells[0].split(" 19")[0].strip()  # the name, without the NIP after it
        done, total = PAGE_PROGRESS.search(cells[4]).groups()
        best = number(cells[5].rstrip("%"))
        completed, _space, code = cells[7].partition(" KIM-")
        shown[name] = [done, total, "" if best is None else f"{round(best, 1):g}", attrs["data-status"],
                       "" if completed == "–" else completed, f"KIM-{code}" if code else ""]
    return shown


def shown_rows(rows: list[list[str]]) -> dict[str, list[str]]:
    """The same figures read from roster cells (page, CSV or XLSX as text)."""
    return {row[4]: [row[8], row[9], row[10], LABELS[row[11]], row[13], row[14]] for row in rows}


def xlsx_text(value) -> str:
    """An XLSX cell as the CSV would show it."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(" ", "minutes")[:16]
    return f"{value:g}" if isinstance(value, float) else str(value)


def check_every_figure(client, province: Province) -> None:
    """Stored figures, trainee pages, dashboard, roster, CSV and XLSX all equal the recount."""
    db.session.expire_all()
    counted = recount.figures()
    for enrollment in db.session.scalars(select(Enrollment)):
        figures = counted[(enrollment.user_id, enrollment.course_id)]
        stored = (enrollment.lessons_completed, enrollment.best_score_percent, enrollment.completed_at,
                  status_of(enrollment))
        assert stored == (figures.lessons_completed, figures.best_score_percent, figures.completed_at,
                          figures.status), enrollment.user.full_name
    _check_trainee_pages(client.application, province, counted)
    _check_dashboard(client, counted)
    expected = expected_rows(counted)
    assert page_rows(client.get("/laporan/peserta").get_data(as_text=True)) == page_expected(counted)
    assert shown_rows(csv_rows(client.get("/laporan/peserta.csv").data)[1:]) == expected
    workbook = openpyxl.load_workbook(io.BytesIO(client.get("/laporan/peserta.xlsx").data))
    cells = [[xlsx_text(value) for value in row] for name in workbook.sheetnames[1:]
             for row in list(workbook[name].values)[1:]]
    assert shown_rows(cells) == expected


def _check_trainee_pages(app, province: Province, counted: dict) -> None:
    for person in province.people.values():
        client = app.test_client()
        assert client.post("/masuk", data={"email": person.email, "password": PASSWORD}).status_code == 302
        html = client.get("/kursus-saya").get_data(as_text=True)
        figures = counted[(person.id, province.course_id)]
        progress_text = f"{figures.steps_done} dari {figures.steps_total} langkah selesai"
        assert progress_text in html, (person.full_name, progress_text)
        badge = {recount.COMPLETED: "Selesai", recount.IN_PROGRESS: "Sedang belajar",
                 recount.NOT_STARTED: "Belum mulai"}[figures.status]
        assert f'class="badge{" badge-ok" if badge == "Selesai" else ""}">{badge}</span>' in html, person.full_name
        assert (figures.certificate_code in html) if figures.certificate_code else "Sertifikat:" not in html


def _check_dashboard(client, counted: dict) -> None:
    cache.clear()  # the dashboard keeps its figures up to a minute, and says so on the page
    by_regency, _by_course, total = recount.dashboard()
    codes = dict(db.session.execute(select(Regency.code, Regency.id)).all())
    html = client.get("/laporan/").get_data(as_text=True)
    for attrs, cells in table_rows(html, "per-wilayah") + table_rows(html, "per-wilayah", "tfoot"):
        group = total if attrs["data-code"] == "total" else by_regency.get(codes[attrs["data-code"]], recount.Group())
        expected = [group.enrolled, *group.counts.values(), group.completion_rate, group.average_score]
        shown = [number(text) for text in cells[1:]]
        assert shown[:4] == expected[:4], attrs
        for value, wanted in zip(shown[4:], expected[4:]):
            assert (value is None and wanted is None) or abs(value - wanted) < 0.05, attrs


# --------------------------------------------------------------------------- the paths


def _edit_files(province: Province) -> None:
    """The course files without the second lesson of module 3 and the 'multi' question of module 1."""
    course_file = province.files / "course.yaml"
    data = yaml.safe_load(course_file.read_text(encoding="utf-8"))
    data["modules"][2]["lessons"] = data["modules"][2]["lessons"][:1]
    course_file.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    quiz_file = province.files / data["modules"][0]["slug"] / data["modules"][0]["quiz"]
    quiz = yaml.safe_load(quiz_file.read_text(encoding="utf-8"))
    quiz["questions"] = [question for question in quiz["questions"] if question["id"] != "multi"]
    quiz_file.write_text(yaml.safe_dump(quiz, allow_unicode=True, sort_keys=False), encoding="utf-8")


def test_no_content_change_loses_a_record_and_every_figure_equals_a_recount(
        app, client, runner, make_user, login_as, province):
    admin = make_user(role=Role.ADMIN, regency_code="64")
    login_as(admin)
    people = province.people
    check_every_figure(client, province)
    kept, holders = records(), certified()
    assert holders == {people["Ani"].id, people["Agus"].id}

    # 1. The files lose a lesson and a question: both have records, so both are retired.
    _edit_files(province)
    dry = runner.invoke(args=["courses", "import", "--dry-run", str(province.files)])
    assert dry.exit_code == 0 and "tidak ada yang ditulis" in dry.output, dry.output
    assert records() == kept
    result = runner.invoke(args=["courses", "import", str(province.files)])
    assert result.output.split("\n", 1)[1] == dry.output.split("\n", 1)[1].replace(
        "Uji coba (--dry-run): 1 kursus, 1 akan berubah; tidak ada yang ditulis.", "Impor selesai: 1 kursus, 1 berubah.")
    assert "  pelajaran: 1 diarsipkan (4 catatan peserta tetap disimpan)" in result.output, result.output
    assert "  soal: " in result.output and "1 diarsipkan (" in result.output.split("  soal: ")[1]
    check_every_figure(client, province)
    now = records()
    assert {name: now[name] >= kept[name] for name in RECORD_TABLES} == dict.fromkeys(RECORD_TABLES, True)
    # Bayu now has everything the course asks: the completion and certificate the records grant.
    assert certified() == holders | {people["Bayu"].id}
    assert now["lesson_completions"] == kept["lesson_completions"] and now["answers"] == kept["answers"]
    assert now["attempts"] == kept["attempts"]
    kept = now

    # 2. A trainer removes an answered question in the editor: retired, its answers kept.
    quiz_two = db.session.scalar(select(Quiz).where(Quiz.module.has(slug="modul-2")))
    true_false = next(q for q in quiz_two.questions if q.key == "tf")
    assert client.post(f"/kelola/soal/{true_false.id}/hapus").status_code == 302
    assert db.session.get(Question, true_false.id) is not None
    check_every_figure(client, province)
    assert records() == kept

    # 3. Module 2 goes back to draft: totals drop, and Bunga (who never opened it) now completes.
    module_two = quiz_two.module
    assert client.post(f"/kelola/modul/{module_two.id}/status/draf", data={"konfirmasi": "1"}).status_code == 302
    check_every_figure(client, province)
    now = records()
    assert certified() == holders | {people["Bayu"].id, people["Bunga"].id}
    assert all(now[name] >= kept[name] for name in RECORD_TABLES) and now["answers"] == kept["answers"]
    kept = now

    # 4. A new published lesson: everyone has one more to do; whoever completed keeps it.
    module_one = db.session.scalar(select(Quiz).where(Quiz.module.has(slug="modul-1"))).module
    response = client.post(f"/kelola/modul/{module_one.id}/pelajaran/baru", data={
        "title": "Pelajaran Tambahan", "slug": "tambahan", "minutes": 5, "body": "Isi tambahan.",
        "objectives": "Memahami tambahan.", "sources": "Laporan Diskominfo Kukar"})
    assert response.status_code == 302
    lesson_id = int(response.location.rstrip("/").rsplit("/", 1)[1])
    assert client.post(f"/kelola/pelajaran/{lesson_id}/status/terbit").status_code == 302
    check_every_figure(client, province)
    assert records() == kept

    # 5. A co-owner: nothing a trainee did changes, and the trainer may preview the draft module at once.
    trainer = make_user(role=Role.TRAINER, regency_code="64")
    trainer_client = app.test_client()
    login_as(trainer, the_client=trainer_client)
    draft_lesson = f"/kursus/{province.slug}/modul-2/pelajaran-1"
    assert trainer_client.get(draft_lesson).status_code == 404
    assert client.post(f"/kelola/kursus/{province.course_id}/pemilik", data={"email": trainer.email}).status_code == 302
    assert trainer_client.get(draft_lesson).status_code == 200
    check_every_figure(client, province)
    assert records() == kept
    # The open attempt of module 2 (now a draft) is still open, and still Fajar's.
    assert db.session.scalar(select(Attempt.status).where(Attempt.user_id == people["Fajar"].id)) == AttemptStatus.OPEN


def test_flask_courses_recount_mends_figures_written_before_the_rules(runner, make_user):
    """A database from before this release may hold stale figures ("2 of 1 lessons"): the command mends them."""
    course = make_course(modules=1, lessons=1)
    trainee = make_user()
    learn(trainee, course.id, (0, 0))
    db.session.execute(update(Enrollment).values(lessons_completed=2, best_score_percent=99.0))
    db.session.commit()

    result = runner.invoke(args=["courses", "recount"])

    assert result.exit_code == 0 and "1 kursus dihitung ulang" in result.output
    db.session.expire_all()
    enrollment = db.session.scalar(select(Enrollment))
    assert (enrollment.lessons_completed, enrollment.best_score_percent) == (1, None)
    assert recount.figures()[(trainee.id, course.id)].lessons_completed == 1
