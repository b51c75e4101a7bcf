"""Session cookies as production sets them: HttpOnly, SameSite=Lax and Secure."""
from __future__ import annotations

import re

import pytest

from app import create_app
from app.extensions import db
from tests.conftest import PASSWORD


@pytest.fixture
def production_app(app, monkeypatch):
    """An app configured the way production starts it: a real SECRET_KEY, no debug, CSRF on."""
    monkeypatch.setenv("SECRET_KEY", "k" * 64)
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://kelaskim.example")
    for name in ("FLASK_DEBUG", "SESSION_COOKIE_SECURE"):
        monkeypatch.delenv(name, raising=False)
    production = create_app({"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]})
    yield production
    with production.app_context():
        db.engine.dispose()


def _cookie_header(response, name: str) -> str:
    headers = [h for h in response.headers.getlist("Set-Cookie") if h.startswith(name + "=")]
    assert len(headers) == 1, response.headers.getlist("Set-Cookie")
    return headers[0]


def _assert_hardened(header: str) -> None:
    attributes = {part.strip().split("=")[0].lower(): part.strip() for part in header.split(";")[1:]}
    assert "httponly" in attributes, header
    assert "secure" in attributes, header
    assert attributes.get("samesite", "").lower() == "samesite=lax", header


def test_production_cookies_are_httponly_secure_and_lax(production_app, make_user):
    assert not production_app.debug and not production_app.testing
    user = make_user()
    client = production_app.test_client()
    page = client.get("/masuk", base_url="https://kelaskim.example")
    _assert_hardened(_cookie_header(page, "session"))
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.get_data(as_text=True)).group(1)
    login = client.post("/masuk", base_url="https://kelaskim.example", headers={"Referer": "https://kelaskim.example/masuk"},
                        data={"email": user.email, "password": PASSWORD, "remember": "y", "csrf_token": token})
    assert login.status_code == 302
    _assert_hardened(_cookie_header(login, "session"))
    _assert_hardened(_cookie_header(login, "remember_token"))


def test_production_refuses_a_post_without_csrf_token(production_app, make_user):
    user = make_user()
    response = production_app.test_client().post("/masuk", base_url="https://kelaskim.example",
                                                  data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 400
    assert "Muat ulang halaman" in response.get_data(as_text=True)


def test_session_cookie_changes_on_login(client, make_user):
    user = make_user()
    client.get("/bahasa/en")
    before = client.get_cookie("session").value
    client.post("/masuk", data={"email": user.email, "password": PASSWORD})
    after = client.get_cookie("session").value
    assert before != after
    with client.session_transaction() as session:
        assert session["_user_id"] == user.get_id()
