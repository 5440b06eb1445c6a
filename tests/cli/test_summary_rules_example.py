"""`trialapp summary --json` on an imported trial gives exactly the RULES.md summary example."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from pathlib import Path

from tests.domain.conftest import Builders
from tests.domain.test_summary import RULES_EXAMPLE, rules_example_trial
from trialapp.cli import main
from trialapp.domain.records import Patient, TrialDocument
from trialapp.interchange.trial_json_export import dumps_trial_document


def test_imported_rules_example_summarises_to_the_rules_json(tmp_path: Path, capsys) -> None:
    trial = rules_example_trial(Builders())
    trial = replace(trial, days=tuple(sorted(trial.days, key=lambda d: d.day)))
    doc = TrialDocument(Patient(mrn="RULES-1", birth_date=date(2016, 4, 12)), trial)
    source = tmp_path / "rules.json"
    source.write_text(dumps_trial_document(doc), encoding="utf-8")
    db = str(tmp_path / "rules.sqlite")

    assert main(["--db", db, "import", str(source)]) == 0
    trial_id = capsys.readouterr().out.strip().splitlines()[-1]
    assert main(["--db", db, "summary", trial_id, "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)

    expected = {**RULES_EXAMPLE, "trial_id": trial_id}
    assert summary == expected
    assert list(summary) == list(expected)  # the keys in the RULES.md order
