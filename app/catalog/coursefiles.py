"""The course folder format (courses/README.md): read and check a folder, and write one back."""
from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

import yaml

from app.catalog import cues
from app.catalog import files as file_checks
from app.catalog.models import Status
from app.quizzes import pools
from app.quizzes.grading import (FALSE_KEY, FULL_WEIGHT, QUESTION_TYPES, SCORING_PARTIAL, SCORINGS, TRUE_KEY,
                                  accepted_document, is_correct_weight, significant_weights, texts_if_any,
                                  weight_problems)
from app.quizzes.models import ReviewPolicy
from app.sanitize import markdown_images

COURSE_FILE = "course.yaml"
QUIZ_FILE = "quiz.yaml"
FILES_FOLDER = "berkas"  # course files (images, PDF handouts), named in course.yaml and used as berkas/<name>
ALT_MAX = 300
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")
QUIZ_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*\.ya?ml$")
SLUG_MAX = 80  # the width of the slug and key columns
TITLE_MAX = 200
FENCE = "---"
TRUEFALSE_TEXTS = {TRUE_KEY: "Benar", FALSE_KEY: "Salah"}
CHOICE_TYPES = ("single", "multiple")
JP_MINUTES = 45  # one jam pelajaran (JP), the unit of `hours` printed on certificates
QUIZ_MINUTES_PER_QUESTION = 2  # a trainee's time for one question asked in an attempt
LONGEST_CORRECT_SHARE = 1 / 3  # above this share of single questions, "pick the longest" pays

Key = tuple[Any, ...]  # a path into a YAML document: ("questions", 2, "choices", 0)


# The content, as plain data --------------------------------------------------------------------

@dataclass
class ChoiceData:
    """A choice: its key is its position ("0", "1", ...) or "true"/"false" for true/false questions."""

    key: str
    text: str
    correct: bool = False
    feedback: str = ""
    weight: Optional[float] = None  # percent, -100..100, when the question has per-answer weights


@dataclass
class QuestionData:
    """A question of one of the registered types; `key` is its `id` in quiz.yaml."""

    key: str
    type: str
    text: str
    explanation: str = ""
    scoring: str = SCORING_PARTIAL
    points: float = 1.0
    choices: list[ChoiceData] = field(default_factory=list)
    accepted: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    accepted_weights: list[float] = field(default_factory=list)  # per accepted answer; [] when each gives full marks
    accepted_feedback: list[str] = field(default_factory=list)  # per accepted answer; [] when none has any
    line: Optional[int] = field(default=None, compare=False, repr=False)  # in quiz.yaml, for warnings


@dataclass
class QuizData:
    """The quiz of a module; with `draw`, a pool from which each attempt draws that many questions."""

    title: str
    pass_mark: int = 70
    max_attempts: Optional[int] = 3
    questions: list[QuestionData] = field(default_factory=list)
    review: str = ReviewPolicy.AFTER_PASS
    draw: Optional[int] = None
    draw_per_tag: dict[str, int] = field(default_factory=dict)
    file: str = field(default="", compare=False, repr=False)  # where it was read from, for warnings


@dataclass
class LessonData:
    """A lesson: front matter and Markdown body; `slug` is the file name without .md."""

    slug: str
    title: str
    minutes: int
    objectives: list[str]
    sources: list[str]
    body_md: str
    status: str = Status.PUBLISHED


@dataclass
class ModuleData:
    """A module: its lessons in order and an optional quiz; `slug` is its folder name."""

    slug: str
    title: str
    lessons: list[LessonData] = field(default_factory=list)
    quiz: Optional[QuizData] = None
    status: str = Status.PUBLISHED


@dataclass
class FileData:
    """A course file listed in course.yaml: stored as berkas/<name>, checked (an image written anew when needed)."""

    name: str
    alt: str
    checked: file_checks.CheckedFile

    @property
    def data(self) -> bytes:
        """The bytes to store and to write back on export."""
        return self.checked.data


@dataclass
class CourseData:
    """A course as described by its course.yaml, with every module, lesson, quiz and file."""

    slug: str
    title: str
    summary: str = ""
    audience: str = ""
    hours: int = 1
    sequential: bool = True
    sources: list[str] = field(default_factory=list)
    status: str = Status.PUBLISHED
    modules: list[ModuleData] = field(default_factory=list)
    files: list[FileData] = field(default_factory=list)


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a course folder, tied to a file and, where known, a line and a key."""

    file: str
    message: str
    line: Optional[int] = None
    where: str = ""

    def __str__(self) -> str:
        """e.g. "courses/x/01-a/quiz.yaml:41: soal 'q3' (questions[2]): tidak ada pilihan yang benar"."""
        place = f"{self.file}:{self.line}" if self.line else self.file
        return f"{place}: {self.where}: {self.message}" if self.where else f"{place}: {self.message}"


@dataclass
class Reading:
    """What a folder held: the courses that passed the check, every problem found, and warnings."""

    courses: list[CourseData] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)  # accepted, but worth a second look

    @property
    def ok(self) -> bool:
        """True when nothing is wrong anywhere."""
        return not self.problems


# YAML with line numbers ----------------------------------------------------------------------

class _Document:
    """A parsed YAML document that remembers the line of every key, and collects problems."""

    def __init__(self, file: str, problems: list[Problem], first_line: int = 1) -> None:
        self.file = file
        self.problems = problems
        self.first_line = first_line
        self.lines: dict[Key, int] = {}
        self.data: Any = None

    def parse(self, text: str) -> bool:
        """Parse text; on a YAML error record it with the line of the error mark."""
        loader = yaml.SafeLoader(text)
        try:
            node = loader.get_single_node()
            self.data = loader.construct_document(node) if node is not None else None
        except yaml.YAMLError as error:
            mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
            line = mark.line + self.first_line if mark else None
            reason = getattr(error, "problem", None) or str(error)
            self.problems.append(Problem(self.file, f"YAML tidak valid: {reason}", line))
            return False
        finally:
            loader.dispose()
        if node is not None:
            self._note_lines(node, ())
        return True

    def _note_lines(self, node: yaml.Node, key: Key) -> None:
        """Record the line of each mapping key and sequence item; report keys written twice."""
        self.lines.setdefault(key, node.start_mark.line + self.first_line)
        if isinstance(node, yaml.MappingNode):
            seen: set[Any] = set()
            for key_node, value_node in node.value:
                name = key_node.value
                if name in seen:
                    self.report(key, f"kunci '{name}' ditulis dua kali", line=key_node.start_mark.line + self.first_line)
                seen.add(name)
                self.lines.setdefault(key + (name,), key_node.start_mark.line + self.first_line)
                self._note_lines(value_node, key + (name,))
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                self._note_lines(item, key + (index,))

    def line_of(self, key: Key) -> Optional[int]:
        """The line of key, or of its nearest parent that the file has."""
        for end in range(len(key), -1, -1):
            if key[:end] in self.lines:
                return self.lines[key[:end]]
        return None

    def report(self, key: Key, message: str, label: str = "", line: Optional[int] = None) -> None:
        """Record a problem at key; label names the thing (e.g. "soal 'q3'") before the key path."""
        path = key_path(key)
        where = f"{label} ({path})" if label and path else (label or path)
        self.problems.append(Problem(self.file, message, line or self.line_of(key), where))


def key_path(key: Key) -> str:
    """("questions", 2, "choices", 0) -> "questions[2].choices[0]"."""
    text = ""
    for part in key:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


class _Fields:
    """Typed reads of one mapping in a document: each bad or missing value is recorded once."""

    def __init__(self, doc: _Document, data: Any, key: Key = (), label: str = "") -> None:
        self.doc = doc
        self.key = key
        self.label = label
        self.ok = isinstance(data, dict)
        self.data: dict = data if self.ok else {}
        if not self.ok:
            self.problem((), "harus berupa pemetaan (kunci: nilai)")

    def problem(self, name: Key, message: str) -> None:
        """Record a problem at a key below this mapping."""
        self.doc.report(self.key + name, message, self.label)

    def _present(self, name: str, required: bool) -> bool:
        """Whether the key is there; a missing required key is reported."""
        if name in self.data:
            return True
        if required:
            self.problem((), f"kunci wajib '{name}' tidak ada")
        return False

    def text(self, name: str, required: bool = True, max_length: int = 0, default: str = "") -> str:
        """A non-empty string (optional keys may be missing, never empty or of another type)."""
        if not self._present(name, required):
            return default
        value = self.data[name]
        if value is None:
            self.problem((name,), "tidak boleh kosong")
            return default
        if not isinstance(value, str):
            self.problem((name,), "harus berupa teks (beri tanda kutip bila berupa angka atau tanggal)")
            return default
        if not value.strip():
            self.problem((name,), "tidak boleh kosong")
        elif max_length and len(value) > max_length:
            self.problem((name,), f"terlalu panjang ({len(value)} karakter; paling banyak {max_length})")
        return value

    def slug(self, name: str) -> str:
        """A slug: lowercase letters, digits and hyphens."""
        value = self.text(name, max_length=SLUG_MAX)
        if value and not SLUG.match(value):
            self.problem((name,), f"'{value}' bukan slug yang sah (huruf kecil, angka, tanda hubung)")
        return value

    def integer(self, name: str, low: int = 1, high: Optional[int] = None, default: Optional[int] = None,
                required: bool = True, nullable: bool = False) -> Optional[int]:
        """A whole number in [low, high]; null allowed only when nullable."""
        if not self._present(name, required):
            return default
        value = self.data[name]
        if value is None and nullable:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < low or (high is not None and value > high):
            limit = f"antara {low} dan {high}" if high is not None else f"lebih dari {low - 1}"
            self.problem((name,), f"harus bilangan bulat {limit}" + (" atau null" if nullable else ""))
            return default
        return value

    def number(self, name: str, default: float) -> float:
        """A positive finite number (optional); YAML's .nan and .inf are refused."""
        value = self.data.get(name, default)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
            self.problem((name,), "harus bilangan lebih dari 0 (bukan .nan atau .inf)")
            return default
        return float(value)

    def weight(self, name: str) -> Optional[float]:
        """An optional per-answer weight in percent, -100..100 (Moodle's answer grade)."""
        if name not in self.data:
            return None
        value = self.data[name]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not -100 <= value <= 100:
            self.problem((name,), "harus bilangan antara -100 dan 100 (persen nilai jawaban ini)")
            return None
        return float(value)

    def tags(self, name: str) -> list[str]:
        """An optional list of distinct tags, each slug-like and short."""
        if name not in self.data:
            return []
        value = self.data[name]
        if not isinstance(value, list):
            self.problem((name,), "harus berupa daftar tag, misalnya [pelajaran-1]")
            return []
        tags: list[str] = []
        for index, item in enumerate(value):
            if not _is_tag(item):
                self.problem((name, index), f"tag harus slug (huruf kecil, angka, tanda hubung) paling panjang {pools.TAG_MAX} karakter")
            elif item in tags:
                self.problem((name, index), f"tag '{item}' ditulis dua kali")
            else:
                tags.append(item)
        return tags

    def counts_by_tag(self, name: str) -> dict[str, int]:
        """An optional mapping of tags to whole numbers of at least 1."""
        if name not in self.data:
            return {}
        value = self.data[name]
        if not isinstance(value, dict) or not value:
            self.problem((name,), "harus berupa pemetaan tag: jumlah, misalnya pelajaran-1: 2")
            return {}
        counts = {}
        for tag, count in value.items():
            if not _is_tag(tag):
                self.problem((name, tag), f"'{tag}' bukan tag yang sah (slug paling panjang {pools.TAG_MAX} karakter)")
            elif isinstance(count, bool) or not isinstance(count, int) or count < 1:
                self.problem((name, tag), "harus bilangan bulat lebih dari 0")
            else:
                counts[tag] = count
        return counts

    def boolean(self, name: str, default: Optional[bool] = None, required: bool = False) -> Optional[bool]:
        """true or false."""
        if not self._present(name, required):
            return default
        value = self.data[name]
        if not isinstance(value, bool):
            self.problem((name,), "harus true atau false")
            return default
        return value

    def choice(self, name: str, allowed: tuple[str, ...], default: str) -> str:
        """One of a few words, e.g. status or scoring."""
        value = self.data.get(name, default)
        if value not in allowed:
            self.problem((name,), f"harus salah satu dari: {', '.join(allowed)}")
            return default
        return value

    def texts(self, name: str, required: bool = True) -> list[str]:
        """A list of at least one non-empty string."""
        if not self._present(name, required):
            return []
        value = self.data[name]
        if not isinstance(value, list) or not value:
            self.problem((name,), "harus berupa daftar berisi minimal satu teks")
            return []
        for index, item in enumerate(value):
            if not isinstance(item, str) or not item.strip():
                self.problem((name, index), "harus berupa teks yang tidak kosong (beri tanda kutip bila berupa angka)")
        return [item for item in value if isinstance(item, str)]

    def items(self, name: str, required: bool = True, minimum: int = 1) -> list[Any]:
        """A list of mappings (each checked by the caller)."""
        if not self._present(name, required):
            return []
        value = self.data[name]
        if not isinstance(value, list) or len(value) < minimum:
            self.problem((name,), f"harus berupa daftar berisi minimal {minimum} butir")
            return []
        return value

    def only(self, allowed: set[str]) -> None:
        """Report keys that the format does not know (often a typo)."""
        for name in self.data:
            if name not in allowed:
                self.problem((name,), f"kunci '{name}' tidak dikenal")

    def sub(self, name: Key) -> _Fields:
        """The fields of a mapping nested below this one."""
        data: Any = self.data
        for part in name:
            data = data[part]
        return _Fields(self.doc, data, self.key + name, self.label)


# Reading ----------------------------------------------------------------------------------------

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


def read_course(folder: Path, problems: list[Problem], warnings: Optional[list[Problem]] = None) -> Optional[CourseData]:
    """Read folder/course.yaml and everything it names, adding each problem found to problems.

    A course read without problems is also checked for what the format accepts but a reviewer
    would not (course_warnings), into warnings when given.
    """
    before = len(problems)
    doc = _Document(str(folder / COURSE_FILE), problems)
    text = _read_text(folder / COURSE_FILE, doc.file, problems)
    if text is None or not doc.parse(text):
        return None
    fields = _Fields(doc, doc.data)
    if not fields.ok:
        return None
    fields.only({"slug", "title", "summary", "audience", "hours", "sequential", "sources", "status", "modules", "files"})
    course = CourseData(
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


def _read_files(folder: Path, fields: _Fields) -> list[FileData]:
    """The files listed under `files:`, each read from berkas/ and checked by its content."""
    found: list[FileData] = []
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
            found.append(FileData(name, alt, checked))
    return found


def _read_course_file(path: Path, entry: _Fields) -> Optional[file_checks.CheckedFile]:
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


def _check_file_references(course: CourseData, folder: Path, problems: list[Problem]) -> None:
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


def _read_module(folder: Path, fields: _Fields, slugs: dict[str, int]) -> Optional[ModuleData]:
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
    module = ModuleData(slug=slug, title=fields.text("title", max_length=TITLE_MAX),
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


def _read_listed_lesson(module_dir: Path, fields: _Fields, position: int, name: str, names: list[str]) -> Optional[LessonData]:
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


def _read_listed_quiz(module_dir: Path, fields: _Fields, name: str) -> Optional[QuizData]:
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


def read_lesson(path: Path, problems: list[Problem]) -> Optional[LessonData]:
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
    doc = _Document(shown, problems, first_line=2)
    if not doc.parse(parts[0]):
        return None
    fields = _Fields(doc, doc.data)
    if not fields.ok:
        return None
    fields.only({"title", "minutes", "objectives", "sources", "status"})
    lesson = LessonData(
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


def _is_tag(value: Any) -> bool:
    return isinstance(value, str) and len(value) <= pools.TAG_MAX and bool(SLUG.match(value))


def read_quiz(path: Path, problems: list[Problem]) -> Optional[QuizData]:
    """Read a quiz file and check every question against its type, and the pool settings against the questions."""
    doc = _Document(str(path), problems)
    text = _read_text(path, doc.file, problems)
    if text is None or not doc.parse(text):
        return None
    fields = _Fields(doc, doc.data)
    if not fields.ok:
        return None
    before = len(problems)
    fields.only({"title", "pass_mark", "max_attempts", "review", "draw", "draw_per_tag", "questions"})
    quiz = QuizData(
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


def _check_pool(fields: _Fields, quiz: QuizData) -> None:
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


def _read_question(fields: _Fields, ids: dict[str, int]) -> Optional[QuestionData]:
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
    question = QuestionData(
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


def _read_accepted(fields: _Fields) -> tuple[list[str], list[float], list[str]]:
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


def _read_choices(fields: _Fields, qtype: str) -> list[ChoiceData]:
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
        choices.append(ChoiceData(key=str(index), text=sub.text("text"), correct=bool(correct),
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


def _truefalse_choices(fields: _Fields) -> list[ChoiceData]:
    """A true/false question stored as two choices, 'true' and 'false'."""
    answer = fields.boolean("answer", required=True)
    return [
        ChoiceData(key=TRUE_KEY, text=TRUEFALSE_TEXTS[TRUE_KEY], correct=answer is True,
                   feedback=fields.text("feedback_true", required=False)),
        ChoiceData(key=FALSE_KEY, text=TRUEFALSE_TEXTS[FALSE_KEY], correct=answer is False,
                   feedback=fields.text("feedback_false", required=False)),
    ]


def iter_lessons(course: CourseData) -> Iterator[tuple[ModuleData, LessonData]]:
    """Every lesson of a course with its module, in order."""
    for module in course.modules:
        for lesson in module.lessons:
            yield module, lesson


# Warnings: what the format accepts but a reviewer would not -----------------------------------

def quiz_minutes(quiz: QuizData) -> int:
    """The time one attempt of a quiz takes: QUIZ_MINUTES_PER_QUESTION per question asked (`draw` of a pool)."""
    return QUIZ_MINUTES_PER_QUESTION * pools.asked_count(len(quiz.questions), quiz.draw)


def study_minutes(course: CourseData) -> tuple[int, int]:
    """(lesson minutes, quiz minutes) of what a trainee takes: the published lessons and modules."""
    lessons = quizzes = 0
    for module in course.modules:
        if module.status != Status.PUBLISHED:
            continue
        lessons += sum(lesson.minutes for lesson in module.lessons if lesson.status == Status.PUBLISHED)
        quizzes += quiz_minutes(module.quiz) if module.quiz is not None else 0
    return lessons, quizzes


def hours_for(minutes: int) -> int:
    """Minutes in whole JP (45 minutes each), rounded to the nearest, half up; at least 1."""
    return max(1, (2 * minutes + JP_MINUTES) // (2 * JP_MINUTES))


def course_warnings(course: CourseData, course_file: str, hours_line: Optional[int] = None) -> list[Problem]:
    """Hours that do not add up to the lessons' minutes plus quiz time; quiz answers a guesser could spot."""
    warnings = []
    lessons, quizzes = study_minutes(course)
    expected = hours_for(lessons + quizzes)
    if course.hours != expected:
        warnings.append(Problem(course_file, (
            f"{course.hours} JP tidak sesuai isi kursus: pelajaran {lessons} menit + kuis {quizzes} menit "
            f"({QUIZ_MINUTES_PER_QUESTION} menit per soal yang ditanyakan) = {lessons + quizzes} menit = {expected} JP "
            f"(1 JP = {JP_MINUTES} menit, dibulatkan ke JP terdekat); tulis hours: {expected}"), hours_line, "hours"))
    for module in course.modules:
        if module.quiz is not None:
            passages = [passage for lesson in module.lessons for passage in cues.passages(lesson.body_md)]
            warnings.extend(quiz_warnings(module.quiz, passages))
    return warnings


def quiz_warnings(quiz: QuizData, lesson_passages: list[str]) -> list[Problem]:
    """A correct option that is the longest too often; true/false statements copied from the lessons."""
    warnings = []
    singles = [question for question in quiz.questions if question.type == "single" and question.choices]
    longest = [question for question in singles
               if cues.correct_is_longest([(choice.text, choice.correct) for choice in question.choices])]
    if len(longest) > LONGEST_CORRECT_SHARE * len(singles):
        keys = ", ".join(question.key for question in longest)
        warnings.append(Problem(quiz.file, (
            f"pilihan benar adalah yang terpanjang pada {len(longest)} dari {len(singles)} soal single ({keys}); "
            "paling banyak sepertiga, agar jawaban tidak dapat ditebak dari panjangnya"), longest[0].line, "questions"))
    for index, question in enumerate(quiz.questions):
        copied = cues.copied_sentence(question.text, lesson_passages) if question.type == "truefalse" else None
        if copied is not None:
            warnings.append(Problem(quiz.file, (
                f"pernyataan benar/salah ini menyalin kalimat pelajaran (“{copied}”); tulis dengan kata-kata lain, "
                "misalnya sebagai situasi, agar jawabannya tidak dapat dikenali dari kemiripan kalimat"),
                question.line, f"soal '{question.key}' (questions[{index}].text)"))
    return warnings


# Writing ----------------------------------------------------------------------------------------

LINE_WIDTH = 96
FOLD_OVER = 120  # longer texts are folded over several lines (">-"), as the authors write them


class _Dumper(yaml.SafeDumper):
    """Block style YAML as the authors write it: list items indented, long texts folded."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        """Indent list items under their key (PyYAML does not by default)."""
        super().increase_indent(flow, False)

    def write_plain(self, text: str, split: bool = True) -> None:
        """Keep a short text on its own line: only folded texts wrap."""
        super().write_plain(text, split=False)


def _represent_text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    # PyYAML falls back to a quoted style by itself whenever a block style could not round-trip,
    # except for NEL, which it writes raw in single quotes and reads back as a space.
    if "\x85" in value:
        style = '"'
    else:
        style = "|" if "\n" in value else (">" if len(value) > FOLD_OVER else None)
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _represent_text)


def dump_yaml(data: Any) -> str:
    """YAML as the course files are written: UTF-8 text, keys in the given order, block style."""
    return yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, default_flow_style=False, width=LINE_WIDTH)


def course_document(course: CourseData) -> dict[str, Any]:
    """The content of course.yaml."""
    modules = []
    for module in course.modules:
        entry: dict[str, Any] = {"slug": module.slug, "title": module.title}
        if module.status != Status.PUBLISHED:
            entry["status"] = module.status
        entry["lessons"] = [f"{lesson.slug}.md" for lesson in module.lessons]
        if module.quiz is not None:
            entry["quiz"] = QUIZ_FILE
        modules.append(entry)
    document: dict[str, Any] = {"slug": course.slug, "title": course.title}
    if course.status != Status.PUBLISHED:
        document["status"] = course.status
    # Empty texts are left out: the format reads a missing summary as empty but refuses ''.
    document.update({key: value for key, value in (("summary", course.summary), ("audience", course.audience)) if value})
    document.update({"hours": course.hours, "sequential": course.sequential, "sources": list(course.sources),
                     "modules": modules})
    if course.files:
        document["files"] = [{"name": item.name, "alt": item.alt} for item in course.files]
    return document


def lesson_text(lesson: LessonData) -> str:
    """The content of a lesson file: front matter, the closing '---', a blank line, the body."""
    meta: dict[str, Any] = {"title": lesson.title, "minutes": lesson.minutes,
                            "objectives": list(lesson.objectives), "sources": list(lesson.sources)}
    if lesson.status != Status.PUBLISHED:
        meta["status"] = lesson.status
    return f"{FENCE}\n{dump_yaml(meta)}{FENCE}\n\n{lesson.body_md}"


def _points(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def question_document(question: QuestionData) -> dict[str, Any]:
    """One question as quiz.yaml writes it; optional keys only when they differ from the default."""
    entry: dict[str, Any] = {"id": question.key}
    if question.tags:
        entry["tags"] = list(question.tags)
    entry["type"] = question.type
    if question.type == "multiple" or question.scoring != SCORING_PARTIAL:
        entry["scoring"] = question.scoring
    if question.points != 1:
        entry["points"] = _points(question.points)
    entry["text"] = question.text
    # Keys in the order of courses/README.md: the explanation before choices, after the rest.
    if question.type in CHOICE_TYPES:
        if question.explanation:
            entry["explanation"] = question.explanation
        entry["choices"] = [_choice_document(choice) for choice in question.choices]
        return entry
    if question.type == "truefalse":
        by_key = {choice.key: choice for choice in question.choices}
        entry["answer"] = bool(by_key.get(TRUE_KEY) and by_key[TRUE_KEY].correct)
        for key in (TRUE_KEY, FALSE_KEY):
            if by_key.get(key) and by_key[key].feedback:
                entry[f"feedback_{key}"] = by_key[key].feedback
    else:
        weights = question.accepted_weights or [FULL_WEIGHT] * len(question.accepted)
        feedback = question.accepted_feedback or [""] * len(question.accepted)
        entry["accepted"] = [accepted_document(text, weight, note)
                             for text, weight, note in zip(question.accepted, weights, feedback)]
    if question.explanation:
        entry["explanation"] = question.explanation
    return entry


def _choice_document(choice: ChoiceData) -> dict[str, Any]:
    entry: dict[str, Any] = {"text": choice.text}
    if choice.weight is None:
        entry["correct"] = choice.correct
    else:
        entry["weight"] = _points(choice.weight)
    if choice.feedback:
        entry["feedback"] = choice.feedback
    return entry


def quiz_document(quiz: QuizData) -> dict[str, Any]:
    """The content of quiz.yaml; review and the pool settings only when they differ from the default."""
    document: dict[str, Any] = {"title": quiz.title, "pass_mark": quiz.pass_mark, "max_attempts": quiz.max_attempts}
    if quiz.review != ReviewPolicy.AFTER_PASS:
        document["review"] = quiz.review
    if quiz.draw is not None:
        document["draw"] = quiz.draw
    if quiz.draw_per_tag:
        document["draw_per_tag"] = dict(quiz.draw_per_tag)
    document["questions"] = [question_document(question) for question in quiz.questions]
    return document


def write_course(course: CourseData, directory: Path | str) -> list[Path]:
    """Write the course to directory/<slug>/ in the folder format; return the files written."""
    folder = Path(directory) / course.slug
    files = {folder / COURSE_FILE: dump_yaml(course_document(course))}
    for module in course.modules:
        for lesson in module.lessons:
            files[folder / module.slug / f"{lesson.slug}.md"] = lesson_text(lesson)
        if module.quiz is not None:
            files[folder / module.slug / QUIZ_FILE] = dump_yaml(quiz_document(module.quiz))
    written = {path: text.encode("utf-8") for path, text in files.items()}
    written.update({folder / FILES_FOLDER / item.name: item.data for item in course.files})
    for path, data in written.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)  # course files exactly as stored: an export imported again is byte for byte the same
    return list(written)
