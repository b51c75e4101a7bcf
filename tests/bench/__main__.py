"""Run every benchmark and write docs/benchmarks.md: `python -m tests.bench [--trainees N] [--instances 2] [--quick]`."""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import text

from app.extensions import db
from tests.bench import burst, datagen, exports, grading, inprocess, pages, pageweight, report, stack, wrk
from tests.bench.results import NOT_BUILT, OK, SKIPPED, Flow, Throughput, Weight, error
from tests.bench.server import Gunicorn


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line: data size, wrk load, and which parts to run."""
    parser = argparse.ArgumentParser(prog="python -m tests.bench", description="Benchmark Kelas KIM (docs/benchmarks.md).")
    parser.add_argument("--trainees", type=int, default=10_000, help="jumlah peserta (bawaan 10000; 100000 untuk run besar)")
    parser.add_argument("--export-trainees", type=int, default=report.EXPORT_TARGET_ROWS,
                        help="sesudah semua pengukuran, tambah peserta sampai jumlah ini dan ukur ekspor lagi "
                             "(bawaan 100000; 0 = tidak)")
    parser.add_argument("--quick", action="store_true",
                        help="wrk 3 detik per halaman, 100 percobaan penilaian, ekspor hanya pada --trainees")
    parser.add_argument("--duration", type=int, help="detik wrk per halaman (bawaan 10, --quick 3)")
    parser.add_argument("--connections", type=int, default=16, help="koneksi wrk (bawaan 16)")
    parser.add_argument("--threads", type=int, default=2, help="thread wrk (bawaan 2)")
    parser.add_argument("--workers", type=int, default=2, help="worker gunicorn per instans (bawaan 2)")
    parser.add_argument("--instances", type=int, default=1,
                        help="instans gunicorn; 2 atau lebih: di belakang nginx dengan Redis bersama (bawaan 1)")
    parser.add_argument("--burst", type=int, default=report.BURST_TARGET_TRAINEES,
                        help=f"peserta dalam lonjakan (bawaan {report.BURST_TARGET_TRAINEES})")
    parser.add_argument("--burst-window", type=float, default=report.BURST_TARGET_WINDOW_S,
                        help=f"detik tempat semua peserta lonjakan mulai (bawaan {report.BURST_TARGET_WINDOW_S:.0f})")
    parser.add_argument("--cpu-requests", type=int, help="permintaan per halaman untuk CPU dalam satu proses "
                                                         "(bawaan 200, --quick 50)")
    parser.add_argument("--skip", nargs="*", default=[],
                        choices=("throughput", "quiz", "grading", "exports", "weight", "cpu", "sqlite"),
                        help="bagian yang dilewati (quiz: penilaian dan lonjakan; grading: penilaian saja; "
                             "sqlite: pembanding SQLite pada run PostgreSQL)")
    parser.add_argument("--output", type=Path, default=report.DOC_PATH, help="berkas laporan (bawaan docs/benchmarks.md)")
    parser.add_argument("--no-write", action="store_true", help="cetak laporan saja, jangan tulis berkas")
    parser.add_argument("--keep", action="store_true", help="simpan folder kerja (basis data SQLite, log gunicorn, dataset.json)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Generate the data, measure, report; return the exit status."""
    args = parse_args(argv)
    started = time.perf_counter()
    load = wrk.Load(threads=args.threads, connections=args.connections, seconds=args.duration or (3 if args.quick else 10))
    print(f"Membuat data: {args.trainees:,} peserta ...", flush=True)
    dataset = datagen.build(args.trainees, os.environ.get("DATABASE_URL"))
    print(f"  selesai dalam {dataset.seconds:.0f} s ({dataset.database_url})", flush=True)
    run = report.Run(dataset=dataset, load=load, quick=args.quick, workers=args.workers, instances=args.instances)
    run.load_average.append(os.getloadavg())
    app = datagen.bench_app(dataset.database_url, dataset.secret_key)
    run.routes = pages.routes_by_blueprint(app)
    run.database_version = _database_version(app)
    workdir = Path(dataset.workdir)
    env = {"DATABASE_URL": dataset.database_url, "SECRET_KEY": dataset.secret_key, "SESSION_COOKIE_SECURE": "0"}
    finished = False
    try:
        _measure(run, args, app, env, workdir)
        finished = True
    finally:
        run.load_average.append(os.getloadavg())
        run.seconds = time.perf_counter() - started
        # An interrupted run is printed but does not replace the last complete report.
        _report(run, args, workdir, write=finished and not args.no_write)
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    return 0


def _measure(run: report.Run, args: argparse.Namespace, app, env: dict[str, str], workdir: Path) -> None:
    use_wrk = "throughput" not in args.skip and wrk.available()
    if "throughput" not in args.skip and not wrk.available():
        print(wrk.INSTALL_HINT, flush=True)
        run.notes.append(wrk.INSTALL_HINT)
    if use_wrk:
        run.hello.append(_hello(run, args, workdir, "sebelum"))
    print(f"Aplikasi di gunicorn: {report.layout_label(args.instances, args.workers)} ...", flush=True)
    with serve(args, env, workdir / "app") as server:
        browsers, problems = pages.sign_in(run.dataset, server.base_url)
        run.notes += problems
        attempt = _attempt(run, app, run.dataset, browsers)
        # Weighed first: the quiz page shows only while its attempt is open, and the resubmission
        # measured next submits it.
        if "weight" not in args.skip:
            run.weights = _weights(run, app, browsers, attempt)
        if use_wrk:
            run.pages = _pages(run, app, run.dataset, server.base_url, browsers, attempt)
        if "quiz" not in args.skip:
            _quiz(run, args, app, server.base_url)
        failures = server.errors_logged()
    run.notes += [f"Galat 500 di server: {failure}" for failure in failures]
    if use_wrk:
        run.hello.append(_hello(run, args, workdir, "sesudah"))
    if "cpu" not in args.skip:
        run.cpu = _cpu(run, args, run.dataset)
    if use_wrk and "sqlite" not in args.skip and run.dataset.backend == "postgresql":
        _sqlite_reference(run, args, workdir)
    if "exports" not in args.skip:
        _exports(run, args, app, env, workdir)


class _Served:
    """Where the bench's clients send their requests, and the 500s the servers logged."""

    def __init__(self, base_url: str, errors_logged) -> None:
        self.base_url, self.errors_logged = base_url, errors_logged


@contextmanager
def serve(args: argparse.Namespace, env: dict[str, str], folder: Path) -> Iterator[_Served]:
    """One gunicorn instance, or (--instances 2+) the production layout: instances behind nginx sharing Redis."""
    folder.mkdir(parents=True, exist_ok=True)
    if args.instances <= 1:
        with Gunicorn("wsgi:app", folder / "gunicorn.log", env=env, workers=args.workers, ready_path="/healthz") as one:
            yield _Served(one.base_url, one.errors_logged)
        return
    with stack.layout(folder, env, instances=args.instances, workers=args.workers) as layout:
        yield _Served(layout.front_url, layout.errors_logged)


def _cpu(run: report.Run, args: argparse.Namespace, dataset: datagen.Dataset) -> list[tuple[str, float, int]]:
    """Each page's CPU time per request inside one process, against the logged-in floor (base layout)."""
    print(f"CPU per permintaan dalam satu proses ({dataset.backend}) ...", flush=True)
    app = datagen.bench_app(dataset.database_url, dataset.secret_key)
    inprocess.add_floor_routes(app)
    try:
        return inprocess.run(app, dataset, args.cpu_requests or (50 if args.quick else 200),
                             log=lambda line: print(line, flush=True))
    except (RuntimeError, OSError) as failure:
        run.notes.append(f"CPU per permintaan ({dataset.backend}) tidak terukur: {failure}")
        return []


def _sqlite_reference(run: report.Run, args: argparse.Namespace, workdir: Path) -> None:
    """The same data on SQLite, in the same layout and load: every page, real grading and CPU per request."""
    print(f"Pembanding SQLite: {run.dataset.trainees:,} peserta ...", flush=True)
    dataset = datagen.build(run.dataset.trainees, None, str(workdir / "sqlite"))
    app = datagen.bench_app(dataset.database_url, dataset.secret_key)
    env = {"DATABASE_URL": dataset.database_url, "SECRET_KEY": dataset.secret_key, "SESSION_COOKIE_SECURE": "0"}
    with serve(args, env, workdir / "sqlite-app") as server:
        browsers, problems = pages.sign_in(dataset, server.base_url)
        run.notes += [f"pembanding SQLite: {problem}" for problem in problems]
        attempt = _attempt(run, app, dataset, browsers)
        run.sqlite_pages = _pages(run, app, dataset, server.base_url, browsers, attempt, prefix="SQLite ")
        run.sqlite_grading = grading.measure(app, dataset, server.base_url, run.load, 100 if args.quick else None)
        print(f"  SQLite penilaian: {run.sqlite_grading.status}, {run.sqlite_grading.rps or 0:.1f}/s", flush=True)
    if "cpu" not in args.skip:
        run.sqlite_cpu = _cpu(run, args, dataset)


def _exports(run: report.Run, args: argparse.Namespace, app, env: dict[str, str], workdir: Path) -> None:
    """The exports at the run's size, then (last, as it grows the database) at the export target's size."""
    _export_at(run, app, env, workdir)
    large = args.export_trainees
    if large <= run.dataset.trainees:
        return
    if args.quick:
        run.notes.append(f"--quick: ekspor hanya diukur pada {run.dataset.trainees} peserta, tidak pada {large} "
                         "(target ekspor dinilai pada ukuran yang diukur: indikatif)")
        return
    print(f"Menambah peserta sampai {large:,} untuk ekspor ...", flush=True)
    run.base_counts, before = dict(run.dataset.counts), run.dataset.trainees
    run.grown_seconds = datagen.grow(run.dataset, large)
    run.grown_from = before
    print(f"  selesai dalam {run.grown_seconds:.0f} s", flush=True)
    _export_at(run, app, env, workdir)


def _export_at(run: report.Run, app, env: dict[str, str], workdir: Path) -> None:
    print(f"Ekspor daftar peserta pada {run.dataset.trainees:,} peserta ...", flush=True)
    rows = exports.measure_all(app, run.dataset, workdir / "gunicorn-export.log", env)
    for row in rows:
        print(f"  {row.fmt}: {row.status} {row.total_s or 0:.2f} s, kueri polos {row.floor_s or 0:.2f} s", flush=True)
    run.exports += rows


def _hello(run: report.Run, args: argparse.Namespace, workdir: Path, when: str) -> Throughput:
    """The bare Flask app under the same server and load: the ceiling."""
    row = Throughput("hello", f"hello-world Flask polos ({when})", "–", "/")
    with Gunicorn("tests.bench.hello:app", workdir / "gunicorn-hello.log", workers=args.workers) as server:
        result = wrk.run(server.base_url + "/", run.load)
    row.rps, row.p50_ms, row.p99_ms, row.requests, row.errors = (
        result.requests_per_s, result.p50_ms, result.p99_ms, result.requests, result.errors)
    print(pages.summary(row), flush=True)
    return row


def _attempt(run: report.Run, app, dataset: datagen.Dataset, browsers) -> pages.OpenAttempt | None:
    """The page trainee's open attempt at the bench quiz, for the quiz page and the resubmission."""
    trainee = browsers.get("trainee")
    if trainee is None:
        return None
    try:
        return pages.prepare_attempt(app, dataset, trainee)
    except (RuntimeError, OSError) as failure:
        run.notes.append(f"percobaan kuis untuk pengukuran halaman gagal dibuka: {failure}")
        return None


def _pages(run: report.Run, app, dataset: datagen.Dataset, base_url: str, browsers, attempt,
           prefix: str = "") -> list[Throughput]:
    rows = []
    for page in pages.PAGES:
        target = pages.resolve(page, app, dataset, browsers, attempt)
        if isinstance(target, str):
            row = Throughput(page.key, page.label, page.account, status=target)
        else:
            try:
                row = pages.measure(target, base_url, run.load)
            except (RuntimeError, OSError) as failure:
                row = Throughput(page.key, page.label, page.account, target.path, status=error(str(failure)))
        if page.kind == "submit" and row.status == OK:
            row.note = "jalur \"sudah dikirim\""
        print(prefix + pages.summary(row), flush=True)
        rows.append(row)
    return rows


def _quiz(run: report.Run, args: argparse.Namespace, app, base_url: str) -> None:
    print("Penilaian kuis dan lonjakan ...", flush=True)
    measurements = (
        ("grading", "Penilaian kuis", lambda: grading.measure(app, run.dataset, base_url, run.load,
                                                              100 if args.quick else None)),
        ("burst", "Lonjakan", lambda: burst.burst(app, run.dataset, base_url, args.burst, args.burst_window)),
    )
    for name, label, action in (m for m in measurements if m[0] not in args.skip):
        try:
            flow = action()
        except (RuntimeError, OSError) as failure:
            flow = Flow(label, status=error(str(failure)))
        setattr(run, name, flow)
        graded = f", {flow.graded} dinilai" if flow.graded is not None else ""
        print(f"  {flow.label}: {flow.status}, {flow.completed}/{flow.attempts} selesai{graded}, {flow.errors} galat, "
              f"{flow.rps or 0:.1f}/s, p50 {flow.p50_ms or 0:.0f} ms, p99 {flow.p99_ms or 0:.0f} ms", flush=True)


def _weights(run: report.Run, app, browsers, attempt) -> list[Weight]:
    rows = []
    for page in (p for p in pages.PAGES if p.weighed):
        if page.kind == "quiz":
            path = attempt.take_path if attempt is not None else None
        else:
            path = pages.build_url(app, page.endpoint, pages.url_values(run.dataset))
        browser = browsers.get(page.account)
        if path is None or browser is None:
            rows.append(Weight(page.key, page.label, status=NOT_BUILT if browser else SKIPPED))
            continue
        try:
            rows.append(pageweight.weigh(browser, page.key, page.label, path))
        except OSError as failure:
            rows.append(Weight(page.key, page.label, status=error(str(failure))))
    return rows


def _database_version(app) -> str:
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            version = db.session.scalar(text("SHOW server_version"))
            return f"{version} (pada run ini)"
        return f"{db.session.scalar(text('select sqlite_version()'))} (berkas sementara)"


def _report(run: report.Run, args: argparse.Namespace, workdir: Path, write: bool) -> None:
    print("\n" + report.render(run), flush=True)
    if write:
        print(f"Ditulis ke {report.write(run, args.output)}", flush=True)
    if args.keep:
        print(f"Folder kerja disimpan: {workdir}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
