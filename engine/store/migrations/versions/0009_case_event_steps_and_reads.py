"""a case's steps and its audited reads, each in a partial index of their own

The case page counts a restricted case's reads per reader and lists its steps without reading
the reads; the events API pages the trail with or without them.

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

READS = sa.text("kind IN ('restricted_case_read', 'subject_exported')")
STEPS = sa.text("kind NOT IN ('restricted_case_read', 'subject_exported')")


def upgrade() -> None:
    op.create_index(
        "ix_case_event_steps",
        "case_event",
        ["case_id", "seq"],
        sqlite_where=STEPS,
        postgresql_where=STEPS,
    )
    op.create_index(
        "ix_case_event_reads",
        "case_event",
        ["case_id", "kind", "actor_name", "at"],
        sqlite_where=READS,
        postgresql_where=READS,
    )


def downgrade() -> None:
    op.drop_index("ix_case_event_reads", table_name="case_event")
    op.drop_index("ix_case_event_steps", table_name="case_event")
