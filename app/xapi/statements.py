"""xAPI 1.0.3 statements of Kelas KIM's learning events: verbs, activities, actor, result and context."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from flask import current_app

from app.links import external_url

VERSION = "1.0.3"
PLATFORM = "Kelas KIM"
CONTENT_LANGUAGE = "id-ID"


@dataclass(frozen=True)
class Verb:
    """A verb of the ADL or Tin Can registries with its display in Indonesian and English."""

    name: str
    iri: str
    indonesian: str
    english: str

    def as_json(self) -> dict[str, Any]:
        """The statement's verb object."""
        return {"id": self.iri, "display": {"id-ID": self.indonesian, "en-US": self.english}}


# Display names are part of the statement (a language map for any LRS's screens), not of this
# site's pages: both languages are written here, whatever the page's language was.
REGISTERED = Verb("registered", "http://adlnet.gov/expapi/verbs/registered", "mendaftar", "registered")
COMPLETED = Verb("completed", "http://adlnet.gov/expapi/verbs/completed", "menyelesaikan", "completed")
ATTEMPTED = Verb("attempted", "http://adlnet.gov/expapi/verbs/attempted", "mencoba", "attempted")
PASSED = Verb("passed", "http://adlnet.gov/expapi/verbs/passed", "lulus", "passed")
FAILED = Verb("failed", "http://adlnet.gov/expapi/verbs/failed", "tidak lulus", "failed")
EARNED = Verb("earned", "http://id.tincanapi.com/verb/earned", "memperoleh", "earned")

COURSE_TYPE = "http://adlnet.gov/expapi/activities/course"
MODULE_TYPE = "http://adlnet.gov/expapi/activities/module"
LESSON_TYPE = "http://adlnet.gov/expapi/activities/lesson"
ASSESSMENT_TYPE = "http://adlnet.gov/expapi/activities/assessment"
CERTIFICATE_TYPE = "http://id.tincanapi.com/activitytype/certificate"


def timestamp(moment: datetime) -> str:
    """An ISO 8601 UTC timestamp with milliseconds, as LRSs store them."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def duration(seconds: float) -> str:
    """An ISO 8601 duration such as PT95.5S."""
    return f"PT{max(0.0, round(seconds, 2)):g}S"


def actor(user: Any) -> dict[str, Any]:
    """The trainee as an account on this site; by email (mbox) only when XAPI_ACTOR_EMAIL is set."""
    if current_app.config.get("XAPI_ACTOR_EMAIL"):
        return {"objectType": "Agent", "name": user.full_name, "mbox": f"mailto:{user.email}"}
    return {"objectType": "Agent", "account": {"homePage": external_url("main.index"), "name": str(user.id)}}


def activity(iri: str, kind: str, title: str) -> dict[str, Any]:
    """An activity object: its id on this site, its type and its title (the courses are in Indonesian)."""
    return {"objectType": "Activity", "id": iri, "definition": {"type": kind, "name": {CONTENT_LANGUAGE: title}}}


def course_activity(course: Any) -> dict[str, Any]:
    """A course (Course or CourseView) as an activity."""
    return activity(external_url("learning.course", slug=course.slug), COURSE_TYPE, course.title)


def module_activity(course: Any, module: Any) -> dict[str, Any]:
    """A module as an activity: its place on the course page."""
    iri = external_url("learning.course", slug=course.slug, _anchor=f"modul-{module.slug}")
    return activity(iri, MODULE_TYPE, module.title)


def lesson_activity(course: Any, module: Any, lesson: Any) -> dict[str, Any]:
    """A lesson as an activity: its page."""
    iri = external_url("learning.lesson", slug=course.slug, module_slug=module.slug, lesson_slug=lesson.slug)
    return activity(iri, LESSON_TYPE, lesson.title)


def quiz_activity(quiz: Any) -> dict[str, Any]:
    """A quiz as an assessment activity: its landing page."""
    return activity(external_url("quizzes.overview", quiz_id=quiz.id), ASSESSMENT_TYPE, quiz.title)


def certificate_activity(certificate: Any, course: Any) -> dict[str, Any]:
    """A certificate as an activity: its public verification page."""
    return activity(external_url("learning.verify", code=certificate.code), CERTIFICATE_TYPE,
                    f"Sertifikat {course.title}")


def context(*parents: dict[str, Any], grouping: dict[str, Any] | None = None) -> dict[str, Any]:
    """The statement's context: platform, language, and the course (and module) it belongs to."""
    found: dict[str, Any] = {"platform": PLATFORM, "language": CONTENT_LANGUAGE}
    activities: dict[str, Any] = {}
    if parents:
        activities["parent"] = list(parents)
    if grouping is not None:
        activities["grouping"] = [grouping]
    if activities:
        found["contextActivities"] = activities
    return found


def statement(user: Any, verb: Verb, target: dict[str, Any], at: datetime, *,
              result: dict[str, Any] | None = None, in_context: dict[str, Any] | None = None) -> dict[str, Any]:
    """A complete statement with a fresh UUID, made once at the event and never rebuilt."""
    built: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "actor": actor(user),
        "verb": verb.as_json(),
        "object": target,
        "timestamp": timestamp(at),
        "context": in_context or context(),
        "version": VERSION,
    }
    if result is not None:
        built["result"] = result
    return built


def quiz_result(attempt: Any) -> dict[str, Any]:
    """Score (raw, min, max and scaled 0..1), pass or fail, and the time taken of a graded attempt."""
    max_score = float(attempt.max_score or 0)
    raw = float(attempt.score or 0)
    found: dict[str, Any] = {
        "score": {"raw": round(raw, 4), "min": 0, "max": round(max_score, 4),
                  "scaled": round(raw / max_score, 4) if max_score else 0},
        "success": bool(attempt.passed),
        "completion": True,
    }
    if attempt.started_at and attempt.submitted_at:
        found["duration"] = duration((attempt.submitted_at - attempt.started_at).total_seconds())
    return found
