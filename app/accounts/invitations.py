"""Invitations of accounts made without a password: the activation link, its email, its WhatsApp message."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Optional
from urllib.parse import quote

from flask import current_app
from flask_babel import force_locale, gettext as _, lazy_gettext as _l

from app.accounts.models import User
from app.accounts.tokens import ACTIVATION, lifetime, make_token
from app.accounts.validators import normalise_phone
from app.dates import format_waktu_wita
from app.extensions import utcnow
from app.links import external_url
from app.mail import Email, render_email


@dataclass(frozen=True)
class Invitation:
    """An account's activation link, valid until expires_at, and a wa.me link when a phone is known."""

    user: User
    link: str
    whatsapp: str
    expires_at: datetime


def invitation(user: User) -> Invitation:
    """A fresh activation link for an account waiting for activation."""
    link = external_url("accounts.activate", token=make_token(ACTIVATION, user))
    expires_at = utcnow() + lifetime(ACTIVATION)
    whatsapp = whatsapp_url(user.phone, whatsapp_text(user, link, expires_at)) or ""
    return Invitation(user=user, link=link, whatsapp=whatsapp, expires_at=expires_at)


def _reader_locale(user: User) -> str:
    return user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]


def whatsapp_text(user: User, link: str, expires_at: datetime) -> str:
    """The ready message a coordinator sends by WhatsApp, in the trainee's language (Indonesian unless chosen)."""
    with force_locale(_reader_locale(user)):
        return _("Halo %(name)s, akun Kelas KIM Anda (%(email)s) sudah dibuat oleh Diskominfo. Buka tautan ini "
                 "untuk membuat kata sandi lalu masuk: %(link)s (berlaku sampai %(until)s).",
                 name=user.full_name, email=user.email, link=link, until=format_waktu_wita(expires_at))


def whatsapp_url(phone: str | None, message: str) -> Optional[str]:
    """A wa.me link that opens WhatsApp with the message typed in, or None without a phone number."""
    digits = normalise_phone(phone)
    return f"https://wa.me/{digits}?text={quote(message, safe='')}" if digits else None


def activation_email(item: Invitation) -> Email:
    """The activation email of an invitation, in the reader's language."""
    user = item.user
    return render_email("activation", user.email, _reader_locale(user), _l("Aktifkan akun Kelas KIM Anda"),
                        user=user, link=item.link, until=format_waktu_wita(item.expires_at))
