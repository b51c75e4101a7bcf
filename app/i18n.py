"""Locale and time zone selection: Bahasa Indonesia first, English on request."""
from __future__ import annotations

from flask import current_app, g, has_request_context, session
from flask_login import current_user

from app.extensions import babel


def select_locale() -> str:
    """Use the language the user picked, else Bahasa Indonesia (always, outside a request)."""
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    chosen = session.get("lang")
    if chosen in current_app.config["LANGUAGES"]:
        return chosen
    # Noted by the user loader: after the view's commit the account is expired, and reading
    # current_user again would cost one more query (and transaction) for a flashed message.
    if USER_LOCALE in g:
        return g.get(USER_LOCALE) or current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user and getattr(current_user, "is_authenticated", False) and current_user.locale:
        return current_user.locale
    return current_app.config["BABEL_DEFAULT_LOCALE"]


USER_LOCALE = "user_locale"


def note_user_locale(user) -> None:
    """Remember the loaded account's language for this request (None for no account or no choice)."""
    setattr(g, USER_LOCALE, user.locale if user is not None else None)


def init_app(app) -> None:
    """Attach Flask-Babel with the locale selector."""
    babel.init_app(app, locale_selector=select_locale, timezone_selector=lambda: "Asia/Makassar")
