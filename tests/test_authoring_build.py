"""A trainer builds a course from nothing through the web forms, publishes it, and a trainee can use it."""
from __future__ import annotations

from sqlalchemy import select

from app.accounts.models import Role
from app.catalog.models import Course, Lesson, Module, Revision, Status
from app.extensions import db
from app.progress.models import Enrollment, LessonCompletion
from app.quizzes.models import Quiz


def _choices(*rows):
    """Form data for the fixed choice rows: (text, correct, feedback) per row, the rest left empty."""
    data = {}
    for index, (text, correct, feedback) in enumerate(rows):
        data[f"choices-{index}-text"] = text
        data[f"choices-{index}-feedback"] = feedback
        if correct:
            data[f"choices-{index}-correct"] = "y"
    return data


COURSE_FORM = {"title": "Literasi Digital KIM", "slug": "", "summary": "Kursus singkat literasi digital.",
               "audience": "Anggota KIM", "hours": "3", "sequential": "y", "sources": "Laporan Workshop KIM 2023\n\n"}
LESSON_FORM = {"title": "Mengenali Hoaks", "slug": "", "minutes": "12",
               "objectives": "Mengenali ciri hoaks.\nMemeriksa sumber.", "sources": "Laporan Workshop KIM 2023",
               "body": "## Ciri hoaks\n\nJudul **provokatif** dan sumber tidak jelas.", "submit": "1"}


def build_course(client) -> Course:
    """Drive every authoring form from an empty database; return the course."""
    response = client.post("/kelola/kursus/baru", data=COURSE_FORM)
    assert response.status_code == 302
    course = db.session.scalar(select(Course))
    assert course.slug == "literasi-digital-kim" and course.sources == ["Laporan Workshop KIM 2023"]
    assert client.post(f"/kelola/kursus/{course.id}/modul/baru", data={"title": "Hoaks dan Fakta", "slug": ""}).status_code == 302
    module = db.session.scalar(select(Module))
    assert client.post(f"/kelola/modul/{module.id}/pelajaran/baru", data=LESSON_FORM).status_code == 302
    lesson = db.session.scalar(select(Lesson))
    assert lesson.objectives == ["Mengenali ciri hoaks.", "Memeriksa sumber."] and lesson.minutes == 12
    assert client.post(f"/kelola/modul/{module.id}/kuis/baru",
                       data={"title": "Kuis Hoaks", "pass_mark": "60", "max_attempts": ""}).status_code == 302
    quiz = db.session.scalar(select(Quiz))
    assert quiz.max_attempts is None and quiz.pass_mark == 60
    build_quiz_questions(client, quiz.id)
    return course


def build_quiz_questions(client, quiz_id: int) -> None:
    """One question of each of the four types, through the question form."""
    questions = [
        {"type": "single", "text": "Ciri hoaks yang paling umum?", "explanation": "Judul provokatif.", "points": "1",
         **_choices(("Judul provokatif", True, "Tepat."), ("Sumber resmi", False, "Belum tepat."), ("", False, ""))},
        {"type": "multiple", "scoring": "all_or_nothing", "text": "Langkah memeriksa berita?", "explanation": "Keduanya.",
         "points": "2", **_choices(("Cek sumber", True, ""), ("Cek tanggal", True, ""), ("Langsung sebar", False, "Jangan."))},
        {"type": "truefalse", "tf_answer": "false", "tf_feedback_false": "Benar, tidak semua.", "points": "1",
         "text": "Semua berita viral itu benar.", "explanation": "Viral tidak sama dengan benar."},
        {"type": "short", "text": "Singkatan KIM?", "explanation": "Kelompok Informasi Masyarakat.", "points": "1",
         "accepted": "Kelompok Informasi Masyarakat\n\nKelompok Informasi Warga"},
    ]
    for data in questions:
        response = client.post(f"/kelola/kuis/{quiz_id}/soal/baru", data=data)
        assert response.status_code == 302, response.get_data(as_text=True)


def test_trainer_builds_and_publishes_a_course(client, make_user, login_as):
    trainer = make_user(Role.TRAINER, "64")
    login_as(trainer)
    course = build_course(client)
    assert [owner.id for owner in course.owners] == [trainer.id]
    quiz = db.session.scalar(select(Quiz))
    by_type = {question.type: question for question in quiz.questions}
    assert [question.type for question in quiz.questions] == ["single", "multiple", "truefalse", "short"]
    assert [(c.text, c.correct, c.feedback) for c in by_type["single"].choices] == [
        ("Judul provokatif", True, "Tepat."), ("Sumber resmi", False, "Belum tepat.")]
    assert by_type["multiple"].scoring == "all_or_nothing" and by_type["multiple"].points == 2
    assert [(c.key, c.correct, c.feedback) for c in by_type["truefalse"].choices] == [
        ("true", False, ""), ("false", True, "Benar, tidak semua.")]
    assert by_type["short"].accepted == ["Kelompok Informasi Masyarakat", "Kelompok Informasi Warga"]

    # Everything a trainer makes starts as a draft; one button publishes the lot.
    module, lesson = course.modules[0], course.modules[0].lessons[0]
    assert {course.status, module.status, lesson.status} == {Status.DRAFT}
    page = client.get(f"/kelola/kursus/{course.id}").get_data(as_text=True)
    assert "Mengenali Hoaks" in page and "Kuis Hoaks" in page and "4 soal" in page
    assert client.post(f"/kelola/kursus/{course.id}/terbitkan-semua").status_code == 302
    db.session.expire_all()
    assert {course.status, module.status, lesson.status} == {Status.PUBLISHED}
    kinds = set(db.session.scalars(select(Revision.entity_type)))
    assert kinds == {"course", "module", "lesson", "quiz"}


def _publish(client, course_id):
    assert client.post(f"/kelola/kursus/{course_id}/terbitkan-semua").status_code == 302


def test_trainee_completes_the_course_built_in_the_browser(client, app, make_user, login_as):
    login_as(make_user(Role.TRAINER, "64"))
    course = build_course(client)
    _publish(client, course.id)
    module, lesson, quiz = course.modules[0], course.modules[0].lessons[0], course.modules[0].quiz
    trainee = app.test_client()
    student = make_user(Role.TRAINEE, "64.02")
    login_as(student, the_client=trainee)

    assert "Literasi Digital KIM" in trainee.get("/kursus").get_data(as_text=True)
    assert trainee.post(f"/kursus/{course.slug}/daftar").status_code == 302
    lesson_url = f"/kursus/{course.slug}/{module.slug}/{lesson.slug}"
    page = trainee.get(lesson_url).get_data(as_text=True)
    assert "<h2>Ciri hoaks</h2>" in page and "<strong>provokatif</strong>" in page and "Memeriksa sumber." in page
    assert trainee.post(f"{lesson_url}/selesai").status_code == 302

    started = trainee.post(f"/kuis/{quiz.id}/mulai")
    assert started.status_code == 302
    take_url = started.headers["Location"]
    assert "Ciri hoaks yang paling umum?" in trainee.get(take_url).get_data(as_text=True)
    by_type = {question.type: question for question in quiz.questions}
    right = lambda question, *texts: [str(c.id) for c in question.choices if c.text in texts]  # noqa: E731
    answers = {
        f"q-{by_type['single'].id}": right(by_type["single"], "Judul provokatif"),
        f"q-{by_type['multiple'].id}": right(by_type["multiple"], "Cek sumber", "Cek tanggal"),
        f"q-{by_type['truefalse'].id}": [str(next(c.id for c in by_type["truefalse"].choices if c.key == "false"))],
        f"q-{by_type['short'].id}": ["kelompok informasi warga."],
    }
    submitted = trainee.post(f"{take_url}/kirim", data=answers)
    assert submitted.status_code == 302
    result = trainee.get(submitted.headers["Location"]).get_data(as_text=True)
    assert "Tepat." in result and "Viral tidak sama dengan benar." in result

    enrollment = db.session.scalar(select(Enrollment).where(Enrollment.user_id == student.id))
    assert enrollment.completed_at is not None and enrollment.best_score_percent == 100
    assert enrollment.lessons_completed == 1

    # The trainer corrects the published lesson: edited in place, the trainee keeps the completion.
    assert client.post(f"/kelola/pelajaran/{lesson.id}", data={**LESSON_FORM, "body": "Isi yang diperbaiki."}).status_code == 302
    assert db.session.scalar(select(LessonCompletion.lesson_id).where(LessonCompletion.user_id == student.id)) == lesson.id
    assert "Isi yang diperbaiki." in trainee.get(lesson_url).get_data(as_text=True)
    db.session.expire_all()
    assert enrollment.completed_at is not None and enrollment.lessons_completed == 1


def test_draft_content_stays_invisible_to_trainees(client, app, make_user, login_as):
    login_as(make_user(Role.TRAINER, "64"))
    course = build_course(client)
    module, lesson, quiz = course.modules[0], course.modules[0].lessons[0], course.modules[0].quiz
    course_url, lesson_url = f"/kursus/{course.slug}", f"/kursus/{course.slug}/{module.slug}/{lesson.slug}"
    trainee = app.test_client()
    login_as(make_user(Role.TRAINEE), the_client=trainee)

    # Everything a trainer makes starts as a draft.
    assert "Literasi Digital KIM" not in trainee.get("/kursus").get_data(as_text=True)
    assert trainee.get(course_url).status_code == 404
    assert trainee.get(lesson_url).status_code == 404

    client.post(f"/kelola/kursus/{course.id}/status/terbit")
    assert trainee.post(f"{course_url}/daftar").status_code == 302
    page = trainee.get(course_url).get_data(as_text=True)
    assert "Literasi Digital KIM" in page and "Hoaks dan Fakta" not in page
    # Enrolled, the trainee is told the draft module is being updated, without its title.
    page = trainee.get(lesson_url).get_data(as_text=True)
    assert "Modul ini sedang diperbarui" in page and "Hoaks dan Fakta" not in page and "Mengenali Hoaks" not in page
    assert "Modul ini sedang diperbarui" in trainee.get(f"/kuis/{quiz.id}").get_data(as_text=True)

    client.post(f"/kelola/modul/{module.id}/status/terbit")
    assert "Hoaks dan Fakta" in trainee.get(course_url).get_data(as_text=True)
    page = trainee.get(lesson_url).get_data(as_text=True)  # the lesson itself is still a draft
    assert "Pelajaran ini sedang diperbarui" in page and "Mengenali Hoaks" not in page
    assert "Mengenali Hoaks" not in trainee.get(course_url).get_data(as_text=True)

    client.post(f"/kelola/pelajaran/{lesson.id}/status/terbit")
    assert trainee.get(lesson_url).status_code == 200
    assert trainee.get(f"/kuis/{quiz.id}").status_code == 200

    client.post(f"/kelola/pelajaran/{lesson.id}/status/draf", data={"konfirmasi": "1"})
    assert "Pelajaran ini sedang diperbarui" in trainee.get(lesson_url).get_data(as_text=True)
    client.post(f"/kelola/kursus/{course.id}/status/draf", data={"konfirmasi": "1"})
    assert "sedang diperbarui" in trainee.get(course_url).get_data(as_text=True)
    outsider = app.test_client()
    login_as(make_user(Role.TRAINEE), the_client=outsider)
    assert outsider.get(course_url).status_code == 404  # not enrolled: the draft is as good as missing
    # The trainer who owns it can still preview the draft on the learning pages.
    assert client.get(lesson_url).status_code == 200


def test_course_page_warns_what_would_stop_trainees(client, make_user, login_as):
    login_as(make_user(Role.TRAINER, "64"))
    assert client.post("/kelola/kursus/baru", data=COURSE_FORM).status_code == 302
    course = db.session.scalar(select(Course))
    client.post(f"/kelola/kursus/{course.id}/status/terbit")
    assert "belum ada modul yang terbit" in client.get(f"/kelola/kursus/{course.id}").get_data(as_text=True)
    client.post(f"/kelola/kursus/{course.id}/modul/baru", data={"title": "Hoaks dan Fakta", "slug": ""})
    module = db.session.scalar(select(Module))
    client.post(f"/kelola/modul/{module.id}/kuis/baru", data={"title": "Kuis", "pass_mark": "70", "max_attempts": "3"})
    client.post(f"/kelola/modul/{module.id}/status/terbit")
    page = client.get(f"/kelola/kursus/{course.id}").get_data(as_text=True)
    assert "Modul Hoaks dan Fakta terbit tanpa pelajaran yang terbit." in page
    assert "Kuis modul Hoaks dan Fakta belum punya soal" in page
    build_quiz_questions(client, module.quiz.id)
    client.post(f"/kelola/modul/{module.id}/pelajaran/baru", data=LESSON_FORM)
    _publish(client, course.id)
    assert "flash-warning" not in client.get(f"/kelola/kursus/{course.id}").get_data(as_text=True)
