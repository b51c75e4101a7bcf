"""Forms of the report pages: GET filters (no CSRF needed) and the two import steps."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Optional as Opt

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, IntegerField, SearchField, SelectField, SubmitField
from wtforms.validators import DataRequired, NumberRange, Optional, ValidationError

from app.accounts.forms import WitaDateField
from app.accounts.models import Regency
from app.catalog.models import Course
from app.reports.gradebook import GradebookFilter
from app.progress.status import STATUS_LABELS
from app.reports.reminders import DEFAULT_STALLED_DAYS
from app.reports.roster import DEFAULT_ORDER, ROSTER_ORDERS, RosterFilter

MSG_CHOICE = _l("Pilihan tidak dikenal; pilih dari daftar.")


class ChoiceField(SelectField):
    """A select whose "not in the list" error is in Bahasa Indonesia."""

    def pre_validate(self, form) -> None:
        if self.data and self.data not in {str(value) for value, _label in self.choices}:
            raise ValidationError(MSG_CHOICE)


class DaysField(IntegerField):
    """A number of days, with an Indonesian error for text that is not a number."""

    def process_formdata(self, valuelist) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            raise ValueError(_l("Isi jumlah hari dengan angka, misalnya 14.")) from error


class GetFilterForm(FlaskForm):
    """A filter form sent by GET: it changes nothing, so it carries no CSRF token."""

    class Meta:
        csrf = False

    def __init__(self, formdata, courses: Sequence[Course] = (), regencies: Sequence[Regency] = (), **kwargs) -> None:
        super().__init__(formdata, **kwargs)
        self._courses = {c.slug: c for c in courses}
        self._regencies = {r.code: r for r in regencies}
        if hasattr(self, "kursus"):
            self.kursus.choices = [("", _l("Semua kursus"))] + [(c.slug, c.title) for c in courses]
        if hasattr(self, "wilayah"):
            self.wilayah.choices = [("", _l("Semua wilayah"))] + [(r.code, f"{r.code} {r.name}") for r in regencies]

    def _valid(self, name: str):
        """The field's data, or None when the field is absent or has an error."""
        field = getattr(self, name, None)
        return None if field is None or field.errors else field.data

    def course(self) -> Opt[Course]:
        """The chosen course, if any and valid."""
        return self._courses.get(self._valid("kursus") or "")

    def regency(self) -> Opt[Regency]:
        """The chosen unit, if any and valid."""
        return self._regencies.get(self._valid("wilayah") or "")


class DashboardFilterForm(GetFilterForm):
    """The dashboard's course filter."""

    kursus = ChoiceField(_l("Kursus"), validators=[Optional()])


# The column names the roster can be sorted by, in ROSTER_ORDERS order.
ORDER_LABELS = dict(zip(ROSTER_ORDERS, (
    _l("Wilayah, lalu nama"), _l("Nama"), _l("Kursus"), _l("Status"), _l("Kemajuan"), _l("Nilai kuis terbaik"),
    _l("Aktivitas terakhir"), _l("Tanggal selesai"))))


class RosterFilterForm(GetFilterForm):
    """The roster filters and order; the page and both exports read the same filters (exports keep the unit order)."""

    q = SearchField(_l("Cari nama atau NIP"), validators=[Optional()])
    kursus = ChoiceField(_l("Kursus"), validators=[Optional()])
    wilayah = ChoiceField(_l("Kabupaten/kota"), validators=[Optional()])
    status = ChoiceField(_l("Status"), validators=[Optional()])
    dari = WitaDateField(_l("Selesai sejak tanggal (WITA)"), validators=[Optional()])
    sampai = WitaDateField(_l("Selesai sampai tanggal (WITA)"), validators=[Optional()])
    urut = ChoiceField(_l("Urutkan menurut"), validators=[Optional()], choices=list(ORDER_LABELS.items()))
    arah = ChoiceField(_l("Arah urutan"), validators=[Optional()],
                       choices=[("naik", _l("Naik (A–Z, kecil ke besar)")), ("turun", _l("Turun (Z–A, besar ke kecil)"))])

    def __init__(self, formdata, **kwargs) -> None:
        super().__init__(formdata, **kwargs)
        self.status.choices = [("", _l("Semua status"))] + list(STATUS_LABELS.items())

    def order(self) -> tuple[str, bool]:
        """The column to sort by and whether downwards; the unit order when absent or invalid."""
        return self._valid("urut") or DEFAULT_ORDER, self._valid("arah") == "turun"

    def validate_sampai(self, field) -> None:
        if field.data and self.dari.data and not self.dari.errors and field.data < self.dari.data:
            raise ValidationError(_l("Tanggal akhir tidak boleh sebelum tanggal awal."))

    def to_filter(self) -> RosterFilter:
        """The filters to apply; fields with an error are left out."""
        course, regency = self.course(), self.regency()
        return RosterFilter(
            course_id=course.id if course else None, regency_id=regency.id if regency else None,
            status=self._valid("status") or "", completed_from=self._valid("dari"),
            completed_to=self._valid("sampai"), search=(self._valid("q") or "").strip()[:100],
        )


class GradebookFilterForm(GetFilterForm):
    """The course view's search and filters; the page and both exports read the same form."""

    q = SearchField(_l("Cari nama atau NIP"), validators=[Optional()])
    wilayah = ChoiceField(_l("Kabupaten/kota"), validators=[Optional()])
    status = ChoiceField(_l("Status"), validators=[Optional()])

    def __init__(self, formdata, **kwargs) -> None:
        super().__init__(formdata, **kwargs)
        self.status.choices = [("", _l("Semua status"))] + list(STATUS_LABELS.items())

    def to_filter(self) -> GradebookFilter:
        """The filters to apply; fields with an error are left out."""
        regency = self.regency()
        return GradebookFilter(regency_id=regency.id if regency else None, status=self._valid("status") or "",
                               search=(self._valid("q") or "").strip()[:100])


class StalledFilterForm(GetFilterForm):
    """Who to remind: idle for how many days, in which unit and course."""

    hari = DaysField(_l("Tidak aktif sekurang-kurangnya (hari)"), default=DEFAULT_STALLED_DAYS,
                     validators=[Optional(), NumberRange(1, 365, _l("Isi antara 1 dan 365 hari."))])
    wilayah = ChoiceField(_l("Kabupaten/kota"), validators=[Optional()])
    kursus = ChoiceField(_l("Kursus"), validators=[Optional()])
    diingatkan = DaysField(_l("Belum diingatkan dalam (hari)"),
                           validators=[Optional(), NumberRange(1, 365, _l("Isi antara 1 dan 365 hari."))])

    def days(self) -> int:
        """The number of days asked for, or the default when absent or invalid."""
        return self._valid("hari") or DEFAULT_STALLED_DAYS

    def not_reminded_days(self) -> Opt[int]:
        """Only trainees not reminded in this many days; None shows everyone."""
        return self._valid("diingatkan")


class ReminderForm(FlaskForm):
    """Record that a trainee was reminded: the CSRF token and where to go back to."""

    next = HiddenField()


class ImportUploadForm(FlaskForm):
    """Step one of the import: the CSV or Excel file."""

    berkas = FileField(_l("Berkas CSV atau Excel (.xlsx)"),
                       validators=[FileRequired(_l("Pilih berkas untuk diunggah."))])
    submit = SubmitField(_l("Periksa berkas"))


class TraineeImportConfirmForm(FlaskForm):
    """Step two: confirm the checked file, named by its upload token."""

    token = HiddenField(validators=[DataRequired()])
    submit = SubmitField(_l("Ya, impor semua baris"))


class InvitationSendForm(FlaskForm):
    """Send activation emails: to one account, or to every account on the list (one import, or all)."""

    user_id = HiddenField()
    impor = HiddenField()
    submit = SubmitField(_l("Kirim email"))
