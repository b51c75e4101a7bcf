"""Queries and writes of the trainer's editing screens; views commit, these only flush."""
from __future__ import annotations

import codecs
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any, Optional, Sequence

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from app.accounts.models import Role, User
from app.accounts.services import user_by_email
from app.authoring import revisions
from app.authoring.qformats import MAX_QUESTIONS, parse_aiken, parse_gift, slugify
from app.catalog import qexport, retiring, versions
from app.catalog.coursefiles.content import TRUEFALSE_TEXTS
from app.catalog.files import CheckedFile
from app.catalog.loader import folder_quiz
from app.catalog.models import Course, CourseFile, CourseOwner, Lesson, Module, Revision, Status
from app.extensions import db
from app.quizzes import pools
from app.quizzes.grading import FALSE_KEY, SCORING_PARTIAL, TRUE_KEY, accepted_entry, significant_weights, texts_if_any
from app.quizzes.models import Choice, Question, Quiz, ReviewPolicy
from app.sanitize import FILE_PREFIX, images_in, markdown_images

PARSERS = {"gift": parse_gift, "aiken": parse_aiken}
RETIRED, DELETED = retiring.RETIRED, retiring.DELETED
# The checked text goes back in the confirm form, one field under Flask's MAX_FORM_MEMORY_SIZE
# (500,000 bytes, line breaks sent as CRLF): past this it could be checked but never saved.
MAX_IMPORT_TEXT_BYTES = 400_000


class AuthoringError(ValueError):
    """A change that cannot be made as asked; the message is for the trainer, `field` names the form field."""

    def __init__(self, message: str, field: Optional[str] = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass
class CourseEdit:
    """A course as the trainer edits it in the browser: its editable fields, already validated by a form."""

    title: str
    slug: str
    summary: str
    audience: str
    hours: int
    sequential: bool
    sources: list[str]


@dataclass
class ModuleEdit:
    """A module's editable fields."""

    title: str
    slug: str


@dataclass
class LessonEdit:
    """A lesson's editable fields."""

    title: str
    slug: str
    minutes: int
    objectives: list[str]
    sources: list[str]
    body_md: str


@dataclass
class QuizEdit:
    """A quiz's settings: with draw, each attempt asks that many questions drawn from all of them."""

    title: str
    pass_mark: int
    max_attempts: Optional[int]
    review: str = ReviewPolicy.AFTER_PASS
    draw: Optional[int] = None
    draw_per_tag: dict[str, int] = field(default_factory=dict)


@dataclass
class ChoiceEdit:
    """A choice of a question; an empty key means a new choice."""

    text: str
    correct: bool = False
    feedback: str = ""
    key: str = ""
    weight: Optional[float] = None  # percent, -100..100, when the question has per-answer weights


@dataclass
class QuestionEdit:
    """A question of any type; true/false questions carry their two choices 'true' and 'false'."""

    type: str
    text: str
    explanation: str = ""
    key: str = ""
    scoring: str = SCORING_PARTIAL
    points: float = 1.0
    accepted: list[str] = field(default_factory=list)
    choices: list[ChoiceEdit] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    accepted_weights: list[float] = field(default_factory=list)  # per accepted answer; [] when each gives full marks
    accepted_feedback: list[str] = field(default_factory=list)  # per accepted answer; [] when none has any

    @classmethod
    def from_snapshot(cls, data: dict[str, Any]) -> QuestionEdit:
        """Rebuild a question from a revision snapshot."""
        choices = [ChoiceEdit(text=c["text"], correct=bool(c["correct"]), feedback=c.get("feedback", ""), key=c["key"],
                              weight=c.get("weight"))
                   for c in data.get("choices", [])]
        return cls(type=data["type"], text=data["text"], explanation=data.get("explanation", ""), key=data["key"],
                   scoring=data.get("scoring", SCORING_PARTIAL), points=float(data.get("points", 1)),
                   accepted=list(data.get("accepted", [])), choices=choices, tags=list(data.get("tags", [])),
                   accepted_weights=list(data.get("accepted_weights", [])),
                   accepted_feedback=list(data.get("accepted_feedback", [])))


def truefalse_choices(answer: bool, feedback_true: str = "", feedback_false: str = "") -> list[ChoiceEdit]:
    """The two choices of a true/false question, keyed 'true' and 'false' as the grader expects."""
    # Stored in Bahasa Indonesia whatever the trainer's interface language, as the course files have them.
    return [ChoiceEdit(text=TRUEFALSE_TEXTS[TRUE_KEY], correct=answer, feedback=feedback_true, key=TRUE_KEY),
            ChoiceEdit(text=TRUEFALSE_TEXTS[FALSE_KEY], correct=not answer, feedback=feedback_false, key=FALSE_KEY)]


def imported_question(spec: dict[str, Any]) -> QuestionEdit:
    """A parsed GIFT/Aiken question (quiz.yaml shape) as QuestionEdit."""
    kind = spec["type"]
    if kind == "truefalse":
        choices = truefalse_choices(bool(spec["answer"]), spec.get("feedback_true", ""), spec.get("feedback_false", ""))
    else:
        choices = [ChoiceEdit(text=c["text"], correct=bool(c.get("correct")), feedback=c.get("feedback", ""),
                              weight=c.get("weight")) for c in spec.get("choices", [])]
    entries = [accepted_entry(answer) for answer in spec.get("accepted", [])]
    return QuestionEdit(type=kind, text=spec["text"], explanation=spec.get("explanation", ""), key=spec["id"],
                        scoring=spec.get("scoring", SCORING_PARTIAL), points=float(spec.get("points", 1)),
                        accepted=[entry.text for entry in entries], choices=choices, tags=list(spec.get("tags", [])),
                        accepted_weights=list(significant_weights(entry.weight for entry in entries)),
                        accepted_feedback=texts_if_any(entry.feedback for entry in entries))


# Queries -------------------------------------------------------------------------------------

def editable_courses(user: User) -> list[Course]:
    """The courses this user may edit: all for admins, owned or co-owned ones for trainers."""
    query = select(Course).options(selectinload(Course.modules), selectinload(Course.owners)).order_by(Course.title, Course.id)
    if user.role != Role.ADMIN:
        query = query.join(CourseOwner, CourseOwner.course_id == Course.id).where(CourseOwner.user_id == user.id)
    return list(db.session.scalars(query))


def course_for_editor(course_id: int) -> Optional[Course]:
    """A course with its owners, modules, lessons and quizzes (with question counts) loaded."""
    query = select(Course).where(Course.id == course_id).options(
        selectinload(Course.owners),
        selectinload(Course.modules).selectinload(Module.lessons),
        selectinload(Course.modules).selectinload(Module.quiz).selectinload(Quiz.questions),
    )
    return db.session.scalar(query)


def outline_warnings(course: Course) -> list[str]:
    """What would stop trainees finishing a published course, from an outline already loaded."""
    if not course.is_published:
        return []
    published = [module for module in course.modules if module.status == Status.PUBLISHED]
    warnings = [] if published else [_("Kursus sudah terbit, tetapi belum ada modul yang terbit.")]
    for module in published:
        if not any(lesson.status == Status.PUBLISHED for lesson in module.lessons):
            warnings.append(_("Modul %(title)s terbit tanpa pelajaran yang terbit.", title=module.title))
        if module.quiz is not None and not module.quiz.questions:
            warnings.append(_("Kuis modul %(title)s belum punya soal; peserta tidak dapat lulus modul ini.",
                              title=module.title))
    return warnings


def load_course(course_id: int) -> Optional[Course]:
    """A course with its owners, modules and lessons (not its quizzes)."""
    query = select(Course).where(Course.id == course_id).options(
        selectinload(Course.owners), selectinload(Course.modules).selectinload(Module.lessons))
    return db.session.scalar(query)


def load_module(module_id: int) -> Optional[Module]:
    """A module with its course and the course's owners."""
    query = select(Module).where(Module.id == module_id).options(
        joinedload(Module.course).selectinload(Course.owners), selectinload(Module.lessons), selectinload(Module.quiz))
    return db.session.scalar(query)


def load_lesson(lesson_id: int) -> Optional[Lesson]:
    """A lesson with its module, course and owners."""
    query = select(Lesson).where(Lesson.id == lesson_id).options(
        joinedload(Lesson.module).joinedload(Module.course).selectinload(Course.owners))
    return db.session.scalar(query)


def load_quiz(quiz_id: int) -> Optional[Quiz]:
    """A quiz with its questions and choices, module, course and owners."""
    query = select(Quiz).where(Quiz.id == quiz_id).options(
        selectinload(Quiz.questions).selectinload(Question.choices),
        joinedload(Quiz.module).joinedload(Module.course).selectinload(Course.owners))
    return db.session.scalar(query)


def load_question(question_id: int) -> Optional[Question]:
    """A question with its choices and its quiz's questions, module, course and owners."""
    query = select(Question).where(Question.id == question_id).options(
        selectinload(Question.choices),
        joinedload(Question.quiz).selectinload(Quiz.questions).selectinload(Question.choices),
        joinedload(Question.quiz).joinedload(Quiz.module).joinedload(Module.course).selectinload(Course.owners))
    return db.session.scalar(query)


def course_of(entity_type: str, entity) -> Course:
    """The course a course, module, lesson, quiz, question or file belongs to (for the owner check)."""
    if entity_type == revisions.COURSE:
        return entity
    if entity_type in (revisions.MODULE, "file"):
        return entity.course
    if entity_type == "question":
        return entity.quiz.module.course
    return entity.module.course


def load_revision(revision_id: int) -> Optional[Revision]:
    """A revision with its author."""
    return db.session.scalar(select(Revision).where(Revision.id == revision_id).options(selectinload(Revision.author)))


def _changed(course: Course):
    """Count up the course's content version: what learners and editors see has changed."""
    db.session.flush()
    versions.bump([course.id])


# Slugs ---------------------------------------------------------------------------------------

def _slug_for(data_slug: str, title: str) -> str:
    slug = data_slug or slugify(title)
    if not slug:
        raise AuthoringError(_("Slug tidak dapat dibuat dari judul; isi slug sendiri."), "slug")
    return slug


def _check_course_slug(slug: str, course: Optional[Course]) -> None:
    clash = db.session.scalar(select(Course.id).where(Course.slug == slug))
    if clash is not None and (course is None or clash != course.id):
        raise AuthoringError(_("Slug %(slug)s sudah dipakai kursus lain.", slug=slug), "slug")


def _check_sibling_slug(slug: str, siblings: Sequence, item=None, what: str = "") -> None:
    """Refuse a slug another row of the same parent has, retired rows included (they keep theirs)."""
    clash = next((other for other in siblings if other.slug == slug and other is not item), None)
    if clash is not None and clash.retired_at is not None:
        raise AuthoringError(_("Slug %(slug)s masih dipakai %(what)s yang sudah diarsipkan (ada catatan peserta "
                               "padanya); pilih slug lain.", slug=slug, what=what), "slug")
    if clash is not None:
        raise AuthoringError(_("Slug %(slug)s sudah dipakai %(what)s lain di tempat yang sama.", slug=slug, what=what), "slug")


# Courses -------------------------------------------------------------------------------------

def _apply_course(course: Course, data: CourseEdit) -> None:
    course.slug, course.title, course.summary, course.audience = data.slug, data.title, data.summary, data.audience
    course.hours, course.sequential, course.sources = data.hours, data.sequential, list(data.sources)


def create_course(data: CourseEdit, author: User) -> Course:
    """Create a draft course; a trainer who creates it becomes its owner."""
    data.slug = _slug_for(data.slug, data.title)
    _check_course_slug(data.slug, None)
    course = Course(status=Status.DRAFT)
    _apply_course(course, data)
    if author.role == Role.TRAINER:
        course.owners = [author]
    db.session.add(course)
    revisions.record_revision(revisions.COURSE, course, author)
    _changed(course)
    return course


def update_course(course: Course, data: CourseEdit, author: User) -> Optional[Revision]:
    """Change a course's details in place; the revision says what changed (None: nothing did)."""
    data.slug = _slug_for(data.slug, data.title)
    _check_course_slug(data.slug, course)
    before = revisions.snapshot(revisions.COURSE, course)
    _apply_course(course, data)
    revision = revisions.record_revision(revisions.COURSE, course, author, before)
    _changed(course)
    return revision


def add_owner(course: Course, email: str, author: User) -> User:
    """Make another trainer (found by email) a co-owner of the course."""
    user = user_by_email(email)
    # One answer for no account, another role and a deactivated trainer: a trainer learns nothing
    # about an email beyond whether it belongs to an active trainer.
    if user is None or user.role != Role.TRAINER or not user.active:
        raise AuthoringError(_("Tidak ada akun pelatih aktif dengan email %(email)s.", email=email), "email")
    if any(owner.id == user.id for owner in course.owners):
        raise AuthoringError(_("%(name)s sudah menjadi pemilik kursus ini.", name=user.full_name), "email")
    before = revisions.snapshot(revisions.COURSE, course)
    course.owners.append(user)
    revisions.record_revision(revisions.COURSE, course, author, before)
    _changed(course)  # the new owner may preview and edit at once, on every worker
    return user


# Modules and lessons -------------------------------------------------------------------------

def create_module(course: Course, data: ModuleEdit, author: User) -> Module:
    """Add a draft module at the end of the course."""
    slug = _slug_for(data.slug, data.title)
    _check_sibling_slug(slug, course.all_modules, what=_("modul"))
    module = Module(slug=slug, title=data.title, position=len(course.modules), status=Status.DRAFT)
    course.modules.append(module)
    revisions.record_revision(revisions.MODULE, module, author)
    _changed(course)
    return module


def update_module(module: Module, data: ModuleEdit, author: User) -> Optional[Revision]:
    """Change a module's title or slug."""
    slug = _slug_for(data.slug, data.title)
    _check_sibling_slug(slug, module.course.all_modules, module, _("modul"))
    before = revisions.snapshot(revisions.MODULE, module)
    module.slug, module.title = slug, data.title
    revision = revisions.record_revision(revisions.MODULE, module, author, before)
    _changed(module.course)
    return revision


def _apply_lesson(lesson: Lesson, data: LessonEdit) -> None:
    lesson.title, lesson.minutes, lesson.body_md = data.title, data.minutes, data.body_md
    lesson.objectives, lesson.sources = list(data.objectives), list(data.sources)


def _check_images(body_md: str) -> None:
    """Refuse a lesson whose images lack alternative text: trainees with screen readers, or whose image did not load, need it."""
    errors, _warnings = image_problems(body_md, ())
    if errors:
        raise AuthoringError(" ".join(errors), "body")


def create_lesson(module: Module, data: LessonEdit, author: User) -> Lesson:
    """Add a draft lesson at the end of the module."""
    _check_images(data.body_md)
    slug = _slug_for(data.slug, data.title)
    _check_sibling_slug(slug, module.all_lessons, what=_("pelajaran"))
    lesson = Lesson(slug=slug, position=len(module.lessons), status=Status.DRAFT)
    _apply_lesson(lesson, data)
    module.lessons.append(lesson)
    revisions.record_revision(revisions.LESSON, lesson, author)
    _changed(module.course)
    return lesson


def update_lesson(lesson: Lesson, data: LessonEdit, author: User) -> Optional[Revision]:
    """Change a lesson in place, so trainees who completed it keep their progress."""
    _check_images(data.body_md)
    slug = _slug_for(data.slug, data.title)
    _check_sibling_slug(slug, lesson.module.all_lessons, lesson, _("pelajaran"))
    before = revisions.snapshot(revisions.LESSON, lesson)
    lesson.slug = slug
    _apply_lesson(lesson, data)
    revision = revisions.record_revision(revisions.LESSON, lesson, author, before)
    _changed(lesson.module.course)
    return revision


# Quizzes and questions -----------------------------------------------------------------------

def _apply_quiz(quiz: Quiz, data: QuizEdit) -> None:
    quiz.title, quiz.pass_mark, quiz.max_attempts = data.title, data.pass_mark, data.max_attempts
    quiz.review, quiz.draw, quiz.draw_per_tag = data.review, data.draw, dict(data.draw_per_tag)


def pool_messages(found: Sequence[pools.PoolProblem]) -> list[tuple[str, str]]:
    """(form field, message) for each way a quiz's pool settings do not fit its questions."""
    messages = []
    for problem in found:
        if problem.kind == pools.DRAW_RANGE and problem.have == 0:
            messages.append(("draw", _("Kuis ini belum punya soal; isi jumlah soal per percobaan setelah soal ditambahkan.")))
        elif problem.kind == pools.DRAW_RANGE:
            messages.append(("draw", _("Soal per percobaan harus antara 1 dan %(n)d (jumlah soal kuis ini).", n=problem.have)))
        elif problem.kind == pools.PER_TAG_WITHOUT_DRAW:
            messages.append(("draw_per_tag", _("Soal per tag hanya berlaku bila soal per percobaan diisi.")))
        elif problem.kind == pools.PER_TAG_OVER_DRAW:
            messages.append(("draw_per_tag", _("Jumlah soal per tag (%(wanted)d) melebihi soal per percobaan (%(draw)d).",
                                               wanted=problem.wanted, draw=problem.have)))
        else:
            messages.append(("draw_per_tag", _("Tag %(tag)s diminta %(wanted)d soal, tetapi hanya %(have)d soal memakai tag itu.",
                                               tag=problem.tag, wanted=problem.wanted, have=problem.have)))
    return messages


def pool_warnings(quiz: Quiz) -> list[str]:
    """What no longer fits in a quiz's pool settings after its questions changed (shown on the quiz page)."""
    found = pools.pool_problems([question.tags or () for question in quiz.questions], quiz.draw, quiz.draw_per_tag or {})
    return [message for _field, message in pool_messages(found)]


def _check_pool(questions: Sequence[Question], data: QuizEdit) -> None:
    found = pools.pool_problems([question.tags or () for question in questions], data.draw, data.draw_per_tag)
    if found:
        field_name, message = pool_messages(found)[0]
        raise AuthoringError(message, field_name)


def create_quiz(module: Module, data: QuizEdit, author: User) -> Quiz:
    """Give a module its quiz."""
    if module.quiz is not None:
        raise AuthoringError(_("Modul ini sudah punya kuis."))
    _check_pool([], data)
    quiz = Quiz()
    _apply_quiz(quiz, data)
    module.quiz = quiz
    revisions.record_revision(revisions.QUIZ, quiz, author)
    _changed(module.course)
    return quiz


def update_quiz(quiz: Quiz, data: QuizEdit, author: User) -> Optional[Revision]:
    """Change a quiz's settings; a draw must fit the questions the quiz has now."""
    _check_pool(quiz.questions, data)
    before = revisions.snapshot(revisions.QUIZ, quiz)
    _apply_quiz(quiz, data)
    revision = revisions.record_revision(revisions.QUIZ, quiz, author, before)
    _changed(quiz.module.course)
    return revision


def _unique_key(wanted: str, text: str, taken: set[str]) -> str:
    if wanted:
        if wanted in taken:
            raise AuthoringError(_("Kunci soal %(key)s sudah dipakai soal lain di kuis ini.", key=wanted), "key")
        return wanted
    base = slugify(text) or "soal"
    candidate, number = base, 2
    while candidate in taken:
        candidate, number = f"{base}-{number}", number + 1
    return candidate


def _fresh_choice_key(used: set[str]) -> str:
    numbers = [int(key) for key in used if key.isdigit()]
    key = str(max(numbers) + 1 if numbers else 0)
    used.add(key)
    return key


def _sync_choices(question: Question, choices: list[ChoiceEdit]) -> None:
    """Update choices in place by key, add new ones, and retire or delete the rest; ids (and answers) stay attached.

    A key that belongs to a retired choice (a restored revision has it) brings that choice back.
    """
    live = {choice.key: choice for choice in question.choices}
    every = {choice.key: choice for choice in question.all_choices} if question.id else {}
    every.update(live)
    used = set(every) | {data.key for data in choices if data.key}
    kept: list[Choice] = []
    for position, data in enumerate(choices):
        choice = every.pop(data.key, None) if data.key else None
        if choice is None:
            key = data.key if data.key and data.key not in {c.key for c in kept} else _fresh_choice_key(used)
            choice = Choice(key=key)
        retiring.bring_back(choice)
        choice.position, choice.text, choice.correct, choice.feedback = position, data.text, data.correct, data.feedback
        choice.weight = data.weight
        kept.append(choice)
    gone = retiring.take_away([choice for key, choice in every.items() if key in live])
    question.choices = kept + [choice for choice, outcome in gone.items() if outcome == retiring.RETIRED]


def _apply_question(question: Question, data: QuestionEdit) -> None:
    question.type, question.text, question.explanation = data.type, data.text, data.explanation
    question.scoring, question.points, question.accepted = data.scoring, data.points, list(data.accepted)
    question.accepted_weights, question.accepted_feedback = list(data.accepted_weights), list(data.accepted_feedback)
    question.tags = list(data.tags)
    _sync_choices(question, data.choices)


def create_question(quiz: Quiz, data: QuestionEdit, author: User) -> Question:
    """Add a question at the end of the quiz."""
    before = revisions.snapshot(revisions.QUIZ, quiz)
    key = _unique_key(data.key, data.text, _question_keys(quiz))
    question = Question(key=key, position=len(quiz.questions))
    quiz.questions.append(question)
    _apply_question(question, data)
    retiring.settle([(question, "choices")])
    revisions.record_revision(revisions.QUIZ, quiz, author, before)
    _changed(quiz.module.course)
    return question


def update_question(question: Question, data: QuestionEdit, author: User) -> Optional[Revision]:
    """Change a question in place, keeping the ids of choices whose keys stay."""
    quiz = question.quiz
    before = revisions.snapshot(revisions.QUIZ, quiz)
    question.key = _unique_key(data.key or question.key, data.text, _question_keys(quiz) - {question.key})
    _apply_question(question, data)
    retiring.settle([(question, "choices")])
    revision = revisions.record_revision(revisions.QUIZ, quiz, author, before)
    _changed(quiz.module.course)
    return revision


def delete_question(question: Question, author: User) -> str:
    """Remove a question and close the gap in positions: retired if trainees answered it, else deleted.

    Returns retiring.RETIRED or retiring.DELETED. A retired question keeps its answers, graded
    attempts keep their scores and reviews; new attempts no longer get it.
    """
    quiz = question.quiz
    before = revisions.snapshot(revisions.QUIZ, quiz)
    outcome = retiring.take_away([question])[question]
    others = [other for other in revisions.by_position(quiz.questions) if other is not question]
    if outcome == retiring.DELETED:
        quiz.questions = others
    _renumber(others)
    retiring.settle([(quiz, "questions")])
    revisions.record_revision(revisions.QUIZ, quiz, author, before)
    _changed(quiz.module.course)
    return outcome


def decode_upload(raw: bytes) -> str:
    """The text of an uploaded question file (UTF-8, or UTF-16 with its BOM as Windows Notepad saves it);
    AuthoringError for binary or other content."""
    encoding = "utf-16" if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) else "utf-8-sig"
    if encoding == "utf-8-sig" and b"\x00" in raw[:8192]:
        raise AuthoringError(_("Berkas ini bukan berkas teks. Simpan soal sebagai teks biasa (.txt) lalu unggah lagi."), "file")
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError:
        raise AuthoringError(_("Berkas tidak tersimpan dalam UTF-8. Di Notepad pilih Simpan Sebagai, Encoding: UTF-8, "
                               "lalu unggah lagi."), "file") from None
    if not text.strip():
        raise AuthoringError(_("Berkas kosong."), "file")
    return importable_text(text, "file")


def importable_text(text: str, field_name: str = "text") -> str:
    """The question text, or AuthoringError when it is too long to check and save in one import."""
    if len(text.encode("utf-8")) + text.count("\n") > MAX_IMPORT_TEXT_BYTES:
        raise AuthoringError(_("Teks soal lebih dari %(kb)d KB. Pecah menjadi beberapa impor, masing-masing "
                               "paling banyak %(n)d soal.", kb=MAX_IMPORT_TEXT_BYTES // 1000, n=MAX_QUESTIONS),
                             field_name)
    return text


def _question_keys(quiz: Quiz) -> set[str]:
    """The keys the quiz's questions hold, retired ones included (keys are unique per quiz)."""
    retired = {question.key for question in quiz.all_questions} if quiz.id else set()
    return retired | {question.key for question in quiz.questions}


def parse_questions(fmt: str, text: str, quiz: Quiz):
    """Parse GIFT or Aiken text for this quiz (ids avoid its existing keys); writes nothing."""
    return PARSERS[fmt](text, taken_ids=_question_keys(quiz))


def questions_file(quiz: Quiz, fmt: str) -> qexport.Exported:
    """The quiz's questions written as fmt ("gift" or "moodlexml"); reads only."""
    return qexport.WRITERS[fmt](folder_quiz(quiz).questions)


def import_questions(quiz: Quiz, specs: list[dict[str, Any]], author: User, fmt: str) -> int:
    """Append parsed questions to the quiz in one revision; returns how many were added."""
    before = revisions.snapshot(revisions.QUIZ, quiz)
    taken = _question_keys(quiz)
    for spec in specs:
        data = imported_question(spec)
        question = Question(key=_unique_key("", data.key, taken), position=len(quiz.questions))
        taken.add(question.key)
        with db.session.no_autoflush:
            quiz.questions.append(question)
            _apply_question(question, data)
    revisions.record_revision(revisions.QUIZ, quiz, author, before,
                     summary=_("impor %(n)d soal (%(fmt)s)", n=len(specs), fmt=fmt.upper()))
    _changed(quiz.module.course)
    return len(specs)


# Course files ---------------------------------------------------------------------------------

def load_file(file_id: int) -> Optional[CourseFile]:
    """A course file (without its bytes) with its course and the course's owners."""
    query = select(CourseFile).where(CourseFile.id == file_id).options(
        joinedload(CourseFile.course).selectinload(Course.owners))
    return db.session.scalar(query)


def course_files(course_id: int) -> list[CourseFile]:
    """The files of a course by name, without their bytes."""
    return list(db.session.scalars(select(CourseFile).where(CourseFile.course_id == course_id).order_by(CourseFile.name)))


def save_file(course: Course, checked: CheckedFile, alt: str, author: User, replace: bool = False) -> tuple[CourseFile, bool]:
    """Store a checked file under its name; (file, True) when it replaced one of that name (asked with `replace`)."""
    existing = db.session.scalar(select(CourseFile).where(CourseFile.course_id == course.id,
                                                          CourseFile.name == checked.name))
    if existing is not None and not replace:
        raise AuthoringError(_("Kursus ini sudah punya berkas bernama %(name)s. Centang \"Ganti berkas\" untuk "
                               "menggantinya, atau ubah nama berkasnya lalu unggah lagi.", name=checked.name), "file")
    before = revisions.snapshot(revisions.COURSE, course)
    stored = existing or CourseFile(course_id=course.id, name=checked.name)
    stored.kind, stored.media_type, stored.alt = checked.kind, checked.media_type, alt
    stored.sha256, stored.size, stored.content = checked.sha256, len(checked.data), checked.data
    stored.width, stored.height, stored.uploaded_by_id = checked.width, checked.height, author.id
    if existing is None:
        course.files.append(stored)
    revisions.record_revision(revisions.COURSE, course, author, before)
    _changed(course)  # lesson pages link the file by its content's hash, on every worker
    return stored, existing is not None


def delete_file(course_file: CourseFile, author: User) -> None:
    """Remove a course file; lessons that show it get a broken image until they are edited."""
    course = course_file.course
    before = revisions.snapshot(revisions.COURSE, course)
    course.files.remove(course_file)
    revisions.record_revision(revisions.COURSE, course, author, before)
    _changed(course)


def lessons_using(course: Course, name: str) -> list[Lesson]:
    """The lessons of the course whose text names berkas/<name>."""
    needle = f"{FILE_PREFIX}{name}"
    return [lesson for module in course.modules for lesson in module.lessons if needle in (lesson.body_md or "")]


def image_problems(body_md: str, file_names: Collection[str]) -> tuple[list[str], list[str]]:
    """(errors, warnings) about a lesson's images: ![](...) without alternative text stops a save; the rest warns.

    An image from another site is blocked by the site's content security policy (img-src 'self'):
    trainees on a slow connection would wait for it, and another site could change or track it.
    Raw HTML images are the sanitiser's business: without alt text they only get a warning.
    """
    written = markdown_images(body_md)
    errors = [_("Gambar %(src)s belum punya teks alternatif: tulis apa yang terlihat di antara [ ] sebelum (%(src)s).",
                src=src) for src, alt in written if not alt]
    in_markdown = {src for src, _alt in written}
    warnings = []
    for src, alt in images_in(body_md):
        if not alt and src not in in_markdown:
            warnings.append(_("Gambar %(src)s belum punya teks alternatif (alt): pembaca layar tidak dapat "
                              "menyebutkan isinya.", src=src))
        if src.startswith(FILE_PREFIX) and src[len(FILE_PREFIX):] not in file_names:
            warnings.append(_("Berkas %(src)s belum diunggah ke kursus ini; gambarnya tidak akan tampil.", src=src))
        elif "//" in src or src.startswith("data:"):
            warnings.append(_("Gambar dari situs lain (%(src)s) tidak ditampilkan: Kelas KIM hanya memuat gambar "
                              "dari situsnya sendiri, agar halaman ringan dan aman. Simpan gambarnya, unggah di "
                              "Berkas kursus, lalu tulis ![teks alternatif](berkas/nama-berkas.jpg).", src=src))
    return errors, warnings


# Order and publication -----------------------------------------------------------------------

def _renumber(items: Sequence) -> None:
    for position, item in enumerate(items):
        item.position = position


def move(entity_type: str, item, direction: int, author: User) -> bool:
    """Swap a module, lesson or question with its neighbour (-1 up, +1 down); False at either end."""
    parent_type, parent, siblings, summary = {
        revisions.MODULE: lambda: (revisions.COURSE, item.course, item.course.modules, _("urutan modul")),
        revisions.LESSON: lambda: (revisions.MODULE, item.module, item.module.lessons, _("urutan pelajaran")),
        "question": lambda: (revisions.QUIZ, item.quiz, item.quiz.questions, _("urutan soal")),
    }[entity_type]()
    ordered = revisions.by_position(siblings)
    index, target = ordered.index(item), ordered.index(item) + direction
    if not 0 <= target < len(ordered):
        return False
    before = revisions.snapshot(parent_type, parent)
    ordered[index], ordered[target] = ordered[target], ordered[index]
    _renumber(ordered)
    revisions.record_revision(parent_type, parent, author, before, summary=summary)
    _changed(course_of(parent_type, parent))
    return True


def set_status(entity_type: str, entity, status: str, author: User) -> Optional[Revision]:
    """Publish a course, module or lesson, or make it a draft again (trainees see only published)."""
    revision = _set_status(entity_type, entity, status, author)
    _changed(course_of(entity_type, entity))
    return revision


def _set_status(entity_type: str, entity, status: str, author: User) -> Optional[Revision]:
    if status not in Status.ALL:
        raise AuthoringError(_("Status tidak dikenal."))
    before = revisions.snapshot(entity_type, entity)
    entity.status = status
    return revisions.record_revision(entity_type, entity, author, before)


def publish_everything(course: Course, author: User) -> int:
    """Publish a course with all its modules and lessons; returns how many items changed."""
    changed = 0
    for module in course.modules:
        for lesson in module.lessons:
            changed += _set_status(revisions.LESSON, lesson, Status.PUBLISHED, author) is not None
        changed += _set_status(revisions.MODULE, module, Status.PUBLISHED, author) is not None
    changed += _set_status(revisions.COURSE, course, Status.PUBLISHED, author) is not None
    _changed(course)  # one version bump (and one recount) for the lot
    return changed


# Restoring -----------------------------------------------------------------------------------

RESTORABLE = (revisions.LESSON, revisions.QUIZ)


def _restore_lesson(lesson: Lesson, data: dict[str, Any]) -> None:
    _check_sibling_slug(data["slug"], lesson.module.all_lessons, lesson, _("pelajaran"))
    lesson.slug = data["slug"]
    _apply_lesson(lesson, LessonEdit(title=data["title"], slug=data["slug"], minutes=data["minutes"],
                                     objectives=data["objectives"], sources=data["sources"], body_md=data["body_md"]))


def _restore_quiz(quiz: Quiz, data: dict[str, Any]) -> None:
    """Settings and questions as in the snapshot; questions and choices whose keys match keep their ids.

    A question the snapshot has that was retired since comes back with its answers; one it lacks
    is retired if trainees answered it, else deleted.
    """
    _apply_quiz(quiz, QuizEdit(title=data["title"], pass_mark=data["pass_mark"], max_attempts=data["max_attempts"],
                               review=data.get("review", ReviewPolicy.AFTER_PASS), draw=data.get("draw"),
                               draw_per_tag=dict(data.get("draw_per_tag") or {})))
    existing = {question.key: question for question in quiz.all_questions}
    wanted = {item["key"] for item in data["questions"]}
    gone = retiring.take_away([question for key, question in existing.items()
                               if key not in wanted and question.retired_at is None])
    with db.session.no_autoflush:  # new questions are filled in below, before anything is written
        kept = []
        for position, item in enumerate(data["questions"]):
            question = existing.get(item["key"]) or Question(key=item["key"])
            retiring.bring_back(question)
            question.position = position
            kept.append(question)
        quiz.questions = kept + [question for question, outcome in gone.items() if outcome == retiring.RETIRED]
        for question, item in zip(kept, data["questions"]):
            _apply_question(question, QuestionEdit.from_snapshot(item))
    retiring.settle([(quiz, "questions"), *((question, "choices") for question in kept)])


def restore(revision: Revision, entity, author: User) -> Optional[Revision]:
    """Bring a lesson or quiz back to a revision's state, recorded as a new revision.

    The publication status is left as it is: restoring text should not publish or hide it.
    """
    if revision.entity_type not in RESTORABLE:
        raise AuthoringError(_("Revisi jenis ini tidak dapat dipulihkan."))
    number = revisions.number_of(revision)
    before = revisions.snapshot(revision.entity_type, entity)
    if revision.entity_type == revisions.LESSON:
        _restore_lesson(entity, revision.snapshot)
    else:
        _restore_quiz(entity, revision.snapshot)
    restored = revisions.record_revision(revision.entity_type, entity, author, before,
                                summary=_("dipulihkan dari revisi #%(n)d", n=number))
    _changed(course_of(revision.entity_type, entity))
    return restored
