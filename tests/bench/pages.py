"""The pages under test, one entry each, and how a bench user reaches them (URLs, sign-in, quiz flow)."""
from __future__ import annotations

import random
from dataclasses import dataclass

from flask import Flask, session, url_for
from flask_login import login_user

from app.accounts.models import User
from app.extensions import db
from tests.bench import wrk
from tests.bench.client import USER_AGENT, Browser, Form, csrf_token, forms_of
from tests.bench.datagen import Dataset
from tests.bench.results import NOT_BUILT, OK, Throughput, error

ANONYMOUS = "anonymous"
ACCOUNT_LABELS = {ANONYMOUS: "tamu", "trainee": "peserta", "province": "koordinator provinsi",
                  "coordinator": "koordinator kabupaten", "trainer": "pelatih", "admin": "admin"}


@dataclass(frozen=True)
class Page:
    """A page measured under load: who opens it, its endpoint, and the target it must meet."""

    key: str
    label: str
    account: str
    endpoint: str
    kind: str = "get"  # get | quiz (the open attempt's page) | submit (POST of an already graded attempt)
    weighed: bool = False


# Add a page here and it is measured, weighed and reported. A page whose endpoint does not exist
# at the commit being measured shows as "belum dibangun" (not yet built).
PAGES: tuple[Page, ...] = (
    Page("landing", "Beranda (tamu)", ANONYMOUS, "main.index"),
    Page("login", "Formulir masuk (tamu)", ANONYMOUS, "accounts.login"),
    Page("lesson", "Pelajaran (peserta)", "trainee", "learning.lesson", weighed=True),
    Page("quiz", "Kuis, percobaan terbuka (peserta)", "trainee", "quizzes.take", kind="quiz", weighed=True),
    Page("submit", "Kirim kuis: kiriman ulang (peserta)", "trainee", "quizzes.submit", kind="submit"),
    Page("my_courses", "Kursus saya (peserta)", "trainee", "learning.my_courses", weighed=True),
    Page("dashboard", "Dasbor (koordinator provinsi)", "province", "reports.dashboard", weighed=True),
    Page("roster", "Daftar peserta (koordinator provinsi)", "province", "reports.roster"),
    Page("admin_users", "Daftar akun (admin)", "admin", "admin.users"),
)
# The quiz flow: the landing page of a quiz (holds the start form), start, the open attempt, submit.
QUIZ_ENDPOINTS = ("quizzes.overview", "quizzes.start", "quizzes.take", "quizzes.submit")
P99_TARGET_MS = 100.0


def url_values(dataset: Dataset) -> dict[str, object]:
    """Values for any URL argument the learning and quiz routes may use, from the bench target."""
    t = dataset.target
    return {"slug": t["course_slug"], "course_slug": t["course_slug"], "module_slug": t["module_slug"],
            "lesson_slug": t["lesson_slug"], "course_id": t["course_id"], "module_id": t["module_id"],
            "lesson_id": t["lesson_id"], "quiz_id": t["quiz_id"]}


def build_url(app: Flask, endpoint: str, values: dict[str, object]) -> str | None:
    """The path of an endpoint, filling its arguments by name; None when the endpoint does not exist."""
    if endpoint not in app.view_functions:
        return None
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    with app.test_request_context():
        return url_for(endpoint, **{name: values[name] for name in rule.arguments if name in values})


def routes_by_blueprint(app: Flask) -> dict[str, list[str]]:
    """Endpoints per blueprint, as `flask routes` lists them."""
    found: dict[str, list[str]] = {}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        blueprint = rule.endpoint.split(".", 1)[0] if "." in rule.endpoint else "app"
        found.setdefault(blueprint, []).append(rule.endpoint)
    return found


# --- Signing in ------------------------------------------------------------------------------

def login(base_url: str, email: str, password: str) -> Browser:
    """Sign in through the real login form and return a browser holding the session cookie."""
    browser = Browser(base_url)
    page = browser.get("/masuk")
    form = next((f for f in forms_of(page.text, "/masuk") if f.method == "post"), None)
    if page.status != 200 or form is None:
        raise RuntimeError(f"formulir masuk tidak ditemukan (status {page.status})")
    fields = form.fill({"email": email, "password": password}, choose=False)
    reply = browser.post(form.action, fields)
    if reply.status != 302:
        raise RuntimeError(f"gagal masuk sebagai {email}: status {reply.status}")
    return browser


def minted_browser(app: Flask, base_url: str, user_id: int) -> Browser:
    """A browser signed in with a session cookie made by Flask-Login with the app's own key.

    Hundreds of trainees sign in for the quiz runs: through the form each login would hash a
    password (about 0.1 s of CPU) and the login rate limit would refuse most of them.
    """
    with app.test_request_context("/", headers={"User-Agent": USER_AGENT}, environ_base={"REMOTE_ADDR": "127.0.0.1"}):
        login_user(db.session.get(User, user_id))
        cookie = app.session_interface.get_signing_serializer(app).dumps(dict(session))
        db.session.remove()
    return Browser(base_url, {app.config.get("SESSION_COOKIE_NAME", "session"): cookie})


# --- The quiz flow ---------------------------------------------------------------------------

@dataclass
class QuizPaths:
    """Where a trainee starts the bench quiz, and a page to take the CSRF token from."""

    overview: str
    start: str


def quiz_paths(app: Flask, dataset: Dataset) -> QuizPaths | None:
    """The bench quiz's landing and start paths, or None while the quiz engine is not built."""
    values = url_values(dataset)
    if any(endpoint not in app.view_functions for endpoint in QUIZ_ENDPOINTS):
        return None
    return QuizPaths(build_url(app, "quizzes.overview", values), build_url(app, "quizzes.start", values))


@dataclass
class OpenAttempt:
    """An attempt a trainee has open: its page, and the answers ready to submit."""

    take_path: str
    submit_path: str
    fields: list[tuple[str, str]]


def start_fields(browser: Browser, paths: QuizPaths) -> list[tuple[str, str]]:
    """The fields of the quiz's start form (with the session's CSRF token), from the quiz's landing page."""
    page = browser.get(paths.overview)
    if page.status != 200:
        raise RuntimeError(f"halaman kuis {paths.overview}: status {page.status}")
    form = next((f for f in forms_of(page.text, paths.overview) if f.action == paths.start), None)
    if form is not None:
        return form.fill(choose=False)
    token = csrf_token(page.text)
    return [("csrf_token", token)] if token else []


def start(browser: Browser, paths: QuizPaths, fields: list[tuple[str, str]]) -> str:
    """Start (or continue) an attempt; return the path of its page."""
    reply = browser.post(paths.start, fields)
    if reply.status != 302 or not reply.location:
        raise RuntimeError(f"mulai kuis: status {reply.status}")
    return reply.location


def open_attempt(browser: Browser, take_path: str, rng: random.Random | None = None) -> OpenAttempt:
    """Open the attempt's page and fill its answer form."""
    page = browser.get(take_path)
    if page.status != 200:
        raise RuntimeError(f"halaman percobaan {take_path}: status {page.status}")
    form = quiz_form(page.text, take_path)
    return OpenAttempt(take_path, form.action, form.fill(rng=rng))


def quiz_form(html: str, path: str) -> Form:
    """The form on an attempt page that carries the questions."""
    form = next((f for f in forms_of(html, path) if f.method == "post" and f.is_quiz), None)
    if form is None:
        raise RuntimeError(f"tidak ada formulir soal di {path}")
    return form


def submit(browser: Browser, attempt: OpenAttempt) -> None:
    """Submit the answers; the app answers with a redirect to the result."""
    reply = browser.post(attempt.submit_path, attempt.fields)
    if reply.status != 302:
        raise RuntimeError(f"kirim jawaban: status {reply.status}")


# --- Throughput --------------------------------------------------------------------------------

@dataclass
class Target:
    """A page resolved for one run: its path, the signed-in browser, and the POST body if any."""

    page: Page
    path: str
    browser: Browser
    form: list[tuple[str, str]] | None = None


def resolve(page: Page, app: Flask, dataset: Dataset, browsers: dict[str, Browser],
            attempt: OpenAttempt | None) -> Target | str:
    """The target of a page, or the status explaining why it cannot be measured."""
    browser = browsers.get(page.account)
    if browser is None:
        return error(f"akun {page.account} tidak bisa masuk")
    if page.kind in ("quiz", "submit"):
        if attempt is None:
            return NOT_BUILT
        return Target(page, attempt.take_path if page.kind == "quiz" else attempt.submit_path, browser,
                      attempt.fields if page.kind == "submit" else None)
    path = build_url(app, page.endpoint, url_values(dataset))
    return Target(page, path, browser) if path else NOT_BUILT


def measure(target: Target, base_url: str, load: wrk.Load) -> Throughput:
    """Check the page answers as it should, warm both workers, then load it with wrk."""
    page = target.page
    row = Throughput(page.key, page.label, page.account, target.path)
    expected = 302 if target.form is not None else 200
    for _ in range(6):
        reply = target.browser.request("POST" if target.form is not None else "GET", target.path, target.form)
        if reply.status != expected:
            row.status = error(f"status {reply.status}, diharapkan {expected}")
            return row
    headers = {"User-Agent": USER_AGENT}
    if target.browser.cookies:
        headers["Cookie"] = target.browser.cookie_header()
    result = wrk.run(base_url + target.path, load, headers=headers, form=target.form)
    row.rps, row.p50_ms, row.p99_ms = result.requests_per_s, result.p50_ms, result.p99_ms
    row.requests, row.errors = result.requests, result.errors
    return row


def sign_in(dataset: Dataset, base_url: str) -> tuple[dict[str, Browser], list[str]]:
    """Browsers for every account a page needs, signed in through the login form."""
    browsers: dict[str, Browser] = {ANONYMOUS: Browser(base_url)}
    problems = []
    for account in sorted({p.account for p in PAGES} - {ANONYMOUS}):
        email = dataset.accounts.get(account)
        try:
            browsers[account] = login(base_url, email, dataset.password)
        except (RuntimeError, OSError) as failure:
            problems.append(str(failure))
    return browsers, problems


def prepare_attempt(app: Flask, dataset: Dataset, browser: Browser) -> OpenAttempt | None:
    """Open an attempt at the bench quiz for the page trainee; None while the quiz engine is not built."""
    paths = quiz_paths(app, dataset)
    if paths is None:
        return None
    take_path = start(browser, paths, start_fields(browser, paths))
    return open_attempt(browser, take_path)


def summary(row: Throughput) -> str:
    """One console line for a measured page."""
    if row.status != OK:
        return f"  {row.label}: {row.status}"
    return f"  {row.label}: {row.rps:,.0f} req/s, p50 {row.p50_ms:.1f} ms, p99 {row.p99_ms:.1f} ms, galat {row.errors}"
