"""Quiz attempts: start, answer, submit once, results."""
from __future__ import annotations

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.accounts.access import ensure, role_required
from app.accounts.models import Role, User
from werkzeug.datastructures import MultiDict

from app.catalog.models import Status
from app.catalog.outline import QuizView
from app.dates import waktu_filter
from app.extensions import db
from app.progress import services as progress
from app.main import safe_next
from app.progress.views import updating_page
from app.quizzes import grants, services
from app.quizzes.forms import AttemptSubmitForm, GrantAttemptsForm, StartAttemptForm
from app.quizzes.models import Attempt, AttemptStatus, Quiz

bp = Blueprint("quizzes", __name__)


def _links(quiz: Quiz, passed: bool) -> dict:
    """Back to the module on the course page and, once the quiz is passed, on to the next step."""
    module = quiz.module
    back = url_for("learning.course", slug=module.course.slug, _anchor=f"modul-{module.slug}")
    return {"module": back, "next": _next_step(quiz) if passed else None}


def _next_step(quiz: Quiz) -> dict:
    """The trainee's next unfinished lesson or quiz, or "Kursus saya" (the certificate) when all is done."""
    course = progress.course_outline(quiz.module.course_id)
    step = progress.resume_step(course, progress.course_progress(current_user, course))
    if step is None:  # the course page opens with the congratulation and the certificate
        return {"url": url_for("learning.course", slug=course.slug, _anchor="selamat"),
                "label": _("Kursus selesai: lihat ucapan selamat dan sertifikat Anda")}
    if isinstance(step, QuizView):
        url = url_for(".overview", quiz_id=step.id)
    else:
        url = url_for("learning.lesson", slug=course.slug, module_slug=step.module.slug, lesson_slug=step.slug)
    return {"url": url, "label": _("Lanjut: %(title)s", title=step.title)}


def _retired(quiz: Quiz) -> bool:
    """Whether a trainer removed the quiz or its module (kept only for the trainees' records)."""
    return quiz.retired_at is not None or quiz.module.retired_at is not None


def _load_quiz(quiz_id: int) -> Quiz:
    """The quiz with its module and course, or 404; also 404 inside a draft the user may not preview, or retired."""
    quiz = services.get_quiz(quiz_id) or abort(404)
    course = quiz.module.course
    if _retired(quiz):  # removed by a trainer: nothing to be told about, as on the lesson pages
        abort(404)
    # As on the lesson pages: a draft is as good as missing, so its titles do not leak, except to
    # trainees enrolled in the course, who are told it is being updated.
    if not progress.can_view(current_user, course) or (
            quiz.module.status != Status.PUBLISHED and not progress.can_preview(current_user, course)):
        updating_page(progress.course_outline(course.id), "module")
    return quiz


def _own_attempt(attempt_id: int) -> Attempt:
    """The current user's attempt; someone else's is as good as missing (404)."""
    attempt = services.get_attempt(attempt_id)
    if attempt is None or attempt.user_id != current_user.id:
        abort(404)
    return attempt


def _closed_reason(quiz: Quiz) -> str | None:
    """Why the user may not take the quiz now (retired, draft, locked, not enrolled), or None."""
    if _retired(quiz):
        return _("Kuis ini sudah ditarik dari kursus oleh pelatih.")
    return progress.locked_reason(current_user, quiz.module)


def _locked(quiz: Quiz, message: str | None = None) -> tuple[str, int] | None:
    """The 403 page with the reason the quiz is closed to the user, or None when it is open."""
    reason = _closed_reason(quiz)
    if reason is None:
        return None
    return render_template("quizzes/locked.html", quiz=quiz, reason=reason, message=message,
                           links=_links(quiz, False)), 403


@bp.get("/<int:quiz_id>")
@login_required
def overview(quiz_id: int):
    """The quiz landing page: pass mark, attempts used and left, best score, earlier results."""
    quiz = _load_quiz(quiz_id)
    locked = _locked(quiz)
    if locked:
        return locked
    standing = services.quiz_standing(current_user, quiz)
    return render_template(
        "quizzes/overview.html", quiz=quiz, standing=standing, form=StartAttemptForm(), links=_links(quiz, standing.passed),
    )


@bp.post("/<int:quiz_id>/mulai")
@login_required
def start(quiz_id: int):
    """Start an attempt, or continue the open one."""
    quiz = _load_quiz(quiz_id)
    locked = _locked(quiz)
    if locked:
        return locked
    if not StartAttemptForm().validate_on_submit():
        abort(400)
    try:
        attempt = services.start_attempt(current_user, quiz)
    except services.QuizError as error:
        flash(error.message, "error")
        return redirect(url_for(".overview", quiz_id=quiz.id))
    taking = url_for(".take", attempt_id=attempt.id)  # before the commit expires the attempt: no reload after it
    db.session.commit()
    return redirect(taking)


def _quiz_page(attempt: Attempt, form: AttemptSubmitForm, error: str | None = None,
               selected: dict[str, list[str]] | None = None) -> str:
    """The questions of an open attempt with the answers saved so far; after a refused sheet, the ticks sent."""
    return render_template(
        "quizzes/take.html", attempt=attempt, quiz=attempt.quiz, items=services.attempt_questions(attempt),
        form=form, error=error, selected=services.saved_sheet(attempt) if selected is None else selected,
    )


@bp.get("/percobaan/<int:attempt_id>")
@login_required
def take(attempt_id: int):
    """The questions of an open attempt, in its own order, with the answers saved so far; no keys here."""
    attempt = _own_attempt(attempt_id)
    if attempt.status != AttemptStatus.OPEN:
        return redirect(url_for(".result", attempt_id=attempt.id))
    return _quiz_page(attempt, AttemptSubmitForm())


def _saved_message(attempt: Attempt) -> str:
    return _("Jawaban tersimpan (%(time)s). Anda dapat keluar dan melanjutkan kuis ini nanti.",
             time=waktu_filter(attempt.answers_saved_at))


@bp.post("/percobaan/<int:attempt_id>/simpan")
@login_required
def save(attempt_id: int):
    """Keep the answers so far without submitting ("Simpan jawaban", or the page's script on each change)."""
    attempt = _own_attempt(attempt_id)
    wants_json = request.accept_mimetypes.best == "application/json"
    if not AttemptSubmitForm().validate_on_submit():
        abort(400)
    try:
        services.save_answers(attempt, answer_sheet(request.form))
    except services.AttemptClosed as error:
        db.session.rollback()
        if wants_json:  # a save sent just before the submission that closed it: nothing to fix
            return jsonify(message=error.message, closed=True)
        flash(error.message, "info")
        return redirect(url_for(".result", attempt_id=attempt.id))
    except services.AnswerSheetError as error:
        if wants_json:
            return jsonify(message=error.message), 400
        return _quiz_page(attempt, AttemptSubmitForm(), error=error.message, selected=answer_sheet(request.form)), 400
    db.session.commit()
    if wants_json:
        return jsonify(message=_saved_message(attempt))
    flash(_saved_message(attempt), "success")
    return redirect(url_for(".take", attempt_id=attempt.id))


def answer_sheet(form: MultiDict) -> dict[str, list[str]]:
    """The answer fields (q-<question id>) of a submitted form, each with all its values."""
    return {name: form.getlist(name) for name in form if name.startswith(services.FIELD_PREFIX)}


@bp.post("/percobaan/<int:attempt_id>/kirim")
@login_required
def submit(attempt_id: int):
    """Grade the attempt once; a repeated submission only shows the result."""
    attempt = _own_attempt(attempt_id)
    form = AttemptSubmitForm()
    if not form.validate_on_submit():
        abort(400)
    if attempt.status == AttemptStatus.OPEN:
        # Closed since the attempt started (back to draft, locked, retired): nothing is graded or issued.
        locked = _locked(attempt.quiz, _("Kuis ini tidak lagi terbuka untuk Anda, jadi jawaban ini tidak dinilai. "
                                         "Percobaan Anda tetap terbuka."))
        if locked:
            return locked
    sheet = answer_sheet(request.form)
    try:
        if attempt.status == AttemptStatus.OPEN and request.form.get("konfirmasi") != "1":
            missing = services.unanswered(attempt, sheet)
            if missing:
                return _confirm_page(attempt, form, sheet, missing)
        outcome = services.submit_attempt(attempt, sheet)
    except services.AnswerSheetError as error:
        return _quiz_page(attempt, form, error=error.message, selected=sheet), 400
    db.session.commit()
    if outcome.graded:
        flash(_("Jawaban Anda sudah dinilai."), "success")
    else:
        flash(_("Percobaan ini sudah dikirim sebelumnya; kiriman ulang tidak dinilai lagi."), "info")
    return redirect(url_for(".result", attempt_id=attempt_id))  # the committed attempt is not read again


def _confirm_page(attempt: Attempt, form: AttemptSubmitForm, sheet: dict[str, list[str]], missing: list) -> str:
    """Keep the answers given so far, then ask: go back to answering, or submit with blanks (scored zero)."""
    try:
        services.save_answers(attempt, sheet)
    except services.AttemptClosed:
        db.session.rollback()
        return redirect(url_for(".result", attempt_id=attempt.id))
    db.session.commit()
    return render_template("quizzes/confirm.html", attempt=attempt, quiz=attempt.quiz, form=form, sheet=sheet,
                           missing=missing, total=len(services.attempt_questions(attempt)))


@bp.get("/percobaan/<int:attempt_id>/hasil")
@login_required
def result(attempt_id: int):
    """Score, pass or fail, and each question with the trainee's answer, the right one and why."""
    attempt = _own_attempt(attempt_id)
    if attempt.status == AttemptStatus.OPEN:
        return redirect(url_for(".take", attempt_id=attempt.id))
    standing = services.quiz_standing(current_user, attempt.quiz)
    scope = services.review_scope(standing)
    return render_template(
        "quizzes/result.html", attempt=attempt, quiz=attempt.quiz, standing=standing, scope=scope,
        items=services.attempt_review(attempt) if scope.questions else [], form=StartAttemptForm(),
        links=_links(attempt.quiz, standing.passed),
    )


@bp.route("/<int:quiz_id>/peserta/<int:user_id>/kesempatan", methods=["GET", "POST"])
@role_required(Role.TRAINER, Role.COORDINATOR, Role.ADMIN)
def grant(quiz_id: int, user_id: int):
    """Give one trainee more attempts at a quiz, with a reason (the course's trainers, the trainee's coordinators, admins)."""
    quiz = services.get_quiz(quiz_id) or abort(404)
    trainee = db.session.get(User, user_id) or abort(404)
    course = progress.course_outline(quiz.module.course_id)
    ensure(grants.may_grant(current_user, course, trainee))
    if progress.get_enrollment(trainee.id, course.id) is None:
        abort(404)
    form = GrantAttemptsForm()
    if form.validate_on_submit():
        try:
            grants.grant_attempts(quiz, trainee, form.extra.data, form.reason.data, current_user, request.remote_addr)
        except grants.GrantError as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            db.session.commit()
            flash(_("%(name)s mendapat %(n)d kesempatan tambahan untuk %(quiz)s.", name=trainee.full_name,
                    n=form.extra.data, quiz=quiz.title), "success")
            return redirect(safe_next(request.args.get("next")) or url_for(".grant", quiz_id=quiz.id, user_id=trainee.id))
    return render_template("quizzes/grant.html", quiz=quiz, trainee=trainee, form=form,
                           standing=services.quiz_standing(trainee, quiz), grants=grants.grants_of(trainee.id, quiz.id),
                           back=safe_next(request.args.get("next")))
