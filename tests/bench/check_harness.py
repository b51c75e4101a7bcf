"""Checks of the bench harness itself: `python -m pytest tests/bench/check_harness.py`.

Not collected by `make test` (the name has no test_ prefix): it builds a bench database.
"""
from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import create_engine, func, select

from app.progress.status import STATUSES, status_expression
from tests.bench import datagen, pageweight, wrk
from tests.bench.client import Form, csrf_token, forms_of, parse_html, percentile

WRK_OUTPUT = """Running 10s test @ http://127.0.0.1:8000/
  2 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     3.84ms    1.02ms  20.41ms   87.47%
    Req/Sec     2.09k   133.07     2.37k    72.00%
  Latency Distribution
     50%  812.00us
     75%    4.10ms
     90%    4.88ms
     99%    1.20s
  41601 requests in 10.01s, 6.71MB read
  Socket errors: connect 0, read 3, write 0, timeout 2
  Non-2xx or 3xx responses: 12
Requests/sec:   4155.56
Transfer/sec:    686.07KB
"""

QUIZ_PAGE = """<html><body><main>
<form method="post" action="/keluar"><input type="hidden" name="csrf_token" value="tok-1"></form>
<form method="post" action="/kuis/percobaan/7/kirim">
  <input type="hidden" name="csrf_token" value="tok-2">
  <input type="radio" name="q-1" value="11"><input type="radio" name="q-1" value="12">
  <input type="checkbox" name="q-2" value="21"><input type="checkbox" name="q-2" value="22">
  <input type="text" name="q-3" value="">
  <button type="submit">Kirim jawaban</button>
</form></main></body></html>"""


def test_wrk_summary_is_read_in_milliseconds():
    result = wrk.parse(WRK_OUTPUT)
    assert result.requests_per_s == 4155.56
    assert result.p50_ms == pytest.approx(0.812)
    assert result.p99_ms == pytest.approx(1200.0)
    assert result.requests == 41601
    assert result.errors == 12 + 3 + 2


def test_wrk_output_without_latency_is_refused():
    with pytest.raises(ValueError):
        wrk.parse("Requests/sec: 10\n")


def test_post_script_sends_the_form_urlencoded():
    script = wrk.post_script([("csrf_token", "a b"), ("q-1", "11")])
    assert 'wrk.method = "POST"' in script
    assert "csrf_token=a+b&q-1=11" in script


def test_quiz_form_is_filled_with_one_choice_per_question_and_the_token():
    form = next(f for f in forms_of(QUIZ_PAGE, "/kuis/percobaan/7") if f.is_quiz)
    fields = form.fill()
    assert form.action == "/kuis/percobaan/7/kirim"
    assert ("csrf_token", "tok-2") in fields
    assert [name for name, _ in fields if name.startswith("q-")] == ["q-1", "q-2", "q-3"]
    assert dict(fields)["q-1"] == "11"


def test_login_fields_leave_checkboxes_unticked():
    form = Form("/masuk", "post", [{"type": "email", "name": "email", "value": ""},
                                   {"type": "checkbox", "name": "remember", "value": "y"}])
    assert form.fill({"email": "a@b.example"}, choose=False) == [("email", "a@b.example")]


def test_csrf_token_comes_from_the_first_form_with_one():
    assert csrf_token(QUIZ_PAGE) == "tok-1"


def test_loaded_resources_exclude_plain_links_and_name_other_hosts():
    html = ('<link rel="stylesheet" href="/static/style.css"><link rel="icon" href="/static/favicon.svg">'
            '<a href="https://example.org/x">x</a><img src="https://cdn.example.net/a.png">'
            '<script src="/static/app.js"></script>')
    urls = pageweight._loaded_urls(parse_html(html).links, "/kursus-saya")
    assert urls == ["/static/style.css", "/static/favicon.svg", "https://cdn.example.net/a.png", "/static/app.js"]


def test_percentile_is_nearest_rank():
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 50) == 50
    assert percentile(values, 99) == 99
    assert percentile([], 99) == 0


def test_only_bench_databases_are_overwritten(tmp_path):
    with pytest.raises(SystemExit):
        datagen.bench_database_url("postgresql://u:p@127.0.0.1/kelaskim_test", tmp_path)
    assert datagen.bench_database_url("postgresql://u:p@127.0.0.1/kelaskim_bench", tmp_path).startswith(
        "postgresql+psycopg://")


@pytest.fixture(scope="module")
def small_dataset(tmp_path_factory):
    """A 400-trainee bench database on SQLite."""
    return datagen.build(400, None, str(tmp_path_factory.mktemp("bench")), log=lambda _: None)


def _query(dataset, sql: str):
    with sqlite3.connect(dataset.database_url.removeprefix("sqlite:///")) as connection:
        return connection.execute(sql).fetchall()


def test_every_status_of_progress_is_present(small_dataset):
    status = status_expression()  # the reports' own rule, so the data exercises every status they show
    engine = create_engine(small_dataset.database_url)
    with engine.connect() as connection:
        statuses = dict(connection.execute(select(status, func.count()).group_by(status)).all())
    engine.dispose()
    assert statuses.keys() == set(STATUSES)
    assert _query(small_dataset, "SELECT COUNT(*) FROM enrollments")[0][0] == 2 * 400
    assert _query(small_dataset, "SELECT COUNT(*) FROM answers")[0][0] > 0


def test_enrollment_summaries_match_their_rows(small_dataset):
    lessons = _query(small_dataset, """
        SELECT COUNT(*) FROM enrollments e WHERE lessons_completed != (
          SELECT COUNT(*) FROM lesson_completions lc JOIN lessons l ON l.id = lc.lesson_id
          JOIN modules m ON m.id = l.module_id WHERE lc.user_id = e.user_id AND m.course_id = e.course_id)""")
    certificates = _query(small_dataset, """
        SELECT COUNT(*) FROM enrollments e WHERE (completed_at IS NULL) != NOT EXISTS (
          SELECT 1 FROM certificates c WHERE c.user_id = e.user_id AND c.course_id = e.course_id)""")
    best = _query(small_dataset, """
        SELECT COUNT(*) FROM enrollments e WHERE ABS(COALESCE(best_score_percent, -1) - COALESCE((
          SELECT AVG(b) FROM (SELECT MAX(a.percent) AS b FROM attempts a JOIN quizzes q ON q.id = a.quiz_id
          JOIN modules m ON m.id = q.module_id WHERE a.user_id = e.user_id AND m.course_id = e.course_id
          AND a.status = 'submitted' GROUP BY a.quiz_id)), -1)) > 0.0051""")  # stored to two decimals
    assert (lessons, certificates, best) == ([(0,)], [(0,)], [(0,)])


def test_pool_trainees_are_ready_for_the_first_quiz(small_dataset):
    pool = small_dataset.pools["burst"]
    assert pool
    attempts = _query(small_dataset, f"SELECT COUNT(*) FROM attempts WHERE user_id IN ({','.join(map(str, pool))})")
    assert attempts == [(0,)]
