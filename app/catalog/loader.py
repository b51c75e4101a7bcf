"""Import checked course folders into the database, and export a course back to files.

Rows are matched by slug (course, module, lesson), question id and choice key and updated in
place, so completions, attempts and answers keep pointing at the same ids. Only attributes
whose value differs are assigned: importing the same files twice issues no write at all.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import inspect

from app.accounts.services import record
from app.catalog import services, versions
from app.catalog.coursefiles import (
    ChoiceData, CourseData, LessonData, ModuleData, QuestionData, QuizData, write_course,
)
from app.catalog.models import Course, Lesson, Module
from app.extensions import db
from app.quizzes.models import Choice, Question, Quiz

Row = TypeVar("Row")
Item = TypeVar("Item")

# What the summary calls each kind of row, in the order it lists them.
KINDS = ("kursus", "modul", "pelajaran", "kuis", "soal", "pilihan")
ACTIONS = ("baru", "diubah", "dihapus")


@dataclass
class ImportResult:
    """What importing one course did: rows created, changed and deleted, by kind."""

    slug: str
    created: bool = False
    changes: Counter = field(default_factory=Counter)

    @property
    def changed(self) -> bool:
        """Whether the import wrote anything for this course."""
        return self.created or bool(self.changes)

    def summary(self) -> str:
        """One line for the terminal, e.g. 'pemberdayaan-kim: diperbarui (pelajaran: 1 diubah)'."""
        if not self.changed:
            return f"{self.slug}: tidak berubah"
        state = "dibuat" if self.created else "diperbarui"
        parts = []
        for kind in KINDS:
            counts = [f"{self.changes[(kind, action)]} {action}" for action in ACTIONS if self.changes[(kind, action)]]
            if counts:
                parts.append(f"{kind}: {', '.join(counts)}")
        return f"{self.slug}: {state} ({'; '.join(parts)})"


class _Sync:
    """Brings rows in line with the files, counting what it had to change."""

    def __init__(self, changes: Counter) -> None:
        self.changes = changes

    def assign(self, kind: str, row: Any, **values: Any) -> None:
        """Set only the attributes whose value differs, so unchanged rows get no UPDATE."""
        different = {name: value for name, value in values.items() if getattr(row, name) != value}
        for name, value in different.items():
            setattr(row, name, value)
        if different and inspect(row).persistent:
            self.changes[(kind, "diubah")] += 1

    def children(self, kind: str, rows: Sequence[Row], items: Sequence[Item], row_key: Callable[[Row], str],
                 item_key: Callable[[Item], str], make: Callable[[], Row],
                 update: Callable[[Row, Item, int], None]) -> list[Row]:
        """Match items to existing rows by key: update matches, make the rest; the new list of rows."""
        by_key = {row_key(row): row for row in rows}
        result = []
        for position, item in enumerate(items):
            row = by_key.pop(item_key(item), None)
            if row is None:
                row = make()
                self.changes[(kind, "baru")] += 1
            update(row, item, position)
            result.append(row)
        if by_key:
            self.changes[(kind, "dihapus")] += len(by_key)
        return result


def _replace(parent: Any, name: str, rows: list) -> None:
    """Replace a collection only when it changed; rows left out are deleted as orphans."""
    if list(getattr(parent, name)) != rows:
        setattr(parent, name, rows)


def import_courses(courses: Sequence[CourseData]) -> list[ImportResult]:
    """Create or update each checked course by slug; flush only, the caller commits once."""
    existing = services.courses_with_content(course.slug for course in courses)
    results = []
    for data in courses:
        course = existing.get(data.slug)
        result = ImportResult(data.slug, created=course is None)
        if course is None:
            course = Course()
            db.session.add(course)  # imported courses have no owner until an admin assigns one
        _update_course(_Sync(result.changes), course, data)
        if result.changed:
            record("course.import", target=data.slug, created=result.created,
                   changes={f"{kind} {action}": n for (kind, action), n in result.changes.items() if n})
        results.append(result)
    db.session.flush()
    versions.bump(existing[result.slug].id for result in results if result.changed and result.slug in existing)
    return results


def _update_course(sync: _Sync, course: Course, data: CourseData) -> None:
    sync.assign("kursus", course, slug=data.slug, title=data.title, summary=data.summary, audience=data.audience,
                hours=data.hours, sequential=data.sequential, sources=list(data.sources), status=data.status)
    modules = sync.children("modul", course.modules, data.modules, lambda row: row.slug, lambda item: item.slug,
                            Module, lambda row, item, position: _update_module(sync, row, item, position))
    _replace(course, "modules", modules)


def _update_module(sync: _Sync, module: Module, data: ModuleData, position: int) -> None:
    sync.assign("modul", module, slug=data.slug, title=data.title, position=position, status=data.status)
    lessons = sync.children("pelajaran", module.lessons, data.lessons, lambda row: row.slug, lambda item: item.slug,
                            Lesson, lambda row, item, index: _update_lesson(sync, row, item, index))
    _replace(module, "lessons", lessons)
    if data.quiz is None:
        if module.quiz is not None:
            module.quiz = None
            sync.changes[("kuis", "dihapus")] += 1
        return
    if module.quiz is None:
        module.quiz = Quiz()
        sync.changes[("kuis", "baru")] += 1
    _update_quiz(sync, module.quiz, data.quiz)


def _update_lesson(sync: _Sync, lesson: Lesson, data: LessonData, position: int) -> None:
    sync.assign("pelajaran", lesson, slug=data.slug, title=data.title, position=position, minutes=data.minutes,
                objectives=list(data.objectives), sources=list(data.sources), body_md=data.body_md,
                status=data.status)


def _update_quiz(sync: _Sync, quiz: Quiz, data: QuizData) -> None:
    sync.assign("kuis", quiz, title=data.title, pass_mark=data.pass_mark, max_attempts=data.max_attempts,
                review=data.review, draw=data.draw, draw_per_tag=dict(data.draw_per_tag))
    questions = sync.children("soal", quiz.questions, data.questions, lambda row: row.key, lambda item: item.key,
                              Question, lambda row, item, position: _update_question(sync, row, item, position))
    _replace(quiz, "questions", questions)


def _update_question(sync: _Sync, question: Question, data: QuestionData, position: int) -> None:
    sync.assign("soal", question, key=data.key, position=position, type=data.type, text=data.text,
                explanation=data.explanation, scoring=data.scoring, points=data.points, accepted=list(data.accepted),
                tags=list(data.tags))
    choices = sync.children("pilihan", question.choices, data.choices, lambda row: row.key, lambda item: item.key,
                            Choice, lambda row, item, index: sync.assign(
                                "pilihan", row, key=item.key, position=index, text=item.text,
                                correct=item.correct, feedback=item.feedback))
    _replace(question, "choices", choices)


# Export ----------------------------------------------------------------------------------------

def course_data(course: Course) -> CourseData:
    """The course as plain data, exactly as the files would describe it."""
    return CourseData(
        slug=course.slug, title=course.title, summary=course.summary or "", audience=course.audience or "",
        hours=course.hours, sequential=course.sequential, sources=list(course.sources or []), status=course.status,
        modules=[_module_data(module) for module in course.modules],
    )


def _module_data(module: Module) -> ModuleData:
    lessons = [
        LessonData(slug=lesson.slug, title=lesson.title, minutes=lesson.minutes, objectives=list(lesson.objectives or []),
                   sources=list(lesson.sources or []), body_md=lesson.body_md or "", status=lesson.status)
        for lesson in module.lessons
    ]
    quiz = _quiz_data(module.quiz) if module.quiz is not None else None
    return ModuleData(slug=module.slug, title=module.title, lessons=lessons, quiz=quiz, status=module.status)


def _quiz_data(quiz: Quiz) -> QuizData:
    questions = [
        QuestionData(key=question.key, type=question.type, text=question.text, explanation=question.explanation or "",
                     scoring=question.scoring, points=float(question.points), accepted=list(question.accepted or []),
                     tags=list(question.tags or []),
                     choices=[ChoiceData(key=choice.key, text=choice.text, correct=choice.correct,
                                         feedback=choice.feedback or "") for choice in question.choices])
        for question in quiz.questions
    ]
    return QuizData(title=quiz.title, pass_mark=quiz.pass_mark, max_attempts=quiz.max_attempts, questions=questions,
                    review=quiz.review, draw=quiz.draw, draw_per_tag=dict(quiz.draw_per_tag or {}))


@dataclass
class ExportResult:
    """The folder written, its files, and older course files there that the export did not write."""

    folder: Path
    files: list[Path]
    stale: list[Path]


def export_course(course: Course, directory: Path | str) -> ExportResult:
    """Write the course to directory/<slug>/ in the course folder format."""
    files = write_course(course_data(course), directory)
    folder = Path(directory) / course.slug
    written = set(files)
    # Left in place rather than deleted: they may hold work that is not in the database.
    stale = sorted(path for path in folder.rglob("*")
                   if path.suffix in (".md", ".yaml", ".yml") and path not in written)
    return ExportResult(folder, files, stale)
