"""Bench data: a fresh database with both courses and N trainees at every stage of progress.

Run alone with `python -m tests.bench.datagen --trainees 1000 [--keep]`. Everything is written
with bulk inserts in batches, so 10,000 trainees take seconds and 100,000 a few minutes.
"""
from __future__ import annotations

import argparse
import importlib
import json
import os
import random
import secrets
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import yaml
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import MetaData, event, func, insert, select, text, update
from sqlalchemy.orm import selectinload
from werkzeug.security import generate_password_hash

from app import create_app
from app.accounts.models import Regency, Role, User
from app.catalog.models import Course, CourseOwner, Lesson, Module, Status
from app.config import ROOT, normalise_database_url
from app.extensions import db
from app.progress.models import Certificate, Enrollment, LessonCompletion, ModuleCompletion
from app.progress.status import COMPLETED, IN_PROGRESS, NOT_STARTED
from app.quizzes.models import Answer, Attempt, AttemptStatus, Question, Quiz

PASSWORD = "bench-kelaskim-2023"
DOMAIN = "kelaskim.example"
BATCH = 5000
CHUNK_TRAINEES = 2000
START = datetime(2024, 1, 8, 1, 0, tzinfo=UTC)
# Share of trainees per unit, roughly following the population of each regency and city.
REGENCY_WEIGHTS = {
    "64": 5, "64.01": 7, "64.02": 16, "64.03": 7, "64.07": 6, "64.08": 10,
    "64.09": 6, "64.11": 3, "64.71": 16, "64.72": 18, "64.74": 6,
}
FIRST_NAMES = ("Ahmad", "Muhammad", "Siti", "Nur", "Rina", "Dewi", "Agus", "Budi", "Hendra", "Yuliana", "Rahmat",
               "Fitri", "Andi", "Sri", "Wahyu", "Dian", "Rizky", "Putri", "Eko", "Lestari", "Heri", "Aisyah",
               "Yohanes", "Maria", "Fransiska", "Daud", "Ismail", "Ratna", "Irwan", "Novita")
LAST_NAMES = ("Saputra", "Wijaya", "Rahman", "Hidayat", "Pratama", "Lestari", "Kurniawan", "Hasanah", "Syahrani",
              "Ramadhani", "Setiawan", "Nugroho", "Anggraini", "Lawing", "Ibau", "Juk", "Hakim", "Maulana",
              "Purnamasari", "Batubara", "Siregar", "Sembiring", "Tampubolon", "Rusdi", "Effendi")
VILLAGES = ("Kersik", "Loa Janan", "Tenggarong Seberang", "Sungai Kapih", "Manggar", "Long Bagun", "Tanjung Redeb",
            "Sangatta Utara", "Melak", "Tanah Grogot", "Penajam", "Loktuan", "Sempaja", "Muara Badak", "Long Apari")
# Pools of trainees kept in a known state for the quiz measurements (see _reserved_progress).
# The grading pool is sized so that wrk submits for a few seconds, each attempt once.
POOL_SIZES = (("page", 1), ("grading", 600), ("burst", 3000))  # burst: the quiz-day target (tests/bench/report.py)
POOL_SHARE = {"grading": 8, "burst": 3}
POOL = "pool"  # beside the enrolment statuses: every lesson of module 1 done, the first quiz not yet tried


@dataclass
class Dataset:
    """What the benchmarks need to know about the generated database."""

    database_url: str
    workdir: str
    secret_key: str
    trainees: int
    content: str
    seconds: float = 0.0
    password: str = PASSWORD
    accounts: dict[str, str] = field(default_factory=dict)
    pools: dict[str, list[int]] = field(default_factory=dict)
    target: dict[str, object] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def backend(self) -> str:
        """'postgresql' or 'sqlite'."""
        return "postgresql" if self.database_url.startswith("postgresql") else "sqlite"

    def save(self) -> Path:
        """Write the manifest next to the database, for reruns and inspection."""
        path = Path(self.workdir) / "dataset.json"
        path.write_text(json.dumps(asdict(self), indent=2, default=str))
        return path


@dataclass
class QuestionInfo:
    """A question with a right and a wrong response, stored as the quiz engine does (choice ids as text)."""

    id: int
    points: float
    choice_ids: list[int]
    right: list[str]
    wrong: list[str]


@dataclass
class ModuleInfo:
    """A module's lessons and quiz, as the generator walks through them."""

    id: int
    slug: str
    lesson_ids: list[int]
    quiz_id: int | None
    pass_mark: int
    max_attempts: int
    questions: list[QuestionInfo]


@dataclass
class CourseInfo:
    """A course's id and its modules in order."""

    id: int
    slug: str
    modules: list[ModuleInfo]

    @property
    def lesson_count(self) -> int:
        """Published lessons in the course."""
        return sum(len(m.lesson_ids) for m in self.modules)


def bench_database_url(url: str | None, workdir: Path) -> str:
    """The database to fill: a new SQLite file, or the given URL if it names a bench database."""
    if not url:
        return f"sqlite:///{workdir / 'bench.sqlite3'}"
    name = url.rsplit("/", 1)[-1].split("?", 1)[0]
    # The generator drops every table first: never run it on a database not meant for it.
    if "bench" not in name:
        raise SystemExit(f"DATABASE_URL harus menunjuk basis data benchmark (namanya memuat 'bench'): {url}\n"
                         "(DATABASE_URL must name a bench database, e.g. .../kelaskim_bench)")
    return normalise_database_url(url)


def bench_app(database_url: str, secret_key: str) -> Flask:
    """The app on the bench database, configured as the gunicorn workers will be."""
    # In-process measurements use Flask's test client, whose requests name the host "localhost".
    return create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": secret_key,
                       "SESSION_COOKIE_SECURE": False, "REMEMBER_COOKIE_SECURE": False,
                       "PUBLIC_BASE_URL": "http://localhost"})


def build(trainees: int = 10_000, database_url: str | None = None, workdir: str | None = None, seed: int = 2023,
          log: Callable[[str], None] = print) -> Dataset:
    """Create the schema from empty, load the courses, then the accounts and their progress."""
    started = time.perf_counter()
    work = Path(workdir or tempfile.mkdtemp(prefix="kelaskim-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    dataset = Dataset(bench_database_url(database_url, work), str(work), secrets.token_hex(32), trainees, content="")
    app = bench_app(dataset.database_url, dataset.secret_key)
    with app.app_context():
        _fast_sqlite_writes()
        _fresh_schema()
        dataset.content = load_content()
        courses = content_snapshot()
        generator = _Generator(courses, random.Random(seed), dataset)
        generator.staff()
        log(f"  konten: {dataset.content}; membuat {trainees:,} peserta ...")
        generator.trainees(trainees, log)
        _finish(dataset)
    dataset.seconds = round(time.perf_counter() - started, 1)
    dataset.save()
    return dataset


def grow(dataset: Dataset, trainees: int, seed: int = 2024, log: Callable[[str], None] = print) -> float:
    """Add trainees (with progress, none reserved) until the database holds `trainees`; return the seconds."""
    started = time.perf_counter()
    app = bench_app(dataset.database_url, dataset.secret_key)
    with app.app_context():
        _fast_sqlite_writes()
        generator = _Generator(content_snapshot(), random.Random(seed), dataset)
        generator.known_staff_and_nips()
        log(f"  menambah {trainees - dataset.trainees:,} peserta sampai {trainees:,} ...")
        generator.trainees(trainees - dataset.trainees, log, first=dataset.trainees)
        _finish(dataset)
        db.session.remove()
    dataset.trainees = trainees
    dataset.save()
    return round(time.perf_counter() - started, 1)


def _fast_sqlite_writes() -> None:
    """Skip fsync while generating: the file is rebuilt on every run, so a crash costs nothing."""
    if db.engine.dialect.name != "sqlite":
        return

    def no_sync(dbapi_connection, connection_record) -> None:
        dbapi_connection.execute("PRAGMA synchronous=OFF")

    db.engine.dispose()
    event.listen(db.engine, "connect", no_sync)


def _fresh_schema() -> None:
    """Drop whatever is there and run the migrations, as a new installation does."""
    metadata = MetaData()
    metadata.reflect(bind=db.engine)
    metadata.drop_all(bind=db.engine)
    db.session.commit()
    upgrade()


def load_content() -> str:
    """Import courses/ with the catalogue loader if it is built, else build look-alike content."""
    loader, name = _find_loader()
    note = "app.catalog.loader belum ada"
    if loader is not None:
        try:
            loader(ROOT / "courses")
            db.session.commit()
            return _published(f"courses/ diimpor dengan app.catalog.loader.{name}")
        except Exception as error:  # noqa: BLE001  (any failure: fall back, and say why)
            db.session.rollback()
            note = f"app.catalog.loader.{name} gagal: {type(error).__name__}: {str(error)[:80]}"
    _fallback_content()
    db.session.commit()
    return f"pengganti ({note}): struktur dan isi pelajaran dari courses/, kuis tests/factories.make_quiz"


def _find_loader() -> tuple[Callable[[Path], object] | None, str]:
    """The catalogue's reader and import service (as `flask courses import` uses them), if built."""
    try:
        loader = importlib.import_module("app.catalog.loader")
        reading_module = importlib.import_module("app.catalog.coursefiles.reading")
    except ImportError:
        return None, ""
    if not (hasattr(reading_module, "read_courses") and hasattr(loader, "import_courses")):
        return None, ""

    def load(path: Path) -> object:
        reading = reading_module.read_courses(path)
        if not reading.ok:
            raise ValueError(f"{len(reading.problems)} masalah di courses/")
        return loader.import_courses(reading.courses)

    return load, "import_courses"


def _published(note: str) -> str:
    """Publish every course so trainees can open them; say so when the loader left drafts."""
    drafts = db.session.scalar(select(func.count()).select_from(Course).where(Course.status != Status.PUBLISHED))
    if drafts:
        db.session.execute(update(Course).values(status=Status.PUBLISHED))
        db.session.commit()
        note += f" ({drafts} kursus draf diterbitkan untuk benchmark)"
    return note


def _fallback_content() -> None:
    """Courses shaped like courses/ (same modules and lesson texts) with the test factories' quiz."""
    from tests.factories import make_quiz

    for course_file in sorted((ROOT / "courses").glob("*/course.yaml")):
        spec = yaml.safe_load(course_file.read_text(encoding="utf-8"))
        course = Course(slug=spec["slug"], title=spec["title"], summary=spec.get("summary", ""),
                        audience=spec.get("audience", ""), hours=spec.get("hours", 1), sources=spec.get("sources", []),
                        sequential=spec.get("sequential", True), status=Status.PUBLISHED)
        for position, module_spec in enumerate(spec["modules"]):
            module = Module(slug=module_spec["slug"], title=module_spec["title"], position=position)
            for lesson_position, filename in enumerate(module_spec["lessons"]):
                meta, body = _read_lesson(course_file.parent / module_spec["slug"] / filename)
                module.lessons.append(Lesson(
                    slug=Path(filename).stem, title=meta["title"], position=lesson_position,
                    minutes=meta.get("minutes", 10), objectives=meta.get("objectives", []),
                    sources=meta.get("sources", []), body_md=body))
            module.quiz = make_quiz()
            module.quiz.title = f"Kuis {module_spec['title']}"
            course.modules.append(module)
        db.session.add(course)
    db.session.flush()


def _read_lesson(path: Path) -> tuple[dict, str]:
    """Split a lesson file into its YAML front matter and Markdown body."""
    raw = path.read_text(encoding="utf-8")
    _, front, body = raw.split("---", 2)
    return yaml.safe_load(front), body.strip()


def content_snapshot() -> list[CourseInfo]:
    """Both courses with their modules, lessons and quiz questions, read once."""
    courses = db.session.scalars(
        select(Course).order_by(Course.id).options(
            selectinload(Course.modules).selectinload(Module.lessons),
            selectinload(Course.modules).selectinload(Module.quiz).selectinload(Quiz.questions)
            .selectinload(Question.choices),
        )
    ).all()
    return [CourseInfo(c.id, c.slug, [_module_info(m) for m in c.modules if m.status == Status.PUBLISHED])
            for c in courses]


def _module_info(module: Module) -> ModuleInfo:
    quiz = module.quiz
    return ModuleInfo(
        id=module.id, slug=module.slug,
        lesson_ids=[lesson.id for lesson in module.lessons if lesson.status == Status.PUBLISHED],
        quiz_id=quiz.id if quiz else None, pass_mark=quiz.pass_mark if quiz else 70,
        max_attempts=(quiz.max_attempts or 3) if quiz else 3,
        questions=[_question_info(q) for q in quiz.questions] if quiz else [],
    )


def _question_info(question: Question) -> QuestionInfo:
    choice_ids = [c.id for c in question.choices]
    if question.type == "short":
        return QuestionInfo(question.id, question.points, choice_ids, [(question.accepted or ["jawaban"])[0]],
                            ["tidak tahu"])
    right = [str(c.id) for c in question.choices if c.correct]
    wrong = [str(c.id) for c in question.choices if not c.correct][:1]
    return QuestionInfo(question.id, question.points, choice_ids, right, wrong or right)


class _Generator:
    """Makes the rows: staff accounts, trainees, enrolments, completions, attempts and answers."""

    def __init__(self, courses: list[CourseInfo], rng: random.Random, dataset: Dataset) -> None:
        self.courses, self.rng, self.dataset = courses, rng, dataset
        self.password_hash = generate_password_hash(PASSWORD)  # one hash for all: hashing 100,000 would take hours
        self.regencies = {r.code: r for r in db.session.scalars(select(Regency))}
        self.now = datetime.now(UTC)
        self.next_user_id = (db.session.scalar(select(func.max(User.id))) or 0) + 1
        self.next_attempt_id = (db.session.scalar(select(func.max(Attempt.id))) or 0) + 1
        self.coordinators: dict[int, int] = {}
        self.used_nips: set[str] = set()
        self.profiles = {code: (rng.uniform(0.12, 0.30), rng.uniform(0.18, 0.40)) for code in REGENCY_WEIGHTS}

    def staff(self) -> None:
        """One coordinator per regency, a provincial coordinator, a trainer owning both courses, an admin."""
        rows = []
        for code, regency in sorted(self.regencies.items()):
            email = "koordinator.provinsi" if code == "64" else f"koordinator.{code.replace('.', '-')}"
            rows.append(self._user(f"{email}@{DOMAIN}", f"Koordinator {regency.name}", Role.COORDINATOR, regency.id))
            self.coordinators[regency.id] = rows[-1]["id"]
        province = self.regencies["64"].id
        rows.append(self._user(f"pelatih@{DOMAIN}", "Pelatih Provinsi", Role.TRAINER, province))
        rows.append(self._user(f"admin@{DOMAIN}", "Admin Provinsi", Role.ADMIN, province))
        _bulk(User, rows)
        _bulk(CourseOwner, [{"course_id": c.id, "user_id": rows[-2]["id"]} for c in self.courses])
        first_regency = next(code for code in sorted(self.regencies) if code != "64")
        self.dataset.accounts.update({
            "province": f"koordinator.provinsi@{DOMAIN}",
            "coordinator": f"koordinator.{first_regency.replace('.', '-')}@{DOMAIN}",
            "trainer": f"pelatih@{DOMAIN}", "admin": f"admin@{DOMAIN}",
        })
        db.session.commit()

    def known_staff_and_nips(self) -> None:
        """Read the coordinators and the NIPs already stored, to add trainees to an existing database."""
        coordinators = db.session.execute(
            select(User.regency_id, User.id).where(User.role == Role.COORDINATOR).order_by(User.id.desc()))
        self.coordinators = dict(coordinators.all())
        self.used_nips = set(db.session.scalars(select(User.nip).where(User.nip.is_not(None))))

    def _user(self, email: str, name: str, role: str, regency_id: int, created: datetime = START, **extra) -> dict:
        row = {"id": self.next_user_id, "email": email, "password_hash": self.password_hash, "full_name": name,
               "nip": None, "unit": "", "phone": None, "role": role, "regency_id": regency_id, "active": True,
               "is_demo": False, "locale": None, "created_at": created, "last_login_at": None, **extra}
        self.next_user_id += 1
        return row

    def trainees(self, count: int, log: Callable[[str], None], first: int = 0) -> None:
        """Insert the trainees chunk by chunk, each with both enrolments and their progress.

        `first` is the number of trainees already stored: only a new database reserves the pools.
        """
        reserved = self._pools(count) if first == 0 else 0
        codes, weights = list(REGENCY_WEIGHTS), list(REGENCY_WEIGHTS.values())
        end = first + count
        for chunk_start in range(first, end, CHUNK_TRAINEES):
            rows = _Rows()
            for index in range(chunk_start, min(end, chunk_start + CHUNK_TRAINEES)):
                code = codes[index % len(codes)] if index < reserved else self.rng.choices(codes, weights)[0]
                self._trainee(index, code, index < reserved, rows)
            rows.insert()
            db.session.commit()
            if chunk_start > first and (chunk_start - first) % (CHUNK_TRAINEES * 10) == 0:
                log(f"  {chunk_start:,} peserta ...")

    def _pools(self, count: int) -> int:
        """Name the first trainees' ids per pool; return how many trainees are reserved."""
        user_id, left = self.next_user_id, count
        for name, size in POOL_SIZES:
            # With few trainees the pools shrink so that most trainees still show real progress.
            size = min(size, left if name == "page" else count // POOL_SHARE[name])
            self.dataset.pools[name] = list(range(user_id, user_id + size))
            user_id, left = user_id + size, left - size
        page = self.dataset.pools["page"]
        self.dataset.accounts["trainee"] = f"peserta{1:06d}@{DOMAIN}" if page else ""
        return user_id - self.next_user_id

    def _trainee(self, index: int, code: str, reserved: bool, rows: _Rows) -> None:
        regency = self.regencies[code]
        enrolled = START + timedelta(days=self.rng.uniform(0, 420), minutes=self.rng.uniform(0, 600))
        first, last = self.rng.choice(FIRST_NAMES), self.rng.choice(LAST_NAMES)
        staff = self.rng.random() < 0.5
        user = self._user(
            f"peserta{index + 1:06d}@{DOMAIN}", f"{first} {last}", Role.TRAINEE, regency.id,
            created=enrolled - timedelta(days=1), nip=self._nip() if staff else None,
            unit=f"Diskominfo {regency.name}" if staff else f"KIM {self.rng.choice(VILLAGES)}",
            phone=f"08{self.rng.randrange(10**9, 10**10)}" if self.rng.random() < 0.7 else None,
        )
        rows.users.append(user)
        by = self.coordinators.get(regency.id) if self.rng.random() < 0.3 else None
        for position, course in enumerate(self.courses):
            if reserved:
                status = POOL if position == 0 else NOT_STARTED
            else:
                status = self._status(code)
            _Progress(self, rows, user["id"], course, enrolled, by).walk(status)

    def _status(self, code: str) -> str:
        not_started, completed = self.profiles[code]
        roll = self.rng.random()
        return NOT_STARTED if roll < not_started else COMPLETED if roll > 1 - completed else IN_PROGRESS

    def _nip(self) -> str:
        """An 18-digit NIP: birth date, appointment month, gender, sequence (unique)."""
        while True:
            born = datetime(1965, 1, 1) + timedelta(days=self.rng.randrange(0, 13000))
            nip = f"{born:%Y%m%d}{self.rng.randrange(1990, 2023)}{self.rng.randrange(1, 13):02d}" \
                  f"{self.rng.randrange(1, 3)}{self.rng.randrange(1, 1000):03d}"
            if nip not in self.used_nips:
                self.used_nips.add(nip)
                return nip

    def attempt_id(self) -> int:
        """The next explicit attempt id (answers refer to it before anything is inserted)."""
        self.next_attempt_id += 1
        return self.next_attempt_id - 1


@dataclass
class _Rows:
    """Rows of one chunk, inserted table by table in foreign-key order."""

    users: list[dict] = field(default_factory=list)
    enrollments: list[dict] = field(default_factory=list)
    lessons: list[dict] = field(default_factory=list)
    modules: list[dict] = field(default_factory=list)
    attempts: list[dict] = field(default_factory=list)
    answers: list[dict] = field(default_factory=list)
    certificates: list[dict] = field(default_factory=list)

    def insert(self) -> None:
        """Bulk-insert everything collected."""
        for model, rows in ((User, self.users), (Enrollment, self.enrollments), (LessonCompletion, self.lessons),
                            (ModuleCompletion, self.modules), (Attempt, self.attempts), (Answer, self.answers),
                            (Certificate, self.certificates)):
            _bulk(model, rows)


class _Progress:
    """One trainee's way through one course, written as consistent rows."""

    def __init__(self, gen: _Generator, rows: _Rows, user_id: int, course: CourseInfo, enrolled: datetime,
                 enrolled_by: int | None) -> None:
        self.gen, self.rng, self.rows = gen, gen.rng, rows
        self.user_id, self.course, self.clock = user_id, course, enrolled
        self.enrollment = {"user_id": user_id, "course_id": course.id, "enrolled_at": enrolled,
                           "enrolled_by_id": enrolled_by, "last_activity_at": None, "last_lesson_id": None,
                           "lessons_completed": 0, "best_score_percent": None, "completed_at": None}
        self.best: dict[int, float] = {}

    def walk(self, status: str) -> None:
        """Complete lessons and quizzes in order as far as the status says, then close the enrolment."""
        if status == POOL:
            # Ready for the first quiz: every lesson of module 1 done, no attempt yet.
            self._lessons(self.course.modules[0], len(self.course.modules[0].lesson_ids))
        elif status != NOT_STARTED:
            budget = self.course.lesson_count if status == COMPLETED else \
                self.rng.randint(1, max(1, self.course.lesson_count - 1))
            self._modules(budget, status == COMPLETED)
        if self.best:
            # As app.progress.figures defines it: the mean of the best percent of each attempted quiz, two decimals.
            self.enrollment["best_score_percent"] = round(sum(self.best.values()) / len(self.best), 2)
        self.rows.enrollments.append(self.enrollment)

    def _modules(self, budget: int, finish: bool) -> None:
        for module in self.course.modules:
            done = self._lessons(module, budget)
            budget -= done
            if done < len(module.lesson_ids) or not self._quiz(module, finish, budget == 0):
                return
            self.rows.modules.append({"user_id": self.user_id, "module_id": module.id, "completed_at": self.clock})
        if finish:
            self.enrollment["completed_at"] = self.clock
            self.rows.certificates.append({
                "code": f"KK{self.course.id}-{self.user_id:07d}-{self.rng.randrange(16**4):04X}",
                "user_id": self.user_id, "course_id": self.course.id, "issued_at": self.clock,
                "completed_at": self.clock, "revoked_at": None, "revoked_by_id": None, "revoke_reason": "",
            })

    def _tick(self, low: float, high: float) -> datetime:
        self.clock = min(self.clock + timedelta(minutes=self.rng.uniform(low, high)), self.gen.now)
        self.enrollment["last_activity_at"] = self.clock
        return self.clock

    def _lessons(self, module: ModuleInfo, budget: int) -> int:
        done = module.lesson_ids[:budget]
        for lesson_id in done:
            self.rows.lessons.append({"user_id": self.user_id, "lesson_id": lesson_id, "completed_at": self._tick(4, 240)})
            self.enrollment["last_lesson_id"] = lesson_id
        self.enrollment["lessons_completed"] += len(done)
        return len(done)

    def _quiz(self, module: ModuleInfo, finish: bool, at_the_edge: bool) -> bool:
        """Attempt the module's quiz; return whether it was passed (a module without quiz passes)."""
        if module.quiz_id is None:
            return True
        if not finish and at_the_edge and self.rng.random() < 0.35:
            return False  # stopped right before the quiz
        passes = finish or self.rng.random() < 0.8
        tries = self.rng.choices((1, 2, 3), (70, 22, 8))[0] if passes else self.rng.choice((1, 1, 2, module.max_attempts))
        tries = min(tries, module.max_attempts)
        for number in range(1, tries + 1):
            self._attempt(module, number, passed=passes and number == tries)
        if not passes and tries < module.max_attempts and self.rng.random() < 0.05:
            self._open_attempt(module, tries + 1)
        return passes

    def _attempt(self, module: ModuleInfo, number: int, passed: bool) -> None:
        attempt_id, started = self.gen.attempt_id(), self._tick(10, 600)
        right = self._answers(module, passed)
        max_score = sum(q.points for q in module.questions) or 1.0
        score = sum(q.points for q, ok in zip(module.questions, right) if ok)
        percent = 100 * score / max_score
        for question, ok in zip(module.questions, right):
            self.rows.answers.append({"attempt_id": attempt_id, "question_id": question.id,
                                      "response": question.right if ok else question.wrong,
                                      "score": question.points if ok else 0.0, "max_score": question.points,
                                      "correct": ok})
        self.rows.attempts.append({
            "id": attempt_id, "quiz_id": module.quiz_id, "user_id": self.user_id, "number": number,
            "status": AttemptStatus.SUBMITTED, "layout": _layout(module), "started_at": started,
            "submitted_at": self._tick(2, 15), "score": score, "max_score": max_score, "percent": percent,
            "passed": percent >= module.pass_mark,
        })
        self.best[module.id] = max(self.best.get(module.id, 0.0), percent)

    def _answers(self, module: ModuleInfo, passed: bool) -> list[bool]:
        """Which questions were answered right, so that the attempt passes or fails as decided."""
        skill = self.rng.uniform(0.35, 0.95)
        right = [self.rng.random() < skill for _ in module.questions]
        total = sum(q.points for q in module.questions) or 1.0
        score = sum(q.points for q, ok in zip(module.questions, right) if ok)
        order = list(range(len(right)))
        self.rng.shuffle(order)
        for i in order:
            points = module.questions[i].points
            if passed and 100 * score / total < module.pass_mark and not right[i]:
                right[i], score = True, score + points
            elif not passed and 100 * score / total >= module.pass_mark and right[i]:
                right[i], score = False, score - points
        return right

    def _open_attempt(self, module: ModuleInfo, number: int) -> None:
        self.rows.attempts.append({
            "id": self.gen.attempt_id(), "quiz_id": module.quiz_id, "user_id": self.user_id, "number": number,
            "status": AttemptStatus.OPEN, "layout": _layout(module), "started_at": self._tick(60, 600),
            "submitted_at": None, "score": None, "max_score": None, "percent": None, "passed": None,
        })


def _layout(module: ModuleInfo) -> list[dict]:
    """An attempt's layout in the quiz engine's shape (here in the quiz's own order)."""
    return [{"question": q.id, "choices": q.choice_ids} for q in module.questions]


def _bulk(model: type, rows: list[dict]) -> None:
    """Insert rows in batches with one executemany each."""
    for batch in _batches(rows, BATCH):
        # The table, not the mapped class: the ORM's per-row bookkeeping would double the run time.
        db.session.execute(insert(model.__table__), batch)


def _batches(rows: list[dict], size: int) -> Iterator[list[dict]]:
    for start in range(0, len(rows), size):
        yield rows[start:start + size]


def _finish(dataset: Dataset) -> None:
    """Move PostgreSQL's id sequences past the explicit ids, refresh statistics, and describe the target rows."""
    if db.engine.dialect.name == "postgresql":
        for table in ("users", "attempts"):
            db.session.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                    f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"))
        db.session.commit()
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("ANALYZE"))
    dataset.counts = {model.__tablename__: db.session.scalar(select(func.count()).select_from(model))
                      for model in (User, Enrollment, LessonCompletion, ModuleCompletion, Attempt, Answer, Certificate)}
    dataset.target = _target()


def _target() -> dict[str, object]:
    """The lesson and quiz the pool trainees reach: module 1 of the first course, its longest lesson."""
    course = db.session.scalar(select(Course).order_by(Course.id))
    module = course.modules[0]
    lesson = max((l for l in module.lessons if l.status == Status.PUBLISHED), key=lambda l: len(l.body_md))
    return {"course_id": course.id, "course_slug": course.slug, "module_id": module.id, "module_slug": module.slug,
            "lesson_id": lesson.id, "lesson_slug": lesson.slug, "lesson_title": lesson.title,
            "quiz_id": module.quiz.id if module.quiz else None}


def main() -> None:
    """Build a bench database from the command line and print its manifest."""
    parser = argparse.ArgumentParser(description="Buat basis data benchmark Kelas KIM.")
    parser.add_argument("--trainees", type=int, default=10_000)
    parser.add_argument("--workdir", default=None)
    args = parser.parse_args()
    dataset = build(args.trainees, os.environ.get("DATABASE_URL"), args.workdir)
    print(json.dumps({"database_url": dataset.database_url, "seconds": dataset.seconds, "counts": dataset.counts,
                      "content": dataset.content}, indent=2))


if __name__ == "__main__":
    main()
