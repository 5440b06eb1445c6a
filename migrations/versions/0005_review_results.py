"""review results: per-trial and per-day R15 results kept between reviews

Revision ID: 0005_review_results
Revises: 0004_performance_indexes
Create Date: 2026-12-07 09:10:00

The dose-response review (RULES.md R15) needs every judged day of every trial; recomputing R3-R6 from
the grades of 25,000 trials takes far longer than the 1 s the review may take to open. These tables keep
each trial's results (review_trials) and its judged days (review_days) with the id of the trial's latest
audit row when they were computed: a later audit row for the trial (every write appends one) makes them
stale, and the next review recomputes them. Derived data: emptying both loses nothing.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_review_results"
down_revision = "0004_performance_indexes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "review_trials",
        sa.Column("trial_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("audit_id", sa.Integer(), nullable=False),
        sa.Column("provisional_days", sa.Integer(), nullable=False),
        sa.Column("unjudged_days", sa.Integer(), nullable=False),
        sa.Column("recommended_daily_dose_mcg", sa.Integer(), nullable=True),
        sa.Column("recommendation_basis", sa.String(length=60), nullable=True),
        sa.ForeignKeyConstraint(["trial_id"], ["trials.id"], name=op.f("fk_review_trials_trial_id_trials")),
        sa.PrimaryKeyConstraint("trial_id", name=op.f("pk_review_trials")),
    )
    op.create_table(
        "review_days",
        sa.Column("trial_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("day_number", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("dose_mcg", sa.Integer(), nullable=False),
        sa.Column("responder", sa.Boolean(), nullable=False),
        sa.Column("peak_reduction", sa.Float(), nullable=True),
        sa.Column("peak_hours", sa.Float(), nullable=True),
        sa.Column("effect_hours", sa.Float(), nullable=True),
        sa.Column("effect_censored", sa.Boolean(), nullable=False),
        sa.Column("significant_adverse_effect", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["trial_id"],
            ["review_trials.trial_id"],
            name=op.f("fk_review_days_trial_id_review_trials"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("trial_id", "day_number", name=op.f("pk_review_days")),
    )


def downgrade() -> None:
    op.drop_table("review_days")
    op.drop_table("review_trials")
