"""A course in the folder format (courses/README.md) as plain data: what the reader returns and the writer takes.

The Folder* names keep these apart from the trainer's edits (app/authoring/services.py, *Edit) and the
rows (app/catalog/models.py).
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Optional

from app.catalog import files as file_checks
from app.catalog.models import Status
from app.quizzes.grading import FALSE_KEY, SCORING_PARTIAL, TRUE_KEY
from app.quizzes.models import ReviewPolicy

COURSE_FILE = "course.yaml"
QUIZ_FILE = "quiz.yaml"
FILES_FOLDER = "berkas"  # course files (images, PDF handouts), named in course.yaml and used as berkas/<name>
FENCE = "---"  # opens and closes a lesson's front matter
TRUEFALSE_TEXTS = {TRUE_KEY: "Benar", FALSE_KEY: "Salah"}
CHOICE_TYPES = ("single", "multiple")


@dataclass
class FolderChoice:
    """A choice: its key is its position ("0", "1", ...) or "true"/"false" for true/false questions."""

    key: str
    text: str
    correct: bool = False
    feedback: str = ""
    weight: Optional[float] = None  # percent, -100..100, when the question has per-answer weights


@dataclass
class FolderQuestion:
    """A question of one of the registered types; `key` is its `id` in quiz.yaml."""

    key: str
    type: str
    text: str
    explanation: str = ""
    scoring: str = SCORING_PARTIAL
    points: float = 1.0
    choices: list[FolderChoice] = field(default_factory=list)
    accepted: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    accepted_weights: list[float] = field(default_factory=list)  # per accepted answer; [] when each gives full marks
    accepted_feedback: list[str] = field(default_factory=list)  # per accepted answer; [] when none has any
    line: Optional[int] = field(default=None, compare=False, repr=False)  # in quiz.yaml, for warnings


@dataclass
class FolderQuiz:
    """The quiz of a module; with `draw`, a pool from which each attempt draws that many questions."""

    title: str
    pass_mark: int = 70
    max_attempts: Optional[int] = 3
    questions: list[FolderQuestion] = field(default_factory=list)
    review: str = ReviewPolicy.AFTER_PASS
    draw: Optional[int] = None
    draw_per_tag: dict[str, int] = field(default_factory=dict)
    file: str = field(default="", compare=False, repr=False)  # where it was read from, for warnings


@dataclass
class FolderLesson:
    """A lesson: front matter and Markdown body; `slug` is the file name without .md."""

    slug: str
    title: str
    minutes: int
    objectives: list[str]
    sources: list[str]
    body_md: str
    status: str = Status.PUBLISHED


@dataclass
class FolderModule:
    """A module: its lessons in order and an optional quiz; `slug` is its folder name."""

    slug: str
    title: str
    lessons: list[FolderLesson] = field(default_factory=list)
    quiz: Optional[FolderQuiz] = None
    status: str = Status.PUBLISHED


@dataclass
class FolderFile:
    """A course file listed in course.yaml: stored as berkas/<name>, checked (an image written anew when needed)."""

    name: str
    alt: str
    checked: file_checks.CheckedFile

    @property
    def data(self) -> bytes:
        """The bytes to store and to write back on export."""
        return self.checked.data


@dataclass
class FolderCourse:
    """A course as its folder holds it: course.yaml with every module, lesson, quiz and file it names."""

    slug: str
    title: str
    summary: str = ""
    audience: str = ""
    hours: int = 1
    sequential: bool = True
    sources: list[str] = field(default_factory=list)
    status: str = Status.PUBLISHED
    modules: list[FolderModule] = field(default_factory=list)
    files: list[FolderFile] = field(default_factory=list)


def iter_lessons(course: FolderCourse) -> Iterator[tuple[FolderModule, FolderLesson]]:
    """Every lesson of a course with its module, in order."""
    for module in course.modules:
        for lesson in module.lessons:
            yield module, lesson
