"""A worker hands its outcome to the GUI thread through ``ui/background.hand_to_gui``: it runs there, and not
at all when its owner was deleted meanwhile (the live updates' worker against the window closing)."""

from __future__ import annotations

import threading

from PySide6.QtCore import QObject, QThread
from PySide6.QtWidgets import QApplication

from trialapp.ui import background


def test_what_a_worker_hands_over_runs_on_the_gui_thread(qtbot) -> None:
    background.prepare_handoff()
    owner = QObject()
    ran: list[bool] = []
    worker = threading.Thread(
        target=lambda: background.hand_to_gui(
            owner, lambda: ran.append(QThread.currentThread() is QApplication.instance().thread())
        )
    )
    worker.start()
    worker.join(10)
    qtbot.waitUntil(lambda: bool(ran), timeout=5_000)
    assert ran == [True]


def test_what_a_worker_hands_over_does_not_run_once_its_owner_is_deleted(qtbot) -> None:
    background.prepare_handoff()
    owner, witness = QObject(), QObject()
    ran: list[str] = []
    gate = threading.Event()

    def work() -> None:
        gate.wait(10)
        background.hand_to_gui(owner, lambda: ran.append("owner"))
        background.hand_to_gui(witness, lambda: ran.append("witness"))

    worker = threading.Thread(target=work)
    worker.start()
    owner.deleteLater()
    qtbot.waitUntil(lambda: not _alive(owner), timeout=5_000)
    gate.set()
    worker.join(10)
    qtbot.waitUntil(lambda: bool(ran), timeout=5_000)
    assert ran == ["witness"]


def _alive(obj: QObject) -> bool:
    from shiboken6 import Shiboken

    return Shiboken.isValid(obj)
