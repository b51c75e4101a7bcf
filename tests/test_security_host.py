"""A request's Host never reaches a link that leaves the site: certificates, verify links, reminders, emails.

The app answers only its public host (PUBLIC_BASE_URL) and the hosts listed in TRUSTED_HOSTS (here
"localhost", the test client's, standing for a health check's or an internal name); any other Host gets a
plain 400 before a view, a form check or an email runs. Links are built on PUBLIC_BASE_URL whichever trusted
host the request named, and X-Forwarded-Host is never read.
"""
from __future__ import annotations

import io
import re
from datetime import timedelta
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest

from app.accounts.models import AuditEntry, Role
from app.extensions import db, utcnow
from app.progress.models import Enrollment
from tests.factories import make_course
from tests.test_progress_certificate_pdf import pdf_text
from tests.test_progress_certificates import finish_course

PUBLIC = "https://kelaskim.example"
# The request's own host, an attacker's host in a forwarding header, and the attacker's host as the Host.
FOREIGN = re.compile(r"localhost|jahat\.example")
REFUSED = "Alamat situs (Host) pada permintaan ini tidak dikenal."
WHATSAPP = re.compile(r'href="(https://wa\.me/[^"]+)"')


@pytest.fixture
def public_site(app, client, monkeypatch):
    """The app as production runs it: its public address set, "localhost" trusted as an internal name."""
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", PUBLIC)
    monkeypatch.setitem(app.config, "TRUSTED_HOSTS", ["kelaskim.example", "localhost"])
    client.environ_base["HTTP_X_FORWARDED_HOST"] = "jahat.example"
    return client


def assert_public_links_only(text: str, expected: str) -> None:
    """The text links to the expected public address and names no other host of the request."""
    assert expected in text, text[:2000]
    assert not FOREIGN.search(text), FOREIGN.search(text).group(0)


def audit_count() -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(AuditEntry))


@pytest.mark.parametrize(("method", "path", "base_url"), [
    ("GET", "/", "http://jahat.example"),
    ("GET", "/verify/KIM-ACDE-FGHJ-KMNP", "http://jahat.example:5000"),
    ("POST", "/lupa-sandi", "http://jahat.example"),
    ("POST", "/masuk", "https://jahat.example"),  # HTTPS: the CSRF referrer check reads the host too
    ("GET", "/laporan/perlu-diingatkan", "http://kelaskim.example.jahat.example"),
    ("GET", "/healthz", "http://127.0.0.1"),
])
def test_a_foreign_host_is_refused_before_anything_runs(public_site, make_user, mailbox, method, path, base_url):
    user = make_user(email="siti@kelaskim.example")
    before = audit_count()
    response = public_site.open(path, method=method, base_url=base_url,
                                data={"email": user.email, "password": "salah"} if method == "POST" else None)
    response.close()  # a reset email would leave now
    assert response.status_code == 400 and response.mimetype == "text/plain"
    assert REFUSED in response.get_data(as_text=True)
    assert audit_count() == before and mailbox.messages == []


def test_the_refusal_is_in_the_language_the_user_chose(public_site):
    public_site.get("/bahasa/en")
    public_site.set_cookie("session", public_site.get_cookie("session").value, domain="jahat.example")
    response = public_site.get("/", base_url="http://jahat.example")
    assert response.status_code == 400 and "The site address (Host) of this request is not known." in response.text


def test_reset_email_links_to_the_public_address(public_site, make_user, mailbox):
    make_user(email="siti@kelaskim.example")
    public_site.post("/lupa-sandi", data={"email": "siti@kelaskim.example"}).close()
    message, = mailbox.wait_for(1)
    assert_public_links_only(mailbox.text(message), f"{PUBLIC}/atur-ulang-sandi/")
    assert_public_links_only(mailbox.html(message), f'href="{PUBLIC}/atur-ulang-sandi/')


def test_activation_email_page_whatsapp_and_csv_link_to_the_public_address(public_site, make_user, login_as, mailbox):
    login_as(make_user(Role.COORDINATOR, "64.02"))
    rows = ("email,nama_lengkap,nip,instansi,no_hp,kode_wilayah,kursus\n"
            "ani@kelaskim.example,Ani Suryani,,,0812 1111 2222,64.02,\n")
    preview = public_site.post("/laporan/impor", data={"berkas": (io.BytesIO(rows.encode()), "peserta.csv")},
                               content_type="multipart/form-data").get_data(as_text=True)
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', preview).group(1)
    done = public_site.post("/laporan/impor/konfirmasi", data={"token": token})
    page = public_site.get(done.headers["Location"]).get_data(as_text=True)
    assert_public_links_only(page, f'value="{PUBLIC}/aktivasi/')
    whatsapp, = WHATSAPP.findall(page)
    assert_public_links_only(parse_qs(urlsplit(unescape(whatsapp)).query)["text"][0], f"{PUBLIC}/aktivasi/")
    assert_public_links_only(public_site.get("/laporan/aktivasi.csv").get_data(as_text=True), f"{PUBLIC}/aktivasi/")
    imported = parse_qs(urlsplit(done.headers["Location"]).query)["impor"][0]
    public_site.post("/laporan/aktivasi/kirim", data={"impor": imported})
    message, = mailbox.wait_for(1)
    assert_public_links_only(mailbox.text(message), f"{PUBLIC}/aktivasi/")


def test_reminders_link_to_the_public_address(public_site, make_user, login_as):
    course = make_course("kursus-a", modules=1, lessons=2)
    trainee = make_user(Role.TRAINEE, "64.02", full_name="Belum Mulai", phone="6281234567890")
    db.session.add(Enrollment(user_id=trainee.id, course_id=course.id, enrolled_at=utcnow() - timedelta(days=30)))
    db.session.commit()
    login_as(make_user(Role.COORDINATOR, "64.02"))
    page = public_site.get("/laporan/perlu-diingatkan").get_data(as_text=True)
    message, = re.findall(r'<textarea id="[^"]+" readonly rows="5">([^<]*)</textarea>', page)
    assert_public_links_only(unescape(message), f"{PUBLIC}/kursus/kursus-a")
    whatsapp, = WHATSAPP.findall(page)
    assert_public_links_only(parse_qs(urlsplit(unescape(whatsapp)).query)["text"][0], f"{PUBLIC}/kursus/kursus-a")


def test_certificate_pdf_and_verify_link_use_the_public_address(public_site, make_user, login_as):
    owner = make_user(full_name="Sitti Rahmawati", regency_code="64.02")
    certificate = finish_course(owner, make_course(slug="literasi-digital", modules=1, lessons=1))
    login_as(owner)
    pdf = public_site.get(f"/sertifikat/{certificate.code}.pdf").data
    verify = f"{PUBLIC}/verify/{certificate.code}"
    assert f"/URI ({verify})".encode() in pdf  # the link under the QR code, which encodes the same address
    assert_public_links_only(pdf_text(pdf), verify)
    answer = public_site.get(f"/verify/{certificate.code}", headers={"Accept": "application/json"}).json
    assert answer["verify_url"] == verify
