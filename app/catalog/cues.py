"""Surface cues that give a quiz answer away without reading the lesson: the longest option, a copied lesson sentence."""
from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Optional

WORD = re.compile(r"\w+(?:[-/.]\w+)*")
BLOCK_START = re.compile(r"^\s*(?:#+|>|[-*+]|\d+[.)])\s")  # a heading, quote or list item starts a new block
SENTENCE_END = re.compile(r"(?<!\bNo)(?<=[.!?:;])\s+")  # "No. 17" does not end a sentence
MARKUP = re.compile(r"^\s*(?:#+|>|[-*+]|\d+[.)])\s+|[*_`]")
SHINGLE = 3  # words in a row that must match for a stretch to count as copied
COPIED_SHARE = 0.5  # share of a statement's words that, found in order in one passage, make it a copy
MIN_WORDS = 6  # shorter statements are too short to call copied


def words(text: str) -> list[str]:
    """The words of text, lower-cased; hyphenated words and numbers like 08/PER stay whole."""
    return WORD.findall(text.casefold())


def option_length(text: str) -> int:
    """The length a reader sees: characters, runs of white space counted once."""
    return len(" ".join(text.split()))


def correct_is_longest(choices: Sequence[tuple[str, bool]]) -> bool:
    """Whether a correct choice is longer than every other choice (options of equal length give nothing away)."""
    lengths = sorted(((option_length(text), correct) for text, correct in choices), reverse=True)
    return lengths[0][1] and (len(lengths) == 1 or lengths[0][0] > lengths[1][0])


def sentences(markdown: str) -> list[str]:
    """The sentences of a lesson body, Markdown markup removed; hard-wrapped lines are joined first."""
    blocks: list[str] = []
    joined = True  # whether the next line may continue the current block
    for line in markdown.splitlines():
        if not line.strip():
            joined = False
        elif joined and blocks and not BLOCK_START.match(line):
            blocks[-1] += " " + line.strip()
        else:
            blocks.append(MARKUP.sub("", line.strip()))
            joined = True
    return [part.strip() for block in blocks for part in SENTENCE_END.split(MARKUP.sub("", block)) if part.strip()]


def passages(markdown: str) -> list[str]:
    """Each sentence of a lesson body and each pair of neighbouring sentences, the units a statement may copy."""
    found = sentences(markdown)
    return found + [f"{first} {second}" for first, second in zip(found, found[1:])]


def copied_sentence(statement: str, candidates: Iterable[str]) -> Optional[str]:
    """The first candidate sentence that statement copies, or None.

    A statement copies a sentence when half or more of its words (COPIED_SHARE) lie in runs of
    SHINGLE or more words that also stand, word for word, in that sentence. Each sentence is read
    once and each statement word looked up once per sentence: the cost stays linear in the lesson.
    """
    said = words(statement)
    if len(said) < MIN_WORDS:
        return None
    for sentence in candidates:
        written = words(sentence)
        runs = {tuple(written[i:i + SHINGLE]) for i in range(len(written) - SHINGLE + 1)}
        covered = [False] * len(said)
        for start in range(len(said) - SHINGLE + 1):
            if tuple(said[start:start + SHINGLE]) in runs:
                covered[start:start + SHINGLE] = [True] * SHINGLE
        if sum(covered) >= COPIED_SHARE * len(said):
            return sentence
    return None
