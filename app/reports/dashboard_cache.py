"""Dashboard figures, and the HTML made from them, kept for a short while in the shared cache."""
from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from redis.exceptions import RedisError

from app.accounts.models import User
from app.extensions import cache, utcnow
from app.reports.dashboard import Dashboard, dashboard_figures
from app.reports.scope import scope_key

log = logging.getLogger(__name__)


def cached_dashboard(viewer: User, course_id: int | None = None, regency_id: int | None = None,
                     max_age: int = 60) -> Dashboard:
    """Dashboard figures from the short-lived cache, computed again when missing or max_age seconds old.

    The age is checked against computed_at too, so figures are never older than max_age whatever
    the cache backend keeps; the page shows computed_at, so nobody mistakes them for live figures.
    """
    now = utcnow()
    key = f"dasbor:{scope_key(viewer)}:{course_id or 0}:{regency_id or 0}"
    kept = _cache_get(key)
    if isinstance(kept, Dashboard) and timedelta(0) <= now - kept.computed_at < timedelta(seconds=max_age):
        return kept
    figures = dashboard_figures(viewer, course_id, regency_id, now)
    figures.cache_key = key
    _cache_set(key, figures, max_age)
    return figures


def cached_fragment(figures: Dashboard, variant: str, render: Callable[[], str], max_age: int = 60) -> str:
    """HTML rendered from these figures, kept exactly as long as the figures it shows.

    The key holds the figures' own key and the time they were computed, so new figures always
    get newly rendered HTML; `variant` holds whatever else the HTML depends on (the language).
    """
    key = f"{figures.cache_key}:html:{variant}:{figures.computed_at.isoformat()}"
    html = _cache_get(key) if figures.cache_key else None
    if not isinstance(html, str):
        html = render()
        if figures.cache_key:
            _cache_set(key, html, max_age)
    return html


# A shared cache (Redis) that is down must not take the dashboard with it: it is computed live.
def _cache_get(key: str) -> Any:
    try:
        return cache.get(key)
    except RedisError as error:
        log.warning("dashboard cache unreachable, computing live: %s", error)
        return None


def _cache_set(key: str, value: Any, timeout: int) -> None:
    try:
        cache.set(key, value, timeout=timeout)
    except RedisError as error:
        log.warning("dashboard cache unreachable, not kept: %s", error)
