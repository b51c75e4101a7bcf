"""Regencies, user accounts and the audit log."""
from __future__ import annotations

import secrets
from datetime import datetime
from typing import TYPE_CHECKING, Optional

from flask import current_app, has_app_context
from flask_login import UserMixin
from sqlalchemy import JSON, Boolean, CheckConstraint, ForeignKey, Index, String, case
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from app.extensions import UTCDateTime, db, utcnow

if TYPE_CHECKING:
    from app.catalog.models import Course

PROVINCE_CODE = "64"
DEFAULT_PASSWORD_HASH = "scrypt"
# A stored hash starting with this matches no password: the account waits for its activation link.
UNUSABLE_PREFIX = "!"


def new_session_token() -> str:
    """A fresh random token; every session and remember-me cookie carries the token of its time."""
    return secrets.token_urlsafe(16)


def unusable_password_hash() -> str:
    """A stored hash no password matches (werkzeug needs "method$salt$hash"; this has no "$")."""
    return UNUSABLE_PREFIX + secrets.token_hex(16)


def password_hash_method() -> str:
    """The configured hashing method (PASSWORD_HASH_METHOD), scrypt outside an app."""
    return current_app.config["PASSWORD_HASH_METHOD"] if has_app_context() else DEFAULT_PASSWORD_HASH


class Role:
    """The four roles an account can hold."""

    TRAINEE = "trainee"
    TRAINER = "trainer"
    COORDINATOR = "coordinator"
    ADMIN = "admin"
    ALL = (TRAINEE, TRAINER, COORDINATOR, ADMIN)


class AccountStatus:
    """Whether an account can be used: active, waiting for its activation link, or deactivated."""

    ACTIVE = "active"
    PENDING = "pending"
    INACTIVE = "inactive"


class Regency(db.Model):
    """A regency or city of Kalimantan Timur, or the province itself (code 64)."""

    __tablename__ = "regencies"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(8), unique=True)
    name: Mapped[str] = mapped_column(String(120))

    users: Mapped[list[User]] = relationship(back_populates="regency")

    @property
    def is_province(self) -> bool:
        """Whether this unit is the province rather than a regency or city."""
        return self.code == PROVINCE_CODE

    def __repr__(self) -> str:
        return f"<Regency {self.code} {self.name}>"


class User(UserMixin, db.Model):
    """An account: trainee, trainer, coordinator or admin, bound to one regency."""

    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("role IN ('trainee', 'trainer', 'coordinator', 'admin')", name="role"),
        CheckConstraint("email = lower(email)", name="email_lower"),
        CheckConstraint("nip IS NULL OR length(nip) = 18", name="nip_length"),
        # The account list and the roster read people in name order (within a regency for the
        # roster): these indexes serve that order, so a page does not sort every account.
        Index("ix_users_full_name_id", "full_name", "id"),
        Index("ix_users_regency_id_full_name_id", "regency_id", "full_name", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    full_name: Mapped[str] = mapped_column(String(120))
    nip: Mapped[Optional[str]] = mapped_column(String(18), unique=True)
    unit: Mapped[str] = mapped_column(String(160), default="")
    phone: Mapped[Optional[str]] = mapped_column(String(20))
    role: Mapped[str] = mapped_column(String(16), default=Role.TRAINEE)
    regency_id: Mapped[int] = mapped_column(ForeignKey("regencies.id"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    locale: Mapped[Optional[str]] = mapped_column(String(5))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    #: Part of every session and remember-me cookie; a new token ends them all, on every worker.
    session_token: Mapped[str] = mapped_column(String(32), default=new_session_token)

    regency: Mapped[Regency] = relationship(back_populates="users", lazy="joined")

    @property
    def is_active(self) -> bool:
        """Deactivated accounts cannot log in (read by Flask-Login)."""
        return self.active

    def get_id(self) -> str:
        """The id Flask-Login keeps in the session and the remember-me cookie: account and session token."""
        return f"{self.id}:{self.session_token}"

    def end_sessions(self) -> None:
        """Invalidate every session and remember-me cookie of this account, wherever it was opened."""
        self.session_token = new_session_token()

    def set_password(self, password: str) -> None:
        """Store a salted hash of the password (scrypt unless PASSWORD_HASH_METHOD says otherwise)."""
        self.password_hash = generate_password_hash(password, method=password_hash_method())

    def check_password(self, password: str) -> bool:
        """Whether the password matches the stored hash."""
        return check_password_hash(self.password_hash, password)

    @hybrid_property
    def awaiting_activation(self) -> bool:
        """Created without a password (by an admin or an import): waits for its activation link."""
        return self.password_hash.startswith(UNUSABLE_PREFIX)

    @awaiting_activation.inplace.expression
    @classmethod
    def _awaiting_activation_expression(cls):
        return cls.password_hash.startswith(UNUSABLE_PREFIX, autoescape=True)

    @hybrid_property
    def account_status(self) -> str:
        """'inactive' (deactivated), 'pending' (waiting for activation) or 'active', in Python and in SQL."""
        if not self.active:
            return AccountStatus.INACTIVE
        return AccountStatus.PENDING if self.awaiting_activation else AccountStatus.ACTIVE

    @account_status.inplace.expression
    @classmethod
    def _account_status_expression(cls):
        return case((cls.active.is_(False), AccountStatus.INACTIVE),
                    (cls.awaiting_activation, AccountStatus.PENDING), else_=AccountStatus.ACTIVE)

    @property
    def is_provincial_coordinator(self) -> bool:
        """A coordinator of the province unit sees every regency."""
        return self.role == Role.COORDINATOR and self.regency.is_province

    def sees_everyone(self) -> bool:
        """Admins and provincial coordinators see people of every regency."""
        return self.role == Role.ADMIN or self.is_provincial_coordinator

    def can_see_regency(self, regency_id: int) -> bool:
        """Whether this account may see people and reports of the given regency."""
        if self.sees_everyone():
            return True
        return self.role == Role.COORDINATOR and self.regency_id == regency_id

    def can_see_user(self, other: User) -> bool:
        """Whether this account may see another account's details and progress."""
        return other.id == self.id or self.can_see_regency(other.regency_id)

    def can_invite(self, other: User) -> bool:
        """Whether this account may hand out another's activation link: admins any, coordinators their trainees."""
        if self.role == Role.ADMIN:
            return True
        return self.role == Role.COORDINATOR and other.role == Role.TRAINEE and self.can_see_regency(other.regency_id)

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"



class AuditEntry(db.Model):
    """A security-relevant action: logins, role changes, revocations, exports."""

    __tablename__ = "audit_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(40), index=True)
    target: Mapped[str] = mapped_column(String(200), default="")
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
    ip: Mapped[Optional[str]] = mapped_column(String(45))

    actor: Mapped[Optional[User]] = relationship()
