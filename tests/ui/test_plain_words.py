"""Clinicians never see internal codes (issue 21 item 8): no rule numbers ("R7", "RULES.md R8"), no
"REFERENCE §8", no "UNCONFIRMED", no code such as "within_24h" or an enum's value, in any label, button,
group title, tab, tooltip, list or table cell of the windows and dialogs a clinician opens. A "Why:" line
of a tooltip may name the rule and its source; the few legitimate matches are allowed below, with why."""

from __future__ import annotations

import html
import re

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QComboBox,
    QGroupBox,
    QLabel,
    QTabBar,
    QWidget,
)

from tests.ui.workspace_helpers import (
    PASSWORD,
    copy_bed,
    day_at,
    give_dose_via_service,
    mas_assessment,
    open_workspace,
    run_day,
)

CODE = re.compile(r"\bR\d{1,2}\b|RULES\.md|REFERENCE §|[A-Z]{4,}_[A-Z]|\b[a-z]+_[a-z0-9_]+\b")

#: Matches that are words, not codes, each with the reason it is allowed.
ALLOWED = {
    # The Modified Tardieu Scale names its two angles R1 and R2: clinicians write them so.
    "R1": "Tardieu angle of catch",
    "R2": "Tardieu full range",
}


#: Tables that show stored values exactly as recorded, by design, with why.
RAW_TABLES = {
    # Settings → History (admin only): the audit trail's old and new values as stored, for an audit.
    "History of changes": "the admin's audit view shows stored values verbatim",
}


def _plain(text: str) -> str:
    text = re.sub(r"<br\s*/?>|</p>", "\n", text)
    text = re.sub(r"<[^>]+>", " ", text)
    return _without_why(html.unescape(text))


def _without_why(text: str) -> str:
    # A "Why:" line may name the rule and its source (the "Why?" link), as may a "Source:" line.
    return "\n".join(
        line for line in text.splitlines() if not line.strip().startswith(("Why:", "Source:"))
    )


def _texts(root: QWidget) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    widgets = [root, *root.findChildren(QWidget)]
    for w in widgets:
        if (w is not root and not w.isVisibleTo(root)) or type(w).__name__ == "QHeaderView":
            continue  # hidden, or the header of a table (its model is the table's, read once there)
        where = f"{type(w).__name__} {w.accessibleName()!r}"
        if isinstance(w, QLabel):
            found.append((where, _plain(w.text())))
        if isinstance(w, QAbstractButton):
            found.append((where, w.text()))
        if isinstance(w, QGroupBox):
            found.append((where, w.title()))
        if isinstance(w, QTabBar):
            found += [(where, w.tabText(i)) for i in range(w.count())]
        if isinstance(w, QComboBox):
            found += [(where, w.itemText(i)) for i in range(w.count())]
        if w.toolTip():
            found.append((where + " tooltip", _without_why(_plain(w.toolTip()))))
        if isinstance(w, QAbstractItemView) and w.model() is not None and w.accessibleName() not in RAW_TABLES:
            model = w.model()
            for r in range(min(model.rowCount(QModelIndex()), 200)):
                for c in range(model.columnCount(QModelIndex())):
                    index = model.index(r, c)
                    for role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
                        value = model.data(index, role)
                        if isinstance(value, str):
                            found.append((f"{where} cell {r},{c}", _without_why(_plain(value))))
            for c in range(model.columnCount(QModelIndex())):
                head = model.headerData(c, Qt.Orientation.Horizontal, Qt.ItemDataRole.DisplayRole)
                if isinstance(head, str):
                    found.append((f"{where} header", head))
    return found


def codes_shown(root: QWidget) -> list[str]:
    """Every code a person could read in ``root``, with where it is."""
    out = []
    for where, text in _texts(root):
        for match in CODE.finditer(text):
            if match.group(0) not in ALLOWED:
                out.append(f"{where}: {match.group(0)!r} in {text[:120]!r}")
    return out


@pytest.fixture
def bed(tmp_path, tmp_path_factory):
    """Day 1 done, with an urgent vital-sign alert acknowledged; day 2's dose within 24 h of day 1's, its
    warnings explained: every kind of line History shows."""
    from dataclasses import replace

    from trialapp.domain.records import Vitals
    from trialapp.services import assessments

    made = copy_bed(tmp_path, tmp_path_factory, at=day_at(2, 12, 0))
    run_day(made, 1, 50, {1: "1", 2: "1", 4: "1", 6: "1"})
    urgent = replace(mas_assessment("reassessment", day_at(1, 17), "1"), vitals=Vitals(rr=6, spo2=85))
    assessments.record_assessment(made.app, made.team.nurse, made.trial_id, 1, urgent)
    for alert in assessments.list_alerts(made.app, made.team.nurse, made.trial_id, unacknowledged_only=True):
        assessments.acknowledge_alert(made.app, made.team.nurse, alert.id)
    assessments.record_assessment(
        made.app, made.team.pt, made.trial_id, 2, mas_assessment("baseline", day_at(2, 8), "2")
    )
    give_dose_via_service(made, 2, 50, day_at(2, 8, 30))
    yield made
    made.app.close()


def test_the_trial_workspace_shows_no_codes(bed, qtbot) -> None:
    workspace = open_workspace(qtbot, bed, bed.team.neuro)
    workspace.show_day(1)
    found = codes_shown(workspace)
    page = workspace.open_assessment(2, "baseline", "baseline")
    found += codes_shown(page)
    workspace.open_day_review(1)
    found += codes_shown(workspace)
    workspace.show_day(1)
    decision = workspace.decision_view
    found += codes_shown(decision)
    assert not found, "\n".join(found)


def test_the_dose_dialog_shows_no_codes(bed, qtbot) -> None:
    from trialapp.ui.workspace.dose_dialog import DoseDialog

    workspace = open_workspace(qtbot, bed, bed.team.neuro)
    dialog = DoseDialog(workspace.controller, 2, workspace)
    qtbot.addWidget(dialog)
    dialog.dose_edit.setText("60")
    found = codes_shown(dialog)
    assert not found, "\n".join(found)


def test_the_shell_screens_show_no_codes(bed, qtbot) -> None:
    from trialapp.services import users
    from trialapp.services.context import os_actor
    from trialapp.ui.views.history import HistoryDialog
    from trialapp.ui.views.home import HomeView
    from trialapp.ui.views.new_trial import NewTrialWizard
    from trialapp.ui.views.settings import SettingsDialog

    users.add_user(bed.app, os_actor(), "admin.ada", "admin", "Ada Admin", PASSWORD)
    admin = users.authenticate(bed.app, "admin.ada", PASSWORD)
    settings = SettingsDialog(bed.app, admin)
    screens = [
        HomeView(bed.app, bed.team.pt),
        NewTrialWizard(bed.app, bed.team.pt),
        HistoryDialog(bed.app, bed.team.pt, trial_id=bed.trial_id),
        settings,
    ]
    found: list[str] = []
    for screen in screens:
        qtbot.addWidget(screen)
        found += codes_shown(screen)
    for tab in settings.findChildren(QWidget):  # every tab of Settings, not only the one shown
        if tab.parentWidget() is not None and type(tab.parentWidget()).__name__ == "QStackedWidget":
            found += [f"Settings tab: {text}" for text in codes_shown(tab)]
    assert not found, "\n".join(found)


def test_history_says_alerts_in_words(bed) -> None:
    from trialapp.services import history

    lines = [x.text for x in history.trial_history(bed.app, bed.team.pt, bed.trial_id)]
    acknowledged = [t for t in lines if t.startswith("acknowledged")]
    assert acknowledged and all(not CODE.search(t) for t in acknowledged), acknowledged
    assert "acknowledged the urgent alert: breathing rate below the band" in acknowledged
    recorded = next(t for t in lines if "; alerts: " in t)
    assert "breathing rate below the band" in recorded and "rr_low" not in recorded


def test_sources_are_said_in_words_on_the_screens() -> None:
    from trialapp.ui.rule_words import readable_source

    assert readable_source("RULES.md R10 default; a local choice") == "the trial protocol's default; a local choice"
    assert readable_source("SpO2 < 92 % and UMSS >= 3: RULES.md R9. Detail") == (
        "SpO2 < 92 % and UMSS >= 3: the trial protocol. Detail"
    )
    said = readable_source("Commonly described bundle step, UNCONFIRMED verbatim (REFERENCE.md section 8)")
    assert said == "Commonly described bundle step, exact wording not confirmed by a published source"
    assert "UNCONFIRMED" not in readable_source("the grid is UNCONFIRMED, a local choice")


def test_the_wizard_shows_the_defaults_sources_without_codes(app, qtbot) -> None:
    import re

    from trialapp.services import app_settings
    from trialapp.ui.views.new_trial import defaults_label

    label = defaults_label(app_settings.defaults_with_sources(app_settings.site_protocol_settings(app)))
    qtbot.addWidget(label)
    assert "Source:" in label.text()
    assert not re.search(r"RULES\.md|UNCONFIRMED|REFERENCE\.md|\bR\d{1,2}\b", label.text())
