"""Certificates: unguessable verification codes, who may see or revoke them, and the PDF's data."""
from __future__ import annotations

import secrets
from datetime import datetime

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import inspect, select, update

from app import events
from app.accounts import services as accounts
from app.accounts.models import Role, User
from app.catalog.models import Course
from app.dates import to_wita
from app.extensions import db, utcnow
from app.links import external_url
from app.progress.certificate_pdf import ISSUER, CertificateData
from app.progress.models import Certificate

# No 0/O, 1/I/L, 5/S, 2/Z, 8/B: a code read aloud or typed from paper cannot be mistaken.
ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"
GROUPS, GROUP_LEN = 3, 4
PREFIX = "KIM"


class CertificateError(ValueError):
    """A certificate action cannot be done as asked; the message is for the user."""


def new_code() -> str:
    """A fresh random code like KIM-7Q4X-9P2M-HK3T (about 56 bits from `secrets`)."""
    groups = ("".join(secrets.choice(ALPHABET) for _ in range(GROUP_LEN)) for _ in range(GROUPS))
    return "-".join((PREFIX, *groups))


def normalise_code(code: str) -> str:
    """Codes are compared in capitals without surrounding spaces, as people type them."""
    return code.strip().upper()


def issue(user: User, course: Course, completed_at: datetime) -> Certificate:
    """Issue the user's certificate for the course, or return the one already issued."""
    return issue_for(user.id, course.id, completed_at)


def issue_for(user_id: int, course_id: int, completed_at: datetime) -> Certificate:
    """Issue the certificate of this user and course by their ids, or return the one already issued."""
    existing = db.session.scalar(select(Certificate).where(Certificate.user_id == user_id, Certificate.course_id == course_id))
    if existing is not None:
        return existing
    code = new_code()
    while db.session.scalar(select(Certificate.id).where(Certificate.code == code)) is not None:
        code = new_code()  # practically never: 25^12 codes
    certificate = Certificate(code=code, user_id=user_id, course_id=course_id, completed_at=completed_at)
    db.session.add(certificate)
    db.session.flush()
    # The receivers (xAPI) need the user and course; both are usually in the session already.
    events.certificate_issued.send(current_app._get_current_object(), user=db.session.get(User, user_id),
                                   course=db.session.get(Course, course_id), certificate=certificate)
    return certificate


def by_code(code: str) -> Certificate | None:
    """The certificate with this verification code, or None."""
    return db.session.scalar(select(Certificate).where(Certificate.code == normalise_code(code)))


def for_user(user_id: int) -> dict[int, Certificate]:
    """The user's certificates by course id."""
    return {c.course_id: c for c in db.session.scalars(select(Certificate).where(Certificate.user_id == user_id))}


def can_download(viewer: User, certificate: Certificate) -> bool:
    """The owner, a coordinator who sees the owner's regency, or an admin."""
    return viewer.can_see_user(certificate.user)


def can_revoke(viewer: User, certificate: Certificate) -> bool:
    """A coordinator of the owner's regency, a provincial coordinator, or an admin."""
    return viewer.role in (Role.COORDINATOR, Role.ADMIN) and viewer.can_see_regency(certificate.user.regency_id)


def revoke(certificate: Certificate, by: User, reason: str, ip: str | None = None) -> None:
    """Revoke a certificate with a reason and write an audit entry; refuses one already revoked."""
    if certificate.is_revoked:
        raise CertificateError(_("Sertifikat ini sudah dicabut."))
    certificate.revoked_at = utcnow()
    certificate.revoked_by_id = by.id
    certificate.revoke_reason = reason
    accounts.record("certificate_revoked", actor=by, target=certificate.code, ip=ip, reason=reason,
                    user_id=certificate.user_id, course_id=certificate.course_id)
    db.session.flush()


def public_record(certificate: Certificate | None, code: str) -> dict:
    """What the verify page tells a machine: the same facts as the page, dates as ISO 8601 in WITA."""
    if certificate is None:
        return {"code": code, "found": False, "valid": False}
    return {
        "code": certificate.code, "found": True, "valid": not certificate.is_revoked,
        "name": certificate.name_on_certificate, "course": certificate.course.title,
        "completed_on": to_wita(certificate.completed_at).date().isoformat(),
        "revoked_on": to_wita(certificate.revoked_at).date().isoformat() if certificate.is_revoked else None,
        "issuer": ISSUER, "verify_url": verify_url(certificate.code),
    }


def reissue(certificate: Certificate, by: User, ip: str | None = None) -> str:
    """Re-issue a certificate with the owner's current name (same code, audit entry); return the old name."""
    if not certificate.can_be_reissued:
        raise CertificateError(_("Sertifikat ini sudah memakai nama Anda yang sekarang."))
    old_name = certificate.printed_name
    certificate.printed_name = None  # from now on it carries the account's name, until that changes again
    certificate.reissued_at = utcnow()
    accounts.record("certificate_reissued", actor=by, target=certificate.code, ip=ip, old_name=old_name,
                    new_name=certificate.user.full_name, course_id=certificate.course_id)
    db.session.flush()
    return old_name


def keep_issued_names(session, flush_context, instances) -> None:
    """Before an account's new name is written (profile, admin, import), its certificates keep the name they were issued with.

    A before_flush listener on the session, connected in create_app.
    """
    for user in session.dirty:
        if not isinstance(user, User):
            continue
        history = inspect(user).attrs.full_name.history
        if history.deleted and history.added and history.deleted[0] != history.added[0]:
            session.execute(update(Certificate).where(Certificate.user_id == user.id, Certificate.printed_name.is_(None))
                            .values(printed_name=history.deleted[0]).execution_options(synchronize_session=False))


def verify_url(code: str) -> str:
    """The public verification address printed and encoded in the QR code."""
    return external_url("learning.verify", code=code)


def pdf_data(certificate: Certificate) -> CertificateData:
    """What the PDF renderer prints for this certificate; dates as in Kalimantan Timur (WITA)."""
    user, course = certificate.user, certificate.course
    return CertificateData(
        full_name=certificate.name_on_certificate, nip=user.nip, regency_name=user.regency.name,
        course_title=course.title, hours=course.hours, completed_on=to_wita(certificate.completed_at).date(),
        code=certificate.code, verify_url=verify_url(certificate.code),
    )
