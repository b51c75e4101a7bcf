"""Kelas KIM: the application factory."""
from __future__ import annotations

import os

from flask import Flask

from app.config import ROOT, check_public_address, check_secret_key, engine_options, load_config


def create_app(config: dict | None = None) -> Flask:
    """Build the app: config, extensions, domain connections, blueprints, template helpers and CLI groups."""
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(ROOT / "instance"),
    )
    app.config.update(load_config())
    app.config.update(config or {})
    # From the database finally chosen: pool settings suit a server database, not an SQLite file.
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", engine_options(app.config["SQLALCHEMY_DATABASE_URI"]))
    debug = app.debug or os.environ.get("FLASK_DEBUG") == "1"
    check_secret_key(app.config, debug)
    check_public_address(app.config, debug)
    os.makedirs(app.instance_path, exist_ok=True)

    _init_extensions(app)
    _connect_domains(app)
    _register_blueprints(app)
    _register_template_helpers(app)
    _register_cli(app)
    return app


def _init_extensions(app: Flask) -> None:
    from app import assets, edge, errors, i18n, models, ratelimit, security  # noqa: F401  (models: the whole schema)
    from app.catalog import outline
    from app.extensions import cache, csrf, db, login_manager, mail, migrate
    from app.quizzes import bank

    db.init_app(app)
    # Batch mode lets Alembic alter tables on SQLite too.
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    cache.init_app(app)
    mail.init_app(app)  # sends nothing while MAIL_SERVER is empty: app/mail.py logs instead
    login_manager.init_app(app)
    i18n.init_app(app)
    assets.init_app(app)
    security.init_app(app)
    ratelimit.init_app(app)  # the login and password-reset throttles
    edge.init_app(app)  # after the request id; before the blueprints, whose <int:> it bounds
    errors.init_app(app)
    # Outlines and question banks each worker keeps, keyed by course content version.
    outline.init_app(app)
    bank.init_app(app)


def _connect_domains(app: Flask) -> None:
    """Let the lower domains (catalog, quizzes) reach the higher ones without importing them."""
    from sqlalchemy import event

    from app import events
    from app.catalog import retiring, versions
    from app.extensions import db
    from app.progress import certificates, figures, services as progress
    from app.progress.models import LessonCompletion, ModuleCompletion
    from app.quizzes import services as quizzes
    from app.quizzes.models import Answer, Attempt, AttemptGrant
    from app.xapi import recorder as xapi

    # Content that trainee records point at is retired, not deleted: which records point at what.
    retiring.init_app(app)
    retiring.register(app, retiring.LESSON, LessonCompletion.lesson_id)
    retiring.register(app, retiring.MODULE, ModuleCompletion.module_id)
    retiring.register(app, retiring.QUIZ, Attempt.quiz_id)
    retiring.register(app, retiring.QUIZ, AttemptGrant.quiz_id)
    retiring.register(app, retiring.QUESTION, Answer.question_id)
    retiring.register(app, retiring.CHOICE, quizzes.answers_per_choice)
    # Every content version bump recounts the enrolment figures of the course.
    versions.content_changed.connect(figures.on_content_changed)
    # Learning events become xAPI statements in the outbox, in the transaction of the event. Receivers
    # run in the order connected: an attempt's statement comes before the course completion it leads to.
    quizzes.attempt_started.connect(xapi.on_attempt_started)
    quizzes.attempt_graded.connect(xapi.on_attempt_graded)
    events.enrolled.connect(xapi.on_enrolled, sender=app)
    events.lesson_completed.connect(xapi.on_lesson_completed, sender=app)
    events.course_completed.connect(xapi.on_course_completed, sender=app)
    events.certificate_issued.connect(xapi.on_certificate_issued, sender=app)
    # The quiz engine reports attempts; progress records activity, best scores, completion and certificates.
    quizzes.attempt_started.connect(progress.on_attempt_started)
    quizzes.attempt_graded.connect(progress.on_attempt_graded)
    # An account renamed anywhere (profile, admin, import): its certificates keep the name they were issued
    # with. db is one object for every app the process builds, so the listener is added once.
    if not event.contains(db.session, "before_flush", certificates.keep_issued_names):
        event.listen(db.session, "before_flush", certificates.keep_issued_names)


def _register_blueprints(app: Flask) -> None:
    from app import health, main, webapp
    from app.accounts import admin_views, audit_views, views as account_views
    from app.authoring import views as authoring_views
    from app.progress import views as learning_views
    from app.quizzes import views as quiz_views
    from app.reports import views as report_views
    from app.xapi import views as xapi_views

    app.register_blueprint(health.bp)
    app.register_blueprint(main.bp)
    app.register_blueprint(webapp.bp)
    app.register_blueprint(account_views.bp)
    app.register_blueprint(admin_views.bp)
    app.register_blueprint(audit_views.bp)
    app.register_blueprint(learning_views.bp)
    app.register_blueprint(quiz_views.bp, url_prefix="/kuis")
    app.register_blueprint(authoring_views.bp, url_prefix="/kelola")
    app.register_blueprint(report_views.bp, url_prefix="/laporan")
    app.register_blueprint(xapi_views.bp, url_prefix="/laporan/xapi")


def _register_template_helpers(app: Flask) -> None:
    from app import assets, dates, formatting, main, sanitize, webapp
    from app.catalog import files
    from app.authoring import views as authoring_views
    from app.progress import status

    # Stored Markdown reaches a page only through the sanitiser.
    app.add_template_filter(sanitize.render_markdown, "markdown")
    app.add_template_filter(sanitize.render_inline, "markdown_inline")
    # Times are stored in UTC and shown in WITA.
    app.add_template_filter(dates.tanggal_filter, "tanggal")
    app.add_template_filter(dates.waktu_filter, "waktu")
    # Numbers in the page's language.
    app.add_template_filter(formatting.percent, "persen")
    app.add_template_filter(formatting.whole_number, "angka")
    app.add_template_filter(formatting.score, "nilai")
    app.add_template_filter(formatting.share, "bagian")
    app.add_template_filter(files.size_label, "ukuran")  # "1,5 MB" or "1.5 MB", "300 KB"
    app.add_template_global(formatting.number, "number")
    # The quiz editor: short answers with their weights and feedback, weights as percentages.
    app.add_template_filter(authoring_views.accepted_rows, "accepted_rows")
    app.add_template_filter(authoring_views.answer_weight, "answer_weight")
    # Enrolment statuses, for templates that mark them (the labels differ per page).
    app.add_template_global(status.NOT_STARTED, "NOT_STARTED")
    app.add_template_global(status.IN_PROGRESS, "IN_PROGRESS")
    app.add_template_global(status.COMPLETED, "COMPLETED")
    # The page frame: navigation, language, the web app manifest and the inlined favicon.
    app.add_template_global(main.nav_links, "nav_links")
    app.add_template_global(main.home_url, "home_url")
    app.add_template_global(main.current_locale, "current_locale")
    app.add_template_global(webapp.manifest_url, "manifest_url")
    app.add_template_global(assets.data_uri, "inline_static")


def _register_cli(app: Flask) -> None:
    from app import backup
    from app.accounts import cli as account_cli
    from app.catalog import cli as catalog_cli
    from app.reports import cli as report_cli
    from app.xapi import cli as xapi_cli

    app.cli.add_command(account_cli.users_cli)     # flask users create
    app.cli.add_command(account_cli.demo_command)  # flask demo
    app.cli.add_command(catalog_cli.courses_cli)   # flask courses check|import|export|recount
    app.cli.add_command(report_cli.demo_cli)       # flask demo-data fill|remove
    app.cli.add_command(backup.backup_command)     # flask backup
    app.cli.add_command(backup.restore_command)    # flask restore
    app.cli.add_command(xapi_cli.xapi_cli)         # flask xapi send|status|export
