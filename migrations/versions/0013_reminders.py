"""Reminders: when each enrolment's trainee was reminded, and by whom.

Revision ID: 0013
Revises: 0012
"""
import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "reminders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enrollment_id", sa.Integer(), nullable=False),
        sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reminded_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["enrollment_id"], ["enrollments.id"], name=op.f("fk_reminders_enrollment_id_enrollments"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["reminded_by_id"], ["users.id"], name=op.f("fk_reminders_reminded_by_id_users"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reminders")),
    )
    op.create_index("ix_reminders_enrollment_id_reminded_at", "reminders", ["enrollment_id", "reminded_at"], unique=False)


def downgrade():
    op.drop_index("ix_reminders_enrollment_id_reminded_at", table_name="reminders")
    op.drop_table("reminders")
