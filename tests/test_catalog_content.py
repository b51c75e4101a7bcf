"""The courses in courses/: quotations stand verbatim in the source reports, and every lesson and quiz is complete."""
from __future__ import annotations

import functools
import re
from dataclasses import asdict
from pathlib import Path
from typing import Any, Iterator

import pytest

from app.catalog.coursefiles.content import FolderCourse, FolderLesson, FolderModule, FolderQuestion, FolderQuiz, iter_lessons
from app.catalog.coursefiles.reading import Reading, read_courses

COURSES = Path(__file__).resolve().parents[1] / "courses"
SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"
QUOTATION = re.compile(r'"([^"]+)"|“([^”]+)”|„([^“”]+)[“”]')
LATIHAN = re.compile(r"^## Latihan\s*$", re.MULTILINE)
QUESTION_TYPES = {"single", "multiple", "truefalse", "short"}


@functools.cache
def _reading() -> Reading:
    """courses/ read once for the whole module: no test changes it."""
    return read_courses(COURSES)


def _courses() -> list[FolderCourse]:
    reading = _reading()
    assert reading.ok, "\n".join(map(str, reading.problems))
    return reading.courses


def _normalise(text: str) -> str:
    return " ".join(text.split())


def _strings(value: Any) -> Iterator[str]:
    """Every string inside nested dicts and lists."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _quotations(courses: list[FolderCourse]) -> Iterator[tuple[str, str]]:
    """(where, quotation) for every quoted passage in the lessons and quizzes."""
    for course in courses:
        for module, lesson in iter_lessons(course):
            where = f"{course.slug}/{module.slug}/{lesson.slug}.md"
            # A quotation in a Markdown block quote may run over several "> " lines.
            body = re.sub(r"^>[ \t]?", "", lesson.body_md, flags=re.MULTILINE)
            for text in _strings([body, lesson.title, lesson.objectives, lesson.sources]):
                for match in QUOTATION.finditer(text):
                    yield where, next(group for group in match.groups() if group)
        for module in course.modules:
            if module.quiz is not None:
                for text in _strings(asdict(module.quiz)):
                    for match in QUOTATION.finditer(text):
                        yield f"{course.slug}/{module.slug}/quiz.yaml", next(group for group in match.groups() if group)


@pytest.fixture(scope="module")
def seed_text() -> str:
    """The source reports, whitespace normalised."""
    if not SEEDS.is_dir():
        pytest.skip(f"Folder laporan sumber tidak ada ({SEEDS}): kutipan tidak dapat dicocokkan.")
    return _normalise(" ".join(path.read_text(encoding="utf-8") for path in sorted(SEEDS.glob("*.txt"))))


def _missing(courses: list[FolderCourse], seed_text: str) -> list[str]:
    """The quotations that do not stand verbatim in the seeds."""
    return [f"{where}: {quote!r}" for where, quote in _quotations(courses) if _normalise(quote) not in seed_text]


def test_every_quotation_stands_verbatim_in_a_source_report(seed_text):
    courses = _courses()
    assert len(list(_quotations(courses))) >= 10, "too few quotations found: the extraction itself is broken"
    missing = _missing(courses, seed_text)
    assert not missing, "Kutipan yang tidak tertulis kata demi kata di laporan sumber:\n" + "\n".join(missing)


def test_the_quotation_check_catches_invented_and_altered_quotes(seed_text):
    body = ("> “Dulu opini publik berangkat dari agenda setting\n> dari media massa.”\n\n"
            "Kata Faisal: \"KIM adalah garda terdepan informasi\".\n")
    question = FolderQuestion(key="q", type="short", text="Siapa bilang „opini publik selalu dari media“?",
                            explanation="Lihat \"Era tulisan, mesin cetak, sudah lewat\".", accepted=["Faisal"])
    lesson = FolderLesson(slug="a", title="A", minutes=5, objectives=["x"], sources=["y"], body_md=body)
    course = FolderCourse(slug="k", title="K", modules=[FolderModule(slug="m", title="M", lessons=[lesson],
                                                                 quiz=FolderQuiz(title="Q", questions=[question]))])
    assert _missing([course], seed_text) == [
        "k/m/a.md: 'KIM adalah garda terdepan informasi'",
        "k/m/quiz.yaml: 'opini publik selalu dari media'",
    ]


def test_every_lesson_has_objectives_sources_and_an_exercise():
    for course in _courses():
        for module, lesson in iter_lessons(course):
            where = f"{course.slug}/{module.slug}/{lesson.slug}.md"
            assert lesson.objectives and all(o.strip() for o in lesson.objectives), f"{where}: tanpa tujuan"
            assert lesson.sources and all(s.strip() for s in lesson.sources), f"{where}: tanpa sumber"
            assert LATIHAN.search(lesson.body_md), f"{where}: tanpa bagian '## Latihan'"


# What a lesson body must mention to show it uses a source it lists: the report's publisher or
# people quoted in it, or the regulation's number.
SOURCE_MARKERS = {
    "Laporan Diskominfo Kukar": ("Kukar", "Faisal", "Hermawan", "Jumadi"),
    "Laporan JatimTIMES": ("JatimTIMES", "Irene", "Heriyanto", "Lenny"),
    "Permenkominfo No. 08/PER/M.KOMINFO/6/2010": ("08/PER/M.KOMINFO/6/2010",),
    "Permenkominfo No. 17 Tahun 2009": ("No. 17 Tahun 2009",),
    "UU No. 14 Tahun 2008": ("No. 14 Tahun 2008",),
}


def test_every_source_a_lesson_lists_is_used_in_it():
    unused = []
    for course in _courses():
        for module, lesson in iter_lessons(course):
            body = _normalise(lesson.body_md)
            for source in lesson.sources:
                markers = next((m for prefix, m in SOURCE_MARKERS.items() if source.startswith(prefix)), None)
                assert markers is not None, f"{course.slug}/{module.slug}/{lesson.slug}.md: sumber tak dikenal {source!r}"
                if not any(marker in body for marker in markers):
                    unused.append(f"{course.slug}/{module.slug}/{lesson.slug}.md: {source}")
    assert not unused, "Sumber tercantum tetapi tidak dipakai di isi pelajaran:\n" + "\n".join(unused)


def test_the_courses_raise_no_warnings():
    reading = _reading()
    assert reading.ok and not reading.warnings, "\n".join(map(str, reading.problems + reading.warnings))


def test_every_course_has_at_least_five_modules_of_three_lessons():
    courses = _courses()
    assert {course.slug for course in courses} == {"pemberdayaan-kim", "konten-media-pemda"}
    for course in courses:
        assert len(course.modules) >= 5, course.slug
        for module in course.modules:
            assert len(module.lessons) >= 3, f"{course.slug}/{module.slug}"


def test_every_quiz_is_a_pool_of_twelve_questions_of_all_four_types_asking_every_lesson():
    for course in _courses():
        for module in course.modules:
            where, quiz = f"{course.slug}/{module.slug}", module.quiz
            assert quiz is not None, f"{where}: tanpa kuis"
            assert len(quiz.questions) >= 12 and quiz.draw == 7, where
            assert {question.type for question in quiz.questions} == QUESTION_TYPES, where
            lesson_tags = {f"pelajaran-{number}" for number in range(1, len(module.lessons) + 1)}
            assert set(quiz.draw_per_tag) == lesson_tags, f"{where}: setiap percobaan menanyakan setiap pelajaran"
            for question in quiz.questions:
                assert len(lesson_tags & set(question.tags)) == 1, f"{where}/{question.key}: satu tag pelajaran"


def test_every_lesson_objective_is_asked_by_its_module_quiz():
    # A question tagged tujuan-2-3 asks the third objective of the module's second lesson.
    missing = []
    for course in _courses():
        for module in course.modules:
            tags = {tag for question in module.quiz.questions for tag in question.tags}
            for number, lesson in enumerate(module.lessons, 1):
                for objective, text in enumerate(lesson.objectives, 1):
                    if f"tujuan-{number}-{objective}" not in tags:
                        missing.append(f"{course.slug}/{module.slug}/{lesson.slug}.md: {text}")
    assert not missing, "Tujuan pelajaran yang tidak ditanyakan kuis modulnya:\n" + "\n".join(missing)


def test_every_short_answer_explanation_names_the_accepted_forms():
    for course in _courses():
        for module in course.modules:
            for question in module.quiz.questions:
                if question.type == "short":
                    explanation = _normalise(question.explanation).casefold()
                    assert "jawaban yang diterima" in explanation, f"{module.slug}/{question.key}"
                    assert _normalise(question.accepted[0]).casefold() in explanation, f"{module.slug}/{question.key}"
