"""Error pages in Bahasa Indonesia; a 500 rolls the transaction back and shows a request id."""
from __future__ import annotations

import logging
import re
import uuid

from flask import Flask, g, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import SQLAlchemyError

from app.edge import UnusableInput
from app.extensions import db

log = logging.getLogger(__name__)

# An id passed on by the proxy (nginx $request_id) is kept so both logs match; anything else
# is replaced, so that a client cannot write line breaks or markup into the log.
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def _wants_json() -> bool:
    return request.path.startswith("/healthz") or request.accept_mimetypes.best == "application/json"


def _page(template: str, status: int, **context):
    if _wants_json():
        return jsonify(status=status, **{k: str(v) for k, v in context.items()}), status
    return render_template(template, **context), status


def request_id() -> str:
    """Return the id of the current request, shown on error pages and written to the log."""
    if "request_id" not in g:
        offered = request.headers.get("X-Request-Id", "")
        g.request_id = offered if _REQUEST_ID.match(offered) else uuid.uuid4().hex[:12]
    return g.request_id


def assign_request_id() -> None:
    """Give every request a new id before anything else runs (returned in X-Request-Id)."""
    g.pop("request_id", None)
    request_id()


def _rollback() -> None:
    try:
        db.session.rollback()
    except SQLAlchemyError:
        # The database itself may be what failed; the error page must still be shown.
        log.warning("rollback failed for request %s", request_id(), exc_info=True)


def init_app(app: Flask) -> None:
    """Register the error handlers."""

    @app.errorhandler(400)
    def bad_request(error):
        message = error.description if isinstance(error, UnusableInput) else ""
        return _page("errors/400.html", 400, description=getattr(error, "description", ""), message=message)

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return _page("errors/400.html", 400, description="csrf")

    @app.errorhandler(403)
    def forbidden(error):
        return _page("errors/403.html", 403)

    @app.errorhandler(404)
    def not_found(error):
        return _page("errors/404.html", 404)

    @app.errorhandler(405)
    def method_not_allowed(error):
        return _page("errors/405.html", 405)

    @app.errorhandler(413)
    def too_large(error):
        return _page("errors/413.html", 413)

    @app.errorhandler(429)
    def too_many_requests(error):
        response, status = _page(
            "errors/_error.html", 429, heading=_("Terlalu banyak permintaan"),
            message=_("Anda mengirim terlalu banyak permintaan. Tunggu sebentar lalu coba lagi."),
        )
        return response, status, {"Retry-After": "60"}

    @app.errorhandler(500)
    def server_error(error):
        _rollback()
        rid = request_id()
        original = getattr(error, "original_exception", None) or error
        log.error(
            "request %s failed: %s %s: %r", rid, request.method, request.path, original,
            exc_info=(type(original), original, original.__traceback__), extra={"request_id": rid},
        )
        return _page("errors/500.html", 500, request_id=rid)
