"""Queries and writes for accounts; views commit, these only flush."""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Optional

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import load_only, raiseload
from werkzeug.security import check_password_hash, generate_password_hash

from app.accounts.models import AuditEntry, Regency, Role, User, password_hash_method, unusable_password_hash
from app.extensions import db, utcnow

REGENCIES: tuple[tuple[str, str], ...] = (
    ("64", "Provinsi Kalimantan Timur"),
    ("64.01", "Kabupaten Paser"),
    ("64.02", "Kabupaten Kutai Kartanegara"),
    ("64.03", "Kabupaten Berau"),
    ("64.07", "Kabupaten Kutai Barat"),
    ("64.08", "Kabupaten Kutai Timur"),
    ("64.09", "Kabupaten Penajam Paser Utara"),
    ("64.11", "Kabupaten Mahakam Ulu"),
    ("64.71", "Kota Balikpapan"),
    ("64.72", "Kota Samarinda"),
    ("64.74", "Kota Bontang"),
)


class AccountError(ValueError):
    """An account cannot be created or changed as asked; the message is for the user."""


@dataclass
class AccountData:
    """The fields of an account, already validated by a form or the CLI."""

    email: str
    full_name: str
    role: str
    regency_id: int
    nip: Optional[str] = None
    unit: str = ""
    phone: Optional[str] = None


def seed_regencies() -> int:
    """Insert the province and its ten regencies/cities if missing; return how many were added."""
    existing = set(db.session.scalars(select(Regency.code)))
    added = [Regency(code=code, name=name) for code, name in REGENCIES if code not in existing]
    db.session.add_all(added)
    db.session.flush()
    return len(added)


def list_regencies() -> list[Regency]:
    """All units, the province first, then by Kemendagri code."""
    return list(db.session.scalars(select(Regency).order_by(Regency.code)))


def regency_by_code(code: str) -> Optional[Regency]:
    """Find a unit by its Kemendagri code."""
    return db.session.scalar(select(Regency).where(Regency.code == code.strip()))


def user_by_email(email: str) -> Optional[User]:
    """Find an account by email, ignoring case."""
    return db.session.scalar(select(User).where(User.email == email.strip().lower()))


# One hash per configured method, made on first use: checking a password against it costs what
# checking a stored hash of that method costs.
_DUMMY_HASHES: dict[str, str] = {}


def _check_against_dummy(password: str) -> None:
    method = password_hash_method()
    if method not in _DUMMY_HASHES:
        _DUMMY_HASHES[method] = generate_password_hash(secrets.token_urlsafe(16), method=method)
    check_password_hash(_DUMMY_HASHES[method], password)


def authenticate(email: str, password: str) -> Optional[User]:
    """Return the active account with these credentials, or None (same answer, and time, for every failure)."""
    user = user_by_email(email)
    if user is None or user.awaiting_activation:
        # An unknown email, or an account with no password yet, takes as long as a wrong password.
        _check_against_dummy(password)
        return None
    if not user.check_password(password) or not user.active:
        return None
    user.last_login_at = utcnow()
    return user


def set_new_password(user: User, password: str) -> None:
    """Store a new password and end every session and remember-me cookie of the account."""
    user.set_password(password)
    user.end_sessions()
    db.session.flush()


def update_profile(user: User, full_name: str, phone: str | None, unit: str) -> list[str]:
    """Apply the user's own profile fields; return the names of those that changed."""
    changed = []
    for name, value in (("full_name", " ".join(full_name.split())), ("phone", phone or None), ("unit", unit or "")):
        if getattr(user, name) != value:
            setattr(user, name, value)
            changed.append(name)
    db.session.flush()
    return changed


def change_email(user: User, new_email: str) -> None:
    """Give the account a confirmed new email; raise AccountError when another account took it meanwhile."""
    from flask_babel import gettext as _

    clash = user_by_email(new_email)
    if clash is not None and clash.id != user.id:
        raise AccountError(_("Email %(email)s sudah dipakai akun lain.", email=new_email))
    user.email = new_email
    db.session.flush()


def set_active(user: User, active: bool) -> None:
    """Deactivate an account (its sessions end at once) or activate it again."""
    user.active = active
    user.end_sessions()
    db.session.flush()


def create_user(data: AccountData, password: str | None) -> User:
    """Create an account (without a password: it waits for activation); raise AccountError when the email or NIP is taken."""
    _check_unique(data)
    user = User(**data.__dict__)
    user.email = data.email.lower()
    if password is None:
        user.password_hash = unusable_password_hash()
    else:
        user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user


def update_user(user: User, data: AccountData) -> list[str]:
    """Apply changed fields; return the names of the fields that changed."""
    _check_unique(data, exclude_id=user.id)
    changed = []
    for field, value in data.__dict__.items():
        if getattr(user, field) != value:
            setattr(user, field, value)
            changed.append(field)
    db.session.flush()
    return changed


def _check_unique(data: AccountData, exclude_id: int | None = None) -> None:
    from flask_babel import gettext as _

    clash = user_by_email(data.email)
    if clash is not None and clash.id != exclude_id:
        raise AccountError(_("Email %(email)s sudah dipakai akun lain.", email=data.email))
    if data.nip:
        nip_owner = db.session.scalar(select(User).where(User.nip == data.nip))
        if nip_owner is not None and nip_owner.id != exclude_id:
            raise AccountError(_("NIP %(nip)s sudah terdaftar pada akun lain.", nip=data.nip))


def users_visible_to(viewer: User, search: str = "", role: str = "", regency_id: int | None = None) -> Select:
    """A select of the accounts the viewer may see, filtered, for pagination.

    Only the listed columns are read, in the order of the name indexes, and without the regency
    join: the list page names regencies from the few it already loaded for its filter.
    """
    query = (select(User).order_by(User.full_name, User.id)
             .options(load_only(User.id, User.full_name, User.email, User.role, User.active, User.regency_id,
                                User.password_hash),
                      raiseload(User.regency)))
    if not viewer.sees_everyone():
        query = query.where(User.regency_id == viewer.regency_id)
    if search:
        pattern = f"%{search.strip().lower()}%"
        query = query.where(or_(func.lower(User.full_name).like(pattern), User.email.like(pattern), User.nip.like(pattern)))
    if role in Role.ALL:
        query = query.where(User.role == role)
    if regency_id:
        query = query.where(User.regency_id == regency_id)
    return query


def pending_activations(viewer: User, user_ids: list[int] | None = None) -> Select:
    """Accounts waiting for activation that the viewer may invite, by regency and name (see User.can_invite)."""
    # Demo trainees (flask demo) have no password either, but nobody is to be invited to them.
    query = (select(User).where(User.awaiting_activation, User.active.is_(True), User.is_demo.is_(False))
             .order_by(User.regency_id, User.full_name, User.id))
    if viewer.role != Role.ADMIN:
        query = query.where(User.role == Role.TRAINEE)
        if not viewer.sees_everyone():
            query = query.where(User.regency_id == viewer.regency_id)
    if user_ids is not None:
        query = query.where(User.id.in_(user_ids))
    return query


def import_batch(entry_id: int, viewer: User) -> list[int] | None:
    """The ids of the accounts an import of the viewer's created (admins: anyone's import), or None."""
    entry = db.session.get(AuditEntry, entry_id)
    if entry is None or entry.action != "users_imported":
        return None
    if entry.actor_id != viewer.id and viewer.role != Role.ADMIN:
        return None
    return [int(i) for i in (entry.detail or {}).get("account_ids", [])]


def record(action: str, actor: User | None = None, target: str = "", ip: str | None = None, **detail) -> AuditEntry:
    """Write an audit entry for a security-relevant action."""
    entry = AuditEntry(action=action, actor_id=actor.id if actor else None, target=target, ip=ip, detail=detail)
    db.session.add(entry)
    db.session.flush()
    return entry
