"""GET /healthz: the app's status with a database round trip."""
from __future__ import annotations

import time

from flask import Blueprint, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from app.extensions import db

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    """Report ok with the database latency, or 503 when the database does not answer."""
    started = time.perf_counter()
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        return jsonify(status="error", database="unreachable"), 503
    elapsed_ms = round((time.perf_counter() - started) * 1000, 2)
    return jsonify(status="ok", database="ok", database_ms=elapsed_ms)
