"""Browser test: an admin logs in on a phone-sized window and finds the account list."""
import pytest

from app.accounts.models import Role
from tests.conftest import log_in

pytestmark = pytest.mark.browser


def test_admin_logs_in_on_a_phone(page, live_server, make_user, screenshot):
    admin = make_user(Role.ADMIN, "64", full_name="Admin Peramban")
    log_in(page, live_server, admin.email, lands_on="/admin/users")
    assert page.get_by_role("heading", name="Akun pengguna").is_visible()
    assert page.locator("html").get_attribute("lang") == "id"
    # Nothing may overflow the 360 px screen sideways.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot("admin-users-360")
