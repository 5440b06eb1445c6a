"""audit history index: the history of one record or one patient found without reading the whole trail

Revision ID: 0009_audit_history_index
Revises: 0008_presence
Create Date: 2026-12-07 16:30:00

A trial's history (the decision tab, History) asks for the rows of the trial or of its patient's record, a
record's history for the rows of one (table, row): without an index on (table_name, row_id) SQLite read the
whole audit trail each time (76 ms for 45,000 rows, growing with every row the ward ever wrote), on the GUI
thread. An index changes no row and no hash: the append-only triggers and the chain are untouched.
"""

from __future__ import annotations

from alembic import op

revision = "0009_audit_history_index"
down_revision = "0008_presence"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_audit_log_table_row", "audit_log", ["table_name", "row_id"])


def downgrade() -> None:
    op.drop_index("ix_audit_log_table_row", table_name="audit_log")
