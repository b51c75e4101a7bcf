"""Forms of the learning pages: enrol, mark a lesson complete, revoke a certificate."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class EnrollForm(FlaskForm):
    """The course page's "Daftar kursus" button."""

    submit = SubmitField(_l("Daftar kursus ini"))


class LessonCompleteForm(FlaskForm):
    """The lesson page's "Tandai selesai" button."""

    submit = SubmitField(_l("Tandai selesai"))


class RevokeForm(FlaskForm):
    """Revoke a certificate: the reason is kept in the audit log."""

    reason = TextAreaField(
        _l("Alasan pencabutan"),
        validators=[DataRequired(_l("Alasan pencabutan wajib diisi.")),
                    Length(min=5, max=300, message=_l("Alasan pencabutan 5 sampai 300 karakter."))],
        filters=[_strip],
    )
    submit = SubmitField(_l("Cabut sertifikat"))
