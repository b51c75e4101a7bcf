"""Extra attempts: who may grant them, what the trainee then sees, and the stalled list's "kesempatan kuis habis"."""
from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import func, select

from app.accounts.models import AuditEntry, Role, User
from app.catalog import retiring
from app.extensions import db
from app.progress.models import Enrollment
from app.quizzes import grants, services
from app.quizzes.models import AttemptGrant, Quiz
from tests.factories import make_course
from tests.test_quizzes_attempts import WRONG, sheet, start


@dataclass
class Scene:
    """A one-attempt quiz whose attempt the Kukar trainee used up, and the people around it."""

    quiz: Quiz
    trainee: User
    people: dict[str, User]

    @property
    def url(self) -> str:
        return f"/kuis/{self.quiz.id}/peserta/{self.trainee.id}/kesempatan"


@pytest.fixture
def scene(app, make_user) -> Scene:
    people = {
        "owner": make_user(Role.TRAINER, "64"), "co_owner": make_user(Role.TRAINER, "64"),
        "other_trainer": make_user(Role.TRAINER, "64"), "kukar_coordinator": make_user(Role.COORDINATOR, "64.02"),
        "berau_coordinator": make_user(Role.COORDINATOR, "64.03"), "province_coordinator": make_user(Role.COORDINATOR, "64"),
        "admin": make_user(Role.ADMIN, "64"), "other_trainee": make_user(Role.TRAINEE, "64.02"),
    }
    course = make_course(modules=1, max_attempts=1, owners=[people["owner"], people["co_owner"]])
    trainee = make_user(Role.TRAINEE, "64.02", full_name="Sari Kukar")
    people["trainee"] = trainee
    db.session.add(Enrollment(user_id=trainee.id, course_id=course.id))
    db.session.commit()
    quiz = course.modules[0].quiz
    services.submit_attempt(services.start_attempt(trainee, quiz), {})
    db.session.commit()
    return Scene(quiz, trainee, people)


def _grants() -> int:
    return db.session.scalar(select(func.count(AttemptGrant.id)))


MAY = ["owner", "co_owner", "kukar_coordinator", "province_coordinator", "admin"]
MAY_NOT = ["other_trainer", "berau_coordinator", "trainee", "other_trainee"]


def test_these_roles_may_grant_and_each_grant_is_audited(app, login_as, scene):
    for count, who in enumerate(MAY, start=1):
        each = app.test_client()
        login_as(scene.people[who], the_client=each)
        page = each.get(scene.url).get_data(as_text=True)
        assert "Kesempatan tambahan untuk Sari Kukar" in page and f"1 dari {count}" in page, who
        response = each.post(scene.url, data={"extra": "1", "reason": f"Sinyal putus ({who})."})
        assert response.status_code == 302, who
        grant = db.session.scalars(select(AttemptGrant).order_by(AttemptGrant.id.desc())).first()
        assert (grant.extra, grant.reason, grant.granted_by_id) == (1, f"Sinyal putus ({who}).", scene.people[who].id)
        entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "quiz_attempts_granted")
                                   .order_by(AuditEntry.id.desc())).first()
        assert entry.actor_id == scene.people[who].id and entry.detail["extra"] == 1, who
        assert entry.detail["user_id"] == scene.trainee.id and entry.detail["reason"] == f"Sinyal putus ({who})."
        assert f"Sinyal putus ({who})." in each.get(scene.url).get_data(as_text=True)
    assert _grants() == len(MAY)
    log = each.get("/admin/audit?tindakan=quiz_attempts_granted").get_data(as_text=True)  # the admin's client
    assert log.count("menambah 1 kesempatan kuis untuk") == len(MAY)
    assert "Alasan: Sinyal putus (admin)." in log and '<option value="quiz_attempts_granted" selected>' in log


def test_these_roles_may_not_grant(app, login_as, scene):
    for who in MAY_NOT:
        each = app.test_client()
        login_as(scene.people[who], the_client=each)
        assert each.get(scene.url).status_code == 403, who
        assert each.post(scene.url, data={"extra": "1", "reason": "Coba."}).status_code == 403, who
    assert _grants() == 0


def test_anonymous_is_sent_to_log_in(client, scene):
    assert client.post(scene.url, data={"extra": "1", "reason": "Coba."}).location.startswith("/masuk?next=")
    assert _grants() == 0


def test_the_trainee_sees_the_new_attempt_and_is_unblocked(client, login_as, scene):
    login_as(scene.trainee)
    overview = client.get(f"/kuis/{scene.quiz.id}").get_data(as_text=True)
    assert "sudah habis" in overview and "Coba lagi" not in overview
    assert client.post(f"/kuis/{scene.quiz.id}/mulai").location == f"/kuis/{scene.quiz.id}"  # refused
    services_grant(scene, "province_coordinator")
    overview = client.get(f"/kuis/{scene.quiz.id}").get_data(as_text=True)
    assert "1 dari 2 (termasuk 1 kesempatan tambahan)" in overview and "Coba lagi" in overview
    attempt_id = start(client, scene.quiz)
    client.post(f"/kuis/percobaan/{attempt_id}/kirim", data=sheet(scene.quiz, WRONG))
    # The granted attempt is used up too: blocked again, and the answers are now shown.
    assert "Coba lagi" not in client.get(f"/kuis/{scene.quiz.id}").get_data(as_text=True)
    assert "Penjelasan single." in client.get(f"/kuis/percobaan/{attempt_id}/hasil").get_data(as_text=True)


def services_grant(scene: Scene, who: str) -> None:
    """Grant one attempt through the service, as the page does."""
    from app.quizzes import grants
    grants.grant_attempts(scene.quiz, scene.trainee, 1, "Uji.", scene.people[who])
    db.session.commit()


def test_a_blocked_trainee_is_in_the_stalled_list_until_granted(client, login_as, scene):
    login_as(scene.people["kukar_coordinator"])
    page = client.get("/laporan/perlu-diingatkan").get_data(as_text=True)  # active today, yet listed
    assert f'href="/laporan/peserta/{scene.trainee.id}">Sari Kukar</a>' in page and "kesempatan kuis habis" in page
    assert f"/kuis/{scene.quiz.id}/peserta/{scene.trainee.id}/kesempatan?next=" in page
    person = client.get(f"/laporan/peserta/{scene.trainee.id}").get_data(as_text=True)
    assert "Kesempatan kuis habis" in person and "Beri kesempatan tambahan" in person
    response = client.post(f"{scene.url}?next=/laporan/perlu-diingatkan", data={"extra": "1", "reason": "Ujian ulang."})
    assert response.location == "/laporan/perlu-diingatkan"
    page = client.get("/laporan/perlu-diingatkan").get_data(as_text=True)
    assert "Sari Kukar mendapat 1 kesempatan tambahan untuk Kuis." in page  # the message, and no card any more
    assert f'href="/laporan/peserta/{scene.trainee.id}"' not in page and "kesempatan kuis habis" not in page


@pytest.mark.parametrize("data, message", [
    ({"extra": "1", "reason": "  "}, "Tulis alasannya."),
    ({"extra": "9", "reason": "Alasan."}, "Pilih jumlah dari daftar."),
    ({"extra": "dua", "reason": "Alasan."}, "Pilih jumlah dari daftar."),
    ({"extra": "1", "reason": "x" * 301}, "Paling banyak 300 karakter."),
])
def test_bad_input_is_refused_and_grants_nothing(client, login_as, scene, data, message):
    login_as(scene.people["admin"])
    response = client.post(scene.url, data=data)
    assert response.status_code == 200 and message in response.get_data(as_text=True)
    assert _grants() == 0


def test_an_unlimited_quiz_needs_no_grant_and_an_unenrolled_trainee_none(client, login_as, scene):
    login_as(scene.people["admin"])
    assert client.get(f"/kuis/{scene.quiz.id}/peserta/{scene.people['other_trainee'].id}/kesempatan").status_code == 404
    scene.quiz.max_attempts = None
    db.session.commit()
    page = client.post(scene.url, data={"extra": "1", "reason": "Alasan."}, follow_redirects=True).get_data(as_text=True)
    assert "tidak membatasi percobaan" in page and _grants() == 0


def test_a_quiz_with_a_grant_is_retired_when_removed_and_the_grant_kept(app, make_user):
    course = make_course(modules=1, max_attempts=1)
    quiz, trainee = course.modules[0].quiz, make_user(Role.TRAINEE, "64.02")
    db.session.add(Enrollment(user_id=trainee.id, course_id=course.id))
    grants.grant_attempts(quiz, trainee, 2, "Ujian ulang yang dijanjikan.", make_user(Role.ADMIN, "64"))
    db.session.commit()
    assert retiring.take_away([quiz])[quiz] == retiring.RETIRED  # no attempt yet: the grant alone keeps it
    db.session.commit()
    assert quiz.retired_at is not None and _grants() == 1
