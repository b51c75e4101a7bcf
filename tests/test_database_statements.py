"""Statements per request on the hot paths: each write is one transaction, and nothing is read after its commit.

On PostgreSQL every transaction is a connection checkout, BEGIN and COMMIT or ROLLBACK, so a read
after the view's commit (an expired object loaded again) costs a second transaction.
"""
from __future__ import annotations

from contextlib import contextmanager

import pytest
from sqlalchemy import event, select, text

from app.accounts.models import User
from app.extensions import db
from tests.factories import ANSWERS, make_course
from tests.test_quizzes_attempts import enrol, sheet, start


@contextmanager
def statements_and_commits():
    """Each SQL statement in order, with "COMMIT" where a transaction was committed."""
    seen: list[str] = []

    def statement(conn, cursor, text, parameters, context, executemany):
        seen.append(text)

    def commit(conn):
        seen.append("COMMIT")

    event.listen(db.engine, "before_cursor_execute", statement)
    event.listen(db.engine, "commit", commit)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", statement)
        event.remove(db.engine, "commit", commit)


def after_commit(seen: list[str]) -> list[str]:
    """The statements run after the first commit."""
    assert "COMMIT" in seen
    return seen[seen.index("COMMIT") + 1:]


@pytest.fixture
def quiz_taker(make_user, login_as):
    course = make_course(modules=1, lessons=1)
    user = make_user(locale="en")
    enrol(user, course)
    login_as(user)
    return course.modules[0].quiz


def test_starting_and_submitting_a_quiz_read_nothing_after_the_commit(client, quiz_taker):
    with statements_and_commits() as starting:
        attempt_id = start(client, quiz_taker)
    assert after_commit(starting) == []

    with statements_and_commits() as submitting:
        reply = client.post(f"/kuis/percobaan/{attempt_id}/kirim", data=sheet(quiz_taker, ANSWERS))
    assert reply.status_code == 302 and reply.location.endswith(f"/kuis/percobaan/{attempt_id}/hasil")
    assert after_commit(submitting) == []

    # The message flashed after the commit is still in the account's language, without reading the account again.
    assert "Your answers have been marked." in client.get(reply.location).get_data(as_text=True)


def test_a_read_only_request_keeps_the_servers_prepared_statements_and_a_write_is_still_undone(app, make_user):
    user = make_user(full_name="Nur Aisyah")
    by_id = select(User.full_name).where(User.id == user.id)
    for _ in range(12):  # psycopg prepares a statement on its sixth run on a connection
        with app.app_context():
            assert db.session.scalar(by_id) == "Nur Aisyah"
            db.session.remove()  # ends the read-only transaction, as every request does
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            prepared = db.session.scalars(text("SELECT statement FROM pg_prepared_statements")).all()
            assert any("FROM users" in statement for statement in prepared), prepared
        db.session.remove()

    with app.app_context():  # flushed but never committed, as in a refused submission
        db.session.get(User, user.id).full_name = "Diubah"
        db.session.flush()
        assert db.session.scalar(by_id) == "Diubah"
        db.session.remove()
    with app.app_context():
        assert db.session.scalar(by_id) == "Nur Aisyah"
