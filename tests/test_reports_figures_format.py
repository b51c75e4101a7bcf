"""Percentages on the report pages: one decimal, the page language's decimal sign, as Babel rounds them."""
from __future__ import annotations

import pytest
from flask_babel import force_locale, format_decimal

from app.formatting import percent

VALUES = [0.0, 0.05, 0.15, 12.25, 33.333333, 66.66666666666667, 99.95, 100.0, 57.142857142857146]


@pytest.mark.parametrize("language", ["id", "en"])
def test_percent_matches_babel_decimal_format(app, language):
    with app.test_request_context("/"), force_locale(language):
        assert [percent(v) for v in VALUES] == [format_decimal(v, "0.0") for v in VALUES]


def test_percent_uses_a_comma_in_indonesian(app):
    with app.test_request_context("/"):
        assert percent(66.66666666666667) == "66,7"
        assert percent(100.0) == "100,0"
