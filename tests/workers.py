"""Reaching each of two gunicorn sync workers on purpose, and telling which one answered.

Hoping that requests spread across workers does not work: on a quiet machine one worker takes
them all. A connection opened first and left silent is taken by one worker, which then waits for
its request, so a request on a new connection is answered by the other worker.
"""
from __future__ import annotations

import http.client
import secrets
import socket
import time
import urllib.request
from urllib.parse import urlencode, urlsplit

from tests.bench.server import Gunicorn
from tests.http_client import Browser, Reply

WORKERS = 2
# The worker's pid and the request line of every request, so a test can tell which worker answered.
ACCESS_FORMAT = "access %(p)s %(r)s %(s)s"
ACCESS_LOG_ARGS = ("--access-logfile", "-", "--access-logformat", ACCESS_FORMAT)


def worker_of(server: Gunicorn, marker: str) -> int:
    """The pid of the worker that answered the request carrying the marker, read from the access log."""
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        for line in server.log_path.read_text(errors="replace").splitlines():
            if line.startswith("access ") and marker in line:
                return int(line.split()[1].strip("<>"))
        time.sleep(0.02)
    raise AssertionError(f"no access log line for {marker}")


def _over_socket(connection: socket.socket, browser: Browser, method: str, path: str, data: dict | None) -> Reply:
    """Send one request with the browser's cookies over an already open connection and read the answer."""
    request = urllib.request.Request(browser.base_url + path)
    browser.jar.add_cookie_header(request)
    body = urlencode(data, doseq=True).encode() if data is not None else b""
    head = [f"{method} {path} HTTP/1.1", f"Host: {urlsplit(browser.base_url).netloc}", "Connection: close"]
    if request.get_header("Cookie"):
        head.append(f"Cookie: {request.get_header('Cookie')}")
    if data is not None:
        head += ["Content-Type: application/x-www-form-urlencoded", f"Content-Length: {len(body)}"]
    connection.sendall(("\r\n".join(head) + "\r\n\r\n").encode() + body)
    connection.settimeout(30)
    with connection.makefile("rb") as stream:
        response = http.client.HTTPResponse(connection)
        response.fp = stream
        response.begin()
        return Reply(response.status, response.headers.get("Location", ""), response.read().decode())


def on_each_worker(server: Gunicorn, browser: Browser, path: str, method: str = "GET",
                   data: dict | None = None) -> dict[int, Reply]:
    """Send the request once to each of the two workers, with the browser's cookies; each worker's reply by pid.

    The held connection's worker waits for its request while the browser's own request is
    answered by the other worker; the held connection then asks too.
    """
    replies: dict[int, Reply] = {}
    address = urlsplit(server.base_url)
    joiner = "&" if "?" in path else "?"
    with socket.create_connection((address.hostname, address.port)) as held:
        for send in (browser.request, lambda *request: _over_socket(held, browser, *request)):
            marker = secrets.token_hex(6)
            replies[worker_of(server, marker)] = send(method, f"{path}{joiner}cek={marker}", data)
    assert len(replies) == WORKERS, f"only worker(s) {sorted(replies)} answered"
    return replies
