"""Live screens: the window shows another laptop's (or process's) save within about two seconds.

A worker thread polls the database's change feed (``services.live.LiveFeed``) every second — on the ward server a
poll with nothing new costs no query (LISTEN/NOTIFY), on a file it reads the audit chain's head — so the GUI
thread never waits for the database or for a server that is down. What it hears comes back to the GUI thread
as a queued signal, and the window refreshes with the calls it already has: the home list and the due-now panel,
and the open trial's workspace when that trial changed. A form open on a day another person just saved for (the
same reassessment slot, the baseline, or the day's dose) says so in a banner before it is saved.

When the server cannot be reached the status bar says so; the thread keeps trying, and says when it is back.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections.abc import Callable
from contextlib import suppress
from functools import partial
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QLabel, QWidget

from trialapp.services import presence
from trialapp.services.live import LiveChange, LiveFeed, Save, ServerUnreachable
from trialapp.ui import background
from trialapp.ui.actions import user_action

if TYPE_CHECKING:
    from trialapp.services.context import Actor, App
    from trialapp.ui.main_window import MainWindow

log = logging.getLogger("trialapp.ui")

POLL_INTERVAL_S = 1.0
PRESENCE_READ_S = 5.0
Activity = tuple[str | None, str]  # (the trial's id or None, what this window does: "dose check")
OFFLINE_TEXT = "Server not reachable — what you type stays in its form on this laptop; save when it returns."
BACK_TEXT = "Server reachable again — you can save."
BANNER_NAME = "liveBanner"


class LiveUpdates(QObject):
    """The worker thread that polls the change feed; ``heard`` and ``reachable`` arrive on the GUI thread."""

    heard = Signal(object)  # LiveChange
    reachable = Signal(bool)
    others = Signal(object)  # tuple[str, ...]: who else works on this window's trial now, one line each

    def __init__(
        self,
        app: App,
        parent: QObject | None = None,
        *,
        interval_s: float = POLL_INTERVAL_S,
        actor: Actor | None = None,
        activity: Callable[[], Activity] | None = None,
    ) -> None:
        super().__init__(parent)
        self._app = app
        self._interval = interval_s
        self._actor = actor
        self.window_id = secrets.token_hex(8)
        # What this window does, read by the GUI thread every second and by the worker thread when it beats.
        self._activity: Activity = (None, "home")
        self._beaten: tuple[float, Activity] | None = None
        self._others: tuple[str, ...] | None = None
        self._presence_read = 0.0
        if activity is not None:
            self._activity_timer = QTimer(self)
            self._activity_timer.setInterval(1000)
            self._activity_timer.timeout.connect(lambda: setattr(self, "_activity", activity()))
            self._activity_timer.start()
        self._stop = threading.Event()
        self.ready = threading.Event()  # the feed listens (what is saved from now on will be heard)
        self._thread = threading.Thread(target=self._run, name="trialapp-live", daemon=True)
        # The worker hands what it hears to the GUI thread; never through a signal of this object, which the
        # GUI thread may be deleting at that moment.
        background.prepare_handoff()

    def _deliver_heard(self, change: LiveChange) -> None:
        if not self._stop.is_set():
            self.heard.emit(change)

    def _deliver_others(self, lines: tuple[str, ...]) -> None:
        if not self._stop.is_set():
            self.others.emit(lines)

    def _deliver_reachable(self, ok: bool) -> None:
        if not self._stop.is_set():
            self.reachable.emit(ok)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Stop polling (waits at most a few seconds for the thread: a poll never blocks longer)."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)

    def _run(self) -> None:
        feed: LiveFeed | None = None
        online = True
        try:
            # The feed starts at once (the window has just read what it shows), then polls every interval.
            while not self._stop.wait(0 if feed is None and online else self._interval):
                try:
                    if feed is None:
                        feed = LiveFeed(self._app)
                        self.ready.set()
                        continue
                    change = feed.poll()
                    self._presence()
                except ServerUnreachable:
                    if online:
                        online = False
                        background.hand_to_gui(self, partial(self._deliver_reachable, False))
                    continue
                except Exception:  # a bug here must not end live updates for the session: logged, tried again
                    log.exception("live update poll failed")
                    continue
                if not online:
                    online = True
                    background.hand_to_gui(self, partial(self._deliver_reachable, True))
                if change is not None and not self._stop.is_set():
                    background.hand_to_gui(self, partial(self._deliver_heard, change))
        finally:
            if feed is not None:
                feed.close()
            if self._actor is not None:
                with suppress(Exception):  # a server that is down forgets the window after STALE_S anyway
                    presence.leave(self._app, self.window_id)

    def _presence(self) -> None:
        """Beat every HEARTBEAT_S (at once when the activity changes); read who else is here every few seconds."""
        if self._actor is None:
            return
        now = time.monotonic()
        activity = self._activity
        beat = (
            self._beaten is None
            or self._beaten[1] != activity
            or now - self._beaten[0] >= presence.HEARTBEAT_S
        )
        if beat:
            presence.heartbeat(self._app, self._actor, self.window_id, activity[1], activity[0])
            self._beaten = (now, activity)
        if beat or now - self._presence_read >= PRESENCE_READ_S:
            self._presence_read = now
            trial_id = activity[0]
            lines = (
                tuple(presence.working_now(self._app, trial_id, besides=self.window_id)) if trial_id else ()
            )
            if lines != self._others:
                self._others = lines
                background.hand_to_gui(self, partial(self._deliver_others, lines))


def attach(window: MainWindow) -> LiveUpdates | None:
    """Start live updates for the signed-in window (None when its database is not open)."""
    app = window.services
    if app is None:
        return None
    live = LiveUpdates(app, window, actor=window.actor, activity=lambda: current_activity(window))
    live.heard.connect(lambda change: on_heard(window, change))
    live.reachable.connect(lambda ok: show_reachable(window, ok))
    live.others.connect(lambda lines: show_others(window, lines))
    live.start()
    return live


def current_activity(window: MainWindow) -> Activity:
    """What the window shows now, in the words other laptops read: "dose check", "2 h reassessment"."""
    from trialapp.ui.workspace.dose_dialog import DoseDialog

    workspace: Any = window.workspace
    if workspace is None or window.pages.currentWidget() is not window.workspace_page:
        return (None, "home")
    if any(d.isVisible() for d in workspace.findChildren(DoseDialog)):
        return (workspace.trial_id, "dose check")
    page = workspace.current_page()
    kind, slot, day = (getattr(page, name, None) for name in ("kind", "slot", "day_number"))
    if kind == "reassessment":
        words = "unscheduled reassessment" if slot == "extra" else f"{slot} h reassessment"
        return (workspace.trial_id, f"{words}, day {day}")
    if kind == "baseline":
        return (workspace.trial_id, f"baseline assessment, day {day}")
    if page is not None:
        return (workspace.trial_id, f"day {day} review" if day else "a form")
    return (workspace.trial_id, "reading the trial")


def show_others(window: MainWindow, lines: tuple[str, ...]) -> None:
    """Who else works on the open trial now, in its header."""
    workspace: Any = window.workspace
    if workspace is not None:
        workspace.header.set_presence("Also working on this trial now: " + "; ".join(lines) if lines else "")


def show_reachable(window: MainWindow, ok: bool) -> None:
    """The status bar says the server cannot be reached, and when it is back."""
    if ok:
        window.statusBar().showMessage(BACK_TEXT, 10_000)
        # What was typed while the server was away is kept as the open form's draft now.
        workspace: Any = window.workspace
        page = workspace.current_page() if workspace is not None else None
        flush = getattr(page, "flush_draft", None)
        if callable(flush):
            flush()
    else:
        window.statusBar().showMessage(OFFLINE_TEXT)


def on_heard(window: MainWindow, change: LiveChange) -> None:
    """Refresh what shows the change: the home lists, and the open trial when it changed."""
    if window.actor is None:
        return
    home = window.home
    if home is not None:
        home.refresh_lists()  # now when home is shown, else when it shows next
    if window.workspace is not None:
        refresh_workspace(window.workspace, change, window.actor.label, window.statusBar().showMessage)


def refresh_workspace(workspace: Any, change: LiveChange, me: str, say: Callable[[str], object]) -> None:
    """Reload the open trial when ``change`` touched it, then tell its open form of another person's save."""
    trial_id = workspace.trial_id
    if trial_id not in change.trial_ids:
        return
    if user_action(workspace.controller.reload, error=say) is None:
        return
    for save in change.saves:
        if save.actor != me and save.trial_id == trial_id:
            tell_open_form(workspace, save)


def tell_open_form(workspace: Any, save: Save) -> None:
    """A form open for what ``save`` just saved shows a banner: the person, what, and that the entry is kept
    (the assessment form, the dose dialog, the day review's plan, the decision form)."""
    from trialapp.ui.workspace.day_review import DayReviewPage
    from trialapp.ui.workspace.decision import DecisionView
    from trialapp.ui.workspace.dose_dialog import DoseDialog

    page = workspace.current_page()
    if save.kind == "assessment" and getattr(page, "day_number", None) == save.day:
        if getattr(page, "kind", None) == save.assessment_kind == "baseline":
            show_banner(page, save.sentence())
        elif getattr(page, "kind", None) == save.assessment_kind == "reassessment":
            slot = str(getattr(page, "slot", ""))
            if _slot_filled(workspace, save.day, slot):
                show_banner(page, save.sentence(f"the {slot} h reassessment"))
    if save.kind == "dose":
        for dialog in workspace.findChildren(DoseDialog):
            if dialog.isVisible() and dialog.day_number == save.day:
                show_banner(dialog, save.sentence())
    if save.kind == "plan" and isinstance(page, DayReviewPage) and page.day_number == save.day:
        show_banner(page, save.sentence())
    if save.kind == "decision":
        for view in workspace.findChildren(DecisionView):
            if view.isVisible():
                show_banner(view, save.sentence())


def _slot_filled(workspace: Any, day: int | None, slot: str) -> bool:
    """Whether the reloaded trial has a reassessment in ``slot`` (hours, "extra": never filled by another)."""
    from trialapp.ui.workspace.state import day_schedule, find_day

    controller = workspace.controller
    trial_day = find_day(controller.doc, day) if day is not None else None
    schedule = day_schedule(controller.doc, trial_day, controller.now()) if trial_day is not None else None
    if schedule is None:
        return False
    return any(f"{s.hours:g}" == slot and s.done_at is not None for s in schedule.slots)


def show_banner(form: QWidget, text: str) -> None:
    """The banner at the top of ``form`` (made on first use; later news replaces its text)."""
    banner = form.findChild(QLabel, BANNER_NAME)
    if banner is None:
        banner = QLabel()
        banner.setObjectName(BANNER_NAME)
        banner.setWordWrap(True)
        banner.setProperty("role", "banner-error")
        banner.setAccessibleName("Saved by someone else")
        layout = form.layout()
        if layout is not None and hasattr(layout, "insertWidget"):
            layout.insertWidget(0, banner)
    banner.setText(text)
    banner.show()
