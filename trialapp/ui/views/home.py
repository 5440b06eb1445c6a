"""Home: patients and their trials with instant search, and the "due now" panel across active trials.

Table models hold plain rows from the services (``list_trials``, ``due_now``); the view never queries the
database itself. Search runs a bounded query (``PAGE`` rows; "Show more" raises the bound).

While home is not on screen (a trial open) nothing is read for it: the lists are marked stale and read once
as home shows again (saves heard from other laptops, a search cleared as a trial opens).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from trialapp.domain.timefmt import reading_date
from trialapp.services.context import Actor, App
from trialapp.services.due import DueItem, due_now
from trialapp.services.listing import TrialListing
from trialapp.services.permissions import allowed
from trialapp.services.trials import list_trials
from trialapp.ui import theme
from trialapp.ui.actions import user_action
from trialapp.ui.table_model import HeaderedTableModel, Index
from trialapp.ui.views.common import button, label, patient_name

PAGE = 100  # rows per page: several screens of the list; "Show more" adds a page
SEARCH_DELAY_MS = 60  # coalesce fast typing into one query; well under a keystroke's worth of waiting
DUE_REFRESH_MS = 30_000

FILTERS = (("All trials", None), ("Active trials", "active"), ("Completed trials", "completed"))



def _age(born: date, today: date) -> str:
    years = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    if years >= 2:
        return f"{years} y"
    months = (today.year - born.year) * 12 + today.month - born.month - (today.day < born.day)
    return f"{max(months, 0)} mo"


class TrialListModel(HeaderedTableModel):
    """One row per trial: patient, MRN, age, trial id, start date, days, state.

    A row's texts are worked out once, when it is first shown, so that ``data()`` (called for every cell
    and role at each paint) is a lookup, and a keystroke formats only the rows on screen.
    """

    HEADERS = ("Patient", "MRN", "Age", "Trial", "Started", "Days", "State")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows: list[TrialListing] = []
        self._texts: list[tuple[str, ...] | None] = []
        self._today = date.today()

    def set_rows(self, rows: list[TrialListing]) -> None:
        self.beginResetModel()
        self.rows = rows
        self._today = date.today()
        self._texts = [None] * len(rows)
        self.endResetModel()

    def row_total(self) -> int:
        return len(self.rows)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        # Cheapest test first: most calls ask for roles this model does not set.
        if role in (_DISPLAY, _ACCESSIBLE):
            row, col = index.row(), index.column()
            if row < 0 or col < 0:
                return None
            return self.texts(row)[col]
        if role == _TOOLTIP and index.column() == 2 and index.row() >= 0:
            return f"Born {self.rows[index.row()].birth_date:%d %b %Y}"
        return None

    def trial_at(self, row: int) -> TrialListing | None:
        return self.rows[row] if 0 <= row < len(self.rows) else None

    def texts(self, row: int) -> tuple[str, ...]:
        """The seven texts shown in ``row``."""
        texts = self._texts[row]
        if texts is None:
            texts = self._texts[row] = _row_texts(self.rows[row], self._today)
        return texts

    def widest_texts(self, column: int, width: Callable[[str], float]) -> list[str]:
        """The widest text of ``column`` on this page by ``width``, found without formatting every row
        (not for the ages and dates: see HomeView._fit_columns)."""
        text = _RAW_TEXTS.get(column)
        if text is None or not self.rows:
            return []
        widest = max(range(len(self.rows)), key=lambda row: width(text(self.rows[row])))
        return [self.texts(widest)[column]]


_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_ACCESSIBLE = int(Qt.ItemDataRole.AccessibleTextRole)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole)


# A column's text, or one as wide, straight from the row; not for the ages and dates (every form they take
# is measured instead: see HomeView._fit_columns).
_RAW_TEXTS: dict[int, Callable[[TrialListing], str]] = {
    0: lambda r: patient_name(r.given_name, r.family_name, "(no name)"),
    1: lambda r: r.mrn,
    3: lambda r: r.trial_id,
    5: lambda r: str(r.days),
    6: lambda r: r.state + (r.outcome or ""),
}
_AGE_FORMS = ("23 mo", "88 y")  # the widest of each form _age gives



def _row_texts(r: TrialListing, today: date) -> tuple[str, ...]:
    completed = bool(r.outcome) and r.state == "completed"
    state = "completed: " + (r.outcome or "").replace("_", " ") if completed else r.state
    return (
        patient_name(r.given_name, r.family_name, "(no name)"),
        r.mrn,
        _age(r.birth_date, today),
        r.trial_id,
        reading_date(r.started_on),
        str(r.days),
        state,
    )


class DueModel(HeaderedTableModel):
    """The next reassessment of each active trial; overdue rows in the theme's red, bold."""

    HEADERS = ("Patient", "Next reassessment")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.items: list[DueItem] = []

    def set_items(self, items: list[DueItem]) -> None:
        self.beginResetModel()
        self.items = items
        self.endResetModel()

    def row_total(self) -> int:
        return len(self.items)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        item = self.items[index.row()]
        col = index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            if col == 0:
                return f"{item.patient_name}\n{item.mrn}"
            if col == 1:
                text = f"Day {item.day}: {item.description}"
                if item.missed:
                    text += f"; {item.missed} earlier slot{'s' if item.missed != 1 else ''} missed"
                return text
        if role == Qt.ItemDataRole.ForegroundRole:
            if item.overdue:
                return QColor(theme.danger_color())
            if item.status == "due":
                return QColor(theme.warning_color())
        if role == Qt.ItemDataRole.FontRole and item.status in ("overdue", "due"):
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"After the {item.dose_mcg} mcg dose at {item.dose_at:%H:%M} on day {item.day}"
        return None

    def item_at(self, row: int) -> DueItem | None:
        return self.items[row] if 0 <= row < len(self.items) else None


def _table(model: QAbstractTableModel, accessible: str) -> QTableView:
    view = QTableView()
    view.setModel(model)
    view.setAccessibleName(accessible)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setAlternatingRowColors(True)
    view.setTabKeyNavigation(False)  # Tab leaves the table; arrows move inside it
    view.verticalHeader().hide()
    view.verticalHeader().setDefaultSectionSize(34)
    view.horizontalHeader().setHighlightSections(False)
    view.setWordWrap(False)
    return view


class HomeView(QWidget):
    """The patient/trial list with search and filters, the due-now panel, and the actions on a trial."""

    open_trial = Signal(str)
    new_patient = Signal()
    new_trial = Signal(str)  # MRN of the selected patient, or "" for none
    show_history = Signal(str)
    print_summary = Signal(str)

    def __init__(self, app: App, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._app = app
        self._actor = actor
        self._limit = PAGE
        self._stale = False  # the lists changed while home was not on screen: read them when it shows
        self._text_widths: dict[str, float] = {}  # for _fit_columns, in the table's font
        self._text_widths_font: QFont | None = None
        self._fixed_widths: tuple[int, list[int]] | None = None  # margins, header widths

        self.search = QLineEdit()
        self.search.setPlaceholderText("Search by name or MRN")
        self.search.setAccessibleName("Search patients by name or MRN")
        self.search.setClearButtonEnabled(True)
        self.filter = QComboBox()
        self.filter.setAccessibleName("Show which trials")
        for text, _state in FILTERS:
            self.filter.addItem(text)
        self.new_patient_button = button("New patient…")
        self.new_trial_button = button("New trial…", "New trial for the selected patient")
        self.model = TrialListModel(self)
        self.table = _table(self.model, "Patients and trials")
        header = self.table.horizontalHeader()
        # The columns are fitted to the page by _fit_columns (the widest few texts of each column), not
        # by ResizeToContents, which measures every cell through the model again at each keystroke.
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)  # the state; names keep their full width
        self.count_label = label("", "muted")
        self.more_button = button("Show more")
        self.open_button = button("Open trial", primary=True)
        self.history_button = button("History…", "History of the selected trial")
        self.print_button = button("Print summary…")

        self.due_model = DueModel(self)
        self.due_table = _table(self.due_model, "Reassessments due now")
        due_header = self.due_table.horizontalHeader()
        due_header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        due_header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.due_table.setWordWrap(True)
        self.due_table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.due_title = label("Due now", "subtitle")
        self.due_note = label("", "muted", wrap=True)

        top = QHBoxLayout()
        top.addWidget(self.search, 3)
        top.addWidget(self.filter, 1)
        top.addWidget(self.new_patient_button)
        top.addWidget(self.new_trial_button)
        actions = QHBoxLayout()
        actions.addWidget(self.count_label)
        actions.addWidget(self.more_button)
        actions.addStretch(1)
        actions.addWidget(self.history_button)
        actions.addWidget(self.print_button)
        actions.addWidget(self.open_button)

        left = QWidget()
        lv = QVBoxLayout(left)
        lv.setContentsMargins(0, 0, 0, 0)
        lv.addWidget(label("Patients and trials", "subtitle"))
        lv.addLayout(top)
        lv.addWidget(self.table, 1)
        lv.addLayout(actions)

        right = QWidget()
        rv = QVBoxLayout(right)
        rv.setContentsMargins(0, 0, 0, 0)
        rv.addWidget(self.due_title)
        rv.addWidget(self.due_note)
        rv.addWidget(self.due_table, 1)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(right)
        # The list gets the larger share: at the default 1280-wide window its last column still shows a
        # whole state ("completed: not candidate"); the due-now table wraps its texts.
        splitter.setStretchFactor(0, 5)
        splitter.setStretchFactor(1, 3)
        splitter.setChildrenCollapsible(False)
        splitter.setSizes([840, 500])
        outer = QVBoxLayout(self)
        outer.setContentsMargins(12, 8, 12, 8)
        outer.addWidget(splitter)

        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self._search_paused)
        self.search.textChanged.connect(self._search_changed)
        self.search.returnPressed.connect(self._open_first)
        self.filter.currentIndexChanged.connect(self._search_changed)
        self.more_button.clicked.connect(self._show_more)
        self.table.doubleClicked.connect(lambda index: self._open_row(index.row()))
        self.table.activated.connect(lambda index: self._open_row(index.row()))
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        self.open_button.clicked.connect(lambda: self._open_row(self._selected_row()))
        self.history_button.clicked.connect(self._history)
        self.print_button.clicked.connect(self._print)
        self.new_patient_button.clicked.connect(self.new_patient)
        self.new_trial_button.clicked.connect(self._new_trial)
        self.due_table.activated.connect(self._open_due)
        self.due_table.doubleClicked.connect(self._open_due)

        self._due_timer = QTimer(self)
        self._due_timer.setInterval(DUE_REFRESH_MS)
        self._due_timer.timeout.connect(self.refresh_due)
        self._due_timer.start()

        can_create = allowed(actor, "create_trial")
        self.new_patient_button.setVisible(can_create)
        self.new_trial_button.setVisible(can_create)
        self.print_button.setVisible(allowed(actor, "print_summary"))
        self.refresh()
        self.refresh_due()

    def drop_reads(self) -> None:
        """The view is leaving (sign-out, another user): no search or due-now read is started any more."""
        self._search_timer.stop()
        self._due_timer.stop()

    # -- list

    def state_filter(self) -> str | None:
        return FILTERS[self.filter.currentIndex()][1]

    def _search_changed(self) -> None:
        self._limit = PAGE
        self._search_timer.start()

    def _search_paused(self) -> None:
        if self.on_screen():
            self.refresh()
        else:  # cleared as a trial opened (the wizard, a script): read when home shows again
            self._stale = True

    def on_screen(self) -> bool:
        """Whether home is the page shown (or would be, once its window shows)."""
        window = self.window()
        return window is self or self.isVisibleTo(window)

    def refresh_lists(self) -> None:
        """The trials changed (a save here or on another laptop): the list and the due-now panel are read
        again now when home is on screen, else when it shows next — not on the GUI thread at each save while
        a trial is open, for a list nobody sees."""
        if not self.on_screen():
            self._stale = True
            return
        self._stale = False
        self.refresh()
        self.refresh_due()

    def mark_stale(self) -> None:
        """Read the lists again when home shows next (or at ``refresh_if_stale``)."""
        self._stale = True

    def refresh_if_stale(self) -> None:
        if self._stale:
            self.refresh_lists()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.refresh_if_stale()

    def _show_more(self) -> None:
        self._limit += PAGE
        self.refresh()

    def refresh(self) -> None:
        """Run the search now (the search box calls this after a short pause in typing)."""
        self._search_timer.stop()
        selected = self.selected_trial_id()
        text = self.search.text().strip()
        done = user_action(
            lambda: list_trials(
                self._app, self._actor, search=text or None, state=self.state_filter(), limit=self._limit + 1
            ),
            error=self.count_label.setText,  # the count line says why the list is empty
        )
        if done is not None:
            self._show_rows(text, done.value, selected)

    def _show_rows(self, text: str, rows: list[TrialListing], selected: str | None) -> None:
        more = len(rows) > self._limit
        self.model.set_rows(rows[: self._limit])
        self._fit_columns()
        self.more_button.setVisible(more)
        n = len(self.model.rows)
        if n == 0:
            self.count_label.setText(
                f"No trial matches “{text}”."
                if text
                else "No trials yet. Start one with New patient, or load the demo with 'trialapp demo'."
            )
        else:
            self.count_label.setText(f"{n}{'+' if more else ''} trial{'s' if n != 1 else ''}")
        if selected:
            self.select_trial(selected)
        self._selection_changed()

    def _fit_columns(self) -> None:
        """Each column as wide as its header or its widest text on this page (the last one stretches).

        Texts are measured as the sum of their characters' widths (within a pixel of the text's), each text
        once while the font stays the same, plus the margins the item delegate adds (taken from one cell);
        ages and dates by every form they take. A keystroke does not measure every cell again through the
        model, as ResizeToContents would."""
        model = self.model
        if not model.rows:
            return
        table = self.table
        header = table.horizontalHeader()
        metrics = QFontMetricsF(table.font())
        widths = self._text_widths
        if self._text_widths_font != table.font() or len(widths) > 20_000:
            self._text_widths_font = table.font()
            widths.clear()
            self._fixed_widths = None

        def width(text: str) -> float:
            known = widths.get(text)
            if known is None:
                known = widths[text] = sum(
                    widths.get(c) or widths.setdefault(c, metrics.horizontalAdvance(c)) for c in text
                )
            return known

        if self._fixed_widths is None:
            # Once per font: what the item delegate adds around a text (padding, focus frame, and the grid
            # line QTableView.sizeHintForColumn counts), from one cell; the headers' widths.
            grid = 1 if table.showGrid() else 0
            first = model.texts(0)[0]
            margins = table.sizeHintForIndex(model.index(0, 0)).width() - math.ceil(
                metrics.horizontalAdvance(first)
            )
            headers = [header.sectionSizeHint(column) for column in range(model.columnCount())]
            # One pixel more: a text's width and the sum of its characters' may differ by a fraction.
            self._fixed_widths = (margins + grid + 1, headers)
        margins, headers = self._fixed_widths
        year = model.rows[0].started_on.year
        forms = {2: _AGE_FORMS, 4: [reading_date(date(year, month, 28)) for month in range(1, 13)]}
        for column in range(model.columnCount() - 1):
            texts = forms.get(column) or model.widest_texts(column, width)
            fitted = max(headers[column], math.ceil(max(map(width, texts))) + margins)
            if header.sectionSize(column) != fitted:
                header.resizeSection(column, fitted)
        # The state stretches over what is left, but is never cut: on a narrow page the list scrolls sideways.
        last = model.columnCount() - 1
        state = max(headers[last], math.ceil(max(map(width, model.widest_texts(last, width)))) + margins)
        room = table.viewport().width() - sum(header.sectionSize(c) for c in range(last))
        header.setStretchLastSection(room >= state)
        if room < state:
            header.resizeSection(last, state)

    def selected_trial_id(self) -> str | None:
        listing = self.model.trial_at(self._selected_row())
        return listing.trial_id if listing else None

    def selected_listing(self) -> TrialListing | None:
        return self.model.trial_at(self._selected_row())

    def select_trial(self, trial_id: str) -> bool:
        for i, r in enumerate(self.model.rows):
            if r.trial_id == trial_id:
                self.table.selectRow(i)
                return True
        return False

    def _selected_row(self) -> int:
        rows = self.table.selectionModel().selectedRows()
        return rows[0].row() if rows else -1

    def _selection_changed(self, *_args: object) -> None:
        has = self._selected_row() >= 0
        for b in (self.open_button, self.history_button, self.print_button):
            b.setEnabled(has)

    def _open_row(self, row: int) -> None:
        listing = self.model.trial_at(row)
        if listing is not None:
            self.open_trial.emit(listing.trial_id)

    def _open_first(self) -> None:
        # Enter in the search box opens the only match, or moves to the list to choose.
        if self._search_timer.isActive():
            self.refresh()  # Enter came before the pause that runs the search: the list showed the old rows
        if len(self.model.rows) == 1:
            self._open_row(0)
        elif self.model.rows:
            self.table.setFocus()
            if self._selected_row() < 0:
                self.table.selectRow(0)

    def _history(self) -> None:
        if trial_id := self.selected_trial_id():
            self.show_history.emit(trial_id)

    def _print(self) -> None:
        if trial_id := self.selected_trial_id():
            self.print_summary.emit(trial_id)

    def _new_trial(self) -> None:
        listing = self.selected_listing()
        self.new_trial.emit(listing.mrn if listing else "")

    # -- due now

    def refresh_due(self, now: datetime | None = None) -> None:
        done = user_action(lambda: due_now(self._app, self._actor, now=now), error=self.due_note.setText)
        if done is not None:
            self._show_due(done.value, now)

    def _show_due(self, items: list[DueItem], now: datetime | None) -> None:
        self.due_model.set_items(items)
        overdue = sum(1 for i in items if i.overdue)
        if not items:
            self.due_title.setText("Due now")
            self.due_note.setText(
                "No reassessment is due: no active trial had a dose in the last 24 hours "
                "with reassessments still to do."
            )
        else:
            self.due_title.setText(f"Due now ({len(items)})")
            self.due_note.setText(
                (f"{overdue} overdue, shown first in red. " if overdue else "")
                + f"Updated {(now or datetime.now()):%H:%M}. Enter or double-click opens the trial."
            )

    def _open_due(self, index: QModelIndex) -> None:
        item = self.due_model.item_at(index.row())
        if item is not None:
            self.open_trial.emit(item.trial_id)
