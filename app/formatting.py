"""Numbers as the pages show them, in the page's language: the report and quiz template filters."""
from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

from babel.numbers import get_decimal_symbol, parse_pattern
from flask_babel import format_decimal, format_percent, get_locale

TENTH = Decimal("0.1")
# Number patterns parsed once: Babel accepts a parsed pattern wherever it takes a pattern string,
# and parsing one costs about half as much as formatting with it (a report page formats hundreds of cells).
WHOLE = parse_pattern("#,##0")
TENTHS = parse_pattern("#,##0.#")
WHOLE_PERCENT = parse_pattern("#,##0%")


def percent(value: float) -> str:
    """A percentage with one decimal in the page's language, as |decimalformat('0.0') gives it.

    Babel parses the number pattern on every call; a report page has dozens of these cells.
    """
    rounded = Decimal(str(value)).quantize(TENTH, rounding=ROUND_HALF_EVEN)
    return str(rounded).replace(".", get_decimal_symbol(get_locale()))


def whole_number(value: int | None) -> str:
    """A count with the page language's thousands separator: 10.000 in Bahasa Indonesia, 10,000 in English."""
    return "" if value is None else format_decimal(value, format=WHOLE)


def number(value: float | None) -> str:
    """A score or percent with at most one decimal (87,5 or 60); empty when absent."""
    return "" if value is None else format_decimal(round(value, 1), format=TENTHS)


def score(value: float | None) -> str:
    """A quiz score in a report cell, as the CSV writes it (87,5 or 60); a dash when absent."""
    return "–" if value is None else number(value)


def share(done: int, total: int) -> str:
    """done of total as a whole percentage in the page's language ("25%"); a dash when total is 0."""
    return format_percent(min(done, total) / total, format=WHOLE_PERCENT) if total else "–"
