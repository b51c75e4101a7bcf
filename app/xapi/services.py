"""The outbox: statements due for sending, marking them sent or retried, counts and JSON-lines export."""
from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from flask import current_app
from sqlalchemy import Select, case, func, or_, select

from app.accounts.models import User
from app.extensions import db, utcnow
from app.xapi.lrs import Lrs, LrsRefused, LrsUnavailable
from app.xapi.models import XapiStatement

DEFAULT_BATCH_SIZE = 50
EXPORT_CHUNK = 500


@dataclass(frozen=True)
class BatchOutcome:
    """What one batch did: statements the LRS stored, statements left for later, and whether the LRS was away."""

    sent: int = 0
    failed: int = 0
    unavailable: bool = False


@dataclass(frozen=True)
class OutboxCounts:
    """Statements in the outbox: waiting (of which some failed at least once) and already sent."""

    pending: int
    retrying: int
    sent: int


def retry_delay(tries: int) -> timedelta:
    """The wait after the tries-th failed send: XAPI_RETRY_SECONDS doubled each time, at most XAPI_RETRY_MAX_SECONDS."""
    base = int(current_app.config.get("XAPI_RETRY_SECONDS", 60))
    cap = int(current_app.config.get("XAPI_RETRY_MAX_SECONDS", 6 * 3600))
    return timedelta(seconds=max(1, min(cap, base * 2 ** min(max(tries - 1, 0), 30))))


def due_batch(now: datetime, limit: int) -> list[XapiStatement]:
    """The oldest unsent statements whose wait is over, locked so that two senders never share one."""
    return list(db.session.scalars(
        select(XapiStatement)
        .where(XapiStatement.sent_at.is_(None),
               or_(XapiStatement.next_attempt_at.is_(None), XapiStatement.next_attempt_at <= now))
        .order_by(XapiStatement.id).limit(limit).with_for_update(skip_locked=True)
    ))


def _mark_sent(rows: Sequence[XapiStatement], now: datetime) -> None:
    for row in rows:
        row.sent_at, row.next_attempt_at, row.last_error = now, None, ""


def _mark_failed(rows: Sequence[XapiStatement], now: datetime, error: str) -> None:
    for row in rows:
        row.tries += 1
        row.next_attempt_at = now + retry_delay(row.tries)
        row.last_error = error[:1000]


def send_batch(lrs: Lrs, rows: Sequence[XapiStatement], now: datetime) -> BatchOutcome:
    """Send rows in one request; a refused batch is sent one by one so one bad statement holds back no other."""
    if not rows:
        return BatchOutcome()
    try:
        lrs.post([row.statement for row in rows])
    except LrsUnavailable as error:
        _mark_failed(rows, now, str(error))
        return BatchOutcome(failed=len(rows), unavailable=True)
    except LrsRefused as error:
        if len(rows) == 1:
            current_app.logger.warning("LRS refused statement %s: %s", rows[0].statement_id, error)
            _mark_failed(rows, now, str(error))
            return BatchOutcome(failed=1)
        return _send_one_by_one(lrs, rows, now)
    _mark_sent(rows, now)
    return BatchOutcome(sent=len(rows))


def _send_one_by_one(lrs: Lrs, rows: Sequence[XapiStatement], now: datetime) -> BatchOutcome:
    sent = failed = 0
    for row in rows:
        outcome = send_batch(lrs, [row], now)
        sent, failed = sent + outcome.sent, failed + outcome.failed
        if outcome.unavailable:  # the LRS went away: the rest wait their turn, untouched
            return BatchOutcome(sent, failed, unavailable=True)
    return BatchOutcome(sent, failed)


def send_due(lrs: Lrs, now: datetime | None = None, limit: int | None = None) -> BatchOutcome:
    """Send the next batch of due statements; the caller commits after each batch."""
    size = limit or int(current_app.config.get("XAPI_BATCH_SIZE", DEFAULT_BATCH_SIZE))
    moment = now or utcnow()
    return send_batch(lrs, due_batch(moment, size), moment)


def _scoped(query: Select, viewer: User | None, regency_id: int | None) -> Select:
    """Limit a statement query to the viewer's people: a regency coordinator always to their regency."""
    if viewer is not None and not viewer.sees_everyone():
        regency_id = viewer.regency_id
    if regency_id is None:
        return query
    return query.join(User, User.id == XapiStatement.user_id).where(User.regency_id == regency_id)


def outbox_counts(viewer: User | None = None, regency_id: int | None = None) -> OutboxCounts:
    """Pending, retrying and sent statements of the people the viewer sees, in one query."""
    unsent = XapiStatement.sent_at.is_(None)
    query = select(
        func.count(case((unsent, 1))),
        func.count(case((unsent & (XapiStatement.tries > 0), 1))),
        func.count(case((~unsent, 1))),
    ).select_from(XapiStatement)
    pending, retrying, sent = db.session.execute(_scoped(query, viewer, regency_id)).one()
    return OutboxCounts(pending or 0, retrying or 0, sent or 0)


def export_lines(viewer: User | None = None, regency_id: int | None = None, pending_only: bool = False) -> Iterator[str]:
    """Each statement the viewer may see as one line of JSON, oldest first, read in chunks."""
    query = select(XapiStatement.statement).order_by(XapiStatement.id)
    if pending_only:
        query = query.where(XapiStatement.sent_at.is_(None))
    scoped = _scoped(query, viewer, regency_id).execution_options(yield_per=EXPORT_CHUNK)
    for statement in db.session.scalars(scoped):
        yield json.dumps(statement, ensure_ascii=False, separators=(",", ":")) + "\n"
