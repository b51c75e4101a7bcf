"""Demo trainees for the reports: realistic names in every unit and every status, inserted in bulk."""
from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Optional

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import selectinload

from app.accounts.models import Regency, Role, User, unusable_password_hash
from app.catalog.models import Course, Module, Status
from app.extensions import db, utcnow
from app.progress.figures import average_best
from app.progress.models import Certificate, Enrollment, LessonCompletion, ModuleCompletion
from app.progress.status import COMPLETED, IN_PROGRESS, NOT_STARTED
from app.quizzes.models import Attempt, AttemptStatus

# Only accounts with this email domain (and is_demo) are generated, and only they are removed:
# the role accounts of `flask demo` (@kelaskim.example) stay.
DEMO_DOMAIN = "demo.kelaskim.example"
DEFAULT_TRAINEES = 300

FIRST_NAMES = (
    "Muhammad", "Ahmad", "Rizky", "Budi", "Agus", "Hendra", "Fajar", "Arif", "Dedi", "Yusuf", "Andi", "Irfan",
    "Rahmat", "Syahrul", "Gusti", "Hairul", "Abdul", "Ilham", "Taufik", "Wahyu", "Eko", "Bayu", "Yohanes",
    "Stefanus", "Aji", "Awang", "Siti", "Nur", "Dewi", "Rina", "Fitri", "Ayu", "Putri", "Wulan", "Indah",
    "Nurul", "Yuliana", "Kartika", "Maria", "Lusia", "Dayang", "Ratna", "Herlina", "Novita", "Sri", "Rahmi",
    "Hasnah", "Martha",
)
LAST_NAMES = (
    "Pratama", "Saputra", "Hidayat", "Kurniawan", "Rahman", "Syahputra", "Wijaya", "Setiawan", "Nugroho",
    "Susanto", "Hakim", "Maulana", "Ramadhan", "Lestari", "Rahmawati", "Handayani", "Wulandari", "Anggraini",
    "Kusuma", "Sari", "Hasanah", "Aminah", "Fadillah", "Noor", "Arsyad", "Mappiasse", "Daeng Matteru",
    "Lahang", "Ibau", "Lusang", "Anyeq", "Ismail", "Gazali", "Sulaiman", "Ramli", "Baharuddin",
)
KIM_NAMES = (
    "KIM Pesona Kersik", "KIM Mahakam Jaya", "KIM Sumber Rejeki", "KIM Bina Warga", "KIM Tepian Lestari",
    "KIM Lamin Etam", "KIM Benua Etam", "KIM Kampung Tenun", "KIM Sungai Kunjang", "KIM Pantai Lamaru",
)
# Shares of enrolments in each state, and of unfinished ones left idle past the reminder threshold.
STATUS_WEIGHTS = {NOT_STARTED: 25, IN_PROGRESS: 35, COMPLETED: 40}
STALLED_SHARE = 0.45


@dataclass
class DemoSummary:
    """What a fill or a removal did."""

    trainees: int = 0
    enrolments: int = 0
    completed: int = 0
    attempts: int = 0
    courses: int = 0


@dataclass
class _Shape:
    """A published course as the generator needs it: lessons and quizzes in order."""

    id: int
    modules: list[tuple[int, Optional[int], int, list[int]]]  # module id, quiz id, pass mark, lesson ids

    @property
    def lessons(self) -> list[int]:
        return [lesson for _, _, _, lessons in self.modules for lesson in lessons]


@dataclass
class _Rows:
    """Rows waiting for one bulk INSERT per table."""

    by_model: dict[Any, list[dict]] = field(default_factory=lambda: defaultdict(list))

    def add(self, model: Any, **values: Any) -> None:
        self.by_model[model].append(values)


def demo_email(number: int) -> str:
    """The email of the number-th generated trainee."""
    return f"peserta{number:05d}@{DEMO_DOMAIN}"


def fill_demo(trainees: int = DEFAULT_TRAINEES, seed: int = 2023, now: datetime | None = None) -> DemoSummary:
    """Add generated trainees 1..trainees that are missing, with their enrolments; safe to run twice."""
    now = now or utcnow()
    regencies = list(db.session.scalars(select(Regency).order_by(Regency.code)))
    shapes = _published_shapes()
    existing = set(db.session.scalars(select(User.email).where(User.email.like(f"%@{DEMO_DOMAIN}"))))
    numbers = [n for n in range(1, trainees + 1) if demo_email(n) not in existing]
    people = [_person(n, random.Random(f"{seed}-{n}"), regencies, now) for n in numbers]
    _drop_taken_nips(people)
    if not people:
        return DemoSummary(courses=len(shapes))
    ids = db.session.scalars(insert(User).returning(User.id, sort_by_parameter_order=True), people).all()
    rows = _Rows()
    for number, user_id in zip(numbers, ids):
        rng = random.Random(f"{seed}-{number}-learning")
        for shape in _courses_of(rng, shapes):
            _learning(rows, rng, user_id, shape, now)
    for model, batch in rows.by_model.items():
        db.session.execute(insert(model), batch)
    db.session.flush()
    enrolments = rows.by_model[Enrollment]
    completed = sum(1 for e in enrolments if e["completed_at"])
    return DemoSummary(trainees=len(ids), enrolments=len(enrolments), completed=completed,
                       attempts=len(rows.by_model[Attempt]), courses=len(shapes))


def remove_demo() -> DemoSummary:
    """Delete the generated trainees; their enrolments, progress and certificates go with them."""
    generated = (User.is_demo.is_(True), User.email.like(f"%@{DEMO_DOMAIN}"))
    enrolments = db.session.scalar(
        select(func.count(Enrollment.id)).join(User, User.id == Enrollment.user_id).where(*generated))
    result = db.session.execute(delete(User).where(*generated).execution_options(synchronize_session=False))
    db.session.expire_all()
    return DemoSummary(trainees=result.rowcount, enrolments=enrolments or 0)


def _published_shapes() -> list[_Shape]:
    courses = db.session.scalars(
        select(Course).where(Course.status == Status.PUBLISHED).order_by(Course.id)
        .options(selectinload(Course.modules).selectinload(Module.lessons),
                 selectinload(Course.modules).selectinload(Module.quiz))
    )
    shapes = []
    for course in courses:
        modules = [
            (m.id, m.quiz.id if m.quiz else None, m.quiz.pass_mark if m.quiz else 0,
             [lesson.id for lesson in m.lessons if lesson.status == Status.PUBLISHED])
            for m in course.modules if m.status == Status.PUBLISHED
        ]
        if any(lessons for _, _, _, lessons in modules):
            shapes.append(_Shape(course.id, modules))
    return shapes


def _person(number: int, rng: random.Random, regencies: list[Regency], now: datetime) -> dict:
    """One trainee's account row: a name, a unit in one of the eleven units, maybe a NIP and a phone."""
    regency = regencies[number % len(regencies)]
    name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
    unit = f"Diskominfo {regency.name}" if rng.random() < 0.4 else rng.choice(KIM_NAMES)
    return {
        "email": demo_email(number), "full_name": name, "password_hash": unusable_password_hash(),
        "nip": _nip(number, rng) if unit.startswith("Diskominfo") else None,
        "unit": unit, "phone": f"62812{rng.randrange(10**7, 10**8)}" if rng.random() < 0.7 else None,
        "role": Role.TRAINEE, "regency_id": regency.id, "active": True, "is_demo": True, "locale": None,
        "created_at": now - timedelta(days=rng.uniform(120, 200)), "last_login_at": None,
    }


def _nip(number: int, rng: random.Random) -> str:
    """A well-formed NIP: birth date, appointment month, gender digit, then a serial from the number."""
    birth = f"{rng.randint(1970, 1998)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
    appointed = f"{rng.randint(2000, 2022)}{rng.randint(1, 12):02d}"
    return f"{birth}{appointed}{rng.choice('12')}{number % 1000:03d}"


def _drop_taken_nips(people: list[dict]) -> None:
    """Leave the NIP empty where it would clash with a stored or another generated one."""
    wanted = [p["nip"] for p in people if p["nip"]]
    taken = set(db.session.scalars(select(User.nip).where(User.nip.in_(wanted)))) if wanted else set()
    for person in people:
        if person["nip"] in taken:
            person["nip"] = None
        elif person["nip"]:
            taken.add(person["nip"])


def _courses_of(rng: random.Random, shapes: list[_Shape]) -> list[_Shape]:
    """Every trainee takes the first course; each other course with a chance of two in three."""
    return [shape for index, shape in enumerate(shapes) if index == 0 or rng.random() < 0.66]


def _learning(rows: _Rows, rng: random.Random, user_id: int, shape: _Shape, now: datetime) -> None:
    """One enrolment in a random state, with lesson completions, attempts and a certificate to match."""
    status = rng.choices(list(STATUS_WEIGHTS), weights=list(STATUS_WEIGHTS.values()))[0]
    lessons = shape.lessons
    if status == IN_PROGRESS and len(lessons) < 2:
        status = NOT_STARTED
    stalled = status != COMPLETED and rng.random() < STALLED_SHARE
    if status == COMPLETED:
        end = now - timedelta(days=rng.uniform(0, 90), hours=rng.uniform(0, 23))
        start = end - timedelta(days=rng.uniform(3, 40))
        done = len(lessons)
    elif status == IN_PROGRESS:
        end = now - timedelta(days=rng.uniform(15, 60) if stalled else rng.uniform(0, 10))
        start = end - timedelta(days=rng.uniform(2, 30))
        done = rng.randint(1, len(lessons) - 1)
    else:
        start = now - timedelta(days=rng.uniform(15, 120) if stalled else rng.uniform(0, 12))
        end, done = None, 0
    scores = _progress(rows, rng, user_id, shape, done, start, end, must_pass=status == COMPLETED)
    completed_at = end if status == COMPLETED else None
    rows.add(Enrollment, user_id=user_id, course_id=shape.id, enrolled_at=start, enrolled_by_id=None,
             last_activity_at=end, last_lesson_id=lessons[done - 1] if done else None, lessons_completed=done,
             best_score_percent=average_best(scores), completed_at=completed_at)
    if completed_at:
        rows.add(Certificate, code=f"DEMO-{user_id:06d}-{shape.id:03d}", user_id=user_id, course_id=shape.id,
                 issued_at=completed_at, completed_at=completed_at, revoked_at=None, revoked_by_id=None,
                 revoke_reason="")


def _progress(rows: _Rows, rng: random.Random, user_id: int, shape: _Shape, done: int, start: datetime,
              end: Optional[datetime], must_pass: bool) -> list[float]:
    """Lesson completions for the first `done` lessons, and quiz attempts of the modules finished; best scores."""
    if not done:
        return []
    step = (end - start) / (done + 1)
    finished, best = 0, []
    for module_id, quiz_id, pass_mark, lessons in shape.modules:
        todo = lessons[: done - finished]
        for lesson_id in todo:
            finished += 1
            rows.add(LessonCompletion, user_id=user_id, lesson_id=lesson_id, completed_at=start + step * finished)
        if len(todo) < len(lessons):
            break  # this module is not finished, so neither its quiz nor any later module
        at = start + step * finished
        passed = True
        if quiz_id:
            score, passed = _attempts(rows, rng, user_id, quiz_id, pass_mark, at, must_pass)
            best.append(score)
        if passed:
            rows.add(ModuleCompletion, user_id=user_id, module_id=module_id, completed_at=at)
    return best


def _attempts(rows: _Rows, rng: random.Random, user_id: int, quiz_id: int, pass_mark: int, at: datetime,
              must_pass: bool) -> tuple[float, bool]:
    """One or two submitted attempts at a quiz; return the best percentage and whether it passed."""
    first = float(rng.choice((25, 50, 75, 100)))
    retry = 100.0 if must_pass or rng.random() < 0.5 else float(rng.choice((50, 75, 100)))
    percents = [first] if first >= pass_mark else [first, retry]
    for number, percent in enumerate(percents, start=1):
        rows.add(Attempt, quiz_id=quiz_id, user_id=user_id, number=number, status=AttemptStatus.SUBMITTED, layout=[],
                 started_at=at - timedelta(minutes=15), submitted_at=at, score=percent / 25, max_score=4.0,
                 percent=percent, passed=percent >= pass_mark)
    best = max(percents)
    return best, best >= pass_mark
