"""flask backup and flask restore: backup, wipe, restore, and every table is as it was (SQLite and PostgreSQL)."""
from __future__ import annotations

import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url

from app import backup, create_app
from app.accounts import services
from app.accounts.models import Regency, Role, User
from app.extensions import db
from app.catalog.models import CourseFile, Revision
from app.progress.models import Certificate, Enrollment, LessonCompletion, ModuleCompletion
from app.quizzes.models import Answer, Attempt, AttemptGrant
from app.reports.models import Reminder
from app.xapi.models import XapiStatement
from tests.authz_matrix import _PIXEL as PIXEL, sign_in
from tests.factories import make_course

WHEN = datetime(2026, 11, 26, 3, 15, 42, 123000, tzinfo=UTC)


def canonical_dump() -> dict[str, list[tuple]]:
    """Every row of every table, ordered by primary key, read on a connection of its own."""
    with db.engine.connect() as connection:
        return {
            table.name: [tuple(row) for row in connection.execute(select(table).order_by(*table.primary_key.columns))]
            for table in db.metadata.sorted_tables
        }


def populate(make_user) -> None:
    """Put rows in every table: accounts, a course with quizzes, progress, an attempt, a certificate, audit."""
    trainer = make_user(Role.TRAINER, "64", full_name="Pelatih Ña ✓")
    trainee = make_user(nip="199001012015031002", phone="6281234567890", unit="KIM Tenggarong")
    course = make_course(owners=[trainer])
    module = course.modules[0]
    lesson, quiz = module.lessons[0], module.quiz
    question = quiz.questions[0]
    attempt = Attempt(quiz_id=quiz.id, user_id=trainee.id, number=1, status="submitted", layout=[{"q": question.id, "c": [2, 0, 1]}],
                      started_at=WHEN, submitted_at=WHEN, score=3.5, max_score=4.0, percent=87.5, passed=True)
    attempt.answers = [Answer(question_id=question.id, response=["1"], score=1.0, max_score=1.0, correct=True)]
    enrollment = Enrollment(user_id=trainee.id, course_id=course.id, enrolled_at=WHEN, last_activity_at=WHEN,
                            last_lesson_id=lesson.id, lessons_completed=1, best_score_percent=87.5)
    db.session.add(enrollment)
    db.session.flush()
    db.session.add_all([
        Reminder(enrollment_id=enrollment.id, reminded_by_id=trainer.id, reminded_at=WHEN),
        CourseFile(course_id=course.id, name="satu-piksel.png", kind="image", media_type="image/png", alt="Satu piksel",
                   sha256="0" * 64, size=len(PIXEL), width=1, height=1, content=PIXEL, updated_at=WHEN),
        LessonCompletion(user_id=trainee.id, lesson_id=lesson.id, completed_at=WHEN),
        ModuleCompletion(user_id=trainee.id, module_id=module.id, completed_at=WHEN),
        Certificate(code="KIM-2026-AB12CD", user_id=trainee.id, course_id=course.id, completed_at=WHEN),
        Revision(entity_type="lesson", entity_id=lesson.id, author_id=trainer.id, summary="Ubah judul",
                 snapshot={"judul": "Pelajaran — édisi 2", "daftar": [1, 2.5, None]}),
        attempt,
        AttemptGrant(quiz_id=quiz.id, user_id=trainee.id, extra=1, reason="Sinyal putus — ✓", granted_by_id=trainer.id,
                     granted_at=WHEN),
        XapiStatement(statement_id="0b9a2f4e-6c1d-4b7a-9e55-3f1d2c8a7b60", user_id=trainee.id, verb="registered",
                      statement={"id": "0b9a2f4e-6c1d-4b7a-9e55-3f1d2c8a7b60", "verb": {"display": {"id-ID": "mendaftar"}}},
                      created_at=WHEN, sent_at=WHEN, tries=2, last_error="HTTP 503"),
    ])
    services.record("login", actor=trainee, target=trainee.email, ip="10.0.0.1")
    db.session.commit()


def wipe() -> None:
    """Delete every row of every application table, the seeded regencies included."""
    for table in reversed(db.metadata.sorted_tables):
        db.session.execute(table.delete())
    db.session.commit()


@pytest.fixture
def backend(app):
    """The database under test; the PostgreSQL variant needs the client tools."""
    name = db.engine.dialect.name
    if name == "postgresql" and not (shutil.which("pg_dump") and shutil.which("pg_restore")):
        pytest.skip("pg_dump/pg_restore tidak terpasang: apt-get install postgresql-client")
    yield name
    db.session.rollback()
    if not db.session.scalar(select(db.func.count()).select_from(Regency)):
        services.seed_regencies()  # a failed restore must not leave the next tests without regencies
        db.session.commit()


def test_backup_wipe_restore_gives_back_identical_data(backend, runner, make_user, tmp_path):
    populate(make_user)
    before = canonical_dump()
    assert all(before.values()), [name for name, rows in before.items() if not rows]
    target = tmp_path / "kelaskim.backup"
    result = runner.invoke(args=["backup", str(target)])
    assert result.exit_code == 0, result.output
    assert "Cadangan disimpan" in result.output and target.stat().st_size > 0
    wipe()
    assert not canonical_dump()["users"]
    db.session.close()  # the restore replaces tables: hold no transaction open on them
    result = runner.invoke(args=["restore", "--yes", str(target)])
    assert result.exit_code == 0, result.output
    assert canonical_dump() == before
    make_user()  # and the database still takes new rows (PostgreSQL sequences restored too)


def add_roster_rows(make_user) -> list[str]:
    """More trainees on the roster: accents, a formula-like name, another regency, progress at every stage."""
    names = ["=Siti Ña’ Rahmé", "Budi, \"KIM\" Loa Janan", "Dayang Mahulu"]
    course = make_course(slug="cadangan-roster", modules=1, lessons=2)
    lesson = course.modules[0].lessons[0]
    for n, (name, code) in enumerate(zip(names, ("64.02", "64.72", "64.11"))):
        trainee = make_user(regency_code=code, full_name=name, nip=f"19900101201503{n:04d}")
        enrollment = Enrollment(user_id=trainee.id, course_id=course.id, enrolled_at=WHEN, lessons_completed=n,
                                last_activity_at=WHEN if n else None, best_score_percent=[None, 62.5, 100.0][n],
                                completed_at=WHEN if n == 2 else None)
        db.session.add(enrollment)
        if n:
            db.session.add(LessonCompletion(user_id=trainee.id, lesson_id=lesson.id, completed_at=WHEN))
    db.session.commit()
    return names


def test_the_roster_export_is_byte_identical_after_backup_wipe_and_restore(backend, app, runner, make_user, tmp_path):
    populate(make_user)
    names = add_roster_rows(make_user)
    admin = make_user(Role.ADMIN, "64")
    client = app.test_client()
    sign_in(client, admin)
    before = client.get("/laporan/peserta.csv")
    assert before.status_code == 200 and before.is_streamed
    exported = before.get_data()
    assert all(name.replace('"', '""') in exported.decode("utf-8-sig") for name in names)
    target = tmp_path / "kelaskim.backup"
    assert runner.invoke(args=["backup", str(target)]).exit_code == 0
    wipe()
    db.session.close()
    assert runner.invoke(args=["restore", "--yes", str(target)]).exit_code == 0
    after = client.get("/laporan/peserta.csv")  # the same session: the admin's account came back with its id
    assert after.status_code == 200
    assert after.get_data() == exported


def test_restore_asks_first_and_no_changes_nothing(backend, runner, make_user, tmp_path):
    make_user(email="sebelum@kelaskim.example")
    target = tmp_path / "kelaskim.backup"
    assert runner.invoke(args=["backup", str(target)]).exit_code == 0
    make_user(email="sesudah@kelaskim.example")
    db.session.close()
    result = runner.invoke(args=["restore", str(target)], input="n\n")
    assert result.exit_code == 1
    assert "akan diganti" in result.output
    emails = set(db.session.scalars(select(User.email)))
    assert emails == {"sebelum@kelaskim.example", "sesudah@kelaskim.example"}


def test_restore_refuses_a_file_that_is_not_a_backup(backend, runner, make_user, tmp_path):
    make_user(email="tetap@kelaskim.example")
    junk = tmp_path / "bukan-cadangan.db"
    junk.write_bytes(b"ini bukan cadangan\n" * 100)
    db.session.close()
    result = runner.invoke(args=["restore", "--yes", str(junk)])
    assert result.exit_code == 1
    assert "bukan" in result.output or "gagal" in result.output
    assert set(db.session.scalars(select(User.email))) == {"tetap@kelaskim.example"}


def test_missing_postgresql_tools_give_a_clear_message_and_exit_1(app, monkeypatch, tmp_path):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    pg_app = create_app({"TESTING": True, "SECRET_KEY": "test-secret",
                         "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://kelaskim:rahasia@127.0.0.1:1/kelaskim"})
    for args in (["backup", str(tmp_path / "x.dump")], ["restore", "--yes", __file__]):
        with pg_app.app_context():  # the CLI runs in the current app context when there is one
            result = pg_app.test_cli_runner().invoke(args=args)
        assert result.exit_code == 1
        assert "tidak ditemukan" in result.output and "postgresql-client" in result.output


def test_the_password_goes_through_the_environment_not_the_command_line(monkeypatch, tmp_path):
    calls = []

    def fake_run(command, env, **kwargs):
        calls.append((command, env))
        if command[-1].startswith("--file="):
            Path(command[-1].removeprefix("--file=")).write_bytes(b"PGDMP")
        return subprocess.CompletedProcess(command, 0, "", "")

    monkeypatch.setattr(shutil, "which", lambda name: f"/usr/bin/{name}")
    monkeypatch.setattr(subprocess, "run", fake_run)
    url = make_url("postgresql+psycopg://kelaskim:s%40ndi-rahasia@db.internal:6543/kelaskim?sslmode=require")
    backup.pg_backup(url, tmp_path / "k.dump")
    backup.pg_restore(url, tmp_path / "k.dump")
    (dump, dump_env), (restore, restore_env) = calls
    assert dump[0].endswith("pg_dump") and "--format=custom" in dump
    assert {"--clean", "--if-exists", "--no-owner"} <= set(restore)
    for command, env in calls:
        assert "s@ndi-rahasia" not in " ".join(command)
        assert env["PGPASSWORD"] == "s@ndi-rahasia" and env["PGHOST"] == "db.internal" and env["PGPORT"] == "6543"
        assert env["PGUSER"] == "kelaskim" and env["PGDATABASE"] == "kelaskim" and env["PGSSLMODE"] == "require"
    assert "lock_timeout" in restore_env["PGOPTIONS"]


def test_other_databases_are_refused(tmp_path):
    engine = SimpleNamespace(dialect=SimpleNamespace(name="mysql"))  # no MySQL driver needed to be refused
    with pytest.raises(backup.BackupError, match="tidak didukung"):
        backup.backup_database(engine, tmp_path / "x")
    with pytest.raises(backup.BackupError, match="tidak didukung"):
        backup.restore_database(engine, tmp_path / "x")
