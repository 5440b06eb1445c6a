"""The benchmark tools themselves: the synthetic database is reproducible, valid and what it claims, and the
harness's statistics and pass rules are right. (Benchmarks are never timed in tests.)"""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest

from benchmarks import make_db
from benchmarks.run import absolute_result, p95, ratio_result

TABLES = ("patients", "trials", "trial_days", "assessments", "mas_grades", "doses", "decisions")


def _contents(path: Path) -> dict[str, str]:
    """A digest of each table's rows (ids included), independent of the file's page layout."""
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        out = {}
        for table in TABLES:
            digest = hashlib.sha256()
            for row in con.execute(f"SELECT * FROM {table} ORDER BY id"):  # fixed table names
                digest.update(repr(row).encode())
            out[table] = digest.hexdigest()
        return out
    finally:
        con.close()


@pytest.fixture(scope="module")
def small_db(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, make_db.BuildReport]:
    out = tmp_path_factory.mktemp("bench") / "small.sqlite"
    report = make_db.build(out, seed=7, n_patients=120, log=lambda *_: None)
    return out, report


def test_synthetic_database_has_what_the_report_says(small_db: tuple[Path, make_db.BuildReport]) -> None:
    path, report = small_db
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        assert con.execute("SELECT count(*) FROM patients").fetchone()[0] == report.patients == 120
        assert con.execute("SELECT count(*) FROM trials").fetchone()[0] == report.trials
        assert report.trials >= report.patients  # a quarter of the children have a second trial
        graded = con.execute("SELECT count(*) FROM mas_grades").fetchone()[0]
        assert report.observations["mas_grades"] == graded > 0
        marked = con.execute("SELECT count(*) FROM patients WHERE diagnosis LIKE '%synthetic%'").fetchone()[0]
        assert marked == 120  # every row says it is synthetic
    finally:
        con.close()
    assert set(make_db.named_trials(path)) == {"full_3day", "focused_3day", "active_3day"}


def test_synthetic_database_is_reproducible_from_its_seed(
    small_db: tuple[Path, make_db.BuildReport], tmp_path: Path
) -> None:
    path, _report = small_db
    again = make_db.build(tmp_path / "again.sqlite", seed=7, n_patients=120, log=lambda *_: None)
    other = make_db.build(tmp_path / "other.sqlite", seed=8, n_patients=120, log=lambda *_: None)
    assert _contents(again.path) == _contents(path)
    assert _contents(other.path)["assessments"] != _contents(path)["assessments"]


def test_synthetic_database_passes_the_apps_check(
    small_db: tuple[Path, make_db.BuildReport], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from trialapp.services.context import open_app
    from trialapp.services.integrity import check

    path, _report = small_db
    copy = tmp_path / "copy.sqlite"
    copy.write_bytes(path.read_bytes())
    home = tmp_path / "home"
    make_db.install_key(home)
    monkeypatch.setenv("TRIALAPP_HOME", str(home))
    app = open_app(copy)
    try:
        report = check(app)
    finally:
        app.close()
    assert report.ok, report.problems
    assert report.audit_rows > 120


def test_p95_is_the_nearest_rank() -> None:
    assert p95([float(x) for x in range(1, 21)]) == 19.0  # the 19th of 20
    assert p95([5.0, 1.0, 3.0]) == 5.0
    assert p95([2.0]) == 2.0


def test_ratio_budgets_compare_medians_and_absolute_budgets_the_p95() -> None:
    ratio = ratio_result("start", [10.0, 12.0, 30.0], [5.0, 6.0, 7.0], 2.0)
    assert ratio.ratio == 2.0 and ratio.passed
    assert not ratio_result("start", [13.0, 13.0, 13.0], [6.0, 6.0, 6.0], 2.0).passed
    absolute = absolute_result("search", [10.0] * 19 + [100.0], [1.0] * 20, 30.0)
    assert absolute.p95 == 10.0 and absolute.passed  # one slow run of 20 is not the p95
    assert not absolute_result("search", [10.0] * 18 + [40.0, 40.0], [1.0] * 20, 30.0).passed
    entry = absolute.as_json()
    assert set(entry) == {"name", "median", "p95", "unit", "baseline", "ratio", "budget", "pass"}
