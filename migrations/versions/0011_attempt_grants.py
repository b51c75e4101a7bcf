"""Extra attempts at a quiz given to one trainee, with the reason: attempt_grants.

Revision ID: 0011
Revises: 0010
"""
import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "attempt_grants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("quiz_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("extra", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=False),
        sa.Column("granted_by_id", sa.Integer(), nullable=True),
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("extra > 0", name=op.f("ck_attempt_grants_extra_positive")),
        sa.ForeignKeyConstraint(["granted_by_id"], ["users.id"], name=op.f("fk_attempt_grants_granted_by_id_users"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["quiz_id"], ["quizzes.id"], name=op.f("fk_attempt_grants_quiz_id_quizzes"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_attempt_grants_user_id_users"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attempt_grants")),
    )
    with op.batch_alter_table("attempt_grants", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_attempt_grants_quiz_id"), ["quiz_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_attempt_grants_user_id"), ["user_id"], unique=False)


def downgrade():
    with op.batch_alter_table("attempt_grants", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_attempt_grants_user_id"))
        batch_op.drop_index(batch_op.f("ix_attempt_grants_quiz_id"))
    op.drop_table("attempt_grants")
