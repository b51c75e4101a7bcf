"""Trainees to remind: not started or idle for N days, each with a message ready to copy or send."""
from __future__ import annotations

import html
import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import func, select

from app.accounts.models import Role, User
from app.extensions import db, utcnow
from app.progress.models import Enrollment
from app.reports.models import Reminder
from app.reports.views import course_url
from tests.factories import make_course


@pytest.fixture
def idle(make_user):
    """Kukar trainees: idle 20 days, active yesterday, finished long ago, enrolled 30 days ago and never started."""
    course = make_course("kursus-a", modules=2, lessons=2)
    now = utcnow()
    people = {
        "Irene Lambat": dict(lessons_completed=1, last_activity_at=now - timedelta(days=20), enrolled_at=now - timedelta(days=40)),
        "Rajin Sekali": dict(lessons_completed=3, last_activity_at=now - timedelta(days=1), enrolled_at=now - timedelta(days=40)),
        "Sudah Selesai": dict(lessons_completed=4, last_activity_at=now - timedelta(days=60),
                              enrolled_at=now - timedelta(days=90), completed_at=now - timedelta(days=60)),
        "Belum Mulai": dict(enrolled_at=now - timedelta(days=30)),
    }
    for name, fields in people.items():
        user = make_user(Role.TRAINEE, "64.02", full_name=name, phone="6281234567890" if name == "Belum Mulai" else None)
        db.session.add(Enrollment(user_id=user.id, course_id=course.id, **fields))
    samarinda = make_user(Role.TRAINEE, "64.72", full_name="Orang Samarinda")
    db.session.add(Enrollment(user_id=samarinda.id, course_id=course.id, enrolled_at=now - timedelta(days=50)))
    db.session.commit()
    return course


def messages(page: str) -> dict[str, str]:
    """Each reminder's textarea text, by the trainee named in its label."""
    found = re.findall(r'Pesan pengingat untuk ([^<]+)</label>\s*<textarea id="[^"]+" readonly rows="5">([^<]*)</textarea>', page)
    return {name: html.unescape(text) for name, text in found}


def test_lists_who_to_remind_with_a_message(app, client, make_user, login_as, idle):
    login_as(make_user(Role.COORDINATOR, "64.02"))
    page = client.get("/laporan/perlu-diingatkan").get_data(as_text=True)
    found = messages(page)
    assert set(found) == {"Irene Lambat", "Belum Mulai"}  # not the active, not the finished, not Samarinda
    assert found["Irene Lambat"].startswith("Halo Irene Lambat,")
    assert '"Kursus kursus-a"' in found["Irene Lambat"]
    assert "Tinggal 3 dari 4 pelajaran lagi." in found["Irene Lambat"]
    with app.test_request_context():
        assert f"Lanjutkan belajar di {course_url('kursus-a')} ." in found["Irene Lambat"]
    assert "Anda belum memulai kursus ini; ada 4 pelajaran yang menunggu." in found["Belum Mulai"]
    assert "<h2>64.02 Kabupaten Kutai Kartanegara</h2>" in page


def test_whatsapp_link_only_with_a_phone_number(client, make_user, login_as, idle):
    login_as(make_user(Role.COORDINATOR, "64.02"))
    page = client.get("/laporan/perlu-diingatkan").get_data(as_text=True)
    links = [html.unescape(href) for href in re.findall(r'href="(https://wa\.me/[^"]+)"', page)]
    assert len(links) == 1
    link = urlsplit(links[0])
    assert link.path == "/6281234567890"
    assert parse_qs(link.query)["text"][0] == messages(page)["Belum Mulai"]
    assert "Tidak ada nomor HP di akun ini" in page


def test_the_number_of_days_is_a_filter(client, make_user, login_as, idle):
    login_as(make_user(Role.ADMIN, "64"))
    assert set(messages(client.get("/laporan/perlu-diingatkan?hari=25").get_data(as_text=True))) == {
        "Belum Mulai", "Orang Samarinda"}
    assert set(messages(client.get("/laporan/perlu-diingatkan?wilayah=64.72").get_data(as_text=True))) == {"Orang Samarinda"}
    page = client.get("/laporan/perlu-diingatkan?hari=dua").get_data(as_text=True)
    assert "Isi jumlah hari dengan angka, misalnya 14." in page
    assert set(messages(page)) == {"Irene Lambat", "Belum Mulai", "Orang Samarinda"}  # the default, 14 days
    assert "Isi antara 1 dan 365 hari." in client.get("/laporan/perlu-diingatkan?hari=0").get_data(as_text=True)


def test_messages_link_to_the_public_address(client, make_user, login_as, idle, app, monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", "https://kelaskim.kaltimprov.go.id/")
    login_as(make_user(Role.COORDINATOR, "64.02"))
    text = messages(client.get("/laporan/perlu-diingatkan").get_data(as_text=True))["Irene Lambat"]
    assert "Lanjutkan belajar di https://kelaskim.kaltimprov.go.id/" in text and "localhost" not in text


# --------------------------------------------------------------------------- reminders remembered


def enrolment_of(name: str) -> Enrollment:
    return db.session.scalar(select(Enrollment).join(User, User.id == Enrollment.user_id).where(User.full_name == name))


def last_reminder_lines(page: str) -> dict[str, str]:
    """The "last reminded" line of each card, by trainee."""
    found = re.findall(r'<h3><a [^>]+>([^<]+)</a></h3>.*?<p class="last-reminder"[^>]*>\s*(.*?)\s*</p>', page, re.S)
    return {name: " ".join(html.unescape(line).split()) for name, line in found}


def test_a_reminder_is_remembered_with_when_and_by_whom(client, make_user, login_as, idle):
    login_as(make_user(Role.COORDINATOR, "64.02", full_name="Koordinator Kukar"))
    page = client.get("/laporan/perlu-diingatkan").get_data(as_text=True)
    assert last_reminder_lines(page) == {"Irene Lambat": "Belum pernah diingatkan.",
                                         "Belum Mulai": "Belum pernah diingatkan."}
    target = enrolment_of("Irene Lambat")
    response = client.post(f"/laporan/perlu-diingatkan/{target.id}/diingatkan",
                           data={"next": "/laporan/perlu-diingatkan?hari=14"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/laporan/perlu-diingatkan?hari=14")
    reminder = db.session.scalar(select(Reminder))
    assert reminder.enrollment_id == target.id and reminder.reminded_by.full_name == "Koordinator Kukar"
    lines = last_reminder_lines(client.get("/laporan/perlu-diingatkan").get_data(as_text=True))
    assert lines["Irene Lambat"].startswith("Terakhir diingatkan ") and lines["Irene Lambat"].endswith(
        "WITA oleh Koordinator Kukar.")
    assert lines["Belum Mulai"] == "Belum pernah diingatkan."
    # The copy and WhatsApp buttons record in the background and get the new line back.
    answer = client.post(f"/laporan/perlu-diingatkan/{enrolment_of('Belum Mulai').id}/diingatkan",
                         headers={"Accept": "application/json"})
    assert answer.status_code == 200 and "oleh Koordinator Kukar." in answer.get_json()["html"]
    # An outside address in "next" is not followed.
    response = client.post(f"/laporan/perlu-diingatkan/{target.id}/diingatkan", data={"next": "https://contoh.id/"})
    assert response.headers["Location"].endswith("/laporan/perlu-diingatkan")


def test_filter_by_not_reminded_in_the_last_days(client, make_user, login_as, idle):
    coordinator = make_user(Role.COORDINATOR, "64.02")
    login_as(coordinator)
    db.session.add_all([
        Reminder(enrollment_id=enrolment_of("Irene Lambat").id, reminded_by_id=coordinator.id,
                 reminded_at=utcnow() - timedelta(days=2)),
        Reminder(enrollment_id=enrolment_of("Belum Mulai").id, reminded_by_id=coordinator.id,
                 reminded_at=utcnow() - timedelta(days=10)),
    ])
    db.session.commit()
    shown = lambda query: set(messages(client.get(f"/laporan/perlu-diingatkan{query}").get_data(as_text=True)))  # noqa: E731
    assert shown("") == {"Irene Lambat", "Belum Mulai"}
    assert shown("?diingatkan=7") == {"Belum Mulai"}
    assert shown("?diingatkan=14") == set()
    page = client.get("/laporan/perlu-diingatkan?diingatkan=nol").get_data(as_text=True)
    assert "Isi jumlah hari dengan angka, misalnya 14." in page and set(messages(page)) == {"Irene Lambat", "Belum Mulai"}


def test_only_coordinators_of_the_trainees_unit_record_reminders(app, client, make_user, login_as, idle):
    samarinda = enrolment_of("Orang Samarinda")
    login_as(make_user(Role.COORDINATOR, "64.02"))
    assert client.post(f"/laporan/perlu-diingatkan/{samarinda.id}/diingatkan").status_code == 403
    assert client.post("/laporan/perlu-diingatkan/99999/diingatkan").status_code == 404
    trainee = app.test_client()
    login_as(make_user(Role.TRAINEE, "64.02"), the_client=trainee)
    assert trainee.post(f"/laporan/perlu-diingatkan/{samarinda.id}/diingatkan").status_code == 403
    assert db.session.scalar(select(func.count(Reminder.id))) == 0


def test_the_copy_button_is_added_by_a_script_from_the_site(client, make_user, login_as, idle):
    login_as(make_user(Role.COORDINATOR, "64.02"))
    page = client.get("/laporan/perlu-diingatkan").get_data(as_text=True)
    # Hidden until the script runs, so that a page without scripts offers no dead button.
    assert re.search(r'<button type="button" class="secondary" data-copy="pesan-\d+"[^>]* hidden>Salin pesan</button>', page)
    assert re.search(r'<script src="/static/reminders\.js(\?v=\w+)?" defer></script>', page)
    assert "<script>" not in page
