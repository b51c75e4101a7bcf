"""flask backup PATH and flask restore PATH: the whole database to one file and back (SQLite or PostgreSQL)."""
from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import tempfile
from pathlib import Path

import click
from sqlalchemy.engine import URL, Engine

from app.extensions import db

# libpq reads these from the environment; the password never appears on a command line.
_LIBPQ_QUERY_ENV = {"sslmode": "PGSSLMODE", "sslrootcert": "PGSSLROOTCERT", "connect_timeout": "PGCONNECT_TIMEOUT"}
# A restore waits this long for locks, then gives up with nothing changed (the app is still running).
_RESTORE_LOCK_TIMEOUT = "30s"


class BackupError(RuntimeError):
    """A backup or restore could not be done; the message says why, in Bahasa Indonesia."""


# --- SQLite: the online backup API copies a consistent snapshot, even while the app writes.

def sqlite_backup(engine: Engine, path: Path) -> None:
    """Copy the live SQLite database to path, replacing the file only once the copy is whole."""
    fd, partial = tempfile.mkstemp(prefix=".kelaskim-backup-", dir=path.parent)
    os.close(fd)
    source = engine.raw_connection()
    try:
        target = sqlite3.connect(partial)
        try:
            source.driver_connection.backup(target)
            # One self-contained file: no -wal or -shm companions to forget when copying it.
            target.execute("PRAGMA journal_mode=DELETE")
        finally:
            target.close()
        os.replace(partial, path)
    except sqlite3.Error as error:
        raise BackupError(f"Cadangan SQLite gagal: {error}") from error
    finally:
        source.close()
        if os.path.exists(partial):
            os.unlink(partial)


def _check_sqlite_backup(path: Path) -> None:
    try:
        check = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            healthy = check.execute("PRAGMA quick_check").fetchone()[0] == "ok"
            has_schema = check.execute("SELECT 1 FROM sqlite_master WHERE name = 'alembic_version'").fetchone()
        finally:
            check.close()
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{path} bukan berkas cadangan SQLite Kelas KIM ({error}).") from error
    if not healthy:
        raise BackupError(f"Berkas cadangan {path} rusak (PRAGMA quick_check gagal).")
    if not has_schema:
        raise BackupError(f"{path} bukan cadangan Kelas KIM: tabel alembic_version tidak ada.")


def sqlite_restore(engine: Engine, path: Path) -> None:
    """Replace the live SQLite database with the backup at path, in one step."""
    _check_sqlite_backup(path)
    engine.dispose()
    source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    target = engine.raw_connection()
    try:
        source.backup(target.driver_connection)
    except sqlite3.Error as error:
        raise BackupError(f"Pemulihan SQLite gagal: {error}") from error
    finally:
        target.close()
        source.close()
        engine.dispose()


# --- PostgreSQL: pg_dump in the custom format, pg_restore --clean in one transaction.

def _pg_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            f"Program {name} tidak ditemukan. Pasang klien PostgreSQL (Debian: apt-get install postgresql-client) "
            "dengan versi yang sama atau lebih baru dari server, lalu ulangi."
        )
    return path


def pg_environment(url: URL) -> dict[str, str]:
    """libpq environment for the database URL: host, port, user, password, database, SSL settings."""
    env = dict(os.environ)
    values = {"PGHOST": url.host, "PGPORT": url.port, "PGUSER": url.username, "PGPASSWORD": url.password, "PGDATABASE": url.database}
    env.update({key: str(value) for key, value in values.items() if value not in (None, "")})
    for option, variable in _LIBPQ_QUERY_ENV.items():
        if option in url.query:
            env[variable] = str(url.query[option])
    return env


def _run(command: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip()
        raise BackupError(f"{Path(command[0]).name} gagal (kode {result.returncode}):\n{detail}")


def pg_backup(url: URL, path: Path) -> None:
    """Dump the PostgreSQL database to path in pg_dump's custom format."""
    pg_dump = _pg_tool("pg_dump")
    fd, partial = tempfile.mkstemp(prefix=".kelaskim-backup-", dir=path.parent)
    os.close(fd)
    try:
        _run([pg_dump, "--format=custom", f"--file={partial}"], pg_environment(url))
        os.replace(partial, path)
    finally:
        if os.path.exists(partial):
            os.unlink(partial)


def pg_restore(url: URL, path: Path) -> None:
    """Replace the PostgreSQL database's contents with the dump at path, all or nothing."""
    tool = _pg_tool("pg_restore")
    env = pg_environment(url)
    env["PGOPTIONS"] = f"{env.get('PGOPTIONS', '')} -c lock_timeout={_RESTORE_LOCK_TIMEOUT}".strip()
    _run([tool, "--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction",
          f"--dbname={env.get('PGDATABASE', '')}", str(path)], env)


# --- The commands.

def backup_database(engine: Engine, path: Path) -> None:
    """Write a backup of the database behind engine to path."""
    dialect = engine.dialect.name
    if dialect == "sqlite":
        sqlite_backup(engine, path)
    elif dialect == "postgresql":
        pg_backup(engine.url, path)
    else:
        raise BackupError(f"Basis data {dialect} tidak didukung; hanya SQLite dan PostgreSQL.")


def restore_database(engine: Engine, path: Path) -> None:
    """Replace the database behind engine with the backup at path."""
    dialect = engine.dialect.name
    if dialect == "sqlite":
        sqlite_restore(engine, path)
    elif dialect == "postgresql":
        engine.dispose()  # our own pooled connections must not hold locks the restore waits for
        pg_restore(engine.url, path)
        engine.dispose()
    else:
        raise BackupError(f"Basis data {dialect} tidak didukung; hanya SQLite dan PostgreSQL.")


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, writable=True, path_type=Path))
def backup_command(path: Path) -> None:
    """Simpan cadangan seluruh basis data ke berkas PATH (ditimpa bila sudah ada)."""
    path = path.resolve()
    if not path.parent.is_dir():
        raise click.ClickException(f"Folder {path.parent} tidak ada.")
    db.session.remove()
    try:
        backup_database(db.engine, path)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Cadangan disimpan: {path} ({path.stat().st_size} bita).")


@click.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, readable=True, path_type=Path))
@click.option("--yes", is_flag=True, help="Jangan minta konfirmasi.")
def restore_command(path: Path, yes: bool) -> None:
    """Ganti seluruh isi basis data dengan cadangan di berkas PATH."""
    target = db.engine.url.render_as_string(hide_password=True)
    if not yes:
        click.confirm(
            f"Semua data di {target} akan diganti dengan isi {path}. Hentikan aplikasi lebih dulu. Lanjutkan?",
            abort=True,
        )
    db.session.remove()
    try:
        restore_database(db.engine, path.resolve())
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Basis data dipulihkan dari {path}. Bila cadangan dari versi lama, jalankan: flask db upgrade")
