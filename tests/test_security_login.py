"""Login protection: failed attempts limited per account and per address, same answer for every failure."""
from __future__ import annotations

import pytest

from app import create_app
from app.accounts.models import AuditEntry, Role
from app.extensions import db
from tests.conftest import PASSWORD, FreshContextClient

WRONG = "salah-sekali-123"
TOO_MANY = "Terlalu banyak percobaan masuk. Coba lagi dalam 1 menit."
BAD_CREDENTIALS = "Email atau kata sandi salah, atau akun tidak aktif."


class Clock:
    """A clock the rate-limit store reads instead of the real one, moved on by the test."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def time(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock(monkeypatch):
    """Freeze the time seen by the in-memory limit store and by the throttle."""
    fake = Clock()
    monkeypatch.setattr("limits.storage.memory.time", fake)
    monkeypatch.setattr("app.ratelimit.time", fake)
    return fake


@pytest.fixture
def limited_app(app):
    """Build an app on the test database with login limits on; settings can be overridden."""
    built = []

    def build(**overrides):
        limited = create_app({
            "TESTING": True, "SECRET_KEY": "test-secret", "WTF_CSRF_ENABLED": False,
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": "memory://", **overrides,
        })
        limited.test_client_class = FreshContextClient
        built.append(limited)
        return limited

    yield build
    for limited in built:
        with limited.app_context():
            db.engine.dispose()


def _login(client, email, password=WRONG, address="127.0.0.1"):
    return client.post("/masuk", data={"email": email, "password": password}, environ_base={"REMOTE_ADDR": address})


def _logged_in(client) -> bool:
    return client.get("/akun/kata-sandi").status_code == 200


def _audit(action: str) -> list[AuditEntry]:
    db.session.expire_all()
    return list(db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)))


def test_sixth_wrong_attempt_in_a_minute_is_refused_even_with_the_right_password(limited_app, clock, make_user):
    user = make_user()
    client = limited_app().test_client()
    for _ in range(5):
        assert _login(client, user.email).status_code == 401
        clock.advance(5)
    refused = _login(client, user.email, PASSWORD)
    assert refused.status_code == 429
    assert TOO_MANY in refused.get_data(as_text=True)
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert not _logged_in(client)


def test_right_password_works_once_the_minute_has_passed(limited_app, clock, make_user):
    user = make_user()
    client = limited_app().test_client()
    for _ in range(5):
        _login(client, user.email)
    assert _login(client, user.email, PASSWORD).status_code == 429
    clock.advance(61)
    assert _login(client, user.email, PASSWORD).status_code == 302
    assert _logged_in(client)


def test_the_window_moves_old_failures_stop_counting(limited_app, clock, make_user):
    user = make_user()
    client = limited_app().test_client()
    for _ in range(4):
        _login(client, user.email)
    clock.advance(50)
    _login(client, user.email)  # the fifth failure, 50 seconds after the first four
    assert _login(client, user.email, WRONG).status_code == 429
    clock.advance(11)  # the first four are now more than a minute old
    assert _login(client, user.email, PASSWORD).status_code == 302


def test_successful_logins_are_not_counted(limited_app, clock, make_user):
    user = make_user()
    client = limited_app().test_client()
    for _ in range(7):
        assert _login(client, user.email, PASSWORD).status_code == 302
        client.post("/keluar")
    assert _login(client, user.email, PASSWORD).status_code == 302


def test_limit_counts_the_normalised_email(limited_app, clock, make_user):
    user = make_user(email="siti.rahma@kelaskim.example")
    client = limited_app().test_client()
    for variant in ("SITI.RAHMA@kelaskim.example", " siti.rahma@KELASKIM.example ", "Siti.Rahma@kelaskim.example",
                    "siti.rahma@kelaskim.example", "SITI.rahma@kelaskim.EXAMPLE"):
        assert _login(client, variant).status_code == 401
    assert _login(client, user.email, PASSWORD).status_code == 429


def test_one_locked_account_does_not_lock_others_from_the_same_address(limited_app, clock, make_user):
    victim, colleague = make_user(), make_user()
    client = limited_app().test_client()
    for _ in range(6):
        _login(client, victim.email)
    assert _login(client, colleague.email, PASSWORD).status_code == 302


def test_unknown_email_is_limited_like_a_real_one(limited_app, clock):
    client = limited_app().test_client()
    for _ in range(5):
        assert _login(client, "tidak.ada@kelaskim.example").status_code == 401
    response = _login(client, "tidak.ada@kelaskim.example")
    assert response.status_code == 429 and TOO_MANY in response.get_data(as_text=True)


def test_limit_per_address_across_accounts(limited_app, clock, make_user):
    users = [make_user() for _ in range(4)]
    client = limited_app(LOGIN_LIMIT_PER_ADDRESS="3 per minute").test_client()
    for user in users[:3]:
        assert _login(client, user.email, address="10.0.0.7").status_code == 401
    assert _login(client, users[3].email, PASSWORD, address="10.0.0.7").status_code == 429
    other_address = _login(client, users[3].email, PASSWORD, address="10.0.0.8")
    assert other_address.status_code == 302


def test_lockout_is_recorded_once_with_the_address(limited_app, clock, make_user):
    user = make_user()
    client = limited_app().test_client()
    for _ in range(8):
        _login(client, user.email, address="10.20.30.40")
    failed, throttled = _audit("login_failed"), _audit("login_throttled")
    assert len(failed) == 5  # refused attempts never reach the password check
    assert [entry.ip for entry in failed] == ["10.20.30.40"] * 5
    assert [(entry.target, entry.ip) for entry in throttled] == [(user.email, "10.20.30.40")]


def test_limits_are_off_when_disabled(client, make_user):
    user = make_user()
    for _ in range(7):
        assert client.post("/masuk", data={"email": user.email, "password": WRONG}).status_code == 401
    assert client.post("/masuk", data={"email": user.email, "password": PASSWORD}).status_code == 302


def test_wrong_password_and_unknown_email_look_the_same(client, make_user):
    user = make_user()
    wrong = client.post("/masuk", data={"email": user.email, "password": WRONG})
    unknown = client.post("/masuk", data={"email": "bukan.akun@kelaskim.example", "password": WRONG})
    inactive = make_user(active=False)
    deactivated = client.post("/masuk", data={"email": inactive.email, "password": PASSWORD})
    pages = [r.get_data(as_text=True).replace(user.email, "EMAIL").replace("bukan.akun@kelaskim.example", "EMAIL")
             .replace(inactive.email, "EMAIL") for r in (wrong, unknown, deactivated)]
    assert wrong.status_code == unknown.status_code == deactivated.status_code == 401
    assert BAD_CREDENTIALS in pages[0]
    assert pages[0] == pages[1] == pages[2]


def test_login_logout_and_failures_are_audited_with_the_client_address(client, make_user):
    user = make_user(Role.TRAINER, "64")
    client.post("/masuk", data={"email": user.email, "password": WRONG}, environ_base={"REMOTE_ADDR": "203.0.113.9"})
    client.post("/masuk", data={"email": user.email, "password": PASSWORD}, environ_base={"REMOTE_ADDR": "203.0.113.9"})
    client.post("/keluar", environ_base={"REMOTE_ADDR": "203.0.113.9"})
    entries = {entry.action: entry for entry in _audit("login_failed") + _audit("login") + _audit("logout")}
    assert set(entries) == {"login_failed", "login", "logout"}
    assert {entry.ip for entry in entries.values()} == {"203.0.113.9"}
    assert entries["login"].actor_id == user.id and entries["logout"].actor_id == user.id
    assert entries["login_failed"].actor_id is None and entries["login_failed"].target == user.email


def test_address_from_a_trusted_proxy(limited_app, make_user):
    user = make_user()
    proxied = limited_app(TRUSTED_PROXY_HOPS=1).test_client()
    proxied.post("/masuk", data={"email": user.email, "password": WRONG},
                 headers={"X-Forwarded-For": "198.51.100.23"}, environ_base={"REMOTE_ADDR": "127.0.0.1"})
    assert [entry.ip for entry in _audit("login_failed")] == ["198.51.100.23"]


def test_forwarded_address_is_ignored_without_a_trusted_proxy(client, make_user):
    user = make_user()
    client.post("/masuk", data={"email": user.email, "password": WRONG}, headers={"X-Forwarded-For": "198.51.100.23"})
    assert [entry.ip for entry in _audit("login_failed")] == ["127.0.0.1"]


def test_login_starts_a_new_session_and_keeps_the_language(client, make_user):
    user = make_user()
    client.get("/bahasa/en")
    with client.session_transaction() as session:
        session["planted"] = "oleh-penyerang"
    client.post("/masuk", data={"email": user.email, "password": PASSWORD})
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["_user_id"] == user.get_id()
        assert session["lang"] == "en"
