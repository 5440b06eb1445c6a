"""The reassessment schedule after a dose (RULES.md R10).

Default reassessments at 1, 2, 4, 6, 8 h after each dose (configurable per trial). The app shows what
is due next and when, and marks a reassessment done more than 30 min (configurable) from its slot as
late. Extra, unscheduled reassessments are allowed.

Matching reassessments to slots
-------------------------------
Each slot owns a *window* reaching half-way to its neighbours: on the left half-way to the previous slot
(for the first slot, half-way back to the dose), on the right half-way to the next slot (for the last
slot, as far as its left side reaches). Neighbouring windows share only their edge. Matching is greedy,
nearest first: over all (reassessment, slot) pairs with the reassessment inside the slot's window, the
pair with the smallest distance is taken first (ties: the earlier slot, then the earlier reassessment),
and a pair is taken only while both are free. Every reassessment left over, including any outside all
windows (before the dose, or long after the last slot), is *extra* (unscheduled). So a reassessment
fills the slot it is nearest to, a second one near the same slot is extra, and a reassessment exactly
half-way between two slots goes to the earlier slot unless that slot already has a nearer one.

Minutes from a slot are whole minutes, rounded away from zero (30 min 20 s → 31 min), so that "more than
30 min" and the minutes shown always agree. Times must all be naive or all timezone-aware.

Pure Python: no Qt, no SQL.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

#: Default hours after the dose (REFERENCE.md §1: the grid itself is a local, configurable choice).
DEFAULT_SCHEDULE_HOURS: tuple[float, ...] = (1, 2, 4, 6, 8)

#: A reassessment more than this many minutes after its slot is late, more than this many before it early
#: (configurable; R10 revision 2).
DEFAULT_LATE_AFTER_MINUTES = 30

STATUSES: tuple[str, ...] = ("done", "early", "late", "due", "overdue", "upcoming")


@dataclass(frozen=True)
class ScheduleSlot:
    """One scheduled reassessment ``hours`` after the dose, due at ``due_at``.

    ``status``: "done" (done within the window of its slot), "early" (done more than the window before
    its slot), "late" (done more than the window after it) — two words, never one for both (R10 revision
    2), "due" (not done; now within ± the window of ``due_at``), "overdue" (not
    done; now more than the window after ``due_at``), "upcoming" (not done; now more than the window
    before ``due_at``). ``minutes_from_slot``: for a done slot, its reassessment time minus ``due_at``
    in whole minutes (negative = early); None when not done.
    """

    hours: float
    due_at: datetime
    done_at: datetime | None
    status: str
    minutes_from_slot: int | None


def _signed_minutes(delta: timedelta) -> int:
    """Whole minutes, away from zero: 30 min → 30, 30 min 1 s → 31, −20 s → −1."""
    seconds = delta.total_seconds()
    minutes = math.ceil(abs(seconds) / 60)
    return minutes if seconds >= 0 else -minutes


def _validate_hours(schedule_hours: Iterable[float]) -> tuple[float, ...]:
    hours = tuple(sorted(schedule_hours))
    for h in hours:
        if isinstance(h, bool) or not math.isfinite(h) or h <= 0:
            raise ValueError(f"schedule hours must be positive numbers of hours after the dose, not {h!r}")
    if len(set(hours)) != len(hours):
        raise ValueError(f"schedule hours must not repeat: {list(hours)}")
    return hours


def reassessment_schedule(
    dose_time: datetime,
    schedule_hours: Sequence[float],
    reassessment_times: Sequence[datetime],
    now: datetime,
    late_after_minutes: int = DEFAULT_LATE_AFTER_MINUTES,
) -> tuple[tuple[ScheduleSlot, ...], tuple[datetime, ...]]:
    """R10: the scheduled slots after a dose, and the extra (unscheduled) reassessment times.

    Slots are in time order; each reassessment fills at most one slot, and each slot at most one
    reassessment (see the module notes for the matching rule). Reassessments before the dose are extra.
    """
    if late_after_minutes < 0:
        raise ValueError(f"late_after_minutes cannot be negative ({late_after_minutes})")
    hours = _validate_hours(schedule_hours)
    window = timedelta(minutes=late_after_minutes)
    dues = [dose_time + timedelta(hours=h) for h in hours]

    # Window edges: half-way between neighbouring slots; the first reaches half-way back to the dose,
    # the last reaches as far right as it does left.
    lefts: list[timedelta] = []
    rights: list[timedelta] = []
    for i, due in enumerate(dues):
        left = (due - (dues[i - 1] if i > 0 else dose_time)) / 2
        right = (dues[i + 1] - due) / 2 if i + 1 < len(dues) else left
        lefts.append(left)
        rights.append(right)

    # Greedy, nearest first: every (distance, slot, reassessment) pair inside the slot's window, in
    # order; a pair is taken when both its slot and its reassessment are still free.
    pairs: list[tuple[timedelta, int, datetime, int]] = []
    for k, t in enumerate(reassessment_times):
        for i, due in enumerate(dues):
            if due - lefts[i] <= t <= due + rights[i]:
                pairs.append((abs(t - due), i, t, k))
    pairs.sort()
    chosen: list[datetime | None] = [None] * len(dues)
    used: set[int] = set()
    for _, i, t, k in pairs:
        if chosen[i] is None and k not in used:
            chosen[i] = t
            used.add(k)
    extras = [t for k, t in enumerate(reassessment_times) if k not in used]

    slots: list[ScheduleSlot] = []
    for h, due, done in zip(hours, dues, chosen, strict=True):
        if done is not None:
            minutes = _signed_minutes(done - due)
            status = _done_status(minutes, late_after_minutes)
            slots.append(ScheduleSlot(h, due, done, status, minutes))
            continue
        if now - due > window:
            status = "overdue"
        elif due - now > window:
            status = "upcoming"
        else:
            status = "due"
        slots.append(ScheduleSlot(h, due, None, status, None))
    return tuple(slots), tuple(sorted(extras))


def _done_status(minutes: int, window: int) -> str:
    """R10 revision 2: "early" more than ``window`` minutes before the slot, "late" more than after it."""
    if minutes > window:
        return "late"
    if minutes < -window:
        return "early"
    return "done"


def next_due(slots: Sequence[ScheduleSlot]) -> ScheduleSlot | None:
    """The reassessment to do next: the latest slot that is due or overdue (an older missed slot is
    shown as overdue in the list but does not hide the current one); otherwise the first upcoming
    slot; None when every slot is done."""
    pressing = [s for s in slots if s.status in ("due", "overdue")]
    if pressing:
        return max(pressing, key=lambda s: s.due_at)
    upcoming = [s for s in slots if s.status == "upcoming"]
    return min(upcoming, key=lambda s: s.due_at) if upcoming else None


def format_hours(hours: float) -> str:
    """Hours after the dose as a slot name: 4 → "4 h", 1.5 → "1.5 h"."""
    return f"{hours:g} h"


def format_minutes(minutes: int) -> str:
    """A duration in words: 25 → "25 min", 60 → "1 h", 85 → "1 h 25 min"."""
    hours, rest = divmod(abs(minutes), 60)
    if hours and rest:
        return f"{hours} h {rest} min"
    if hours:
        return f"{hours} h"
    return f"{rest} min"


def describe_slot(slot: ScheduleSlot, now: datetime) -> str:
    """One slot in plain words, e.g. "4 h reassessment due at 13:00 (in 25 min)",
    "4 h reassessment overdue by 10 min (due at 13:00)", "4 h reassessment done at 13:45, 45 min late"."""
    name = f"{format_hours(slot.hours)} reassessment"
    due = f"{slot.due_at:%H:%M}"
    if slot.done_at is not None:
        minutes = slot.minutes_from_slot or 0
        if minutes == 0:
            timing = "on time"
        else:
            timing = f"{format_minutes(minutes)} {'late' if minutes > 0 else 'early'}"
        return f"{name} done at {slot.done_at:%H:%M}, {timing} (slot {due})"
    delta = _signed_minutes(now - slot.due_at)
    if slot.status == "overdue":
        return f"{name} overdue by {format_minutes(delta)} (due at {due})"
    if slot.status == "due":
        if delta > 0:
            return f"{name} due now (due at {due}, {format_minutes(delta)} ago)"
        if delta < 0:
            return f"{name} due at {due} (in {format_minutes(delta)})"
        return f"{name} due now (due at {due})"
    return f"{name} due at {due} (in {format_minutes(delta)})"


def describe_next_due(slots: Sequence[ScheduleSlot], now: datetime) -> str:
    """What to do next, in plain words; says so when every scheduled reassessment is done."""
    slot = next_due(slots)
    if slot is None:
        return "All scheduled reassessments are done."
    return describe_slot(slot, now)
