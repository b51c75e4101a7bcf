"""Retired content: removed modules, lessons, quizzes, questions and choices kept for the records.

Trainee records no longer cascade from the content they point at: the database refuses to delete
a lesson with completions, a module with completions, a quiz with attempts or a question with
answers; the services retire those instead (retired_at).

SQLite cannot alter a foreign key in place, so batch mode copies those four tables into new ones;
migrations/env.py runs it with foreign keys off (dropping the old `attempts` with them on would
first delete every answer) and checks them afterwards.

Revision ID: 0008
Revises: 0007
"""
import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

RETIRABLE = ("modules", "lessons", "quizzes", "questions", "choices")
# (table, column, referred table): trainee records that point at content.
RECORDS = (
    ("lesson_completions", "lesson_id", "lessons"),
    ("module_completions", "module_id", "modules"),
    ("attempts", "quiz_id", "quizzes"),
    ("answers", "question_id", "questions"),
)


def _foreign_keys(ondelete):
    for table, column, referred in RECORDS:
        name = f"fk_{table}_{column}_{referred}"
        with op.batch_alter_table(table, schema=None, recreate="auto") as batch_op:
            batch_op.drop_constraint(name, type_="foreignkey")
            batch_op.create_foreign_key(name, referred, [column], ["id"], ondelete=ondelete)


def _add_retired_at():
    for table in RETIRABLE:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True))


def _drop_retired_at():
    for table in RETIRABLE:
        op.drop_column(table, "retired_at")  # in place (SQLite 3.35+), not a copy of the table


def upgrade():
    _add_retired_at()
    _foreign_keys(ondelete=None)


def downgrade():
    _foreign_keys(ondelete="CASCADE")
    _drop_retired_at()
