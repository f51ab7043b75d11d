"""token expiry and scope, server-side login sessions, login attempts in the database

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

import engine.store.tables

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("expires_at", engine.store.tables.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("scope", sa.String(length=20), nullable=False, server_default="read-write")
        )
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.alter_column("scope", server_default=None)
    op.create_table(
        "login_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", engine.store.tables.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ended_at", engine.store.tables.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_login_session_user_id_user"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_session")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_login_session_key_hash")),
    )
    with op.batch_alter_table("login_session", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_login_session_user_id"), ["user_id"], unique=False)
    op.create_table(
        "auth_attempt",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("window_start", engine.store.tables.UTCDateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_auth_attempt")),
    )


def downgrade() -> None:
    op.drop_table("auth_attempt")
    with op.batch_alter_table("login_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_login_session_user_id"))
    op.drop_table("login_session")
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.drop_column("scope")
        batch_op.drop_column("expires_at")
