"""Security wiring: headers on every response, request ids, the login manager."""
from __future__ import annotations

import os

from flask import Flask, g, request
from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, select
from werkzeug.middleware.proxy_fix import ProxyFix

from app.extensions import db, login_manager

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


# Pages and downloads with other people's personal data (names, NIP, phone numbers, scores):
# a browser must not keep them, since offices share computers and Back works after logging out.
PRIVATE_BLUEPRINTS = frozenset({"reports", "admin", "audit", "accounts"})
PRIVATE_ENDPOINTS = frozenset({"quizzes.grant"})  # a trainee's attempts and the reasons given for more


def set_security_headers(response):
    """Add the CSP and companion headers; no page may run inline script."""
    if request.blueprint in PRIVATE_BLUEPRINTS or request.endpoint in PRIVATE_ENDPOINTS:
        response.headers["Cache-Control"] = "private, no-store"
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    request_id = g.get("request_id")
    if request_id:
        response.headers["X-Request-Id"] = request_id
    return response


def _trust_proxy(app: Flask) -> None:
    # Behind nginx every request comes from 127.0.0.1: the login limit per address and the
    # audit log need the client's address from X-Forwarded-For, trusted for this many proxies.
    hops = int(app.config.get("TRUSTED_PROXY_HOPS") or os.environ.get("TRUSTED_PROXY_HOPS") or 0)
    if hops > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)


def _init_login_manager() -> None:
    from app.accounts.models import User
    from app.i18n import note_user_locale

    login_manager.login_view = "accounts.login"
    login_manager.login_message = _l("Silakan masuk untuk membuka halaman ini.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    # Built once: every logged-in request runs it, and building the statement cost more than running it.
    # The session token is checked in the same statement: a session or remember-me cookie from before
    # a logout, a password change or a deactivation names an old token and finds no account.
    by_id = select(User).where(User.id == bindparam("user_id"), User.session_token == bindparam("token"),
                               User.active.is_(True))

    @login_manager.user_loader
    def load_user(session_id: str):
        user_id, _, token = session_id.partition(":")
        if not (user_id.isdigit() and token):
            return None
        user = db.session.scalar(by_id, {"user_id": int(user_id), "token": token})
        note_user_locale(user)
        return user


def init_app(app: Flask) -> None:
    """Request ids and headers, the login manager."""
    from app.errors import assign_request_id

    _trust_proxy(app)
    app.before_request(assign_request_id)  # first, so that every later hook and log can use it
    _init_login_manager()
    app.after_request(set_security_headers)
