"""Login, logout, the user's own profile and password, and the links sent by email: reset, activation, email change."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user

from app.accounts import services, tokens
from app.accounts.forms import (ConfirmForm, EmailChangeForm, ForgotPasswordForm, LoginForm, PasswordChangeForm,
                                PasswordSetForm, ProfileForm)
from app.accounts.models import User
from app.accounts.validators import normalise_email
from app.dates import format_waktu_wita
from app.extensions import db, utcnow
from app.links import external_url
from app.mail import mail_configured, render_email, send_after_response
from app.main import home_url, safe_next
from app.ratelimit import Throttle, login_throttle, reset_throttle

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
        _start_session(user, remember=form.remember.data)
        services.record("login", actor=user, target=user.email, ip=address or None)
        db.session.commit()
        return redirect(safe_next(request.args.get("next")) or home_url(user))
    return render_template("accounts/login.html", form=form)


def _start_session(user: User, remember: bool = False) -> None:
    """Log in with a new session: nothing from before survives but the chosen language."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    login_user(user, remember=remember)


def _stay_logged_in(user) -> None:
    """Carry this browser over to the account's new session token; every other session stays ended."""
    remembered = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in request.cookies
    login_user(user, remember=remembered)


def _login_failed(form: LoginForm, email: str, address: str, throttle: Throttle):
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


# --------------------------------------------------------------------------- links sent by email


@bp.route("/lupa-sandi", methods=["GET", "POST"])
def forgot_password():
    """Ask for a reset link by email; the answer is the same whether or not the address has an account."""
    form = ForgotPasswordForm()
    if not form.validate_on_submit():
        return render_template("accounts/forgot.html", form=form, mail_ready=mail_configured())
    email, address = normalise_email(form.email.data), request.remote_addr or ""
    throttle = reset_throttle()
    wait = throttle.retry_after(email, address)
    if wait:
        flash(_("Terlalu banyak permintaan untuk alamat ini. Coba lagi nanti, atau hubungi koordinator Anda."), "error")
        return render_template("accounts/forgot.html", form=form, mail_ready=mail_configured()), 429, \
            {"Retry-After": str(wait)}
    throttle.failed(email, address)
    user = services.user_by_email(email)
    if user is not None and user.active:
        send_after_response([_reset_email(user)])
    services.record("password_reset_requested", target=email[:200], ip=address or None)
    db.session.commit()
    flash(_("Bila %(email)s terdaftar, tautan untuk membuat kata sandi baru sudah dikirim ke alamat itu. "
            "Periksa kotak masuk (juga folder spam) dalam beberapa menit.", email=email), "info")
    return redirect(url_for("accounts.login"))


def _reset_email(user: User):
    link = external_url("accounts.reset_password", token=tokens.make_token(tokens.RESET, user))
    until = format_waktu_wita(utcnow() + tokens.lifetime(tokens.RESET))
    return render_email("reset", user.email, user.locale, _l("Atur ulang kata sandi Kelas KIM"),
                        user=user, link=link, until=until)


@bp.route("/atur-ulang-sandi/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    """Set a new password from a reset link (once, before it expires); every other session ends."""
    return _password_from_link(tokens.RESET, token, "password_reset_by_link",
                               _("Kata sandi baru tersimpan. Sesi akun ini di perangkat lain sudah diakhiri."))


@bp.route("/aktivasi/<token>", methods=["GET", "POST"])
def activate(token: str):
    """Activate an account made by an admin or an import: the person sets a password and is logged in."""
    return _password_from_link(tokens.ACTIVATION, token, "account_activated",
                               _("Akun Anda aktif. Selamat belajar di Kelas KIM!"))


def _password_from_link(purpose: str, token: str, action: str, done: str):
    """The page behind a reset or activation link: refuse a used or expired link, else set the password."""
    opened = tokens.read_token(purpose, token)
    if opened is None:
        return render_template("accounts/link_invalid.html", purpose=purpose), 410
    user = opened.user
    form = PasswordSetForm()
    form.email_for_rules = user.email
    if not form.validate_on_submit():
        return render_template("accounts/password_set.html", form=form, user=user, purpose=purpose)
    services.set_new_password(user, form.new_password.data)
    user.last_login_at = utcnow()
    services.record(action, actor=user, target=user.email, ip=request.remote_addr)
    db.session.commit()
    _start_session(user)
    flash(done, "success")
    return redirect(home_url(user))


# --------------------------------------------------------------------------- profile


@bp.route("/akun", methods=["GET", "POST"])
@login_required
def profile():
    """The user's own profile: the name printed on certificates, phone, unit; links to email and password."""
    form = ProfileForm(obj=current_user)
    if form.validate_on_submit():
        changed = services.update_profile(current_user, form.full_name.data, form.phone.data, form.unit.data)
        if changed:
            services.record("profile_changed", actor=current_user, target=current_user.email, ip=request.remote_addr,
                            fields=changed)
        db.session.commit()
        flash(_("Profil disimpan.") if changed else _("Tidak ada perubahan."), "success")
        return redirect(url_for("accounts.profile"))
    return render_template("accounts/profile.html", form=form, email_form=EmailChangeForm())


@bp.post("/akun/email")
@login_required
def request_email_change():
    """Send a confirmation link to the new address; the account keeps the old one until it is opened."""
    form = EmailChangeForm()
    if not form.validate_on_submit():
        return render_template("accounts/profile.html", form=ProfileForm(obj=current_user), email_form=form)
    if not current_user.check_password(form.current_password.data):
        form.current_password.errors.append(_("Kata sandi sekarang salah."))
        return render_template("accounts/profile.html", form=ProfileForm(obj=current_user), email_form=form)
    new_email = normalise_email(form.new_email.data)
    if services.user_by_email(new_email) is None:  # the same answer either way: the form must not tell whose address it is
        send_after_response([_email_change_email(current_user, new_email)])
    services.record("email_change_requested", actor=current_user, target=current_user.email, ip=request.remote_addr,
                    new_email=new_email)
    db.session.commit()
    flash(_("Tautan konfirmasi dikirim ke %(email)s bila alamat itu dapat dipakai. Buka tautannya untuk "
            "menyelesaikan penggantian.", email=new_email), "info")
    return redirect(url_for("accounts.profile"))


def _email_change_email(user: User, new_email: str):
    link = external_url("accounts.confirm_email", token=tokens.make_token(tokens.EMAIL_CHANGE, user, new_email))
    until = format_waktu_wita(utcnow() + tokens.lifetime(tokens.EMAIL_CHANGE))
    return render_email("email_change", new_email, user.locale, _l("Konfirmasi alamat email Kelas KIM"),
                        user=user, new_email=new_email, link=link, until=until)


@bp.route("/akun/email/<token>", methods=["GET", "POST"])
def confirm_email(token: str):
    """Open the confirmation link sent to the new address (once, before it expires): the account takes it."""
    opened = tokens.read_token(tokens.EMAIL_CHANGE, token)
    if opened is None or not opened.new_email:
        return render_template("accounts/link_invalid.html", purpose=tokens.EMAIL_CHANGE), 410
    user, form = opened.user, ConfirmForm()
    if not form.validate_on_submit():
        return render_template("accounts/email_confirm.html", user=user, new_email=opened.new_email, form=form)
    old_email = user.email
    try:
        services.change_email(user, opened.new_email)
    except services.AccountError as error:
        flash(str(error), "error")
        return redirect(url_for("accounts.login"))
    services.record("email_changed", actor=user, target=opened.new_email, ip=request.remote_addr, old_email=old_email)
    db.session.commit()
    flash(_("Alamat email akun sekarang %(email)s.", email=user.email), "success")
    return redirect(url_for("accounts.profile") if current_user.is_authenticated else url_for("accounts.login"))
