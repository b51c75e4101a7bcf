"""Starting quiz attempts: the landing page, locking, shuffling, the attempt limit and races."""
from __future__ import annotations

import random
import re
import threading

import pytest

from app.accounts.models import Role
from app.extensions import db
from app.progress.models import Enrollment
from app.quizzes import services
from app.quizzes.models import Attempt, AttemptStatus, Quiz
from tests.factories import ANSWERS, make_course

WRONG = {"single": ["0"], "multi": ["1"], "tf": ["false"], "short": ["tidak tahu"]}


def enrol(user, course) -> None:
    """Enrol a user directly, as the learning pages do."""
    db.session.add(Enrollment(user_id=user.id, course_id=course.id))
    db.session.commit()


def sheet(quiz: Quiz, answers: dict) -> dict[str, list[str]]:
    """Form data answering the factory quiz: choice keys become choice ids, text stays text."""
    data = {}
    for question in quiz.questions:
        values = answers.get(question.key, [])
        if question.type != "short":
            ids = {choice.key: str(choice.id) for choice in question.choices}
            values = [ids[key] for key in values]
        data[f"q-{question.id}"] = values
    return data


def start(client, quiz: Quiz) -> int:
    """Press "Mulai kuis" and return the attempt id the page redirects to."""
    response = client.post(f"/kuis/{quiz.id}/mulai")
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    return int(re.search(r"/kuis/percobaan/(\d+)$", response.location).group(1))


def all_at_once(clients, request) -> list:
    """Send request(client) from every client at the same moment; return the answers in any order."""
    barrier = threading.Barrier(len(clients))
    answers, errors = [], []

    def send(each):
        try:
            barrier.wait(timeout=10)
            answers.append(request(each))
        except Exception as error:  # noqa: BLE001  (reported by the assertion below)
            errors.append(error)

    threads = [threading.Thread(target=send, args=(each,)) for each in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    return answers


def attempts(quiz: Quiz) -> list[Attempt]:
    return list(db.session.scalars(db.select(Attempt).where(Attempt.quiz_id == quiz.id).order_by(Attempt.number)))


@pytest.fixture
def course():
    return make_course(modules=2, lessons=1)


@pytest.fixture
def trainee(make_user, login_as, course):
    user = make_user(full_name="Siti Aminah")
    enrol(user, course)
    login_as(user)
    return user


def test_overview_shows_module_questions_pass_mark_and_start_button(client, trainee, course):
    quiz = course.modules[0].quiz
    page = client.get(f"/kuis/{quiz.id}").get_data(as_text=True)
    assert "Modul 1" in page
    assert "<dt>Jumlah soal</dt><dd>4</dd>" in page
    assert "70%" in page and "0 dari 3" in page
    assert f'action="/kuis/{quiz.id}/mulai"' in page and "Mulai kuis" in page
    assert "Percobaan sebelumnya" not in page


def test_start_stores_a_shuffled_layout_that_reloads_in_the_same_order(client, trainee, course):
    quiz = course.modules[0].quiz
    attempt_id = start(client, quiz)
    attempt = db.session.get(Attempt, attempt_id)
    assert attempt.number == 1 and attempt.status == AttemptStatus.OPEN and attempt.user_id == trainee.id
    assert sorted(entry["question"] for entry in attempt.layout) == sorted(q.id for q in quiz.questions)
    for entry in attempt.layout:
        question = next(q for q in quiz.questions if q.id == entry["question"])
        assert sorted(entry["choices"]) == sorted(c.id for c in question.choices)

    first = client.get(f"/kuis/percobaan/{attempt_id}").get_data(as_text=True)
    second = client.get(f"/kuis/percobaan/{attempt_id}").get_data(as_text=True)
    shown = re.findall(r'name="q-(\d+)" value="(\d+)"', first)
    assert shown == re.findall(r'name="q-(\d+)" value="(\d+)"', second)
    expected = [(str(e["question"]), str(c)) for e in attempt.layout for c in e["choices"]]
    assert shown == expected
    question_order = list(dict.fromkeys(re.findall(r'name="q-(\d+)"', first)))
    assert question_order == [str(e["question"]) for e in attempt.layout]


def test_different_attempts_get_their_own_order(app, make_user, course):
    quiz = course.modules[0].quiz
    questions = quiz.questions
    # Seeded generators make the difference certain; live attempts seed from the secrets module.
    one = services.build_layout(questions, random.Random(1))
    two = services.build_layout(questions, random.Random(2))
    assert one != two
    assert sorted(e["question"] for e in one) == sorted(e["question"] for e in two)

    user = make_user()
    enrol(user, course)
    first = services.start_attempt(user, quiz, rng=random.Random(1))
    first.status = AttemptStatus.SUBMITTED
    db.session.commit()
    second = services.start_attempt(user, quiz, rng=random.Random(2))
    db.session.commit()
    assert (first.number, second.number) == (1, 2)
    assert first.layout == one and second.layout == two


def test_starting_again_continues_the_open_attempt(client, trainee, course):
    quiz = course.modules[0].quiz
    assert start(client, quiz) == start(client, quiz)
    assert len(attempts(quiz)) == 1
    page = client.get(f"/kuis/{quiz.id}").get_data(as_text=True)
    assert "Lanjutkan kuis" in page and "Mulai kuis" not in page


def test_attempt_limit_refuses_a_start_beyond_it(client, make_user, login_as):
    course = make_course(modules=1, lessons=1, max_attempts=2)
    quiz = course.modules[0].quiz
    user = make_user()
    enrol(user, course)
    login_as(user)
    for _ in range(2):
        attempt_id = start(client, quiz)
        client.post(f"/kuis/percobaan/{attempt_id}/kirim", data=sheet(quiz, WRONG))

    response = client.post(f"/kuis/{quiz.id}/mulai", follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "Kesempatan mengerjakan kuis ini sudah habis (2 kali)." in page
    assert len(attempts(quiz)) == 2
    assert "2 dari 2" in page and f'action="/kuis/{quiz.id}/mulai"' not in page


def test_unlimited_quiz_allows_many_attempts(client, make_user, login_as):
    course = make_course(modules=1, lessons=1, max_attempts=None)
    quiz = course.modules[0].quiz
    assert quiz.max_attempts is None
    user = make_user()
    enrol(user, course)
    login_as(user)
    for _ in range(4):
        client.post(f"/kuis/percobaan/{start(client, quiz)}/kirim", data=sheet(quiz, WRONG))
    assert [a.number for a in attempts(quiz)] == [1, 2, 3, 4]
    assert "4 (tanpa batas)" in client.get(f"/kuis/{quiz.id}").get_data(as_text=True)


def test_best_score_counts_and_passing_once_is_enough(client, trainee, course):
    quiz = course.modules[0].quiz
    client.post(f"/kuis/percobaan/{start(client, quiz)}/kirim", data=sheet(quiz, WRONG))
    client.post(f"/kuis/percobaan/{start(client, quiz)}/kirim", data=sheet(quiz, ANSWERS))
    client.post(f"/kuis/percobaan/{start(client, quiz)}/kirim", data=sheet(quiz, WRONG))

    page = client.get(f"/kuis/{quiz.id}").get_data(as_text=True)
    assert "<dd>100%" in page and "Lulus" in page
    assert page.count("/hasil") == 3  # every earlier attempt links to its result
    assert "3 dari 3" in page and "sudah habis" in page


def test_a_locked_module_refuses_the_quiz_with_the_reason(client, make_user, login_as, course):
    stranger = make_user()
    login_as(stranger)
    quiz = course.modules[0].quiz
    response = client.post(f"/kuis/{quiz.id}/mulai")
    assert response.status_code == 403
    assert "Daftar kursus ini terlebih dahulu." in response.get_data(as_text=True)
    assert client.get(f"/kuis/{quiz.id}").status_code == 403

    enrol(stranger, course)
    second = course.modules[1].quiz
    response = client.post(f"/kuis/{second.id}/mulai")
    assert response.status_code == 403
    assert "Selesaikan modul &#39;Modul 1&#39; terlebih dahulu." in response.get_data(as_text=True)
    assert attempts(quiz) == [] and attempts(second) == []


def test_unknown_quiz_is_404(client, trainee):
    assert client.get("/kuis/999999").status_code == 404
    assert client.post("/kuis/999999/mulai").status_code == 404


def test_anonymous_visitors_are_sent_to_login(client, course):
    quiz = course.modules[0].quiz
    for method, url in (("get", f"/kuis/{quiz.id}"), ("post", f"/kuis/{quiz.id}/mulai"), ("get", "/kuis/percobaan/1"),
                        ("post", "/kuis/percobaan/1/kirim"), ("get", "/kuis/percobaan/1/hasil")):
        response = getattr(client, method)(url)
        assert response.status_code == 302 and "/masuk" in response.location


def test_another_users_attempt_is_not_found(client, app, trainee, course, make_user, login_as):
    quiz = course.modules[0].quiz
    attempt_id = start(client, quiz)
    other = app.test_client()
    intruder = make_user(role=Role.TRAINEE)
    enrol(intruder, course)
    login_as(intruder, the_client=other)
    assert other.get(f"/kuis/percobaan/{attempt_id}").status_code == 404
    assert other.post(f"/kuis/percobaan/{attempt_id}/kirim", data=sheet(quiz, ANSWERS)).status_code == 404
    assert other.get(f"/kuis/percobaan/{attempt_id}/hasil").status_code == 404
    assert db.session.get(Attempt, attempt_id).status == AttemptStatus.OPEN


def status_and_location(response) -> tuple[int, str | None]:
    """What a browser would see of a redirect: the status and where it leads."""
    return response.status_code, response.location


def test_concurrent_starts_make_one_attempt(app, make_user, login_as, course):
    quiz_id = course.modules[0].quiz.id
    user = make_user()
    enrol(user, course)
    clients = [app.test_client() for _ in range(5)]
    for each in clients:
        login_as(user, the_client=each)
    locations = all_at_once(clients, lambda each: status_and_location(each.post(f"/kuis/{quiz_id}/mulai")))
    db.session.expire_all()
    rows = list(db.session.scalars(db.select(Attempt).where(Attempt.quiz_id == quiz_id)))
    assert len(rows) == 1
    assert locations == [(302, f"/kuis/percobaan/{rows[0].id}")] * len(clients)
