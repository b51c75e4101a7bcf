"""Forms of the quiz pages; the answers themselves are read by the quiz services."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SubmitField


class StartAttemptForm(FlaskForm):
    """The "Mulai kuis" button: starts an attempt, or continues the open one."""

    submit = SubmitField(_l("Mulai kuis"))


class AttemptSubmitForm(FlaskForm):
    """Sends an attempt's answer sheet; its q-<id> fields are checked by submit_attempt."""

    submit = SubmitField(_l("Kirim jawaban"))
