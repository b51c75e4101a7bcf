"""Courses, their modules and lessons, owners and revisions."""
from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Optional

from sqlalchemy import JSON, Boolean, CheckConstraint, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import UTCDateTime, db, utcnow

if TYPE_CHECKING:
    from app.accounts.models import User
    from app.quizzes.models import Quiz


class Status:
    """Publication states: trainees see only published content."""

    DRAFT = "draft"
    PUBLISHED = "published"
    ALL = (DRAFT, PUBLISHED)


STATUS_CHECK = "status IN ('draft', 'published')"
# Course, module and lesson slugs, question ids and tags: lowercase letters, digits and hyphens.
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")
SLUG_MAX = 80  # the width of the slug and key columns


class Retirable:
    """Content that trainee records may point at: when removed it is retired (hidden, kept), not deleted.

    A retired row is gone for learners, editors and course totals, yet its completions, attempts
    and answers keep pointing at it, so reports, attempt reviews and revisions still name it. The
    default relationships (Course.modules, Module.lessons, Module.quiz, Quiz.questions,
    Question.choices) hold live rows only; the all_* ones hold retired rows too (see
    app/catalog/retiring.py, the one place that retires or deletes).
    """

    #: When the item was removed while trainee records pointed at it; None while it is live.
    retired_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)

    @property
    def is_retired(self) -> bool:
        """Whether the item was removed from its course and is kept only for the records."""
        return self.retired_at is not None


class Course(db.Model):
    """A course: an ordered set of modules, loaded from courses/ or written in the browser."""

    __tablename__ = "courses"
    __table_args__ = (
        CheckConstraint(STATUS_CHECK, name="status"),
        CheckConstraint("hours > 0", name="hours_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(SLUG_MAX), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    audience: Mapped[str] = mapped_column(Text, default="")
    hours: Mapped[int] = mapped_column(Integer, default=1)
    sources: Mapped[list] = mapped_column(JSON, default=list)
    sequential: Mapped[bool] = mapped_column(Boolean, default=True)
    status: Mapped[str] = mapped_column(String(12), default=Status.DRAFT)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: When the course's content last changed (moved with content_version by app.catalog.versions).
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    #: Counts up on every change learners or editors would see (content, publishing, owners);
    #: kept outlines and question banks are keyed by it (app.catalog.versions).
    content_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    #: A digest of the modules, lessons and quizzes the enrolment figures were last recounted over
    #: (app.progress.figures): a change that leaves it as it is needs no recount.
    counted_digest: Mapped[str] = mapped_column(String(40), default="", server_default="")

    modules: Mapped[list[Module]] = relationship(
        back_populates="course", order_by="Module.position", cascade="all, delete-orphan",
        primaryjoin="and_(Module.course_id == Course.id, Module.retired_at.is_(None))",
    )
    all_modules: Mapped[list[Module]] = relationship(order_by="Module.position", viewonly=True)
    owners: Mapped[list[User]] = relationship(secondary="course_owners")
    files: Mapped[list[CourseFile]] = relationship(
        back_populates="course", order_by="CourseFile.name", cascade="all, delete-orphan"
    )

    @property
    def is_published(self) -> bool:
        """Whether trainees can see this course."""
        return self.status == Status.PUBLISHED

    def can_edit(self, user: User) -> bool:
        """Admins edit every course; a trainer edits the courses they own or co-own."""
        return editable_by(user, (owner.id for owner in self.owners))


def editable_by(user: User, owner_ids: Iterable[int]) -> bool:
    """Whether the user may edit a course with these owners: an admin, or one of its trainers."""
    return user.role == "admin" or (user.role == "trainer" and user.id in set(owner_ids))


class CourseOwner(db.Model):
    """A trainer who owns or co-owns a course."""

    __tablename__ = "course_owners"

    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)


class Module(Retirable, db.Model):
    """A module of a course: lessons in order and one quiz."""

    __tablename__ = "modules"
    __table_args__ = (
        UniqueConstraint("course_id", "slug"),
        CheckConstraint(STATUS_CHECK, name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    slug: Mapped[str] = mapped_column(String(SLUG_MAX))
    title: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(12), default=Status.PUBLISHED)

    course: Mapped[Course] = relationship(back_populates="modules")
    lessons: Mapped[list[Lesson]] = relationship(
        back_populates="module", order_by="Lesson.position", cascade="all, delete-orphan",
        primaryjoin="and_(Lesson.module_id == Module.id, Lesson.retired_at.is_(None))",
    )
    all_lessons: Mapped[list[Lesson]] = relationship(order_by="Lesson.position", viewonly=True)
    quiz: Mapped[Optional[Quiz]] = relationship(
        back_populates="module", cascade="all, delete-orphan", uselist=False,
        primaryjoin="and_(Quiz.module_id == Module.id, Quiz.retired_at.is_(None))",
    )
    #: The module's quiz, retired or not (a module has at most one quiz row).
    any_quiz: Mapped[Optional[Quiz]] = relationship(uselist=False, viewonly=True)


class Lesson(Retirable, db.Model):
    """A lesson: Markdown body with objectives and sources."""

    __tablename__ = "lessons"
    __table_args__ = (
        UniqueConstraint("module_id", "slug"),
        CheckConstraint(STATUS_CHECK, name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id", ondelete="CASCADE"), index=True)
    slug: Mapped[str] = mapped_column(String(SLUG_MAX))
    title: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(Integer, default=0)
    minutes: Mapped[int] = mapped_column(Integer, default=10)
    objectives: Mapped[list] = mapped_column(JSON, default=list)
    sources: Mapped[list] = mapped_column(JSON, default=list)
    body_md: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(12), default=Status.PUBLISHED)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    module: Mapped[Module] = relationship(back_populates="lessons")


class CourseFile(db.Model):
    """An image or PDF handout of a course, referred to from lessons as berkas/<name>."""

    __tablename__ = "course_files"
    __table_args__ = (
        UniqueConstraint("course_id", "name"),
        CheckConstraint("kind IN ('image', 'pdf')", name="kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the course the file belongs to; goes with it
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    #: the name lessons use (berkas/<name>): lower case, digits, hyphens, .jpg, .png or .pdf
    name: Mapped[str] = mapped_column(String(80))
    #: "image" or "pdf"
    kind: Mapped[str] = mapped_column(String(10))
    #: the Content-Type it is served with
    media_type: Mapped[str] = mapped_column(String(40))
    #: the alternative text of an image, or what a PDF holds; required
    alt: Mapped[str] = mapped_column(String(300))
    #: hex SHA-256 of content: part of the file's address, so a changed file gets a new one
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    width: Mapped[Optional[int]] = mapped_column(Integer)
    height: Mapped[Optional[int]] = mapped_column(Integer)
    #: the bytes as served: images already re-encoded; loaded only when the file itself is asked for
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    uploaded_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    course: Mapped[Course] = relationship(back_populates="files")

    @property
    def is_image(self) -> bool:
        """Whether the file is shown as a picture (else it is a download)."""
        return self.kind == "image"


class Revision(db.Model):
    """A saved state of a lesson, quiz, module or course: who changed what, and when."""

    __tablename__ = "revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    entity_type: Mapped[str] = mapped_column(String(20))
    entity_id: Mapped[int] = mapped_column(Integer)
    author_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    summary: Mapped[str] = mapped_column(String(300), default="")
    snapshot: Mapped[dict] = mapped_column(JSON, default=dict)

    author: Mapped[Optional[User]] = relationship()


db.Index("ix_revisions_entity", Revision.entity_type, Revision.entity_id)
