"""flask users create, and flask demo: the demo account of every role."""
from __future__ import annotations

import click
from flask.cli import AppGroup
from email_validator import EmailNotValidError, validate_email

from app.accounts import services
from app.accounts.models import Role
from app.accounts.validators import nip_problem, normalise_email, normalise_nip, password_problem
from app.extensions import db
from app.reports.demo import DEFAULT_TRAINEES, fill_demo

users_cli = AppGroup("users", help="Kelola akun pengguna.")

DEMO_PASSWORD = "demo-kelaskim-2023"
DEMO_ACCOUNTS = (
    # email, name, role, regency code, unit
    ("peserta@kelaskim.example", "Peserta Demo Kukar", Role.TRAINEE, "64.02", "Diskominfo Kabupaten Kutai Kartanegara"),
    ("koordinator.mahulu@kelaskim.example", "Koordinator Demo Mahakam Ulu", Role.COORDINATOR, "64.11", "Diskominfo Kabupaten Mahakam Ulu"),
    ("koordinator.provinsi@kelaskim.example", "Koordinator Demo Provinsi", Role.COORDINATOR, "64", "Diskominfo Provinsi Kalimantan Timur"),
    ("pelatih@kelaskim.example", "Pelatih Demo", Role.TRAINER, "64", "Diskominfo Provinsi Kalimantan Timur"),
    ("admin@kelaskim.example", "Admin Demo", Role.ADMIN, "64", "Diskominfo Provinsi Kalimantan Timur"),
)


def ensure_user(email: str, name: str, role: str, regency_code: str, password: str, unit: str = "", nip: str | None = None, demo: bool = False):
    """Create the account unless it exists; return (user, created)."""
    existing = services.user_by_email(email)
    if existing is not None:
        return existing, False
    regency = services.regency_by_code(regency_code)
    if regency is None:
        raise click.BadParameter(f"kode wilayah {regency_code} tidak dikenal", param_hint="--regency")
    data = services.AccountData(email=normalise_email(email), full_name=name, role=role, regency_id=regency.id, nip=nip, unit=unit)
    user = services.create_user(data, password)
    user.is_demo = demo
    return user, True


@users_cli.command("create")
@click.option("--email", required=True, help="Alamat email (unik).")
@click.option("--name", required=True, help="Nama lengkap.")
@click.option("--role", type=click.Choice(Role.ALL), default=Role.TRAINEE, show_default=True)
@click.option("--regency", "regency_code", required=True, help="Kode Kemendagri, mis. 64.02; 64 untuk provinsi.")
@click.option("--unit", default="", help="Instansi atau nama KIM.")
@click.option("--nip", default=None, help="NIP 18 angka (opsional).")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True, help="Ditanyakan bila tidak diberikan.")
def create_user_command(email, name, role, regency_code, unit, nip, password):
    """Buat akun; bila email sudah terdaftar, akun itu dibiarkan apa adanya."""
    try:
        email = validate_email(email, check_deliverability=False).normalized.lower()
    except EmailNotValidError as error:
        raise click.BadParameter(str(error), param_hint="--email")
    nip = normalise_nip(nip)
    if nip and (problem := nip_problem(nip)):
        raise click.BadParameter(problem, param_hint="--nip")
    if problem := password_problem(password, email):
        raise click.BadParameter(problem, param_hint="--password")
    services.seed_regencies()
    try:
        user, created = ensure_user(email, name, role, regency_code, password, unit=unit, nip=nip)
    except services.AccountError as error:
        raise click.ClickException(str(error))
    db.session.commit()
    click.echo(f"Akun dibuat: {user.email} ({user.role}, {user.regency.code})" if created else f"Akun sudah ada, tidak diubah: {user.email}")


@click.command("demo")
@click.option("--trainees", default=DEFAULT_TRAINEES, show_default=True, type=click.IntRange(0, 100_000),
              help="Peserta contoh di semua wilayah agar dasbor hidup; 0 = tanpa peserta contoh.")
def demo_command(trainees: int):
    """Tambahkan satu akun demo untuk setiap peran dan peserta contoh, lalu cetak kredensialnya."""
    services.seed_regencies()
    rows = []
    for email, name, role, code, unit in DEMO_ACCOUNTS:
        user, created = ensure_user(email, name, role, code, DEMO_PASSWORD, unit=unit, demo=True)
        rows.append((user, created))
    trainer = next(user for user, _ in rows if user.role == Role.TRAINER)
    owned = share_courses_with(trainer)
    summary = fill_demo(trainees) if trainees else None
    db.session.commit()
    click.echo(f"Akun demo (kata sandi semuanya: {DEMO_PASSWORD}):")
    for user, created in rows:
        state = "baru" if created else "sudah ada"
        click.echo(f"  {user.role:<12} {user.email:<40} {user.regency.name} [{state}]")
    if owned:
        click.echo(f"Pelatih demo kini ikut mengelola {owned} kursus.")
    if summary is not None:
        click.echo(f"Peserta contoh baru: {summary.trainees} (hapus semuanya dengan 'flask demo-data remove').")


def share_courses_with(trainer) -> int:
    """Make the trainer a co-owner of every course they do not own yet; return how many."""
    from app.catalog import versions
    from app.catalog.models import Course

    courses = db.session.scalars(db.select(Course)).all()
    added = [course for course in courses if trainer not in course.owners]
    for course in added:
        course.owners.append(trainer)
    versions.bump(course.id for course in added)
    return len(added)
