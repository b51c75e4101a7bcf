"""What the course format accepts but a reviewer would not: hours that do not add up, answers a guesser could spot."""
from __future__ import annotations

from typing import Optional

from app.catalog import cues
from app.catalog.coursefiles.content import FolderCourse, FolderQuiz
from app.catalog.coursefiles.yamlcheck import Problem
from app.catalog.models import Status
from app.quizzes import pools

JP_MINUTES = 45  # one jam pelajaran (JP), the unit of `hours` printed on certificates
QUIZ_MINUTES_PER_QUESTION = 2  # a trainee's time for one question asked in an attempt
LONGEST_CORRECT_SHARE = 1 / 3  # above this share of single questions, "pick the longest" pays


def quiz_minutes(quiz: FolderQuiz) -> int:
    """The time one attempt of a quiz takes: QUIZ_MINUTES_PER_QUESTION per question asked (`draw` of a pool)."""
    return QUIZ_MINUTES_PER_QUESTION * pools.asked_count(len(quiz.questions), quiz.draw)


def study_minutes(course: FolderCourse) -> tuple[int, int]:
    """(lesson minutes, quiz minutes) of what a trainee takes: the published lessons and modules."""
    lessons = quizzes = 0
    for module in course.modules:
        if module.status != Status.PUBLISHED:
            continue
        lessons += sum(lesson.minutes for lesson in module.lessons if lesson.status == Status.PUBLISHED)
        quizzes += quiz_minutes(module.quiz) if module.quiz is not None else 0
    return lessons, quizzes


def hours_for(minutes: int) -> int:
    """Minutes in whole JP (45 minutes each), rounded to the nearest, half up; at least 1."""
    return max(1, (2 * minutes + JP_MINUTES) // (2 * JP_MINUTES))


def course_warnings(course: FolderCourse, course_file: str, hours_line: Optional[int] = None) -> list[Problem]:
    """Hours that do not add up to the lessons' minutes plus quiz time; quiz answers a guesser could spot."""
    warnings = []
    lessons, quizzes = study_minutes(course)
    expected = hours_for(lessons + quizzes)
    if course.hours != expected:
        warnings.append(Problem(course_file, (
            f"{course.hours} JP tidak sesuai isi kursus: pelajaran {lessons} menit + kuis {quizzes} menit "
            f"({QUIZ_MINUTES_PER_QUESTION} menit per soal yang ditanyakan) = {lessons + quizzes} menit = {expected} JP "
            f"(1 JP = {JP_MINUTES} menit, dibulatkan ke JP terdekat); tulis hours: {expected}"), hours_line, "hours"))
    for module in course.modules:
        if module.quiz is not None:
            passages = [passage for lesson in module.lessons for passage in cues.passages(lesson.body_md)]
            warnings.extend(quiz_warnings(module.quiz, passages))
    return warnings


def quiz_warnings(quiz: FolderQuiz, lesson_passages: list[str]) -> list[Problem]:
    """A correct option that is the longest too often; true/false statements copied from the lessons."""
    warnings = []
    singles = [question for question in quiz.questions if question.type == "single" and question.choices]
    longest = [question for question in singles
               if cues.correct_is_longest([(choice.text, choice.correct) for choice in question.choices])]
    if len(longest) > LONGEST_CORRECT_SHARE * len(singles):
        keys = ", ".join(question.key for question in longest)
        warnings.append(Problem(quiz.file, (
            f"pilihan benar adalah yang terpanjang pada {len(longest)} dari {len(singles)} soal single ({keys}); "
            "paling banyak sepertiga, agar jawaban tidak dapat ditebak dari panjangnya"), longest[0].line, "questions"))
    for index, question in enumerate(quiz.questions):
        copied = cues.copied_sentence(question.text, lesson_passages) if question.type == "truefalse" else None
        if copied is not None:
            warnings.append(Problem(quiz.file, (
                f"pernyataan benar/salah ini menyalin kalimat pelajaran (“{copied}”); tulis dengan kata-kata lain, "
                "misalnya sebagai situasi, agar jawabannya tidak dapat dikenali dari kemiripan kalimat"),
                question.line, f"soal '{question.key}' (questions[{index}].text)"))
    return warnings
