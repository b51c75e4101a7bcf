"""Login limits across two gunicorn workers: with the shared store (Redis) the sixth wrong password in a minute is
refused whichever worker answers; with each worker's memory the limit multiplies, and gunicorn warns at start-up."""
from __future__ import annotations

import secrets

import pytest

from tests.bench.server import Gunicorn
from tests.bench.stack import REDIS_HINT, redis, redis_binary
from tests.conftest import PASSWORD
from tests.http_client import Browser
from tests.workers import ACCESS_LOG_ARGS, on_each_worker

WRONG = "salah-sekali-123"
# What app/gunicorn_conf.py logs when every worker counts in its own memory.
WARNING = "login limits are kept in each worker's memory"


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory):
    """A Redis server of this module's own (tests/bench/stack.py)."""
    if redis_binary() is None:
        pytest.skip(REDIS_HINT)
    with redis(tmp_path_factory.mktemp("redis")) as url:
        yield url


@pytest.fixture(scope="module", params=["redis", "memory"])
def server(request, app, tmp_path_factory):
    """gunicorn with two workers, the production config and login limits on, counted in Redis or in memory."""
    store = request.getfixturevalue("redis_url") if request.param == "redis" else "memory://"
    log = tmp_path_factory.mktemp("batas") / "gunicorn.log"
    env = {"DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "SECRET_KEY": secrets.token_hex(32),
           "SESSION_COOKIE_SECURE": "0", "RATELIMIT_STORAGE_URI": store}
    with Gunicorn("wsgi:app", log, env=env, workers=2, ready_path="/healthz", args=ACCESS_LOG_ARGS) as running:
        running.store = request.param
        yield running


def statuses(answers) -> list[int]:
    return [reply.status for reply in answers.values()]


def test_the_sixth_wrong_password_is_refused_by_either_worker_only_with_the_shared_store(server, make_user):
    user = make_user()
    browser = Browser(server.base_url)
    form = {"email": user.email, "csrf_token": browser.token("/masuk")}
    wrong = {**form, "password": WRONG}
    # Five wrong passwords: two on each worker, the fifth on either; no worker sees more than three.
    failed = statuses(on_each_worker(server, browser, "/masuk", "POST", wrong))
    failed += statuses(on_each_worker(server, browser, "/masuk", "POST", wrong))
    failed.append(browser.request("POST", "/masuk", wrong).status)
    assert failed == [401] * 5
    sixth = statuses(on_each_worker(server, browser, "/masuk", "POST", wrong))
    right = statuses(on_each_worker(server, browser, "/masuk", "POST", {**form, "password": PASSWORD}))
    warned = WARNING in server.log_path.read_text(errors="replace")
    if server.store == "redis":
        assert sixth == [429, 429] and right == [429, 429] and not warned
    else:  # what the shared store prevents: each worker counts only what it saw, and lets the right password in
        # (once logged in, the session is new: the other worker refuses the old form token with 400)
        assert sixth == [401, 401] and 302 in right and warned
