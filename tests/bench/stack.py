"""The production layout on one machine: Redis, two or more gunicorn instances, nginx in front.

Each part runs as a child process of the caller, on a free loopback port, with its files in a
folder of its own, and is stopped when its `with` block ends. The test of two instances and
`make bench --instances 2` both use it; README (Produksi) describes the same layout for servers.
"""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from tests.bench.server import Gunicorn, free_port

READY_TIMEOUT = 30.0
REDIS_HINT = "redis-server tidak ada: pasang dengan 'apt-get install -y redis-server'"
NGINX_HINT = "nginx tidak ada: pasang dengan 'apt-get install -y nginx'"
# Debian puts nginx in /usr/sbin, which a non-root PATH may lack.
NGINX_PLACES = ("nginx", "/usr/sbin/nginx")


def redis_binary() -> str | None:
    """The redis-server program, or None when Debian's redis-server is not installed."""
    return shutil.which("redis-server")


def nginx_binary() -> str | None:
    """The nginx program, or None when Debian's nginx is not installed."""
    return next((found for name in NGINX_PLACES if (found := shutil.which(name))), None)


def _stop(process: subprocess.Popen, sig: int = signal.SIGTERM) -> None:
    if process.poll() is not None:
        return
    process.send_signal(sig)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


def _wait_for_port(port: int, process: subprocess.Popen, what: str, log: Path) -> None:
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} berhenti saat mulai; lihat {log}: {log.read_text(errors='replace')[-800:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{what} tidak siap dalam {READY_TIMEOUT:.0f} detik; lihat {log}")


@contextmanager
def redis(folder: Path) -> Iterator[str]:
    """A Redis server of its own (no persistence, loopback only); yields its redis:// URL."""
    binary = redis_binary()
    if binary is None:
        raise RuntimeError(REDIS_HINT)
    folder.mkdir(parents=True, exist_ok=True)
    port, log = free_port(), folder / "redis.log"
    command = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
               "--dir", str(folder), "--logfile", str(log)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    try:
        _wait_for_port(port, process, "redis-server", log)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        _stop(process)


NGINX_CONF = """\
# Written by tests/bench/stack.py for one run; docs/production/nginx-kelaskim.conf is the production version.
{user}worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
daemon off;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    client_max_body_size 6m;
    upstream kelaskim {{
{servers}
        keepalive 32;
    }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://kelaskim;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $remote_addr;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_read_timeout 120s;
        }}
    }}
}}
"""


@contextmanager
def nginx(folder: Path, upstreams: list[str]) -> Iterator[str]:
    """nginx on a free port in front of the given host:port upstreams (round robin); yields its base URL."""
    binary = nginx_binary()
    if binary is None:
        raise RuntimeError(NGINX_HINT)
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    # As root, nginx's workers would switch to "nobody", who cannot write this private folder.
    user = "user root;\n" if os.geteuid() == 0 else ""
    servers = "\n".join(f"        server {upstream};" for upstream in upstreams)
    config = folder / "nginx.conf"
    config.write_text(NGINX_CONF.format(user=user, folder=folder, servers=servers, port=port))
    log = folder / "error.log"
    log.touch()
    with open(folder / "stderr.log", "wb") as stderr:
        process = subprocess.Popen([binary, "-c", str(config), "-p", str(folder)], stdout=subprocess.DEVNULL, stderr=stderr)
    try:
        _wait_for_port(port, process, "nginx", log)
        yield f"http://127.0.0.1:{port}"
    finally:
        _stop(process, signal.SIGQUIT)  # graceful: finish the requests in flight


class Layout:
    """Redis, the instances and nginx of one run: their URLs and gunicorn handles."""

    def __init__(self, redis_url: str, instances: list[Gunicorn], front_url: str) -> None:
        self.redis_url, self.instances, self.front_url = redis_url, instances, front_url

    def errors_logged(self) -> list[str]:
        """Requests any instance answered with a 500, as logged."""
        return [failure for instance in self.instances for failure in instance.errors_logged()]


def shared_env(redis_url: str) -> dict[str, str]:
    """What every instance needs to behave as one app: the same Redis (limits and dashboard cache) behind one proxy."""
    return {"REDIS_URL": redis_url, "TRUSTED_PROXY_HOPS": "1"}


@contextmanager
def layout(folder: Path, env: dict[str, str], instances: int = 2, workers: int = 2,
           args: tuple[str, ...] = ()) -> Iterator[Layout]:
    """Redis, `instances` gunicorn instances on their own ports (same database, secret key and Redis), nginx in front."""
    folder.mkdir(parents=True, exist_ok=True)
    with ExitStack() as stack:
        redis_url = stack.enter_context(redis(folder / "redis"))
        started = []
        for number in range(instances):
            instance = Gunicorn("wsgi:app", folder / f"gunicorn-{chr(ord('a') + number)}.log",
                                env={**env, **shared_env(redis_url)}, workers=workers, ready_path="/healthz", args=args)
            started.append(stack.enter_context(instance))
        front = stack.enter_context(nginx(folder / "nginx", [f"127.0.0.1:{i.port}" for i in started]))
        yield Layout(redis_url, started, front)
