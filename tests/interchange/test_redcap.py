"""REDCap export: the records CSV and the data dictionary agree with each other (every column is defined,
every value fits its field's type and choices, every value sits on a form designated to its event), the
events follow REDCap's naming, and the values are the trial's own."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from tests.helpers import demo_json
from trialapp.domain.records import Assessment
from trialapp.interchange import fhir_codes, redcap, redcap_dictionary
from trialapp.interchange.deidentify import Pseudonyms, scrub
from trialapp.interchange.trial_json import load_trial_document
from trialapp.services.demo import demo_files, demo_text

DEMOS = demo_files()
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_DATETIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}")
_INTEGER = re.compile(r"-?[0-9]+")
_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?")
_STANDARD_COLUMNS = [
    "Variable / Field Name",
    "Form Name",
    "Section Header",
    "Field Type",
    "Field Label",
    "Choices, Calculations, OR Slider Labels",
    "Field Note",
    "Text Validation Type OR Show Slider Number",
    "Text Validation Min",
    "Text Validation Max",
    "Identifier?",
    "Branching Logic (Show field only if...)",
    "Required Field?",
    "Custom Alignment",
    "Question Number (surveys only)",
    "Matrix Group Name",
    "Matrix Ranking?",
    "Field Annotation",
]


# ------------------------------------------------------------------------- agreement (reusable check)


def parse_dictionary(text: str) -> dict[str, dict[str, str]]:
    rows = list(csv.DictReader(io.StringIO(text)))
    return {row["Variable / Field Name"]: row for row in rows}


def parse_choices(text: str) -> list[str]:
    return [part.split(",", 1)[0].strip() for part in text.split("|")] if text.strip() else []


def parse_designations(text: str) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for row in csv.DictReader(io.StringIO(text)):
        found.setdefault(row["unique_event_name"], set()).add(row["form"])
    return found


def check_agreement(records: str, dictionary: str, designations: str | None = None) -> list[str]:
    """Every problem found between a records CSV and its data dictionary (empty = they agree).

    Written from REDCap's rules, not from the exporter: a column is ``record_id``, ``redcap_event_name``,
    a field, ``field___code`` of a checkbox field's choice, or ``<form>_complete`` of a form; values fit
    the field type, validation, range and choices; a value sits only on a form designated to the row's
    event.
    """
    fields = parse_dictionary(dictionary)
    problems: list[str] = []
    names = list(fields)
    if not names or names[0] != "record_id":
        problems.append("the dictionary's first field must be record_id")
    forms = {row["Form Name"] for row in fields.values()}
    reader = csv.DictReader(io.StringIO(records))
    header = reader.fieldnames or []
    if header[:2] != ["record_id", "redcap_event_name"]:
        problems.append(f"the CSV must start with record_id, redcap_event_name, not {header[:2]}")
    column_form: dict[str, str] = {}
    for column in header[2:]:
        if column.endswith("_complete") and column[: -len("_complete")] in forms:
            column_form[column] = column[: -len("_complete")]
        elif "___" in column:
            field, code = column.split("___", 1)
            row = fields.get(field)
            if (
                row is None
                or row["Field Type"] != "checkbox"
                or code not in parse_choices(row["Choices, Calculations, OR Slider Labels"])
            ):
                problems.append(f"{column}: not a choice of a checkbox field in the dictionary")
            else:
                column_form[column] = row["Form Name"]
        elif column in fields:
            if fields[column]["Field Type"] == "checkbox":
                problems.append(f"{column}: a checkbox field needs one column per choice")
            column_form[column] = fields[column]["Form Name"]
        else:
            problems.append(f"{column}: not defined in the dictionary")
    for name, row in fields.items():
        if name == "record_id":
            continue
        expected = (
            [f"{name}___{code}" for code in parse_choices(row["Choices, Calculations, OR Slider Labels"])]
            if row["Field Type"] == "checkbox"
            else [name]
        )
        for column in expected:
            if column not in header:
                problems.append(f"{column}: in the dictionary but not in the CSV")
    allowed = parse_designations(designations) if designations is not None else None
    for n, row in enumerate(reader, start=2):
        event = row["redcap_event_name"]
        if not row["record_id"]:
            problems.append(f"line {n}: empty record_id")
        for column, value in row.items():
            if column in ("record_id", "redcap_event_name") or value == "":
                continue
            form = column_form.get(column)
            if form is None:
                continue
            if allowed is not None and form not in allowed.get(event, set()):
                problems.append(f"line {n} {column}: form {form} is not designated to {event}")
            if column.endswith("_complete") and column not in fields:
                if value not in ("0", "1", "2"):
                    problems.append(f"line {n} {column}: form status {value!r}")
                continue
            field = column.split("___", 1)[0]
            problem = _value_problem(fields[field], column, value)
            if problem:
                problems.append(f"line {n} {column}: {problem}")
    return problems


def _value_problem(row: dict[str, str], column: str, value: str) -> str | None:
    kind = row["Field Type"]
    if kind in ("yesno", "truefalse") or "___" in column:
        return None if value in ("0", "1") else f"{value!r} is not 0 or 1"
    if kind in ("dropdown", "radio"):
        choices = parse_choices(row["Choices, Calculations, OR Slider Labels"])
        return None if value in choices else f"{value!r} is not one of {choices}"
    if kind == "notes":
        return None
    validation = row["Text Validation Type OR Show Slider Number"]
    pattern = {"integer": _INTEGER, "number": _NUMBER, "date_ymd": _DATE, "datetime_ymd": _DATETIME}.get(
        validation
    )
    if pattern is not None and not pattern.fullmatch(value):
        return f"{value!r} does not match the {validation} validation"
    if validation in ("integer", "number"):
        low, high = row["Text Validation Min"], row["Text Validation Max"]
        if (low and float(value) < float(low)) or (high and float(value) > float(high)):
            return f"{value} is outside {low}..{high}"
    return None


# ------------------------------------------------------------------------------------------ fixtures


@pytest.fixture(scope="module")
def identified() -> list[redcap.RedcapTrial]:
    return [redcap.trial_records(load_trial_document(demo_text(n)), f"T{i}") for i, n in enumerate(DEMOS)]


@pytest.fixture(scope="module")
def deidentified() -> list[redcap.RedcapTrial]:
    people = Pseudonyms()
    out = []
    for i, name in enumerate(DEMOS):
        doc = load_trial_document(demo_text(name))
        deid = scrub(doc, study_id=f"SSTUDY{i}", record_id=f"SSTUDY{i}-1", pseudonyms=people)
        out.append(redcap.trial_records(deid.doc, "", deid=deid))
    return out


def rows_of(csv_text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(csv_text)))


# -------------------------------------------------------------------------------------- dictionary


@pytest.mark.parametrize("deidentified_variant", [False, True])
def test_the_dictionary_has_redcaps_standard_columns_and_valid_names(deidentified_variant) -> None:
    text = redcap_dictionary.dictionary_csv(deidentified=deidentified_variant)
    header = next(csv.reader(io.StringIO(text)))
    assert header == _STANDARD_COLUMNS
    fields = parse_dictionary(text)
    names = list(fields)
    assert names[0] == "record_id"
    assert len(names) == len(set(names))
    for name in names:
        assert re.fullmatch(r"[a-z][a-z0-9_]*", name), name
        assert len(name) <= 26, name  # SAS and Stata keep names this long
        assert "___" not in name and not name.endswith("_complete"), name
    for row in fields.values():
        assert row["Field Type"] in {"text", "notes", "dropdown", "checkbox", "yesno"}
        for code in parse_choices(row["Choices, Calculations, OR Slider Labels"]):
            assert re.fullmatch(r"-?[a-z0-9_]+", code), (row["Variable / Field Name"], code)


def test_the_deidentified_dictionary_has_no_identifier_or_free_text_field() -> None:
    full = parse_dictionary(redcap_dictionary.dictionary_csv(deidentified=False))
    deid = parse_dictionary(redcap_dictionary.dictionary_csv(deidentified=True))
    assert set(deid) < set(full)
    assert not [
        name for name, row in deid.items() if row["Identifier?"] == "y" or row["Field Type"] == "notes"
    ]
    for name in (
        "mrn",
        "given_name",
        "family_name",
        "birth_date",
        "assess_at",
        "dose_at",
        "rationale",
        "dose_lot",
    ):
        assert name in full and name not in deid
    assert {name for name, row in full.items() if row["Identifier?"] == "y"} >= {
        "mrn",
        "birth_date",
        "assess_at",
    }


def test_there_is_a_field_per_muscle_side_and_measure() -> None:
    fields = parse_dictionary(redcap_dictionary.dictionary_csv(deidentified=True))
    assert (
        len([n for n in fields if n.startswith("mas_") and n != "mas_reduction" and n != "mas_coding"]) == 28
    )
    assert len([n for n in fields if n.startswith("tard_")]) == 14 * 2 * 3
    assert len([n for n in fields if n.startswith("rom_")]) == 8 * 2


# --------------------------------------------------------------------------------------- agreement


@pytest.mark.parametrize("variant", ["identified", "deidentified"])
def test_the_records_csv_and_the_dictionary_agree(identified, deidentified, variant) -> None:
    trials = identified if variant == "identified" else deidentified
    deid = variant == "deidentified"
    records = redcap.records_csv(trials, deidentified=deid)
    events = redcap.project_events(trials)
    problems = check_agreement(
        records, redcap_dictionary.dictionary_csv(deidentified=deid), redcap.designations_csv(events)
    )
    assert problems == []
    assert len(rows_of(records)) == sum(len(t.rows) for t in trials)


def test_the_agreement_check_can_fail(identified) -> None:
    records = redcap.records_csv(identified, deidentified=False)
    dictionary = redcap_dictionary.dictionary_csv(deidentified=False)
    designations = redcap.designations_csv(redcap.project_events(identified))
    undefined = records.replace("redcap_event_name,", "redcap_event_name,made_up_field,", 1)
    assert any("made_up_field" in p for p in check_agreement(undefined, dictionary, designations))
    rows = rows_of(records)
    rows[1]["dose_conc"] = "75"  # not a concentration choice
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    assert any("dose_conc" in p for p in check_agreement(out.getvalue(), dictionary, designations))
    rows[1]["dose_conc"] = "50"
    rows[0]["dose_mcg"] = "50"  # on the trial event, where the dose form is not designated
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    assert any("not designated" in p for p in check_agreement(out.getvalue(), dictionary, designations))


def test_records_csv_refuses_a_value_without_a_column(identified) -> None:
    broken = replace(identified[0], rows=({**identified[0].rows[0], "no_such_field": "1"},))
    with pytest.raises(ValueError, match="no_such_field"):
        redcap.records_csv([broken], deidentified=False)


def test_a_dataset_folder_written_by_hand_agrees(tmp_path: Path, deidentified) -> None:
    """The same check on files, as a site would run it before the REDCap import."""
    events = redcap.project_events(deidentified)
    (tmp_path / "r.csv").write_text(redcap.records_csv(deidentified, deidentified=True), encoding="utf-8")
    (tmp_path / "d.csv").write_text(redcap_dictionary.dictionary_csv(deidentified=True), encoding="utf-8")
    (tmp_path / "m.csv").write_text(redcap.designations_csv(events), encoding="utf-8")
    assert (
        check_agreement(
            *(
                p.read_text(encoding="utf-8")
                for p in (tmp_path / "r.csv", tmp_path / "d.csv", tmp_path / "m.csv")
            )
        )
        == []
    )


# ------------------------------------------------------------------------------------------ values


def test_rows_carry_the_trials_own_values(identified) -> None:
    raw = demo_json("demo_responder.json")
    trial = identified[DEMOS.index("demo_responder.json")]
    rows = {r["redcap_event_name"]: r for r in trial.rows}
    assert next(iter(rows)) == "trial_arm_1" and all(r["record_id"] == trial.record_id for r in trial.rows)
    top = rows["trial_arm_1"]
    assert top["mrn"] == raw["patient"]["mrn"] and top["birth_date"] == raw["patient"]["birth_date"]
    assert top["diagnosis_icd10"] == "g800" and top["cerebral_palsy"] == "1"
    assert top["outcome"] == "candidate" and top["initial_dose_mcg"] == "150" and top["rec_basis"] == "twice"
    day1 = raw["trial"]["days"][0]
    placed = datetime.fromisoformat(raw["trial"]["catheter"]["placed_at"])
    given = datetime.fromisoformat(day1["doses"][0]["given_at"])
    assert rows["day_1_arm_1"]["dose_mcg"] == str(day1["doses"][0]["dose_mcg"])
    assert float(rows["day_1_arm_1"]["dose_hours"]) == pytest.approx(
        (given - placed) / timedelta(hours=1), abs=0.005
    )
    assert rows["day_1_arm_1"]["dose_at"] == given.strftime("%Y-%m-%d %H:%M")
    kinds = {e["kind"] for e in day1["adverse_events"]}
    for kind in fhir_codes.ADVERSE_EVENTS:
        assert rows["day_1_arm_1"][f"ae_kind___{kind}"] == ("1" if kind in kinds else "0")
    assert rows["day_2_arm_1"]["responder"] == "1" and rows["day_1_arm_1"]["responder"] == "0"
    baseline = day1["assessments"][0]
    mas_codes = {"1+": "1p", "NT": "nt"}
    short = redcap_dictionary.MUSCLE_ABBREVIATIONS
    for entry in baseline["mas"]:
        column = f"mas_{short[entry['muscle']]}_{entry['side'][0]}"
        assert rows["day_1_baseline_arm_1"][column] == mas_codes.get(entry["grade"], entry["grade"])
    assert rows["day_2_4h_arm_1"]["mas_reduction"] == "1.25"  # the demo README's peak on day 2


def test_each_reassessment_has_its_slot_event() -> None:
    doc = load_trial_document(demo_text("demo_responder.json"))
    names = [e.name for _, e in redcap.assessment_events(doc.trial.days[0], doc.trial.settings)]
    assert names == [f"day_1_{s}_arm_1" for s in ("baseline", "1h", "2h", "4h", "6h", "8h")]


def test_off_grid_and_second_reassessments_become_extras_in_time_order() -> None:
    doc = load_trial_document(demo_text("demo_responder.json"))
    day = doc.trial.days[0]
    dose_at = day.doses[0].given_at
    late_1h = replace(day.assessments[1], at=dose_at + timedelta(minutes=70))
    extra_a = Assessment(kind="reassessment", at=dose_at + timedelta(hours=3))
    extra_b = Assessment(kind="reassessment", at=dose_at + timedelta(hours=12))
    day = replace(day, assessments=(day.assessments[0], late_1h, extra_b, extra_a, *day.assessments[2:]))
    events = {a.at: e.name for a, e in redcap.assessment_events(day, doc.trial.settings)}
    assert events[late_1h.at] == "day_1_1h_arm_1"
    assert events[extra_a.at] == "day_1_extra_1_arm_1"
    assert events[extra_b.at] == "day_1_extra_2_arm_1"


def test_a_day_without_a_dose_keeps_its_baseline_event() -> None:
    doc = load_trial_document(demo_text("demo_responder.json"))
    day = replace(doc.trial.days[0], doses=())
    names = [e.name for _, e in redcap.assessment_events(day, doc.trial.settings)]
    assert names[0] == "day_1_baseline_arm_1"
    assert names[1:] == [f"day_1_extra_{k}_arm_1" for k in range(1, 6)]


def test_deidentified_rows_hold_hours_not_dates(deidentified) -> None:
    text = redcap.records_csv(deidentified, deidentified=True)
    assert not re.search(r"\b(19|20)[0-9]{2}-[0-9]{2}-[0-9]{2}\b", text)
    top = rows_of(text)[0]
    assert top["record_id"] == "SSTUDY0-1" and top["age_years"].isdigit()
    assert "mrn" not in top and "dose_at" not in rows_of(text)[1]


# ------------------------------------------------------------------------------------------ events


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("Baseline", "baseline_arm_1"),
        ("3 Month", "3_month_arm_1"),
        ("Follow-up 30 min", "followup_30_min_arm_1"),
        ("Ad Hoc (Visit)", "ad_hoc_visit_arm_1"),
        ("Day 1 1.5h", "day_1_1_5h_arm_1"),
        ("Deadline to opt out of study", "deadline_to_opt_ou_arm_1"),
    ],
)
def test_unique_event_names_follow_redcaps_derivation(label, expected) -> None:
    assert redcap.unique_event_name(label) == expected


def test_project_events_are_ordered_and_fit_redcaps_name_length(identified) -> None:
    events = redcap.project_events(identified)
    names = [e.name for e in events]
    assert names[:3] == ["trial_arm_1", "day_1_arm_1", "day_1_baseline_arm_1"]
    assert len(names) == len(set(names))
    for event in events:
        assert len(event.name.removesuffix("_arm_1")) <= 18  # REDCap would cut a longer one
    used = {r["redcap_event_name"] for t in identified for r in t.rows}
    assert used == set(names)
    # The record id's form must be designated to the first event.
    assert "patient" in events[0].forms
    events_csv = list(csv.DictReader(io.StringIO(redcap.events_csv(events))))
    assert [redcap.unique_event_name(r["event_name"]) for r in events_csv] == names
    forms = {row["Form Name"] for row in parse_dictionary(redcap_dictionary.dictionary_csv(deidentified=False)).values()}
    assert {f for e in events for f in e.forms} == forms


# -------------------------------------------------------------------------------------------- codes


def test_dose_warning_codes_are_those_the_domain_raises() -> None:
    import trialapp.domain.dosing as dosing

    source = Path(dosing.__file__).read_text(encoding="utf-8")
    raised = set(re.findall(r'warning\(\s*"([a-z0-9_]+)"', source))
    assert raised, "no warning codes found in the domain: the pattern needs updating"
    assert raised | {dosing.OVERRIDE_WARNING_CODE} == set(fhir_codes.DOSE_WARNING_CODES)


def test_a_trial_in_progress_agrees_with_the_dictionary() -> None:
    doc = load_trial_document(demo_text("demo_small_child.json"))
    day = replace(
        doc.trial.days[0],
        assessments=doc.trial.days[0].assessments[:1],
        doses=(),
        adverse_events=(),
        plan=None,
    )
    trial = redcap.trial_records(replace(doc, trial=replace(doc.trial, days=(day,), decision=None)), "T1")
    records = redcap.records_csv([trial], deidentified=False)
    events = redcap.project_events([trial])
    assert [e.name for e in events] == ["trial_arm_1", "day_1_arm_1", "day_1_baseline_arm_1"]
    dictionary = redcap_dictionary.dictionary_csv(deidentified=False)
    assert check_agreement(records, dictionary, redcap.designations_csv(events)) == []
    top, day_row, _ = rows_of(records)
    assert (
        top["decision_complete"] == ""
        and day_row["dose_count"] == "0"
        and day_row["day_response_complete"] == ""
    )
