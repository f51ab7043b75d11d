"""audit chain anchor, payload digests, case anonymisation

Revision ID: 0004
Revises: 0003

- `audit_head`: each case's newest chain link (sequence and hash), outside the event rows, filled
  from the events already written, so that deleting a case's newest events is detected;
- `case_event.payload_digest`: new events chain the sha256 of their payload instead of the
  payload itself, so a recorded redaction can erase a payload while the chain still verifies.
  Events written before this revision keep NULL here and keep verifying as they were written;
- `case.anonymized_at`: when the retention run removed the case's identity and free text.
"""

import sqlalchemy as sa
from alembic import op

import engine.store.tables

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_head",
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["case.id"], name=op.f("fk_audit_head_case_id_case"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("case_id", name=op.f("pk_audit_head")),
    )
    with op.batch_alter_table("case_event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("payload_digest", sa.String(length=64), nullable=True))
    with op.batch_alter_table("case", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "anonymized_at", engine.store.tables.UTCDateTime(timezone=True), nullable=True
            )
        )
    # Anchor the chains written so far at their newest event (one statement, any size).
    op.execute(
        """
        INSERT INTO audit_head (case_id, seq, hash)
        SELECT e.case_id, e.seq, e.hash
        FROM case_event e
        JOIN (SELECT case_id, MAX(seq) AS seq FROM case_event GROUP BY case_id) newest
          ON newest.case_id = e.case_id AND newest.seq = e.seq
        """
    )


def downgrade() -> None:
    with op.batch_alter_table("case", schema=None) as batch_op:
        batch_op.drop_column("anonymized_at")
    with op.batch_alter_table("case_event", schema=None) as batch_op:
        batch_op.drop_column("payload_digest")
    op.drop_table("audit_head")
