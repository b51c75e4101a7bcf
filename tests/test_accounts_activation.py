"""Activation of accounts made without a password: by import or by an admin; links by email, copy, WhatsApp, CSV."""
from __future__ import annotations

import csv
import io
import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest

from app.accounts.models import AuditEntry, Role, User
from app.extensions import db
from tests.conftest import regency

NEW_PASSWORD = "sandi-aktif-2024"
CSV_HEADER = "email,nama_lengkap,nip,instansi,no_hp,kode_wilayah,kursus\n"


def _path(link: str) -> str:
    return urlsplit(link).path


def import_csv(client, rows: str):
    """Upload and confirm an import as a coordinator does; the confirm response."""
    preview = client.post("/laporan/impor", data={"berkas": (io.BytesIO((CSV_HEADER + rows).encode()), "peserta.csv")},
                          content_type="multipart/form-data").get_data(as_text=True)
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', preview).group(1)
    return client.post("/laporan/impor/konfirmasi", data={"token": token})


def links_on(page: str) -> dict[str, str]:
    """The activation link shown for each email on the activation page."""
    found = re.findall(r'<p class="meta">([^ <]+@[^ <]+).*?class="link-copy" type="text" readonly value="([^"]+)"', page, re.S)
    return {email: unescape(link) for email, link in found}


@pytest.fixture
def coordinator(make_user, login_as):
    """A Kukar coordinator, logged in."""
    user = make_user(Role.COORDINATOR, "64.02")
    login_as(user)
    return user


def test_imported_account_gets_an_activation_mail_that_sets_the_password_and_logs_in(app, client, coordinator, mailbox):
    done = import_csv(client, "ani@kelaskim.example,Ani Suryani,,KIM Tenggarong,0812 1111 2222,64.02,\n")
    assert "/laporan/aktivasi?impor=" in done.headers["Location"]
    result = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "Ani Suryani" in result and "1 akun menunggu aktivasi." in result
    sent = client.post("/laporan/aktivasi/kirim", data={"impor": parse_qs(urlsplit(done.headers["Location"]).query)["impor"][0]})
    assert sent.status_code == 302
    message, = mailbox.wait_for(1)
    assert message["To"] == "ani@kelaskim.example" and "Aktifkan akun" in message["Subject"]
    link = mailbox.link(message)
    assert link.startswith("http://localhost/aktivasi/") and "ani@kelaskim.example" in links_on(result)

    trainee = app.test_client()
    assert "Aktifkan akun" in trainee.get(_path(link)).get_data(as_text=True)
    weak = trainee.post(_path(link), data={"new_password": "123", "confirm": "123"})
    assert weak.status_code == 200 and "minimal 10 karakter" in weak.get_data(as_text=True)
    activated = trainee.post(_path(link), data={"new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert activated.status_code == 302 and activated.headers["Location"] == "/kursus-saya"
    assert trainee.get("/kursus-saya").status_code == 200
    ani = db.session.scalar(db.select(User).where(User.email == "ani@kelaskim.example"))
    assert not ani.awaiting_activation and ani.check_password(NEW_PASSWORD)
    assert app.test_client().post(_path(link), data={"new_password": "lain-sandi-2024", "confirm": "lain-sandi-2024"}).status_code == 410
    fresh = app.test_client()
    assert fresh.post("/masuk", data={"email": "ani@kelaskim.example", "password": NEW_PASSWORD}).status_code == 302
    assert "1 akun menunggu aktivasi." not in client.get("/laporan/aktivasi").get_data(as_text=True)


def test_activation_page_offers_copy_whatsapp_and_a_csv_of_the_coordinators_regency_only(client, coordinator, make_user):
    import_csv(client, "ani@kelaskim.example,Ani Suryani,,,0812 1111 2222,64.02,\n"
                       "bayu@kelaskim.example,Bayu Pratama,,,,64.02,\n")
    other = make_user(Role.TRAINEE, "64.11", full_name="Orang Mahulu")
    other.password_hash = "!belum"
    db.session.commit()
    page = client.get("/laporan/aktivasi").get_data(as_text=True)
    links = links_on(page)
    assert set(links) == {"ani@kelaskim.example", "bayu@kelaskim.example"} and "Orang Mahulu" not in page
    whatsapp = re.findall(r'href="(https://wa\.me/[^"]+)"', page)
    assert len(whatsapp) == 1  # only Ani has a phone number
    wa = urlsplit(unescape(whatsapp[0]))
    assert wa.path == "/6281211112222"
    text = parse_qs(wa.query)["text"][0]
    assert text.startswith("Halo Ani Suryani, akun Kelas KIM Anda") and links["ani@kelaskim.example"] in text

    download = client.get("/laporan/aktivasi.csv")
    rows = list(csv.reader(io.StringIO(download.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:5] == ["Nama lengkap", "Email", "No. HP", "Wilayah", "Tautan aktivasi"]
    assert sorted(r[1] for r in rows[1:]) == ["ani@kelaskim.example", "bayu@kelaskim.example"]
    assert all(r[4].startswith("http://localhost/aktivasi/") for r in rows[1:])
    assert "activations_exported" in set(db.session.scalars(db.select(AuditEntry.action)))


def test_without_mail_server_sending_says_so_and_nothing_breaks(client, coordinator):
    import_csv(client, "ani@kelaskim.example,Ani Suryani,,,,64.02,\n")
    ani = db.session.scalar(db.select(User).where(User.email == "ani@kelaskim.example"))
    page = client.post("/laporan/aktivasi/kirim", data={"user_id": ani.id}, follow_redirects=True).get_data(as_text=True)
    assert "Email belum diatur di server ini" in page


def test_a_coordinator_cannot_send_another_regencys_activation(client, coordinator, make_user):
    other = make_user(Role.TRAINEE, "64.11")
    other.password_hash = "!belum"
    db.session.commit()
    assert client.post("/laporan/aktivasi/kirim", data={"user_id": other.id}).status_code == 403


def test_import_result_of_someone_else_is_not_shown(client, coordinator, make_user, app):
    import_csv(client, "ani@kelaskim.example,Ani Suryani,,,,64.02,\n")
    entry = db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "users_imported"))
    colleague = app.test_client()
    colleague.post("/masuk", data={"email": make_user(Role.COORDINATOR, "64.02").email, "password": "rahasia-12345"})
    assert colleague.get(f"/laporan/aktivasi?impor={entry.id}").status_code == 404


def test_admin_creates_an_account_without_password_and_regency_must_be_chosen(client, make_user, login_as):
    login_as(make_user(Role.ADMIN, "64"))
    form = {"email": "baru@kelaskim.example", "full_name": "Siti Baru", "role": Role.TRAINEE, "regency_id": ""}
    page = client.get("/admin/users/baru").get_data(as_text=True)
    assert re.search(r'<option selected value="">Pilih kabupaten/kota</option>', page)
    refused = client.post("/admin/users/baru", data=form)
    assert refused.status_code == 200 and "Pilih kabupaten/kota akun ini." in refused.get_data(as_text=True)
    assert db.session.scalar(db.select(User).where(User.email == "baru@kelaskim.example")) is None
    created = client.post("/admin/users/baru", data={**form, "regency_id": regency("64.72").id})
    user = db.session.scalar(db.select(User).where(User.email == "baru@kelaskim.example"))
    assert created.headers["Location"] == f"/admin/users/{user.id}"
    assert user.awaiting_activation and user.regency.code == "64.72"
    edit = client.get(f"/admin/users/{user.id}").get_data(as_text=True)
    assert "Tautan aktivasi" in edit and "/aktivasi/" in edit
