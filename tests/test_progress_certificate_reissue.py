"""A new name on the profile: issued certificates stay as issued; the owner can have one re-issued (same code)."""
from __future__ import annotations

from app.accounts.models import AuditEntry, Role
from app.extensions import db, utcnow
from app.progress import certificates, services as progress
from tests.factories import make_course


def _certified(make_user, name: str = "Siti Rahma"):
    trainee = make_user(full_name=name)
    course = make_course(modules=1, lessons=1)
    progress.enroll(trainee, course)
    certificate = certificates.issue(trainee, course, utcnow())
    db.session.commit()
    return trainee, certificate


def _printed_name(app, certificate) -> str:
    """The name the PDF prints."""
    with app.test_request_context():
        return certificates.pdf_data(certificate).full_name


def test_new_name_keeps_the_issued_certificate_and_reissue_uses_the_new_one(app, client, make_user, login_as):
    trainee, certificate = _certified(make_user)
    code = certificate.code
    login_as(trainee)
    client.post("/akun", data={"full_name": "Siti Rahmawati", "phone": "", "unit": ""})
    db.session.expire_all()
    assert _printed_name(app, certificate) == "Siti Rahma"  # as issued
    assert "Siti Rahma<" in client.get(f"/verify/{code}").get_data(as_text=True)
    page = client.get("/kursus-saya").get_data(as_text=True)
    assert "Terbitkan ulang dengan nama sekarang" in page

    assert client.post(f"/sertifikat/{code}/terbitkan-ulang").status_code == 302
    db.session.expire_all()
    assert certificate.code == code and _printed_name(app, certificate) == "Siti Rahmawati"
    assert certificate.reissued_at is not None
    entry = db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "certificate_reissued"))
    assert (entry.target, entry.detail["old_name"], entry.detail["new_name"]) == (code, "Siti Rahma", "Siti Rahmawati")
    assert "Terbitkan ulang dengan nama sekarang" not in client.get("/kursus-saya").get_data(as_text=True)
    assert "Siti Rahmawati" in client.get(f"/verify/{code}").get_data(as_text=True)


def test_an_admins_rename_also_keeps_the_issued_name(client, make_user, login_as):
    trainee, certificate = _certified(make_user, "Budi Santoso")
    login_as(make_user(Role.ADMIN, "64"))
    client.post(f"/admin/users/{trainee.id}", data={"email": trainee.email, "full_name": "Budi Santosa",
                                                   "role": Role.TRAINEE, "regency_id": trainee.regency_id})
    db.session.expire_all()
    assert trainee.full_name == "Budi Santosa" and certificate.name_on_certificate == "Budi Santoso"


def test_only_the_owner_reissues(client, make_user, login_as):
    _, certificate = _certified(make_user)
    login_as(make_user(Role.COORDINATOR, "64.02"))
    assert client.post(f"/sertifikat/{certificate.code}/terbitkan-ulang").status_code == 403
