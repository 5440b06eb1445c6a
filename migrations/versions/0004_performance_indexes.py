"""performance indexes: the trial list, newest first, without a sort

Revision ID: 0004_performance_indexes
Revises: 0003_qi
Create Date: 2026-11-22 05:00:00

The home screen lists trials newest first (``ORDER BY started_on DESC, id DESC``), a page at a time, and
filters them by patient (search) and state. With this index the database walks the trials in that order
and stops after one page, instead of sorting every trial on every keystroke; the index also carries
``patient_id`` and ``state``, so the filters are checked without reading the trial rows. Measured on the
benchmark database (docs/performance.md).
"""

from __future__ import annotations

from alembic import op

revision = "0004_performance_indexes"
down_revision = "0003_qi"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("trials", schema=None) as batch_op:
        batch_op.create_index("ix_trials_listing", ["started_on", "id", "patient_id", "state"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("trials", schema=None) as batch_op:
        batch_op.drop_index("ix_trials_listing")
