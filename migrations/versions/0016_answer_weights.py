"""Per-answer weights: a choice's grade in percent, and the grades and feedback of short-answer alternatives.

Revision ID: 0016
Revises: 0015
"""
import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("choices", schema=None) as batch_op:
        batch_op.add_column(sa.Column("weight", sa.Float(), nullable=True))
        batch_op.create_check_constraint(op.f("ck_choices_weight_range"), "weight IS NULL OR weight BETWEEN -100 AND 100")
    with op.batch_alter_table("questions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("accepted_weights", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("accepted_feedback", sa.JSON(), nullable=True))
    op.execute("UPDATE questions SET accepted_weights = '[]', accepted_feedback = '[]'")
    with op.batch_alter_table("questions", schema=None) as batch_op:
        batch_op.alter_column("accepted_weights", existing_type=sa.JSON(), nullable=False)
        batch_op.alter_column("accepted_feedback", existing_type=sa.JSON(), nullable=False)


def downgrade():
    with op.batch_alter_table("questions", schema=None) as batch_op:
        batch_op.drop_column("accepted_feedback")
        batch_op.drop_column("accepted_weights")
    with op.batch_alter_table("choices", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_choices_weight_range"), type_="check")
        batch_op.drop_column("weight")
