"""The dose-response review across trials (RULES.md R15), for neurosurgeons, the QI lead and admins.

One read transaction reads every trial's head, the latest audit row id of each trial and the cached
per-trial results; the trials whose cached results are missing or older than their latest audit row are
read in full (what R3-R6 judge) in the same transaction and computed by the domain. The fresh results are
then kept in a short write transaction, so the next review reads them instead of recomputing; a
read-only database computes them without keeping them. The figures are those of
:func:`trialapp.domain.review.compute_review` either way: the cache holds only what
:func:`trialapp.domain.review.trial_results` returned for the trial's records at that audit row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from trialapp.domain.review import (
    Review,
    ReviewFilter,
    ReviewTrial,
    compute_review,
    review_trial_of,
    trial_results,
)
from trialapp.services.context import Actor, App
from trialapp.services.permissions import require
from trialapp.storage import review_reads as reads

# Below this many stale trials, their days are read by trial id; above, whole tables in one pass each
# (cheaper than thousands of id look-ups on a first review or after a restore).
_READ_BY_ID_UP_TO = 2_000


@dataclass(frozen=True)
class ReviewRun:
    """A review and how it was computed: trials recomputed now, and whether the results were kept."""

    review: Review
    recomputed: int
    cached: bool


def review_trials(app: App, actor: Actor) -> tuple[list[ReviewTrial], int]:
    """Every trial reduced to its R15 facts (:class:`ReviewTrial`), and how many were recomputed now.

    Requires the ``view_review`` permission.
    """
    require(actor, "view_review")
    with app.db.read() as s:
        conn = s.connection()
        heads = reads.read_heads(conn)
        stale = reads.stale_trials(conn)
        records = (
            reads.read_trials(conn, list(stale) if len(stale) <= _READ_BY_ID_UP_TO else None) if stale else {}
        )
    fresh = {pk: trial_results(records[pk]) for pk in stale if pk in records}
    if fresh and not app.db.read_only:
        # A trial without any audit row is never kept: nothing would tell when it changed.
        keep = [
            (pk, audit_id, fresh[pk])
            for pk, audit_id in stale.items()
            if audit_id is not None and pk in fresh
        ]
        with app.db.write_connection() as conn:
            reads.keep_results(conn, keep)
    trials = [
        review_trial_of(
            h.public_id,
            started_on=h.started_on,
            ladder=h.ladder,
            region=h.region,
            birth_date=h.birth_date,
            gmfcs_level=h.gmfcs_level,
            outcome=h.outcome,
            initial_daily_dose_mcg=h.initial_daily_dose_mcg,
            rationale=h.rationale,
            results=results,
        )
        for h in heads
        if (results := fresh.get(h.trial_pk) or h.kept) is not None
    ]
    return trials, len(fresh)


def run_review(app: App, actor: Actor, filters: ReviewFilter | None = None) -> ReviewRun:
    """R15 over the trials ``filters`` admits (all when None); see :func:`review_trials`."""
    trials, recomputed = review_trials(app, actor)
    return ReviewRun(compute_review(trials, filters), recomputed, not app.db.read_only)


def review(app: App, actor: Actor, filters: ReviewFilter | None = None) -> Review:
    """R15 over the trials ``filters`` admits (all when None). Requires ``view_review``."""
    return run_review(app, actor, filters).review


def review_pdf(
    app: App,
    actor: Actor,
    filters: ReviewFilter | None = None,
    *,
    identified: bool = False,
    paper: str = "A4",
    now: datetime | None = None,
) -> bytes:
    """The review as a PDF (:mod:`trialapp.reports.review`). Without ``identified`` it names no trial or
    patient; with it, it lists trial ids and rationales, and the print is written to the audit trail
    first (refused, like any write, on a read-only database). Requires ``view_review``."""
    from trialapp.reports.layout import paper_name
    from trialapp.reports.review import build_review_pdf, filter_words

    require(actor, "view_review")
    paper_code = paper_name(paper)
    result = review(app, actor, filters)
    if identified:
        with app.db.write() as s:
            # No trial id on this row: a print changes no trial, so it must not mark their results stale.
            app.audit.record(
                s,
                actor=actor.label,
                action="print_review",
                table="trials",
                new={"identified": True, "filters": filter_words(filters), "trials": result.trials},
            )
    return build_review_pdf(
        result, filters, identified=identified, printed_at=now or datetime.now(), paper=paper_code
    )
