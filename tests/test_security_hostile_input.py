"""Every route of app.url_map, as every role, with hostile path values, query strings and form bodies: never a 5xx.

Hypothesis draws, per route, a path (each argument either the real object of the authorization
matrix's world or a hostile value for its converter: integers past 64 bits, text with NUL and control
characters, far dates, long strings, wrong types), a query string and a form body over every field
name the app's forms know, headers, and one of the route's methods; each request is sent as every role. The app runs
with TESTING on, so a server error surfaces as the exception itself.

Besides the draws, every run sends canonical requests per route and method: the real objects with
every query key and form field holding a hostile value (rotated over the classes), and every path
argument hostile. HOSTILE_EXAMPLES (default 2) is the number of draws per route: the default keeps
the suite within its time budget; HOSTILE_EXAMPLES=200 makes a deeper run (many minutes).
"""
from __future__ import annotations

import io
import os
import re
import traceback
from urllib.parse import quote

import pytest
from flask_wtf import FlaskForm
from hypothesis import HealthCheck, Phase, example, given, settings, strategies as st
from wtforms import Form
from wtforms.fields.core import UnboundField

from app.accounts.models import User
from app.extensions import db
from tests.authz_matrix import ANONYMOUS, MATRIX, ROLES, blueprint_of, build_world

EXAMPLES = int(os.environ.get("HOSTILE_EXAMPLES", "2"))
BLUEPRINTS = ("", "accounts", "admin", "audit", "authoring", "health", "learning", "main", "quizzes", "reports", "webapp", "xapi")

HUGE = st.sampled_from([2**31 - 1, 2**31, 2**32, 2**53 + 1, 2**63 - 1, 2**63, 2**64, 10**30, -(2**63) - 1])
ODD_TEXT = st.sampled_from([
    "", " ", "\x00", "a\x00b", "\x01\x02\x1b\x7f", "\r\n", "\t", "%", "%00", "../../etc/passwd", "<script>x</script>",
    "9999-12-31", "0001-01-01", "10000-01-01", "2026-02-30", "-1", "0", "1e309", "NaN", "inf", "１２", "\u202e",
    "\ufeff", "🙂", "x" * 10_000, "a,b;=1+1", "'", '"', "\\", "//jahat.example", "/\x00/", "\u0000\u0085\u2028",
])
HOSTILE_TEXT = st.one_of(ODD_TEXT, HUGE.map(str), st.integers().map(str), st.text(max_size=40))
UPLOAD_NAMES = st.sampled_from(["x.csv", "x.xlsx", "x.txt", "x.gift", "x", "\x00.csv", "../x.csv", "x" * 300 + ".csv"])
UPLOAD = st.tuples(st.binary(max_size=200), UPLOAD_NAMES)
# Headers the app or its libraries read, with values a client can send (latin-1, no line breaks).
HEADER_NAMES = ["Accept-Language", "Accept", "X-Request-Id", "X-Forwarded-For", "If-Modified-Since", "Range",
                "Content-Type", "Cookie", "Referer"]
HEADER_TEXT = st.one_of(
    st.sampled_from(["x" * 4000, "en;q=nan, *;q=1e999", "id-ID-x-" + "a" * 300, "multipart/form-data", "\x01",
                     "bytes=99999999999999999999-", "session=.eJw", "remember_token=1|abc"]),
    st.text(st.characters(min_codepoint=1, max_codepoint=255, blacklist_characters="\r\n"), max_size=60))
PLACEHOLDER = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")
ROW_FIELD = re.compile(r"-\d+-")  # choices-0-text: a FieldList row, left to the drawn requests
# Query keys the views read besides form fields.
QUERY_KEYS = ["page", "q", "role", "regency", "action", "next", "home", "pemisah", "per_page", "lang"]


def form_field_names() -> list[str]:
    """Every field name of every form class of the app, with the names FieldList rows take (choices-0-text)."""
    forms, pending = [], list(Form.__subclasses__())
    while pending:
        forms.append(pending.pop())
        pending.extend(forms[-1].__subclasses__())
    names = {form: {name for name in dir(form) if isinstance(getattr(form, name, None), UnboundField)}
             for form in forms}
    page_fields = set().union(*(fields for form, fields in names.items() if issubclass(form, FlaskForm)))
    row_fields = set().union(*(fields for form, fields in names.items() if not issubclass(form, FlaskForm)))
    rows = {f"{name}-{n}-{row}" for name in page_fields for row in row_fields for n in (0, 99)}
    return sorted(page_fields | rows | {"csrf_token"})


def path_strategy(rule, valid: dict) -> st.SearchStrategy[str]:
    """The rule's path with each argument the real value or a hostile one for its converter."""
    def argument(converter: str | None, name: str) -> st.SearchStrategy[str]:
        hostile = (st.one_of(HUGE.map(str), st.integers(min_value=0).map(str), HOSTILE_TEXT)
                   if converter == "int" else HOSTILE_TEXT)
        real = [str(valid[name])] if name in valid else []
        return st.one_of(st.sampled_from(real), hostile) if real else hostile

    arguments = {name: argument(converter, name) for converter, name in PLACEHOLDER.findall(rule.rule)}
    return st.fixed_dictionaries(arguments).map(lambda values: build_path(rule, values))


def build_path(rule, values: dict) -> str:
    """The rule's path with these argument values, each quoted."""
    return PLACEHOLDER.sub(lambda match: quote(str(values[match.group(2)]), safe=""), rule.rule)


# Values of each hostile class, rotated over the query keys and form fields of the canonical requests.
CANONICAL_VALUES = [str(2**63), "9999-12-31", "a\x00b", "0001-01-01", str(-(10**30)), "/\r\n//x" + "x" * 500,
                    "\x1b[31m\x7f"]


CANONICAL_HEADERS = {"Accept-Language": "en;q=nan, *;q=1e999, " + "x" * 2000, "X-Request-Id": "\x01" * 40,
                     "If-Modified-Since": "Sun, 31 Dec 99999 23:59:59 GMT", "Range": "bytes=99999999999999999999-"}


def canonical_requests(rule, valid: dict, field_names: list[str]) -> list[dict]:
    """Requests sent on every run whatever Hypothesis draws, for each method of the route: the real objects
    with every query key and form field holding a hostile value; and, for a route with arguments, every
    argument hostile (a number past 64 bits, text with NUL)."""
    arguments = PLACEHOLDER.findall(rule.rule)
    hostile_path = {name: 2**63 if converter == "int" else "a\x00b" for converter, name in arguments}
    names = QUERY_KEYS + [name for name in field_names if not ROW_FIELD.search(name)]
    requests = []
    for shift, method in enumerate(sorted(rule.methods - {"HEAD", "OPTIONS"})):
        rotated = CANONICAL_VALUES[shift:] + CANONICAL_VALUES[:shift]
        values = {name: rotated[n % len(rotated)] for n, name in enumerate(names)}
        requests.append({"path": build_path(rule, {**hostile_path, **valid}), "method": method, "query": values,
                         "form": values, "files": {}, "headers": CANONICAL_HEADERS})
        if arguments:
            requests.append({"path": build_path(rule, hostile_path), "method": method, "query": {}, "form": {},
                             "files": {}, "headers": {}})
    return requests


def question_fields(world) -> list[str]:
    """Answer fields of the world's quiz (q-<question id>), and one for no question at all."""
    return [f"q-{question.id}" for question in world.quiz.questions] + [f"q-{10**30}"]


class SessionCookies:
    """The Cookie header of each role, signed in as Flask-Login does, with the account's current session token
    (a logout or "end all sessions" drawn earlier renews it); anonymous: none."""

    def __init__(self, app, world) -> None:
        self.serializer = app.session_interface.get_signing_serializer(app)
        self.name = app.config["SESSION_COOKIE_NAME"]
        self.user_ids = {role: user.id for role, user in world.users.items()}

    def __getitem__(self, role: str) -> str:
        if role == ANONYMOUS:
            return ""
        user = db.session.get(User, self.user_ids[role], populate_existing=True)
        return f"{self.name}={self.serializer.dumps({'_user_id': user.get_id(), '_fresh': True})}"


def probe(app, world, rule, field_names: list[str], cookies: SessionCookies) -> list[str]:
    """Send hostile requests to one route as every role; the requests that failed, readable."""
    methods = sorted(rule.methods - {"HEAD", "OPTIONS"})
    entry = MATRIX.get(rule.endpoint)
    valid = entry.url_args(world) if entry else {}
    keys = st.sampled_from(field_names + QUERY_KEYS) | st.text(max_size=8)
    values = HOSTILE_TEXT | st.lists(HOSTILE_TEXT, min_size=2, max_size=3)
    uploads = st.dictionaries(st.sampled_from(["berkas", "file"]), UPLOAD, max_size=1)

    # No shrinking: the first failing request is reported as it was sent, without hundreds of retries.
    @settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck),
              phases=[Phase.explicit, Phase.generate])
    @given(path=path_strategy(rule, valid), method=st.sampled_from(methods), query=st.dictionaries(keys, values, max_size=4),
           form=st.dictionaries(keys, values, max_size=6), files=uploads,
           headers=st.dictionaries(st.sampled_from(HEADER_NAMES), HEADER_TEXT, max_size=3))
    def hostile_request(path, method, query, form, files, headers):
        for role in ROLES:
            status = send(app, method, path, query, form, files, headers, cookies[role])
            assert not isinstance(status, str) and status < 500, (
                f"{method} {path} as {role} query={query!r} form={form!r} files={files!r} headers={headers!r}"[:1500]
                + f": {status}")

    for canonical in canonical_requests(rule, valid, field_names):
        hostile_request = example(**canonical)(hostile_request)
    try:
        hostile_request()
    except AssertionError as error:
        return [f"{rule.endpoint}: {str(error).splitlines()[0]}"]
    return []


def send(app, method: str, path: str, query: dict, form: dict, files: dict, headers: dict, cookie: str) -> int | str:
    """One request; its status, or the exception it raised (TESTING propagates what production turns into a 500)."""
    # Files are read once: each request gets its own.
    body = {**form, **{name: (io.BytesIO(data), filename) for name, (data, filename) in files.items()}}
    if cookie:  # the role's session, after any hostile cookies drawn
        headers = {**headers, "Cookie": "; ".join(filter(None, [headers.get("Cookie", ""), cookie]))}
    try:
        response = app.test_client().open(path, method=method, query_string=query,
                                          data=body if method != "GET" else None, headers=headers)
        response.get_data()  # a streamed export runs to its end
        response.close()
        return response.status_code
    except Exception as error:  # noqa: BLE001
        where = traceback.extract_tb(error.__traceback__)[-1]
        return f"{type(error).__name__}: {error}"[:300] + f" (at {where.filename}:{where.lineno})"


@pytest.fixture
def world(app):
    """One account per role and two courses (tests/authz_matrix.py), for the real path values."""
    return build_world()


def test_every_blueprint_is_probed(app):
    assert {blueprint_of(rule.endpoint) for rule in app.url_map.iter_rules()} <= set(BLUEPRINTS)


@pytest.mark.parametrize("blueprint", BLUEPRINTS)
def test_no_route_answers_a_server_error_to_hostile_input(app, world, blueprint):
    names, cookies = form_field_names() + question_fields(world), SessionCookies(app, world)
    failures = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda rule: rule.rule):
        if blueprint_of(rule.endpoint) == blueprint:
            failures += probe(app, world, rule, names, cookies)
    assert not failures, "\n".join(failures)
