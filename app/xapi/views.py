"""The coordinators' and admins' view of the statement outbox, and its JSON-lines download."""
from __future__ import annotations

from flask import Blueprint, Response, current_app, render_template, request, stream_with_context
from flask_login import current_user

from app.accounts import services as accounts
from app.accounts.access import ensure, role_required
from app.accounts.models import Regency, Role
from app.dates import to_wita
from app.extensions import db, utcnow
from app.xapi import services

bp = Blueprint("xapi", __name__)
VIEWERS = (Role.COORDINATOR, Role.ADMIN)


def _chosen_regency() -> Regency | None:
    """The ?wilayah= unit, refused (403) when the viewer may not see it; a regency coordinator always has their own."""
    if not current_user.sees_everyone():
        return current_user.regency
    code = request.args.get("wilayah", "").strip()
    regency = accounts.regency_by_code(code) if code else None
    if regency is not None:
        ensure(current_user.can_see_regency(regency.id))
    return regency


@bp.get("/")
@role_required(*VIEWERS)
def overview():
    """How many statements wait for the LRS and how many it has, with the download links."""
    regency = _chosen_regency()
    counts = services.outbox_counts(current_user, regency.id if regency else None)
    regencies = accounts.list_regencies() if current_user.sees_everyone() else [current_user.regency]
    return render_template("xapi/overview.html", counts=counts, regency=regency, regencies=regencies,
                           endpoint=bool(current_app.config.get("XAPI_ENDPOINT")))


@bp.get("/pernyataan.jsonl")
@role_required(*VIEWERS)
def export():
    """The statements of the viewer's people as JSON lines (one statement per line), streamed."""
    regency = _chosen_regency()
    pending_only = request.args.get("menunggu") == "1"
    accounts.record("xapi_exported", current_user, target=regency.code if regency else "semua",
                    ip=request.remote_addr, pending_only=pending_only)
    db.session.commit()
    lines = services.export_lines(current_user, regency.id if regency else None, pending_only)
    name = f"xapi-kelaskim-{regency.code if regency else 'semua'}-{to_wita(utcnow()):%Y%m%d-%H%M}.jsonl"
    return Response(stream_with_context(line.encode("utf-8") for line in lines), mimetype="application/x-ndjson",
                    headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "private, no-store"})
