"""The admin's audit page: what happened, told in sentences, newest first, filtered by who, what and when."""
from __future__ import annotations

from flask import Blueprint, render_template, request

from app.accounts import services
from app.accounts.access import role_required
from app.accounts.audit import ACTION_LABELS, AuditFilter, audit_actions, audit_entries, describe
from app.accounts.forms import ROLE_LABELS, AuditFilterForm
from app.accounts.models import Role
from app.edge import page_number
from app.extensions import db

bp = Blueprint("audit", __name__, url_prefix="/admin")
PER_PAGE = 50


@bp.get("/audit")
@role_required(Role.ADMIN)
def index():
    """List audit entries as sentences, paginated, filtered by actor, action and WITA dates."""
    form = AuditFilterForm(request.args)
    actions = audit_actions()
    form.tindakan.choices = [("", "")] + [(a, str(ACTION_LABELS.get(a, a))) for a in actions]
    form.validate()
    filters = AuditFilter(actor=(form.valid("pelaku") or "")[:100], action=(form.valid("tindakan") or "")[:40],
                          date_from=form.valid("dari"), date_to=form.valid("sampai"))
    page = db.paginate(audit_entries(filters), page=page_number(), per_page=PER_PAGE, error_out=False)
    regency_names = {r.id: r.name for r in services.list_regencies()}
    role_labels = {role: str(label) for role, label in ROLE_LABELS.items()}
    rows = [(entry, describe(entry, regency_names, role_labels)) for entry in page.items]
    return render_template("admin/audit.html", page=page, rows=rows, form=form,
                           actions=[(a, ACTION_LABELS.get(a, a)) for a in actions])
