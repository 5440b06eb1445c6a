"""audit digest: each audit row may carry the digests of the clinical rows its transaction wrote

Revision ID: 0007_audit_digest
Revises: 0006_qi_bundle_version
Create Date: 2026-12-07 10:00:00

``audit_log.record_digests`` (JSON text, null on rows written before) holds, for the clinical rows written
since the previous audit row of the same transaction, a keyed digest of each row as it then stood
(storage/record_digest.py); the row's chained hash covers it. `check` compares every current clinical row with
its latest digest (issue 18 §7). A plain ADD COLUMN: the table is not rebuilt, so the append-only triggers stay.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_audit_digest"
down_revision = "0006_qi_bundle_version"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("audit_log", sa.Column("record_digests", sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column("audit_log", "record_digests")
