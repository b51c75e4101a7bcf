"""Revisions of courses, modules, lessons and quizzes: snapshots, summaries, history and diffs."""
from __future__ import annotations

from typing import Any, Optional

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app.accounts.models import User
from app.authoring.compare import Comparison, Paragraph, compare
from app.catalog.models import Revision, Status
from app.extensions import db
from app.quizzes.models import Question
from app.sanitize import text_paragraphs

COURSE, MODULE, LESSON, QUIZ = "course", "module", "lesson", "quiz"
ENTITY_TYPES = (COURSE, MODULE, LESSON, QUIZ)
SUMMARY_MAX = 300


def by_position(items: list) -> list:
    """Items sorted by position."""
    # Collections are ordered when loaded, not after positions change in this session.
    return sorted(items, key=lambda item: (item.position, item.id or 0))


def _question_snapshot(question: Question) -> dict[str, Any]:
    return {
        "key": question.key, "type": question.type, "text": question.text, "explanation": question.explanation,
        "scoring": question.scoring, "points": question.points, "accepted": list(question.accepted or []),
        "tags": list(question.tags or []), "accepted_weights": list(question.accepted_weights or []),
        "accepted_feedback": list(question.accepted_feedback or []),
        "choices": [{"key": choice.key, "text": choice.text, "correct": choice.correct, "feedback": choice.feedback,
                     "weight": choice.weight}
                    for choice in by_position(question.choices)],
    }


def snapshot(entity_type: str, entity) -> dict[str, Any]:
    """The full state of an entity as plain JSON data."""
    if entity_type == COURSE:
        return {"slug": entity.slug, "title": entity.title, "summary": entity.summary, "audience": entity.audience,
                "hours": entity.hours, "sequential": entity.sequential, "sources": list(entity.sources or []),
                "status": entity.status, "owners": sorted(owner.email for owner in entity.owners),
                "modules": [module.slug for module in by_position(entity.modules)],
                "files": sorted(f"{item.name} ({item.sha256[:8]}): {item.alt}" for item in entity.files)}
    if entity_type == MODULE:
        return {"slug": entity.slug, "title": entity.title, "status": entity.status,
                "lessons": [lesson.slug for lesson in by_position(entity.lessons)]}
    if entity_type == LESSON:
        return {"slug": entity.slug, "title": entity.title, "minutes": entity.minutes,
                "objectives": list(entity.objectives or []), "sources": list(entity.sources or []),
                "body_md": entity.body_md, "status": entity.status}
    return {"title": entity.title, "pass_mark": entity.pass_mark, "max_attempts": entity.max_attempts,
            "review": entity.review, "draw": entity.draw, "draw_per_tag": dict(entity.draw_per_tag or {}),
            "questions": [_question_snapshot(question) for question in by_position(entity.questions)]}


def _field_labels() -> dict[str, str]:
    return {
        "slug": _("slug"), "title": _("judul"), "summary": _("ringkasan"), "audience": _("sasaran peserta"),
        "hours": _("jam pelajaran"), "sequential": _("urutan modul wajib"), "sources": _("sumber"),
        "status": _("status"), "owners": _("pemilik"), "modules": _("daftar modul"), "lessons": _("daftar pelajaran"),
        "minutes": _("durasi"), "objectives": _("tujuan"), "body_md": _("isi"), "pass_mark": _("nilai lulus"),
        "max_attempts": _("batas percobaan"), "review": _("tinjauan hasil"), "draw": _("soal per percobaan"),
        "draw_per_tag": _("soal per tag"), "files": _("berkas"),
    }


def _question_changes(before: list[dict], after: list[dict]) -> list[str]:
    old = {question["key"]: question for question in before}
    new = {question["key"]: question for question in after}
    parts = []
    added = [key for key in new if key not in old]
    removed = [key for key in old if key not in new]
    changed = [key for key in new if key in old and old[key] != new[key]]
    if added:
        parts.append(_("soal baru: %(keys)s", keys=", ".join(added)))
    if removed:
        parts.append(_("soal dihapus: %(keys)s", keys=", ".join(removed)))
    if changed:
        parts.append(_("soal diubah: %(keys)s", keys=", ".join(changed)))
    if [key for key in old if key in new] != [key for key in new if key in old]:
        parts.append(_("urutan soal"))
    return parts


def change_summary(before: dict[str, Any], after: dict[str, Any]) -> str:
    """What changed between two snapshots, in words: 'judul, isi'; empty when nothing did."""
    labels = _field_labels()
    parts = [labels.get(name, name) for name in after if name != "questions" and before.get(name) != after.get(name)]
    if "questions" in after:
        parts += _question_changes(before.get("questions", []), after["questions"])
    return _shorten(", ".join(parts))


def _shorten(text: str) -> str:
    return text if len(text) <= SUMMARY_MAX else text[: SUMMARY_MAX - 1] + "…"


def _has_revisions(entity_type: str, entity_id: int) -> bool:
    query = select(Revision.id).where(Revision.entity_type == entity_type, Revision.entity_id == entity_id).limit(1)
    return db.session.scalar(query) is not None


def record_revision(entity_type: str, entity, author: Optional[User], before: Optional[dict] = None,
           summary: Optional[str] = None) -> Optional[Revision]:
    """Keep the entity's state after a change; None when nothing changed.

    `before` is the state before the change (None for a new entity). Content loaded from the
    course files has no history yet, so its state before the first browser edit is kept too:
    that is what a trainer will want to go back to.
    """
    db.session.flush()
    after = snapshot(entity_type, entity)
    if before is not None:
        if before == after:
            return None
        if not _has_revisions(entity_type, entity.id):
            db.session.add(Revision(entity_type=entity_type, entity_id=entity.id, author_id=None,
                                    summary=_("keadaan sebelum diubah di peramban"), snapshot=before))
    text = summary or (change_summary(before, after) if before is not None else _("dibuat"))
    revision = Revision(entity_type=entity_type, entity_id=entity.id, author_id=author.id if author else None,
                        summary=_shorten(text), snapshot=after)
    db.session.add(revision)
    db.session.flush()
    return revision


def history(entity_type: str, entity_id: int) -> list[Revision]:
    """Every revision of an entity, newest first, with their authors loaded."""
    query = (select(Revision).where(Revision.entity_type == entity_type, Revision.entity_id == entity_id)
             .options(selectinload(Revision.author)).order_by(Revision.id.desc()))
    return list(db.session.scalars(query))


def number_of(revision: Revision) -> int:
    """The revision's number within its entity's history: #1 is the oldest."""
    query = select(func.count(Revision.id)).where(
        Revision.entity_type == revision.entity_type, Revision.entity_id == revision.entity_id,
        Revision.id <= revision.id)
    return db.session.scalar(query) or 0


def _block(label: str, text: str) -> list[str]:
    return [f"{label}:"] + [f"  {line}" for line in (text or "").splitlines()]


def _list_block(label: str, items: list) -> list[str]:
    return [f"{label}:"] + [f"  - {item}" for item in items or []]


def _question_lines(number: int, question: dict) -> list[str]:
    lines = [_("Soal %(n)d (%(key)s, %(type)s, bobot %(points)s)", n=number, key=question["key"],
               type=question["type"], points=question.get("points", 1))]
    lines += [f"  {line}" for line in _block(_("Teks"), question["text"])]
    lines += [f"  {line}" for line in _block(_("Penjelasan"), question.get("explanation", ""))]
    if question["type"] == "multiple":
        lines.append(f"  {_('Penilaian')}: {question.get('scoring', '')}")
    for choice in question.get("choices", []):
        mark = _("[benar]") if choice["correct"] else _("[salah]")
        feedback = f" — {_('umpan balik')}: {choice['feedback']}" if choice.get("feedback") else ""
        lines.append(f"  {mark} {choice['text']}{feedback}")
    if question.get("accepted"):
        lines += [f"  {line}" for line in _list_block(_("Jawaban diterima"), question["accepted"])]
    return lines


def as_lines(entity_type: str, data: dict[str, Any]) -> list[str]:
    """A snapshot as readable text lines, for showing and comparing revisions."""
    labels = _field_labels()
    lines: list[str] = []
    for name, value in data.items():
        if name == "questions":
            for number, question in enumerate(value, start=1):
                lines += _question_lines(number, question)
        elif name == "body_md" or name in ("summary", "audience"):
            lines += _block(labels.get(name, name).capitalize(), value)
        elif isinstance(value, list):
            lines += _list_block(labels.get(name, name).capitalize(), value)
        else:
            lines.append(f"{labels.get(name, name).capitalize()}: {_shown(name, value)}")
    return lines


def _shown(name: str, value: Any) -> str:
    """A scalar snapshot value in words."""
    if value is None:
        return _("tanpa batas") if name == "max_attempts" else "—"
    if isinstance(value, bool):
        return _("ya") if value else _("tidak")
    if name == "status":
        return _("terbit") if value == Status.PUBLISHED else _("draf")
    return str(value)


# Fields whose Markdown is compared as it reads once rendered, not as its source.
_RENDERED = ("body_md", "summary", "audience")


def _rendered(text: str | None) -> list[Paragraph]:
    return [Paragraph(line) for line in text_paragraphs(text, _("gambar"))]


def _question_paragraphs(number: int, question: dict) -> list[Paragraph]:
    paragraphs = [Paragraph(_("Soal %(n)d (%(key)s, %(type)s, bobot %(points)s)", n=number, key=question["key"],
                                type=question["type"], points=question.get("points", 1)), label=True)]
    paragraphs += _rendered(question["text"])
    if question.get("explanation"):
        paragraphs += [Paragraph(f"{_('Penjelasan')}: {p.text}") for p in _rendered(question["explanation"])]
    if question["type"] == "multiple":
        paragraphs.append(Paragraph(f"{_('Penilaian')}: {question.get('scoring', '')}"))
    for choice in question.get("choices", []):
        mark = _("[benar]") if choice["correct"] else _("[salah]")
        feedback = f" — {_('umpan balik')}: {choice['feedback']}" if choice.get("feedback") else ""
        paragraphs.append(Paragraph(f"{mark} {choice['text']}{feedback}"))
    paragraphs += [Paragraph(f"{_('Jawaban diterima')}: {answer}") for answer in question.get("accepted") or []]
    return paragraphs


def readable(entity_type: str, data: dict[str, Any]) -> list[Paragraph]:
    """A snapshot as a reader sees it: each field named, Markdown rendered to text, one paragraph per item."""
    labels = _field_labels()
    paragraphs: list[Paragraph] = []
    for name, value in data.items():
        label = labels.get(name, name).capitalize()
        if name == "questions":
            for number, question in enumerate(value, start=1):
                paragraphs += _question_paragraphs(number, question)
        elif name in _RENDERED:
            paragraphs += [Paragraph(label, label=True), *_rendered(value)]
        elif isinstance(value, list):
            paragraphs += [Paragraph(label, label=True), *(Paragraph(f"• {item}") for item in value or [])]
        else:
            paragraphs.append(Paragraph(f"{label}: {_shown(name, value)}"))
    return paragraphs


def compare_snapshots(entity_type: str, old: dict[str, Any], new: dict[str, Any]) -> Comparison:
    """The word-level comparison of two snapshots of the same entity, as they read."""
    return compare(readable(entity_type, old), readable(entity_type, new))


def previous(revision: Revision) -> Optional[Revision]:
    """The revision of the same entity just before this one, or None for the first."""
    query = (select(Revision).where(Revision.entity_type == revision.entity_type,
                                    Revision.entity_id == revision.entity_id, Revision.id < revision.id)
             .order_by(Revision.id.desc()).limit(1))
    return db.session.scalar(query)
