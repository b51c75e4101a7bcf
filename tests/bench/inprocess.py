"""CPU time and queries per request of each page inside one process: where a page's time goes.

    python -m tests.bench.inprocess [--trainees 2000] [--workdir DIR] [--requests 200] [--profile lesson]

Process CPU time, not wall time, so the figures hold on a busy shared machine; the Flask test
client adds about 0.2 ms per request that gunicorn does not. Besides the pages, three "floor"
routes are added to this process's app only: the same app answering a logged-out request with
a word, a logged-in request with a word, and a logged-in request with the bare base layout.
The difference between the floors and a page is what that page itself costs.
"""
from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import time
from collections.abc import Callable
from pathlib import Path

from flask import Flask, render_template, session
from flask_login import login_required, login_user
from jinja2 import ChoiceLoader, DictLoader
from sqlalchemy import event, select

from app.accounts.models import User
from app.extensions import db
from app.quizzes.models import Attempt, AttemptStatus
from tests.bench import datagen

FLOOR_LAYOUT = '{% extends "base.html" %}{% block content %}<p>Kelas KIM</p>{% endblock %}'


def add_floor_routes(app: Flask) -> None:
    """The three floor routes; only on an app that has not served a request yet."""
    # A named template, so Jinja compiles and caches it once, as it does the real ones.
    app.jinja_env.loader = ChoiceLoader([DictLoader({"_lantai.html": FLOOR_LAYOUT}), app.jinja_env.loader])

    @app.get("/_lantai/tamu")
    def floor_anonymous():
        return "Kelas KIM"

    @app.get("/_lantai/masuk")
    @login_required
    def floor_logged_in():
        return "Kelas KIM"

    @app.get("/_lantai/tata-letak")
    @login_required
    def floor_layout():
        return render_template("_lantai.html")


def signed_in_client(app: Flask, user_id: int):
    """A test client holding a session cookie made by Flask-Login with the app's own key."""
    client = app.test_client()
    with app.test_request_context("/"):
        login_user(db.session.get(User, user_id))
        cookie = app.session_interface.get_signing_serializer(app).dumps(dict(session))
        db.session.remove()
    client.set_cookie(app.config.get("SESSION_COOKIE_NAME", "session"), cookie)
    return client


def pages(app: Flask, dataset: datagen.Dataset) -> list[tuple[str, int | None, str]]:
    """(label, id of the account that opens it or None, path) of every page measured."""
    t = dataset.target
    with app.app_context():
        ids = dict(db.session.execute(select(User.email, User.id).where(User.email.in_(dataset.accounts.values()))).all())
        attempt = db.session.scalar(select(Attempt).where(Attempt.status == AttemptStatus.OPEN).limit(1))
        db.session.remove()
    trainee, province, admin = (ids[dataset.accounts[key]] for key in ("trainee", "province", "admin"))
    lesson = f"/kursus/{t['course_slug']}/{t['module_slug']}/{t['lesson_slug']}"
    rows = [
        ("lantai: tamu, satu kata", None, "/_lantai/tamu"),
        ("lantai: masuk, satu kata", trainee, "/_lantai/masuk"),
        ("lantai: masuk, tata letak dasar", trainee, "/_lantai/tata-letak"),
        ("Beranda (tamu)", None, "/"),
        ("Pelajaran", trainee, lesson),
        ("Halaman kursus", trainee, f"/kursus/{t['course_slug']}"),
        ("Kursus saya", trainee, "/kursus-saya"),
        ("Kuis, percobaan terbuka", attempt.user_id if attempt else None,
         f"/kuis/percobaan/{attempt.id}" if attempt else ""),
        ("Dasbor provinsi (dari cache)", province, "/laporan/"),
        ("Daftar peserta provinsi", province, "/laporan/peserta"),
        ("Daftar akun", admin, "/admin/users"),
    ]
    return [row for row in rows if row[2]]


def client_for(app: Flask, user_id: int | None):
    """A signed-in test client for the account, or a logged-out one."""
    return signed_in_client(app, user_id) if user_id else app.test_client()


def measure(app: Flask, client, path: str, requests: int) -> tuple[float, int]:
    """(CPU ms per request, best of three rounds; SQL statements per request)."""
    statements = []

    def count(*_args) -> None:
        statements.append(1)

    reply = client.get(path)  # warm: templates compiled, outlines and caches filled
    if reply.status_code != 200:
        raise RuntimeError(f"{path}: status {reply.status_code}")
    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    client.get(path)
    event.remove(engine, "before_cursor_execute", count)
    best = float("inf")
    for _round in range(3):
        started = time.process_time()
        for _ in range(requests):
            client.get(path)
        best = min(best, (time.process_time() - started) / requests * 1000)
    return best, len(statements)


def profile(client, path: str, requests: int, limit: int = 40) -> str:
    """The cProfile listing of `requests` requests, by cumulative time."""
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(requests):
        client.get(path)
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(limit)
    return out.getvalue()


def run(app: Flask, dataset: datagen.Dataset, requests: int,
        log: Callable[[str], None] = print) -> list[tuple[str, float, int]]:
    """Measure every page; return (label, CPU ms, statements)."""
    results = []
    for label, user_id, path in pages(app, dataset):
        ms, statements = measure(app, client_for(app, user_id), path, requests)
        log(f"  {label}: {ms:.2f} ms CPU, {statements} kueri")
        results.append((label, ms, statements))
    return results


def table(results: list[tuple[str, float, int]]) -> str:
    """A markdown table of the results, with each page's cost above the logged-in layout floor."""
    floor = next((ms for label, ms, _n in results if label.endswith("tata letak dasar")), 0.0)
    lines = ["| halaman | CPU ms per permintaan | di atas lantai tata letak | kueri |", "|---|---|---|---|"]
    for label, ms, statements in results:
        above = "–" if label.startswith("lantai") or label.startswith("Beranda") else f"{ms - floor:+.2f}"
        lines.append(f"| {label} | {ms:.2f} | {above} | {statements} |")
    return "\n".join(lines)


def main() -> None:
    """Build (or reuse) a bench database, measure, print the table, and profile one page if asked."""
    parser = argparse.ArgumentParser(description="CPU per permintaan setiap halaman, di dalam satu proses.")
    parser.add_argument("--trainees", type=int, default=2000)
    parser.add_argument("--workdir", help="folder data yang dibuat sebelumnya (dataset.json); bila tidak ada, dibuat")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--profile", metavar="HALAMAN", help="awal label halaman yang diprofilkan, mis. Pelajaran")
    args = parser.parse_args()
    dataset = _dataset(args)
    app = datagen.bench_app(dataset.database_url, dataset.secret_key)
    add_floor_routes(app)
    print("\n" + table(run(app, dataset, args.requests)))
    if args.profile:
        label, user_id, path = next(p for p in pages(app, dataset) if p[0].startswith(args.profile))
        client = client_for(app, user_id)
        client.get(path)
        print(f"\n{label} ({path}):\n" + profile(client, path, args.requests))


def _dataset(args: argparse.Namespace) -> datagen.Dataset:
    manifest = Path(args.workdir or "", "dataset.json")
    if args.workdir and manifest.exists():
        return datagen.Dataset(**json.loads(manifest.read_text()))
    print(f"Membuat data: {args.trainees:,} peserta ...", flush=True)
    return datagen.build(args.trainees, os.environ.get("DATABASE_URL"), args.workdir)


if __name__ == "__main__":
    main()
