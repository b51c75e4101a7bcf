"""Error pages: Indonesian text, a 500 that rolls back and shows the request id written to the log."""
from __future__ import annotations

import logging

import pytest
from flask import abort

from app import create_app
from app.accounts.models import AuditEntry, Role
from app.extensions import db

MARKER = "tidak_boleh_tersimpan"


@pytest.fixture
def failing_app(app):
    """An app on the test database with test-only routes that fail after writing a row."""
    failing = create_app({
        "TESTING": True, "SECRET_KEY": "test-secret", "WTF_CSRF_ENABLED": False,
        "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
        "PROPAGATE_EXCEPTIONS": False,  # handle errors as in production instead of raising into the test
    })

    @failing.get("/uji/gagal")
    def write_then_fail():
        db.session.add(AuditEntry(action=MARKER, target="baris uji"))
        db.session.flush()
        raise RuntimeError("kegagalan uji")

    @failing.get("/uji/terlalu-sering")
    def too_often():
        abort(429)

    yield failing
    with failing.app_context():
        db.engine.dispose()


def _markers() -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(AuditEntry).where(AuditEntry.action == MARKER))


def test_500_rolls_back_and_logs_the_request_id_it_shows(failing_app, caplog, monkeypatch):
    # Running the migrations in this process (conftest) lets Alembic's fileConfig disable loggers
    # that already exist; a server never migrates in-process, so switch ours back on here.
    monkeypatch.setattr(logging.getLogger("app.errors"), "disabled", False)
    client = failing_app.test_client()
    # The request reuses this app context, so its session outlives the request: only the
    # error handler's rollback can undo the write before the page is shown.
    with failing_app.app_context():
        with caplog.at_level(logging.ERROR, logger="app.errors"):
            response = client.get("/uji/gagal")
        assert response.status_code == 500
        assert _markers() == 0
    request_id = response.headers["X-Request-Id"]
    page = response.get_data(as_text=True)
    assert "Terjadi kesalahan pada server" in page
    assert f"Kode permintaan: {request_id}." in page
    assert _markers() == 0  # and nothing reached the database, seen from another connection
    records = [record for record in caplog.records if getattr(record, "request_id", None) == request_id]
    assert len(records) == 1
    assert request_id in records[0].getMessage() and "/uji/gagal" in records[0].getMessage()
    assert records[0].exc_info and "kegagalan uji" in str(records[0].exc_info[1])


def test_500_page_as_json_for_api_clients(failing_app):
    response = failing_app.test_client().get("/uji/gagal", headers={"Accept": "application/json"})
    assert response.status_code == 500
    assert response.json["request_id"] == response.headers["X-Request-Id"]


def test_every_response_has_its_own_request_id(client):
    ids = {client.get(path).headers["X-Request-Id"] for path in ("/", "/masuk", "/healthz", "/tidak-ada", "/")}
    assert len(ids) == 5
    assert all(8 <= len(i) <= 64 for i in ids)


def test_request_id_from_the_proxy_is_kept_and_a_forged_one_replaced(client):
    kept = client.get("/", headers={"X-Request-Id": "a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6"})
    assert kept.headers["X-Request-Id"] == "a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6"
    forged = client.get("/", headers={"X-Request-Id": "abc level=ERROR <script>alert(1)</script>"})
    assert forged.headers["X-Request-Id"].isalnum()
    assert "script" not in forged.headers["X-Request-Id"]


def test_429_page_in_indonesian(failing_app):
    response = failing_app.test_client().get("/uji/terlalu-sering")
    assert response.status_code == 429
    assert "Terlalu banyak permintaan" in response.get_data(as_text=True)
    assert response.headers["Retry-After"] == "60"


def test_404_403_405_pages_in_indonesian(client, make_user, login_as):
    not_found = client.get("/tidak-ada-halaman-ini")
    assert not_found.status_code == 404 and "Halaman tidak ditemukan" in not_found.get_data(as_text=True)
    not_allowed = client.get("/keluar")
    assert not_allowed.status_code == 405 and "Metode tidak diizinkan" in not_allowed.get_data(as_text=True)
    login_as(make_user(Role.TRAINEE))
    forbidden = client.get("/admin/users")
    assert forbidden.status_code == 403 and "Akses ditolak" in forbidden.get_data(as_text=True)


def test_health_check_errors_are_json(client):
    response = client.get("/healthz/tidak-ada")
    assert response.status_code == 404
    assert response.json["status"] == 404
