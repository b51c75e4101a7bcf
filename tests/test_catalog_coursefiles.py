"""flask courses check: every broken course folder is refused with a message naming file, line and problem."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from app.catalog.coursefiles.content import FolderLesson
from app.catalog.coursefiles.reading import read_courses, split_front_matter
from app.catalog.coursefiles.writing import dump_yaml, lesson_text
from app.catalog.models import Course, Lesson, Module
from app.extensions import db
from app.quizzes.models import Choice, Question, Quiz

COURSES = Path(__file__).resolve().parents[1] / "courses"

COURSE_YAML = """\
slug: kursus-uji
title: Kursus Uji
summary: Ringkasan kursus uji.
hours: 1
sources:
  - Laporan Diskominfo Kukar
modules:
  - slug: 01-modul
    title: Modul Satu
    lessons:
      - 01-pelajaran.md
    quiz: quiz.yaml
"""

LESSON_MD = """\
---
title: Pelajaran Satu
minutes: 10
objectives:
  - Memahami isi.
sources:
  - Laporan Diskominfo Kukar
---

Isi pelajaran.

## Latihan

Tugas.
"""

QUIZ_YAML = """\
title: Kuis Modul Satu
pass_mark: 70
max_attempts: 3
questions:
  - id: q-single
    type: single
    text: Soal pilihan tunggal?
    explanation: Penjelasan.
    choices:
      - text: Benar
        correct: true
      - text: Salah
        correct: false
  - id: q-multi
    type: multiple
    text: Soal pilihan ganda?
    explanation: Penjelasan.
    choices:
      - text: A
        correct: true
      - text: B
  - id: q-tf
    type: truefalse
    text: Pernyataan?
    answer: true
    explanation: Penjelasan.
  - id: q-short
    type: short
    text: Kepanjangan KIM?
    accepted:
      - Kelompok Informasi Masyarakat
    explanation: Penjelasan.
"""


def write_course(root: Path, slug: str = "kursus-uji") -> Path:
    """A small valid course folder at root/slug; returns the folder."""
    folder = root / slug
    (folder / "01-modul").mkdir(parents=True)
    (folder / "course.yaml").write_text(COURSE_YAML.replace("kursus-uji", slug), encoding="utf-8")
    (folder / "01-modul" / "01-pelajaran.md").write_text(LESSON_MD, encoding="utf-8")
    (folder / "01-modul" / "quiz.yaml").write_text(QUIZ_YAML, encoding="utf-8")
    return folder


def edit(path: Path, old: str, new: str) -> None:
    """Replace text in a file, failing loudly if the text is not there."""
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def content_counts() -> dict[str, int]:
    """Rows of every content table."""
    return {model.__name__: db.session.scalar(db.select(db.func.count()).select_from(model))
            for model in (Course, Module, Lesson, Quiz, Question, Choice)}


def test_the_real_courses_pass_the_check(runner):
    result = runner.invoke(args=["courses", "check", str(COURSES)])
    assert result.exit_code == 0, result.output
    assert "Tidak ada masalah." in result.output
    assert "pemberdayaan-kim: 6 modul, 19 pelajaran" in result.output
    assert content_counts() == dict.fromkeys(content_counts(), 0)  # checking writes nothing


def test_a_small_valid_course_passes(tmp_path):
    reading = read_courses(write_course(tmp_path))
    assert reading.ok, [str(p) for p in reading.problems]
    assert reading.warnings == []
    course = reading.courses[0]
    quiz = course.modules[0].quiz
    assert [q.type for q in quiz.questions] == ["single", "multiple", "truefalse", "short"]
    assert [(c.key, c.text, c.correct) for c in quiz.questions[2].choices] == [("true", "Benar", True), ("false", "Salah", False)]
    assert [c.key for c in quiz.questions[0].choices] == ["0", "1"]
    assert course.modules[0].lessons[0].body_md == "Isi pelajaran.\n\n## Latihan\n\nTugas.\n"


M = "kursus-uji/01-modul"  # where the module files sit, for the expected messages

# (case, file to edit, old text, new text, expected "file:line" start, expected words in the message)
BROKEN = [
    ("malformed course.yaml", "course.yaml", "title: Kursus Uji", "title: [Kursus Uji",
     "kursus-uji/course.yaml:3:", "YAML tidak valid"),
    ("malformed front matter", "01-modul/01-pelajaran.md", "minutes: 10", "minutes: 10\n  bad: [",
     f"{M}/01-pelajaran.md:4:", "YAML tidak valid"),
    ("no front matter", "01-modul/01-pelajaran.md", "---\ntitle", "title",
     f"{M}/01-pelajaran.md:1:", "front matter tidak ditemukan"),
    ("unclosed front matter", "01-modul/01-pelajaran.md", "---\n\nIsi", "\nIsi",
     f"{M}/01-pelajaran.md:1:", "'---' penutup tidak ada"),
    ("no correct choice", "01-modul/quiz.yaml", "      - text: Benar\n        correct: true", "      - text: Benar\n        correct: false",
     f"{M}/quiz.yaml:5: soal 'q-single' (questions[0])", "tidak ada pilihan yang benar"),
    ("single with two correct", "01-modul/quiz.yaml", "      - text: Salah\n        correct: false", "      - text: Salah\n        correct: true",
     f"{M}/quiz.yaml:5: soal 'q-single' (questions[0])", "tepat satu pilihan benar, ada 2"),
    ("duplicate question id", "01-modul/quiz.yaml", "id: q-multi", "id: q-single",
     f"{M}/quiz.yaml:14: soal 'q-single' (questions[1].id)", "dipakai dua kali"),
    ("duplicate module slug", "course.yaml", "    quiz: quiz.yaml\n", "    quiz: quiz.yaml\n  - slug: 01-modul\n    title: Lagi\n    lessons: [01-pelajaran.md]\n",
     "kursus-uji/course.yaml:13: modul '01-modul' (modules[1].slug)", "slug modul '01-modul' dipakai dua kali"),
    ("lesson without sources", "01-modul/01-pelajaran.md", "sources:\n  - Laporan Diskominfo Kukar\n", "",
     f"{M}/01-pelajaran.md:2:", "kunci wajib 'sources' tidak ada"),
    ("lesson with empty sources", "01-modul/01-pelajaran.md", "sources:\n  - Laporan Diskominfo Kukar\n", "sources: []\n",
     f"{M}/01-pelajaran.md:6: sources", "minimal satu"),
    ("unknown question type", "01-modul/quiz.yaml", "type: short", "type: essay",
     f"{M}/quiz.yaml:28: soal 'q-short' (questions[3].type)", "jenis soal 'essay' tidak dikenal"),
    ("missing lesson file", "course.yaml", "- 01-pelajaran.md", "- 02-tidak-ada.md",
     "kursus-uji/course.yaml:11: modul '01-modul' (modules[0].lessons[0])", "berkas tidak ditemukan"),
    ("missing quiz file", "course.yaml", "quiz: quiz.yaml", "quiz: kuis.yaml",
     "kursus-uji/course.yaml:12: modul '01-modul' (modules[0].quiz)", "kuis.yaml"),
    ("missing module folder", "course.yaml", "- slug: 01-modul", "- slug: 02-modul",
     "kursus-uji/course.yaml:8: modul '02-modul' (modules[0].slug)", "folder modul tidak ditemukan"),
    ("missing required key", "01-modul/01-pelajaran.md", "title: Pelajaran Satu\n", "",
     f"{M}/01-pelajaran.md:2:", "kunci wajib 'title' tidak ada"),
    ("minutes not a number", "01-modul/01-pelajaran.md", "minutes: 10", "minutes: sepuluh",
     f"{M}/01-pelajaran.md:3: minutes", "bilangan bulat lebih dari 0"),
    ("minutes zero", "01-modul/01-pelajaran.md", "minutes: 10", "minutes: 0",
     f"{M}/01-pelajaran.md:3: minutes", "bilangan bulat lebih dari 0"),
    ("hours negative", "course.yaml", "hours: 1", "hours: -1",
     "kursus-uji/course.yaml:4: hours", "bilangan bulat lebih dari 0"),
    ("pass mark out of range", "01-modul/quiz.yaml", "pass_mark: 70", "pass_mark: 170",
     f"{M}/quiz.yaml:2: pass_mark", "antara 1 dan 100"),
    ("truefalse without answer", "01-modul/quiz.yaml", "    answer: true\n", "",
     f"{M}/quiz.yaml:22: soal 'q-tf' (questions[2])", "kunci wajib 'answer' tidak ada"),
    ("short without accepted", "01-modul/quiz.yaml", "    accepted:\n      - Kelompok Informasi Masyarakat\n", "",
     f"{M}/quiz.yaml:27: soal 'q-short' (questions[3])", "kunci wajib 'accepted' tidak ada"),
    ("misspelt key", "01-modul/quiz.yaml", "        correct: true\n      - text: B", "        corect: true\n      - text: B",
     f"{M}/quiz.yaml:20: soal 'q-multi' (questions[1].choices[0].corect)", "kunci 'corect' tidak dikenal"),
    ("key written twice", "01-modul/01-pelajaran.md", "minutes: 10", "minutes: 10\nminutes: 12",
     f"{M}/01-pelajaran.md:4:", "kunci 'minutes' ditulis dua kali"),
    ("empty lesson body", "01-modul/01-pelajaran.md", "Isi pelajaran.\n\n## Latihan\n\nTugas.\n", "",
     f"{M}/01-pelajaran.md:", "isi pelajaran kosong"),
    ("bad slug", "course.yaml", "slug: kursus-uji", "slug: Kursus Uji",
     "kursus-uji/course.yaml:1: slug", "bukan slug yang sah"),
]


@pytest.mark.parametrize("case, name, old, new, place, words", BROKEN, ids=[case[0] for case in BROKEN])
def test_each_broken_folder_is_refused_with_file_line_and_problem(tmp_path, case, name, old, new, place, words):
    folder = write_course(tmp_path)
    edit(folder / name, old, new)
    reading = read_courses(tmp_path)
    messages = [str(problem) for problem in reading.problems]
    assert not reading.courses
    assert any(message.startswith(str(tmp_path / place)) and words in message for message in messages), messages


def test_a_course_slug_used_twice_is_refused(tmp_path):
    write_course(tmp_path, "kursus-a")
    other = write_course(tmp_path, "kursus-b")
    edit(other / "course.yaml", "slug: kursus-b", "slug: kursus-a")
    messages = [str(problem) for problem in read_courses(tmp_path).problems]
    assert messages == [f"{other / 'course.yaml'}: slug: slug kursus 'kursus-a' juga dipakai di {tmp_path / 'kursus-a' / 'course.yaml'}"]


def test_a_course_folder_without_course_yaml_is_refused(tmp_path):
    write_course(tmp_path)
    (tmp_path / "kursus-lupa").mkdir()
    messages = [str(problem) for problem in read_courses(tmp_path).problems]
    assert messages == [f"{tmp_path / 'kursus-lupa' / 'course.yaml'}: berkas tidak ditemukan: setiap folder kursus perlu course.yaml"]


def test_every_problem_is_reported_at_once(tmp_path):
    folder = write_course(tmp_path)
    edit(folder / "01-modul" / "01-pelajaran.md", "minutes: 10", "minutes: 0")
    edit(folder / "01-modul" / "quiz.yaml", "type: short", "type: essay")
    assert len(read_courses(tmp_path).problems) == 2


@pytest.mark.parametrize("case, name, old, new, place, words", BROKEN[:6] + BROKEN[8:12], ids=[c[0] for c in BROKEN[:6] + BROKEN[8:12]])
def test_check_and_import_of_a_broken_folder_exit_non_zero_and_write_nothing(runner, tmp_path, case, name, old, new, place, words):
    write_course(tmp_path, "kursus-baik")
    edit(write_course(tmp_path) / name, old, new)
    check = runner.invoke(args=["courses", "check", str(tmp_path)])
    assert check.exit_code == 1 and words in check.stderr
    imported = runner.invoke(args=["courses", "import", str(tmp_path)])
    assert imported.exit_code == 1 and "tidak ada kursus yang diimpor" in imported.stderr
    assert words in imported.stderr and str(tmp_path / place) in imported.stderr
    assert content_counts() == dict.fromkeys(content_counts(), 0)  # not even the good course


def test_a_failed_import_leaves_an_imported_course_as_it_was(runner, tmp_path):
    folder = write_course(tmp_path)
    assert runner.invoke(args=["courses", "import", str(tmp_path)]).exit_code == 0
    before = content_counts()
    edit(folder / "01-modul" / "01-pelajaran.md", "Isi pelajaran.", "Isi yang diubah.")
    edit(folder / "01-modul" / "quiz.yaml", "answer: true\n", "")
    assert runner.invoke(args=["courses", "import", str(tmp_path)]).exit_code == 1
    assert content_counts() == before
    assert db.session.scalar(db.select(Lesson.body_md)).startswith("Isi pelajaran.")


def test_a_single_course_folder_can_be_checked(runner, tmp_path):
    result = runner.invoke(args=["courses", "check", str(write_course(tmp_path))])
    assert result.exit_code == 0 and "kursus-uji: 1 modul, 1 pelajaran, 4 soal" in result.output


def test_front_matter_keeps_the_body_byte_for_byte():
    body = "Baris satu  \r\n\r\n---\n\n  kode\n\n"
    assert split_front_matter("---\r\ntitle: A\r\n---\r\n\r\n" + body) == ("title: A\r\n", body)
    assert split_front_matter("---\ntitle: A\n---\nTanpa baris kosong") == ("title: A\n", "Tanpa baris kosong")
    assert split_front_matter("title: A\n---\n") is None


_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=200)


@given(st.lists(_text, max_size=3), _text)
def test_written_yaml_and_lessons_read_back_identically(texts, body):
    document = {"title": "".join(texts) or "x", "items": texts, "nested": [{"text": t, "n": 1} for t in texts]}
    assert yaml.safe_load(dump_yaml(document)) == document
    lesson = FolderLesson(slug="a", title=document["title"], minutes=5, objectives=texts, sources=texts, body_md=body)
    meta, read_body = split_front_matter(lesson_text(lesson))
    assert read_body == body and yaml.safe_load(meta)["objectives"] == texts


def test_hours_that_do_not_add_up_are_a_warning_naming_the_right_figure(runner, tmp_path):
    folder = write_course(tmp_path)
    edit(folder / "course.yaml", "hours: 1", "hours: 3")
    result = runner.invoke(args=["courses", "check", str(folder)])
    assert result.exit_code == 0, result.output  # a warning, not a problem: the course can still be imported
    assert ("peringatan: " + str(folder / "course.yaml") + ":4: hours: 3 JP tidak sesuai isi kursus: pelajaran 10 menit "
            "+ kuis 8 menit (2 menit per soal yang ditanyakan) = 18 menit = 1 JP") in result.stderr
    assert "tulis hours: 1" in result.stderr and "Tidak ada masalah; 1 peringatan." in result.stdout


@pytest.mark.parametrize("minutes, hours", [(10, 1), (59, 1), (60, 2), (127, 3), (128, 3), (150, 4)])
def test_hours_are_lesson_minutes_plus_two_minutes_per_quiz_question_in_whole_jp(tmp_path, minutes, hours):
    # With 4 quiz questions (8 minutes): 68 minutes is 1.51 JP -> 2; 135 minutes is exactly 3 JP; 158 -> 3.5 -> 4.
    folder = write_course(tmp_path)
    edit(folder / "01-modul" / "01-pelajaran.md", "minutes: 10", f"minutes: {minutes}")
    edit(folder / "course.yaml", "hours: 1", f"hours: {hours}")
    assert read_courses(folder).warnings == []


def test_draft_lessons_and_modules_do_not_count_towards_hours(tmp_path):
    folder = write_course(tmp_path)
    edit(folder / "01-modul" / "01-pelajaran.md", "minutes: 10", "minutes: 200")
    edit(folder / "course.yaml", "hours: 1", "hours: 5")
    assert read_courses(folder).warnings == []  # 200 + 8 minutes = 4.6 JP
    edit(folder / "01-modul" / "01-pelajaran.md", "sources:", "status: draft\nsources:")
    assert [w.where for w in read_courses(folder).warnings] == ["hours"]  # the draft lesson no longer counts
    edit(folder / "course.yaml", "hours: 5", "hours: 1")
    assert read_courses(folder).warnings == []  # only the quiz's 8 minutes: at least 1 JP


def test_a_correct_option_that_is_too_often_the_longest_is_a_warning(runner, tmp_path):
    folder = write_course(tmp_path)
    quiz = folder / "01-modul" / "quiz.yaml"
    edit(quiz, "      - text: Benar\n        correct: true", "      - text: Jawaban yang benar dan terpanjang\n        correct: true")
    result = runner.invoke(args=["courses", "check", str(folder)])
    assert result.exit_code == 0, result.output
    assert (f"peringatan: {quiz}:5: questions: pilihan benar adalah yang terpanjang pada 1 dari 1 soal single "
            "(q-single); paling banyak sepertiga") in result.stderr
    edit(quiz, "      - text: Salah\n", "      - text: Jawaban yang salah dan sama panjang\n")
    assert read_courses(folder).warnings == []  # the longest option is no longer the correct one


def test_a_true_false_statement_copied_from_a_lesson_is_a_warning_and_a_situation_is_not(tmp_path):
    folder = write_course(tmp_path)
    lesson, quiz = folder / "01-modul" / "01-pelajaran.md", folder / "01-modul" / "quiz.yaml"
    edit(lesson, "Isi pelajaran.\n", "Isi pelajaran. KIM berada di tengah warga,\nsehingga KIM dapat mendengar sebuah "
                                     "percakapan lebih awal daripada kantor dinas.\n")
    edit(quiz, "    text: Pernyataan?", "    text: KIM dapat mendengar percakapan lebih awal daripada kantor dinas.")
    warnings = read_courses(folder).warnings
    assert [(w.line, w.where) for w in warnings] == [(22, "soal 'q-tf' (questions[2].text)")]
    assert "menyalin kalimat pelajaran (“KIM berada di tengah warga, sehingga KIM dapat mendengar" in warnings[0].message
    edit(quiz, "    text: KIM dapat mendengar percakapan lebih awal daripada kantor dinas.",
         "    text: Pengurus KIM sering tahu isi obrolan grup warga sebelum pegawai dinas mengetahuinya.")
    assert read_courses(folder).warnings == []
