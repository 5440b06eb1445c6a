"""A screen deleted at the moment its background action ends, many times over, in a process of its own (a
crash ends the process, not the test run):

    python -m tests.ui.background_race 300

Each round starts an action whose call ends at once and deletes its screen straight away, so the worker's
outcome and the deletion meet. Prints, as JSON, the rounds run, whether the wait cursor is still on, and how
many actions are still held as running."""

from __future__ import annotations

import json
import os
import sys
import time


def main(argv: list[str]) -> int:
    rounds = int(argv[1]) if len(argv) > 1 else 300
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PySide6.QtCore import QCoreApplication, QEvent
    from PySide6.QtWidgets import QApplication, QWidget

    from trialapp.ui import actions

    qt = QApplication([])
    for spin in (0, 1_000, 20_000):  # the call ends before, about when, and after the screen is deleted
        for _ in range(rounds):
            screen = QWidget()
            actions.user_action_in_background(
                lambda n=spin: sum(range(n)), parent=screen, busy_text="Saving…"
            )
            screen.deleteLater()
            QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
            qt.processEvents()
    deadline = time.monotonic() + 10
    while actions._RUNNING and time.monotonic() < deadline:  # the last outcomes still on their way
        qt.processEvents()
        time.sleep(0.01)
    qt.processEvents()
    print(
        json.dumps(
            {
                "rounds": 3 * rounds,
                "wait_cursor": QApplication.overrideCursor() is not None,
                "running": len(actions._RUNNING),
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
