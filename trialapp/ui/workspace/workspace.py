"""The trial workspace: where the PT, the nurse and the neurosurgeon run the trial days.

Layout, top to bottom: the header (patient, day, last dose, next reassessment with a countdown, open
alerts), the urgent-alert banner, the in-app reminder when a reassessment falls due, and the main area:
day tabs (Day 1–3, "Add day…", the candidacy decision) with each day's timeline, beside the charts. Forms
(assessment, day review) open in place of the main area, under the header, so the header stays visible;
the dose dialog and the adverse-event dialog are modal.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSplitter,
    QStackedWidget,
    QTabBar,
    QVBoxLayout,
    QWidget,
)

from trialapp.domain.opening_day import day_to_open
from trialapp.services import vital_limits
from trialapp.services.context import Actor, App
from trialapp.ui.accessible import describe_controls
from trialapp.ui.actions import user_action
from trialapp.ui.charts import loading as charts_loading
from trialapp.ui.workspace.controller import Clock, WorkspaceController
from trialapp.ui.workspace.decision import DecisionView
from trialapp.ui.workspace.header import TrialHeader
from trialapp.ui.workspace.state import day_timeline, header_info, next_reassessment
from trialapp.ui.workspace.style import current_theme_name
from trialapp.ui.workspace.timeline import STEP_KEYS, DayTimelineView


class DayTabs(QObject):
    """A tab bar and its pages kept apart, so the bar can span the whole width while the pages sit beside
    the charts. The methods the workspace uses have QTabWidget's names."""

    currentChanged = Signal(int)

    def __init__(self) -> None:
        super().__init__()
        self.bar = QTabBar()
        self.bar.setAccessibleName("Trial days")
        self.bar.setExpanding(False)
        self.bar.setDocumentMode(True)
        self.stack = QStackedWidget()
        self.bar.currentChanged.connect(self._switch)

    def _switch(self, index: int) -> None:
        self.stack.setCurrentIndex(index)
        self.currentChanged.emit(index)

    def insertTab(self, index: int, widget: QWidget, text: str) -> None:
        self.stack.insertWidget(index, widget)
        self.bar.insertTab(index, text)
        self.stack.setCurrentIndex(self.bar.currentIndex())

    def addTab(self, widget: QWidget, text: str) -> None:
        self.insertTab(self.count(), widget, text)

    def count(self) -> int:
        return self.bar.count()

    def indexOf(self, widget: QWidget) -> int:
        return self.stack.indexOf(widget)

    def tabText(self, index: int) -> str:
        return self.bar.tabText(index)

    def setTabText(self, index: int, text: str) -> None:
        self.bar.setTabText(index, text)

    def currentWidget(self) -> QWidget | None:
        return self.stack.widget(self.bar.currentIndex())

    def setCurrentWidget(self, widget: QWidget) -> None:
        self.bar.setCurrentIndex(self.stack.indexOf(widget))


def _next_turn(parent: QObject, slot: Any) -> QTimer:
    """A single-shot timer that runs ``slot`` in the next turn of the event loop once started. A timer, not
    ``QTimer.singleShot(0)``: Qt 6 posts that as an event, handled before anything else of the next turn, so work
    split over two turns ran back to back again."""
    timer = QTimer(parent)
    timer.setSingleShot(True)
    timer.setInterval(0)
    timer.timeout.connect(slot)
    return timer


class TrialWorkspace(QWidget):
    """One open trial. ``closing()`` keeps drafts and returns False only if something cannot be kept."""

    trial_changed = Signal(str)  # the trial id, after any saved change (for the home screen's lists)

    def __init__(
        self,
        app: App,
        actor: Actor,
        trial_id: str,
        parent: QWidget | None = None,
        *,
        clock: Clock | None = None,
    ) -> None:
        super().__init__(parent)
        self.setAccessibleName("Trial workspace")
        self.controller = WorkspaceController(app, actor, trial_id, clock)
        self.controller.changed.connect(self._on_changed)
        self.controller.alerts_changed.connect(self._refresh_alerts)
        self.chart_panel: Any = None
        self._chart_requested = False
        # The chart redraws at the next turn after a change (see _on_changed): a timer of the workspace's own,
        # gone with it (QTimer.singleShot's callable kept a deleted workspace's charts alive, menus and all).
        self._chart_timer = _next_turn(self, self._refresh_chart)
        # The chart panel: the window's first made in one turn, drawn in the next; the last trial's drawn again
        # in the next (see _chart_panel_soon).
        self._new_chart_panel: Any = None
        self._first_chart = _next_turn(self, self.ensure_chart)
        self._page: QWidget | None = None
        # A form asked for from the timeline or the reminder: built in one turn, shown in the next.
        self._coming_page: QWidget | None = None
        self._show_coming = _next_turn(self, self._show_coming_page)
        self._notified: set[tuple[int, float]] = set()
        self._last_minute: datetime | None = None

        doc = self.controller.doc
        now = self.controller.now()
        self.header = TrialHeader(can_print=True)
        self.header.adverse_event_clicked.connect(self.open_adverse_event)
        self.header.alerts_clicked.connect(self._focus_alerts)
        self.header.print_clicked.connect(self._open_print)

        from trialapp.ui.workspace.alerts import AlertBanner, ReminderBar

        self.alert_banner = AlertBanner()
        self.alert_banner.acknowledge.connect(self._acknowledge_alert)
        self.reminder = ReminderBar()
        self.reminder.record.connect(lambda day, slot: self.open_assessment_soon(day, "reassessment", slot))

        self.tabs = DayTabs()
        self.add_day_button = QPushButton("+ Da&y…")
        self.add_day_button.setAccessibleName("Add a trial day")
        self.add_day_button.setToolTip(
            "Add a day after the last one (for example to fine-tune the dose); needs a reason"
        )
        self.add_day_button.clicked.connect(self.ask_add_day)
        self.add_day_button.setEnabled(self.controller.may("create_trial"))
        self.charts_button = QPushButton("Char&ts")  # Alt+H is the Help menu
        self.charts_button.setCheckable(True)
        self.charts_button.setChecked(True)
        self.charts_button.setAccessibleName("Show the charts beside the timeline")
        self.charts_button.setToolTip("Show or hide the charts (Alt+H)")
        self.charts_button.toggled.connect(self._show_charts)
        self.charts_button.clicked.connect(lambda: setattr(self, "_chart_choice_made", True))
        self._chart_choice_made = False
        self.tabs.currentChanged.connect(self._tab_changed)
        self.day_views: dict[int, DayTimelineView] = {}
        self._stale_days: set[int] = set()
        # The decision tab holds a stand-in until it is first opened (or its view asked for): the view
        # restores its draft and works out the evidence, which opening a trial does not need.
        self._decision_view: DecisionView | None = None
        self._decision_page = QWidget()
        self._decision_page.setAccessibleName("Candidacy decision")

        # The chart panel's controls need more width than a laptop at 150 % scaling leaves beside the
        # timeline, so it sits in a scroll area instead of squeezing the timeline.
        self.chart_holder = QWidget()
        self.chart_holder.setAccessibleName("Charts")
        self.chart_scroll = QScrollArea()
        self.chart_scroll.setWidgetResizable(True)
        self.chart_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.chart_scroll.setWidget(self.chart_holder)
        chart_layout = QVBoxLayout(self.chart_holder)
        chart_layout.setContentsMargins(0, 0, 0, 0)
        self._chart_placeholder = QLabel("The charts open in a moment…")
        self._chart_placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        chart_layout.addWidget(self._chart_placeholder)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.tabs.stack)
        self.splitter.addWidget(self.chart_scroll)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setChildrenCollapsible(True)

        # The day tabs run across the whole width (above the timeline and the charts), so every day fits.
        self.main_area = QWidget()
        main_column = QVBoxLayout(self.main_area)
        main_column.setContentsMargins(0, 0, 0, 0)
        main_column.setSpacing(4)
        tab_row = QHBoxLayout()
        tab_row.addWidget(self.tabs.bar, 1)
        tab_row.addWidget(self._go_to_links())
        tab_row.addWidget(self.add_day_button)
        tab_row.addWidget(self.charts_button)
        main_column.addLayout(tab_row)
        main_column.addWidget(self.splitter, 1)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.main_area)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.setSpacing(6)
        layout.addWidget(self.header)
        layout.addWidget(self.alert_banner)
        layout.addWidget(self.reminder)
        layout.addWidget(self.stack, 1)

        # Only the day shown is drawn now; the others when their tab is first opened.
        # The day with an overdue reassessment first, otherwise today's (domain/opening_day.py).
        self._build_tabs(show=day_to_open(doc, now))
        self._refresh_header()
        self._refresh_alerts()

        self.timer = QTimer(self)
        self.timer.setInterval(1000)
        self.timer.timeout.connect(self.tick)
        self.timer.start()
        # The timelines and the header were just built for this minute; only the reminder is left.
        self._last_minute = now.replace(second=0, microsecond=0)
        self._check_reminder(now)

    def _go_to_links(self) -> QLabel:
        """Alt+1 to Alt+4 go to the day's steps (the day review shown as a link with its key): on a small
        screen the timeline scrolls, and the day review is then one key away. The shortcuts live on the
        main area, so they rest while a form (with its own Alt+digit sections) is open."""
        self.go_to_links = QLabel(
            f'<a href="review">Day review</a>&nbsp;<span style="color:gray">Alt+{len(STEP_KEYS)}</span>'
        )
        self.go_to_links.setAccessibleName("Go to the day review")
        self.go_to_links.setAccessibleDescription(
            "Alt+1 to Alt+4 go to the baseline, the dose, the reassessments and the day review"
        )
        self.go_to_links.linkActivated.connect(self.go_to_step)
        for number, key in enumerate(STEP_KEYS, start=1):
            QShortcut(QKeySequence(f"Alt+{number}"), self.main_area, activated=lambda k=key: self.go_to_step(k))
        return self.go_to_links

    def go_to_step(self, key: str) -> None:
        """Scroll the shown day's step into view and focus its button."""
        view = self.tabs.currentWidget()
        if isinstance(view, DayTimelineView):
            view.go_to_step(key)

    # Public ---------------------------------------------------------------------------------------

    @property
    def trial_id(self) -> str:
        return self.controller.trial_id

    def closing(self) -> bool:
        """Keep what was typed as drafts; False only when a draft could not be saved. When everything was
        kept the workspace is done: its clock stops (no countdown or reminder runs on in a workspace
        waiting to be deleted) and its chart panel is left to the next workspace opened in the parent."""
        kept = True
        self._drop_coming_page()
        for form in (self._page, self._decision_view):
            if form is not None and hasattr(form, "flush_draft"):
                kept = bool(form.flush_draft()) and kept
        if kept:
            self.timer.stop()
            self._first_chart.stop()  # a panel not drawn yet stays for the next workspace
            self._leave_chart_panel()
        return kept

    def show_day(self, number: int) -> None:
        view = self.day_views.get(number)
        if view is not None:
            self.tabs.setCurrentWidget(view)

    def current_page(self) -> QWidget | None:
        """The form open in place of the timeline (None when the timeline is shown)."""
        return self._page

    def tick(self) -> None:
        """Every second: the countdown; every minute: statuses and reminders."""
        now = self.controller.now()
        self.header.tick(now)
        minute = now.replace(second=0, microsecond=0)
        if minute != self._last_minute:
            self._last_minute = minute
            self._refresh_header()
            self._refresh_timelines()
            self._check_reminder(now)

    # Tabs and timelines ---------------------------------------------------------------------------

    def _build_tabs(self, show: int | None = None) -> None:
        """A tab for each day not shown yet (and the decision's), then ``show``'s tab if given; only the
        timeline on screen is drawn."""
        doc = self.controller.doc
        for day in sorted(doc.trial.days, key=lambda d: d.day):
            if day.day in self.day_views:
                continue
            view = DayTimelineView(day.day)
            view.record_baseline.connect(lambda n: self.open_assessment_soon(n, "baseline", "baseline"))
            view.record_reassessment.connect(
                lambda n, slot: self.open_assessment_soon(n, "reassessment", slot)
            )
            view.give_dose.connect(self.open_dose_dialog)
            view.open_review.connect(self.open_day_review)
            self.day_views[day.day] = view
            index = self.tabs.count() - (1 if self._has_decision_tab() else 0)
            self.tabs.insertTab(index, view, self._tab_title(day.day))
        if not self._has_decision_tab():
            self.tabs.addTab(self._decision_page, "Decision")
        if show is not None:
            self.show_day(show)
        self._refresh_timelines()

    @property
    def decision_view(self) -> DecisionView:
        """The decision tab's view, built when the tab is first opened or the view first asked for."""
        return self._decision_view or self._build_decision_view()

    def _build_decision_view(self) -> DecisionView:
        """The decision's view, in its stand-in's place in the tabs (shown if the stand-in was)."""
        view = DecisionView(self.controller)
        index = self.tabs.indexOf(self._decision_page)
        shown = self.tabs.currentWidget() is self._decision_page
        self._decision_view = view
        self.tabs.stack.insertWidget(index, view)
        self.tabs.stack.removeWidget(self._decision_page)
        if shown:
            self.tabs.stack.setCurrentWidget(view)
        self._decision_page.deleteLater()
        return view

    def _has_decision_tab(self) -> bool:
        return self._decision_view is not None or self.tabs.indexOf(self._decision_page) >= 0

    def _decision_shown(self) -> bool:
        current = self.tabs.currentWidget()
        return current is not None and current in (self._decision_page, self._decision_view)

    def _tab_title(self, number: int) -> str:
        from trialapp.domain.response import day_dose

        day = next(d for d in self.controller.doc.trial.days if d.day == number)
        dose = day_dose(day)
        return f"Day {number}" + (f" · {dose.dose_mcg} mcg" if dose is not None else "")

    def _has_draft(self, kind: str, day: int, slot: str) -> bool:
        return self.controller.form_key(kind, day, slot) in self.controller.draft_keys

    def _refresh_timelines(self) -> None:
        """Redraw the day shown now; the other days are redrawn when their tab is opened."""
        self._stale_days = set(self.day_views)
        current = self.tabs.currentWidget()
        if isinstance(current, DayTimelineView):
            self._refresh_day(current.day_number)
        for number, view in self.day_views.items():
            self.tabs.setTabText(self.tabs.indexOf(view), self._tab_title(number))

    def _refresh_day(self, number: int) -> None:
        self._stale_days.discard(number)
        self.day_views[number].set_model(
            day_timeline(self.controller.doc, number, self.controller.now()),
            can_dose=self.controller.may("give_dose"),
            can_assess=self.controller.may("record_vitals"),
            has_draft=self._has_draft,
        )

    def _tab_changed(self, _index: int) -> None:
        current = self.tabs.currentWidget()
        if isinstance(current, DayTimelineView) and current.day_number in self._stale_days:
            self._refresh_day(current.day_number)
        elif current is self._decision_page:
            self._build_decision_view()
        # The decision's evidence needs the whole width; the charts come back with any day tab.
        self._show_charts(self.charts_button.isChecked())
        self._refresh_header()

    def _show_charts(self, shown: bool) -> None:
        self.chart_scroll.setVisible(shown and not self._decision_shown())

    def _refresh_header(self) -> None:
        now = self.controller.now()
        view = self.tabs.currentWidget()
        shown = view.day_number if isinstance(view, DayTimelineView) else None
        self.header.set_info(header_info(self.controller.doc, now, shown), now)

    def _on_changed(self) -> None:
        self._build_tabs()
        self._refresh_header()
        self._drop_done_reminder()
        self._refresh_alerts()
        if self._decision_view is not None:
            self.decision_view.mark_stale()
        if self.chart_panel is not None and not self._chart_timer.isActive():
            # At the next turn of the event loop (changes meanwhile coalesce): a save's turn already holds
            # the save, the reload and the timeline; the plots redrawn too made it a stall of the window.
            self._chart_timer.start()
        self.trial_changed.emit(self.controller.trial_id)

    def _refresh_chart(self) -> None:
        if self.chart_panel is not None:  # not given back meanwhile (ui/workspace: _leave_chart_panel)
            self.chart_panel.set_trial(self.controller.doc)

    # Alerts and reminders -------------------------------------------------------------------------

    def _refresh_alerts(self) -> None:
        alerts = self.controller.open_alerts
        self.alert_banner.set_alerts(alerts)
        urgent = sum(1 for a in alerts if a.level == "urgent")
        self.header.set_alert_counts(len(alerts), urgent)

    def _acknowledge_alert(self, alert_id: int) -> None:
        if not self.controller.may("acknowledge_alert"):
            QMessageBox.information(
                self,
                "Acknowledge the alert",
                "Only a nurse, physical therapist or neurosurgeon can acknowledge an alert.",
            )
            return
        user_action(
            lambda: self.controller.acknowledge_alert(alert_id),
            parent=self,
            title="The alert was not acknowledged",
        )

    def _focus_alerts(self) -> None:
        if self.controller.open_alerts:
            self.alert_banner.focus_first()
        else:
            QMessageBox.information(self, "Alerts", "No alert is waiting for acknowledgement.")

    def _drop_done_reminder(self) -> None:
        """Hide the reminder once its reassessment is recorded."""
        target = self.reminder.target
        if target is None or not self.reminder.isVisible():
            return
        day, slot = target
        schedule = day_timeline(self.controller.doc, day, self.controller.now()).schedule
        slots = {f"{s.hours:g}": s for s in schedule.slots} if schedule is not None else {}
        if slot in slots and slots[slot].done_at is not None:
            self.reminder.hide()

    def _check_reminder(self, now: datetime) -> None:
        self._drop_done_reminder()
        due = next_reassessment(self.controller.doc, now)
        slot = due.slot
        if due.day is None or slot is None or slot.status not in ("due", "overdue"):
            if self.reminder.isVisible() and (slot is None or slot.status == "upcoming"):
                self.reminder.hide()
            return
        key = (due.day, slot.hours)
        if key in self._notified:
            return
        self._notified.add(key)
        self.reminder.show_reminder(due.day, f"{slot.hours:g}", due.text, overdue=slot.status == "overdue")

    # Pages ----------------------------------------------------------------------------------------

    def _open_page(self, page: QWidget) -> None:
        if page is not self._coming_page:
            self._drop_coming_page()  # chosen after the form asked for: this page, not that form
        self._close_page()
        self._page = page
        if self.stack.indexOf(page) < 0:
            self.stack.addWidget(page)
        self.stack.setCurrentWidget(page)
        if hasattr(page, "finished"):
            page.finished.connect(self._close_page)
        describe_controls(page)
        page.setFocus()

    def _close_page(self) -> None:
        page = self._page
        if page is None:
            return
        if hasattr(page, "flush_draft"):
            page.flush_draft()
        self._page = None
        self.stack.setCurrentWidget(self.main_area)
        self.stack.removeWidget(page)
        page.deleteLater()
        self._refresh_timelines()

    def open_assessment(self, day: int, kind: str, slot: str) -> QWidget:
        """Open the form at once (built and shown in this turn of the event loop)."""
        page = self._new_assessment_page(day, kind, slot)
        self._show_assessment_page(page)
        return page

    def open_assessment_soon(self, day: int, kind: str, slot: str) -> None:
        """Open the form as a user asks for it (a timeline button, the reminder's "Record now"): built in this
        turn of the event loop, shown in the next, so that the window answers in between (building a form and
        showing it are 30-40 ms each; in one turn they were among the longest stalls of a ward session, issue
        22). A second press before it shows is ignored: one form opens."""
        if self._coming_page is not None:
            return
        page = self._new_assessment_page(day, kind, slot)
        self.stack.addWidget(page)  # hidden until shown: owned by the workspace meanwhile
        self._coming_page = page
        self._show_coming.start()

    def _new_assessment_page(self, day: int, kind: str, slot: str) -> QWidget:
        from trialapp.ui.workspace.assessment_form import AssessmentPage

        return AssessmentPage(self.controller, day, kind, slot)

    def _show_assessment_page(self, page: Any) -> None:
        if self.reminder.target == (page.day_number, page.slot):
            self.reminder.hide()  # the form for it is open now
        self._open_page(page)

    def _show_coming_page(self) -> None:
        page, self._coming_page = self._coming_page, None
        if page is not None:
            self._show_assessment_page(page)

    def _drop_coming_page(self) -> None:
        """Forget a form asked for but not shown yet (the trial is closing, another page was opened after it):
        nothing was typed in it."""
        self._show_coming.stop()
        page, self._coming_page = self._coming_page, None
        if page is not None:
            self.stack.removeWidget(page)
            page.deleteLater()

    def open_day_review(self, day: int) -> QWidget:
        from trialapp.ui.workspace.day_review import DayReviewPage

        page = DayReviewPage(self.controller, day)
        self._open_page(page)
        return page

    def open_dose_dialog(self, day: int) -> None:
        from trialapp.ui.workspace.dose_dialog import DoseDialog

        dialog = DoseDialog(self.controller, day, self)
        dialog.exec()

    def open_adverse_event(self) -> None:
        from trialapp.ui.workspace.alerts import AdverseEventDialog

        view = self.tabs.currentWidget()
        day = view.day_number if isinstance(view, DayTimelineView) else None
        dialog = AdverseEventDialog(self.controller, day, self)
        dialog.exec()

    def ask_add_day(self) -> None:
        reason, ok = QInputDialog.getText(
            self,
            "Add a trial day",
            "Why is a day added? (for example: fine-tune the dose on day 4)",
        )
        if not ok:
            return
        user_action(
            lambda: self.controller.add_day(reason),
            parent=self,
            title="The day was not added",
            on_done=self.show_day,
        )

    # Print (the shell's dialog) --------------------------------------------------------------------

    def _open_print(self) -> None:
        from trialapp.ui.views.print_dialog import PrintSummaryDialog  # reportlab loads only now

        c = self.controller
        dialog = PrintSummaryDialog(c.app, c.actor, c.trial_id, doc=c.doc)
        dialog.exec()

    # Charts (pyqtgraph loads only now) -------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._chart_requested:
            self._chart_requested = True
            self._split_evenly()
            # After the first paint, and pyqtgraph imported off the GUI thread (ui/charts/loading.py).
            charts_loading.when_loaded(self, self._chart_panel_soon)

    def _chart_panel_soon(self) -> None:
        """The charts once the workspace is painted, in the next turn of the event loop: a panel left by the
        last trial is drawn again then (10-20 ms, with the opening's own 30-45 ms it was the longest stall of
        a scripted session); the window's first panel is made in this turn and its first chart drawn in the
        next, with a plot made in between (ui/charts/plot_pool.py): the three in one turn were the longest
        stall of opening a trial (``make bench``)."""
        from trialapp.ui.charts.panel import ChartPanel

        if self.chart_panel is not None or self._new_chart_panel is not None:
            return
        if self._spare_chart_panels(ChartPanel):
            self._first_chart.start()
            return
        # Hidden until ensure_chart places it, with its chart drawn.
        panel = ChartPanel(self.chart_holder, theme=current_theme_name())
        panel.prepare_plots()
        self._new_chart_panel = panel
        self._first_chart.start()

    def _split_evenly(self) -> None:
        """Give the charts the width their controls need when the timeline keeps enough; otherwise
        share the width and let the charts scroll (small screens, 150 % scaling)."""
        width = max(self.splitter.width(), 600)
        chart = self.chart_panel.needed_width() + 24 if self.chart_panel is not None else 900
        if width - chart >= 520:
            self.splitter.setSizes([width - chart, chart])
        else:
            self.splitter.setSizes([width * 9 // 20, width * 11 // 20])
            if width < 1000 and not self._chart_choice_made:
                # A small screen (or 150 % scaling): the timeline first; the Charts button brings them back.
                self.charts_button.setChecked(False)

    def ensure_chart(self) -> Any:
        if self.chart_panel is not None:
            return self.chart_panel
        from trialapp.ui.charts.panel import ChartPanel
        from trialapp.ui.charts.theme import theme_named
        from trialapp.ui.workspace.state import patient_name

        self._first_chart.stop()
        theme = current_theme_name()
        doc = self.controller.doc
        bands = vital_limits.vital_bands(self.controller.app)  # the site's R9 limits, shaded on the vitals
        panel = self._spare_chart_panel(ChartPanel) or self._new_chart_panel
        self._new_chart_panel = None
        if panel is None:
            panel = ChartPanel(theme=theme, bands=bands)
            panel.set_identification(f"{patient_name(doc)} · MRN {doc.patient.mrn}")
            panel.set_trial(doc)
        else:
            if panel.theme != theme_named(theme):
                panel.set_theme(theme)
            panel.set_vital_bands(bands)
            panel.reset(doc)
            panel.set_identification(f"{patient_name(doc)} · MRN {doc.patient.mrn}")
        layout = self.chart_holder.layout()
        assert layout is not None
        self._chart_placeholder.hide()
        layout.addWidget(panel)
        panel.show()
        self.chart_panel = panel
        self._split_evenly()
        describe_controls(panel)
        return panel

    # A workspace that closes (``closing()`` kept everything) leaves its chart panel with its parent (the
    # window's workspace page), hidden, and the next workspace opened there takes it: the charts are then
    # drawn again in place instead of being built anew (most of the cost of opening a trial). The panel
    # goes when the parent goes.

    _SPARE = "trialapp_spare_chart_panel"

    def _spare_chart_panels(self, kind: type[QWidget]) -> list[Any]:
        parent = self.parentWidget()
        if parent is None:
            return []
        found = parent.findChildren(kind, options=Qt.FindChildOption.FindDirectChildrenOnly)
        return [child for child in found if child.property(self._SPARE)]

    def _spare_chart_panel(self, kind: type[QWidget]) -> Any:
        spare = self._spare_chart_panels(kind)
        if not spare:
            return None
        spare[0].setProperty(self._SPARE, False)
        return spare[0]

    def _leave_chart_panel(self) -> None:
        panel, parent = self.chart_panel, self.parentWidget()
        if panel is None or parent is None:
            return
        self.chart_panel = None
        panel.hide()
        panel.setParent(parent)
        panel.setProperty(self._SPARE, True)
        self._chart_placeholder.show()
        self._chart_requested = False  # shown again after all: the charts come back
