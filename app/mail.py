"""Outgoing email over SMTP (Flask-Mail), each message in its reader's language, as plain text and simple HTML.

Without MAIL_SERVER nothing is sent: the log says for whom each message was meant, and the pages
that send mail say that email is not set up, so people use the copied link or WhatsApp instead.
"""
from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass

from flask import Flask, after_this_request, current_app, render_template
from flask_babel import force_locale
from flask_mail import Message

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Email:
    """One rendered message, ready to send."""

    to: str
    subject: str
    text: str
    html: str


class MailError(RuntimeError):
    """The SMTP server could not be reached or refused the messages."""


def mail_configured() -> bool:
    """Whether a MAIL_SERVER is set, so that messages really leave."""
    return bool(current_app.config.get("MAIL_SERVER"))


def render_email(template: str, to: str, locale: str | None, subject, **context) -> Email:
    """Render templates/email/<template>.txt and .html in the reader's language (Indonesian by default).

    `subject` is a lazy string (lazy_gettext), translated here in that language.
    """
    with force_locale(locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        translated = str(subject)
        text = render_template(f"email/{template}.txt", subject=translated, **context)
        html = render_template(f"email/{template}.html", subject=translated, **context)
    return Email(to=to, subject=translated, text=text, html=html)


def send(messages: list[Email]) -> int:
    """Send the messages over one SMTP connection; return how many left (0 without MAIL_SERVER).

    Raises MailError when the server cannot be reached or refuses them.
    """
    try:
        return _send(current_app._get_current_object(), messages)
    except (OSError, smtplib.SMTPException) as error:
        log.exception("email tidak terkirim ke %s", ", ".join(m.to for m in messages))
        raise MailError(str(error)) from error


def send_after_response(messages: list[Email]) -> None:
    """Send once the response has gone out: a page that mails only known addresses answers as fast for unknown ones."""
    app = current_app._get_current_object()

    @after_this_request
    def attach(response):
        response.call_on_close(lambda: _send_in_context(app, messages))
        return response


def _send_in_context(app: Flask, messages: list[Email]) -> None:
    with app.app_context():
        try:
            _send(app, messages)
        except (OSError, smtplib.SMTPException):
            log.exception("email tidak terkirim ke %s", ", ".join(m.to for m in messages))


def _send(app: Flask, messages: list[Email]) -> int:
    if not messages:
        return 0
    if not app.config.get("MAIL_SERVER"):
        for message in messages:
            log.warning("MAIL_SERVER belum diatur: email \"%s\" untuk %s tidak dikirim", message.subject, message.to)
            if app.debug:  # on a developer's machine the link inside is what they need
                log.warning("isi email untuk %s:\n%s", message.to, message.text)
        return 0
    with app.extensions["mail"].connect() as connection:
        for message in messages:
            connection.send(Message(subject=message.subject, recipients=[message.to], body=message.text,
                                    html=message.html))
    return len(messages)
