"""Revisions: every change is kept, history shows who changed what, and earlier states can be restored."""
from __future__ import annotations

import re

from sqlalchemy import select

from app.accounts.models import Role
from app.catalog.models import Revision, Status
from app.extensions import db
from app.progress.models import LessonCompletion
from app.quizzes.models import Answer, Attempt, Question
from tests.factories import make_course


def marked(page: str, tag: str) -> list[str]:
    """The words a revision page marks as removed (del) or added (ins), without the screen reader notes."""
    found = re.findall(rf"<{tag}>(.*?)</{tag}>", page, flags=re.S)
    return [re.sub(r'<span class="visually-hidden">.*?</span>', "", text).strip() for text in found]


def _lesson_form(lesson, **changes):
    data = {"title": lesson.title, "slug": lesson.slug, "minutes": str(lesson.minutes),
            "objectives": "\n".join(lesson.objectives), "sources": "\n".join(lesson.sources), "body": lesson.body_md,
            "submit": "1"}
    data.update(changes)
    return data


def _revisions(entity_type, entity_id):
    return list(db.session.scalars(select(Revision).where(Revision.entity_type == entity_type, Revision.entity_id == entity_id)
                                   .order_by(Revision.id)))


def _owner_and_course(make_user, login_as, **course_args):
    trainer = make_user(Role.TRAINER, "64", full_name="Rahmat Pelatih")
    course = make_course(owners=[trainer], **course_args)
    login_as(trainer)
    return trainer, course


def test_lesson_edit_keeps_progress_and_is_restored(client, make_user, login_as):
    trainer, course = _owner_and_course(make_user, login_as)
    lesson = course.modules[0].lessons[0]
    trainee = make_user(Role.TRAINEE)
    db.session.add(LessonCompletion(user_id=trainee.id, lesson_id=lesson.id))
    db.session.commit()
    lesson_id, original = lesson.id, lesson.body_md

    client.post(f"/kelola/pelajaran/{lesson_id}", data=_lesson_form(lesson, body="Isi baru 5 < 6 ulang.", title="Judul Baru"))
    db.session.expire_all()
    assert lesson.id == lesson_id and lesson.body_md == "Isi baru 5 < 6 ulang." and lesson.status == Status.PUBLISHED
    assert db.session.scalar(select(LessonCompletion.lesson_id)) == lesson_id  # progress stays attached
    history = _revisions("lesson", lesson_id)
    # Content loaded from files had no history: its state before the first edit is kept as #1.
    assert [r.summary for r in history] == ["keadaan sebelum diubah di peramban", "judul, isi"]
    assert history[0].snapshot["body_md"] == original and history[1].author_id == trainer.id

    page = client.get(f"/kelola/pelajaran/{lesson_id}/riwayat").get_data(as_text=True)
    assert "Rahmat Pelatih" in page and "judul, isi" in page and "#2" in page
    page = client.get(f"/kelola/revisi/{history[0].id}").get_data(as_text=True)
    # Revision #1 against now, word by word and escaped: "Isi pelajaran 1.1." became "Isi baru 5 < 6 ulang."
    assert marked(page, "del") == ["Pelajaran 1.1", "pelajaran 1.1."]
    assert marked(page, "ins") == ["Judul Baru", "baru 5 &lt; 6 ulang."]
    assert "Pulihkan revisi ini" in page and "Status: terbit" in page and f"{course.title}</a>" in page
    # Revision #2 shows what it changed, against #1.
    page = client.get(f"/kelola/revisi/{history[1].id}").get_data(as_text=True)
    assert "Yang diubah revisi ini" in page and marked(page, "ins") == ["Judul Baru", "baru 5 &lt; 6 ulang."]

    assert client.post(f"/kelola/revisi/{history[0].id}/pulihkan").status_code == 302
    db.session.expire_all()
    assert lesson.body_md == original and lesson.title == "Pelajaran 1.1" and lesson.id == lesson_id
    latest = _revisions("lesson", lesson_id)[-1]
    assert latest.summary == "dipulihkan dari revisi #1" and latest.snapshot["body_md"] == original
    assert "Pulihkan revisi ini" not in client.get(f"/kelola/revisi/{latest.id}").get_data(as_text=True)


def _answer(quiz, user, question, choice_ids, correct, percent):
    attempt = Attempt(quiz_id=quiz.id, user_id=user.id, number=1, status="submitted", percent=percent, score=0, max_score=1)
    attempt.answers = [Answer(question_id=question.id, response=[str(c) for c in choice_ids], correct=correct, score=0, max_score=1)]
    db.session.add(attempt)
    db.session.commit()


def test_quiz_restore_brings_back_questions_and_keeps_ids(client, make_user, login_as):
    trainer, course = _owner_and_course(make_user, login_as)
    quiz = course.modules[0].quiz
    single = next(q for q in quiz.questions if q.key == "single")
    ids = {q.key: q.id for q in quiz.questions}
    choice_ids = [c.id for c in single.choices]
    _answer(quiz, make_user(Role.TRAINEE), single, [choice_ids[1]], True, 100.0)

    edit = {"type": "single", "text": "Soal diganti", "explanation": "Baru.", "key": "single", "points": "1",
            "choices-0-key": single.choices[0].key, "choices-0-text": "Pilihan A baru", "choices-0-correct": "y",
            "choices-1-key": single.choices[1].key, "choices-1-text": "Pilihan B baru",
            "choices-2-key": single.choices[2].key, "choices-2-text": ""}
    assert client.post(f"/kelola/soal/{single.id}", data=edit).status_code == 302
    db.session.expire_all()
    assert [c.id for c in single.choices] == choice_ids[:2]  # edited in place; the emptied row is dropped
    assert client.post(f"/kelola/soal/{ids['tf']}/hapus").status_code == 302
    assert db.session.get(Question, ids["tf"]) is None

    history = _revisions("quiz", quiz.id)
    assert [r.summary for r in history] == ["keadaan sebelum diubah di peramban", "soal diubah: single",
                                            "soal dihapus: tf"]
    assert client.post(f"/kelola/revisi/{history[0].id}/pulihkan").status_code == 302
    db.session.expire_all()
    assert [q.key for q in quiz.questions] == ["single", "multi", "tf", "short"]
    assert {q.key: q.id for q in quiz.questions if q.key != "tf"} == {k: v for k, v in ids.items() if k != "tf"}
    assert single.text == "Soal single?" and [c.id for c in single.choices][:2] == choice_ids[:2]
    assert [c.text for c in single.choices] == ["Pilihan single-0", "Pilihan single-1", "Pilihan single-2"]
    assert [c.correct for c in single.choices] == [False, True, False]
    tf = next(q for q in quiz.questions if q.key == "tf")
    assert [(c.key, c.correct) for c in tf.choices] == [("true", True), ("false", False)]
    assert db.session.scalar(select(Answer.question_id)) == single.id  # answers stay attached
    assert _revisions("quiz", quiz.id)[-1].summary == "dipulihkan dari revisi #1"
    page = client.get(f"/kelola/kuis/{quiz.id}/analisis").get_data(as_text=True)
    assert "Pilihan single-1" in page and "100%" in page


def test_reordering_swaps_neighbours_and_sticks(client, make_user, login_as):
    _, course = _owner_and_course(make_user, login_as, modules=3, lessons=3)
    module = course.modules[0]
    first, second, third = module.lessons
    assert client.post(f"/kelola/pelajaran/{third.id}/naik").status_code == 302
    assert client.post(f"/kelola/pelajaran/{first.id}/naik").status_code == 302  # already first: nothing moves
    db.session.expire_all()
    assert [lesson.id for lesson in module.lessons] == [first.id, third.id, second.id]
    assert [lesson.position for lesson in module.lessons] == [0, 1, 2]

    modules = [m.id for m in course.modules]
    client.post(f"/kelola/modul/{modules[0]}/turun")
    db.session.expire_all()
    assert [m.id for m in course.modules] == [modules[1], modules[0], modules[2]]
    assert [m.position for m in course.modules] == [0, 1, 2]

    quiz = course.modules[0].quiz
    keys = [q.key for q in quiz.questions]
    client.post(f"/kelola/soal/{quiz.questions[3].id}/naik")
    db.session.expire_all()
    assert [q.key for q in quiz.questions] == keys[:2] + [keys[3], keys[2]]
    # The order shows on the pages trainers read, and the change is in the history.
    page = client.get(f"/kelola/kursus/{course.id}").get_data(as_text=True)
    assert page.index(third.title) < page.index(second.title)
    assert "urutan pelajaran" in client.get(f"/kelola/modul/{module.id}/riwayat").get_data(as_text=True)
    assert _revisions("quiz", quiz.id)[-1].summary == "urutan soal"


def test_positions_stay_contiguous_after_deleting_a_question(client, make_user, login_as):
    _, course = _owner_and_course(make_user, login_as)
    quiz = course.modules[0].quiz
    client.post(f"/kelola/soal/{quiz.questions[1].id}/hapus")
    db.session.expire_all()
    assert [q.position for q in quiz.questions] == [0, 1, 2]


def test_status_buttons_publish_and_unpublish(client, make_user, login_as):
    _, course = _owner_and_course(make_user, login_as, status=Status.DRAFT)
    lesson = course.modules[0].lessons[0]
    client.post(f"/kelola/kursus/{course.id}/status/terbit")
    client.post(f"/kelola/pelajaran/{lesson.id}/status/draf")
    db.session.expire_all()
    assert course.status == Status.PUBLISHED and lesson.status == Status.DRAFT
    assert [r.summary for r in _revisions("lesson", lesson.id)][-1] == "status"
    page = client.get(f"/kelola/kursus/{course.id}").get_data(as_text=True)
    assert "Jadikan draf" in page and "Terbitkan" in page
