"""The fast reads of the storage layer give exactly what the plain ORM reads give.

``load_document`` (a whole trial in a dozen Core queries) against ``document_record(get_trial(...))``, and
``list_trials`` (two search plans, chosen by how many patients match) against a straightforward reference
computed in Python from the ORM objects. Synthetic data only.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from tests.helpers import query_plans
from trialapp.domain import records as r
from trialapp.interchange.trial_json import load_trial_document
from trialapp.services.context import os_actor
from trialapp.services.demo import demo_files, demo_text, load_demo
from trialapp.storage import models as m
from trialapp.storage import repositories as repo

# ------------------------------------------------------------------------------------------ load_document


def _assert_same_read(app, trial_id: str) -> r.TrialDocument:
    with app.db.read() as s:
        loaded = repo.load_document(s, trial_id)
    fast = loaded.document
    with app.db.read() as s:
        row = repo.get_trial(s, trial_id)
        expected = repo.document_record(row)
        assert (loaded.pk, loaded.public_id, loaded.state) == (row.id, row.public_id, row.state)
    assert fast == expected
    # Equal and of the same types (an int stays an int, a tuple a tuple), field by field.
    assert repr(fast) == repr(expected)
    return fast


def test_load_document_reads_every_demo_trial_as_the_orm_does(app) -> None:
    result = load_demo(app, os_actor())
    assert len(result.trials) == len(demo_files()) >= 3
    for name, trial_id, _new in result.trials:
        doc = _assert_same_read(app, trial_id)
        assert doc == load_trial_document(demo_text(name)), name
        # The id is found whatever its case and surrounding spaces, as get_trial finds it.
        with app.db.read() as s:
            assert repo.load_document(s, f"  {trial_id.lower()} ").document == doc


def _every_field(doc: r.TrialDocument) -> r.TrialDocument:
    """The demo responder with every optional field filled in, and some deliberately left empty."""
    patient = dataclasses.replace(
        doc.patient,
        sex="male",
        weight_kg=31.25,
        height_cm=128.5,
        gmfcs_level=3,
        diagnosis="Spastic diplegia (synthetic)",
        tone_pattern="mixed",
        allergies=("latex", "cefazolin"),
        language="es",
    )
    days = list(doc.trial.days)
    first = days[0]
    a0 = first.assessments[0]
    full = dataclasses.replace(
        a0,
        assessor="Pat Synthetic",
        tardieu=(
            r.TardieuEntry("gastrocnemius", "left", 20, 75.5, 3),
            r.TardieuEntry("hamstrings", "right", None, 40, None),
        ),
        rom=(r.RomEntry("popliteal_angle", "left", 55), r.RomEntry("ankle_df_knee_ext", "right", -5.5)),
        function=r.Function("2", "1", "C", 14.5, 22, 180.25, "Crouch gait (synthetic)"),
        penn_frequency=2,
        penn_severity=3,
        pain=r.Pain("flacc", 3),
        sedation_umss=1,
        vitals=r.Vitals(hr=96, rr=21.5, spo2=98, sbp=104, dbp=61, temp_c=36.8),
        goals=(r.GoalScore(doc.trial.goals[0].id, 1), r.GoalScore(doc.trial.goals[-1].id, -1)),
        notes="Everything recorded (synthetic).",
    )
    dose = dataclasses.replace(
        first.doses[0],
        via="catheter",
        lot="SYN-LOT-7",
        warnings_acknowledged=(
            r.AcknowledgedWarning("above_ladder", "Team agreed a larger step (synthetic)", "Dr Synthetic"),
            r.AcknowledgedWarning("short_interval", "Second reason, kept in order", None),
        ),
    )
    days[0] = dataclasses.replace(
        first,
        assessments=(full, *first.assessments[1:]),
        doses=(dose, *first.doses[1:]),
        adverse_events=(
            r.AdverseEvent(first.doses[0].given_at + timedelta(hours=2), "nausea", "mild", None, None),
            r.AdverseEvent(
                first.doses[0].given_at + timedelta(hours=3),
                "seizure",
                "severe",
                "Brief (synthetic)",
                "Called",
            ),
        ),
        plan=r.DayPlan(75, ("Dr Synthetic", "Pat Synthetic"), "Partial response", "Plan notes (synthetic)"),
    )
    # A day with nothing in it yet.
    last = days[-1]
    days.append(r.Day(last.day + 1, last.date + timedelta(days=1)))
    trial = dataclasses.replace(
        doc.trial,
        catheter=dataclasses.replace(doc.trial.catheter, level="L2-L3"),
        goals=(*doc.trial.goals, r.Goal("g9", "A goal without a baseline score", None)),
        days=tuple(days),
        decision=r.Decision(
            "candidate", datetime(2026, 11, 6, 15, 30), "Dr Synthetic", "Clear response.", 150
        ),
    )
    return r.TrialDocument(patient=patient, trial=trial)


def _store(app, doc: r.TrialDocument) -> str:
    with app.db.write() as s:
        patient = repo.find_patient_by_mrn(s, doc.patient.mrn) or repo.patient_row(doc.patient)
        trial = repo.trial_row(doc.trial, patient)
        s.add(trial)
        s.flush()
        return trial.public_id


def test_load_document_reads_every_optional_field_as_the_orm_does(app) -> None:
    demo = load_trial_document(demo_text("demo_responder.json"))
    doc = _every_field(demo)
    trial_id = _store(app, doc)
    assert _assert_same_read(app, trial_id) == doc

    # A trial with nothing optional at all: no goals, no days, no decision, a patient with only an MRN.
    bare = r.TrialDocument(
        patient=r.Patient("SYN-BARE-1", date(2019, 1, 2)),
        trial=r.Trial(date(2026, 1, 5), r.Catheter(datetime(2026, 1, 5, 8, 0), "lumbar_puncture")),
    )
    assert _assert_same_read(app, _store(app, bare)) == bare

    # An undecided decision on a second trial of the same patient.
    undecided = dataclasses.replace(
        doc, trial=dataclasses.replace(doc.trial, decision=r.Decision("undecided"))
    )
    read = _assert_same_read(app, _store(app, undecided))
    assert read.trial.decision == r.Decision("undecided")


def test_load_document_says_what_to_do_for_an_unknown_id(app) -> None:
    with app.db.read() as s, pytest.raises(repo.NotFound, match="trialapp list"):
        repo.load_document(s, "TNOSUCH1")


def test_load_documents_reads_several_trials_each_as_load_document_does(app) -> None:
    """The dataset export's batched read: the demo trials, a trial with every field and a bare one, read
    together in any order, give each trial exactly as it is read alone (its rows are not mixed with the
    others'); a row id that is not there is said, not skipped."""
    ids = [trial_id for _name, trial_id, _new in load_demo(app, os_actor()).trials]
    ids.append(_store(app, _every_field(load_trial_document(demo_text("demo_responder.json")))))
    ids.append(
        _store(
            app,
            r.TrialDocument(
                patient=r.Patient("SYN-BARE-2", date(2019, 1, 2)),
                trial=r.Trial(date(2026, 1, 5), r.Catheter(datetime(2026, 1, 5, 8, 0), "lumbar_puncture")),
            ),
        )
    )
    with app.db.read() as s:
        alone = [repo.load_document(s, trial_id) for trial_id in ids]
        pks = [one.pk for one in alone][::-1]
        together = repo.load_documents(s, pks)
        assert [repr(one) for one in together] == [repr(one) for one in alone[::-1]]
        assert repo.load_documents(s, pks[:1]) == [alone[-1]]
        with pytest.raises(repo.NotFound, match="row id 999999"):
            repo.load_documents(s, [pks[0], 999999])


# -------------------------------------------------------------------------------------------- list_trials

FAMILIES = ("Adeyemi", "Brown", "Castillo", "Dubois", "Eriksen", "Fujita", "Garcia", "Haddad")
GIVEN = ("Ana", "Ben", "Chloé", "Dev", "Eli", "Fatma", "Gus", "Hana", "Ivo")


@pytest.fixture
def listed(app) -> Iterator[object]:
    """About 70 patients with 1–3 trials each, some completed, days from none to four. Synthetic."""
    catheter = r.Catheter(datetime(2026, 1, 1, 8, 0), "catheter")
    with app.db.write() as s:
        for i in range(70):
            patient = repo.patient_row(
                r.Patient(
                    f"SYN-{3000 + i}",
                    date(2012 + i % 9, 1 + i % 12, 1 + i % 27),
                    # A handful of unusual names: one rare, one with characters LIKE treats specially.
                    given_name=GIVEN[i % len(GIVEN)] if i != 41 else "Zebedee",
                    family_name=FAMILIES[i % len(FAMILIES)] if i != 42 else "O'Neil_100%",
                )
            )
            for k in range(1 + i % 3):
                started = date(2025, 1, 1) + timedelta(days=(i * 7 + k * 90) % 400)
                days = tuple(r.Day(n, started + timedelta(days=n - 1)) for n in range(1, (i + k) % 5 + 1))
                decision = None
                if (i + k) % 4 == 0:
                    decision = r.Decision(("candidate", "not_candidate", "undecided")[(i + k) % 3])
                trial = r.Trial(started, catheter, days=days, decision=decision)
                s.add(repo.trial_row(trial, patient))
        # Two trials started on the same day: the order falls back to the row id.
        twin = repo.patient_row(r.Patient("SYN-TWIN", date(2015, 5, 5), "Twin", "Sameday"))
        for _ in range(2):
            s.add(repo.trial_row(r.Trial(date(2025, 6, 1), catheter), twin))
    return app


def _all_listings(app) -> list[tuple[tuple[date, int], str, repo.TrialListing]]:
    """Every trial as (sort key, its patient's search key, listing), read the plain way (ORM objects)."""
    with app.db.read() as s:
        trials = s.execute(select(m.TrialRow)).scalars().all()
        return [
            (
                (t.started_on, t.id),
                t.patient.search_key,
                repo.TrialListing(
                    trial_id=t.public_id,
                    state=t.state,
                    started_on=t.started_on,
                    days=len(t.days),
                    mrn=t.patient.mrn,
                    given_name=t.patient.given_name,
                    family_name=t.patient.family_name,
                    birth_date=t.patient.birth_date,
                    outcome=t.decision.outcome if t.decision is not None else None,
                ),
            )
            for t in trials
        ]


def _reference(
    everything: list[tuple[tuple[date, int], str, repo.TrialListing]],
    search: str | None,
    state: str | None,
    limit: int | None,
) -> list[repo.TrialListing]:
    """What the list must be, computed the plain way: filtered and sorted in Python."""
    needle = search.strip().casefold() if search else None
    rows = [
        (key, listing)
        for key, search_key, listing in everything
        if (needle is None or needle in search_key) and (not state or listing.state == state)
    ]
    rows.sort(key=lambda pair: pair[0], reverse=True)
    listing = [row for _key, row in rows]
    return listing[:limit] if limit else listing


SEARCHES = (
    None,
    "zebedee",  # a rare name: one patient
    "SYN-3017",  # a record number, as typed
    "syn-3017",
    "  garcia ",  # spaces around
    "a",  # a common fragment: most patients
    "an",
    "syn",  # every patient (in the MRN)
    "_100%",  # LIKE's wildcards, taken literally
    "%",
    "_",
    "o'neil",
    "chloé",
    "nobody-has-this",
)


@pytest.mark.parametrize("few", [repo.FEW_PATIENTS, 3, 0])
@pytest.mark.parametrize("state", [None, "active", "completed"])
def test_list_trials_gives_the_reference_rows_in_order(listed, monkeypatch, few, state) -> None:
    # FEW_PATIENTS decides between the two plans: its real value (the "few" plan for every search here),
    # 3 (the walk for common fragments) and 0 (the walk for every search).
    monkeypatch.setattr(repo, "FEW_PATIENTS", few)
    everything = _all_listings(listed)
    assert len({search_key for _key, search_key, _listing in everything}) > 70
    for search in SEARCHES:
        for limit in (None, 1, 7, 500):
            with listed.db.read() as s:
                got = repo.list_trials(s, search=search, state=state, limit=limit)
            assert got == _reference(everything, search, state, limit), (search, state, limit, few)


def test_list_trials_orders_same_day_trials_newest_row_first(listed) -> None:
    with listed.db.read() as s:
        got = repo.list_trials(s, search="sameday")
        ids = s.execute(select(m.TrialRow.public_id).order_by(m.TrialRow.id.desc())).scalars().all()
    assert [t.trial_id for t in got] == [i for i in ids if i in {t.trial_id for t in got}]
    assert len(got) == 2


# ------------------------------------------------------------------------------------------- query plans


def _list_plans(app, **kwargs) -> list[str]:
    def run() -> None:
        with app.db.read() as s:
            repo.list_trials(s, limit=201, **kwargs)

    return query_plans(app, run)


def test_list_trials_walks_the_listing_index_without_sorting(listed) -> None:
    (plan,) = _list_plans(listed)
    assert "ix_trials_listing" in plan
    assert "TEMP B-TREE" not in plan  # newest first straight from the index, stopping after the page
    (plan,) = _list_plans(listed, state="active")
    assert "ix_trials_listing" in plan and "TEMP B-TREE" not in plan


def test_a_rare_search_finds_the_trials_by_patient(listed) -> None:
    patients, trials = _list_plans(listed, search="zebedee")
    assert "ix_patients_search_key" in patients  # one pass over the search keys, not over the patients
    assert "ix_trials_patient_id" in trials  # the few patients' trials, by index
    # Nothing is scanned but the list of matching patients' ids.
    assert [line for line in trials.splitlines() if "SCAN" in line and "json_each" not in line] == []


def test_a_common_search_walks_the_listing_index(listed, monkeypatch) -> None:
    monkeypatch.setattr(repo, "FEW_PATIENTS", 3)
    patients, trials = _list_plans(listed, search="a")
    assert "ix_patients_search_key" in patients
    assert "ix_trials_listing" in trials and "TEMP B-TREE" not in trials
