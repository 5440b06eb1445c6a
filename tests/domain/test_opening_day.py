"""Which day a trial opens on (issue 21 item 6): the day with an overdue reassessment, else today's."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from trialapp.domain.muscles import LOWER_MUSCLES, SIDES
from trialapp.domain.opening_day import current_day_number, day_to_open, overdue_day_number
from trialapp.domain.records import Assessment, Catheter, Day, Dose, MasEntry, Patient, Trial, TrialDocument

START = date(2025, 3, 3)


def _mas() -> tuple[MasEntry, ...]:
    return tuple(MasEntry(m, s, "1") for m in LOWER_MUSCLES for s in SIDES)


def _day(number: int, dose_hour: int | None, reassessed_after: tuple[float, ...] = ()) -> Day:
    on = START + timedelta(days=number - 1)
    if dose_hour is None:
        return Day(day=number, date=on)
    dose_at = datetime.combine(on, datetime.min.time()) + timedelta(hours=dose_hour)
    assessments = (
        Assessment("baseline", dose_at - timedelta(hours=1), mas=_mas()),
        *(Assessment("reassessment", dose_at + timedelta(hours=h), mas=_mas()) for h in reassessed_after),
    )
    dose = Dose(dose_at, 50, 50, 1.0, "catheter", "LOT1", "Dr Lee", "Nurse Smith")
    return Day(day=number, date=on, assessments=assessments, doses=(dose,))


def _doc(*days: Day) -> TrialDocument:
    trial = Trial(
        started_on=START,
        catheter=Catheter(datetime(2025, 3, 3, 6, 0), "catheter", "L3-L4"),
        days=days,
    )
    return TrialDocument(patient=Patient(mrn="SYN-1", birth_date=date(2016, 1, 1)), trial=trial)


def test_a_trial_opens_on_the_day_with_an_overdue_reassessment() -> None:
    # Day 1's dose at 9:00; the 1 h slot was done, the 2 h slot (11:00) was missed. Day 2 is today.
    doc = _doc(_day(1, 9, reassessed_after=(1,)), _day(2, None))
    now = datetime(2025, 3, 4, 8, 0)
    assert current_day_number(doc, now) == 2
    assert overdue_day_number(doc, now) == 1
    assert day_to_open(doc, now) == 1


def test_without_anything_overdue_it_opens_on_today() -> None:
    doc = _doc(_day(1, 9, reassessed_after=(1, 2, 4, 6, 8)), _day(2, None))
    now = datetime(2025, 3, 4, 8, 0)
    assert overdue_day_number(doc, now) is None
    assert day_to_open(doc, now) == 2
    # A slot that is due now (within its window), not overdue: today's day still.
    doc = _doc(_day(1, 9))
    assert day_to_open(_doc(_day(1, 9), _day(2, None)), datetime(2025, 3, 3, 10, 10)) == 1
    assert overdue_day_number(doc, datetime(2025, 3, 3, 10, 10)) is None


def test_a_reassessment_missed_more_than_a_day_ago_no_longer_decides() -> None:
    # Day 1's slots were all missed, but its dose was two days ago: the trial opens on today, day 3.
    doc = _doc(_day(1, 9), _day(2, None), _day(3, None))
    now = datetime(2025, 3, 5, 12, 0)
    assert overdue_day_number(doc, now) is None
    assert day_to_open(doc, now) == 3


def test_the_latest_overdue_day_wins_and_a_trial_without_days_opens_on_none() -> None:
    doc = _doc(_day(1, 9), _day(2, 9))
    now = datetime(2025, 3, 4, 12, 0)  # day 1's dose 27 h ago, day 2's 3 h ago with its 1 h and 2 h missed
    assert overdue_day_number(doc, now) == 2
    assert day_to_open(_doc(), now) is None
