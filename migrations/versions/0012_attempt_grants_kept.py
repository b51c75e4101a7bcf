"""Attempts granted are kept with their quiz: attempt_grants.quiz_id no longer cascades on delete.

A grant (who gave how many attempts and why) is a trainee record like an attempt; a quiz someone
was granted attempts at is retired, never deleted. SQLite copies the table in batch mode
(migrations/env.py runs it with foreign keys off and checks them afterwards).

Revision ID: 0012
Revises: 0011
"""
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

NAME = "fk_attempt_grants_quiz_id_quizzes"


def _quiz_key(ondelete):
    with op.batch_alter_table("attempt_grants", schema=None, recreate="auto") as batch_op:
        batch_op.drop_constraint(NAME, type_="foreignkey")
        batch_op.create_foreign_key(NAME, "quizzes", ["quiz_id"], ["id"], ondelete=ondelete)


def upgrade():
    _quiz_key(ondelete=None)


def downgrade():
    _quiz_key(ondelete="CASCADE")
