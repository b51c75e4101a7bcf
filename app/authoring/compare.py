"""Word-level comparison of two texts made of paragraphs, as a reader sees them, in bounded time."""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher

SAME, REMOVED, ADDED = "same", "removed", "added"
# difflib's matcher can take time in the product of the two lengths: above this many paragraphs or
# words on a side, the differing middle (after the common start and end are set aside) is shown as
# replaced whole. A lesson is a few hundred paragraphs; a hostile 5 MB text still costs linear time.
MAX_PARAGRAPHS = 1500
MAX_WORDS = 2000
# Unchanged paragraphs kept around each change; longer unchanged runs are folded into one line.
CONTEXT = 2

_WORDS = re.compile(r"\S+\s*")


@dataclass(frozen=True)
class Paragraph:
    """One paragraph of a readable text; a label paragraph names the field below it ("Isi", "Soal 2")."""

    text: str
    label: bool = False


@dataclass(frozen=True)
class Piece:
    """A run of words that is the same on both sides, only in the old text, or only in the new one."""

    kind: str
    text: str


@dataclass
class Row:
    """One paragraph compared: the old side and the new side (None where the paragraph is absent)."""

    old: list[Piece] | None
    new: list[Piece] | None
    label: bool = False
    folded: int = 0  # for a fold: how many unchanged paragraphs it stands for

    @property
    def same(self) -> bool:
        """Whether the paragraph reads the same on both sides."""
        return self.old is not None and self.new is not None and all(p.kind == SAME for p in self.old + self.new)


@dataclass
class Comparison:
    """Rows of two texts compared paragraph by paragraph, and whether anything differs."""

    rows: list[Row] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        """Whether the two texts differ at all."""
        return any(not row.same and not row.folded for row in self.rows)


def _opcodes(old: Sequence, new: Sequence, limit: int) -> list[tuple[str, int, int, int, int]]:
    """difflib opcodes, with the common start and end trimmed first and a wholesale replace above the limit."""
    start = 0
    while start < len(old) and start < len(new) and old[start] == new[start]:
        start += 1
    end_old, end_new = len(old), len(new)
    while end_old > start and end_new > start and old[end_old - 1] == new[end_new - 1]:
        end_old, end_new = end_old - 1, end_new - 1
    codes = [("equal", 0, start, 0, start)] if start else []
    middle_old, middle_new = old[start:end_old], new[start:end_new]
    if len(middle_old) > limit or len(middle_new) > limit:
        codes.append(("replace", start, end_old, start, end_new))
    elif middle_old or middle_new:
        matcher = SequenceMatcher(None, middle_old, middle_new, autojunk=False)
        codes += [(tag, i1 + start, i2 + start, j1 + start, j2 + start) for tag, i1, i2, j1, j2 in matcher.get_opcodes()]
    if end_old < len(old):
        codes.append(("equal", end_old, len(old), end_new, len(new)))
    return codes


def compare_words(old: str, new: str) -> tuple[list[Piece], list[Piece]]:
    """The two texts as pieces: words only in the old one are REMOVED, words only in the new one ADDED."""
    a, b = _WORDS.findall(old), _WORDS.findall(new)
    old_pieces: list[Piece] = []
    new_pieces: list[Piece] = []
    for tag, i1, i2, j1, j2 in _opcodes([w.strip() for w in a], [w.strip() for w in b], MAX_WORDS):
        if tag == "equal":
            old_pieces.append(Piece(SAME, "".join(a[i1:i2])))
            new_pieces.append(Piece(SAME, "".join(b[j1:j2])))
            continue
        if i2 > i1:
            old_pieces.append(Piece(REMOVED, "".join(a[i1:i2])))
        if j2 > j1:
            new_pieces.append(Piece(ADDED, "".join(b[j1:j2])))
    return old_pieces, new_pieces


def _paired(old: Sequence[Paragraph], new: Sequence[Paragraph]) -> list[Row]:
    """Rows for a block of replaced paragraphs: paired in order and compared word by word, the rest alone."""
    rows = []
    for index in range(max(len(old), len(new))):
        before = old[index] if index < len(old) else None
        after = new[index] if index < len(new) else None
        if before is not None and after is not None:
            old_pieces, new_pieces = compare_words(before.text, after.text)
            rows.append(Row(old_pieces, new_pieces, label=before.label and after.label))
        elif before is not None:
            rows.append(Row([Piece(REMOVED, before.text)], None, label=before.label))
        else:
            rows.append(Row(None, [Piece(ADDED, after.text)], label=after.label))
    return rows


def _labels_of_changed_sections(rows: list[Row]) -> set[int]:
    """The label rows ("Isi", "Soal 2") followed, before the next label, by a change."""
    labels, current = set(), None
    for index, row in enumerate(rows):
        if row.label:
            current = index
        if current is not None and not row.same:
            labels.add(current)
    return labels


def _fold(rows: list[Row]) -> list[Row]:
    """Keep CONTEXT unchanged paragraphs around each change; fold longer unchanged runs into one row."""
    changed = [i for i, row in enumerate(rows) if not row.same]
    keep = {j for i in changed for j in range(i - CONTEXT, i + CONTEXT + 1)}
    keep |= _labels_of_changed_sections(rows)  # so the reader knows which field a change is in
    folded: list[Row] = []
    for index, row in enumerate(rows):
        if index in keep or not changed:
            folded.append(row)
        elif folded and folded[-1].folded:
            folded[-1].folded += 1
        else:
            folded.append(Row(None, None, folded=1))
    return folded


def compare(old: Sequence[Paragraph], new: Sequence[Paragraph]) -> Comparison:
    """Compare two readable texts: paragraphs matched first, then the words of changed paragraphs."""
    rows: list[Row] = []
    for tag, i1, i2, j1, j2 in _opcodes(list(old), list(new), MAX_PARAGRAPHS):
        if tag == "equal":
            rows += [Row([Piece(SAME, p.text)], [Piece(SAME, p.text)], label=p.label) for p in old[i1:i2]]
        else:
            rows += _paired(old[i1:i2], new[j1:j2])
    return Comparison(_fold(rows))
