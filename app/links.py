"""Addresses that leave the site (certificate QR and verify link, reminders, emails), built in one place."""
from __future__ import annotations

from flask import current_app, url_for


def external_url(endpoint: str, **values) -> str:
    """The absolute address of an endpoint for use outside the site, on PUBLIC_BASE_URL.

    Only debug and tests run without PUBLIC_BASE_URL (app/config.py refuses to start otherwise); there the
    request's own address is used.
    """
    base = current_app.config.get("PUBLIC_BASE_URL", "").rstrip("/")
    if base:
        return base + url_for(endpoint, **values)
    return url_for(endpoint, _external=True, **values)
