"""The admin's audit page: sentences a person reads, newest first, filtered by actor, action and date, paginated."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.accounts import services
from app.accounts.models import Role
from app.extensions import db
from tests.conftest import PASSWORD


@pytest.fixture
def admin(make_user, login_as):
    """A logged-in admin."""
    user = make_user(Role.ADMIN, "64", full_name="Admin Audit")
    login_as(user)
    return user


def _entry(action: str, actor=None, target: str = "", ip: str | None = "10.1.1.1", minutes_ago: int = 0, **detail):
    entry = services.record(action, actor=actor, target=target, ip=ip, **detail)
    entry.at = datetime(2026, 11, 26, 4, 0, tzinfo=UTC) - timedelta(minutes=minutes_ago)
    return entry


def test_admin_sees_logins_failures_and_role_changes(client, make_user, login_as):
    trainee = make_user(full_name="Siti Peserta")
    client.post("/masuk", data={"email": "tak.dikenal@kelaskim.example", "password": "salah-sekali-123"})
    login_as(make_user(Role.ADMIN, "64", full_name="Admin Audit"))
    client.post(f"/admin/users/{trainee.id}", data={
        "email": trainee.email, "full_name": trainee.full_name, "role": Role.TRAINER,
        "regency_id": trainee.regency_id, "unit": "",
    })
    page = client.get("/admin/users").get_data(as_text=True)
    assert '<a href="/admin/audit">Log audit</a>' in page  # in the admin's menu
    page = client.get("/admin/audit").get_data(as_text=True)
    for text in ("Percobaan masuk sebagai tak.dikenal@kelaskim.example gagal.", "Admin Audit masuk.",
                 f"Admin Audit mengubah akun {trainee.email}: peran Peserta menjadi Pelatih.", "127.0.0.1"):
        assert text in page, text
    for dump in ("new_role", "old_regency_id", "regency_id:", "{"):  # no internal field names or ids
        assert dump not in page.split("<tbody>")[1], dump


def test_filter_by_action(client, admin):
    _entry("login_failed", target="penyerang@contoh.example")
    _entry("user_created", actor=admin, target="baru@kelaskim.example")
    db.session.commit()
    page = client.get("/admin/audit?tindakan=user_created").get_data(as_text=True)
    assert "baru@kelaskim.example" in page and "penyerang@contoh.example" not in page
    assert '<option value="user_created" selected>' in page
    none = client.get("/admin/audit?tindakan=tidak_ada").get_data(as_text=True)
    assert "Tidak ada catatan untuk pilihan ini." in none


def test_newest_first_in_wita_and_paginated(client, admin):
    for n in range(55):
        _entry("login_failed", target=f"orang{n:02d}@kelaskim.example", minutes_ago=n)
    db.session.commit()
    first = client.get("/admin/audit?tindakan=login_failed").get_data(as_text=True)
    assert first.index("orang00@") < first.index("orang01@")
    assert "orang49@" in first and "orang50@" not in first
    assert "26 November 2026, 12.00 WITA" in first  # 04:00 UTC
    assert "Halaman 1 dari 2" in first
    assert 'href="/admin/audit?tindakan=login_failed&amp;page=2" rel="next"' in first
    second = client.get("/admin/audit?tindakan=login_failed&page=2").get_data(as_text=True)
    assert "orang54@" in second and "orang00@" not in second


def test_a_regency_change_reads_with_regency_names(client, admin, make_user):
    from tests.conftest import regency
    _entry("role_changed", actor=admin, target="pindah@kelaskim.example", old_role="trainee", new_role="trainee",
           old_regency_id=regency("64.02").id, new_regency_id=regency("64.72").id)
    _entry("roster_exported", actor=admin, target="regency_id=7", format="csv", filters={"regency_id": regency("64.11").id})
    db.session.commit()
    page = client.get("/admin/audit").get_data(as_text=True)
    assert ("Admin Audit mengubah akun pindah@kelaskim.example: wilayah Kabupaten Kutai Kartanegara menjadi "
            "Kota Samarinda.") in page
    assert "Admin Audit mengunduh daftar peserta (CSV) untuk Kabupaten Mahakam Ulu." in page


def test_filter_by_actor_and_wita_dates(client, make_user, admin):
    siti = make_user(full_name="Siti Rahma", email="siti@kelaskim.example")
    _entry("login", actor=siti, minutes_ago=0)                   # 26 November, 12.00 WITA
    _entry("login", actor=admin, minutes_ago=60 * 24)            # 25 November
    _entry("password_changed", actor=siti, minutes_ago=60 * 48)  # 24 November
    db.session.commit()
    by_siti = client.get("/admin/audit?pelaku=rahma").get_data(as_text=True)
    assert "Siti Rahma masuk." in by_siti and "Siti Rahma mengganti kata sandinya sendiri." in by_siti
    assert "Admin Audit masuk." not in by_siti
    assert "Siti Rahma masuk." in client.get("/admin/audit?pelaku=SITI@kelaskim").get_data(as_text=True)
    one_day = client.get("/admin/audit?dari=2026-11-25&sampai=2026-11-25").get_data(as_text=True)
    assert "Admin Audit masuk." in one_day and "Siti Rahma" not in one_day
    bad = client.get("/admin/audit?dari=kemarin").get_data(as_text=True)
    assert "Tanggal tidak valid" in bad and "Siti Rahma masuk." in bad  # a bad date filters nothing out


def test_query_count_does_not_grow_with_entries(client, make_user, admin, count_queries):
    actors = [make_user() for _ in range(3)]
    _entry("login", actor=actors[0])
    db.session.commit()
    with count_queries() as few:
        client.get("/admin/audit")
    for n in range(30):
        _entry("login", actor=actors[n % 3], target=f"x{n}")
    db.session.commit()
    with count_queries() as many:
        page = client.get("/admin/audit")
    assert page.status_code == 200
    assert len(many) == len(few)


def test_detail_and_targets_are_escaped(client, admin):
    _entry("login_failed", target="<script>alert(1)</script>@x.example", note="<b>tebal</b>")
    db.session.commit()
    page = client.get("/admin/audit").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page and "<b>tebal</b>" not in page
    assert "&lt;script&gt;" in page


def test_only_admins_see_the_audit_log(client, make_user, login_as):
    assert "/masuk?next=" in client.get("/admin/audit").headers["Location"]
    for role, code in ((Role.COORDINATOR, "64"), (Role.TRAINER, "64"), (Role.TRAINEE, "64.02")):
        user = make_user(role, code)
        client.post("/keluar")
        client.post("/masuk", data={"email": user.email, "password": PASSWORD})
        assert client.get("/admin/audit").status_code == 403
