"""Indexes on users that serve the name order of the account list and the roster.

Revision ID: 0003
Revises: 0002
"""
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.create_index("ix_users_full_name_id", ["full_name", "id"], unique=False)
        batch_op.create_index("ix_users_regency_id_full_name_id", ["regency_id", "full_name", "id"], unique=False)


def downgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_index("ix_users_regency_id_full_name_id")
        batch_op.drop_index("ix_users_full_name_id")
