"""presence: who is working on the trial right now (one row per open window, refreshed by a heartbeat)

Revision ID: 0008_presence
Revises: 0007_audit_digest
Create Date: 2026-12-07 12:30:00

Not a clinical table: never audited, no record digests (storage/presence.py). ``server grant`` gives the ward
role SELECT, INSERT, UPDATE, DELETE on it like any table that is not append-only.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_presence"
down_revision = "0007_audit_digest"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "presence",
        sa.Column("window", sa.String(length=32), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=False),
        sa.Column("activity", sa.String(length=120), nullable=False),
        sa.Column("host", sa.String(length=120), nullable=False),
        sa.Column("trial_public_id", sa.String(length=16), nullable=True),
        sa.Column("seen_at", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("window", name=op.f("pk_presence")),
    )
    op.create_index(op.f("ix_presence_seen_at"), "presence", ["seen_at"])
    op.create_index(op.f("ix_presence_trial_public_id"), "presence", ["trial_public_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_presence_trial_public_id"), table_name="presence")
    op.drop_index(op.f("ix_presence_seen_at"), table_name="presence")
    op.drop_table("presence")
