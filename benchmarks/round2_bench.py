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

import gc
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
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
# The floors (informational rows): the least any implementation on the chosen stack, keeping issue 18's
# promises, could cost, against the same baselines.
ORM_PDF = "import sqlalchemy.orm\n" + BARE_PDF  # every command reads the database through SQLAlchemy's ORM
RAW_CHECKED_BACKUP = RAW_BACKUP + "; d = sqlite3.connect(sys.argv[2]); assert d.execute('PRAGMA integrity_check').fetchall() == [('ok',)]"
# integrity_check on a second thread (it runs without the GIL) while every clinical row is read and given a keyed
# BLAKE2b of its repr: less than `check` does per row (no column names, no comparison), more than no proof.
RAW_PROVE = """import hashlib, sqlite3, sys, threading
def integrity():
    assert sqlite3.connect(sys.argv[1]).execute('PRAGMA integrity_check').fetchall() == [('ok',)]
beside = threading.Thread(target=integrity)
beside.start()
c = sqlite3.connect(sys.argv[1])
start = hashlib.blake2b(key=bytes(32), digest_size=10)
for table in sys.argv[2:]:
    for row in c.execute(f'SELECT * FROM {table}'):
        h = start.copy()
        h.update(repr(row).encode())
        h.hexdigest()
beside.join()
"""


def _run(cmd: list[str], env: dict[str, str]) -> float:
    """Run ``cmd``; its wall time in ms."""
    started = time.perf_counter()
    done = subprocess.run(cmd, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
    elapsed = (time.perf_counter() - started) * 1000
    if done.returncode != 0:
        err = done.stderr.decode(errors="replace")
        raise SystemExit(f"{' '.join(cmd)} failed ({done.returncode}):\n{err[-2000:]}")
    return elapsed


def _run_with_peak(cmd: list[str], env: dict[str, str], peak_file: Path) -> tuple[float, float]:
    """Run ``python -m MODULE ARGS…`` through ``benchmarks.peak``: its wall time in ms and its own peak memory
    in MB (see there why not the kernel's ``ru_maxrss`` of the child)."""
    python, dash_m, module, *args = cmd
    assert dash_m == "-m", cmd
    elapsed = _run([python, "-m", "benchmarks.peak", str(peak_file), module, *args], env)
    return elapsed, float(peak_file.read_text(encoding="ascii"))


def _app_cmd(ws: Any, *args: str) -> list[str]:
    return [sys.executable, "-m", "trialapp", "--db", str(ws.db), *args]


def bench_check_backup(source: Path, parent: Path, runs: int, warmup: int) -> list[Any]:
    from benchmarks.run import floor_result, interleave, make_workspace, prepare, ratio_result
    from trialapp.storage.record_digest import CLINICAL_TABLES

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
    tables = list(CLINICAL_TABLES)
    prove_floor = interleave(
        lambda: _run([sys.executable, "-c", RAW_PROVE, str(ws.db), *tables], env),
        lambda: _run([sys.executable, "-c", RAW_CHECK, str(ws.db)], env),
        runs,
        warmup,
    )

    def checked_backup() -> None:
        raw_out.unlink(missing_ok=True)
        _run([sys.executable, "-c", RAW_CHECKED_BACKUP, str(ws.db), str(raw_out)], env)

    backup_floor = interleave(checked_backup, raw_backup, runs, warmup)
    shutil.rmtree(ws.root, ignore_errors=True)
    return [
        ratio_result("trialapp check, whole process (x raw sqlite3 integrity_check)", *check, 1.5),
        floor_result("raw: integrity_check beside a keyed hash of every clinical row (x integrity_check)", *prove_floor),
        ratio_result("trialapp backup, whole process (x raw sqlite3 backup API)", *backup, 1.5),
        floor_result("raw: backup API, then integrity_check of the copy (x raw sqlite3 backup API)", *backup_floor),
    ]


def bench_cli(source: Path, parent: Path, trial_id: str, runs: int, warmup: int) -> list[Any]:
    """On its own copy: ``report`` audits the print (a write), and the harness holds the writer lock of its copy."""
    from benchmarks.run import floor_result, interleave, make_workspace, prepare, ratio_result

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
    floor = interleave(lambda: _run([sys.executable, "-c", ORM_PDF], env), lambda: _run(bare, env), runs, warmup)
    results.append(floor_result("the bare reportlab script importing sqlalchemy.orm (x bare reportlab script)", *floor))
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
    elapsed_ms, peak_mb = _run_with_peak(
        _app_cmd(ws, "export-dataset", "--deidentify", "--out", str(out)), env, ws.root / "export-peak.txt"
    )
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


def _press(button: Any) -> None:
    """A button pressed as a user presses it: the mouse's press and release (the window's filters see an input,
    as they do in use), not ``click()``, which no input precedes."""
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    QTest.mouseClick(button, Qt.MouseButton.LeftButton)


def _wait(qt: Any, condition: Any, timeout_s: float = 30.0) -> None:
    deadline = time.perf_counter() + timeout_s
    while not condition():
        if time.perf_counter() > deadline:
            raise SystemExit("the window did not get there in time")
        qt.processEvents()
        time.sleep(0.001)


def bench_sign_in(app: Any, runs: int, warmup: int) -> list[Any]:
    from PySide6.QtWidgets import QApplication

    from benchmarks.run import _clinician, absolute_result, delete_now, timed
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
    delete_now(window)
    qt.processEvents()
    return [absolute_result("sign in pressed -> home list painted", values, base, 400.0)]


def bench_dose(app: Any, db: Path, runs: int, warmup: int) -> list[Any]:
    """ "Give dose" in the dialog, each run on another active trial's next day (a new day is added first)."""
    from PySide6.QtWidgets import QApplication

    from benchmarks.run import _active_trials, absolute_result, delete_now, timed
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
        delete_now(dialog)
        qt.processEvents()
        if run >= warmup:
            values.append(elapsed)
            base.append(b)
    return [absolute_result("signing a dose: both password checks + durable save", values, base, 600.0)]


def temp_parent() -> Path:
    return Path(tempfile.gettempdir())


# ------------------------------------------------------------------------------------------ the stall probe

STALL_PASSWORD = "bench-dose-2026"  # the synthetic neurosurgeon's and nurse's (bench_dose makes the same)
# The new trial's three days, as tests/e2e/test_full_trial.py runs them: dose (mcg), then the grade typed at
# each reassessment (hours after the 09:00 dose). In March 2025: the services refuse times in the future.
STALL_DAYS = {
    1: (50, {1: "2", 2: "2", 4: "+", 6: "2", 8: "2"}),
    2: (75, {1: "+", 2: "1", 4: "1", 6: "+", 8: "2"}),
    3: (75, {1: "+", 2: "1", 4: "1", 6: "1", 8: "+"}),
}
KEY_PAUSE_S = 0.02  # between two keystrokes of a typist
READ_PAUSE_S = 0.3  # a list read before the next choice
STEP_PAUSE_S = 0.06  # between two actions (a click, a save): the event loop turns meanwhile
PACE_S = 0.0005  # the event loop's pace while measured (see bench_stalls)


def _at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2025, 3, 2 + day, hour, minute)


@dataclass(frozen=True)
class _Wait:
    """What a scripted step waits for before the next one: a condition (checked at each turn), then a pause."""

    until: Callable[[], bool] | None = None
    pause_s: float = STEP_PAUSE_S


class _Script:
    """Runs a generator of scripted steps from the event loop, each in its own turn as a user's input comes:
    the code up to each ``yield _Wait(...)`` is one step. Timers drive it, so it also runs inside the nested
    event loop of a modal dialog (``exec``): a step that opens one starts that dialog's own script first."""

    def __init__(self, steps: Iterator[_Wait], errors: list[BaseException], timeout_s: float = 120.0):
        from PySide6.QtCore import QTimer

        self._timer = QTimer
        self._steps = steps
        self._errors = errors
        self._timeout_s = timeout_s
        self._wait = _Wait()
        self._deadline = 0.0
        self.done = False

    def start(self, delay_s: float = 0.0) -> None:
        self._timer.singleShot(int(delay_s * 1000), self._step)

    def _fail(self, exc: BaseException) -> None:
        from PySide6.QtWidgets import QApplication, QDialog

        self._errors.append(exc)
        self.done = True
        modal = QApplication.activeModalWidget()
        if isinstance(modal, QDialog):
            modal.done(0)  # give control back to the outer script, which then stops too

    def _step(self) -> None:
        if self._errors:
            self._fail(RuntimeError("stopped after an earlier error"))
            return
        try:
            self._wait = next(self._steps)
        except StopIteration:
            self.done = True
            return
        except BaseException as exc:  # the bench reports it once the event loop is back
            self._fail(exc)
            return
        self._deadline = time.perf_counter() + self._timeout_s
        self._poll()

    def _poll(self) -> None:
        if self._errors:
            self._fail(RuntimeError("stopped after an error in a dialog's script"))
            return
        until = self._wait.until
        if until is not None and not until():
            if time.perf_counter() > self._deadline:
                self._fail(TimeoutError(f"the window did not get there in {self._timeout_s:.0f} s"))
            else:
                self._timer.singleShot(1, self._poll)
            return
        self._timer.singleShot(int(self._wait.pause_s * 1000), self._step)


def _ensure_user(app: Any, username: str, role: str, full_name: str, password: str) -> None:
    from trialapp.services import users
    from trialapp.services.context import os_actor

    if username not in {u.username for u in users.list_users(app)}:
        users.add_user(app, os_actor(), username, role, full_name, password)


class _Session:
    """The scripted three-day trial of the stall benchmark (see ``bench_stalls``), step by step."""

    def __init__(self, app: Any, window: Any, trial_id: str, out: Path, errors: list[BaseException]):
        from trialapp.ui import stall_probe

        self.app = app
        self.window = window
        self.trial_id = trial_id  # the large database's 3-day trial
        self.out = out
        self.errors = errors
        self.dialog_scripts: list[_Script] = []
        self.op = stall_probe.operation
        self.passwords = {"syn.pt.adams": "bench-pt-2026"}
        for username, role, full in (
            ("syn.dr.bench", "neurosurgeon", "Dr Bench (synthetic)"),
            ("syn.rn.bench", "nurse", "Nurse Bench (synthetic)"),
        ):
            _ensure_user(app, username, role, full, STALL_PASSWORD)
            self.passwords[username] = STALL_PASSWORD

    def drive(self, steps: Iterator[_Wait]) -> None:
        """Start the script of a dialog about to open (``exec``): it runs in the dialog's event loop."""
        script = _Script(steps, self.errors)
        self.dialog_scripts.append(script)  # kept: a timer's callback alone may not keep it alive
        script.start(STEP_PAUSE_S)

    # -------------------------------------------------------------------------------------- the session

    def steps(self) -> Iterator[_Wait]:
        from benchmarks.run import CHARTS
        from trialapp.ui.charts import loading as charts_loading

        w = self.window
        # The first user types their name and password (seconds) while the window imports the screens' and
        # the charts' modules on a worker (started as the database opened): the sign-in comes after it,
        # the probe measuring the idle page meanwhile.
        with self.op("the sign-in page while the modules load"):
            pass
        yield _Wait(charts_loading.loaded)
        yield from self.sign_in("syn.pt.adams")
        word = self.trial_id[:6].lower()
        for i in range(1, len(word) + 1):
            with self.op(f"search keystroke {i}"):
                w.home.search.setText(word[:i])
            yield _Wait(pause_s=KEY_PAUSE_S)
        with self.op("search cleared"):
            w.home.search.setText("")
        # The list comes back 60 ms after the last key (home's typing pause): the user sees it, then opens.
        yield _Wait(pause_s=READ_PAUSE_S)
        with self.op("open the trial"):
            w.open_trial(self.trial_id)
        yield _Wait(lambda: w.workspace is not None and w.workspace.chart_panel is not None)
        for day in (1, 2, 3):
            with self.op(f"day {day} tab"):
                w.workspace.show_day(day)
            yield _Wait()
        for kind in CHARTS:
            yield from self.chart(kind)
        for kind in ("family", "clinical"):
            yield from self.print_summary(kind)
        yield from self.new_trial()
        for kind in CHARTS:
            yield from self.chart(kind)
        with self.op("home"):
            w.go_home()
        yield _Wait()
        with self.op("sign-out"):
            w.sign_out(force=True)
        yield _Wait()

    def sign_in(self, username: str) -> Iterator[_Wait]:
        w = self.window
        with self.op("sign-out"):
            w.sign_out(force=False)
        yield _Wait()
        with self.op("sign-in"):
            w.login.username.setText(username)
            w.login.password.setText(self.passwords[username])
            w.login.sign_in()
        yield _Wait(lambda: not w.login.signing_in and w.actor is not None and w.home is not None)
        if w.actor.username != username:
            raise RuntimeError(f"{username} could not sign in")

    def chart(self, kind: str) -> Iterator[_Wait]:
        with self.op(f"chart {kind}"):
            self.window.workspace.ensure_chart().set_kind(kind)
        yield _Wait()

    def print_summary(self, kind: str) -> Iterator[_Wait]:
        """The print dialog from the window's menu action (a modal dialog): preview, then save as PDF."""
        from PySide6.QtWidgets import QApplication

        def in_dialog() -> Iterator[_Wait]:
            dialog = QApplication.activeModalWidget()
            with self.op(f"printing the {kind} summary: choices"):
                (dialog.family if kind == "family" else dialog.clinical).setChecked(True)
            yield _Wait()
            with self.op(f"printing the {kind} summary: preview"):
                _press(dialog.preview_button)
            yield _Wait(lambda: not dialog.busy)
            with self.op(f"printing the {kind} summary: save as PDF"):
                dialog.save_pdf(self.out / f"{kind}.pdf")
            yield _Wait(lambda: not dialog.busy)
            with self.op(f"printing the {kind} summary: close"):
                _press(dialog.close_button)
            yield _Wait()

        with self.op(f"printing the {kind} summary: the dialog opens"):
            self.drive(in_dialog())
            self.window.print_summary(self.window.workspace_trial)
        yield _Wait()
        if not (self.out / f"{kind}.pdf").exists():
            raise RuntimeError(f"the {kind} summary was not saved")

    # ------------------------------------------------------------------------------- the new 3-day trial

    def new_trial(self) -> Iterator[_Wait]:
        import functools

        from trialapp.ui import workspace as workspace_package
        from trialapp.ui.workspace.controller import Clock

        clock_at = [_at(1, 8, 0)]
        # The workspace's clock in March 2025, as the end-to-end test sets it (the services judge "in the
        # future" against the real time, so the past trial is valid).
        real = workspace_package.TrialWorkspace
        clock: Clock = lambda: clock_at[0]  # noqa: E731
        workspace_package.TrialWorkspace = functools.partial(real, clock=clock)  # type: ignore[misc]
        try:
            yield from self.wizard()
            for day, (mcg, grades) in STALL_DAYS.items():
                clock_at[0] = _at(day, 8, 30)
                yield from self.as_user("syn.pt.adams", day)
                yield from self.record(day, "baseline", "2", hr="96", rr="20", spo2="98", **{"goal:g1": "-1"})
                clock_at[0] = _at(day, 9, 0)
                yield from self.as_user("syn.dr.bench", day)
                yield from self.dose(day, mcg)
                yield from self.as_user("syn.pt.adams", day)
                for hours, key in grades.items():
                    clock_at[0] = _at(day, 9 + hours)
                    with self.op("reminder"):
                        self.window.workspace.tick()
                    yield _Wait()
                    goal = {"goal:g1": "0"} if key == "1" else {}
                    yield from self.record(day, "reassessment", key, slot=str(hours), hr="92", **goal)
                clock_at[0] = _at(day, 18, 0)
                yield from self.as_user("syn.dr.bench", day)
                yield from self.review(day)
            clock_at[0] = _at(3, 18, 30)
            yield from self.decision()
        finally:
            workspace_package.TrialWorkspace = real  # type: ignore[misc]

    def wizard(self) -> Iterator[_Wait]:
        from PySide6.QtCore import QDate, QDateTime
        from PySide6.QtTest import QTest
        from PySide6.QtWidgets import QApplication

        mrn = f"STALL-{int(time.time())}"

        def in_wizard() -> Iterator[_Wait]:
            wizard = QApplication.activeModalWidget()
            for name, text in (
                ("mrn", mrn),
                ("given", "Robin"),
                ("family", "Synthetic"),
                ("birth", "12 Apr 2016"),
                ("weight", "24.5"),
                ("allergies", "latex"),
            ):
                with self.op(f"wizard: typing the {name}"):
                    QTest.keyClicks(getattr(wizard, name), text)
                yield _Wait(pause_s=KEY_PAUSE_S)
            with self.op("wizard: sex"):
                wizard.sex.setCurrentIndex(wizard.sex.findData("female"))
            yield _Wait()
            with self.op("wizard: next page"):
                wizard.next()
            yield _Wait()
            with self.op("wizard: catheter"):
                wizard.started_on.setDate(QDate(2025, 3, 3))
                wizard.placed_at.setDateTime(QDateTime(_at(1, 7, 40)))
                QTest.keyClicks(wizard.level, "L3-L4")
            yield _Wait()
            for page in ("ladder", "goals"):
                with self.op(f"wizard: next page ({page})"):
                    wizard.next()
                yield _Wait()
            with self.op("wizard: goal"):
                QTest.keyClicks(wizard.goal_texts[0], "Sit in the wheelchair for 2 hours")
                wizard.goal_gas[0].setCurrentIndex(wizard.goal_gas[0].findData(-1))
            yield _Wait()
            with self.op("wizard: next page (review)"):
                wizard.next()
            yield _Wait()
            with self.op("wizard: start the trial"):
                _press(wizard.start_button)
            yield _Wait()

        with self.op("new patient: the wizard opens"):
            self.drive(in_wizard())
            self.window.new_patient()
        yield _Wait(lambda: self.window.workspace is not None)
        if self.window.workspace.header.name_label.text() != "Robin Synthetic":
            raise RuntimeError("the wizard did not start the trial")
        self.new_trial_id = self.window.workspace_trial

    def as_user(self, username: str, day: int) -> Iterator[_Wait]:
        yield from self.sign_in(username)
        with self.op("open the new trial"):
            self.window.open_trial(self.new_trial_id)
        yield _Wait(lambda: self.window.workspace is not None)
        with self.op(f"day {day} tab"):
            self.window.workspace.show_day(day)
        yield _Wait()

    def record(self, day: int, kind: str, key: str, *, slot: str = "", **fields: str) -> Iterator[_Wait]:
        """An assessment as the PT types it: the form opens, a grade and Tab in each muscle's cell, the
        vital signs and goal, then Enter saves (durable and audited)."""
        from PySide6.QtCore import Qt
        from PySide6.QtTest import QTest

        from trialapp.domain.muscles import LOWER_MUSCLES, SIDES

        workspace = self.window.workspace
        with self.op(f"day {day}: the {kind} {slot} form opens".replace("  ", " ")):
            _press(workspace.day_views[day].buttons["baseline" if kind == "baseline" else f"slot:{slot}"])
        yield _Wait(lambda: workspace.current_page() is not None)  # built in one turn, shown in the next
        page = workspace.current_page()
        if page is None or page.kind != kind:
            raise RuntimeError(f"the {kind} form did not open")
        page.mas_cells[(LOWER_MUSCLES[0], "left")].setFocus()
        for _ in range(len(LOWER_MUSCLES) * len(SIDES)):
            with self.op("typing a grade"):
                QTest.keyClicks(page.focusWidget(), key)
                QTest.keyClick(page.focusWidget(), Qt.Key.Key_Tab)
            yield _Wait(pause_s=KEY_PAUSE_S)
        for name, value in fields.items():
            with self.op(f"typing {name}"):
                page.set_value(name, value)
            yield _Wait(pause_s=KEY_PAUSE_S)
        with self.op(f"saving the {kind}"):
            QTest.keyClick(page.mas_cells[(LOWER_MUSCLES[0], "left")], Qt.Key.Key_Return)
        yield _Wait()
        if workspace.current_page() is not None:
            raise RuntimeError(f"the {kind} was not saved: {page.error_label.text()}")

    def dose(self, day: int, mcg: int) -> Iterator[_Wait]:
        """The dose dialog (modal): the order, the nurse's blind check on the same dialog, the signature."""
        from PySide6.QtWidgets import QApplication

        def in_dialog() -> Iterator[_Wait]:
            dialog = QApplication.activeModalWidget()
            with self.op("dose: the order"):
                dialog.dose_edit.setText(str(mcg))
                dialog.lot_edit.setText("LOT-2291")
            yield _Wait()
            with self.op("dose: to the check"):
                dialog.start_check()
            yield _Wait()
            with self.op("dose: the checker identifies"):
                dialog.check_user.setText("syn.rn.bench")
                dialog.check_password.setText(STALL_PASSWORD)
                dialog.identify()
            yield _Wait(lambda: dialog.checker is not None)
            with self.op("dose: the blind check"):
                dialog.check_dose.setText(str(mcg))
                dialog.check_conc.setText("50")
                dialog.start_review()
            yield _Wait()
            with self.op("dose: signing"):
                dialog.sign_password.setText(STALL_PASSWORD)
                _press(dialog.give_button)
            yield _Wait(lambda: not dialog.signing)

        with self.op("dose: the dialog opens"):
            self.drive(in_dialog())
            _press(self.window.workspace.day_views[day].buttons["dose"])
        yield _Wait()
        if f"Last dose: {mcg} mcg" not in self.window.workspace.header.dose_label.text():
            raise RuntimeError(f"the day {day} dose was not given")

    def review(self, day: int) -> Iterator[_Wait]:
        workspace = self.window.workspace
        with self.op("day review opens"):
            _press(workspace.day_views[day].buttons["review"])
        yield _Wait()
        review = workspace.current_page()
        with self.op("day review: the plan"):
            if day < 3:
                review.next_dose.setText(str(review.suggestion.dose_mcg))
            else:
                review.no_dose.setChecked(True)
                review.reason.setText("Response confirmed on two days: proceed to the decision")
            review.decided_by.setText("Dr Bench, Pat Adams, Nurse Bench")
            review.family.setText("mother")
        yield _Wait()
        with self.op("saving the day review"):
            saved = review.save()
        yield _Wait()
        if not saved:
            raise RuntimeError(f"the day {day} review was not saved: {review.error_label.text()}")

    def decision(self) -> Iterator[_Wait]:
        from PySide6.QtCore import Qt
        from PySide6.QtTest import QTest

        workspace = self.window.workspace
        with self.op("the decision tab"):
            workspace.tabs.setCurrentWidget(workspace.decision_view)
        yield _Wait()
        view = workspace.decision_view
        with self.op("decision: the dose and rationale"):
            _press(view.use_recommended)
            view.rationale.setPlainText("Tone fell by 1.0 from 2 h on 75 mcg on days 2 and 3.")
            view.password.setText(STALL_PASSWORD)
        yield _Wait()
        with self.op("signing the decision"):
            QTest.keyClick(view.password, Qt.Key.Key_Return)
        yield _Wait(lambda: view.status.text() == "Signed.", STEP_PAUSE_S)


def _first_digests(app: Any, db: Path) -> None:
    """The first clinical write to a database made before record digests computes the digest of every
    clinical row (once per database: ``storage/audit.py``; minutes of the GUI thread on the large copy, seconds
    on the 1,000-patient one). Like the upgrade itself (``run.prepare``), it is taken before the session:
    a day is added to an active trial of the copy, as ``bench_dose`` does."""
    from benchmarks.run import _active_trials
    from trialapp.services import trials, users

    _ensure_user(app, "syn.dr.bench", "neurosurgeon", "Dr Bench (synthetic)", STALL_PASSWORD)
    neurosurgeon = users.authenticate(app, "syn.dr.bench", STALL_PASSWORD)
    trials.add_day(app, neurosurgeon, _active_trials(db, 1)[0], reason="Synthetic benchmark day")


def bench_stalls(app: Any, db: Path, trial_id: str) -> list[Any]:
    """A scripted session of the ward on the large database, each step from the event loop as a user's
    input comes, under the stall probe: sign-in, search, a 3-day trial of the database opened, each day and
    each chart, both summaries previewed and saved from the print dialog; then a new patient and trial with
    the wizard and its three days as tests/e2e/test_full_trial.py runs them (each sign-in, every save of a
    baseline and reassessment with vitals and goal typed key by key, each dose in the dose dialog with the
    nurse's blind check, each day review), the signed decision, every chart again, sign-out. The chart
    modules are imported on a worker as the window does once the database is open (``ui/app.py``); the
    copy's first record digests are written before (``_first_digests``). Baseline: the same probe over the idle window for one second (what the event loop itself costs)."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from benchmarks.run import Result, _clinician, delete_now
    from trialapp.ui import fonts, keys
    from trialapp.ui.charts import loading as charts_loading
    from trialapp.ui.gc_turns import FullCollections
    from trialapp.ui.main_window import MainWindow
    from trialapp.ui.stall_probe import StallProbe

    qt = QApplication.instance() or QApplication(sys.argv[:1])
    _clinician(app)
    _first_digests(app, db)
    # The bundled fonts, as the window has them read once the database is open (ui/startup.py), not at
    # the first sign-in of the session on the GUI thread (85 ms, a stall the app does not have).
    fonts.register_bundled_fonts()
    # And what is loaded by then is frozen out of the collector's way, as the window does once the
    # database is open (ui/startup.py, freeze_loaded); the warm-up freezes what it imports after it.
    gc.freeze()
    full_collections = FullCollections()  # and runs the full collections in turns of their own (ui/gc_turns.py)
    full_collections.start()
    window = MainWindow(app)
    window.resize(1366, 768)
    window.show()
    qt.processEvents()
    keys.install(qt)  # Enter presses the focused button, installed after the first paint as ui/app.py does

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
    errors: list[BaseException] = []
    script = _Script(_Session(app, window, trial_id, out, errors).steps(), errors)
    # The probe's zero timer never lets the event loop sleep: without a pace, the turns of an idle loop
    # (millions in a modal dialog's own loop) would make the p99 meaningless. One turn per 0.5 ms at most,
    # in every loop (the window's and each dialog's), as the pauses of the first version of this session.
    pace = QTimer()
    pace.setInterval(0)
    pace.timeout.connect(lambda: time.sleep(PACE_S))
    charts_loading.warm_up()  # as the window does once the database is open
    probe.start()
    pace.start()
    script.start()
    deadline = time.perf_counter() + 1800
    while not script.done and time.perf_counter() < deadline:
        qt.processEvents()
    pace.stop()
    probe.stop()
    if not script.done:
        errors.append(TimeoutError("the scripted session did not end in 30 minutes"))
    full_collections.stop()
    print(probe.report(), flush=True)
    print(f"full collections run in turns of their own: {full_collections.runs}", flush=True)
    window.close()
    delete_now(window)
    qt.processEvents()
    shutil.rmtree(out, ignore_errors=True)
    if errors:
        for exc in errors:
            traceback.print_exception(exc)
        raise SystemExit(f"the scripted session stopped: {errors[0]!r}") from errors[0]
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
