"""How much the positional executemany shortcut (dropped from ``assessment_writes``) would save on one save.

Saves the benchmark's full reassessment (16 MAS grades, 4 Tardieu, 6 ROM, goal scores, vitals) through
``services.assessments.record_assessment`` on a temporary SQLite file holding the demo trials, alternating
three ways of writing the child rows, plus the benchmark's raw ``sqlite3`` insert-and-commit of the same
rows (the save budget's baseline):

- ``shortcut``: :func:`positional_insert_many` below (SQLAlchemy's compiled SQL run with the rows as
  tuples, the app's former ``_insert_many``), swapped in for the measurement,
- ``executemany``: SQLAlchemy's own ``conn.execute(insert, rows)``, what the app runs,
- ``raw``: ``benchmarks.run.RawSaver``.

    .venv/bin/python -m benchmarks.insert_paths --runs 300

Prints medians and means in ms, and what the shortcut saves as a share of the budget (3 x raw).
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Connection, Dialect, Insert, Table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["TRIALAPP_HOME"] = str(Path(tmp) / "home")
        print(_measure(Path(tmp) / "t.sqlite", args.runs))


def _measure(db: Path, runs: int) -> str:
    from benchmarks.run import RawSaver, _clinician, _full_assessment
    from trialapp.services import demo
    from trialapp.services.assessments import record_assessment
    from trialapp.services.context import open_app, os_actor
    from trialapp.services.trials import load_document
    from trialapp.storage import assessment_writes as writes

    app = open_app(db)
    actor = _clinician(app)
    trial_id = demo.load_demo(app, os_actor()).trials[0][1]
    doc = load_document(app, actor, trial_id)
    day = max(doc.trial.days, key=lambda d: d.day)
    start = datetime.combine(day.date, datetime.min.time()) + timedelta(hours=12)
    now = start + timedelta(days=2)
    moments = iter(start + timedelta(seconds=i) for i in range(10 * runs + 100))
    shortcut: Callable[..., None] | None = positional_insert_many

    def plain(conn: Connection, statement: Insert, rows: list[dict[str, Any]]) -> None:
        if rows:
            conn.execute(statement, rows)

    def save_with(insert_many: Callable[..., None] | None) -> Callable[[], None]:
        def save() -> None:
            if insert_many is not None:
                writes._insert_many = insert_many  # type: ignore[attr-defined]
            record_assessment(
                app, actor, trial_id, day.day, _full_assessment(doc, day.day, next(moments)), now=now
            )

        return save

    raw = RawSaver(db)
    ways: dict[str, Callable[[], None]] = {
        "executemany": save_with(plain),
        "raw": lambda: raw.save(trial_id, day.day, _full_assessment(doc, day.day, next(moments))),
    }
    if shortcut is not None:
        ways["shortcut"] = save_with(shortcut)
    times: dict[str, list[float]] = {name: [] for name in ways}
    for i in range(runs + 10):
        for name, run in ways.items():
            began = time.perf_counter()
            run()
            if i >= 10:  # warm-up
                times[name].append((time.perf_counter() - began) * 1000)
    raw.close()
    inserts = _inserts_alone(app, trial_id, _full_assessment(doc, day.day, start), shortcut, plain, runs)
    app.close()
    lines = [f"{runs} runs each, ms: median / mean"]
    for name, xs in times.items():
        lines.append(f"  save, {name:12} {statistics.median(xs):.3f} / {statistics.fmean(xs):.3f}")
    for name, xs in inserts.items():
        lines.append(f"  inserts alone, {name:12} {statistics.median(xs):.3f} / {statistics.fmean(xs):.3f}")
    if shortcut is not None:
        budget = 3 * statistics.median(times["raw"])
        for what, table in (("save", times), ("inserts alone", inserts)):
            saved = statistics.median(table["executemany"]) - statistics.median(table["shortcut"])
            lines.append(
                f"  by {what}: the shortcut saves {saved:.3f} ms = {100 * saved / budget:.1f} % "
                f"of the budget ({budget:.2f} ms)"
            )
    return "\n".join(lines)


def _inserts_alone(
    app: Any, trial_id: str, a: Any, shortcut: Any, plain: Any, runs: int
) -> dict[str, list[float]]:
    """``insert_assessment`` alone (no context, validation, audit or commit: the part the two ways
    differ in), each way in turn, in one transaction rolled back at the end."""
    from trialapp.storage import assessment_writes as writes

    times: dict[str, list[float]] = {"executemany": [], "shortcut": []} if shortcut else {"executemany": []}
    ways = {"executemany": plain, "shortcut": shortcut}
    with app.db.engine.connect() as conn:
        context = writes.load_assessment_context(conn, trial_id)
        day_id = context.days[-1].id
        for i in range(runs + 10):
            for name in times:
                if shortcut is not None:
                    writes._insert_many = ways[name]  # type: ignore[attr-defined]
                began = time.perf_counter()
                writes.insert_assessment(conn, day_id, a, recorded_by="syn", recorded_at=datetime.now())
                if i >= 10:
                    times[name].append((time.perf_counter() - began) * 1000)
        conn.rollback()
    writes._insert_many = plain  # type: ignore[attr-defined]
    return times


def positional_insert_many(conn: Connection, statement: Insert, rows: list[dict[str, Any]]) -> None:
    """Insert ``rows`` (dicts with the same keys) with one ``executemany`` of the compiled SQL, the rows
    as tuples, each value converted by its column type's bind processor, as ``Connection.execute`` would
    (on a driver that binds by position; elsewhere ``Connection.execute``)."""
    if not rows:
        return
    keys = tuple(rows[0])
    plan = _positional_plan(conn.dialect, statement, keys)
    if plan is None:
        conn.execute(statement, rows)
        return
    sql, processors = plan
    values = [
        tuple(row[k] if p is None else p(row[k]) for k, p in zip(keys, processors, strict=True))
        for row in rows
    ]
    conn.exec_driver_sql(sql, values)


_Plan = tuple[str, tuple[Callable[[Any], Any] | None, ...]]
_POSITIONAL: dict[tuple[object, ...], _Plan | None] = {}


def _positional_plan(dialect: Dialect, statement: Insert, keys: tuple[str, ...]) -> _Plan | None:
    cache_key = (type(dialect), dialect.paramstyle, statement, keys)
    if cache_key not in _POSITIONAL:
        table = cast(Table, statement.table)
        compiled = statement.compile(dialect=dialect, column_keys=list(keys))
        positions = compiled.positiontup
        if positions is None or tuple(positions) != keys:
            _POSITIONAL[cache_key] = None
        else:
            processors = tuple(table.c[key].type.bind_processor(dialect) for key in keys)
            _POSITIONAL[cache_key] = (compiled.string, processors)
    return _POSITIONAL[cache_key]


if __name__ == "__main__":
    main()
