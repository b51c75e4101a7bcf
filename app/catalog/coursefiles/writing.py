"""Write a course back in the folder format, as its authors write it: block-style YAML, lessons byte for byte."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from app.catalog.coursefiles.content import (CHOICE_TYPES, COURSE_FILE, FENCE, FILES_FOLDER, QUIZ_FILE, FolderChoice,
                                             FolderCourse, FolderLesson, FolderQuestion, FolderQuiz)
from app.catalog.models import Status
from app.quizzes.grading import FALSE_KEY, FULL_WEIGHT, SCORING_PARTIAL, TRUE_KEY, accepted_document
from app.quizzes.models import ReviewPolicy

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


def course_document(course: FolderCourse) -> dict[str, Any]:
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


def lesson_text(lesson: FolderLesson) -> str:
    """The content of a lesson file: front matter, the closing '---', a blank line, the body."""
    meta: dict[str, Any] = {"title": lesson.title, "minutes": lesson.minutes,
                            "objectives": list(lesson.objectives), "sources": list(lesson.sources)}
    if lesson.status != Status.PUBLISHED:
        meta["status"] = lesson.status
    return f"{FENCE}\n{dump_yaml(meta)}{FENCE}\n\n{lesson.body_md}"


def _points(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def question_document(question: FolderQuestion) -> dict[str, Any]:
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


def _choice_document(choice: FolderChoice) -> dict[str, Any]:
    entry: dict[str, Any] = {"text": choice.text}
    if choice.weight is None:
        entry["correct"] = choice.correct
    else:
        entry["weight"] = _points(choice.weight)
    if choice.feedback:
        entry["feedback"] = choice.feedback
    return entry


def quiz_document(quiz: FolderQuiz) -> dict[str, Any]:
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


def write_course(course: FolderCourse, directory: Path | str) -> list[Path]:
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
