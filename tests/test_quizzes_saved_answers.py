"""Answers saved while working, and the confirmation before submitting with unanswered questions."""
from __future__ import annotations

import re

from app.extensions import db
from app.quizzes.models import Answer, Attempt, AttemptStatus
from tests.factories import ANSWERS
from tests.test_quizzes_attempts import sheet, start, trainee  # noqa: F401  (trainee: fixture)
from tests.test_quizzes_submission import course  # noqa: F401  (fixture)


def _question(quiz, key):
    return next(question for question in quiz.questions if question.key == key)


def _number(attempt_id: int, question) -> int:
    """The question's number (1, 2, ...) in the attempt's own order."""
    layout = db.session.get(Attempt, attempt_id).layout
    return [entry["question"] for entry in layout].index(question.id) + 1


def _answers_count(attempt_id: int) -> int:
    return db.session.scalar(db.select(db.func.count(Answer.id)).where(Answer.attempt_id == attempt_id))


def test_saved_answers_are_on_the_page_when_the_trainee_comes_back(client, trainee, course):
    quiz = course.modules[0].quiz
    attempt_id = start(client, quiz)
    partial = {key: value for key, value in sheet(quiz, ANSWERS).items() if key in (
        f"q-{_question(quiz, 'single').id}", f"q-{_question(quiz, 'short').id}")}
    response = client.post(f"/kuis/percobaan/{attempt_id}/simpan", data=partial)
    assert response.status_code == 302 and response.location == f"/kuis/percobaan/{attempt_id}"
    assert "Jawaban tersimpan" in client.get(response.location).get_data(as_text=True)
    # Leave for the course page, come back through the quiz page: the answers are there.
    assert "Lanjutkan kuis" in client.get(f"/kuis/{quiz.id}").get_data(as_text=True)
    page = client.get(f"/kuis/percobaan/{attempt_id}").get_data(as_text=True)
    chosen = _question(quiz, "single").choices[1].id
    assert re.search(rf'id="c-{chosen}" name="q-\d+" value="{chosen}" checked', page)
    assert 'value="kelompok informasi masyarakat"' in page and page.count(" checked") == 1
    assert "Jawaban terakhir disimpan" in page
    attempt = db.session.get(Attempt, attempt_id)
    assert attempt.status == AttemptStatus.OPEN and attempt.score is None and _answers_count(attempt_id) == 0


def test_saving_again_replaces_what_was_saved(client, trainee, course):
    quiz = course.modules[0].quiz
    attempt_id = start(client, quiz)
    client.post(f"/kuis/percobaan/{attempt_id}/simpan", data=sheet(quiz, ANSWERS))
    client.post(f"/kuis/percobaan/{attempt_id}/simpan", data={f"q-{_question(quiz, 'tf').id}": ["false"]})
    saved = db.session.get(Attempt, attempt_id).saved_answers
    false_id = str(_question(quiz, "tf").choices[1].id)
    assert len(saved) == 4  # "false" is no choice id of the true/false question: refused, nothing changed
    client.post(f"/kuis/percobaan/{attempt_id}/simpan", data={f"q-{_question(quiz, 'tf').id}": [false_id]})
    db.session.expire_all()
    assert db.session.get(Attempt, attempt_id).saved_answers == {str(_question(quiz, "tf").id): [false_id]}


def test_a_sheet_that_grading_would_refuse_is_not_saved(client, trainee, course):
    quiz = course.modules[0].quiz
    attempt_id = start(client, quiz)
    client.post(f"/kuis/percobaan/{attempt_id}/simpan", data=sheet(quiz, ANSWERS))
    for bad in ({"q-999999": ["1"]}, {f"q-{_question(quiz, 'single').id}": ["424242"]},
                {f"q-{_question(quiz, 'short').id}": ["x" * 501]}):
        response = client.post(f"/kuis/percobaan/{attempt_id}/simpan", data=bad)
        assert response.status_code == 400 and "Jawaban belum dikirim" in response.get_data(as_text=True)
        reply = client.post(f"/kuis/percobaan/{attempt_id}/simpan", data=bad, headers={"Accept": "application/json"})
        assert reply.status_code == 400 and reply.json["message"]
    db.session.expire_all()
    assert len(db.session.get(Attempt, attempt_id).saved_answers) == 4


def test_the_page_script_saves_with_a_json_reply(client, trainee, course):
    quiz = course.modules[0].quiz
    attempt_id = start(client, quiz)
    reply = client.post(f"/kuis/percobaan/{attempt_id}/simpan", data=sheet(quiz, {"multi": ["0"]}),
                        headers={"Accept": "application/json"})
    assert reply.status_code == 200 and reply.json["message"].startswith("Jawaban tersimpan")
    assert db.session.get(Attempt, attempt_id).saved_answers == {
        str(_question(quiz, "multi").id): [str(_question(quiz, "multi").choices[0].id)]}


def test_a_submitted_attempt_keeps_its_graded_answers_when_a_late_save_arrives(client, trainee, course):
    quiz = course.modules[0].quiz
    attempt_id = start(client, quiz)
    client.post(f"/kuis/percobaan/{attempt_id}/kirim", data=sheet(quiz, ANSWERS))
    late = client.post(f"/kuis/percobaan/{attempt_id}/simpan", data=sheet(quiz, {}))
    assert late.status_code == 302 and late.location == f"/kuis/percobaan/{attempt_id}/hasil"
    json_reply = client.post(f"/kuis/percobaan/{attempt_id}/simpan", data={}, headers={"Accept": "application/json"})
    assert json_reply.status_code == 200 and json_reply.json["closed"] is True
    attempt = db.session.get(Attempt, attempt_id)
    assert attempt.percent == 100 and attempt.saved_answers == {} and _answers_count(attempt_id) == 4


def test_submitting_with_an_unanswered_question_asks_first_and_keeps_the_answers(client, trainee, course):
    quiz = course.modules[0].quiz
    attempt_id = start(client, quiz)
    blank = _question(quiz, "tf")
    answers = sheet(quiz, {key: value for key, value in ANSWERS.items() if key != "tf"})
    page = client.post(f"/kuis/percobaan/{attempt_id}/kirim", data=answers).get_data(as_text=True)
    number = _number(attempt_id, blank)
    assert "Masih ada soal yang belum dijawab" in page and "1 dari 4 soal belum dijawab" in page
    assert f'href="/kuis/percobaan/{attempt_id}#soal-{number}">Soal {number}</a>' in page
    assert "Kembali menjawab" in page and "Kirim tetap" in page
    attempt = db.session.get(Attempt, attempt_id)
    assert attempt.status == AttemptStatus.OPEN and _answers_count(attempt_id) == 0
    # "Kembali menjawab": the quiz page has every answer given, and the blank question still blank.
    taking = client.get(f"/kuis/percobaan/{attempt_id}").get_data(as_text=True)
    assert taking.count(" checked") == 3 and f'id="soal-{number}"' in taking
    # "Kirim tetap" sends the same answers, confirmed: graded once, the blank one scoring zero.
    fields = dict.fromkeys(re.findall(r'<input type="hidden" name="(q-\d+)" value="[^"]*">', page))
    assert set(fields) == {name for name, values in answers.items() if values}
    confirmed = client.post(f"/kuis/percobaan/{attempt_id}/kirim", data={**answers, "konfirmasi": "1"})
    assert confirmed.location == f"/kuis/percobaan/{attempt_id}/hasil"
    db.session.expire_all()
    attempt = db.session.get(Attempt, attempt_id)
    assert attempt.status == AttemptStatus.SUBMITTED and attempt.percent == 75 and _answers_count(attempt_id) == 4


def test_a_sheet_with_nothing_answered_never_counts_unless_confirmed(client, trainee, course):
    quiz = course.modules[0].quiz
    attempt_id = start(client, quiz)
    for _ in range(2):  # a double tap on "Kirim jawaban" with nothing ticked
        page = client.post(f"/kuis/percobaan/{attempt_id}/kirim", data={}).get_data(as_text=True)
        assert "4 dari 4 soal belum dijawab" in page
    assert db.session.get(Attempt, attempt_id).status == AttemptStatus.OPEN
    assert "Mulai kuis" not in client.get(f"/kuis/{quiz.id}").get_data(as_text=True)  # no attempt was spent


def test_a_confirmation_that_arrives_after_another_tab_submitted_grades_nothing_again(client, trainee, course):
    quiz = course.modules[0].quiz
    attempt_id = start(client, quiz)
    client.post(f"/kuis/percobaan/{attempt_id}/kirim", data=sheet(quiz, ANSWERS))
    again = client.post(f"/kuis/percobaan/{attempt_id}/kirim", data={}, follow_redirects=True).get_data(as_text=True)
    assert "sudah dikirim sebelumnya" in again and "belum dijawab" not in again
    assert db.session.get(Attempt, attempt_id).percent == 100
