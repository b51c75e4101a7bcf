"""Extra attempts: who may give a trainee more attempts at a quiz, and giving them (audited); services only flush.

A quiz's attempt limit holds for everyone; a trainee who used every attempt without passing is
blocked from the rest of a sequential course and from the certificate. The course's trainers, the
coordinators who see the trainee's regency and admins may then add attempts, saying why.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app.accounts.models import Role, User
from app.accounts.services import record
from app.extensions import db
from app.quizzes.models import AttemptGrant, Quiz

if TYPE_CHECKING:
    from app.catalog.models import Course
    from app.catalog.outline import CourseView

MAX_EXTRA = 5  # per grant: a larger need is a conversation, not a form
REASON_MAX = 300


class GrantError(ValueError):
    """Attempts that cannot be given as asked; the message is for the person granting."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def may_grant(user: User, course: Course | CourseView, trainee: User) -> bool:
    """The course's trainers and admins, and coordinators who see the trainee's regency, may grant attempts."""
    if course.can_edit(user):
        return True
    return user.role == Role.COORDINATOR and user.can_see_regency(trainee.regency_id)


def extra_attempts(user_id: int, quiz_id: int) -> int:
    """Attempts granted to the user on top of the quiz's limit."""
    return db.session.scalar(select(func.coalesce(func.sum(AttemptGrant.extra), 0)).where(
        AttemptGrant.user_id == user_id, AttemptGrant.quiz_id == quiz_id)) or 0


def grants_of(user_id: int, quiz_id: int) -> list[AttemptGrant]:
    """The grants to the user at the quiz, oldest first, with who gave them."""
    return list(db.session.scalars(
        select(AttemptGrant).where(AttemptGrant.user_id == user_id, AttemptGrant.quiz_id == quiz_id)
        .options(selectinload(AttemptGrant.granted_by)).order_by(AttemptGrant.granted_at, AttemptGrant.id)
    ))


def grant_attempts(quiz: Quiz, trainee: User, extra: int, reason: str, by: User, ip: str | None = None) -> AttemptGrant:
    """Give the trainee `extra` more attempts at the quiz, recorded with the reason and in the audit log."""
    reason = (reason or "").strip()
    if quiz.max_attempts is None:
        raise GrantError(_("Kuis ini tidak membatasi percobaan; peserta dapat mencoba lagi kapan saja."))
    if not 1 <= extra <= MAX_EXTRA:
        raise GrantError(_("Kesempatan tambahan harus 1 sampai %(n)d.", n=MAX_EXTRA))
    if not reason or len(reason) > REASON_MAX:
        raise GrantError(_("Tulis alasannya, paling banyak %(n)d karakter.", n=REASON_MAX))
    grant = AttemptGrant(quiz_id=quiz.id, user_id=trainee.id, extra=extra, reason=reason, granted_by_id=by.id)
    db.session.add(grant)
    record("quiz_attempts_granted", actor=by, target=f"{trainee.email}: {quiz.title}"[:200], ip=ip,
           user_id=trainee.id, quiz_id=quiz.id, extra=extra, reason=reason)
    return grant
