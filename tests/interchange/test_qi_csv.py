"""The QI CSV: round trip through the database, re-import, and malformed files rejected with every problem
listed (row and column) and the database byte-for-byte unchanged."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.helpers import file_digest, sign_in_module_actors
from tests.qi_synthetic import AS_OF, QI_LEAD, SYSTEM, load_synthetic, synthetic_csv
from trialapp.domain import qi_bundle, qi_procedures
from trialapp.domain.qi_bundle import BundleHistory, BundleVersion
from trialapp.domain.qi_procedures import QiProcedure, Ssi
from trialapp.interchange import qi_csv
from trialapp.services import qi as service
from trialapp.services.context import App, open_app
from trialapp.services.errors import InvalidInput, PermissionDenied


@pytest.fixture(autouse=True)
def _actors_signed_in(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    sign_in_module_actors(request, monkeypatch)  # services trust only signed-in sessions (issue 18 §11)


BUNDLE = qi_bundle.example_bundle()
HISTORY = BundleHistory((BundleVersion(1, date(2024, 1, 1), BUNDLE),))
CODES = BUNDLE.codes
HEADER = ",".join(qi_csv.expected_header(CODES))
YES_ALL = ",".join("yes" for _ in CODES)


def row(
    pid: str,
    *,
    site: str = "North",
    day: str = "2025-06-02",
    kind: str = "new_implant",
    surgeon: str = "Dr A",
    steps: str = YES_ALL,
    ssi: str = "none,,",
) -> str:
    return f"{pid},{site},{day},{kind},{surgeon},{steps},{ssi}"


def steps_with(**answers: str) -> str:
    return ",".join(answers.get(code, "") for code in CODES)


def test_round_trip_through_two_databases(app: App, tmp_path: Path) -> None:
    text, _ = synthetic_csv(60)
    service.import_csv(app, SYSTEM, text, today=AS_OF)
    exported = service.export_csv(app, SYSTEM)
    assert exported == text  # same columns, same order, same cells
    other = open_app(tmp_path / "other.sqlite")
    try:
        result = service.import_csv(other, SYSTEM, exported, today=AS_OF)
        assert len(result.added) == 60
        assert service.export_csv(other, SYSTEM) == exported
        assert service.qi_summary_json(other, SYSTEM, AS_OF) == service.qi_summary_json(app, SYSTEM, AS_OF)
    finally:
        other.close()


def test_reimporting_an_export_changes_nothing(app: App) -> None:
    load_synthetic(app, 30, with_risk=False)
    exported = service.export_csv(app, SYSTEM)
    result = service.import_csv(app, SYSTEM, exported, today=AS_OF)
    assert result.added == () and len(result.unchanged) == 30


def test_export_filtered_and_by_date(app: App) -> None:
    load_synthetic(app, 30, with_risk=False)
    south = service.export_csv(app, SYSTEM, qi_procedures.QiFilter(site="South"))
    lines = south.strip().split("\n")[1:]
    assert lines and all(line.split(",")[1] == "South" for line in lines)
    dates = [line.split(",")[2] for line in lines]
    assert dates == sorted(dates)


def test_a_file_with_many_problems_lists_them_all_and_writes_nothing(app: App, db_path: Path) -> None:
    service.import_csv(app, SYSTEM, f"{HEADER}\n{row('KEEP-1')}\n", today=AS_OF)
    before = file_digest(db_path)
    lines = [
        HEADER,
        row("OK-1"),  # row 2: fine
        row("BAD-DATE", day="2025-6-2"),  # row 3
        row("FUTURE", day="2026-04-01"),  # row 4: after 'today' (the as-of date)
        row("BAD-KIND", kind="implant"),  # row 5
        row("BAD-ANSWER", steps=steps_with(hair_clipped="Y", double_gloving="n/a")),  # row 6
        row("NOT-FOR-REMOVAL", kind="removal", steps=steps_with(antibacterial_envelope="yes")),  # row 7
        row("SSI-1", ssi="none,2025-07-01,"),  # row 8
        row("SSI-2", ssi="culture_positive,2025-07-01,"),  # row 9
        row("SSI-3", ssi="suspected,2025-05-01,"),  # row 10: before the surgery
        row("SSI-4", ssi="suspected,01/07/2025,"),  # row 11
        row("OK-1"),  # row 12: duplicate id
        row("NO-SITE", site=""),  # row 13
        "SHORT,North,2025-06-02",  # row 14
        row("KEEP-1", surgeon="Dr B"),  # row 15: on file with another surgeon
        row("SSI-5", ssi="fever,,"),  # row 16
        row("bad id!"),  # row 17
    ]
    with pytest.raises(InvalidInput) as info:
        service.import_csv(app, SYSTEM, "\n".join(lines) + "\n", today=AS_OF)
    problems = info.value.problems
    expected = [
        "row 3, column date: '2025-6-2' is not a date",
        "row 4, column date: The surgery date 2026-04-01 is in the future",
        "row 5, column kind: 'implant' is not a procedure kind",
        "row 6, column hair_clipped: 'Y' is not an answer",
        "row 6, column double_gloving: 'n/a': write na",
        "row 7, column antibacterial_envelope: Step antibacterial_envelope does not apply to a removal",
        "row 8, column ssi_date: There is a date but ssi is none",
        "row 9, column organism: A culture-positive infection needs the organism",
        "row 10, column ssi_date: The infection date 2025-05-01 is before the surgery",
        "row 11, column ssi_date: '01/07/2025' is not a date",
        "row 12, column procedure_id: 'OK-1' is also on row 2",
        "row 13, column site: The site is required",
        "row 14: The row has 3 cells",
        "row 15, column procedure_id: Procedure KEEP-1 is already on file with different values "
        "(surgeon Dr A → Dr B)",
        "row 16, column ssi: 'fever' is not allowed",
        "row 17, column procedure_id: 'bad id!' is not a procedure id",
    ]
    assert len(problems) == len(expected), "\n".join(problems)
    for want, got in zip(expected, problems, strict=True):
        assert got.startswith(want), (want, got)
    assert "the database was not changed" in str(info.value)
    assert file_digest(db_path) == before


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "The file is empty"),
        (HEADER + "\n", "a header but no procedure rows"),
        (HEADER.replace(",", ";") + "\n", "separated by ';'"),
        ("procedure_id,site,date,kind,surgeon\nP1,N,2025-01-01,removal,Dr A\n", "The header must start with"),
        (
            HEADER.replace("hair_clipped", "hair_shaved") + "\n" + row("P1"),
            "row 1, column hair_shaved: 'hair_shaved' is not a step code",
        ),
        (
            HEADER.replace("hair_clipped", "double_gloving") + "\n" + row("P1"),
            "row 1, column double_gloving: This step column appears twice",
        ),
        ('procedure_id,site\n"unclosed,quote\n', "not valid CSV"),
    ],
    ids=[
        "empty",
        "header-only",
        "semicolons",
        "no-ssi-columns",
        "unknown-step",
        "duplicate-step",
        "bad-quoting",
    ],
)
def test_malformed_files_are_refused(app: App, db_path: Path, text: str, message: str) -> None:
    before = file_digest(db_path)
    with pytest.raises(InvalidInput) as info:
        service.import_csv(app, SYSTEM, text, today=AS_OF)
    assert message in str(info.value)
    assert file_digest(db_path) == before


def test_blank_step_cells_mean_not_answered(app: App) -> None:
    blanks = ",".join("" for _ in CODES)
    text = (
        f"{HEADER}\nP1,North,2025-06-02,removal,Dr A,{blanks},none,,\n"
        f"P2,North,2025-06-03,removal,Dr A,{steps_with(hair_clipped='NO')},suspected,2025-06-20,\n"
    )
    assert service.import_csv(app, SYSTEM, text, today=AS_OF).added == ("P1", "P2")
    p1, p2 = service.list_procedures(app, SYSTEM)
    assert p1.answers == {} and p2.answers == {"hair_clipped": "no"}
    assert p2.ssi == Ssi("suspected", date(2025, 6, 20), None, None)
    detail = service.get_procedure(app, QI_LEAD, "P2")
    assert detail.answers["hair_clipped"].confirmed_by == f"CSV import ({SYSTEM.label})"


def test_a_missing_step_column_is_refused_naming_the_steps(app: App, db_path: Path) -> None:
    """Issue 25 item 6: a file without some step columns turned those answers into "not answered"."""
    header = ",".join(qi_csv.expected_header(["hair_clipped"]))
    text = f"{header}\nP1,North,2025-06-02,removal,Dr A,,none,,\nP2,North,2025-06-03,removal,Dr A,NO,none,,\n"
    before = file_digest(db_path)
    with pytest.raises(InvalidInput) as info:
        service.import_csv(app, SYSTEM, text, today=AS_OF)
    problems = str(info.value)
    missing = [code for code in CODES if code != "hair_clipped"]
    for code in missing:
        assert (
            f"row 1, column {code}: The file has no column for step {code}, which was in the bundle on the date of row(s) 2, 3."
            in problems
        )
    assert "column hair_clipped" not in problems
    assert service.list_procedures(app, SYSTEM) == [] and file_digest(db_path) == before


def test_a_step_column_may_be_missing_for_a_step_that_did_not_exist_on_the_date(app: App) -> None:
    data = qi_bundle.bundle_to_dict(BUNDLE)
    data["phases"][2]["steps"].append(
        {
            "code": "vanc_powder",
            "text": "Vancomycin powder",
            "applies_to": ["new_implant"],
            "confirmed": False,
            "source": "local",
        }
    )
    service.save_bundle(app, QI_LEAD, qi_bundle.bundle_from_dict(data), date(2025, 7, 1))
    assert service.import_csv(
        app, SYSTEM, f"{HEADER}\n{row('P1', day='2025-06-30')}\n", today=AS_OF
    ).added == ("P1",)
    with pytest.raises(
        InvalidInput, match="no column for step vanc_powder, which was in the bundle on the date of row"
    ):
        service.import_csv(app, SYSTEM, f"{HEADER}\n{row('P2', day='2025-07-01')}\n", today=AS_OF)


def test_only_qi_lead_admin_and_command_line_import(app: App) -> None:
    from trialapp.services.context import Actor

    with pytest.raises(PermissionDenied):
        service.import_csv(app, Actor("n", "nurse"), f"{HEADER}\n{row('P1')}\n", today=AS_OF)
    assert service.import_csv(app, QI_LEAD, f"{HEADER}\n{row('P1')}\n", today=AS_OF).added == ("P1",)


def test_a_bom_and_crlf_line_ends_are_accepted(app: App) -> None:
    text = "\ufeff" + f"{HEADER}\r\n{row('P1')}\r\n"
    assert service.import_csv(app, SYSTEM, text, today=AS_OF).added == ("P1",)


# ------------------------------------------------------------------------ property: write then read

_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cc", "Cs"), blacklist_characters="\u2028\u2029\x85"),
    min_size=1,
    max_size=30,
).filter(lambda s: s.strip() == s and s.strip())
_answers = st.dictionaries(st.sampled_from(CODES), st.sampled_from(["yes", "no", "na"]))


@st.composite
def procedures(draw: st.DrawFn) -> QiProcedure:
    surgery = draw(st.dates(date(2024, 1, 1), date(2025, 12, 31)))
    kind = draw(st.sampled_from(list(qi_bundle.PROCEDURE_KINDS)))
    applicable = {s.code for s in BUNDLE.applicable(kind)}
    answers = {c: a for c, a in draw(_answers).items() if a == "na" or c in applicable}
    ssi = None
    if draw(st.booleans()):
        kind_of_ssi = draw(st.sampled_from(["culture_positive", "suspected"]))
        on = draw(st.dates(surgery, date(2026, 1, 31)))
        organism = draw(_text) if kind_of_ssi == "culture_positive" else draw(st.none() | _text)
        ssi = Ssi(
            kind_of_ssi, on, "culture_positive" if kind_of_ssi == "culture_positive" else None, organism
        )
    return QiProcedure(
        procedure_id=draw(st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._-]{0,12}", fullmatch=True)),
        surgery_date=surgery,
        kind=kind,
        site=draw(_text),
        surgeon=draw(_text),
        answers=answers,
        ssi=ssi,
    )


@settings(max_examples=40, deadline=None)
@given(st.lists(procedures(), min_size=1, max_size=6, unique_by=lambda p: p.procedure_id))
def test_write_then_read_gives_the_same_procedures(items: list[QiProcedure]) -> None:
    text = qi_csv.write_qi_csv(items, CODES)
    content = qi_csv.read_qi_csv(text, HISTORY, date(2026, 2, 1))
    assert content.problems == ()
    by_id = {r.procedure.procedure_id: r.procedure for r in content.rows}
    assert by_id == {p.procedure_id: p for p in items}
