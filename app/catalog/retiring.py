"""Taking content away: a row trainee records point at is retired (hidden, kept); only the rest is deleted.

The one place that decides, for the course import and the editor alike. Catalog is a lower
domain: it does not read completions, attempts or answers itself. The domains that keep trainee
records register, per kind of content row, a function counting the records that point at rows of
that kind (create_app wires them); the database refuses the rest (those foreign keys have no
cascade), so a forgotten counter fails loudly instead of deleting a trainee's work.

A retired row stays in its parent's live collection until the end of the flush (removing it
would make the ORM delete it as an orphan); settle() then reloads the collection without it.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from functools import partial

from flask import Flask, current_app
from sqlalchemy import ColumnElement, func, select

from app.catalog.models import Lesson, Module
from app.extensions import db, utcnow
from app.quizzes.models import Choice, Question, Quiz

MODULE, LESSON, QUIZ, QUESTION, CHOICE = "module", "lesson", "quiz", "question", "choice"
KINDS = (MODULE, LESSON, QUIZ, QUESTION, CHOICE)
EXTENSION = "content_records"
KIND_OF = {Module: MODULE, Lesson: LESSON, Quiz: QUIZ, Question: QUESTION, Choice: CHOICE}

RETIRED, DELETED = "retired", "deleted"

# Counts, for some row ids of one kind, the trainee records pointing at each: {row id: n}.
RecordCounter = Callable[[Sequence[int]], Mapping[int, int]]


def init_app(app: Flask) -> None:
    """Give the app an empty set of record counters."""
    app.extensions[EXTENSION] = {kind: [] for kind in KINDS}


def register(app: Flask, kind: str, records_of: RecordCounter | ColumnElement) -> None:
    """Count, for rows of this kind, the trainee records pointing at each: by a function, or by the
    foreign key column of a record table (one row of that table per record)."""
    counter = records_of if callable(records_of) else partial(_count_by, records_of)
    app.extensions[EXTENSION][kind].append(counter)


def _count_by(column: ColumnElement, ids: Sequence[int]) -> dict[int, int]:
    """Rows per value of a foreign key column, for these values (one grouped query)."""
    return dict(db.session.execute(select(column, func.count()).where(column.in_(ids)).group_by(column)).all())


def records(kind: str, ids: Iterable[int | None]) -> dict[int, int]:
    """The trainee records pointing at each of these rows of one kind (rows with none are left out)."""
    ids = [row_id for row_id in dict.fromkeys(ids) if row_id is not None]
    totals: dict[int, int] = {}
    if not ids:
        return totals
    for counter in current_app.extensions[EXTENSION][kind]:
        for row_id, count in counter(ids).items():
            if count:
                totals[row_id] = totals.get(row_id, 0) + count
    return totals


def records_within(rows: Sequence[Any]) -> dict[Any, int]:
    """The records pointing at each row or at anything inside it (a module's lessons and quiz...), by row."""
    return {row: count for row, count in zip(rows, _counts(rows)) if count}


def _counts(rows: Sequence[Any]) -> list[int]:
    if not rows or type(rows[0]) not in KIND_OF:  # a course row: its records are its enrolments, never at stake
        return [0] * len(rows)
    kind = KIND_OF[type(rows[0])]
    direct = records(kind, (row.id for row in rows))
    inner = {MODULE: lambda row: [*row.all_lessons, *([row.any_quiz] if row.any_quiz else [])],
             QUIZ: lambda row: row.all_questions}.get(kind)
    totals = []
    for row in rows:
        total = direct.get(row.id, 0)
        if inner is not None and row.id is not None:
            children = inner(row)
            for child_kind in dict.fromkeys(type(child) for child in children):
                total += sum(_counts([child for child in children if type(child) is child_kind]))
        totals.append(total)
    return totals


def take_away(rows: Sequence[Any], now: datetime | None = None) -> dict[Any, str]:
    """Retire the rows that records point at (keep them in their collection); the others are to be deleted.

    Returns RETIRED or DELETED per row; the caller leaves the DELETED ones out of the collection
    (the ORM deletes them as orphans) and keeps the RETIRED ones in it until settle().
    """
    counted = records_within(rows)
    now = now or utcnow()
    outcome = {}
    for row in rows:
        if counted.get(row) and row.id is not None:
            row.retired_at = row.retired_at or now
            outcome[row] = RETIRED
        else:
            outcome[row] = DELETED
    return outcome


def bring_back(row: Any) -> bool:
    """Make a retired row live again (it is back in the files or a restored revision); True if it was retired."""
    if row.retired_at is None:
        return False
    row.retired_at = None
    return True


def settle(parents: Iterable[tuple[Any, str]]) -> None:
    """Flush, then reload each (parent, collection) so that retired rows leave the live collections."""
    db.session.flush()
    for parent, name in parents:
        db.session.expire(parent, [name])
