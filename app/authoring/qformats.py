"""Parsers for the Moodle GIFT and Aiken plain-text question formats into quiz.yaml question dicts, read as Moodle reads them."""
from __future__ import annotations

import bisect
import itertools
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Optional

from app.quizzes.grading import (FULL_WEIGHT, accepted_document, choice_weights, is_correct_weight,
                                 significant_weights, weight_problems)
from app.quizzes.pools import TAG_MAX as TAG_MAX_LENGTH

SLUG_MAX_LENGTH = 50
BLANK = "_____"
# One import at most: more questions, or more answers to one question, are refused by line, since
# the preview shows every one and saving writes every one.
MAX_QUESTIONS = 500
MAX_ANSWERS = 50
MAX_ERRORS = 100  # reading stops here: the author fixes these first


@dataclass(frozen=True)
class LineError:
    """A problem found in the imported text, tied to a 1-based line number."""

    line: int
    message: str

    def __str__(self) -> str:
        """The message as shown to the author, e.g. 'Baris 12: jawaban benar tidak ditemukan'."""
        return f"Baris {self.line}: {self.message}"


@dataclass
class ParseResult:
    """Questions that parsed cleanly, plus errors for those that did not."""

    questions: list[dict[str, Any]] = field(default_factory=list)
    errors: list[LineError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when no errors were found."""
        return not self.errors


class _Rejected(Exception):
    """Raised inside a question parser to give up on that question with one error."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.error = LineError(line, message)


def slugify(text: str, max_length: int = SLUG_MAX_LENGTH) -> str:
    """A quiz.yaml id (lowercase ASCII letters, digits, hyphens) made from text; may be empty."""
    decomposed = unicodedata.normalize("NFKD", text)
    ascii_text = decomposed.encode("ascii", "ignore").decode("ascii").lower()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")
    if len(slug) > max_length:
        # Cut at a word boundary so ids stay readable.
        cut = slug[: max_length + 1].rsplit("-", 1)[0] if "-" in slug[:max_length] else slug[:max_length]
        slug = cut.strip("-")
    return slug


class _IdMaker:
    """Hands out unique ids, avoiding ids already used in the file or in the target quiz."""

    def __init__(self, taken: Iterable[str] = ()) -> None:
        self.taken = set(taken)
        self.next_number: dict[str, int] = {}  # where the search for base-N resumes, so a repeated title stays linear

    def make(self, *sources: str) -> str:
        """A fresh id from the first source with a usable slug: 'kim', then 'kim-2', 'kim-3', ..."""
        base = next((slug for slug in map(slugify, sources) if slug), "soal")
        candidate, number = base, self.next_number.get(base, 2)
        while candidate in self.taken:
            candidate, number = f"{base}-{number}", number + 1
        self.next_number[base] = number
        self.taken.add(candidate)
        return candidate


# GIFT ----------------------------------------------------------------------------------------

# Escaped special characters become private-use placeholders so splitting on ~ = # { } : never
# sees them; the newline escape keeps its own placeholder so line counting stays exact.
_ESCAPABLE = {"\\": "\ue000", "~": "\ue001", "=": "\ue002", "#": "\ue003", "{": "\ue004", "}": "\ue005",
              ":": "\ue006", "n": "\ue007"}
_RESTORE = {placeholder: ("\n" if char == "n" else char) for char, placeholder in _ESCAPABLE.items()}
_ESCAPE_PATTERN = re.compile(r"\\([\\~=#{}:n])")
# As Moodle reads them: lower case, right at the start of the (trimmed) text; [moodle] is its own
# format (HTML allowed), which Markdown with HTML shows the same way.
_FORMAT_PREFIX = re.compile(r"^\[(markdown|html|plain|moodle)\]")
_TITLE = re.compile(r"\s*::(.*?)::", re.DOTALL)
_WEIGHT = re.compile(r"^\s*%(-?\d+(?:[.,]\d+)?)%")
_OPEN, _CLOSE = re.compile(r"\{"), re.compile(r"\}")
# Moodle compares these exactly: {t} or {true} is a short answer, not a true/false question.
_TRUEFALSE_WORDS = {"T": True, "TRUE": True, "F": False, "FALSE": False}
# In // comments, as Moodle reads them: [tag:...] names a tag, [id:...] the question's id; \] is a ].
_COMMENT_TAG = re.compile(r"\[tag:\s*((?:[^\]\\]|\\.)*?)\s*\]")
_COMMENT_ID = re.compile(r"\[id:\s*((?:[^\]\\]|\\.)*?)\s*\]")
_CATEGORY_ROOTS = {"$course$", "$cat1$", "$cat2$", "$cat3$", "$module$", "$system$", "top"}


def _protect(text: str) -> str:
    """Replace GIFT escapes (\\~ \\= \\# \\{ \\} \\: \\n \\\\) with placeholders."""
    return _ESCAPE_PATTERN.sub(lambda match: _ESCAPABLE[match.group(1)], text)


def _restore(text: str) -> str:
    return "".join(_RESTORE.get(char, char) for char in text)


def _clean(text: str, default_format: str = "moodle") -> str:
    """A piece of GIFT text as Kelas KIM's Markdown: escapes restored, [plain] text shown literally."""
    text_format, text = _text_format(text, default_format)
    return markdown_literal(text) if text_format == "plain" else text


def _text_format(text: str, default_format: str) -> tuple[str, str]:
    """The [format] a piece of text names (or the default) and the text without it, restored and trimmed."""
    stripped = text.strip()
    match = _FORMAT_PREFIX.match(stripped)
    if match:
        return match.group(1), _restore(stripped[match.end():]).strip()
    return default_format, _restore(stripped).strip()


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>&!|~#])")
_MARKDOWN_LINE_START = re.compile(r"^(\s*)([-+=>]|\d+(?=[.)]))", re.MULTILINE)


def markdown_literal(text: str) -> str:
    """Plain text as Markdown that shows exactly that text: specials escaped, line breaks kept."""
    escaped = _MARKDOWN_SPECIAL.sub(r"\\\1", text)
    escaped = _MARKDOWN_LINE_START.sub(lambda m: m.group(1) + (m.group(2) + "\\" if m.group(2)[0].isdigit()
                                                               else "\\" + m.group(2)), escaped)
    # A backslash at the end of a line is a hard line break in CommonMark.
    return escaped.replace("\n", "\\\n")


@dataclass(frozen=True)
class _GiftAnswer:
    """One =/~ answer inside a GIFT answer block."""

    marker: str
    weight: Optional[float]
    text: str
    feedback: str
    line: int


@dataclass
class _GiftBlock:
    """The lines of one question (comments removed), and the tags and id its // comments name."""

    lines: list[tuple[int, str]] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    idnumber: str = ""

    def read_comment(self, line: str) -> None:
        """Note the [tag:...] tags and the first [id:...] of a // comment line."""
        self.tags += [_comment_value(tag) for tag in _COMMENT_TAG.findall(line)]
        found = _COMMENT_ID.search(line)
        if found and not self.idnumber:
            self.idnumber = _comment_value(found.group(1))


def _comment_value(text: str) -> str:
    """A [tag:...] or [id:...] value with its escapes (\\] and GIFT's own) restored."""
    return _restore(_protect(text.replace("\\]", "]")))


def _gift_blocks(text: str) -> list[_GiftBlock]:
    """Split GIFT text into questions at blank lines; // comments give [tag:...] tags and an [id:...]."""
    blocks: list[_GiftBlock] = []
    current = _GiftBlock()
    for number, line in enumerate(text.lstrip("\ufeff").splitlines(), start=1):
        if line.lstrip().startswith("//"):
            current.read_comment(line)
            continue
        if line.strip():
            current.lines.append((number, line))
        elif current.lines:
            blocks.append(current)
            current = _GiftBlock()
    if current.lines:
        blocks.append(current)
    return blocks


def _find_answer_block(raw: str, start: int, line_at: Callable[[int], int], first: int) -> tuple[int, int]:
    """Offsets of the single { and its } after start; _Rejected for missing or extra braces."""
    # The first two of each are all the checks need.
    opens = [match.start() for match in itertools.islice(_OPEN.finditer(raw, start), 2)]
    closes = [match.start() for match in itertools.islice(_CLOSE.finditer(raw, start), 2)]
    if not opens and not closes:
        raise _Rejected(first, "blok jawaban { } tidak ditemukan (soal deskripsi tidak didukung)")
    if not opens or (closes and closes[0] < opens[0]):
        raise _Rejected(line_at(closes[0]), "kurung kurawal } tanpa pembuka {")
    if not closes:
        raise _Rejected(line_at(opens[0]), "kurung kurawal { tidak ditutup dengan }")
    if len(opens) > 1:
        raise _Rejected(line_at(opens[1]), "satu soal hanya boleh punya satu blok jawaban { }")
    if len(closes) > 1:
        raise _Rejected(line_at(closes[1]), "kurung kurawal } tanpa pembuka {")
    return opens[0], closes[0]


def _split_answers(content: str, offset: int, line_at: Callable[[int], int], text_format: str,
                   implicit: str = "") -> list[_GiftAnswer]:
    """Split the inside of an answer block at each = or ~ marker; text before the first one is an
    answer with the implicit marker when there is one (Moodle reads {Grant} as a short answer)."""
    markers = [match.start() for match in re.finditer("[=~]", content)]
    lead = content[: markers[0]] if markers else content
    if lead.strip() and not implicit:
        raise _Rejected(line_at(offset), "setiap jawaban harus diawali = (benar) atau ~ (salah)")
    starts = ([-1] if lead.strip() else []) + markers
    if len(starts) > MAX_ANSWERS:
        raise _Rejected(line_at(offset + max(starts[MAX_ANSWERS], 0)), f"soal ini punya lebih dari {MAX_ANSWERS} jawaban")
    answers = []
    for position, start in enumerate(starts):
        end = starts[position + 1] if position + 1 < len(starts) else len(content)
        body = content[start + 1 : end]
        marker = content[start] if start >= 0 else implicit
        start = max(start, 0)
        weight_match = _WEIGHT.match(body)
        weight = float(weight_match.group(1).replace(",", ".")) if weight_match else None
        if weight_match:
            body = body[weight_match.end() :]
        text, _, feedback = body.partition("#")
        line = line_at(offset + start)
        _check_weight(marker, weight, line)
        if not _clean(text, text_format):
            raise _Rejected(line, "teks jawaban kosong")
        answers.append(_GiftAnswer(marker, weight, _clean(text, text_format), _clean(feedback, text_format), line))
    return answers


def _check_weight(marker: str, weight: Optional[float], line: int) -> None:
    """A weight is a percentage of the question's points: -100 to 100, and never negative on a right answer (=)."""
    if weight is None:
        return
    if not -100 <= weight <= 100:
        raise _Rejected(line, "bobot jawaban harus antara -100% dan 100%")
    if marker == "=" and weight < 0:
        raise _Rejected(line, "jawaban benar (=) tidak boleh berbobot negatif; tulis ~%-50% untuk jawaban salah")


def _choice(answer: _GiftAnswer, weight: Optional[float], correct: bool) -> dict[str, Any]:
    """A quiz.yaml choice dict: its weight when the question needs weights, feedback only when there is some."""
    choice: dict[str, Any] = {"text": answer.text, "correct": correct}
    if weight is not None:
        choice["weight"] = weight
    if answer.feedback:
        choice["feedback"] = answer.feedback
    return choice


def _choice_weight(answer: _GiftAnswer) -> float:
    """A choice's grade as Moodle reads it: %n% when written (=%50% too), else 100% for = and 0% for ~."""
    if answer.weight is not None:
        return answer.weight
    return FULL_WEIGHT if answer.marker == "=" else 0.0


def _gift_choice_question(answers: list[_GiftAnswer], block_line: int) -> dict[str, Any]:
    """Moodle's multichoice: with an = answer one choice is picked (others may give part of the
    points, ~%50%); without one, several are ticked and each tick adds its weight (~%50%, ~%-100%)."""
    if len(answers) < 2:
        raise _Rejected(block_line, "soal pilihan minimal punya dua pilihan")
    kind = "single" if any(answer.marker == "=" for answer in answers) else "multiple"
    weights = [_choice_weight(answer) for answer in answers]
    if kind == "single" and weights.count(FULL_WEIGHT) > 1:
        raise _Rejected(
            block_line,
            "soal pilihan tunggal hanya boleh punya satu jawaban benar (=); "
            "untuk soal banyak jawaban beri bobot, misalnya ~%50%",
        )
    if not any(weight > 0 for weight in weights):
        raise _Rejected(block_line, "jawaban benar tidak ditemukan")
    for problem in weight_problems(kind, weights):
        raise _Rejected(block_line, problem)
    kept = choice_weights(kind, weights)
    choices = [_choice(answer, None if kept is None else weight, is_correct_weight(kind, weight))
               for answer, weight in zip(answers, weights)]
    return {"type": kind, "scoring": "partial", "choices": choices} if kind == "multiple" else \
        {"type": kind, "choices": choices}


def _gift_truefalse(content: str, text_format: str) -> dict[str, Any]:
    """{T}, {FALSE#feedback when wrong#feedback when right}, as Moodle orders the two feedbacks."""
    parts = content.split("#", 2)
    answer = _TRUEFALSE_WORDS[parts[0].strip()]
    wrong = _clean(parts[1], text_format) if len(parts) > 1 else ""
    right = _clean(parts[2], text_format) if len(parts) > 2 else ""
    question: dict[str, Any] = {"type": "truefalse", "answer": answer}
    feedback_true, feedback_false = (right, wrong) if answer else (wrong, right)
    if feedback_true:
        question["feedback_true"] = feedback_true
    if feedback_false:
        question["feedback_false"] = feedback_false
    return question


def _gift_short(answers: list[_GiftAnswer], block_line: int) -> dict[str, Any]:
    """Short answer: each =answer is accepted, =%50%answer for part of the points, #feedback for it."""
    weights = [FULL_WEIGHT if answer.weight is None else answer.weight for answer in answers]
    for problem in weight_problems("short", weights):
        raise _Rejected(block_line, problem)
    plain = not any(answer.feedback for answer in answers) and not significant_weights(weights)
    accepted: list[Any] = [answer.text if plain else accepted_document(answer.text, weight, answer.feedback)
                           for answer, weight in zip(answers, weights)]
    return {"type": "short", "accepted": accepted}


def _gift_answer_fields(content: str, offset: int, line_at: Callable[[int], int], text_format: str) -> dict[str, Any]:
    """Type-specific fields from the inside of the answer block (general feedback removed)."""
    stripped = content.strip()
    block_line = line_at(offset - 1)
    if not stripped:
        raise _Rejected(block_line, "soal esai ({}) tidak didukung")
    if stripped.startswith("#"):
        raise _Rejected(block_line, "soal numerik ({#...}) tidak didukung")
    if "~" in stripped:
        return _gift_choice_question(_split_answers(content, offset, line_at, text_format), block_line)
    if "=" in stripped and "->" in stripped:
        raise _Rejected(block_line, "soal menjodohkan (->) tidak didukung")
    if stripped.split("#", 1)[0].strip() in _TRUEFALSE_WORDS:
        return _gift_truefalse(stripped, text_format)
    return _gift_short(_split_answers(content, offset, line_at, text_format, implicit="="), block_line)


def _category_tag(raw: str) -> str:
    """The tag a $CATEGORY: line gives the questions after it: its last named level, as a slug."""
    levels = [_restore(level).strip() for level in raw.split("/")]
    named = [level for level in levels if level and level.lower() not in _CATEGORY_ROOTS]
    return slugify(named[-1], TAG_MAX_LENGTH) if named else ""


def _gift_question(block: _GiftBlock, ids: _IdMaker, tags: list[str]) -> dict[str, Any]:
    """One GIFT question as a quiz.yaml dict; _Rejected on errors."""
    raw = _protect("\n".join(line for _, line in block.lines))
    first = block.lines[0][0]
    line_starts = [match.start() for match in re.finditer("\n", raw)]

    def line_at(offset: int) -> int:
        """Source line number of a character offset in raw (a binary search: answers ask once each)."""
        return block.lines[bisect.bisect_left(line_starts, offset)][0]

    title = ""
    body_start = 0
    if raw.lstrip().startswith("::"):
        title_match = _TITLE.match(raw)
        if not title_match:
            raise _Rejected(first, "judul soal ::judul:: tidak ditutup")
        title, body_start = _restore(title_match.group(1)).strip(), title_match.end()
    open_at, close_at = _find_answer_block(raw, body_start, line_at, first)
    before, content, after = raw[body_start:open_at], raw[open_at + 1 : close_at], raw[close_at + 1 :]
    # Text after the block means a "missing word" question: the block marks the gap.
    text_format, _ = _text_format(before, "moodle")
    text = _clean(before + BLANK + after if after.strip() else before)
    if not text:
        raise _Rejected(first, "teks soal kosong")
    feedback_at = content.rfind("####")
    explanation = _clean(content[feedback_at + 4 :], text_format) if feedback_at >= 0 else ""
    answer_part = content[:feedback_at] if feedback_at >= 0 else content
    fields = _gift_answer_fields(answer_part, open_at + 1, line_at, text_format)
    # Moodle's idnumber ([id:...]) is the question's stable id; the ::title:: or the text stand in for it.
    question: dict[str, Any] = {"id": ids.make(block.idnumber, title, text), "type": fields.pop("type")}
    question.update({"text": text, "explanation": explanation})
    question.update(fields)
    if tags:
        question["tags"] = tags
    return question


def _question_tags(category: str, comment_tags: list[str]) -> list[str]:
    """The category's tag then the comment's [tag:...] tags, as slugs, each once."""
    found = [category] if category else []
    for tag in comment_tags:
        slug = slugify(tag, TAG_MAX_LENGTH)
        if slug and slug not in found:
            found.append(slug)
    return found


def parse_gift(text: str, *, taken_ids: Iterable[str] = ()) -> ParseResult:
    """Parse Moodle GIFT text; questions that cannot be imported become LineErrors."""
    result = ParseResult()
    ids = _IdMaker(taken_ids)
    category = ""
    for block in _gift_blocks(text):
        raw = _protect("\n".join(line for _, line in block.lines)).strip()
        if raw.startswith("$CATEGORY:"):
            category = _category_tag(raw[len("$CATEGORY:"):])
            continue
        try:
            result.questions.append(_gift_question(block, ids, _question_tags(category, block.tags)))
        except _Rejected as rejected:
            result.errors.append(rejected.error)
        if _enough(result, block.lines[0][0]):
            break
    return result


def _enough(result: ParseResult, line: int) -> bool:
    """Whether the parser must stop at this line: past MAX_QUESTIONS questions or MAX_ERRORS errors (noted)."""
    if len(result.questions) > MAX_QUESTIONS:
        result.questions.pop()
        result.errors.append(LineError(line, f"lebih dari {MAX_QUESTIONS} soal dalam satu impor; "
                                             "pecah menjadi beberapa impor"))
        return True
    if len(result.errors) >= MAX_ERRORS:
        del result.errors[MAX_ERRORS:]
        result.errors.append(LineError(line, f"pembacaan berhenti di sini setelah {MAX_ERRORS} masalah; "
                                             "perbaiki dulu masalah di atas"))
        return True
    return False


# Aiken ---------------------------------------------------------------------------------------

# As Moodle reads them: A. or A) with or without a space before the text.
_AIKEN_CHOICE = re.compile(r"^([A-Z])[.)]\s*(.*)$")
_AIKEN_ANSWER = re.compile(r"^ANSWER\s*:(.*)$", re.IGNORECASE)


@dataclass
class _AikenDraft:
    """An Aiken question being read: text lines, then lettered choices."""

    line: int
    text_lines: list[str] = field(default_factory=list)
    choices: list[tuple[str, str]] = field(default_factory=list)
    letters: set[str] = field(default_factory=set)
    errors: list[LineError] = field(default_factory=list)


def _aiken_finish(draft: _AikenDraft, answer: str, answer_line: int, ids: _IdMaker, result: ParseResult) -> None:
    """Check a complete Aiken question and add it, or its errors, to result."""
    errors = list(draft.errors)
    letters = [letter for letter, _ in draft.choices]
    if len(draft.choices) < 2:
        errors.append(LineError(draft.line, "soal minimal punya dua pilihan (A. ..., B. ...)"))
    if not answer:
        errors.append(LineError(answer_line, "huruf jawaban benar setelah ANSWER: kosong"))
    elif answer not in letters:
        errors.append(LineError(answer_line, f"huruf jawaban {answer} tidak ada di antara pilihan"))
    if errors:
        result.errors.extend(errors)
        return
    # Aiken text is plain text: shown literally, never read as HTML or Markdown.
    text = markdown_literal("\n".join(draft.text_lines))
    choices = [{"text": markdown_literal(choice), "correct": letter == answer} for letter, choice in draft.choices]
    result.questions.append(
        {"id": ids.make("\n".join(draft.text_lines)), "type": "single", "text": text, "explanation": "", "choices": choices}
    )


def _aiken_choice(draft: _AikenDraft, number: int, letter: str, text: str) -> None:
    """Record one lettered choice, noting duplicates and empty texts as errors."""
    if letter in draft.letters:
        draft.errors.append(LineError(number, f"huruf pilihan {letter} dipakai dua kali"))
    elif not text:
        draft.errors.append(LineError(number, f"teks pilihan {letter} kosong"))
    draft.choices.append((letter, text))
    draft.letters.add(letter)


def parse_aiken(text: str, *, taken_ids: Iterable[str] = ()) -> ParseResult:
    """Parse Aiken text (question line, 'A.'/'A)' choices, 'ANSWER: X'); problems become LineErrors."""
    result = ParseResult()
    ids = _IdMaker(taken_ids)
    draft: Optional[_AikenDraft] = None
    for number, line in enumerate(text.lstrip("\ufeff").splitlines(), start=1):
        stripped = line.strip()
        if not stripped:
            continue
        answer_match = _AIKEN_ANSWER.match(stripped)
        choice_match = _AIKEN_CHOICE.match(stripped)
        if answer_match:
            if draft is None:
                result.errors.append(LineError(number, "baris ANSWER: tanpa soal"))
            else:
                _aiken_finish(draft, answer_match.group(1).strip().upper(), number, ids, result)
            draft = None
            if _enough(result, number):
                break
        elif choice_match:
            if draft is None:
                result.errors.append(LineError(number, "pilihan jawaban tanpa teks soal"))
                if _enough(result, number):
                    break
                continue
            if len(draft.choices) == MAX_ANSWERS:
                result.errors.append(LineError(number, f"soal ini punya lebih dari {MAX_ANSWERS} pilihan; "
                                                       "pembacaan berhenti di sini"))
                draft = None
                break
            _aiken_choice(draft, number, choice_match.group(1), (choice_match.group(2) or "").strip())
        elif draft is not None and not draft.choices:
            # Aiken wants one-line questions, but a wrapped question is still clearly one question.
            draft.text_lines.append(stripped)
        else:
            if draft is not None:
                result.errors.append(LineError(draft.line, "jawaban (ANSWER:) tidak ditemukan"))
            draft = _AikenDraft(line=number, text_lines=[stripped])
    if draft is not None:
        result.errors.append(LineError(draft.line, "jawaban (ANSWER:) tidak ditemukan"))
    result.errors.sort(key=lambda error: error.line)
    return result
