"""Reminders sent to trainees about an unfinished course: who reminded whom, and when."""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Optional

from sqlalchemy import ForeignKey, Index
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import UTCDateTime, db, utcnow

if TYPE_CHECKING:
    from app.accounts.models import User


class Reminder(db.Model):
    """One reminder about one enrolment, recorded by the coordinator who sent or copied it."""

    __tablename__ = "reminders"
    __table_args__ = (Index("ix_reminders_enrollment_id_reminded_at", "enrollment_id", "reminded_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the enrolment (trainee and course) the reminder was about; goes with it
    enrollment_id: Mapped[int] = mapped_column(ForeignKey("enrollments.id", ondelete="CASCADE"))
    #: when it was recorded (UTC)
    reminded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: who sent it; kept as empty if their account is ever deleted
    reminded_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    reminded_by: Mapped[Optional[User]] = relationship()
