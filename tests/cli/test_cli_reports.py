"""`trialapp report` and `trialapp settings` from the command line."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from pypdf import PdfReader

from trialapp.cli import main


@pytest.fixture
def loaded(db_path: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, str]:
    assert main(["--db", str(db_path), "demo"]) == 0
    capsys.readouterr()
    assert main(["--db", str(db_path), "list", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    return {row["mrn"]: row["trial_id"] for row in rows}


def _text(path: Path) -> str:
    reader = PdfReader(io.BytesIO(path.read_bytes()))
    return " ".join(" ".join((p.extract_text() or "").split()) for p in reader.pages)


def test_report_writes_family_and_clinical_pdfs(
    db_path: Path, tmp_path: Path, loaded: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    family = tmp_path / "family.pdf"
    code = main(
        ["--db", str(db_path), "report", loaded["DEMO-0002"], "--kind", "family", "--out", str(family)]
    )
    assert code == 0
    assert "La prueba de baclofeno de Sam" in _text(family)  # Spanish: the family's language
    english = tmp_path / "family-en.pdf"
    assert (
        main(
            [
                "--db",
                str(db_path),
                "report",
                loaded["DEMO-0002"],
                "--kind",
                "family",
                "--lang",
                "en",
                "--out",
                str(english),
            ]
        )
        == 0
    )
    assert "Sam's baclofen trial" in _text(english)

    clinical = tmp_path / "clinical.pdf"
    assert (
        main(
            [
                "--db",
                str(db_path),
                "report",
                loaded["DEMO-0001"],
                "--kind",
                "clinical",
                "--paper",
                "letter",
                "--out",
                str(clinical),
            ]
        )
        == 0
    )
    page = PdfReader(io.BytesIO(clinical.read_bytes())).pages[0]
    assert (float(page.mediabox.width), float(page.mediabox.height)) == (612, 792)
    capsys.readouterr()
    assert main(["--db", str(db_path), "check"]) == 0
    head = capsys.readouterr().out.strip().splitlines()[-1]
    assert f"Audit chain head: {head}" in _text(clinical)
    assert not list(tmp_path.glob("*.partial"))


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--kind", "summary"], "Unknown summary 'summary'"),
        (["--kind", "family", "--lang", "fr"], "No family summary in 'fr'"),
        (["--kind", "family", "--paper", "A3"], "Unknown paper size 'A3'"),
    ],
)
def test_bad_choices_exit_2_and_write_nothing(
    db_path: Path,
    tmp_path: Path,
    loaded: dict[str, str],
    capsys: pytest.CaptureFixture[str],
    extra: list[str],
    message: str,
) -> None:
    out = tmp_path / "x.pdf"
    capsys.readouterr()
    assert main(["--db", str(db_path), "check"]) == 0
    head_before = capsys.readouterr().out.strip().splitlines()[-1]
    code = main(["--db", str(db_path), "report", loaded["DEMO-0001"], *extra, "--out", str(out)])
    assert code == 2
    assert message in capsys.readouterr().err
    assert not out.exists()
    assert main(["--db", str(db_path), "check"]) == 0
    assert capsys.readouterr().out.strip().splitlines()[-1] == head_before  # no print was audited


def test_missing_folder_and_unknown_trial_exit_2(
    db_path: Path, tmp_path: Path, loaded: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert main(["--db", str(db_path), "check"]) == 0
    head_before = capsys.readouterr().out.strip().splitlines()[-1]
    missing = tmp_path / "nowhere" / "x.pdf"
    assert (
        main(["--db", str(db_path), "report", loaded["DEMO-0001"], "--kind", "family", "--out", str(missing)])
        == 2
    )
    assert "does not exist" in capsys.readouterr().err
    assert (
        main(
            ["--db", str(db_path), "report", "TZZZZZZZ", "--kind", "family", "--out", str(tmp_path / "y.pdf")]
        )
        == 2
    )
    assert "no trial with id" in capsys.readouterr().err
    assert (
        main(
            [
                "--db",
                str(db_path),
                "report",
                loaded["DEMO-0001"],
                "--kind",
                "family",
                "--out",
                str(tmp_path / "y.txt"),
            ]
        )
        == 2
    )
    assert "does not end in .pdf" in capsys.readouterr().err
    assert not (tmp_path / "y.txt").exists()
    # None of these printed anything, so none was audited.
    assert main(["--db", str(db_path), "check"]) == 0
    assert capsys.readouterr().out.strip().splitlines()[-1] == head_before


def test_settings_show_set_and_clear(
    db_path: Path,
    tmp_path: Path,
    loaded: dict[str, str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TRIALAPP_PASSWORD", "demo-admin-2026")
    capsys.readouterr()
    assert main(["--db", str(db_path), "settings", "show"]) == 0
    shown = capsys.readouterr().out
    assert "clinic_phone" in shown and "(not set)" in shown
    assert main(["--db", str(db_path), "--user", "demo.admin", "settings", "set", "clinic_phone", "+1 (555) 010-4477"]) == 0
    assert "+1 (555) 010-4477" in capsys.readouterr().out
    assert main(["--db", str(db_path), "--user", "demo.admin", "settings", "set", "clinic_phone", "ring the ward"]) == 2
    assert "is not a phone number" in capsys.readouterr().err
    assert main(["--db", str(db_path), "--user", "demo.admin", "settings", "set", "fax", "123"]) == 2
    assert "no site setting 'fax'" in capsys.readouterr().err

    out = tmp_path / "family.pdf"
    assert (
        main(["--db", str(db_path), "report", loaded["DEMO-0001"], "--kind", "family", "--out", str(out)])
        == 0
    )
    assert "Clinic phone: +1 (555) 010-4477" in _text(out)

    assert main(["--db", str(db_path), "--user", "demo.admin", "settings", "clear", "clinic_phone"]) == 0
    capsys.readouterr()
    assert main(["--db", str(db_path), "settings", "show"]) == 0
    assert "clinic_phone      (not set)" in capsys.readouterr().out
