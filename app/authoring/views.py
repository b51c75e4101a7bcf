"""The trainer's editing screens for courses, modules, lessons and quizzes."""
from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_decimal, format_percent, gettext as _
from flask_login import current_user
from itsdangerous import BadSignature, URLSafeSerializer

from app.accounts import services as accounts
from app.accounts.access import ensure, role_required
from app.accounts.models import Role
from app.authoring import analysis, revisions, services
from app.authoring.forms import (
    IMPORT_FORMATS, QUESTION_TYPE_LABELS, REVIEW_LABELS, SCORING_LABELS, ButtonForm, CourseFileForm, CourseForm,
    ImportConfirmForm, ImportForm, LessonForm, ModuleForm, OwnerForm, QuestionForm, QuizForm, join_lines,
    join_tag_counts, split_lines,
)
from app.authoring.services import AuthoringError
from app.catalog import qexport
from app.catalog.models import Status
from app.catalog import files as file_checks
from app.extensions import db
from app.progress import services as learning
from app.progress.views import course_file_links
from app.quizzes import services as quizzes
from app.quizzes.forms import AttemptSubmitForm
from app.quizzes.grading import FULL_WEIGHT, AcceptedAnswer, accepted_entry

bp = Blueprint("authoring", __name__)
AUTHORS = (Role.TRAINER, Role.ADMIN)

# URL words for the kinds of thing a trainer edits, and the revision entity types they map to.
KINDS = {"kursus": revisions.COURSE, "modul": revisions.MODULE, "pelajaran": revisions.LESSON,
         "kuis": revisions.QUIZ, "soal": "question"}
LOADERS = {revisions.COURSE: services.load_course, revisions.MODULE: services.load_module,
           revisions.LESSON: services.load_lesson, revisions.QUIZ: services.load_quiz, "question": services.load_question,
           "file": services.load_file}
STATES = {"terbit": Status.PUBLISHED, "draf": Status.DRAFT}


def _editable(entity_type: str, entity_id: int):
    """Load an entity or 404, then 403 unless the current user may edit its course."""
    entity = LOADERS[entity_type](entity_id)
    if entity is None:
        abort(404)
    ensure(services.course_of(entity_type, entity).can_edit(current_user))
    return entity


def _refuse(form, error: AuthoringError) -> None:
    """Show a service's refusal on its field (or as a message) and drop any half-made change."""
    db.session.rollback()
    target = getattr(form, error.field, None) if error.field else None
    if target is not None:
        target.errors = [*target.errors, error.message]
    else:
        flash(error.message, "error")


def _course_url(course_id: int, anchor: str = "") -> str:
    return url_for("authoring.course", course_id=course_id) + (f"#{anchor}" if anchor else "")


@bp.get("/")
@role_required(*AUTHORS)
def index():
    """The courses the trainer may edit."""
    return render_template("authoring/index.html", courses=services.editable_courses(current_user))


# Courses -------------------------------------------------------------------------------------

def _course_edit(form: CourseForm) -> services.CourseEdit:
    return services.CourseEdit(
        title=form.title.data, slug=form.slug.data or "", summary=form.summary.data, audience=form.audience.data,
        hours=form.hours.data, sequential=form.sequential.data, sources=split_lines(form.sources.data))


@bp.route("/kursus/baru", methods=["GET", "POST"])
@role_required(*AUTHORS)
def course_new():
    """Create a course; it starts as a draft owned by the trainer."""
    form = CourseForm(data={"hours": 1, "sequential": True})
    if form.validate_on_submit():
        try:
            course = services.create_course(_course_edit(form), current_user)
        except AuthoringError as error:
            _refuse(form, error)
        else:
            db.session.commit()
            flash(_("Kursus %(title)s dibuat sebagai draf.", title=course.title), "success")
            return redirect(_course_url(course.id))
    return render_template("authoring/course_form.html", form=form, course=None)


@bp.get("/kursus/<int:course_id>")
@role_required(*AUTHORS)
def course(course_id: int):
    """A course's outline: modules, lessons and quizzes, with order and publication buttons."""
    _editable(revisions.COURSE, course_id)
    course = services.course_for_editor(course_id)
    return render_template("authoring/course.html", course=course, warnings=services.outline_warnings(course),
                           enrolled=learning.draft_impact(course.id).enrolled)


@bp.route("/kursus/<int:course_id>/ubah", methods=["GET", "POST"])
@role_required(*AUTHORS)
def course_edit(course_id: int):
    """Edit a course's details."""
    course = _editable(revisions.COURSE, course_id)
    form = CourseForm(data={**revisions.snapshot(revisions.COURSE, course), "sources": join_lines(course.sources)})
    if form.validate_on_submit():
        try:
            changed = services.update_course(course, _course_edit(form), current_user)
        except AuthoringError as error:
            _refuse(form, error)
        else:
            db.session.commit()
            flash(_("Kursus disimpan.") if changed else _("Tidak ada perubahan."), "success")
            return redirect(_course_url(course.id))
    return render_template("authoring/course_form.html", form=form, course=course)


@bp.route("/kursus/<int:course_id>/pemilik", methods=["GET", "POST"])
@role_required(*AUTHORS)
def owners(course_id: int):
    """The course's owners; an owner adds another trainer as co-owner by email."""
    course = _editable(revisions.COURSE, course_id)
    form = OwnerForm()
    if form.validate_on_submit():
        try:
            owner = services.add_owner(course, form.email.data, current_user)
        except AuthoringError as error:
            _refuse(form, error)
        else:
            accounts.record("course_owner_added", actor=current_user, target=course.slug, ip=request.remote_addr,
                            owner=owner.email)
            db.session.commit()
            flash(_("%(name)s sekarang ikut mengelola kursus ini.", name=owner.full_name), "success")
            return redirect(url_for("authoring.owners", course_id=course.id))
    return render_template("authoring/owners.html", course=course, form=form)


@bp.post("/kursus/<int:course_id>/terbitkan-semua")
@role_required(*AUTHORS)
def publish_all(course_id: int):
    """Publish the course with every module and lesson in it."""
    course = _editable(revisions.COURSE, course_id)
    if ButtonForm().validate_on_submit():
        services.publish_everything(course, current_user)
        db.session.commit()
        flash(_("Kursus dan seluruh isinya sudah terbit; peserta dapat melihatnya."), "success")
    return redirect(_course_url(course.id))


# Modules and lessons -------------------------------------------------------------------------

@bp.route("/kursus/<int:course_id>/modul/baru", methods=["GET", "POST"])
@role_required(*AUTHORS)
def module_new(course_id: int):
    """Add a module to a course."""
    course = _editable(revisions.COURSE, course_id)
    form = ModuleForm()
    if form.validate_on_submit():
        try:
            module = services.create_module(course, services.ModuleEdit(form.title.data, form.slug.data or ""), current_user)
        except AuthoringError as error:
            _refuse(form, error)
        else:
            db.session.commit()
            flash(_("Modul %(title)s ditambahkan sebagai draf.", title=module.title), "success")
            return redirect(_course_url(course.id, f"modul-{module.id}"))
    return render_template("authoring/module_form.html", form=form, course=course, module=None)


@bp.route("/modul/<int:module_id>", methods=["GET", "POST"])
@role_required(*AUTHORS)
def module_edit(module_id: int):
    """Edit a module's title and slug."""
    module = _editable(revisions.MODULE, module_id)
    form = ModuleForm(data={"title": module.title, "slug": module.slug})
    if form.validate_on_submit():
        try:
            changed = services.update_module(module, services.ModuleEdit(form.title.data, form.slug.data or ""), current_user)
        except AuthoringError as error:
            _refuse(form, error)
        else:
            db.session.commit()
            flash(_("Modul disimpan.") if changed else _("Tidak ada perubahan."), "success")
            return redirect(_course_url(module.course_id, f"modul-{module.id}"))
    return render_template("authoring/module_form.html", form=form, course=module.course, module=module)


def _lesson_edit(form: LessonForm) -> services.LessonEdit:
    return services.LessonEdit(
        title=form.title.data, slug=form.slug.data or "", minutes=form.minutes.data,
        objectives=split_lines(form.objectives.data), sources=split_lines(form.sources.data), body_md=form.body.data)


def _lesson_page(form: LessonForm, module, lesson):
    """The lesson form with the course's files to insert; with "Pratinjau" pressed, the body rendered and nothing saved."""
    preview = form.body.data if request.method == "POST" and form.preview.data else None
    files = services.course_files(module.course_id)
    errors, warnings = services.image_problems(preview, {f.name for f in files}) if preview is not None else ([], [])
    return render_template("authoring/lesson_form.html", form=form, module=module, lesson=lesson, preview=preview,
                           files=files, image_notes=errors + warnings,
                           links=course_file_links(module.course.slug, {f.name: f.sha256 for f in files}))


def _warn_about_images(lesson) -> None:
    """After a save, say which images trainees will not see (another site's, or a file not uploaded)."""
    names = {f.name for f in services.course_files(lesson.module.course_id)}
    for warning in services.image_problems(lesson.body_md, names)[1]:
        flash(warning, "warning")


@bp.route("/modul/<int:module_id>/pelajaran/baru", methods=["GET", "POST"])
@role_required(*AUTHORS)
def lesson_new(module_id: int):
    """Write a new lesson in a module."""
    module = _editable(revisions.MODULE, module_id)
    form = LessonForm(data={"minutes": 10})
    if not form.preview.data and form.validate_on_submit():
        try:
            lesson = services.create_lesson(module, _lesson_edit(form), current_user)
        except AuthoringError as error:
            _refuse(form, error)
        else:
            db.session.commit()
            flash(_("Pelajaran %(title)s disimpan sebagai draf.", title=lesson.title), "success")
            _warn_about_images(lesson)
            return redirect(url_for("authoring.lesson_edit", lesson_id=lesson.id))
    return _lesson_page(form, module, None)


@bp.route("/pelajaran/<int:lesson_id>", methods=["GET", "POST"])
@role_required(*AUTHORS)
def lesson_edit(lesson_id: int):
    """Edit a lesson in place; trainees who completed it keep their progress."""
    lesson = _editable(revisions.LESSON, lesson_id)
    form = LessonForm(data={"title": lesson.title, "slug": lesson.slug, "minutes": lesson.minutes, "body": lesson.body_md,
                            "objectives": join_lines(lesson.objectives), "sources": join_lines(lesson.sources)})
    if not form.preview.data and form.validate_on_submit():
        try:
            changed = services.update_lesson(lesson, _lesson_edit(form), current_user)
        except AuthoringError as error:
            _refuse(form, error)
        else:
            db.session.commit()
            flash(_("Pelajaran disimpan.") if changed else _("Tidak ada perubahan."), "success")
            _warn_about_images(lesson)
            return redirect(url_for("authoring.lesson_edit", lesson_id=lesson.id))
    return _lesson_page(form, lesson.module, lesson)


# Course files -----------------------------------------------------------------------------------

@bp.route("/kursus/<int:course_id>/berkas", methods=["GET", "POST"])
@role_required(*AUTHORS)
def files(course_id: int):
    """The course's images and PDFs: upload one (checked and re-encoded), see them with the Markdown to use."""
    course = _editable(revisions.COURSE, course_id)
    form = CourseFileForm()
    if form.validate_on_submit():
        try:
            checked = file_checks.checked_upload(file_checks.read_limited(form.file.data.stream), form.file.data.filename)
            stored, replaced = services.save_file(course, checked, form.alt.data, current_user, form.replace.data)
        except (file_checks.FileProblem, AuthoringError) as error:
            _refuse(form, error if isinstance(error, AuthoringError) else AuthoringError(str(error), "file"))
        else:
            db.session.commit()
            flash(_("Berkas %(name)s diganti.", name=stored.name) if replaced
                  else _("Berkas %(name)s diunggah.", name=stored.name), "success")
            return redirect(url_for("authoring.files", course_id=course.id) + f"#berkas-{stored.id}")
    listed = services.course_files(course.id)
    return render_template("authoring/files.html", course=course, form=form, files=listed,
                           links=dict(course_file_links(course.slug, {f.name: f.sha256 for f in listed})),
                           limit=file_checks.size_label(file_checks.MAX_BYTES))


@bp.route("/berkas/<int:file_id>/hapus", methods=["GET", "POST"])
@role_required(*AUTHORS)
def file_delete(file_id: int):
    """Ask (naming the lessons that show it), then delete a course file."""
    course_file = _editable("file", file_id)
    course = course_file.course
    form = ButtonForm()
    if form.validate_on_submit():
        name = course_file.name
        services.delete_file(course_file, current_user)
        db.session.commit()
        flash(_("Berkas %(name)s dihapus.", name=name), "success")
        return redirect(url_for("authoring.files", course_id=course.id))
    return render_template("authoring/file_delete.html", course_file=course_file, course=course, form=form,
                           lessons=services.lessons_using(services.load_course(course.id), course_file.name))


# Order and publication -----------------------------------------------------------------------

def _back_to(entity_type: str, item) -> str:
    """The page listing an item, scrolled to it."""
    if entity_type == "question":
        return url_for("authoring.quiz", quiz_id=item.quiz_id) + f"#soal-{item.id}"
    if entity_type == revisions.LESSON:
        return _course_url(item.module.course_id, f"pelajaran-{item.id}")
    if entity_type == revisions.MODULE:
        return _course_url(item.course_id, f"modul-{item.id}")
    return _course_url(item.id)


@bp.post("/<any(modul, pelajaran, soal):kind>/<int:item_id>/<any(naik, turun):direction>")
@role_required(*AUTHORS)
def move(kind: str, item_id: int, direction: str):
    """Move a module, lesson or question one place up or down."""
    entity_type = KINDS[kind]
    item = _editable(entity_type, item_id)
    if ButtonForm().validate_on_submit() and services.move(entity_type, item, -1 if direction == "naik" else 1, current_user):
        db.session.commit()
        flash(_("Urutan diubah."), "success")
    return redirect(_back_to(entity_type, item))


def _draft_impact(entity_type: str, item) -> learning.DraftImpact:
    """Who would lose sight of the item if it became a draft now."""
    if item.status != Status.PUBLISHED:
        return learning.DraftImpact(0, 0)
    course = services.course_of(entity_type, item)
    return learning.draft_impact(course.id, item.id if entity_type == revisions.LESSON else None)


@bp.post("/<any(kursus, modul, pelajaran):kind>/<int:item_id>/status/<any(terbit, draf):state>")
@role_required(*AUTHORS)
def set_status(kind: str, item_id: int, state: str):
    """Publish a course, module or lesson, or make it a draft again once the trainer confirmed who it affects."""
    entity_type = KINDS[kind]
    item = _editable(entity_type, item_id)
    form = ButtonForm()
    if form.validate_on_submit():
        if state == "draf" and not request.form.get("konfirmasi"):
            impact = _draft_impact(entity_type, item)
            if impact.enrolled:
                return render_template("authoring/draft_confirm.html", item=item, kind=kind, impact=impact,
                                       course=services.course_of(entity_type, item), back=_back_to(entity_type, item))
        services.set_status(entity_type, item, STATES[state], current_user)
        db.session.commit()
        flash(_("%(title)s sudah terbit.", title=item.title) if state == "terbit"
              else _("%(title)s sekarang draf dan tidak terlihat oleh peserta.", title=item.title), "success")
    return redirect(_back_to(entity_type, item))


# Quizzes and questions -----------------------------------------------------------------------

def _quiz_edit(form: QuizForm) -> services.QuizEdit:
    return services.QuizEdit(title=form.title.data, pass_mark=form.pass_mark.data, max_attempts=form.max_attempts.data,
                             review=form.review.data, draw=form.draw.data, draw_per_tag=form.tag_counts())


@bp.route("/modul/<int:module_id>/kuis/baru", methods=["GET", "POST"])
@role_required(*AUTHORS)
def quiz_new(module_id: int):
    """Give a module its quiz."""
    module = _editable(revisions.MODULE, module_id)
    if module.quiz is not None:
        return redirect(url_for("authoring.quiz", quiz_id=module.quiz.id))
    form = QuizForm(data={"title": _("Kuis %(title)s", title=module.title), "pass_mark": 70, "max_attempts": 3})
    if form.validate_on_submit():
        try:
            quiz = services.create_quiz(module, _quiz_edit(form), current_user)
        except AuthoringError as error:
            _refuse(form, error)
        else:
            db.session.commit()
            flash(_("Kuis dibuat. Tambahkan soal."), "success")
            return redirect(url_for("authoring.quiz", quiz_id=quiz.id))
    return render_template("authoring/quiz_form.html", form=form, module=module, quiz=None)


@bp.get("/kuis/<int:quiz_id>")
@role_required(*AUTHORS)
def quiz(quiz_id: int):
    """A quiz with its questions, choices and feedback, as the trainer checks them."""
    quiz = _editable(revisions.QUIZ, quiz_id)
    return render_template("authoring/quiz.html", quiz=quiz, type_labels=QUESTION_TYPE_LABELS,
                           scoring_labels=SCORING_LABELS, review_labels=REVIEW_LABELS,
                           warnings=services.pool_warnings(quiz))


@bp.route("/kuis/<int:quiz_id>/ubah", methods=["GET", "POST"])
@role_required(*AUTHORS)
def quiz_edit(quiz_id: int):
    """Edit a quiz's title, pass mark and attempt limit."""
    quiz = _editable(revisions.QUIZ, quiz_id)
    form = QuizForm(data={"title": quiz.title, "pass_mark": quiz.pass_mark, "max_attempts": quiz.max_attempts,
                          "review": quiz.review, "draw": quiz.draw, "draw_per_tag": join_tag_counts(quiz.draw_per_tag)})
    if form.validate_on_submit():
        try:
            changed = services.update_quiz(quiz, _quiz_edit(form), current_user)
        except AuthoringError as error:
            _refuse(form, error)
        else:
            db.session.commit()
            flash(_("Pengaturan kuis disimpan.") if changed else _("Tidak ada perubahan."), "success")
            return redirect(url_for("authoring.quiz", quiz_id=quiz.id))
    return render_template("authoring/quiz_form.html", form=form, module=quiz.module, quiz=quiz)


@bp.route("/kuis/<int:quiz_id>/soal/baru", methods=["GET", "POST"])
@role_required(*AUTHORS)
def question_new(quiz_id: int):
    """Add a question of any type to a quiz."""
    quiz = _editable(revisions.QUIZ, quiz_id)
    form = QuestionForm()
    if form.validate_on_submit():
        try:
            question = services.create_question(quiz, form.edited_question(), current_user)
        except AuthoringError as error:
            _refuse(form, error)
        else:
            db.session.commit()
            flash(_("Soal ditambahkan."), "success")
            return redirect(url_for("authoring.quiz", quiz_id=quiz.id) + f"#soal-{question.id}")
    return render_template("authoring/question_form.html", form=form, quiz=quiz, question=None)


@bp.route("/soal/<int:question_id>", methods=["GET", "POST"])
@role_required(*AUTHORS)
def question_edit(question_id: int):
    """Edit a question in place; choices keep their ids, so earlier answers stay attached."""
    question = _editable("question", question_id)
    form = QuestionForm()
    if request.method == "GET":
        form.fill_from(question)
    if form.validate_on_submit():
        try:
            changed = services.update_question(question, form.edited_question(), current_user)
        except AuthoringError as error:
            _refuse(form, error)
        else:
            db.session.commit()
            flash(_("Soal disimpan.") if changed else _("Tidak ada perubahan."), "success")
            return redirect(url_for("authoring.quiz", quiz_id=question.quiz_id) + f"#soal-{question.id}")
    return render_template("authoring/question_form.html", form=form, quiz=question.quiz, question=question)


@bp.route("/soal/<int:question_id>/hapus", methods=["GET", "POST"])
@role_required(*AUTHORS)
def question_delete(question_id: int):
    """Ask, then delete a question."""
    question = _editable("question", question_id)
    form = ButtonForm()
    if form.validate_on_submit():
        quiz_id = question.quiz_id
        outcome = services.delete_question(question, current_user)
        db.session.commit()
        if outcome == services.RETIRED:
            flash(_("Soal diarsipkan: soal tidak lagi diberikan, tetapi jawaban peserta dan nilainya tetap tersimpan. "
                    "Versi sebelumnya ada di riwayat kuis."), "success")
        else:
            flash(_("Soal dihapus. Versi sebelumnya tetap ada di riwayat kuis."), "success")
        return redirect(url_for("authoring.quiz", quiz_id=quiz_id))
    return render_template("authoring/question_delete.html", question=question, form=form)


# Import --------------------------------------------------------------------------------------

def _submitted_text(form: ImportForm) -> str:
    """The text to import: the uploaded file, else the pasted text; AuthoringError if unusable."""
    upload = form.file.data
    if upload is not None and getattr(upload, "filename", ""):
        return services.decode_upload(upload.read())
    if form.text.data and form.text.data.strip():
        return services.importable_text(form.text.data)
    raise AuthoringError(_("Unggah berkas .txt atau tempel teks soal terlebih dahulu."), "text")


@bp.route("/kuis/<int:quiz_id>/impor", methods=["GET", "POST"])
@role_required(*AUTHORS)
def import_questions(quiz_id: int):
    """Upload or paste GIFT/Aiken text; the check shows every question and problem before anything is saved."""
    quiz = _editable(revisions.QUIZ, quiz_id)
    form = ImportForm()
    if form.validate_on_submit():
        try:
            text = _submitted_text(form)
        except AuthoringError as error:
            _refuse(form, error)
        else:
            return _import_preview(quiz, form.format.data, text)
    return render_template("authoring/import.html", quiz=quiz, form=form, formats=IMPORT_FORMATS)


def _import_preview(quiz, fmt: str, text: str):
    """The parsed questions and line errors; a confirm form only when the text parsed cleanly."""
    result = services.parse_questions(fmt, text, quiz)
    if result.ok and result.questions:
        form = ImportConfirmForm(formdata=None, data={"format": fmt, "text": text})
    else:
        form = ImportForm(formdata=None, data={"format": fmt, "text": text})
    return render_template("authoring/import_preview.html", quiz=quiz, result=result, form=form, fmt=fmt,
                           formats=IMPORT_FORMATS, type_labels=QUESTION_TYPE_LABELS)


@bp.post("/kuis/<int:quiz_id>/impor/simpan")
@role_required(*AUTHORS)
def import_confirm(quiz_id: int):
    """Parse the checked text again and save its questions, only if it still parses cleanly."""
    quiz = _editable(revisions.QUIZ, quiz_id)
    form = ImportConfirmForm()
    if not form.validate_on_submit() or form.format.data not in services.PARSERS:
        flash(_("Teks soal tidak terbaca. Periksa ulang lalu coba lagi."), "error")
        return redirect(url_for("authoring.import_questions", quiz_id=quiz.id))
    result = services.parse_questions(form.format.data, form.text.data, quiz)
    if not result.ok or not result.questions:
        flash(_("Teks soal bermasalah; belum ada soal yang disimpan."), "error")
        return _import_preview(quiz, form.format.data, form.text.data)
    count = services.import_questions(quiz, result.questions, current_user, form.format.data)
    db.session.commit()
    flash(_("%(n)d soal disimpan.", n=count), "success")
    return redirect(url_for("authoring.quiz", quiz_id=quiz.id))


def _preview_signer() -> URLSafeSerializer:
    """Signs a preview's layout into its form, so the preview needs no row and grades what was shown."""
    return URLSafeSerializer(current_app.secret_key, salt="pratinjau-kuis")


def _preview_page(quiz, layout: list, form: AttemptSubmitForm, error: str | None = None, selected: dict | None = None):
    return render_template("authoring/quiz_preview.html", quiz=quiz, form=form, error=error, selected=selected or {},
                           items=quizzes.layout_questions(quiz, layout),
                           token=_preview_signer().dumps({"quiz": quiz.id, "layout": layout}))


@bp.get("/kuis/<int:quiz_id>/pratinjau")
@role_required(*AUTHORS)
def quiz_preview(quiz_id: int):
    """Take the quiz as a trainee would, draft or published, with a fresh draw; nothing is recorded."""
    quiz = _editable(revisions.QUIZ, quiz_id)
    try:
        layout = quizzes.new_layout(quiz)
    except quizzes.QuizError as error:
        flash(error.message, "error")
        return redirect(url_for("authoring.quiz", quiz_id=quiz.id))
    return _preview_page(quiz, layout, AttemptSubmitForm())


@bp.post("/kuis/<int:quiz_id>/pratinjau")
@role_required(*AUTHORS)
def quiz_preview_grade(quiz_id: int):
    """Grade the preview in memory and show every answer, with what trainees see under the review policy."""
    quiz = _editable(revisions.QUIZ, quiz_id)
    form = AttemptSubmitForm()
    try:
        shown = _preview_signer().loads(request.form.get("pratinjau", ""))
    except BadSignature:
        shown = None
    if not form.validate_on_submit() or not isinstance(shown, dict) or shown.get("quiz") != quiz.id:
        flash(_("Pratinjau ini tidak dapat dinilai; silakan mulai pratinjau lagi."), "error")
        return redirect(url_for("authoring.quiz_preview", quiz_id=quiz.id))
    sheet = {name: request.form.getlist(name) for name in request.form if name.startswith(quizzes.FIELD_PREFIX)}
    try:
        outcome = quizzes.grade_preview(quiz, shown["layout"], sheet)
    except quizzes.AnswerSheetError as error:
        return _preview_page(quiz, shown["layout"], form, error.message, sheet), 400
    return render_template("authoring/quiz_preview_result.html", quiz=quiz, outcome=outcome,
                           scope=quizzes.ReviewScope(questions=True, answers=True), review_labels=REVIEW_LABELS)


def accepted_rows(question) -> list[AcceptedAnswer]:
    """A question's accepted short answers with weight and feedback, stored or freshly imported (a dict)."""
    if isinstance(question, dict):
        return [accepted_entry(answer) for answer in question.get("accepted") or ()]
    weights = question.accepted_weights or [FULL_WEIGHT] * len(question.accepted)
    feedback = question.accepted_feedback or [""] * len(question.accepted)
    return [AcceptedAnswer(text, float(weight), note) for text, weight, note in zip(question.accepted, weights, feedback)]


def answer_weight(weight: float) -> str:
    """A per-answer weight as the editor shows it: 50%, -33,3%."""
    return f"{format_decimal(weight, format='#,##0.#####')}%"


@bp.get("/kuis/<int:quiz_id>/soal.<any(gift, moodlexml):fmt>")
@role_required(*AUTHORS)
def quiz_questions_file(quiz_id: int, fmt: str):
    """The quiz's questions as a GIFT or Moodle XML file for Moodle and other LMSs."""
    quiz = _editable(revisions.QUIZ, quiz_id)
    exported = services.questions_file(quiz, fmt)
    mimetype = "text/plain; charset=utf-8" if fmt == "gift" else "application/xml"
    name = f"{quiz.module.slug}-soal{qexport.FORMATS[fmt]}"
    return Response(exported.content, mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})


@bp.get("/kuis/<int:quiz_id>/analisis")
@role_required(*AUTHORS)
def quiz_analysis(quiz_id: int):
    """Item analysis: facility, discrimination and choice counts per question."""
    quiz = _editable(revisions.QUIZ, quiz_id)
    return render_template("authoring/analysis.html", quiz=quiz, result=analysis.analyse(quiz),
                           small_sample=analysis.SMALL_SAMPLE, type_labels=QUESTION_TYPE_LABELS, decimal=lambda value: format_decimal(value, format="0.00"),
                           percent=format_percent)


# Revisions -----------------------------------------------------------------------------------

@bp.get("/<any(kursus, modul, pelajaran, kuis):kind>/<int:item_id>/riwayat")
@role_required(*AUTHORS)
def history(kind: str, item_id: int):
    """Who changed what, and when."""
    entity_type = KINDS[kind]
    item = _editable(entity_type, item_id)
    items = revisions.history(entity_type, item.id)
    return render_template("authoring/history.html", item=item, kind=kind, revisions=items, total=len(items),
                           course=services.course_of(entity_type, item))


def _revision_and_entity(revision_id: int):
    revision = services.load_revision(revision_id)
    if revision is None or revision.entity_type not in revisions.ENTITY_TYPES:
        abort(404)
    entity = _editable(revision.entity_type, revision.entity_id)
    return revision, entity


@bp.get("/revisi/<int:revision_id>")
@role_required(*AUTHORS)
def revision(revision_id: int):
    """One revision: what it changed (or how it differs from now), word by word, and its full text."""
    revision, entity = _revision_and_entity(revision_id)
    number = revisions.number_of(revision)
    current = revisions.snapshot(revision.entity_type, entity)
    earlier = revisions.previous(revision)
    against_now = earlier is None or request.args.get("banding") == "sekarang"
    if against_now:
        comparison = revisions.compare_snapshots(revision.entity_type, revision.snapshot, current)
    else:
        comparison = revisions.compare_snapshots(revision.entity_type, earlier.snapshot, revision.snapshot)
    kind = next(word for word, entity_type in KINDS.items() if entity_type == revision.entity_type)
    return render_template("authoring/revision.html", revision=revision, number=number, entity=entity, kind=kind,
                           course=services.course_of(revision.entity_type, entity), earlier=earlier,
                           against_now=against_now, comparison=comparison,
                           lines=revisions.as_lines(revision.entity_type, revision.snapshot),
                           restorable=revision.entity_type in services.RESTORABLE and revision.snapshot != current)


@bp.post("/revisi/<int:revision_id>/pulihkan")
@role_required(*AUTHORS)
def restore(revision_id: int):
    """Bring a lesson or quiz back to an earlier revision (kept as a new revision)."""
    revision, entity = _revision_and_entity(revision_id)
    if revision.entity_type not in services.RESTORABLE:
        abort(404)
    if ButtonForm().validate_on_submit():
        try:
            services.restore(revision, entity, current_user)
        except AuthoringError as error:
            db.session.rollback()
            flash(error.message, "error")
            return redirect(url_for("authoring.revision", revision_id=revision_id))
        db.session.commit()
        flash(_("Revisi #%(n)d dipulihkan.", n=revisions.number_of(revision)), "success")
    kind = "pelajaran" if revision.entity_type == revisions.LESSON else "kuis"
    return redirect(url_for("authoring.history", kind=kind, item_id=revision.entity_id))
