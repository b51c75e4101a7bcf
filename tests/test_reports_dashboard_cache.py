"""Dashboard figures come from a short-lived cache, per viewer scope, and the page says how old they are."""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app.accounts.models import Regency, Role
from app.extensions import db
from app.progress.models import Enrollment
from app.reports import dashboard, dashboard_cache
from tests.factories import make_course

# 06.05 UTC is 14.05 WITA.
FROZEN = datetime(2026, 5, 14, 6, 5, 30, tzinfo=UTC)


@pytest.fixture
def clock(monkeypatch):
    """A controllable clock for the report services: clock.now is what utcnow() returns."""

    class Clock:
        now = FROZEN

    monkeypatch.setattr(dashboard_cache, "utcnow", lambda: Clock.now)
    monkeypatch.setattr(dashboard, "utcnow", lambda: Clock.now)
    return Clock


@pytest.fixture
def course():
    """One published course."""
    return make_course("kursus-a", modules=1, lessons=2)


def enrol(make_user, course, regency_code: str, completed: bool = False) -> None:
    """Enrol a new trainee of the given unit, finished or not."""
    trainee = make_user(Role.TRAINEE, regency_code)
    db.session.add(Enrollment(user_id=trainee.id, course_id=course.id, lessons_completed=2 if completed else 0,
                              completed_at=FROZEN - timedelta(days=1) if completed else None))
    db.session.commit()


def enrolled_on_dashboard(client) -> int:
    """The number of enrolments the province dashboard states."""
    page = client.get("/laporan/").get_data(as_text=True)
    return int(re.search(r"Semua kursus: (\d+) pendaftaran\.", page).group(1))


def regency_total_row(client, code: str) -> list[str]:
    """The figures of the total row on a regency page."""
    page = client.get(f"/laporan/wilayah/{code}").get_data(as_text=True)
    row = re.search(r'<tr data-slug="total">(.*?)</tr>', page, re.S).group(1)
    return re.findall(r'<td class="num">([^<]*)</td>', row)


def test_figures_are_served_from_the_cache_until_they_are_a_minute_old(
        app, client, make_user, login_as, course, clock):
    enrol(make_user, course, "64.72")
    login_as(make_user(Role.COORDINATOR, "64"))
    assert enrolled_on_dashboard(client) == 1

    enrol(make_user, course, "64.01")
    clock.now = FROZEN + timedelta(seconds=app.config["DASHBOARD_CACHE_SECONDS"] - 1)
    assert enrolled_on_dashboard(client) == 1  # still the cached figures

    clock.now = FROZEN + timedelta(seconds=app.config["DASHBOARD_CACHE_SECONDS"])
    assert enrolled_on_dashboard(client) == 2  # computed again


def test_each_course_filter_has_its_own_figures(client, make_user, login_as, course, clock):
    other = make_course("kursus-b", modules=1, lessons=1)
    enrol(make_user, course, "64.72")
    login_as(make_user(Role.COORDINATOR, "64"))
    assert enrolled_on_dashboard(client) == 1
    page = client.get("/laporan/?kursus=kursus-b").get_data(as_text=True)
    assert f"{other.title}: 0 pendaftaran." in page


def test_a_regency_coordinator_never_gets_the_province_figures(make_user, course, clock):
    enrol(make_user, course, "64.72", completed=True)
    enrol(make_user, course, "64.01")
    enrol(make_user, course, "64.01")
    province = dashboard_cache.cached_dashboard(make_user(Role.COORDINATOR, "64"))
    assert province.total.enrolled == 3

    samarinda = dashboard_cache.cached_dashboard(make_user(Role.COORDINATOR, "64.72"))
    assert (samarinda.total.enrolled, samarinda.total.completed) == (1, 1)
    assert set(samarinda.by_regency) == {db.session.scalar(select(Regency.id).where(Regency.code == "64.72"))}
    assert sum(f.enrolled for f in samarinda.by_course.values()) == 1


def test_regency_pages_of_a_province_and_a_regency_coordinator_agree(client, make_user, login_as, course, clock):
    enrol(make_user, course, "64.72", completed=True)
    enrol(make_user, course, "64.01")
    login_as(make_user(Role.COORDINATOR, "64"))
    assert enrolled_on_dashboard(client) == 2
    province_view = regency_total_row(client, "64.72")

    other = client.application.test_client()
    login_as(make_user(Role.COORDINATOR, "64.72"), the_client=other)
    page = other.get("/laporan/").get_data(as_text=True)
    row = re.search(r'<tr data-slug="total">(.*?)</tr>', page, re.S).group(1)
    assert re.findall(r'<td class="num">([^<]*)</td>', row)[:4] == ["1", "0", "0", "1"]
    assert province_view[:4] == ["1", "0", "0", "1"]


def test_the_page_says_when_the_figures_were_computed(client, make_user, login_as, course, clock):
    enrol(make_user, course, "64.72")
    login_as(make_user(Role.COORDINATOR, "64"))
    page = client.get("/laporan/").get_data(as_text=True)
    assert "Angka per 14.05 WITA, diperbarui paling lama setiap 60 detik." in page

    clock.now = FROZEN + timedelta(seconds=30)
    assert "Angka per 14.05 WITA" in client.get("/laporan/").get_data(as_text=True)  # the cached figures' time
    clock.now = FROZEN + timedelta(minutes=5)
    assert "Angka per 14.10 WITA" in client.get("/laporan/").get_data(as_text=True)
    assert "Angka per 14.10 WITA" in client.get("/laporan/wilayah/64.72").get_data(as_text=True)


def test_the_roster_and_its_export_stay_exact_while_the_dashboard_is_cached(
        client, make_user, login_as, course, clock):
    enrol(make_user, course, "64.72")
    login_as(make_user(Role.COORDINATOR, "64"))
    assert enrolled_on_dashboard(client) == 1

    enrol(make_user, course, "64.01")
    assert enrolled_on_dashboard(client) == 1
    assert "2 baris" in client.get("/laporan/peserta").get_data(as_text=True)
    assert len(client.get("/laporan/peserta.csv").get_data(as_text=True).strip().splitlines()) == 3


def test_the_tables_follow_the_language_while_the_figures_are_kept(client, make_user, login_as, course, clock):
    enrol(make_user, course, "64.72")
    login_as(make_user(Role.COORDINATOR, "64"))
    assert "Per kabupaten/kota" in client.get("/laporan/").get_data(as_text=True)
    client.get("/bahasa/en")
    page = client.get("/laporan/").get_data(as_text=True)
    assert "By regency/city" in page and "Per kabupaten/kota" not in page


def test_new_figures_bring_new_tables(client, make_user, login_as, course, clock):
    login_as(make_user(Role.COORDINATOR, "64"))
    enrol(make_user, course, "64.72")
    first = client.get("/laporan/").get_data(as_text=True)
    enrol(make_user, course, "64.72")
    clock.now += timedelta(seconds=61)
    later = client.get("/laporan/").get_data(as_text=True)
    row = re.compile(r'<tr data-code="64.72">(.*?)</tr>', re.S)
    assert row.search(first).group(1) != row.search(later).group(1)


def test_the_dashboard_is_computed_live_when_the_shared_cache_is_down(app, client, make_user, login_as, course,
                                                                      clock, monkeypatch):
    from cachelib.redis import RedisCache

    from app.extensions import cache
    # A real Redis client pointed at a port where nothing listens: every cache call fails to connect.
    monkeypatch.setitem(app.extensions["cache"], cache, RedisCache(host="127.0.0.1", port=1, default_timeout=60))
    enrol(make_user, course, "64.72")
    login_as(make_user(Role.COORDINATOR, "64"))
    assert enrolled_on_dashboard(client) == 1
    enrol(make_user, course, "64.01")
    assert enrolled_on_dashboard(client) == 2  # nothing was kept: live figures every time
