"""The typed date fields (issue 21 §3): a date typed at the start, a digit in the month, "Mar" in any case and
ISO all count; what cannot be read is said plainly; one Tab leaves the field."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest
from PySide6.QtCore import QDate, QDateTime, QLocale, Qt
from PySide6.QtWidgets import QLineEdit, QVBoxLayout, QWidget

from trialapp.ui.date_input import DateInput, DateTimeInput, parse_date, parse_date_time, parse_time

UK = QLocale(QLocale.Language.English, QLocale.Country.UnitedKingdom)
US = QLocale(QLocale.Language.English, QLocale.Country.UnitedStates)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("20/03/2017", date(2017, 3, 20)),
        ("2017-03-20", date(2017, 3, 20)),
        ("20 Mar 2017", date(2017, 3, 20)),
        ("20 MAR 2017", date(2017, 3, 20)),
        ("20 mar 2017", date(2017, 3, 20)),
        ("20 March 2017", date(2017, 3, 20)),
        ("Mar 20, 2017", date(2017, 3, 20)),
        ("20.3.17", date(2017, 3, 20)),
        ("03/04/2017", date(2017, 4, 3)),  # the day first in the UK
    ],
)
def test_dates_read_in_a_day_first_locale(text: str, expected: date) -> None:
    assert parse_date(text, UK) == expected


def test_a_month_first_locale_reads_its_order_and_only_the_one_possible_other() -> None:
    assert parse_date("03/04/2017", US) == date(2017, 3, 4)
    assert parse_date("20/03/2017", US) == date(2017, 3, 20)  # month 20 does not exist: one reading left
    assert parse_date("2017-03-20", US) == date(2017, 3, 20)


@pytest.mark.parametrize("text", ["", "20/03", "31/02/2017", "someday", "20/13/2017", "2017-03-20-1"])
def test_what_is_not_a_date_is_not_read(text: str) -> None:
    assert parse_date(text, UK) is None


def test_times_and_date_times() -> None:
    assert parse_time("14:30") == time(14, 30) and parse_time("9.05") == time(9, 5)
    assert parse_time("1430") == time(14, 30) and parse_time("25:00") is None
    assert parse_date_time("2017-03-20T14:30", UK) == datetime(2017, 3, 20, 14, 30)
    assert parse_date_time("20/03/2017 14:30", UK) == datetime(2017, 3, 20, 14, 30)
    assert parse_date_time("20 Mar 2017 9:05", UK) == datetime(2017, 3, 20, 9, 5)
    assert parse_date_time("20/03/2017", UK) is None  # the time is needed


def _form(qtbot, field: QWidget) -> tuple[QWidget, QLineEdit]:
    holder = QWidget()
    qtbot.addWidget(holder)
    layout = QVBoxLayout(holder)
    layout.addWidget(field)
    after = QLineEdit()
    layout.addWidget(after)
    holder.show()
    holder.activateWindow()
    qtbot.waitUntil(holder.isActiveWindow, timeout=2000)
    return holder, after


def test_a_date_typed_over_the_field_counts_and_one_tab_leaves(qtbot) -> None:
    QLocale.setDefault(UK)
    try:
        field = DateInput(QDate(2025, 1, 1))
        _holder = _form(qtbot, field)
        changes: list[QDate] = []
        field.dateChanged.connect(changes.append)
        field.setFocus()
        field.edit.selectAll()
        qtbot.keyClicks(field.edit, "20/03/2017")
        assert field.date() == QDate(2017, 3, 20)
        qtbot.keyClick(field.edit, Qt.Key.Key_Tab)
        assert not field.edit.hasFocus() and not field.calendar_button.hasFocus()
        assert field.edit.text() == "20 Mar 2017" and field.problem() == ""
        assert changes[-1] == QDate(2017, 3, 20)
    finally:
        QLocale.setDefault(QLocale.system())


def test_a_digit_in_the_month_and_capital_mar_count(qtbot) -> None:
    field = DateInput(QDate(2017, 3, 20))
    field.setDisplayFormat("dd/MM/yyyy")
    _holder = _form(qtbot, field)
    field.setFocus()
    field.edit.setCursorPosition(5)  # after "20/03"
    qtbot.keyClick(field.edit, Qt.Key.Key_Backspace)
    qtbot.keyClicks(field.edit, "4")
    assert field.date() == QDate(2017, 4, 20)
    field.edit.selectAll()
    qtbot.keyClicks(field.edit, "2 Mar 2018")
    assert field.date() == QDate(2018, 3, 2)


def test_what_cannot_be_read_is_said_plainly_and_the_last_good_value_stays(qtbot) -> None:
    field = DateInput(QDate(2017, 3, 20))
    _holder, after = _form(qtbot, field)
    field.setFocus()
    field.edit.selectAll()
    qtbot.keyClicks(field.edit, "next tuesday")
    qtbot.keyClick(field.edit, Qt.Key.Key_Tab)
    assert after.hasFocus()
    assert field.problem() == (
        "“next tuesday” cannot be read as a date. Type the date as 20/03/2017 or 2017-03-20."
    )
    assert field.date() == QDate(2017, 3, 20)
    field.setFocus()
    field.edit.selectAll()
    qtbot.keyClicks(field.edit, "2017-03-21")
    assert field.problem() == "" and field.date() == QDate(2017, 3, 21)


def test_an_empty_field_means_any_where_the_screen_allows_it(qtbot) -> None:
    field = DateInput()
    field.setMinimumDate(QDate(2000, 1, 1))
    field.setSpecialValueText("any")
    field.setDate(QDate(2000, 1, 1))
    _holder = _form(qtbot, field)
    assert field.edit.text() == "" and field.edit.placeholderText() == "any"
    field.setFocus()
    qtbot.keyClicks(field.edit, "2025-09-03")
    assert field.date() == QDate(2025, 9, 3)
    field.edit.selectAll()
    qtbot.keyClick(field.edit, Qt.Key.Key_Backspace)
    assert field.date() == QDate(2000, 1, 1)


def test_a_date_time_field_takes_iso_and_the_locale_form(qtbot) -> None:
    field = DateTimeInput(QDateTime(datetime(2025, 3, 3, 8, 0)))
    field.setDisplayFormat("yyyy-MM-dd HH:mm")
    _holder, after = _form(qtbot, field)
    assert field.edit.text() == "2025-03-03 08:00"
    field.setFocus()
    field.edit.selectAll()
    qtbot.keyClicks(field.edit, "2025-03-03 07:15")
    assert field.dateTime().toPython() == datetime(2025, 3, 3, 7, 15)
    field.edit.selectAll()
    qtbot.keyClicks(field.edit, "4 mar 2025 9:05")
    qtbot.keyClick(field.edit, Qt.Key.Key_Tab)
    assert after.hasFocus() and field.dateTime().toPython() == datetime(2025, 3, 4, 9, 5)
    assert field.edit.text() == "2025-03-04 09:05"


def test_the_calendar_opens_from_the_keyboard_and_picks_with_enter(qtbot) -> None:
    field = DateInput(QDate(2017, 3, 20))
    _holder = _form(qtbot, field)
    field.setFocus()
    qtbot.keyClick(field.edit, Qt.Key.Key_Down, Qt.KeyboardModifier.AltModifier)
    calendar = field._calendar
    assert calendar is not None and calendar.isVisible()
    qtbot.keyClick(calendar.focusWidget() or calendar, Qt.Key.Key_Right)
    qtbot.keyClick(calendar.focusWidget() or calendar, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not calendar.isVisible(), timeout=2000)
    assert not calendar.isVisible() and field.date() == QDate(2017, 3, 21)
    qtbot.waitUntil(field.edit.hasFocus, timeout=2000)


def test_an_assessment_is_not_saved_at_a_time_that_cannot_be_read(tmp_path, tmp_path_factory, qtbot) -> None:
    from tests.ui.workspace_helpers import copy_bed, open_workspace
    from trialapp.services import trials
    from trialapp.services.context import os_actor

    bed = copy_bed(tmp_path, tmp_path_factory)
    try:
        page = open_workspace(qtbot, bed, bed.team.pt).open_assessment(1, "baseline", "baseline")
        page.set_value("hr", "96")
        page.time_edit.setFocus()
        page.time_edit.edit.selectAll()
        qtbot.keyClicks(page.time_edit.edit, "2025-03-03 08:")
        qtbot.keyClick(page.time_edit.edit, Qt.Key.Key_Return)
        assert not page.save()
        assert page.error_label.text() == (
            "“2025-03-03 08:” cannot be read as a date and time. Type the date and time as 20/03/2017 14:30 "
            "or 2017-03-20 14:30. Nothing was saved."
        )
        assert trials.load_document(bed.app, os_actor(), bed.trial_id).trial.days[0].assessments == ()
        page.back()
    finally:
        bed.app.close()
