"""A flat worklist: the worklist_entry index kept by triggers, indexes for the hot reads,
and dashboard snapshots

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

import engine.store.tables
from engine.store import worklist_entries

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

INDEXES = (
    ("case", "ix_case_running_opened", ["status", "opened_at", "id"]),
    ("case", "ix_case_wakeup", ["status", "next_wakeup_at"]),
    ("case", "ix_case_opened_by", ["opened_by"]),
    ("case", "ix_case_case_manager_id", ["case_manager_id"]),
    ("human_task", "ix_human_task_case_status", ["case_id", "status"]),
    ("human_task", "ix_human_task_element", ["element_id", "status", "case_id", "completed_at"]),
    ("human_task", "ix_human_task_assignee_open", ["assignee_id", "status", "due_at"]),
)


def upgrade() -> None:
    op.create_table(
        "worklist_entry",
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=40), nullable=False),
        sa.Column("scope_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("due_key", engine.store.tables.UTCDateTime(timezone=True), nullable=False),
        sa.Column("priority_rank", sa.Integer(), nullable=False),
        sa.Column("assignee_id", sa.Integer(), nullable=True),
        sa.Column("organization_id", sa.Integer(), nullable=True),
        sa.Column("process_id", sa.String(length=120), nullable=False),
        sa.Column("target_group", sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(
            ["task_id"],
            ["human_task.id"],
            name=op.f("fk_worklist_entry_task_id_human_task"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("task_id", "role", "scope_id", name=op.f("pk_worklist_entry")),
    )
    with op.batch_alter_table("worklist_entry", schema=None) as batch_op:
        batch_op.create_index(
            "ix_worklist_entry_due", ["role", "scope_id", "due_key", "task_id"], unique=False
        )
        batch_op.create_index(
            "ix_worklist_entry_priority",
            ["role", "scope_id", "priority_rank", "task_id"],
            unique=False,
        )
        batch_op.create_index(
            "ix_worklist_entry_process", ["role", "scope_id", "process_id"], unique=False
        )
        batch_op.create_index(
            "ix_worklist_entry_target_group", ["role", "scope_id", "target_group"], unique=False
        )
    for table, name, columns in INDEXES:
        op.create_index(name, table, columns, unique=False)
    op.create_table(
        "indicator_snapshot",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("source", sa.JSON(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("computed_at", engine.store.tables.UTCDateTime(timezone=True), nullable=False),
        sa.Column("read_at", engine.store.tables.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_indicator_snapshot")),
    )
    connection = op.get_bind()
    worklist_entries.create_triggers(connection)
    worklist_entries.rebuild(connection)


def downgrade() -> None:
    connection = op.get_bind()
    worklist_entries.drop_triggers(connection)
    op.drop_table("indicator_snapshot")
    for table, name, _columns in INDEXES:
        op.drop_index(name, table_name=table)
    op.drop_table("worklist_entry")
