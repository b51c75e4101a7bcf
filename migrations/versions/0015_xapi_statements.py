"""The xAPI statement outbox: statements made at each learning event, kept until the LRS has them.

Revision ID: 0015
Revises: 0014
"""
import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "xapi_statements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("statement_id", sa.String(length=36), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("verb", sa.String(length=20), nullable=False),
        sa.Column("statement", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("tries", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_xapi_statements_user_id_users"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_xapi_statements")),
        sa.UniqueConstraint("statement_id", name=op.f("uq_xapi_statements_statement_id")),
    )
    op.create_index("ix_xapi_statements_sent_at_next_attempt_at", "xapi_statements", ["sent_at", "next_attempt_at"])
    op.create_index(op.f("ix_xapi_statements_user_id"), "xapi_statements", ["user_id"])


def downgrade():
    op.drop_index(op.f("ix_xapi_statements_user_id"), table_name="xapi_statements")
    op.drop_index("ix_xapi_statements_sent_at_next_attempt_at", table_name="xapi_statements")
    op.drop_table("xapi_statements")
