"""Date and date-time fields that take typing.

Qt's QDateEdit ignores most typing: a whole date typed at the start changes nothing, a digit in the month is
dropped, "Mar" counts only in lower case, and Tab walks each part before it leaves the field. These fields
are a line edit: type "20/03/2017" (the order of the locale's short form), "20 Mar 2017" (any case, English
or the locale's month names) or ISO "2017-03-20", with a time after it ("14:30") in a date-time field.
What cannot be read is said plainly under the field, the last good value stays, and one Tab leaves. The
calendar button (or Alt+Down, F4) picks a date with the mouse or the arrows.

They keep the part of QDateEdit's API the screens use (``date``/``setDate``/``dateChanged``,
``dateTime``/``setDateTime``/``dateTimeChanged``, ``setDisplayFormat``, ``setMinimumDate`` with
``setSpecialValueText`` for an empty "any" value), so a screen swaps the class and keeps its code.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time

from PySide6.QtCore import QDate, QDateTime, QEvent, QLocale, QObject, QPoint, Qt, QTime, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QCalendarWidget,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from trialapp.domain.timefmt import reading_date

DATE_HELP = "Type the date as 20/03/2017 or 2017-03-20"
DATE_TIME_HELP = "Type the date and time as 20/03/2017 14:30 or 2017-03-20 14:30"
_ENGLISH_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


def _month_names(locale: QLocale) -> dict[str, int]:
    names = {m: i for i, m in enumerate(_ENGLISH_MONTHS, 1)}
    for i in range(1, 13):
        for form in (QLocale.FormatType.ShortFormat, QLocale.FormatType.LongFormat):
            name = locale.monthName(i, form).casefold().rstrip(".")
            if name:
                names.setdefault(name, i)
    return names


def _month(word: str, names: dict[str, int]) -> int | None:
    if word.isdigit():
        return int(word)
    word = word.casefold().rstrip(".")
    if word in names:
        return names[word]
    return names.get(word[:3]) if len(word) >= 3 else None


def day_first(locale: QLocale | None = None) -> bool:
    """Whether the locale's short date form puts the day before the month (20/03/2017, not 03/20/2017)."""
    form = (locale or QLocale()).dateFormat(QLocale.FormatType.ShortFormat)
    d, m = form.find("d"), form.find("M")
    return not (0 <= m < d)


def date_forms(example: date, locale: QLocale | None = None) -> str:
    """How a date may be typed, with ``example`` in each form, its numbers in the order ``parse_date`` reads them:
    "12 Apr 2016, 12/04/2016 or 2016-04-12" (day first) or "12 Apr 2016, 04/12/2016 or 2016-04-12"."""
    numbers = f"{example:%d/%m/%Y}" if day_first(locale) else f"{example:%m/%d/%Y}"
    return f"{reading_date(example)}, {numbers} or {example.isoformat()}"


def parse_date(text: str, locale: QLocale | None = None) -> date | None:
    """A typed date, or None when it cannot be read.

    ISO "2017-03-20"; numbers in the locale's order ("20/03/2017" where the day comes first; the other
    order only when it is the one possible reading, such as 20/03/2017 in a month-first locale); a month
    named in any case ("20 Mar 2017", "mar 20 2017", "20 March 2017"). A two-digit year is 20yy.
    """
    locale = locale or QLocale()
    parts = [p for p in re.split(r"[\s/.,\-]+", text.strip()) if p]
    if len(parts) != 3:
        return None
    names = _month_names(locale)
    if re.fullmatch(r"\d{4}", parts[0]):
        candidates = [(parts[0], parts[1], parts[2])]
    elif not parts[0].isdigit():
        candidates = [(parts[2], parts[0], parts[1])]  # "Mar 20 2017"
    elif not parts[1].isdigit():
        candidates = [(parts[2], parts[1], parts[0])]  # "20 Mar 2017"
    elif day_first(locale):
        candidates = [(parts[2], parts[1], parts[0]), (parts[2], parts[0], parts[1])]
    else:
        candidates = [(parts[2], parts[0], parts[1]), (parts[2], parts[1], parts[0])]
    for year_text, month_text, day_text in candidates:
        month = _month(month_text, names)
        if month is None or not day_text.isdigit() or not re.fullmatch(r"\d{2}|\d{4}", year_text):
            continue
        year = int(year_text) + (2000 if len(year_text) == 2 else 0)
        try:
            return date(year, month, int(day_text))
        except ValueError:
            continue
    return None


def parse_time(text: str) -> time | None:
    """A typed time of day: "14:30", "9:05", "14.30" or "1430"; None when it cannot be read."""
    match = re.fullmatch(r"(\d{1,2})[:.h]?(\d{2})", text.strip())
    if match is None:
        return None
    hour, minute = int(match.group(1)), int(match.group(2))
    return time(hour, minute) if hour < 24 and minute < 60 else None


def parse_date_time(text: str, locale: QLocale | None = None) -> datetime | None:
    """A typed date and time ("20/03/2017 14:30", "2017-03-20T14:30", "20 Mar 2017 9:05"); None when either
    part cannot be read or the time is missing."""
    words = text.strip().replace("T", " ", 1) if re.match(r"\d{4}-", text.strip()) else text.strip()
    head, _, tail = words.rpartition(" ")
    if not head:
        return None
    day, at = parse_date(head, locale), parse_time(tail)
    return datetime.combine(day, at) if day is not None and at is not None else None


class _Field(QWidget):
    """The shared part: the line edit, the calendar button and the plain message under them."""

    def __init__(self, help_text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._help = help_text
        self._format = "dd MMM yyyy"
        self._minimum = QDate(1752, 9, 14)  # QDateEdit's
        self._special = ""
        self._calendar: QCalendarWidget | None = None
        self.edit = QLineEdit()
        self.edit.setAccessibleName("Date" if help_text == DATE_HELP else "Date and time")
        self.edit.setToolTip(help_text + ". Alt+Down opens a calendar.")
        self.edit.installEventFilter(self)
        self.edit.textChanged.connect(self._typed)
        self.edit.editingFinished.connect(self._finished)
        self.calendar_button = QToolButton()
        self.calendar_button.setText("▾")
        self.calendar_button.setAccessibleName("Pick from a calendar")
        self.calendar_button.setToolTip("Pick from a calendar (Alt+Down)")
        self.calendar_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # one Tab leaves the field
        self.calendar_button.clicked.connect(self.show_calendar)
        self.problem_label = QLabel()
        self.problem_label.setProperty("role", "error")
        self.problem_label.setWordWrap(True)
        self.problem_label.setVisible(False)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(2)
        row.addWidget(self.edit, 1)
        row.addWidget(self.calendar_button)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        column.addLayout(row)
        column.addWidget(self.problem_label)
        self.setFocusProxy(self.edit)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)

    # Qt's names, so a screen swaps QDateEdit for this and keeps its calls.
    def setAccessibleName(self, name: str) -> None:
        super().setAccessibleName(name)
        self.edit.setAccessibleName(name)

    def setDisplayFormat(self, form: str) -> None:
        self._format = form
        self._show_value()

    def setCalendarPopup(self, _on: bool) -> None:
        """Accepted for QDateEdit's sake: the calendar button is always there."""

    def setMinimumDate(self, day: QDate) -> None:
        self._minimum = day

    def setSpecialValueText(self, text: str) -> None:
        """Leaving the field empty (or typing ``text``) means the minimum date, as in QDateEdit."""
        self._special = text
        self.edit.setPlaceholderText(text)
        self._show_value()

    def readable(self) -> bool:
        """Whether the text in the field, as it is now, can be read (a half-typed value cannot)."""
        return self._read(self.edit.text()) is not None

    def problem(self) -> str:
        """What cannot be read in the field ("" when it holds a good value)."""
        return self.problem_label.text() if self.problem_label.isVisibleTo(self) else ""

    # The value ---------------------------------------------------------------------------------

    def _read(self, text: str) -> QDateTime | None:
        raise NotImplementedError

    def _value_text(self) -> str:
        raise NotImplementedError

    def _store(self, value: QDateTime) -> bool:
        raise NotImplementedError

    def _empty_means_minimum(self, text: str) -> bool:
        return bool(self._special) and text.strip().casefold() in ("", self._special.casefold())

    def _typed(self, text: str) -> None:
        # A good value counts at once (the screens update as you type); a half-typed one waits for the end.
        value = self._read(text)
        if value is not None:
            self._set_problem("")
            self._store(value)

    def _finished(self) -> None:
        text = self.edit.text()
        if self._read(text) is None:
            what = "a date" if self._help == DATE_HELP else "a date and time"
            self._set_problem(f"“{text.strip()}” cannot be read as {what}. {self._help}.")
            return
        self._set_problem("")
        self._show_value()

    def _set_problem(self, text: str) -> None:
        self.problem_label.setText(text)
        self.problem_label.setVisible(bool(text))
        self.edit.setProperty("invalid", bool(text))
        self.edit.setStyleSheet("border: 2px solid #b3261e;" if text else "")

    def _show_value(self) -> None:
        shown = self._value_text()
        if shown != self.edit.text():
            self.edit.blockSignals(True)
            self.edit.setText(shown)
            self.edit.blockSignals(False)

    # The calendar ------------------------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.edit and event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            alt_down = event.key() == Qt.Key.Key_Down and event.modifiers() & Qt.KeyboardModifier.AltModifier
            if alt_down or event.key() == Qt.Key.Key_F4:
                self.show_calendar()
                return True
        return super().eventFilter(watched, event)

    def _calendar_date(self) -> QDate:
        raise NotImplementedError

    def _picked(self, day: QDate) -> None:
        raise NotImplementedError

    def show_calendar(self) -> None:
        """Open the calendar under the field; Enter or a click picks the date, Esc closes it."""
        if self._calendar is None:
            self._calendar = QCalendarWidget(self)
            self._calendar.setWindowFlags(Qt.WindowType.Popup)
            self._calendar.setAccessibleName("Calendar")
            # Closed after the key or click that picked has been handled: closing inside it crashed Qt.
            self._calendar.activated.connect(
                lambda d: QTimer.singleShot(0, lambda: self._picked_and_close(d))
            )
            self._calendar.clicked.connect(lambda d: QTimer.singleShot(0, lambda: self._picked_and_close(d)))
        start = self._calendar_date()
        self._calendar.setSelectedDate(start if start.isValid() else QDate.currentDate())
        self._calendar.move(self.edit.mapToGlobal(QPoint(0, self.edit.height())))
        self._calendar.show()
        self._calendar.setFocus()

    def _picked_and_close(self, day: QDate) -> None:
        if self._calendar is not None:
            self._calendar.hide()
        self._picked(day)
        self._set_problem("")
        self._show_value()
        self.edit.activateWindow()
        self.edit.setFocus(Qt.FocusReason.PopupFocusReason)


class DateInput(_Field):
    """A date field that takes typing (see the module's docstring)."""

    dateChanged = Signal(QDate)

    def __init__(self, value: QDate | None = None, parent: QWidget | None = None) -> None:
        super().__init__(DATE_HELP, parent)
        self._date = value if value is not None and value.isValid() else QDate.currentDate()
        self._show_value()

    def date(self) -> QDate:
        """The last date read from the field (the minimum date when it is empty and may be)."""
        return self._date

    def setDate(self, day: QDate) -> None:
        self._set_problem("")
        self._store(QDateTime(day, QTime(0, 0)))
        self._show_value()

    def _read(self, text: str) -> QDateTime | None:
        if self._empty_means_minimum(text):
            return QDateTime(self._minimum, QTime(0, 0))
        day = parse_date(text)
        return QDateTime(QDate(day.year, day.month, day.day), QTime(0, 0)) if day is not None else None

    def _store(self, value: QDateTime) -> bool:
        day = value.date()
        if day == self._date:
            return False
        self._date = day
        self.dateChanged.emit(day)
        return True

    def _value_text(self) -> str:
        if self._special and self._date == self._minimum:
            return ""
        return self._date.toString(self._format)

    def _calendar_date(self) -> QDate:
        return self._date

    def _picked(self, day: QDate) -> None:
        self._store(QDateTime(day, QTime(0, 0)))


class DateTimeInput(_Field):
    """A date-and-time field that takes typing (see the module's docstring)."""

    dateTimeChanged = Signal(QDateTime)

    def __init__(self, value: QDateTime | None = None, parent: QWidget | None = None) -> None:
        super().__init__(DATE_TIME_HELP, parent)
        self._format = "dd MMM yyyy HH:mm"
        self._value = value if value is not None and value.isValid() else QDateTime.currentDateTime()
        self._show_value()

    def dateTime(self) -> QDateTime:
        """The last date and time read from the field."""
        return self._value

    def date(self) -> QDate:
        return self._value.date()

    def time(self) -> QTime:
        return self._value.time()

    def setDateTime(self, value: QDateTime) -> None:
        self._set_problem("")
        self._store(value)
        self._show_value()

    def _read(self, text: str) -> QDateTime | None:
        at = parse_date_time(text)
        return QDateTime(at) if at is not None else None

    def _store(self, value: QDateTime) -> bool:
        if value == self._value:
            return False
        self._value = value
        self.dateTimeChanged.emit(value)
        return True

    def _value_text(self) -> str:
        return self._value.toString(self._format)

    def _calendar_date(self) -> QDate:
        return self._value.date()

    def _picked(self, day: QDate) -> None:
        self._store(QDateTime(day, self._value.time()))
