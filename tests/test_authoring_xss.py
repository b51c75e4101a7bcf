"""Trainer-supplied text never reaches a page as executable markup (payloads: tests/xss_payloads.txt).

Every payload goes in through the authoring forms: as course and module titles, a course summary,
a lesson's title, body, objectives and sources, a question's text and explanation, and a choice's
text and feedback. Each one is wrapped in two marker words, so that a page parsed with html.parser
tells which elements came from trainer text: between the markers only harmless formatting may
appear. Anywhere on the page, no on* or style attribute, and no URL attribute that starts with
javascript:, data: or vbscript: once entities are decoded and whitespace removed; the one data: URL
allowed is the site's own favicon, inlined by the page template from static/favicon.svg.
"""
from __future__ import annotations

import re
from base64 import b64encode
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from sqlalchemy import select

from app.accounts.models import Role
from app.catalog.models import Course
from app.extensions import db

PAYLOADS = [line for line in (Path(__file__).parent / "xss_payloads.txt").read_text("utf-8").splitlines() if line.strip()]
START, END = "XSSMULAI", "XSSSELESAI"
DANGEROUS = {
    "script", "iframe", "object", "embed", "form", "meta", "style", "base", "link", "frame", "frameset", "applet",
    "svg", "math", "input", "textarea", "select", "button", "video", "audio", "source", "details", "marquee", "body",
    "html", "head", "title", "noscript", "template", "xmp", "plaintext", "isindex", "param",
}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "background", "poster", "dynsrc",
                  "lowsrc", "srcdoc", "content", "srcset", "ping", "codebase", "cite", "longdesc", "manifest"}
BAD_SCHEMES = ("javascript:", "data:", "vbscript:")
STATIC = Path(__file__).parent.parent / "static"
OWN_FAVICON = ("link", "href", "data:image/svg+xml;base64," + b64encode((STATIC / "favicon.svg").read_bytes()).decode())
TITLE_MAX = 200


VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr"}


class PageScan(HTMLParser):
    """Finds executable markup in a page, and any element that trainer text produced.

    Trainer text starts at the START marker and ends at the END marker, or where its container
    closes: the sanitiser rightly drops everything after an unclosed <script>, END included.
    """

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[str] = []
        self.region: int | None = None  # the depth below which trainer text has ended
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        if self.region is not None and tag in DANGEROUS:
            self.problems.append(f"<{tag}> from trainer text")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=...>")
            elif name == "style":
                self.problems.append(f"<{tag} style=...>")
            elif name in URL_ATTRIBUTES and value and (tag, name, value) != OWN_FAVICON:
                # Browsers ignore whitespace and control characters inside a URL's scheme.
                squeezed = re.sub(r"[\x00-\x20]+", "", value).lower()
                if squeezed.startswith(BAD_SCHEMES) or re.search(r"url=['\"]?(javascript|data|vbscript):", squeezed):
                    self.problems.append(f"<{tag} {name}={value!r}>")
        if tag not in VOID:
            self.open.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID and self.open and self.open[-1] == tag:
            self.open.pop()

    def handle_endtag(self, tag):
        if tag in self.open:
            while self.open.pop() != tag:
                pass
        if self.region is not None and len(self.open) < self.region:
            self.region = None

    def handle_data(self, data):
        for match in re.finditer(f"{START}|{END}", data):
            if match.group() == END:
                self.region = None
            else:
                # A marker alone in its paragraph starts a Markdown block: the text lasts until the parent closes.
                alone = data.strip() == START and self.open and self.open[-1] == "p"
                self.region = len(self.open) - 1 if alone else len(self.open)


def unsafe(html: str) -> list[str]:
    """What in the page could run, or came from trainer text as an element that should not."""
    scanner = PageScan()
    scanner.feed(html)
    scanner.close()
    return scanner.problems


def test_scanner_catches_what_it_must():
    assert unsafe(f'<p>{START}<img src=" j&#x61;va&#x09;script:alert(1)">{END}</p>')
    assert unsafe("<p onclick=1>x</p>")
    assert unsafe("<svg><a xlink:href='data:text/html,1'>x</a></svg>")
    assert unsafe('<meta http-equiv="refresh" content="0;url=javascript:alert(1)">')
    assert unsafe(f"<div><p>{START}</p><form method=post></form></div>")
    assert unsafe(f"<div><p>{START}</p><p><b>{END}</b><iframe></iframe></p></div>") == []
    assert not unsafe(f"<div><p>{START}</p></div><form method=post></form>")
    assert not unsafe(f"<li>{START} x<br><img src=x> y</li><li><form method=post></form></li>")
    assert unsafe(f"<p>{START}<script>x</script>{END}</p>")
    assert not unsafe(f'<form method="post"><p>{START} <a href="https://kelaskim.example">x</a> &lt;script&gt; {END}</p></form>')


def test_payload_corpus_is_big_and_varied():
    assert len(PAYLOADS) >= 50
    text = "\n".join(PAYLOADS).lower()
    for style in ("<script", "<scr<script>ipt>", "onerror", "onload", "javascript:", "data:", "&#x09;", "\t", "<iframe",
                  "<form", "<style", "refresh", "](javascript:", "![", "<math", "<svg", "<!--", "cdata", '">', "vbscript:",
                  "<base", "<object", "<embed"):
        assert style in text, style


def inline(payload: str, limit: int = 0) -> str:
    """A one-line field: the payload between the markers (cut to the field's length)."""
    if limit:
        payload = payload[: limit - len(START) - len(END) - 2]
    return f"{START} {payload} {END}"


def block(payload: str) -> str:
    """A Markdown field: the payload on its own lines, so that it may start an HTML block."""
    return f"{START}\n\n{payload}\n\n{END}"


def lesson_form(payload: str, slug: str, **extra) -> dict:
    """The lesson form with the payload in every text field."""
    return {"title": inline(payload, TITLE_MAX), "slug": slug, "minutes": "5", "objectives": inline(payload),
            "sources": inline(payload), "body": block(payload), **extra}


def question_form(payload: str) -> dict:
    """A single-choice question with the payload in its text, explanation, a choice and feedback."""
    return {"type": "single", "text": block(payload), "explanation": block(payload), "points": "1",
            "choices-0-text": inline(payload), "choices-0-correct": "y", "choices-0-feedback": inline(payload),
            "choices-1-text": "Pilihan lain", "choices-1-feedback": inline(payload)}


COURSE_FORM = {"title": "Kursus Uji", "slug": "kursus-uji", "summary": "Ringkasan.", "audience": "Peserta.",
               "hours": "1", "sources": "Sumber."}
# The payloads are spread over a few courses: every save re-reads its course, so one course holding them
# all would make each save slower than the last. Every payload still goes into every field.
COURSES = 3


@dataclass
class Authored:
    """One course of the test, its quiz, and the payloads its lessons and questions hold (in order)."""

    course: Course
    quiz: object
    payloads: list[str]


def _new_course(client, slug: str) -> Authored:
    """A course with a lessons module and a quiz module, made through the forms."""
    assert client.post("/kelola/kursus/baru", data={**COURSE_FORM, "slug": slug}).status_code == 302
    course = db.session.scalar(select(Course).where(Course.slug == slug))
    client.post(f"/kelola/kursus/{course.id}/modul/baru", data={"title": "Pelajaran", "slug": "pelajaran"})
    client.post(f"/kelola/kursus/{course.id}/modul/baru", data={"title": "Kuis", "slug": "kuis"})
    quiz_module = course.modules[1]
    client.post(f"/kelola/modul/{quiz_module.id}/kuis/baru", data={"title": "Kuis Uji", "pass_mark": "50", "max_attempts": ""})
    return Authored(course, quiz_module.quiz, [])


def author_everything(client) -> list[Authored]:
    """Published, non-sequential courses filled with every payload through the authoring forms."""
    authored = [_new_course(client, f"kursus-uji-{i}") for i in range(COURSES)]
    for number, payload in enumerate(PAYLOADS):
        target = authored[number % COURSES]
        course, lessons_module = target.course, target.course.modules[0]
        target.payloads.append(payload)
        forms = [
            (f"/kelola/modul/{lessons_module.id}/pelajaran/baru", lesson_form(payload, f"p-{number}", submit="1")),
            (f"/kelola/kuis/{target.quiz.id}/soal/baru", question_form(payload)),
            ("/kelola/kursus/baru", {**COURSE_FORM, "title": inline(payload, TITLE_MAX), "slug": f"k-{number}",
                                     "summary": block(payload), "audience": inline(payload)}),
        ]
        if number % 3 == 0:  # module titles are escaped like course titles: a sample is enough
            forms.append((f"/kelola/kursus/{course.id}/modul/baru", {"title": inline(payload, TITLE_MAX), "slug": f"m-{number}"}))
        for url, data in forms:
            response = client.post(url, data=data)
            assert response.status_code == 302, (url, payload, response.get_data(as_text=True)[-2000:])
    first = authored[0].course
    course_form = {**COURSE_FORM, "slug": first.slug, "title": inline(PAYLOADS[0], TITLE_MAX), "summary": block(PAYLOADS[1])}
    assert client.post(f"/kelola/kursus/{first.id}/ubah", data=course_form).status_code == 302
    for target in authored:
        client.post(f"/kelola/kursus/{target.course.id}/terbitkan-semua")
    db.session.expire_all()
    for target in authored:
        assert len(target.quiz.questions) == len(target.payloads) == len(target.course.modules[0].lessons)
    assert sum(len(target.payloads) for target in authored) == len(PAYLOADS)
    return authored


def check(client, url: str, failures: list, data: dict | None = None) -> str:
    """GET (or POST data to) a page and note anything unsafe on it."""
    response = client.post(url, data=data) if data is not None else client.get(url)
    assert response.status_code == 200, url
    html = response.get_data(as_text=True)
    assert START in html, url
    problems = unsafe(html)
    if problems:
        failures.append((url, problems[:5]))
    return html


def check_authoring_pages(client, authored: list[Authored], failures: list) -> None:
    """Lists, forms, the lesson preview, history, revisions, item analysis and the import preview."""
    check(client, "/kelola/", failures)
    for url in ("ubah", "riwayat"):  # the first course's own fields were edited to hold payloads
        check(client, f"/kelola/kursus/{authored[0].course.id}/{url}", failures)
    for target in authored:
        course, quiz = target.course, target.quiz
        for url in (f"/kelola/kursus/{course.id}", f"/kelola/kuis/{quiz.id}", f"/kelola/kuis/{quiz.id}/analisis"):
            check(client, url, failures)
        lessons = course.modules[0].lessons
        # "Pratinjau" re-renders the lesson form with the body through the sanitiser below it.
        for number, (lesson, payload) in enumerate(zip(lessons, target.payloads)):
            html = check(client, f"/kelola/pelajaran/{lesson.id}", failures, lesson_form(payload, f"p-{number}", preview="1"))
            assert "Pratinjau (belum disimpan)" in html
        for question in quiz.questions[::5]:
            check(client, f"/kelola/soal/{question.id}", failures)
        for lesson in lessons[::5]:
            history = check(client, f"/kelola/pelajaran/{lesson.id}/riwayat", failures)
            check(client, re.search(r'href="(/kelola/revisi/\d+)"', history).group(1), failures)
    aiken = "\n\n".join(f"{inline(payload)}\nA. {inline(payload)}\nB. Tidak\nANSWER: A" for payload in PAYLOADS)
    html = check(client, f"/kelola/kuis/{authored[0].quiz.id}/impor", failures, {"format": "aiken", "text": aiken})
    assert f"{len(PAYLOADS)} soal terbaca, 0 masalah" in html


def check_learning_pages(trainee, authored: list[Authored], failures: list) -> None:
    """The catalogue, each course page, every lesson page, and each quiz, its attempt and its result."""
    for target in authored:
        assert trainee.post(f"/kursus/{target.course.slug}/daftar").status_code == 302
    for url in ("/kursus", "/kursus-saya"):
        check(trainee, url, failures)
    for target in authored:
        course, quiz = target.course, target.quiz
        check(trainee, f"/kursus/{course.slug}", failures)
        module = course.modules[0]
        for lesson in module.lessons:
            check(trainee, f"/kursus/{course.slug}/{module.slug}/{lesson.slug}", failures)
        response = trainee.post(f"/kuis/{quiz.id}/mulai")
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        take_url = response.headers["Location"]
        check(trainee, take_url, failures)
        answers = {f"q-{question.id}": str(question.choices[0].id) for question in quiz.questions}
        result = trainee.post(f"{take_url}/kirim", data=answers)
        assert result.status_code == 302
        check(trainee, result.headers["Location"], failures)


def test_no_payload_survives_on_any_page(client, app, make_user, login_as):
    login_as(make_user(Role.TRAINER, "64"))
    authored = author_everything(client)
    failures: list = []
    check_authoring_pages(client, authored, failures)
    check(client, "/kursus", failures)  # the trainer's catalogue lists their draft courses too
    trainee = app.test_client()
    login_as(make_user(Role.TRAINEE), the_client=trainee)
    check_learning_pages(trainee, authored, failures)
    assert failures == []
