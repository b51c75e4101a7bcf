"""Date and time formatting in WITA (Kalimantan Timur): the page filters in the interface's language, the certificate in Indonesian."""

from datetime import date, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask_babel import format_date, format_time

# Month names are hard-coded instead of using locale.setlocale(): the process
# locale is global, not thread-safe and often missing id_ID on servers.
BULAN = (
    "Januari", "Februari", "Maret", "April", "Mei", "Juni",
    "Juli", "Agustus", "September", "Oktober", "November", "Desember",
)


def _wita_zone() -> tzinfo:
    """Return the Asia/Makassar zone, or a fixed UTC+8 when tzdata is absent."""
    try:
        return ZoneInfo("Asia/Makassar")
    except ZoneInfoNotFoundError:
        # WITA has no daylight saving, so a fixed offset is exact; this keeps
        # Windows hosts without the tzdata package working.
        return timezone(timedelta(hours=8), "WITA")


WITA = _wita_zone()


def format_tanggal(d: date) -> str:
    """Format a date as '26 November 2026'."""
    return f"{d.day} {BULAN[d.month - 1]} {d.year}"


def to_wita(dt_utc: datetime) -> datetime:
    """Convert a UTC datetime to WITA; naive values are taken to be UTC."""
    if dt_utc.tzinfo is None:
        # SQLite drops tzinfo on round-trip; the app stores UTC, so a naive
        # value is UTC rather than server-local time.
        dt_utc = dt_utc.replace(tzinfo=timezone.utc)
    return dt_utc.astimezone(WITA)


def wita_midnight(day: date) -> datetime:
    """The UTC instant at which a WITA calendar day starts."""
    return datetime.combine(day, datetime.min.time(), tzinfo=WITA).astimezone(timezone.utc)


def format_waktu_wita(dt_utc: datetime) -> str:
    """Format a UTC datetime in WITA as '26 November 2026, 20.38 WITA'."""
    local = to_wita(dt_utc)
    return f"{format_tanggal(local.date())}, {local:%H.%M} WITA"


def tanggal_filter(value: date | datetime | None) -> str:
    """Jinja filter: a date, or a UTC datetime shown as its date in WITA, in the interface's language; empty for None.

    '26 November 2026' in Bahasa Indonesia, 'November 26, 2026' in English (Babel's long date).
    """
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = to_wita(value).date()
    return format_date(value, format="long")


def waktu_filter(value: datetime | None) -> str:
    """Jinja filter: a UTC datetime as date and time in WITA: '26 November 2026, 20.38 WITA' or 'November 26, 2026, 8:38 PM WITA'."""
    if value is None:
        return ""
    local = to_wita(value)
    # The time is already in WITA: Babel must not convert it again.
    return f"{format_date(local.date(), format='long')}, {format_time(local.replace(tzinfo=None).time(), format='short')} WITA"
