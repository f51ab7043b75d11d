"""indexes for "Seguiti da me": cases a CAV operator holds, tasks a person completed

Revision ID: 0008
Revises: 0007
"""

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_case_cav_operator_id", "case", ["cav_operator_id"])
    op.create_index("ix_human_task_completed_by", "human_task", ["completed_by"])


def downgrade() -> None:
    op.drop_index("ix_human_task_completed_by", table_name="human_task")
    op.drop_index("ix_case_cav_operator_id", table_name="case")
