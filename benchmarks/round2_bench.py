"""The budgets of issue 22 (round 2), each against a baseline measured in the same run.

| budget | measured | baseline (same run) |
|---|---|---|
| `check` ≤ 1.5 × | ``trialapp --db COPY check``, the whole process | a Python process running raw ``sqlite3`` ``PRAGMA integrity_check`` on the same file |
| `backup` ≤ 1.5 × | ``trialapp --db COPY backup --out FILE`` (copy + verification), the whole process | a Python process copying the same file with the ``sqlite3`` backup API |
| CLI `summary` / `report` ≤ 5 × | ``trialapp summary TRIAL`` / ``trialapp report TRIAL --out F``, the whole process | a Python process writing a one-page reportlab PDF (`bare_pdf.py`) |
| `export-dataset` ≤ 120 s and ≤ 300 MB | ``trialapp export-dataset --deidentify`` of every trial, the whole process (wall time, peak RSS) | the raw ``sqlite3`` read of every trial's rows (``SELECT *`` of each clinical table) |
| sign in pressed → home list painted ≤ 400 ms p95 | ``LoginView.sign_in`` (the password checked off the GUI thread) until the home page's table has painted | one raw Argon2 verification of the same password |
| signing a dose ≤ 600 ms p95 | the dose dialog's "Give dose" (both password checks and the durable save off the GUI thread, busy indicator shown) until the dialog has closed | one raw Argon2 verification |

The check and backup rows run on a fresh copy of the benchmark database (``prepare``d, with no writes of
the other rows), since a check of a database whose clinical rows carry record digests also recomputes the
digest of every clinical row (see docs/performance.md).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from datetime import datetime
from datetime import time as clock
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

RAW_CHECK = "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); assert c.execute('PRAGMA integrity_check').fetchall() == [('ok',)]"
RAW_BACKUP = "import sqlite3, sys; s = sqlite3.connect(sys.argv[1]); d = sqlite3.connect(sys.argv[2]); s.backup(d); d.close()"
BARE_PDF = (
    "import io\nfrom reportlab.lib.pagesizes import A4\nfrom reportlab.pdfgen import canvas\n"
    "b = io.BytesIO(); c = canvas.Canvas(b, pagesize=A4); c.drawString(72, 760, 'A one-page PDF.'); "
    "c.showPage(); c.save()"
)


def _run(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Run ``cmd``; its wall time in ms and its peak memory in MB (from the kernel's accounting)."""
    started = time.perf_counter()
    child = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _pid, status, usage = os.wait4(child.pid, 0)
    elapsed = (time.perf_counter() - started) * 1000
    child.returncode = os.waitstatus_to_exitcode(status)
    err = child.stderr.read().decode(errors="replace") if child.stderr else ""
    if child.stderr:
        child.stderr.close()
    if child.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({child.returncode}):\n{err[-2000:]}")
    return elapsed, usage.ru_maxrss / 1024


def _app_cmd(ws: Any, *args: str) -> list[str]:
    return [sys.executable, "-m", "trialapp", "--db", str(ws.db), *args]


def bench_check_backup(source: Path, parent: Path, runs: int, warmup: int) -> list[Any]:
    from benchmarks.run import interleave, make_workspace, prepare, ratio_result

    ws = make_workspace(source, parent)
    prepare(ws)
    env = ws.child_env()
    out = ws.root / "backup-out.sqlite"
    raw_out = ws.root / "raw-backup.sqlite"

    def app_backup() -> None:
        out.unlink(missing_ok=True)
        _run(_app_cmd(ws, "backup", "--out", str(out)), env)

    def raw_backup() -> None:
        raw_out.unlink(missing_ok=True)
        _run([sys.executable, "-c", RAW_BACKUP, str(ws.db), str(raw_out)], env)

    check = interleave(
        lambda: _run(_app_cmd(ws, "check"), env),
        lambda: _run([sys.executable, "-c", RAW_CHECK, str(ws.db)], env),
        runs,
        warmup,
    )
    backup = interleave(app_backup, raw_backup, runs, warmup)
    shutil.rmtree(ws.root, ignore_errors=True)
    return [
        ratio_result("trialapp check, whole process (x raw sqlite3 integrity_check)", *check, 1.5),
        ratio_result("trialapp backup, whole process (x raw sqlite3 backup API)", *backup, 1.5),
    ]


def bench_cli(source: Path, parent: Path, trial_id: str, runs: int, warmup: int) -> list[Any]:
    """On its own copy: ``report`` audits the print (a write), and the harness holds the writer lock of its copy."""
    from benchmarks.run import interleave, make_workspace, prepare, ratio_result

    ws = make_workspace(source, parent)
    prepare(ws)
    env = ws.child_env()
    bare = [sys.executable, "-c", BARE_PDF]
    pdf = ws.root / "report.pdf"

    def report() -> None:
        pdf.unlink(missing_ok=True)
        _run(_app_cmd(ws, "report", trial_id, "--kind", "clinical", "--out", str(pdf)), env)

    results = []
    for name, fn in (
        ("summary", lambda: _run(_app_cmd(ws, "summary", trial_id), env)),
        ("report", report),
    ):
        xs, ys = interleave(fn, lambda: _run(bare, env), runs, warmup)
        results.append(ratio_result(f"CLI {name}, whole process (x bare reportlab script)", xs, ys, 5.0))
    shutil.rmtree(ws.root, ignore_errors=True)
    return results


RAW_READ_TABLES = (
    "patients",
    "trials",
    "trial_days",
    "assessments",
    "mas_grades",
    "tardieu_measures",
    "rom_measures",
    "goal_scores",
    "doses",
    "decisions",
)


def bench_export(source: Path, parent: Path) -> list[Any]:
    """One export of every trial (it takes minutes): wall time and peak memory, and the raw read."""
    import sqlite3

    from benchmarks.run import Result, make_workspace, prepare

    ws = make_workspace(source, parent)
    prepare(ws)
    env = ws.child_env()
    started = time.perf_counter()
    con = sqlite3.connect(f"file:{ws.db}?mode=ro", uri=True)
    tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    for table in RAW_READ_TABLES:
        if table in tables:
            for _row in con.execute(f'SELECT * FROM "{table}"'):
                pass
    con.close()
    raw_s = time.perf_counter() - started
    out = ws.root / "dataset"
    elapsed_ms, peak_mb = _run(_app_cmd(ws, "export-dataset", "--deidentify", "--out", str(out)), env)
    shutil.rmtree(ws.root, ignore_errors=True)
    seconds = elapsed_ms / 1000
    return [
        Result(
            "export-dataset of every trial, whole process (s)",
            seconds,
            seconds,
            "s",
            raw_s,
            seconds / raw_s,
            120.0,
            seconds <= 120.0,
            "absolute",
        ),
        Result(
            "export-dataset of every trial, peak memory",
            peak_mb,
            peak_mb,
            "MB",
            0.0,
            0.0,
            300.0,
            peak_mb <= 300.0,
            "absolute",
        ),
    ]


# ------------------------------------------------------------------------------------ in the window


def _argon2_baseline(password: str) -> Any:
    from argon2 import PasswordHasher

    hasher = PasswordHasher()
    hashed = hasher.hash(password)
    return lambda: hasher.verify(hashed, password)


def _wait(qt: Any, condition: Any, timeout_s: float = 30.0) -> None:
    deadline = time.perf_counter() + timeout_s
    while not condition():
        if time.perf_counter() > deadline:
            raise SystemExit("the window did not get there in time")
        qt.processEvents()
        time.sleep(0.001)


def bench_sign_in(app: Any, runs: int, warmup: int) -> list[Any]:
    from PySide6.QtWidgets import QApplication

    from benchmarks.run import _clinician, absolute_result, timed
    from trialapp.ui.main_window import MainWindow

    qt = QApplication.instance() or QApplication(sys.argv[:1])
    actor = _clinician(app)  # the synthetic PT exists and can sign in
    window = MainWindow(app)
    window.resize(1366, 768)
    window.show()
    qt.processEvents()
    baseline = _argon2_baseline("bench-pt-2026")

    def sign_in() -> None:
        window.sign_out(force=False)
        qt.processEvents()
        window.login.username.setText(actor.username)
        window.login.password.setText("bench-pt-2026")
        started = time.perf_counter()
        window.login.sign_in()
        _wait(qt, lambda: window.home is not None and window.pages.currentWidget() is window.home_page)
        window.home.table.viewport().repaint()
        sign_in.elapsed = (time.perf_counter() - started) * 1000  # type: ignore[attr-defined]

    values: list[float] = []
    base: list[float] = []
    for run in range(warmup + runs):
        sign_in()
        b = timed(baseline)
        if run >= warmup:
            values.append(sign_in.elapsed)  # type: ignore[attr-defined]
            base.append(b)
    window.sign_out(force=True)
    window.close()
    window.deleteLater()
    qt.processEvents()
    return [absolute_result("sign in pressed -> home list painted", values, base, 400.0)]


def bench_dose(app: Any, db: Path, runs: int, warmup: int) -> list[Any]:
    """ "Give dose" in the dialog, each run on another active trial's next day (a new day is added first)."""
    from PySide6.QtWidgets import QApplication

    from benchmarks.run import _active_trials, absolute_result, timed
    from trialapp.services import trials, users
    from trialapp.services.context import os_actor
    from trialapp.services.dosing import BlindCheck, DoseOrder
    from trialapp.ui.workspace.controller import WorkspaceController
    from trialapp.ui.workspace.dose_dialog import DoseDialog

    qt = QApplication.instance() or QApplication(sys.argv[:1])
    password = "bench-dose-2026"
    names = {u.username for u in users.list_users(app)}
    for username, role, full in (
        ("syn.dr.bench", "neurosurgeon", "Dr Bench (synthetic)"),
        ("syn.rn.bench", "nurse", "Nurse Bench (synthetic)"),
    ):
        if username not in names:
            users.add_user(app, os_actor(), username, role, full, password)
    giver = users.authenticate(app, "syn.dr.bench", password)
    baseline = _argon2_baseline(password)
    values: list[float] = []
    base: list[float] = []
    for run, trial_id in enumerate(_active_trials(db, runs + warmup)):
        controller = WorkspaceController(app, giver, trial_id)
        day = trials.add_day(app, giver, trial_id, reason="Synthetic benchmark day")
        controller.reload()
        doc = controller.doc
        day_date = next(d.date for d in doc.trial.days if d.day == day)
        order = DoseOrder(
            trial_id=trial_id,
            day=day,
            dose_mcg=50,
            concentration_mcg_per_ml=50,
            volume_ml=None,
            given_at=datetime.combine(day_date, clock(9, 0)),
            via="catheter",
            lot="SYN-LOT",
        )
        result = controller.preview_dose(order)
        if result.errors:
            raise SystemExit(f"the benchmark dose is refused: {[f.message for f in result.errors]}")
        order = replace(order, warning_reasons={w.code: "Synthetic benchmark" for w in result.warnings})
        dialog = DoseDialog(controller, day)
        dialog.show()
        dialog.checker = users.authenticate(app, "syn.rn.bench", password)
        dialog._checked_order = order
        dialog._fill_review(order, BlindCheck("syn.rn.bench", password, 50, 50, None))
        dialog._go(2)
        dialog.sign_password.setText(password)
        qt.processEvents()
        started = time.perf_counter()
        dialog.give()
        _wait(qt, lambda dialog=dialog: not dialog.signing)
        elapsed = (time.perf_counter() - started) * 1000
        if dialog.given_dose_id is None:
            raise SystemExit(f"the benchmark dose was not given: {dialog.review_problem.text()}")
        b = timed(baseline)
        dialog.close()
        dialog.deleteLater()
        qt.processEvents()
        if run >= warmup:
            values.append(elapsed)
            base.append(b)
    return [absolute_result("signing a dose: both password checks + durable save", values, base, 600.0)]


def temp_parent() -> Path:
    return Path(tempfile.gettempdir())


# ------------------------------------------------------------------------------------------ the stall probe


def bench_stalls(app: Any, db: Path, trial_id: str) -> list[Any]:
    """A scripted session of the ward's day on the large database, each step from the event loop as a user's
    input comes, under the stall probe: sign-in, search, a 3-day trial opened, each day and each chart, a
    dose signed in the dialog, both summaries printed to PDF, sign-out. Baseline: the same probe over the idle
    window for one second (what the event loop itself costs)."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from benchmarks.run import CHARTS, Result, _clinician
    from trialapp.ui import stall_probe
    from trialapp.ui.main_window import MainWindow
    from trialapp.ui.stall_probe import StallProbe
    from trialapp.ui.views.print_dialog import PrintSummaryDialog

    qt = QApplication.instance() or QApplication(sys.argv[:1])
    actor = _clinician(app)
    window = MainWindow(app)
    window.resize(1366, 768)
    window.show()
    qt.processEvents()

    def idle_probe() -> StallProbe:
        probe = StallProbe()
        probe.start()
        end = time.perf_counter() + 1.0
        while time.perf_counter() < end:
            qt.processEvents()
            time.sleep(0.0005)
        probe.stop()
        return probe

    base = idle_probe()
    probe = StallProbe()
    out = Path(tempfile.mkdtemp(prefix="trialapp-stall-"))

    def sign_in() -> None:
        window.login.username.setText(actor.username)
        window.login.password.setText("bench-pt-2026")
        window.login.sign_in()

    def type_search(text: str) -> None:
        assert window.home is not None
        window.home.search.setText(text)

    def chart(kind: str) -> None:
        assert window.workspace is not None
        window.workspace.ensure_chart().set_kind(kind)

    def print_pdf(kind: str) -> None:
        dialog = PrintSummaryDialog(app, window.actor, trial_id, parent=window)
        (dialog.family if kind == "family" else dialog.clinical).setChecked(True)
        dialog.save_pdf(out / f"{kind}.pdf")
        dialog.deleteLater()

    steps: list[tuple[str, Any, Any]] = [
        ("sign-in", sign_in, lambda: window.home is not None and not window.login.signing_in),
    ]
    word = trial_id[:6].lower()
    for i in range(1, len(word) + 1):
        steps.append((f"search keystroke {i}", lambda i=i: type_search(word[:i]), None))
    steps.append(("search cleared", lambda: type_search(""), None))
    steps.append(
        ("open the trial", lambda: window.open_trial(trial_id), lambda: window.workspace is not None)
    )
    for day in (1, 2, 3):
        steps.append((f"day {day} tab", lambda day=day: window.workspace.show_day(day), None))  # type: ignore[union-attr]
    for kind in CHARTS:
        steps.append((f"chart {kind}", lambda kind=kind: chart(kind), None))
    for kind in ("family", "clinical"):
        steps.append((f"printing the {kind} summary", lambda kind=kind: print_pdf(kind), None))
    steps.append(("home", window.go_home, None))
    steps.append(("sign-out", lambda: window.sign_out(force=True), None))

    probe.start()
    for name, step, until in steps:
        done: list[bool] = []

        def run(name: str = name, step: Any = step, done: list[bool] = done) -> None:
            with stall_probe.operation(name):
                step()
            done.append(True)

        QTimer.singleShot(0, run)
        _wait(qt, lambda done=done, until=until: bool(done) and (until is None or until()))
        pause = time.perf_counter() + 0.06  # a user's pause between inputs: the loop turns meanwhile
        while time.perf_counter() < pause:
            qt.processEvents()
            time.sleep(0.0005)
    probe.stop()
    print(probe.report(), flush=True)
    window.close()
    window.deleteLater()
    qt.processEvents()
    shutil.rmtree(out, ignore_errors=True)
    longest, p99 = probe.longest_ms, probe.percentile_ms(99)
    return [
        Result(
            "GUI thread: longest gap between event-loop turns, scripted session",
            longest,
            longest,
            "ms",
            base.longest_ms,
            longest / max(base.longest_ms, 0.001),
            100.0,
            longest <= 100.0,
            "absolute",
        ),
        Result(
            "GUI thread: p99 of event-loop turns, scripted session",
            p99,
            p99,
            "ms",
            base.percentile_ms(99),
            p99 / max(base.percentile_ms(99), 0.001),
            50.0,
            p99 <= 50.0,
            "absolute",
        ),
    ]
