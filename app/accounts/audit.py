"""The audit log for people: queries with filters, and each entry told as an Indonesian (or English) sentence."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Optional

from flask_babel import gettext as _, lazy_gettext as _l
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import selectinload

from app.accounts.models import AuditEntry, User
from app.dates import wita_midnight
from app.extensions import db


@dataclass(frozen=True)
class AuditFilter:
    """What the admin narrowed the log to: who (name or email), which action, which WITA days."""

    actor: str = ""
    action: str = ""
    date_from: Optional[date] = None
    date_to: Optional[date] = None


def audit_entries(filters: AuditFilter) -> Select:
    """A select of audit entries, newest first, filtered, for pagination."""
    query = select(AuditEntry).options(selectinload(AuditEntry.actor)).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    if filters.action:
        query = query.where(AuditEntry.action == filters.action)
    if filters.actor.strip():
        pattern = f"%{filters.actor.strip().lower()}%"
        actors = select(User.id).where(or_(func.lower(User.full_name).like(pattern), User.email.like(pattern)))
        query = query.where(AuditEntry.actor_id.in_(actors))
    if filters.date_from:
        query = query.where(AuditEntry.at >= wita_midnight(filters.date_from))
    if filters.date_to:
        query = query.where(AuditEntry.at < wita_midnight(filters.date_to + timedelta(days=1)))
    return query


def audit_actions() -> list[str]:
    """Every action that occurs in the log, for the filter."""
    return list(db.session.scalars(select(AuditEntry.action).distinct().order_by(AuditEntry.action)))


# Labels of the actions, for the filter; an action without a label is shown by its name.
ACTION_LABELS = {
    "login": _l("Masuk"),
    "login_failed": _l("Gagal masuk"),
    "login_throttled": _l("Percobaan masuk dibatasi"),
    "logout": _l("Keluar"),
    "password_changed": _l("Kata sandi diganti sendiri"),
    "password_reset": _l("Kata sandi diatur ulang admin"),
    "password_reset_requested": _l("Tautan atur ulang kata sandi diminta"),
    "password_reset_by_link": _l("Kata sandi diatur ulang lewat tautan email"),
    "account_activated": _l("Akun diaktifkan pemiliknya"),
    "user_created": _l("Akun dibuat"),
    "role_changed": _l("Peran atau wilayah diubah"),
    "user_activated": _l("Akun diaktifkan"),
    "user_deactivated": _l("Akun dinonaktifkan"),
    "sessions_ended": _l("Semua sesi akun diakhiri"),
    "profile_changed": _l("Profil diperbarui"),
    "email_change_requested": _l("Penggantian email diminta"),
    "email_changed": _l("Email diganti"),
    "users_imported": _l("Akun diimpor dari berkas"),
    "activation_sent": _l("Email aktivasi dikirim"),
    "activations_exported": _l("Daftar aktivasi diunduh"),
    "roster_exported": _l("Daftar peserta diunduh"),
    "xapi_exported": _l("Pernyataan xAPI diunduh"),
    "certificate_revoked": _l("Sertifikat dicabut"),
    "certificate_reissued": _l("Sertifikat diterbitkan ulang"),
    "course_owner_added": _l("Pemilik kursus ditambahkan"),
    "course.import": _l("Kursus diimpor dari berkas"),
    "quiz_attempts_granted": _l("Kesempatan kuis ditambah"),
    "gradebook_exported": _l("Nilai peserta kursus diunduh"),
}
FIELD_NAMES = {"full_name": _l("nama lengkap"), "phone": _l("nomor HP"), "unit": _l("instansi")}


def describe(entry: AuditEntry, regency_names: dict[int, str], role_labels: dict[str, str]) -> str:
    """What happened, as one sentence: who did what to whom, with regency names and role labels."""
    detail = entry.detail or {}
    actor = entry.actor.full_name if entry.actor else _("Seseorang")
    values = {"actor": actor, "target": entry.target or "–", **{k: v for k, v in detail.items() if isinstance(v, (str, int))}}
    sentence = _SENTENCES.get(entry.action)
    if sentence is None:
        return f"{ACTION_LABELS.get(entry.action, entry.action)}: {entry.target}" if entry.target else str(ACTION_LABELS.get(entry.action, entry.action))
    return sentence(values, detail, regency_names, role_labels)


def _regency(regency_names: dict[int, str], regency_id) -> str:
    return regency_names.get(regency_id, "–") if regency_id is not None else "–"


def _role_change(v, detail, regencies, roles) -> str:
    changes = []
    if detail.get("old_role") != detail.get("new_role"):
        changes.append(_("peran %(old)s menjadi %(new)s", old=roles.get(detail.get("old_role"), "–"),
                         new=roles.get(detail.get("new_role"), "–")))
    if detail.get("old_regency_id") != detail.get("new_regency_id"):
        changes.append(_("wilayah %(old)s menjadi %(new)s", old=_regency(regencies, detail.get("old_regency_id")),
                         new=_regency(regencies, detail.get("new_regency_id"))))
    return _("%(actor)s mengubah akun %(target)s: %(changes)s.", actor=v["actor"], target=v["target"],
             changes="; ".join(changes) or "–")


def _roster_export(v, detail, regencies, roles) -> str:
    filters = detail.get("filters") or {}
    where = _regency(regencies, filters.get("regency_id")) if filters.get("regency_id") else _("semua wilayah yang boleh dilihatnya")
    return _("%(actor)s mengunduh daftar peserta (%(format)s) untuk %(where)s.", actor=v["actor"],
             format=str(detail.get("format", "")).upper(), where=where)


def _profile(v, detail, regencies, roles) -> str:
    fields = ", ".join(str(FIELD_NAMES.get(name, name)) for name in detail.get("fields", []))
    return _("%(actor)s memperbarui profilnya: %(fields)s.", actor=v["actor"], fields=fields or "–")


_SENTENCES = {
    "login": lambda v, *_a: _("%(actor)s masuk.", **v),
    "login_failed": lambda v, *_a: _("Percobaan masuk sebagai %(target)s gagal.", **v),
    "login_throttled": lambda v, *_a: _("Percobaan masuk sebagai %(target)s dibatasi sementara: terlalu banyak yang gagal.", **v),
    "logout": lambda v, *_a: _("%(actor)s keluar; semua sesinya berakhir.", **v),
    "password_changed": lambda v, *_a: _("%(actor)s mengganti kata sandinya sendiri.", **v),
    "password_reset": lambda v, *_a: _("%(actor)s mengatur ulang kata sandi %(target)s.", **v),
    "password_reset_requested": lambda v, *_a: _("Tautan atur ulang kata sandi diminta untuk %(target)s.", **v),
    "password_reset_by_link": lambda v, *_a: _("%(actor)s membuat kata sandi baru lewat tautan email.", **v),
    "account_activated": lambda v, *_a: _("%(actor)s mengaktifkan akunnya lewat tautan aktivasi.", **v),
    "user_created": lambda v, d, r, roles: _("%(actor)s membuat akun %(target)s (%(role)s).", actor=v["actor"],
                                             target=v["target"], role=roles.get(d.get("role"), "–")),
    "role_changed": _role_change,
    "user_activated": lambda v, *_a: _("%(actor)s mengaktifkan kembali akun %(target)s.", **v),
    "user_deactivated": lambda v, *_a: _("%(actor)s menonaktifkan akun %(target)s.", **v),
    "sessions_ended": lambda v, *_a: _("%(actor)s mengakhiri semua sesi akun %(target)s.", **v),
    "profile_changed": _profile,
    "email_change_requested": lambda v, *_a: _("%(actor)s meminta mengganti emailnya menjadi %(new_email)s.",
                                               actor=v["actor"], new_email=v.get("new_email", "–")),
    "email_changed": lambda v, *_a: _("%(actor)s mengganti email %(old_email)s menjadi %(target)s.",
                                      actor=v["actor"], old_email=v.get("old_email", "–"), target=v["target"]),
    "users_imported": lambda v, *_a: _("%(actor)s mengimpor berkas peserta (%(target)s): %(created)s akun baru, "
                                       "%(updated)s akun diperbarui, %(enrolled)s pendaftaran kursus.",
                                       actor=v["actor"], target=v["target"], created=v.get("created", 0),
                                       updated=v.get("updated", 0), enrolled=v.get("enrolled", 0)),
    "activation_sent": lambda v, *_a: _("%(actor)s mengirim %(count)s email aktivasi (%(target)s).", actor=v["actor"],
                                        count=v.get("count", 0), target=v["target"]),
    "activations_exported": lambda v, *_a: _("%(actor)s mengunduh daftar akun yang belum diaktifkan beserta tautannya.", **v),
    "roster_exported": _roster_export,
    "xapi_exported": lambda v, *_a: _("%(actor)s mengunduh pernyataan xAPI (wilayah: %(target)s).", **v),
    "certificate_revoked": lambda v, *_a: _("%(actor)s mencabut sertifikat %(target)s. Alasan: %(reason)s", actor=v["actor"],
                                            target=v["target"], reason=v.get("reason", "–")),
    "certificate_reissued": lambda v, *_a: _("%(actor)s menerbitkan ulang sertifikat %(target)s atas nama %(new_name)s "
                                             "(sebelumnya %(old_name)s).", actor=v["actor"], target=v["target"],
                                             new_name=v.get("new_name", "–"), old_name=v.get("old_name", "–")),
    "course_owner_added": lambda v, *_a: _("%(actor)s menambahkan %(owner)s sebagai pemilik kursus %(target)s.",
                                           actor=v["actor"], owner=v.get("owner", "–"), target=v["target"]),
    "course.import": lambda v, *_a: _("Kursus %(target)s dimuat dari berkas kursus.", **v),
    "quiz_attempts_granted": lambda v, *_a: _("%(actor)s menambah %(extra)s kesempatan kuis untuk %(target)s. "
                                              "Alasan: %(reason)s", actor=v["actor"], extra=v.get("extra", 0),
                                              target=v["target"], reason=v.get("reason", "–")),
    "gradebook_exported": lambda v, *_a: _("%(actor)s mengunduh nilai peserta kursus %(target)s (%(format)s).",
                                           actor=v["actor"], target=v["target"], format=str(v.get("format", "")).upper()),
}
