"""`import` against an MRN on file (interchange revision 2): the differences are listed and nothing is
written (exit 2); `--update-patient` takes the file's values as an audited correction; the same trial twice
is refused naming the trial on file."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.test_cli import run
from tests.helpers import demo_json, file_digest


def _write(path: Path, doc: dict[str, object]) -> Path:
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def test_import_lists_the_differences_and_update_patient_accepts_them(capsys, db_path, tmp_path) -> None:
    doc = demo_json("demo_responder.json")
    code, out, _ = run(capsys, "--db", str(db_path), "import", str(_write(tmp_path / "a.json", doc)))
    assert code == 0
    first = out.strip().splitlines()[-1]
    doc["patient"]["allergies"] = ["baclofen", "latex"]
    doc["trial"]["started_on"] = "2026-11-01"
    changed = _write(tmp_path / "b.json", doc)
    before = file_digest(db_path)
    code, out, err = run(capsys, "--db", str(db_path), "import", str(changed))
    assert code == 2 and out == ""
    assert "allergies: on file" in err and "in the file baclofen, latex" in err and "--update-patient" in err
    assert file_digest(db_path) == before
    code, out, _ = run(capsys, "--db", str(db_path), "import", "--update-patient", str(changed))
    assert code == 0
    code, out, _ = run(capsys, "--db", str(db_path), "export", first, "--format", "json")
    assert json.loads(out)["patient"]["allergies"] == ["baclofen", "latex"]


def test_the_same_file_twice_is_refused_naming_the_trial(capsys, db_path, tmp_path) -> None:
    source = _write(tmp_path / "a.json", demo_json("demo_responder.json"))
    code, out, _ = run(capsys, "--db", str(db_path), "import", str(source))
    trial_id = out.strip().splitlines()[-1]
    code, out, err = run(capsys, "--db", str(db_path), "import", str(source))
    assert code == 2 and f"already on file as trial {trial_id}" in err
