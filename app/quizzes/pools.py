"""Question pools: which questions an attempt asks, drawn at random, so many per tag where asked.

A quiz may hold more questions than it asks: `draw` questions are drawn for each attempt, and
`draw_per_tag` says how many of them must carry each tag (a lesson or topic), so every topic is
covered. The same rules check a quiz file, a quiz edited in the browser, and draw an attempt.
"""
from __future__ import annotations

import random
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

from app.catalog.models import SLUG

Item = TypeVar("Item")

TAG_MAX = 40  # the longest tag a question may carry

# What can be wrong with a pool's settings; callers word each kind for their readers.
DRAW_RANGE = "draw_range"  # draw is not between 1 and the number of questions
PER_TAG_WITHOUT_DRAW = "per_tag_without_draw"  # draw_per_tag given but every question is asked anyway
PER_TAG_OVER_DRAW = "per_tag_over_draw"  # the per-tag numbers add up to more than draw
TAG_TOO_FEW = "tag_too_few"  # fewer questions carry a tag than draw_per_tag asks of it


def is_tag(value: object) -> bool:
    """Whether value may be a question's tag: a short slug, as course files and the editor both check."""
    return isinstance(value, str) and len(value) <= TAG_MAX and bool(SLUG.match(value))


@dataclass(frozen=True)
class PoolProblem:
    """One way a pool's settings do not fit its questions."""

    kind: str
    tag: str = ""
    wanted: int = 0
    have: int = 0


def pool_problems(tags_by_question: Sequence[Collection[str]], draw: int | None,
                  draw_per_tag: Mapping[str, int]) -> list[PoolProblem]:
    """Every way draw and draw_per_tag do not fit the questions (one tag collection per question)."""
    total = len(tags_by_question)
    problems = []
    if draw is not None and not 1 <= draw <= total:
        problems.append(PoolProblem(DRAW_RANGE, wanted=draw, have=total))
    if not draw_per_tag:
        return problems
    if draw is None:
        problems.append(PoolProblem(PER_TAG_WITHOUT_DRAW))
        return problems
    wanted = sum(draw_per_tag.values())
    if wanted > draw:
        problems.append(PoolProblem(PER_TAG_OVER_DRAW, wanted=wanted, have=draw))
    for tag, count in draw_per_tag.items():
        have = sum(1 for tags in tags_by_question if tag in tags)
        if have < count:
            problems.append(PoolProblem(TAG_TOO_FEW, tag=tag, wanted=count, have=have))
    return problems


def asked_count(total: int, draw: int | None) -> int:
    """How many questions one attempt asks of a quiz holding `total`."""
    return total if draw is None else min(draw, total)


def draw_questions(items: Sequence[Item], tags_of: Callable[[Item], Collection[str]], draw: int | None,
                   draw_per_tag: Mapping[str, int], rng: random.Random) -> list[Item]:
    """The items one attempt asks, in a random order.

    Without draw every item is asked. With it, each tag of draw_per_tag first gets its number
    (a question with two tags counts for both), then the rest of draw comes from every item not
    yet drawn; every choice is uniform, so each question is asked about equally often. Settings
    that no longer fit (a question removed since) give as many as there are, never an error.
    """
    pool = list(items)
    if draw is None or draw >= len(pool):
        return rng.sample(pool, k=len(pool))
    chosen: list[Item] = []
    taken: set[int] = set()
    for tag in sorted(draw_per_tag):  # a fixed order, so that the draw depends on rng alone
        have = sum(1 for index in taken if tag in tags_of(pool[index]))
        candidates = [index for index, item in enumerate(pool) if index not in taken and tag in tags_of(item)]
        need = max(0, min(draw_per_tag[tag] - have, draw - len(chosen), len(candidates)))
        for index in rng.sample(candidates, k=need):
            taken.add(index)
            chosen.append(pool[index])
    rest = [index for index in range(len(pool)) if index not in taken]
    chosen += [pool[index] for index in rng.sample(rest, k=min(draw - len(chosen), len(rest)))]
    rng.shuffle(chosen)
    return chosen
