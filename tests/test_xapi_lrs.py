"""Statements reach a real LRS (Ralph): each exactly once, in batches, and none lost while it is down."""
from __future__ import annotations

import time
from collections import Counter

import pytest

from app.extensions import db, utcnow
from app.progress import services as progress
from app.xapi.models import XapiStatement
from tests.factories import make_course
from tests.lrs import PASSWORD, USERNAME, ralph  # noqa: F401 - the fixture
from tests.test_xapi_outbox import outbox, walk_course


@pytest.fixture
def configured(app, ralph, monkeypatch):  # noqa: F811 - the fixture
    """The app pointed at the running LRS, with short waits between retries."""
    for key, value in {"XAPI_ENDPOINT": ralph.endpoint, "XAPI_USERNAME": USERNAME, "XAPI_PASSWORD": PASSWORD,
                       "XAPI_RETRY_SECONDS": 1, "PUBLIC_BASE_URL": "https://kelaskim.kaltimprov.go.id"}.items():
        monkeypatch.setitem(app.config, key, value)
    return ralph


def held_by(lrs) -> Counter:
    """How many times the LRS holds each statement id."""
    return Counter(statement["id"] for statement in lrs.statements())


def test_a_completed_course_reaches_the_lrs_once_each_and_survives_an_outage(configured, client, runner, make_user,
                                                                              login_as, app):
    lrs = configured
    before = held_by(lrs)
    trainee = make_user()
    login_as(trainee)
    walk_course(client, make_course(modules=1, lessons=2))
    made = {row.statement_id: row.statement for row in outbox()}
    assert len(made) == 9

    result = runner.invoke(args=["xapi", "send", "--batch-size", "4"])  # three requests: 4 + 4 + 1
    assert result.exit_code == 0, result.output
    assert "Terkirim: 9, gagal (dicoba lagi nanti): 0." in result.output
    held = held_by(lrs) - before
    assert held == Counter({statement_id: 1 for statement_id in made})
    stored = {s["id"]: s for s in lrs.statements() if s["id"] in made}
    for statement_id, statement in made.items():
        for part in ("actor", "verb", "object", "timestamp"):
            assert stored[statement_id][part] == statement[part]
    passed = next(s for s in stored.values() if s["verb"]["id"].endswith("/passed"))
    assert passed["result"]["score"]["scaled"] == 1 and passed["result"]["success"] is True

    # Nothing is sent twice: a second run finds nothing due; a batch whose answer was lost and that
    # is sent again is stored once all the same (the ids are the statements' own).
    assert "Terkirim: 0" in runner.invoke(args=["xapi", "send"]).output
    db.session.execute(db.update(XapiStatement).where(XapiStatement.verb == "completed").values(sent_at=None))
    db.session.commit()
    assert runner.invoke(args=["xapi", "send"]).exit_code == 0
    assert held_by(lrs) - before == Counter({statement_id: 1 for statement_id in made})

    # The LRS goes down: new events wait in the outbox, nothing is lost, and they drain when it returns.
    lrs.stop()
    latecomer = make_user()
    course = make_course(modules=1, lessons=1)
    progress.enroll(latecomer, course)
    progress.mark_lesson_complete(latecomer, course, course.modules[0].lessons[0])
    db.session.commit()
    down = runner.invoke(args=["xapi", "send"])
    assert down.exit_code == 1 and "tidak dapat dihubungi" in down.output
    waiting = db.session.scalars(db.select(XapiStatement).where(XapiStatement.sent_at.is_(None))).all()
    assert [row.verb for row in waiting] == ["registered", "completed"] and all(row.tries == 1 for row in waiting)

    lrs.start()
    wait = max(row.next_attempt_at for row in waiting) - utcnow()
    time.sleep(max(0.0, wait.total_seconds()) + 0.1)
    back = runner.invoke(args=["xapi", "send"])
    assert back.exit_code == 0 and "Terkirim: 2" in back.output
    assert db.session.scalar(db.select(db.func.count()).where(XapiStatement.sent_at.is_(None))) == 0
    expected = {row.statement_id for row in outbox()}
    assert held_by(lrs) - before == Counter({statement_id: 1 for statement_id in expected})
