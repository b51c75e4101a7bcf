"""Shared fixtures: one app per test session, a clean database per test, factories and login."""
from __future__ import annotations

import email
import email.message
import email.policy
import itertools
import os
import re
import socket
import tempfile
import time
from contextlib import contextmanager

import pytest
from flask.testing import FlaskClient
from hypothesis import settings
from flask_migrate import upgrade
from sqlalchemy import MetaData, create_engine, event, make_url, text

from app import create_app
from app.accounts.models import Regency, Role, User
from app.catalog import outline
from app.extensions import cache, db, mail
from app.quizzes import bank

# No per-example deadline: on a machine shared by parallel runs a 0.05 ms example can take 300 ms,
# and a timed test only measures the machine's load (speed is measured by make bench).
settings.register_profile("kelaskim", deadline=None)
settings.load_profile("kelaskim")

PASSWORD = "rahasia-12345"
# One PBKDF2 round: the suite creates thousands of accounts; production hashes with scrypt.
TEST_PASSWORD_HASH = "pbkdf2:sha256:1"
KEEP_TABLES = {"regencies", "alembic_version"}  # seeded by the migrations, read-only in tests


def _database_url() -> str:
    """This process's test database: a fresh SQLite file, or DATABASE_URL's database (one per xdist worker)."""
    url = os.environ.get("DATABASE_URL")
    if not url:
        return "sqlite:///" + os.path.join(tempfile.mkdtemp(prefix="kelaskim-test-"), "test.sqlite3")
    # The suite empties every table: never let it near a database that is not meant for tests.
    if "test" not in url.rsplit("/", 1)[-1]:
        raise RuntimeError(f"DATABASE_URL must name a test database (its name must contain 'test'): {url}")
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    return _worker_database(url, worker) if worker else url


def _worker_database(url: str, worker: str) -> str:
    """DATABASE_URL's database with the worker's name appended (kelaskim_test_gw0), created if it is missing.

    Workers run side by side and each empties every table after every test, so each needs a database of its own.
    """
    base = make_url(url)
    name = f"{base.database}_{worker}"
    engine = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            exists = connection.scalar(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name})
            if not exists:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        engine.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


def _drop_everything() -> None:
    metadata = MetaData()
    metadata.reflect(bind=db.engine)
    metadata.drop_all(bind=db.engine)


@pytest.fixture(scope="session")
def app():
    """The app on a database built from empty by the migrations, as in production."""
    app = create_app({
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": _database_url(),
        "WTF_CSRF_ENABLED": False,
        "SESSION_COOKIE_SECURE": False,
        "REMEMBER_COOKIE_SECURE": False,
        "RATELIMIT_ENABLED": False,
        "PASSWORD_HASH_METHOD": TEST_PASSWORD_HASH,
    })
    app.test_client_class = FreshContextClient
    with app.app_context():
        _drop_everything()
        upgrade()
    yield app


class FreshContextClient(FlaskClient):
    """A test client whose every request gets its own app context, as in production.

    Without this a request would reuse the test's app context, and `g` (with the logged-in
    user cached by Flask-Login) would leak from one request into the next.
    """

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


def _empty_tables() -> None:
    tables = [t for t in reversed(db.metadata.sorted_tables) if t.name not in KEEP_TABLES]
    if db.engine.dialect.name == "postgresql":
        names = ", ".join(t.name for t in tables)
        db.session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    else:
        for table in tables:
            db.session.execute(table.delete())
    db.session.commit()


@pytest.fixture(autouse=True)
def clean_database(app):
    """Every test runs in its own app context and starts with the seeded regencies only."""
    with app.app_context():
        cache.clear()  # cached report figures must not leak from one test into the next
        # Emptied tables hand out the same course ids again: kept outlines must not outlive them.
        app.extensions[outline.EXTENSION].clear()
        app.extensions[bank.EXTENSION].clear()
        yield
        db.session.rollback()
        db.session.remove()
        _empty_tables()


@pytest.fixture
def client(app):
    """A test client for the app."""
    return app.test_client()


@pytest.fixture
def runner(app):
    """A runner for the app's CLI commands."""
    return app.test_cli_runner()


# The one script every page loads from the site itself (offline reading); no page has any other.
SITE_SCRIPT = re.compile(r'<script src="/static/luring\.js\?v=[0-9a-f]{10}" data-sw="/sw\.js" data-user="\d*" defer></script>')


def without_site_script(html: str) -> str:
    """The page without the site's own script tag, so that a test can check no other script is there."""
    return SITE_SCRIPT.sub("", html, count=1)


def regency(code: str) -> Regency:
    """Return a seeded regency by its Kemendagri code."""
    return db.session.execute(db.select(Regency).where(Regency.code == code)).scalar_one()


_counter = itertools.count(1)


@pytest.fixture
def make_user(app):
    """Factory: make_user(role=..., regency='64.02', **fields) creates and commits an account."""

    def make(role: str = Role.TRAINEE, regency_code: str = "64.02", password: str = PASSWORD, **fields) -> User:
        n = next(_counter)
        user = User(
            email=fields.pop("email", f"user{n}@kelaskim.example"),
            full_name=fields.pop("full_name", f"Pengguna {n}"),
            role=role,
            regency_id=regency(regency_code).id,
            **fields,
        )
        user.set_password(password)
        db.session.add(user)
        db.session.commit()
        return user

    return make


@pytest.fixture
def login_as(client):
    """Log the test client in as a user through the real login form."""

    def login(user: User, password: str = PASSWORD, the_client=None):
        response = (the_client or client).post("/masuk", data={"email": user.email, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return response

    return login


@pytest.fixture
def count_queries(app):
    """Context manager that counts the SQL statements run inside it."""

    @contextmanager
    def counting():
        statements: list[str] = []

        def before(conn, cursor, statement, parameters, context, executemany):
            statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", before)
        try:
            yield statements
        finally:
            event.remove(db.engine, "before_cursor_execute", before)

    return counting


# --- Email: a real SMTP server (aiosmtpd) on a free local port, and the messages it received.

LINK = re.compile(r"https?://\S+")


class Mailbox:
    """An SMTP handler that keeps every message it receives."""

    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []
        self.port = 0

    async def handle_DATA(self, server, session, envelope):
        """aiosmtpd calls this for each message accepted."""
        self.messages.append(email.message_from_bytes(envelope.original_content or envelope.content,
                                                      policy=email.policy.default))
        return "250 OK"

    def wait_for(self, count: int = 1, timeout: float = 10.0) -> list[email.message.EmailMessage]:
        """The messages once at least `count` have arrived (sending may finish after the response)."""
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        assert len(self.messages) >= count, f"{len(self.messages)} of {count} email(s) arrived"
        return list(self.messages)

    @staticmethod
    def text(message) -> str:
        """The plain-text part of a message."""
        return message.get_body(preferencelist=("plain",)).get_content()

    @staticmethod
    def html(message) -> str:
        """The HTML part of a message."""
        return message.get_body(preferencelist=("html",)).get_content()

    def link(self, message) -> str:
        """The one link in the plain-text part."""
        links = LINK.findall(self.text(message))
        assert len(links) == 1, links
        return links[0]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def smtp_server():
    """A real SMTP server for the whole run, started on first use."""
    try:
        from aiosmtpd.controller import Controller
    except ImportError:
        pytest.skip("aiosmtpd tidak terpasang: jalankan 'pip install -r requirements-dev.txt' untuk uji email.")
    box = Mailbox()
    box.port = _free_port()
    controller = Controller(box, hostname="127.0.0.1", port=box.port)
    controller.start()
    yield box
    controller.stop()


@pytest.fixture
def mailbox(app, smtp_server):
    """Point the app's MAIL_SERVER at the SMTP server for one test; its messages start empty."""
    smtp_server.messages.clear()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port, MAIL_USE_TLS=False, MAIL_SUPPRESS_SEND=False)
    mail.init_app(app)  # Flask-Mail reads its settings when initialised
    yield smtp_server
    app.config.update(MAIL_SERVER="")
    mail.init_app(app)


# --- Browser tests: Debian's Chromium driven by Playwright, against the app served from a thread.

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ARTIFACTS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "test-artifacts")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Launch Debian's Chromium (Playwright cannot download browsers here)."""
    if not os.path.exists(CHROMIUM):
        pytest.skip("Chromium tidak terpasang: jalankan 'apt-get install -y chromium' untuk uji peramban.")
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    """A phone-sized window: many trainees read on a 360 px wide screen."""
    return {**browser_context_args, "viewport": {"width": 360, "height": 740}, "locale": "id-ID"}


@pytest.fixture
def live_server(app):
    """Serve the app on a free local port from a thread; yields its base URL."""
    import threading

    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)


def log_in(page, base: str, email: str, password: str = PASSWORD, lands_on: str | None = None) -> None:
    """Log in through the login form in the browser; wait for the page it leads to (lands_on: its path)."""
    page.goto(f"{base}/masuk")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Kata sandi").fill(password)
    page.get_by_role("button", name="Masuk").click()
    if lands_on:
        page.wait_for_url(f"{base}{lands_on}")
    else:
        page.wait_for_load_state()


@pytest.fixture
def screenshot(page):
    """Save a full-page screenshot under test-artifacts/ and return its path."""
    os.makedirs(ARTIFACTS, exist_ok=True)

    def take(name: str) -> str:
        path = os.path.join(ARTIFACTS, f"{name}.png")
        page.screenshot(path=path, full_page=True)
        return path

    return take
