"""flask xapi send, status and export: the statement outbox from the command line."""
from __future__ import annotations

import signal
import time

import click
from flask import current_app
from flask.cli import AppGroup

from app.accounts import services as accounts
from app.extensions import db
from app.xapi import services
from app.xapi.lrs import Lrs

xapi_cli = AppGroup("xapi", help="Pernyataan xAPI: kirim ke LRS, lihat antrean, ekspor JSON lines.")


def drain(lrs: Lrs, batch_size: int | None = None) -> services.BatchOutcome:
    """Send due statements batch by batch, committing each, until none is due or the LRS is away."""
    sent = failed = 0
    while True:
        outcome = services.send_due(lrs, limit=batch_size)
        db.session.commit()
        sent, failed = sent + outcome.sent, failed + outcome.failed
        if outcome.unavailable or (outcome.sent == 0 and outcome.failed == 0):
            return services.BatchOutcome(sent, failed, outcome.unavailable)


class _Stop:
    """Set by SIGTERM or SIGINT so that the loop ends after the batch in hand."""

    requested = False

    def __call__(self, *_args) -> None:
        self.requested = True


@xapi_cli.command("send")
@click.option("--loop", is_flag=True, help="Terus berjalan: kirim, tunggu --interval detik, ulangi (untuk layanan latar).")
@click.option("--interval", default=60, show_default=True, type=click.IntRange(1, 86_400), help="Jeda antarputaran dengan --loop.")
@click.option("--batch-size", default=None, type=click.IntRange(1, 1000), help="Pernyataan per permintaan (XAPI_BATCH_SIZE, bawaan 50).")
def send_command(loop: bool, interval: int, batch_size: int | None) -> None:
    """Kirim pernyataan yang menunggu ke LRS (XAPI_ENDPOINT); yang gagal dicoba lagi dengan jeda yang makin panjang."""
    lrs = Lrs.from_config(current_app.config)
    if lrs is None:
        click.echo("XAPI_ENDPOINT belum diatur: pernyataan tetap tersimpan di antrean dan dapat diekspor "
                   "dengan 'flask xapi export'.", err=True)
        raise SystemExit(1)
    stop = _Stop()
    if loop:
        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
    while True:
        outcome = drain(lrs, batch_size)
        if outcome.sent or outcome.failed or not loop:
            note = " LRS tidak dapat dihubungi; dicoba lagi nanti." if outcome.unavailable else ""
            click.echo(f"Terkirim: {outcome.sent}, gagal (dicoba lagi nanti): {outcome.failed}.{note}")
        if not loop:
            raise SystemExit(1 if outcome.unavailable else 0)
        for _second in range(interval):
            if stop.requested:
                return
            time.sleep(1)
        db.session.remove()  # a fresh connection each round: the loop may run for months


@xapi_cli.command("status")
def status_command() -> None:
    """Tampilkan jumlah pernyataan yang menunggu, yang pernah gagal, dan yang sudah terkirim."""
    counts = services.outbox_counts()
    endpoint = current_app.config.get("XAPI_ENDPOINT") or "(belum diatur)"
    click.echo(f"LRS: {endpoint}\nMenunggu: {counts.pending} (pernah gagal: {counts.retrying})\nTerkirim: {counts.sent}")


@xapi_cli.command("export")
@click.option("--wilayah", "regency_code", default="", help="Hanya peserta wilayah ini (kode Kemendagri, mis. 64.02).")
@click.option("--menunggu", "pending_only", is_flag=True, help="Hanya pernyataan yang belum terkirim.")
def export_command(regency_code: str, pending_only: bool) -> None:
    """Tulis pernyataan ke keluaran standar, satu JSON per baris (JSON lines), tertua lebih dahulu."""
    regency_id = None
    if regency_code:
        regency = accounts.regency_by_code(regency_code)
        if regency is None:
            raise click.BadParameter(f"kode wilayah {regency_code} tidak dikenal", param_hint="--wilayah")
        regency_id = regency.id
    for line in services.export_lines(regency_id=regency_id, pending_only=pending_only):
        click.echo(line, nl=False)

