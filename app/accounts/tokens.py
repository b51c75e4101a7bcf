"""Signed, time-limited, single-use links: password reset, account activation, email change.

A link carries the account id and a fingerprint of the account's password hash and email. Setting
a password or changing the email changes the fingerprint, so a link works once; no table of
tokens is kept, and a link expires with the signature's age.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta
from typing import Optional

from flask import current_app
from itsdangerous import BadData, URLSafeTimedSerializer

from app.accounts.models import User
from app.extensions import db

RESET, ACTIVATION, EMAIL_CHANGE = "reset", "activation", "email-change"


@dataclass(frozen=True)
class LinkToken:
    """What a valid link opens: the account, and the new email of an email change."""

    user: User
    new_email: str = ""


def lifetime(purpose: str) -> timedelta:
    """How long a link of this purpose stays valid (configurable)."""
    config = current_app.config
    return {
        RESET: timedelta(minutes=config["RESET_LINK_MINUTES"]),
        ACTIVATION: timedelta(days=config["ACTIVATION_LINK_DAYS"]),
        EMAIL_CHANGE: timedelta(hours=config["EMAIL_CHANGE_LINK_HOURS"]),
    }[purpose]


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"kelaskim-{purpose}")


def _fingerprint(user: User) -> str:
    """Changes whenever the password or the email does; reveals neither."""
    return hashlib.sha256(f"{user.password_hash}|{user.email}|{user.active}".encode()).hexdigest()[:20]


def make_token(purpose: str, user: User, new_email: str = "") -> str:
    """A signed token for the user's link of this purpose."""
    payload = {"u": user.id, "f": _fingerprint(user)}
    if new_email:
        payload["e"] = new_email
    return _serializer(purpose).dumps(payload)


def read_token(purpose: str, token: str) -> Optional[LinkToken]:
    """The account a token opens, or None when it is forged, expired, used or for another purpose."""
    try:
        payload = _serializer(purpose).loads(token, max_age=int(lifetime(purpose).total_seconds()))
    except BadData:
        return None
    if not isinstance(payload, dict) or not isinstance(payload.get("u"), int):
        return None
    user = db.session.get(User, payload["u"])
    if user is None or not user.active or payload.get("f") != _fingerprint(user):
        return None
    if purpose == ACTIVATION and not user.awaiting_activation:
        return None
    return LinkToken(user=user, new_email=str(payload.get("e", "")))
