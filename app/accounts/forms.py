"""Forms for login, passwords and the admin's account screens."""
from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (BooleanField, DateField, EmailField, PasswordField, SearchField, SelectField, StringField,
                     SubmitField)
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional, ValidationError

from app.accounts.models import AccountStatus, Role
from app.accounts.validators import nip_problem, normalise_nip, normalise_phone, password_problem, phone_problem

ROLE_LABELS = {
    Role.TRAINEE: _l("Peserta"),
    Role.TRAINER: _l("Pelatih"),
    Role.COORDINATOR: _l("Koordinator"),
    Role.ADMIN: _l("Admin"),
}

ACCOUNT_STATUS_LABELS = {
    AccountStatus.ACTIVE: _l("Aktif"),
    AccountStatus.PENDING: _l("Belum aktivasi"),
    AccountStatus.INACTIVE: _l("Nonaktif"),
}


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _valid_phone(form, field):
    problem = phone_problem(field.data) if field.data else None
    if problem:
        raise ValidationError(problem)


def _optional_int(value):
    """A select's value as an int; the empty "choose one" option stays None."""
    if value in ("", None):
        return None
    return int(value)


class LoginForm(FlaskForm):
    """Email and password, with "ingat saya"."""

    email = EmailField(_l("Email"), validators=[DataRequired(_l("Email wajib diisi."))], filters=[_strip])
    password = PasswordField(_l("Kata sandi"), validators=[DataRequired(_l("Kata sandi wajib diisi."))])
    remember = BooleanField(_l("Ingat saya"))
    submit = SubmitField(_l("Masuk"))


class NewPasswordMixin:
    """A new password typed twice and checked against the password rules."""

    new_password = PasswordField(_l("Kata sandi baru"), validators=[DataRequired(_l("Kata sandi baru wajib diisi."))])
    confirm = PasswordField(
        _l("Ulangi kata sandi baru"),
        validators=[EqualTo("new_password", _l("Kedua kata sandi tidak sama."))],
    )

    def validate_new_password(self, field):
        problem = password_problem(field.data or "", getattr(self, "email_for_rules", ""))
        if problem:
            raise ValidationError(problem)


class PasswordChangeForm(NewPasswordMixin, FlaskForm):
    """The user's own password change: the current password, then the new one twice."""

    current_password = PasswordField(_l("Kata sandi sekarang"), validators=[DataRequired(_l("Kata sandi sekarang wajib diisi."))])
    submit = SubmitField(_l("Simpan kata sandi"))


class ForgotPasswordForm(FlaskForm):
    """The email address a reset link is sent to."""

    email = EmailField(_l("Email"), validators=[DataRequired(_l("Email wajib diisi.")), Length(max=254)],
                       filters=[_strip])
    submit = SubmitField(_l("Kirim tautan"))


class PasswordSetForm(NewPasswordMixin, FlaskForm):
    """A new password typed twice, from an activation or reset link."""

    submit = SubmitField(_l("Simpan kata sandi dan masuk"))


class PasswordResetForm(NewPasswordMixin, FlaskForm):
    """An admin sets a new password for an account."""

    submit = SubmitField(_l("Atur ulang kata sandi"))


class UserForm(FlaskForm):
    """An account's details, role and regency, as the admin edits them."""

    email = EmailField(_l("Email"), validators=[DataRequired(_l("Email wajib diisi.")), Email(_l("Alamat email tidak valid.")), Length(max=254)], filters=[_strip])
    full_name = StringField(_l("Nama lengkap"), validators=[DataRequired(_l("Nama lengkap wajib diisi.")), Length(max=120)], filters=[_strip])
    nip = StringField(_l("NIP (opsional, 18 angka)"), validators=[Optional()], filters=[normalise_nip])
    unit = StringField(_l("Instansi atau nama KIM"), validators=[Length(max=160)], filters=[_strip])
    phone = StringField(_l("Nomor HP (opsional)"), validators=[Optional(), _valid_phone], filters=[normalise_phone])
    regency_id = SelectField(_l("Kabupaten/kota"), coerce=_optional_int,
                             validators=[DataRequired(_l("Pilih kabupaten/kota akun ini."))])
    role = SelectField(_l("Peran"), choices=list(ROLE_LABELS.items()))
    submit = SubmitField(_l("Simpan"))

    def validate_nip(self, field):
        problem = nip_problem(field.data) if field.data else None
        if problem:
            raise ValidationError(problem)





class ProfileForm(FlaskForm):
    """What a user keeps up to date themselves: the name on certificates, phone, unit."""

    full_name = StringField(_l("Nama lengkap (seperti pada sertifikat)"),
                            validators=[DataRequired(_l("Nama lengkap wajib diisi.")), Length(max=120)], filters=[_strip])
    phone = StringField(_l("Nomor HP (opsional)"), validators=[Optional(), _valid_phone], filters=[normalise_phone])
    unit = StringField(_l("Instansi atau nama KIM"), validators=[Length(max=160)], filters=[_strip])
    submit = SubmitField(_l("Simpan profil"))


class EmailChangeForm(FlaskForm):
    """A new email address, confirmed through a link sent to it; the current password first."""

    new_email = EmailField(_l("Email baru"), filters=[_strip], validators=[
        DataRequired(_l("Email wajib diisi.")), Email(_l("Alamat email tidak valid.")), Length(max=254)])
    current_password = PasswordField(_l("Kata sandi sekarang"),
                                     validators=[DataRequired(_l("Kata sandi sekarang wajib diisi."))])
    submit = SubmitField(_l("Kirim tautan konfirmasi"))


class WitaDateField(DateField):
    """A calendar date typed in WITA, with an Indonesian error for a malformed or far-off value."""

    # Kelas KIM's records start in 2023; the bounds keep WITA-to-UTC arithmetic inside the calendar.
    EARLIEST, LATEST = date(2000, 1, 1), date(2099, 12, 31)

    def process_formdata(self, valuelist) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            raise ValueError(_l("Tanggal tidak valid; gunakan format TTTT-BB-HH.")) from error
        if self.data is not None and not self.EARLIEST <= self.data <= self.LATEST:
            self.data = None
            raise ValueError(_l("Tanggal harus antara tahun 2000 dan 2099."))


class AuditFilterForm(FlaskForm):
    """The audit log's filters, sent by GET: who, which action, from and to which WITA day."""

    class Meta:
        csrf = False

    pelaku = SearchField(_l("Pelaku (nama atau email)"), validators=[Optional(), Length(max=100)])
    tindakan = SelectField(_l("Tindakan"), validators=[Optional()], validate_choice=False)
    dari = WitaDateField(_l("Dari tanggal (WITA)"), validators=[Optional()])
    sampai = WitaDateField(_l("Sampai tanggal (WITA)"), validators=[Optional()])

    def valid(self, name: str):
        """A field's value, or None when it has an error."""
        field = getattr(self, name)
        return None if field.errors else field.data


class ConfirmForm(FlaskForm):
    """A bare form whose only job is to carry the CSRF token of a POST button."""

    submit = SubmitField(_l("Ya, lanjutkan"))
