"""Coordinator reports: regency dashboard, rosters, exports, reminders and bulk enrolment."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

from flask import (Blueprint, Response, abort, current_app, flash, redirect, render_template, request,
                   stream_with_context, url_for)
from flask_babel import get_locale, gettext as _
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy.exc import IntegrityError

from app.accounts import services as accounts
from app.accounts.invitations import activation_email, invitation
from app.accounts.access import ensure, role_required
from app.accounts.forms import ACCOUNT_STATUS_LABELS
from app.accounts.models import Role, User
from app.catalog.models import Course
from app.dates import to_wita
from app.edge import page_number
from app.extensions import db, utcnow
from app.links import external_url
from app.mail import MailError, mail_configured, send
from app.main import safe_next
from app.progress.status import STATUS_LABELS
from app.reports import gradebook, imports
from app.reports.charts import bar_chart
from app.reports.cells import roster_table, summary_rows, text_cells, write_by_regency_xlsx, write_roster_xlsx
from app.reports.dashboard import Dashboard, Figures
from app.reports.dashboard_cache import cached_dashboard, cached_fragment
from app.reports.paging import paginate_rows
from app.reports.people import person_report, regency_trainees
from app.reports.reminders import enrollment_to_remind, record_reminder, stalled_page
from app.reports.roster import iter_records, roster_select
from app.reports.roster_pages import roster_page
from app.reports.scope import all_courses, all_regencies, visible_regencies
from app.reports.forms import (DashboardFilterForm, GradebookFilterForm, ImportUploadForm, InvitationSendForm,
                               ReminderForm, RosterFilterForm, StalledFilterForm, TraineeImportConfirmForm)
from app.reports.spreadsheets import iter_csv, iter_file_chunks
from app.reports.tables import TableError, read_table

bp = Blueprint("reports", __name__)
REPORTERS = (Role.COORDINATOR, Role.ADMIN)
PER_PAGE = 50
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# ?pemisah= of the CSV download: (cell separator, decimal mark). "titik-koma" is what Excel under
# Indonesian regional settings opens straight into columns.
CSV_SEPARATORS = {"koma": (",", "."), "titik-koma": (";", ",")}


# --------------------------------------------------------------------------- helpers


def _authorised_regency_arg() -> None:
    """Refuse a ?wilayah= naming a unit the viewer may not see (403), before any filtering."""
    code = request.args.get("wilayah", "").strip()
    regency = accounts.regency_by_code(code) if code else None
    if regency is not None:
        ensure(current_user.can_see_regency(regency.id))


def _roster_form() -> RosterFilterForm:
    _authorised_regency_arg()
    form = RosterFilterForm(request.args, courses=all_courses(),
                            regencies=visible_regencies(current_user))
    form.validate()
    return form


def _chart(points: list, title: str):
    return bar_chart([(f"{start.day}/{start.month}", count) for start, count in points], title)


def _as_of(figures: Dashboard) -> dict:
    """When the shown figures were computed (HH.MM WITA) and how often they are renewed, for the page."""
    return {"time": f"{to_wita(figures.computed_at):%H.%M}", "seconds": current_app.config["DASHBOARD_CACHE_SECONDS"]}


def course_url(slug: str) -> str:
    """The public address of a course page, for reminder messages sent outside the site."""
    return external_url("learning.course", slug=slug)


def _download_name(extension: str, course_slug: str = "") -> str:
    """peserta-kelaskim-20261207-1430.csv, or nilai-<course>-20261207-1430.csv for a course view."""
    stem = f"nilai-{course_slug}" if course_slug else "peserta-kelaskim"
    return f"{stem}-{to_wita(utcnow()):%Y%m%d-%H%M}.{extension}"


def _uploads() -> Path:
    return Path(current_app.instance_path) / "uploads"


# --------------------------------------------------------------------------- dashboard and drill-down


@bp.get("/")
@role_required(*REPORTERS)
def dashboard():
    """Figures per regency and per course, and completions per week; a regency coordinator sees their own."""
    if not current_user.sees_everyone():
        return regency(current_user.regency.code)
    courses = all_courses()
    form = DashboardFilterForm(request.args, courses=courses)
    form.validate()
    course = form.course()
    max_age = current_app.config["DASHBOARD_CACHE_SECONDS"]
    figures = cached_dashboard(current_user, course_id=course.id if course else None, max_age=max_age)
    # The tables and the chart change only when the figures do: rendered once per computation.
    figures_html = cached_fragment(figures, str(get_locale()), lambda: render_template(
        "reports/_dashboard_figures.html", course=course, courses=courses, empty=Figures(),
        regencies=visible_regencies(current_user), by_regency=figures.by_regency,
        by_course=figures.by_course, total=figures.total, as_of=_as_of(figures),
        chart=_chart(figures.weekly, _("Penyelesaian kursus per minggu")),
    ), max_age)
    return render_template("reports/dashboard.html", form=form, course=course, total=figures.total,
                           as_of=_as_of(figures), figures_html=Markup(figures_html))


@bp.get("/wilayah/<code>")
@role_required(*REPORTERS)
def regency(code: str):
    """One regency: figures per course, completions per week and its trainees."""
    unit = accounts.regency_by_code(code) or abort(404)
    ensure(current_user.can_see_regency(unit.id))
    figures = cached_dashboard(current_user, regency_id=unit.id, max_age=current_app.config["DASHBOARD_CACHE_SECONDS"])
    return render_template(
        "reports/regency.html", unit=unit, courses=all_courses(), empty=Figures(),
        by_course=figures.by_course, total=figures.total, as_of=_as_of(figures),
        chart=_chart(figures.weekly, _("Penyelesaian kursus per minggu")),
        page=regency_trainees(unit.id, page_number(), PER_PAGE),
    )


@bp.get("/peserta/<int:user_id>")
@role_required(*REPORTERS)
def person(user_id: int):
    """One trainee: enrolments, lessons done, quiz attempts and certificates."""
    user = db.session.get(User, user_id) or abort(404)
    ensure(current_user.can_see_regency(user.regency_id))
    return render_template("reports/person.html", report=person_report(current_user, user),
                           status_labels=_translated(STATUS_LABELS))


# --------------------------------------------------------------------------- roster and exports


@bp.get("/peserta")
@role_required(*REPORTERS)
def roster():
    """One row per trainee per course, filtered, searchable and paginated; the exports match it."""
    form = _roster_form()
    order, descending = form.order()
    page = roster_page(current_user, form.to_filter(), page_number(), PER_PAGE, order, descending)
    # Labels and the lessons count's wording are translated once per page, not once per row.
    return render_template("reports/roster.html", form=form, page=page, order=order, descending=descending,
                           status_labels=_translated(STATUS_LABELS), account_labels=_translated(ACCOUNT_STATUS_LABELS),
                           lessons_of=_("%(done)d/%(total)d pelajaran"))


def _translated(labels: dict) -> dict[str, str]:
    """Lazy labels as text in the page's language, for a table that repeats them on every row."""
    return {key: str(label) for key, label in labels.items()}


@bp.get("/peserta.csv")
@role_required(*REPORTERS)
def roster_csv():
    """The filtered roster as CSV (UTF-8 with BOM), streamed row batch by row batch; comma or semicolon separated."""
    form = _roster_form()
    if form.errors:
        return redirect(url_for("reports.roster", **request.args))
    filters = form.to_filter()
    query = roster_select(current_user, filters)
    accounts.record("roster_exported", current_user, target=filters.describe(), ip=request.remote_addr,
                    format="csv", filters=filters.as_dict())
    db.session.commit()
    return _csv_download(*roster_table(iter_records(query)), _download_name("csv"))


@bp.get("/peserta.xlsx")
@role_required(*REPORTERS)
def roster_xlsx():
    """The filtered roster as an Excel workbook: a summary sheet and a sheet per regency."""
    form = _roster_form()
    if form.errors:
        return redirect(url_for("reports.roster", **request.args))
    filters = form.to_filter()
    download = _xlsx_download(lambda path: write_roster_xlsx(path, current_user, filters), _download_name("xlsx"))
    accounts.record("roster_exported", current_user, target=filters.describe(), ip=request.remote_addr,
                    format="xlsx", filters=filters.as_dict())
    db.session.commit()
    return download


def _csv_download(headers: list[str], rows, name: str) -> Response:
    """Typed cells streamed as CSV, comma or (?pemisah=titik-koma, for Indonesian Excel) semicolon separated."""
    delimiter, decimal = CSV_SEPARATORS.get(request.args.get("pemisah", ""), CSV_SEPARATORS["koma"])
    body = iter_csv(headers, (text_cells(cells, decimal) for cells in rows), delimiter=delimiter)
    return Response(stream_with_context(body), mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _xlsx_download(write, name: str) -> Response:
    """A workbook written by write(path) to a temporary file, then streamed from it."""
    handle, path = tempfile.mkstemp(prefix="kelaskim-", suffix=".xlsx")
    os.close(handle)
    try:
        write(path)
    except Exception:
        os.unlink(path)
        raise
    return Response(iter_file_chunks(path), mimetype=XLSX_MIMETYPE,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


# --------------------------------------------------------------------------- course view (gradebook)

GRADEBOOK_VIEWERS = (Role.TRAINER, Role.COORDINATOR, Role.ADMIN)


def _gradebook(course_id: int):
    """The course (404), the viewer checked (403), its quizzes and the filter form."""
    course = db.session.get(Course, course_id) or abort(404)
    ensure(gradebook.may_view(current_user, course))
    if course.can_edit(current_user):  # the course's trainers see its trainees of every regency
        units = all_regencies()
    else:
        _authorised_regency_arg()
        units = visible_regencies(current_user)
    form = GradebookFilterForm(request.args, regencies=units)
    form.validate()
    return course, gradebook.course_quizzes(course.id), form


@bp.get("/kursus/<int:course_id>/nilai")
@role_required(*GRADEBOOK_VIEWERS)
def gradebook_page(course_id: int):
    """Enrolled trainees by regency: lessons done, each quiz's best score and attempts, last activity, status."""
    course, quizzes, form = _gradebook(course_id)
    query = gradebook.gradebook_select(current_user, course, quizzes, form.to_filter())
    page = paginate_rows(query, page_number(), PER_PAGE)
    page.items = list(gradebook.gradebook_rows(quizzes, page.items))
    return render_template("reports/gradebook.html", course=course, quizzes=quizzes, form=form, page=page,
                           total=gradebook.lessons_total(course.id), status_labels=_translated(STATUS_LABELS))


@bp.get("/kursus/<int:course_id>/nilai.<any(csv, xlsx):extension>")
@role_required(*GRADEBOOK_VIEWERS)
def gradebook_export(course_id: int, extension: str):
    """The filtered course view with the roster's writers: CSV, or a workbook of a summary and a sheet per regency."""
    course, quizzes, form = _gradebook(course_id)
    if form.errors:
        return redirect(url_for("reports.gradebook_page", course_id=course.id, **request.args))
    filters = form.to_filter()
    query = gradebook.gradebook_select(current_user, course, quizzes, filters)
    table = gradebook.gradebook_table(quizzes, gradebook.lessons_total(course.id),
                                      gradebook.gradebook_rows(quizzes, iter_records(query)))
    if extension == "csv":
        download = _csv_download(*table, _download_name("csv", course.slug))
    else:
        download = _xlsx_download(lambda path: write_by_regency_xlsx(path, summary_rows(query), *table),
                                  _download_name("xlsx", course.slug))
    accounts.record("gradebook_exported", current_user, target=course.slug, ip=request.remote_addr,
                    format=extension, filters={k: v for k, v in vars(filters).items() if v})
    db.session.commit()
    return download


# --------------------------------------------------------------------------- reminders


@bp.get("/perlu-diingatkan")
@role_required(*REPORTERS)
def stalled():
    """Trainees who have not started or have been idle for N days, with a message ready to send."""
    _authorised_regency_arg()
    form = StalledFilterForm(request.args, courses=all_courses(),
                             regencies=visible_regencies(current_user))
    form.validate()
    course, unit = form.course(), form.regency()
    page = stalled_page(
        current_user, form.days(), page_number(), PER_PAGE, course_url,
        regency_id=unit.id if unit else None, course_id=course.id if course else None,
        not_reminded_days=form.not_reminded_days(),
    )
    return render_template("reports/stalled.html", form=form, page=page, days=form.days(),
                           status_labels=_translated(STATUS_LABELS), remind_form=ReminderForm(next=request.full_path))


@bp.post("/perlu-diingatkan/<int:enrollment_id>/diingatkan")
@role_required(*REPORTERS)
def remind(enrollment_id: int):
    """Record that the trainee of this enrolment was reminded now, by the current coordinator."""
    enrollment = enrollment_to_remind(enrollment_id) or abort(404)
    ensure(current_user.can_see_regency(enrollment.user.regency_id))
    form = ReminderForm()
    if not form.validate_on_submit():
        abort(400)
    last = record_reminder(enrollment, current_user)
    db.session.commit()
    # The copy and WhatsApp buttons record in the background and show the new line in place.
    if request.accept_mimetypes.best == "application/json":
        return {"html": render_template("reports/_last_reminder.html", last=last)}
    flash(_("Pengingat untuk %(name)s dicatat.", name=enrollment.user.full_name), "success")
    return redirect(safe_next(form.next.data) or url_for("reports.stalled"))


# --------------------------------------------------------------------------- import


def _import_page(form: ImportUploadForm, **context):
    return render_template("reports/import.html", form=form, columns=imports.COLUMN_HINTS, **context)


@bp.route("/impor", methods=["GET", "POST"])
@role_required(*REPORTERS)
def import_upload():
    """Upload a CSV or Excel file, check every row and show what importing it would do."""
    form = ImportUploadForm()
    if not form.validate_on_submit():
        return _import_page(form)
    upload = form.berkas.data
    data = upload.read()
    try:
        table = read_table(data, upload.filename or "")
    except TableError as error:
        form.berkas.errors.append(error.message)
        return _import_page(form)
    plan = imports.check_table(table, current_user)
    token = imports.save_upload(_uploads(), current_user.id, data, upload.filename) if plan.ok else ""
    return render_template("reports/import_preview.html", plan=plan, filename=upload.filename,
                           confirm=TraineeImportConfirmForm(token=token))


@bp.post("/impor/konfirmasi")
@role_required(*REPORTERS)
def import_confirm():
    """Import a checked file: every row is checked again, then all of it is written, or nothing."""
    form = TraineeImportConfirmForm()
    valid = form.validate_on_submit()
    kept = imports.load_upload(_uploads(), current_user.id, form.token.data or "") if valid else None
    if kept is None:
        flash(_("Berkas yang diperiksa tidak ditemukan atau sudah diimpor. Unggah lagi."), "error")
        return redirect(url_for("reports.import_upload"))
    data, filename = kept
    plan = imports.check_table(read_table(data, filename), current_user)
    if not plan.ok:
        return render_template("reports/import_preview.html", plan=plan, filename="",
                               confirm=TraineeImportConfirmForm(token=""))
    try:
        result = imports.apply_plan(plan, current_user)
        entry = accounts.record("users_imported", current_user, target=f"{len(plan.rows)} baris",
                                ip=request.remote_addr, created=result.created, updated=result.updated,
                                enrolled=result.enrolled, account_ids=result.new_user_ids)
        db.session.commit()
    except IntegrityError:  # a double click: the other request wrote the same accounts first
        db.session.rollback()
        flash(_("Berkas ini baru saja diimpor oleh permintaan lain (klik ganda); tidak ada yang ditulis dua kali."),
              "info")
        return redirect(url_for("reports.roster"))
    imports.delete_upload(_uploads(), current_user.id, form.token.data)
    flash(_("Impor selesai: %(c)d akun baru, %(u)d akun diperbarui, %(e)d pendaftaran kursus.",
            c=result.created, u=result.updated, e=result.enrolled), "success")
    if not result.new_user_ids:
        return redirect(url_for("reports.roster"))
    return redirect(url_for("reports.activations", impor=entry.id))


@bp.get("/impor/templat.<fmt>")
@role_required(*REPORTERS)
def import_template(fmt: str):
    """The empty import template, as CSV or Excel."""
    if fmt == "csv":
        return Response(imports.template_csv(), mimetype="text/csv; charset=utf-8",
                        headers={"Content-Disposition": 'attachment; filename="templat-impor-peserta.csv"'})
    if fmt == "xlsx":
        return Response(imports.template_xlsx(), mimetype=XLSX_MIMETYPE,
                        headers={"Content-Disposition": 'attachment; filename="templat-impor-peserta.xlsx"'})
    abort(404)


# --------------------------------------------------------------------------- activation links


def _invited_ids() -> list[int] | None:
    """The accounts of one import (?impor=<entry>) when asked for; 404 for an import that is not the viewer's."""
    entry_id = request.values.get("impor", type=int)
    if entry_id is None:
        return None
    return accounts.import_batch(entry_id, current_user) or abort(404)


@bp.get("/aktivasi")
@role_required(*REPORTERS)
def activations():
    """Accounts waiting for activation: each link to copy, send by email or WhatsApp; one import or all."""
    ids = _invited_ids()
    page = db.paginate(accounts.pending_activations(current_user, ids), per_page=PER_PAGE, error_out=False)
    return render_template("reports/activations.html", page=page, items=[invitation(u) for u in page.items],
                           batch=request.args.get("impor", type=int), mail_ready=mail_configured(),
                           form=InvitationSendForm())


@bp.get("/aktivasi.csv")
@role_required(*REPORTERS)
def activations_csv():
    """Every pending activation the viewer may hand out (a regency coordinator: their regency), with links."""
    query = accounts.pending_activations(current_user, _invited_ids())
    headers = [_("Nama lengkap"), _("Email"), _("No. HP"), _("Wilayah"), _("Tautan aktivasi"),
               _("Berlaku sampai (WITA)"), _("Tautan WhatsApp")]
    accounts.record("activations_exported", current_user, target="csv", ip=request.remote_addr)
    db.session.commit()
    rows = ([u.full_name, u.email, u.phone or "", u.regency.name, item.link,
             f"{to_wita(item.expires_at):%Y-%m-%d %H:%M}", item.whatsapp]
            for u in db.session.scalars(query) for item in (invitation(u),))
    return Response(stream_with_context(iter_csv(headers, rows)), mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="aktivasi-tertunda.csv"'})


@bp.post("/aktivasi/kirim")
@role_required(*REPORTERS)
def send_activations():
    """Email activation links: to one account (user_id), or to every pending account of the list."""
    form = InvitationSendForm()
    ids = _invited_ids()
    if not form.validate_on_submit():
        abort(400)
    if form.user_id.data:
        user = db.session.get(User, int(form.user_id.data) if form.user_id.data.isdigit() else 0) or abort(404)
        ensure(current_user.can_invite(user) and user.awaiting_activation)
        ids = [user.id]
    users = list(db.session.scalars(accounts.pending_activations(current_user, ids)))
    try:
        sent = send([activation_email(invitation(u)) for u in users])
    except MailError:
        flash(_("Server email tidak dapat dihubungi atau menolak pesan; tidak ada email yang terkirim. Coba lagi "
                "nanti, atau salin tautannya."), "error")
        return redirect(url_for("reports.activations", impor=request.values.get("impor", type=int)))
    accounts.record("activation_sent", current_user, target=users[0].email if len(users) == 1 else f"{len(users)} akun",
                    ip=request.remote_addr, count=sent)
    db.session.commit()
    if sent:
        flash(_("%(n)d email aktivasi terkirim.", n=sent), "success")
    else:
        flash(_("Email belum diatur di server ini (MAIL_SERVER), jadi tidak ada email yang terkirim. Salin tautannya "
                "atau kirim lewat WhatsApp."), "error")
    return redirect(url_for("reports.activations", impor=request.values.get("impor", type=int)))
