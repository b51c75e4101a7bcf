"""Security headers on every response, and no inline script, event handler or style on any page."""
from __future__ import annotations

from html.parser import HTMLParser

import pytest

from tests.authz_matrix import ANONYMOUS, MATRIX, ROLES, TRAINEE, World, build_world, sign_in, url_for_world

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
    """One account per role, a course with progress, an attempt, a certificate and a revision."""
    return build_world()


def paths_with_parameters(app, world: World) -> list[str]:
    """Every GET route that needs a parameter, built for the world's objects as the matrix builds it."""
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules() if "GET" in rule.methods and rule.arguments}
    return sorted(url_for_world(app, endpoint, world) for endpoint in endpoints if endpoint in MATRIX)


def more_paths(world: World) -> list[str]:
    """Pages the matrix builds one way only: every history page, and a module not yet open (refused with a reason)."""
    course, module = world.course, world.course.modules[1]
    histories = [f"/kelola/{kind}/{item.id}/riwayat" for kind, item in
                 (("kursus", course), ("modul", world.module), ("pelajaran", world.lesson), ("kuis", world.quiz))]
    return [*histories, f"/kursus/{course.slug}/{module.slug}/{module.lessons[0].slug}", f"/kuis/{module.quiz.id}"]


def walk(client, paths: list[str], role: str) -> list[str]:
    """Open each path (following redirects) and list every header or inline-code problem on the way."""
    problems = []
    for path in paths:
        response = client.get(path, follow_redirects=True)
        for hop in [*response.history, response]:
            where = f"{hop.request.path} as {role} ({hop.status_code})"
            problems += [f"{where}: {problem}" for problem in header_problems(hop)]
            if hop.mimetype == "text/html":
                problems += [f"{where}: {problem}" for problem in inline_code(hop.get_data(as_text=True))]
        response.close()
    return problems


def _client_as(app, world: World, role: str):
    client = app.test_client()
    if role != ANONYMOUS:
        sign_in(client, world.users[role])
    return client


@pytest.mark.parametrize("role", ROLES)
def test_every_page_has_security_headers_and_no_inline_code(app, world, role):
    problems = walk(_client_as(app, world, role), [*paths_without_parameters(app), *EXTRA_PATHS], role)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("role", ROLES)
def test_every_page_of_a_course_quiz_draft_and_report_has_the_headers_too(app, world, role):
    # As every role: those the matrix lets in get the real page, the others its refusal page.
    problems = walk(_client_as(app, world, role), [*paths_with_parameters(app, world), *more_paths(world)], role)
    assert not problems, "\n".join(problems)


def test_the_walk_covers_the_known_pages(app):
    paths = paths_without_parameters(app)
    assert {"/", "/masuk", "/healthz", "/akun/kata-sandi", "/admin/users", "/admin/audit", "/kursus", "/kursus-saya",
            "/kelola/", "/laporan/", "/laporan/peserta"} <= set(paths)


def test_the_walk_covers_the_pages_of_a_course_quiz_draft_and_report(app, world):
    paths = set(paths_with_parameters(app, world))
    course, module, lesson, quiz = world.course, world.module, world.lesson, world.quiz
    assert {
        f"/kursus/{course.slug}", f"/kursus/{course.slug}/{module.slug}/{lesson.slug}", f"/kuis/{quiz.id}",
        f"/kuis/percobaan/{world.open_attempt.id}", f"/kuis/percobaan/{world.submitted_attempt.id}/hasil",
        f"/kelola/kursus/{course.id}", f"/kelola/kursus/{course.id}/ubah", f"/kelola/pelajaran/{lesson.id}",
        f"/kelola/kuis/{quiz.id}", f"/kelola/kuis/{quiz.id}/analisis", f"/kelola/kuis/{quiz.id}/impor",
        f"/kelola/revisi/{world.revision.id}", "/laporan/wilayah/64.02", f"/laporan/peserta/{world.users[TRAINEE].id}",
        f"/verify/{world.certificate.code}", f"/sertifikat/{world.certificate.code}/cabut",
    } <= paths


@pytest.mark.parametrize("html", [
    '<script>alert(1)</script>', '<p style="color:red">x</p>', '<button onclick="x()">x</button>',
    '<a href="javascript:alert(1)">x</a>', '<style>p{}</style>', '<img src=x onerror=alert(1)>',
    '<script src="https://cdn.example/x.js"></script>',
])
def test_the_checker_catches_what_the_csp_blocks(html):
    assert inline_code(html)


def test_the_checker_allows_a_script_file_from_this_site():
    assert inline_code('<script src="/static/app.js"></script><p class="hint">ok</p>') == []


def test_pages_with_other_peoples_data_are_not_kept_by_the_browser(app, world):
    from tests.authz_matrix import ADMIN, COORDINATOR_PROVINCE
    coordinator, admin = _client_as(app, world, COORDINATOR_PROVINCE), _client_as(app, world, ADMIN)
    for client, path in ((coordinator, "/laporan/"), (coordinator, "/laporan/peserta"),
                         (coordinator, "/laporan/peserta.csv"), (admin, "/admin/users"), (admin, "/admin/audit"),
                         (admin, "/akun/kata-sandi")):
        response = client.get(path)
        assert response.status_code == 200, path
        assert "no-store" in response.headers.get("Cache-Control", ""), path


def test_lesson_pages_stay_cacheable_for_the_back_button(app, world):
    course, module, lesson = world.course, world.module, world.lesson
    response = _client_as(app, world, TRAINEE).get(f"/kursus/{course.slug}/{module.slug}/{lesson.slug}")
    assert response.status_code == 200
    assert "no-store" not in response.headers.get("Cache-Control", "")
