"""Certificates: issue on completion, PDF download rights, public verification, revocation."""
from __future__ import annotations

import re

import pytest

from app.accounts.models import AuditEntry, Role, User
from app.dates import tanggal_filter, to_wita
from app.extensions import db
from app.progress import certificates, services
from app.progress.models import Certificate
from tests.factories import make_course
from tests.test_progress_certificate_pdf import pdf_text
from tests.test_progress_completion import complete_lessons, submit_attempt

NIP = "198503302010011002"
CODE_PATTERN = re.compile(r"^KIM-[ACDEFGHJKMNPQRTUVWXY34679]{4}(-[ACDEFGHJKMNPQRTUVWXY34679]{4}){2}$")


def finish_course(user: User, course) -> Certificate:
    """Enrol the user and complete every module: lessons, then a passed attempt."""
    services.enroll(user, course)
    for index, module in enumerate(course.modules):
        complete_lessons(user, course, index)
        submit_attempt(user, module.quiz, percent=85, passed=True)
    return db.session.scalar(db.select(Certificate).where(Certificate.user_id == user.id))


@pytest.fixture
def owner(make_user) -> User:
    """A trainee of Kutai Kartanegara with a NIP."""
    return make_user(full_name="Sitti Rahmawati", nip=NIP, email="sitti@kukar.example", regency_code="64.02")


@pytest.fixture
def certificate(owner) -> Certificate:
    """The owner's certificate for a finished course."""
    return finish_course(owner, make_course(slug="literasi-digital", modules=2, lessons=1))


def test_codes_are_grouped_random_and_unique(certificate, make_user):
    assert CODE_PATTERN.match(certificate.code)
    other = finish_course(make_user(), certificate.course)
    assert other.code != certificate.code
    assert len({certificates.new_code() for _ in range(200)}) == 200


def test_my_courses_shows_the_certificate(client, login_as, owner, certificate):
    login_as(owner)
    page = client.get("/kursus-saya").get_data(as_text=True)
    assert certificate.code in page
    assert f'href="/sertifikat/{certificate.code}.pdf"' in page
    assert "Selesai" in page and "Lanjutkan" not in page


def test_owner_downloads_a_pdf_with_code_name_and_verify_link(client, login_as, owner, certificate):
    login_as(owner)
    response = client.get(f"/sertifikat/{certificate.code}.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.data.startswith(b"%PDF-")
    text = pdf_text(response.data)
    for expected in (certificate.code, "Sitti Rahmawati", f"NIP. {NIP}", "Kabupaten Kutai Kartanegara",
                     "Kursus literasi-digital", "4 jam pelajaran", f"http://localhost/verify/{certificate.code}"):
        assert expected in text


def test_pdf_links_to_the_public_base_url_when_set(app, client, login_as, owner, certificate):
    app.config["PUBLIC_BASE_URL"] = "https://kelaskim.kaltimprov.go.id/"
    try:
        login_as(owner)
        text = pdf_text(client.get(f"/sertifikat/{certificate.code}.pdf").data)
    finally:
        app.config["PUBLIC_BASE_URL"] = ""
    assert f"https://kelaskim.kaltimprov.go.id/verify/{certificate.code}" in text


@pytest.mark.parametrize("role, regency_code, status", [
    (Role.TRAINEE, "64.02", 403),        # another trainee, same regency
    (Role.TRAINER, "64.02", 403),
    (Role.COORDINATOR, "64.72", 403),    # coordinator of another regency
    (Role.COORDINATOR, "64.02", 200),    # coordinator of the owner's regency
    (Role.COORDINATOR, "64", 200),       # provincial coordinator
    (Role.ADMIN, "64", 200),
])
def test_who_may_download_a_certificate(client, login_as, make_user, certificate, role, regency_code, status):
    login_as(make_user(role=role, regency_code=regency_code))
    assert client.get(f"/sertifikat/{certificate.code}.pdf").status_code == status


def test_download_needs_login_and_an_existing_code(client, login_as, owner, certificate):
    response = client.get(f"/sertifikat/{certificate.code}.pdf")
    assert response.status_code == 302 and "/masuk" in response.headers["Location"]
    login_as(owner)
    assert client.get("/sertifikat/KIM-AAAA-AAAA-AAAA.pdf").status_code == 404


def test_verify_page_is_public_and_shows_only_name_course_and_date(client, owner, certificate):
    response = client.get(f"/verify/{certificate.code}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Sertifikat ini sah" in page
    assert "Sitti Rahmawati" in page and "Kursus literasi-digital" in page
    assert tanggal_filter(certificate.completed_at) in page
    for private in (NIP, "sitti@kukar.example", "Kutai Kartanegara"):
        assert private not in page
    assert response.headers["X-Robots-Tag"] == "noindex"


def test_verify_accepts_a_code_typed_in_lower_case(client, certificate):
    assert "Sitti Rahmawati" in client.get(f"/verify/{certificate.code.lower()}").get_data(as_text=True)


def test_unknown_code_is_not_found(client):
    response = client.get("/verify/KIM-ACDE-FGHJ-KMNP")
    assert response.status_code == 404
    assert "Sertifikat tidak ditemukan" in response.get_data(as_text=True)


JSON = {"Accept": "application/json"}


def test_verify_answers_machines_in_json_with_the_same_public_facts(client, certificate):
    response = client.get(f"/verify/{certificate.code.lower()}", headers=JSON)
    assert response.status_code == 200 and response.is_json
    assert response.json == {
        "code": certificate.code, "found": True, "valid": True, "name": "Sitti Rahmawati",
        "course": "Kursus literasi-digital", "completed_on": to_wita(certificate.completed_at).date().isoformat(),
        "revoked_on": None, "issuer": "Dinas Komunikasi dan Informatika Provinsi Kalimantan Timur",
        "verify_url": f"http://localhost/verify/{certificate.code}",
    }
    assert NIP not in response.get_data(as_text=True) and "Kutai" not in response.get_data(as_text=True)
    assert "Accept" in response.headers["Vary"] and response.headers["X-Robots-Tag"] == "noindex"
    # A browser still gets the page.
    assert client.get(f"/verify/{certificate.code}").mimetype == "text/html"


def test_verify_json_for_an_unknown_or_revoked_certificate(client, make_user, certificate):
    missing = client.get("/verify/KIM-ACDE-FGHJ-KMNP", headers=JSON)
    assert missing.status_code == 404
    assert missing.json == {"code": "KIM-ACDE-FGHJ-KMNP", "found": False, "valid": False}
    certificates.revoke(certificate, make_user(role=Role.ADMIN, regency_code="64"), "Data peserta keliru.")
    db.session.commit()
    revoked = client.get(f"/verify/{certificate.code}", headers=JSON).json
    assert revoked["valid"] is False and revoked["revoked_on"] == to_wita(certificate.revoked_at).date().isoformat()
    assert "keliru" not in str(revoked)  # the reason stays in the audit log


def test_coordinator_revokes_with_a_reason(client, login_as, make_user, owner, certificate):
    coordinator = make_user(role=Role.COORDINATOR, regency_code="64.02")
    login_as(coordinator)
    assert "Cabut sertifikat ini" in client.get(f"/verify/{certificate.code}").get_data(as_text=True)
    response = client.post(f"/sertifikat/{certificate.code}/cabut", data={"reason": "Kuis dikerjakan orang lain."})
    assert response.status_code == 302
    db.session.expire_all()
    assert certificate.revoked_at is not None and certificate.revoked_by_id == coordinator.id
    entry = db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "certificate_revoked"))
    assert entry.actor_id == coordinator.id and entry.target == certificate.code
    assert entry.detail["reason"] == "Kuis dikerjakan orang lain."

    page = client.get(f"/verify/{certificate.code}").get_data(as_text=True)
    assert "telah dicabut pada" in page and "tidak berlaku" in page
    assert "Kuis dikerjakan orang lain." not in page  # the reason stays in the audit log
    assert "Sertifikat ini sah" not in page


def test_revoked_certificate_is_no_longer_downloadable(client, login_as, make_user, owner, certificate):
    certificates.revoke(certificate, make_user(role=Role.ADMIN, regency_code="64"), "Data peserta keliru.")
    db.session.commit()
    login_as(owner)
    response = client.get(f"/sertifikat/{certificate.code}.pdf")
    assert response.status_code == 302 and f"/verify/{certificate.code}" in response.headers["Location"]
    assert "Sertifikat dicabut" in client.get("/kursus-saya").get_data(as_text=True)


def test_revoking_needs_a_reason(client, login_as, make_user, certificate):
    login_as(make_user(role=Role.ADMIN, regency_code="64"))
    response = client.post(f"/sertifikat/{certificate.code}/cabut", data={"reason": "  "})
    assert response.status_code == 200
    assert "Alasan pencabutan wajib diisi." in response.get_data(as_text=True)
    db.session.expire_all()
    assert certificate.revoked_at is None


@pytest.mark.parametrize("role, regency_code", [
    (Role.COORDINATOR, "64.72"),   # another regency's coordinator
    (Role.TRAINEE, "64.02"),
    (Role.TRAINER, "64"),
])
def test_others_cannot_revoke(client, login_as, make_user, certificate, role, regency_code):
    login_as(make_user(role=role, regency_code=regency_code))
    assert client.get(f"/sertifikat/{certificate.code}/cabut").status_code == 403
    assert client.post(f"/sertifikat/{certificate.code}/cabut", data={"reason": "Tidak sah."}).status_code == 403
    assert "Cabut sertifikat ini" not in client.get(f"/verify/{certificate.code}").get_data(as_text=True)
    db.session.expire_all()
    assert certificate.revoked_at is None
    assert db.session.scalar(db.select(db.func.count(AuditEntry.id)).where(AuditEntry.action == "certificate_revoked")) == 0


def test_revoking_needs_csrf_token(app, client, login_as, make_user, certificate):
    login_as(make_user(role=Role.COORDINATOR, regency_code="64"))
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        assert client.post(f"/sertifikat/{certificate.code}/cabut", data={"reason": "Tidak sah."}).status_code == 400
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    db.session.expire_all()
    assert certificate.revoked_at is None
