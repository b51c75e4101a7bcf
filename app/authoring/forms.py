"""Forms of the trainer's editing screens; they validate (with the course file checker's rules), services write."""
from __future__ import annotations

import math
import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    BooleanField, EmailField, FieldList, FloatField, Form, FormField, HiddenField, IntegerField, RadioField, SelectField,
    StringField, SubmitField, TextAreaField,
)
from wtforms.validators import AnyOf, DataRequired, Email, InputRequired, Length, NumberRange, Optional, ValidationError

from app.authoring.services import ChoiceEdit, QuestionEdit, truefalse_choices
from app.catalog.models import SLUG
from app.quizzes.grading import (FULL_WEIGHT, SCORING_ALL_OR_NOTHING, SCORING_PARTIAL, choice_weights,
                                 is_correct_weight, significant_weights, texts_if_any, weight_problems)
from app.quizzes.models import ReviewPolicy
from app.quizzes.pools import TAG_MAX, is_tag

CHOICE_ROWS = 6

QUESTION_TYPE_LABELS = {
    "single": _l("Pilihan ganda, satu jawaban benar"),
    "multiple": _l("Pilihan ganda, banyak jawaban benar"),
    "truefalse": _l("Benar/Salah"),
    "short": _l("Jawaban singkat"),
}
SCORING_LABELS = {
    SCORING_PARTIAL: _l("Nilai sebagian (setiap centang benar menambah, centang salah mengurangi)"),
    SCORING_ALL_OR_NOTHING: _l("Semua atau tidak sama sekali"),
}
IMPORT_FORMATS = {"gift": _l("GIFT (Moodle)"), "aiken": _l("Aiken")}
REVIEW_LABELS = {
    ReviewPolicy.AFTER_PASS: _l("Nilai dan benar/salah setiap soal; kunci jawaban dan penjelasan setelah peserta lulus "
                                "atau kesempatannya habis (bawaan)"),
    ReviewPolicy.ALWAYS: _l("Nilai, benar/salah, kunci jawaban dan penjelasan setelah setiap percobaan"),
    ReviewPolicy.NEVER: _l("Hanya nilai; soal tidak ditinjau"),
}
TAG_LINE = re.compile(r"^\s*([^:=\s]+)\s*[:=]\s*(\S+)\s*$")


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def split_lines(text: str | None) -> list[str]:
    """The non-blank lines of a textarea, trimmed: one source, objective or answer per line."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def join_lines(items: list[str] | None) -> str:
    """The inverse of split_lines, to fill a textarea."""
    return "\n".join(items or [])


def _percent(value: str | None) -> float | None:
    """A weight typed as "50", "-33,3" or "50%", or None when it is blank or not a number in -100..100."""
    text = (value or "").strip().rstrip("%").strip().replace(",", ".")
    try:
        number = float(text)
    except ValueError:
        return None
    return number if math.isfinite(number) and -FULL_WEIGHT <= number <= FULL_WEIGHT else None


_ACCEPTED_LINE = re.compile(r"^(?:%\s*(?P<weight>[^%]*)%)?(?P<text>(?:[^#\\]|\\.)*)(?:#(?P<feedback>.*))?$")


def accepted_line(line: str) -> tuple[str, float, str] | None:
    """One line of the accepted answers: "Kucing", "%50%Kucing" or "%50%Kucing # Umpan balik"; None if unreadable."""
    match = _ACCEPTED_LINE.match(line)
    weight = _percent(match.group("weight")) if match and match.group("weight") is not None else FULL_WEIGHT
    if match is None or weight is None or weight < 0:
        return None
    text = re.sub(r"\\([#\\])", r"\1", match.group("text")).strip()
    return (text, weight, (match.group("feedback") or "").strip()) if text else None


def accepted_lines(accepted: list[str], weights: list[float] | None, feedback: list[str] | None) -> list[str]:
    """The inverse of accepted_line for a stored question's answers, to fill the textarea."""
    weights = weights or [FULL_WEIGHT] * len(accepted)
    feedback = feedback or [""] * len(accepted)
    lines = []
    for text, weight, note in zip(accepted, weights, feedback):
        line = ("" if weight == FULL_WEIGHT else f"%{weight:g}%") + text.replace("\\", "\\\\").replace("#", "\\#")
        lines.append(f"{line} # {note}" if note else line)
    return lines


class WholeNumberField(IntegerField):
    """An integer field whose conversion error is in Bahasa Indonesia."""

    def process_formdata(self, valuelist):
        """Blank is None; anything but a whole number is an error."""
        if not valuelist or not valuelist[0].strip():
            self.data = None
            return
        try:
            self.data = int(valuelist[0].strip())
        except ValueError:
            self.data = None
            raise ValueError(_l("Isi dengan bilangan bulat, misalnya 10.")) from None


class DecimalNumberField(FloatField):
    """A number field that accepts 1,5 as well as 1.5, with an Indonesian error; nan and inf are no numbers."""

    def process_formdata(self, valuelist):
        """Blank is None; a comma is read as the decimal separator."""
        if not valuelist or not valuelist[0].strip():
            self.data = None
            return
        try:
            self.data = float(valuelist[0].strip().replace(",", "."))
        except ValueError:
            self.data = None
        if self.data is None or not math.isfinite(self.data):
            # float() also reads "nan" and "inf", which no comparison (bobot > 0) would refuse.
            self.data = None
            raise ValueError(_l("Isi dengan angka, misalnya 1 atau 1,5."))


def split_tags(text: str | None) -> list[str]:
    """Tags typed separated by commas or spaces, each once, in the order typed."""
    return list(dict.fromkeys(part for part in re.split(r"[,\s]+", text or "") if part))


def parse_tag_counts(text: str | None) -> dict[str, int]:
    """Lines of "tag: n" as {tag: n}; ValueError with the message for the first line that is not one."""
    counts: dict[str, int] = {}
    for line in split_lines(text):
        match = TAG_LINE.match(line)
        if not match or not is_tag(match.group(1)) or not match.group(2).isdigit() or int(match.group(2)) < 1:
            raise ValueError(_l("Tulis satu tag per baris dengan jumlahnya, misalnya pelajaran-1: 2 (baris: %(line)s).",
                                line=line))
        if match.group(1) in counts:
            raise ValueError(_l("Tag %(tag)s ditulis dua kali.", tag=match.group(1)))
        counts[match.group(1)] = int(match.group(2))
    return counts


def join_tag_counts(counts: dict[str, int] | None) -> str:
    """The inverse of parse_tag_counts, to fill a textarea."""
    return "\n".join(f"{tag}: {count}" for tag, count in (counts or {}).items())


def _title_field(label) -> StringField:
    """A required title of at most 200 characters, as the course files allow."""
    return StringField(label, validators=[DataRequired(_l("Judul wajib diisi.")),
                                          Length(max=200, message=_l("Paling banyak 200 karakter."))], filters=[_strip])


def _slug_field(label) -> StringField:
    """An optional slug (or question key): lowercase letters, digits and hyphens, at most 80 characters."""
    return StringField(label, filters=[_strip], validators=[
        Optional(), Length(max=80, message=_l("Paling banyak 80 karakter.")), _valid_slug])


def _one_of(choices: dict, message) -> list:
    """Choice validation with an Indonesian message (WTForms' own says "Not a valid choice")."""
    return [AnyOf(list(choices), message=message)]


def _valid_slug(form, field) -> None:
    if field.data and not SLUG.match(field.data):
        raise ValidationError(_l("Slug hanya boleh huruf kecil, angka, dan tanda hubung, diawali huruf atau angka."))


def _at_least_one_line(message):
    def check(form, field):
        if not split_lines(field.data):
            raise ValidationError(message)
    return check


class CourseForm(FlaskForm):
    """A course's details as the trainer writes them."""

    title = _title_field(_l("Judul kursus"))
    slug = _slug_field(_l("Slug (alamat)"))
    summary = TextAreaField(_l("Ringkasan"), filters=[_strip])
    audience = TextAreaField(_l("Sasaran peserta"), filters=[_strip])
    hours = WholeNumberField(_l("Jam pelajaran"), validators=[InputRequired(_l("Jam pelajaran wajib diisi.")),
                                                              NumberRange(min=1, message=_l("Jam pelajaran minimal 1."))])
    sequential = BooleanField(_l("Modul terbuka berurutan"))
    sources = TextAreaField(_l("Sumber (satu per baris)"), validators=[_at_least_one_line(_l("Tulis minimal satu sumber."))])
    submit = SubmitField(_l("Simpan"))


class OwnerForm(FlaskForm):
    """The email of a trainer to add as co-owner of a course."""

    email = EmailField(_l("Email pelatih"), filters=[_strip],
                       validators=[DataRequired(_l("Email wajib diisi.")), Email(_l("Alamat email tidak valid."))])
    submit = SubmitField(_l("Tambahkan pemilik"))


class ModuleForm(FlaskForm):
    """A module's title and slug."""

    title = _title_field(_l("Judul modul"))
    slug = _slug_field(_l("Slug (alamat)"))
    submit = SubmitField(_l("Simpan"))


class LessonForm(FlaskForm):
    """A lesson: metadata and its Markdown body; "Pratinjau" renders it without saving."""

    title = _title_field(_l("Judul pelajaran"))
    slug = _slug_field(_l("Slug (alamat)"))
    minutes = WholeNumberField(_l("Durasi (menit)"), validators=[InputRequired(_l("Durasi wajib diisi.")),
                                                                 NumberRange(min=1, message=_l("Durasi minimal 1 menit."))])
    objectives = TextAreaField(_l("Tujuan pembelajaran (satu per baris)"),
                               validators=[_at_least_one_line(_l("Tulis minimal satu tujuan pembelajaran."))])
    sources = TextAreaField(_l("Sumber (satu per baris)"), validators=[_at_least_one_line(_l("Tulis minimal satu sumber."))])
    body = TextAreaField(_l("Isi pelajaran (Markdown)"), validators=[DataRequired(_l("Isi pelajaran tidak boleh kosong."))])
    submit = SubmitField(_l("Simpan"))
    preview = SubmitField(_l("Pratinjau"))


def _valid_tag_counts(form, field) -> None:
    try:
        parse_tag_counts(field.data)
    except ValueError as error:
        raise ValidationError(str(error.args[0])) from None


def _valid_tags(form, field) -> None:
    wrong = [tag for tag in split_tags(field.data) if not is_tag(tag)]
    if wrong:
        raise ValidationError(_l("Tag hanya boleh huruf kecil, angka, dan tanda hubung, paling panjang %(n)d karakter: "
                                 "%(tags)s.", n=TAG_MAX, tags=", ".join(wrong)))


class QuizForm(FlaskForm):
    """A quiz's settings: pass mark, attempts, what the result page shows, and the draw from its pool."""

    title = _title_field(_l("Judul kuis"))
    pass_mark = WholeNumberField(_l("Nilai lulus (persen)"), validators=[
        InputRequired(_l("Nilai lulus wajib diisi.")),
        NumberRange(min=1, max=100, message=_l("Nilai lulus harus 1 sampai 100."))])
    max_attempts = WholeNumberField(_l("Batas percobaan"), validators=[
        Optional(), NumberRange(min=1, message=_l("Batas percobaan minimal 1, atau kosongkan."))])
    review = RadioField(_l("Yang dilihat peserta setelah mengirim jawaban"), choices=list(REVIEW_LABELS.items()),
                        default=ReviewPolicy.AFTER_PASS, validate_choice=False,
                        validators=_one_of(REVIEW_LABELS, _l("Pilih salah satu pilihan tinjauan.")))
    draw = WholeNumberField(_l("Soal per percobaan"), validators=[
        Optional(), NumberRange(min=1, message=_l("Soal per percobaan minimal 1, atau kosongkan."))])
    draw_per_tag = TextAreaField(_l("Soal per tag (satu baris per tag)"), validators=[_valid_tag_counts])
    submit = SubmitField(_l("Simpan"))

    def tag_counts(self) -> dict[str, int]:
        """The validated draw_per_tag lines as {tag: n}."""
        return parse_tag_counts(self.draw_per_tag.data)


class ChoiceRowForm(Form):
    """One row of the fixed set of choice rows; an empty row is ignored (no CSRF: the question form has it)."""

    key = HiddenField()
    text = StringField(_l("Teks pilihan"), filters=[_strip])
    correct = BooleanField(_l("Jawaban benar"))
    weight = StringField(_l("Nilai pilihan dalam persen (opsional, -100 sampai 100)"), filters=[_strip])
    feedback = StringField(_l("Umpan balik (opsional)"), filters=[_strip])


class QuestionForm(FlaskForm):
    """A question of any of the four types, checked with the course file checker's rules."""

    type = SelectField(_l("Jenis soal"), choices=list(QUESTION_TYPE_LABELS.items()), validate_choice=False,
                       validators=_one_of(QUESTION_TYPE_LABELS, _l("Pilih jenis soal dari daftar.")))
    text = TextAreaField(_l("Teks soal (Markdown)"), validators=[DataRequired(_l("Teks soal wajib diisi."))], filters=[_strip])
    explanation = TextAreaField(_l("Penjelasan (tampil setelah kuis dikumpulkan)"),
                                validators=[DataRequired(_l("Penjelasan wajib diisi."))], filters=[_strip])
    key = _slug_field(_l("Kunci soal"))
    tags = StringField(_l("Tag (opsional)"), filters=[_strip], validators=[_valid_tags])
    points = DecimalNumberField(_l("Bobot"), default=1.0, validators=[
        InputRequired(_l("Bobot wajib diisi.")), NumberRange(min=0.01, message=_l("Bobot harus lebih dari 0."))])
    scoring = RadioField(_l("Cara menilai soal banyak jawaban"), choices=list(SCORING_LABELS.items()), default=SCORING_PARTIAL,
                         validate_choice=False, validators=_one_of(SCORING_LABELS, _l("Pilih cara menilai dari daftar.")))
    choices = FieldList(FormField(ChoiceRowForm), min_entries=CHOICE_ROWS)
    tf_answer = RadioField(_l("Pernyataan ini"), choices=[("true", _l("Benar")), ("false", _l("Salah"))],
                           validate_choice=False, validators=[Optional()])
    tf_feedback_true = StringField(_l("Umpan balik bila peserta menjawab Benar (opsional)"), filters=[_strip])
    tf_feedback_false = StringField(_l("Umpan balik bila peserta menjawab Salah (opsional)"), filters=[_strip])
    accepted = TextAreaField(_l("Jawaban yang diterima (satu per baris)"))
    # Moodle's GIFT way of writing them: "%50%Kucing # Umpan balik"; \# for a # in the answer.
    submit = SubmitField(_l("Simpan soal"))

    def filled_choices(self) -> list[ChoiceEdit]:
        """The choice rows that have text, in order; with weights, correct follows the weight."""
        choices = [
            ChoiceEdit(text=row.form.text.data, correct=bool(row.form.correct.data), feedback=row.form.feedback.data or "",
                       key=(row.form.key.data or "").strip(), weight=_percent(row.form.weight.data))
            for row in self.choices if row.form.text.data
        ]
        weights = [choice.weight for choice in choices]
        if choices and all(weight is not None for weight in weights):
            kept = choice_weights(self.type.data, weights)
            for choice, weight in zip(choices, weights):
                choice.correct, choice.weight = is_correct_weight(self.type.data, weight), None if kept is None else weight
        return choices

    def _check_weights(self):
        """Weights on every filled row or on none, numbers, and as Moodle's editor wants them."""
        rows = [row.form for row in self.choices if row.form.text.data]
        given = [row.weight.data for row in rows if row.weight.data]
        if not given:
            return None
        if len(given) != len(rows) or any(_percent(value) is None for value in given):
            return self.choices, _l("Bila satu pilihan diberi nilai, semua pilihan harus diberi nilai berupa angka "
                                    "antara -100 dan 100.")
        problems = weight_problems(self.type.data, [_percent(value) for value in given])
        return (self.choices, problems[0]) if problems else None

    def validate(self, extra_validators=None) -> bool:
        """Field checks, then the rules of the chosen question type."""
        valid = super().validate(extra_validators)
        return self._validate_type() and valid

    def _validate_type(self) -> bool:
        """Apply the type's rule; choice-row problems go to choice_errors, shown above the rows."""
        self.choice_errors: list[str] = []
        checks = {"single": self._check_single, "multiple": self._check_multiple,
                  "truefalse": self._check_truefalse, "short": self._check_short}
        problem = checks[self.type.data]() if self.type.data in checks else None
        if problem is None:
            return True
        target, message = problem
        if target is self.choices:
            self.choice_errors.append(message)
        else:
            target.errors = [*target.errors, message]
        return False

    def _feedback_without_text(self):
        for row in self.choices:
            if not row.form.text.data and (row.form.feedback.data or row.form.correct.data):
                return self.choices, _l("Ada baris pilihan yang diberi tanda benar atau umpan balik tetapi teksnya kosong.")
        return None

    def _check_single(self):
        filled = self.filled_choices()
        if len(filled) < 2:
            return self.choices, _l("Soal pilihan ganda minimal punya dua pilihan.")
        weights = self._check_weights()
        if weights:
            return weights
        if sum(choice.correct for choice in filled) != 1:
            return self.choices, _l("Soal pilihan ganda satu jawaban harus punya tepat satu pilihan benar.")
        return self._feedback_without_text()

    def _check_multiple(self):
        filled = self.filled_choices()
        if len(filled) < 2:
            return self.choices, _l("Soal pilihan ganda minimal punya dua pilihan.")
        weights = self._check_weights()
        if weights:
            return weights
        if not any(choice.correct for choice in filled):
            return self.choices, _l("Soal banyak jawaban minimal punya satu pilihan benar.")
        return self._feedback_without_text()

    def _check_truefalse(self):
        if self.tf_answer.data not in ("true", "false"):
            return self.tf_answer, _l("Pilih apakah pernyataan ini Benar atau Salah.")
        if self.filled_choices():
            return self.choices, _l("Soal Benar/Salah tidak memakai baris pilihan; kosongkan baris pilihan.")
        return None

    def _check_short(self):
        if not split_lines(self.accepted.data):
            return self.accepted, _l("Tulis minimal satu jawaban yang diterima.")
        answers = [accepted_line(line) for line in split_lines(self.accepted.data)]
        if any(answer is None for answer in answers):
            return self.accepted, _l("Tulis nilai sebagian sebagai %50% di awal baris, dengan angka antara 0 dan 100.")
        problems = weight_problems("short", [weight for _text, weight, _feedback in answers])
        if problems:
            return self.accepted, problems[0]
        if self.filled_choices():
            return self.choices, _l("Soal jawaban singkat tidak memakai baris pilihan; kosongkan baris pilihan.")
        return None

    def edited_question(self) -> QuestionEdit:
        """The validated form as the data a service writes."""
        kind = self.type.data
        if kind == "truefalse":
            choices = truefalse_choices(self.tf_answer.data == "true", self.tf_feedback_true.data or "",
                                        self.tf_feedback_false.data or "")
        else:
            choices = self.filled_choices() if kind in ("single", "multiple") else []
        answers = [accepted_line(line) for line in split_lines(self.accepted.data)] if kind == "short" else []
        return QuestionEdit(
            type=kind, text=self.text.data, explanation=self.explanation.data, key=self.key.data or "",
            scoring=self.scoring.data if kind == "multiple" else SCORING_PARTIAL, points=float(self.points.data),
            accepted=[text for text, _weight, _feedback in answers], choices=choices, tags=split_tags(self.tags.data),
            accepted_weights=list(significant_weights(weight for _text, weight, _feedback in answers)),
            accepted_feedback=texts_if_any(feedback for _text, _weight, feedback in answers),
        )

    def fill_from(self, question) -> None:
        """Fill the form (on GET) from a stored question, with empty rows to add choices."""
        self.type.data, self.text.data, self.explanation.data = question.type, question.text, question.explanation
        self.key.data, self.points.data, self.scoring.data = question.key, question.points, question.scoring
        self.accepted.data = join_lines(accepted_lines(question.accepted, question.accepted_weights,
                                                      question.accepted_feedback))
        self.tags.data = ", ".join(question.tags or [])
        by_key = {choice.key: choice for choice in question.choices}
        if question.type == "truefalse":
            self.tf_answer.data = "true" if by_key.get("true") is not None and by_key["true"].correct else "false"
            self.tf_feedback_true.data = by_key["true"].feedback if "true" in by_key else ""
            self.tf_feedback_false.data = by_key["false"].feedback if "false" in by_key else ""
            return
        rows = max(CHOICE_ROWS, len(question.choices) + 2)
        while len(self.choices) < rows:
            self.choices.append_entry()
        for row, choice in zip(self.choices, question.choices):
            row.form.key.data, row.form.text.data = choice.key, choice.text
            row.form.correct.data, row.form.feedback.data = choice.correct, choice.feedback
            row.form.weight.data = "" if choice.weight is None else f"{choice.weight:g}"


class ImportForm(FlaskForm):
    """Questions to import: a .txt file or pasted text, and its format."""

    format = RadioField(_l("Format"), choices=list(IMPORT_FORMATS.items()), default="gift", validate_choice=False,
                        validators=_one_of(IMPORT_FORMATS, _l("Pilih format GIFT atau Aiken.")))
    file = FileField(_l("Berkas .txt"), validators=[FileAllowed(["txt", "gift"], _l("Unggah berkas teks berakhiran .txt."))])
    text = TextAreaField(_l("Atau tempel teks soal di sini"))
    submit = SubmitField(_l("Periksa"))


class CourseFileForm(FlaskForm):
    """An image or PDF for a course's lessons, with the text that says what it shows."""

    file = FileField(_l("Gambar (JPG, PNG, GIF, WebP) atau PDF"), validators=[FileRequired(_l("Pilih berkas untuk diunggah."))])
    alt = StringField(_l("Teks alternatif: apa yang terlihat di gambar, atau isi PDF-nya"), filters=[_strip], validators=[
        DataRequired(_l("Teks alternatif wajib diisi: tulis apa yang terlihat, untuk pembaca layar dan bila gambar "
                        "tidak termuat.")), Length(max=300, message=_l("Paling banyak 300 karakter."))])
    replace = BooleanField(_l("Ganti berkas yang sudah ada dengan nama yang sama"))
    submit = SubmitField(_l("Unggah"))


class ImportConfirmForm(FlaskForm):
    """The checked text, carried back in hidden fields and parsed again before writing."""

    format = HiddenField(validators=[DataRequired()])
    text = HiddenField(validators=[DataRequired()])
    submit = SubmitField(_l("Simpan soal"))


class ButtonForm(FlaskForm):
    """A bare form whose only job is to carry the CSRF token of a POST button."""
