"""R12 90-day surgical-site infection surveillance: the rate, the risk-factor breakdown and the follow-up
list.

The 90-day SSI rate = procedures with a surgical-site infection dated 0 to 90 days after surgery (day 90
counts, day 91 does not) ÷ eligible procedures: those whose 90-day window has closed by the as-of date
(surgery date + 90 days ≤ as-of) or that had a counted infection. Open windows are counted separately.

Pure Python: no Qt, no SQL. Facts: REFERENCE.md §6 and §8.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction

from trialapp.domain.qi_procedures import QiProcedure, RiskFactors, format_pct, percent

#: The surveillance window: an infection dated up to this many days after surgery counts (CPRN).
SSI_WINDOW_DAYS = 90

#: Follow-up contacts inside the window, in days after surgery. A local, configurable default
#: (UNCONFIRMED: no source gives the CPRN contact days).
DEFAULT_CHECKIN_DAYS: tuple[int, ...] = (14, 30, 60, 90)

#: A window that closed this many days ago or less stays on the follow-up list while a check-in is due,
#: so that the day-90 contact (due the day the window closes) is not lost.
CLOSED_GRACE_DAYS = 14

# --------------------------------------------------------------------------------------------------
# R12: 90-day SSI rate
# --------------------------------------------------------------------------------------------------


def days_after_surgery(surgery_date: date, on: date) -> int:
    """Whole days from surgery (the day of surgery is day 0)."""
    return (on - surgery_date).days


def window_closes_on(surgery_date: date) -> date:
    """The last day of the 90-day window (day 90); the window is closed for an as-of date on or after it."""
    return surgery_date + timedelta(days=SSI_WINDOW_DAYS)


def ssi_within_window(surgery_date: date, ssi_date: date) -> bool:
    """R12: an infection counts when dated 0 to 90 days after surgery (day 90 counts, day 91 does not)."""
    return 0 <= days_after_surgery(surgery_date, ssi_date) <= SSI_WINDOW_DAYS


def counted_ssi(procedure: QiProcedure, as_of: date) -> bool:
    """R12: the procedure had an infection inside its window, known by ``as_of`` (dated on or before it)."""
    ssi = procedure.ssi
    return ssi is not None and ssi.on <= as_of and ssi_within_window(procedure.surgery_date, ssi.on)


#: R12 statuses of a procedure on an as-of date.
SSI_STATUSES = ("ssi", "closed", "open_ssi", "open", "future")


def ssi_status(procedure: QiProcedure, as_of: date) -> str:
    """R12 (revision 2) status on ``as_of``: "ssi" (window closed with a counted infection: eligible),
    "closed" (window closed without one: eligible), "open_ssi" (infection inside a window that is still
    open: listed apart, not in the rate yet), "open" (window still open: not eligible yet), "future"
    (surgery after the as-of date: left out)."""
    if procedure.surgery_date > as_of:
        return "future"
    closed = window_closes_on(procedure.surgery_date) <= as_of
    if counted_ssi(procedure, as_of):
        return "ssi" if closed else "open_ssi"
    return "closed" if closed else "open"


@dataclass(frozen=True)
class SsiRate:
    """R12 (revision 2) over a set of procedures on an as-of date: the rate over closed windows only; the
    infections inside windows still open are kept apart (``open_window_infections``, surgery order)."""

    count: int
    eligible: int
    open_windows: int  # procedures whose window is still open, with or without an infection
    as_of: date
    late: int = 0  # infections dated after day 90: recorded, not counted
    open_window_infections: tuple[QiProcedure, ...] = ()

    @property
    def rate(self) -> Fraction | None:
        return Fraction(self.count, self.eligible) if self.eligible else None

    @property
    def pct(self) -> float | None:
        return percent(self.count, self.eligible)

    @property
    def explanation(self) -> str:
        open_text = (
            f" {self.open_windows} procedure(s) are still inside their 90-day window, not counted yet."
            if self.open_windows
            else ""
        )
        infections = len(self.open_window_infections)
        open_ssi_text = (
            f" {infections} infection(s) inside a window still open are listed apart; each joins the rate "
            "when its window closes."
            if infections
            else ""
        )
        late_text = (
            f" {self.late} infection(s) dated after day 90 are recorded but not counted." if self.late else ""
        )
        if not self.eligible:
            return (
                f"As of {self.as_of.isoformat()} no 90-day window has closed yet, so no rate."
                f"{open_text}{open_ssi_text}"
            )
        return (
            f"As of {self.as_of.isoformat()}: {self.count} infection(s) within 90 days in {self.eligible} "
            f"eligible procedure(s) = {format_pct(self.pct)}. Eligible: the 90-day window closed (surgery + "
            f"90 days on or before the as-of date).{open_text}{open_ssi_text}{late_text}"
        )


def open_window_infection_words(p: QiProcedure) -> str:
    """One line of the "infections in open windows" list: procedure, surgery date, infection day and
    date, organism."""
    assert p.ssi is not None
    organism = f", {p.ssi.organism}" if p.ssi.organism else ""
    return (
        f"{p.procedure_id} (surgery {p.surgery_date.isoformat()}): infection on day "
        f"{days_after_surgery(p.surgery_date, p.ssi.on)} ({p.ssi.on.isoformat()}){organism}; window closes "
        f"{window_closes_on(p.surgery_date).isoformat()}"
    )


def ssi_rate(procedures: Iterable[QiProcedure], as_of: date) -> SsiRate:
    """R12 (revision 2): counted infections ÷ procedures whose 90-day window closed by ``as_of``; the
    open windows are counted apart and the infections inside them listed apart."""
    count = eligible = open_windows = late = 0
    open_infections: list[QiProcedure] = []
    for p in sorted(procedures, key=lambda p: (p.surgery_date, p.procedure_id)):
        status = ssi_status(p, as_of)
        if status == "future":
            continue
        if status in ("open", "open_ssi"):
            open_windows += 1
            if status == "open_ssi":
                open_infections.append(p)
            continue
        eligible += 1
        count += int(status == "ssi")
        if status == "closed" and p.ssi is not None and p.ssi.on <= as_of:
            late += 1
    return SsiRate(count, eligible, open_windows, as_of, late, tuple(open_infections))


# --------------------------------------------------------------------------------------------------
# Risk-factor breakdown (display groups, not clinical thresholds)
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RiskGroup:
    """R12 within one group of one risk factor."""

    factor: str
    group: str
    eligible: int
    ssi: int

    @property
    def pct(self) -> float | None:
        return percent(self.ssi, self.eligible)


def _yes_no(value: bool | None) -> str:
    return "not recorded" if value is None else ("yes" if value else "no")


def _banded(value: float | None, bands: Sequence[tuple[float, str]], last: str) -> str:
    if value is None:
        return "not recorded"
    for upper, label in bands:
        if value < upper:
            return label
    return last


#: Factor → (group labels in display order, the function that puts a procedure in a group).
RISK_FACTORS: tuple[str, ...] = (
    "Age at surgery",
    "Weight",
    "BMI",
    "GMFCS level",
    "Gastrostomy or ostomy",
    "Revision in the previous 6 months",
    "CSF leak",
)

_GROUPS: dict[str, tuple[str, ...]] = {
    "Age at surgery": ("under 5 y", "5 to 11 y", "12 y and over", "not recorded"),
    "Weight": ("under 20 kg", "20 to 39 kg", "40 kg and over", "not recorded"),
    "BMI": ("under 15", "15 to 19.9", "20 and over", "not recorded"),
    "GMFCS level": ("I–III", "IV", "V", "not recorded"),
    "Gastrostomy or ostomy": ("yes", "no", "not recorded"),
    "Revision in the previous 6 months": ("none", "1 or more", "not recorded"),
    "CSF leak": ("yes", "no", "not recorded"),
}


def risk_group(factor: str, risk: RiskFactors) -> str:
    """The display group of ``risk`` for ``factor`` (groups are for the breakdown chart only)."""
    if factor == "Age at surgery":
        years = None if risk.age_months is None else risk.age_months / 12
        return _banded(years, ((5, "under 5 y"), (12, "5 to 11 y")), "12 y and over")
    if factor == "Weight":
        return _banded(risk.weight_kg, ((20, "under 20 kg"), (40, "20 to 39 kg")), "40 kg and over")
    if factor == "BMI":
        return _banded(risk.bmi, ((15, "under 15"), (20, "15 to 19.9")), "20 and over")
    if factor == "GMFCS level":
        if risk.gmfcs_level is None:
            return "not recorded"
        return {4: "IV", 5: "V"}.get(risk.gmfcs_level, "I–III")
    if factor == "Gastrostomy or ostomy":
        return _yes_no(risk.gastrostomy)
    if factor == "Revision in the previous 6 months":
        if risk.prior_revisions_6m is None:
            return "not recorded"
        return "none" if risk.prior_revisions_6m == 0 else "1 or more"
    if factor == "CSF leak":
        return _yes_no(risk.csf_leak)
    raise ValueError(f"unknown risk factor {factor!r}")


def risk_breakdown(procedures: Iterable[QiProcedure], as_of: date) -> tuple[RiskGroup, ...]:
    """R12 per group of each risk factor, over the eligible procedures; empty groups are left out."""
    statuses = [(p, ssi_status(p, as_of)) for p in procedures]
    eligible = [(p, status == "ssi") for p, status in statuses if status in ("ssi", "closed")]
    rows: list[RiskGroup] = []
    for factor in RISK_FACTORS:
        counts = {g: [0, 0] for g in _GROUPS[factor]}
        for p, infected in eligible:
            c = counts[risk_group(factor, p.risk)]
            c[0] += 1
            c[1] += int(infected)
        rows.extend(RiskGroup(factor, g, n, k) for g, (n, k) in counts.items() if n)
    return tuple(rows)


# --------------------------------------------------------------------------------------------------
# Surveillance: the follow-up list
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckIn:
    """A follow-up contact ``day`` days after surgery: "done", "due" (date reached, not done),
    "upcoming", or "passed" (not done, but a later check-in was: that contact covered it)."""

    day: int
    due_on: date
    status: str
    done_on: date | None = None


def checkins(
    surgery_date: date, done: Mapping[int, date], as_of: date, days: Sequence[int] = DEFAULT_CHECKIN_DAYS
) -> tuple[CheckIn, ...]:
    """The check-ins of one procedure on ``as_of``; ``done`` maps day → date it was done. A check-in
    left undone before a later one that was done is "passed", not due: the later contact covered it (a
    recorded day-60 check-in clears days 14 and 30)."""
    result = []
    latest_done = max(done, default=0)
    for day in sorted(set(days) | set(done)):
        due_on = surgery_date + timedelta(days=day)
        if day in done:
            result.append(CheckIn(day, due_on, "done", done[day]))
        elif day < latest_done:
            result.append(CheckIn(day, due_on, "passed"))
        else:
            result.append(CheckIn(day, due_on, "due" if due_on <= as_of else "upcoming"))
    return tuple(result)


@dataclass(frozen=True)
class FollowUp:
    """One line of the follow-up list: a procedure in (or just out of) its window, its day, the day its
    window closes and its check-ins."""

    procedure: QiProcedure
    day: int
    closes_on: date
    window_open: bool
    checkins: tuple[CheckIn, ...]

    @property
    def due(self) -> tuple[CheckIn, ...]:
        return tuple(c for c in self.checkins if c.status == "due")

    @property
    def next_upcoming(self) -> CheckIn | None:
        return next((c for c in self.checkins if c.status == "upcoming"), None)

    @property
    def explanation(self) -> str:
        state = (
            f"day {self.day} of 90, window closes {self.closes_on.isoformat()}"
            if self.window_open
            else f"window closed {self.closes_on.isoformat()}"
        )
        due = ", ".join(f"day {c.day} (since {c.due_on.isoformat()})" for c in self.due)
        nxt = self.next_upcoming
        parts = [state]
        if due:
            parts.append(f"check-in due: {due}")
        if nxt is not None:
            parts.append(f"next check-in day {nxt.day} on {nxt.due_on.isoformat()}")
        return "; ".join(parts) + "."


def follow_up_list(
    procedures: Iterable[tuple[QiProcedure, Mapping[int, date]]],
    as_of: date,
    days: Sequence[int] = DEFAULT_CHECKIN_DAYS,
) -> tuple[FollowUp, ...]:
    """The surveillance list on ``as_of``: procedures without a recorded infection whose 90-day window is
    open (R12), plus those whose window closed in the last CLOSED_GRACE_DAYS days with a check-in still
    due. Procedures with check-ins due come first, then by surgery date."""
    items = []
    for p, done in procedures:
        if p.ssi is not None and p.ssi.on <= as_of:
            continue
        status = ssi_status(p, as_of)
        if status == "future":
            continue
        closes = window_closes_on(p.surgery_date)
        ins = checkins(p.surgery_date, done, as_of, days)
        item = FollowUp(p, days_after_surgery(p.surgery_date, as_of), closes, status == "open", ins)
        if status == "open" or (
            status == "closed" and (as_of - closes).days <= CLOSED_GRACE_DAYS and item.due
        ):
            items.append(item)
    items.sort(key=lambda i: (not i.due, i.procedure.surgery_date, i.procedure.procedure_id))
    return tuple(items)
