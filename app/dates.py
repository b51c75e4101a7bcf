"""Indonesian date and time formatting helpers (WITA, Kalimantan Timur)."""

from datetime import date, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

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


def format_waktu_wita(dt_utc: datetime) -> str:
    """Format a UTC datetime in WITA as '26 November 2026, 20.38 WITA'."""
    local = to_wita(dt_utc)
    return f"{format_tanggal(local.date())}, {local:%H.%M} WITA"


def tanggal_filter(value: date | datetime | None) -> str:
    """Jinja filter: a date, or a UTC datetime shown as its date in WITA; empty for None."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = to_wita(value).date()
    return format_tanggal(value)


def waktu_filter(value: datetime | None) -> str:
    """Jinja filter: a UTC datetime shown as date and time in WITA; empty for None."""
    return "" if value is None else format_waktu_wita(value)


def init_app(app) -> None:
    """Register the |tanggal and |waktu filters."""
    app.jinja_env.filters["tanggal"] = tanggal_filter
    app.jinja_env.filters["waktu"] = waktu_filter
