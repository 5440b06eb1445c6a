"""The Core writes of an assessment store exactly what the ORM writer stores.

Both go through ``repositories.*_to_row``; the stored values, with their SQLite storage classes, must be
the same, child rows included. Synthetic data.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import insert, text
from sqlalchemy.orm import Session

from trialapp.domain import records as r
from trialapp.storage import assessment_writes as w
from trialapp.storage import models as m
from trialapp.storage import repositories as repo

_CHILDREN = ("mas_grades", "tardieu_measures", "rom_measures", "goal_scores")
_AT = datetime(2026, 11, 2, 9, 0)


def _stored(conn: Any, table: str, key: str, row_id: int) -> list[tuple[Any, ...]]:
    """Each column's SQLite type and quoted value (ids, parent keys and the save time left out)."""
    columns = [
        row[1]
        for row in conn.exec_driver_sql(f"PRAGMA table_info({table})")
        if row[1] not in ("id", "assessment_id", "day_id", "recorded_at")
    ]
    typed = ", ".join(f"typeof({c}), quote({c})" for c in columns)
    return list(
        conn.execute(text(f"SELECT {typed} FROM {table} WHERE {key} = :a ORDER BY id"), {"a": row_id})
    )


def _day(conn: Any) -> int:
    pid = conn.execute(
        insert(m.PatientRow.__table__),
        {"mrn": "SYN-W1", "birth_date": date(2015, 1, 1), "allergies": []},
    ).inserted_primary_key[0]
    tid = conn.execute(
        insert(m.TrialRow.__table__),
        {
            "public_id": "T0000001",
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
    return int(
        conn.execute(
            insert(m.TrialDay.__table__), {"trial_id": tid, "day_number": 1, "date": date(2026, 11, 2)}
        ).inserted_primary_key[0]
    )


def _assessment() -> r.Assessment:
    return r.Assessment(
        kind="baseline",
        at=_AT,
        assessor="Syn Assessor",
        mas=(r.MasEntry("hip_flexors", "left", "1+"), r.MasEntry("knee_flexors", "left", "NT")),
        tardieu=(
            r.TardieuEntry("knee_flexors", "left", 115, 140.5, 2),
            r.TardieuEntry("knee_flexors", "right", None, -10, None),
        ),
        rom=(r.RomEntry("popliteal_angle", "left", 55),),
        function=r.Function("2", "1", None, 12.5, None, 300, "Synthetic."),
        pain=r.Pain("flacc", 1),
        sedation_umss=0,
        vitals=r.Vitals(hr=98, rr=20.5, spo2=97, sbp=None, dbp=None, temp_c=36.8),
        goals=(r.GoalScore("g1", -2),),
        notes="Synthetic.",
    )


def test_core_and_orm_writes_store_the_same_values(app) -> None:
    a = _assessment()
    with app.db.write_connection() as conn:
        day_id = _day(conn)
        core = w.insert_assessment(conn, day_id, a, recorded_by="user:syn", recorded_at=_AT)
        with Session(bind=conn) as s:
            row = repo.assessment_row(a, recorded_by="user:syn")
            row.day_id = day_id
            s.add(row)
            s.flush()
            orm = row.id
        assert _stored(conn, "assessments", "id", core) == _stored(conn, "assessments", "id", orm) != []
        for table in _CHILDREN:
            assert (
                _stored(conn, table, "assessment_id", core)
                == _stored(conn, table, "assessment_id", orm)
                != []
            )


def test_what_is_written_reads_back_as_the_same_record(app) -> None:
    a = _assessment()
    with app.db.write_connection() as conn:
        day_id = _day(conn)
        w.insert_assessment(conn, day_id, a, recorded_by="user:syn", recorded_at=_AT)
    with app.db.read() as s:
        doc = repo.load_document(s, "T0000001").document
    assert doc.trial.days[0].assessments == (a,)


def test_alerts_are_stored_with_their_time_as_text(app) -> None:
    from trialapp.domain.vitals import VitalAlert

    with app.db.write_connection() as conn:
        aid = w.insert_assessment(conn, _day(conn), _assessment(), recorded_by=None, recorded_at=_AT)
        trial_pk = conn.execute(text("SELECT max(id) FROM trials")).scalar_one()
        alert = VitalAlert("spo2_low", "urgent", "SpO2 85 %", 85)
        w.insert_vital_alerts(conn, trial_pk, aid, [alert], datetime(2026, 11, 2, 9, 5, 30))
        w.insert_vital_alerts(conn, trial_pk, aid, [], datetime(2026, 11, 2, 9, 6))  # nothing to write
        stored = conn.execute(
            text(
                "SELECT code, level, message, typeof(raised_at), raised_at, acknowledged_at FROM vital_alerts"
            )
        ).all()
    assert [tuple(x) for x in stored] == [
        ("spo2_low", "urgent", "SpO2 85 %", "text", "2026-11-02T09:05:30", None)
    ]
