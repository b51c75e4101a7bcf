"""Factories for course content, shared by the learning, authoring and report tests."""
from __future__ import annotations

import itertools

from app.catalog.models import Course, Lesson, Module, Status
from app.extensions import db
from app.quizzes.models import Choice, Question, Quiz

_slugs = itertools.count(1)


def _choice_question(key: str, qtype: str, position: int, correct: set[int], n: int = 3, scoring: str = "partial") -> Question:
    question = Question(key=key, position=position, type=qtype, text=f"Soal {key}?", explanation=f"Penjelasan {key}.", scoring=scoring)
    question.choices = [
        Choice(key=str(i), position=i, text=f"Pilihan {key}-{i}", correct=i in correct, feedback=f"Umpan balik {key}-{i}.")
        for i in range(n)
    ]
    return question


def make_quiz(pass_mark: int = 70, max_attempts: int | None = 3) -> Quiz:
    """A quiz with one question of each type; the correct answers are documented in ANSWERS."""
    tf = Question(key="tf", position=2, type="truefalse", text="Pernyataan tf benar?", explanation="Penjelasan tf.")
    tf.choices = [Choice(key="true", position=0, text="Benar", correct=True, feedback="Tepat."),
                  Choice(key="false", position=1, text="Salah", correct=False, feedback="Kurang tepat.")]
    short = Question(key="short", position=3, type="short", text="Kepanjangan KIM?", explanation="Penjelasan short.",
                     accepted=["Kelompok Informasi Masyarakat"])
    quiz = Quiz(title="Kuis", pass_mark=pass_mark, max_attempts=max_attempts)
    quiz.questions = [
        _choice_question("single", "single", 0, {1}),
        _choice_question("multi", "multiple", 1, {0, 2}, n=4),
        tf,
        short,
    ]
    return quiz


# The right answer of each question of make_quiz(), by question key (choice keys, or text).
ANSWERS = {"single": ["1"], "multi": ["0", "2"], "tf": ["true"], "short": ["kelompok informasi masyarakat"]}


def make_course(slug: str | None = None, modules: int = 2, lessons: int = 2, status: str = Status.PUBLISHED,
                sequential: bool = True, with_quiz: bool = True, owners=(), max_attempts: int | None = 3) -> Course:
    """Create and commit a course of `modules` modules with `lessons` lessons and a quiz each."""
    slug = slug or f"kursus-{next(_slugs)}"
    course = Course(slug=slug, title=f"Kursus {slug}", summary="Ringkasan.", audience="Staf Diskominfo", hours=4,
                    sources=["Laporan JatimTIMES"], sequential=sequential, status=status)
    for m in range(modules):
        module = Module(slug=f"modul-{m + 1}", title=f"Modul {m + 1}", position=m)
        module.lessons = [
            Lesson(slug=f"pelajaran-{l + 1}", title=f"Pelajaran {m + 1}.{l + 1}", position=l, minutes=5,
                   objectives=["Memahami isi."], sources=["Laporan Diskominfo Kukar"], body_md=f"Isi pelajaran {m + 1}.{l + 1}.")
            for l in range(lessons)
        ]
        if with_quiz:
            module.quiz = make_quiz(max_attempts=max_attempts)
        course.modules.append(module)
    course.owners = list(owners)
    db.session.add(course)
    db.session.commit()
    return course


def lesson_path(course: Course, m: int = 0, l: int = 0) -> str:
    """The URL of lesson l of module m of a course made here."""
    module = course.modules[m]
    return f"/kursus/{course.slug}/{module.slug}/{module.lessons[l].slug}"
