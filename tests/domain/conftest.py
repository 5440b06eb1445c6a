"""Builders for domain records, so tests state only what matters to them. Synthetic data only."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import date, datetime, timedelta

import pytest

from trialapp.domain.muscles import LOWER_MUSCLES, SIDES
from trialapp.domain.records import (
    AdverseEvent,
    Assessment,
    Catheter,
    Day,
    DayPlan,
    Dose,
    MasEntry,
    ProtocolSettings,
    Trial,
)

FIRST_DAY = date(2026, 11, 2)
DOSE_CLOCK = (9, 0)  # every built day gives its dose at 09:00
BASELINE_MINUTES_BEFORE = 30


class Builders:
    """Small factories for records. Times are naive local times on FIRST_DAY + (day − 1)."""

    def muscle_sides(self, muscles: Sequence[str] = LOWER_MUSCLES) -> list[tuple[str, str]]:
        """(muscle, side) pairs in a fixed order: each muscle left then right."""
        return [(muscle, side) for muscle in muscles for side in SIDES]

    def mas(self, grades: Sequence[str], muscles: Sequence[str] = LOWER_MUSCLES) -> tuple[MasEntry, ...]:
        """Grades laid over ``muscle_sides(muscles)`` in order; a shorter list leaves the rest unrecorded."""
        pairs = self.muscle_sides(muscles)
        assert len(grades) <= len(pairs), "more grades than muscle-sides"
        return tuple(MasEntry(m, s, g) for (m, s), g in zip(pairs, grades, strict=False))

    def mas_map(self, grades: Mapping[tuple[str, str], str]) -> tuple[MasEntry, ...]:
        return tuple(MasEntry(m, s, g) for (m, s), g in grades.items())

    def uniform(self, grade: str, muscles: Sequence[str] = LOWER_MUSCLES) -> tuple[MasEntry, ...]:
        """Every muscle-side of ``muscles`` at the same grade."""
        return self.mas([grade] * (2 * len(muscles)), muscles)

    def day_date(self, day: int) -> date:
        return FIRST_DAY + timedelta(days=day - 1)

    def dose_time(self, day: int = 1) -> datetime:
        return datetime.combine(self.day_date(day), datetime.min.time()).replace(
            hour=DOSE_CLOCK[0], minute=DOSE_CLOCK[1]
        )

    def at(self, hours: float, day: int = 1) -> datetime:
        """The time ``hours`` after that day's 09:00 dose (negative = before it)."""
        return self.dose_time(day) + timedelta(hours=hours)

    def assessment(self, kind: str, at: datetime, mas: Iterable[MasEntry]) -> Assessment:
        return Assessment(kind=kind, at=at, assessor="pt.synthetic", mas=tuple(mas))

    def baseline(self, mas: Iterable[MasEntry], day: int = 1, hours: float = -0.5) -> Assessment:
        return self.assessment("baseline", self.at(hours, day), mas)

    def reassessment(self, hours: float, mas: Iterable[MasEntry], day: int = 1) -> Assessment:
        return self.assessment("reassessment", self.at(hours, day), mas)

    def dose(self, dose_mcg: int, day: int = 1, hours: float = 0.0) -> Dose:
        return Dose(
            given_at=self.at(hours, day),
            dose_mcg=dose_mcg,
            concentration_mcg_per_ml=50,
            volume_ml=dose_mcg / 50,
            via="catheter",
            given_by="dr.synthetic",
            checked_by="rn.synthetic",
        )

    def event(self, kind: str, severity: str, hours: float = 2.0, day: int = 1) -> AdverseEvent:
        return AdverseEvent(at=self.at(hours, day), kind=kind, severity=severity)

    def day(
        self,
        day: int,
        dose_mcg: int | None,
        baseline: Iterable[MasEntry] | None,
        reassessments: Mapping[float, Iterable[MasEntry]] | None = None,
        events: Iterable[tuple[str, str]] = (),
        extra_assessments: Iterable[Assessment] = (),
    ) -> Day:
        """A trial day: baseline 30 min before a 09:00 dose, reassessments at the given hours after it."""
        assessments: list[Assessment] = []
        if baseline is not None:
            assessments.append(self.baseline(baseline, day))
        assessments.extend(self.reassessment(h, mas, day) for h, mas in (reassessments or {}).items())
        assessments.extend(extra_assessments)
        return Day(
            day=day,
            date=self.day_date(day),
            assessments=tuple(assessments),
            doses=(self.dose(dose_mcg, day),) if dose_mcg is not None else (),
            adverse_events=tuple(self.event(kind, severity, day=day) for kind, severity in events),
        )

    def closed(self, day: Day) -> Day:
        """``day`` with the team's plan saved: its results are final even before the last scheduled
        reassessment (RULES.md "Results while a day is still running")."""
        return replace(day, plan=DayPlan(next_dose_mcg=None, decided_by=("dr.synthetic",)))

    def trial(self, days: Iterable[Day], settings: ProtocolSettings | None = None) -> Trial:
        return Trial(
            started_on=FIRST_DAY,
            catheter=Catheter(placed_at=self.at(-1.5, 1), method="catheter", level="L3-L4"),
            settings=settings or ProtocolSettings(),
            days=tuple(days),
        )


@pytest.fixture(scope="session")
def build() -> Builders:
    """Record builders (session scoped: they hold no state, and hypothesis tests can use them)."""
    return Builders()
