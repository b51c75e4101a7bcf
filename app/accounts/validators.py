"""Checks on account data shared by forms, the CLI and bulk imports."""
from __future__ import annotations

import re
from datetime import date

from flask_babel import gettext as _

NIP_PATTERN = re.compile(r"^\d{18}$")
MIN_PASSWORD_LENGTH = 10


def nip_problem(nip: str) -> str | None:
    """Return why a NIP is invalid, or None when it is a well-formed 18-digit NIP."""
    if not NIP_PATTERN.match(nip):
        return _("NIP harus terdiri dari 18 angka.")
    try:
        date(int(nip[0:4]), int(nip[4:6]), int(nip[6:8]))
    except ValueError:
        return _("NIP tidak valid: delapan angka pertama harus tanggal lahir (TTTTBBHH).")
    if not 1 <= int(nip[12:14]) <= 12:
        return _("NIP tidak valid: angka ke-13 dan ke-14 harus bulan pengangkatan (01-12).")
    if nip[14] not in "12":
        return _("NIP tidak valid: angka ke-15 harus 1 (laki-laki) atau 2 (perempuan).")
    return None


def normalise_nip(raw: str | None) -> str | None:
    """Strip spaces and dots that people type inside a NIP; empty becomes None."""
    if raw is None:
        return None
    cleaned = re.sub(r"[\s.]", "", str(raw))
    return cleaned or None


def normalise_email(raw: str) -> str:
    """Emails are compared case-insensitively, so they are stored in lower case."""
    return (raw or "").strip().lower()


def normalise_phone(raw: str | None) -> str | None:
    """Keep digits of a phone number, written in the international 62 form for wa.me links."""
    digits = re.sub(r"\D", "", raw or "")
    if not digits:
        return None
    if digits.startswith("0"):
        digits = "62" + digits[1:]
    return digits


def phone_problem(phone: str) -> str | None:
    """Return why a normalised phone number is invalid, or None."""
    if not (phone.startswith("62") and 10 <= len(phone) <= 15):
        return _("Nomor HP tidak valid; tulis misalnya 0812xxxxxxx atau 62812xxxxxxx.")
    return None


def password_problem(password: str, email: str = "") -> str | None:
    """Return why a password is too weak, or None."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return _("Kata sandi minimal %(n)d karakter.", n=MIN_PASSWORD_LENGTH)
    if password.isdigit() or len(set(password)) < 4:
        return _("Kata sandi terlalu mudah ditebak; gabungkan huruf dan angka.")
    local_part = email.split("@")[0].lower()
    if len(local_part) >= 4 and local_part in password.lower():
        return _("Kata sandi tidak boleh memuat alamat email Anda.")
    return None
