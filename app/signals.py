"""Signals whose receivers run in the order create_app connected them (blinker's own order is undefined).

Order matters where two layers receive one event and the second causes more: the xAPI statement of a
graded attempt must come before the 'course completed' that progress records on the same signal.
"""
from __future__ import annotations

from collections.abc import Hashable, Iterable, Iterator, MutableSet

from blinker import NamedSignal


class _InOrder(MutableSet):
    """A set that iterates in insertion order (blinker keeps its receiver ids in sets of this class)."""

    def __init__(self, items: Iterable[Hashable] = ()) -> None:
        self._items = dict.fromkeys(items)

    def __contains__(self, item: object) -> bool:
        return item in self._items

    def __iter__(self) -> Iterator[Hashable]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def add(self, item: Hashable) -> None:
        self._items[item] = None

    def discard(self, item: Hashable) -> None:
        self._items.pop(item, None)

    def copy(self) -> _InOrder:
        return _InOrder(self._items)


class Signal(NamedSignal):
    """A named signal that calls its receivers in the order they were connected."""

    set_class = _InOrder
