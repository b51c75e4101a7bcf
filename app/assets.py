"""Static files addressed by a hash of their content, so that a slow connection never asks for them twice.

`url_for('static', filename=...)` adds `?v=<hash>`; a request carrying the current hash is answered
with `Cache-Control: immutable` for a year, any other with `no-cache`. A changed file gets a new
hash, hence a new address, so no browser keeps an old stylesheet. The favicon is inlined as a data:
URI: it is tiny, and a separate request would cost every first visit a round trip.
"""
from __future__ import annotations

import hashlib
import os
from base64 import b64encode
from dataclasses import dataclass
from threading import Lock

from flask import Flask, current_app, request
from flask.sessions import SecureCookieSessionInterface
from markupsafe import Markup

IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
DIGEST_LENGTH = 10


@dataclass(frozen=True)
class _Digest:
    """A file's hash, valid while the file keeps this modification time and size."""

    stamp: tuple[int, int]
    value: str


class StaticDigests:
    """Content hashes of the files under the static folder, recomputed when a file changes."""

    def __init__(self, folder: str) -> None:
        self.folder = folder
        self._known: dict[str, _Digest] = {}
        self._lock = Lock()

    def digest(self, filename: str) -> str | None:
        """The file's content hash, or None when there is no such file."""
        path = os.path.join(self.folder, filename)
        try:
            info = os.stat(path)
        except OSError:
            return None
        stamp = (info.st_mtime_ns, info.st_size)
        known = self._known.get(filename)
        if known is None or known.stamp != stamp:
            with open(path, "rb") as handle:
                value = hashlib.sha256(handle.read()).hexdigest()[:DIGEST_LENGTH]
            with self._lock:
                self._known[filename] = known = _Digest(stamp, value)
        return known.value


def _digests() -> StaticDigests:
    return current_app.extensions["static_digests"]


def _add_digest(endpoint: str, values: dict) -> None:
    """url_for('static', ...) gets ?v=<hash> of the file's current content."""
    if endpoint == "static" and "v" not in values and "filename" in values:
        digest = _digests().digest(values["filename"])
        if digest is not None:
            values["v"] = digest


def _cache_static(response):
    """A static file asked for by its current hash is kept for a year; anything else is revalidated."""
    if request.endpoint != "static" or response.status_code not in (200, 304):
        return response
    current = _digests().digest(request.view_args.get("filename", "")) if request.view_args else None
    fresh = current is not None and request.args.get("v") == current
    response.headers["Cache-Control"] = IMMUTABLE if fresh else REVALIDATE
    return response


class SessionInterface(SecureCookieSessionInterface):
    """The signed-cookie session, left alone by static files.

    Flask adds `Vary: Cookie` to every response that touched the session (Flask-Login always
    does), and a browser refetches a response whose Vary header no longer matches: an immutable
    stylesheet would be downloaded again each time the session cookie changes.
    """

    def save_session(self, app, session, response) -> None:
        """Save as usual, except on static files, which neither read nor renew the session."""
        if request.endpoint != "static":
            super().save_session(app, session, response)


def data_uri(filename: str, mimetype: str) -> Markup:
    """A static file as a data: URI (for the favicon), read once per content hash."""
    digests = _digests()
    key = (filename, digests.digest(filename))
    inlined = current_app.extensions.setdefault("inlined_static", {})
    if key not in inlined:
        with open(os.path.join(digests.folder, filename), "rb") as handle:
            inlined[key] = Markup(f"data:{mimetype};base64,{b64encode(handle.read()).decode('ascii')}")
    return inlined[key]


def init_app(app: Flask) -> None:
    """Hash static URLs and send immutable cache headers."""
    app.extensions["static_digests"] = StaticDigests(app.static_folder)
    app.session_interface = SessionInterface()
    app.url_defaults(_add_digest)
    app.after_request(_cache_static)
