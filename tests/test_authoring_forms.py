"""The authoring forms refuse bad input with a clear Indonesian message and change nothing."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from app.accounts.models import Role
from app.catalog.models import Lesson, Revision
from app.extensions import db
from app.quizzes.models import Question
from tests.factories import make_course


@pytest.fixture
def course(client, make_user, login_as):
    trainer = make_user(Role.TRAINER, "64")
    login_as(trainer)
    return make_course(owners=[trainer], modules=2)


def _revision_count():
    return db.session.scalar(select(func.count(Revision.id)))


def _question(**fields):
    data = {"type": "single", "text": "Soal?", "explanation": "Karena.", "points": "1"}
    data.update(fields)
    return data


QUESTION_ERRORS = [
    (_question(**{"choices-0-text": "A", "choices-0-correct": "y", "choices-1-text": "B", "choices-1-correct": "y"}),
     "tepat satu pilihan benar"),
    (_question(**{"choices-0-text": "A", "choices-0-correct": "y"}), "minimal dua pilihan"),
    (_question(type="multiple", **{"choices-0-text": "A", "choices-1-text": "B"}), "minimal punya satu pilihan benar"),
    (_question(**{"choices-0-text": "A", "choices-0-correct": "y", "choices-1-text": "B", "choices-2-feedback": "?"}),
     "teksnya kosong"),
    (_question(type="truefalse"), "Pilih apakah pernyataan ini Benar atau Salah."),
    (_question(type="truefalse", tf_answer="true", **{"choices-0-text": "A"}), "kosongkan baris pilihan"),
    (_question(type="short", accepted="\n  \n"), "minimal satu jawaban yang diterima"),
    (_question(type="short", accepted="KIM", explanation=""), "Penjelasan wajib diisi."),
    (_question(type="short", accepted="KIM", points="0"), "Bobot harus lebih dari 0."),
    (_question(type="short", accepted="KIM", points="satu"), "Isi dengan angka"),
    (_question(type="short", accepted="KIM", points="nan"), "Isi dengan angka"),
    (_question(type="short", accepted="KIM", points="inf"), "Isi dengan angka"),
    (_question(type="short", accepted="KIM", points="-1"), "Bobot harus lebih dari 0."),
    (_question(type="short", accepted="KIM", tags="pelajaran-1, Topik Dua"), "Tag hanya boleh huruf kecil"),
    (_question(type="short", accepted="KIM", key="Kunci Salah"), "Slug hanya boleh huruf kecil"),
    (_question(type="short", accepted="KIM", key="single"), "Kunci soal single sudah dipakai"),
    (_question(type="essay", accepted="KIM"), "Pilih jenis soal dari daftar."),
    (_question(type="multiple", scoring="semua", **{"choices-0-text": "A", "choices-0-correct": "y", "choices-1-text": "B"}),
     "Pilih cara menilai dari daftar."),
    (_question(type="short", accepted="KIM", text="x" * 10, key="k" * 81), "Paling banyak 80 karakter."),
]


@pytest.mark.parametrize("data, message", QUESTION_ERRORS)
def test_question_rules_mirror_the_course_file_checker(client, course, data, message):
    quiz = course.modules[0].quiz
    before = _revision_count()
    response = client.post(f"/kelola/kuis/{quiz.id}/soal/baru", data=data)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Question.id)).where(Question.quiz_id == quiz.id)) == 4
    assert _revision_count() == before


def test_points_accept_a_decimal_comma(client, course):
    quiz = course.modules[0].quiz
    client.post(f"/kelola/kuis/{quiz.id}/soal/baru", data=_question(type="short", accepted="KIM", points="1,5"))
    assert quiz.questions[-1].points == 1.5 and quiz.questions[-1].key == "soal"


LESSON = {"title": "Judul", "slug": "", "minutes": "10", "objectives": "Tujuan.", "sources": "Sumber.", "body": "Isi.",
          "submit": "1"}


@pytest.mark.parametrize("change, message", [
    ({"minutes": "sepuluh"}, "Isi dengan bilangan bulat"),
    ({"minutes": "0"}, "Durasi minimal 1 menit."),
    ({"body": "   "}, "Isi pelajaran tidak boleh kosong."),
    ({"objectives": "\n"}, "Tulis minimal satu tujuan pembelajaran."),
    ({"sources": ""}, "Tulis minimal satu sumber."),
    ({"title": ""}, "Judul wajib diisi."),
    ({"slug": "Bukan Slug"}, "Slug hanya boleh huruf kecil"),
    ({"slug": "pelajaran-2"}, "Slug pelajaran-2 sudah dipakai pelajaran lain"),
    ({"title": "!!!", "slug": ""}, "isi slug sendiri"),
])
def test_lesson_form_refuses_bad_input(client, course, change, message):
    lesson = course.modules[0].lessons[0]
    response = client.post(f"/kelola/pelajaran/{lesson.id}", data={**LESSON, **change})
    assert message in response.get_data(as_text=True)
    db.session.expire_all()
    assert lesson.title == "Pelajaran 1.1" and lesson.body_md == "Isi pelajaran 1.1."
    assert _revision_count() == 0


def test_preview_renders_the_body_and_saves_nothing(client, course):
    lesson = course.modules[0].lessons[0]
    data = {**LESSON, "title": "", "body": "## Subjudul\n\nTeks **tebal** <script>alert(1)</script>", "preview": "1"}
    del data["submit"]
    page = client.post(f"/kelola/pelajaran/{lesson.id}", data=data).get_data(as_text=True)
    preview = page.split("Pratinjau (belum disimpan)", 1)[1]
    assert "<h2>Subjudul</h2>" in preview and "<strong>tebal</strong>" in preview
    assert "<script>" not in page and "alert(1)" not in preview
    assert "## Subjudul" in page  # the form keeps what was typed
    db.session.expire_all()
    assert lesson.body_md == "Isi pelajaran 1.1." and _revision_count() == 0
    assert client.post(f"/kelola/modul/{course.modules[0].id}/pelajaran/baru", data=data).status_code == 200
    assert db.session.scalar(select(func.count(Lesson.id))) == 4


@pytest.mark.parametrize("change, message", [
    ({"hours": "0"}, "Jam pelajaran minimal 1."),
    ({"hours": ""}, "Jam pelajaran wajib diisi."),
    ({"sources": " \n "}, "Tulis minimal satu sumber."),
    ({"slug": "-awal"}, "Slug hanya boleh huruf kecil"),
])
def test_course_form_refuses_bad_input(client, course, change, message):
    data = {"title": "Baru", "slug": "baru", "summary": "", "audience": "", "hours": "2", "sources": "S", **change}
    assert message in client.post("/kelola/kursus/baru", data=data).get_data(as_text=True)
    assert client.post(f"/kelola/kursus/{course.id}/ubah", data={**data, "slug": course.slug, **change}).status_code == 200


def test_course_slug_must_be_unique(client, course):
    data = {"title": "Lain", "slug": course.slug, "summary": "", "audience": "", "hours": "2", "sources": "S"}
    assert f"Slug {course.slug} sudah dipakai kursus lain." in client.post("/kelola/kursus/baru", data=data).get_data(as_text=True)


def test_quiz_settings_refuse_bad_values(client, course):
    quiz = course.modules[0].quiz
    page = client.post(f"/kelola/kuis/{quiz.id}/ubah", data={"title": "K", "pass_mark": "150", "max_attempts": "0"}).get_data(as_text=True)
    assert "Nilai lulus harus 1 sampai 100." in page and "Batas percobaan minimal 1" in page
    db.session.expire_all()
    assert quiz.pass_mark == 70


QUIZ = {"title": "Kuis", "pass_mark": "70", "max_attempts": "3", "review": "after_pass", "draw": "", "draw_per_tag": ""}


@pytest.mark.parametrize("change, message", [
    ({"draw": "5"}, "Soal per percobaan harus antara 1 dan 4 (jumlah soal kuis ini)."),
    ({"draw": "0"}, "Soal per percobaan minimal 1"),
    ({"draw": "3", "draw_per_tag": "pelajaran-1: 2"}, "Tag pelajaran-1 diminta 2 soal, tetapi hanya 0 soal memakai tag itu."),
    ({"draw": "2", "draw_per_tag": "a: 1\nb: 2"}, "Jumlah soal per tag (3) melebihi soal per percobaan (2)."),
    ({"draw_per_tag": "a: 1"}, "Soal per tag hanya berlaku bila soal per percobaan diisi."),
    ({"draw": "3", "draw_per_tag": "a dua"}, "Tulis satu tag per baris dengan jumlahnya"),
    ({"draw": "3", "draw_per_tag": "a: 0"}, "Tulis satu tag per baris dengan jumlahnya"),
    ({"review": "kadang"}, "Pilih salah satu pilihan tinjauan."),
])
def test_pool_settings_that_do_not_fit_the_questions_are_refused(client, course, change, message):
    quiz = course.modules[0].quiz
    before = _revision_count()
    page = client.post(f"/kelola/kuis/{quiz.id}/ubah", data={**QUIZ, **change}).get_data(as_text=True)
    assert message in page
    db.session.expire_all()
    assert (quiz.draw, quiz.draw_per_tag, quiz.review) == (None, {}, "after_pass") and _revision_count() == before


def test_a_trainer_tags_questions_and_sets_a_pool_and_review_in_the_editor(client, course):
    quiz = course.modules[0].quiz
    for question in quiz.questions[:2]:
        page = client.get(f"/kelola/soal/{question.id}").get_data(as_text=True)
        assert 'name="tags"' in page
    single = quiz.questions[0]
    client.post(f"/kelola/soal/{single.id}", data=_question(
        tags="pelajaran-1, umum", **{"choices-0-text": "A", "choices-0-correct": "y", "choices-1-text": "B"}, key="single"))
    db.session.expire_all()
    assert single.tags == ["pelajaran-1", "umum"]
    response = client.post(f"/kelola/kuis/{quiz.id}/ubah", data={**QUIZ, "review": "always", "draw": "3",
                                                                "draw_per_tag": "pelajaran-1 : 1\n"})
    assert response.status_code == 302
    db.session.expire_all()
    assert (quiz.review, quiz.draw, quiz.draw_per_tag) == ("always", 3, {"pelajaran-1": 1})
    page = client.get(f"/kelola/kuis/{quiz.id}").get_data(as_text=True)
    assert "3 dari 4 soal diambil acak per percobaan" in page and "tag: pelajaran-1, umum" in page
    assert 'value="pelajaran-1: 1"' not in page  # the settings page is another page
    settings = client.get(f"/kelola/kuis/{quiz.id}/ubah").get_data(as_text=True)
    assert "pelajaran-1: 1</textarea>" in settings
    assert re.search(r'<input checked id="review-\d" name="review" type="radio" value="always">', settings)
    # Removing the only tagged question leaves settings that no longer fit: the quiz page says so.
    client.post(f"/kelola/soal/{single.id}/hapus", data={})
    assert "Tag pelajaran-1 diminta 1 soal, tetapi hanya 0 soal" in client.get(f"/kelola/kuis/{quiz.id}").get_data(as_text=True)


def test_question_form_is_filled_for_editing(client, course):
    quiz = course.modules[0].quiz
    tf = next(q for q in quiz.questions if q.type == "truefalse")
    page = client.get(f"/kelola/soal/{tf.id}").get_data(as_text=True)
    assert 'checked id="tf_answer-0"' in page and 'value="Tepat."' in page
    multi = next(q for q in quiz.questions if q.type == "multiple")
    page = client.get(f"/kelola/soal/{multi.id}").get_data(as_text=True)
    assert 'value="Pilihan multi-3"' in page and 'name="choices-5-text"' in page


def test_course_page_queries_do_not_grow_with_modules(client, make_user, login_as, count_queries):
    trainer = make_user(Role.TRAINER, "64")
    small, big = make_course(owners=[trainer], modules=1), make_course(owners=[trainer], modules=6, lessons=4)
    login_as(trainer)
    with count_queries() as few:
        client.get(f"/kelola/kursus/{small.id}")
    with count_queries() as many:
        client.get(f"/kelola/kursus/{big.id}")
    assert len(many) == len(few)
