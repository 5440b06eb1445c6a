"""The review's per-trial and per-day results (R15): derived data, never a record.

``review_trials`` has one row per trial whose results are kept, with the id of the trial's latest audit row
when they were computed; ``review_days`` has one row per judged dosed day of those trials (what
:class:`trialapp.domain.review.ReviewDay` holds). Every write to a trial appends an audit row naming the
trial, so a trial whose ``audit_id`` is not its latest is stale and is recomputed; nothing else
invalidates it. Emptying both tables is always safe (the next review recomputes them). Defined on the same
``Base`` as the trial tables (``trialapp.storage.models`` imports this module at its end).
"""

from __future__ import annotations

from sqlalchemy import Boolean, Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from trialapp.storage.models import Base


class ReviewTrialRow(Base):
    """A trial's R15 results as of its audit row ``audit_id`` (its days are in ``review_days``)."""

    __tablename__ = "review_trials"

    trial_id: Mapped[int] = mapped_column(ForeignKey("trials.id"), primary_key=True, autoincrement=False)
    audit_id: Mapped[int] = mapped_column(Integer)
    provisional_days: Mapped[int] = mapped_column(Integer)
    unjudged_days: Mapped[int] = mapped_column(Integer)
    recommended_daily_dose_mcg: Mapped[int | None] = mapped_column(Integer)
    recommendation_basis: Mapped[str | None] = mapped_column(String(60))


class ReviewDayRow(Base):
    """One judged dosed day of a kept trial: R4 and R5 unrounded."""

    __tablename__ = "review_days"

    trial_id: Mapped[int] = mapped_column(
        ForeignKey("review_trials.trial_id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    day_number: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    dose_mcg: Mapped[int] = mapped_column(Integer)
    responder: Mapped[bool] = mapped_column(Boolean)
    peak_reduction: Mapped[float | None] = mapped_column(Float)
    peak_hours: Mapped[float | None] = mapped_column(Float)
    effect_hours: Mapped[float | None] = mapped_column(Float)
    effect_censored: Mapped[bool] = mapped_column(Boolean)
    significant_adverse_effect: Mapped[bool] = mapped_column(Boolean)
