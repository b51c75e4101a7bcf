"""The one place where HTML is rendered from Markdown and cleaned (nh3)."""
from __future__ import annotations

from functools import lru_cache

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "code", "dd", "del", "div", "dl", "dt",
    "em", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins",
    "kbd", "li", "mark", "ol", "p", "pre", "q", "s", "small", "span", "strong", "sub", "sup",
    "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "img": {"src", "alt", "title", "width", "height"},
    "th": {"align", "scope", "colspan", "rowspan"},
    "td": {"align", "colspan", "rowspan"},
    "ol": {"start"},
    "code": {"class"},
}
# No data:, javascript: or other schemes: links and images only to the web or mail.
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}

# html=True lets trainers use simple tags in Markdown; nh3 removes everything unsafe afterwards.
_markdown = MarkdownIt("commonmark", {"html": True, "linkify": False}).enable("table").enable("strikethrough")


def clean_html(html: str) -> str:
    """Return the HTML with every tag, attribute and URL outside the allow-lists removed."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="noopener nofollow",
        strip_comments=True,
        clean_content_tags={"script", "style"},
    )


# Rendering and cleaning a lesson costs milliseconds, and the same few hundred texts are shown over
# and over; the cache is keyed by the text itself, so an edited lesson is simply a new entry.
@lru_cache(maxsize=2048)
def render_markdown(text: str | None) -> Markup:
    """Render trainer-written Markdown to sanitised HTML that is safe to put on a page."""
    return Markup(clean_html(_markdown.render(text or "")))


@lru_cache(maxsize=8192)
def render_inline(text: str | None) -> Markup:
    """Render one line of Markdown (a question or choice) without a wrapping paragraph."""
    return Markup(clean_html(_markdown.renderInline(text or "")))


def init_app(app) -> None:
    """Register the sanitiser as Jinja filters: |markdown and |markdown_inline."""
    app.jinja_env.filters["markdown"] = render_markdown
    app.jinja_env.filters["markdown_inline"] = render_inline
