"""Submitting an attempt: server-side grading, exactly once, refusal of foreign answers, results."""
from __future__ import annotations


import pytest

from app.catalog import versions
from app.extensions import db
from app.progress.models import Enrollment
from app.quizzes import services
from app.quizzes.models import Answer, Attempt, AttemptStatus, Question
from tests.factories import ANSWERS, make_course
from tests.test_quizzes_attempts import WRONG, status_and_location, all_at_once, enrol, sheet, start, trainee  # noqa: F401  (trainee: fixture)

# Single and true/false right, multiple half right (one of two correct ticks), short wrong: 2.5 of 4.
PARTLY = {"single": ["1"], "multi": ["0"], "tf": ["true"], "short": ["Komunitas Informasi"]}


@pytest.fixture
def course():
    return make_course(modules=2, lessons=1)


def answers_of(attempt_id: int) -> list[Answer]:
    return list(db.session.scalars(db.select(Answer).where(Answer.attempt_id == attempt_id)))


def test_submission_is_graded_on_the_server_and_stored(client, trainee, course):
    quiz = course.modules[0].quiz
    attempt_id = start(client, quiz)
    response = client.post(f"/kuis/percobaan/{attempt_id}/kirim", data=sheet(quiz, ANSWERS))
    assert response.status_code == 302 and response.location == f"/kuis/percobaan/{attempt_id}/hasil"

    attempt = db.session.get(Attempt, attempt_id)
    assert attempt.status == AttemptStatus.SUBMITTED and attempt.submitted_at is not None
    assert (attempt.score, attempt.max_score, attempt.percent, attempt.passed) == (4.0, 4.0, 100.0, True)
    stored = {answer.question.key: answer for answer in answers_of(attempt_id)}
    assert set(stored) == {"single", "multi", "tf", "short"} and all(a.correct for a in stored.values())
    multi = next(q for q in quiz.questions if q.key == "multi")
    assert sorted(stored["multi"].response) == sorted(str(c.id) for c in multi.choices if c.correct)
    assert stored["short"].response == ["kelompok informasi masyarakat"]
    enrollment = db.session.scalar(db.select(Enrollment).where(Enrollment.user_id == trainee.id))
    assert enrollment.best_score_percent == 100.0 and enrollment.last_activity_at is not None


def test_partial_credit_below_the_pass_mark_fails(client, trainee, course):
    quiz = course.modules[0].quiz
    attempt_id = start(client, quiz)
    page = client.post(f"/kuis/percobaan/{attempt_id}/kirim", data=sheet(quiz, PARTLY),
                       follow_redirects=True).get_data(as_text=True)
    attempt = db.session.get(Attempt, attempt_id)
    assert (attempt.score, attempt.percent, attempt.passed) == (2.5, 62.5, False)
    assert "Nilai Anda 62,5% (2,5 dari 4 poin)." in page and "Belum lulus" in page
    assert "Sebagian benar" in page and "Coba lagi" in page and "Sisa kesempatan: 2." in page


def test_result_page_explains_each_answer_when_the_quiz_reviews_always(client, trainee, course):
    quiz = course.modules[0].quiz
    quiz.review = "always"
    db.session.commit()
    attempt_id = start(client, quiz)
    client.post(f"/kuis/percobaan/{attempt_id}/kirim", data=sheet(quiz, WRONG))
    page = client.get(f"/kuis/percobaan/{attempt_id}/hasil").get_data(as_text=True)
    assert "Nilai Anda 0%" in page and "Belum lulus" in page
    # Feedback of the chosen choices only, the right answers, and every explanation.
    assert "Umpan balik single-0." in page and "Umpan balik single-1." not in page
    assert "Kurang tepat." in page and "Tepat." not in page.replace("Kurang tepat.", "")
    assert "Pilihan single-1" in page and "Kelompok Informasi Masyarakat" in page and "tidak tahu" in page
    for key in ("single", "multi", "tf", "short"):
        assert f"Penjelasan {key}." in page


def test_passing_result_offers_the_next_step_and_no_retry(client, trainee, course):
    quiz = course.modules[0].quiz
    attempt_id = start(client, quiz)
    page = client.post(f"/kuis/percobaan/{attempt_id}/kirim", data=sheet(quiz, ANSWERS),
                       follow_redirects=True).get_data(as_text=True)
    assert "Jawaban Anda sudah dinilai." in page and "Lulus" in page
    assert "Coba lagi" not in page
    assert f"/kursus/{course.slug}" in page


def test_the_same_submission_posted_twice_counts_once(client, trainee, course):
    quiz = course.modules[0].quiz
    attempt_id = start(client, quiz)
    client.post(f"/kuis/percobaan/{attempt_id}/kirim", data=sheet(quiz, ANSWERS))
    first = [(a.question_id, a.response, a.score) for a in answers_of(attempt_id)]

    again = client.post(f"/kuis/percobaan/{attempt_id}/kirim", data=sheet(quiz, WRONG), follow_redirects=True)
    assert again.status_code == 200
    assert "sudah dikirim sebelumnya" in again.get_data(as_text=True)
    db.session.expire_all()
    assert [(a.question_id, a.response, a.score) for a in answers_of(attempt_id)] == first
    assert db.session.get(Attempt, attempt_id).percent == 100.0


def test_service_reports_a_repeat_as_not_graded(app, make_user, course):
    quiz = course.modules[0].quiz
    user = make_user()
    enrol(user, course)
    attempt = services.start_attempt(user, quiz)
    assert services.submit_attempt(attempt, sheet(quiz, ANSWERS)).graded
    db.session.commit()
    assert not services.submit_attempt(attempt, sheet(quiz, WRONG)).graded
    assert len(answers_of(attempt.id)) == 4


def test_concurrent_submissions_are_graded_once(app, make_user, login_as, course):
    quiz = course.modules[0].quiz
    user = make_user()
    enrol(user, course)
    clients = [app.test_client() for _ in range(5)]
    for each in clients:
        login_as(user, the_client=each)
    attempt_id = start(clients[0], quiz)
    data = sheet(quiz, ANSWERS)
    statuses = all_at_once(clients, lambda each: status_and_location(each.post(f"/kuis/percobaan/{attempt_id}/kirim", data=data)))
    assert statuses == [(302, f"/kuis/percobaan/{attempt_id}/hasil")] * len(clients)
    db.session.expire_all()
    assert len(answers_of(attempt_id)) == 4
    attempt = db.session.get(Attempt, attempt_id)
    assert attempt.status == AttemptStatus.SUBMITTED and attempt.score == 4.0
    assert db.session.scalar(db.select(db.func.count()).select_from(Attempt)) == 1


def _refused(client, attempt_id: int, data: dict) -> str:
    response = client.post(f"/kuis/percobaan/{attempt_id}/kirim", data=data)
    assert response.status_code == 400
    db.session.expire_all()
    attempt = db.session.get(Attempt, attempt_id)
    assert attempt.status == AttemptStatus.OPEN and attempt.score is None and attempt.submitted_at is None
    assert answers_of(attempt_id) == []
    return response.get_data(as_text=True)


def test_a_choice_of_another_question_is_refused(client, trainee, course):
    quiz = course.modules[0].quiz
    attempt_id = start(client, quiz)
    single = next(q for q in quiz.questions if q.key == "single")
    multi = next(q for q in quiz.questions if q.key == "multi")
    data = sheet(quiz, ANSWERS) | {f"q-{single.id}": [str(multi.choices[0].id)]}
    page = _refused(client, attempt_id, data)
    assert "tidak dapat diterima: Jawaban memuat pilihan yang tidak ada pada soal ini." in page
    assert "Jawaban belum dikirim dan belum dinilai" in page
    assert f'name="q-{single.id}"' in page  # the quiz page again, to correct and resend


def test_a_choice_of_another_quiz_is_refused(client, trainee, course):
    quiz, other = course.modules[0].quiz, course.modules[1].quiz
    attempt_id = start(client, quiz)
    multi = next(q for q in quiz.questions if q.key == "multi")
    foreign = next(q for q in other.questions if q.key == "multi").choices[0]
    page = _refused(client, attempt_id, sheet(quiz, ANSWERS) | {f"q-{multi.id}": [str(multi.choices[0].id), str(foreign.id)]})
    assert "Jawaban memuat pilihan yang tidak ada pada soal ini." in page


@pytest.mark.parametrize("name", ["q-999999", "q-abc", "q-"])
def test_an_unknown_question_is_refused(client, trainee, course, name):
    quiz = course.modules[0].quiz
    attempt_id = start(client, quiz)
    page = _refused(client, attempt_id, sheet(quiz, ANSWERS) | {name: ["1"]})
    assert "Lembar jawaban memuat soal yang tidak ada pada kuis ini." in page


def test_a_question_of_another_quiz_is_refused(client, trainee, course):
    quiz, other = course.modules[0].quiz, course.modules[1].quiz
    attempt_id = start(client, quiz)
    question = other.questions[0]
    page = _refused(client, attempt_id, sheet(quiz, ANSWERS) | {f"q-{question.id}": [str(question.choices[0].id)]})
    assert "Lembar jawaban memuat soal yang tidak ada pada kuis ini." in page


def test_two_answers_to_a_one_answer_question_are_refused(client, trainee, course):
    quiz = course.modules[0].quiz
    attempt_id = start(client, quiz)
    single = next(q for q in quiz.questions if q.key == "single")
    page = _refused(client, attempt_id, sheet(quiz, ANSWERS) | {f"q-{single.id}": [str(c.id) for c in single.choices[:2]]})
    assert "Soal ini hanya menerima satu jawaban." in page


def test_refused_sheet_can_be_corrected_and_sent(client, trainee, course):
    quiz = course.modules[0].quiz
    attempt_id = start(client, quiz)
    _refused(client, attempt_id, sheet(quiz, ANSWERS) | {"q-999999": ["1"]})
    assert client.post(f"/kuis/percobaan/{attempt_id}/kirim", data=sheet(quiz, ANSWERS)).status_code == 302
    assert db.session.get(Attempt, attempt_id).passed is True


def test_unanswered_questions_score_zero_once_the_trainee_confirms(client, trainee, course):
    quiz = course.modules[0].quiz
    attempt_id = start(client, quiz)
    assert client.post(f"/kuis/percobaan/{attempt_id}/kirim", data={}).status_code == 200  # asks first
    assert db.session.get(Attempt, attempt_id).status == AttemptStatus.OPEN
    assert client.post(f"/kuis/percobaan/{attempt_id}/kirim", data={"konfirmasi": "1"}).status_code == 302
    attempt = db.session.get(Attempt, attempt_id)
    assert (attempt.score, attempt.max_score, attempt.passed) == (0.0, 4.0, False)
    assert [a.response for a in answers_of(attempt_id)] == [[], [], [], []]
    assert "Tidak dijawab." in client.get(f"/kuis/percobaan/{attempt_id}/hasil").get_data(as_text=True)


def test_open_attempt_result_goes_to_the_quiz_and_submitted_quiz_to_the_result(client, trainee, course):
    quiz = course.modules[0].quiz
    attempt_id = start(client, quiz)
    assert client.get(f"/kuis/percobaan/{attempt_id}/hasil").location == f"/kuis/percobaan/{attempt_id}"
    client.post(f"/kuis/percobaan/{attempt_id}/kirim", data=sheet(quiz, ANSWERS))
    assert client.get(f"/kuis/percobaan/{attempt_id}").location == f"/kuis/percobaan/{attempt_id}/hasil"


def test_submission_without_csrf_token_is_refused(app, client, trainee, course, monkeypatch):
    quiz = course.modules[0].quiz
    attempt_id = start(client, quiz)
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    assert client.post(f"/kuis/percobaan/{attempt_id}/kirim", data=sheet(quiz, ANSWERS)).status_code == 400
    assert client.post(f"/kuis/{quiz.id}/mulai").status_code == 400
    assert db.session.get(Attempt, attempt_id).status == AttemptStatus.OPEN


def test_a_question_removed_after_the_start_is_left_out(client, trainee, course):
    quiz = course.modules[0].quiz
    attempt_id = start(client, quiz)
    short = next(q for q in quiz.questions if q.key == "short")
    data = sheet(quiz, ANSWERS)
    del data[f"q-{short.id}"]
    db.session.delete(db.session.get(Question, short.id))
    versions.bump([course.id])  # as the authoring services do: the kept question bank is read again
    db.session.commit()
    assert client.post(f"/kuis/percobaan/{attempt_id}/kirim", data=data).status_code == 302
    assert db.session.get(Attempt, attempt_id).max_score == 3.0
