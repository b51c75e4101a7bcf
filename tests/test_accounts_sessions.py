"""Sessions that end: a cookie copied before a logout, a password change, an admin's reset, a deactivation
or an admin's "end all sessions" opens nothing afterwards, on either of two gunicorn workers."""
from __future__ import annotations

import secrets
from http.cookiejar import CookieJar

import pytest

from app.accounts.models import Role
from tests.bench.server import Gunicorn
from tests.http_client import Browser, Reply
from tests.workers import ACCESS_LOG_ARGS, WORKERS, on_each_worker

PROBE = "/akun/kata-sandi"  # a page every account may open
NEW_PASSWORD = "sandi-baru-2024"


@pytest.fixture(scope="module")
def server(app, tmp_path_factory):
    """gunicorn with two workers and the production config, on the suite's database (SQLite file or PostgreSQL)."""
    log = tmp_path_factory.mktemp("sesi") / "gunicorn.log"
    env = {"DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "SECRET_KEY": secrets.token_hex(32),
           "SESSION_COOKIE_SECURE": "0"}  # plain http on the loopback: the cookies must still be sent
    with Gunicorn("wsgi:app", log, env=env, workers=WORKERS, ready_path="/healthz", args=ACCESS_LOG_ARGS) as running:
        yield running


def _outcome(reply: Reply) -> str:
    if reply.status == 200:
        return "page"
    if reply.status == 302 and "/masuk?next=" in reply.location:
        return "login"
    return f"status {reply.status}"


def answers_per_worker(server: Gunicorn, browser: Browser) -> dict[int, set[str]]:
    """Open the probe page once on each of the two workers; what each worker answered."""
    return {pid: {_outcome(reply)} for pid, reply in on_each_worker(server, browser, PROBE).items()}


def remember_cookie_only(browser: Browser) -> Browser:
    """A browser holding only the remember-me cookie of another (its session cookie gone, as after a restart)."""
    jar = CookieJar()
    for cookie in browser.jar:
        if cookie.name == "remember_token":
            jar.set_cookie(cookie)
    assert len(jar) == 1, [cookie.name for cookie in browser.jar]
    return Browser(browser.base_url, jar)


def logged_in_with_copies(server: Gunicorn, email: str) -> tuple[Browser, Browser, Browser]:
    """Log in with "ingat saya"; return the browser, a copy of its cookies and a copy of its remember-me cookie."""
    browser = Browser(server.base_url)
    browser.login(email, remember="y")
    copied, remembered = browser.twin(), remember_cookie_only(browser)
    for stolen in (copied, remembered):  # both work on every worker before the event
        assert answers_per_worker(server, stolen) == dict.fromkeys(server.worker_pids(), {"page"})
    return browser, copied, remembered


def assert_refused_everywhere(server: Gunicorn, *browsers: Browser) -> None:
    """Every worker sends each of these browsers to the login page."""
    for browser in browsers:
        assert answers_per_worker(server, browser) == dict.fromkeys(server.worker_pids(), {"login"})


def test_logout_ends_a_copied_session_and_the_remember_me_cookie(server, make_user):
    trainee = make_user()
    browser, copied, remembered = logged_in_with_copies(server, trainee.email)
    assert browser.submit(PROBE, "/keluar").status == 302
    assert_refused_everywhere(server, copied, remembered)
    login_page = copied.request("GET", "/masuk")
    assert login_page.status == 200 and 'name="password"' in login_page.text


def test_password_change_ends_every_other_session_and_keeps_this_one(server, make_user):
    trainee = make_user()
    browser, copied, remembered = logged_in_with_copies(server, trainee.email)
    changed = browser.submit(PROBE, PROBE, {"current_password": "rahasia-12345", "new_password": NEW_PASSWORD,
                                            "confirm": NEW_PASSWORD})
    assert changed.status == 302
    assert_refused_everywhere(server, copied, remembered)
    assert answers_per_worker(server, browser) == dict.fromkeys(server.worker_pids(), {"page"})
    assert answers_per_worker(server, remember_cookie_only(browser)) == dict.fromkeys(server.worker_pids(), {"page"})


def _admin(server: Gunicorn, make_user) -> Browser:
    admin = make_user(Role.ADMIN, "64")
    browser = Browser(server.base_url)
    browser.login(admin.email)
    return browser


def test_an_admin_password_reset_ends_the_accounts_sessions(server, make_user):
    trainee = make_user()
    _, copied, remembered = logged_in_with_copies(server, trainee.email)
    admin = _admin(server, make_user)
    page = f"/admin/users/{trainee.id}"
    reset = admin.request("POST", f"{page}/kata-sandi", {"reset-new_password": NEW_PASSWORD, "reset-confirm": NEW_PASSWORD,
                                                          "reset-csrf_token": admin.token(page)})
    assert reset.status == 302 and "sudah diatur ulang" in admin.request("GET", page).text
    assert_refused_everywhere(server, copied, remembered)


def test_deactivation_ends_the_accounts_sessions(server, make_user):
    trainee = make_user()
    _, copied, remembered = logged_in_with_copies(server, trainee.email)
    admin = _admin(server, make_user)
    confirm = f"/admin/users/{trainee.id}/nonaktifkan"
    assert admin.submit(confirm, confirm).status == 302
    assert_refused_everywhere(server, copied, remembered)


def test_an_admins_end_all_sessions_logs_the_account_out_everywhere(server, make_user):
    trainee = make_user()
    browser, copied, remembered = logged_in_with_copies(server, trainee.email)
    admin = _admin(server, make_user)
    confirm = f"/admin/users/{trainee.id}/akhiri-sesi"
    assert "Akhiri semua sesi?" in admin.request("GET", confirm).text  # asked first
    assert admin.submit(confirm, confirm).status == 302
    assert_refused_everywhere(server, browser, copied, remembered)
    browser.login(trainee.email)  # the password still works
    assert answers_per_worker(server, browser) == dict.fromkeys(server.worker_pids(), {"page"})
