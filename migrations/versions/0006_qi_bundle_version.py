"""QI: each procedure keeps the bundle version it was recorded against

Revision ID: 0006_qi_bundle_version
Revises: 0005_review_results
Create Date: 2026-12-07 09:40:00

A procedure used to be scored against the version in force on its surgery date, looked up anew on every
read, so a version saved later with an earlier *In force from* date re-scored recorded procedures
(issue 25, item 1). The version is now stored with the procedure. Existing procedures get the version
that was in force on their surgery date, which is the one they were being scored against: no figure
changes on upgrade.
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from alembic import op

revision = "0006_qi_bundle_version"
down_revision = "0005_review_results"
branch_labels = None
depends_on = None


def _in_force(versions: list[tuple[int, date]], on: date) -> int:
    """The rule of ``BundleHistory.in_force`` as it stood at this revision (kept here, frozen, so that the
    upgrade never depends on later code): the first version has no start; otherwise the latest start on
    or before ``on``, ties to the higher version."""
    first = min(number for number, _start in versions)
    candidates = [(date.min if n == first else start, n) for n, start in versions]
    return max(c for c in candidates if c[0] <= on)[1]


def upgrade() -> None:
    with op.batch_alter_table("qi_procedures", schema=None) as batch_op:
        batch_op.add_column(sa.Column("bundle_version", sa.Integer(), nullable=True))
    conn = op.get_bind()
    versions = [
        (int(n), date.fromisoformat(str(start)))
        for n, start in conn.execute(sa.text("SELECT version, effective_from FROM qi_bundle_versions"))
    ]
    if not versions:
        return
    procedures = conn.execute(sa.text("SELECT id, surgery_date FROM qi_procedures")).all()
    for row_id, surgery_date in procedures:
        conn.execute(
            sa.text("UPDATE qi_procedures SET bundle_version = :v WHERE id = :id"),
            {"v": _in_force(versions, date.fromisoformat(str(surgery_date))), "id": row_id},
        )


def downgrade() -> None:
    with op.batch_alter_table("qi_procedures", schema=None) as batch_op:
        batch_op.drop_column("bundle_version")
