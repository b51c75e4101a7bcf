"""A digest, per course, of the content its enrolment figures were last recounted over.

Existing courses start with an empty digest, so the first content change after the upgrade (or
`flask courses recount`) recounts their figures from the records.

Revision ID: 0009
Revises: 0008
"""
import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("courses", schema=None) as batch_op:
        batch_op.add_column(sa.Column("counted_digest", sa.String(length=40), server_default="", nullable=False))


def downgrade():
    # Not in batch mode: on SQLite that would copy the table, and dropping the old `courses` with
    # foreign keys on deletes every module, enrolment and certificate. SQLite 3.35+ drops in place.
    op.drop_column("courses", "counted_digest")
