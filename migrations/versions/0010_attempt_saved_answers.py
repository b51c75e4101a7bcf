"""Answers of an open attempt saved on the server: attempts.saved_answers and answers_saved_at.

Revision ID: 0010
Revises: 0009
"""
import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("attempts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("saved_answers", sa.JSON(), nullable=False, server_default=sa.text("'{}'")))
        batch_op.add_column(sa.Column("answers_saved_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("attempts", schema=None) as batch_op:
        batch_op.alter_column("saved_answers", server_default=None)


def downgrade():
    with op.batch_alter_table("attempts", schema=None) as batch_op:
        batch_op.drop_column("answers_saved_at")
        batch_op.drop_column("saved_answers")
