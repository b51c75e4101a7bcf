"""Roster exports of every row: total time, first byte, worker memory, and the bare query as the floor."""
from __future__ import annotations

import http.client
import importlib
import io
import threading
import time
from pathlib import Path

from flask import Flask
from sqlalchemy import Select, and_, select
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import RequestRedirect

from app.accounts.models import Regency, Role, User
from app.catalog.models import Course
from app.extensions import db
from app.progress.models import Certificate, Enrollment
from tests.bench import pages
from tests.bench.client import USER_AGENT
from tests.bench.datagen import Dataset
from tests.bench.results import NOT_BUILT, OK, Export, error
from tests.bench.server import Gunicorn, memory_kb

EXPORTS = (("CSV", "/laporan/peserta.csv"), ("XLSX", "/laporan/peserta.xlsx"))
SAMPLE_EVERY_S = 0.01
# Exports run longer than a page: a worker killed at gunicorn's default 30 s would hide the figures.
WORKER_TIMEOUT_S = 600


def route_exists(app: Flask, path: str) -> bool:
    """Whether some GET route of the app answers this path."""
    try:
        app.url_map.bind("localhost").match(path, method="GET")
    except (NotFound, MethodNotAllowed):
        return False
    except RequestRedirect:
        return True
    return True


def roster_query():
    """The rows a full roster shows: every trainee's enrolment with unit, progress and certificate."""
    return (
        select(User.full_name, User.email, User.nip, User.unit, User.phone, Regency.name, Course.title,
               Enrollment.enrolled_at, Enrollment.lessons_completed, Enrollment.best_score_percent,
               Enrollment.last_activity_at, Enrollment.completed_at, Certificate.code)
        .join(Regency, Regency.id == User.regency_id)
        .join(Enrollment, Enrollment.user_id == User.id)
        .join(Course, Course.id == Enrollment.course_id)
        .outerjoin(Certificate, and_(Certificate.user_id == User.id, Certificate.course_id == Course.id))
        .where(User.role == Role.TRAINEE)
        .order_by(Regency.code, User.full_name, User.id, Course.id)
    )


def export_query(viewer_email: str) -> tuple[Select, str]:
    """The roster export's own query (every row the viewer may see) when the reports are built, else ours."""
    try:
        roster = importlib.import_module("app.reports.roster")
        viewer = db.session.scalar(select(User).where(User.email == viewer_email))
        return roster.roster_select(viewer, roster.RosterFilter()), "app.reports.roster.roster_select"
    except (ImportError, AttributeError, TypeError):
        return roster_query(), "kueri pengganti (tests/bench/exports.roster_query)"


def floor(app: Flask, viewer_email: str, runs: int = 3) -> tuple[float, int, str]:
    """The best of `runs` timings of the export's query with every row fetched and converted."""
    best, rows = float("inf"), 0
    with app.app_context():
        query, source = export_query(viewer_email)
        for _ in range(runs):
            started = time.perf_counter()
            rows = sum(1 for _ in db.session.execute(query))
            best = min(best, time.perf_counter() - started)
        db.session.remove()
    return best, rows, source


class _MemorySampler(threading.Thread):
    """Samples a worker's resident memory while a download runs."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak_kb, self.running = pid, 0, True

    def run(self) -> None:
        while self.running:
            self.peak_kb = max(self.peak_kb, memory_kb(self.pid).get("VmRSS", 0))
            time.sleep(SAMPLE_EVERY_S)


def measure_all(app: Flask, dataset: Dataset, log_path: Path, env: dict[str, str]) -> list[Export]:
    """Download each export once, each on a fresh single-worker server so that its peak is its own."""
    floor_s, floor_rows, source = floor(app, dataset.accounts["province"])
    results = []
    for fmt, path in EXPORTS:
        row = Export(fmt, path, floor_s=floor_s, floor_rows=floor_rows, floor_source=source, trainees=dataset.trainees)
        if not route_exists(app, path):
            row.status = NOT_BUILT
        else:
            try:
                _download(row, dataset, log_path, env)
            except (RuntimeError, OSError) as failure:
                row.status = error(str(failure))
        results.append(row)
    return results


def _download(row: Export, dataset: Dataset, log_path: Path, env: dict[str, str]) -> None:
    with Gunicorn("wsgi:app", log_path, env=env, workers=1, timeout=WORKER_TIMEOUT_S, ready_path="/healthz") as server:
        browser = pages.login(server.base_url, dataset.accounts["province"], dataset.password)
        browser.get("/healthz")
        pid = server.worker_pids()[0]
        time.sleep(0.5)
        # Login hashes the password with scrypt (32 MiB): that peak is before the export, not part of it.
        idle = memory_kb(pid)
        idle_kb, hwm_before_kb = idle.get("VmRSS", 0), idle.get("VmHWM", 0)
        sampler = _MemorySampler(pid)
        sampler.start()
        try:
            status, body, first_byte, total = _timed_get(server.port, row.path, browser.cookie_header())
        finally:
            sampler.running = False
            sampler.join()
        hwm_kb = memory_kb(pid).get("VmHWM", 0)
    if status != 200:
        row.status = error(f"status {status}")
        return
    row.status, row.size_bytes, row.first_byte_s, row.total_s = OK, len(body), first_byte, total
    row.rows = _count_rows(row.fmt, body)
    row.rss_idle_mb = idle_kb / 1024
    row.peak_mb = max(hwm_kb if hwm_kb > hwm_before_kb else 0, sampler.peak_kb, idle_kb) / 1024
    row.growth_mb = row.peak_mb - row.rss_idle_mb


def _timed_get(port: int, path: str, cookie: str) -> tuple[int, bytes, float, float]:
    """GET a download: status, body, seconds to the first body byte, seconds to the last."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=WORKER_TIMEOUT_S)
    started = time.perf_counter()
    try:
        connection.request("GET", path, headers={"Cookie": cookie, "User-Agent": USER_AGENT})
        reply = connection.getresponse()
        chunks = [reply.read(1)]
        first_byte = time.perf_counter() - started
        while chunk := reply.read(256 * 1024):
            chunks.append(chunk)
        total = time.perf_counter() - started
    finally:
        connection.close()
    return reply.status, b"".join(chunks), first_byte, total


def _count_rows(fmt: str, body: bytes) -> int | None:
    """Data rows in the file: CSV lines after the header; XLSX rows of every sheet but the summary."""
    if fmt == "CSV":
        return max(0, body.count(b"\n") - 1)
    try:
        import openpyxl

        workbook = openpyxl.load_workbook(io.BytesIO(body), read_only=True)
        rows = sum(max(0, sheet.max_row - 1) for sheet in workbook.worksheets if sheet.title != "Ringkasan")
        workbook.close()
        return rows
    except Exception:  # noqa: BLE001  (a file we cannot count is reported without a count)
        return None
