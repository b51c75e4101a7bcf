"""Addresses that leave the site (certificate QR and verify link, reminders, emails, xAPI ids), built in one place."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, has_request_context, url_for


def external_url(endpoint: str, **values) -> str:
    """The absolute address of an endpoint for use outside the site, on PUBLIC_BASE_URL.

    Only debug and tests run without PUBLIC_BASE_URL (app/config.py refuses to start otherwise); there the
    request's own address is used. Outside a request (a CLI command, a background sender) the
    address is built on PUBLIC_BASE_URL, or on http://localhost when it is not set.
    """
    base = current_app.config.get("PUBLIC_BASE_URL", "").rstrip("/")
    if not has_request_context():
        return _build_outside_request(base or "http://localhost", endpoint, values)
    if base:
        return base + url_for(endpoint, **values)
    return url_for(endpoint, _external=True, **values)


def _build_outside_request(base: str, endpoint: str, values: dict) -> str:
    """An endpoint's address on base, without a request to take the host from."""
    parts = urlsplit(base)
    anchor = values.pop("_anchor", None)
    adapter = current_app.url_map.bind(parts.netloc, script_name=parts.path or "/", url_scheme=parts.scheme)
    url = adapter.build(endpoint, values, force_external=True)
    return f"{url}#{anchor}" if anchor else url
