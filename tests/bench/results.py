"""The figures a bench run collects, one dataclass per kind of measurement."""
from __future__ import annotations

from dataclasses import dataclass, field

OK = "ok"
NOT_BUILT = "belum dibangun"
SKIPPED = "dilewati"


def error(message: str) -> str:
    """A status for a measurement that could not be made."""
    return f"galat: {message}"


@dataclass
class Throughput:
    """One page under wrk: requests/s and latency."""

    key: str
    label: str
    account: str
    path: str = ""
    status: str = OK
    rps: float | None = None
    p50_ms: float | None = None
    p99_ms: float | None = None
    requests: int = 0
    errors: int = 0
    note: str = ""


@dataclass
class Flow:
    """Clients going through the quiz (grading path under wrk, burst in Python): rate, latency and errors."""

    label: str
    status: str = OK
    attempts: int = 0
    completed: int = 0
    graded: int | None = None  # attempts the database shows as graded, where the flow counts them
    errors: int = 0
    seconds: float = 0.0
    rps: float | None = None
    p50_ms: float | None = None
    p99_ms: float | None = None
    steps: dict[str, tuple[float, float]] = field(default_factory=dict)
    error_samples: list[str] = field(default_factory=list)
    note: str = ""


@dataclass
class Export:
    """One roster download: time, first byte, worker memory, and the bare query beside it."""

    fmt: str
    path: str
    status: str = OK
    rows: int | None = None
    size_bytes: int = 0
    total_s: float | None = None
    first_byte_s: float | None = None
    rss_idle_mb: float | None = None
    peak_mb: float | None = None
    growth_mb: float | None = None
    floor_s: float | None = None
    floor_rows: int | None = None
    floor_source: str = ""
    trainees: int = 0
    note: str = ""


@dataclass
class Weight:
    """What a page costs a phone: bytes over the wire, requests, and hosts it loads from."""

    key: str
    label: str
    status: str = OK
    wire_bytes: int = 0
    body_bytes: int = 0
    requests: int = 0
    compressed_by_app: bool = False
    third_party: list[str] = field(default_factory=list)
    external_links: int = 0
    scripts: int = 0
    inline_scripts: int = 0
    content_without_js: bool = False
    resources: list[tuple[str, int]] = field(default_factory=list)
