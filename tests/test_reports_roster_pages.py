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
ROW = re.compile(r"<tr><td>(.*?)</td></tr>", re.S)


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


def screen_rows(html: str) -> list[list[str]]:
    """The roster table's cells as text (the name cell holds a link)."""
    rows = []
    for match in ROW.finditer(html):
        cells = re.split(r"</td><td>", match.group(1))
        rows.append([re.sub(r"<[^>]+>", "", cell) for cell in cells])
    return rows


def csv_rows(client, **filters) -> list[list[str]]:
    body = client.get("/laporan/peserta.csv", query_string=filters).data.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body, newline="")))[1:]


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
    assert [(r[0], r[2], r[6]) for r in rows[:5]] == [
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
