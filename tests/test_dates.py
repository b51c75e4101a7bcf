"""Tests for date formatting: Indonesian on certificates, the interface's language on pages."""

from datetime import date, datetime, timedelta, timezone

from app.dates import BULAN, format_tanggal, format_waktu_wita, to_wita


def test_format_tanggal() -> None:
    assert format_tanggal(date(2026, 11, 26)) == "26 November 2026"
    assert format_tanggal(date(2027, 1, 1)) == "1 Januari 2027"
    assert format_tanggal(datetime(2026, 8, 17, 9, 0)) == "17 Agustus 2026"


def test_all_month_names() -> None:
    names = [format_tanggal(date(2026, month, 1)).split()[1] for month in range(1, 13)]
    assert names == list(BULAN)
    assert names[2] == "Maret" and names[4] == "Mei"


def test_format_waktu_wita() -> None:
    moment = datetime(2026, 11, 26, 12, 38, tzinfo=timezone.utc)
    assert format_waktu_wita(moment) == "26 November 2026, 20.38 WITA"


def test_wita_crosses_year_boundary() -> None:
    moment = datetime(2026, 12, 31, 16, 30, tzinfo=timezone.utc)
    assert format_waktu_wita(moment) == "1 Januari 2027, 00.30 WITA"


def test_other_timezone_input_is_converted() -> None:
    jakarta = timezone(timedelta(hours=7))
    assert format_waktu_wita(datetime(2026, 5, 1, 8, 5, tzinfo=jakarta)) == "1 Mei 2026, 09.05 WITA"


def test_naive_datetime_is_treated_as_utc() -> None:
    assert format_waktu_wita(datetime(2026, 12, 31, 16, 30)) == "1 Januari 2027, 00.30 WITA"
    assert to_wita(datetime(2026, 1, 1)).utcoffset() == timedelta(hours=8)


def test_page_filters_follow_the_interface_language(app) -> None:
    from flask import session
    from flask_babel import refresh

    from app.dates import tanggal_filter, waktu_filter

    moment = datetime(2026, 11, 26, 12, 38, tzinfo=timezone.utc)
    with app.test_request_context("/"):
        assert tanggal_filter(moment) == "26 November 2026"
        assert waktu_filter(moment) == "26 November 2026, 20.38 WITA"
        session["lang"] = "en"
        refresh()
        assert tanggal_filter(moment) == "November 26, 2026"
        assert tanggal_filter(date(2026, 5, 1)) == "May 1, 2026"
        assert waktu_filter(moment) == "November 26, 2026, 8:38\u202fPM WITA"  # CLDR puts a narrow space before PM
