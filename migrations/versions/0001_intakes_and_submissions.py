"""Intakes, their submissions, and the maintenance row of the daily purge.

Revision ID: 0001
Revises:
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from service.intake.model import SEQUENCE, UtcDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "intakes",
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("organization", sa.String(64), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("retention_days", sa.Integer(), nullable=False),
        sa.Column("open", sa.Boolean(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_intakes"),
    )
    op.create_index("ix_intakes_organization_created_at", "intakes", ["organization", "created_at"])
    op.create_table(
        "submissions",
        sa.Column("seq", SEQUENCE, autoincrement=True, nullable=False),
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("intake_id", sa.String(40), nullable=False),
        sa.Column("athlete_name", sa.String(200), nullable=False),
        sa.Column("athlete_email", sa.String(254), nullable=True),
        sa.Column("athlete_external_id", sa.String(200), nullable=True),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("screening", sa.Text(), nullable=False),
        sa.Column("decision", sa.String(40), nullable=False),
        sa.Column("refer", sa.Boolean(), nullable=False),
        sa.Column("rules_version", sa.String(40), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("consent_given_at", UtcDateTime(), nullable=False),
        sa.Column("idempotency_key", sa.String(255), nullable=True),
        sa.Column("request_digest", sa.String(64), nullable=True),
        sa.ForeignKeyConstraint(["intake_id"], ["intakes.id"], name="fk_submissions_intake_id_intakes",
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("seq", name="pk_submissions"),
        sa.UniqueConstraint("id", name="uq_submissions_id"),
        sa.UniqueConstraint("intake_id", "idempotency_key", name="uq_submissions_intake_id_idempotency_key"),
    )
    op.create_index("ix_submissions_intake_id_seq", "submissions", ["intake_id", "seq"])
    op.create_table(
        "maintenance",
        sa.Column("task", sa.String(40), nullable=False),
        sa.Column("last_run_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("task", name="pk_maintenance"),
    )


def downgrade() -> None:
    op.drop_table("maintenance")
    op.drop_index("ix_submissions_intake_id_seq", table_name="submissions")
    op.drop_table("submissions")
    op.drop_index("ix_intakes_organization_created_at", table_name="intakes")
    op.drop_table("intakes")
