"""Enrolments, lesson and module completions, and certificates."""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Optional

from sqlalchemy import Float, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import UTCDateTime, db, utcnow

if TYPE_CHECKING:
    from app.accounts.models import User
    from app.catalog.models import Course, Lesson, Module


class Enrollment(db.Model):
    """A trainee enrolled in a course, with where they left off and when they finished."""

    __tablename__ = "enrollments"
    __table_args__ = (UniqueConstraint("user_id", "course_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))  # leads the unique index
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    enrolled_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    enrolled_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    last_activity_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    last_lesson_id: Mapped[Optional[int]] = mapped_column(ForeignKey("lessons.id", ondelete="SET NULL"))
    # Kept up to date by the progress services so that province-wide reports are one
    # aggregate query over enrolments rather than a count per trainee.
    lessons_completed: Mapped[int] = mapped_column(default=0)
    best_score_percent: Mapped[Optional[float]] = mapped_column(Float)
    completed_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime, index=True)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    course: Mapped[Course] = relationship()
    last_lesson: Mapped[Optional[Lesson]] = relationship()


class LessonCompletion(db.Model):
    """A lesson a trainee marked complete."""

    __tablename__ = "lesson_completions"
    __table_args__ = (UniqueConstraint("user_id", "lesson_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))  # leads the unique index
    # No cascade: a lesson with completions is retired, never deleted (the database refuses it).
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id"), index=True)
    completed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ModuleCompletion(db.Model):
    """A module a trainee completed: every lesson done and the quiz passed."""

    __tablename__ = "module_completions"
    __table_args__ = (UniqueConstraint("user_id", "module_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))  # leads the unique index
    # No cascade: a module with completions is retired, never deleted (the database refuses it).
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id"), index=True)
    completed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    module: Mapped[Module] = relationship()


class Certificate(db.Model):
    """A certificate of course completion, verifiable by its public code."""

    __tablename__ = "certificates"
    __table_args__ = (UniqueConstraint("user_id", "course_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(24), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))  # leads the unique index
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    completed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    revoked_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    revoke_reason: Mapped[str] = mapped_column(String(300), default="")
    #: The name printed when it was issued, kept once the account's name changes; empty: the account's name.
    printed_name: Mapped[Optional[str]] = mapped_column(String(120))
    #: When the owner last had it re-issued with their current name (same code).
    reissued_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    course: Mapped[Course] = relationship()

    @property
    def name_on_certificate(self) -> str:
        """The name this certificate carries: as issued, or as last re-issued."""
        return self.printed_name or self.user.full_name

    @property
    def can_be_reissued(self) -> bool:
        """The owner's name changed since it was issued: a copy with the new name can be issued (same code)."""
        return self.printed_name is not None and not self.is_revoked

    @property
    def is_revoked(self) -> bool:
        """Whether a coordinator revoked this certificate."""
        return self.revoked_at is not None
