"""flask courses import and export: rows keep their ids, a second run writes nothing, export round-trips."""
from __future__ import annotations

import re
import shutil
from dataclasses import asdict
from pathlib import Path

import pytest

from app.catalog import services
from app.catalog.loader import folder_course
from app.catalog.models import Course, Lesson, Module, Status
from app.extensions import db
from app.progress.models import LessonCompletion
from app.quizzes.models import Choice, Question, Quiz

COURSES = Path(__file__).resolve().parents[1] / "courses"
SLUGS = ("konten-media-pemda", "pemberdayaan-kim")
WRITES = ("INSERT", "UPDATE", "DELETE")


def counts() -> dict[str, int]:
    """Rows of every content table."""
    return {model.__name__: db.session.scalar(db.select(db.func.count()).select_from(model))
            for model in (Course, Module, Lesson, Quiz, Question, Choice)}


def snapshot() -> dict[str, dict]:
    """Every course as the plain data the files describe, read fresh from the database."""
    db.session.expire_all()
    return {slug: asdict(folder_course(services.course_with_content(slug))) for slug in SLUGS}


def writes(statements: list[str]) -> list[str]:
    """The statements that changed something."""
    return [s for s in statements if s.lstrip().upper().startswith(WRITES)]


def run(runner, *args: str):
    """Invoke flask courses ... and insist it succeeded."""
    result = runner.invoke(args=["courses", *map(str, args)])
    assert result.exit_code == 0, result.output
    return result


# The first modules of each course are enough for what most tests here check, at a third of the import's cost.
KEEP_MODULES = {"pemberdayaan-kim": 3, "konten-media-pemda": 1}
MODULE_START = "\n  - slug: "


@pytest.fixture
def courses_copy(tmp_path) -> Path:
    """A copy of courses/ that a test may edit, each course cut to its first modules (KEEP_MODULES)."""
    copy = Path(shutil.copytree(COURSES, tmp_path / "courses"))
    for slug, keep in KEEP_MODULES.items():
        course_yaml = copy / slug / "course.yaml"
        listed = course_yaml.read_text(encoding="utf-8")
        head, *modules = listed.split(MODULE_START)
        course_yaml.write_text(MODULE_START.join([head, *modules[:keep]]), encoding="utf-8")
        for module in modules[keep:]:
            shutil.rmtree(copy / slug / module.split("\n", 1)[0])
    return copy


def lesson_id(course: str, module: str, lesson: str) -> int:
    """The id of a lesson by its slugs."""
    query = (db.select(Lesson.id).join(Module).join(Course)
             .where(Course.slug == course, Module.slug == module, Lesson.slug == lesson))
    return db.session.scalar(query)


def test_import_loads_both_courses(runner):
    result = run(runner, "import", COURSES)
    assert "pemberdayaan-kim: dibuat" in result.output and "konten-media-pemda: dibuat" in result.output
    assert counts() == {"Course": 2, "Module": 12, "Lesson": 38, "Quiz": 12, "Question": 182, "Choice": 530}
    course = db.session.scalar(db.select(Course).where(Course.slug == "pemberdayaan-kim"))
    assert course.title == "Pemberdayaan KIM" and course.hours == 7 and course.is_published and course.owners == []
    first = services.course_with_content("pemberdayaan-kim").modules[0]
    assert first.slug == "01-mengapa-kim-sekarang" and [lesson.position for lesson in first.lessons] == [0, 1, 2]
    assert first.lessons[0].body_md.startswith("## Berangkat dari sebuah workshop")
    truefalse = next(q for q in first.quiz.questions if q.type == "truefalse")
    assert [(c.key, c.text) for c in truefalse.choices] == [("true", "Benar"), ("false", "Salah")]
    assert sum(c.correct for c in truefalse.choices) == 1 and all(c.feedback for c in truefalse.choices)


def test_import_a_single_course_folder(runner, courses_copy):
    run(runner, "import", courses_copy / "pemberdayaan-kim")
    assert list(db.session.scalars(db.select(Course.slug))) == ["pemberdayaan-kim"]


def test_importing_twice_changes_nothing_and_writes_nothing(runner, count_queries, courses_copy):
    run(runner, "import", courses_copy)
    before, stamps = counts(), db.session.execute(db.select(Lesson.id, Lesson.updated_at)).all()
    with count_queries() as statements:
        result = run(runner, "import", courses_copy)
    assert writes(statements) == []
    assert len(statements) < 15  # the whole tree is loaded in a fixed number of queries
    assert "pemberdayaan-kim: tidak berubah" in result.output and "0 berubah" in result.output
    assert counts() == before
    assert db.session.execute(db.select(Lesson.id, Lesson.updated_at)).all() == stamps


def test_reimport_after_editing_a_lesson_updates_it_in_place_and_keeps_completions(runner, make_user, courses_copy):
    run(runner, "import", courses_copy)
    trainee = make_user()
    lesson_ids = db.session.scalars(db.select(Lesson.id).order_by(Lesson.id)).all()
    db.session.add_all(LessonCompletion(user_id=trainee.id, lesson_id=i) for i in lesson_ids)
    db.session.commit()
    edited = lesson_id("pemberdayaan-kim", "02-mengenal-kim", "01-nama-dan-dasar-hukum-kim")
    stamps = dict(db.session.execute(db.select(Lesson.id, Lesson.updated_at)).all())
    path = courses_copy / "pemberdayaan-kim" / "02-mengenal-kim" / "01-nama-dan-dasar-hukum-kim.md"
    path.write_text(path.read_text(encoding="utf-8") + "\nParagraf tambahan.\n", encoding="utf-8")

    result = run(runner, "import", courses_copy)

    assert "pemberdayaan-kim: diperbarui\n  pelajaran: 1 diubah (1 catatan peserta)\n" in result.output
    assert "konten-media-pemda: tidak berubah" in result.output
    db.session.expire_all()
    assert db.session.get(Lesson, edited).body_md.endswith("\nParagraf tambahan.\n")
    assert db.session.scalars(db.select(Lesson.id).order_by(Lesson.id)).all() == lesson_ids
    changed = {i for i, at in db.session.execute(db.select(Lesson.id, Lesson.updated_at)) if at != stamps[i]}
    assert changed == {edited}
    completed = db.session.scalars(db.select(LessonCompletion.lesson_id).where(LessonCompletion.user_id == trainee.id))
    assert sorted(completed) == sorted(lesson_ids)


def test_rows_removed_from_the_files_are_retired_when_records_point_at_them_else_deleted(
        runner, make_user, courses_copy):
    run(runner, "import", courses_copy)
    module_dir = courses_copy / "pemberdayaan-kim" / "01-mengapa-kim-sekarang"
    dropped = lesson_id("pemberdayaan-kim", module_dir.name, "02-isu-bisa-datang-dari-siapa-saja")
    kept = lesson_id("pemberdayaan-kim", module_dir.name, "03-strategi-baru-memperkuat-kim")
    unread = lesson_id("pemberdayaan-kim", module_dir.name, "01-transformasi-digital-dan-opini-publik")
    trainee = make_user()
    db.session.add_all([LessonCompletion(user_id=trainee.id, lesson_id=dropped),
                        LessonCompletion(user_id=trainee.id, lesson_id=kept)])
    db.session.commit()
    question_ids = dict(db.session.execute(db.select(Question.key, Question.id)).all())
    course_yaml = courses_copy / "pemberdayaan-kim" / "course.yaml"
    listed = course_yaml.read_text(encoding="utf-8")
    for name in ("02-isu-bisa-datang-dari-siapa-saja", "01-transformasi-digital-dan-opini-publik"):
        listed = listed.replace(f"      - {name}.md\n", "")
    course_yaml.write_text(listed, encoding="utf-8")
    quiz = module_dir / "quiz.yaml"
    text = quiz.read_text(encoding="utf-8")
    quiz.write_text(text[:text.index("  - id: peta-saluran-kampung")] + text[text.index("  - id: keluhan-jadi-opini"):], encoding="utf-8")

    result = run(runner, "import", courses_copy)

    assert "  pelajaran: 1 diubah (1 catatan peserta), 1 diarsipkan (1 catatan peserta tetap disimpan), 1 dihapus\n" \
        in result.output, result.output
    # The questions after it moved up a place; nobody answered the removed one, so it is deleted.
    assert re.search(r"\n  soal: \d+ diubah, 1 dihapus\n", result.output) and "pilihan: " not in result.output
    db.session.expire_all()
    retired = db.session.get(Lesson, dropped)
    assert retired is not None and retired.is_retired  # kept with its completion, hidden from the course
    assert db.session.get(Lesson, unread) is None  # nobody completed it: deleted
    assert db.session.get(Lesson, kept).position == 0
    assert [lesson.id for lesson in services.course_with_content("pemberdayaan-kim").modules[0].lessons] == [kept]
    assert sorted(db.session.scalars(db.select(LessonCompletion.lesson_id))) == sorted([dropped, kept])
    remaining = dict(db.session.execute(db.select(Question.key, Question.id)).all())
    assert "peta-saluran-kampung" not in remaining
    assert remaining == {key: i for key, i in question_ids.items() if key != "peta-saluran-kampung"}


def test_a_retired_lesson_back_in_the_files_is_live_again_with_its_completions(runner, make_user, courses_copy):
    run(runner, "import", courses_copy)
    module_dir = courses_copy / "pemberdayaan-kim" / "01-mengapa-kim-sekarang"
    dropped = lesson_id("pemberdayaan-kim", module_dir.name, "02-isu-bisa-datang-dari-siapa-saja")
    db.session.add(LessonCompletion(user_id=make_user().id, lesson_id=dropped))
    db.session.commit()
    course_yaml = courses_copy / "pemberdayaan-kim" / "course.yaml"
    original = course_yaml.read_text(encoding="utf-8")
    course_yaml.write_text(original.replace("      - 02-isu-bisa-datang-dari-siapa-saja.md\n", ""), encoding="utf-8")
    run(runner, "import", courses_copy)
    course_yaml.write_text(original, encoding="utf-8")

    result = run(runner, "import", courses_copy)

    assert "  pelajaran: 1 diubah, 1 dipulihkan (1 catatan peserta kembali terhitung)\n" in result.output, result.output
    db.session.expire_all()
    lesson = db.session.get(Lesson, dropped)
    assert not lesson.is_retired and lesson.position == 1


def test_export_check_import_round_trips_the_courses(runner, tmp_path, count_queries):
    run(runner, "import", COURSES)
    before = snapshot()
    for slug in SLUGS:
        result = run(runner, "export", slug, tmp_path / "out")
        assert f"ditulis ke {tmp_path / 'out' / slug}" in result.output
    body = (COURSES / "pemberdayaan-kim" / "06-profil-kim-anda" / "02-menyusun-profil-kim.md").read_bytes()
    assert (tmp_path / "out" / "pemberdayaan-kim" / "06-profil-kim-anda" / "02-menyusun-profil-kim.md").read_bytes().endswith(
        body.split(b"\n---\n", 1)[1])
    run(runner, "check", tmp_path / "out")
    with count_queries() as statements:
        run(runner, "import", tmp_path / "out")
    assert writes(statements) == []
    assert snapshot() == before


def _edit_in_the_browser(slug: str) -> None:
    """Changes a trainer could make in the browser, including ones the files must spell out."""
    course = services.course_with_content(slug)
    course.summary, course.status = "", Status.DRAFT
    module = course.modules[1]
    module.status = Status.DRAFT
    module.lessons[0].body_md = "Baris dari peramban\r\n\r\n  menjorok, spasi di akhir  \r\n"
    module.lessons[1].status = Status.DRAFT
    module.lessons[2].title = "Judul: dengan titik dua # dan 'kutip'"
    module.quiz.max_attempts = None
    question = module.quiz.questions[0]
    question.points, question.scoring = 2.5, "all_or_nothing"
    question.choices[0].feedback = ""
    truefalse = next(q for q in module.quiz.questions if q.type == "truefalse")
    for choice in truefalse.choices:
        choice.correct = not choice.correct
    course.modules[2].quiz = None
    db.session.commit()


def test_changes_made_in_the_browser_survive_export_and_import(runner, tmp_path, courses_copy):
    run(runner, "import", courses_copy)
    _edit_in_the_browser("pemberdayaan-kim")
    edited = snapshot()
    run(runner, "export", "pemberdayaan-kim", tmp_path / "out")
    run(runner, "check", tmp_path / "out")
    run(runner, "import", courses_copy)  # the repository's files undo the browser's changes ...
    assert snapshot() != edited
    run(runner, "import", tmp_path / "out")  # ... and the exported files bring them back
    assert snapshot() == edited
    lesson = services.course_with_content("pemberdayaan-kim").modules[1].lessons[0]
    assert lesson.body_md == "Baris dari peramban\r\n\r\n  menjorok, spasi di akhir  \r\n"


def test_export_of_an_unknown_course_fails(runner, tmp_path):
    result = runner.invoke(args=["courses", "export", "tidak-ada", str(tmp_path)])
    assert result.exit_code != 0 and "kursus 'tidak-ada' tidak ada di basis data" in result.output
    assert list(tmp_path.iterdir()) == []


def test_export_names_files_it_did_not_write(runner, tmp_path, courses_copy):
    run(runner, "import", courses_copy / "pemberdayaan-kim")
    out = tmp_path / "out"
    stale = out / "pemberdayaan-kim" / "01-mengapa-kim-sekarang" / "99-lama.md"
    stale.parent.mkdir(parents=True)
    stale.write_text("lama", encoding="utf-8")
    result = run(runner, "export", "pemberdayaan-kim", out)
    assert f"tidak lagi dipakai (hapus bila tidak diperlukan): {stale}" in result.stderr
    assert stale.exists()
