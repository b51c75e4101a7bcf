"""Login, logout and the user's own password."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from app.accounts import services
from app.accounts.forms import ConfirmForm, LoginForm, PasswordChangeForm
from app.accounts.validators import normalise_email
from app.extensions import db
from app.main import home_url, safe_next
from app.ratelimit import LoginThrottle, login_throttle

bp = Blueprint("accounts", __name__)


@bp.route("/masuk", methods=["GET", "POST"])
def login():
    """Show the login form; on success start a fresh session and go to the role's home."""
    if current_user.is_authenticated:
        return redirect(home_url(current_user))
    form = LoginForm()
    if form.validate_on_submit():
        email, address = normalise_email(form.email.data), request.remote_addr or ""
        throttle = login_throttle()
        wait = throttle.retry_after(email, address)
        if wait:
            # Same answer whether or not the account exists, and the password is not even checked.
            flash(_("Terlalu banyak percobaan masuk. Coba lagi dalam 1 menit."), "error")
            return render_template("accounts/login.html", form=form), 429, {"Retry-After": str(wait)}
        user = services.authenticate(email, form.password.data)
        if user is None:
            return _login_failed(form, email, address, throttle)
        lang = session.get("lang")
        session.clear()  # a new session on login: nothing from before survives
        if lang:
            session["lang"] = lang
        login_user(user, remember=form.remember.data)
        services.record("login", actor=user, target=user.email, ip=address or None)
        db.session.commit()
        return redirect(safe_next(request.args.get("next")) or home_url(user))
    return render_template("accounts/login.html", form=form)


def _stay_logged_in(user) -> None:
    """Carry this browser over to the account's new session token; every other session stays ended."""
    remembered = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in request.cookies
    login_user(user, remember=remembered)


def _login_failed(form: LoginForm, email: str, address: str, throttle: LoginThrottle):
    """Count and record a failed login, and answer the same way for every cause."""
    services.record("login_failed", target=email[:200], ip=address or None)
    if throttle.failed(email, address):
        services.record("login_throttled", target=email[:200], ip=address or None)
    db.session.commit()
    flash(_("Email atau kata sandi salah, atau akun tidak aktif."), "error")
    return render_template("accounts/login.html", form=form), 401


@bp.post("/keluar")
@login_required
def logout():
    """End the session."""
    if ConfirmForm().validate_on_submit():
        # Every session of the account ends, so a copied cookie or a remember-me cookie opens nothing.
        current_user.end_sessions()
        services.record("logout", actor=current_user, target=current_user.email, ip=request.remote_addr)
        db.session.commit()
        logout_user()
        session.clear()
        flash(_("Anda telah keluar."), "info")
    return redirect(url_for("accounts.login"))


@bp.route("/akun/kata-sandi", methods=["GET", "POST"])
@login_required
def change_password():
    """Let a user change their own password after typing the current one."""
    form = PasswordChangeForm()
    form.email_for_rules = current_user.email
    if form.validate_on_submit():
        if not current_user.check_password(form.current_password.data):
            form.current_password.errors.append(_("Kata sandi sekarang salah."))
        else:
            services.set_new_password(current_user, form.new_password.data)
            services.record("password_changed", actor=current_user, target=current_user.email, ip=request.remote_addr)
            db.session.commit()
            _stay_logged_in(current_user._get_current_object())
            flash(_("Kata sandi sudah diganti. Sesi di perangkat lain sudah diakhiri."), "success")
            return redirect(home_url(current_user))
    return render_template("accounts/password.html", form=form)
