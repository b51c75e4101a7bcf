"""Security headers on every response, and no inline script, event handler or style on any page."""
from __future__ import annotations

from html.parser import HTMLParser

import pytest

from tests.authz_matrix import ANONYMOUS, ROLES, build_world, sign_in

# Pages beyond the routes without URL parameters: error pages must meet the same bar.
EXTRA_PATHS = ("/tidak-ada-halaman-ini", "/keluar", "/admin/users", "/static/style.css", "/healthz/tidak-ada")


class InlineCodeFinder(HTMLParser):
    """Collects what the CSP (script-src 'self'; style-src 'self') would block, or what loads from elsewhere."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name.lower(): value or "" for name, value in attrs}
        if tag == "script" and "src" not in values:
            self.problems.append("inline <script>")
        if tag == "style":
            self.problems.append("<style> element")
        if tag in ("script", "link") and values.get("src", values.get("href", "")).startswith(("http:", "https:", "//")):
            self.problems.append(f"<{tag}> from another site: {values.get('src') or values.get('href')}")
        for name, value in values.items():
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=...> event handler")
            if name == "style":
                self.problems.append(f'<{tag} style="{value}">')
            if name in ("href", "src", "action", "formaction") and value.strip().lower().startswith("javascript:"):
                self.problems.append(f"<{tag} {name}=javascript:...>")

    handle_startendtag = handle_starttag


def inline_code(html: str) -> list[str]:
    """What in this HTML the content security policy would block."""
    finder = InlineCodeFinder()
    finder.feed(html)
    finder.close()
    return finder.problems


def header_problems(response) -> list[str]:
    """Which of the required security headers are missing or weak on this response."""
    csp = response.headers.get("Content-Security-Policy", "")
    problems = [f"CSP lacks {part}" for part in ("script-src 'self'", "style-src 'self'", "frame-ancestors 'none'",
                                                 "object-src 'none'") if part not in csp]
    if "unsafe-inline" in csp or "unsafe-eval" in csp:
        problems.append("CSP allows unsafe-inline or unsafe-eval")
    if response.headers.get("X-Content-Type-Options") != "nosniff":
        problems.append("X-Content-Type-Options is not nosniff")
    if response.headers.get("Referrer-Policy") not in ("same-origin", "no-referrer", "strict-origin-when-cross-origin"):
        problems.append("Referrer-Policy missing")
    if not response.headers.get("X-Request-Id"):
        problems.append("X-Request-Id missing")
    if response.status_code >= 500:
        problems.append(f"status {response.status_code}")
    return problems


def paths_without_parameters(app) -> list[str]:
    """Every GET route whose URL needs no parameter."""
    return sorted({rule.rule for rule in app.url_map.iter_rules() if "GET" in rule.methods and not rule.arguments})


@pytest.fixture
def world(app):
    """One account per role."""
    return build_world()


@pytest.mark.parametrize("role", ROLES)
def test_every_page_has_security_headers_and_no_inline_code(app, world, role):
    client = app.test_client()
    if role != ANONYMOUS:
        sign_in(client, world.users[role])
    problems = []
    for path in [*paths_without_parameters(app), *EXTRA_PATHS]:
        response = client.get(path, follow_redirects=True)
        for hop in [*response.history, response]:
            where = f"{hop.request.path} as {role} ({hop.status_code})"
            problems += [f"{where}: {problem}" for problem in header_problems(hop)]
            if hop.mimetype == "text/html":
                problems += [f"{where}: {problem}" for problem in inline_code(hop.get_data(as_text=True))]
    assert not problems, "\n".join(problems)


def test_the_walk_covers_the_known_pages(app):
    paths = paths_without_parameters(app)
    assert {"/", "/masuk", "/healthz", "/akun/kata-sandi", "/admin/users", "/admin/audit"} <= set(paths)


@pytest.mark.parametrize("html", [
    '<script>alert(1)</script>', '<p style="color:red">x</p>', '<button onclick="x()">x</button>',
    '<a href="javascript:alert(1)">x</a>', '<style>p{}</style>', '<img src=x onerror=alert(1)>',
    '<script src="https://cdn.example/x.js"></script>',
])
def test_the_checker_catches_what_the_csp_blocks(html):
    assert inline_code(html)


def test_the_checker_allows_a_script_file_from_this_site():
    assert inline_code('<script src="/static/app.js"></script><p class="hint">ok</p>') == []
