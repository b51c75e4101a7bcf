"""Roster pages walked one by one: together they are the CSV export, row for row and in order."""
from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime

import pytest

from app.accounts.models import Role
from app.extensions import db
from app.progress.models import Enrollment
from app.reports import views
from tests.factories import make_course

ENROLLED = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)
DONE = datetime(2026, 3, 9, 2, 0, tzinfo=UTC)
ROW = re.compile(r'<tr role="row" data-wilayah="([^"]*)" data-kursus="([^"]*)"[^>]*>\s*<th[^>]*><a [^>]*>([^<]*)</a>')


@pytest.fixture
def roster(client, make_user, login_as, monkeypatch):
    """Eleven enrolments in three units, with equal names, so ordering ties are broken by id and course."""
    monkeypatch.setattr(views, "PER_PAGE", 3)
    first, second = make_course("kursus-a", modules=1, lessons=2), make_course("kursus-b", modules=1, lessons=1)
    people = [("64.72", "Dewi"), ("64.02", "Dewi"), ("64.02", "Dewi"), ("64.02", "Agus"), ("64.11", "Rina"),
              ("64.72", "Agus")]
    for index, (unit, name) in enumerate(people):
        user = make_user(Role.TRAINEE, unit, full_name=name, email=f"p{index}@kelaskim.example")
        db.session.add(Enrollment(user_id=user.id, course_id=second.id, enrolled_at=ENROLLED,
                                  lessons_completed=1, completed_at=DONE if index % 2 else None))
        if index != 4:
            db.session.add(Enrollment(user_id=user.id, course_id=first.id, enrolled_at=ENROLLED))
    db.session.commit()
    login_as(make_user(Role.ADMIN, "64"))
    return client


def screen_rows(html: str) -> list[tuple[str, str, str]]:
    """The roster's rows on screen as (unit code, name, course slug)."""
    return [(code, name, slug) for code, slug, name in ROW.findall(html)]


def csv_rows(client, **filters) -> list[tuple[str, str, str]]:
    """The CSV export's rows as (unit code, name, course slug)."""
    body = client.get("/laporan/peserta.csv", query_string=filters).data.decode("utf-8-sig")
    return [(row[0], row[2], row[6]) for row in list(csv.reader(io.StringIO(body, newline="")))[1:]]


@pytest.mark.parametrize("filters", [{}, {"status": "selesai"}, {"kursus": "kursus-a"}, {"q": "dewi"}])
def test_pages_in_turn_are_the_csv_export(roster, filters):
    expected = csv_rows(roster, **filters)
    pages = (len(expected) + 2) // 3
    walked = []
    for page in range(1, pages + 1):
        html = roster.get("/laporan/peserta", query_string={**filters, "page": page}).get_data(as_text=True)
        assert f"{len(expected)} baris" in html
        walked += screen_rows(html)
    assert walked == expected
    assert [row[0] for row in walked] == sorted(row[0] for row in walked)


def test_whole_roster_is_eleven_rows_in_unit_then_name_order(roster):
    rows = csv_rows(roster)
    assert len(rows) == 11
    assert rows[:5] == [
        ("64.02", "Agus", "kursus-a"), ("64.02", "Agus", "kursus-b"),
        ("64.02", "Dewi", "kursus-a"), ("64.02", "Dewi", "kursus-b"), ("64.02", "Dewi", "kursus-a"),
    ]


def test_a_page_past_the_end_shows_the_last_page(roster):
    last = roster.get("/laporan/peserta", query_string={"page": 4}).get_data(as_text=True)
    beyond = roster.get("/laporan/peserta", query_string={"page": 99}).get_data(as_text=True)
    assert screen_rows(beyond) == screen_rows(last) == csv_rows(roster)[9:]
    assert "Halaman 4 dari 4" in beyond


def test_no_match_shows_an_empty_table_and_a_message(roster):
    html = roster.get("/laporan/peserta", query_string={"q": "tidak ada"}).get_data(as_text=True)
    assert screen_rows(html) == []
    assert "0 baris" in html
    assert "Tidak ada peserta yang cocok" in html


# --------------------------------------------------------------------------- sorting by a column


@pytest.fixture
def scored(client, make_user, login_as, monkeypatch):
    """Four trainees of one course with different progress, scores and activity; pages of two rows."""
    monkeypatch.setattr(views, "PER_PAGE", 2)
    course = make_course("kursus-urut", modules=1, lessons=4)
    for name, done, score, active in (("Citra", 4, 92.5, 3), ("Agus", 1, 60.0, 1), ("Budi", 0, None, None),
                                      ("Dewi", 2, 75.4, 2)):
        user = make_user(Role.TRAINEE, "64.02", full_name=name)
        db.session.add(Enrollment(user_id=user.id, course_id=course.id, enrolled_at=ENROLLED, lessons_completed=done,
                                  best_score_percent=score,
                                  last_activity_at=datetime(2026, 3, active, 2, 0, tzinfo=UTC) if active else None))
    db.session.commit()
    login_as(make_user(Role.COORDINATOR, "64"))
    return client


def sorted_names(client, **order) -> list[str]:
    """Every page of the roster in this order, as names."""
    names, page = [], 1
    while True:
        html = client.get("/laporan/peserta", query_string={**order, "page": page}).get_data(as_text=True)
        names += [name for _code, name, _slug in screen_rows(html)]
        if 'rel="next"' not in html:
            return names
        page += 1


@pytest.mark.parametrize("order, expected", [
    ({}, ["Agus", "Budi", "Citra", "Dewi"]),
    ({"urut": "kemajuan", "arah": "turun"}, ["Citra", "Dewi", "Agus", "Budi"]),
    ({"urut": "nilai"}, ["Agus", "Dewi", "Citra", "Budi"]),  # no score yet: last, whichever way
    ({"urut": "nilai", "arah": "turun"}, ["Citra", "Dewi", "Agus", "Budi"]),
    ({"urut": "aktivitas", "arah": "turun"}, ["Citra", "Dewi", "Agus", "Budi"]),
    ({"urut": "status"}, ["Budi", "Agus", "Citra", "Dewi"]),
    ({"urut": "nama", "arah": "turun"}, ["Dewi", "Citra", "Budi", "Agus"]),
])
def test_columns_sort_across_pages(scored, order, expected):
    assert sorted_names(scored, **order) == expected


def test_a_sorted_column_is_marked_and_its_link_turns_the_order(scored):
    html = scored.get("/laporan/peserta", query_string={"urut": "nilai"}).get_data(as_text=True)
    header = re.search(r'<th scope="col" role="columnheader" class="num" aria-sort="ascending">\s*<a href="([^"]+)">', html)
    assert header and "urut=nilai" in header.group(1) and "arah=turun" in header.group(1)
    assert html.count("aria-sort=") == 1
    # An unknown column falls back to the unit order with a message, not an error.
    html = scored.get("/laporan/peserta", query_string={"urut": "gaji"}).get_data(as_text=True)
    assert "Pilihan tidak dikenal; pilih dari daftar." in html
    assert [name for _c, name, _s in screen_rows(html)] == ["Agus", "Budi"]


def test_numbers_dates_and_labels_follow_the_page_language(scored):
    html = scored.get("/laporan/peserta", query_string={"urut": "nilai", "arah": "turun"}).get_data(as_text=True)
    assert "92,5%" in html and "75,4%" in html and "3 Maret 2026" in html and "100%" in html
    assert "(4/4 pelajaran)" in html and "(2/4 pelajaran)" in html and ">Berjalan</span>" in html
    assert html.count('data-label="Aktivitas terakhir"') == 2
    scored.get("/bahasa/en")
    html = scored.get("/laporan/peserta", query_string={"urut": "nilai", "arah": "turun"}).get_data(as_text=True)
    assert "92.5%" in html and "75.4%" in html and "March 3, 2026" in html
    assert "(4/4 lessons)" in html and "(2/4 lessons)" in html and ">In progress</span>" in html
    assert html.count('data-label="Last activity"') == 2 and "pelajaran)" not in html
