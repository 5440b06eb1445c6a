"""UI tests fail when they leave windows behind (napari's habit).

A leaked top-level widget keeps its timers, its database handles and its signal connections alive into the
next test, where it fails or slows things far from its cause. After each UI test the deferred deletions are
run and Python's garbage is collected; any top-level widget alive then that was not there before the test
fails it (and is closed, so the next test starts clean). Widgets Qt keeps for itself (tooltips, popups of
combo boxes) do not count.

A test whose leak comes from code outside the UI's hands says so with ``@pytest.mark.leaks_widgets("why")``.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest
from PySide6.QtCore import QCoreApplication, QEvent
from PySide6.QtWidgets import QApplication, QWidget

#: Top-level widgets Qt makes and keeps for itself, by their C++ class name.
QT_INTERNAL = frozenset({"QTipLabel", "QComboBoxPrivateContainer", "QWhatsThat", "QCalendarPopup"})


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "leaks_widgets(reason): the test leaves top-level widgets behind (say why); not checked"
    )


def _settle() -> None:
    """Run the deletions Qt deferred (deleteLater) and collect Python's garbage, until nothing changes."""
    for _ in range(3):
        gc.collect()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        QCoreApplication.processEvents()


def _top_levels() -> dict[int, QWidget]:
    return {id(w): w for w in QApplication.topLevelWidgets() if w.metaObject().className() not in QT_INTERNAL}


def leaked_widgets(before: set[int]) -> list[QWidget]:
    """Top-level widgets alive now that were not there before (Qt's own excepted)."""
    _settle()
    return [w for key, w in _top_levels().items() if key not in before]


@pytest.fixture(autouse=True)
def no_leaked_widgets(request: pytest.FixtureRequest, qapp: QApplication) -> Iterator[None]:
    _settle()
    # The wrappers are kept in this dict, so an id cannot be reused by a new widget during the test.
    kept = _top_levels()
    before = set(kept)
    yield
    leaked = leaked_widgets(before)
    if not leaked:
        return
    names = ", ".join(sorted(f"{type(w).__name__}({w.objectName() or w.windowTitle()!r})" for w in leaked))
    for widget in leaked:
        widget.close()
        widget.deleteLater()
    _settle()
    if request.node.get_closest_marker("leaks_widgets") is None:
        pytest.fail(f"The test left top-level widgets behind: {names}", pytrace=False)
