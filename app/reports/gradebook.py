"""The course view (gradebook): each enrolled trainee's lessons, best score and attempts per quiz, activity and status.

Its trainers and admins see every trainee of the course; a coordinator sees the same view limited to
the regencies they may see, as on every other report. Every figure is read from the records when
the page or export is made: lessons done from the completions of published lessons, scores and
attempts from the attempts, limits from the quiz and the attempts granted.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, case, func, select

from app.accounts.models import Regency, Role, User
from app.catalog.models import Course, Lesson, Module, Status
from app.extensions import db
from app.progress.models import Enrollment, LessonCompletion
from app.quizzes.models import Attempt, AttemptGrant, AttemptStatus, Quiz
from app.progress.status import STATUS_LABELS, STATUSES, status_expression
from app.reports.scope import scoped, search_clause


@dataclass(frozen=True)
class GradebookQuiz:
    """A quiz of the course as a column of the gradebook."""

    id: int
    title: str
    module_title: str
    pass_mark: int
    max_attempts: int | None


@dataclass(frozen=True)
class GradebookFilter:
    """What the page was asked for; the exports reuse it unchanged."""

    regency_id: int | None = None
    status: str = ""
    search: str = ""


@dataclass(frozen=True)
class QuizCell:
    """One trainee's standing on one quiz."""

    quiz: GradebookQuiz
    best: float | None
    used: int
    limit: int | None
    open: bool = False  # an attempt is in progress

    @property
    def passed(self) -> bool:
        """Whether the best graded attempt reached the pass mark."""
        return self.best is not None and self.best >= self.quiz.pass_mark

    @property
    def blocked(self) -> bool:
        """Every allowed attempt used without passing; the last one in progress is not blocked yet."""
        return self.limit is not None and self.used >= self.limit and not self.passed and not self.open


@dataclass(frozen=True)
class GradebookRow:
    """One enrolled trainee: the record of the query and a cell per quiz."""

    record: Any
    quizzes: tuple[QuizCell, ...]


def may_view(viewer: User, course: Course) -> bool:
    """The course's trainers and admins, and coordinators (for the regencies they see)."""
    return course.can_edit(viewer) or viewer.role == Role.COORDINATOR


def course_quizzes(course_id: int) -> list[GradebookQuiz]:
    """The live quizzes of the course's published, live modules, in course order."""
    rows = db.session.execute(
        select(Quiz.id, Quiz.title, Module.title, Quiz.pass_mark, Quiz.max_attempts)
        .join(Module, Module.id == Quiz.module_id)
        .where(Module.course_id == course_id, Module.status == Status.PUBLISHED, Module.retired_at.is_(None),
               Quiz.retired_at.is_(None))
        .order_by(Module.position, Module.id)
    )
    return [GradebookQuiz(*row) for row in rows]


def lessons_total(course_id: int) -> int:
    """The course's counted lessons: published and not retired, in published modules not retired."""
    return db.session.scalar(
        select(func.count(Lesson.id)).join(Module, Module.id == Lesson.module_id)
        .where(Module.course_id == course_id, *_counted_lesson_clauses())
    ) or 0


def _counted_lesson_clauses() -> tuple:
    """Which lessons count, as in app.progress.figures.lesson_totals(): published and live, module too."""
    return (Module.status == Status.PUBLISHED, Module.retired_at.is_(None),
            Lesson.status == Status.PUBLISHED, Lesson.retired_at.is_(None))


def _pivot(quizzes: Sequence[GradebookQuiz], rows, value, name: str) -> list:
    """One column per quiz out of per-(user, quiz) rows: max(value) where the row is that quiz's."""
    return [func.max(case((rows.c.quiz_id == quiz.id, value))).label(f"{name}_{index}")
            for index, quiz in enumerate(quizzes)]


def gradebook_select(viewer: User, course: Course, quizzes: Sequence[GradebookQuiz], filters: GradebookFilter) -> Select:
    """One row per enrolment in the course that the viewer may see, filtered, by regency and name."""
    ids = [quiz.id for quiz in quizzes]
    done = (select(LessonCompletion.user_id, func.count(LessonCompletion.id).label("done"))
            .join(Lesson, Lesson.id == LessonCompletion.lesson_id).join(Module, Module.id == Lesson.module_id)
            .where(Module.course_id == course.id, *_counted_lesson_clauses())
            .group_by(LessonCompletion.user_id).subquery())
    per_quiz = (select(Attempt.user_id, Attempt.quiz_id, func.max(Attempt.percent).label("best"),
                       func.max(Attempt.number).label("used"),
                       func.max(case((Attempt.status == AttemptStatus.OPEN, 1), else_=0)).label("open"))
                .where(Attempt.quiz_id.in_(ids)).group_by(Attempt.user_id, Attempt.quiz_id).subquery())
    attempts = (select(per_quiz.c.user_id, *_pivot(quizzes, per_quiz, per_quiz.c.best, "best"),
                       *_pivot(quizzes, per_quiz, per_quiz.c.used, "used"),
                       *_pivot(quizzes, per_quiz, per_quiz.c.open, "open"))
                .group_by(per_quiz.c.user_id).subquery())
    granted = (select(AttemptGrant.user_id, AttemptGrant.quiz_id, func.sum(AttemptGrant.extra).label("extra"))
               .where(AttemptGrant.quiz_id.in_(ids)).group_by(AttemptGrant.user_id, AttemptGrant.quiz_id).subquery())
    extras = (select(granted.c.user_id, *_pivot(quizzes, granted, granted.c.extra, "extra"))
              .group_by(granted.c.user_id).subquery())
    query = (
        select(Regency.code.label("regency_code"), Regency.name.label("regency_name"), User.full_name, User.nip,
               User.email, func.coalesce(done.c.done, 0).label("lessons_done"),
               *[attempts.c[f"{name}_{index}"] for name in ("best", "used", "open") for index in range(len(quizzes))],
               *[extras.c[f"extra_{index}"] for index in range(len(quizzes))],
               Enrollment.last_activity_at, status_expression().label("status"), Enrollment.completed_at,
               User.id.label("user_id"), Enrollment.best_score_percent)
        .select_from(Enrollment)
        .join(User, User.id == Enrollment.user_id)
        .join(Regency, Regency.id == User.regency_id)
        .outerjoin(done, done.c.user_id == Enrollment.user_id)
        .outerjoin(attempts, attempts.c.user_id == Enrollment.user_id)
        .outerjoin(extras, extras.c.user_id == Enrollment.user_id)
        .where(Enrollment.course_id == course.id)
    )
    if not course.can_edit(viewer):
        query = scoped(query, viewer)
    if filters.regency_id:
        query = query.where(User.regency_id == filters.regency_id)
    if filters.status in STATUSES:
        query = query.where(status_expression() == filters.status)
    if filters.search.strip():
        query = query.where(search_clause(filters.search))
    return query.order_by(Regency.code, User.full_name, User.id)


def gradebook_rows(quizzes: Sequence[GradebookQuiz], records: Iterable[Any]) -> Iterator[GradebookRow]:
    """Each record with a cell per quiz: best percent, attempts used, and the trainee's limit (granted included)."""
    for record in records:
        cells = []
        for index, quiz in enumerate(quizzes):
            best, used, extra, open_ = (getattr(record, f"{name}_{index}") for name in ("best", "used", "extra", "open"))
            limit = None if quiz.max_attempts is None else quiz.max_attempts + int(extra or 0)
            cells.append(QuizCell(quiz, None if best is None else float(best), int(used or 0), limit, bool(open_)))
        yield GradebookRow(record, tuple(cells))


HEADERS = (_l("Kode wilayah"), _l("Kabupaten/kota"), _l("Nama lengkap"), _l("NIP"), _l("Email"),
           _l("Pelajaran selesai"), _l("Jumlah pelajaran"))
TAIL_HEADERS = (_l("Aktivitas terakhir (WITA)"), _l("Status"), _l("Selesai (WITA)"))


def gradebook_table(quizzes: Sequence[GradebookQuiz], total: int,
                    rows: Iterable[GradebookRow]) -> tuple[list[str], Iterator[list[Any]]]:
    """Headers and typed cells: the one builder behind the page's export links, the CSV and the XLSX."""
    headers = [str(header) for header in HEADERS]
    for quiz in quizzes:
        headers += [str(_l("%(quiz)s: nilai terbaik (%%)", quiz=quiz.module_title)),
                    str(_l("%(quiz)s: percobaan terpakai", quiz=quiz.module_title)),
                    str(_l("%(quiz)s: batas percobaan", quiz=quiz.module_title))]
    headers += [str(header) for header in TAIL_HEADERS]
    labels = {key: str(label) for key, label in STATUS_LABELS.items()}
    return headers, (_cells(row, total, labels) for row in rows)


def _cells(row: GradebookRow, total: int, labels: dict[str, str]) -> list[Any]:
    r = row.record
    cells = [r.regency_code, r.regency_name, r.full_name, r.nip or "", r.email, int(r.lessons_done), total]
    for cell in row.quizzes:
        cells += [round(cell.best, 1) if cell.best is not None else None, cell.used, cell.limit]
    return cells + [r.last_activity_at, labels[r.status], r.completed_at]
