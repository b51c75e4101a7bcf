"""The authorization matrix: for every endpoint, the outcome each role gets, and how to build its URL.

Outcomes: "ok" (2xx, or a redirect anywhere but the login page), "login" (a redirect to the login
page carrying next=), "forbidden" (403 or 404). tests/test_security_authz_matrix.py fails for any
endpoint of app.url_map without an entry here. The matrix checks roles against the objects a role
is meant to reach (the trainee's own attempt, the trainer's own course, the coordinator's own
regency); tests/test_security_objects.py checks the objects of someone else.
"""
from __future__ import annotations

import hashlib
import itertools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.security import generate_password_hash

from app.accounts import tokens
from app.accounts.models import Regency, Role, User, unusable_password_hash
from app.authoring import revisions
from app.catalog import versions
from app.catalog.models import Course, CourseFile, Revision, Status
from app.extensions import db, utcnow
from app.progress import certificates, services as progress
from app.progress.models import Certificate
from app.quizzes import services as quizzes
from app.quizzes.models import Attempt, Choice, Question
from tests.conftest import PASSWORD, TEST_PASSWORD_HASH
from tests.factories import make_course

ANONYMOUS = "anonymous"
TRAINEE = "trainee"
TRAINER = "trainer"
COORDINATOR_REGENCY = "coordinator_regency"
COORDINATOR_PROVINCE = "coordinator_province"
ADMIN = "admin"
ROLES = (ANONYMOUS, TRAINEE, TRAINER, COORDINATOR_REGENCY, COORDINATOR_PROVINCE, ADMIN)

OK, LOGIN, FORBIDDEN = "ok", "login", "forbidden"

# Blueprints whose pages are still being written: their endpoints may lack an entry for now.
# (account role, regency code) of each matrix role; the regency coordinator and the trainee share Kukar.
_ACCOUNTS = {
    TRAINEE: (Role.TRAINEE, "64.02"),
    TRAINER: (Role.TRAINER, "64"),
    COORDINATOR_REGENCY: (Role.COORDINATOR, "64.02"),
    COORDINATOR_PROVINCE: (Role.COORDINATOR, "64"),
    ADMIN: (Role.ADMIN, "64"),
}
_PASSWORD_HASH = generate_password_hash(PASSWORD, method=TEST_PASSWORD_HASH)  # hashed once: the matrix builds many worlds
_fresh = itertools.count(1)


@dataclass
class World:
    """The accounts and content that URL builders refer to, created fresh for each test."""

    users: dict[str, User]
    other_trainee: User  # a trainee of Mahakam Ulu: outside the regency coordinator's area
    course: Course  # published, owned by the trainer; every account is enrolled
    other_course: Course  # a draft the trainer does not own
    certificate: Certificate  # the trainee's, for the trainer's course
    submitted_attempt: Attempt  # the trainee's graded first attempt at the first quiz
    open_attempt: Attempt  # the trainee's second attempt at it, still open
    revision: Revision  # the first lesson's state before a browser edit

    @property
    def module(self):
        """The first module of the trainer's course."""
        return self.course.modules[0]

    @property
    def lesson(self):
        """The first lesson of the trainer's course."""
        return self.module.lessons[0]

    @property
    def quiz(self):
        """The quiz of the first module of the trainer's course."""
        return self.module.quiz


def account(role: str, regency_code: str, email: str) -> User:
    """An account added to the session (the caller commits), with the test password."""
    regency = db.session.scalar(db.select(Regency).where(Regency.code == regency_code))
    user = User(email=email, full_name=f"Matriks {email.split('@')[0]}", role=role, regency_id=regency.id, password_hash=_PASSWORD_HASH)
    db.session.add(user)
    return user


def edited_lesson_revision(lesson, author: User) -> Revision:
    """Edit the lesson as the browser does; return the revision holding its state before the edit."""
    before = revisions.snapshot(revisions.LESSON, lesson)
    lesson.body_md += "\n\nDiperbarui di peramban."
    revisions.record_revision(revisions.LESSON, lesson, author, before)
    return revisions.history(revisions.LESSON, lesson.id)[-1]


def build_world() -> World:
    """Create one account per matrix role, a trainee elsewhere, two courses, progress and a revision."""
    users = {name: account(role, code, f"{name.replace('_', '.')}@matriks.example") for name, (role, code) in _ACCOUNTS.items()}
    other_trainee = account(Role.TRAINEE, "64.11", "peserta.mahulu@matriks.example")
    db.session.commit()
    course = make_course(slug="matriks-terbit", owners=[users[TRAINER]])
    other_course = make_course(slug="matriks-draf", status=Status.DRAFT, modules=1, lessons=1)
    for user in users.values():  # enrolled, so that lessons and quizzes are open to every role
        progress.enroll(user, course)
    trainee, quiz = users[TRAINEE], course.modules[0].quiz
    submitted = quizzes.start_attempt(trainee, quiz)
    quizzes.submit_attempt(submitted, {})
    opened = quizzes.start_attempt(trainee, quiz)
    certificate = certificates.issue(trainee, course, submitted.submitted_at)
    revision = edited_lesson_revision(course.modules[0].lessons[0], users[TRAINER])
    db.session.commit()
    return World(users=users, other_trainee=other_trainee, course=course, other_course=other_course,
                 certificate=certificate, submitted_attempt=submitted, open_attempt=opened, revision=revision)


def sign_in(client: FlaskClient, user: User) -> None:
    """Put the user in the client's session as Flask-Login does (the login form has its own tests)."""
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True


def everyone(outcome: str = OK) -> dict[str, str]:
    """The same outcome for every role, anonymous included."""
    return dict.fromkeys(ROLES, outcome)


def signed_in(**overrides: str) -> dict[str, str]:
    """Anonymous is sent to login; every account gets ok unless overridden."""
    return {**everyone(OK), ANONYMOUS: LOGIN, **overrides}


def only(*roles: str) -> dict[str, str]:
    """Anonymous is sent to login; the given roles get ok; every other account is forbidden."""
    return {**everyone(FORBIDDEN), ANONYMOUS: LOGIN, **dict.fromkeys(roles, OK)}


def _no_args(world: World) -> dict:
    return {}


@dataclass(frozen=True)
class Expect:
    """What each role gets from one endpoint; how to build its URL and its form data.

    url_args is called once per role and method, so a builder may create a fresh object for
    each request (a question to delete) when an earlier role's request would use it up.
    """

    outcomes: Mapping[str, str]
    url_args: Callable[[World], dict] = _no_args
    data: Callable[[World], dict] = _no_args
    methods: tuple[str, ...] = ()  # empty: every method of the route but HEAD and OPTIONS
    note: str = field(default="", compare=False)


# Who reaches what: the trainer's course is edited by its owner and admins; reports are for
# coordinators and admins; a certificate is seen by its owner and whoever sees the owner's regency.
AUTHORS = (TRAINER, ADMIN)
REPORTERS = (COORDINATOR_REGENCY, COORDINATOR_PROVINCE, ADMIN)


def _other_trainee(world: World) -> dict:
    return {"user_id": world.other_trainee.id}


def _course_id(world: World) -> dict:
    return {"course_id": world.course.id}


def _module_id(world: World) -> dict:
    return {"module_id": world.module.id}


def _lesson_id(world: World) -> dict:
    return {"lesson_id": world.lesson.id}


def _quiz_id(world: World) -> dict:
    return {"quiz_id": world.quiz.id}


def _question_id(world: World) -> dict:
    return {"question_id": world.quiz.questions[0].id}


def _fresh_question(world: World) -> dict:
    """A new question in the trainer's quiz: deleting it leaves the next role one of its own."""
    n = next(_fresh)
    question = Question(quiz_id=world.quiz.id, key=f"hapus-{n}", position=100 + n, type="truefalse",
                        text=f"Soal hapus {n}?", explanation="")
    question.choices = [Choice(key="true", position=0, text="Benar", correct=True),
                        Choice(key="false", position=1, text="Salah", correct=False)]
    db.session.add(question)
    db.session.commit()
    return {"question_id": question.id}


def _reset_token(world: World) -> dict:
    return {"token": tokens.make_token(tokens.RESET, world.other_trainee)}


def _activation_token(world: World) -> dict:
    """A new account waiting for activation, and its link."""
    user = account(Role.TRAINEE, "64.02", f"aktivasi-{next(_fresh)}@matriks.example")
    user.password_hash = unusable_password_hash()
    db.session.commit()
    return {"token": tokens.make_token(tokens.ACTIVATION, user)}


def _email_change_token(world: World) -> dict:
    """A new account asking for a new address, and the link sent to it (a POST uses it up)."""
    n = next(_fresh)
    user = account(Role.TRAINEE, "64.02", f"lama-{n}@matriks.example")
    db.session.commit()
    return {"token": tokens.make_token(tokens.EMAIL_CHANGE, user, f"baru-{n}@matriks.example")}
# A 1x1 white PNG: enough for a course file the matrix can ask for.
_PIXEL = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
                       "0000000d49444154789c63f8ffffff7f0009fb03fd2a86e38a0000000049454e44ae426082")


def _course_file(world: World, name: str = "piksel.png") -> CourseFile:
    course_file = CourseFile(course_id=world.course.id, name=name, kind="image", media_type="image/png",
                             alt="Satu piksel", sha256=hashlib.sha256(_PIXEL).hexdigest(), size=len(_PIXEL), width=1,
                             height=1, content=_PIXEL)
    db.session.add(course_file)
    versions.bump([world.course.id])  # as the upload page does: outlines list the course's files
    db.session.commit()
    return course_file


def _file_address(world: World) -> dict:
    course_file = db.session.scalar(db.select(CourseFile).where(CourseFile.name == "piksel.png")) or _course_file(world)
    return {"slug": world.course.slug, "digest": course_file.sha256[:16], "name": course_file.name}


def _fresh_file(world: World) -> dict:
    """A new file in the trainer's course: deleting it leaves the next role one of its own."""
    return {"file_id": _course_file(world, f"hapus-{next(_fresh)}.png").id}


def _lesson_path(world: World) -> dict:
    return {"slug": world.course.slug, "module_slug": world.module.slug, "lesson_slug": world.lesson.slug}


def _trainee_queue(world: World) -> dict:
    """A completion queued offline by the trainee, sent as the service worker sends it."""
    now = utcnow().isoformat()
    return {"user": world.users[TRAINEE].id, "done_at": now, "sent_at": now}


def _certificate(world: World) -> dict:
    return {"code": world.certificate.code}


def _revision(world: World) -> dict:
    return {"revision_id": world.revision.id}


MATRIX: dict[str, Expect] = {
    "static": Expect(everyone(), url_args=lambda w: {"filename": "style.css"}),
    "health.healthz": Expect(everyone()),
    "main.index": Expect(everyone(), note="an account is sent on to its role's home"),
    "main.set_language": Expect(everyone(), url_args=lambda w: {"code": "en"}),
    "webapp.manifest": Expect(everyone()),
    "webapp.service_worker": Expect(everyone()),
    "webapp.offline": Expect(everyone(), note="saved with a course; says a page needs a connection"),
    "accounts.login": Expect(everyone(), note="an account is sent on to its role's home"),
    "accounts.logout": Expect(signed_in()),
    "accounts.change_password": Expect(signed_in()),
    "accounts.forgot_password": Expect(everyone()),
    "accounts.profile": Expect(signed_in()),
    "accounts.request_email_change": Expect(signed_in(), note="an empty POST shows the form's errors"),
    "accounts.confirm_email": Expect(everyone(), url_args=_email_change_token, note="the link is the key"),
    "accounts.reset_password": Expect(everyone(), url_args=_reset_token, note="the link is the key; an empty POST changes nothing"),
    "accounts.activate": Expect(everyone(), url_args=_activation_token, note="the link is the key; an empty POST changes nothing"),
    "admin.users": Expect(only(ADMIN)),
    "admin.create_user": Expect(only(ADMIN)),
    "admin.edit_user": Expect(only(ADMIN), url_args=_other_trainee),
    "admin.deactivate": Expect(only(ADMIN), url_args=_other_trainee, note="GET asks, POST deactivates"),
    "admin.reactivate": Expect(only(ADMIN), url_args=_other_trainee),
    "admin.end_sessions": Expect(only(ADMIN), url_args=_other_trainee, note="GET asks, POST ends every session"),
    "admin.reset_password": Expect(only(ADMIN), url_args=_other_trainee),
    "audit.index": Expect(only(ADMIN)),
    # Learning: every account may learn; certificates follow the owner's regency.
    "learning.catalog": Expect(signed_in()),
    "learning.my_courses": Expect(signed_in()),
    "learning.course": Expect(signed_in(), url_args=lambda w: {"slug": w.course.slug}),
    "learning.enroll": Expect(signed_in(), url_args=lambda w: {"slug": w.course.slug}),
    "learning.lesson": Expect(signed_in(), url_args=_lesson_path),
    "learning.complete_lesson": Expect(signed_in(), url_args=_lesson_path),
    "learning.offline_bundle": Expect(signed_in(), url_args=lambda w: {"slug": w.course.slug}),
    "learning.offline_completion": Expect(only(TRAINEE), url_args=_lesson_id, data=_trainee_queue,
                                          note="a queued completion is accepted from the account that queued it only"),
    "learning.course_file": Expect(signed_in(), url_args=_file_address, note="an image of the published course"),
    "learning.certificate_pdf": Expect(only(TRAINEE, *REPORTERS), url_args=_certificate,
                                       note="the owner, coordinators who see the owner's regency, admins"),
    "learning.verify": Expect(everyone(), url_args=_certificate, note="public check of a printed certificate"),
    "learning.revoke_certificate": Expect(only(*REPORTERS), url_args=_certificate),
    "learning.reissue_certificate": Expect(only(TRAINEE), url_args=_certificate, methods=("POST",),
                                           note="the owner only; with an unchanged name it says so and changes nothing"),
    # Quizzes: anyone enrolled takes a quiz; an attempt belongs to its trainee alone.
    "quizzes.overview": Expect(signed_in(), url_args=_quiz_id),
    "quizzes.start": Expect(signed_in(), url_args=_quiz_id),
    "quizzes.take": Expect(only(TRAINEE), url_args=lambda w: {"attempt_id": w.open_attempt.id}),
    "quizzes.submit": Expect(only(TRAINEE), url_args=lambda w: {"attempt_id": w.open_attempt.id}),
    "quizzes.save": Expect(only(TRAINEE), url_args=lambda w: {"attempt_id": w.open_attempt.id}),
    "quizzes.result": Expect(only(TRAINEE), url_args=lambda w: {"attempt_id": w.submitted_attempt.id}),
    # Extra attempts for the trainee (of Kukar): the course's trainer, Kukar's and the province's coordinators, admins.
    "quizzes.grant": Expect(only(TRAINER, COORDINATOR_REGENCY, COORDINATOR_PROVINCE, ADMIN),
                            url_args=lambda w: {"quiz_id": w.quiz.id, "user_id": w.users[TRAINEE].id},
                            data=lambda w: {"extra": "1", "reason": "Uji matriks"}),
    # Authoring: trainers and admins; the course's owners (and admins) edit it.
    "authoring.index": Expect(only(*AUTHORS)),
    "authoring.course_new": Expect(only(*AUTHORS)),
    "authoring.course": Expect(only(*AUTHORS), url_args=_course_id),
    "authoring.course_edit": Expect(only(*AUTHORS), url_args=_course_id),
    "authoring.owners": Expect(only(*AUTHORS), url_args=_course_id),
    "authoring.files": Expect(only(*AUTHORS), url_args=_course_id),
    "authoring.file_delete": Expect(only(*AUTHORS), url_args=_fresh_file),
    "authoring.publish_all": Expect(only(*AUTHORS), url_args=_course_id),
    "authoring.module_new": Expect(only(*AUTHORS), url_args=_course_id),
    "authoring.module_edit": Expect(only(*AUTHORS), url_args=_module_id),
    "authoring.lesson_new": Expect(only(*AUTHORS), url_args=_module_id),
    "authoring.lesson_edit": Expect(only(*AUTHORS), url_args=_lesson_id),
    "authoring.move": Expect(only(*AUTHORS), url_args=lambda w: {"kind": "pelajaran", "item_id": w.lesson.id,
                                                                "direction": "turun"}),
    "authoring.set_status": Expect(only(*AUTHORS), url_args=lambda w: {"kind": "modul", "item_id": w.module.id,
                                                                      "state": "terbit"}),
    "authoring.quiz_new": Expect(only(*AUTHORS), url_args=_module_id, note="the module has a quiz: sent on to it"),
    "authoring.quiz": Expect(only(*AUTHORS), url_args=_quiz_id),
    "authoring.quiz_edit": Expect(only(*AUTHORS), url_args=_quiz_id),
    "authoring.question_new": Expect(only(*AUTHORS), url_args=_quiz_id),
    "authoring.question_edit": Expect(only(*AUTHORS), url_args=_question_id),
    "authoring.question_delete": Expect(only(*AUTHORS), url_args=_fresh_question),
    "authoring.import_questions": Expect(only(*AUTHORS), url_args=_quiz_id),
    "authoring.import_confirm": Expect(only(*AUTHORS), url_args=_quiz_id),
    "authoring.quiz_analysis": Expect(only(*AUTHORS), url_args=_quiz_id),
    "authoring.quiz_preview": Expect(only(*AUTHORS), url_args=_quiz_id),
    "authoring.quiz_preview_grade": Expect(only(*AUTHORS), url_args=_quiz_id, note="without a signed layout: sent back to a new preview"),
    "authoring.quiz_questions_file": Expect(only(*AUTHORS), url_args=lambda w: {**_quiz_id(w), "fmt": "gift"}),
    "authoring.history": Expect(only(*AUTHORS), url_args=lambda w: {"kind": "pelajaran", "item_id": w.lesson.id}),
    "authoring.revision": Expect(only(*AUTHORS), url_args=_revision),
    "authoring.restore": Expect(only(*AUTHORS), url_args=_revision),
    # Reports: coordinators and admins; a regency coordinator within their own regency (Kukar).
    "reports.dashboard": Expect(only(*REPORTERS), note="a regency coordinator sees their regency's page"),
    "reports.regency": Expect(only(*REPORTERS), url_args=lambda w: {"code": "64.02"}),
    "reports.person": Expect(only(*REPORTERS), url_args=lambda w: {"user_id": w.users[TRAINEE].id}),
    "reports.roster": Expect(only(*REPORTERS)),
    "reports.roster_csv": Expect(only(*REPORTERS)),
    "reports.roster_xlsx": Expect(only(*REPORTERS)),
    "reports.stalled": Expect(only(*REPORTERS)),
    # The course view: its trainer and admins see everyone; coordinators see their regencies' trainees.
    "reports.gradebook_page": Expect(only(TRAINER, *REPORTERS), url_args=_course_id),
    "reports.gradebook_export": Expect(only(TRAINER, *REPORTERS), url_args=lambda w: {**_course_id(w), "extension": "xlsx"}),
    "reports.remind": Expect(only(*REPORTERS), url_args=lambda w: {"enrollment_id": progress.get_enrollment(
        w.users[TRAINEE].id, w.course.id).id}, note="the trainee's enrolment: in the regency coordinator's Kukar"),
    "reports.import_upload": Expect(only(*REPORTERS)),
    "reports.import_confirm": Expect(only(*REPORTERS)),
    "reports.import_template": Expect(only(*REPORTERS), url_args=lambda w: {"fmt": "xlsx"}),
    "reports.activations": Expect(only(*REPORTERS), note="a regency coordinator: their regency's trainees"),
    "reports.activations_csv": Expect(only(*REPORTERS)),
    "reports.send_activations": Expect(only(*REPORTERS), note="without MAIL_SERVER nothing leaves"),
    "xapi.overview": Expect(only(*REPORTERS), note="a regency coordinator: their regency's statements"),
    "xapi.export": Expect(only(*REPORTERS), note="a regency coordinator: their regency's statements"),
}


def outcome_of(status: int, location: str | None) -> str:
    """Classify a response as ok, login or forbidden; anything else is reported by its status."""
    if status in (403, 404):
        return FORBIDDEN
    if 300 <= status < 400 and location:
        target = urlsplit(location)
        return LOGIN if target.path == "/masuk" and "next=" in target.query else OK
    if 200 <= status < 300:
        return OK
    return f"status {status}"


def blueprint_of(endpoint: str) -> str:
    """The blueprint part of an endpoint name ("" for the app's own, such as static)."""
    return endpoint.rpartition(".")[0]


def endpoints(app: Flask) -> set[str]:
    """Every endpoint the app routes to."""
    return {rule.endpoint for rule in app.url_map.iter_rules()}


def url_for_world(app: Flask, endpoint: str, world: World) -> str:
    """The endpoint's URL for the objects of this world, as its matrix entry builds it."""
    return app.url_map.bind("localhost").build(endpoint, MATRIX[endpoint].url_args(world))


def check_endpoint(app: Flask, endpoint: str, world: World) -> list[str]:
    """Request the endpoint as every role with every method; return the mismatches, readable."""
    expect = MATRIX[endpoint]
    rule = next(rule for rule in app.url_map.iter_rules() if rule.endpoint == endpoint)
    methods = expect.methods or tuple(sorted(rule.methods - {"HEAD", "OPTIONS"}))
    mismatches = []
    for role in ROLES:
        for method in methods:
            url = url_for_world(app, endpoint, world)
            client = app.test_client()
            if role != ANONYMOUS:
                sign_in(client, world.users[role])
            response = client.open(url, method=method, data=expect.data(world))
            response.get_data()  # a streamed export runs to its end, inside its own request context
            response.close()
            got = outcome_of(response.status_code, response.headers.get("Location"))
            if got != expect.outcomes[role]:
                mismatches.append(f"{method} {url} as {role}: expected {expect.outcomes[role]}, got {got}")
    return mismatches
