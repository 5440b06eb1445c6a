"""The Core writes of an assessment store exactly what ``Connection.execute`` would store.

``_insert_many`` runs SQLAlchemy's compiled INSERT with the rows as tuples (values converted by their
column types) on drivers that bind by position; the stored values, with their SQLite storage classes,
must be those of the ordinary path. Synthetic data.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import insert, text
from sqlalchemy.dialects import postgresql

from trialapp.storage import assessment_writes as w
from trialapp.storage import models as m


def _stored(conn: Any, table: str, assessment_id: int) -> list[tuple[Any, ...]]:
    columns = [
        row[1]
        for row in conn.exec_driver_sql(f"PRAGMA table_info({table})")
        if row[1] not in ("id", "assessment_id")
    ]
    typed = ", ".join(f"typeof({c}), quote({c})" for c in columns)
    return list(
        conn.execute(
            text(f"SELECT {typed} FROM {table} WHERE assessment_id = :a ORDER BY id"), {"a": assessment_id}
        )
    )


def _assessment(conn: Any) -> int:
    pid = conn.execute(
        insert(m.PatientRow.__table__),
        {"mrn": f"W{datetime.now().timestamp()}", "birth_date": date(2015, 1, 1), "allergies": []},
    ).inserted_primary_key[0]
    tid = conn.execute(
        insert(m.TrialRow.__table__),
        {
            "public_id": f"T{pid:07d}",
            "patient_id": pid,
            "started_on": date(2026, 11, 2),
            "mode": "bolus",
            "ladder": "standard",
            "mas_coding": "cprn",
            "region": "lower",
            "threshold": 1.0,
            "schedule_hours": [1, 2],
            "max_dose_mcg": 100,
            "late_after_minutes": 30,
            "catheter_placed_at": datetime(2026, 11, 2, 7, 40),
            "catheter_method": "catheter",
            "created_at": datetime(2026, 11, 2, 7, 40),
        },
    ).inserted_primary_key[0]
    day = conn.execute(
        insert(m.TrialDay.__table__), {"trial_id": tid, "day_number": 1, "date": date(2026, 11, 2)}
    ).inserted_primary_key[0]
    return int(
        conn.execute(
            insert(m.AssessmentRow.__table__),
            {"day_id": day, "kind": "baseline", "at": datetime(2026, 11, 2, 9)},
        ).inserted_primary_key[0]
    )


def test_rows_as_tuples_are_stored_as_the_ordinary_path_stores_them(app) -> None:
    def rows(aid: int) -> dict[str, list[dict[str, Any]]]:
        return {
            "mas_grades": [
                {"assessment_id": aid, "position": i, "muscle": mu, "side": "left", "grade": g}
                for i, (mu, g) in enumerate([("hip_flexors", "1+"), ("knee_flexors", "NT")])
            ],
            "tardieu_measures": [
                {
                    "assessment_id": aid,
                    "position": 0,
                    "muscle": "knee_flexors",
                    "side": "left",
                    "r1_deg": 115,
                    "r2_deg": 140.5,
                    "quality": 2,
                },
                {
                    "assessment_id": aid,
                    "position": 1,
                    "muscle": "knee_flexors",
                    "side": "right",
                    "r1_deg": None,
                    "r2_deg": -10,
                    "quality": None,
                },
            ],
            "rom_measures": [
                {"assessment_id": aid, "position": 0, "measure": "popliteal_angle", "side": "left", "deg": 55}
            ],
            "goal_scores": [{"assessment_id": aid, "position": 0, "goal_code": "g1", "gas": -2}],
        }

    statements = {
        "mas_grades": w._INSERT_MAS,
        "tardieu_measures": w._INSERT_TARDIEU,
        "rom_measures": w._INSERT_ROM,
        "goal_scores": w._INSERT_GOAL_SCORES,
    }
    with app.db.write_connection() as conn:
        fast, usual = _assessment(conn), _assessment(conn)
        for table, statement in statements.items():
            assert w._positional_plan(conn.dialect, statement, tuple(rows(fast)[table][0])) is not None
            w._insert_many(conn, statement, rows(fast)[table])
            conn.execute(statement, rows(usual)[table])
            assert _stored(conn, table, fast) == _stored(conn, table, usual) != []
        # Alerts: a time converted by its column type (IsoDateTime), text, numbers.
        trial_id = conn.execute(text("SELECT max(id) FROM trials")).scalar_one()
        for aid, run in (
            (fast, lambda r: w._insert_many(conn, w._INSERT_ALERTS, r)),
            (usual, lambda r: conn.execute(w._INSERT_ALERTS, r)),
        ):
            run(
                [
                    {
                        "trial_id": trial_id,
                        "assessment_id": aid,
                        "code": "spo2_low",
                        "level": "urgent",
                        "message": "SpO2 85 %",
                        "raised_at": datetime(2026, 11, 2, 9, 5, 30),
                    }
                ]
            )
        alerts = [
            tuple(row)
            for row in conn.execute(
                text(
                    "SELECT code, level, message, typeof(raised_at), raised_at, acknowledged_at FROM vital_alerts WHERE assessment_id IN (:a, :b) ORDER BY id"
                ),
                {"a": fast, "b": usual},
            )
        ]
        assert (
            alerts[0] == alerts[1] == ("spo2_low", "urgent", "SpO2 85 %", "text", "2026-11-02T09:05:30", None)
        )


def test_drivers_that_bind_by_name_use_the_ordinary_path() -> None:
    keys = ("assessment_id", "position", "muscle", "side", "grade")
    assert w._positional_plan(postgresql.dialect(), w._INSERT_MAS, keys) is None
