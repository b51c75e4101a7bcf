"""Lesson totals and progress marks on Kursus saya, the course page and the lesson page."""
from __future__ import annotations

import re

import pytest

from app.catalog.models import Lesson, Module, Status
from app.extensions import db
from tests.factories import lesson_path, make_course


@pytest.fixture
def trainee(make_user, login_as):
    """A logged-in trainee."""
    user = make_user()
    login_as(user)
    return user


@pytest.fixture
def with_drafts():
    """Two published modules of two lessons, one draft lesson among them and a draft third module."""
    course = make_course(modules=2, lessons=2, sequential=False, with_quiz=False)
    course.modules[1].lessons.append(Lesson(slug="draf", title="Pelajaran draf", position=5, minutes=5,
                                            body_md="Belum siap.", status=Status.DRAFT))
    course.modules.append(Module(slug="modul-draf", title="Modul draf", position=9, status=Status.DRAFT,
                                 lessons=[Lesson(slug="x", title="X", position=0, minutes=5, body_md="X.")]))
    db.session.commit()
    return course


def test_drafts_are_not_counted_in_lesson_totals(client, trainee, with_drafts):
    client.post(f"/kursus/{with_drafts.slug}/daftar")
    client.post(lesson_path(with_drafts, 1, 0) + "/selesai")
    mine = client.get("/kursus-saya").get_data(as_text=True)
    assert "1 dari 4 langkah selesai" in mine
    assert re.search(r'<progress max="4" value="1"', mine)
    course_page = client.get(f"/kursus/{with_drafts.slug}").get_data(as_text=True)
    assert "1 dari 4 langkah selesai" in course_page and "4 pelajaran dan 0 kuis" in course_page


def test_lesson_page_marks_only_this_trainees_lessons_of_this_course(client, trainee, make_user, with_drafts):
    other = make_course(modules=1, lessons=2, sequential=False, with_quiz=False)
    client.post(f"/kursus/{with_drafts.slug}/daftar")
    client.post(f"/kursus/{other.slug}/daftar")
    client.post(lesson_path(other, 0, 0) + "/selesai")
    assert "Anda sudah menandai pelajaran ini selesai." in client.get(lesson_path(other, 0, 0)).get_data(as_text=True)
    # Same module and lesson slugs in the other course: not done here.
    page = client.get(lesson_path(with_drafts, 0, 0)).get_data(as_text=True)
    assert "Anda sudah menandai pelajaran ini selesai." not in page
    assert "Tandai selesai" in page
