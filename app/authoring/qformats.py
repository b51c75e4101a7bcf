"""Parsers for the Moodle GIFT and Aiken plain-text question formats into quiz.yaml question dicts."""
from __future__ import annotations

import bisect
import itertools
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Optional

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
_FORMAT_PREFIX = re.compile(r"^\s*\[(?:markdown|html|plain|moodle)\]", re.IGNORECASE)
_TITLE = re.compile(r"\s*::(.*?)::", re.DOTALL)
_WEIGHT = re.compile(r"^\s*%(-?\d+(?:[.,]\d+)?)%")
_OPEN, _CLOSE = re.compile(r"\{"), re.compile(r"\}")
_TRUEFALSE_WORDS = {"T": True, "TRUE": True, "F": False, "FALSE": False}


def _protect(text: str) -> str:
    """Replace GIFT escapes (\\~ \\= \\# \\{ \\} \\: \\n \\\\) with placeholders."""
    return _ESCAPE_PATTERN.sub(lambda match: _ESCAPABLE[match.group(1)], text)


def _clean(text: str) -> str:
    """Final form of a piece of GIFT text: no format prefix, escapes restored, trimmed."""
    text = _FORMAT_PREFIX.sub("", text, count=1)
    return "".join(_RESTORE.get(char, char) for char in text).strip()


@dataclass(frozen=True)
class _GiftAnswer:
    """One =/~ answer inside a GIFT answer block."""

    marker: str
    weight: Optional[float]
    text: str
    feedback: str
    line: int


def _gift_blocks(text: str) -> list[list[tuple[int, str]]]:
    """Split GIFT text into questions at blank lines, dropping // comment lines."""
    blocks: list[list[tuple[int, str]]] = []
    current: list[tuple[int, str]] = []
    for number, line in enumerate(text.lstrip("\ufeff").splitlines(), start=1):
        if line.lstrip().startswith("//"):
            continue
        if line.strip():
            current.append((number, line))
        elif current:
            blocks.append(current)
            current = []
    if current:
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


def _split_answers(content: str, offset: int, line_at: Callable[[int], int]) -> list[_GiftAnswer]:
    """Split the inside of an answer block at each = or ~ marker."""
    markers = [match.start() for match in re.finditer("[=~]", content)]
    if not markers or content[: markers[0]].strip():
        raise _Rejected(line_at(offset), "setiap jawaban harus diawali = (benar) atau ~ (salah)")
    if len(markers) > MAX_ANSWERS:
        raise _Rejected(line_at(offset + markers[MAX_ANSWERS]), f"soal ini punya lebih dari {MAX_ANSWERS} jawaban")
    answers = []
    for position, start in enumerate(markers):
        end = markers[position + 1] if position + 1 < len(markers) else len(content)
        body = content[start + 1 : end]
        weight_match = _WEIGHT.match(body)
        weight = float(weight_match.group(1).replace(",", ".")) if weight_match else None
        if weight_match:
            body = body[weight_match.end() :]
        text, _, feedback = body.partition("#")
        line = line_at(offset + start)
        _check_weight(content[start], weight, line)
        if not _clean(text):
            raise _Rejected(line, "teks jawaban kosong")
        answers.append(_GiftAnswer(content[start], weight, _clean(text), _clean(feedback), line))
    return answers


def _check_weight(marker: str, weight: Optional[float], line: int) -> None:
    """A weight is a percentage of the question's points: -100 to 100, and never negative on a right answer (=)."""
    if weight is None:
        return
    if not -100 <= weight <= 100:
        raise _Rejected(line, "bobot jawaban harus antara -100% dan 100%")
    if marker == "=" and weight < 0:
        raise _Rejected(line, "jawaban benar (=) tidak boleh berbobot negatif; tulis ~%-50% untuk jawaban salah")


def _choice(answer: _GiftAnswer, correct: bool) -> dict[str, Any]:
    """A quiz.yaml choice dict; feedback only when there is some."""
    choice: dict[str, Any] = {"text": answer.text, "correct": correct}
    if answer.feedback:
        choice["feedback"] = answer.feedback
    return choice


def _gift_choice_question(answers: list[_GiftAnswer], block_line: int) -> dict[str, Any]:
    """Single choice (one =, no weights) or multiple (any %weight%; correct = positive weight)."""
    if len(answers) < 2:
        raise _Rejected(block_line, "soal pilihan minimal punya dua pilihan")
    weighted = any(answer.weight is not None for answer in answers)
    if weighted:
        flags = [answer.marker == "=" or (answer.weight or 0) > 0 for answer in answers]
        if not any(flags):
            raise _Rejected(block_line, "jawaban benar tidak ditemukan")
        choices = [_choice(answer, flag) for answer, flag in zip(answers, flags)]
        return {"type": "multiple", "scoring": "partial", "choices": choices}
    correct_count = sum(answer.marker == "=" for answer in answers)
    if correct_count == 0:
        raise _Rejected(block_line, "jawaban benar tidak ditemukan")
    if correct_count > 1:
        raise _Rejected(
            block_line,
            "soal pilihan tunggal hanya boleh punya satu jawaban benar (=); "
            "untuk soal banyak jawaban beri bobot, misalnya ~%50%",
        )
    return {"type": "single", "choices": [_choice(answer, answer.marker == "=") for answer in answers]}


def _gift_truefalse(content: str) -> dict[str, Any]:
    """{T}, {FALSE#feedback when wrong#feedback when right}, as Moodle orders the two feedbacks."""
    parts = content.split("#", 2)
    answer = _TRUEFALSE_WORDS[parts[0].strip().upper()]
    wrong = _clean(parts[1]) if len(parts) > 1 else ""
    right = _clean(parts[2]) if len(parts) > 2 else ""
    question: dict[str, Any] = {"type": "truefalse", "answer": answer}
    feedback_true, feedback_false = (right, wrong) if answer else (wrong, right)
    if feedback_true:
        question["feedback_true"] = feedback_true
    if feedback_false:
        question["feedback_false"] = feedback_false
    return question


def _gift_short(answers: list[_GiftAnswer]) -> dict[str, Any]:
    """Short answer: every answer starts with = and gives full credit."""
    for answer in answers:
        if answer.weight is not None and answer.weight < 100:
            raise _Rejected(answer.line, "nilai sebagian (=%50%) pada jawaban singkat tidak didukung")
    return {"type": "short", "accepted": [answer.text for answer in answers]}


def _gift_answer_fields(content: str, offset: int, line_at: Callable[[int], int]) -> dict[str, Any]:
    """Type-specific fields from the inside of the answer block (general feedback removed)."""
    stripped = content.strip()
    block_line = line_at(offset - 1)
    if not stripped:
        raise _Rejected(block_line, "soal esai ({}) tidak didukung")
    if stripped.startswith("#"):
        raise _Rejected(block_line, "soal numerik ({#...}) tidak didukung")
    if "~" in stripped:
        return _gift_choice_question(_split_answers(content, offset, line_at), block_line)
    if "=" in stripped and "->" in stripped:
        raise _Rejected(block_line, "soal menjodohkan (->) tidak didukung")
    if stripped.split("#", 1)[0].strip().upper() in _TRUEFALSE_WORDS:
        return _gift_truefalse(stripped)
    return _gift_short(_split_answers(content, offset, line_at))


def _gift_question(block: list[tuple[int, str]], ids: _IdMaker) -> Optional[dict[str, Any]]:
    """One GIFT question as a quiz.yaml dict; None for a $CATEGORY line; _Rejected on errors."""
    raw = _protect("\n".join(line for _, line in block))
    first = block[0][0]
    line_starts = [match.start() for match in re.finditer("\n", raw)]

    def line_at(offset: int) -> int:
        """Source line number of a character offset in raw (a binary search: answers ask once each)."""
        return block[bisect.bisect_left(line_starts, offset)][0]

    if raw.lstrip().startswith("$CATEGORY:"):
        return None
    title = ""
    body_start = 0
    if raw.lstrip().startswith("::"):
        title_match = _TITLE.match(raw)
        if not title_match:
            raise _Rejected(first, "judul soal ::judul:: tidak ditutup")
        title, body_start = _clean(title_match.group(1)), title_match.end()
    open_at, close_at = _find_answer_block(raw, body_start, line_at, first)
    before, content, after = raw[body_start:open_at], raw[open_at + 1 : close_at], raw[close_at + 1 :]
    # Text after the block means a "missing word" question: the block marks the gap.
    text = _clean(before + BLANK + after if after.strip() else before)
    if not text:
        raise _Rejected(first, "teks soal kosong")
    feedback_at = content.rfind("####")
    explanation = _clean(content[feedback_at + 4 :]) if feedback_at >= 0 else ""
    answer_part = content[:feedback_at] if feedback_at >= 0 else content
    fields = _gift_answer_fields(answer_part, open_at + 1, line_at)
    question: dict[str, Any] = {"id": ids.make(title, text), "type": fields.pop("type")}
    question.update({"text": text, "explanation": explanation})
    question.update(fields)
    return question


def parse_gift(text: str, *, taken_ids: Iterable[str] = ()) -> ParseResult:
    """Parse Moodle GIFT text; questions that cannot be imported become LineErrors."""
    result = ParseResult()
    ids = _IdMaker(taken_ids)
    for block in _gift_blocks(text):
        try:
            question = _gift_question(block, ids)
        except _Rejected as rejected:
            result.errors.append(rejected.error)
            continue
        if question is not None:
            result.questions.append(question)
        if _enough(result, block[0][0]):
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

_AIKEN_CHOICE = re.compile(r"^([A-Z])[.)](?:\s+(.*))?$")
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
    text = "\n".join(draft.text_lines)
    choices = [{"text": choice, "correct": letter == answer} for letter, choice in draft.choices]
    result.questions.append(
        {"id": ids.make(text), "type": "single", "text": text, "explanation": "", "choices": choices}
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
