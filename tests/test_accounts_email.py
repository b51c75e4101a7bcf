"""Email through a real SMTP server: password reset, activation of an imported account, email change."""
from __future__ import annotations

import time
from urllib.parse import urlsplit

import pytest

from app.accounts.models import AuditEntry, Role, User, unusable_password_hash
from app.extensions import db
from tests.conftest import PASSWORD, regency

NEW_PASSWORD = "sandi-baru-2024"


def _path(link: str) -> str:
    parts = urlsplit(link)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def ask_for_reset(client, address: str):
    """Ask for a reset link; the mail leaves once the response is closed, as a WSGI server closes it."""
    response = client.post("/lupa-sandi", data={"email": address})
    response.close()
    return response


def _actions() -> list[str]:
    db.session.expire_all()
    return list(db.session.scalars(db.select(AuditEntry.action).order_by(AuditEntry.id)))


def test_reset_mail_arrives_and_its_link_works_once(app, client, make_user, mailbox):
    user = make_user(email="siti@kelaskim.example", full_name="Siti Rahmawati")
    other_device = app.test_client()
    other_device.post("/masuk", data={"email": user.email, "password": PASSWORD})
    response = ask_for_reset(client, "SITI@kelaskim.example ")
    assert response.status_code == 302 and response.headers["Location"].endswith("/masuk")
    message, = mailbox.wait_for(1)
    assert message["To"] == "siti@kelaskim.example"
    assert "Atur ulang kata sandi" in message["Subject"]
    assert "Siti Rahmawati" in mailbox.text(message) and 'href="' in mailbox.html(message)
    link = mailbox.link(message)
    assert link.startswith("http://localhost/atur-ulang-sandi/")

    page = client.get(_path(link))
    assert page.status_code == 200 and "Buat kata sandi baru" in page.get_data(as_text=True)
    done = client.post(_path(link), data={"new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert done.status_code == 302
    assert client.get("/akun/kata-sandi").status_code == 200  # logged in by the link
    db.session.refresh(user)
    assert user.check_password(NEW_PASSWORD)
    assert other_device.get("/akun/kata-sandi").status_code == 302  # every other session ended

    again = app.test_client().post(_path(link), data={"new_password": "lain-lagi-2024", "confirm": "lain-lagi-2024"})
    assert again.status_code == 410 and "Tautan tidak berlaku" in again.get_data(as_text=True)
    db.session.refresh(user)
    assert user.check_password(NEW_PASSWORD)
    assert {"password_reset_requested", "password_reset_by_link"} <= set(_actions())


def test_reset_link_expires(app, client, make_user, mailbox, monkeypatch):
    user = make_user()
    ask_for_reset(client, user.email)
    link = mailbox.link(mailbox.wait_for(1)[0])
    assert client.get(_path(link)).status_code == 200
    an_hour_later = int(time.time()) + 61 * 60
    monkeypatch.setattr("itsdangerous.timed.TimestampSigner.get_timestamp", lambda signer: an_hour_later)
    expired = client.post(_path(link), data={"new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert expired.status_code == 410
    db.session.refresh(user)
    assert user.check_password(PASSWORD)


def test_reset_answers_the_same_for_unknown_addresses_and_sends_nothing(client, make_user, mailbox):
    user = make_user()
    known = ask_for_reset(client, user.email)
    known_page = client.get("/masuk")
    unknown = ask_for_reset(client, "tidak.ada@kelaskim.example")
    unknown_page = client.get("/masuk")
    assert known.status_code == unknown.status_code == 302
    pages = [r.get_data(as_text=True).replace(user.email, "EMAIL").replace("tidak.ada@kelaskim.example", "EMAIL")
             for r in (known_page, unknown_page)]
    assert pages[0] == pages[1] and "Bila EMAIL terdaftar" in pages[0]
    mailbox.wait_for(1)
    assert [m["To"] for m in mailbox.messages] == [user.email]


def test_without_mail_server_the_page_says_so_and_the_log_names_the_recipient(client, make_user, caplog):
    user = make_user()
    assert "belum dapat mengirim email" in client.get("/lupa-sandi").get_data(as_text=True)
    ask_for_reset(client, user.email)
    assert any(user.email in record.getMessage() and "MAIL_SERVER" in record.getMessage() for record in caplog.records)


def test_email_change_is_confirmed_through_the_new_address(app, client, make_user, login_as, mailbox):
    user = make_user(email="lama@kelaskim.example", full_name="Rina Lestari")
    login_as(user)
    wrong = client.post("/akun/email", data={"new_email": "baru@kelaskim.example", "current_password": "keliru-123456"})
    assert wrong.status_code == 200 and "Kata sandi sekarang salah." in wrong.get_data(as_text=True)
    asked = client.post("/akun/email", data={"new_email": "Baru@KelasKIM.example", "current_password": PASSWORD})
    asked.close()
    assert asked.status_code == 302
    message, = mailbox.wait_for(1)
    assert message["To"] == "baru@kelaskim.example" and "Konfirmasi alamat email" in message["Subject"]
    db.session.refresh(user)
    assert user.email == "lama@kelaskim.example"  # unchanged until the link is opened
    link = mailbox.link(message)
    page = client.get(_path(link))
    assert page.status_code == 200 and "baru@kelaskim.example" in page.get_data(as_text=True)
    assert client.post(_path(link)).status_code == 302
    db.session.refresh(user)
    assert user.email == "baru@kelaskim.example"
    assert client.post(_path(link)).status_code == 410  # used
    assert app.test_client().post("/masuk", data={"email": "baru@kelaskim.example", "password": PASSWORD}).status_code == 302
    assert "email_changed" in _actions()


def test_email_change_to_a_taken_address_sends_nothing_and_says_the_same(client, make_user, login_as, mailbox):
    make_user(email="dipakai@kelaskim.example")
    login_as(make_user())
    asked = client.post("/akun/email", data={"new_email": "dipakai@kelaskim.example", "current_password": PASSWORD},
                        follow_redirects=True)
    asked.close()
    assert "bila alamat itu dapat dipakai" in asked.get_data(as_text=True)
    time.sleep(0.3)
    assert mailbox.messages == []


def test_profile_keeps_name_phone_and_unit(client, make_user, login_as):
    user = make_user(full_name="Nama Lama")
    login_as(user)
    assert "Profil saya" in client.get("/akun").get_data(as_text=True)
    bad = client.post("/akun", data={"full_name": "", "phone": "123", "unit": ""})
    assert bad.status_code == 200 and "Nama lengkap wajib diisi." in bad.get_data(as_text=True)
    saved = client.post("/akun", data={"full_name": "  Nama   Baru ", "phone": "0812 3456 7890", "unit": "KIM Mahakam"})
    assert saved.status_code == 302
    db.session.refresh(user)
    assert (user.full_name, user.phone, user.unit) == ("Nama Baru", "6281234567890", "KIM Mahakam")
