"""xAPI statements: made at each learning event, kept in the outbox, retried with growing waits, exported by scope."""
from __future__ import annotations

import json
import uuid
from datetime import timedelta

import pytest

from app.extensions import db, utcnow
from app.progress import services as progress
from app.xapi import services
from app.xapi.lrs import Lrs
from app.xapi.models import XapiStatement
from tests.factories import ANSWERS, make_course
from tests.lrs import free_port
from tests.test_quizzes_attempts import WRONG
from tests.test_quizzes_course_walkthrough import read_module, take_quiz

SITE = "https://kelaskim.kaltimprov.go.id"


def outbox() -> list[XapiStatement]:
    """Every statement in the outbox, oldest first."""
    return list(db.session.scalars(db.select(XapiStatement).order_by(XapiStatement.id)))


def walk_course(client, course) -> None:
    """Enrol, read the only module, fail its quiz once, then pass it: the course is complete."""
    module = course.modules[0]
    assert client.post(f"/kursus/{course.slug}/daftar").status_code == 302
    page = read_module(client, course, module)
    take_quiz(client, module.quiz, page, WRONG)
    take_quiz(client, module.quiz, page, ANSWERS)


def test_a_course_walked_through_leaves_one_statement_per_event_in_order(app, client, make_user, login_as, monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", SITE + "/")
    course = make_course(modules=1, lessons=2)
    module, quiz = course.modules[0], course.modules[0].quiz
    trainee = make_user(full_name="Rahmawati Lestari", email="rahma@kukar.example")
    login_as(trainee)
    walk_course(client, course)

    rows = outbox()
    assert [row.verb for row in rows] == [
        "registered", "completed", "completed", "attempted", "failed", "attempted", "passed", "completed", "earned"]
    built = [row.statement for row in rows]
    assert len({s["id"] for s in built}) == 9 and all(str(uuid.UUID(s["id"])) == s["id"] for s in built)
    assert all(row.statement_id == row.statement["id"] and row.sent_at is None for row in rows)
    # The trainee is an account on this site: no email, no name.
    assert {json.dumps(s["actor"]) for s in built} == {json.dumps(
        {"objectType": "Agent", "account": {"homePage": f"{SITE}/", "name": str(trainee.id)}})}
    assert "rahma@kukar.example" not in json.dumps(built) and "Rahmawati" not in json.dumps(built)
    course_iri = f"{SITE}/kursus/{course.slug}"
    lesson = module.lessons[0]
    assert built[0]["object"]["id"] == course_iri
    assert built[0]["verb"] == {"id": "http://adlnet.gov/expapi/verbs/registered",
                                "display": {"id-ID": "mendaftar", "en-US": "registered"}}
    assert built[1]["object"] == {"objectType": "Activity", "id": f"{course_iri}/{module.slug}/{lesson.slug}",
                                  "definition": {"type": "http://adlnet.gov/expapi/activities/lesson",
                                                 "name": {"id-ID": lesson.title}}}
    assert built[1]["context"]["contextActivities"]["grouping"][0]["id"] == course_iri
    assert built[1]["context"]["contextActivities"]["parent"][0]["id"] == f"{course_iri}#modul-{module.slug}"
    failed, passed = built[4], built[6]
    assert failed["object"]["id"] == passed["object"]["id"] == f"{SITE}/kuis/{quiz.id}"
    assert failed["verb"]["display"] == {"id-ID": "tidak lulus", "en-US": "failed"}
    assert failed["result"]["success"] is False and failed["result"]["score"]["scaled"] < 0.7
    assert passed["result"]["success"] is True
    assert passed["result"]["score"] == {"raw": 4.0, "min": 0, "max": 4.0, "scaled": 1.0}
    assert passed["result"]["duration"].startswith("PT")
    assert built[7]["object"]["id"] == course_iri and built[7]["result"] == {"completion": True}
    code = db.session.scalar(db.select(db.text("code FROM certificates")))
    assert built[8]["object"]["id"] == f"{SITE}/verify/{code}"
    assert built[8]["verb"]["id"] == "http://id.tincanapi.com/verb/earned"
    assert all(s["timestamp"].endswith("Z") and s["version"] == "1.0.3" for s in built)


def test_repeated_actions_add_no_statement(app, client, make_user, login_as):
    course = make_course(modules=1, lessons=1)
    trainee = make_user()
    login_as(trainee)
    assert client.post(f"/kursus/{course.slug}/daftar").status_code == 302
    assert client.post(f"/kursus/{course.slug}/daftar").status_code == 302
    lesson = f"/kursus/{course.slug}/{course.modules[0].slug}/{course.modules[0].lessons[0].slug}"
    client.post(f"{lesson}/selesai")
    client.post(f"{lesson}/selesai")
    assert [row.verb for row in outbox()] == ["registered", "completed"]


def test_an_action_rolled_back_leaves_no_statement(make_user):
    course = make_course(modules=1, lessons=1)
    trainee = make_user()
    progress.enroll(trainee, course)
    db.session.rollback()
    assert outbox() == []


def test_email_identifies_the_trainee_only_when_configured(app, make_user, monkeypatch):
    monkeypatch.setitem(app.config, "XAPI_ACTOR_EMAIL", True)
    trainee = make_user(full_name="Budi Santoso", email="budi@kukar.example")
    progress.enroll(trainee, make_course(modules=1, lessons=1))
    db.session.commit()
    assert outbox()[0].statement["actor"] == {"objectType": "Agent", "name": "Budi Santoso",
                                              "mbox": "mailto:budi@kukar.example"}


def test_an_lrs_that_is_away_leaves_statements_waiting_longer_after_each_failure(app, make_user, monkeypatch):
    monkeypatch.setitem(app.config, "XAPI_RETRY_SECONDS", 60)
    trainee = make_user()
    progress.enroll(trainee, make_course(modules=1, lessons=1))
    db.session.commit()
    lrs = Lrs(f"http://127.0.0.1:{free_port()}/xAPI", "kim", "rahasia", timeout=2)
    now = utcnow()
    outcome = services.send_due(lrs, now=now)
    db.session.commit()
    assert outcome == services.BatchOutcome(sent=0, failed=1, unavailable=True)
    row = outbox()[0]
    assert row.sent_at is None and row.tries == 1 and row.last_error
    assert row.next_attempt_at == now + timedelta(seconds=60)
    # Not due again before its wait is over; then the wait doubles.
    assert services.send_due(lrs, now=now + timedelta(seconds=59)) == services.BatchOutcome()
    services.send_due(lrs, now=now + timedelta(seconds=60))
    db.session.commit()
    assert outbox()[0].tries == 2 and outbox()[0].next_attempt_at == now + timedelta(seconds=180)
    assert services.outbox_counts() == services.OutboxCounts(pending=1, retrying=1, sent=0)


def test_a_quiz_and_the_reports_work_while_the_lrs_is_unreachable(app, client, make_user, login_as, monkeypatch):
    monkeypatch.setitem(app.config, "XAPI_ENDPOINT", f"http://127.0.0.1:{free_port()}/xAPI")
    course = make_course(modules=1, lessons=1)
    trainee = make_user(full_name="Siti Aminah")
    login_as(trainee)
    walk_course(client, course)
    assert len(outbox()) == 8 and all(row.tries == 0 for row in outbox())  # nothing was tried in a request
    coordinator = app.test_client()
    login_as(make_user(role="coordinator"), the_client=coordinator)
    assert coordinator.get("/laporan/").status_code == 200
    roster = coordinator.get("/laporan/peserta").get_data(as_text=True)
    assert "Siti Aminah" in roster and "Selesai" in roster


def test_send_without_an_endpoint_says_how_to_export(runner, app, monkeypatch):
    monkeypatch.setitem(app.config, "XAPI_ENDPOINT", "")
    result = runner.invoke(args=["xapi", "send"])
    assert result.exit_code == 1 and "flask xapi export" in result.output


def _statements_of_two_regencies(make_user):
    course = make_course(modules=1, lessons=1)
    kukar = make_user(regency_code="64.02")
    mahulu = make_user(regency_code="64.11")
    for trainee in (kukar, mahulu):
        progress.enroll(trainee, course)
    db.session.commit()
    return kukar, mahulu


def test_a_regency_coordinator_downloads_only_their_regencys_statements(client, make_user, login_as):
    kukar, mahulu = _statements_of_two_regencies(make_user)
    login_as(make_user(role="coordinator", regency_code="64.02"))
    response = client.get("/laporan/xapi/pernyataan.jsonl?wilayah=64.11")  # another regency's code is ignored
    assert response.status_code == 200 and response.mimetype == "application/x-ndjson"
    lines = [json.loads(line) for line in response.get_data(as_text=True).splitlines()]
    assert [line["actor"]["account"]["name"] for line in lines] == [str(kukar.id)]
    page = client.get("/laporan/xapi/").get_data(as_text=True)
    assert "Menunggu dikirim" in page and "Kutai Kartanegara" in page


def test_an_admin_downloads_every_or_one_regencys_statements(client, make_user, login_as):
    kukar, mahulu = _statements_of_two_regencies(make_user)
    login_as(make_user(role="admin", regency_code="64"))
    every = client.get("/laporan/xapi/pernyataan.jsonl").get_data(as_text=True).splitlines()
    assert len(every) == 2
    one = client.get("/laporan/xapi/pernyataan.jsonl?wilayah=64.11").get_data(as_text=True).splitlines()
    assert [json.loads(line)["actor"]["account"]["name"] for line in one] == [str(mahulu.id)]
    db.session.execute(db.update(XapiStatement).values(sent_at=utcnow()))
    db.session.commit()
    assert client.get("/laporan/xapi/pernyataan.jsonl?menunggu=1").get_data(as_text=True) == ""


@pytest.mark.parametrize("role", ["trainee", "trainer"])
def test_trainees_and_trainers_cannot_download_statements(client, make_user, login_as, role):
    login_as(make_user(role=role))
    assert client.get("/laporan/xapi/pernyataan.jsonl").status_code == 403


def test_the_cli_exports_json_lines_of_a_regency(runner, make_user):
    kukar, _mahulu = _statements_of_two_regencies(make_user)
    result = runner.invoke(args=["xapi", "export", "--wilayah", "64.02"])
    assert result.exit_code == 0
    assert [json.loads(line)["actor"]["account"]["name"] for line in result.output.splitlines()] == [str(kukar.id)]
