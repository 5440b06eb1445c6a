"""R10: the reassessment schedule. Dose at 09:00 with the default 1, 2, 4, 6, 8 h grid, so the slots
are at 10:00, 11:00, 13:00, 15:00 and 17:00, and (half-way rule) their windows are 09:30–10:30,
10:30–12:00, 12:00–14:00, 14:00–16:00 and 16:00–18:00. Synthetic data only."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trialapp.domain.records import ProtocolSettings
from trialapp.domain.schedule import (
    DEFAULT_LATE_AFTER_MINUTES,
    DEFAULT_SCHEDULE_HOURS,
    ScheduleSlot,
    describe_next_due,
    describe_slot,
    format_hours,
    format_minutes,
    next_due,
    reassessment_schedule,
)

DOSE = datetime(2026, 11, 2, 9, 0)
HOURS = (1, 2, 4, 6, 8)


def at(hh: int, mm: int = 0, ss: int = 0) -> datetime:
    return datetime(2026, 11, 2, hh, mm, ss)


def schedule(
    times: list[datetime], now: datetime, hours: tuple[float, ...] = HOURS, late: int = 30
) -> tuple[tuple[ScheduleSlot, ...], tuple[datetime, ...]]:
    return reassessment_schedule(DOSE, hours, times, now, late)


def by_hours(slots: tuple[ScheduleSlot, ...]) -> dict[float, ScheduleSlot]:
    return {s.hours: s for s in slots}


def test_defaults_match_protocol_settings() -> None:
    assert DEFAULT_SCHEDULE_HOURS == (1, 2, 4, 6, 8) == ProtocolSettings().schedule_hours
    assert DEFAULT_LATE_AFTER_MINUTES == 30 == ProtocolSettings().late_after_minutes


def test_slots_and_due_times() -> None:
    slots, extras = schedule([], now=at(9, 5))
    assert [s.hours for s in slots] == [1, 2, 4, 6, 8]
    assert [s.due_at for s in slots] == [at(10), at(11), at(13), at(15), at(17)]
    assert all(s.status == "upcoming" and s.done_at is None and s.minutes_from_slot is None for s in slots)
    assert extras == ()


@pytest.mark.parametrize(
    ("done", "hours", "status", "minutes"),
    [
        (at(10), 1, "done", 0),  # on time
        (at(11, 30), 2, "done", 30),  # exactly 30 min late is not late
        (at(11, 31), 2, "late", 31),
        (at(11, 30, 20), 2, "late", 31),  # 30 min 20 s is more than 30 min
        (at(12, 30), 4, "done", -30),  # exactly 30 min early
        (at(12, 29), 4, "early", -31),  # R10 revision 2: early, not late
        (at(12, 5), 4, "early", -55),
        (at(13, 59), 4, "late", 59),
        (at(9, 30), 1, "done", -30),  # the first slot's window reaches half-way back to the dose
        (at(10, 30), 1, "done", 30),  # a shared window edge belongs to the earlier slot
    ],
)
def test_done_early_and_late(done: datetime, hours: float, status: str, minutes: int) -> None:
    slots, extras = schedule([done], now=at(20))
    slot = by_hours(slots)[hours]
    assert (slot.done_at, slot.status, slot.minutes_from_slot) == (done, status, minutes)
    assert extras == ()


def test_late_window_is_configurable() -> None:
    slots, _ = schedule([at(11, 40)], now=at(20), late=45)
    assert by_hours(slots)[2].status == "done"
    slots, _ = schedule([at(11, 40)], now=at(20), late=30)
    assert by_hours(slots)[2].status == "late"


@pytest.mark.parametrize(
    ("now", "status"),
    [
        (at(10, 29), "upcoming"),  # 31 min before 11:00
        (at(10, 30), "due"),  # 30 min before
        (at(11), "due"),
        (at(11, 30), "due"),  # 30 min after: still due
        (at(11, 31), "overdue"),
        (at(8), "upcoming"),  # before the dose
    ],
)
def test_due_overdue_upcoming(now: datetime, status: str) -> None:
    slots, _ = schedule([], now=now)
    assert by_hours(slots)[2].status == status


def test_extra_reassessments() -> None:
    times = [at(8, 50), at(9, 29), at(10), at(10, 10), at(20)]
    slots, extras = schedule(times, now=at(21))
    assert by_hours(slots)[1].done_at == at(10)
    # Before the dose, before the first window, a second one in a filled window, after the last window.
    assert extras == (at(8, 50), at(9, 29), at(10, 10), at(20))
    assert [s.status for s in slots] == ["done", "overdue", "overdue", "overdue", "overdue"]


def test_nearest_reassessment_fills_the_slot() -> None:
    slots, extras = schedule([at(10, 20), at(9, 55)], now=at(12))
    assert by_hours(slots)[1].done_at == at(9, 55)
    assert extras == (at(10, 20),)


def test_tie_keeps_the_earlier_reassessment() -> None:
    slots, extras = schedule([at(10, 10), at(9, 50)], now=at(12))
    assert by_hours(slots)[1].done_at == at(9, 50)
    assert extras == (at(10, 10),)


def test_half_way_goes_to_the_later_slot_when_the_earlier_is_taken() -> None:
    # 10:30 is half-way between 10:00 and 11:00; the 1 h slot already has 10:00, so 10:30 (30 min
    # early) fills the 2 h slot, and 11:50 (50 min late) is extra.
    slots, extras = schedule([at(10), at(10, 30), at(11, 50)], now=at(12))
    assert by_hours(slots)[2].done_at == at(10, 30)
    assert by_hours(slots)[2].status == "done"
    assert extras == (at(11, 50),)


def test_a_reassessment_nearer_the_next_slot_goes_there() -> None:
    # 10:45 is 45 min after the 1 h slot but 15 min before the 2 h slot.
    slots, extras = schedule([at(10, 45)], now=at(11, 10))
    assert by_hours(slots)[1].status == "overdue"
    assert (by_hours(slots)[2].status, by_hours(slots)[2].minutes_from_slot) == ("done", -15)
    assert extras == ()


def test_single_slot_window() -> None:
    # One slot at 4 h (13:00): the window reaches 2 h back to 11:00 and 2 h on to 15:00.
    slots, extras = schedule([at(14, 59), at(15, 1)], now=at(16), hours=(4,))
    assert (slots[0].done_at, slots[0].status, slots[0].minutes_from_slot) == (at(14, 59), "late", 119)
    assert extras == (at(15, 1),)


def test_hours_are_sorted_and_fractional_hours_work() -> None:
    slots, _ = schedule([], now=at(9), hours=(8, 1.5, 4))
    assert [s.hours for s in slots] == [1.5, 4, 8]
    assert slots[0].due_at == at(10, 30)
    assert format_hours(1.5) == "1.5 h" and format_hours(4) == "4 h"


@pytest.mark.parametrize("hours", [(0, 1), (-1, 2), (1, 1, 2), (float("nan"),)])
def test_bad_schedule_hours(hours: tuple[float, ...]) -> None:
    with pytest.raises(ValueError):
        schedule([], now=at(9), hours=hours)


def test_negative_late_window() -> None:
    with pytest.raises(ValueError):
        schedule([], now=at(9), late=-1)


# -- what is due next, in words -----------------------------------------------------------------------


def test_next_due_upcoming() -> None:
    slots, _ = schedule([], now=at(9, 5))
    slot = next_due(slots)
    assert slot is not None and slot.hours == 1
    assert describe_next_due(slots, at(9, 5)) == "1 h reassessment due at 10:00 (in 55 min)"


def test_next_due_within_window_before_time() -> None:
    slots, _ = schedule([at(10), at(11)], now=at(12, 35))
    assert describe_next_due(slots, at(12, 35)) == "4 h reassessment due at 13:00 (in 25 min)"


def test_next_due_now_after_time() -> None:
    slots, _ = schedule([], now=at(11, 20))
    assert by_hours(slots)[1].status == "overdue"
    # The current slot is shown, not the one already missed.
    assert describe_next_due(slots, at(11, 20)) == "2 h reassessment due now (due at 11:00, 20 min ago)"


def test_next_due_overdue() -> None:
    slots, _ = schedule([at(10), at(11)], now=at(13, 40))
    assert describe_next_due(slots, at(13, 40)) == "4 h reassessment overdue by 40 min (due at 13:00)"
    slots, _ = schedule([at(10), at(11)], now=at(13, 10))
    assert describe_next_due(slots, at(13, 10)) == "4 h reassessment due now (due at 13:00, 10 min ago)"


def test_next_due_long_wait_in_hours() -> None:
    slots, _ = schedule([at(10), at(11), at(13)], now=at(13, 35))
    assert describe_next_due(slots, at(13, 35)) == "6 h reassessment due at 15:00 (in 1 h 25 min)"


def test_all_done() -> None:
    slots, _ = schedule([at(10), at(11), at(13), at(15), at(17)], now=at(18))
    assert next_due(slots) is None
    assert describe_next_due(slots, at(18)) == "All scheduled reassessments are done."


def test_describe_done_slots() -> None:
    slots, _ = schedule([at(10), at(11, 31), at(12, 29)], now=at(14))
    d = by_hours(slots)
    assert describe_slot(d[1], at(14)) == "1 h reassessment done at 10:00, on time (slot 10:00)"
    assert describe_slot(d[2], at(14)) == "2 h reassessment done at 11:31, 31 min late (slot 11:00)"
    assert describe_slot(d[4], at(14)) == "4 h reassessment done at 12:29, 31 min early (slot 13:00)"


def test_format_minutes() -> None:
    assert format_minutes(25) == "25 min"
    assert format_minutes(60) == "1 h"
    assert format_minutes(85) == "1 h 25 min"
    assert format_minutes(-10) == "10 min"


@given(st.lists(st.integers(min_value=-120, max_value=14 * 60), max_size=12))
def test_every_reassessment_is_used_once(offsets: list[int]) -> None:
    times = [DOSE + timedelta(minutes=m) for m in offsets]
    slots, extras = schedule(times, now=at(23))
    used = [s.done_at for s in slots if s.done_at is not None] + list(extras)
    assert Counter(used) == Counter(times)
    for slot in slots:
        if slot.done_at is not None:
            # A filled slot holds the nearest reassessment in its window.
            gap = abs(slot.done_at - slot.due_at)
            assert all(abs(t - slot.due_at) >= gap for t in extras if _same_window(t, slot))


def _same_window(t: datetime, slot: ScheduleSlot) -> bool:
    edges = {
        1: (at(9, 30), at(10, 30)),
        2: (at(10, 30), at(12)),
        4: (at(12), at(14)),
        6: (at(14), at(16)),
        8: (at(16), at(18)),
    }
    low, high = edges[int(slot.hours)]
    return low <= t <= high


def test_early_and_late_are_two_words_with_a_configurable_window() -> None:
    # R10 revision 2: 40 min before the 2 h slot is early, 40 min after it late; a 45 min window takes both.
    slots, _ = schedule([at(10, 20), at(13, 40)], now=at(20), hours=(2, 4))
    assert [s.status for s in slots] == ["early", "late"]
    slots, _ = schedule([at(10, 20), at(13, 40)], now=at(20), hours=(2, 4), late=45)
    assert [s.status for s in slots] == ["done", "done"]
