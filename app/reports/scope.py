"""Whose records a viewer may report on: the scope of every report query, the name or NIP search, the filter choices."""
from __future__ import annotations

from sqlalchemy import Select, false, func, or_, select

from app.accounts.models import Regency, Role, User
from app.accounts.validators import normalise_nip
from app.catalog.models import Course
from app.extensions import db


def scoped(query: Select, viewer: User) -> Select:
    """Restrict a query joined with users to the regencies the viewer may see."""
    if viewer.sees_everyone():
        return query
    if viewer.role == Role.COORDINATOR:
        return query.where(User.regency_id == viewer.regency_id)
    return query.where(false())


def scope_key(viewer: User) -> str:
    """What decides which enrolments the viewer's figures count: everyone, one regency, or none (a cache key part)."""
    if viewer.sees_everyone():
        return "semua"
    return f"wilayah-{viewer.regency_id}" if viewer.role == Role.COORDINATOR else "tidak-ada"


def search_clause(search: str):
    """Match a name (any case) or a NIP typed with or without spaces and dots."""
    pattern = f"%{search.strip().lower()}%"
    clauses = [func.lower(User.full_name).like(pattern)]
    nip = normalise_nip(search)
    if nip and nip.isdigit():
        clauses.append(User.nip.like(f"%{nip}%"))
    return or_(*clauses)


def visible_regencies(viewer: User) -> list[Regency]:
    """The units the viewer may report on, the province first."""
    query = select(Regency).order_by(Regency.code)
    if not viewer.sees_everyone():
        query = query.where(Regency.id == (viewer.regency_id if viewer.role == Role.COORDINATOR else -1))
    return list(db.session.scalars(query))


def all_regencies() -> list[Regency]:
    """Every unit, the province first, for viewers who may see all of a course's trainees."""
    return list(db.session.scalars(select(Regency).order_by(Regency.code)))


def all_courses() -> list[Course]:
    """Every course, by title, for report filters (drafts too: they may have enrolments)."""
    return list(db.session.scalars(select(Course).order_by(Course.title, Course.id)))
