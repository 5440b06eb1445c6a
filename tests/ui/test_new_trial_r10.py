"""The wizard's protocol step says R10 revision 2's two words: a reassessment is early before its time and
late after it (it said only "Late after"), on the field, its tooltip, the defaults list and the review."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel

from tests.ui.shell_helpers import make_team
from tests.ui.test_new_trial import _fill_patient, _wizard


def test_the_protocol_step_and_the_review_say_early_or_late(app, qtbot):
    team = make_team(app)
    wizard = _wizard(app, qtbot, team.pt)
    captions = [label.text() for label in wizard.findChildren(QLabel)]
    assert "Early or late be&yond" in captions and "Late &after" not in captions
    assert "early" in wizard.late.toolTip() and "late" in wizard.late.toolTip()
    assert "early or late beyond" in wizard.defaults_text.text()
    _fill_patient(qtbot, wizard, "R10-1")
    wizard.next()
    for _ in range(3):
        wizard.next()
    assert "(early or late when more than 30 min from their time)" in wizard.review.toPlainText()
