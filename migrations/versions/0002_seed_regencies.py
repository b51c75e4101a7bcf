"""The province of Kalimantan Timur and its ten regencies and cities (Kemendagri codes).

Revision ID: 0002
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

REGENCIES = [
    ("64", "Provinsi Kalimantan Timur"),
    ("64.01", "Kabupaten Paser"),
    ("64.02", "Kabupaten Kutai Kartanegara"),
    ("64.03", "Kabupaten Berau"),
    ("64.07", "Kabupaten Kutai Barat"),
    ("64.08", "Kabupaten Kutai Timur"),
    ("64.09", "Kabupaten Penajam Paser Utara"),
    ("64.11", "Kabupaten Mahakam Ulu"),
    ("64.71", "Kota Balikpapan"),
    ("64.72", "Kota Samarinda"),
    ("64.74", "Kota Bontang"),
]

regencies = sa.table("regencies", sa.column("code", sa.String), sa.column("name", sa.String))


def upgrade():
    op.bulk_insert(regencies, [{"code": code, "name": name} for code, name in REGENCIES])


def downgrade():
    op.execute(regencies.delete().where(regencies.c.code.in_([code for code, _ in REGENCIES])))
