"""The authorization matrix: for every endpoint, the outcome each role gets, and how to build its URL.

Outcomes: "ok" (2xx, or a redirect anywhere but the login page), "login" (a redirect to the login
page carrying next=), "forbidden" (403 or 404). tests/test_security_authz_matrix.py fails for any
endpoint of app.url_map without an entry here, outside PENDING_BLUEPRINTS.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.security import generate_password_hash

from app.accounts.models import Regency, Role, User
from app.catalog.models import Course, Status
from app.extensions import db
from tests.conftest import PASSWORD
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
PENDING_BLUEPRINTS = frozenset({"learning", "quizzes", "authoring", "reports"})

# (account role, regency code) of each matrix role; the regency coordinator and the trainee share Kukar.
_ACCOUNTS = {
    TRAINEE: (Role.TRAINEE, "64.02"),
    TRAINER: (Role.TRAINER, "64"),
    COORDINATOR_REGENCY: (Role.COORDINATOR, "64.02"),
    COORDINATOR_PROVINCE: (Role.COORDINATOR, "64"),
    ADMIN: (Role.ADMIN, "64"),
}
_PASSWORD_HASH = generate_password_hash(PASSWORD)  # hashed once: the matrix builds many worlds


@dataclass
class World:
    """The accounts and content that URL builders refer to, created fresh for each test."""

    users: dict[str, User]
    other_trainee: User  # a trainee of Mahakam Ulu: outside the regency coordinator's area
    course: Course  # published, owned by the trainer
    other_course: Course  # a draft the trainer does not own

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


def _account(role: str, regency_code: str, email: str) -> User:
    regency = db.session.scalar(db.select(Regency).where(Regency.code == regency_code))
    user = User(email=email, full_name=f"Matriks {email.split('@')[0]}", role=role, regency_id=regency.id, password_hash=_PASSWORD_HASH)
    db.session.add(user)
    return user


def build_world() -> World:
    """Create one account per matrix role, a trainee elsewhere, and two courses."""
    users = {name: _account(role, code, f"{name.replace('_', '.')}@matriks.example") for name, (role, code) in _ACCOUNTS.items()}
    other_trainee = _account(Role.TRAINEE, "64.11", "peserta.mahulu@matriks.example")
    db.session.commit()
    course = make_course(slug="matriks-terbit", owners=[users[TRAINER]])
    other_course = make_course(slug="matriks-draf", status=Status.DRAFT, modules=1, lessons=1)
    return World(users=users, other_trainee=other_trainee, course=course, other_course=other_course)


def sign_in(client: FlaskClient, user: User) -> None:
    """Put the user in the client's session as Flask-Login does (the login form has its own tests)."""
    with client.session_transaction() as session:
        session["_user_id"] = str(user.id)
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
    """What each role gets from one endpoint; how to build its URL and its form data."""

    outcomes: Mapping[str, str]
    url_args: Callable[[World], dict] = _no_args
    data: Callable[[World], dict] = _no_args
    methods: tuple[str, ...] = ()  # empty: every method of the route but HEAD and OPTIONS
    note: str = field(default="", compare=False)


def _other_trainee(world: World) -> dict:
    return {"user_id": world.other_trainee.id}


MATRIX: dict[str, Expect] = {
    "static": Expect(everyone(), url_args=lambda w: {"filename": "style.css"}),
    "health.healthz": Expect(everyone()),
    "main.index": Expect(everyone(), note="an account is sent on to its role's home"),
    "main.set_language": Expect(everyone(), url_args=lambda w: {"code": "en"}),
    "accounts.login": Expect(everyone(), note="an account is sent on to its role's home"),
    "accounts.logout": Expect(signed_in()),
    "accounts.change_password": Expect(signed_in()),
    "admin.users": Expect(only(ADMIN)),
    "admin.create_user": Expect(only(ADMIN)),
    "admin.edit_user": Expect(only(ADMIN), url_args=_other_trainee),
    "admin.toggle_active": Expect(only(ADMIN), url_args=_other_trainee),
    "admin.reset_password": Expect(only(ADMIN), url_args=_other_trainee),
    "audit.index": Expect(only(ADMIN)),
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


def check_endpoint(app: Flask, endpoint: str, world: World) -> list[str]:
    """Request the endpoint as every role with every method; return the mismatches, readable."""
    expect = MATRIX[endpoint]
    rule = next(rule for rule in app.url_map.iter_rules() if rule.endpoint == endpoint)
    url = app.url_map.bind("localhost").build(endpoint, expect.url_args(world))
    methods = expect.methods or tuple(sorted(rule.methods - {"HEAD", "OPTIONS"}))
    mismatches = []
    for role in ROLES:
        for method in methods:
            client = app.test_client()
            if role != ANONYMOUS:
                sign_in(client, world.users[role])
            response = client.open(url, method=method, data=expect.data(world))
            got = outcome_of(response.status_code, response.headers.get("Location"))
            if got != expect.outcomes[role]:
                mismatches.append(f"{method} {url} as {role}: expected {expect.outcomes[role]}, got {got}")
    return mismatches
