"""``trialapp review``: the R15 figures as JSON and CSV with the filters as options, and the PDF (no
identifiers unless --identified, which is audited). Run in-process through main()."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import pytest
from pypdf import PdfReader

from trialapp.cli import main
from trialapp.services.demo import demo_files, demo_text


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def trial_ids(capsys, db_path: Path, tmp_path: Path) -> list[str]:
    ids = []
    for name in demo_files():
        source = tmp_path / name
        source.write_text(demo_text(name), encoding="utf-8")
        code, out, _ = run(capsys, "--db", str(db_path), "import", str(source))
        assert code == 0
        ids.append(out.strip().splitlines()[-1])
    return ids


def test_review_json_on_the_demo(capsys, db_path, trial_ids) -> None:
    code, out, err = run(capsys, "--db", str(db_path), "review", "--json")
    assert code == 0
    assert "Computed the results of 3 trial(s) new or changed since the last review (kept" in err
    data = json.loads(out)
    assert list(data)[:7] == [
        "trials",
        "days",
        "by_dose",
        "first_responsive_dose",
        "significant_ae_by_dose",
        "pump_dose_vs_r6",
        "outcomes",
    ]
    assert (data["trials"], data["days"]) == (3, 9)
    assert data["by_dose"][1] == {
        "dose_mcg": 50,
        "days": 3,
        "responders": 1,
        "proportion": 0.3333,
        "ci95": [0.0615, 0.7923],
    }
    assert data["first_responsive_dose"] == {"25": 0, "50": 1, "75": 1, "100": 0, "none": 1}
    code, again, err = run(capsys, "--db", str(db_path), "review", "--json")
    assert (code, again, err) == (0, out, "")  # the kept results, the same figures


def test_filters_as_options(capsys, db_path, trial_ids) -> None:
    _code, out, _ = run(capsys, "--db", str(db_path), "review", "--ladder", "small_child")
    assert (json.loads(out)["trials"], json.loads(out)["days"]) == (1, 3)
    _code, out, _ = run(capsys, "--db", str(db_path), "review", "--from", "2026-11-01", "--to", "2026-11-30")
    assert json.loads(out)["trials"] == 1
    _code, out, _ = run(capsys, "--db", str(db_path), "review", "--outcome", "not_candidate", "--gmfcs", "3")
    assert json.loads(out)["first_responsive_dose"] == {"50": 0, "75": 0, "100": 0, "none": 1}
    _code, out, _ = run(capsys, "--db", str(db_path), "review", "--age-band", "under_4")
    assert json.loads(out)["trials"] == 1
    code, _out, err = run(capsys, "--db", str(db_path), "review", "--from", "2026-13-01")
    assert code != 0 and "is not a date" in err


def test_review_csv_to_a_file_refuses_to_overwrite(capsys, db_path, trial_ids, tmp_path) -> None:
    target = tmp_path / "review.csv"
    code, _out, _err = run(capsys, "--db", str(db_path), "review", "--csv", "--out", str(target))
    assert code == 0
    lines = target.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "section,key,days,count,proportion,ci95_low,ci95_high"
    assert "responders_by_dose,75,3,2,0.6667,0.2077,0.9385" in lines
    code, _out, err = run(capsys, "--db", str(db_path), "review", "--csv", "--out", str(target))
    assert code != 0 and "already exists" in err
    code, _out, _err = run(capsys, "--db", str(db_path), "review", "--csv", "--out", str(target), "--force")
    assert code == 0


def _audit_actions(db_path: Path) -> list[str]:
    con = sqlite3.connect(db_path)
    try:
        return [row[0] for row in con.execute("SELECT action FROM audit_log ORDER BY id")]
    finally:
        con.close()


def test_pdf_without_identifiers_unless_asked(capsys, db_path, trial_ids, tmp_path) -> None:
    # A fourth trial, signed at 100 mcg/day where R6 gives 150: it differs, so the identified print lists it.
    data = json.loads(demo_text("demo_responder.json"))
    data["patient"]["mrn"] = "DEMO-0004"
    data["trial"]["decision"]["initial_daily_dose_mcg"] = 100
    data["trial"]["decision"]["rationale"] = "Started lower because of a synthetic reason."
    source = tmp_path / "differs.json"
    source.write_text(json.dumps(data), encoding="utf-8")
    code, out, _ = run(capsys, "--db", str(db_path), "import", str(source))
    differs = out.strip().splitlines()[-1]
    plain = tmp_path / "review.pdf"
    code, _out, _err = run(capsys, "--db", str(db_path), "review", "--pdf", str(plain))
    assert code == 0
    text = "".join(page.extract_text() for page in PdfReader(plain).pages)
    assert "Responders by dose" in text and "1 of 4 (25 %, 95 % CI 5–70 %)" in text
    for trial_id in [*trial_ids, differs]:
        assert trial_id not in text
    assert "synthetic reason" not in text
    assert not re.findall(r"\bR\d{1,2}\b|RULES\.md", text)  # a meeting reads words, not rule numbers
    for word in ("DEMO-", "Alex", "Sam", "Mia"):
        assert word not in text
    assert "print_review" not in _audit_actions(db_path)

    named = tmp_path / "review-identified.pdf"
    code, _out, err = run(capsys, "--db", str(db_path), "review", "--pdf", str(named), "--identified")
    assert code == 0 and "audited" in err
    text = " ".join(" ".join(page.extract_text().split()) for page in PdfReader(named).pages)
    assert differs in text and "Started lower because of a synthetic reason." in text
    assert not any(trial_id in text for trial_id in trial_ids)  # the others agree with R6
    assert _audit_actions(db_path)[-1] == "print_review"


def test_identified_needs_the_pdf(capsys, db_path, trial_ids) -> None:
    code, _out, err = run(capsys, "--db", str(db_path), "review", "--json", "--identified")
    assert code != 0 and "for the PDF only" in err
