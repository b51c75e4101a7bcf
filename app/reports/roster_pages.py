"""A page of the roster in the export order, cut from the regencies' own rows so that no query sorts the province."""
from __future__ import annotations

import math

from sqlalchemy import func, select, union_all

from app.accounts.models import User
from app.catalog.models import Course
from app.extensions import db
from app.progress.models import Enrollment
from app.reports.paging import Page, paginate_rows
from app.reports.roster import DEFAULT_ORDER, RosterFilter, filtered, roster_keys, roster_select
from app.reports.scope import scoped, visible_regencies


def roster_page(viewer: User, filters: RosterFilter, page: int, per_page: int, order: str = DEFAULT_ORDER,
                descending: bool = False) -> Page:
    """A page of the roster: the rows the exports would contain, in the same order (three queries).

    The roster is ordered by regency code first, so a page is cut from the units taken in code
    order, using the number of rows of each unit; within a unit the name index gives the order,
    so no query sorts the rows of the whole province. Another order (a sorted column) is one
    count and one sorted page of the whole filtered roster.
    """
    if order != DEFAULT_ORDER or descending:
        return paginate_rows(roster_select(viewer, filters, order=order, descending=descending), page, per_page)
    counts = _unit_counts(viewer, filters)
    total = sum(counts.values())
    page = max(1, min(page, max(1, math.ceil(total / per_page))))
    units = [unit.id for unit in visible_regencies(viewer)]
    segments = page_segments(counts, units, (page - 1) * per_page, per_page)
    ids = _segment_ids(viewer, filters, segments)
    items = list(db.session.execute(roster_select(viewer, filters).where(Enrollment.id.in_(ids)))) if ids else []
    return Page(items=items, page=page, per_page=per_page, total=total)


def _unit_counts(viewer: User, filters: RosterFilter) -> dict[int, int]:
    """The number of roster rows per regency id."""
    query = (select(User.regency_id, func.count(Enrollment.id)).select_from(Enrollment)
             .join(User, User.id == Enrollment.user_id).group_by(User.regency_id))
    return dict(db.session.execute(filtered(scoped(query, viewer), filters)).all())


def page_segments(counts: dict[int, int], units: list[int], skip: int, limit: int) -> list[tuple[int, int, int]]:
    """(unit, offset, limit) of each unit that the rows skip .. skip + limit fall in, in unit order."""
    segments = []
    for unit in units:
        rows = counts.get(unit, 0)
        if skip >= rows:
            skip -= rows
            continue
        take = min(limit, rows - skip)
        segments.append((unit, skip, take))
        skip, limit = 0, limit - take
        if not limit:
            break
    return segments


def _segment_ids(viewer: User, filters: RosterFilter, segments: list[tuple[int, int, int]]) -> list[int]:
    """Enrolment ids of the page: each unit's slice read in name order, the slices joined (one query).

    The ids come back in no particular order: the page's rows are read and ordered by roster_select.
    """
    parts = []
    for unit, offset, count in segments:
        part = (roster_keys(viewer, filters, Enrollment.id.label("id"))
                .where(User.regency_id == unit).order_by(User.full_name, User.id, Course.slug)
                .limit(count).offset(offset).subquery())
        parts.append(select(part))
    if not parts:
        return []
    rows = union_all(*parts).subquery()
    return list(db.session.scalars(select(rows.c.id)))
