"""Who may author: trainers edit the courses they own or co-own, admins edit all, others get 403."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from app.accounts.models import AuditEntry, Role
from app.catalog.models import Course, Revision, Status
from app.extensions import db
from tests.factories import make_course


def _urls(course: Course) -> list[str]:
    """Every authoring page of one course (GET)."""
    module = course.modules[0]
    lesson, quiz = module.lessons[0], module.quiz
    question = quiz.questions[0]
    return [
        f"/kelola/kursus/{course.id}", f"/kelola/kursus/{course.id}/ubah", f"/kelola/kursus/{course.id}/pemilik",
        f"/kelola/kursus/{course.id}/modul/baru", f"/kelola/modul/{module.id}", f"/kelola/modul/{module.id}/pelajaran/baru",
        f"/kelola/pelajaran/{lesson.id}", f"/kelola/kuis/{quiz.id}", f"/kelola/kuis/{quiz.id}/ubah",
        f"/kelola/kuis/{quiz.id}/soal/baru", f"/kelola/soal/{question.id}", f"/kelola/soal/{question.id}/hapus",
        f"/kelola/kuis/{quiz.id}/impor", f"/kelola/kuis/{quiz.id}/analisis", f"/kelola/kursus/{course.id}/riwayat",
        f"/kelola/modul/{module.id}/riwayat", f"/kelola/pelajaran/{lesson.id}/riwayat", f"/kelola/kuis/{quiz.id}/riwayat",
    ]


def _posts(course: Course) -> list[str]:
    """State-changing authoring endpoints of one course (POST)."""
    module = course.modules[0]
    lesson, question = module.lessons[0], module.quiz.questions[0]
    return [
        f"/kelola/kursus/{course.id}/status/terbit", f"/kelola/kursus/{course.id}/terbitkan-semua",
        f"/kelola/modul/{module.id}/turun", f"/kelola/pelajaran/{lesson.id}/turun", f"/kelola/soal/{question.id}/turun",
        f"/kelola/pelajaran/{lesson.id}/status/draf", f"/kelola/soal/{question.id}/hapus",
    ]


def test_owner_opens_every_authoring_page(client, make_user, login_as):
    trainer = make_user(Role.TRAINER, "64")
    course = make_course(owners=[trainer])
    login_as(trainer)
    assert course.title in client.get("/kelola/").get_data(as_text=True)
    for url in _urls(course):
        response = client.get(url)
        assert response.status_code == 200, url


def test_admin_edits_any_course(client, make_user, login_as):
    course = make_course(owners=[make_user(Role.TRAINER, "64")])
    login_as(make_user(Role.ADMIN, "64"))
    assert course.title in client.get("/kelola/").get_data(as_text=True)
    for url in _urls(course):
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("role", [Role.TRAINER, Role.TRAINEE, Role.COORDINATOR])
def test_others_get_403_and_nothing_changes(client, make_user, login_as, role):
    course = make_course(owners=[make_user(Role.TRAINER, "64")], status=Status.DRAFT)
    positions = [module.position for module in course.modules]
    login_as(make_user(role, "64"))
    for url in _urls(course):
        assert client.get(url).status_code == 403, url
    for url in _posts(course):
        assert client.post(url).status_code == 403, url
    db.session.expire_all()
    assert course.status == Status.DRAFT and [m.position for m in course.modules] == positions
    assert len(course.modules[0].quiz.questions) == 4
    assert db.session.scalar(select(Revision.id)) is None


def test_other_trainer_does_not_see_the_course_in_their_list(client, make_user, login_as):
    course = make_course(owners=[make_user(Role.TRAINER, "64")])
    login_as(make_user(Role.TRAINER, "64.02"))
    page = client.get("/kelola/").get_data(as_text=True)
    assert course.title not in page and "Belum ada kursus" in page


@pytest.mark.parametrize("role", [Role.TRAINEE, Role.COORDINATOR])
def test_non_authors_cannot_create_courses(client, make_user, login_as, role):
    login_as(make_user(role, "64"))
    assert client.get("/kelola/").status_code == 403
    assert client.post("/kelola/kursus/baru", data={"title": "X"}).status_code == 403


def test_anonymous_goes_to_login(client):
    response = client.get("/kelola/")
    assert response.status_code == 302 and "/masuk" in response.headers["Location"]


def test_owner_adds_a_co_owner_who_can_then_edit(client, app, make_user, login_as):
    owner = make_user(Role.TRAINER, "64")
    colleague = make_user(Role.TRAINER, "64.72", email="rekan@kelaskim.example")
    trainee = make_user(Role.TRAINEE, "64.72", email="peserta@kelaskim.example")
    course = make_course(owners=[owner])
    login_as(owner)
    url = f"/kelola/kursus/{course.id}/pemilik"
    for email in ("peserta@kelaskim.example", "tidak-ada@kelaskim.example"):  # the same answer for both
        page = client.post(url, data={"email": email}).get_data(as_text=True)
        assert f"Tidak ada akun pelatih aktif dengan email {email}." in page
    assert client.post(url, data={"email": "REKAN@kelaskim.example"}).status_code == 302
    db.session.expire_all()
    assert {user.id for user in course.owners} == {owner.id, colleague.id}
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "course_owner_added")).detail["owner"] == colleague.email
    assert "sudah menjadi pemilik" in client.post(url, data={"email": colleague.email}).get_data(as_text=True)

    other = app.test_client()
    login_as(colleague, the_client=other)
    assert other.get(f"/kelola/kursus/{course.id}/ubah").status_code == 200
    assert trainee.id not in {user.id for user in course.owners}


def test_post_buttons_carry_csrf_tokens(client, app, make_user, login_as):
    trainer = make_user(Role.TRAINER, "64")
    course = make_course(owners=[trainer], status=Status.DRAFT)
    login_as(trainer)
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        page = client.get(f"/kelola/kursus/{course.id}").get_data(as_text=True)
        assert client.post(f"/kelola/kursus/{course.id}/status/terbit").status_code == 400
        db.session.expire_all()
        assert course.status == Status.DRAFT
        assert page.count('name="csrf_token"') == page.count('method="post"')
        token = page.split('name="csrf_token" value="', 2)[1].split('"', 1)[0]
        assert client.post(f"/kelola/kursus/{course.id}/status/terbit", data={"csrf_token": token}).status_code == 302
        db.session.expire_all()
        assert course.status == Status.PUBLISHED
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_revisions_of_someone_elses_course_are_out_of_reach(client, app, make_user, login_as):
    owner = make_user(Role.TRAINER, "64")
    course = make_course(owners=[owner])
    lesson = course.modules[0].lessons[0]
    login_as(owner)
    form = {"title": "Diubah", "slug": lesson.slug, "minutes": "5", "objectives": "T", "sources": "S", "body": "Baru.", "submit": "1"}
    assert client.post(f"/kelola/pelajaran/{lesson.id}", data=form).status_code == 302
    first = db.session.scalar(select(Revision).order_by(Revision.id))
    stranger = app.test_client()
    login_as(make_user(Role.TRAINER, "64.72"), the_client=stranger)
    assert stranger.get(f"/kelola/revisi/{first.id}").status_code == 403
    assert stranger.post(f"/kelola/revisi/{first.id}/pulihkan").status_code == 403
    assert stranger.get("/kelola/revisi/99999").status_code == 404
    db.session.expire_all()
    assert lesson.body_md == "Baru."
