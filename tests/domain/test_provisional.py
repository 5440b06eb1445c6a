"""RULES.md "Results while a day is still running": when a dosed day's response is provisional."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from trialapp.domain.provisional import day_is_provisional
from trialapp.domain.records import DayPlan, Decision


def _day(build, day, hours, dose=50):
    return build.day(day, dose, build.uniform("2"), {h: build.uniform("1") for h in hours})


def test_running_day_is_provisional_until_its_last_slot(build):
    assert day_is_provisional(build.trial([_day(build, 1, (1, 2, 4))]), 1)
    assert not day_is_provisional(build.trial([_day(build, 1, (1, 2, 4, 6, 8))]), 1)
    # The 8 h slot filled 25 min late still counts as recorded (R10: late is recorded).
    assert not day_is_provisional(build.trial([_day(build, 1, (1, 8 + 25 / 60))]), 1)
    # A reassessment at 6.5 h belongs to the 6 h slot's window, not to the last one.
    assert day_is_provisional(build.trial([_day(build, 1, (1, 6.5))]), 1)


def test_closed_day_is_not_provisional(build):
    running = _day(build, 1, (1, 2))
    assert not day_is_provisional(build.trial([replace(running, plan=DayPlan(next_dose_mcg=75))]), 1)
    assert not day_is_provisional(build.trial([running, _day(build, 2, (1,), dose=75)]), 1)
    # ... but the later day itself is still running.
    assert day_is_provisional(build.trial([running, _day(build, 2, (1,), dose=75)]), 2)
    before = Decision("undecided", datetime(2026, 11, 2, 8, 0), "dr", "r")
    after = Decision("not_candidate", datetime(2026, 11, 2, 18, 0), "dr", "r")
    assert day_is_provisional(replace(build.trial([running]), decision=before), 1)
    assert not day_is_provisional(replace(build.trial([running]), decision=after), 1)
    assert not day_is_provisional(replace(build.trial([running]), decision=replace(after, decided_at=None)), 1)


def test_undosed_or_missing_day_is_never_provisional(build):
    trial = build.trial([build.day(1, None, build.uniform("2"))])
    assert not day_is_provisional(trial, 1)
    assert not day_is_provisional(trial, 7)
