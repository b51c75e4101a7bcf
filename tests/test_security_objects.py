"""Object-level access: someone else's attempt, certificate, regency or draft course is refused (403 or 404)."""
from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from app.accounts.models import AuditEntry, Role, User
from app.catalog.models import Course, CourseOwner, Lesson, Module, Revision, Status
from app.extensions import db
from app.progress import certificates, services as progress
from app.progress.models import Enrollment, LessonCompletion
from app.quizzes.models import Answer, Attempt, AttemptStatus
from tests.authz_matrix import (
    COORDINATOR_PROVINCE, COORDINATOR_REGENCY, TRAINEE, TRAINER, World, account, edited_lesson_revision,
    build_world, sign_in,
)
from tests.factories import make_course

REFUSED = (403, 404)
MAHULU = "64.11"  # Mahakam Ulu: outside the Kukar coordinator's area


@pytest.fixture
def world(app) -> World:
    """The matrix's accounts and courses; the draft course gets an owner of its own."""
    world = build_world()
    owner = account(Role.TRAINER, "64", "pelatih.lain@matriks.example")
    world.other_course.owners.append(owner)
    db.session.commit()
    edited_lesson_revision(world.other_course.modules[0].lessons[0], owner)
    progress.enroll(world.other_trainee, world.course)
    db.session.commit()
    return world


def client_as(app, user: User):
    """A test client signed in as the user."""
    client = app.test_client()
    sign_in(client, user)
    return client


def fetch(client, method: str, url: str, **kwargs):
    """Request a URL and read the whole body (a streamed export runs to its end)."""
    response = client.open(url, method=method, **kwargs)
    response.get_data()
    return response


# --------------------------------------------------------------------------- another trainee's attempt and certificate


@pytest.fixture
def classmate(app, world) -> User:
    """A second trainee of the same regency, enrolled in the same course."""
    user = account(Role.TRAINEE, "64.02", "peserta.kedua@matriks.example")
    db.session.commit()
    progress.enroll(user, world.course)
    db.session.commit()
    return user


def _answers_of(attempt_id: int) -> int:
    return db.session.scalar(select(func.count(Answer.id)).where(Answer.attempt_id == attempt_id))


def test_another_trainees_attempt_is_not_found(app, world, classmate):
    own, done = world.open_attempt.id, world.submitted_attempt.id
    client = client_as(app, classmate)
    answer = {f"q-{q.id}": [str(c.id) for c in q.choices if c.correct] for q in world.quiz.questions}
    responses = {
        "take": fetch(client, "GET", f"/kuis/percobaan/{own}"),
        "submit": fetch(client, "POST", f"/kuis/percobaan/{own}/kirim", data=answer),
        "result": fetch(client, "GET", f"/kuis/percobaan/{done}/hasil"),
        "result of the open one": fetch(client, "GET", f"/kuis/percobaan/{own}/hasil"),
    }
    assert {name: r.status_code for name, r in responses.items()} == dict.fromkeys(responses, 404)
    assert "Soal single?" not in responses["take"].get_data(as_text=True)
    db.session.expire_all()
    attempt = db.session.get(Attempt, own)
    assert attempt.status == AttemptStatus.OPEN and attempt.submitted_at is None and _answers_of(own) == 0
    # and the owner still reaches both
    owner = client_as(app, world.users[TRAINEE])
    assert fetch(owner, "GET", f"/kuis/percobaan/{own}").status_code == 200
    assert fetch(owner, "GET", f"/kuis/percobaan/{done}/hasil").status_code == 200


def test_another_trainees_certificate_pdf_is_refused(app, world, classmate):
    url = f"/sertifikat/{world.certificate.code}.pdf"
    refused = fetch(client_as(app, classmate), "GET", url)
    assert refused.status_code in REFUSED
    assert refused.mimetype != "application/pdf"
    assert fetch(client_as(app, world.users[TRAINEE]), "GET", url).mimetype == "application/pdf"


def test_a_trainer_cannot_download_a_trainees_certificate(app, world):
    response = fetch(client_as(app, world.users[TRAINER]), "GET", f"/sertifikat/{world.certificate.code}.pdf")
    assert response.status_code in REFUSED


# --------------------------------------------------------------------------- another regency, for a regency coordinator


@pytest.fixture
def mahulu_certificate(world):
    """A certificate of the Mahakam Ulu trainee."""
    certificate = certificates.issue(world.other_trainee, world.course, world.submitted_attempt.submitted_at)
    db.session.commit()
    return certificate


def other_regency_pages(world: World, certificate) -> dict[str, str]:
    """Pages about Mahakam Ulu or its people, by what they show."""
    return {
        "roster filtered to Mahulu": f"/laporan/peserta?wilayah={MAHULU}",
        "CSV export filtered to Mahulu": f"/laporan/peserta.csv?wilayah={MAHULU}",
        "XLSX export filtered to Mahulu": f"/laporan/peserta.xlsx?wilayah={MAHULU}",
        "reminders filtered to Mahulu": f"/laporan/perlu-diingatkan?wilayah={MAHULU}",
        "Mahulu regency page": f"/laporan/wilayah/{MAHULU}",
        "Mahulu regency page, second page": f"/laporan/wilayah/{MAHULU}?page=2",
        "person page of a Mahulu trainee": f"/laporan/peserta/{world.other_trainee.id}",
        "certificate of a Mahulu trainee": f"/sertifikat/{certificate.code}.pdf",
        "revoking it": f"/sertifikat/{certificate.code}/cabut",
    }


def _audit_count() -> int:
    return db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == "roster_exported"))


def test_a_regency_coordinator_is_refused_another_regency(app, world, mahulu_certificate):
    client = client_as(app, world.users[COORDINATOR_REGENCY])
    pages = other_regency_pages(world, mahulu_certificate)
    got = {name: fetch(client, "GET", url).status_code for name, url in pages.items()}
    assert got == dict.fromkeys(pages, 403)
    assert _audit_count() == 0  # a refused export is not recorded as an export
    revoke = fetch(client, "POST", pages["revoking it"], data={"reason": "Data ganda"})
    assert revoke.status_code == 403
    db.session.expire_all()
    assert not certificates.by_code(mahulu_certificate.code).is_revoked


def test_the_provincial_coordinator_reaches_the_same_pages(app, world, mahulu_certificate):
    client = client_as(app, world.users[COORDINATOR_PROVINCE])
    pages = other_regency_pages(world, mahulu_certificate)
    got = {name: fetch(client, "GET", url).status_code for name, url in pages.items()}
    assert got == dict.fromkeys(pages, 200)


def test_a_regency_coordinators_unfiltered_roster_and_exports_hold_only_their_regency(app, world):
    client = client_as(app, world.users[COORDINATOR_REGENCY])
    mahulu, kukar = world.other_trainee.full_name, world.users[TRAINEE].full_name
    roster = fetch(client, "GET", "/laporan/peserta").get_data(as_text=True)
    csv_text = fetch(client, "GET", "/laporan/peserta.csv").get_data().decode("utf-8-sig")
    assert kukar in roster and kukar in csv_text
    assert mahulu not in roster and mahulu not in csv_text
    workbook = _workbook_text(fetch(client, "GET", "/laporan/peserta.xlsx").get_data())
    assert kukar in workbook and mahulu not in workbook
    regency = fetch(client, "GET", "/laporan/wilayah/64.02").get_data(as_text=True)
    assert kukar in regency and mahulu not in regency


def _workbook_text(data: bytes) -> str:
    """Every cell of every sheet of a workbook, as one string."""
    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    try:
        rows = (row for sheet in book.worksheets for row in sheet.iter_rows(values_only=True))
        return "\n".join(str(cell) for row in rows for cell in row)
    finally:
        book.close()


# --------------------------------------------------------------------------- another trainer's draft course


def draft_state(course_id: int) -> dict:
    """What a trainer could change in a course, read afresh from the database."""
    db.session.expire_all()
    course = db.session.get(Course, course_id)
    modules = course.modules
    lessons = [lesson for module in modules for lesson in module.lessons]
    quizzes_ = [module.quiz for module in modules if module.quiz]
    return {
        "course": (course.title, course.status, course.summary),
        "owners": sorted(db.session.scalars(select(CourseOwner.user_id).where(CourseOwner.course_id == course_id))),
        "modules": [(m.id, m.title, m.status, m.position) for m in modules],
        "lessons": [(l.id, l.title, l.body_md, l.status, l.position) for l in lessons],
        "quizzes": [(q.id, q.title, q.pass_mark, q.max_attempts) for q in quizzes_],
        "questions": [(q.id, q.text, q.position) for quiz in quizzes_ for q in quiz.questions],
        "revisions": db.session.scalar(select(func.count(Revision.id))),
    }


GIFT = "::baru:: Ibu kota Kalimantan Timur? {=Samarinda ~Balikpapan}"


def draft_requests(world: World, trainer: User) -> dict[str, tuple[str, str, dict]]:
    """Every authoring request on the draft course, with the form data a real edit would send."""
    course = world.other_course
    module, lesson = course.modules[0], course.modules[0].lessons[0]
    quiz, question = module.quiz, module.quiz.questions[0]
    revision = revisions_of(lesson.id)[0]
    lesson_form = {"title": "Dibajak", "slug": lesson.slug, "minutes": "5", "body": "Dibajak.", "objectives": "x",
                   "sources": "x", "submit": "Simpan"}
    return {
        "course outline": ("GET", f"/kelola/kursus/{course.id}", {}),
        "course edit page": ("GET", f"/kelola/kursus/{course.id}/ubah", {}),
        "course edit": ("POST", f"/kelola/kursus/{course.id}/ubah", {
            "title": "Dibajak", "slug": course.slug, "summary": "x", "audience": "x", "hours": "2", "sources": "x"}),
        "owners page": ("GET", f"/kelola/kursus/{course.id}/pemilik", {}),
        "adding oneself as owner": ("POST", f"/kelola/kursus/{course.id}/pemilik", {"email": trainer.email}),
        "publish everything": ("POST", f"/kelola/kursus/{course.id}/terbitkan-semua", {}),
        "publish the course": ("POST", f"/kelola/kursus/{course.id}/status/terbit", {}),
        "new module page": ("GET", f"/kelola/kursus/{course.id}/modul/baru", {}),
        "new module": ("POST", f"/kelola/kursus/{course.id}/modul/baru", {"title": "Modul sisipan"}),
        "module edit page": ("GET", f"/kelola/modul/{module.id}", {}),
        "module edit": ("POST", f"/kelola/modul/{module.id}", {"title": "Dibajak", "slug": module.slug}),
        "new lesson page": ("GET", f"/kelola/modul/{module.id}/pelajaran/baru", {}),
        "new lesson": ("POST", f"/kelola/modul/{module.id}/pelajaran/baru", {**lesson_form, "slug": "sisipan"}),
        "lesson edit page": ("GET", f"/kelola/pelajaran/{lesson.id}", {}),
        "lesson edit": ("POST", f"/kelola/pelajaran/{lesson.id}", lesson_form),
        "lesson preview": ("POST", f"/kelola/pelajaran/{lesson.id}", {**lesson_form, "preview": "Pratinjau"}),
        "move a lesson": ("POST", f"/kelola/pelajaran/{lesson.id}/turun", {}),
        "new quiz page": ("GET", f"/kelola/modul/{module.id}/kuis/baru", {}),
        "quiz page": ("GET", f"/kelola/kuis/{quiz.id}", {}),
        "quiz edit page": ("GET", f"/kelola/kuis/{quiz.id}/ubah", {}),
        "quiz edit": ("POST", f"/kelola/kuis/{quiz.id}/ubah", {"title": "Dibajak", "pass_mark": "1"}),
        "new question page": ("GET", f"/kelola/kuis/{quiz.id}/soal/baru", {}),
        "question edit page": ("GET", f"/kelola/soal/{question.id}", {}),
        "question delete page": ("GET", f"/kelola/soal/{question.id}/hapus", {}),
        "question delete": ("POST", f"/kelola/soal/{question.id}/hapus", {}),
        "move a question": ("POST", f"/kelola/soal/{question.id}/turun", {}),
        "import page": ("GET", f"/kelola/kuis/{quiz.id}/impor", {}),
        "import check": ("POST", f"/kelola/kuis/{quiz.id}/impor", {"format": "gift", "text": GIFT}),
        "import save": ("POST", f"/kelola/kuis/{quiz.id}/impor/simpan", {"format": "gift", "text": GIFT}),
        "item analysis": ("GET", f"/kelola/kuis/{quiz.id}/analisis", {}),
        "course history": ("GET", f"/kelola/kursus/{course.id}/riwayat", {}),
        "module history": ("GET", f"/kelola/modul/{module.id}/riwayat", {}),
        "lesson history": ("GET", f"/kelola/pelajaran/{lesson.id}/riwayat", {}),
        "quiz history": ("GET", f"/kelola/kuis/{quiz.id}/riwayat", {}),
        "a revision": ("GET", f"/kelola/revisi/{revision.id}", {}),
        "restoring it": ("POST", f"/kelola/revisi/{revision.id}/pulihkan", {}),
    }


def revisions_of(lesson_id: int) -> list[Revision]:
    """The lesson's revisions, oldest first."""
    return list(db.session.scalars(
        select(Revision).where(Revision.entity_type == "lesson", Revision.entity_id == lesson_id)
        .order_by(Revision.id)))


def test_a_trainer_cannot_open_or_change_another_trainers_draft(app, world):
    trainer = world.users[TRAINER]
    before = draft_state(world.other_course.id)
    requests = draft_requests(world, trainer)
    client = client_as(app, trainer)
    got = {name: fetch(client, method, url, data=data).status_code for name, (method, url, data) in requests.items()}
    assert got == dict.fromkeys(requests, 403)
    assert draft_state(world.other_course.id) == before


def test_the_drafts_owner_gets_every_one_of_those_pages(app, world):
    owner = world.other_course.owners[0]
    client = client_as(app, owner)
    pages = {name: url for name, (method, url, _data) in draft_requests(world, owner).items() if method == "GET"}
    got = {name: fetch(client, "GET", url).status_code for name, url in pages.items()}
    assert got == {name: 302 if name == "new quiz page" else 200 for name in pages}


def test_a_trainer_cannot_preview_another_trainers_draft_as_a_learner(app, world):
    course = world.other_course
    module, lesson = course.modules[0], course.modules[0].lessons[0]
    client = client_as(app, world.users[TRAINER])
    for url in (f"/kursus/{course.slug}", _lesson_url(course, module, lesson), f"/kuis/{module.quiz.id}"):
        response = fetch(client, "GET", url)
        assert response.status_code == 404, url
        assert course.title not in response.get_data(as_text=True)
    assert course.title not in fetch(client, "GET", "/kelola/").get_data(as_text=True)
    assert course.title not in fetch(client, "GET", "/kursus").get_data(as_text=True)


# --------------------------------------------------------------------------- drafts and trainees


@pytest.fixture
def partly_drafted(world) -> Course:
    """A published course with a draft module and, in its first module, a draft lesson."""
    course = make_course(slug="sebagian-draf", modules=2, lessons=2)
    course.modules[1].status = Status.DRAFT
    course.modules[0].lessons[1].status = Status.DRAFT
    course.modules[0].lessons[1].title = "Pelajaran rahasia"
    course.modules[1].title = "Modul rahasia"
    course.modules[1].quiz.title = "Kuis rahasia"
    db.session.commit()
    progress.enroll(world.users[TRAINEE], course)
    db.session.commit()
    return course


def _lesson_url(course: Course, module: Module, lesson: Lesson) -> str:
    return f"/kursus/{course.slug}/{module.slug}/{lesson.slug}"


def hidden_pages(world: World, course: Course) -> dict[str, tuple[str, str, str]]:
    """Draft content a trainee must not reach: (method, url, a title that must not show)."""
    draft = world.other_course
    draft_module, open_module, closed_module = draft.modules[0], course.modules[0], course.modules[1]
    draft_lesson = _lesson_url(course, open_module, open_module.lessons[1])
    return {
        "draft course": ("GET", f"/kursus/{draft.slug}", draft.title),
        "enrolling in it": ("POST", f"/kursus/{draft.slug}/daftar", draft.title),
        "lesson of a draft course": ("GET", _lesson_url(draft, draft_module, draft_module.lessons[0]),
                                     draft_module.lessons[0].title),
        "completing it": ("POST", _lesson_url(draft, draft_module, draft_module.lessons[0]) + "/selesai", draft.title),
        "quiz of a draft course": ("GET", f"/kuis/{draft_module.quiz.id}", draft_module.quiz.title),
        "starting the draft course's quiz": ("POST", f"/kuis/{draft_module.quiz.id}/mulai", draft_module.quiz.title),
        "draft lesson of a published course": ("GET", draft_lesson, "Pelajaran rahasia"),
        "completing the draft lesson": ("POST", draft_lesson + "/selesai", "Pelajaran rahasia"),
        "lesson of a draft module": ("GET", _lesson_url(course, closed_module, closed_module.lessons[0]),
                                     "Modul rahasia"),
        "quiz of a draft module": ("GET", f"/kuis/{closed_module.quiz.id}", "Kuis rahasia"),
        "starting the draft module's quiz": ("POST", f"/kuis/{closed_module.quiz.id}/mulai", "Kuis rahasia"),
    }


def _progress_rows(user_id: int) -> tuple[int, int, int]:
    return (db.session.scalar(select(func.count(Enrollment.id)).where(Enrollment.user_id == user_id)),
            db.session.scalar(select(func.count(LessonCompletion.id)).where(LessonCompletion.user_id == user_id)),
            db.session.scalar(select(func.count(Attempt.id)).where(Attempt.user_id == user_id)))


def test_a_trainee_cannot_see_draft_courses_modules_lessons_or_quizzes(app, world, partly_drafted):
    trainee = world.users[TRAINEE]
    before = _progress_rows(trainee.id)
    client = client_as(app, trainee)
    got, leaks = {}, []
    for name, (method, url, secret) in hidden_pages(world, partly_drafted).items():
        response = fetch(client, method, url)
        got[name] = response.status_code
        if secret in response.get_data(as_text=True):
            leaks.append(name)
    # The draft course the trainee is not enrolled in is as good as missing; the draft parts of the
    # course they are enrolled in answer "sedang diperbarui", still without the drafts' titles.
    enrolled_parts = {name for name in got if "draft course" not in name and "completing it" != name
                      and name != "enrolling in it"}
    assert {name: code for name, code in got.items() if name not in enrolled_parts} == dict.fromkeys(
        set(got) - enrolled_parts, 404)
    assert {name: got[name] for name in enrolled_parts} == dict.fromkeys(enrolled_parts, 200)
    assert not leaks, "draft titles shown on: " + ", ".join(leaks)
    assert _progress_rows(trainee.id) == before
    catalog = fetch(client, "GET", "/kursus").get_data(as_text=True)
    course_page = fetch(client, "GET", f"/kursus/{partly_drafted.slug}").get_data(as_text=True)
    assert world.other_course.title not in catalog
    assert "Pelajaran rahasia" not in course_page and "Modul rahasia" not in course_page


def test_the_owner_previews_what_trainees_cannot_see(app, world, partly_drafted):
    partly_drafted.owners.append(world.users[TRAINER])
    db.session.commit()
    client = client_as(app, world.users[TRAINER])
    module = partly_drafted.modules[0]
    assert fetch(client, "GET", _lesson_url(partly_drafted, module, module.lessons[1])).status_code == 200
    assert "Modul rahasia" in fetch(client, "GET", f"/kursus/{partly_drafted.slug}").get_data(as_text=True)
