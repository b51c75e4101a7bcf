"""The real grading path under wrk: every POST submits a different fresh attempt, each exactly once.

The attempts are started and opened first (untimed, Python client, one per trainee of the grading
pool). A wrk Lua script then sends each submission once, with that trainee's session cookie, CSRF
token and answers. Afterwards the database says how many of these attempts were really graded.
"""
from __future__ import annotations

import json
import random
import signal
import subprocess
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

from flask import Flask
from sqlalchemy import func, select

from app.extensions import db
from app.quizzes.models import Attempt, AttemptStatus
from tests.bench import burst, pages, wrk
from tests.bench.client import USER_AGENT, percentile
from tests.bench.datagen import Dataset
from tests.bench.results import NOT_BUILT, Flow, error

# wrk runs one connection per thread, so each thread's requests follow one another and the script
# times every submission itself (CLOCK_MONOTONIC through LuaJIT's FFI, as Python's time.monotonic).
# A thread whose submissions are all answered writes its timings to a file, then keeps its
# connection busy with GETs of a static file until the last thread is done: an idle connection
# would hold a sync gunicorn worker waiting for a request. These GETs are not in the figures.
# wrk is then interrupted; its own summary, which counts them, is not used.
MAX_SECONDS = 120
POLL_S = 0.01
FILLER_PATH = "/static/favicon.svg"
LABEL = "Penilaian kuis: percobaan baru, masing-masing dikirim sekali (wrk, {connections} koneksi)"

LUA = r"""
local ffi = require("ffi")
ffi.cdef[[
typedef struct { long tv_sec; long tv_nsec; } kk_timespec;
int clock_gettime(int clk_id, kk_timespec *tp);
]]
local clock = ffi.new("kk_timespec")
local function now()
  ffi.C.clock_gettime(1, clock)  -- CLOCK_MONOTONIC
  return tonumber(clock.tv_sec) + tonumber(clock.tv_nsec) * 1e-9
end

local all = %(requests)s
local counter = 0
local mine, next_index, pending, sent_at, timings = {}, 1, nil, nil, {}

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
end

function init(args)
  for i, item in ipairs(all) do
    if (i - 1) %% %(threads)d == id then mine[#mine + 1] = item end
  end
end

function request()
  local item = mine[next_index]
  if item == nil then
    return wrk.format("GET", "%(filler)s")
  end
  -- wrk may build a request again before sending it: the clock starts at the first build.
  if pending ~= next_index then
    pending, sent_at = next_index, now()
  end
  return wrk.format("POST", item[1], {
    ["Cookie"] = item[2],
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["User-Agent"] = "%(agent)s",
  }, item[3])
end

function response(status, headers, body)
  if pending == nil then return end
  timings[#timings + 1] = string.format("%%d %%.6f %%.6f", status, sent_at, now())
  pending, next_index = nil, next_index + 1
  if next_index > #mine then
    local out = io.open("%(results)s" .. id, "w")
    out:write(table.concat(timings, "\n"), "\n")
    out:close()
  end
end
"""


@dataclass
class Submissions:
    """What wrk saw of the submissions: status and (start, end) on the monotonic clock, per request."""

    statuses: list[int]
    spans: list[tuple[float, float]]
    wrk_errors: str = ""

    @property
    def seconds(self) -> float:
        """From the first submission sent to the last answer received."""
        return max(e for _, e in self.spans) - min(s for s, _ in self.spans) if self.spans else 0.0

    def percentile_ms(self, pct: float) -> float | None:
        """A latency percentile in milliseconds."""
        return percentile([e - s for s, e in self.spans], pct) * 1000 if self.spans else None


def measure(app: Flask, dataset: Dataset, base_url: str, load: wrk.Load, count: int | None = None) -> Flow:
    """Open one fresh attempt per grading-pool trainee, submit them all with wrk, count the graded ones."""
    flow = Flow(LABEL.format(connections=load.connections))
    if not wrk.available():
        flow.status = error(wrk.INSTALL_HINT)
        return flow
    paths = pages.quiz_paths(app, dataset)
    if paths is None:
        flow.status = NOT_BUILT
        return flow
    user_ids = dataset.pools.get("grading", [])[:count]
    ready, problems = _open_attempts(app, dataset, base_url, user_ids, paths)
    flow.attempts = len(user_ids)
    if not ready:
        flow.status = error("tidak ada percobaan yang bisa dibuka")
        flow.error_samples = problems[:3]
        return flow
    graded_before = _graded(app, dataset, user_ids)
    result = run(base_url, ready, load)
    graded = _graded(app, dataset, user_ids) - graded_before
    answered = len(result.statuses)
    refused = sum(1 for status in result.statuses if status != 302)
    flow.completed, flow.graded, flow.seconds = answered - refused, graded, round(result.seconds, 2)
    flow.rps = graded / result.seconds if result.seconds else None
    flow.p50_ms, flow.p99_ms = result.percentile_ms(50), result.percentile_ms(99)
    flow.errors = refused + len(problems) + (len(ready) - answered)
    flow.error_samples = (problems + ([result.wrk_errors] if result.wrk_errors else []))[:3]
    flow.note = (f"{graded} dari {len(ready)} percobaan dinilai menurut basis data, {refused} jawaban bukan 302; "
                 f"per detik = percobaan dinilai / {result.seconds:.2f} s dari kiriman pertama sampai jawaban terakhir")
    return flow


def _open_attempts(app: Flask, dataset: Dataset, base_url: str, user_ids: list[int],
                   paths: pages.QuizPaths) -> tuple[list[tuple[str, str, str]], list[str]]:
    """(submit path, cookie header, form body) of a freshly opened attempt per trainee, and the failures."""
    clock = burst.Clock()
    signed_in = burst.prepare(app, dataset, base_url, user_ids, paths, clock)
    rng = random.Random(20)

    def open_one(trainee: burst.Trainee) -> tuple[str, str, str] | None:
        browser = trainee.browser
        try:
            attempt = pages.open_attempt(browser, pages.start(browser, paths, trainee.fields), rng)
        except burst.REQUEST_ERRORS as failure:
            clock.failed(f"buka percobaan: {failure}")
            return None
        return attempt.submit_path, browser.cookie_header(), urlencode(attempt.fields)

    with ThreadPoolExecutor(burst.PREPARE_THREADS) as pool:
        opened = [item for item in pool.map(open_one, signed_in) if item is not None]
    return opened, clock.errors


def _graded(app: Flask, dataset: Dataset, user_ids: list[int]) -> int:
    """Submitted (so graded) attempts of these trainees at the bench quiz."""
    if not user_ids:
        return 0
    with app.app_context():
        count = db.session.scalar(select(func.count()).select_from(Attempt).where(
            Attempt.user_id.in_(user_ids), Attempt.quiz_id == dataset.target["quiz_id"],
            Attempt.status == AttemptStatus.SUBMITTED))
        db.session.remove()
    return count or 0


def lua_script(requests: list[tuple[str, str, str]], threads: int, results: Path) -> str:
    """The wrk script sending each (path, cookie, body) once, split over `threads` one-connection threads."""
    table = "{\n" + ",\n".join("  {" + ", ".join(_lua_string(part) for part in item) + "}" for item in requests) + "\n}"
    return LUA % {"requests": table, "threads": threads, "agent": USER_AGENT, "filler": FILLER_PATH,
                  "results": results}


def _lua_string(value: str) -> str:
    # JSON string escapes (\", \\, \n, \uXXXX for control characters) are valid Lua for ASCII text;
    # cookies, paths and URL-encoded bodies are ASCII.
    return json.dumps(value, ensure_ascii=True)


def run(base_url: str, requests: list[tuple[str, str, str]], load: wrk.Load) -> Submissions:
    """Run wrk with the one-submission-each script until every thread has its answers, then read the timings."""
    threads = max(1, min(load.connections, len(requests)))
    with tempfile.TemporaryDirectory(prefix="kelaskim-wrk-") as tmp:
        script, results = Path(tmp) / "grading.lua", Path(tmp) / "timings-"
        script.write_text(lua_script(requests, threads, results))
        command = ["wrk", f"-t{threads}", f"-c{threads}", f"-d{MAX_SECONDS}s", f"--timeout={load.timeout_s}s",
                   "-s", str(script), base_url + "/"]
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        while process.poll() is None and len(list(Path(tmp).glob("timings-*"))) < threads:
            time.sleep(POLL_S)
        if process.poll() is None:
            process.send_signal(signal.SIGINT)  # wrk prints its summary and exits
        stdout, stderr = process.communicate(timeout=60)
        if process.returncode != 0:
            raise RuntimeError(f"wrk gagal ({process.returncode}): {stderr.strip() or stdout.strip()}")
        lines = [line.split() for path in sorted(Path(tmp).glob("timings-*")) for line in path.read_text().splitlines()]
    socket_errors = wrk.SOCKET_ERRORS.search(stdout)
    return Submissions([int(status) for status, _, _ in lines], [(float(s), float(e)) for _, s, e in lines],
                       socket_errors.group(0) if socket_errors and any(map(int, socket_errors.groups())) else "")
