"""Forms of the learning pages: enrol, mark a lesson complete, revoke a certificate."""
from __future__ import annotations

from datetime import UTC, datetime

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Field, IntegerField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError


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


class MomentField(Field):
    """An ISO 8601 moment with its offset (as a browser's Date.toISOString() writes it), read as UTC."""

    def process_formdata(self, valuelist):
        """Parse the moment; anything else is a validation error."""
        self.data = None
        text = (valuelist[0] if valuelist else "").strip()
        if not text:
            return
        try:
            moment = datetime.fromisoformat(text)
        except ValueError as error:
            raise ValueError(_l("Waktu tidak dapat dibaca.")) from error
        if moment.tzinfo is None:
            raise ValueError(_l("Waktu tidak dapat dibaca."))
        self.data = moment.astimezone(UTC)


class AccountIdField(IntegerField):
    """The id of the account that queued a completion; anything but a whole number is refused in Indonesian."""

    def process_formdata(self, valuelist):
        """Parse the id; blank is None."""
        text = (valuelist[0] if valuelist else "").strip()
        try:
            self.data = int(text) if text else None
        except ValueError:
            self.data = None
            raise ValueError(_l("Akun pada antrean tidak dapat dibaca.")) from None


class OfflineCompletionForm(FlaskForm):
    """One "Tandai selesai" pressed offline and sent later: whose it is, when it was done, when it was sent.

    Both moments come from the device's clock, which may be wrong; only their difference is used
    (see done_at_on_server_clock), so a phone set to the wrong hour still records the right time.
    """

    user = AccountIdField(validators=[InputRequired(_l("Akun pada antrean tidak ada."))])
    done_at = MomentField(validators=[InputRequired(_l("Waktu selesai tidak ada."))])
    sent_at = MomentField(validators=[InputRequired(_l("Waktu kirim tidak ada."))])

    def validate_done_at(self, field):
        """Done after it was sent is done in the future."""
        if field.data and self.sent_at.data and field.data > self.sent_at.data:
            raise ValidationError(_l("Waktu selesai tidak boleh di masa depan."))

    def done_at_on_server_clock(self, now: datetime) -> datetime:
        """When the lesson was done, on the server's clock: now, less how long before sending it was done."""
        return now - (self.sent_at.data - self.done_at.data)


class ReissueForm(FlaskForm):
    """The button that re-issues a certificate with the owner's current name."""

    submit = SubmitField(_l("Terbitkan ulang dengan nama sekarang"))
