"""Admin screens: list and search accounts, create, edit, deactivate, reset password."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.accounts import services
from app.accounts.access import role_required
from app.accounts.forms import ACCOUNT_STATUS_LABELS, ROLE_LABELS, ConfirmForm, PasswordResetForm, UserForm
from app.accounts.invitations import invitation
from app.mail import mail_configured
from app.accounts.models import Role, User
from app.edge import page_number
from app.extensions import db

bp = Blueprint("admin", __name__, url_prefix="/admin")
PER_PAGE = 50


def _regency_choices():
    # No unit is chosen for the admin: a new account must not land in the province by default.
    return [("", _("Pilih kabupaten/kota"))] + [(r.id, f"{r.code} {r.name}") for r in services.list_regencies()]


def _account_data(form: UserForm) -> services.AccountData:
    return services.AccountData(
        email=form.email.data.lower(), full_name=form.full_name.data, role=form.role.data,
        regency_id=form.regency_id.data, nip=form.nip.data or None, unit=form.unit.data or "",
        phone=form.phone.data or None,
    )


def _load_user(user_id: int) -> User:
    return db.session.get(User, user_id) or abort(404)


@bp.get("/users")
@role_required(Role.ADMIN)
def users():
    """List accounts with search by name, email or NIP, and filters by role and regency."""
    query = services.users_visible_to(
        current_user, search=request.args.get("q", ""), role=request.args.get("role", ""),
        regency_id=request.args.get("regency", type=int),
    )
    page = db.paginate(query, page=page_number(), per_page=PER_PAGE, error_out=False)
    regencies = services.list_regencies()
    # Labels translated once per page, not once per row.
    return render_template(
        "admin/users.html", page=page, regencies=regencies, regency_by_id={r.id: r for r in regencies},
        role_labels={role: str(label) for role, label in ROLE_LABELS.items()}, confirm_form=ConfirmForm(),
        status_labels={status: str(label) for status, label in ACCOUNT_STATUS_LABELS.items()},
    )


@bp.route("/users/baru", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def create_user():
    """Create an account without a password: its owner sets one through the activation link."""
    form = UserForm()
    form.regency_id.choices = _regency_choices()
    if form.validate_on_submit():
        try:
            user = services.create_user(_account_data(form), password=None)
        except services.AccountError as error:
            flash(str(error), "error")
        else:
            services.record("user_created", actor=current_user, target=user.email, role=user.role, ip=request.remote_addr)
            db.session.commit()
            flash(_("Akun %(email)s dibuat. Kirim tautan aktivasinya di bawah.", email=user.email), "success")
            return redirect(url_for("admin.edit_user", user_id=user.id))
    return render_template("admin/user_form.html", form=form, user=None)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def edit_user(user_id: int):
    """Edit an account's details, role and regency."""
    user = _load_user(user_id)
    form = UserForm(obj=user)
    form.regency_id.choices = _regency_choices()
    if form.validate_on_submit():
        old_role, old_regency = user.role, user.regency_id
        try:
            changed = services.update_user(user, _account_data(form))
        except services.AccountError as error:
            flash(str(error), "error")
        else:
            if "role" in changed or "regency_id" in changed:
                services.record("role_changed", actor=current_user, target=user.email, ip=request.remote_addr,
                                old_role=old_role, new_role=user.role, old_regency_id=old_regency, new_regency_id=user.regency_id)
            db.session.commit()
            flash(_("Akun %(email)s disimpan.", email=user.email), "success")
            return redirect(url_for("admin.users"))
    return render_template("admin/user_form.html", form=form, user=user, reset_form=PasswordResetForm(prefix="reset"),
                           confirm_form=ConfirmForm(), mail_ready=mail_configured(),
                           invite=invitation(user) if user.awaiting_activation and user.active else None)


def _confirm_page(user: User, action: str, title: str, consequence: str, button: str):
    """A page that asks before an action that throws the person out: the action happens on its POST."""
    return render_template("admin/confirm.html", user=user, action=action, title=title, consequence=consequence,
                           button=button, form=ConfirmForm())


@bp.route("/users/<int:user_id>/nonaktifkan", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def deactivate(user_id: int):
    """Ask, then deactivate an account: it can no longer log in and its open sessions end at once."""
    user = _load_user(user_id)
    if user.id == current_user.id:
        flash(_("Anda tidak dapat menonaktifkan akun Anda sendiri."), "error")
        return redirect(url_for("admin.edit_user", user_id=user.id))
    if not ConfirmForm().validate_on_submit():
        return _confirm_page(user, url_for("admin.deactivate", user_id=user.id), _("Nonaktifkan akun?"),
                             _("%(name)s tidak dapat masuk lagi, dan semua sesinya yang terbuka berakhir sekarang.",
                               name=user.full_name), _("Ya, nonaktifkan"))
    services.set_active(user, False)
    services.record("user_deactivated", actor=current_user, target=user.email, ip=request.remote_addr)
    db.session.commit()
    flash(_("Akun %(email)s dinonaktifkan.", email=user.email), "success")
    return redirect(url_for("admin.edit_user", user_id=user.id))


@bp.post("/users/<int:user_id>/aktifkan")
@role_required(Role.ADMIN)
def reactivate(user_id: int):
    """Let a deactivated account log in again."""
    user = _load_user(user_id)
    if ConfirmForm().validate_on_submit():
        services.set_active(user, True)
        services.record("user_activated", actor=current_user, target=user.email, ip=request.remote_addr)
        db.session.commit()
        flash(_("Akun %(email)s diaktifkan.", email=user.email), "success")
    return redirect(url_for("admin.edit_user", user_id=user.id))


@bp.route("/users/<int:user_id>/akhiri-sesi", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def end_sessions(user_id: int):
    """Ask, then end every session and remember-me cookie of an account (a lost phone, a shared computer)."""
    user = _load_user(user_id)
    if not ConfirmForm().validate_on_submit():
        return _confirm_page(user, url_for("admin.end_sessions", user_id=user.id), _("Akhiri semua sesi?"),
                             _("%(name)s keluar dari semua perangkat dan harus masuk lagi dengan kata sandinya.",
                               name=user.full_name), _("Ya, akhiri semua sesi"))
    user.end_sessions()
    services.record("sessions_ended", actor=current_user, target=user.email, ip=request.remote_addr)
    db.session.commit()
    flash(_("Semua sesi %(email)s sudah diakhiri.", email=user.email), "success")
    return redirect(url_for("admin.edit_user", user_id=user.id))


@bp.post("/users/<int:user_id>/kata-sandi")
@role_required(Role.ADMIN)
def reset_password(user_id: int):
    """Set a new password for an account."""
    user = _load_user(user_id)
    form = PasswordResetForm(prefix="reset")
    form.email_for_rules = user.email
    if form.validate_on_submit():
        services.set_new_password(user, form.new_password.data)
        services.record("password_reset", actor=current_user, target=user.email, ip=request.remote_addr)
        db.session.commit()
        flash(_("Kata sandi %(email)s sudah diatur ulang.", email=user.email), "success")
    else:
        for errors in form.errors.values():
            for error in errors:
                flash(error, "error")
    return redirect(url_for("admin.edit_user", user_id=user.id))
