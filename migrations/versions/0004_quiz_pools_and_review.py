"""Quiz review policy and question pools: quizzes.review, draw, draw_per_tag; questions.tags.

Revision ID: 0004
Revises: 0003
"""
import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    # Server defaults fill the rows that exist; the models give new rows their values.
    with op.batch_alter_table("quizzes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("review", sa.String(length=12), nullable=False, server_default="after_pass"))
        batch_op.add_column(sa.Column("draw", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("draw_per_tag", sa.JSON(), nullable=False, server_default=sa.text("'{}'")))
        batch_op.create_check_constraint(op.f("ck_quizzes_review"), "review IN ('after_pass', 'always', 'never')")
        batch_op.create_check_constraint(op.f("ck_quizzes_draw_positive"), "draw IS NULL OR draw > 0")
    with op.batch_alter_table("quizzes", schema=None) as batch_op:
        batch_op.alter_column("review", server_default=None)
        batch_op.alter_column("draw_per_tag", server_default=None)
    with op.batch_alter_table("questions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("tags", sa.JSON(), nullable=False, server_default=sa.text("'[]'")))
    with op.batch_alter_table("questions", schema=None) as batch_op:
        batch_op.alter_column("tags", server_default=None)


def downgrade():
    with op.batch_alter_table("questions", schema=None) as batch_op:
        batch_op.drop_column("tags")
    with op.batch_alter_table("quizzes", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_quizzes_draw_positive"), type_="check")
        batch_op.drop_constraint(op.f("ck_quizzes_review"), type_="check")
        batch_op.drop_column("draw_per_tag")
        batch_op.drop_column("draw")
        batch_op.drop_column("review")
