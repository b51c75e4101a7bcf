"""The installable web app: its manifest, the service worker script, and the page shown offline."""
from __future__ import annotations

import hashlib
import json

from flask import Blueprint, current_app, make_response, render_template, request, send_from_directory, url_for
from flask_babel import get_locale, gettext as _

from app.assets import IMMUTABLE

bp = Blueprint("webapp", __name__)

THEME_COLOUR = "#0b5d3b"  # the header's green (static/style.css --brand)
SERVICE_WORKER = "sw.js"


def _manifest() -> dict:
    """The web app manifest: name, icons by content hash, colours, and where the installed app opens."""
    icon = lambda name, size, kind, purpose="any": {  # noqa: E731
        "src": url_for("static", filename=name), "sizes": size, "type": kind, "purpose": purpose}
    return {
        "name": "Kelas KIM", "short_name": "Kelas KIM", "lang": "id",
        "description": _("Kelas daring Diskominfo Provinsi Kalimantan Timur"),
        "start_url": url_for("learning.my_courses"), "scope": "/", "display": "standalone",
        "theme_color": THEME_COLOUR, "background_color": "#ffffff",
        "icons": [icon("icon-192.png", "192x192", "image/png"), icon("icon-512.png", "512x512", "image/png"),
                  icon("icon-512.png", "512x512", "image/png", "maskable"), icon("icon.svg", "any", "image/svg+xml")],
    }


def _manifest_body() -> tuple[bytes, str]:
    """The manifest's JSON and its hash, built once per language (every page links it)."""
    built = current_app.extensions.setdefault("webapp_manifest", {})
    locale = str(get_locale())
    if locale not in built:
        body = json.dumps(_manifest(), ensure_ascii=False, separators=(",", ":")).encode()
        built[locale] = (body, hashlib.sha256(body).hexdigest()[:10])
    return built[locale]


def manifest_url() -> str:
    """The manifest's address, with its hash: browsers keep it as long as it does not change."""
    return url_for("webapp.manifest", v=_manifest_body()[1])


@bp.get("/manifest.webmanifest")
def manifest():
    """The web app manifest (name, icons, theme colour) that makes Kelas KIM installable."""
    body, digest = _manifest_body()
    response = make_response(body)
    response.mimetype = "application/manifest+json"
    response.headers["Cache-Control"] = IMMUTABLE if request.args.get("v") == digest else "no-cache"
    return response


@bp.get("/sw.js")
def service_worker():
    """The service worker, served from the site's root so that it may look after every page."""
    response = send_from_directory(current_app.static_folder, SERVICE_WORKER, mimetype="text/javascript")
    # Browsers check for a new worker on each visit; no-cache makes that check a small 304.
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/luring")
def offline():
    """What a page that needs the server says when there is no connection (saved with a course)."""
    return render_template("webapp/offline.html")

