"""Roster pages cut unit by unit: a page may span several regencies and still match the CSV export."""
from __future__ import annotations

import csv
import io
import re

import pytest

from app.accounts.models import Role
from app.extensions import db
from app.progress.models import Enrollment
from app.reports import views
from app.reports.roster_pages import page_segments
from tests.factories import make_course

ROW = re.compile(r'<tr role="row" data-wilayah="([^"]*)" data-kursus="([^"]*)"[^>]*>\s*<th[^>]*><a [^>]*>([^<]*)</a>')


def test_segments_skip_whole_units_and_split_the_page_across_units():
    counts = {1: 2, 2: 0, 3: 1, 4: 5}
    assert page_segments(counts, [1, 2, 3, 4], 0, 4) == [(1, 0, 2), (3, 0, 1), (4, 0, 1)]
    assert page_segments(counts, [1, 2, 3, 4], 4, 4) == [(4, 1, 4)]
    assert page_segments(counts, [1, 2, 3, 4], 1, 2) == [(1, 1, 1), (3, 0, 1)]
    assert page_segments(counts, [1, 2, 3, 4], 8, 4) == []


@pytest.fixture
def province(client, make_user, monkeypatch):
    """Seven enrolments in four units, two of them with a single trainee; pages of two rows."""
    monkeypatch.setattr(views, "PER_PAGE", 2)
    course, other = make_course("kursus-a", modules=1, lessons=1), make_course("kursus-b", modules=1, lessons=1)
    for index, (unit, name, courses) in enumerate([("64.74", "Sari", [course]), ("64.01", "Yusuf", [course]),
                                                   ("64.72", "Bayu", [course, other]), ("64.72", "Adi", [other]),
                                                   ("64.11", "Wati", [course, other])]):
        user = make_user(Role.TRAINEE, unit, full_name=name, email=f"s{index}@kelaskim.example")
        db.session.add_all(Enrollment(user_id=user.id, course_id=c.id) for c in courses)
    db.session.commit()
    return client


def walk(client, **filters) -> list[list[str]]:
    """Every roster page in turn, as rows of cell text."""
    rows, page = [], 1
    while True:
        html = client.get("/laporan/peserta", query_string={**filters, "page": page}).get_data(as_text=True)
        rows += [[code, "", name, "", "", "", slug] for code, slug, name in ROW.findall(html)]
        if 'rel="next"' not in html:
            return rows
        page += 1


def exported(client, **filters) -> list[list[str]]:
    body = client.get("/laporan/peserta.csv", query_string=filters).data.decode("utf-8-sig")
    return [[row[0], "", row[2], "", "", "", row[6]] for row in list(csv.reader(io.StringIO(body, newline="")))[1:]]


@pytest.mark.parametrize("filters", [{}, {"kursus": "kursus-b"}, {"wilayah": "64.72"}, {"q": "a"}])
def test_province_pages_are_the_export_row_for_row(province, make_user, login_as, filters):
    login_as(make_user(Role.COORDINATOR, "64"))
    expected = exported(province, **filters)
    assert expected and walk(province, **filters) == expected
    if not filters:
        assert [(r[0], r[2]) for r in expected] == [("64.01", "Yusuf"), ("64.11", "Wati"), ("64.11", "Wati"),
                                                   ("64.72", "Adi"), ("64.72", "Bayu"), ("64.72", "Bayu"),
                                                   ("64.74", "Sari")]


def test_a_regency_coordinator_pages_through_their_own_unit_only(province, make_user, login_as):
    login_as(make_user(Role.COORDINATOR, "64.72"))
    rows = walk(province)
    assert rows == exported(province)
    assert [(r[0], r[2]) for r in rows] == [("64.72", "Adi"), ("64.72", "Bayu"), ("64.72", "Bayu")]
