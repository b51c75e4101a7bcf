"""Browser test: a provincial coordinator reads the dashboard tables on a 360 px phone."""
import pytest

from app.accounts.models import Role
from app.extensions import db
from app.progress.models import Enrollment
from tests.conftest import log_in
from tests.factories import make_course

pytestmark = pytest.mark.browser


def test_dashboard_table_scrolls_sideways_with_whole_words(page, live_server, make_user, screenshot):
    course = make_course(slug="literasi-kim")
    trainee = make_user(Role.TRAINEE, "64.02")
    db.session.add(Enrollment(user_id=trainee.id, course_id=course.id))
    db.session.commit()
    coordinator = make_user(Role.COORDINATOR, "64")
    log_in(page, live_server, coordinator.email, lands_on="/laporan/")

    # "Terdaftar" stays on one line: the word is not split letter by letter into a narrow column.
    lines = page.evaluate("""(() => {
        const th = [...document.querySelectorAll('#per-wilayah th')].find(t => t.textContent.trim() === 'Terdaftar');
        const range = document.createRange(); range.selectNodeContents(th);
        return new Set([...range.getClientRects()].map(r => Math.round(r.top))).size; })()""")
    assert lines == 1
    wrap = page.evaluate("(() => { const w = document.querySelector('#per-wilayah').closest('.table-wrap');"
                         " return [w.scrollWidth, w.clientWidth]; })()")
    assert wrap[0] > wrap[1], "the wide table scrolls inside its frame"
    assert page.evaluate("document.documentElement.scrollWidth") <= 360, "the page itself does not"
    screenshot("dashboard-360")
