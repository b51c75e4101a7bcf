"""The account list: name order, regency and labels per row, a fixed number of queries per page."""
from __future__ import annotations

import re

from app.accounts.models import Role, User, unusable_password_hash
from app.extensions import db
from tests.conftest import regency


def rows(client, url: str = "/admin/users") -> list[list[str]]:
    """The cells of the account table, as text."""
    page = client.get(url).get_data(as_text=True)
    body = re.search(r"<tbody>(.*?)</tbody>", page, re.S).group(1)
    return [[re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td>(.*?)</td>", row, re.S)]
            for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)]


def test_accounts_are_listed_by_name_with_their_regency_role_and_status(client, make_user, login_as):
    make_user(Role.TRAINEE, "64.72", full_name="Citra Lestari", email="citra@kelaskim.example")
    make_user(Role.COORDINATOR, "64.11", full_name="Ani Rahmawati", email="ani@kelaskim.example")
    make_user(Role.TRAINER, "64.01", full_name="Budi Santoso", email="budi@kelaskim.example", active=False)
    imported = make_user(Role.TRAINEE, "64.02", full_name="Dewi Impor", email="dewi@kelaskim.example")
    imported.password_hash = unusable_password_hash()  # as an import leaves it
    db.session.commit()
    login_as(make_user(Role.ADMIN, "64", full_name="Zainal Admin", email="zainal@kelaskim.example"))

    assert rows(client) == [
        ["Ani Rahmawati", "ani@kelaskim.example", "Koordinator", "64.11 Kabupaten Mahakam Ulu", "Aktif"],
        ["Budi Santoso", "budi@kelaskim.example", "Pelatih", "64.01 Kabupaten Paser", "Nonaktif"],
        ["Citra Lestari", "citra@kelaskim.example", "Peserta", "64.72 Kota Samarinda", "Aktif"],
        ["Dewi Impor", "dewi@kelaskim.example", "Peserta", "64.02 Kabupaten Kutai Kartanegara", "Belum aktivasi"],
        ["Zainal Admin", "zainal@kelaskim.example", "Admin", "64 Provinsi Kalimantan Timur", "Aktif"],
    ]
    assert [r[0] for r in rows(client, "/admin/users?regency=" + _regency_id(client, "64.72"))] == ["Citra Lestari"]


def _regency_id(client, code: str) -> str:
    page = client.get("/admin/users").get_data(as_text=True)
    return re.search(rf'<option value="(\d+)">{re.escape(code)} ', page).group(1)


def test_the_list_runs_the_same_queries_for_few_and_many_accounts(client, make_user, login_as, count_queries):
    login_as(make_user(Role.ADMIN, "64"))
    for code in ("64.01", "64.72", "64.11"):
        make_user(Role.TRAINEE, code)
    with count_queries() as few:
        assert client.get("/admin/users").status_code == 200
    units = [regency(code).id for code in ("64.01", "64.72", "64.11", "64.74")]
    # Added directly: hashing sixty passwords would only slow the test down.
    db.session.add_all(User(email=f"p{n}@kelaskim.example", full_name=f"Peserta {n:02d}", password_hash="-",
                            role=Role.TRAINEE, regency_id=units[n % 4]) for n in range(60))
    db.session.commit()
    with count_queries() as many:
        page = client.get("/admin/users").get_data(as_text=True)
    assert len(many) == len(few)
    assert page.count('<td><a href="/admin/users/') == 50
