"""Static files by content hash: kept a year by the browser, never revalidated, renamed when they change."""
from __future__ import annotations

import re

from app.assets import IMMUTABLE, StaticDigests


def _stylesheet_url(client) -> str:
    page = client.get("/masuk").get_data(as_text=True)
    return re.search(r'<link rel="stylesheet" href="(/static/style\.css\?v=[0-9a-f]{10})">', page).group(1)


def test_stylesheet_is_addressed_by_its_hash_and_kept_for_a_year(client):
    response = client.get(_stylesheet_url(client))
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == IMMUTABLE
    # A changing session cookie must not make the browser fetch the stylesheet again.
    assert "Vary" not in response.headers and "Set-Cookie" not in response.headers


def test_an_old_or_missing_hash_is_revalidated(client):
    for url in ("/static/style.css?v=0123456789", "/static/style.css"):
        response = client.get(url)
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "no-cache"


def test_the_favicon_costs_no_request(client):
    page = client.get("/masuk").get_data(as_text=True)
    assert re.search(r'<link rel="icon" href="data:image/svg\+xml;base64,[A-Za-z0-9+/=]+"', page)


def test_a_changed_file_gets_a_new_hash(tmp_path):
    asset = tmp_path / "a.css"
    asset.write_text("body { color: red; }")
    digests = StaticDigests(str(tmp_path))
    first = digests.digest("a.css")
    assert digests.digest("a.css") == first
    asset.write_text("body { color: blue; } /* longer */")
    assert digests.digest("a.css") != first
    assert digests.digest("missing.css") is None
