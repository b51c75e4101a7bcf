"""Forms of the quiz pages; the answers themselves are read by the quiz services."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, SubmitField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, Length

from app.quizzes.grants import MAX_EXTRA, REASON_MAX


class StartAttemptForm(FlaskForm):
    """The "Mulai kuis" button: starts an attempt, or continues the open one."""

    submit = SubmitField(_l("Mulai kuis"))


class AttemptSubmitForm(FlaskForm):
    """Sends an attempt's answer sheet; its q-<id> fields are checked by submit_attempt."""

    submit = SubmitField(_l("Kirim jawaban"))


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _whole(value) -> int:
    """A whole number, or 0 (refused by the field's AnyOf with its own message) for anything else."""
    return int(value) if str(value).isdigit() else 0


class GrantAttemptsForm(FlaskForm):
    """More attempts at a quiz for one trainee, and why."""

    extra = SelectField(_l("Kesempatan tambahan"), choices=[(n, str(n)) for n in range(1, MAX_EXTRA + 1)], coerce=_whole,
                        default=1, validate_choice=False,
                        validators=[AnyOf(range(1, MAX_EXTRA + 1), message=_l("Pilih jumlah dari daftar."))])
    reason = TextAreaField(_l("Alasan"), filters=[_strip], validators=[
        DataRequired(_l("Tulis alasannya.")), Length(max=REASON_MAX, message=_l("Paling banyak 300 karakter."))])
    submit = SubmitField(_l("Beri kesempatan"))
