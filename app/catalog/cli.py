"""flask courses check, import and export: the course folders of courses/ and the database."""
from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from sqlalchemy import select, update

from app.catalog import qexport, services, versions
from app.catalog.coursefiles.reading import Reading, read_courses
from app.catalog.loader import export_course, import_courses
from app.catalog.models import Course
from app.extensions import db

courses_cli = AppGroup("courses", help="Periksa, impor, dan ekspor kursus dalam format folder (courses/README.md).")

FOLDER = click.Path(exists=True, file_okay=False, path_type=Path)


def _read_and_report(path: Path) -> Reading:
    """Read the folder, print each problem and warning to stderr and a line per good course."""
    reading = read_courses(path)
    for problem in reading.problems:
        click.echo(str(problem), err=True)
    for warning in reading.warnings:
        click.echo(f"peringatan: {warning}", err=True)
    for course in reading.courses:
        lessons = sum(len(module.lessons) for module in course.modules)
        questions = sum(len(module.quiz.questions) for module in course.modules if module.quiz)
        files = f", {len(course.files)} berkas" if course.files else ""
        click.echo(f"{course.slug}: {len(course.modules)} modul, {lessons} pelajaran, {questions} soal{files}")
    return reading


@courses_cli.command("check")
@click.argument("path", type=FOLDER)
def check_command(path: Path) -> None:
    """Periksa folder kursus tanpa menulis apa pun; keluar dengan status 1 bila ada masalah."""
    reading = _read_and_report(path)
    if not reading.ok:
        click.echo(f"{len(reading.problems)} masalah ditemukan.", err=True)
        raise SystemExit(1)
    click.echo(f"Tidak ada masalah; {len(reading.warnings)} peringatan." if reading.warnings else "Tidak ada masalah.")


@courses_cli.command("import")
@click.argument("path", type=FOLDER)
@click.option("--dry-run", is_flag=True,
              help="Tampilkan apa yang akan ditambah, diubah, diarsipkan dan dihapus, tanpa menulis apa pun.")
def import_command(path: Path, dry_run: bool) -> None:
    """Impor (buat atau perbarui) kursus dari folder; bila ada masalah, tidak ada yang diimpor."""
    reading = _read_and_report(path)
    if not reading.ok:
        click.echo(f"{len(reading.problems)} masalah ditemukan; tidak ada kursus yang diimpor.", err=True)
        raise SystemExit(1)
    try:
        # A dry run is the real import, rolled back: its summary is exactly what the import would do.
        results = import_courses(reading.courses)
        if dry_run:
            db.session.rollback()
        else:
            db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    for result in results:
        click.echo(result.summary())
    changed = sum(result.changed for result in results)
    if dry_run:
        click.echo(f"Uji coba (--dry-run): {len(results)} kursus, {changed} akan berubah; tidak ada yang ditulis.")
    else:
        click.echo(f"Impor selesai: {len(results)} kursus, {changed} berubah.")


@courses_cli.command("export")
@click.argument("slug")
@click.argument("directory", metavar="DIR", type=click.Path(file_okay=False, path_type=Path))
@click.option("--questions", "question_format", type=click.Choice(sorted(qexport.FORMATS)), default=None,
              help="Tulis juga soal setiap kuis sebagai GIFT atau Moodle XML (untuk Moodle) di samping quiz.yaml.")
def export_command(slug: str, directory: Path, question_format: str | None) -> None:
    """Tulis kursus SLUG dari basis data ke DIR/SLUG/ dalam format folder kursus."""
    course = services.course_with_content(slug)
    if course is None:
        raise click.BadParameter(f"kursus '{slug}' tidak ada di basis data", param_hint="SLUG")
    result = export_course(course, directory, question_format)
    click.echo(f"Kursus '{slug}' ditulis ke {result.folder} ({len(result.files)} berkas).")
    for note in result.notes:
        click.echo(f"catatan: {note}", err=True)
    for path in result.stale:
        click.echo(f"Berkas lama tidak lagi dipakai (hapus bila tidak diperlukan): {path}", err=True)
    reading = read_courses(result.folder)
    for problem in reading.problems:
        click.echo(str(problem), err=True)
    for warning in reading.warnings:
        click.echo(f"peringatan: {warning}", err=True)
    if not reading.ok:
        # Content saved in the browser may break a rule of the format; say so before an import does.
        click.echo(f"{len(reading.problems)} masalah pada hasil ekspor: perbaiki sebelum diimpor kembali.", err=True)
        raise SystemExit(1)


@courses_cli.command("recount")
def recount_command() -> None:
    """Hitung ulang angka setiap pendaftaran (pelajaran selesai, nilai terbaik, kelulusan) dari catatan peserta."""
    ids = list(db.session.scalars(select(Course.id)))
    # Forgetting what the last recount counted makes the version bump recount every enrolment.
    db.session.execute(update(Course).values(counted_digest="").execution_options(synchronize_session=False))
    versions.bump(ids)
    db.session.commit()
    click.echo(f"Angka pendaftaran {len(ids)} kursus dihitung ulang dari catatan peserta.")

