"""Simultaneous requests through gunicorn on PostgreSQL: one grading per attempt, no progress lost or counted twice."""
from __future__ import annotations

import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import func, select
from werkzeug.security import generate_password_hash

from app.accounts.models import AuditEntry, Regency, Role, User
from app.config import ROOT
from app.extensions import db
from app.progress import services as progress
from app.progress.models import Certificate, Enrollment, LessonCompletion, ModuleCompletion
from app.quizzes import services as quizzes
from app.quizzes.models import Answer, Attempt, AttemptStatus, Quiz
from tests.conftest import PASSWORD
from tests.http_client import Browser, Reply
from tests.factories import make_course

WORKERS, THREADS = 4, 8
START_TIMEOUT = 120.0  # a wait for start-up, not a speed target: a shared machine under load needs longer
RUN_TIMEOUT = 90.0
# A cheap hash for these accounts: the tests are about concurrent writes, and 50 simultaneous
# scrypt checks would need over a gigabyte of memory on a small CI machine.
CHEAP_HASH = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
FAILED_REQUEST = re.compile(r"request \S+ failed: .*")  # what app/errors.py logs for every 500


@pytest.fixture
def postgresql(app):
    """These tests need row locks and many connections: PostgreSQL only."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("Uji serentak butuh PostgreSQL (SQLite menulis satu per satu): "
                    "jalankan dengan DATABASE_URL=postgresql+psycopg://.../kelaskim_test")
    return app


# --------------------------------------------------------------------------- gunicorn and an HTTP client


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """gunicorn serving wsgi:app with the production config on the suite's database."""

    def __init__(self, database_url: str, log_path: Path) -> None:
        self.port, self.log_path = _free_port(), log_path
        self.env = {**{k: v for k, v in os.environ.items() if k != "FLASK_DEBUG"},
                    "DATABASE_URL": database_url, "SECRET_KEY": secrets.token_hex(32), "PUBLIC_BASE_URL": self.base_url,
                    "SESSION_COOKIE_SECURE": "0"}  # plain http on the loopback: the cookie must still be sent
        self.process: subprocess.Popen | None = None

    @property
    def base_url(self) -> str:
        """http://127.0.0.1:<port>"""
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        """Start gunicorn and wait until it answers."""
        command = [sys.executable, "-m", "gunicorn", "--workers", str(WORKERS), "--worker-class", "gthread",
                   "--threads", str(THREADS), "--bind", f"127.0.0.1:{self.port}", "--timeout", "60", "wsgi:app"]
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn berhenti saat mulai:\n{self.log()}")
            try:
                with urllib.request.urlopen(self.base_url + "/healthz", timeout=2) as reply:
                    if reply.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                time.sleep(0.2)
        raise RuntimeError(f"gunicorn tidak siap dalam {START_TIMEOUT:.0f} detik:\n{self.log()}")

    def stop(self) -> None:
        """Stop the master and its workers (every request has been answered); kill them if they linger."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGINT)  # quick shutdown: no idle connection to wait for
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)

    def log(self) -> str:
        """What gunicorn and the app wrote."""
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def failed_requests(self) -> list[str]:
        """The requests the app answered with a 500, as logged."""
        return FAILED_REQUEST.findall(self.log())


@pytest.fixture
def server(postgresql, tmp_path):
    """A factory: call it once the test data is committed; gunicorn is stopped after the test."""
    started: list[Server] = []

    def start() -> Server:
        instance = Server(postgresql.config["SQLALCHEMY_DATABASE_URI"], tmp_path / "gunicorn.log")
        started.append(instance)
        instance.start()
        return instance

    yield start
    for instance in started:
        instance.stop()
    db.session.rollback()


def run_together(count: int, work: Callable[[int], None]) -> list[str]:
    """Run work(0..count-1) in threads released at once; return every failure, readable."""
    barrier = threading.Barrier(count, timeout=RUN_TIMEOUT)
    failures: list[str] = []

    def run(index: int) -> None:
        try:
            barrier.wait()
            work(index)
        except Exception as error:  # every thread's failure is reported, not only the first
            failures.append(f"#{index}: {error!r}")

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(count)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + RUN_TIMEOUT
    for thread in threads:
        thread.join(timeout=max(0.1, deadline - time.monotonic()))
    failures += [f"#{i}: still running after {RUN_TIMEOUT:.0f} s" for i, t in enumerate(threads) if t.is_alive()]
    return failures


# --------------------------------------------------------------------------- the data


def make_trainees(count: int, prefix: str) -> list[User]:
    """Trainees of Kutai Kartanegara with the test password, committed."""
    kukar = db.session.scalar(select(Regency).where(Regency.code == "64.02"))
    users = [User(email=f"{prefix}{n}@serentak.example", full_name=f"Peserta Serentak {n}", role=Role.TRAINEE,
                  regency_id=kukar.id, password_hash=CHEAP_HASH) for n in range(count)]
    db.session.add_all(users)
    db.session.commit()
    return users


def right_answers(quiz: Quiz) -> dict[str, list[str]]:
    """The form fields that answer every question of the quiz correctly."""
    fields = {}
    for question in quiz.questions:
        if question.type == "short":
            fields[f"q-{question.id}"] = [question.accepted[0]]
        else:
            fields[f"q-{question.id}"] = [str(choice.id) for choice in question.choices if choice.correct]
    return fields


def count(model, *where) -> int:
    """How many rows of the model match, read afresh."""
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


# --------------------------------------------------------------------------- the tests


def test_twenty_simultaneous_submissions_of_one_attempt_are_graded_once(server):
    trainee, = make_trainees(1, "sekali")
    course = make_course(slug="serentak-kirim", modules=1, lessons=1)
    quiz = course.modules[0].quiz
    progress.enroll(trainee, course)
    progress.mark_lesson_complete(trainee, course, course.modules[0].lessons[0])  # passing the quiz ends the course
    attempt = quizzes.start_attempt(trainee, quiz)
    db.session.commit()
    attempt_id, answers, n_questions = attempt.id, right_answers(quiz), len(quiz.questions)
    gunicorn = server()

    browser = Browser(gunicorn.base_url)
    browser.login(trainee.email)
    token = browser.token(f"/kuis/percobaan/{attempt_id}")
    twins = [browser.twin() for _ in range(20)]
    replies: list[Reply] = []

    def submit(index: int) -> None:
        reply = twins[index].request("POST", f"/kuis/percobaan/{attempt_id}/kirim", {**answers, "csrf_token": token})
        replies.append(reply)
        assert reply.status == 302 and reply.location.endswith(f"/kuis/percobaan/{attempt_id}/hasil"), \
            f"status {reply.status}, Location {reply.location!r}"

    failures = run_together(20, submit)
    assert not failures, "\n".join(failures) + "\n" + gunicorn.log()[-3000:]
    assert len(replies) == 20 and not gunicorn.failed_requests()

    db.session.expire_all()
    graded = db.session.get(Attempt, attempt_id)
    assert graded.status == AttemptStatus.SUBMITTED and graded.percent == 100.0 and graded.passed
    assert count(Answer, Answer.attempt_id == attempt_id) == n_questions
    assert count(Attempt, Attempt.user_id == trainee.id) == 1
    assert count(ModuleCompletion, ModuleCompletion.user_id == trainee.id) == 1
    assert count(Certificate, Certificate.user_id == trainee.id) == 1
    result = browser.request("GET", f"/kuis/percobaan/{attempt_id}/hasil")
    assert result.status == 200 and "100" in result.text


TRAINEES = 50


def learn_the_whole_course(browser: Browser, email: str, slug: str, lesson_paths: list[str], quiz_id: int,
                           answers: dict[str, list[str]]) -> None:
    """Log in, enrol, complete every lesson, start the quiz and pass it, checking every answer on the way."""
    browser.login(email)
    enrolled = browser.submit(f"/kursus/{slug}", f"/kursus/{slug}/daftar")
    assert enrolled.status == 302, f"enrol: {enrolled.status}"
    for path in lesson_paths:
        done = browser.submit(path, f"{path}/selesai")
        assert done.status == 302, f"complete {path}: {done.status}"
    started = browser.submit(f"/kuis/{quiz_id}", f"/kuis/{quiz_id}/mulai")
    attempt_path = started.location.removeprefix(browser.base_url)
    assert started.status == 302 and re.fullmatch(r"/kuis/percobaan/\d+", attempt_path), f"start: {started.status}"
    sent = browser.submit(attempt_path, f"{attempt_path}/kirim", answers)
    assert sent.status == 302 and sent.location.endswith("/hasil"), f"submit: {sent.status}"
    result = browser.request("GET", f"{attempt_path}/hasil")
    assert result.status == 200, f"result: {result.status}"


def test_fifty_trainees_finishing_a_course_at_once_lose_nothing_and_count_nothing_twice(server):
    trainees = make_trainees(TRAINEES, "kelas")
    course = make_course(slug="serentak-kelas", modules=1, lessons=3)
    module, quiz = course.modules[0], course.modules[0].quiz
    lesson_paths = [f"/kursus/{course.slug}/{module.slug}/{lesson.slug}" for lesson in module.lessons]
    args = (course.slug, lesson_paths, quiz.id, right_answers(quiz))
    emails, n_lessons, n_questions = [t.email for t in trainees], len(lesson_paths), len(quiz.questions)
    ids = [t.id for t in trainees]
    gunicorn = server()

    failures = run_together(TRAINEES, lambda i: learn_the_whole_course(Browser(gunicorn.base_url), emails[i], *args))
    assert not failures, "\n".join(failures) + "\n" + gunicorn.log()[-3000:]
    assert not gunicorn.failed_requests()

    db.session.expire_all()
    in_course = Enrollment.course_id == course.id
    enrollments = db.session.scalars(select(Enrollment).where(in_course)).all()
    assert sorted(e.user_id for e in enrollments) == sorted(ids)
    completions = dict(db.session.execute(
        select(LessonCompletion.user_id, func.count(LessonCompletion.id)).group_by(LessonCompletion.user_id)).all())
    assert completions == dict.fromkeys(ids, n_lessons)
    assert {e.user_id: e.lessons_completed for e in enrollments} == dict.fromkeys(ids, n_lessons)
    assert all(e.completed_at is not None and e.best_score_percent == 100.0 for e in enrollments)
    assert count(ModuleCompletion) == TRAINEES
    certificates = db.session.execute(
        select(Certificate.user_id, Certificate.code).where(Certificate.course_id == course.id)).all()
    assert sorted(user_id for user_id, _code in certificates) == sorted(ids)  # one each, nobody twice
    assert len({code for _user_id, code in certificates}) == TRAINEES
    attempts = db.session.scalars(select(Attempt).where(Attempt.quiz_id == quiz.id)).all()
    assert sorted(a.user_id for a in attempts) == sorted(ids)
    assert all(a.status == AttemptStatus.SUBMITTED and a.passed for a in attempts)
    assert count(Answer) == TRAINEES * n_questions
    assert count(AuditEntry, AuditEntry.action == "login") == TRAINEES


TABS = 10  # trainees, each finishing the last steps of a course in several tabs at once


def test_one_trainee_finishing_in_several_tabs_at_once_gets_every_lesson_counted_and_the_certificate(server):
    trainees = make_trainees(TABS, "tab")
    course = make_course(slug="serentak-tab", modules=1, lessons=4)
    module, quiz = course.modules[0], course.modules[0].quiz
    attempts = {}
    for trainee in trainees:
        progress.enroll(trainee, course)
        attempts[trainee.id] = quizzes.start_attempt(trainee, quiz).id
    db.session.commit()
    lesson_paths = [f"/kursus/{course.slug}/{module.slug}/{lesson.slug}" for lesson in module.lessons]
    answers, ids, n_lessons = right_answers(quiz), [t.id for t in trainees], len(lesson_paths)
    gunicorn = server()

    # Each trainee's tabs: one per lesson ("Tandai selesai") and one on the quiz ("Kirim jawaban").
    tabs = []
    for trainee in trainees:
        browser = Browser(gunicorn.base_url)
        browser.login(trainee.email)
        token = browser.token(f"/kuis/percobaan/{attempts[trainee.id]}")
        tabs += [(browser.twin(), f"{path}/selesai", {"csrf_token": token}) for path in lesson_paths]
        tabs.append((browser.twin(), f"/kuis/percobaan/{attempts[trainee.id]}/kirim", {**answers, "csrf_token": token}))

    def press(index: int) -> None:
        browser, action, fields = tabs[index]
        reply = browser.request("POST", action, fields)
        assert reply.status == 302, f"POST {action}: status {reply.status}"

    failures = run_together(len(tabs), press)
    assert not failures, "\n".join(failures) + "\n" + gunicorn.log()[-3000:]
    assert not gunicorn.failed_requests()

    db.session.expire_all()
    enrollments = db.session.scalars(select(Enrollment).where(Enrollment.course_id == course.id)).all()
    assert {e.user_id: e.lessons_completed for e in enrollments} == dict.fromkeys(ids, n_lessons)
    assert {e.user_id: e.completed_at is not None for e in enrollments} == dict.fromkeys(ids, True)
    assert sorted(db.session.scalars(select(ModuleCompletion.user_id))) == sorted(ids)
    assert sorted(db.session.scalars(select(Certificate.user_id))) == sorted(ids)
