"""Run wrk against one URL and read its summary: requests/s, p50/p99 latency (--latency) and errors."""
from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

INSTALL_HINT = "wrk tidak ditemukan: pasang dengan `apt-get install -y wrk` (throughput dilewati)."
_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}
_LATENCY = re.compile(r"^\s*(50|75|90|99)%\s+([\d.]+)(us|ms|s|m)\s*$", re.MULTILINE)
_RPS = re.compile(r"^Requests/sec:\s+([\d.]+)", re.MULTILINE)
_TOTAL = re.compile(r"^\s*(\d+) requests in ([\d.]+)(us|ms|s|m),", re.MULTILINE)
SOCKET_ERRORS = re.compile(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")
_NON_2XX = re.compile(r"Non-2xx or 3xx responses: (\d+)")


@dataclass
class WrkResult:
    """The figures of one wrk run."""

    requests_per_s: float
    p50_ms: float
    p99_ms: float
    requests: int
    seconds: float
    socket_errors: dict[str, int]
    non_2xx: int

    @property
    def errors(self) -> int:
        """Failed requests: statuses other than 2xx/3xx, and connect, read, write or timeout errors."""
        return self.non_2xx + sum(self.socket_errors.values())


@dataclass(frozen=True)
class Load:
    """How hard wrk pushes: threads, connections, duration in seconds."""

    threads: int = 2
    connections: int = 16
    seconds: int = 10
    timeout_s: int = 30  # as gunicorn's worker timeout: slower answers would drop out of the percentiles

    def describe(self) -> str:
        """The wrk options, as printed in the report."""
        return f"wrk -t{self.threads} -c{self.connections} -d{self.seconds}s --latency"


def available() -> bool:
    """Whether the wrk binary is on PATH."""
    return shutil.which("wrk") is not None


def version() -> str:
    """wrk's version line, or '' when it is missing."""
    if not available():
        return ""
    reply = subprocess.run(["wrk", "--version"], capture_output=True, text=True, timeout=10)
    return (reply.stdout or reply.stderr).splitlines()[0].split(" Copyright")[0].strip() if (reply.stdout or reply.stderr) else "wrk"


def run(url: str, load: Load, headers: dict[str, str] | None = None,
        form: list[tuple[str, str]] | None = None) -> WrkResult:
    """Load one URL for load.seconds; with `form`, every request is a POST of those fields."""
    command = ["wrk", f"-t{load.threads}", f"-c{load.connections}", f"-d{load.seconds}s", "--latency",
               f"--timeout={load.timeout_s}s"]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    with tempfile.TemporaryDirectory(prefix="kelaskim-wrk-") as tmp:
        if form is not None:
            script = Path(tmp) / "post.lua"
            script.write_text(post_script(form))
            command += ["-s", str(script)]
        command.append(url)
        reply = subprocess.run(command, capture_output=True, text=True, timeout=load.seconds + 60)
    if reply.returncode != 0:
        raise RuntimeError(f"wrk gagal ({reply.returncode}): {reply.stderr.strip() or reply.stdout.strip()}")
    return parse(reply.stdout)


def post_script(form: list[tuple[str, str]]) -> str:
    """A wrk Lua script that POSTs the form fields, URL-encoded."""
    body = urlencode(form)
    return ('wrk.method = "POST"\n'
            f"wrk.body = [==[{body}]==]\n"
            'wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"\n')


def parse(output: str) -> WrkResult:
    """Read wrk's text summary (wrk 4, with --latency)."""
    latencies = {pct: float(value) * _UNITS_MS[unit] for pct, value, unit in _LATENCY.findall(output)}
    rps, total = _RPS.search(output), _TOTAL.search(output)
    if not rps or not total or "50" not in latencies or "99" not in latencies:
        raise ValueError(f"keluaran wrk tidak dikenali:\n{output}")
    sockets = SOCKET_ERRORS.search(output)
    socket_errors = dict(zip(("connect", "read", "write", "timeout"), map(int, sockets.groups()))) if sockets else {}
    non_2xx = _NON_2XX.search(output)
    return WrkResult(
        requests_per_s=float(rps.group(1)), p50_ms=latencies["50"], p99_ms=latencies["99"],
        requests=int(total.group(1)), seconds=float(total.group(2)) * _UNITS_MS[total.group(3)] / 1000,
        socket_errors=socket_errors, non_2xx=int(non_2xx.group(1)) if non_2xx else 0,
    )
