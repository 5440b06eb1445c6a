"""The ward server's rows of ``make bench`` (issue 19), when a PostgreSQL URL is given.

``TRIALAPP_BENCH_POSTGRES_URL`` (or ``TRIALAPP_TEST_POSTGRES_URL``) names a database whose role may create
databases; the benchmark works in a database of its own, made and dropped here.

| budget | measured | baseline |
|---|---|---|
| save ≤ 3 × | ``services.assessments.record_assessment`` on the server (advisory write lock, validated, audited, NOTIFY) | raw ``psycopg`` insert-and-commit of the same rows (assessment, grades, one chained audit row) |
| another laptop sees a save ≤ 2 s p95 | from the start of a save in this process until a second process, polling its live feed once a second as the window does, prints it | (none: absolute) |

Usage: ``python -m benchmarks.pg_bench [--runs N]`` (``benchmarks.run`` adds these rows by itself when the URL
is set).
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any

from benchmarks.run import (
    RAW_AUDIT_COLUMNS,
    ROOT,
    Result,
    absolute_result,
    interleave,
    load_note,
    ratio_result,
    raw_audit_values,
    table,
)

URL_VARIABLES = ("TRIALAPP_BENCH_POSTGRES_URL", "TRIALAPP_TEST_POSTGRES_URL")
WATCHER = ROOT / "tests" / "reliability" / "live_worker.py"
PASSWORD = "bench-password-1"


def server_url() -> str | None:
    for name in URL_VARIABLES:
        if os.environ.get(name):
            return os.environ[name]
    return None


def _libpq(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


@contextmanager
def bench_database(base: str) -> Iterator[str]:
    import psycopg
    from sqlalchemy.engine import make_url

    name = f"bench_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(_libpq(base), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(base).set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(_libpq(base), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _trials(app: Any, actor: Any, count: int) -> list[str]:
    from trialapp.domain.records import Catheter, Patient, ProtocolSettings
    from trialapp.services import trials

    return [
        trials.start_trial(
            app,
            actor,
            Patient(mrn=f"BENCH-{i}", birth_date=date(2015, 1, 1), weight_kg=25.0),
            started_on=date(2026, 3, 2),
            catheter=Catheter(datetime(2026, 3, 2, 7), "catheter"),
            settings=ProtocolSettings(),
        )
        for i in range(count)
    ]


def _baseline(minute: int) -> Any:
    from trialapp.domain.muscles import LOWER_MUSCLES, SIDES
    from trialapp.domain.records import Assessment, MasEntry

    mas = tuple(MasEntry(m, s, "2") for m in LOWER_MUSCLES for s in SIDES)
    return Assessment(kind="baseline", at=datetime(2026, 3, 2, 8, minute), mas=mas, assessor="Bench PT")


class RawPsycopgSaver:
    """The same rows as the service (assessment, its MAS grades, one chained audit row), raw psycopg."""

    def __init__(self, url: str, key: Any) -> None:
        import psycopg

        self.conn = psycopg.connect(_libpq(url))
        self.key = key

    def save(self, trial_id: str, a: Any) -> None:
        from trialapp.storage.audit import GENESIS

        with self.conn.transaction(), self.conn.cursor() as cur:
            cur.execute(
                "SELECT t.id, d.id FROM trials t JOIN trial_days d ON d.trial_id = t.id "
                "WHERE t.public_id = %s AND d.day_number = 1",
                (trial_id,),
            )
            trial_pk, day_id = cur.fetchone()  # type: ignore[misc]
            cur.execute(
                "INSERT INTO assessments (day_id, kind, at, assessor, has_function, has_vitals, recorded_by, "
                "recorded_at) VALUES (%s, %s, %s, %s, false, false, %s, %s) RETURNING id",
                (
                    day_id,
                    a.kind,
                    a.at.isoformat(timespec="minutes"),
                    a.assessor,
                    "user:raw",
                    datetime.now().isoformat(),
                ),
            )
            (aid,) = cur.fetchone()  # type: ignore[misc]
            cur.executemany(
                "INSERT INTO mas_grades (assessment_id, position, muscle, side, grade) VALUES (%s, %s, %s, %s, %s)",
                [(aid, i, x.muscle, x.side, x.grade) for i, x in enumerate(a.mas)],
            )
            cur.execute("SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1")
            prev = (cur.fetchone() or (GENESIS,))[0]
            cur.execute(
                f"INSERT INTO audit_log ({RAW_AUDIT_COLUMNS}) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
                raw_audit_values(self.key, prev, aid, trial_pk, {"day": 1, "mas": len(a.mas)}),
            )

    def close(self) -> None:
        self.conn.close()


class Watcher:
    """A second process whose live feed polls once a second (as the window does) and prints what it hears."""

    def __init__(self, url: str, env: dict[str, str]) -> None:
        self.process = subprocess.Popen(
            [sys.executable, str(WATCHER), url, "1.0"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=ROOT,
            env={**env, "PYTHONPATH": str(ROOT)},
        )
        self.lines: queue.Queue[dict[str, Any]] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        assert self.lines.get(timeout=120) == {"ready": True}

    def _read(self) -> None:
        for line in self.process.stdout:  # type: ignore[union-attr]
            self.lines.put(json.loads(line))

    def heard(self, trial_id: str) -> float:
        while True:
            line = self.lines.get(timeout=60)
            if trial_id in line.get("trials", []):
                return float(line["at"])

    def close(self) -> None:
        self.process.stdin.close()  # type: ignore[union-attr]
        self.process.wait(timeout=60)


def bench_postgres(url: str, runs: int, warmup: int) -> list[Result]:
    """The two server rows, in a database of their own on the server at ``url``."""
    from trialapp.services import assessments, users
    from trialapp.services.context import open_app, os_actor

    home = tempfile.mkdtemp(prefix="trialapp-pg-bench-")
    os.environ["TRIALAPP_HOME"] = home
    env = dict(os.environ)
    with bench_database(url) as db:
        app = open_app(db)
        try:
            users.add_user(app, os_actor(), "bench.pt", "pt", "Bench PT", PASSWORD)
            pt = users.authenticate(app, "bench.pt", PASSWORD)
            total = runs + warmup
            service_trials = iter(_trials(app, pt, total))
            raw_trials = iter(_trials(app, pt, total))
            raw = RawPsycopgSaver(db, app.audit_key)
            try:
                xs, ys = interleave(
                    lambda: assessments.record_assessment(app, pt, next(service_trials), 1, _baseline(10)),
                    lambda: raw.save(next(raw_trials), _baseline(20)),
                    runs,
                    warmup,
                )
            finally:
                raw.close()
            results = [
                ratio_result("server: save one assessment, locked and audited (x raw psycopg)", xs, ys, 3.0)
            ]
            watcher = Watcher(db, env)
            try:
                latencies = []
                for trial_id in _trials(app, pt, runs):
                    started = time.monotonic()
                    assessments.record_assessment(app, pt, trial_id, 1, _baseline(30))
                    latencies.append(watcher.heard(trial_id) - started)
            finally:
                watcher.close()
            seconds = [1000 * s for s in latencies]
            results.append(
                absolute_result(
                    "server: another process sees a save (live feed, 1 s poll)", seconds, [1.0], 2000.0
                )
            )
            return results
        finally:
            app.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="The ward server's benchmark rows.")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=2)
    args = parser.parse_args(argv)
    url = server_url()
    if url is None:
        print(f"Set {URL_VARIABLES[0]} to a PostgreSQL URL whose role may create databases.", file=sys.stderr)
        return 2
    print(f"trialapp ward-server benchmarks; {load_note()}", flush=True)
    results = bench_postgres(url, args.runs, args.warmup)
    print(table(results))
    print(f"\n{load_note()} at the end")
    return 0 if all(r.passed for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
