"""Every page of every role, on a 360 px phone, checked with axe-core: no serious or critical violation.

The pages come from the authorization matrix (tests/authz_matrix.py): each page is visited once,
by the first role in ROLES that may open it, in one browser context per role; the province-wide reports
are visited again by a province coordinator. On each page the
focus ring of every focusable element is measured against the background around it (3:1 at least,
WCAG 1.4.11) and every button is measured for height (44 px at least).
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.authz_matrix import ANONYMOUS, COORDINATOR_PROVINCE, MATRIX, OK, ROLES, build_world, url_for_world
from tests.conftest import log_in

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parent / "axe" / "node_modules" / "axe-core" / "axe.min.js"
# Downloads, files and switches: not pages to read.
NOT_PAGES = {"static", "health.healthz", "main.set_language", "learning.certificate_pdf", "learning.course_file",
             "reports.roster_csv", "reports.roster_xlsx", "reports.import_template", "reports.activations_csv",
             "reports.gradebook_export"}
# Pages a role sees differently from the first role allowed to open them: the province-wide reports.
ALSO_AS = {COORDINATOR_PROVINCE: ("reports.dashboard", "reports.roster", "reports.stalled")}
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


def pages_by_role(app, world) -> dict[str, list[tuple[str, str]]]:
    """(endpoint, url) of every page, under the first role allowed to open it (and ALSO_AS)."""
    rules = {rule.endpoint: rule for rule in app.url_map.iter_rules()}
    pages: dict[str, list[tuple[str, str]]] = {role: [] for role in ROLES}
    for endpoint in sorted(MATRIX):
        if endpoint in NOT_PAGES or "GET" not in rules[endpoint].methods:
            continue
        role = next((role for role in ROLES if MATRIX[endpoint].outcomes[role] == OK), None)
        if role is not None:
            pages[role].append((endpoint, url_for_world(app, endpoint, world)))
    for role, endpoints in ALSO_AS.items():
        pages[role] += [(endpoint, url_for_world(app, endpoint, world)) for endpoint in endpoints]
    return pages


@pytest.fixture
def axe_source() -> Path:
    if not AXE.exists():
        pytest.skip("axe-core belum terpasang: jalankan 'make axe' (npm ci) untuk uji aksesibilitas.")
    return AXE


def test_every_page_of_every_role_passes_axe_with_visible_focus_and_large_buttons(app, browser, live_server,
                                                                                axe_source):
    world = build_world()
    problems: list[str] = []
    checked = 0
    for role, pages in pages_by_role(app, world).items():
        context = browser.new_context(viewport={"width": 360, "height": 740}, locale="id-ID")
        # Evaluated by the browser before the page's own scripts, so the page's CSP does not apply to it.
        context.add_init_script(path=str(axe_source))
        page = context.new_page()
        if role != ANONYMOUS:
            log_in(page, live_server, world.users[role].email)
        for endpoint, url in pages:
            response = page.goto(live_server + url)
            if response is None or not response.headers.get("content-type", "").startswith("text/html"):
                continue
            checked += 1
            where = f"{endpoint} ({url}) as {role}"
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
    assert checked >= 40, f"only {checked} pages were checked"
    assert not problems, "\n".join(problems)
