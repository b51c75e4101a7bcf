"""Queries over the audit log, for the admin's audit page."""
from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from app.accounts.models import AuditEntry
from app.extensions import db


def audit_entries(action: str = "") -> Select:
    """A select of audit entries, newest first, optionally of one action, for pagination."""
    query = select(AuditEntry).options(selectinload(AuditEntry.actor)).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    if action:
        query = query.where(AuditEntry.action == action)
    return query


def audit_actions() -> list[str]:
    """Every action that occurs in the log, for the filter."""
    return list(db.session.scalars(select(AuditEntry.action).distinct().order_by(AuditEntry.action)))
