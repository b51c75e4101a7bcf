"""Geometry of the server-drawn SVG bar chart (no JavaScript; the template draws it)."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

# A phone-sized drawing: at 360 px wide the labels show at about their nominal size.
WIDTH = 360
HEIGHT = 180
TOP = 16      # room for the value above the tallest bar
BOTTOM = 22   # room for the labels under the bars
LEFT = 4
GAP = 0.25    # share of each slot left empty between bars
CROWDED = 8   # past this many bars only every other label fits under them


@dataclass(frozen=True)
class Bar:
    """One bar: its box, the value written above it and the label under it."""

    x: float
    y: float
    width: float
    height: float
    value: int
    label: str
    show_label: bool = True

    @property
    def centre(self) -> float:
        return round(self.x + self.width / 2, 1)


@dataclass(frozen=True)
class BarChart:
    """Everything the SVG template needs: size, baseline and bars."""

    width: int
    height: int
    baseline: float
    bars: tuple[Bar, ...]
    title: str


def bar_chart(points: Sequence[tuple[str, int]], title: str) -> BarChart:
    """Lay out one bar per (label, value), scaled so the highest value fills the plot."""
    plot_height = HEIGHT - TOP - BOTTOM
    baseline = float(HEIGHT - BOTTOM)
    highest = max((value for _, value in points), default=0) or 1
    slot = (WIDTH - 2 * LEFT) / max(len(points), 1)
    bars = []
    for index, (label, value) in enumerate(points):
        height = round(plot_height * value / highest, 1)
        x = round(LEFT + index * slot + slot * GAP / 2, 1)
        # Keep the label of the last (current) bar and every other one before it.
        show = len(points) <= CROWDED or (len(points) - 1 - index) % 2 == 0
        bars.append(Bar(x=x, y=round(baseline - height, 1), width=round(slot * (1 - GAP), 1),
                        height=height, value=value, label=label, show_label=show))
    return BarChart(width=WIDTH, height=HEIGHT, baseline=baseline, bars=tuple(bars), title=title)
