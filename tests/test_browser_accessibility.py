"""Every page of every role, on a 360 px phone, checked with axe-core: no serious or critical violation.

The pages come from the authorization matrix (tests/authz_matrix.py): on one set of records, each role
visits every page it may open, in its own browser context. A page the role sees exactly as the first
role allowed to open it (the same <main>, compared through the test client before any visit) is left
to that role, which checks it; the role's own header and menu are still checked on each page it visits. On each page
the focus ring of every focusable element is measured against the background around it (3:1 at least,
WCAG 1.4.11) and every button is measured for height (44 px at least).
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.authz_matrix import ANONYMOUS, MATRIX, OK, ROLES, build_world, sign_in, url_for_world
from tests.conftest import log_in

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parent / "axe" / "node_modules" / "axe-core" / "axe.min.js"
# Downloads, files, data for scripts and switches: not pages to read.
NOT_PAGES = {"static", "health.healthz", "main.set_language", "learning.certificate_pdf", "learning.course_file",
             "learning.offline_bundle", "webapp.manifest", "webapp.service_worker",
             "reports.roster_csv", "reports.roster_xlsx", "reports.import_template", "reports.activations_csv",
             "reports.gradebook_export", "authoring.quiz_questions_file", "xapi.export"}
# What differs between two renderings of the same page without being content.
VOLATILE = re.compile(r'name="csrf_token" type="hidden" value="[^"]*"|nonce="[^"]*"')
MAIN = re.compile(r"<main\b.*</main>", re.DOTALL)
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
               "resultTypes": ["violations"]}

# For each focusable element: the colours of its focus ring and of the background around it.
FOCUS_RINGS = """() => {
  const background = (node) => {
    for (; node && node.nodeType === 1; node = node.parentElement) {
      const colour = getComputedStyle(node).backgroundColor;
      if (colour && colour !== 'rgba(0, 0, 0, 0)' && colour !== 'transparent') return colour;
    }
    return 'rgb(255, 255, 255)';
  };
  const seen = [];
  const focusable = 'a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex]';
  for (const element of document.querySelectorAll(focusable)) {
    if (!element.checkVisibility() || element.disabled) continue;
    element.focus({focusVisible: true});
    if (document.activeElement !== element) continue;
    const style = getComputedStyle(element);
    seen.push({what: element.outerHTML.slice(0, 80), outline: style.outlineStyle === 'none' ? null : style.outlineColor,
               width: parseFloat(style.outlineWidth), shadow: style.boxShadow, around: background(element.parentElement)});
    element.blur();
  }
  return seen;
}"""
BUTTON_HEIGHTS = """() => [...document.querySelectorAll('button:not(.link), .button, input[type=submit], summary')]
  .filter((element) => element.checkVisibility())
  .map((element) => [element.outerHTML.slice(0, 80), element.getBoundingClientRect().height])"""
RGB = re.compile(r"rgba?\(([\d.]+), ([\d.]+), ([\d.]+)")


def luminance(colour: str) -> float:
    """WCAG relative luminance of a CSS rgb() colour."""
    channels = [float(value) / 255 for value in RGB.match(colour).groups()]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(first: str, second: str) -> float:
    """The WCAG contrast ratio of two colours."""
    light, dark = sorted((luminance(first), luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def ring_contrast(ring: dict) -> float:
    """The better contrast of the ring's outline or box-shadow band against the background around it."""
    best = contrast(ring["outline"], ring["around"]) if ring["outline"] and ring["width"] >= 2 else 1.0
    shadow = RGB.search(ring["shadow"] or "")
    if shadow and ring["shadow"] != "none":
        best = max(best, contrast(shadow.group(0) + ")", ring["around"]))
    return best


def first_role(endpoint: str) -> str | None:
    """The first role in ROLES that may open the page."""
    return next((role for role in ROLES if MATRIX[endpoint].outcomes[role] == OK), None)


def pages_of(app, role: str) -> list[str]:
    """Every page (endpoint) the role may open, downloads and switches left out."""
    rules = {rule.endpoint: rule for rule in app.url_map.iter_rules()}
    return [endpoint for endpoint in sorted(MATRIX) if endpoint not in NOT_PAGES
            and "GET" in rules[endpoint].methods and MATRIX[endpoint].outcomes[role] == OK]


def main_content(app, world, role: str, url: str) -> str:
    """The page's <main> as the role gets it from the test client, tokens left out."""
    client = app.test_client()
    if role != ANONYMOUS:
        sign_in(client, world.users[role])
    found = MAIN.search(client.get(url).get_data(as_text=True))
    return VOLATILE.sub("", found.group(0)) if found else ""


def pages_to_check(app, world) -> dict[str, list[tuple[str, str]]]:
    """Per role, (endpoint, url) of its pages, less those it sees as their first role does (checked there).

    Each role's <main> of a page is rendered once, and all before any browser visit, so that every
    comparison is made on the same records.
    """
    rendered: dict[tuple[str, str], str] = {}

    def main(role: str, url: str) -> str:
        if (role, url) not in rendered:
            rendered[role, url] = main_content(app, world, role, url)
        return rendered[role, url]

    pages: dict[str, list[tuple[str, str]]] = {}
    for role in ROLES:
        pages[role] = []
        for endpoint in pages_of(app, role):
            url, first = url_for_world(app, endpoint, world), first_role(endpoint)
            if first == role or main(role, url) != main(first, url):
                pages[role].append((endpoint, url))
    return pages


@pytest.fixture
def axe_source() -> Path:
    if not AXE.exists():
        pytest.skip("axe-core belum terpasang: jalankan 'make axe' (npm ci) untuk uji aksesibilitas.")
    return AXE


def problems_of_role(browser, live_server: str, axe_source: Path, world, role: str, pages) -> list[str]:
    """Visit the role's pages in a browser context of its own; what axe, the focus rings and the buttons fail."""
    problems: list[str] = []
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="id-ID")
    # Evaluated by the browser before the page's own scripts, so the page's CSP does not apply to it.
    context.add_init_script(path=str(axe_source))
    page = context.new_page()
    if role != ANONYMOUS:
        log_in(page, live_server, world.users[role].email)
    for endpoint, url in pages:
        where = f"{endpoint} ({url}) as {role}"
        response = page.goto(live_server + url)
        if response is None or not response.headers.get("content-type", "").startswith("text/html"):
            problems.append(f"{where}: not an HTML page (a download belongs in NOT_PAGES)")
            continue
        for violation in page.evaluate("(options) => axe.run(document, options)", AXE_OPTIONS)["violations"]:
            if violation["impact"] in ("serious", "critical"):
                targets = [" ".join(node["target"]) for node in violation["nodes"][:3]]
                problems.append(f"{where}: {violation['id']} ({violation['impact']}) on {targets}")
        for ring in page.evaluate(FOCUS_RINGS):
            if ring_contrast(ring) < 3:
                problems.append(f"{where}: focus ring {ring_contrast(ring):.1f}:1 on {ring['what']}")
        for what, height in page.evaluate(BUTTON_HEIGHTS):
            if height < 43.5:
                problems.append(f"{where}: {height:.0f} px tall: {what}")
    context.close()
    return problems


def test_every_page_of_every_role_passes_axe_with_visible_focus_and_large_buttons(app, browser, live_server,
                                                                                axe_source):
    # One set of records and one server for all roles: building them, and rendering each page's <main>
    # for the comparison, once rather than once per role.
    world = build_world()
    pages = pages_to_check(app, world)
    problems = [f"no page to check as {role}" for role in ROLES if not pages[role]]
    for role in ROLES:
        problems += problems_of_role(browser, live_server, axe_source, world, role, pages[role])
    assert not problems, "\n".join(problems)
