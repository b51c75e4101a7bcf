"""Two gunicorn instances on their own ports, behind nginx, sharing PostgreSQL and Redis, behave as one app.

The layout is the production one of README (Produksi), started by tests/bench/stack.py: a Redis
server and nginx of the test's own on free ports, and two instances with one worker each. Every
check aims at instance A or B by its port, so nothing depends on how requests happen to spread.
"""
from __future__ import annotations

import re
import secrets
import time

import pytest
import redis as redis_client

from app.accounts.models import Role
from app.extensions import db
from app.progress.models import Enrollment
from tests.bench import stack as production
from tests.conftest import PASSWORD
from tests.factories import lesson_path, make_course
from tests.http_client import Browser

WRONG = "bukan-kata-sandinya"
# The request line in each instance's log, so a test can tell which instance answered.
ACCESS_LOG_ARGS = ("--access-logfile", "-", "--access-logformat", "access %(r)s %(s)s")


@pytest.fixture(scope="module")
def instances(app, tmp_path_factory):
    """Redis, instances A and B (one worker each) on the test database, and nginx in front; stopped after the module."""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("Dua instans berbagi satu server basis data; SQLite adalah berkas untuk satu proses server: "
                    "jalankan dengan DATABASE_URL=postgresql+psycopg://.../kelaskim_test")
    for binary, hint in ((production.redis_binary(), production.REDIS_HINT),
                         (production.nginx_binary(), production.NGINX_HINT)):
        if binary is None:
            pytest.skip(hint)
    env = {"DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "SECRET_KEY": secrets.token_hex(32),
           "SESSION_COOKIE_SECURE": "0"}  # plain http on the loopback: the cookies must still be sent
    with production.layout(tmp_path_factory.mktemp("produksi"), env, instances=2, workers=1,
                           args=ACCESS_LOG_ARGS) as running:
        yield running


@pytest.fixture(autouse=True)
def fresh_redis(instances):
    """Each test starts with no login failures counted and no dashboard kept."""
    redis_client.Redis.from_url(instances.redis_url).flushdb()
    yield
    assert instances.errors_logged() == []


def on(instance, jar=None) -> Browser:
    """A browser talking to one instance directly; pass another browser's jar to carry its cookies over."""
    return Browser(instance.base_url, jar)


def enrolled_on_dashboard(browser: Browser) -> int:
    """The number of enrolments the province dashboard states."""
    page = browser.request("GET", "/laporan/")
    assert page.status == 200, page.text[:300]
    return int(re.search(r"Semua kursus: (\d+) pendaftaran\.", page.text).group(1))


def test_a_session_begun_on_one_instance_continues_on_the_other(instances, make_user):
    trainee = make_user(full_name="Siti Rahmawati")
    a, b = instances.instances
    on_a = on(a)
    on_a.login(trainee.email)
    on_b = on(b, on_a.jar)
    page = on_b.request("GET", "/akun")
    assert page.status == 200 and "Siti Rahmawati" in page.text

    # Logging out through B ends the session that A had started, on A too.
    copy_on_a = on(a, on_a.twin().jar)
    assert on_b.submit("/akun", "/keluar").status == 302
    assert copy_on_a.request("GET", "/akun").status == 302


def test_wrong_passwords_through_both_instances_count_against_one_limit(instances, make_user):
    user = make_user()
    a, b = instances.instances
    wrong = {"email": user.email, "password": WRONG}
    # Five wrong passwords, three through A and two through B: each instance alone has seen fewer than six.
    assert [on(i).submit("/masuk", "/masuk", wrong).status for i in (a, b, a, b, a)] == [401] * 5
    assert on(b).submit("/masuk", "/masuk", wrong).status == 429
    # The account now waits on both instances, even with the right password.
    right = {"email": user.email, "password": PASSWORD}
    assert [on(i).submit("/masuk", "/masuk", right).status for i in (a, b)] == [429, 429]


def test_dashboard_and_course_changes_are_shared(instances, make_user):
    course = make_course(modules=1, lessons=1)
    trainee, admin = make_user(), make_user(role=Role.ADMIN, regency_code="64")
    db.session.add(Enrollment(user_id=trainee.id, course_id=course.id))
    db.session.commit()
    a, b = instances.instances

    # A dashboard computed by A is what B serves, until it is a minute old: B does not count again.
    coordinator = make_user(role=Role.COORDINATOR, regency_code="64")
    on_a = on(a)
    on_a.login(coordinator.email)
    assert enrolled_on_dashboard(on_a) == 1
    db.session.add(Enrollment(user_id=make_user().id, course_id=course.id))
    db.session.commit()
    assert enrolled_on_dashboard(on(b, on_a.jar)) == 1

    # A lesson edited through A is what B shows on its very next request, though B had just shown it.
    learner, editor = on(b), on(a)
    learner.login(trainee.email)
    editor.login(admin.email)
    page = lesson_path(course)
    assert "Pelajaran 1.1" in learner.request("GET", page).text
    lesson = course.modules[0].lessons[0]
    edit = f"/kelola/pelajaran/{lesson.id}"
    reply = editor.submit(edit, edit, {"title": "Judul yang disunting lewat A", "slug": lesson.slug, "minutes": 5,
                                       "body": "Isi baru.", "objectives": "Memahami isi.", "sources": "Laporan"})
    assert reply.status == 302, reply.text[:300]
    assert "Judul yang disunting lewat A" in learner.request("GET", page).text


def test_nginx_sends_requests_to_both_instances_and_the_session_holds(instances, make_user):
    user = make_user(full_name="Andi Pratama")
    front = Browser(instances.front_url)
    front.login(user.email)
    markers = [secrets.token_hex(6) for _ in range(4)]
    pages = [front.request("GET", f"/akun?cek={marker}") for marker in markers]
    assert all(page.status == 200 and "Andi Pratama" in page.text for page in pages)
    assert all(answered_by(instance, markers) for instance in instances.instances)


def answered_by(instance, markers: list[str]) -> list[str]:
    """The marked requests the instance's access log shows, waiting a moment for the log to be written."""
    deadline = time.monotonic() + 5
    while True:
        log = instance.log_path.read_text(errors="replace")
        seen = [marker for marker in markers if marker in log]
        if seen or time.monotonic() > deadline:
            return seen
        time.sleep(0.05)
