"""A real LRS for the xAPI tests: Ralph with its file-system backend, on a free local port."""
from __future__ import annotations

import base64
import json
import os
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
USERNAME = "kelaskim"
PASSWORD = "lrs-rahasia"
# bcrypt (cost 4) of PASSWORD, as `ralph auth` writes it: Ralph checks basic auth against this.
PASSWORD_HASH = "$2b$04$Yb2J9NKY7KtwS/d2yFHcQOHIiTCB4BadYBV/hP653FFmGoDEHrRDW"
INSTALL_HINT = ("Ralph (LRS) tidak ditemukan: jalankan 'make .venv-lrs/.installed' "
                "(virtualenv sendiri dengan tests/requirements-lrs.txt) atau set RALPH_PYTHON.")


def ralph_python() -> Path | None:
    """The Python of Ralph's virtualenv, or None when Ralph is not installed."""
    if os.environ.get("RALPH_PYTHON"):
        return Path(os.environ["RALPH_PYTHON"])
    venv = ROOT / ".venv-lrs"
    # Looked up on disk: importing Ralph to check would cost as much as starting it.
    installed = any(venv.glob("lib/python3*/site-packages/ralph/backends/lrs/fs.py"))
    return venv / "bin" / "python" if installed else None


def free_port() -> int:
    """A port nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Ralph:
    """One Ralph server: start, stop (the LRS is "down"), start again on the same port and data."""

    def __init__(self, python: Path, folder: Path) -> None:
        self.python, self.folder, self.port = python, folder, free_port()
        self.process: subprocess.Popen | None = None
        (folder / "auth.json").write_text(json.dumps([{
            "agent": {"objectType": "Agent", "account": {"name": USERNAME, "homePage": "http://127.0.0.1"}},
            "scopes": ["all"], "hash": PASSWORD_HASH, "username": USERNAME,
        }]))

    @property
    def endpoint(self) -> str:
        """The xAPI endpoint (statements live under it)."""
        return f"http://127.0.0.1:{self.port}/xAPI"

    def start(self, timeout: float = 120.0) -> None:
        """Start the server and wait until its heartbeat answers."""
        env = {**os.environ, "RALPH_RUNSERVER_BACKEND": "fs", "RALPH_APP_DIR": str(self.folder / "app"),
               "RALPH_AUTH_FILE": str(self.folder / "auth.json"),
               "RALPH_BACKENDS__LRS__FS__DEFAULT_DIRECTORY_PATH": str(self.folder / "data")}
        log = open(self.folder / "ralph.log", "ab")  # noqa: SIM115 - kept open while the server runs
        self.process = subprocess.Popen([str(self.python), str(ROOT / "tests" / "lrs_server.py"), str(self.port)],
                                        env=env, stdout=log, stderr=subprocess.STDOUT, cwd=self.folder)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"Ralph stopped: {(self.folder / 'ralph.log').read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/__heartbeat__", timeout=2):
                    return
            except OSError:
                time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"Ralph did not answer within {timeout:.0f} s")

    def stop(self) -> None:
        """Stop the server (statements already stored stay in its data folder)."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def statements(self) -> list[dict]:
        """Every statement the LRS holds, read back through its own statements API."""
        found: list[dict] = []
        url = f"{self.endpoint}/statements?limit=500"
        while url:
            token = base64.b64encode(f"{USERNAME}:{PASSWORD}".encode()).decode()
            request = urllib.request.Request(url, headers={"Authorization": f"Basic {token}",
                                                           "X-Experience-API-Version": "1.0.3"})
            with urllib.request.urlopen(request, timeout=10) as response:
                page = json.load(response)
            found += page["statements"]
            url = f"http://127.0.0.1:{self.port}{page['more']}" if page.get("more") else ""
        return found


@pytest.fixture(scope="module")
def ralph(tmp_path_factory):
    """A running Ralph LRS for the module's tests; skipped with how to install it when it is missing."""
    python = ralph_python()
    if python is None:
        pytest.skip(INSTALL_HINT)
    server = Ralph(python, tmp_path_factory.mktemp("ralph"))
    server.start()
    yield server
    server.stop()
