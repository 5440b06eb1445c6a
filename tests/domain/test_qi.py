"""R11–R13 (infection quality improvement): hand-computed worked examples, window edges, p-chart limits,
runs of 8, bundle validation and versions. Synthetic data only."""

from __future__ import annotations

import copy
import math
from datetime import date, timedelta
from fractions import Fraction

import pytest

from trialapp.domain import qi_bundle, qi_charts, qi_compliance, qi_procedures, qi_summary, qi_surveillance
from trialapp.domain.qi_bundle import Bundle, BundleError, BundleHistory, BundleStep, BundleVersion
from trialapp.domain.qi_procedures import QiFilter, QiProcedure, RiskFactors, Ssi

ALL_KINDS = frozenset(qi_bundle.PROCEDURE_KINDS)


def step(code: str, phase: str = "pre_op", kinds: frozenset[str] = ALL_KINDS) -> BundleStep:
    return BundleStep(code, phase, f"Step {code}", kinds, confirmed=False, source="test")


# A: all kinds (pre-op); B: all kinds (prep); C: new implants only (procedure).
SMALL = Bundle((step("a", "pre_op"), step("b", "prep"), step("c", "procedure", frozenset({"new_implant"}))))
HISTORY = BundleHistory((BundleVersion(1, date(2020, 1, 1), SMALL),))


def proc(
    pid: str,
    surgery: date,
    kind: str = "new_implant",
    answers: dict[str, str] | None = None,
    ssi_on: date | None = None,
    risk: RiskFactors | None = None,
    site: str = "North",
    surgeon: str = "Dr A",
) -> QiProcedure:
    return QiProcedure(
        procedure_id=pid,
        surgery_date=surgery,
        kind=kind,
        site=site,
        surgeon=surgeon,
        answers=answers or {},
        ssi=Ssi("culture_positive", ssi_on, "culture_positive", "S. aureus") if ssi_on else None,
        risk=risk or RiskFactors(),
    )


D = date(2026, 1, 10)

# The R11 worked example of docs/clinical-rules.md.
R11_EXAMPLE = [
    proc("P1", D, "new_implant", {"a": "yes", "b": "yes", "c": "yes"}),
    proc("P2", D, "new_implant", {"a": "yes", "b": "no", "c": "na"}),
    proc("P3", D, "removal", {"a": "yes", "b": "na", "c": "no"}),  # c does not apply to a removal
    proc("P4", D, "removal", {"a": "na", "b": "na"}),
    proc("P5", D, "new_implant", {"a": "no", "b": "yes"}),  # c not answered
]


# ------------------------------------------------------------------------------------------------ R11


def test_r11_step_compliance_worked_example() -> None:
    steps = {s.code: s for s in qi_compliance.step_compliance(R11_EXAMPLE, HISTORY)}
    a, b, c = steps["a"], steps["b"], steps["c"]
    # a: yes P1 P2 P3, no P5, na P4 → 3 ÷ 4
    assert (a.yes, a.no, a.na, a.missing, a.pct) == (3, 1, 1, 0, 75.0)
    # b: yes P1 P5, no P2, na P3 P4 → 2 ÷ 3
    assert (b.yes, b.no, b.na, b.missing, b.pct) == (2, 1, 2, 0, 66.7)
    # c applies to P1 P2 P5 only: yes P1, na P2, not answered P5; P3's "no" is ignored → 1 ÷ 1
    assert (c.yes, c.no, c.na, c.missing, c.pct) == (1, 0, 1, 1, 100.0)
    assert a.meets_goal is False and c.meets_goal is True
    assert "3 yes of 4 answered yes or no (1 not applicable, left out) = 75.0 %" in a.explanation


def test_r11_phase_compliance_sums_its_steps() -> None:
    phases = {
        p.phase: p
        for p in qi_compliance.phase_compliance(qi_compliance.step_compliance(R11_EXAMPLE, HISTORY))
    }
    assert (phases["pre_op"].yes, phases["pre_op"].no, phases["pre_op"].pct) == (3, 1, 75.0)
    assert (phases["prep"].yes, phases["prep"].no, phases["prep"].pct) == (2, 1, 66.7)
    assert (phases["procedure"].yes, phases["procedure"].no, phases["procedure"].pct) == (1, 0, 100.0)


def test_r11_full_compliance_worked_example() -> None:
    bundle = SMALL
    assert [qi_compliance.is_fully_compliant(p, bundle) for p in R11_EXAMPLE] == [
        True,
        False,
        True,
        None,
        False,
    ]
    full = qi_compliance.full_compliance(R11_EXAMPLE, HISTORY)
    assert (full.full, full.scored, full.not_scored, full.pct) == (2, 4, 1, 50.0)
    assert "2 of 4 procedures" in full.explanation


def test_r11_no_answers_means_no_percentage() -> None:
    steps = qi_compliance.step_compliance([proc("P", D, "removal", {"a": "na"})], HISTORY)
    assert all(s.pct is None for s in steps)
    assert "no procedure answered yes or no" in steps[0].explanation


def test_percentages_round_half_up_on_the_exact_value() -> None:
    assert qi_procedures.percent(1, 16) == 6.3  # 6.25 → 6.3 (not banker's 6.2)
    assert qi_procedures.percent(2, 3) == 66.7
    assert qi_procedures.percent(1, 6) == 16.7
    assert qi_procedures.percent(0, 0) is None


# ------------------------------------------------------------------------------------------------ R12

AS_OF = date(2026, 4, 1)


def test_window_closes_on_day_90() -> None:
    assert qi_surveillance.window_closes_on(date(2026, 1, 1)) == date(2026, 4, 1)  # 31 + 28 + 31 = 90 days
    assert qi_surveillance.window_closes_on(date(2025, 10, 1)) == date(2025, 12, 30)


@pytest.mark.parametrize(("days", "counted"), [(0, True), (1, True), (90, True), (91, False), (-1, False)])
def test_infection_counts_through_day_90_not_91(days: int, counted: bool) -> None:
    surgery = date(2025, 10, 1)
    assert qi_surveillance.ssi_within_window(surgery, surgery + timedelta(days=days)) is counted


def test_window_open_the_day_before_day_90_and_closed_on_it() -> None:
    p = proc("P", date(2026, 1, 1))
    assert qi_surveillance.ssi_status(p, date(2026, 3, 31)) == "open"
    assert qi_surveillance.ssi_status(p, date(2026, 4, 1)) == "closed"
    assert qi_surveillance.ssi_status(p, date(2025, 12, 31)) == "future"


def test_r12_rate_worked_example() -> None:
    """R12 revision 2: the rate counts closed windows only; an infection in an open window is listed apart
    (revision 1 made it eligible at once, which inflated the rate of recent periods)."""
    procedures = [
        proc("closed", date(2026, 1, 1)),  # window closes 2026-04-01 = as-of: eligible, no infection
        proc("day90", date(2025, 10, 1), ssi_on=date(2025, 12, 30)),  # counted
        proc("day91", date(2025, 10, 1), ssi_on=date(2025, 12, 31)),  # eligible, not counted (late)
        proc("open", date(2026, 1, 2)),  # closes 2026-04-02: open
        proc("early_ssi", date(2026, 3, 1), ssi_on=date(2026, 3, 20)),  # open window: listed apart
        proc("ssi_after_as_of", date(2026, 3, 1), ssi_on=date(2026, 4, 10)),  # not known yet: open
        proc("future", date(2026, 4, 2)),  # after the as-of date: left out
    ]
    rate = qi_surveillance.ssi_rate(procedures, AS_OF)
    assert (rate.count, rate.eligible, rate.open_windows, rate.late) == (1, 3, 3, 1)
    assert [p.procedure_id for p in rate.open_window_infections] == ["early_ssi"]
    assert rate.rate == Fraction(1, 3) and rate.pct == 33.3
    assert "1 infection(s) within 90 days in 3 eligible procedure(s) = 33.3 %" in rate.explanation
    assert "3 procedure(s) are still inside their 90-day window" in rate.explanation
    assert "1 infection(s) inside a window still open are listed apart" in rate.explanation
    assert qi_surveillance.ssi_status(procedures[4], AS_OF) == "open_ssi"
    assert qi_surveillance.open_window_infection_words(procedures[4]) == (
        "early_ssi (surgery 2026-03-01): infection on day 19 (2026-03-20), S. aureus; window closes 2026-05-30"
    )
    # Nine days later "open" has closed; the late-reported infection is known, its window still open, and
    # "future" has had its surgery.
    later = qi_surveillance.ssi_rate(procedures, date(2026, 4, 10))
    assert (later.count, later.eligible, later.open_windows) == (1, 4, 3)
    assert len(later.open_window_infections) == 2
    # Once their windows close, both join the rate.
    closed = qi_surveillance.ssi_rate(procedures, date(2026, 6, 1))
    assert (closed.count, closed.eligible, closed.open_windows, closed.open_window_infections) == (
        3,
        6,
        1,
        (),
    )


def test_r12_no_closed_window_gives_no_rate() -> None:
    rate = qi_surveillance.ssi_rate([proc("P", date(2026, 3, 1))], AS_OF)
    assert rate.pct is None and rate.eligible == 0 and rate.open_windows == 1
    assert "no 90-day window has closed yet" in rate.explanation


# ------------------------------------------------------------------------------------------------ R13


def test_period_labels() -> None:
    assert qi_charts.period_label(date(2026, 3, 31), "quarter") == "2026-Q1"
    assert qi_charts.period_label(date(2026, 4, 1), "quarter") == "2026-Q2"
    assert qi_charts.period_label(date(2026, 12, 1), "quarter") == "2026-Q4"
    assert qi_charts.period_label(date(2026, 3, 5), "month") == "2026-03"
    with pytest.raises(ValueError):
        qi_charts.period_label(date(2026, 3, 5), "week")


def test_control_limits_hand_computed() -> None:
    # p̄ = 0.15, n = 100: σ = √(0.15 · 0.85 / 100) = 0.0357071; 3σ = 0.1071214
    lcl, ucl = qi_charts.control_limits(Fraction(3, 20), 100)
    assert lcl == pytest.approx(0.0428786, abs=1e-6)
    assert ucl == pytest.approx(0.2571214, abs=1e-6)
    # n = 10: 3σ = 3 · √(0.01275) = 0.3387477 > p̄, so the lower limit is floored at 0
    lcl, ucl = qi_charts.control_limits(Fraction(3, 20), 10)
    assert lcl == 0.0
    assert ucl == pytest.approx(0.4887477, abs=1e-6)
    # p̄ = 0: no variation, both limits 0
    assert qi_charts.control_limits(Fraction(0), 12) == (0.0, 0.0)


def _eligible(period_start: date, n: int, infected: int) -> list[QiProcedure]:
    return [
        proc(
            f"{period_start}-{i}",
            period_start,
            ssi_on=period_start + timedelta(days=5) if i < infected else None,
        )
        for i in range(n)
    ]


def test_r13_p_chart_worked_example() -> None:
    procedures = (
        _eligible(date(2025, 1, 15), 10, 1)  # 2025-Q1: p = 0.1
        + _eligible(date(2025, 4, 15), 20, 0)  # 2025-Q2: p = 0
        + _eligible(date(2025, 7, 15), 10, 5)  # 2025-Q3: p = 0.5
        + [proc("open", date(2026, 3, 1))]  # window open on the as-of date: not on the chart
    )
    chart = qi_charts.p_chart(procedures, AS_OF, "quarter")
    # p̄ = 6 ÷ 40 = 0.15
    assert (chart.total_n, chart.total_ssi, chart.centre) == (40, 6, 0.15)
    q1, q2, q3 = chart.points
    assert [(p.period, p.n, p.ssi, p.p) for p in chart.points] == [
        ("2025-Q1", 10, 1, 0.1),
        ("2025-Q2", 20, 0, 0.0),
        ("2025-Q3", 10, 5, 0.5),
    ]
    # n = 10: UCL = 0.15 + 0.3387477 = 0.4887477, LCL floored at 0
    assert q1.ucl == pytest.approx(0.4887477, abs=1e-6) and q1.lcl == 0.0
    # n = 20: σ = √(0.1275 / 20) = 0.0798436; UCL = 0.15 + 0.2395308 = 0.3895308; LCL floored at 0
    assert q2.ucl == pytest.approx(0.3895308, abs=1e-6) and q2.lcl == 0.0
    # 0.5 > 0.4887: beyond the upper limit
    assert (q1.beyond_limits, q2.beyond_limits, q3.beyond_limits) == (False, False, True)
    assert "Flag: beyond the control limits" in q3.explanation
    assert not any(p.in_run for p in chart.points)


def test_r13_runs_of_8() -> None:
    assert qi_charts.run_flags([1.0] * 8, 0.0) == (True,) * 8
    assert qi_charts.run_flags([1.0] * 7, 0.0) == (False,) * 7
    # a point on the centre line neither breaks nor extends the run, and is not flagged
    assert qi_charts.run_flags([1.0] * 4 + [0.0] + [1.0] * 4, 0.0) == (True,) * 4 + (False,) + (True,) * 4
    # a point on the other side breaks it
    assert qi_charts.run_flags([1.0] * 7 + [-1.0] + [1.0], 0.0) == (False,) * 9
    # the whole run is flagged, not only from the 8th point on; earlier points on the other side are not
    assert qi_charts.run_flags([-1.0, -1.0] + [2.0] * 9, 0.0) == (False, False) + (True,) * 9


def test_r13_eight_quarters_below_the_centre_are_flagged() -> None:
    """Two bad quarters then eight quarters without infection: the eight zeros form a run below p̄."""
    procedures: list[QiProcedure] = []
    starts = [date(2023 + (q // 4), 3 * (q % 4) + 1, 10) for q in range(10)]
    for q, start in enumerate(starts):
        procedures += _eligible(start, 10, 3 if q < 2 else 0)
    chart = qi_charts.p_chart(procedures, date(2026, 1, 1), "quarter")
    assert len(chart.points) == 10 and chart.centre == pytest.approx(0.06)
    assert [p.in_run for p in chart.points] == [False, False] + [True] * 8


def test_median() -> None:
    assert qi_charts.median([3.0, 1.0, 2.0]) == 2.0
    assert qi_charts.median([4.0, 1.0, 3.0, 2.0]) == 2.5


def test_run_chart_of_full_compliance() -> None:
    full = {"a": "yes", "b": "yes", "c": "yes"}
    partial = {"a": "yes", "b": "no", "c": "yes"}
    procedures = [
        proc("1", date(2026, 1, 5), answers=full),
        proc("2", date(2026, 1, 6), answers=partial),  # January: 1 of 2 = 50 %
        proc("3", date(2026, 2, 5), answers=full),  # February: 1 of 1 = 100 %
        proc("4", date(2026, 3, 5), answers=partial),
        proc("5", date(2026, 3, 6), answers=partial),
        proc("6", date(2026, 3, 7), answers=full),
        proc("7", date(2026, 3, 8), answers=full),  # March: 2 of 4 = 50 %
        proc("8", date(2026, 3, 9), "removal", {"a": "na", "b": "na"}),  # not scored
    ]
    chart = qi_charts.compliance_run_chart(procedures, HISTORY, AS_OF, "month")
    assert [(p.period, p.scored, p.full, p.pct) for p in chart.points] == [
        ("2026-01", 2, 1, 50.0),
        ("2026-02", 1, 1, 100.0),
        ("2026-03", 4, 2, 50.0),
    ]
    assert chart.median == 50.0
    assert "median of the points, 50.0 %" in chart.explanation


# ------------------------------------------------------------------------------------------ summary


def test_summary_json_has_exactly_the_issue_shape() -> None:
    procedures = [*R11_EXAMPLE, *_eligible(date(2025, 1, 15), 10, 1)]
    summary = qi_summary.summarize_qi(procedures, HISTORY, AS_OF, "quarter")
    data = qi_summary.qi_summary_to_json(summary)
    assert list(data) == ["procedures", "step_compliance", "full_compliance_pct", "ssi", "p_chart"]
    assert data["procedures"] == 15
    assert data["step_compliance"] == {"a": 75.0, "b": 66.7, "c": 100.0}
    # the 10 added procedures have no answers: every step of theirs counts as not done
    assert data["full_compliance_pct"] == 14.3  # 2 of 14 scored
    # R11 example procedures (2026-01-10) are still inside their window on 2026-04-01
    assert data["ssi"] == {
        "count": 1,
        "eligible": 10,
        "rate_pct": 10.0,
        "open_windows": 5,
        "open_window_infections": 0,
    }
    # p̄ = 0.1 on one point: UCL = 0.1 + 3·√(0.09/10) = 0.1 + 0.2846050 = 0.3846
    assert data["p_chart"] == [{"period": "2025-Q1", "n": 10, "ssi": 1, "p": 0.1, "ucl": 0.3846, "lcl": 0.0}]


def test_summary_filters_by_site_surgeon_and_dates() -> None:
    procedures = [
        proc("1", date(2026, 1, 5), site="North", surgeon="Dr A"),
        proc("2", date(2026, 2, 5), site="North", surgeon="Dr B"),
        proc("3", date(2026, 3, 5), site="South", surgeon="Dr A"),
        proc("4", date(2026, 5, 5), site="North", surgeon="Dr A"),  # after the as-of date
    ]
    assert qi_summary.summarize_qi(procedures, HISTORY, AS_OF).procedures == 3
    assert (
        qi_summary.summarize_qi(procedures, HISTORY, AS_OF, qi_filter=QiFilter(site="North")).procedures == 2
    )
    assert (
        qi_summary.summarize_qi(procedures, HISTORY, AS_OF, qi_filter=QiFilter(surgeon="Dr A")).procedures
        == 2
    )
    window = QiFilter(date_from=date(2026, 2, 1), date_to=date(2026, 2, 28))
    assert qi_summary.summarize_qi(procedures, HISTORY, AS_OF, qi_filter=window).procedures == 1
    assert "site North" in QiFilter(site="North").describe()


def test_risk_breakdown_groups_eligible_procedures() -> None:
    young = RiskFactors(age_months=30, weight_kg=12, bmi=14.2, gmfcs_level=5, gastrostomy=True, csf_leak=True)
    older = RiskFactors(
        age_months=150,
        weight_kg=41,
        bmi=21,
        gmfcs_level=3,
        gastrostomy=False,
        prior_revisions_6m=0,
        csf_leak=False,
    )
    procedures = [
        proc("1", date(2025, 6, 1), risk=young, ssi_on=date(2025, 6, 20)),
        proc("2", date(2025, 6, 1), risk=young),
        proc("3", date(2025, 6, 1), risk=older),
        proc("4", date(2026, 3, 1), risk=older),  # open window: not in the breakdown
    ]
    rows = {
        (r.factor, r.group): (r.eligible, r.ssi, r.pct)
        for r in qi_surveillance.risk_breakdown(procedures, AS_OF)
    }
    assert rows[("Age at surgery", "under 5 y")] == (2, 1, 50.0)
    assert rows[("Age at surgery", "12 y and over")] == (1, 0, 0.0)
    assert rows[("GMFCS level", "V")] == (2, 1, 50.0)
    assert rows[("GMFCS level", "I–III")] == (1, 0, 0.0)
    assert rows[("Gastrostomy or ostomy", "yes")] == (2, 1, 50.0)
    assert rows[("Revision in the previous 6 months", "not recorded")] == (2, 1, 50.0)
    assert rows[("Revision in the previous 6 months", "none")] == (1, 0, 0.0)
    assert rows[("BMI", "under 15")] == (2, 1, 50.0)
    assert rows[("Weight", "40 kg and over")] == (1, 0, 0.0)
    assert ("Age at surgery", "5 to 11 y") not in rows  # empty groups are left out


def test_risk_factor_ranges_and_bmi() -> None:
    assert (
        qi_procedures.risk_factor_problems(RiskFactors(age_months=100, weight_kg=30, bmi=17, gmfcs_level=4))
        == []
    )
    problems = qi_procedures.risk_factor_problems(
        RiskFactors(age_months=-1, weight_kg=0.2, bmi=200, gmfcs_level=6, prior_revisions_6m=-2)
    )
    assert len(problems) == 5
    assert qi_procedures.bmi_from(20, 100) == 20.0
    assert qi_procedures.bmi_from(25, 118) == 18.0  # 25 ÷ 1.3924 = 17.95 → 18.0
    assert qi_procedures.bmi_from(None, 120) is None


# ------------------------------------------------------------------------------------- surveillance


def test_follow_up_list_and_check_ins() -> None:
    surgery = date(2026, 1, 1)
    p = proc("P", surgery)
    items = qi_surveillance.follow_up_list([(p, {})], date(2026, 1, 20))
    assert len(items) == 1
    item = items[0]
    assert item.day == 19 and item.window_open and item.closes_on == date(2026, 4, 1)
    assert [(c.day, c.status) for c in item.checkins] == [
        (14, "due"),
        (30, "upcoming"),
        (60, "upcoming"),
        (90, "upcoming"),
    ]
    assert item.due[0].due_on == date(2026, 1, 15)
    assert "check-in due: day 14 (since 2026-01-15)" in item.explanation
    done = qi_surveillance.follow_up_list([(p, {14: date(2026, 1, 16)})], date(2026, 1, 20))[0]
    assert done.checkins[0].status == "done" and not done.due
    # On day 90 the window is closed (R12) but the day-90 check-in is due: the procedure stays listed.
    day90 = qi_surveillance.follow_up_list([(p, {14: surgery, 30: surgery, 60: surgery})], date(2026, 4, 1))
    assert len(day90) == 1 and not day90[0].window_open and [c.day for c in day90[0].due] == [90]
    # ... until it is done, or for at most 14 days after the window closed.
    finished = {14: surgery, 30: surgery, 60: surgery, 90: date(2026, 4, 1)}
    assert qi_surveillance.follow_up_list([(p, finished)], date(2026, 4, 1)) == ()
    assert qi_surveillance.follow_up_list([(p, {})], date(2026, 4, 15)) != ()
    assert qi_surveillance.follow_up_list([(p, {})], date(2026, 4, 16)) == ()
    # An infection ends the surveillance.
    infected = proc("I", surgery, ssi_on=date(2026, 1, 18))
    assert qi_surveillance.follow_up_list([(infected, {})], date(2026, 1, 20)) == ()


def test_follow_up_list_puts_due_check_ins_first() -> None:
    a = proc("A", date(2026, 3, 1))  # day 19 on 03-20: day-14 check-in due
    b = proc("B", date(2026, 2, 25))  # day 23, day 14 done
    items = qi_surveillance.follow_up_list([(b, {14: date(2026, 3, 11)}), (a, {})], date(2026, 3, 20))
    assert [i.procedure.procedure_id for i in items] == ["A", "B"]


# ------------------------------------------------------------------------------------------- bundle


def test_example_bundle_is_valid_and_says_what_is_confirmed() -> None:
    bundle = qi_bundle.example_bundle()
    assert [s.phase for s in bundle.steps] == sorted(
        (s.phase for s in bundle.steps), key=list(qi_bundle.PHASES).index
    )
    assert {s.phase for s in bundle.steps} == set(qi_bundle.PHASES)
    confirmed = {s.code for s in bundle.steps if s.confirmed}
    assert confirmed == {"cefazolin_before_incision", "hair_clipped", "surgical_scrub_team"}
    assert all("UNCONFIRMED" in s.source for s in bundle.steps if not s.confirmed)
    assert all("Kestle 2011" in s.source for s in bundle.steps if s.confirmed)
    # a removal is not asked about placing a new pump
    assert "antibacterial_envelope" not in {s.code for s in bundle.applicable("removal")}
    assert qi_bundle.bundle_from_dict(qi_bundle.bundle_to_dict(bundle)) == bundle


def test_bundle_validation_lists_every_problem() -> None:
    data = qi_bundle.bundle_to_dict(qi_bundle.example_bundle())
    bad = copy.deepcopy(data)
    bad["format"] = "something/2"
    steps = bad["phases"][1]["steps"]
    steps[0]["code"] = "Hair Clipped"
    steps[1]["code"] = "cefazolin_before_incision"  # duplicate of the pre-op step
    steps[2]["applies_to"] = ["implant"]
    steps[3]["confirmed"] = "yes"
    steps[4]["text"] = " "
    bad["phases"][2]["steps"][0]["code"] = "ssi_date"  # a CSV column
    with pytest.raises(BundleError) as info:
        qi_bundle.bundle_from_dict(bad)
    problems = info.value.problems
    assert len(problems) == 7, problems
    text = "\n".join(problems)
    for expected in (
        "'format' must be",
        "'Hair Clipped' is not a step code",
        "is used twice",
        "applies_to must list",
        "confirmed must be true",
        "text must say",
        "name of a CSV column",
    ):
        assert expected in text


def test_bundle_needs_the_three_phases_in_order() -> None:
    data = qi_bundle.bundle_to_dict(qi_bundle.example_bundle())
    data["phases"].reverse()
    with pytest.raises(BundleError, match="three phases in this order"):
        qi_bundle.bundle_from_dict(data)
    with pytest.raises(BundleError, match="JSON object"):
        qi_bundle.bundle_from_dict([])


def test_version_in_force_on_a_date() -> None:
    v1 = BundleVersion(1, date(2026, 1, 1), SMALL)
    v2 = BundleVersion(2, date(2026, 3, 1), Bundle((step("a"),)))
    v3 = BundleVersion(3, date(2026, 3, 1), Bundle((step("a"), step("z"))))
    history = BundleHistory((v1, v2))
    assert history.in_force(date(2026, 2, 28)).version == 1
    assert history.in_force(date(2026, 3, 1)).version == 2
    assert history.in_force(date(2025, 6, 1)).version == 1  # before the first: the first applies
    assert BundleHistory((v1, v2, v3)).in_force(date(2026, 3, 1)).version == 3  # same date: the later one
    assert history.current.version == 2
    # The first version covers everything before the next one, whatever day it was saved on.
    late_first = BundleHistory(
        (BundleVersion(1, date(2026, 11, 22), SMALL), BundleVersion(2, date(2025, 10, 1), SMALL))
    )
    assert late_first.in_force(date(2025, 9, 30)).version == 1
    assert late_first.in_force(date(2025, 10, 1)).version == 2
    assert late_first.in_force(date(2026, 12, 1)).version == 2
    assert late_first.starts_on(late_first.first) is None and late_first.latest_start() == date(2025, 10, 1)
    assert history.step_codes() == ("a", "b", "c")  # current first, then the retired ones


def test_procedures_are_scored_against_their_version() -> None:
    """Version 2 drops step b: a March procedure is not asked b, a February one still is."""
    history = BundleHistory(
        (BundleVersion(1, date(2026, 1, 1), SMALL), BundleVersion(2, date(2026, 3, 1), Bundle((step("a"),))))
    )
    feb = proc("F", date(2026, 2, 10), "removal", {"a": "yes", "b": "no"})
    mar = proc("M", date(2026, 3, 10), "removal", {"a": "yes", "b": "no"})  # b ignored
    steps = {s.code: s for s in qi_compliance.step_compliance([feb, mar], history)}
    assert (steps["a"].yes, steps["b"].yes, steps["b"].no) == (2, 0, 1)
    assert qi_compliance.full_compliance([feb, mar], history).full == 1
    assert qi_summary.summarize_qi([feb, mar], history, AS_OF).bundle_versions == (1, 2)


def test_limits_are_proportions_between_0_and_1() -> None:
    for p_bar in (Fraction(0), Fraction(1, 100), Fraction(1, 2), Fraction(9, 10), Fraction(1)):
        for n in (1, 2, 10, 1000):
            lcl, ucl = qi_charts.control_limits(p_bar, n)
            assert 0.0 <= lcl <= float(p_bar) <= ucl <= 1.0
            assert math.isfinite(lcl) and math.isfinite(ucl)


def test_p_chart_point_counts_the_open_windows_of_its_period() -> None:
    """Q1 2026 on 2026-04-15: one closed window, two still open (one already infected): the infected one
    stays out of the point until its window closes (R12 revision 2), and the point is provisional."""
    procedures = [
        proc("closed", date(2026, 1, 2)),
        proc("open-ssi", date(2026, 2, 1), ssi_on=date(2026, 2, 10)),
        proc("open", date(2026, 3, 1)),
    ]
    chart = qi_charts.p_chart(procedures, date(2026, 4, 15), "quarter")
    (point,) = chart.points
    assert (point.period, point.n, point.ssi, point.open_windows, point.open_infections) == (
        "2026-Q1",
        1,
        0,
        2,
        1,
    )
    assert point.provisional
    assert (
        "2 more procedure(s) of this period are still inside their window, 1 of them with an infection already"
        in point.explanation
    )
    (final,) = qi_charts.p_chart(procedures, date(2026, 6, 1), "quarter").points
    assert (final.n, final.ssi, final.provisional) == (3, 1, False)
