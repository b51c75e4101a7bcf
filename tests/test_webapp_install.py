"""The installable web app: manifest, service worker script, offline page, and what every page loads for them."""
from __future__ import annotations

import re

from app.assets import IMMUTABLE
from app.security import CONTENT_SECURITY_POLICY

SERVICE_WORKER_LIMIT = 10 * 1024


def _head(client, path: str = "/masuk") -> str:
    return client.get(path).get_data(as_text=True).split("</head>")[0]


def test_every_page_links_the_manifest_and_one_deferred_script_from_the_site(client):
    head = _head(client)
    manifest = re.search(r'<link rel="manifest" href="(/manifest\.webmanifest\?v=[0-9a-f]{10})">', head).group(1)
    scripts = re.findall(r"<script\b[^>]*>", head)
    assert len(scripts) == 1
    assert re.search(r'src="/static/luring\.js\?v=[0-9a-f]{10}"', scripts[0]) and " defer" in scripts[0]
    assert 'data-sw="/sw.js"' in scripts[0] and 'data-user=""' in scripts[0]
    assert "<script>" not in client.get("/masuk").get_data(as_text=True)  # no inline script anywhere
    response = client.get(manifest)
    assert response.headers["Cache-Control"] == IMMUTABLE
    assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY


def test_manifest_names_the_app_its_icons_and_colour(client):
    manifest_url = re.search(r'rel="manifest" href="([^"]+)"', _head(client)).group(1)
    response = client.get(manifest_url)
    assert response.mimetype == "application/manifest+json"
    manifest = response.json
    assert manifest["name"] == "Kelas KIM" and manifest["display"] == "standalone"
    assert manifest["theme_color"] == "#0b5d3b" and manifest["start_url"] == "/kursus-saya"
    sizes = {icon["sizes"] for icon in manifest["icons"]}
    assert {"192x192", "512x512"} <= sizes
    for icon in manifest["icons"]:
        assert re.fullmatch(r"/static/icon[-\w]*\.(png|svg)\?v=[0-9a-f]{10}", icon["src"]), icon
        fetched = client.get(icon["src"])
        assert fetched.status_code == 200 and fetched.mimetype == icon["type"]
        assert fetched.headers["Cache-Control"] == IMMUTABLE
    assert client.get("/manifest.webmanifest?v=lama").headers["Cache-Control"] == "no-cache"


def test_service_worker_is_served_from_the_root_small_and_always_checked(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.headers["Cache-Control"] == "no-cache"  # a new version reaches browsers on their next visit
    assert len(response.data) <= SERVICE_WORKER_LIMIT
    assert b"http://" not in response.data and b"https://" not in response.data  # nothing from another host


def test_offline_page_says_the_page_needs_a_connection(client, make_user, login_as):
    page = client.get("/luring").get_data(as_text=True)
    assert "Halaman ini perlu koneksi" in page
    login_as(make_user())
    page = client.get("/luring").get_data(as_text=True)
    assert 'href="/kursus-saya"' in page and "data-luring-status" in page


def test_pages_say_whose_saved_copies_they_may_keep(client, make_user, login_as):
    trainee = make_user()
    login_as(trainee)
    assert f'data-user="{trainee.id}"' in _head(client, "/kursus-saya")
