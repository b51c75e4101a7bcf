"""flask demo-data fill and remove: generated trainees for trying out the reports."""
from __future__ import annotations

import time

import click
from flask.cli import AppGroup

from app.accounts.services import seed_regencies
from app.extensions import db
from app.reports import demo

demo_cli = AppGroup("demo-data", help="Peserta demo untuk mencoba dasbor dan laporan.")


@demo_cli.command("fill")
@click.option("--trainees", default=demo.DEFAULT_TRAINEES, show_default=True, type=click.IntRange(1, 100_000),
              help="Jumlah peserta demo yang diinginkan (yang sudah ada tidak dibuat ulang).")
def fill_command(trainees: int) -> None:
    """Buat peserta demo di semua wilayah, terdaftar di kursus yang terbit, dalam berbagai status."""
    started = time.monotonic()
    seed_regencies()
    summary = demo.fill_demo(trainees)
    db.session.commit()
    if not summary.courses:
        click.echo("Belum ada kursus yang terbit: peserta demo dibuat tanpa pendaftaran kursus. "
                   "Jalankan 'flask courses import courses/' lalu 'flask demo-data remove' dan 'fill' lagi.")
    click.echo(f"Peserta demo baru: {summary.trainees} (email @{demo.DEMO_DOMAIN}), pendaftaran: {summary.enrolments}, "
               f"selesai: {summary.completed}, percobaan kuis: {summary.attempts} "
               f"({time.monotonic() - started:.1f} detik).")


@demo_cli.command("remove")
def remove_command() -> None:
    """Hapus semua peserta demo hasil 'fill' beserta kemajuan dan sertifikatnya; akun 'flask demo' tetap."""
    summary = demo.remove_demo()
    db.session.commit()
    click.echo(f"Peserta demo dihapus: {summary.trainees}, beserta {summary.enrolments} pendaftaran kursus.")
