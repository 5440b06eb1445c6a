"""The benchmark harness: each budget of DESIGN.md "Performance budgets", against a same-run baseline.

Usage: ``python -m benchmarks.run [--db benchmarks/large.sqlite] [--runs N] [--warmup N] [--scaling]``
(``make bench`` builds the database once and runs this with ``--scaling``).

Every operation is run ``--warmup`` times untimed, then ``--runs`` times timed; the result gives the
median and the 95th percentile (nearest rank). Each budget has a baseline measured in the same run, on
the same machine, interleaved with the measured runs where that matters (the machine is shared):

| budget | measured | baseline |
|---|---|---|
| cold start ≤ 2 × | ``trialapp gui --exit-after-ready``, whole process | ``bare_window.py``, whole process |
| (informational) until sign-in is possible | ``trialapp gui --exit-after-database``, whole process | the same bare window runs |
| search ≤ 30 ms p95 | one keystroke: ``services.trials.list_trials`` as the home screen calls it, and the home view's model and table updated | the same query in raw ``sqlite3`` |
| open a 3-day trial ≤ 150 ms | ``load_document`` + summary + every chart's series (+ the workspace widget with its chart) | the same rows read with raw ``sqlite3`` |
| save an assessment ≤ 3 × | ``services.assessments.record_assessment`` (validated, audited, durable) | raw ``sqlite3`` insert-and-commit of the same rows, same PRAGMAs |
| PDFs ≤ 0.5 s / 1.0 s | ``services.reports.render_report`` family / clinical | a one-page reportlab PDF |
| memory ≤ 300 MB | peak RSS of a process that opens the database, searches, opens a trial with charts, prints both PDFs | peak RSS of the bare window |

Ratio budgets pass on median / median (both measured interleaved); absolute budgets pass on the p95.
Informational rows have no budget: printed in the table, left out of ``results.json`` and of the exit code.
With ``--scaling`` the search and trial-opening rows also run on 1,000 and 5,000 patients (judged on their
budgets), and issue 22's rows too (informational: how each grows; their budgets are judged at 20,000).

The harness works on a temporary copy of the database (writes and the daily backup stay there) with a
temporary ``TRIALAPP_HOME`` holding the benchmark audit key. Child processes run with byte-code caching
(``PYTHONDONTWRITEBYTECODE`` removed, a temporary ``PYTHONPYCACHEPREFIX``), as an installed app would.
Results: ``benchmarks/results.json`` and a table on stdout. Never part of the tests.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import math
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from benchmarks import round2_bench as round2
from benchmarks.peak import peak_rss_mb
from benchmarks.review_bench import bench_review

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DEFAULT_DB = HERE / "large.sqlite"
RESULTS = HERE / "results.json"
SCALES = (1_000, 5_000)

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


# ------------------------------------------------------------------------------------------ statistics


def delete_now(obj: Any) -> None:
    """Delete a widget a row is done with, now. ``deleteLater()`` outside any running event loop (the harness
    only calls ``processEvents()``) is kept by Qt until the first event loop runs: a modal dialog's ``exec()``
    in a later row, whose first turn then deleted every window, workspace and dialog of the earlier rows (the
    first print dialog of the stall session: 104-148 ms, only when the dose row ran before it)."""
    from PySide6.QtCore import QCoreApplication, QEvent

    obj.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def p95(values: Sequence[float]) -> float:
    """95th percentile, nearest rank (with few runs this is the largest but one or the largest)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


@dataclass
class Result:
    name: str
    median: float
    p95: float
    unit: str
    baseline: float
    ratio: float
    budget: float
    passed: bool
    kind: str  # "ratio" (budget is a multiple of the baseline) or "absolute" (budget in `unit`, on p95)
    note: str = ""
    informational: bool = False  # no budget: shown in the table only

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "median": round(self.median, 2),
            "p95": round(self.p95, 2),
            "unit": self.unit,
            "baseline": round(self.baseline, 2),
            "ratio": round(self.ratio, 2),
            "budget": self.budget,
            "pass": self.passed,
        }


def ratio_result(
    name: str, values: Sequence[float], base: Sequence[float], budget: float, unit: str = "ms"
) -> Result:
    median, base_median = statistics.median(values), statistics.median(base)
    ratio = median / base_median
    return Result(name, median, p95(values), unit, base_median, ratio, budget, ratio <= budget, "ratio")


def floor_result(name: str, values: Sequence[float], base: Sequence[float]) -> Result:
    """An informational row: the least the chosen stack (or a promise of issue 18) costs, against the same baseline
    as the budgeted row it stands beside (benchmarks/README.md, "Floors")."""
    return replace(ratio_result(f"floor: {name}", values, base, math.inf), informational=True)


def absolute_result(
    name: str, values: Sequence[float], base: Sequence[float], budget: float, unit: str = "ms", note: str = ""
) -> Result:
    median, base_median = statistics.median(values), statistics.median(base)
    high = p95(values)
    return Result(
        name, median, high, unit, base_median, median / base_median, budget, high <= budget, "absolute", note
    )


def timed(fn: Callable[[], Any]) -> float:
    started = time.perf_counter()
    fn()
    return (time.perf_counter() - started) * 1000


def repeat(fn: Callable[[], Any], runs: int, warmup: int) -> list[float]:
    for _ in range(warmup):
        fn()
    return [timed(fn) for _ in range(runs)]


def interleave(
    a: Callable[[], Any], b: Callable[[], Any], runs: int, warmup: int
) -> tuple[list[float], list[float]]:
    """Run ``a`` and ``b`` alternately so that both see the same share of the machine's load."""
    for _ in range(warmup):
        a()
        b()
    xs: list[float] = []
    ys: list[float] = []
    for i in range(runs):
        if i % 2:
            ys.append(timed(b))
            xs.append(timed(a))
        else:
            xs.append(timed(a))
            ys.append(timed(b))
    return xs, ys


# ---------------------------------------------------------------------------------------- environment


@dataclass
class Workspace:
    """A temporary copy of the database and an app home with the benchmark audit key."""

    root: Path
    db: Path
    home: Path
    pycache: Path

    def child_env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.pop("PYTHONDONTWRITEBYTECODE", None)  # an installed app runs from compiled byte code
        env["PYTHONPYCACHEPREFIX"] = str(self.pycache)
        env["TRIALAPP_HOME"] = str(self.home)
        env["QT_QPA_PLATFORM"] = "offscreen"
        env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
        return env


def make_workspace(source: Path, parent: Path) -> Workspace:
    from benchmarks.make_db import install_key

    root = Path(tempfile.mkdtemp(prefix="trialapp-bench-", dir=parent))
    data = root / "data"
    data.mkdir()
    db = data / source.name
    shutil.copyfile(source, db)
    home = root / "home"
    install_key(home)
    return Workspace(root, db, home, root / "pycache")


def open_services(ws: Workspace) -> Any:
    os.environ["TRIALAPP_HOME"] = str(ws.home)
    from trialapp.services.context import open_app

    return open_app(ws.db)


def prepare(ws: Workspace) -> float:
    """The first opening (schema upgrade when the copy is older, and the day's verified backup): seconds."""
    started = time.perf_counter()
    app = open_services(ws)
    app.close()
    return time.perf_counter() - started


def load_note() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.1f} / {five:.1f} / {fifteen:.1f} on {os.cpu_count()} CPUs"


# ------------------------------------------------------------------------------------------- start-up


def run_process(cmd: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    done = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True, check=False)
    elapsed = (time.perf_counter() - started) * 1000
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return elapsed


def bench_startup(ws: Workspace, runs: int, warmup: int) -> Result:
    env = ws.child_env()
    bare = [sys.executable, str(HERE / "bare_window.py")]
    app = [sys.executable, "-m", "trialapp", "--db", str(ws.db), "gui", "--exit-after-ready"]
    xs, ys = interleave(lambda: run_process(app, env), lambda: run_process(bare, env), runs, warmup)
    return ratio_result("cold start to a usable main window (x bare PySide6 window)", xs, ys, 2.0)


def bench_startup_database(ws: Workspace, runs: int, warmup: int) -> Result:
    """The whole process until the database is open and signing in is possible (issue 22: ≤ 3 × bare).

    The window paints first and the database opens behind it (trialapp/ui/startup.py), so this is the time
    until "Sign in" is live: a sign-in pressed then is checked against the database at once. What the app
    does only after that point (reading the bundled fonts, loading the settings for the first sign-in) is
    left out by ``--exit-after-database``, as the day's backup is (already taken here: ``prepare``).
    Importing SQLAlchemy's ORM and the models alone costs about twice a bare window's whole process
    (docs/performance.md, "What changed (startup, round 2)").
    """
    env = ws.child_env()
    bare = [sys.executable, str(HERE / "bare_window.py")]
    app = [sys.executable, "-m", "trialapp", "--db", str(ws.db), "gui", "--exit-after-database"]
    xs, ys = interleave(lambda: run_process(app, env), lambda: run_process(bare, env), runs, warmup)
    return ratio_result("cold start until signing in is possible (x bare PySide6 window)", xs, ys, 3.0)


def bench_startup_floor(ws: Workspace, runs: int, warmup: int) -> Result:
    """Informational: the bare window that also imports ``sqlalchemy.orm`` (and nothing of the app), against
    the bare window: what the chosen stack costs any start that can check a password, before the app's work."""
    env = ws.child_env()
    bare = [sys.executable, str(HERE / "bare_window.py")]
    with_orm = [*bare, "--import-orm"]
    xs, ys = interleave(lambda: run_process(with_orm, env), lambda: run_process(bare, env), runs, warmup)
    return floor_result("the bare window importing sqlalchemy.orm (x bare PySide6 window)", xs, ys)


# --------------------------------------------------------------------------------------------- memory


def memory_probe(db: str, trial_id: str) -> int:
    """The session whose peak memory counts: open the database, search, open a trial, print both PDFs."""
    from PySide6.QtWidgets import QApplication, QWidget

    from trialapp.services.context import open_app, os_actor
    from trialapp.services.reports import render_report

    qt = QApplication(sys.argv[:1])
    app = open_app(db)
    actor = _clinician(app)
    window = QWidget()
    window.resize(1280, 720)
    window.show()
    home = _home_view(app, actor, window)
    for text in _keystrokes(app):
        if home is not None:
            home.search.setText(text)
            home.refresh()
        else:
            _service_search(app, actor, text)
        qt.processEvents()
    if _has_workspace():
        _open_trial_gui(app, actor, trial_id, window, qt)
    else:
        _open_trial_service(app, actor, trial_id)
    for kind in ("family", "clinical"):
        if not render_report(app, os_actor(), trial_id, kind).startswith(b"%PDF"):
            raise SystemExit(f"the {kind} summary is not a PDF")
    app.close()
    print(f"peak_rss_mb={peak_rss_mb():.1f}")
    return 0


def _rss_of(cmd: list[str], env: dict[str, str]) -> float:
    done = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    for line in done.stdout.splitlines():
        if line.startswith("peak_rss_mb="):
            return float(line.split("=", 1)[1])
    raise SystemExit(f"{' '.join(cmd)} did not report its memory:\n{done.stdout[-2000:]}")


def bench_memory(ws: Workspace, trial_id: str, runs: int) -> Result:
    env = ws.child_env()
    probe = [sys.executable, "-m", "benchmarks.run", "--memory-probe", str(ws.db), trial_id]
    bare = [sys.executable, str(HERE / "bare_window.py"), "--report-rss"]
    values: list[float] = []
    base: list[float] = []
    for _ in range(runs):
        values.append(_rss_of(probe, env))
        base.append(_rss_of(bare, env))
    return absolute_result("peak memory with the large database", values, base, 300.0, unit="MB")


# --------------------------------------------------------------------------------------------- search


def _clinician(app: Any) -> Any:
    """The synthetic PT, signed in (the services trust only sessions issued at sign-in); created if missing."""
    from trialapp.services import users
    from trialapp.services.context import os_actor

    if "syn.pt.adams" not in {u.username for u in users.list_users(app)}:
        users.add_user(app, os_actor(), "syn.pt.adams", "pt", "Pat Adams (synthetic)", "bench-pt-2026")
    return users.authenticate(app, "syn.pt.adams", "bench-pt-2026")


def _keystrokes(app: Any) -> list[str]:
    """What a clinician types: a family name, a given and family name, a record number, a typo, clearing."""
    from sqlalchemy import select

    from trialapp.storage import models as m

    with app.db.read() as s:
        newest = s.execute(
            select(m.PatientRow.given_name, m.PatientRow.family_name, m.PatientRow.mrn)
            .join(m.TrialRow, m.TrialRow.patient_id == m.PatientRow.id)
            .order_by(m.TrialRow.id.desc())
            .limit(1)
        ).one()
        oldest = s.execute(select(m.PatientRow.mrn).order_by(m.PatientRow.id).limit(1)).scalar_one()
    given, family, mrn = newest
    words = [family.lower(), f"{given.lower()} {family.lower()[:3]}", oldest.lower(), mrn.lower(), "zqx"]
    strokes: list[str] = []
    for word in words:
        strokes += [word[:i] for i in range(1, len(word) + 1)]
        strokes.append("")  # the search box cleared: the whole list again
    return strokes


def _service_search(app: Any, actor: Any, text: str) -> Any:
    from trialapp.services.trials import list_trials

    # As the home screen asks: one page plus one row (to know whether there are more).
    return list_trials(app, actor, search=text or None, state=None, limit=_page() + 1)


def _page() -> int:
    if importlib.util.find_spec("trialapp.ui.views.home") is not None:
        from trialapp.ui.views.home import PAGE

        return int(PAGE)
    return 200


RAW_SEARCH = """
SELECT t.public_id, t.state, t.started_on, p.mrn, p.given_name, p.family_name, p.birth_date,
       (SELECT count(*) FROM trial_days d WHERE d.trial_id = t.id), dc.outcome
FROM trials t JOIN patients p ON p.id = t.patient_id LEFT JOIN decisions dc ON dc.trial_id = t.id
WHERE ? = '' OR p.search_key LIKE '%' || ? || '%' ESCAPE '/'
ORDER BY t.started_on DESC, t.id DESC LIMIT ?
"""


def bench_search(app: Any, db: Path, runs: int, warmup: int, label: str = "") -> list[Result]:
    actor = _clinician(app)
    strokes = _keystrokes(app)
    raw = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    limit = _page() + 1

    def raw_search(text: str) -> None:
        needle = text.replace("/", "//").replace("%", "/%").replace("_", "/_")
        raw.execute(RAW_SEARCH, (text, needle, limit)).fetchall()

    service: list[float] = []
    base: list[float] = []
    for run in range(warmup + runs):
        for text in strokes:
            t_service = timed(lambda text=text: _service_search(app, actor, text))
            t_raw = timed(lambda text=text: raw_search(text))
            if run >= warmup:
                service.append(t_service)
                base.append(t_raw)
    raw.close()
    suffix = f" ({label})" if label else ""
    results = [
        absolute_result(
            f"patient search, one keystroke: list_trials{suffix}",
            service,
            base,
            30.0,
            note=f"{len(strokes)} keystrokes x {runs} runs",
        )
    ]
    if label:
        return results
    home_times = bench_search_home(app, actor, strokes, runs, warmup)
    if home_times is not None:
        results.append(
            absolute_result(
                "patient search, one keystroke: home view list updated",
                home_times,
                base,
                30.0,
                note="query + model reset + table repaint; the 60 ms typing pause is not counted",
            )
        )
    return results


def _home_view(app: Any, actor: Any, parent: Any) -> Any:
    if importlib.util.find_spec("trialapp.ui.views.home") is None:
        return None
    from trialapp.ui.views.home import HomeView

    home = HomeView(app, actor, parent)
    home.resize(1280, 720)
    home.show()
    return home


def bench_search_home(app: Any, actor: Any, strokes: list[str], runs: int, warmup: int) -> list[float] | None:
    from PySide6.QtWidgets import QApplication

    qt = QApplication.instance() or QApplication(sys.argv[:1])
    home = _home_view(app, actor, None)
    if home is None:
        return None
    qt.processEvents()
    times: list[float] = []

    def keystroke(text: str) -> None:
        home.search.setText(text)
        home.refresh()  # what the typing pause's timer calls
        home.table.viewport().repaint()

    for run in range(warmup + runs):
        for text in strokes:
            t = timed(lambda text=text: keystroke(text))
            if run >= warmup:
                times.append(t)
    home.close()
    delete_now(home)
    qt.processEvents()
    return times


# ----------------------------------------------------------------------------------------- open trial


CHARTS = ("tone", "muscles", "rom", "vitals", "dose-response")


def _open_trial_service(app: Any, actor: Any, trial_id: str) -> None:
    from trialapp.domain.chart_series import build_chart
    from trialapp.domain.summary import summarize_trial
    from trialapp.services.trials import load_document

    doc = load_document(app, actor, trial_id)
    summarize_trial(doc.trial)
    for kind in CHARTS:
        build_chart(doc, kind)


def _has_workspace() -> bool:
    return importlib.util.find_spec("trialapp.ui.workspace") is not None


def _open_trial_gui(app: Any, actor: Any, trial_id: str, parent: Any, qt: Any) -> None:
    from trialapp.ui.workspace import TrialWorkspace

    widget = TrialWorkspace(app, actor, trial_id, parent=parent)
    widget.resize(1280, 720)
    widget.show()
    widget.ensure_chart()
    qt.processEvents()
    widget.repaint()
    widget.closing()
    widget.hide()
    delete_now(widget)
    qt.processEvents()


RAW_TRIAL = (
    "SELECT * FROM trials t JOIN patients p ON p.id = t.patient_id WHERE t.public_id = ?",
    "SELECT * FROM goals WHERE trial_id = ? ORDER BY position",
    "SELECT * FROM trial_days WHERE trial_id = ? ORDER BY day_number",
    "SELECT a.* FROM assessments a JOIN trial_days d ON d.id = a.day_id WHERE d.trial_id = ? ORDER BY a.at, a.id",
    "SELECT g.* FROM mas_grades g JOIN assessments a ON a.id = g.assessment_id JOIN trial_days d ON d.id = a.day_id "
    "WHERE d.trial_id = ? ORDER BY g.assessment_id, g.position",
    "SELECT x.* FROM tardieu_measures x JOIN assessments a ON a.id = x.assessment_id JOIN trial_days d ON d.id = a.day_id "
    "WHERE d.trial_id = ? ORDER BY x.assessment_id, x.position",
    "SELECT x.* FROM rom_measures x JOIN assessments a ON a.id = x.assessment_id JOIN trial_days d ON d.id = a.day_id "
    "WHERE d.trial_id = ? ORDER BY x.assessment_id, x.position",
    "SELECT x.* FROM goal_scores x JOIN assessments a ON a.id = x.assessment_id JOIN trial_days d ON d.id = a.day_id "
    "WHERE d.trial_id = ? ORDER BY x.assessment_id, x.position",
    "SELECT x.* FROM doses x JOIN trial_days d ON d.id = x.day_id WHERE d.trial_id = ? ORDER BY x.given_at",
    "SELECT x.* FROM adverse_events x JOIN trial_days d ON d.id = x.day_id WHERE d.trial_id = ?",
    "SELECT x.* FROM day_plans x JOIN trial_days d ON d.id = x.day_id WHERE d.trial_id = ?",
    "SELECT * FROM decisions WHERE trial_id = ?",
)


def _raw_trial(raw: sqlite3.Connection, trial_id: str) -> None:
    row = raw.execute(RAW_TRIAL[0], (trial_id,)).fetchone()
    pk = row[0]
    for sql in RAW_TRIAL[1:]:
        raw.execute(sql, (pk,)).fetchall()


def bench_open_trial(
    app: Any, db: Path, trial_id: str, runs: int, warmup: int, label: str = ""
) -> list[Result]:
    actor = _clinician(app)
    raw = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    xs, base = interleave(
        lambda: _open_trial_service(app, actor, trial_id), lambda: _raw_trial(raw, trial_id), runs, warmup
    )
    suffix = f" ({label})" if label else ""
    results = [
        absolute_result(f"open a 3-day trial: records, summary and chart series{suffix}", xs, base, 150.0)
    ]
    if not label and _has_workspace():
        from PySide6.QtWidgets import QApplication, QWidget

        qt = QApplication.instance() or QApplication(sys.argv[:1])
        holder = QWidget()
        holder.resize(1280, 720)
        holder.show()
        qt.processEvents()
        gui = repeat(lambda: _open_trial_gui(app, actor, trial_id, holder, qt), runs, warmup)
        holder.close()
        results.append(
            absolute_result(
                "open a 3-day trial: workspace with its chart, painted",
                gui,
                base,
                150.0,
                note="TrialWorkspace + ensure_chart + paint",
            )
        )
    raw.close()
    return results


# -------------------------------------------------------------------------------------- save assessment


def _full_assessment(doc: Any, day: int, at: datetime) -> Any:
    """A complete reassessment: 16 lower-limb MAS grades, Tardieu, ROM, function, vitals, pain, goals."""
    from trialapp.domain import records as r
    from trialapp.domain.muscles import LOWER_MUSCLES

    grades = ("1", "1+", "2", "1+")
    return r.Assessment(
        kind="reassessment",
        at=at,
        assessor="syn.pt.adams",
        mas=tuple(
            r.MasEntry(mu, side, grades[(i + j) % len(grades)])
            for i, mu in enumerate(LOWER_MUSCLES)
            for j, side in enumerate(("left", "right"))
        ),
        tardieu=(
            r.TardieuEntry("knee_flexors", "left", 115, 150, 2),
            r.TardieuEntry("knee_flexors", "right", 120, 150, 2),
            r.TardieuEntry("ankle_plantarflexors_gastrocnemius", "left", -10, 5, 3),
            r.TardieuEntry("ankle_plantarflexors_gastrocnemius", "right", -10, 10, 3),
        ),
        rom=(
            r.RomEntry("popliteal_angle", "left", 55),
            r.RomEntry("popliteal_angle", "right", 50),
            r.RomEntry("ankle_dorsiflexion_knee_extended", "left", 0),
            r.RomEntry("ankle_dorsiflexion_knee_extended", "right", 5),
            r.RomEntry("hip_abduction_flexed", "left", 30),
            r.RomEntry("hip_abduction_flexed", "right", 30),
        ),
        function=r.Function(fms_5m="2", fms_50m="1", fms_500m="1", gait_notes="Synthetic."),
        pain=r.Pain("flacc", 0),
        sedation_umss=0,
        vitals=r.Vitals(hr=98, rr=20, spo2=98, sbp=104, dbp=64, temp_c=36.8),
        goals=tuple(r.GoalScore(g.id, 0) for g in doc.trial.goals),
        notes="Synthetic benchmark reassessment.",
    )


RAW_AUDIT_COLUMNS = "at_utc, actor, action, table_name, row_id, new_value, trial_id, prev_hash, hash"


def raw_audit_values(key: Any, prev: str, row_id: object, trial_pk: object, summary: dict[str, int]) -> tuple[Any, ...]:
    """The raw baselines' audit row for one saved assessment (``RAW_AUDIT_COLUMNS``), chained and hashed as
    the app chains and hashes its own."""
    from trialapp.storage import models as m
    from trialapp.storage.audit import row_hash

    entry = m.AuditEntry(
        at_utc=datetime.now(UTC).isoformat(timespec="microseconds"),
        actor="os:benchmark-raw-baseline",
        action="insert",
        table_name="assessments",
        row_id=str(row_id),
        field=None,
        old_value=None,
        new_value=json.dumps(summary, sort_keys=True),
        reason=None,
        trial_id=trial_pk,
    )
    return (
        entry.at_utc, entry.actor, entry.action, entry.table_name, entry.row_id, entry.new_value, trial_pk, prev,
        row_hash(key, prev, entry),
    )


class RawSaver:
    """The same rows the service writes (assessment, grades, measures, scores, one chained audit row),
    inserted and committed with raw sqlite3 and the app's PRAGMAs (WAL, synchronous=FULL)."""

    def __init__(self, db: Path) -> None:
        from trialapp.storage.db import SQLITE_PRAGMAS

        self.con = sqlite3.connect(db, isolation_level=None)
        for pragma in SQLITE_PRAGMAS:
            self.con.execute(pragma)

    def save(self, trial_id: str, day_number: int, a: Any) -> None:
        from benchmarks.make_db import BENCH_KEY

        con = self.con
        con.execute("BEGIN IMMEDIATE")
        try:
            (trial_pk, day_id) = con.execute(
                "SELECT t.id, d.id FROM trials t JOIN trial_days d ON d.trial_id = t.id "
                "WHERE t.public_id = ? AND d.day_number = ?",
                (trial_id, day_number),
            ).fetchone()
            v, fn = a.vitals, a.function
            cur = con.execute(
                "INSERT INTO assessments (day_id, kind, at, assessor, has_function, fms_5m, fms_50m, fms_500m, "
                "ten_m_walk_s, tug_s, six_min_walk_m, gait_notes, penn_frequency, penn_severity, pain_scale, "
                "pain_score, sedation_umss, has_vitals, hr, rr, spo2, sbp, dbp, temp_c, notes, recorded_by, "
                "recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    day_id,
                    a.kind,
                    a.at.isoformat(timespec="minutes"),
                    a.assessor,
                    1,
                    fn.fms_5m,
                    fn.fms_50m,
                    fn.fms_500m,
                    None,
                    None,
                    None,
                    fn.gait_notes,
                    None,
                    None,
                    a.pain.scale,
                    a.pain.score,
                    a.sedation_umss,
                    1,
                    v.hr,
                    v.rr,
                    v.spo2,
                    v.sbp,
                    v.dbp,
                    v.temp_c,
                    a.notes,
                    "user:syn.pt.adams",
                    datetime.now().isoformat(timespec="microseconds"),
                ),
            )
            aid = cur.lastrowid
            con.executemany(
                "INSERT INTO mas_grades (assessment_id, position, muscle, side, grade) VALUES (?, ?, ?, ?, ?)",
                [(aid, i, x.muscle, x.side, x.grade) for i, x in enumerate(a.mas)],
            )
            con.executemany(
                "INSERT INTO tardieu_measures (assessment_id, position, muscle, side, r1_deg, r2_deg, quality) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                [(aid, i, x.muscle, x.side, x.r1_deg, x.r2_deg, x.quality) for i, x in enumerate(a.tardieu)],
            )
            con.executemany(
                "INSERT INTO rom_measures (assessment_id, position, measure, side, deg) VALUES (?, ?, ?, ?, ?)",
                [(aid, i, x.measure, x.side, x.deg) for i, x in enumerate(a.rom)],
            )
            con.executemany(
                "INSERT INTO goal_scores (assessment_id, position, goal_code, gas) VALUES (?, ?, ?, ?)",
                [(aid, i, x.id, x.gas) for i, x in enumerate(a.goals)],
            )
            (prev,) = con.execute("SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
            con.execute(
                f"INSERT INTO audit_log ({RAW_AUDIT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                raw_audit_values(BENCH_KEY, prev, aid, trial_pk, {"day": day_number, "mas": len(a.mas)}),
            )
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise

    def close(self) -> None:
        self.con.close()


def _active_trials(db: Path, count: int) -> list[str]:
    """The newest active trials with three days: each save goes to a different one, so that no trial grows
    run after run (a save validates the whole trial, so a growing trial would slow later runs)."""
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        rows = con.execute(
            "SELECT t.public_id FROM trials t WHERE t.state = 'active' AND "
            "(SELECT count(*) FROM trial_days d WHERE d.trial_id = t.id) = 3 ORDER BY t.id DESC LIMIT ?",
            (count,),
        ).fetchall()
    finally:
        con.close()
    if len(rows) < count:
        raise SystemExit(f"{db} has only {len(rows)} active 3-day trials; {count} are needed")
    return [row[0] for row in rows]


def bench_save(app: Any, db: Path, runs: int, warmup: int) -> Result:
    from trialapp.services.assessments import record_assessment
    from trialapp.services.trials import load_document

    actor = _clinician(app)
    jobs = []
    for trial_id in _active_trials(db, runs + warmup):
        doc = load_document(app, actor, trial_id)
        day = max(doc.trial.days, key=lambda d: d.day)
        dose_at = day.doses[0].given_at
        # Two new reassessments late on the trial's last day: one saved by the service, one raw.
        late = (dose_at + timedelta(hours=9), dose_at + timedelta(hours=9, minutes=5))
        now = datetime.combine(day.date, datetime.min.time()) + timedelta(days=2)
        jobs.append((trial_id, doc, day.day, late, now))
    # The raw baseline writes into its own copy of the same database: its rows bypass the app (no record
    # digests), so in the app's copy they would fail the 'trialapp check' run after the benchmarks.
    raw_db = db.with_name("raw-baseline.sqlite")
    with sqlite3.connect(db) as source, sqlite3.connect(raw_db) as target:
        source.backup(target)
    raw = RawSaver(raw_db)
    service_jobs = iter(jobs)
    raw_jobs = iter(jobs)

    def service_save() -> None:
        trial_id, doc, day, late, now = next(service_jobs)
        record_assessment(app, actor, trial_id, day, _full_assessment(doc, day, late[0]), now=now)

    def raw_save() -> None:
        trial_id, doc, day, late, _now = next(raw_jobs)
        raw.save(trial_id, day, _full_assessment(doc, day, late[1]))

    xs, ys = interleave(service_save, raw_save, runs, warmup)
    raw.close()
    raw_db.unlink()
    return ratio_result("save one full assessment, durable and audited (x raw sqlite3)", xs, ys, 3.0)


# ------------------------------------------------------------------------------------------------ PDFs


def _bare_pdf() -> bytes:
    from io import BytesIO

    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    buffer = BytesIO()
    page = canvas.Canvas(buffer, pagesize=A4)
    page.drawString(72, 760, "A one-page reportlab PDF: the baseline of the summary PDFs.")
    page.showPage()
    page.save()
    return buffer.getvalue()


def bench_pdfs(app: Any, trial_id: str, runs: int, warmup: int) -> list[Result]:
    from trialapp.services.context import os_actor
    from trialapp.services.reports import render_report

    actor = os_actor()
    results = []
    for kind, budget in (("family", 500.0), ("clinical", 1000.0)):
        xs, ys = interleave(
            lambda kind=kind: render_report(app, actor, trial_id, kind), _bare_pdf, runs, warmup
        )
        results.append(absolute_result(f"{kind} summary PDF", xs, ys, budget))
    return results


# ----------------------------------------------------------------------------------------------- report


def table(results: Iterable[Result]) -> str:
    lines = [
        f"{'operation':<66} {'median':>9} {'p95':>9} {'baseline':>9} {'ratio':>6} {'budget':>12}  result",
        "-" * 124,
    ]
    for r in results:
        budget = f"<= {r.budget:g} x" if r.kind == "ratio" else f"<= {r.budget:g} {r.unit}"
        verdict = "pass" if r.passed else "FAIL"
        if r.informational:
            budget, verdict = "none", "info"
        lines.append(
            f"{r.name[:66]:<66} {r.median:>7.1f}{r.unit:>2} {r.p95:>7.1f}{r.unit:>2} {r.baseline:>7.1f}{r.unit:>2} "
            f"{r.ratio:>6.2f} {budget:>12}  {verdict}"
        )
    return "\n".join(lines)


def scale_db(patients: int) -> Path:
    """A smaller database of the same mix, built once (benchmarks/scale-N.sqlite)."""
    from benchmarks.make_db import build

    path = HERE / f"scale-{patients}.sqlite"
    if not path.exists():
        print(f"Building {path.name} ({patients} patients) for the scaling table…", flush=True)
        build(path, n_patients=patients, log=lambda *_: None)
    return path


STEPS = (
    "startup",
    "memory",
    "search",
    "open",
    "save",
    "pdfs",
    "review",
    "signin",
    "dose",
    "cli",
    "check",
    "export",
    "stalls",
    "server",
)


SCALED_RUNS = 5  # the round-2 rows at 1k and 5k patients: fewer runs (the 1,000-patient file has 8 active 3-day trials)


def scaled_round2_rows(app: Any, ws: Workspace, trial_id: str, runs: int) -> list[Result]:
    """Issue 22's rows on a smaller database, for the table of how each grows with the number of patients.

    Informational: the budgets are judged on the large database; these say how the cost scales."""
    runs = min(runs, SCALED_RUNS)
    source = ws.db.with_name(f"{ws.db.stem}-source.sqlite")
    with sqlite3.connect(ws.db) as live, sqlite3.connect(source) as copy:
        live.backup(copy)  # cli, check and export each work on their own fresh copy of this file
    try:
        rows = round2.bench_sign_in(app, runs, 1)
        rows += round2.bench_dose(app, ws.db, runs, 1)
        rows += round2.bench_cli(source, ws.root, trial_id, runs, 1)
        rows += round2.bench_check_backup(source, ws.root, runs, 1)
        rows += round2.bench_export(source, ws.root)
        rows += round2.bench_stalls(app, ws.db, trial_id)
    finally:
        source.unlink(missing_ok=True)
    return rows


def labelled(rows: list[Result], label: str) -> list[Result]:
    """``rows`` named for the database they ran on, and informational (no budget judged on them)."""
    return [replace(row, name=f"{row.name} ({label})", informational=True) for row in rows]


def server_rows(runs: int, warmup: int) -> list[Result]:
    """The ward server's rows (benchmarks/pg_bench.py) when a PostgreSQL URL is set; none otherwise."""
    from benchmarks.pg_bench import URL_VARIABLES, bench_postgres, server_url

    url = server_url()
    if url is None:
        print(f"(no ward-server rows: {URL_VARIABLES[0]} is not set)", flush=True)
        return []
    new = bench_postgres(url, runs, warmup)
    print(table(new).split("\n", 2)[2], flush=True)
    return new


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run the benchmarks against the performance budgets.")
    parser.add_argument("--db", default=str(DEFAULT_DB), help="the large synthetic database (make_db.py)")
    parser.add_argument(
        "--runs", type=int, default=20, help="timed runs per operation (p95 is then the 19th of 20)"
    )
    parser.add_argument("--warmup", type=int, default=2, help="untimed runs first")
    parser.add_argument(
        "--scaling",
        action="store_true",
        help="also search, open a trial and issue 22's rows at 1k and 5k patients (with any --only)",
    )
    parser.add_argument("--out", default=str(RESULTS))
    parser.add_argument(
        "--only",
        default=",".join(STEPS),
        help=f"a comma-separated subset of {', '.join(STEPS)} (a quicker pass while working on one budget)",
    )
    parser.add_argument("--memory-probe", nargs=2, metavar=("DB", "TRIAL"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    only = {name.strip() for name in args.only.split(",") if name.strip()}
    if not only or only - set(STEPS):
        parser.error(f"--only takes names among {', '.join(STEPS)}")
    if args.memory_probe:
        return memory_probe(*args.memory_probe)
    source = Path(args.db)
    if not source.exists():
        print(
            f"{source} does not exist: build it with 'python -m benchmarks.make_db {source}'", file=sys.stderr
        )
        return 2
    from benchmarks.make_db import named_trials

    print(
        f"trialapp benchmarks on {source.name} ({source.stat().st_size / 1e6:.0f} MB); {load_note()}",
        flush=True,
    )
    trials = named_trials(source)
    ws = make_workspace(source, Path(tempfile.gettempdir()))
    results: list[Result] = []
    try:
        first = prepare(ws)
        print(
            f"first opening of the day (daily verified backup, upgrade if needed): {first:.1f} s", flush=True
        )
        # The commands' rows work on fresh copies of the file as this first opening left it (upgraded, its
        # first record digests written): a database in use, not one being upgraded, whose one-off cost is
        # the line above.
        opened = ws.root / source.name
        with sqlite3.connect(ws.db) as live, sqlite3.connect(opened) as copy:
            live.backup(copy)
        if "startup" in only:
            results.append(bench_startup(ws, args.runs, args.warmup))
            print(table(results[-1:]).splitlines()[-1], flush=True)
            results.append(bench_startup_database(ws, args.runs, args.warmup))
            print(table(results[-1:]).splitlines()[-1], flush=True)
            results.append(bench_startup_floor(ws, args.runs, args.warmup))
            print(table(results[-1:]).splitlines()[-1], flush=True)
        if "memory" in only:
            results.append(bench_memory(ws, trials["full_3day"], max(3, args.runs // 5)))
            print(table(results[-1:]).splitlines()[-1], flush=True)
        app = open_services(ws)
        try:
            steps: dict[str, Callable[[], list[Result]]] = {
                "search": lambda: bench_search(app, ws.db, args.runs, args.warmup),
                "open": lambda: (
                    bench_open_trial(app, ws.db, trials["full_3day"], args.runs, args.warmup)
                    + bench_open_trial(
                        app, ws.db, trials["focused_3day"], args.runs, args.warmup, "key muscles only"
                    )
                ),
                "save": lambda: [bench_save(app, ws.db, args.runs, args.warmup)],
                "pdfs": lambda: bench_pdfs(app, trials["full_3day"], args.runs, args.warmup),
                "review": lambda: bench_review(app, ws.db, args.runs, args.warmup),
                "signin": lambda: round2.bench_sign_in(app, args.runs, args.warmup),
                "dose": lambda: round2.bench_dose(app, ws.db, args.runs, args.warmup),
                "cli": lambda: round2.bench_cli(opened, ws.root, trials["full_3day"], args.runs, args.warmup),
                # On fresh copies: the writes of the other rows are not part of the file checked/exported.
                "check": lambda: round2.bench_check_backup(opened, ws.root, args.runs, args.warmup),
                "export": lambda: round2.bench_export(opened, ws.root),
                "stalls": lambda: round2.bench_stalls(app, ws.db, trials["full_3day"]),
            }
            for name, step in steps.items():
                if name not in only:
                    continue
                new = step()
                results += new
                print(table(new).split("\n", 2)[2], flush=True)
            from trialapp.services.integrity import check

            report = check(app)
            if not report.ok:
                raise SystemExit(
                    "after the benchmarks the database copy fails 'trialapp check': "
                    + "; ".join(report.problems)
                )
        finally:
            app.close()
        if args.scaling:  # whatever --only names: the scaling table can be run on its own
            for patients in SCALES:
                small = make_workspace(scale_db(patients), ws.root)
                prepare(small)
                app = open_services(small)
                try:
                    names = named_trials(small.db)
                    label = f"{patients:,} patients"
                    new = bench_search(app, small.db, args.runs, args.warmup, label)
                    new += bench_open_trial(app, small.db, names["full_3day"], args.runs, args.warmup, label)
                    new += labelled(scaled_round2_rows(app, small, names["full_3day"], args.runs), label)
                finally:
                    app.close()
                results += new
                print(table(new).split("\n", 2)[2], flush=True)
    finally:
        shutil.rmtree(ws.root, ignore_errors=True)
    if "server" in only:
        results += server_rows(args.runs, args.warmup)
    budgeted = [r for r in results if not r.informational]
    Path(args.out).write_text(json.dumps([r.as_json() for r in budgeted], indent=2) + "\n", encoding="utf-8")
    print()
    print(table(results))
    print(f"\n{load_note()} at the end; results in {args.out}")
    return 0 if all(r.passed for r in budgeted) else 1


if __name__ == "__main__":
    raise SystemExit(main())
