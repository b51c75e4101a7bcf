"""Error pages in Bahasa Indonesia; a 500 rolls the transaction back and shows a request id."""
from __future__ import annotations

import logging
import uuid

from flask import g, jsonify, render_template, request
from flask_wtf.csrf import CSRFError

from app.extensions import db

log = logging.getLogger(__name__)


def _wants_json() -> bool:
    return request.path.startswith("/healthz") or request.accept_mimetypes.best == "application/json"


def _page(template: str, status: int, **context):
    if _wants_json():
        return jsonify(status=status, **{k: str(v) for k, v in context.items()}), status
    return render_template(template, **context), status


def request_id() -> str:
    """Return the id of the current request, shown on error pages and written to the log."""
    if "request_id" not in g:
        g.request_id = request.headers.get("X-Request-Id", "")[:64] or uuid.uuid4().hex[:12]
    return g.request_id


def init_app(app) -> None:
    """Register the error handlers."""

    @app.errorhandler(400)
    def bad_request(error):
        return _page("errors/400.html", 400, description=getattr(error, "description", ""))

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

    @app.errorhandler(500)
    def server_error(error):
        db.session.rollback()
        log.error("request %s failed: %s", request_id(), getattr(error, "original_exception", error))
        return _page("errors/500.html", 500, request_id=request_id())
