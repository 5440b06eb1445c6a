"""``trialapp qi ...`` run in-process through main(): import, export, summary --json (the exact shape of the
issue), report, follow-up and the bundle commands."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers import file_digest
from tests.qi_synthetic import synthetic_csv
from trialapp.cli import main
from trialapp.domain import qi_bundle


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _import(capsys: pytest.CaptureFixture[str], db: Path, tmp_path: Path, count: int = 40) -> str:
    text, _ = synthetic_csv(count)
    source = tmp_path / "qi.csv"
    source.write_text(text, encoding="utf-8")
    code, out, err = run(capsys, "--db", str(db), "qi", "import", str(source))
    assert code == 0, err
    assert out.strip() == f"Imported {count} new procedure(s); 0 already on file, unchanged."
    return text


def test_import_export_round_trip(capsys: pytest.CaptureFixture[str], db_path: Path, tmp_path: Path) -> None:
    text = _import(capsys, db_path, tmp_path)
    out_file = tmp_path / "out.csv"
    assert run(capsys, "--db", str(db_path), "qi", "export", "--out", str(out_file))[0] == 0
    assert out_file.read_text(encoding="utf-8") == text
    code, out, _ = run(capsys, "--db", str(db_path), "qi", "import", str(out_file))
    assert code == 0 and "0 new procedure(s); 40 already on file" in out


def test_bad_csv_exits_2_and_changes_nothing(
    capsys: pytest.CaptureFixture[str], db_path: Path, tmp_path: Path
) -> None:
    _import(capsys, db_path, tmp_path, 5)
    before = file_digest(db_path)
    bad = tmp_path / "bad.csv"
    header = ",".join(
        [
            "procedure_id",
            "site",
            "date",
            "kind",
            "surgeon",
            *qi_bundle.example_bundle().codes,
            "ssi",
            "ssi_date",
            "organism",
        ]
    )
    blanks = "," * (len(qi_bundle.example_bundle().codes) - 1)
    bad.write_text(f"{header}\nX1,North,2025-02-30,implant,Dr A,{blanks},maybe,,\n", encoding="utf-8")
    code, out, err = run(capsys, "--db", str(db_path), "qi", "import", str(bad))
    assert code == 2 and out == ""
    assert "3 problem(s)" in err and "row 2, column date" in err and "row 2, column kind" in err
    assert "row 2, column ssi" in err and "database was not changed" in err
    assert file_digest(db_path) == before
    latin1 = tmp_path / "latin1.csv"
    latin1.write_bytes(f"{header}\n".encode() + "X2,Bogotá,2025-01-01".encode("latin-1"))
    code, _, err = run(capsys, "--db", str(db_path), "qi", "import", str(latin1))
    assert code == 2 and "not UTF-8" in err


def test_summary_json_has_the_exact_shape(
    capsys: pytest.CaptureFixture[str], db_path: Path, tmp_path: Path
) -> None:
    _import(capsys, db_path, tmp_path)
    code, out, _ = run(capsys, "--db", str(db_path), "qi", "summary", "--as-of", "2026-03-31", "--json")
    assert code == 0
    data = json.loads(out)
    assert list(data) == ["procedures", "step_compliance", "full_compliance_pct", "ssi", "p_chart"]
    assert data["procedures"] == 40
    assert list(data["step_compliance"]) == list(qi_bundle.example_bundle().codes)
    assert all(v is None or round(v, 1) == v for v in data["step_compliance"].values())
    assert list(data["ssi"]) == ["count", "eligible", "rate_pct", "open_windows", "open_window_infections"]
    assert data["ssi"]["open_window_infections"] <= data["ssi"]["open_windows"]
    assert data["ssi"]["eligible"] + data["ssi"]["open_windows"] <= 40
    for point in data["p_chart"]:
        assert list(point) == ["period", "n", "ssi", "p", "ucl", "lcl"]
        assert point["period"][:4].isdigit() and point["period"][4:6] == "-Q"
        assert point["p"] == round(point["ssi"] / point["n"], 4)
        assert 0 <= point["lcl"] <= point["ucl"] <= 1
        assert round(point["ucl"], 4) == point["ucl"] and round(point["lcl"], 4) == point["lcl"]
    assert sum(p["n"] for p in data["p_chart"]) == data["ssi"]["eligible"]
    assert sum(p["ssi"] for p in data["p_chart"]) == data["ssi"]["count"]
    code, out, _ = run(
        capsys, "--db", str(db_path), "qi", "summary", "--as-of", "2026-03-31", "--json", "--period", "month"
    )
    assert all(len(p["period"]) == 7 and p["period"][4] == "-" for p in json.loads(out)["p_chart"])
    code, out, _ = run(capsys, "--db", str(db_path), "qi", "summary", "--as-of", "2026-03-31")
    assert code == 0 and "R11 step compliance" in out and "R12 90-day infections" in out


def test_summary_lists_infections_in_open_windows_apart(
    capsys: pytest.CaptureFixture[str], db_path: Path, tmp_path: Path
) -> None:
    """R12 revision 2: the rate counts closed windows only; an infection in an open window is listed apart."""
    source = tmp_path / "two.csv"
    codes = qi_bundle.example_bundle().codes
    blanks = "," * len(codes)
    source.write_text(
        ",".join(["procedure_id", "site", "date", "kind", "surgeon", *codes, "ssi", "ssi_date", "organism"])
        + f"\nP-OLD,North,2025-06-01,removal,Dr A{blanks},none,,\n"
        f"P-NEW,North,2026-01-02,removal,Dr A{blanks},culture_positive,2026-01-12,S. aureus\n",
        encoding="utf-8",
    )
    assert run(capsys, "--db", str(db_path), "qi", "import", str(source))[0] == 0
    code, out, _ = run(capsys, "--db", str(db_path), "qi", "summary", "--json", "--as-of", "2026-01-31")
    assert code == 0
    assert json.loads(out)["ssi"] == {
        "count": 0,
        "eligible": 1,
        "rate_pct": 0.0,
        "open_windows": 1,
        "open_window_infections": 1,
    }
    code, out, _ = run(capsys, "--db", str(db_path), "qi", "summary", "--as-of", "2026-01-31")
    assert "Infections in windows still open (not in the rate yet):" in out
    assert "P-NEW (surgery 2026-01-02): infection on day 10 (2026-01-12), S. aureus" in out


def test_summary_of_an_empty_programme(capsys: pytest.CaptureFixture[str], db_path: Path) -> None:
    code, out, _ = run(capsys, "--db", str(db_path), "qi", "summary", "--json", "--as-of", "2026-01-01")
    assert code == 0
    data = json.loads(out)
    assert data["procedures"] == 0 and data["full_compliance_pct"] is None and data["p_chart"] == []
    assert data["ssi"] == {
        "count": 0,
        "eligible": 0,
        "rate_pct": None,
        "open_windows": 0,
        "open_window_infections": 0,
    }


def test_bad_dates_and_periods_are_usage_errors(capsys: pytest.CaptureFixture[str], db_path: Path) -> None:
    with pytest.raises(SystemExit) as info:
        main(["--db", str(db_path), "qi", "summary", "--as-of", "31/03/2026"])
    assert info.value.code == 2 and "write YYYY-MM-DD" in capsys.readouterr().err
    with pytest.raises(SystemExit) as info:
        main(["--db", str(db_path), "qi", "summary", "--period", "week"])
    assert info.value.code == 2


def test_report_and_followup(capsys: pytest.CaptureFixture[str], db_path: Path, tmp_path: Path) -> None:
    _import(capsys, db_path, tmp_path, 20)
    out_file = tmp_path / "qi.pdf"
    code, _, err = run(
        capsys, "--db", str(db_path), "qi", "report", "--out", str(out_file), "--as-of", "2026-03-31"
    )
    assert code == 0 and out_file.read_bytes().startswith(b"%PDF") and "Wrote" in err
    code, _, err = run(capsys, "--db", str(db_path), "qi", "report", "--out", str(tmp_path / "no" / "x.pdf"))
    assert code == 2 and "does not exist" in err
    code, out, _ = run(capsys, "--db", str(db_path), "qi", "followup", "--as-of", "2026-03-31")
    assert code == 0 and "window closes" in out


def test_report_is_audited_and_a_failed_write_is_said_in_words(
    capsys: pytest.CaptureFixture[str], db_path: Path, tmp_path: Path
) -> None:
    from sqlalchemy import select

    from trialapp.services.context import open_app
    from trialapp.storage import models as m

    def prints() -> list[str | None]:
        app = open_app(db_path)
        try:
            with app.db.read() as s:
                rows = s.execute(
                    select(m.AuditEntry.new_value).where(
                        m.AuditEntry.action == "print", m.AuditEntry.table_name == "qi_procedures"
                    )
                )
                return list(rows.scalars())
        finally:
            app.close()

    _import(capsys, db_path, tmp_path, 10)
    out_file = tmp_path / "qi.pdf"
    argv = ["--db", str(db_path), "qi", "report", "--out", str(out_file), "--as-of", "2026-03-31"]
    assert run(capsys, *argv, "--site", "North")[0] == 0
    recorded = prints()
    assert len(recorded) == 1 and '"filter": "site North"' in (recorded[0] or "")
    # The file cannot be written (its temporary name is taken by a folder): said in words, nothing recorded.
    blocked = tmp_path / "blocked.pdf"
    (tmp_path / "blocked.pdf.partial").mkdir()
    code, _, err = run(capsys, "--db", str(db_path), "qi", "report", "--out", str(blocked))
    assert code == 2 and f"Cannot write '{blocked}'" in err and "choose another --out" in err
    assert not blocked.exists() and len(prints()) == 1


def test_bundle_show_edit_import(capsys: pytest.CaptureFixture[str], db_path: Path, tmp_path: Path) -> None:
    code, out, _ = run(capsys, "--db", str(db_path), "qi", "bundle", "show", "--json")
    assert code == 0
    data = json.loads(out)
    assert qi_bundle.bundle_from_dict(data) == qi_bundle.example_bundle()
    data["phases"][0]["steps"][0]["text"] = "Cefazolin within 60 minutes before incision"
    edited = tmp_path / "bundle.json"
    edited.write_text(json.dumps(data), encoding="utf-8")
    code, out, err = run(
        capsys,
        "--db",
        str(db_path),
        "qi",
        "bundle",
        "import",
        str(edited),
        "--effective",
        "2026-01-01",
        "--note",
        "timing",
    )
    assert code == 0, err
    assert "Saved bundle version 2 (10 steps), in force from 2026-01-01" in out
    code, out, _ = run(capsys, "--db", str(db_path), "qi", "bundle", "show")
    assert "Bundle version 2, in force from 2026-01-01" in out and "within 60 minutes" in out
    assert "1 (in force from the start), 2 (in force from 2026-01-01)" in out
    code, out, _ = run(capsys, "--db", str(db_path), "qi", "bundle", "show", "--version", "1", "--json")
    assert json.loads(out) == qi_bundle.bundle_to_dict(qi_bundle.example_bundle())
    code, _, err = run(capsys, "--db", str(db_path), "qi", "bundle", "show", "--version", "7")
    assert code == 2 and "no bundle version 7" in err
    # the same file again: nothing to save; a broken file: every problem listed
    code, _, err = run(
        capsys, "--db", str(db_path), "qi", "bundle", "import", str(edited), "--effective", "2026-02-01"
    )
    assert code == 2 and "same as version 2" in err
    data["phases"][0]["steps"][0]["code"] = "Bad Code"
    data["phases"][1]["steps"][0]["applies_to"] = ["everything"]
    edited.write_text(json.dumps(data), encoding="utf-8")
    code, _, err = run(capsys, "--db", str(db_path), "qi", "bundle", "import", str(edited))
    assert code == 2 and "'Bad Code' is not a step code" in err and "applies_to must list" in err
