"""The one place where HTML is rendered from Markdown and cleaned (nh3)."""
from __future__ import annotations

from functools import lru_cache
from html.parser import HTMLParser

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


# A lesson names its course's files as berkas/<name>; the page gets each one's address on the site.
FILE_PREFIX = "berkas/"
Links = tuple[tuple[str, str], ...]  # (name, address) pairs: hashable, so a rendering can be cached


def _file_address(links: dict[str, str]):
    """An nh3 attribute filter that turns src/href="berkas/<name>" into the file's address on the site."""
    def resolve(tag: str, attribute: str, value: str) -> str:
        if attribute in ("src", "href") and value.startswith(FILE_PREFIX):
            return links.get(value[len(FILE_PREFIX):], value)
        return value
    return resolve


def clean_html(html: str, links: Links = ()) -> str:
    """Return the HTML with every tag, attribute and URL outside the allow-lists removed, course files resolved."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="noopener nofollow",
        strip_comments=True,
        clean_content_tags={"script", "style"},
        attribute_filter=_file_address(dict(links)) if links else None,
    )


# Rendering and cleaning a lesson costs milliseconds, and the same few hundred texts are shown over
# and over; the cache is keyed by the text and its file addresses, so an edited lesson or a replaced
# file is simply a new entry.
@lru_cache(maxsize=2048)
def render_markdown(text: str | None, links: Links = ()) -> Markup:
    """Render trainer-written Markdown to sanitised HTML that is safe to put on a page."""
    return Markup(clean_html(_markdown.render(text or ""), links))


@lru_cache(maxsize=8192)
def render_inline(text: str | None) -> Markup:
    """Render one line of Markdown (a question or choice) without a wrapping paragraph."""
    return Markup(clean_html(_markdown.renderInline(text or "")))


# Elements that end a paragraph of the rendered text; an image stands for its alt text.
_BLOCKS = frozenset({"p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "pre", "tr", "dt", "dd",
                     "figcaption", "caption", "hr", "br", "div", "table", "ul", "ol", "dl", "figure"})


class _TextOfHtml(HTMLParser):
    """Collects the text a reader sees, one string per paragraph, list item or table row."""

    def __init__(self, image_label: str) -> None:
        super().__init__(convert_charrefs=True)
        self.image_label = image_label
        self.paragraphs: list[str] = []
        self.images: list[tuple[str, str]] = []
        self._words: list[str] = []

    def _end_paragraph(self) -> None:
        text = " ".join("".join(self._words).split())
        if text:
            self.paragraphs.append(text)
        self._words = []

    def handle_starttag(self, tag, attrs) -> None:
        if tag in _BLOCKS:
            self._end_paragraph()
        if tag == "li":
            self._words.append("• ")
        elif tag == "img":
            found = dict(attrs)
            self.images.append((found.get("src") or "", (found.get("alt") or "").strip()))
            self._words.append(f" [{self.image_label}: {found.get('alt') or ''}] ")
        elif tag in ("td", "th") and "".join(self._words).strip():
            self._words.append(" | ")

    def handle_endtag(self, tag) -> None:
        if tag in _BLOCKS:
            self._end_paragraph()

    def handle_data(self, data) -> None:
        self._words.append(data)


def _read(text: str | None, image_label: str = "gambar") -> _TextOfHtml:
    parser = _TextOfHtml(image_label)
    parser.feed(str(render_markdown(text)))
    parser.close()
    parser._end_paragraph()
    return parser


def text_paragraphs(text: str | None, image_label: str = "gambar") -> list[str]:
    """The Markdown as a reader sees it once rendered: plain text, one string per paragraph or list item."""
    return _read(text, image_label).paragraphs


def images_in(text: str | None) -> list[tuple[str, str]]:
    """The (src, alt) of every image the Markdown shows once cleaned, in order, src as written."""
    return _read(text).images


def markdown_images(text: str | None) -> list[tuple[str, str]]:
    """The (src, alt) of the images written in Markdown syntax, ![alt](src), as opposed to raw HTML <img>."""
    found = []
    for token in _markdown.parse(text or ""):
        for child in token.children or ():
            if child.type == "image":
                found.append((str(child.attrGet("src") or ""), child.content.strip()))
    return found
