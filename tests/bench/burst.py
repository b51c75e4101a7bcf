"""The quiz-day burst (3,000 signed-in trainees start the same quiz within 60 s), and the untimed sign-in both quiz measurements share.

The schedule is open: trainee i starts at begin + i * window / n whatever the server does, so a
slow server cannot slow the arrivals down. A bounded pool of threads serves the schedule, each
over one keep-alive connection, each trainee with their own session cookie; a flow is timed from
its scheduled start, so a trainee waiting for a free client thread counts against the server's
figure, never for it. The client's own CPU during the burst is reported beside the figures, so the
report shows whether the client (on the same cores as the server) was the bottleneck.
"""
from __future__ import annotations

import http.client
import itertools
import random
import re
import resource
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from flask import Flask

from tests.bench import pages
from tests.bench.client import Browser, keep_alive, percentile
from tests.bench.datagen import Dataset
from tests.bench.results import NOT_BUILT, Flow

PREPARE_THREADS = 8
# Flows in progress at once at most. At 50 starts/s a flow under 1 s keeps about 50 busy; more
# threads would only add GIL contention on the cores the server needs.
BURST_THREADS = 64
# Failures kept as examples per kind (digits folded, so attempt ids do not make every one distinct).
ERROR_KINDS_SHOWN = 3
REQUEST_ERRORS = (RuntimeError, OSError, http.client.HTTPException)


class Clock:
    """Thread-safe latency samples per step, and the errors seen."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.samples: dict[str, list[float]] = {}
        self.errors: list[str] = []

    def record(self, step: str, seconds: float) -> None:
        with self.lock:
            self.samples.setdefault(step, []).append(seconds)

    def timed(self, step: str, action: Callable[[], object]) -> object:
        started = time.perf_counter()
        result = action()
        self.record(step, time.perf_counter() - started)
        return result

    def failed(self, message: str) -> None:
        with self.lock:
            self.errors.append(message)

    def steps(self) -> dict[str, tuple[float, float]]:
        """p50 and p99 of each step, in milliseconds."""
        return {step: (percentile(v, 50) * 1000, percentile(v, 99) * 1000) for step, v in self.samples.items()}

    def error_kinds(self) -> list[str]:
        """The commonest kinds of failure, each with its count and one example."""
        kinds = Counter(re.sub(r"\d+", "N", message) for message in self.errors)
        examples = {re.sub(r"\d+", "N", message): message for message in reversed(self.errors)}
        return [f"{count}× {examples[kind]}" for kind, count in kinds.most_common(ERROR_KINDS_SHOWN)]


@dataclass
class Trainee:
    """A signed-in trainee ready to start: their browser (session cookie) and the start form's fields."""

    browser: Browser
    fields: list[tuple[str, str]]


class _Connections(threading.local):
    """One keep-alive connection per client thread."""

    connection: http.client.HTTPConnection | None = None


def prepare(app: Flask, dataset: Dataset, base_url: str, user_ids: list[int], paths: pages.QuizPaths,
            clock: Clock) -> list[Trainee]:
    """Sign each trainee in and fetch their start form (with its CSRF token); not timed."""
    local = _Connections()

    def one(user_id: int) -> Trainee | None:
        if local.connection is None:
            local.connection = keep_alive(base_url)
        try:
            browser = pages.minted_browser(app, base_url, user_id)
            browser.connection = local.connection
            trainee = Trainee(browser, pages.start_fields(browser, paths))
        except REQUEST_ERRORS as failure:
            clock.failed(f"persiapan peserta {user_id}: {failure!r}")
            return None
        browser.connection = None
        return trainee

    with ThreadPoolExecutor(PREPARE_THREADS) as pool:
        return [ready for ready in pool.map(one, user_ids) if ready is not None]


@dataclass
class CpuSeconds:
    """CPU used between two readings: by this process (the client) and by the whole machine."""

    client: float
    machine_busy: float
    machine_total: float

    @staticmethod
    def now() -> CpuSeconds:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        busy, total = _machine_jiffies()
        return CpuSeconds(usage.ru_utime + usage.ru_stime, busy, total)

    def since(self, start: CpuSeconds) -> CpuSeconds:
        return CpuSeconds(self.client - start.client, self.machine_busy - start.machine_busy,
                          self.machine_total - start.machine_total)


def _machine_jiffies() -> tuple[float, float]:
    """(busy, total) CPU time of every core since boot, in clock ticks, from /proc/stat (0, 0 elsewhere)."""
    try:
        with open("/proc/stat") as stat:
            fields = [float(value) for value in stat.readline().split()[1:]]
    except OSError:
        return 0.0, 0.0
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0.0)  # idle and iowait
    return sum(fields) - idle, sum(fields)


def burst(app: Flask, dataset: Dataset, base_url: str, trainees: int = 3000, window_s: float = 60.0,
          threads: int = BURST_THREADS) -> Flow:
    """`trainees` trainees start the same quiz within `window_s` seconds: start, open the quiz page, submit."""
    user_ids = dataset.pools.get("burst", [])[:trainees]
    flow = Flow(f"Lonjakan: {len(user_ids)} peserta memulai kuis yang sama dalam {window_s:.0f} detik")
    paths = pages.quiz_paths(app, dataset)
    if paths is None:
        flow.status = NOT_BUILT
        return flow
    clock = Clock()
    ready = prepare(app, dataset, base_url, user_ids, paths, clock)
    rng = random.Random(500)
    spacing = window_s / max(1, len(ready))
    order = itertools.count()  # next() on it is atomic under the GIL: each index goes to one thread
    local = _Connections()
    begin = time.perf_counter() + 0.5

    def serve_schedule() -> None:
        local.connection = keep_alive(base_url)
        while (index := next(order)) < len(ready):
            due = begin + index * spacing
            time.sleep(max(0.0, due - time.perf_counter()))
            clock.record("terlambat mulai", time.perf_counter() - due)
            _one_flow(ready[index], local.connection, paths, rng, clock, due)
        local.connection.close()

    workers = max(1, min(threads, len(ready)))
    cpu_before = CpuSeconds.now()
    with ThreadPoolExecutor(workers) as pool:
        for done in [pool.submit(serve_schedule) for _ in range(workers)]:
            done.result()
    seconds = time.perf_counter() - begin
    cpu = CpuSeconds.now().since(cpu_before)
    flow = _finish(flow, clock, len(user_ids), seconds, "alur")
    flow.note = _burst_note(window_s, workers, clock, cpu, seconds, len(ready))
    return flow


def _one_flow(trainee: Trainee, connection: http.client.HTTPConnection, paths: pages.QuizPaths,
              rng: random.Random, clock: Clock, due: float) -> None:
    """Start, open and submit for one trainee over the thread's connection; the flow is timed from `due`."""
    browser = trainee.browser
    browser.connection = connection
    try:
        take_path = clock.timed("mulai", lambda: pages.start(browser, paths, trainee.fields))
        attempt = clock.timed("buka soal", lambda: pages.open_attempt(browser, take_path, rng))
        clock.timed("kirim", lambda: pages.submit(browser, attempt))
    except REQUEST_ERRORS as failure:
        clock.failed(f"{type(failure).__name__}: {failure}")
        return
    finally:
        browser.connection = None
    clock.record("alur", time.perf_counter() - due)


def _burst_note(window_s: float, threads: int, clock: Clock, cpu: CpuSeconds, seconds: float, flows: int) -> str:
    late = clock.samples.get("terlambat mulai", [])
    machine = f"{cpu.machine_busy / cpu.machine_total:.0%}" if cpu.machine_total else "–"
    return (f"jadwal terbuka: peserta ke-i mulai pada i × {window_s:.0f} s / n, dilayani {threads} thread klien dengan "
            f"koneksi keep-alive; alur diukur dari jadwal mulainya (terlambat mulai p99 "
            f"{percentile(late, 99) * 1000:.0f} ms, paling lama {max(late, default=0):.2f} s); "
            f"p50/p99 = satu alur mulai → buka soal → kirim. CPU klien selama lonjakan {cpu.client:.1f} s dalam "
            f"{seconds:.0f} s ({cpu.client / seconds:.0%} satu inti, {cpu.client / max(1, flows) * 1000:.1f} ms per alur); "
            f"seluruh mesin sibuk {machine}")


def _finish(flow: Flow, clock: Clock, attempts: int, seconds: float, main_step: str) -> Flow:
    done = clock.samples.get(main_step, [])
    flow.attempts, flow.completed, flow.seconds = attempts, len(done), round(seconds, 2)
    flow.errors = len(clock.errors) + max(0, attempts - len(done) - len(clock.errors))
    flow.error_samples = clock.error_kinds()
    flow.steps = clock.steps()
    if done:
        flow.p50_ms, flow.p99_ms = flow.steps[main_step]
        flow.rps = len(done) / seconds if seconds else None
    return flow
