"""An explicit content version per course, counted up by the services on every change.

Revision ID: 0007
Revises: 0006
"""
import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("courses", schema=None) as batch_op:
        batch_op.add_column(sa.Column("content_version", sa.Integer(), server_default="1", nullable=False))


def downgrade():
    # Not in batch mode: on SQLite that would copy the table, and dropping the old `courses` with
    # foreign keys on deletes every module, enrolment and certificate. SQLite 3.35+ drops in place.
    op.drop_column("courses", "content_version")
