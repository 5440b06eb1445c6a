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

import gc
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from trialapp.domain.review import (
    Review,
    ReviewFilter,
    ReviewTrial,
    TrialResults,
    compute_review,
    review_trial_of,
    trial_results,
)
from trialapp.services.context import Actor, App
from trialapp.services.permissions import require
from trialapp.storage import review_reads as reads
from trialapp.storage.audit_actions import AuditAction
from trialapp.storage.errors import StorageError

log = logging.getLogger(__name__)

# Below this many stale trials, their days are read by trial id; above, whole tables in one pass each
# (cheaper than thousands of id look-ups on a first review or after a restore).
_READ_BY_ID_UP_TO = 2_000


@dataclass(frozen=True)
class ReviewRun:
    """A review and how it was computed: trials recomputed now, and whether the results were kept."""

    review: Review
    recomputed: int
    cached: bool


@contextmanager
def _no_cyclic_gc() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while the review builds its tuples, then restore it.

    Reading the kept results creates about 130,000 small tuples for 25,000 trials, none of them in a
    cycle; the collector, triggered by the allocations, walked them again and again (a third of the time,
    measured). Only these short, allocation-heavy steps run without it (never the computation of stale
    trials, which may take a minute); the collector catches up when it is enabled again.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def review_trials(app: App, actor: Actor) -> tuple[list[ReviewTrial], int]:
    """Every trial reduced to its R15 facts (:class:`ReviewTrial`), and how many were recomputed now.

    Requires the ``view_review`` permission.
    """
    require(actor, "view_review")
    with app.db.read() as s:
        conn = s.connection()
        with _no_cyclic_gc():
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
        try:
            with app.db.write_connection() as conn:
                reads.keep_results(conn, keep)
        except StorageError as exc:
            # Kept results only save time: a full disk or a busy database must not stop the review, whose
            # figures are the same either way; the next review tries again.
            log.warning("review results not kept (%s): %s", type(exc).__name__, exc)
    with _no_cyclic_gc():
        trials = _trials_of(heads, fresh)
    return trials, len(fresh)


def _trials_of(heads: list[reads.ReviewHead], fresh: dict[int, TrialResults]) -> list[ReviewTrial]:
    """Every trial with results (kept or fresh) as the domain's :class:`ReviewTrial`."""
    return [
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


def run_review(app: App, actor: Actor, filters: ReviewFilter | None = None) -> ReviewRun:
    """R15 over the trials ``filters`` admits (all when None); see :func:`review_trials`."""
    trials, recomputed = review_trials(app, actor)
    with _no_cyclic_gc():
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
                action=AuditAction.PRINT_REVIEW,
                table="trials",
                new={"identified": True, "filters": filter_words(filters), "trials": result.trials},
            )
    return build_review_pdf(
        result, filters, identified=identified, printed_at=now or datetime.now(), paper=paper_code
    )
