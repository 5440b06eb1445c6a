"""The Review screen: dose response across every trial (RULES.md R15), for neurosurgeons, the QI lead and
admins.

A filter bar; the key figures in one line; four plots (responders by dose with Wilson whiskers, peak
reduction, time to peak, duration of effect); and the tables behind them (responders by dose, first
responsive dose, significant adverse effects, signed pump dose against R6 with the rationale when they
differ). The trials are read once (``services.review.review_trials``); a filter change recomputes the
figures in memory. Clicking a point, a bar or a row opens the trial behind it (``open_trial``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from functools import partial

from PySide6.QtCore import QDate, QEvent, QPoint, Qt, QTimer
from PySide6.QtGui import QCursor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from trialapp.domain.dosing import LADDERS
from trialapp.domain.review import (
    AGE_BANDS,
    OUTCOME_CHOICES,
    DoseResponders,
    Review,
    ReviewFilter,
    ReviewTrial,
    compute_review,
    format_percent,
    whole_percent,
)
from trialapp.services.context import Actor, App
from trialapp.services.review import review_trials
from trialapp.ui import theme as app_theme
from trialapp.ui.background import BackgroundCall  # the app's one way to run a call off the GUI thread
from trialapp.ui.charts.theme import theme_named
from trialapp.ui.fit_screen import fit_window, scroll_body
from trialapp.ui.review.plots import ReviewPlots
from trialapp.ui.views.common import USER_ERRORS

NO_DATE = QDate(1900, 1, 1)
MENU_LIMIT = 20  # trials listed when a bar or a row stands for many
PUMP_ROWS_SHOWN = 50  # a table of thousands of rows would take seconds to lay out and nobody reads it
AGREEMENT_WORDS = {
    "agree": "agrees",
    "within_25pct": "within 25 %",
    "differ": "differs > 25 %",
    "no_recommendation": "no R6 dose",
}
SHORT_AGE = {"under_4": "under 4 y", "4_to_7": "4–7 y", "8_to_12": "8–12 y", "13_up": "13 y and over"}
OUTCOME_WORDS = {
    "candidate": "candidate",
    "not_candidate": "not a candidate",
    "undecided": "undecided",
    "none": "no decision yet",
}


def _combo(name: str, choices: Sequence[tuple[str, object]]) -> QComboBox:
    combo = QComboBox()
    combo.setAccessibleName(name)
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
    combo.addItem("any", None)
    for text, value in choices:
        combo.addItem(text, value)
    return combo


def _date_edit(name: str) -> QDateEdit:
    edit = QDateEdit()
    edit.setAccessibleName(name)
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("yyyy-MM-dd")
    edit.setMinimumDate(NO_DATE)
    edit.setSpecialValueText("any")
    edit.setDate(NO_DATE)
    edit.setMaximumWidth(112)
    return edit


def _table(name: str, headers: Sequence[str]) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setAccessibleName(name)
    table.setHorizontalHeaderLabels(list(headers))
    table.verticalHeader().hide()
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setWordWrap(True)
    table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setStretchLastSection(True)
    return table


def _fill(table: QTableWidget, rows: Sequence[Sequence[str]], keys: Sequence[object]) -> None:
    table.setRowCount(len(rows))
    for r, (row, key) in enumerate(zip(rows, keys, strict=True)):
        for c, text in enumerate(row):
            item = QTableWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, key)
            if c and text[:1].isdigit():
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            table.setItem(r, c, item)
    table.resizeRowsToContents()
    height = table.horizontalHeader().height() + sum(table.rowHeight(r) for r in range(len(rows))) + 4
    table.setFixedHeight(max(height, table.horizontalHeader().height() + 28))


def _proportion_words(row: DoseResponders) -> str:
    """``1/3 · 33 % (6–79 %)``: the screen's short form of :func:`format_proportion`."""
    low, high = row.ci95
    return f"{row.responders}/{row.days} · {format_percent(row.proportion)} ({whole_percent(low)}–{format_percent(high)})"


def _heading(text: str) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setStyleSheet("font-weight: bold; margin-top: 6px;")
    return label


class ReviewWindow(QWidget):
    """The review across trials. ``open_trial`` is called with a trial id when the user opens one."""

    # Until __init__ sets it (palette events arrive while the widget is being built): not following.
    _fixed_dark: bool | None = False

    def __init__(
        self,
        app: App,
        actor: Actor,
        open_trial: Callable[[str], None],
        parent: QWidget | None = None,
        *,
        dark: bool | None = None,
        background: bool = True,
    ) -> None:
        super().__init__(parent)
        self._app, self._actor, self._open_trial = app, actor, open_trial
        self.setWindowTitle("Dose-response review")
        self.trials: list[ReviewTrial] = []
        self.review: Review | None = None
        self._fixed_dark = dark  # None: follow the app's theme (View → Dark theme)
        use_dark = app_theme.current_theme() == "dark" if dark is None else dark
        self.plots = ReviewPlots(theme_named("dark" if use_dark else "light"))
        self.plots.trial_clicked.connect(self.open_trial)
        self.plots.dose_clicked.connect(lambda dose: self._menu_of(self._trials_at_dose(dose), f"{dose} mcg"))

        # Filter bar
        self.started_from = _date_edit("Trials started from")
        self.started_to = _date_edit("Trials started to")
        self.ladder = _combo("Ladder", [(name.replace("_", " "), name) for name in sorted(LADDERS)])
        self.age_band = _combo(
            "Age at the start", [(SHORT_AGE[code], code) for code, _label, _a, _b in AGE_BANDS]
        )
        self.gmfcs = _combo("GMFCS level", [(f"level {n}", n) for n in range(1, 6)])
        self.region = _combo("Region", [("lower", "lower"), ("upper", "upper"), ("all", "all")])
        self.outcome = _combo("Outcome", [(OUTCOME_WORDS[o], o) for o in OUTCOME_CHOICES])
        bar = QHBoxLayout()
        for caption, widget in (
            ("Started from", self.started_from),
            ("to", self.started_to),
            ("Ladder", self.ladder),
            ("Age", self.age_band),
            ("GMFCS", self.gmfcs),
            ("Region", self.region),
            ("Outcome", self.outcome),
        ):
            label = QLabel(caption)
            label.setBuddy(widget)
            bar.addWidget(label)
            bar.addWidget(widget)
        bar.addStretch(1)
        self.reload_button = QPushButton("Reload")
        self.reload_button.setToolTip("Read the trials again (after changes made elsewhere)")
        self.reload_button.clicked.connect(lambda: self.reload())

        self.figures = QLabel()
        self.figures.setWordWrap(True)
        self.figures.setTextFormat(Qt.TextFormat.RichText)
        self.figures.setAccessibleName("Key figures")

        charts = QWidget()
        grid = QGridLayout(charts)
        grid.setContentsMargins(0, 0, 0, 0)
        for i, widget in enumerate(self.plots.widgets()):
            grid.addWidget(widget, i // 2, i % 2)

        self.dose_table = _table(
            "By dose",
            [
                "Dose",
                "Responders (95 % CI)",
                "Significant AE",
                "First resp.",
            ],
        )
        self.dose_table.cellClicked.connect(self._dose_cell_clicked)
        self.dose_table.cellActivated.connect(self._dose_cell_clicked)  # Enter, for the keyboard
        self.dose_table.setToolTip("Click a cell to open the trials behind it")
        self.pump_table = _table(
            "Signed pump dose against R6",
            ["Trial", "Signed", "R6", "Agreement", "Rationale (if it differs)"],
        )
        self.pump_table.cellActivated.connect(
            lambda r, _c: self.open_trial(str(self._key(self.pump_table, r)))
        )
        self.pump_table.cellClicked.connect(lambda r, _c: self.open_trial(str(self._key(self.pump_table, r))))
        self.pump_table.setToolTip("Click a row to open the trial")
        self.pump_more = QLabel()
        self.pump_more.setWordWrap(True)
        self.pump_more.setProperty("role", "muted")
        self.pump_more.hide()

        side = QWidget()
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(4, 0, 4, 0)
        for caption, table in (
            (
                "By dose: responders of the judged days, days with a significant adverse effect (R5), "
                "trials whose first response was at this dose (none: no responder day)",
                self.dose_table,
            ),
            (
                "Signed initial pump dose against R6, in mcg/day (candidates; differences first)",
                self.pump_table,
            ),
        ):
            side_layout.addWidget(_heading(caption))
            side_layout.addWidget(table)
        side_layout.addWidget(self.pump_more)
        side_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(side)

        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(charts)
        split.addWidget(scroll)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        split.setSizes([740, 600])

        self.note = QLabel(
            "Each point is one judged dosed day (R4), jittered sideways; click a point, a bar or a row to "
            "open the trial. Days still running (provisional) and days whose response could not be judged "
            "are left out and counted above."
        )
        self.note.setWordWrap(True)
        self.note.setProperty("role", "muted")

        figures_row = QHBoxLayout()
        figures_row.addWidget(self.figures, 1)
        figures_row.addWidget(self.reload_button)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addLayout(figures_row)
        layout.addWidget(split, 1)
        layout.addWidget(self.note)
        scroll_body(self, pinned=0)  # the filters need more width than 150 % scaling leaves: they scroll
        fit_window(self, 1366, 768)

        for combo in (self.ladder, self.age_band, self.gmfcs, self.region, self.outcome):
            combo.currentIndexChanged.connect(self.refresh)
        for edit in (self.started_from, self.started_to):
            edit.dateChanged.connect(self.refresh)
        self._loading: BackgroundCall | None = None
        self.reload(background=background)

    # ------------------------------------------------------------------------------------------ data

    def reload(self, *, background: bool = True) -> None:
        """Read every trial's R15 facts again, then redraw. In the background by default: the first
        review of a large database computes every trial once (about a minute for 25,000 trials), and the
        window must stay responsive meanwhile."""
        if not background:
            try:
                self._loaded(review_trials(self._app, self._actor))
            except USER_ERRORS as exc:
                self._failed(exc)
            return
        if self._loading is not None and self._loading.running:
            return
        self.reload_button.setEnabled(False)
        self.figures.setText(
            "Reading the trials… The first review of a database computes every trial once; later reviews "
            "read the kept results and take about a second."
        )
        call = BackgroundCall(
            lambda: review_trials(self._app, self._actor), "review", daemon=True, parent=self
        )
        call.succeeded.connect(self._loaded)
        call.failed.connect(self._failed)
        self._loading = call
        call.start()

    def _loaded(self, result: tuple[list[ReviewTrial], int]) -> None:
        self.trials = list(result[0])
        self.reload_button.setEnabled(True)
        self.refresh()

    def _failed(self, error: object) -> None:
        self.reload_button.setEnabled(True)
        if isinstance(error, USER_ERRORS):
            self.figures.setText("The review cannot be shown: " + str(error))
            QMessageBox.warning(self, "The review cannot be shown", str(error))
            return
        raise error if isinstance(error, BaseException) else RuntimeError(str(error))

    @property
    def loading(self) -> bool:
        """True while the trials are being read in the background."""
        return self._loading is not None and self._loading.running

    def current_filter(self) -> ReviewFilter:
        """The filter the bar describes."""

        def day(edit: QDateEdit) -> date | None:
            q = edit.date()
            return None if q == NO_DATE else date(q.year(), q.month(), q.day())

        return ReviewFilter(
            started_from=day(self.started_from),
            started_to=day(self.started_to),
            ladder=self.ladder.currentData(),
            age_band=self.age_band.currentData(),
            gmfcs_level=self.gmfcs.currentData(),
            region=self.region.currentData(),
            outcome=self.outcome.currentData(),
        )

    def refresh(self) -> None:
        """Recompute the figures for the current filter (in memory) and redraw."""
        review = compute_review(self.trials, self.current_filter())
        self.review = review
        self._draw_figures(review)
        self.plots.draw(review)
        self._fill_tables(review)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if self._fixed_dark is None and event.type() in (
            QEvent.Type.PaletteChange,
            QEvent.Type.ApplicationPaletteChange,
        ):
            # The app records its theme's name just after changing the palette: read it once that is done.
            QTimer.singleShot(0, self._follow_theme)

    def _follow_theme(self) -> None:
        name = app_theme.current_theme()
        if name != self.plots.theme.name:
            self.plots.set_theme(theme_named(name))
            if self.review is not None:
                self.plots.draw(self.review)

    def open_trial(self, trial_id: str) -> None:
        """Open ``trial_id`` in the main window's workspace."""
        if trial_id:
            self._open_trial(trial_id)

    # ---------------------------------------------------------------------------------------- drawing

    def _draw_figures(self, r: Review) -> None:
        pump = r.pump_dose_vs_r6
        outcomes = ", ".join(f"{OUTCOME_WORDS[k]} {v}" for k, v in r.outcomes.items())
        left_out = ""
        if r.provisional_days or r.unjudged_days:
            left_out = f" Left out: {r.provisional_days} day(s) still running, {r.unjudged_days} not judged."
        self.figures.setText(
            f"<b>{r.trials}</b> trial(s), <b>{r.days}</b> judged dosed day(s).{left_out} "
            f"Decisions: {outcomes}. Pump dose vs R6: agrees {pump['agree']}, within 25 % "
            f"{pump['within_25pct']}, differs {pump['differ']}, no R6 dose {pump['no_recommendation']}."
        )

    def _fill_tables(self, r: Review) -> None:
        adverse = {a.dose_mcg: a.with_significant_ae for a in r.significant_ae_by_dose}
        rows = [
            [
                f"{d.dose_mcg} mcg",
                _proportion_words(d),
                f"{adverse.get(d.dose_mcg, 0)} of {d.days}",
                str(r.first_responsive_dose.get(str(d.dose_mcg), 0)),
            ]
            for d in r.by_dose
        ]
        keys: list[object] = [d.dose_mcg for d in r.by_dose]
        rows.append(["none", "", "", str(r.first_responsive_dose.get("none", 0))])
        keys.append("none")
        _fill(self.dose_table, rows, keys)
        # Differences first: they are what a meeting discusses.
        order = {"differ": 0, "no_recommendation": 1, "within_25pct": 2, "agree": 3}
        pump = sorted(r.pump_rows, key=lambda row: (order[row.agreement], row.trial_id))
        shown = pump[:PUMP_ROWS_SHOWN]
        self.pump_more.setVisible(len(pump) > len(shown))
        self.pump_more.setText(
            f"Showing {len(shown)} of {len(pump)} candidates, differences first: narrow the filters to see "
            "the others, or print the review with --identified."
        )
        _fill(
            self.pump_table,
            [
                [
                    row.trial_id,
                    str(row.signed_mcg),
                    str(row.recommended_mcg) if row.recommended_mcg is not None else "none",
                    AGREEMENT_WORDS[row.agreement],
                    (row.rationale or "") if row.agreement != "agree" else "",
                ]
                for row in shown
            ],
            [row.trial_id for row in shown],
        )

    # ---------------------------------------------------------------------------------- trials behind

    @staticmethod
    def _key(table: QTableWidget, row: int) -> object:
        item = table.item(row, 0)
        return item.data(Qt.ItemDataRole.UserRole) if item is not None else None

    def _trials_at_dose(self, dose: object) -> list[str]:
        points = self.review.points if self.review else ()
        return sorted({p.trial_id for p in points if p.dose_mcg == dose})

    def _ae_trials(self, dose: object) -> list[str]:
        points = self.review.points if self.review else ()
        return sorted({p.trial_id for p in points if p.dose_mcg == dose and p.significant_adverse_effect})

    def _first_trials(self, key: object) -> list[str]:
        return list(self.review.first_responsive_trials.get(str(key), ())) if self.review else []

    def _dose_cell_clicked(self, row: int, column: int) -> None:
        key = self._key(self.dose_table, row)
        item = self.dose_table.item(row, column)
        # Under the cell (not at the mouse pointer), so that it also works from the keyboard.
        at = (
            self.dose_table.viewport().mapToGlobal(self.dose_table.visualItemRect(item).bottomLeft())
            if item is not None
            else None
        )
        if column == 3 or key == "none":
            self._menu_of(self._first_trials(key), "this first responsive dose", at)
        elif column == 2:
            self._menu_of(self._ae_trials(key), "significant adverse effects at this dose", at)
        else:
            self._menu_of(self._trials_at_dose(key), "this dose", at)

    def _menu_of(self, trial_ids: Sequence[str], what: str, at: QPoint | None = None) -> QMenu | None:
        """A menu of the trials behind a bar or a row; one trial opens at once."""
        if not trial_ids:
            return None
        if len(trial_ids) == 1:
            self.open_trial(trial_ids[0])
            return None
        menu = QMenu(self)
        menu.setAccessibleName(f"Trials behind {what}")
        for trial_id in trial_ids[:MENU_LIMIT]:
            action = menu.addAction(f"Open trial {trial_id}")
            action.triggered.connect(partial(self.open_trial, trial_id))
        if len(trial_ids) > MENU_LIMIT:
            more = menu.addAction(f"… and {len(trial_ids) - MENU_LIMIT} more (narrow the filters)")
            more.setEnabled(False)
        self.last_menu = menu
        menu.popup(at or QCursor.pos())
        return menu
