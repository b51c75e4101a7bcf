"""Start gunicorn on a free loopback port for a measurement, and stop it afterwards."""
from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from app.config import ROOT

READY_TIMEOUT = 120.0  # under load (two cores shared), two workers took over 45 s to start
# The line app/errors.py logs for every request that ended in a 500.
FAILED_REQUEST = re.compile(r"request \S+ failed: (\S+ \S+: .*)$", re.MULTILINE)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Gunicorn:
    """gunicorn serving one WSGI app on 127.0.0.1, as a context manager."""

    def __init__(self, app_spec: str, log_path: Path, env: dict[str, str] | None = None, workers: int = 2,
                 timeout: int = 30, ready_path: str = "/", args: tuple[str, ...] = ()) -> None:
        self.app_spec, self.log_path, self.workers, self.args = app_spec, log_path, workers, args
        self.timeout, self.ready_path = timeout, ready_path
        self.port = free_port()
        self.env = {k: v for k, v in os.environ.items() if k not in ("FLASK_DEBUG", "DATABASE_URL")}
        self.env.update({"PUBLIC_BASE_URL": self.base_url, **(env or {})})  # production refuses to start without it
        self.process: subprocess.Popen | None = None

    @property
    def base_url(self) -> str:
        """http://127.0.0.1:<port>"""
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> Gunicorn:
        command = [sys.executable, "-m", "gunicorn", "--workers", str(self.workers), "--bind", f"127.0.0.1:{self.port}",
                   "--timeout", str(self.timeout), "--log-level", "warning", "--config", "python:app.gunicorn_conf", *self.args, self.app_spec]
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        try:
            self._wait_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def _wait_ready(self) -> None:
        """Wait until the app answers and every worker has started."""
        deadline = time.monotonic() + READY_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn berhenti saat mulai; lihat {self.log_path}")
            try:
                with urllib.request.urlopen(self.base_url + self.ready_path, timeout=5) as reply:
                    if reply.status == 200 and len(self.worker_pids()) >= self.workers:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn tidak siap dalam {READY_TIMEOUT:.0f} detik; lihat {self.log_path}")

    def worker_pids(self) -> list[int]:
        """The pids of the workers (the children of the gunicorn master)."""
        if self.process is None:
            return []
        children = []
        for status in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = status.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.process.pid:
                children.append(int(status.parent.name))
        return sorted(children)

    def stop(self) -> None:
        """Ask the master to stop (its workers with it); kill it if it does not within 15 seconds."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)

    def errors_logged(self) -> list[str]:
        """The failed requests the app logged ("GET /path: Error(...)"), each once, in order."""
        try:
            log = self.log_path.read_text(errors="replace")
        except OSError:
            return []
        failures = list(dict.fromkeys(match.group(1) for match in FAILED_REQUEST.finditer(log)))
        return failures or ["traceback tanpa keterangan permintaan"] * min(1, log.count("Traceback"))


def memory_kb(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM (peak) of a process, in kB, from /proc/<pid>/status."""
    values = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                values[key] = int(rest.split()[0])
    except OSError:
        pass
    return values
