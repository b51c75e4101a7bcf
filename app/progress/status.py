"""An enrolment's status, the one rule behind the trainee pages and every report: in Python and as SQL.

selesai once the course is completed, berjalan after any lesson or quiz attempt, else belum_mulai.
The stored codes are Indonesian words; what users see is STATUS_LABELS (reports) or the learner page's own wording.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import case, or_

from app.progress.models import Enrollment

NOT_STARTED = "belum_mulai"
IN_PROGRESS = "berjalan"
COMPLETED = "selesai"
STATUSES = (NOT_STARTED, IN_PROGRESS, COMPLETED)

# As the reports, their filters and exports name them.
STATUS_LABELS = {NOT_STARTED: _l("Belum mulai"), IN_PROGRESS: _l("Berjalan"), COMPLETED: _l("Selesai")}


def status_of(enrollment: Enrollment) -> str:
    """An enrolment's status: selesai once completed, berjalan after any lesson or attempt, else belum_mulai."""
    if enrollment.completed_at is not None:
        return COMPLETED
    if enrollment.lessons_completed or enrollment.last_activity_at is not None:
        return IN_PROGRESS
    return NOT_STARTED


def status_expression():
    """The same rule as status_of(), as SQL over the enrolment's own columns (one scan, no lookup per row)."""
    return case(
        (Enrollment.completed_at.is_not(None), COMPLETED),
        (or_(Enrollment.lessons_completed > 0, Enrollment.last_activity_at.is_not(None)), IN_PROGRESS),
        else_=NOT_STARTED,
    )
