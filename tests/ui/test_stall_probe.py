"""The stall probe (issue 22): it sees a GUI thread that does not turn the event loop, and names what ran."""

from __future__ import annotations

import time

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QWidget

from trialapp.ui import stall_probe
from trialapp.ui.actions import user_action
from trialapp.ui.stall_probe import StallProbe


def test_a_long_user_action_is_the_worst_gap_and_is_named(qtbot) -> None:
    probe = StallProbe()
    widget = QWidget()
    qtbot.addWidget(widget)

    def slow_save() -> None:
        time.sleep(0.25)  # the GUI thread blocked: no turn of the event loop meanwhile

    done: list[bool] = []
    QTimer.singleShot(20, lambda: done.append(bool(user_action(slow_save))))
    probe.start()
    qtbot.waitUntil(lambda: bool(done), timeout=5000)
    qtbot.wait(20)
    probe.stop()
    worst = probe.worst()
    assert probe.turns > 10 and len(worst) == stall_probe.WORST_KEPT
    assert worst[0].gap_ms >= 250 and worst[0].gap_ms == probe.longest_ms
    assert "slow_save" in worst[0].what
    assert worst == sorted(worst, reverse=True)
    assert probe.percentile_ms(100) == probe.longest_ms
    assert "slow_save" in probe.report().splitlines()[1]


def test_an_operation_names_a_stall_and_nothing_is_noted_without_a_probe(qtbot) -> None:
    stall_probe.note("nobody is watching")
    probe = StallProbe()
    probe.start()

    def step() -> None:
        with stall_probe.operation("printing"):
            time.sleep(0.12)

    QTimer.singleShot(10, step)
    qtbot.wait(200)
    probe.stop()
    assert probe.worst()[0].what == "printing" and probe.longest_ms >= 120
    assert all("nobody is watching" not in s.what for s in probe.worst())


def test_the_collector_s_share_of_a_stall_is_named_and_the_probe_leaves_no_callback(qtbot) -> None:
    import gc

    garbage = [[i, []] for i in range(300_000)]  # enough tracked objects that a full collection takes a while
    probe = StallProbe()
    probe.start()

    def step() -> None:
        with stall_probe.operation("saving"):
            gc.collect()  # what an allocation-heavy action may trigger by itself

    QTimer.singleShot(10, step)
    qtbot.wait(200)
    probe.stop()
    worst = probe.worst()[0]
    assert worst.what.startswith("saving (garbage collection ") and worst.what.endswith(" ms, generation 2)")
    collected_ms = float(worst.what.split("collection ")[1].split(" ms")[0])
    assert 1 <= collected_ms <= worst.gap_ms + 1
    assert not any(isinstance(cb, stall_probe._Collections) for cb in gc.callbacks)
    del garbage
