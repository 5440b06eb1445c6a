"""R13 p-chart of the 90-day infections and the full-compliance run chart.

p-chart per period (month or quarter, by surgery date) of the eligible procedures: centre line
p̄ = all counted infections ÷ all eligible procedures of the periods shown; limits
p̄ ± 3·√(p̄(1−p̄)/nᵢ), the lower limit floored at 0 (and the upper capped at 1: a proportion cannot exceed
it). A run chart shows the full-compliance percentage per period with its median. Both flag a point beyond
its limits (p-chart) and every point of a run of 8 or more on one side of the centre line; a point exactly
on the centre line neither extends nor breaks a run (the usual run-chart convention).

Pure Python: no Qt, no SQL.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from fractions import Fraction

from trialapp.domain.qi_bundle import BundleHistory
from trialapp.domain.qi_compliance import is_fully_compliant
from trialapp.domain.qi_procedures import QiProcedure
from trialapp.domain.qi_surveillance import ssi_status

#: A run of this many points on one side of the centre line is flagged.
RUN_LENGTH = 8

PERIODS = ("month", "quarter")

# --------------------------------------------------------------------------------------------------
# R13: p-chart and run chart
# --------------------------------------------------------------------------------------------------


def period_label(on: date, period: str) -> str:
    """The period a date falls in: "2026-03" (month) or "2026-Q1" (quarter). Labels sort in time order."""
    if period == "month":
        return f"{on.year:04d}-{on.month:02d}"
    if period == "quarter":
        return f"{on.year:04d}-Q{(on.month - 1) // 3 + 1}"
    raise ValueError(f"period must be one of {PERIODS}, not {period!r}")


def period_ordinal(label: str, period: str) -> int:
    """The position of a period label on a true time axis (months or quarters since year 0), so that
    periods without procedures keep their place on a chart."""
    year, part = label.split("-")
    if period == "month":
        return int(year) * 12 + int(part) - 1
    if period == "quarter":
        return int(year) * 4 + int(part.removeprefix("Q")) - 1
    raise ValueError(f"period must be one of {PERIODS}, not {period!r}")


def control_limits(p_bar: Fraction, n: int) -> tuple[float, float]:
    """R13 limits for a period of ``n`` eligible procedures: p̄ ± 3·√(p̄(1−p̄)/n), the lower floored at 0
    and the upper capped at 1. Returns (lcl, ucl)."""
    if n <= 0:
        raise ValueError("a period needs at least one procedure")
    sigma = math.sqrt(float(p_bar * (1 - p_bar)) / n)
    centre = float(p_bar)
    return max(0.0, centre - 3 * sigma), min(1.0, centre + 3 * sigma)


def run_flags(values: Sequence[float], centre: float, run_length: int = RUN_LENGTH) -> tuple[bool, ...]:
    """R13: flag every point of a run of ``run_length`` or more consecutive points on the same side of
    ``centre``. A point exactly on the centre line is skipped: it neither extends nor breaks a run, and
    is never flagged."""
    flags = [False] * len(values)
    run: list[int] = []
    side = 0
    for i, v in enumerate(values):
        here = (v > centre) - (v < centre)
        if here == 0:
            continue
        if here != side:
            run, side = [], here
        run.append(i)
        if len(run) >= run_length:
            for j in run:
                flags[j] = True
    return tuple(flags)


def median(values: Sequence[float]) -> float:
    """The median (mean of the two middle values for an even count)."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    mid = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[mid]
    return (ordered[mid - 1] + ordered[mid]) / 2


@dataclass(frozen=True)
class PChartPoint:
    """One period of the p-chart: ``n`` eligible procedures, ``ssi`` counted infections, ``p`` = ssi ÷ n,
    its limits, and its flags."""

    period: str
    n: int
    ssi: int
    p: float
    lcl: float
    ucl: float
    beyond_limits: bool
    in_run: bool
    open_windows: int = 0  # procedures of the period still inside their window: not in n yet
    open_infections: int = 0  # infections among them (R12 revision 2: not in the point until they close)

    @property
    def provisional(self) -> bool:
        """Not final: some procedures of the period are still inside their window."""
        return self.open_windows > 0

    @property
    def tooltip(self) -> str:
        """The point in a few words for the chart's tooltip: n, infections, p and its limits."""
        lines = [
            f"{self.period}{' (not final)' if self.provisional else ''}",
            f"n = {self.n} eligible, {self.ssi} infection(s): p = {100 * self.p:.1f} %",
            f"limits {100 * self.lcl:.1f} % to {100 * self.ucl:.1f} %",
        ]
        if self.open_windows:
            lines.append(
                f"{self.open_windows} still inside their window"
                + (f" ({self.open_infections} infected)" if self.open_infections else "")
            )
        if self.beyond_limits:
            lines.append("beyond the limits")
        if self.in_run:
            lines.append(f"part of a run of {RUN_LENGTH}")
        return "\n".join(lines)

    @property
    def explanation(self) -> str:
        flags = []
        if self.beyond_limits:
            flags.append("beyond the control limits: look for a special cause")
        if self.in_run:
            flags.append(f"part of a run of {RUN_LENGTH} or more on one side of the centre line")
        flag_text = f" Flag: {'; '.join(flags)}." if flags else ""
        open_ssi = (
            f", {self.open_infections} of them with an infection already" if self.open_infections else ""
        )
        open_text = (
            f" {self.open_windows} more procedure(s) of this period are still inside their window{open_ssi}: "
            "the point is not final."
            if self.open_windows
            else ""
        )
        return (
            f"{self.period}: {self.ssi} infection(s) in {self.n} eligible procedure(s), p = {self.p:.4f}; "
            f"limits {self.lcl:.4f} to {self.ucl:.4f}.{flag_text}{open_text}"
        )


@dataclass(frozen=True)
class PChart:
    """R13 p-chart: points in time order and the centre line p̄ (None when no eligible procedure)."""

    points: tuple[PChartPoint, ...]
    total_n: int
    total_ssi: int
    period: str

    @property
    def centre(self) -> float | None:
        return self.total_ssi / self.total_n if self.total_n else None

    @property
    def explanation(self) -> str:
        if not self.total_n:
            return "No eligible procedure yet: the p-chart starts when the first 90-day window closes."
        return (
            f"Centre line p̄ = {self.total_ssi} infection(s) ÷ {self.total_n} eligible procedure(s) = "
            f"{self.centre:.4f}. Limits per {self.period}: p̄ ± 3·√(p̄(1−p̄)/n), lower limit at least 0. "
            f"Flagged: a point beyond its limits, and runs of {RUN_LENGTH} or more on one side of p̄."
        )


def p_chart(procedures: Iterable[QiProcedure], as_of: date, period: str) -> PChart:
    """R13 p-chart of the eligible procedures (R12 revision 2: closed windows only) by surgery-date
    period; periods without an eligible procedure have no point."""
    groups: dict[str, list[int]] = {}
    open_windows: dict[str, int] = {}
    open_infections: dict[str, int] = {}
    for p in procedures:
        status = ssi_status(p, as_of)
        label = period_label(p.surgery_date, period)
        if status in ("ssi", "closed"):
            g = groups.setdefault(label, [0, 0])
            g[0] += 1
            g[1] += int(status == "ssi")
        elif status in ("open", "open_ssi"):
            open_windows[label] = open_windows.get(label, 0) + 1
            open_infections[label] = open_infections.get(label, 0) + int(status == "open_ssi")
    labels = sorted(groups)
    total_n = sum(groups[k][0] for k in labels)
    total_ssi = sum(groups[k][1] for k in labels)
    if not total_n:
        return PChart((), 0, 0, period)
    p_bar = Fraction(total_ssi, total_n)
    ps = [groups[k][1] / groups[k][0] for k in labels]
    in_run = run_flags(ps, float(p_bar))
    points = []
    for i, label in enumerate(labels):
        n, k = groups[label]
        lcl, ucl = control_limits(p_bar, n)
        proportion = k / n
        beyond = proportion > ucl or proportion < lcl
        points.append(
            PChartPoint(
                label,
                n,
                k,
                proportion,
                lcl,
                ucl,
                beyond,
                in_run[i],
                open_windows.get(label, 0),
                open_infections.get(label, 0),
            )
        )
    return PChart(tuple(points), total_n, total_ssi, period)


@dataclass(frozen=True)
class RunPoint:
    """One period of the compliance run chart: fully compliant procedures ÷ procedures scored, in %."""

    period: str
    scored: int
    full: int
    pct: float
    in_run: bool


@dataclass(frozen=True)
class RunChart:
    points: tuple[RunPoint, ...]
    median: float | None
    period: str

    @property
    def explanation(self) -> str:
        if self.median is None:
            return "No procedure with a step to score yet: the run chart is empty."
        return (
            f"Full compliance per {self.period} (procedures with every applicable step yes ÷ procedures "
            f"scored); centre line = median of the points, {self.median:.1f} %. Flagged: runs of "
            f"{RUN_LENGTH} or more on one side of the median (points on it do not count)."
        )


def compliance_run_chart(
    procedures: Iterable[QiProcedure], history: BundleHistory, as_of: date, period: str
) -> RunChart:
    """R13 run chart of full compliance (R11) per surgery-date period, up to ``as_of``, with its median."""
    groups: dict[str, list[int]] = {}
    for p in procedures:
        if p.surgery_date > as_of:
            continue
        result = is_fully_compliant(p, p.scored_against(history).bundle)
        if result is None:
            continue
        g = groups.setdefault(period_label(p.surgery_date, period), [0, 0])
        g[0] += 1
        g[1] += int(result)
    labels = sorted(groups)
    if not labels:
        return RunChart((), None, period)
    values = [100 * groups[k][1] / groups[k][0] for k in labels]
    centre = median(values)
    flags = run_flags(values, centre)
    points = tuple(RunPoint(k, groups[k][0], groups[k][1], values[i], flags[i]) for i, k in enumerate(labels))
    return RunChart(points, centre, period)
