"""Every figure a trainee or a coordinator sees, recounted from the raw records for tests to compare with.

Written apart from the app on purpose: it reads whole tables with plain column queries and counts
in Python, sharing no query, rule or helper with the services it checks. A page, an export or a
stored column that disagrees with it is wrong.

What counts (docs/reports.md): a course's lessons are the published, not retired lessons of its
published, not retired modules; its quizzes are the not retired quizzes of those modules. A
trainee is "selesai" once a certificate records the completion (kept when content is added later)
or when every counted module is done (each counted lesson completed and the module's quiz, if
any, passed); "berjalan" once they completed any lesson of the course or started any of its
quizzes, whatever has been retired since; otherwise "belum_mulai". The best score is the average,
over the counted quizzes they submitted, of their best percent on each, rounded to two decimals.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Optional

from sqlalchemy import select

from app.extensions import db

NOT_STARTED, IN_PROGRESS, COMPLETED = "belum_mulai", "berjalan", "selesai"
STATUSES = (NOT_STARTED, IN_PROGRESS, COMPLETED)
RECORD_TABLES = ("lesson_completions", "module_completions", "attempts", "answers", "certificates", "attempt_grants")


def _rows(name: str) -> list:
    """Every row of a table, read with a plain select of all its columns."""
    return list(db.session.execute(select(db.metadata.tables[name])))


@dataclass(frozen=True)
class Figures:
    """What one enrolment shows everywhere: the trainee pages, the roster and its exports."""

    user_id: int
    course_id: int
    lessons_completed: int
    lessons_total: int
    percent: Optional[float]
    status: str
    completed_at: Optional[datetime]
    best_score_percent: Optional[float]
    certificate_code: str
    steps_done: int   # counted lessons done and counted quizzes passed ("Kursus saya")
    steps_total: int  # counted lessons and counted quizzes


@dataclass
class Group:
    """Dashboard figures of a group of enrolments (a regency, a course, or everyone)."""

    enrolled: int = 0
    counts: dict = field(default_factory=lambda: dict.fromkeys(STATUSES, 0))
    scores: list = field(default_factory=list)

    @property
    def completion_rate(self) -> Optional[float]:
        """Completed as a percentage of enrolled."""
        return 100.0 * self.counts[COMPLETED] / self.enrolled if self.enrolled else None

    @property
    def average_score(self) -> Optional[float]:
        """The average best score over enrolments that have one."""
        return sum(self.scores) / len(self.scores) if self.scores else None


@dataclass
class Content:
    """What counts in each course, from the content tables."""

    lessons: dict = field(default_factory=dict)       # course id -> counted lesson ids
    modules: dict = field(default_factory=dict)       # course id -> [(module id, lesson ids, quiz id)]
    quizzes: dict = field(default_factory=dict)       # course id -> counted quiz ids
    every_lesson: dict = field(default_factory=dict)  # lesson id -> course id, retired or not
    every_quiz: dict = field(default_factory=dict)    # quiz id -> course id, retired or not


def content() -> Content:
    """The counted lessons, modules and quizzes of every course."""
    found = Content()
    modules = {m.id: m for m in _rows("modules")}
    live_modules = {m.id for m in modules.values() if m.status == "published" and m.retired_at is None}
    lessons_of: dict[int, list[int]] = defaultdict(list)
    for lesson in sorted(_rows("lessons"), key=lambda row: row.id):
        course_id = modules[lesson.module_id].course_id
        found.every_lesson[lesson.id] = course_id
        if lesson.module_id in live_modules and lesson.status == "published" and lesson.retired_at is None:
            lessons_of[lesson.module_id].append(lesson.id)
            found.lessons.setdefault(course_id, set()).add(lesson.id)
    quiz_of = {}
    for quiz in _rows("quizzes"):
        found.every_quiz[quiz.id] = modules[quiz.module_id].course_id
        if quiz.module_id in live_modules and quiz.retired_at is None:
            quiz_of[quiz.module_id] = quiz.id
            found.quizzes.setdefault(modules[quiz.module_id].course_id, set()).add(quiz.id)
    for module_id in sorted(live_modules):
        course_id = modules[module_id].course_id
        found.modules.setdefault(course_id, []).append((module_id, set(lessons_of[module_id]), quiz_of.get(module_id)))
    return found


def figures() -> dict[tuple[int, int], Figures]:
    """The figures of every enrolment, by (user id, course id)."""
    counted = content()
    done: dict[int, dict[int, datetime]] = defaultdict(dict)  # user -> lesson -> when
    active: set[tuple[int, int]] = set()
    for row in _rows("lesson_completions"):
        done[row.user_id][row.lesson_id] = row.completed_at
        active.add((row.user_id, counted.every_lesson[row.lesson_id]))
    best: dict[tuple[int, int], float] = {}
    passed: dict[tuple[int, int], datetime] = {}  # (user, quiz) -> first passing submission
    for attempt in _rows("attempts"):
        active.add((attempt.user_id, counted.every_quiz[attempt.quiz_id]))
        if attempt.status == "submitted" and attempt.percent is not None:
            key = (attempt.user_id, attempt.quiz_id)
            best[key] = max(best.get(key, attempt.percent), attempt.percent)
            if attempt.passed:
                passed[key] = min(passed.get(key, attempt.submitted_at), attempt.submitted_at)
    certificates = {(c.user_id, c.course_id): c for c in _rows("certificates")}
    result = {}
    for enrolment in _rows("enrollments"):
        user, course = enrolment.user_id, enrolment.course_id
        lessons = counted.lessons.get(course, set())
        completed = len(done[user].keys() & lessons)
        scores = [best[(user, quiz)] for quiz in counted.quizzes.get(course, ()) if (user, quiz) in best]
        certificate = certificates.get((user, course))
        if certificate is not None:
            completed_at = certificate.completed_at  # a completion, once recorded, is kept
        else:
            completed_at = _completed_by_records(counted.modules.get(course, []), done[user], passed, user)
        status = COMPLETED if completed_at else IN_PROGRESS if (user, course) in active else NOT_STARTED
        quizzes = counted.quizzes.get(course, set())
        result[(user, course)] = Figures(
            user, course, completed, len(lessons), 100.0 * completed / len(lessons) if lessons else None, status,
            completed_at, round(sum(scores) / len(scores), 2) if scores else None,
            certificate.code if certificate is not None and certificate.revoked_at is None else "",
            completed + sum((user, quiz) in passed for quiz in quizzes), len(lessons) + len(quizzes),
        )
    return result


def _completed_by_records(modules: list, done: dict[int, datetime], passed: dict, user: int) -> Optional[datetime]:
    """When the last counted module was done, from the records; None while one is not done."""
    if not modules:
        return None
    moments = []
    for _module, lesson_ids, quiz in modules:
        if not lesson_ids <= done.keys() or (quiz is not None and (user, quiz) not in passed):
            return None
        moments += [done[lesson] for lesson in lesson_ids] + ([passed[(user, quiz)]] if quiz is not None else [])
    return max(moments) if moments else None


def dashboard(course_id: int | None = None) -> tuple[dict[int, Group], dict[int, Group], Group]:
    """Dashboard figures by regency id (following the course filter), by course id, and the total."""
    regency_of = {user.id: user.regency_id for user in _rows("users")}
    by_regency: dict[int, Group] = defaultdict(Group)
    by_course: dict[int, Group] = defaultdict(Group)
    total = Group()
    for (user, course), row in figures().items():
        groups = [by_course[course]]
        if course_id is None or course == course_id:
            groups += [by_regency[regency_of[user]], total]
        for group in groups:
            group.enrolled += 1
            group.counts[row.status] += 1
            if row.best_score_percent is not None:
                group.scores.append(row.best_score_percent)
    return dict(by_regency), dict(by_course), total


def record_counts() -> dict[str, int]:
    """How many of each kind of trainee record exist: a content change must leave these as they were."""
    return {name: len(_rows(name)) for name in RECORD_TABLES}


def quiz_standing() -> dict[tuple[int, int], tuple[Optional[float], int, Optional[int]]]:
    """Each trainee's standing on each quiz they tried or were granted, by (user id, quiz id):
    best graded percent, attempts used (open ones too) and the limit with every granted attempt."""
    limits = {quiz.id: quiz.max_attempts for quiz in _rows("quizzes")}
    extra: dict[tuple[int, int], int] = defaultdict(int)
    for grant in _rows("attempt_grants"):
        extra[(grant.user_id, grant.quiz_id)] += grant.extra
    best: dict[tuple[int, int], Optional[float]] = {}
    used: dict[tuple[int, int], int] = defaultdict(int)
    for attempt in _rows("attempts"):
        key = (attempt.user_id, attempt.quiz_id)
        used[key] += 1
        if attempt.status == "submitted" and attempt.percent is not None:
            best[key] = attempt.percent if best.get(key) is None else max(best[key], attempt.percent)
    return {key: (best.get(key), used[key], None if limits[key[1]] is None else limits[key[1]] + extra[key])
            for key in used.keys() | extra.keys()}
