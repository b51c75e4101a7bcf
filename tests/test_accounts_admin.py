"""The admin's account screens and the regency boundary of coordinators."""
from app.accounts.models import AuditEntry, Role, User
from app.accounts.validators import nip_problem
from app.extensions import db
from tests.conftest import regency

import pytest

VALID_NIP = "198503302010011002"


@pytest.mark.parametrize("nip, ok", [
    (VALID_NIP, True),
    ("19850330201001100", False),          # 17 digits
    ("1985033020100110021", False),        # 19 digits
    ("19850330201001100X", False),         # a letter
    ("198502302010011002", False),         # 30 February
    ("198503302010131002", False),         # month 13 of appointment
    ("198503302010013002", False),         # gender digit 3
])
def test_nip_validation(app, nip, ok):
    with app.test_request_context():
        assert (nip_problem(nip) is None) is ok


def _user_form(**overrides):
    data = {"email": "baru@kelaskim.example", "full_name": "Siti Aminah", "nip": "", "unit": "KIM Pesona Kersik",
            "phone": "0812 3456 7890", "regency_id": regency("64.02").id, "role": Role.TRAINEE}
    data.update(overrides)
    return data


def test_admin_creates_edits_and_deactivates_an_account(client, make_user, login_as):
    admin = make_user(Role.ADMIN, "64")
    login_as(admin)
    response = client.post("/admin/users/baru", data=_user_form(email="Baru@KelasKIM.example", nip="1985 0330 2010 01 1 002"))
    assert response.status_code == 302
    user = db.session.scalar(db.select(User).where(User.email == "baru@kelaskim.example"))
    assert user.nip == VALID_NIP and user.phone == "6281234567890"
    assert client.post("/admin/users/baru", data=_user_form()).status_code == 200  # duplicate email
    assert db.session.scalar(db.select(db.func.count()).select_from(User)) == 2

    edit = _user_form(role=Role.COORDINATOR, regency_id=regency("64.11").id)
    assert client.post(f"/admin/users/{user.id}", data=edit).status_code == 302
    db.session.refresh(user)
    assert user.role == Role.COORDINATOR and user.regency.code == "64.11"
    assert db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "role_changed")).detail["new_role"] == "coordinator"

    client.post(f"/admin/users/{user.id}/nonaktifkan")
    db.session.refresh(user)
    assert not user.active


def test_admin_form_rejects_bad_nip_in_indonesian(client, make_user, login_as):
    login_as(make_user(Role.ADMIN, "64"))
    page = client.post("/admin/users/baru", data=_user_form(nip="12345")).get_data(as_text=True)
    assert "NIP harus terdiri dari 18 angka." in page
    assert db.session.scalar(db.select(db.func.count()).select_from(User)) == 1


def test_admin_searches_and_resets_password(client, make_user, login_as):
    login_as(make_user(Role.ADMIN, "64"))
    target = make_user(full_name="Jumadi Kersik", nip=VALID_NIP)
    make_user(full_name="Irene Contoh")
    page = client.get("/admin/users?q=kersik").get_data(as_text=True)
    assert "Jumadi Kersik" in page and "Irene Contoh" not in page
    assert "Jumadi Kersik" in client.get("/admin/users?q=19850330").get_data(as_text=True)
    client.post(f"/admin/users/{target.id}/kata-sandi", data={"reset-new_password": "sandi-baru-456", "reset-confirm": "sandi-baru-456"})
    db.session.refresh(target)
    assert target.check_password("sandi-baru-456")


def test_regency_coordinator_sees_only_own_regency(app, make_user):
    mahulu = make_user(Role.COORDINATOR, "64.11")
    provincial = make_user(Role.COORDINATOR, "64")
    kukar_trainee = make_user(Role.TRAINEE, "64.02")
    mahulu_trainee = make_user(Role.TRAINEE, "64.11")
    assert not mahulu.can_see_user(kukar_trainee)
    assert mahulu.can_see_user(mahulu_trainee)
    assert provincial.can_see_user(kukar_trainee) and provincial.can_see_user(mahulu_trainee)
    assert not kukar_trainee.can_see_user(mahulu_trainee)


def test_regency_coordinator_gets_403_for_admin_user_page(client, make_user, login_as):
    login_as(make_user(Role.COORDINATOR, "64.11"))
    other = make_user(Role.TRAINEE, "64.02")
    assert client.get(f"/admin/users/{other.id}").status_code == 403


def test_user_list_pages_through_many_accounts(client, make_user, login_as):
    login_as(make_user(Role.ADMIN, "64", full_name="Admin Utama"))
    for n in range(55):
        make_user(full_name=f"Peserta {n:02d}")
    first = client.get("/admin/users").get_data(as_text=True)
    assert "Halaman 1 dari 2" in first and 'rel="next"' in first
    second = client.get("/admin/users?page=2")
    assert second.status_code == 200 and 'rel="prev"' in second.get_data(as_text=True)
