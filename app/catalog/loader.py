"""Import checked course folders into the database, and export a course back to files.

Rows are matched by slug (course, module, lesson), question id and choice key and updated in
place, so completions, attempts and answers keep pointing at the same ids. Only attributes
whose value differs are assigned: importing the same files twice issues no write at all. A row
that is no longer in the files is retired when trainee records point at it and deleted only when
none do (app/catalog/retiring.py); a retired row that comes back in the files is live again.
The summary says, per course and kind of row, what was added, changed, brought back, retired and
deleted, and how many trainee records each touches; a dry run rolls all of it back.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import inspect

from app.accounts.services import record
from app.catalog import qexport, retiring, services, versions
from app.catalog.coursefiles.content import (
    FolderChoice, FolderCourse, FolderFile, FolderLesson, FolderModule, FolderQuestion, FolderQuiz,
)
from app.catalog.coursefiles.writing import write_course
from app.catalog.files import CheckedFile
from app.catalog.models import Course, CourseFile, Lesson, Module
from app.extensions import db
from app.quizzes.models import Choice, Question, Quiz

Row = TypeVar("Row")
Item = TypeVar("Item")

# What the summary calls each kind of row, in the order it lists them.
KINDS = ("kursus", "modul", "pelajaran", "kuis", "soal", "pilihan", "berkas")
NEW, CHANGED, BACK, RETIRED, DELETED = "baru", "diubah", "dipulihkan", "diarsipkan", "dihapus"
ACTIONS = (NEW, CHANGED, BACK, RETIRED, DELETED)
# How the summary speaks of the trainee records a change touches, per action.
RECORD_WORDS = {CHANGED: "{n} catatan peserta", BACK: "{n} catatan peserta kembali terhitung",
                RETIRED: "{n} catatan peserta tetap disimpan"}
SCORING_PARTS = {"type": "jenis soal", "scoring": "cara penilaian", "points": "bobot", "key": "kunci jawaban"}


@dataclass
class ImportResult:
    """What importing one course did: rows by kind and action, records they touch, and notes."""

    slug: str
    created: bool = False
    changes: Counter = field(default_factory=Counter)
    records: Counter = field(default_factory=Counter)
    notes: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        """Whether the import wrote anything for this course."""
        return self.created or bool(self.changes)

    def summary(self) -> str:
        """Lines for the terminal: 'pemberdayaan-kim: diperbarui', then one line per kind and the notes."""
        if not self.changed:
            return f"{self.slug}: tidak berubah"
        lines = [f"{self.slug}: {'dibuat' if self.created else 'diperbarui'}"]
        for kind in KINDS:
            counts = [self._count(kind, action) for action in ACTIONS if self.changes[(kind, action)]]
            if counts:
                lines.append(f"  {kind}: {', '.join(counts)}")
        lines += [f"  ! {note}" for note in self.notes]
        return "\n".join(lines)

    def _count(self, kind: str, action: str) -> str:
        text = f"{self.changes[(kind, action)]} {action}"
        touched = self.records[(kind, action)]
        return f"{text} ({RECORD_WORDS[action].format(n=touched)})" if touched and action in RECORD_WORDS else text


class _Sync:
    """Brings rows in line with the files, noting what it changed and which rows it touched."""

    def __init__(self, result: ImportResult) -> None:
        self.result = result
        self.rows: dict[tuple[str, str], list] = defaultdict(list)
        self.revived: set[int] = set()
        self.rescored: list[tuple[Question, list[str]]] = []
        self.parents: list[tuple[Any, str]] = []

    def note(self, kind: str, action: str, row: Any) -> None:
        """Count one row under kind and action, and keep it to count its trainee records later."""
        self.result.changes[(kind, action)] += 1
        self.rows[(kind, action)].append(row)

    def assign(self, kind: str, row: Any, /, **values: Any) -> None:  # positional-only: course files have a `kind` column
        """Set only the attributes whose value differs, so unchanged rows get no UPDATE."""
        different = {name: value for name, value in values.items() if getattr(row, name) != value}
        for name, value in different.items():
            setattr(row, name, value)
        if different and inspect(row).persistent and id(row) not in self.revived:
            self.note(kind, CHANGED, row)

    def children(self, kind: str, parent: Any, name: str, rows: Sequence[Row], items: Sequence[Item],
                 row_key: Callable[[Row], str], item_key: Callable[[Item], str], make: Callable[[], Row],
                 update: Callable[[Row, Item, int], None]) -> None:
        """Match items to rows (retired ones too) by key: update, bring back or make; retire or delete the rest."""
        by_key = {row_key(row): row for row in rows}
        live = []
        for position, item in enumerate(items):
            row = by_key.pop(item_key(item), None)
            if row is None:
                row = make()
                self.note(kind, NEW, row)
            elif retiring.bring_back(row):
                self.revived.add(id(row))
                self.note(kind, BACK, row)
            update(row, item, position)
            live.append(row)
        gone = retiring.take_away([row for row in by_key.values() if row.retired_at is None])
        for row, outcome in gone.items():
            self.note(kind, RETIRED if outcome == retiring.RETIRED else DELETED, row)
        # Retired rows stay in the collection until settled: leaving it would delete them as orphans.
        kept = live + [row for row, outcome in gone.items() if outcome == retiring.RETIRED]
        if list(getattr(parent, name)) != kept:
            setattr(parent, name, kept)
        self.parents.append((parent, name))

    def count_records(self) -> None:
        """Count the trainee records each changed, revived or retired row touches (one query per kind)."""
        for (kind, action), rows in self.rows.items():
            if action in RECORD_WORDS:
                self.result.records[(kind, action)] = sum(retiring.records_within(rows).values())
        answered = retiring.records(retiring.QUESTION, (question.id for question, _parts in self.rescored))
        for question, parts in self.rescored:
            if answered.get(question.id):
                self.result.notes.append(
                    f"soal '{question.key}' ({question.quiz.module.slug}): {', '.join(parts)} berubah; "
                    f"{answered[question.id]} jawaban yang sudah dinilai tetap dengan nilainya (tidak dinilai ulang)")


def import_courses(courses: Sequence[FolderCourse]) -> list[ImportResult]:
    """Create or update each checked course by slug; flush only, the caller commits once (or rolls back)."""
    existing = services.courses_with_content(course.slug for course in courses)
    results, parents = [], []
    for data in courses:
        course = existing.get(data.slug)
        result = ImportResult(data.slug, created=course is None)
        if course is None:
            course = Course()
            db.session.add(course)  # imported courses have no owner until an admin assigns one
        sync = _Sync(result)
        with db.session.no_autoflush:  # counting records must not flush a half-updated tree
            _update_course(sync, course, data)
        db.session.flush()
        sync.count_records()
        parents += sync.parents
        if result.changed:
            record("course.import", target=data.slug, created=result.created,
                   changes={f"{kind} {action}": n for (kind, action), n in result.changes.items() if n})
        results.append(result)
    retiring.settle(parents)
    versions.bump(existing[result.slug].id for result in results if result.changed and result.slug in existing)
    return results


def _update_course(sync: _Sync, course: Course, data: FolderCourse) -> None:
    sync.assign("kursus", course, slug=data.slug, title=data.title, summary=data.summary, audience=data.audience,
                hours=data.hours, sequential=data.sequential, sources=list(data.sources), status=data.status)
    sync.children("modul", course, "modules", course.all_modules if course.id else [], data.modules,
                  lambda row: row.slug, lambda item: item.slug, Module,
                  lambda row, item, position: _update_module(sync, row, item, position))
    _update_files(sync, course, data.files)


def _update_files(sync: _Sync, course: Course, items: Sequence[FolderFile]) -> None:
    """Match stored files to listed ones by name: update or make them; delete the rest (no trainee record points at a file)."""
    by_name = {row.name: row for row in course.files} if course.id else {}
    kept = []
    for item in items:
        row = by_name.pop(item.name, None)
        if row is None:
            row = CourseFile()
            sync.note("berkas", NEW, row)
        _update_file(sync, row, item)
        kept.append(row)
    for row in by_name.values():
        sync.note("berkas", DELETED, row)
    if list(course.files) != kept:
        course.files = kept


def _update_file(sync: _Sync, row: CourseFile, item: FolderFile) -> None:
    """Match a stored file to a listed one by name; its bytes are compared by hash, never loaded."""
    checked = item.checked
    same_bytes = inspect(row).persistent and row.sha256 == checked.sha256
    sync.assign("berkas", row, name=item.name, alt=item.alt, kind=checked.kind, media_type=checked.media_type,
                sha256=checked.sha256, size=len(checked.data), width=checked.width, height=checked.height)
    if not same_bytes:
        row.content = checked.data


def _update_module(sync: _Sync, module: Module, data: FolderModule, position: int) -> None:
    sync.assign("modul", module, slug=data.slug, title=data.title, position=position, status=data.status)
    sync.children("pelajaran", module, "lessons", module.all_lessons if module.id else [], data.lessons,
                  lambda row: row.slug, lambda item: item.slug, Lesson,
                  lambda row, item, index: _update_lesson(sync, row, item, index))
    quiz = module.any_quiz if module.id else None
    if data.quiz is None:
        if quiz is not None and quiz.retired_at is None:
            outcome = retiring.take_away([quiz])[quiz]
            sync.note("kuis", RETIRED if outcome == retiring.RETIRED else DELETED, quiz)
            if outcome == retiring.DELETED:
                module.quiz = None
            sync.parents.append((module, "quiz"))
        return
    if quiz is None:
        quiz = Quiz()
        sync.note("kuis", NEW, quiz)
    elif retiring.bring_back(quiz):
        sync.revived.add(id(quiz))
        sync.note("kuis", BACK, quiz)
    if module.quiz is not quiz:
        module.quiz = quiz
    _update_quiz(sync, quiz, data.quiz)


def _update_lesson(sync: _Sync, lesson: Lesson, data: FolderLesson, position: int) -> None:
    sync.assign("pelajaran", lesson, slug=data.slug, title=data.title, position=position, minutes=data.minutes,
                objectives=list(data.objectives), sources=list(data.sources), body_md=data.body_md,
                status=data.status)


def _update_quiz(sync: _Sync, quiz: Quiz, data: FolderQuiz) -> None:
    sync.assign("kuis", quiz, title=data.title, pass_mark=data.pass_mark, max_attempts=data.max_attempts,
                review=data.review, draw=data.draw, draw_per_tag=dict(data.draw_per_tag))
    sync.children("soal", quiz, "questions", quiz.all_questions if quiz.id else [], data.questions,
                  lambda row: row.key, lambda item: item.key, Question,
                  lambda row, item, position: _update_question(sync, row, item, position))


def scoring_of(question: Question, choices: Sequence[Choice]) -> dict[str, Any]:
    """What decides how a question is graded: its type, scoring, points and right answers."""
    right = sorted(choice.key for choice in choices if choice.correct) + sorted(question.accepted or ())
    # Per-answer weights grade too: a changed weight changes the key as much as a changed right answer.
    weights = sorted((choice.key, choice.weight) for choice in choices if choice.weight is not None)
    accepted = list(zip(question.accepted or (), question.accepted_weights or ()))
    return {"type": question.type, "scoring": question.scoring, "points": question.points,
            "key": right + weights + accepted}


def _update_question(sync: _Sync, question: Question, data: FolderQuestion, position: int) -> None:
    before = scoring_of(question, question.choices) if question.id else None
    sync.assign("soal", question, key=data.key, position=position, type=data.type, text=data.text,
                explanation=data.explanation, scoring=data.scoring, points=data.points, accepted=list(data.accepted),
                tags=list(data.tags), accepted_weights=list(data.accepted_weights),
                accepted_feedback=list(data.accepted_feedback))
    sync.children("pilihan", question, "choices", question.all_choices if question.id else [], data.choices,
                  lambda row: row.key, lambda item: item.key, Choice,
                  lambda row, item, index: sync.assign(
                      "pilihan", row, key=item.key, position=index, text=item.text,
                      correct=item.correct, feedback=item.feedback, weight=item.weight))
    if before is not None:
        after = scoring_of(question, [choice for choice in question.choices if choice.retired_at is None])
        parts = [SCORING_PARTS[name] for name in SCORING_PARTS if before[name] != after[name]]
        if parts:
            sync.rescored.append((question, parts))


# Export ----------------------------------------------------------------------------------------

def folder_course(course: Course) -> FolderCourse:
    """The course as plain data, exactly as the files would describe it."""
    return FolderCourse(
        slug=course.slug, title=course.title, summary=course.summary or "", audience=course.audience or "",
        hours=course.hours, sequential=course.sequential, sources=list(course.sources or []), status=course.status,
        modules=[_folder_module(module) for module in course.modules],
        files=[FolderFile(row.name, row.alt, CheckedFile(row.name, row.content, row.kind, row.media_type, row.width,
                                                       row.height)) for row in course.files],
    )


def _folder_module(module: Module) -> FolderModule:
    lessons = [
        FolderLesson(slug=lesson.slug, title=lesson.title, minutes=lesson.minutes, objectives=list(lesson.objectives or []),
                   sources=list(lesson.sources or []), body_md=lesson.body_md or "", status=lesson.status)
        for lesson in module.lessons
    ]
    quiz = folder_quiz(module.quiz) if module.quiz is not None else None
    return FolderModule(slug=module.slug, title=module.title, lessons=lessons, quiz=quiz, status=module.status)


def folder_quiz(quiz: Quiz) -> FolderQuiz:
    """A stored quiz as the course files hold it."""
    questions = [
        FolderQuestion(key=question.key, type=question.type, text=question.text, explanation=question.explanation or "",
                     scoring=question.scoring, points=float(question.points), accepted=list(question.accepted or []),
                     tags=list(question.tags or []), accepted_weights=list(question.accepted_weights or []),
                     accepted_feedback=list(question.accepted_feedback or []),
                     choices=[FolderChoice(key=choice.key, text=choice.text, correct=choice.correct,
                                         feedback=choice.feedback or "", weight=choice.weight)
                              for choice in question.choices])
        for question in quiz.questions
    ]
    return FolderQuiz(title=quiz.title, pass_mark=quiz.pass_mark, max_attempts=quiz.max_attempts, questions=questions,
                    review=quiz.review, draw=quiz.draw, draw_per_tag=dict(quiz.draw_per_tag or {}))


@dataclass
class ExportResult:
    """The folder written, its files, and older course files there that the export did not write."""

    folder: Path
    files: list[Path]
    stale: list[Path]
    notes: list[str] = field(default_factory=list)  # what the question files cannot hold exactly


def export_course(course: Course, directory: Path | str, question_format: str | None = None) -> ExportResult:
    """Write the course to directory/<slug>/ in the course folder format; with question_format
    ("gift" or "moodlexml") also each quiz's questions beside its quiz.yaml, as questions.gift.txt
    or questions.moodle.xml."""
    data = folder_course(course)
    files = write_course(data, directory)
    folder = Path(directory) / course.slug
    notes: list[str] = []
    for module in data.modules if question_format else ():
        if module.quiz is not None:
            exported = qexport.WRITERS[question_format](module.quiz.questions)
            path = folder / module.slug / f"questions{qexport.FORMATS[question_format]}"
            path.write_bytes(exported.content)
            files.append(path)
            notes += [f"{module.slug}: {note}" for note in exported.notes]
    written = set(files)
    # Left in place rather than deleted: they may hold work that is not in the database.
    stale = sorted(path for path in folder.rglob("*")
                   if path.suffix in (".md", ".yaml", ".yml", ".jpg", ".png", ".pdf") and path not in written)
    return ExportResult(folder, files, stale, notes)
