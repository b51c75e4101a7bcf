"""Read and check a course folder: course.yaml, the lessons, the quizzes and the files it names; nothing is written."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from app.catalog import files as file_checks
from app.catalog.coursefiles.content import (CHOICE_TYPES, COURSE_FILE, FENCE, FILES_FOLDER, TRUEFALSE_TEXTS,
                                             FolderChoice, FolderCourse, FolderFile, FolderLesson, FolderModule, FolderQuestion,
                                             FolderQuiz, iter_lessons)
from app.catalog.coursefiles.lint import course_warnings
from app.catalog.coursefiles.yamlcheck import Document, Fields, Problem
from app.catalog.models import SLUG, SLUG_MAX, Status
from app.quizzes import pools
from app.quizzes.grading import (FALSE_KEY, QUESTION_TYPES, SCORING_PARTIAL, SCORINGS, TRUE_KEY, is_correct_weight,
                                  significant_weights, texts_if_any, weight_problems)
from app.quizzes.models import ReviewPolicy
from app.sanitize import markdown_images

ALT_MAX = 300
QUIZ_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*\.ya?ml$")
TITLE_MAX = 200


@dataclass
class Reading:
    """What a folder held: the courses that passed the check, every problem found, and warnings."""

    courses: list[FolderCourse] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)  # accepted, but worth a second look

    @property
    def ok(self) -> bool:
        """True when nothing is wrong anywhere."""
        return not self.problems


def read_courses(path: Path | str) -> Reading:
    """Read and check one course folder, or a folder holding several; nothing is written."""
    root = Path(path)
    reading = Reading()
    if not root.is_dir():
        reading.problems.append(Problem(str(root), "folder tidak ditemukan"))
        return reading
    if (root / COURSE_FILE).is_file():
        folders = [root]
    else:
        folders = sorted(child for child in root.iterdir() if child.is_dir() and not child.name.startswith((".", "_")))
        for folder in folders:
            if not (folder / COURSE_FILE).is_file():
                reading.problems.append(Problem(str(folder / COURSE_FILE), "berkas tidak ditemukan: setiap folder kursus perlu course.yaml"))
        folders = [folder for folder in folders if (folder / COURSE_FILE).is_file()]
        if not folders and not reading.problems:
            reading.problems.append(Problem(str(root), "tidak ada folder kursus (folder berisi course.yaml) di sini"))
    seen: dict[str, str] = {}
    for folder in folders:
        before = len(reading.problems)
        course = read_course(folder, reading.problems, reading.warnings)
        if course is None:
            continue
        course_file = str(folder / COURSE_FILE)
        if course.slug in seen:
            reading.problems.append(Problem(course_file, f"slug kursus '{course.slug}' juga dipakai di {seen[course.slug]}", where="slug"))
        seen.setdefault(course.slug, course_file)
        if len(reading.problems) == before:
            reading.courses.append(course)
    return reading


def read_course(folder: Path, problems: list[Problem], warnings: Optional[list[Problem]] = None) -> Optional[FolderCourse]:
    """Read folder/course.yaml and everything it names, adding each problem found to problems.

    A course read without problems is also checked for what the format accepts but a reviewer
    would not (course_warnings), into warnings when given.
    """
    before = len(problems)
    doc = Document(str(folder / COURSE_FILE), problems)
    text = _read_text(folder / COURSE_FILE, doc.file, problems)
    if text is None or not doc.parse(text):
        return None
    fields = Fields(doc, doc.data)
    if not fields.ok:
        return None
    fields.only({"slug", "title", "summary", "audience", "hours", "sequential", "sources", "status", "modules", "files"})
    course = FolderCourse(
        slug=fields.slug("slug"),
        title=fields.text("title", max_length=TITLE_MAX),
        summary=fields.text("summary", required=False),
        audience=fields.text("audience", required=False),
        hours=fields.integer("hours", default=1) or 1,
        sequential=bool(fields.boolean("sequential", default=True)),
        sources=fields.texts("sources"),
        status=fields.choice("status", Status.ALL, Status.PUBLISHED),
    )
    slugs: dict[str, int] = {}
    for index, _ in enumerate(fields.items("modules")):
        module = _read_module(folder, fields.sub(("modules", index)), slugs)
        if module is not None:
            course.modules.append(module)
    course.files = _read_files(folder, fields)
    _check_file_references(course, folder, problems)
    if warnings is not None and len(problems) == before:
        warnings.extend(course_warnings(course, doc.file, doc.line_of(("hours",))))
    return course


def _read_files(folder: Path, fields: Fields) -> list[FolderFile]:
    """The files listed under `files:`, each read from berkas/ and checked by its content."""
    found: list[FolderFile] = []
    names: set[str] = set()
    for index, _ in enumerate(fields.items("files", required=False)):
        entry = fields.sub(("files", index))
        if not entry.ok:
            continue
        entry.only({"name", "alt"})
        name, alt = entry.text("name"), entry.text("alt", max_length=ALT_MAX)
        entry.label = f"berkas '{name}'" if name else ""
        if not name or not alt:
            continue
        if not file_checks.is_safe_name(name):
            entry.problem(("name",), "nama berkas harus huruf kecil, angka, dan tanda hubung, diakhiri .jpg, .png, "
                                     f"atau .pdf (paling panjang {file_checks.NAME_MAX} karakter)")
            continue
        if name in names:
            entry.problem(("name",), f"berkas '{name}' tercantum dua kali")
            continue
        names.add(name)
        checked = _read_course_file(folder / FILES_FOLDER / name, entry)
        if checked is not None:
            found.append(FolderFile(name, alt, checked))
    return found


def _read_course_file(path: Path, entry: Fields) -> Optional[file_checks.CheckedFile]:
    """A listed file once checked (its size before reading, then its content), or None with the problem noted."""
    try:
        size = path.stat().st_size
    except OSError:
        entry.problem(("name",), f"berkas tidak ditemukan: {path}")
        return None
    limit = file_checks.MAX_BYTES
    if size > limit:
        entry.problem(("name",), f"berkas terlalu besar ({file_checks.size_label(size)}; batasnya "
                                 f"{file_checks.size_label(limit)}): {path}")
        return None
    try:
        return file_checks.checked_folder_file(path.read_bytes(), path.name)
    except file_checks.FileProblem as error:
        entry.problem(("name",), f"{error}: {path}")
    except OSError as error:
        entry.problem(("name",), f"tidak dapat dibaca: {error.strerror}: {path}")
    return None


# berkas/<name> written in a lesson: as an image or a link target, in Markdown or in an HTML attribute.
FILE_REFERENCE = re.compile(r"""[("'=]\s*berkas/([^)"'\s>]+)""")


def _check_file_references(course: FolderCourse, folder: Path, problems: list[Problem]) -> None:
    """Every berkas/<name> a lesson uses is listed under files:, and every image there has alternative text."""
    listed = {item.name for item in course.files}
    for module, lesson in iter_lessons(course):
        shown = str(folder / module.slug / f"{lesson.slug}.md")
        for name in dict.fromkeys(FILE_REFERENCE.findall(lesson.body_md)):
            if name not in listed:
                problems.append(Problem(shown, f"berkas/{name} dipakai di isi pelajaran tetapi tidak tercantum di "
                                               f"files course.yaml (atau tidak dapat dipakai)"))
        for src, alt in markdown_images(lesson.body_md):
            if not alt:
                problems.append(Problem(shown, f"gambar {src} tidak punya teks alternatif: tulis apa yang terlihat "
                                               "di antara [ ]"))


def _read_module(folder: Path, fields: Fields, slugs: dict[str, int]) -> Optional[FolderModule]:
    """One entry of course.yaml's modules: its folder, lesson files and quiz file."""
    if not fields.ok:
        return None
    fields.only({"slug", "title", "lessons", "quiz", "status"})
    slug = fields.slug("slug")
    fields.label = f"modul '{slug}'" if slug else ""
    index = fields.key[-1]
    if slug in slugs:
        fields.problem(("slug",), f"slug modul '{slug}' dipakai dua kali (juga di modules[{slugs[slug]}])")
    slugs.setdefault(slug, index)
    module = FolderModule(slug=slug, title=fields.text("title", max_length=TITLE_MAX),
                        status=fields.choice("status", Status.ALL, Status.PUBLISHED))
    module_dir = folder / slug
    if not SLUG.match(slug):
        return module  # already reported; without a safe folder name there is nothing to read
    if not module_dir.is_dir():
        fields.problem(("slug",), f"folder modul tidak ditemukan: {module_dir}")
        return module
    names = fields.texts("lessons")
    for position, name in enumerate(names):
        lesson = _read_listed_lesson(module_dir, fields, position, name, names)
        if lesson is not None:
            module.lessons.append(lesson)
    quiz_name = fields.text("quiz", required=False)
    if quiz_name:
        module.quiz = _read_listed_quiz(module_dir, fields, quiz_name)
    return module


def _read_listed_lesson(module_dir: Path, fields: Fields, position: int, name: str, names: list[str]) -> Optional[FolderLesson]:
    """A lesson file named in course.yaml: checked for a safe name, then read."""
    key = ("lessons", position)
    if not name.endswith(".md") or not SLUG.match(name[:-3]) or len(name) - 3 > SLUG_MAX:
        fields.problem(key, f"nama berkas pelajaran '{name}' harus berupa slug diakhiri .md")
        return None
    if names.index(name) != position:
        fields.problem(key, f"berkas pelajaran '{name}' tercantum dua kali")
        return None
    path = module_dir / name
    if not path.is_file():
        fields.problem(key, f"berkas tidak ditemukan: {path}")
        return None
    return read_lesson(path, fields.doc.problems)


def _read_listed_quiz(module_dir: Path, fields: Fields, name: str) -> Optional[FolderQuiz]:
    """The quiz file named in course.yaml."""
    if not QUIZ_NAME.match(name):
        fields.problem(("quiz",), f"nama berkas kuis '{name}' harus diakhiri .yaml, tanpa folder")
        return None
    path = module_dir / name
    if not path.is_file():
        fields.problem(("quiz",), f"berkas tidak ditemukan: {path}")
        return None
    return read_quiz(path, fields.doc.problems)


def _read_text(path: Path, shown: str, problems: list[Problem]) -> Optional[str]:
    """The file as text, line endings untouched so that lesson bodies survive byte for byte."""
    try:
        return path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as error:
        problems.append(Problem(shown, f"bukan teks UTF-8 (byte ke-{error.start + 1})"))
    except OSError as error:
        problems.append(Problem(shown, f"tidak dapat dibaca: {error.strerror}"))
    return None


def split_front_matter(text: str) -> Optional[tuple[str, str]]:
    """Split a lesson into (front matter YAML, body); None when there is no front matter block.

    The blank line that conventionally follows the closing '---' belongs to the format, not
    the body, so that write -> read gives back the body byte for byte.
    """
    lines = text.split("\n")  # only \n: other Unicode line breaks may stand inside a body
    if lines[0].rstrip() != FENCE:
        return None
    for index in range(1, len(lines)):
        if lines[index].rstrip() == FENCE:
            front = "".join(line + "\n" for line in lines[1:index])
            body = "\n".join(lines[index + 1:])
            for newline in ("\r\n", "\n"):
                if body.startswith(newline):
                    return front, body[len(newline):]
            return front, body
    return None


def read_lesson(path: Path, problems: list[Problem]) -> Optional[FolderLesson]:
    """Read a lesson .md file: YAML front matter between '---' lines, then the Markdown body."""
    shown = str(path)
    text = _read_text(path, shown, problems)
    if text is None:
        return None
    parts = split_front_matter(text)
    if parts is None:
        first = text.splitlines()[0] if text.strip() else ""
        reason = "baris '---' penutup tidak ada" if first.rstrip() == FENCE else "baris pertama harus '---'"
        problems.append(Problem(shown, f"front matter tidak ditemukan: {reason}", 1))
        return None
    doc = Document(shown, problems, first_line=2)
    if not doc.parse(parts[0]):
        return None
    fields = Fields(doc, doc.data)
    if not fields.ok:
        return None
    fields.only({"title", "minutes", "objectives", "sources", "status"})
    lesson = FolderLesson(
        slug=path.name[:-3],
        title=fields.text("title", max_length=TITLE_MAX),
        minutes=fields.integer("minutes", default=10) or 10,
        objectives=fields.texts("objectives"),
        sources=fields.texts("sources"),
        body_md=parts[1],
        status=fields.choice("status", Status.ALL, Status.PUBLISHED),
    )
    if not lesson.body_md.strip():
        end_line = 2 + parts[0].count("\n")
        problems.append(Problem(shown, "isi pelajaran kosong: tulis isi di bawah baris '---' penutup", end_line))
    return lesson


def read_quiz(path: Path, problems: list[Problem]) -> Optional[FolderQuiz]:
    """Read a quiz file and check every question against its type, and the pool settings against the questions."""
    doc = Document(str(path), problems)
    text = _read_text(path, doc.file, problems)
    if text is None or not doc.parse(text):
        return None
    fields = Fields(doc, doc.data)
    if not fields.ok:
        return None
    before = len(problems)
    fields.only({"title", "pass_mark", "max_attempts", "review", "draw", "draw_per_tag", "questions"})
    quiz = FolderQuiz(
        file=doc.file,
        title=fields.text("title", max_length=TITLE_MAX),
        pass_mark=fields.integer("pass_mark", 1, 100, default=70, required=False) or 70,
        max_attempts=fields.integer("max_attempts", default=3, required=False, nullable=True),
        review=fields.choice("review", ReviewPolicy.ALL, ReviewPolicy.AFTER_PASS),
        draw=fields.integer("draw", default=None, required=False),
        draw_per_tag=fields.counts_by_tag("draw_per_tag"),
    )
    ids: dict[str, int] = {}
    for index, _ in enumerate(fields.items("questions")):
        question = _read_question(fields.sub(("questions", index)), ids)
        if question is not None:
            quiz.questions.append(question)
    if len(problems) == before:  # the pool is checked only against a quiz read without a fault
        _check_pool(fields, quiz)
    return quiz


def _check_pool(fields: Fields, quiz: FolderQuiz) -> None:
    """draw between 1 and the number of questions; draw_per_tag within draw and the tagged questions."""
    found = pools.pool_problems([question.tags for question in quiz.questions], quiz.draw, quiz.draw_per_tag)
    for problem in found:
        if problem.kind == pools.DRAW_RANGE:
            fields.problem(("draw",), f"harus bilangan bulat antara 1 dan {problem.have} (jumlah soal kuis ini)")
        elif problem.kind == pools.PER_TAG_WITHOUT_DRAW:
            fields.problem(("draw_per_tag",), "hanya berlaku bersama draw (tanpa draw setiap soal ditanyakan)")
        elif problem.kind == pools.PER_TAG_OVER_DRAW:
            fields.problem(("draw_per_tag",), f"jumlahnya {problem.wanted}, lebih dari draw ({problem.have})")
        else:
            fields.problem(("draw_per_tag", problem.tag),
                           f"meminta {problem.wanted} soal bertag '{problem.tag}', tetapi hanya {problem.have} soal memakai tag itu")


_COMMON_KEYS = {"id", "tags", "type", "text", "explanation", "scoring", "points"}
_TYPE_KEYS = {
    "single": {"choices"},
    "multiple": {"choices"},
    "truefalse": {"answer", "feedback_true", "feedback_false"},
    "short": {"accepted"},
}


def _read_question(fields: Fields, ids: dict[str, int]) -> Optional[FolderQuestion]:
    """One question: the keys every question has, then those of its type."""
    if not fields.ok:
        return None
    key = fields.slug("id")
    index = fields.key[-1]
    fields.label = f"soal '{key}'" if key else f"soal ke-{index + 1}"
    if key in ids:
        fields.problem(("id",), f"id soal '{key}' dipakai dua kali (juga di questions[{ids[key]}])")
    ids.setdefault(key, index)
    qtype = fields.text("type")
    if qtype and qtype not in QUESTION_TYPES:
        known = ", ".join(QUESTION_TYPES)
        fields.problem(("type",), f"jenis soal '{qtype}' tidak dikenal (yang dikenal: {known})")
        return None
    question = FolderQuestion(
        # The explanation is optional, as in a GIFT or Aiken import; the question then shows none.
        key=key, type=qtype, text=fields.text("text"), explanation=fields.text("explanation", required=False),
        scoring=fields.choice("scoring", SCORINGS, SCORING_PARTIAL), points=fields.number("points", 1.0),
        tags=fields.tags("tags"), line=fields.doc.line_of(fields.key),
    )
    if not qtype:
        return None
    fields.only(_COMMON_KEYS | _TYPE_KEYS[qtype])
    if qtype in CHOICE_TYPES:
        question.choices = _read_choices(fields, qtype)
    elif qtype == "truefalse":
        question.choices = _truefalse_choices(fields)
    else:
        question.accepted, question.accepted_weights, question.accepted_feedback = _read_accepted(fields)
    return question


def _read_accepted(fields: Fields) -> tuple[list[str], list[float], list[str]]:
    """Accepted short answers: texts, or {text, weight, feedback} for one worth part of the marks or with feedback."""
    if not any(isinstance(item, dict) for item in fields.data.get("accepted") or []):
        return fields.texts("accepted"), [], []
    texts, weights, feedback = [], [], []
    for index, item in enumerate(fields.data["accepted"]):
        if isinstance(item, dict):
            sub = fields.sub(("accepted", index))
            sub.only({"text", "weight", "feedback"})
            weight = sub.weight("weight")
            texts.append(sub.text("text"))
            weights.append(100.0 if weight is None else weight)
            feedback.append(sub.text("feedback", required=False))
        elif isinstance(item, str) and item.strip():
            texts.append(item)
            weights.append(100.0)
            feedback.append("")
        else:
            fields.problem(("accepted", index), "harus teks, atau {text, weight, feedback} untuk jawaban bernilai sebagian")
    for problem in weight_problems("short", weights):
        fields.problem(("accepted",), problem)
    return texts, list(significant_weights(weights)), texts_if_any(feedback)


def _read_choices(fields: Fields, qtype: str) -> list[FolderChoice]:
    """The choices of a single or multiple question, keyed by position."""
    choices = []
    for index, _ in enumerate(fields.items("choices", minimum=2)):
        sub = fields.sub(("choices", index))
        if not sub.ok:
            continue
        sub.only({"text", "correct", "feedback", "weight"})
        weight = sub.weight("weight")
        correct = sub.boolean("correct", default=None if weight is not None else False)
        if weight is not None:
            derived = is_correct_weight(qtype, weight)
            if correct is not None and correct != derived:
                sub.problem(("correct",), f"tidak sesuai dengan weight {weight:g} (dengan weight, correct boleh dihapus)")
            correct = derived
        choices.append(FolderChoice(key=str(index), text=sub.text("text"), correct=bool(correct),
                                  feedback=sub.text("feedback", required=False), weight=weight))
    weights = [choice.weight for choice in choices if choice.weight is not None]
    if weights and len(weights) != len(choices):
        fields.problem(("choices",), "bila satu pilihan diberi weight, semua pilihan harus diberi weight")
    elif weights:
        for problem in weight_problems(qtype, weights):
            fields.problem(("choices",), problem)
        return choices
    correct = sum(choice.correct for choice in choices)
    if len(choices) >= 2 and correct == 0:
        fields.problem((), "tidak ada pilihan yang benar")
    elif qtype == "single" and correct > 1:
        fields.problem((), f"soal single harus tepat satu pilihan benar, ada {correct}")
    return choices


def _truefalse_choices(fields: Fields) -> list[FolderChoice]:
    """A true/false question stored as two choices, 'true' and 'false'."""
    answer = fields.boolean("answer", required=True)
    return [
        FolderChoice(key=TRUE_KEY, text=TRUEFALSE_TEXTS[TRUE_KEY], correct=answer is True,
                   feedback=fields.text("feedback_true", required=False)),
        FolderChoice(key=FALSE_KEY, text=TRUEFALSE_TEXTS[FALSE_KEY], correct=answer is False,
                   feedback=fields.text("feedback_false", required=False)),
    ]
