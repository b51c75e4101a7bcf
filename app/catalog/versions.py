"""The content version of each course: one integer the services count up on every visible change.

Outlines and question banks are kept in memory by every worker, keyed by (course, version). A
service that changes what learners or editors of a course see (its modules, lessons, quizzes,
questions, choices, publishing or owners), by the ORM or by a bulk statement, calls bump() in
the same transaction; the new number becomes visible to every worker when that transaction
commits, and each worker reloads on its next read. Nothing is inferred from timestamps or
flush hooks: a change that does not call bump() is a bug of that service.
"""
from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from threading import Lock
from typing import Generic, TypeVar

from blinker import Namespace
from flask import current_app
from sqlalchemy import update

from app.catalog.models import Course
from app.extensions import db, utcnow

T = TypeVar("T")

#: Sent by bump() with `course_ids`, after the new versions are written in the same transaction.
#: The progress domain recounts enrolment figures on it (create_app connects them).
content_changed = Namespace().signal("content-changed")

# Key in session.info: the courses bumped in the session's current transaction (see unsettled()).
_BUMPED = "content_bumped"


def bump(course_ids: Iterable[int | None]) -> None:
    """Count up the content version of these courses; flushes pending changes first.

    One UPDATE of `content_version = content_version + 1`, so two workers bumping the same
    course at once both count (the database serialises the row).
    """
    ids = sorted({course_id for course_id in course_ids if course_id is not None})
    if not ids:
        return
    session = db.session()  # the request's own Session (the scoped proxy has no get_transaction)
    session.execute(
        update(Course).where(Course.id.in_(ids))
        .values(content_version=Course.content_version + 1, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    # Loaded courses would otherwise keep the old number for the rest of the transaction.
    for course in session.identity_map.values():
        if isinstance(course, Course) and course.id in ids:
            session.expire(course, ["content_version", "updated_at"])
    transaction, bumped = session.info.get(_BUMPED, (None, set()))
    if transaction is not session.get_transaction():
        transaction, bumped = session.get_transaction(), set()
    session.info[_BUMPED] = (transaction, bumped | set(ids))
    content_changed.send(current_app._get_current_object(), course_ids=ids)


def unsettled(course_id: int) -> bool:
    """Whether this session bumped the course in a transaction not yet committed.

    What such a session reads is not yet what other workers will read under that version (and
    a rollback would hand the same number to different content), so it must not be kept.
    """
    session = db.session()
    transaction, bumped = session.info.get(_BUMPED, (None, ()))
    return course_id in bumped and transaction is not None and transaction is session.get_transaction()


class KeptByVersion(Generic[T]):
    """Immutable values one worker keeps (on the app), each replaced whole when its course's version moves."""

    def __init__(self) -> None:
        self._kept: dict[Hashable, tuple[tuple[int, int], T]] = {}
        self._loading = Lock()  # only keeps two threads from loading the same value twice

    def get(self, key: Hashable, course_id: int, version: int, load: Callable[[], T]) -> T:
        """The value kept under key for this course version, loaded (once per version) when missing."""
        stamp = (course_id, version)
        kept = self._kept.get(key)
        if kept is not None and kept[0] == stamp:
            return kept[1]
        if unsettled(course_id):
            return load()  # this transaction's own, uncommitted change: never kept
        with self._loading:
            kept = self._kept.get(key)
            if kept is None or kept[0] != stamp:
                kept = self._kept[key] = (stamp, load())
        return kept[1]

    def clear(self) -> None:
        """Forget everything kept (a database emptied and filled again reuses course ids)."""
        self._kept = {}
