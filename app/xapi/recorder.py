"""Receivers of the learning events (app/events.py, and the quiz engine's attempt signals): each adds its statement to the outbox.

They run inside the transaction of the action that sent the event, so a statement exists exactly
when its event was committed, and nothing here reaches the network.
"""
from __future__ import annotations

from typing import Any

from flask import Flask

from app.extensions import db, utcnow
from app.xapi import statements as xs
from app.xapi.models import XapiStatement


def queue_statement(user: Any, verb: xs.Verb, built: dict[str, Any]) -> XapiStatement:
    """Put a statement in the outbox (flush is left to the action's transaction)."""
    row = XapiStatement(statement_id=built["id"], user_id=user.id, verb=verb.name, statement=built)
    db.session.add(row)
    return row


def on_enrolled(_app: Flask, *, user: Any, course: Any, at: Any = None) -> None:
    """Enrolled in a course: 'registered'."""
    target = xs.course_activity(course)
    queue_statement(user, xs.REGISTERED, xs.statement(user, xs.REGISTERED, target, at or utcnow()))


def on_lesson_completed(_app: Flask, *, user: Any, lesson: Any, at: Any = None) -> None:
    """A lesson completed: 'completed', in its module and course."""
    module = lesson.module
    course = module.course
    target = xs.lesson_activity(course, module, lesson)
    in_context = xs.context(xs.module_activity(course, module), grouping=xs.course_activity(course))
    queue_statement(user, xs.COMPLETED, xs.statement(user, xs.COMPLETED, target, at or utcnow(), in_context=in_context))


def _quiz_context(attempt: Any) -> dict[str, Any]:
    module = attempt.quiz.module
    return xs.context(xs.module_activity(module.course, module), grouping=xs.course_activity(module.course))


def on_attempt_started(attempt: Any, *, user: Any) -> None:
    """The quiz engine's attempt_started: 'attempted'."""
    target = xs.quiz_activity(attempt.quiz)
    moment = attempt.started_at or utcnow()
    queue_statement(user, xs.ATTEMPTED, xs.statement(user, xs.ATTEMPTED, target, moment, in_context=_quiz_context(attempt)))


def on_attempt_graded(attempt: Any) -> None:
    """The quiz engine's attempt_graded: 'passed' or 'failed', with the score."""
    user = attempt.user
    verb = xs.PASSED if attempt.passed else xs.FAILED
    built = xs.statement(user, verb, xs.quiz_activity(attempt.quiz), attempt.submitted_at or utcnow(),
                         result=xs.quiz_result(attempt), in_context=_quiz_context(attempt))
    queue_statement(user, verb, built)


def on_course_completed(_app: Flask, *, user: Any, course: Any, at: Any = None) -> None:
    """Every module of a course complete: 'completed' on the course."""
    built = xs.statement(user, xs.COMPLETED, xs.course_activity(course), at or utcnow(),
                         result={"completion": True})
    queue_statement(user, xs.COMPLETED, built)


def on_certificate_issued(_app: Flask, *, user: Any, course: Any, certificate: Any) -> None:
    """A certificate issued: 'earned', in the course."""
    target = xs.certificate_activity(certificate, course)
    moment = certificate.issued_at or utcnow()
    queue_statement(user, xs.EARNED, xs.statement(user, xs.EARNED, target, moment,
                                         in_context=xs.context(xs.course_activity(course))))

