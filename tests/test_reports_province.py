"""A seeded province: dashboard figures against a hand count, roster against its exports, regency walls."""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from html.parser import HTMLParser

import openpyxl
import pytest

from app.accounts.models import AuditEntry, Regency, Role, User
from app.accounts.services import REGENCIES
from app.dates import to_wita
from app.extensions import db, utcnow
from app.progress.models import Certificate, Enrollment
from app.quizzes.models import Attempt, AttemptStatus
from tests.conftest import without_site_script
from tests.factories import make_course

UNITS = [code for code, _name in REGENCIES]
NAMES = dict(REGENCIES)
# Whole minutes, so that times survive the trip through Excel unchanged.
NOW = utcnow().replace(second=0, microsecond=0)


# --------------------------------------------------------------------------- the seed, as data


@dataclass(frozen=True)
class Seeded:
    """One enrolment of the seed, written down before anything touches the database."""

    unit: str
    person: str
    course: str          # "a" (sequential, quizzes) or "b" (free order, no quiz)
    status: str          # belum_mulai, berjalan, selesai
    lessons: int = 0
    score: float | None = None
    idle_days: float = 1
    completed_days: float | None = None
    attempt_only: bool = False   # in progress through a quiz attempt, no lesson done
    nip: str | None = None
    phone: str | None = None


def seed_definition() -> list[Seeded]:
    """Every unit has trainees in every state; numbers vary by unit so that mix-ups show."""
    rows = []
    for i, unit in enumerate(UNITS):
        done = f"Ani {unit}"
        rows.append(Seeded(unit, done, "a", "selesai", lessons=4, score=60 + 3 * i, completed_days=2 + 7 * i,
                           idle_days=2 + 7 * i, nip=f"19850330201001{1 + i % 2}{i:03d}"))
        rows.append(Seeded(unit, f"Budi {unit}", "a", "berjalan", lessons=1 + i % 3, score=50.0 if i % 2 else None,
                           idle_days=30 if i % 2 == 0 else 3, phone="081234567890" if i % 3 == 0 else None))
        rows.append(Seeded(unit, f"Budi {unit}", "b", "belum_mulai", idle_days=20 if i % 3 == 0 else 2))
        if i % 2 == 0:
            rows.append(Seeded(unit, f"Citra {unit}", "a", "berjalan", attempt_only=True, score=25.0, idle_days=5))
        if i % 4 == 1:
            rows.append(Seeded(unit, done, "b", "selesai", lessons=3, completed_days=40 + i, idle_days=40 + i))
    rows.append(Seeded("64.72", "=1+1 Dewi", "b", "belum_mulai", idle_days=1))
    return rows


def apply_seed(definition: list[Seeded]) -> dict[str, object]:
    """Write the seed: two published courses, a draft, accounts and enrolments."""
    courses = {"a": make_course("kursus-a", modules=2, lessons=2),
               "b": make_course("kursus-b", modules=1, lessons=3, sequential=False, with_quiz=False)}
    make_course("kursus-draf", status="draft")
    regencies = {r.code: r for r in db.session.scalars(db.select(Regency))}
    users: dict[str, User] = {}
    for row in definition:
        if row.person not in users:
            users[row.person] = User(email=f"{len(users)}.{row.unit}@kelaskim.example".lower(), full_name=row.person,
                                     password_hash="!", role=Role.TRAINEE, regency_id=regencies[row.unit].id,
                                     nip=row.nip, phone=row.phone, unit="KIM Contoh")
            db.session.add(users[row.person])
        elif row.nip:
            users[row.person].nip = row.nip
    db.session.flush()
    for row in definition:
        _enrol(row, users[row.person], courses[row.course])
    db.session.commit()
    return {"courses": courses, "users": users}


def _enrol(row: Seeded, user: User, course) -> None:
    last = NOW - timedelta(days=row.idle_days)
    completed = NOW - timedelta(days=row.completed_days) if row.completed_days is not None else None
    enrolled = min(last, completed or last) - timedelta(days=10)
    active = row.lessons or row.attempt_only or row.status == "selesai"
    db.session.add(Enrollment(user_id=user.id, course_id=course.id, enrolled_at=enrolled if active else last,
                              last_activity_at=last if active else None, lessons_completed=row.lessons,
                              best_score_percent=row.score, completed_at=completed))
    if row.attempt_only:
        db.session.add(Attempt(quiz_id=course.modules[0].quiz.id, user_id=user.id, number=1, layout=[],
                               status=AttemptStatus.SUBMITTED, percent=row.score, passed=False, submitted_at=last))
    if completed:
        db.session.add(Certificate(code=f"KIM-{user.id}-{course.slug}"[:24], user_id=user.id, course_id=course.id,
                                   completed_at=completed, issued_at=completed))


@pytest.fixture
def province(app):
    """The seeded province, with its definition for hand counts."""
    definition = seed_definition()
    return {"definition": definition, **apply_seed(definition)}


# --------------------------------------------------------------------------- reading pages


class TableParser(HTMLParser):
    """Collect the rows of one <table id=...>: each row's attributes and the text of its cells."""

    def __init__(self, table_id: str, section: str | None = None) -> None:
        super().__init__()
        self.table_id, self.section = table_id, section
        self.inside = self.in_section = False
        self.rows: list[tuple[dict, list[str]]] = []
        self.cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and attrs.get("id") == self.table_id:
            self.inside = True
        elif self.inside and tag in ("thead", "tbody", "tfoot"):
            self.in_section = self.section is None or tag == self.section
        elif self.inside and self.in_section and tag == "tr":
            self.rows.append((attrs, []))
        elif self.inside and self.in_section and tag in ("td", "th"):
            self.cell = []

    def handle_endtag(self, tag):
        if tag == "table" and self.inside:
            self.inside = False
        elif self.cell is not None and tag in ("td", "th"):
            self.rows[-1][1].append(" ".join("".join(self.cell).split()))
            self.cell = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)


def table_rows(html: str, table_id: str, section: str | None = "tbody") -> list[tuple[dict, list[str]]]:
    """The rows of a table on a page, as (attributes, cell texts)."""
    parser = TableParser(table_id, section)
    parser.feed(html)
    return parser.rows


def number(text: str) -> float | None:
    """A figure as shown on the page ("66,7" in Indonesian), or None for a dash."""
    return None if text == "–" else float(text.replace(".", "").replace(",", ".") if "," in text else text)


def csv_rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def xlsx_text_rows(data: bytes) -> tuple[list[str], list[list[str]], list[str]]:
    """Header, data rows of every regency sheet as text (as the page shows them), and sheet names."""
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    header, rows = None, []
    for sheet in workbook.worksheets[1:]:
        values = list(sheet.values)
        header = [str(v) for v in values[0]]
        rows += [[_as_text(v) for v in row] for row in values[1:]]
    return header, rows, workbook.sheetnames


def _as_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")  # Excel holds the WITA wall time
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


# --------------------------------------------------------------------------- hand counts


def expected_figures(definition: list[Seeded], key) -> dict[str, dict]:
    """Count the seed by hand: enrolled, each status, average of the best scores."""
    groups: dict[str, list[Seeded]] = {}
    for row in definition:
        groups.setdefault(key(row), []).append(row)
    result = {}
    for name, rows in groups.items():
        scores = [r.score for r in rows if r.score is not None]
        result[name] = {
            "enrolled": len(rows),
            "belum_mulai": sum(r.status == "belum_mulai" for r in rows),
            "berjalan": sum(r.status == "berjalan" for r in rows),
            "selesai": sum(r.status == "selesai" for r in rows),
            "rate": 100 * sum(r.status == "selesai" for r in rows) / len(rows),
            "score": sum(scores) / len(scores) if scores else None,
        }
    return result


def assert_figures(cells: list[str], expected: dict) -> None:
    enrolled, not_started, in_progress, completed, rate, score = cells[1:]
    assert [int(enrolled), int(not_started), int(in_progress), int(completed)] == [
        expected["enrolled"], expected["belum_mulai"], expected["berjalan"], expected["selesai"]]
    assert number(rate) == pytest.approx(expected["rate"], abs=0.05)
    assert (number(score) is None) == (expected["score"] is None)
    if expected["score"] is not None:
        assert number(score) == pytest.approx(expected["score"], abs=0.05)


# --------------------------------------------------------------------------- dashboard


def test_dashboard_figures_equal_a_hand_count(client, make_user, login_as, province):
    definition = province["definition"]
    login_as(make_user(Role.COORDINATOR, "64"))
    html = client.get("/laporan/").get_data(as_text=True)

    by_unit = expected_figures(definition, lambda r: r.unit)
    rows = {attrs["data-code"]: cells for attrs, cells in table_rows(html, "per-wilayah")}
    assert list(rows) == UNITS  # all eleven units, the province first
    for code in UNITS:
        assert rows[code][0] == f"{code} {NAMES[code]}"
        assert_figures(rows[code], by_unit[code])
    total = expected_figures(definition, lambda r: "all")["all"]
    assert_figures(table_rows(html, "per-wilayah", "tfoot")[0][1], total)

    by_course = expected_figures(definition, lambda r: r.course)
    courses = {attrs["data-slug"]: cells for attrs, cells in table_rows(html, "per-kursus")}
    assert set(courses) == {"kursus-a", "kursus-b"}  # a draft nobody joined is left out
    assert_figures(courses["kursus-a"], by_course["a"])
    assert_figures(courses["kursus-b"], by_course["b"])


def _week_counts(definition: list[Seeded]) -> list[int]:
    """Completions per WITA week (Monday to Sunday), the current week last, counted from the seed."""
    today = to_wita(NOW).date()
    this_monday = today - timedelta(days=today.weekday())
    counts = [0] * 12
    for row in definition:
        if row.completed_days is None:
            continue
        day = to_wita(NOW - timedelta(days=row.completed_days)).date()
        weeks_back = (this_monday - (day - timedelta(days=day.weekday()))).days // 7
        if weeks_back < 12:
            counts[11 - weeks_back] += 1
    return counts


def test_dashboard_weekly_chart_and_table_agree_with_the_seed(client, make_user, login_as, province):
    login_as(make_user(Role.ADMIN, "64"))
    response = client.get("/laporan/")
    html = response.get_data(as_text=True)
    table = table_rows(html, "per-minggu-table")
    assert len(table) == 12
    assert [int(cells[1]) for _attrs, cells in table] == _week_counts(province["definition"])
    assert sum(_week_counts(province["definition"])) > 3
    svg = html[html.index("<svg"):html.index("</svg>")]
    assert 'role="img"' in svg and "<title" in svg and svg.count("<rect") == 12
    assert "style=" not in html and "<script" not in without_site_script(html) and not re.search(r"\son[a-z]+=", html)
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]


def test_dashboard_course_filter_narrows_every_figure(client, make_user, login_as, province):
    login_as(make_user(Role.ADMIN, "64"))
    html = client.get("/laporan/?kursus=kursus-b").get_data(as_text=True)
    only_b = [r for r in province["definition"] if r.course == "b"]
    expected = expected_figures(only_b, lambda r: r.unit)
    for attrs, cells in table_rows(html, "per-wilayah"):
        assert int(cells[1]) == expected.get(attrs["data-code"], {"enrolled": 0})["enrolled"]


def test_regency_page_and_person_page(client, make_user, login_as, province):
    login_as(make_user(Role.COORDINATOR, "64"))
    html = client.get("/laporan/wilayah/64.02").get_data(as_text=True)
    mine = [r for r in province["definition"] if r.unit == "64.02"]
    courses = {attrs["data-slug"]: cells for attrs, cells in table_rows(html, "per-kursus")}
    assert_figures(courses["kursus-a"], expected_figures(mine, lambda r: r.course)["a"])
    names = [cells[0] for _attrs, cells in table_rows(html, "peserta")]
    assert names == sorted({r.person for r in mine})

    ani = province["users"]["Ani 64.01"]
    page = client.get(f"/laporan/peserta/{ani.id}").get_data(as_text=True)
    enrolments = table_rows(page, "kursus")
    assert [cells[0] for _a, cells in enrolments] == ["Kursus kursus-a", "Kursus kursus-b"]
    assert enrolments[0][1][1] == "Selesai" and enrolments[0][1][2] == "4 dari 4"
    assert f"KIM-{ani.id}-kursus-a" in page
    citra = province["users"]["Citra 64"]
    attempts = table_rows(client.get(f"/laporan/peserta/{citra.id}").get_data(as_text=True), "kuis")
    assert attempts[0][1][2] == "1" and number(attempts[0][1][4]) == 25


# --------------------------------------------------------------------------- roster and its exports


FILTERS = [
    {},
    {"wilayah": "64.72"},
    {"status": "selesai", "kursus": "kursus-a"},
    {"status": "berjalan"},
    {"status": "belum_mulai", "wilayah": "64.11"},
    {"q": "budi 64.0"},
    {"q": "1985 0330 2010 01"},
]


@pytest.mark.parametrize("filters", FILTERS)
def test_exports_equal_the_roster_on_screen(client, make_user, login_as, province, filters):
    login_as(make_user(Role.COORDINATOR, "64"))
    html = client.get("/laporan/peserta", query_string=filters).get_data(as_text=True)
    # Each row on screen: unit, name (with NIP and an account not yet usable), course, status and best score.
    screen = [(attrs["data-wilayah"], cells[0], attrs["data-kursus"], cells[3], cells[5])
              for attrs, cells in table_rows(html, "roster")]
    assert screen, "every filter set of this test matches someone"

    exported = csv_rows(client.get("/laporan/peserta.csv", query_string=filters).data)
    # The CSV neutralises a leading "=", so compare after undoing it.
    exported = [[c[1:] if c.startswith("'=") else c for c in row] for row in exported]
    # The same rows in the same order; the page writes the score in Indonesian (87,5%), the CSV with a point.
    account = lambda label: "" if label == "Aktif" else f" Akun: {label}"  # noqa: E731
    assert [(r[0], f"{r[2]} {r[3]}".strip() + account(r[15]), r[6], r[11],
             f"{r[10].replace('.', ',')}%" if r[10] else "–") for r in exported[1:]] == screen

    xlsx_header, xlsx_rows, sheets = xlsx_text_rows(client.get("/laporan/peserta.xlsx", query_string=filters).data)
    assert xlsx_header == exported[0]
    assert [[c[1:] if c.startswith("'=") else c for c in row] for row in xlsx_rows] == exported[1:]
    assert sheets[0] == "Ringkasan"
    assert sheets[1:] == sorted({row[1] for row in exported[1:]}, key=lambda name: [c for c, n in REGENCIES if n == name][0])


def test_completion_date_range_is_read_in_wita(client, make_user, login_as, province):
    login_as(make_user(Role.ADMIN, "64"))
    done = [r for r in province["definition"] if r.completed_days is not None]
    days = sorted({to_wita(NOW - timedelta(days=r.completed_days)).date() for r in done})
    start, end = days[1], days[3]
    expected = sum(start <= to_wita(NOW - timedelta(days=r.completed_days)).date() <= end for r in done)
    dates = {"dari": start.isoformat(), "sampai": end.isoformat()}
    html = client.get("/laporan/peserta", query_string=dates).get_data(as_text=True)
    assert len(table_rows(html, "roster")) == expected
    exported = csv_rows(client.get("/laporan/peserta.csv", query_string=dates).data)[1:]
    assert len(exported) == expected
    assert all(start.isoformat() <= row[13][:10] <= end.isoformat() for row in exported)


def test_bad_filter_input_gets_an_indonesian_message(client, make_user, login_as, province):
    login_as(make_user(Role.ADMIN, "64"))
    html = client.get("/laporan/peserta?dari=kemarin&sampai=2026-01-01&status=hilang").get_data(as_text=True)
    assert "Tanggal tidak valid; gunakan format TTTT-BB-HH." in html
    assert "Pilihan tidak dikenal; pilih dari daftar." in html
    assert client.get("/laporan/peserta.csv?dari=2026-02-01&sampai=2026-01-01").status_code == 302
    assert db.session.scalar(db.select(db.func.count()).select_from(AuditEntry).where(AuditEntry.action == "roster_exported")) == 0


def test_each_export_is_audited_with_its_filters(client, make_user, login_as, province):
    coordinator = make_user(Role.COORDINATOR, "64")
    login_as(coordinator)
    client.get("/laporan/peserta.csv?wilayah=64.72&status=selesai")
    client.get("/laporan/peserta.xlsx")
    entries = db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == "roster_exported").order_by(AuditEntry.id)).all()
    assert [e.detail["format"] for e in entries] == ["csv", "xlsx"]
    assert entries[0].actor_id == coordinator.id and "status=selesai" in entries[0].target
    assert entries[0].detail["filters"]["regency_id"] == db.session.scalar(db.select(Regency.id).where(Regency.code == "64.72"))


# --------------------------------------------------------------------------- regency walls


def test_regency_coordinator_sees_only_their_regency(client, make_user, login_as, province):
    login_as(make_user(Role.COORDINATOR, "64.72"))
    dashboard = client.get("/laporan/").get_data(as_text=True)
    assert "Kota Samarinda" in dashboard and "Kabupaten Mahakam Ulu" not in dashboard
    roster = [attrs for attrs, _cells in table_rows(client.get("/laporan/peserta").get_data(as_text=True), "roster")]
    assert roster and {attrs["data-wilayah"] for attrs in roster} == {"64.72"}
    exported = csv_rows(client.get("/laporan/peserta.csv").data)[1:]
    assert len(exported) == len(roster) and {row[0] for row in exported} == {"64.72"}
    stalled = client.get("/laporan/perlu-diingatkan").get_data(as_text=True)
    assert "Budi 64.72" in stalled and "Budi 64.02" not in stalled


def test_regency_coordinator_is_refused_another_regency(client, make_user, login_as, province):
    login_as(make_user(Role.COORDINATOR, "64.11"))
    kukar = province["users"]["Ani 64.02"]
    for url in ["/laporan/wilayah/64.02", "/laporan/peserta?wilayah=64.02", "/laporan/peserta.csv?wilayah=64.02",
                "/laporan/peserta.xlsx?wilayah=64.02", f"/laporan/peserta/{kukar.id}",
                "/laporan/perlu-diingatkan?wilayah=64.02"]:
        assert client.get(url).status_code == 403, url
    assert client.get("/laporan/wilayah/99.99").status_code == 404
    assert db.session.scalar(db.select(db.func.count()).select_from(AuditEntry).where(AuditEntry.action == "roster_exported")) == 0


REPORT_URLS = ["/laporan/", "/laporan/wilayah/64.02", "/laporan/peserta", "/laporan/peserta.csv", "/laporan/peserta.xlsx",
               "/laporan/perlu-diingatkan", "/laporan/impor", "/laporan/impor/templat.csv"]


@pytest.mark.parametrize("role", [Role.TRAINEE, Role.TRAINER])
def test_other_roles_are_refused(client, make_user, login_as, role):
    login_as(make_user(role, "64"))
    for url in REPORT_URLS:
        assert client.get(url).status_code == 403, url


def test_anonymous_visitors_go_to_login(client):
    for url in REPORT_URLS:
        response = client.get(url)
        assert response.status_code == 302 and "/masuk" in response.headers["Location"], url
