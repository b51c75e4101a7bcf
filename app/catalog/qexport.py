"""A quiz's questions as Moodle reads them: GIFT text and Moodle XML, with weights and feedback."""
from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass, field

from app.catalog.coursefiles.content import FolderQuestion
from app.quizzes.grading import (FALSE_KEY, FULL_WEIGHT, SCORING_ALL_OR_NOTHING, TRUE_KEY, plain_weights)

FORMATS = {"gift": ".gift.txt", "moodlexml": ".moodle.xml"}
# GIFT's special characters, escaped with a backslash as Moodle's own exporter does.
_GIFT_SPECIAL = {"\\": "\\\\", "#": "\\#", "=": "\\=", "~": "\\~", "{": "\\{", "}": "\\}", ":": "\\:", "\n": "\\n",
                 "\r": ""}
_MOODLE_TYPES = {"single": "multichoice", "multiple": "multichoice", "truefalse": "truefalse", "short": "shortanswer"}


@dataclass
class Exported:
    """The written file's content and what Moodle cannot hold exactly (one sentence per question)."""

    content: bytes
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Answer:
    """One answer as Moodle keeps it: text, grade in percent, feedback."""

    text: str
    weight: float
    feedback: str = ""


def _answers(question: FolderQuestion) -> list[_Answer]:
    """The question's answers with Moodle's grades: stored weights, or the ones that grade it the same."""
    if question.type == "short":
        weights = question.accepted_weights or [FULL_WEIGHT] * len(question.accepted)
        feedback = question.accepted_feedback or [""] * len(question.accepted)
        return [_Answer(text, weight, note) for text, weight, note in zip(question.accepted, weights, feedback)]
    if question.type == "truefalse":
        by_key = {choice.key: choice for choice in question.choices}
        return [_Answer(word, FULL_WEIGHT if by_key[key].correct else 0.0, by_key[key].feedback)
                for key, word in ((TRUE_KEY, "true"), (FALSE_KEY, "false")) if key in by_key]
    weights = ([choice.weight for choice in question.choices]
               if question.choices and all(choice.weight is not None for choice in question.choices)
               else plain_weights(question.type, [choice.correct for choice in question.choices]))
    return [_Answer(choice.text, float(weight), choice.feedback) for choice, weight in zip(question.choices, weights)]


def _notes(question: FolderQuestion, gift: bool) -> list[str]:
    """What the file cannot say about this question, for the trainer who moves it to Moodle."""
    notes = []
    if question.type == "multiple" and question.scoring == SCORING_ALL_OR_NOTHING:
        notes.append(f"soal '{question.key}': penilaian semua-atau-tidak-sama-sekali tidak ada di Moodle; "
                     "ditulis sebagai nilai sebagian per jawaban")
    if gift and question.points != 1:
        notes.append(f"soal '{question.key}': GIFT tidak menyimpan bobot soal ({question.points:g}); "
                     "Moodle memberinya bobot 1")
    return notes


def moodle_percent(weight: float) -> str:
    """A grade in percent as Moodle writes it: 100, 50, -33.33333."""
    text = f"{weight:.5f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


# GIFT ----------------------------------------------------------------------------------------

def _gift_text(text: str) -> str:
    return "".join(_GIFT_SPECIAL.get(char, char) for char in text)


def _gift_feedback(text: str) -> str:
    return f"#{_gift_text(text)}" if text else ""


def _gift_answers(question: FolderQuestion) -> str:
    """The inside of the answer block, one answer a line as Moodle's exporter writes it."""
    answers = _answers(question)
    if question.type == "truefalse":
        right = next(answer for answer in answers if answer.weight == FULL_WEIGHT)
        wrong = next((answer for answer in answers if answer is not right), _Answer("", 0.0))
        # Moodle's order: the word, the feedback for a wrong answer, then for the right one.
        block = "TRUE" if right.text == "true" else "FALSE"
        if wrong.feedback or right.feedback:
            block += f"#{_gift_text(wrong.feedback)}"
        if right.feedback:
            block += f"#{_gift_text(right.feedback)}"
        return block
    lines = []
    for answer in answers:
        if question.type == "short":
            marker = f"=%{moodle_percent(answer.weight)}%"
        elif question.type == "single" and answer.weight == FULL_WEIGHT:
            marker = "="
        else:
            marker = "~" if answer.weight == 0 else f"~%{moodle_percent(answer.weight)}%"
        lines.append(f"\t{marker}{_gift_text(answer.text)}{_gift_feedback(answer.feedback)}\n")
    return "\n" + "".join(lines)


def _gift_question(question: FolderQuestion) -> str:
    """One question: comments naming it, its id and tags (as Moodle writes them), ::id::, the text as Markdown, the answers."""
    head = f"// question: {question.key}  name: {question.key}\n"
    head += "// " + " ".join([f"[id:{question.key}]"] + [f"[tag:{tag}]" for tag in question.tags]) + "\n"
    block = _gift_answers(question)
    if question.explanation:
        block += ("\t" if block.endswith("\n") else "") + f"####{_gift_text(question.explanation)}"
        block += "\n" if block.startswith("\n") else ""
    return f"{head}::{_gift_text(question.key)}::[markdown]{_gift_text(question.text)}{{{block}}}\n\n"


def gift(questions: Sequence[FolderQuestion]) -> Exported:
    """The questions as a GIFT file (UTF-8): Moodle's import gives them back with their weights and feedback."""
    notes = [note for question in questions for note in _notes(question, gift=True)]
    return Exported("".join(_gift_question(question) for question in questions).encode("utf-8"), notes)


# Moodle XML ----------------------------------------------------------------------------------

def _text_element(parent: ET.Element, tag: str, text: str, text_format: str | None = "markdown") -> ET.Element:
    element = ET.SubElement(parent, tag, {"format": text_format} if text_format else {})
    ET.SubElement(element, "text").text = text
    return element


def _xml_question(quiz: ET.Element, question: FolderQuestion) -> None:
    element = ET.SubElement(quiz, "question", {"type": _MOODLE_TYPES[question.type]})
    ET.SubElement(ET.SubElement(element, "name"), "text").text = question.key
    _text_element(element, "questiontext", question.text)
    _text_element(element, "generalfeedback", question.explanation)
    ET.SubElement(element, "defaultgrade").text = moodle_percent(question.points)
    ET.SubElement(element, "penalty").text = "0"
    ET.SubElement(element, "hidden").text = "0"
    ET.SubElement(element, "idnumber").text = question.key
    if question.type in ("single", "multiple"):
        ET.SubElement(element, "single").text = "true" if question.type == "single" else "false"
        ET.SubElement(element, "shuffleanswers").text = "true"
        ET.SubElement(element, "answernumbering").text = "abc"
    elif question.type == "short":
        ET.SubElement(element, "usecase").text = "0"  # Kelas KIM compares without letter case
    answer_format = None if question.type in ("truefalse", "short") else "markdown"
    for answer in _answers(question):
        attributes = {"fraction": moodle_percent(answer.weight)}
        if answer_format:
            attributes["format"] = answer_format
        node = ET.SubElement(element, "answer", attributes)
        ET.SubElement(node, "text").text = answer.text
        _text_element(node, "feedback", answer.feedback)
    if question.tags:
        tags = ET.SubElement(element, "tags")
        for tag in question.tags:
            ET.SubElement(ET.SubElement(tags, "tag"), "text").text = tag


def moodle_xml(questions: Sequence[FolderQuestion]) -> Exported:
    """The questions as a Moodle XML file, as Moodle's question bank imports it."""
    quiz = ET.Element("quiz")
    for question in questions:
        _xml_question(quiz, question)
    ET.indent(quiz)
    content = ET.tostring(quiz, encoding="utf-8", xml_declaration=True) + b"\n"
    return Exported(content, [note for question in questions for note in _notes(question, gift=False)])


WRITERS = {"gift": gift, "moodlexml": moodle_xml}
