"""Request input checked before any view runs, so that malformed input gets a 400 or 404, never a 500.

A Host that is not this site's (TRUSTED_HOSTS, from PUBLIC_BASE_URL) is refused before anything else runs.
Path numbers stay within the database's integers; NUL (which PostgreSQL refuses in text) appears in
no path, query or form; the path and the query carry no other control characters; no number in a
query or form goes past 64 bits. Views then only meet values the database and Python can hold.
"""
from __future__ import annotations

import re

from flask import Flask, Response, request
from flask_babel import gettext as _
from werkzeug.exceptions import BadRequest, SecurityError
from werkzeug.routing import IntegerConverter

# Every id is a PostgreSQL INTEGER: a larger number cannot name a row, and the query would fail.
DB_INTEGER_MAX = 2**31 - 1
INT64_MAX = 2**63 - 1
# A page number past this is clamped: no list has this many pages, and offsets stay small.
MAX_PAGE = 100_000
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")  # line breaks and tabs too: an address or query has none
_INTEGER = re.compile(r"[+-]?\d{19,}")  # 19 digits or more: may be past 64 bits


class UnusableInput(BadRequest):
    """A 400 whose description is a message for the user, in their language (app/errors.py shows it)."""


class IdConverter(IntegerConverter):
    """The <int:...> of every route: a number past the database's integers matches no route (404)."""

    def __init__(self, map, fixed_digits: int = 0, min: int | None = None, max: int | None = DB_INTEGER_MAX,
                 signed: bool = False) -> None:
        super().__init__(map, fixed_digits, min, DB_INTEGER_MAX if max is None else max, signed)


def page_number() -> int:
    """The ?page= of a list page: 1 when absent or not a number, at most MAX_PAGE."""
    return max(1, min(request.args.get("page", 1, type=int), MAX_PAGE))


def _texts(fields) -> list[str]:
    """Every name and value of a MultiDict of text, in one list (a part sent without a name has None)."""
    return [text or "" for name, value in fields.items(multi=True)
            for text in (name, value if isinstance(value, str) else "")]


def _too_large(value: str) -> bool:
    return bool(_INTEGER.fullmatch(value.strip())) and abs(int(value)) > INT64_MAX


def refuse_untrusted_host() -> Response | None:
    """A plain 400 for a request whose Host is not trusted: nothing may build a link or a page on that host."""
    # Flask records the refused Host as the routing error; the error pages cannot be used, since without a
    # trusted host no address (not even the stylesheet's) can be built.
    if isinstance(request.routing_exception, SecurityError):
        message = _("Alamat situs (Host) pada permintaan ini tidak dikenal. Buka Kelas KIM lewat alamat resminya.")
        return Response(message, 400, mimetype="text/plain")
    return None


def check_request_input() -> None:
    """Refuse, with a 400 in the user's language, a request whose input no view could store or use."""
    query = _texts(request.args)
    if _CONTROL.search(request.path) or any(_CONTROL.search(text) for text in query):
        raise UnusableInput(_("Alamat halaman berisi karakter kendali yang tidak diizinkan."))
    form = _texts(request.form)
    names = _texts(request.files) + [upload.filename or "" for upload in request.files.values()]
    if any("\x00" in text for text in form + names):
        raise UnusableInput(_("Formulir berisi karakter NUL yang tidak diizinkan. Hapus karakter itu lalu kirim lagi."))
    if any(_too_large(text) for text in query + form):
        raise UnusableInput(_("Angka di permintaan ini terlalu besar."))


def init_app(app: Flask) -> None:
    """Bound the <int:> converter (before any blueprint is registered); check every request's host and input."""
    app.url_map.converters["int"] = IdConverter
    # First of all hooks: CSRF's referrer check and others read the host, which Flask would refuse again.
    app.before_request_funcs.setdefault(None, []).insert(0, refuse_untrusted_host)
    app.before_request(check_request_input)
