"""case ownership (owning organisation, named CAV operator) and consents

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

import engine.store.tables

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("case", schema=None) as batch_op:
        batch_op.add_column(sa.Column("owner_organization_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("cav_operator_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_case_owner_organization_id"), ["owner_organization_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_case_owner_organization_id_organization"),
            "organization",
            ["owner_organization_id"],
            ["id"],
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_case_cav_operator_id_user"), "user", ["cav_operator_id"], ["id"]
        )
    # Cases opened before ownership existed are owned by the organisation that referred them.
    op.execute('UPDATE "case" SET owner_organization_id = organization_id')
    op.create_table(
        "case_consent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("scope", sa.String(length=40), nullable=False),
        sa.Column("given_by", sa.String(length=20), nullable=False),
        sa.Column("given_at", engine.store.tables.UTCDateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.Integer(), nullable=True),
        sa.Column("withdrawn_at", engine.store.tables.UTCDateTime(timezone=True), nullable=True),
        sa.Column("withdrawn_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["case.id"], name=op.f("fk_case_consent_case_id_case"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by"], ["user.id"], name=op.f("fk_case_consent_recorded_by_user")
        ),
        sa.ForeignKeyConstraint(
            ["withdrawn_by"], ["user.id"], name=op.f("fk_case_consent_withdrawn_by_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_consent")),
    )
    with op.batch_alter_table("case_consent", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_consent_case_id"), ["case_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("case_consent", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_consent_case_id"))
    op.drop_table("case_consent")
    with op.batch_alter_table("case", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_case_cav_operator_id_user"), type_="foreignkey")
        batch_op.drop_constraint(
            batch_op.f("fk_case_owner_organization_id_organization"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_case_owner_organization_id"))
        batch_op.drop_column("cav_operator_id")
        batch_op.drop_column("owner_organization_id")
