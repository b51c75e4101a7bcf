"""Trainee pages: catalogue, my courses, lessons, completion and certificates."""
from __future__ import annotations

from collections.abc import Mapping

from flask import Blueprint, abort, current_app, flash, jsonify, make_response, redirect, render_template, request, url_for
from flask_babel import get_locale, gettext as _
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError

from app.accounts.access import ensure, role_required
from app.accounts.models import Role
from app.catalog import services as catalog_services
from app.catalog.models import Status
from app.catalog.outline import CourseView, LessonView, ModuleView, QuizView
from app.extensions import db, utcnow
from app.progress import certificates, offline, services
from app.progress.certificate_pdf import FontMissing, render_certificate
from app.progress.forms import EnrollForm, LessonCompleteForm, OfflineCompletionForm, ReissueForm, RevokeForm
from app.sanitize import Links

bp = Blueprint("learning", __name__)

def quiz_url(quiz: QuizView) -> str:
    """The quiz's landing page."""
    return url_for("quizzes.overview", quiz_id=quiz.id)


def lesson_url(lesson: LessonView) -> str:
    """The address of a lesson page."""
    module = lesson.module
    return url_for("learning.lesson", slug=module.course.slug, module_slug=module.slug, lesson_slug=lesson.slug)


def step_url(step: services.Step) -> str:
    """Where a "Lanjutkan" link goes: the lesson or the quiz."""
    return lesson_url(step) if isinstance(step, LessonView) else quiz_url(step)


def step_label(step: services.Step) -> str:
    """The title of a lesson, or "Kuis: ..." for a quiz."""
    return step.title if isinstance(step, LessonView) else _("Kuis: %(title)s", title=step.title)


def offline_key(course: CourseView, progress: services.CourseProgress) -> str:
    """The key of the trainee's saved copy of the course as it should be now (see app/progress/offline.py)."""
    return offline.cache_key(course, progress, str(get_locale()), url_for("static", filename="style.css"),
                             url_for("static", filename="luring.js"))


# How much of a file's SHA-256 its address carries: enough that a changed file never shares an address.
DIGEST_LENGTH = 16


def course_file_links(slug: str, files: Mapping[str, str]) -> Links:
    """(name, address) of each file of a course, from its name -> SHA-256 map, for |markdown(links)."""
    return tuple((name, url_for("learning.course_file", slug=slug, digest=sha[:DIGEST_LENGTH], name=name))
                 for name, sha in sorted(files.items()))


@bp.context_processor
def learning_helpers():
    """Link builders for the learning templates."""
    return {"quiz_url": quiz_url, "lesson_url": lesson_url, "step_url": step_url, "step_label": step_label,
            "offline_key": offline_key, "course_file_links": course_file_links}


def updating_page(course: CourseView, part: str = "course"):
    """Stop here: for a trainee enrolled in the course, the "sedang diperbarui" page with their progress; else 404.

    A trainer may take a course, module or lesson back to draft while trainees are in it: they
    keep their place in "Kursus saya" and are told why the page is not there, rather than "not found".
    `part` ("course", "module" or "lesson") names what is being updated; a draft's title is not shown.
    """
    progress = services.course_progress(current_user, course)
    if progress.enrollment is None:
        abort(404)
    abort(make_response(render_template(
        "learning/updating.html", course=course, part=part if course.is_published else "course", enrollment=progress.enrollment,
        steps=services.course_steps(course, progress))))


def _viewable_course(slug: str) -> CourseView:
    """The course by slug; 404 when it does not exist, the updating page when it is a draft the user may not preview."""
    course = services.course_outline_by_slug(slug) or abort(404)
    if not services.can_view(current_user, course):
        updating_page(course)
    return course


def _viewable_lesson(slug: str, module_slug: str, lesson_slug: str) -> tuple[CourseView, ModuleView, LessonView, bool]:
    """The course, module and lesson, and whether the user previews them as an editor; 404 or updating if hidden."""
    course = _viewable_course(slug)
    found = services.find_lesson(course, module_slug, lesson_slug) or abort(404)
    module, lesson = found
    preview = services.can_preview(current_user, course)
    if not preview and Status.DRAFT in (module.status, lesson.status):
        updating_page(course, "module" if module.status == Status.DRAFT else "lesson")
    return course, module, lesson, preview


def _locked(course: CourseView, reason: str | None):
    """The page refusing a locked module, with the reason."""
    return render_template("learning/locked.html", course=course, reason=reason), 403


@bp.get("/kursus")
@login_required
def catalog():
    """Published courses, and the drafts an editor may preview."""
    courses = services.catalog(current_user)
    return render_template(
        "learning/catalog.html", courses=courses, sizes=services.course_sizes(c.id for c in courses),
        enrolled=services.enrolled_course_ids(current_user.id),
    )


@bp.get("/kursus/<slug>")
@login_required
def course(slug: str):
    """A course: summary, audience, hours, sources, and its modules with locks and progress."""
    course = _viewable_course(slug)
    preview = services.can_preview(current_user, course)
    progress = services.course_progress(current_user, course)
    resume = services.resume_step(course, progress) if progress.enrollment else None
    finished = progress.enrollment is not None and progress.enrollment.completed_at is not None
    return render_template(
        "learning/course.html", course=course, preview=preview, progress=progress, resume=resume,
        outline=services.visible_outline(course, preview), steps=services.course_steps(course, progress),
        certificate=certificates.for_user(current_user.id).get(course.id) if finished else None, form=EnrollForm(),
        minutes=_("%(n)d menit"),  # translated once, shown on every lesson
    )


@bp.post("/kursus/<slug>/daftar")
@login_required
def enroll(slug: str):
    """Enrol the current user in the course (again is harmless)."""
    course = _viewable_course(slug)
    if EnrollForm().validate_on_submit():
        try:
            services.enroll(current_user, course)
            db.session.commit()
        except services.LearningError as error:
            flash(str(error), "error")
        except IntegrityError:  # a double click: the first request enrolled already
            db.session.rollback()
        else:
            flash(_("Anda terdaftar di kursus %(title)s. Selamat belajar!", title=course.title), "success")
    return redirect(url_for("learning.course", slug=course.slug))


@bp.get("/kursus-saya")
@login_required
def my_courses():
    """The user's courses with progress, a link to continue, and certificates."""
    return render_template("learning/my_courses.html", rows=services.my_courses(current_user))


@bp.get("/kursus/<slug>/<module_slug>/<lesson_slug>")
@login_required
def lesson(slug: str, module_slug: str, lesson_slug: str):
    """A lesson page; a locked module's lessons are refused with the reason (403)."""
    course, module, lesson, preview = _viewable_lesson(slug, module_slug, lesson_slug)
    progress = services.course_progress(current_user, course)
    if not preview and not progress.is_open(module):
        return _locked(course, progress.reasons.get(module.id))
    previous, following = services.neighbours(course, lesson, preview)
    lessons = services.visible_lessons(module, preview)
    return render_template(
        "learning/lesson.html", course=course, module=module, lesson=lesson, preview=preview, progress=progress,
        previous=previous, following=following, last_in_module=lessons[-1].id == lesson.id,
        can_complete=progress.is_open(module) and lesson.status == Status.PUBLISHED, form=LessonCompleteForm(),
    )


@bp.post("/kursus/<slug>/<module_slug>/<lesson_slug>/selesai")
@login_required
def complete_lesson(slug: str, module_slug: str, lesson_slug: str):
    """Mark the lesson complete, then go on to the next unfinished step."""
    course, module, lesson, _preview = _viewable_lesson(slug, module_slug, lesson_slug)
    progress = services.course_progress(current_user, course)
    if not progress.is_open(module) or lesson.status != Status.PUBLISHED:
        return _locked(course, progress.reasons.get(module.id) or _("Pelajaran ini belum diterbitkan."))
    if not LessonCompleteForm().validate_on_submit():
        return redirect(lesson_url(lesson))
    try:
        result = services.mark_lesson_complete(current_user, course, lesson)
        db.session.commit()
    except IntegrityError:  # a double click: the first request recorded it already
        db.session.rollback()
        return redirect(lesson_url(lesson))
    return _after_completion(course, lesson, result)


@bp.get("/kursus/<slug>/luring.json")
@login_required
def offline_bundle(slug: str):
    """What "Simpan untuk dibaca luring" downloads for an enrolled trainee: pages, images, stylesheet, script."""
    course = _viewable_course(slug)
    progress = services.course_progress(current_user, course)
    if progress.enrollment is None:
        return jsonify(message=_("Daftar kursus ini terlebih dahulu.")), 403
    saved = offline.saved_course(course, progress, course_file_links(course.slug, course.files))
    pages = [url_for("learning.course", slug=course.slug), *map(lesson_url, saved.lessons),
             url_for("learning.my_courses"), url_for("webapp.offline")]
    assets = [url_for("static", filename="style.css"), url_for("static", filename="luring.js")]
    response = jsonify(course=course.id, key=offline_key(course, progress), pages=len(pages),
                       urls=pages + assets + saved.images)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/pelajaran/<int:lesson_id>/selesai-luring")
@login_required
def offline_completion(lesson_id: int):
    """Record a "Tandai selesai" pressed offline: once, for the account that queued it, at the time it was done."""
    found = services.find_lesson_by_id(lesson_id)
    course, module, lesson = found if found and services.can_view(current_user, found[0]) else abort(404)
    form = OfflineCompletionForm()
    if not form.validate_on_submit():
        return jsonify(message=" ".join(map(str, next(iter(form.errors.values()))))), 422
    if form.user.data != current_user.id:
        return jsonify(message=_("Antrean ini milik akun lain; masuklah dengan akun itu untuk mengirimnya.")), 403
    progress = services.course_progress(current_user, course)
    if not progress.is_open(module) or lesson.status != Status.PUBLISHED:
        return jsonify(message=progress.reasons.get(module.id) or _("Pelajaran ini belum diterbitkan.")), 409
    try:
        result = services.mark_lesson_complete(current_user, course, lesson, done_at=form.done_at_on_server_clock(utcnow()))
        db.session.commit()
    except services.LearningError as error:
        db.session.rollback()
        return jsonify(message=str(error)), 422
    except IntegrityError:  # the same queue sent twice at once: the other request recorded it
        db.session.rollback()
        return jsonify(status="already", lesson=lesson.id), 200
    return jsonify(status="recorded" if result.recorded else "already", lesson=lesson.id), 201 if result.recorded else 200


def _after_completion(course: CourseView, lesson: LessonView, result: services.CompletionResult):
    """Flash what was completed and redirect to the next step, or to "Kursus saya" at the end."""
    flash(_("Pelajaran “%(title)s” ditandai selesai.", title=lesson.title), "success")
    for module in result.modules:
        flash(_("Modul “%(title)s” selesai.", title=module.title), "success")
    if result.certificate is not None:
        flash(_("Selamat! Anda menyelesaikan kursus %(title)s. Sertifikat Anda sudah terbit.", title=course.title), "success")
        return redirect(url_for("learning.course", slug=course.slug))
    step = services.resume_step(course, services.course_progress(current_user, course))
    return redirect(step_url(step) if step is not None else url_for("learning.course", slug=course.slug))


@bp.get("/kursus/<slug>/berkas/<digest>/<name>")
@login_required
def course_file(slug: str, digest: str, name: str):
    """A lesson image or PDF handout, for whoever may read the course; its address changes with its content.

    So it is sent to be kept for a year without asking again (immutable), which spares slow connections
    and lets an offline copy of a lesson keep its pictures; an older address is sent on to the current one.
    """
    course = services.course_outline_by_slug(slug)
    if course is None or not services.can_view(current_user, course) or name not in course.files:
        abort(404)
    if course.files[name][:DIGEST_LENGTH] != digest:
        return redirect(url_for("learning.course_file", slug=slug, digest=course.files[name][:DIGEST_LENGTH], name=name))
    stored = catalog_services.file_with_content(course.id, name) or abort(404)
    response = make_response(stored.content)
    response.mimetype = stored.media_type
    response.set_etag(stored.sha256)
    response.headers["Cache-Control"] = "private, max-age=31536000, immutable"
    disposition = "inline" if stored.is_image else "attachment"
    response.headers["Content-Disposition"] = f'{disposition}; filename="{stored.name}"'
    return response.make_conditional(request)


@bp.get("/sertifikat/<code>.pdf")
@login_required
def certificate_pdf(code: str):
    """Download a certificate: its owner, a coordinator who sees the owner's regency, or an admin."""
    certificate = certificates.by_code(code) or abort(404)
    ensure(certificates.can_download(current_user, certificate))
    if certificate.is_revoked:
        flash(_("Sertifikat ini sudah dicabut dan tidak dapat diunduh."), "error")
        return redirect(url_for("learning.verify", code=certificate.code))
    try:
        pdf = render_certificate(certificates.pdf_data(certificate))
    except FontMissing:
        current_app.logger.exception("certificate %s cannot be rendered", certificate.code)
        return render_template("errors/_error.html", heading=_("Sertifikat belum dapat dibuat"),
                               message=_("Font sertifikat belum terpasang di server. Beri tahu admin; coba lagi nanti.")), 503
    response = make_response(pdf)
    response.mimetype = "application/pdf"
    response.headers["Content-Disposition"] = f'attachment; filename="sertifikat-{certificate.code}.pdf"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.post("/sertifikat/<code>/terbitkan-ulang")
@login_required
def reissue_certificate(code: str):
    """The owner re-issues their certificate with their current name: same code, and an audit entry."""
    certificate = certificates.by_code(code) or abort(404)
    ensure(certificate.user_id == current_user.id)
    if ReissueForm().validate_on_submit():
        try:
            old_name = certificates.reissue(certificate, current_user, ip=request.remote_addr)
        except certificates.CertificateError as error:
            flash(str(error), "info")
        else:
            db.session.commit()
            flash(_("Sertifikat %(code)s diterbitkan ulang atas nama %(new)s (sebelumnya %(old)s).",
                    code=certificate.code, new=current_user.full_name, old=old_name), "success")
    return redirect(url_for("learning.my_courses"))


def _wants_json() -> bool:
    """Whether the client asked for JSON rather than a page (a machine checking a certificate)."""
    return request.accept_mimetypes.best_match(("text/html", "application/json")) == "application/json"


@bp.get("/verify/<code>")
def verify(code: str):
    """Public check of a certificate: name, course and completion date only; JSON for `Accept: application/json`."""
    certificate = certificates.by_code(code)
    if _wants_json():
        response = jsonify(certificates.public_record(certificate, code[:40]))
        response.status_code = 200 if certificate is not None else 404
        response.headers["X-Robots-Tag"] = "noindex"
        response.vary.add("Accept")
        return response
    if certificate is None:
        return render_template("learning/verify_missing.html", code=code[:40]), 404
    may_revoke = current_user.is_authenticated and certificates.can_revoke(current_user, certificate)
    response = make_response(render_template("learning/verify.html", certificate=certificate, may_revoke=may_revoke))
    response.headers["X-Robots-Tag"] = "noindex"  # names of civil servants need not be in search engines
    response.vary.add("Accept")
    return response


@bp.route("/sertifikat/<code>/cabut", methods=["GET", "POST"])
@role_required(Role.COORDINATOR, Role.ADMIN)
def revoke_certificate(code: str):
    """Revoke a certificate with a reason: coordinators of the owner's regency, provincial coordinators, admins."""
    certificate = certificates.by_code(code) or abort(404)
    ensure(certificates.can_revoke(current_user, certificate))
    if certificate.is_revoked:
        flash(_("Sertifikat ini sudah dicabut."), "info")
        return redirect(url_for("learning.verify", code=certificate.code))
    form = RevokeForm()
    if form.validate_on_submit():
        certificates.revoke(certificate, current_user, form.reason.data, ip=request.remote_addr)
        db.session.commit()
        flash(_("Sertifikat %(code)s dicabut.", code=certificate.code), "success")
        return redirect(url_for("learning.verify", code=certificate.code))
    return render_template("learning/revoke.html", certificate=certificate, form=form)
