"""The admin's audit page: security-relevant actions, newest first, filterable by action."""
from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_babel import lazy_gettext as _l

from app.accounts.access import role_required
from app.accounts.audit import audit_actions, audit_entries
from app.accounts.models import Role
from app.extensions import db

bp = Blueprint("audit", __name__, url_prefix="/admin")
PER_PAGE = 50

# Labels of the actions written today; an action without a label is shown by its name.
ACTION_LABELS = {
    "login": _l("Masuk"),
    "login_failed": _l("Gagal masuk"),
    "login_throttled": _l("Percobaan masuk dibatasi"),
    "logout": _l("Keluar"),
    "password_changed": _l("Kata sandi diganti sendiri"),
    "password_reset": _l("Kata sandi diatur ulang admin"),
    "user_created": _l("Akun dibuat"),
    "role_changed": _l("Peran atau wilayah diubah"),
    "user_activated": _l("Akun diaktifkan"),
    "user_deactivated": _l("Akun dinonaktifkan"),
    "sessions_ended": _l("Semua sesi akun diakhiri"),
    "password_reset_requested": _l("Tautan atur ulang kata sandi diminta"),
    "password_reset_by_link": _l("Kata sandi diatur ulang lewat tautan email"),
    "account_activated": _l("Akun diaktifkan pemiliknya"),
    "activation_sent": _l("Email aktivasi dikirim"),
    "activations_exported": _l("Daftar aktivasi diunduh"),
    "users_imported": _l("Akun diimpor dari berkas"),
    "roster_exported": _l("Daftar peserta diunduh"),
    "certificate_revoked": _l("Sertifikat dicabut"),
    "course_owner_added": _l("Pemilik kursus ditambahkan"),
    "course.import": _l("Kursus diimpor dari berkas"),
}


@bp.get("/audit")
@role_required(Role.ADMIN)
def index():
    """List audit entries, paginated, filtered by action."""
    action = request.args.get("action", "").strip()[:40]
    page = db.paginate(audit_entries(action), per_page=PER_PAGE, error_out=False)
    return render_template(
        "admin/audit.html", page=page, actions=audit_actions(), action=action, labels=ACTION_LABELS,
    )
