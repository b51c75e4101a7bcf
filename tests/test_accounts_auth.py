"""Login, logout, password change and the role and regency checks."""
import re

import pytest

from app.accounts.models import AuditEntry, Role, User
from app.extensions import db
from tests.conftest import PASSWORD


def test_login_success_lands_on_role_home(client, make_user):
    admin = make_user(Role.ADMIN, "64")
    response = client.post("/masuk", data={"email": admin.email.upper(), "password": PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/admin/users")
    assert "Akun pengguna" in client.get("/admin/users").get_data(as_text=True)


def test_wrong_password_and_unknown_email_get_the_same_message(client, make_user):
    user = make_user()
    wrong = client.post("/masuk", data={"email": user.email, "password": "salah-sekali-123"})
    unknown = client.post("/masuk", data={"email": "tidak.ada@kelaskim.example", "password": "salah-sekali-123"})
    assert wrong.status_code == unknown.status_code == 401
    message = "Email atau kata sandi salah, atau akun tidak aktif."
    assert message in wrong.get_data(as_text=True) and message in unknown.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(AuditEntry).where(AuditEntry.action == "login_failed")) == 2


def test_deactivated_account_cannot_log_in(client, make_user):
    user = make_user(active=False)
    response = client.post("/masuk", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 401
    assert client.get("/akun/kata-sandi").status_code == 302


def test_deactivating_ends_an_open_session(client, make_user, login_as):
    user = make_user()
    login_as(user)
    assert client.get("/akun/kata-sandi").status_code == 200
    user.active = False
    db.session.commit()
    assert client.get("/akun/kata-sandi").status_code == 302


def test_anonymous_is_redirected_to_login(client):
    response = client.get("/admin/users")
    assert response.status_code == 302
    assert "/masuk?next=%2Fadmin%2Fusers" in response.headers["Location"]


@pytest.mark.parametrize("role", [Role.TRAINEE, Role.TRAINER, Role.COORDINATOR])
def test_wrong_role_gets_403(client, make_user, login_as, role):
    login_as(make_user(role))
    response = client.get("/admin/users")
    assert response.status_code == 403
    assert "Akses ditolak" in response.get_data(as_text=True)


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)", "http:/evil"])
def test_open_redirect_next_is_ignored(client, make_user, target):
    user = make_user(Role.ADMIN, "64")
    response = client.post("/masuk?next=" + target, data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/users"


def test_local_next_is_followed(client, make_user):
    user = make_user()
    response = client.post("/masuk?next=/akun/kata-sandi", data={"email": user.email, "password": PASSWORD})
    assert response.headers["Location"] == "/akun/kata-sandi"


def test_login_starts_a_new_session(client, make_user):
    user = make_user()
    with client.session_transaction() as session:
        session["planted"] = "by-attacker"
    client.post("/masuk", data={"email": user.email, "password": PASSWORD})
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["_user_id"] == user.get_id()


def test_remember_me_sets_a_remember_cookie(client, make_user):
    user = make_user()
    client.post("/masuk", data={"email": user.email, "password": PASSWORD, "remember": "y"})
    assert client.get_cookie("remember_token") is not None


def test_logout_needs_post_and_ends_session(client, make_user, login_as):
    login_as(make_user())
    assert client.get("/keluar").status_code == 405
    client.post("/keluar")
    assert client.get("/akun/kata-sandi").status_code == 302


def test_change_password(client, make_user, login_as):
    user = make_user()
    login_as(user)
    bad = client.post("/akun/kata-sandi", data={"current_password": "keliru-123456", "new_password": "baru-sandi-987", "confirm": "baru-sandi-987"})
    assert "Kata sandi sekarang salah." in bad.get_data(as_text=True)
    weak = client.post("/akun/kata-sandi", data={"current_password": PASSWORD, "new_password": "12345", "confirm": "12345"})
    assert "minimal 10 karakter" in weak.get_data(as_text=True)
    ok = client.post("/akun/kata-sandi", data={"current_password": PASSWORD, "new_password": "baru-sandi-987", "confirm": "baru-sandi-987"})
    assert ok.status_code == 302
    db.session.refresh(user)
    assert user.check_password("baru-sandi-987") and not user.check_password(PASSWORD)


def test_post_without_csrf_token_is_refused(app, make_user):
    user = make_user()
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        client = app.test_client()
        refused = client.post("/masuk", data={"email": user.email, "password": PASSWORD})
        assert refused.status_code == 400
        assert client.get("/akun/kata-sandi").status_code == 302  # still anonymous
        page = client.get("/masuk").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        accepted = client.post("/masuk", data={"email": user.email, "password": PASSWORD, "csrf_token": token})
        assert accepted.status_code == 302
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_each_demo_account_lands_on_a_page_for_its_role(client, runner):
    result = runner.invoke(args=["demo", "--trainees", "0"])
    assert result.exit_code == 0, result.output
    for user in db.session.scalars(db.select(User).where(User.is_demo)):
        client.post("/keluar")
        response = client.post("/masuk", data={"email": user.email, "password": "demo-kelaskim-2023"}, follow_redirects=True)
        assert response.status_code == 200
        assert user.full_name in response.get_data(as_text=True)
