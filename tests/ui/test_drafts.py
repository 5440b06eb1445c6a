"""Drafts: saved while typing, only in the database, per user, and back after a crash."""

from __future__ import annotations

import pytest

from tests.ui.workspace_helpers import copy_bed, count_rows, open_workspace
from trialapp.services import drafts
from trialapp.services.context import os_actor
from trialapp.services.errors import InvalidInput
from trialapp.storage import models as m


@pytest.fixture
def bed(tmp_path, tmp_path_factory):
    made = copy_bed(tmp_path, tmp_path_factory)
    yield made
    made.app.close()


def _files(root) -> set[str]:
    return {str(p) for p in root.rglob("*") if p.is_file()}


def test_draft_round_trip_is_per_user_and_only_in_the_database(bed, tmp_path) -> None:
    app = bed.app
    before = _files(tmp_path)
    drafts.save_draft(app, bed.team.pt, "trial/x/baseline", {"mas:hip_flexors:left": "2"})
    drafts.save_draft(app, bed.team.pt, "trial/x/baseline", {"mas:hip_flexors:left": "1+"})  # replaces
    drafts.save_draft(app, bed.team.nurse, "trial/x/baseline", {"hr": "90"})
    drafts.save_draft(app, os_actor(), "trial/x/baseline", {"hr": "80"})  # the command line has no user id
    drafts.save_draft(app, os_actor(), "trial/x/baseline", {"hr": "81"})

    assert drafts.load_draft(app, bed.team.pt, "trial/x/baseline").payload == {"mas:hip_flexors:left": "1+"}
    assert drafts.load_draft(app, bed.team.nurse, "trial/x/baseline").payload == {"hr": "90"}
    assert drafts.load_draft(app, os_actor(), "trial/x/baseline").payload == {"hr": "81"}
    assert drafts.load_draft(app, bed.team.neuro, "trial/x/baseline") is None
    assert count_rows(app, m.FormDraft) == 3
    # Nothing beside the database: only the SQLite file and its journal may have appeared.
    new_files = _files(tmp_path) - before
    assert all(".sqlite" in name for name in new_files), new_files
    assert [d.form_key for d in drafts.list_drafts(app, bed.team.pt, "trial/x/")] == ["trial/x/baseline"]

    assert drafts.discard_draft(app, bed.team.pt, "trial/x/baseline") is True
    assert drafts.discard_draft(app, bed.team.pt, "trial/x/baseline") is False
    assert drafts.load_draft(app, bed.team.pt, "trial/x/baseline") is None
    assert drafts.load_draft(app, bed.team.nurse, "trial/x/baseline") is not None


@pytest.mark.parametrize(
    ("key", "payload"), [("", {}), ("x" * 201, {}), ("k", ["not", "a", "dict"]), ("k", {"a": object()})]
)
def test_bad_drafts_are_refused_and_nothing_is_written(bed, key, payload) -> None:
    app = bed.app
    with pytest.raises(InvalidInput):
        drafts.save_draft(app, bed.team.pt, key, payload)
    assert count_rows(app, m.FormDraft) == 0


def test_draft_comes_back_after_a_crash(bed, qtbot) -> None:
    app = bed.app
    workspace = open_workspace(qtbot, bed, bed.team.pt)
    page = workspace.open_assessment(1, "baseline", "baseline")
    cell = page.mas_cells[("hip_flexors", "left")]
    cell.setFocus()
    qtbot.keyClicks(cell, "+")
    qtbot.keyClicks(page.fields["hr"], "96")
    page.fields["notes"].setPlainText("Calm, slept well")
    # The draft is saved about a second after the last keystroke, without any save action.
    qtbot.waitUntil(lambda: count_rows(app, m.FormDraft) == 1, timeout=3000)
    qtbot.waitUntil(lambda: "Draft saved" in page.draft_label.text(), timeout=3000)

    # Crash: the widget goes away without closing() and without saving the form.
    workspace.timer.stop()
    workspace.setParent(None)
    workspace.deleteLater()
    qtbot.wait(10)
    assert count_rows(app, m.AssessmentRow) == 0

    reopened = open_workspace(qtbot, bed, bed.team.pt)
    baseline_step = reopened.day_views[1].buttons["baseline"]
    assert baseline_step.isEnabled()
    assert any(
        "draft" in label.text() for label in reopened.day_views[1].findChildren(type(page.draft_label))
    )
    again = reopened.open_assessment(1, "baseline", "baseline")
    assert again.mas_cells[("hip_flexors", "left")].text() == "1+"
    assert again.fields["hr"].text() == "96"
    assert again.fields["notes"].toPlainText() == "Calm, slept well"
    assert "Restored your draft" in again.draft_label.text()


def test_closing_keeps_the_draft_at_once_and_saving_discards_it(bed, qtbot) -> None:
    app = bed.app
    workspace = open_workspace(qtbot, bed, bed.team.pt)
    page = workspace.open_assessment(1, "baseline", "baseline")
    page.set_value("mas:hip_flexors:left", "2")
    assert count_rows(app, m.FormDraft) == 0  # not yet: the debounce has not run
    assert workspace.closing() is True  # closing keeps what was typed straight away
    assert drafts.load_draft(app, bed.team.pt, page.form_key).payload["mas:hip_flexors:left"] == "2"

    assert page.save(confirm_blanks=False) is True
    assert count_rows(app, m.AssessmentRow) == 1
    assert drafts.load_draft(app, bed.team.pt, page.form_key) is None
    # Another user never sees this user's draft.
    other = open_workspace(qtbot, bed, bed.team.nurse)
    assert other.open_assessment(1, "baseline", "baseline").mas_cells[("hip_flexors", "left")].text() == ""
