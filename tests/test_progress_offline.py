"""Offline reading: what a saved course holds, when it goes stale, and completions sent from the offline queue."""
from __future__ import annotations

from datetime import UTC, timedelta

import pytest
import yaml

from app.catalog import versions
from app.catalog.models import Lesson, Status
from app.extensions import db, utcnow
from app.progress import services
from app.progress.models import Certificate, Enrollment, LessonCompletion, ModuleCompletion
from tests.factories import lesson_path, make_course
from tests.test_progress_completion import submit_attempt


@pytest.fixture
def trainee(make_user, login_as):
    """A logged-in trainee."""
    user = make_user(full_name="Yohanes Dau", regency_code="64.11")
    login_as(user)
    return user


def enrol(user, course) -> Enrollment:
    """Enrol a day ago and commit: queued completions may be hours old."""
    enrollment = services.enroll(user, course)
    enrollment.enrolled_at = utcnow() - timedelta(days=1)
    db.session.commit()
    return enrollment


def bundle(client, course) -> dict:
    response = client.get(f"/kursus/{course.slug}/luring.json")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store"
    return response.json


def iso(moment) -> str:
    """A moment as a browser's Date.toISOString() writes it."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def send(client, lesson, user, done_at, sent_at=None):
    """Send one queued completion as the service worker does."""
    return client.post(f"/pelajaran/{lesson.id}/selesai-luring", headers={"Accept": "application/json"},
                       data={"user": user.id, "done_at": iso(done_at), "sent_at": iso(sent_at or utcnow())})


def completions(user) -> list[LessonCompletion]:
    db.session.expire_all()
    return list(db.session.scalars(db.select(LessonCompletion).where(LessonCompletion.user_id == user.id)
                                   .order_by(LessonCompletion.lesson_id)))


# ---------------------------------------------------------------- the saved course


def test_saved_course_holds_the_open_lessons_their_images_and_what_the_pages_need(client, trainee):
    course = make_course(modules=2, lessons=2)  # sequential: module 2 opens after module 1
    first = course.modules[0].lessons[0]
    first.body_md = ("![Peta](/static/icon-192.png) ![Luar](https://contoh.example/a.png) "
                     "![Dua kali](/static/icon-192.png)")
    db.session.commit()
    enrol(trainee, course)
    saved = bundle(client, course)
    assert saved["course"] == course.id
    assert saved["urls"][:3] == [f"/kursus/{course.slug}", lesson_path(course, 0, 0), lesson_path(course, 0, 1)]
    assert lesson_path(course, 1, 0) not in saved["urls"]  # locked: its page would only say so
    assert "/kursus-saya" in saved["urls"] and "/luring" in saved["urls"]
    assert any(url.startswith("/static/style.css?v=") for url in saved["urls"])
    assert any(url.startswith("/static/luring.js?v=") for url in saved["urls"])
    assert saved["urls"].count("/static/icon-192.png") == 1 and not any("contoh.example" in url for url in saved["urls"])
    assert saved["pages"] == 5
    for url in saved["urls"]:  # every address the browser will download answers
        assert client.get(url).status_code == 200, url


def test_saving_needs_an_enrolment(client, trainee):
    course = make_course()
    response = client.get(f"/kursus/{course.slug}/luring.json")
    assert response.status_code == 403 and "Daftar kursus" in response.json["message"]
    assert client.get("/kursus/tidak-ada/luring.json").status_code == 404


def test_the_key_moves_with_content_and_opened_modules_and_an_unpublished_lesson_leaves(client, trainee):
    course = make_course(modules=2, lessons=2, with_quiz=False)
    enrol(trainee, course)
    key = bundle(client, course)["key"]
    assert bundle(client, course)["key"] == key  # nothing changed: the saved copy stays
    assert f'data-luring-key="{key}"' in client.get(f"/kursus/{course.slug}").get_data(as_text=True)

    unpublished = course.modules[0].lessons[1]
    unpublished.status = Status.DRAFT  # a trainer takes the lesson back
    versions.bump([course.id])  # as the editing services do
    db.session.commit()
    refreshed = bundle(client, course)
    assert refreshed["key"] != key and lesson_path(course, 0, 1) not in refreshed["urls"]
    assert f'data-luring-key="{refreshed["key"]}"' in client.get(lesson_path(course, 0, 0)).get_data(as_text=True)

    client.post(lesson_path(course, 0, 0) + "/selesai")  # module 1 done: module 2 opens
    opened = bundle(client, course)
    assert opened["key"] != refreshed["key"] and lesson_path(course, 1, 0) in opened["urls"]
    assert f'data-luring-key="{opened["key"]}"' in client.get("/kursus-saya").get_data(as_text=True)


def test_a_lesson_retired_by_a_reimport_leaves_the_saved_copy_and_its_completion_stays(client, trainee, runner,
                                                                                     tmp_path):
    course = make_course(modules=1, lessons=3, with_quiz=False)
    first, retired, last = (lesson_path(course, 0, n) for n in range(3))
    retired_id = course.modules[0].lessons[1].id
    enrol(trainee, course)
    assert client.post(retired + "/selesai").status_code == 302
    before = bundle(client, course)
    assert retired in before["urls"]
    files = tmp_path / "files"
    assert runner.invoke(args=["courses", "export", course.slug, str(files)]).exit_code == 0
    course_file = files / course.slug / "course.yaml"
    data = yaml.safe_load(course_file.read_text(encoding="utf-8"))
    del data["modules"][0]["lessons"][1]  # the lesson the trainee completed leaves the files
    course_file.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")

    result = runner.invoke(args=["courses", "import", str(files / course.slug)])

    assert result.exit_code == 0 and "1 diarsipkan" in result.output, result.output
    after = bundle(client, course)
    assert after["key"] != before["key"]  # the saved copy is stale: the browser downloads the new one
    assert retired not in after["urls"] and after["pages"] == before["pages"] - 1
    assert first in after["urls"] and last in after["urls"]
    assert f'data-luring-key="{after["key"]}"' in client.get(first).get_data(as_text=True)
    assert client.get(retired).status_code == 404
    assert [c.lesson_id for c in completions(trainee)] == [retired_id]  # the trainee's record stays


# ---------------------------------------------------------------- completions from the offline queue


def test_a_queued_completion_is_recorded_once_at_the_time_it_was_done(client, trainee):
    course = make_course(modules=1, lessons=2)
    enrol(trainee, course)
    lesson = course.modules[0].lessons[0]
    done_at = utcnow() - timedelta(hours=3)
    response = send(client, lesson, trainee, done_at)
    assert response.status_code == 201 and response.json == {"status": "recorded", "lesson": lesson.id}
    [completion] = completions(trainee)
    assert abs(completion.completed_at - done_at) < timedelta(seconds=2)
    enrollment = db.session.scalar(db.select(Enrollment))
    assert enrollment.lessons_completed == 1 and enrollment.last_lesson_id == lesson.id

    # The same queue again (a reload, a second tab, Background Sync): nothing changes.
    again = send(client, lesson, trainee, done_at + timedelta(hours=1))
    assert again.status_code == 200 and again.json["status"] == "already"
    [same] = completions(trainee)
    assert same.completed_at == completion.completed_at


def test_a_wrong_device_clock_does_not_move_the_recorded_time(client, trainee):
    course = make_course(modules=1, lessons=1)
    enrol(trainee, course)
    ahead = timedelta(hours=5)  # the phone's clock runs five hours fast
    real_done_at = utcnow() - timedelta(minutes=30)
    send(client, course.modules[0].lessons[0], trainee, real_done_at + ahead, sent_at=utcnow() + ahead)
    [completion] = completions(trainee)
    assert abs(completion.completed_at - real_done_at) < timedelta(seconds=2)


def test_a_queue_replayed_by_another_account_is_refused(app, trainee, make_user, login_as):
    course = make_course(modules=1, lessons=1)
    other = make_user(full_name="Pengguna lain")
    enrol(trainee, course)
    enrol(other, course)
    same_device = app.test_client()
    login_as(other, the_client=same_device)
    response = send(same_device, course.modules[0].lessons[0], trainee, utcnow())
    assert response.status_code == 403 and "akun lain" in response.json["message"]
    assert completions(trainee) == [] and completions(other) == []


@pytest.mark.parametrize("shift, message", [
    (timedelta(minutes=5), "masa depan"),  # done after it was sent
    (-timedelta(days=400), "pendaftaran"),  # done before the trainee enrolled
])
def test_an_impossible_time_is_refused_and_nothing_is_written(client, trainee, shift, message):
    course = make_course(modules=1, lessons=1)
    enrol(trainee, course)
    now = utcnow()
    response = send(client, course.modules[0].lessons[0], trainee, now + shift, sent_at=now)
    assert response.status_code == 422 and message in response.json["message"]
    assert completions(trainee) == []


@pytest.mark.parametrize("field, value", [("done_at", "kemarin"), ("done_at", "2026-12-01T10:00:00"),
                                          ("sent_at", ""), ("user", "satu")])
def test_malformed_items_are_refused_with_a_reason(client, trainee, field, value):
    course = make_course(modules=1, lessons=1)
    enrol(trainee, course)
    data = {"user": trainee.id, "done_at": iso(utcnow()), "sent_at": iso(utcnow()), field: value}
    response = client.post(f"/pelajaran/{course.modules[0].lessons[0].id}/selesai-luring", data=data)
    assert response.status_code == 422 and response.json["message"]
    assert completions(trainee) == []


def test_locked_missing_or_unenrolled_lessons_are_refused(client, trainee):
    course = make_course(modules=2, lessons=1)
    locked = send(client, course.modules[1].lessons[0], trainee, utcnow())
    assert locked.status_code == 409 and locked.json["message"]
    enrol(trainee, course)
    assert send(client, course.modules[1].lessons[0], trainee, utcnow()).status_code == 409
    missing = client.post("/pelajaran/999999/selesai-luring", data={"user": trainee.id})
    assert missing.status_code == 404
    assert completions(trainee) == []


def test_the_queue_needs_a_csrf_token(app, client, trainee, monkeypatch):
    course = make_course(modules=1, lessons=1)
    enrol(trainee, course)
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    response = send(client, course.modules[0].lessons[0], trainee, utcnow())
    assert response.status_code == 400 and response.is_json
    assert completions(trainee) == []


def test_a_queued_last_lesson_completes_the_course_as_of_its_time(client, trainee):
    course = make_course(modules=1, lessons=1)
    enrol(trainee, course)
    submit_attempt(trainee, course.modules[0].quiz, percent=100, passed=True)
    db.session.execute(db.update(Enrollment).values(last_activity_at=utcnow() - timedelta(hours=6)))
    db.session.commit()
    done_at = utcnow() - timedelta(hours=2)
    assert send(client, course.modules[0].lessons[0], trainee, done_at).status_code == 201
    certificate = db.session.scalar(db.select(Certificate))
    module = db.session.scalar(db.select(ModuleCompletion))
    assert abs(certificate.completed_at - done_at) < timedelta(seconds=2)
    assert module.completed_at == certificate.completed_at


def test_offline_and_online_completion_share_one_rule(client, trainee):
    """A lesson a trainer retired after it was queued cannot be completed either way."""
    course = make_course(modules=1, lessons=2)
    enrol(trainee, course)
    lesson = db.session.get(Lesson, course.modules[0].lessons[1].id)
    lesson.status = Status.DRAFT
    versions.bump([course.id])  # as the editing services do
    db.session.commit()
    assert send(client, lesson, trainee, utcnow()).status_code == 409
    # Online, the enrolled trainee is told the lesson is being updated (see test_authoring_publishing).
    assert "Pelajaran ini sedang diperbarui" in client.post(lesson_path(course, 0, 1) + "/selesai").get_data(as_text=True)
    assert completions(trainee) == []
