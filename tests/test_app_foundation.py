"""The app factory's settings, the health check, the layout and the migrations."""
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine

from app import create_app
from app.accounts.models import Regency
from app.config import ConfigError, normalise_database_url
from app.extensions import db
from tests.conftest import without_site_script


def test_refuses_default_secret_key_in_production(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})


def test_starts_with_a_real_secret_key(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "x" * 32)
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://kelaskim.example")
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_refuses_to_start_in_production_without_a_public_address(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "x" * 32)
    for name in ("FLASK_DEBUG", "PUBLIC_BASE_URL", "TRUSTED_HOSTS"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ConfigError, match="PUBLIC_BASE_URL belum diatur"):
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})


@pytest.mark.parametrize("address", ["kelaskim.example", "ftp://kelaskim.example", "https://kelaskim.example/kim",
                                     "https://kelaskim.example?x=1", "https://"])
def test_refuses_a_public_address_that_is_not_scheme_and_host(monkeypatch, address):
    monkeypatch.setenv("SECRET_KEY", "x" * 32)
    monkeypatch.setenv("PUBLIC_BASE_URL", address)
    with pytest.raises(ConfigError, match="PUBLIC_BASE_URL tidak dapat dipakai"):
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})


def test_only_the_public_host_and_the_listed_hosts_are_trusted(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "x" * 32)
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://Kelaskim.example:8443/")
    monkeypatch.setenv("TRUSTED_HOSTS", " kelaskim.internal , ")
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.config["PUBLIC_BASE_URL"] == "https://Kelaskim.example:8443"
    assert app.config["TRUSTED_HOSTS"] == ["kelaskim.example", "kelaskim.internal"]
    client = app.test_client()
    assert client.get("/healthz", base_url="https://kelaskim.example:8443").status_code == 200
    assert client.get("/healthz", base_url="http://kelaskim.internal").status_code == 200
    refused = client.get("/healthz", base_url="https://jahat.example")
    assert refused.status_code == 400 and "tidak dikenal" in refused.get_data(as_text=True)


def test_postgres_urls_use_psycopg3():
    assert normalise_database_url("postgres://u:p@h/d") == "postgresql+psycopg://u:p@h/d"


def test_sqlite_has_foreign_keys_and_wal(app):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite only")
    assert db.session.execute(db.text("PRAGMA foreign_keys")).scalar() == 1
    assert db.session.execute(db.text("PRAGMA journal_mode")).scalar() == "wal"
    assert db.session.execute(db.text("PRAGMA synchronous")).scalar() == 1  # NORMAL


def test_healthz_reports_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json["status"] == "ok" and response.json["database"] == "ok"


def test_healthz_503_when_database_unreachable(tmp_path, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "x" * 32)
    broken = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://nobody:x@127.0.0.1:1/none"})
    response = broken.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["database"] == "unreachable"


def test_eleven_units_seeded_by_migrations(app):
    codes = set(db.session.scalars(db.select(Regency.code)))
    assert codes == {"64", "64.01", "64.02", "64.03", "64.07", "64.08", "64.09", "64.11", "64.71", "64.72", "64.74"}


def test_migrations_run_from_empty_to_head_and_match_models(app):
    downgrade(revision="base")
    assert db.session.execute(db.text("SELECT count(*) FROM alembic_version")).scalar() == 0
    upgrade()
    with db.engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), db.metadata)
    assert diff == [], diff


def test_layout_is_indonesian_and_light(client):
    page = client.get("/").get_data(as_text=True)
    assert '<html lang="id">' in page
    assert "<script" not in without_site_script(page) and "https://" not in page.split("<body>")[0]
    assert 'name="viewport"' in page


def test_english_locale_on_request(client):
    client.get("/bahasa/en")
    page = client.get("/masuk").get_data(as_text=True)
    assert '<html lang="en">' in page


def test_security_headers_on_pages(client):
    response = client.get("/masuk")
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_migrations_keep_every_trainee_record_both_ways(app, make_user):
    """On SQLite a batch migration copies tables (0004 copies quizzes and questions): no record may be lost."""
    from app.progress.models import LessonCompletion, ModuleCompletion
    from app.quizzes.models import Answer, Attempt
    from tests.factories import make_course

    course = make_course(modules=1, lessons=1)
    trainee = make_user()
    module, quiz = course.modules[0], course.modules[0].quiz
    attempt = Attempt(quiz_id=quiz.id, user_id=trainee.id, number=1, status="submitted", layout=[])
    attempt.answers = [Answer(question_id=question.id, response=[]) for question in quiz.questions]
    db.session.add_all([attempt, LessonCompletion(user_id=trainee.id, lesson_id=module.lessons[0].id),
                        ModuleCompletion(user_id=trainee.id, module_id=module.id)])
    db.session.commit()
    tables = ("questions", "choices", "lesson_completions", "module_completions", "attempts", "answers")

    def counts():
        return {name: db.session.execute(db.text(f"SELECT count(*) FROM {name}")).scalar() for name in tables}

    before = counts()
    assert before == {"questions": 4, "choices": 9, "lesson_completions": 1, "module_completions": 1, "attempts": 1,
                      "answers": 4}
    db.session.commit()
    downgrade(revision="0003")
    assert counts() == before
    db.session.commit()
    upgrade()
    assert counts() == before
