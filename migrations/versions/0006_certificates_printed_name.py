"""Certificates keep the name they were issued with; the owner can have them re-issued with a new name.

Revision ID: 0006
Revises: 0005
"""
import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.add_column(sa.Column("printed_name", sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column("reissued_at", sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.drop_column("reissued_at")
        batch_op.drop_column("printed_name")
