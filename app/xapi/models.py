"""The statement outbox: every statement is stored at its event and stays until the LRS has it."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import UTCDateTime, db, utcnow


class XapiStatement(db.Model):
    """One xAPI statement, built once at its event, sent to the configured LRS once."""

    __tablename__ = "xapi_statements"
    __table_args__ = (
        # The sender reads the unsent statements that are due, oldest first.
        Index("ix_xapi_statements_sent_at_next_attempt_at", "sent_at", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the statement's own id (a UUID made at the event): the LRS stores each id once
    statement_id: Mapped[str] = mapped_column(String(36), unique=True)
    #: whose learning it records; a coordinator exports the statements of their regency's people
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: the short name of the verb (registered, completed, attempted, passed, failed, earned)
    verb: Mapped[str] = mapped_column(String(20))
    #: the whole statement, exactly as it is sent and exported
    statement: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: when the LRS accepted it; None while it waits in the outbox
    sent_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    #: failed sends so far, and when the next may be tried (growing waits while the LRS is away)
    tries: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    last_error: Mapped[str] = mapped_column(Text, default="")
