"""Reading a course offline: which lessons and images a browser saves, and the key that tells a saved copy is stale."""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from app.catalog.outline import CourseView, LessonView
from app.progress.services import CourseProgress, visible_lessons, visible_modules
from app.sanitize import Links, render_markdown

# Images a lesson shows from this site (the CSP allows no other host); the sanitiser writes src="...".
_OWN_IMAGE = re.compile(r'<img\b[^>]*?\bsrc="(/(?!/)[^"]*)"')


@dataclass(frozen=True)
class SavedCourse:
    """What "Simpan untuk dibaca luring" downloads: the lessons the trainee may open now, and their images."""

    lessons: list[LessonView]
    images: list[str]


def content_version(course: CourseView) -> str:
    """The version of the course's content, which moves with every change to its modules, lessons or quizzes."""
    # Counted up by the services on every such change (app/catalog/versions.py).
    return f"{course.id}.{course.content_version}"


def saved_course(course: CourseView, progress: CourseProgress, links: Links = ()) -> SavedCourse:
    """The published lessons of the modules open to the trainee, in course order, and the images they show.

    `links` are the addresses of the course's files, as the lesson page resolves them (berkas/<name>).
    """
    lessons = [lesson for module in visible_modules(course) if progress.is_open(module)
               for lesson in visible_lessons(module)]
    images = list(dict.fromkeys(src for lesson in lessons
                                for src in _OWN_IMAGE.findall(render_markdown(lesson.body_md, links))))
    return SavedCourse(lessons, images)


def cache_key(course: CourseView, progress: CourseProgress, *context: str) -> str:
    """A short key for a saved copy: it changes with the content version, the modules open to the trainee,
    and the context given (the interface language, the stylesheet's hash), and only then."""
    open_modules = sorted(module.id for module in course.modules if progress.is_open(module))
    parts = [content_version(course), ",".join(map(str, open_modules)), *context]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:12]
