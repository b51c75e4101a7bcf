"""A small stdlib HTTP client for the loopback server: cookies, timings and HTML forms."""
from __future__ import annotations

import http.client
import math
import random
import time
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from urllib.parse import urlencode, urljoin, urlsplit

USER_AGENT = "kelaskim-bench/1"
# Typed into short-answer questions: right for the KIM question of the test factories.
SHORT_ANSWER = "Kelompok Informasi Masyarakat"


@dataclass
class Response:
    """One HTTP response with its timings in seconds."""

    status: int
    headers: http.client.HTTPMessage
    body: bytes
    elapsed: float
    ttfb: float

    @property
    def text(self) -> str:
        """The body decoded as UTF-8."""
        return self.body.decode("utf-8", "replace")

    @property
    def location(self) -> str:
        """The redirect target as a path, or ''."""
        target = self.headers.get("Location", "")
        parts = urlsplit(target)
        return parts.path + (f"?{parts.query}" if parts.query else "") if parts.netloc else target


def keep_alive(base_url: str, timeout: float = 60.0) -> http.client.HTTPConnection:
    """A connection that carries request after request (nginx keeps it open; reconnects when a server closes it)."""
    parts = urlsplit(base_url)
    return http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port or 80, timeout=timeout)


class Browser:
    """Keeps one user's cookies.

    Without a connection every request opens its own (gunicorn's sync workers close them anyway);
    with one (`connection`, from keep_alive), the requests reuse it, as a phone's browser does with nginx.
    """

    def __init__(self, base_url: str, cookies: dict[str, str] | None = None, timeout: float = 60.0) -> None:
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.cookies: dict[str, str] = dict(cookies or {})
        self.timeout = timeout
        self.connection: http.client.HTTPConnection | None = None

    def cookie_header(self) -> str:
        """The Cookie header this browser would send."""
        return "; ".join(f"{name}={value}" for name, value in self.cookies.items())

    def request(self, method: str, path: str, data: list[tuple[str, str]] | dict | None = None,
                headers: dict[str, str] | None = None) -> Response:
        """Send one request and read the whole response."""
        body = urlencode(data).encode() if data is not None else None
        all_headers = {"User-Agent": USER_AGENT, **(headers or {})}
        if self.cookies:
            all_headers["Cookie"] = self.cookie_header()
        if body is not None:
            all_headers["Content-Type"] = "application/x-www-form-urlencoded"
        kept = self.connection
        connection = kept or http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        started = time.perf_counter()
        try:
            connection.request(method, path, body=body, headers=all_headers)
            reply = connection.getresponse()
            ttfb = time.perf_counter() - started
            content = reply.read()
        except BaseException:
            connection.close()  # half a request or response on it: the next request needs a fresh one
            raise
        finally:
            if kept is None:
                connection.close()
        self._keep_cookies(reply.headers)
        return Response(reply.status, reply.headers, content, time.perf_counter() - started, ttfb)

    def get(self, path: str, headers: dict[str, str] | None = None) -> Response:
        """GET a path."""
        return self.request("GET", path, headers=headers)

    def post(self, path: str, data: list[tuple[str, str]] | dict) -> Response:
        """POST form fields to a path."""
        return self.request("POST", path, data=data)

    def _keep_cookies(self, headers: http.client.HTTPMessage) -> None:
        for raw in headers.get_all("Set-Cookie") or []:
            jar = SimpleCookie()
            jar.load(raw)
            for name, morsel in jar.items():
                if morsel["expires"] and "1970" in morsel["expires"] or morsel["max-age"] == "0":
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value


@dataclass
class Form:
    """A form as a browser sees it: where it posts and its controls in document order."""

    action: str
    method: str
    controls: list[dict[str, str]] = field(default_factory=list)

    def names(self, kind: str) -> list[str]:
        """Distinct names of the controls of one type (radio, checkbox, text...)."""
        seen: list[str] = []
        for control in self.controls:
            if control["type"] == kind and control["name"] not in seen:
                seen.append(control["name"])
        return seen

    @property
    def is_quiz(self) -> bool:
        """Whether the form asks questions (choices or free text beyond login fields)."""
        return any(c["type"] in ("radio", "checkbox") for c in self.controls)

    def fill(self, values: dict[str, str] | None = None, rng: random.Random | None = None,
             choose: bool = True) -> list[tuple[str, str]]:
        """Fields to submit: hidden values kept, one choice per radio or checkbox group, given or typed text."""
        values, pick = values or {}, (rng.choice if rng else (lambda options: options[0]))
        fields: list[tuple[str, str]] = []
        for kind in ("radio", "checkbox") if choose else ():
            for name in self.names(kind):
                options = [c["value"] for c in self.controls if c["type"] == kind and c["name"] == name]
                fields.append((name, pick(options)))
        for control in self.controls:
            kind, name = control["type"], control["name"]
            if not name or kind in ("radio", "checkbox", "submit", "button", "reset", "file", "image"):
                continue
            if kind == "hidden":
                fields.append((name, control["value"]))
            elif kind == "select":
                fields.append((name, control["value"]))
            else:
                fields.append((name, values.get(name, control["value"] or SHORT_ANSWER)))
        submit = next((c for c in self.controls if c["type"] == "submit" and c["name"]), None)
        if submit:
            fields.append((submit["name"], submit["value"]))
        return fields


class _FormParser(HTMLParser):
    """Collects forms, and the src/href of every element, from a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self.links: list[tuple[str, dict[str, str]]] = []
        self.scripts = 0
        self.inline_scripts = 0
        self._form: Form | None = None
        self._select: dict[str, str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if "src" in a or "href" in a or "srcset" in a:
            self.links.append((tag, a))
        if tag == "script":
            self.scripts += 1
            self.inline_scripts += "src" not in a
        if tag == "form":
            self._form = Form(a.get("action", ""), a.get("method", "get").lower())
            self.forms.append(self._form)
        elif self._form is not None:
            self._control(tag, a)

    def _control(self, tag: str, a: dict[str, str]) -> None:
        if tag == "input":
            self._form.controls.append({"type": a.get("type", "text").lower(), "name": a.get("name", ""),
                                        "value": a.get("value", "on" if a.get("type") in ("radio", "checkbox") else "")})
        elif tag == "button":
            self._form.controls.append({"type": a.get("type", "submit").lower(), "name": a.get("name", ""), "value": a.get("value", "")})
        elif tag == "textarea":
            self._form.controls.append({"type": "textarea", "name": a.get("name", ""), "value": ""})
        elif tag == "select":
            self._select = {"type": "select", "name": a.get("name", ""), "value": ""}
            self._form.controls.append(self._select)
        elif tag == "option" and self._select is not None and not self._select["value"]:
            self._select["value"] = a.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None


def parse_html(html: str) -> _FormParser:
    """Parse a page once: its forms, its src/href references and its scripts."""
    parser = _FormParser()
    parser.feed(html)
    parser.close()
    return parser


def forms_of(html: str, page_path: str = "/") -> list[Form]:
    """The page's forms, with actions made absolute paths (an empty action posts to the page itself)."""
    forms = parse_html(html).forms
    for form in forms:
        form.action = urlsplit(urljoin(page_path, form.action or page_path))._replace(scheme="", netloc="").geturl()
    return forms


def csrf_token(html: str) -> str | None:
    """The CSRF token of the first form that carries one (the footer's logout form has it on every page)."""
    for form in forms_of(html):
        for control in form.controls:
            if control["name"] == "csrf_token":
                return control["value"]
    return None


def percentile(values: list[float], pct: float) -> float:
    """The nearest-rank percentile of a list of numbers (0 when empty)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, min(len(ordered), math.ceil(pct / 100 * len(ordered))))
    return ordered[rank - 1]
