"""Page weight: bytes over the wire with gzip, requests a first visit makes, and hosts other than ours."""
from __future__ import annotations

import gzip
import re
from urllib.parse import urljoin, urlsplit

from tests.bench.client import Browser, Response, parse_html
from tests.bench.results import OK, Weight, error

LIMIT_BYTES = 30 * 1024
LIMIT_REQUESTS = 4
# Elements whose src/href the browser fetches while rendering (an <a href> is only a link).
LOADED = {("link", "href"), ("script", "src"), ("img", "src"), ("img", "srcset"), ("source", "src"),
          ("source", "srcset"), ("iframe", "src"), ("video", "src"), ("audio", "src"), ("embed", "src"),
          ("input", "src")}
LOADED_LINK_RELS = {"stylesheet", "icon", "shortcut", "apple-touch-icon", "preload", "manifest", "modulepreload"}
CSS_URL = re.compile(r"url\(\s*['\"]?([^'\")]+)['\"]?\s*\)|@import\s+['\"]([^'\"]+)['\"]")
MAIN = re.compile(r"<main\b[^>]*>(.*?)</main>", re.DOTALL | re.IGNORECASE)
TAGS = re.compile(r"<[^>]+>")


def wire_size(reply: Response) -> tuple[int, int, bool]:
    """(bytes over the wire incl. headers, body bytes, whether the app compressed it).

    When the app sends the body uncompressed, its gzip size (level 6, as nginx uses) is counted:
    what the page would weigh behind a compressing proxy.
    """
    headers = sum(len(f"{k}: {v}\r\n") for k, v in reply.headers.items()) + len("HTTP/1.1 200 OK\r\n\r\n")
    compressed = reply.headers.get("Content-Encoding", "").lower() == "gzip"
    body = len(reply.body) if compressed else len(gzip.compress(reply.body, compresslevel=6))
    return headers + body, len(reply.body), compressed


def weigh(browser: Browser, key: str, label: str, path: str) -> Weight:
    """Fetch a page and everything it loads, as a first visit with gzip accepted."""
    row = Weight(key, label)
    reply = browser.get(path, headers={"Accept-Encoding": "gzip"})
    if reply.status != 200:
        row.status = error(f"status {reply.status}")
        return row
    html = gzip.decompress(reply.body) if reply.headers.get("Content-Encoding") == "gzip" else reply.body
    row.wire_bytes, row.body_bytes, row.compressed_by_app = wire_size(reply)
    row.requests, row.resources = 1, [(path, row.wire_bytes)]
    parsed = parse_html(html.decode("utf-8", "replace"))
    row.scripts, row.inline_scripts = parsed.scripts, parsed.inline_scripts
    main = MAIN.search(html.decode("utf-8", "replace"))
    row.content_without_js = bool(main and TAGS.sub("", main.group(1)).strip())
    own_host = f"127.0.0.1:{browser.port}"
    for url in _loaded_urls(parsed.links, path):
        _fetch(browser, row, url, own_host)
    for _, attrs in parsed.links:
        target = urlsplit(urljoin(path, attrs.get("href", "")))
        row.external_links += bool(target.netloc) and target.netloc != own_host
    row.status = OK
    return row


def _loaded_urls(links: list[tuple[str, dict[str, str]]], page_path: str) -> list[str]:
    """The URLs a browser fetches for the page, each once, in document order."""
    urls: list[str] = []
    for tag, attrs in links:
        if tag == "link" and not LOADED_LINK_RELS & set(attrs.get("rel", "").lower().split()):
            continue
        for attr in ("href", "src", "srcset"):
            if (tag, attr) in LOADED and attrs.get(attr):
                for candidate in attrs[attr].split(",") if attr == "srcset" else [attrs[attr]]:
                    url = urljoin(page_path, candidate.strip().split(" ")[0])
                    if url not in urls and not url.startswith("data:"):
                        urls.append(url)
    return urls


def _fetch(browser: Browser, row: Weight, url: str, own_host: str) -> None:
    """Count one loaded resource; a stylesheet's own url()/@import references are followed too."""
    parts = urlsplit(url)
    if parts.netloc and parts.netloc != own_host:
        row.third_party.append(parts.netloc)
        row.requests += 1
        return
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    reply = browser.get(path, headers={"Accept-Encoding": "gzip"})
    wire, _, _ = wire_size(reply)
    row.requests += 1
    row.wire_bytes += wire
    row.resources.append((path, wire))
    if "css" in reply.headers.get("Content-Type", ""):
        css = gzip.decompress(reply.body) if reply.headers.get("Content-Encoding") == "gzip" else reply.body
        for match in CSS_URL.finditer(css.decode("utf-8", "replace")):
            nested = urljoin(path, match.group(1) or match.group(2))
            if not nested.startswith("data:") and nested not in (p for p, _ in row.resources):
                _fetch(browser, row, nested, own_host)


def meets(row: Weight) -> bool:
    """Within 30 KB and 4 requests, nothing from another host, content present without JavaScript."""
    return (row.status == OK and row.wire_bytes <= LIMIT_BYTES and row.requests <= LIMIT_REQUESTS
            and not row.third_party and row.content_without_js)
