"""The export commands, run in-process through main(): ``export --format … [--deidentify]`` and
``export-dataset --deidentify --out DIR [--format …]``."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest

from tests.helpers import demo_json
from tests.interchange.test_deidentify import find_identifiers
from trialapp.cli import main
from trialapp.services.demo import demo_files, demo_text


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def trial_ids(capsys, db_path: Path, tmp_path: Path) -> dict[str, str]:
    """Import the demo trials (not 'demo', whose demo users take seconds to hash); MRN → trial id."""
    found = {}
    for name in demo_files():
        source = tmp_path / name
        source.write_text(demo_text(name), encoding="utf-8")
        code, out, _ = run(capsys, "--db", str(db_path), "import", str(source))
        assert code == 0
        found[json.loads(demo_text(name))["patient"]["mrn"]] = out.strip().splitlines()[-1]
    return found


def test_export_fhir_to_a_file(capsys, db_path, trial_ids, tmp_path) -> None:
    target = tmp_path / "bundle.json"
    code, out, err = run(
        capsys,
        "--db",
        str(db_path),
        "export",
        trial_ids["DEMO-0001"],
        "--format",
        "fhir",
        "--out",
        str(target),
    )
    assert code == 0 and out == ""
    bundle = json.loads(target.read_text(encoding="utf-8"))
    assert bundle["resourceType"] == "Bundle" and bundle["type"] == "collection"
    head = bundle["meta"]["extension"][0]["valueString"]
    assert f"Audit chain head at export: {head}" in err and f"Wrote {target}" in err


def test_export_redcap_deidentified_to_standard_output(capsys, db_path, trial_ids) -> None:
    code, out, err = run(
        capsys, "--db", str(db_path), "export", trial_ids["DEMO-0003"], "--format", "redcap", "--deidentify"
    )
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert list(rows[0])[:2] == ["record_id", "redcap_event_name"]
    record = rows[0]["record_id"]
    assert f"De-identified as study record {record}" in err
    assert find_identifiers(out, demo_json("demo_small_child.json")) == []
    assert trial_ids["DEMO-0003"] not in out


def test_export_redcap_dictionary(capsys, db_path, trial_ids) -> None:
    code, out, _ = run(
        capsys, "--db", str(db_path), "export", trial_ids["DEMO-0002"], "--format", "redcap-dictionary"
    )
    assert code == 0
    assert out.startswith("Variable / Field Name,Form Name,")
    assert "\nmrn,patient," in out  # the identified dictionary keeps the identifier fields


def test_export_json_is_unchanged_itb_trial_1(capsys, db_path, trial_ids) -> None:
    code, out, _ = run(capsys, "--db", str(db_path), "export", trial_ids["DEMO-0002"])
    assert code == 0 and json.loads(out) == demo_json("demo_nonresponder.json")


def test_an_unknown_format_is_a_usage_error(capsys, db_path, trial_ids) -> None:
    with pytest.raises(SystemExit) as info:
        main(["--db", str(db_path), "export", trial_ids["DEMO-0002"], "--format", "hl7"])
    assert info.value.code == 2
    assert "invalid choice: 'hl7'" in capsys.readouterr().err


def test_export_dataset_writes_a_deidentified_folder(capsys, db_path, trial_ids, tmp_path) -> None:
    folder = tmp_path / "network"
    code, out, err = run(
        capsys,
        "--db",
        str(db_path),
        "export-dataset",
        "--deidentify",
        "--out",
        str(folder),
        "--format",
        "redcap",
    )
    assert code == 0
    assert f"Wrote 3 de-identified trial(s) (redcap) to {folder}" in out
    names = sorted(p.name for p in folder.iterdir())
    assert names == sorted(
        [
            "manifest.json",
            "redcap_records.csv",
            "redcap_data_dictionary.csv",
            "redcap_events.csv",
            "redcap_instrument_designations.csv",
        ]
    )
    for name in names:
        text = (folder / name).read_text(encoding="utf-8")
        for demo in ("demo_responder.json", "demo_nonresponder.json", "demo_small_child.json"):
            assert find_identifiers(text, demo_json(demo)) == [], name
    assert "Audit chain head at export" in err


def test_export_dataset_needs_deidentify_and_a_new_folder(capsys, db_path, trial_ids, tmp_path) -> None:
    code, _, err = run(capsys, "--db", str(db_path), "export-dataset", "--out", str(tmp_path / "x"))
    assert code == 2 and "add --deidentify" in err and not (tmp_path / "x").exists()
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "notes.txt").write_text("keep", encoding="utf-8")
    code, _, err = run(capsys, "--db", str(db_path), "export-dataset", "--deidentify", "--out", str(busy))
    assert code == 2 and "is not empty" in err and [p.name for p in busy.iterdir()] == ["notes.txt"]


def test_export_dataset_default_format_is_json(capsys, db_path, trial_ids, tmp_path) -> None:
    folder = tmp_path / "json"
    assert run(capsys, "--db", str(db_path), "export-dataset", "--deidentify", "--out", str(folder))[0] == 0
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["content"] == "itb-trial-deid/1" and len(manifest["records"]) == 3
    for record in manifest["records"]:
        assert json.loads((folder / f"{record}.json").read_text(encoding="utf-8"))["record_id"] == record


def test_help_lists_the_export_commands_and_formats(capsys) -> None:
    with pytest.raises(SystemExit):
        main(["export-dataset", "--help"])
    text = capsys.readouterr().out
    assert "--deidentify" in text and "{json,fhir,redcap}" in text
    with pytest.raises(SystemExit):
        main(["export", "--help"])
    assert "{json,fhir,redcap,redcap-dictionary}" in capsys.readouterr().out


def test_study_id_both_ways(capsys, db_path, trial_ids) -> None:
    trial_id = trial_ids["DEMO-0001"]
    code, out, _ = run(capsys, "--db", str(db_path), "study-id", trial_id)
    record = out.strip()
    assert code == 0 and re.fullmatch(r"S[2-9A-HJ-NP-Z]{8}-1", record)
    code, out, _ = run(capsys, "--db", str(db_path), "study-id", "--find", record)
    assert code == 0 and out.strip() == trial_id
    code, _, err = run(capsys, "--db", str(db_path), "study-id", "--find", "SNOSUCH22-1")
    assert code == 2 and "No trial in this database" in err
