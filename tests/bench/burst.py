"""The quiz-day burst (Python clients: 3,000 signed-in trainees within 60 s), and the untimed sign-in both quiz measurements share."""
from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from flask import Flask

from tests.bench import pages
from tests.bench.client import Browser, percentile
from tests.bench.datagen import Dataset
from tests.bench.results import NOT_BUILT, Flow

PREPARE_THREADS = 8


class Clock:
    """Thread-safe latency samples per step, and the errors seen."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.samples: dict[str, list[float]] = {}
        self.errors: list[str] = []

    def timed(self, step: str, action: Callable[[], object]) -> object:
        started = time.perf_counter()
        result = action()
        with self.lock:
            self.samples.setdefault(step, []).append(time.perf_counter() - started)
        return result

    def failed(self, message: str) -> None:
        with self.lock:
            self.errors.append(message)

    def steps(self) -> dict[str, tuple[float, float]]:
        """p50 and p99 of each step, in milliseconds."""
        return {step: (percentile(v, 50) * 1000, percentile(v, 99) * 1000) for step, v in self.samples.items()}


def prepare(app: Flask, dataset: Dataset, base_url: str, user_ids: list[int], paths: pages.QuizPaths,
             clock: Clock) -> list[tuple[Browser, list[tuple[str, str]]]]:
    """Sign each trainee in and fetch their start form (with its CSRF token); not timed."""

    def one(user_id: int):
        try:
            browser = pages.minted_browser(app, base_url, user_id)
            return browser, pages.start_fields(browser, paths)
        except (RuntimeError, OSError) as failure:
            clock.failed(f"persiapan peserta {user_id}: {failure}")
            return None

    with ThreadPoolExecutor(PREPARE_THREADS) as pool:
        return [ready for ready in pool.map(one, user_ids) if ready is not None]


def burst(app: Flask, dataset: Dataset, base_url: str, trainees: int = 3000, window_s: float = 60.0) -> Flow:
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
    begin = time.perf_counter() + 0.5
    spacing = window_s / max(1, len(ready))

    lags: list[float] = []

    def trainee(index: int) -> None:
        browser, fields = ready[index]
        time.sleep(max(0.0, begin + index * spacing - time.perf_counter()))
        lags.append(time.perf_counter() - (begin + index * spacing))
        try:
            take_path = clock.timed("mulai", lambda: pages.start(browser, paths, fields))
            attempt = clock.timed("buka soal", lambda: pages.open_attempt(browser, take_path, rng))
            clock.timed("kirim", lambda: pages.submit(browser, attempt))
        except (RuntimeError, OSError) as failure:
            clock.failed(str(failure))
            return
        with clock.lock:
            clock.samples.setdefault("alur", []).append(time.perf_counter() - (begin + index * spacing))

    # One thread per trainee, so that a slow answer never delays the next trainee's start.
    with ThreadPoolExecutor(max(1, len(ready))) as pool:
        list(pool.map(trainee, range(len(ready))))
    flow = _finish(flow, clock, len(user_ids), time.perf_counter() - begin, "alur")
    flow.note = (f"mulai tersebar rata dalam {window_s:.0f} detik (terlambat paling lama {max(lags, default=0):.2f} s); "
                 "p50/p99 = satu alur mulai → buka soal → kirim")
    return flow


def _finish(flow: Flow, clock: Clock, attempts: int, seconds: float, main_step: str) -> Flow:
    done = clock.samples.get(main_step, [])
    flow.attempts, flow.completed, flow.seconds = attempts, len(done), round(seconds, 2)
    flow.errors = len(clock.errors) + max(0, attempts - len(done) - len(clock.errors))
    flow.error_samples = clock.errors[:3]
    flow.steps = clock.steps()
    if done:
        flow.p50_ms, flow.p99_ms = flow.steps[main_step]
        flow.rps = len(done) / seconds if seconds else None
    return flow
