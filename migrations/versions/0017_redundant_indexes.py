"""Drop single-column indexes that lead a unique index of the same table: each INSERT of grading paid for both.

A unique constraint's index serves every lookup by its leading column as well, so these only cost
writes: answers (attempt_id, question_id), attempts (quiz_id, user_id, number), and the (user_id, ...)
of enrollments, certificates, lesson_completions and module_completions.

Revision ID: 0017
Revises: 0016
"""
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

# (table, column): the index on the column, and the unique constraint whose index leads with it.
REDUNDANT = (
    ("answers", "attempt_id"),
    ("attempts", "quiz_id"),
    ("enrollments", "user_id"),
    ("certificates", "user_id"),
    ("lesson_completions", "user_id"),
    ("module_completions", "user_id"),
)


def upgrade():
    for table, column in REDUNDANT:
        op.drop_index(op.f(f"ix_{table}_{column}"), table_name=table)


def downgrade():
    for table, column in REDUNDANT:
        op.create_index(op.f(f"ix_{table}_{column}"), table, [column], unique=False)
