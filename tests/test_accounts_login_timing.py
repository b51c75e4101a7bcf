"""No account oracle in the login's timing: an unknown email, an account waiting for activation and a
wrong password take the same time (medians compared as a ratio, measured in the same test).

The time measured is the CPU time of the thread that serves the request (the test client runs it in
this thread): the work the server does, which the attacker's clock follows, without the noise of other
processes on a busy machine."""
from __future__ import annotations

import statistics
import time

import pytest

from app import create_app
from app.accounts.models import Role, User, unusable_password_hash
from app.extensions import db
from tests.conftest import FreshContextClient, regency

# A hash that costs tens of milliseconds, like production's scrypt: with the suite's one-round hash
# a skipped password check would be too cheap to see.
COSTLY_HASH = "pbkdf2:sha256:60000"
ROUNDS = 9
MAX_RATIO = 1.5
WRONG = "bukan-sandinya-123"


@pytest.fixture
def costly_app(app):
    """The app on the test database, hashing passwords with a costly method."""
    costly = create_app({"TESTING": True, "SECRET_KEY": "test-secret", "WTF_CSRF_ENABLED": False,
                         "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                         "RATELIMIT_ENABLED": False, "PASSWORD_HASH_METHOD": COSTLY_HASH})
    costly.test_client_class = FreshContextClient
    yield costly
    with costly.app_context():
        db.engine.dispose()


def _account(email: str, pending: bool) -> None:
    user = User(email=email, full_name="Peserta Waktu", role=Role.TRAINEE, regency_id=regency("64.02").id)
    if pending:
        user.password_hash = unusable_password_hash()
    else:
        user.set_password("sandi-yang-benar-1")
    db.session.add(user)


def test_login_takes_as_long_for_unknown_pending_and_wrong_password(costly_app):
    with costly_app.app_context():
        _account("ada@waktu.example", pending=False)
        _account("belum.aktif@waktu.example", pending=True)
        db.session.commit()
    cases = {"unknown": "tidak.ada@waktu.example", "pending": "belum.aktif@waktu.example",
             "wrong password": "ada@waktu.example"}
    client = costly_app.test_client()
    client.post("/masuk", data={"email": "pemanasan@waktu.example", "password": WRONG})  # first-use costs out of the way
    timings: dict[str, list[float]] = {case: [] for case in cases}
    for _ in range(ROUNDS):
        for case, email in cases.items():  # interleaved, so that a noisy moment hits every case alike
            started = time.thread_time()
            response = client.post("/masuk", data={"email": email, "password": WRONG})
            timings[case].append(time.thread_time() - started)
            assert response.status_code == 401
    medians = {case: statistics.median(values) for case, values in timings.items()}
    ratio = max(medians.values()) / min(medians.values())
    assert ratio <= MAX_RATIO, {case: f"{seconds * 1000:.1f} ms" for case, seconds in medians.items()}
