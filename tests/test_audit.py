"""The audit on a hand-made study (tests/fixtures/audit/): every check with a known answer.

The fixture study ``audit-mini`` has 20 responses (18 complete) and prints, among others,
a row summing to 101 that rounding allows (B2), a row summing to 105 (B3), a row only
n >= 24 can produce (F2), a table whose two count columns total 17 and 18, a text
percentage restating a cell with another value, a mean outside the range its bands
allow, "agreed or strongly disagreed", a cited item that does not exist and an export
whose complete count (17) differs from the stated 18.
"""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pandas as pd
import pytest

from tieval.audit import bands, comparison, denominators, records, rounding, wording
from tieval.audit import checks as audit_checks
from tieval.audit import flow as audit_flow
from tieval.audit import inputs as audit_inputs
from tieval.audit import sets as audit_sets
from tieval.config import load_study
from tieval.errors import InputError
from tieval.steps import audit as audit_step

FIX = Path(__file__).resolve().parent / "fixtures" / "audit"
STUDY_DIR = FIX / "data" / "audit-mini"
TABLES = FIX / "tables"  # what the earlier steps would write to outputs/audit-mini/tables/


@pytest.fixture(scope="module")
def study():
    return load_study(STUDY_DIR)


@pytest.fixture(scope="module")
def inputs(study):
    return audit_inputs.load_inputs(study, tables=TABLES)


@pytest.fixture(scope="module")
def result(inputs):
    return comparison.audit_tables(inputs)


def check(result_or_checks, check_id: str) -> pd.Series:
    checks = result_or_checks.checks if hasattr(result_or_checks, "checks") else result_or_checks
    frame = checks if isinstance(checks, pd.DataFrame) else comparison._checks_frame(checks)
    hit = frame[frame["check_id"] == check_id]
    assert len(hit) == 1, f"{check_id} not found in {list(frame['check_id'])}"
    return hit.iloc[0]


def row(result, figure_id: str) -> pd.Series:
    return result.audit.set_index("figure_id").loc[figure_id]


def edited(inputs, changes: dict[str, dict]) -> audit_inputs.AuditInputs:
    """A copy of the inputs with some published figures changed ({figure_id: {column: value}})."""
    pub = inputs.published.copy()
    for fid, cols in changes.items():
        for column, value in cols.items():
            pub.loc[pub["figure_id"] == fid, column] = value
            if column == "value":
                pub.loc[pub["figure_id"] == fid, "value_text"] = str(value)
                pub.loc[pub["figure_id"] == fid, "decimals"] = records.printed_decimals(str(value))
    return dataclasses.replace(inputs, published=pub)


# ----------------------------------------------------------------------------- coverage


def test_every_published_figure_has_one_audit_row(inputs, result):
    assert list(result.audit["figure_id"]) == list(inputs.published["figure_id"])
    assert list(result.audit.columns) == records.AUDIT_COLUMNS
    assert set(result.audit["status"]) <= set(records.STATUSES)
    assert set(result.checks["result"]) <= set(records.RESULTS)
    assert result.checks["check_id"].is_unique


def test_n_max_comes_from_the_exact_flow_not_the_approximate_invitations(inputs):
    assert inputs.n_max == 20
    assert "participant flow" in inputs.n_max_basis


# ----------------------------------------------------------------------------- check 1: denominators


def test_row_producible_from_several_n(result):
    c = check(result, "DEN-t2.B2")
    assert c.result == "consistent"
    assert "n = 6, 12, 18" in c.explanation
    assert "18 (Complete responses)" in c.explanation
    den = result.denominators.set_index("check_id").loc["DEN-t2.B2"]
    assert den.compatible_n == "6, 12, 18"


def test_row_no_n_can_produce_is_inconsistent_with_smallest_n_above(result):
    c = check(result, "DEN-t2.F2")
    assert c.result == "inconsistent"
    assert "smallest n that would is 24" in c.explanation
    # with at most 20 respondents one person is 5%: both 4% cells are the culprits, 92% can stay
    assert c.flagged == "t2.F2.disagree, t2.F2.neutral"
    den = result.denominators.set_index("check_id").loc["DEN-t2.F2"]
    assert den.compatible_n == "none" and den.smallest_n_above == 24
    assert row(result, "t2.F2.disagree").status == "inconsistent within report"
    assert row(result, "t2.F2.agree").status != "inconsistent within report"


def test_row_summing_to_105_has_no_denominator_and_a_closest_reading(result):
    c = check(result, "DEN-t2.B3")
    assert c.result == "inconsistent"
    assert "sum 105" in c.explanation and "Smallest edit: t2.B3.disagree 20% -> 15%" in c.explanation
    den = result.denominators.set_index("check_id").loc["DEN-t2.B3"]
    assert den.closest_n > 0 and den.closest_counts.count("/") == 2
    # one culprit cell, the alternatives named in the explanation
    assert c.flagged == "t2.B3.disagree" and den.culprits == "t2.B3.disagree" and den.suggested == "15"
    assert "equally small edit of t2.B3.neutral; t2.B3.agree" in c.explanation


def test_a_row_is_rounded_one_way(inputs):
    # 12/10/53/25 is 5/4/21/10 of 40 only if 12.5 rounds down and 52.5 rounds up
    assert rounding.compatible_ns([12, 10, 53, 25], range(40, 41)) == [40]
    changes = {
        "t2.F1.disagree": {"value": 12},
        "t2.F1.neutral": {"value": 10},
        "t2.F1.agree": {"value": 53},
        "t2.F1.not_relevant": {"value": 25},
    }
    bigger = dataclasses.replace(edited(inputs, changes), n_max=40)
    checks, den = denominators.check_denominators(bigger)
    # Table 2's other rows are explained by half up: a row that only largest remainder gives is flagged as such
    c = check(checks, "DEN-t2.F1")
    assert c.result == "possible" and c.flagged == ""
    assert "only under another rule: n = 40 (largest remainder (forced to total 100))" in c.explanation


def test_table_summary_says_no_stated_total_fits_every_row(result):
    c = check(result, "DEN-table-2")
    assert c.result == "possible"
    assert "n = 20 (Responses) fits 3 of 6 rows" in c.explanation
    assert "B3, F2" in c.explanation
    # a table-wide check is not pointed at from each cell's note
    assert "DEN-table-2" not in row(result, "t2.A1.0-5").note


def test_shares_of_table_counts_fit_one_n(result, inputs):
    assert check(result, "DEN-results.t3.sector").result == "consistent"
    checks, _ = denominators.check_denominators(edited(inputs, {"results.2": {"value": 40}}))
    c = check(checks, "DEN-results.t3.sector")
    assert c.result == "inconsistent"
    assert "25% of 5 (t3.sector.health) needs n = 20" in c.explanation
    assert "40% of 4 (t3.sector.social_care) needs n = 10" in c.explanation
    assert "n = 20 gives 25/20" in c.explanation
    # 25% of 5 fits the stated 20; only the 40% is off
    assert c.flagged == "results.2"


def test_text_passage_that_cannot_add_up_blames_the_figure_that_differs_from_the_table(result):
    c = check(result, "DEN-results.F1")
    assert c.result == "inconsistent"
    assert c.flagged == "results.9"
    assert row(result, "results.10").status == "not reproducible"


# ----------------------------------------------------------------------------- check 2: category sums


def test_row_summing_to_101_is_within_rounding(result):
    c = check(result, "SUM-t2.B2")
    assert c.result == "consistent"
    assert "= 101" in c.explanation and "100 ± 1.5" in c.explanation


def test_row_summing_to_105_is_inconsistent(result):
    c = check(result, "SUM-t2.B3")
    assert c.result == "inconsistent"
    assert "= 105" in c.explanation
    assert c.flagged == "t2.B3.disagree, t2.B3.neutral, t2.B3.agree"


def test_sum_exactly_at_the_rounding_bound_is_only_possible(inputs):
    # four categories: 102 is reachable only if every share is an exact half
    changes = {
        "t2.F1.disagree": {"value": 24},
        "t2.F1.neutral": {"value": 28},
        "t2.F1.agree": {"value": 48},
        "t2.F1.not_relevant": {"value": 2},
    }
    c = check(audit_checks.check_category_sums(edited(inputs, changes)), "SUM-t2.F1")
    assert c.result == "possible" and "exact half" in c.explanation


def test_incomplete_set_may_fall_short_of_100(inputs):
    sets = {ps.key: ps for ps in audit_sets.percent_sets(inputs.study, inputs.published)}
    assert sets["t2.B1"].complete and sets["results.F1"].complete
    # without its disagree and neutral figures the F1 passage prints only 85 + 5
    partial = edited(inputs, {"results.8": {"item_id": ""}, "results.9": {"item_id": ""}})
    ps = {p.key: p for p in audit_sets.percent_sets(partial.study, partial.published)}["results.F1"]
    assert not ps.complete and ps.values == ("85", "5")
    c = check(audit_checks.check_category_sums(partial), "SUM-results.F1")
    assert c.result == "consistent" and "fall short" in c.explanation


def test_text_giving_two_values_for_one_answer(inputs):
    two = edited(inputs, {"results.10": {"category": "neutral", "value": 5}})  # results.9 says 15
    c = check(audit_checks.check_category_sums(two), "SUM-results.F1")
    assert c.result == "inconsistent" and "two different values for neutral" in c.explanation


def test_counts_over_their_base_are_inconsistent(inputs):
    changes = {
        "results.8": {"unit": "count", "value": 15, "base": 20, "category": "agree"},
        "results.10": {"unit": "count", "value": 8, "base": 20, "category": "disagree"},
    }
    c = check(audit_checks.check_category_sums(edited(inputs, changes)), "SUM-results.F1.counts")
    assert c.result == "inconsistent"
    assert "15 + 8 = 23 of a base of 20" in c.explanation


# ----------------------------------------------------------------------------- check 3: totals


def test_two_count_columns_of_one_table_with_different_totals(result):
    c = check(result, "TOT-t3")
    # a column one short of the stated total is what one unanswered question gives: possible, no cell blamed
    assert c.result == "possible"
    assert "17" in c.explanation and "18" in c.explanation and "1 short" in c.explanation
    assert c.flagged == ""
    assert check(result, "TOT-t3.tenure").result == "consistent"
    assert "Complete responses" in check(result, "TOT-t3.tenure").explanation
    assert check(result, "TOT-t3.sector").result == "possible"


def test_stated_base_against_stated_totals(inputs):
    changes = {"summary.1": {"base": 20.0}, "qual.1": {"base": 7.0}}
    checks = audit_checks.check_totals(edited(inputs, changes))
    assert check(checks, "TOT-base-20").result == "consistent"
    assert "design.flow:responded" in check(checks, "TOT-base-20").explanation
    assert check(checks, "TOT-base-7").result == "possible"


def test_stated_totals_include_flow_sessions_and_sample_sizes(inputs):
    totals = inputs.totals.set_index("source")
    assert totals.loc["design.flow:complete", "n"] == 18
    assert totals.loc["design.qualitative.sessions:interviews", "n"] == 3
    assert totals.loc["qual.1", "n"] == 3


# ----------------------------------------------------------------------------- check 4: restatements


def test_restatement_mismatch(result):
    c = check(result, "RES-results.4")
    assert c.result == "inconsistent"
    assert "prints 30%" in c.explanation and "prints 25%" in c.explanation
    assert c.flagged == "results.4"
    r = row(result, "results.4")
    assert r.status == "inconsistent within report" and r.comparison == "differs"
    assert "RES-results.4" in r.note
    # the restated cell keeps its own status and points at the restatement
    cell = row(result, "t2.B1.agree")
    assert cell.status == "differs" and "RES-results.4" in cell.note
    assert check(result, "RES-results.5").result == "consistent"
    # a text figure repeating the cell faithfully inherits the cell's status (the fault is the cell's)
    faithful = row(result, "results.5")
    assert faithful.status == "differs" and faithful.note.startswith("Restates t2.B1.agree, whose status is differs.")


def test_restatement_as_bound_and_as_zero_count(result, inputs):
    assert check(result, "RES-results.6").result == "consistent"
    assert "below 50%" in check(result, "RES-results.6").explanation
    assert check(result, "RES-results.8").result == "consistent"
    flipped = edited(inputs, {"results.6": {"printed": "more than half agreed"}})
    assert check(audit_checks.check_restatements(flipped), "RES-results.6").result == "inconsistent"
    unclear = edited(inputs, {"results.6": {"printed": "half agreed"}})
    assert check(audit_checks.check_restatements(unclear), "RES-results.6").result == "not checked"


def test_count_restating_a_percentage_needs_an_allowed_n(inputs):
    # 3 of n = 20 is 15%, but the F1 row (0/10/85/5) only allows n = 20, where 10% is 2
    c = check(
        audit_checks.check_restatements(
            edited(inputs, {"results.8": {"category": "neutral", "value": 3, "restates": "t2.F1.neutral"}})
        ),
        "RES-results.8",
    )
    assert c.result == "inconsistent"
    c = check(
        audit_checks.check_restatements(
            edited(inputs, {"results.8": {"category": "neutral", "value": 2, "restates": "t2.F1.neutral"}})
        ),
        "RES-results.8",
    )
    assert c.result == "consistent" and "n = 20" in c.explanation


# ----------------------------------------------------------------------------- check 5: means and bands


@pytest.mark.parametrize(
    "label, expected",
    [
        ("< one year", ("below", 0.0, 1.0)),
        ("1-2 years", ("range", 1.0, 2.0)),
        ("11 to 15 years", ("range", 11.0, 15.0)),
        (">15 years", ("above", 15.0, float("inf"))),
        ("65+", ("from", 65.0, float("inf"))),
        ("Education (4-18 years)", None),
        ("Unknown period", None),
        ("5-3 years", None),
    ],
)
def test_parse_band(label, expected):
    assert bands.parse_band(label) == expected


def test_mean_outside_its_binned_range(result):
    c = check(result, "MEAN-results.3")
    assert c.result == "inconsistent"
    # <5 keeps < one year (4), 1-2 (6), 3-5 (4): lower limits 0, 1, 3 -> 18/14 = 1.29;
    # whole years 0, 2, 4 -> 28/14 = 2.00; continuous up to 1, 3, 5 -> 42/14 = 3.00
    assert "1.29" in c.explanation and "2.00" in c.explanation and "3.00" in c.explanation
    assert "the 14 respondents" in c.explanation
    assert row(result, "results.3").status == "inconsistent within report"


def test_mean_at_the_lower_edge_is_implausible_and_explained(inputs):
    c = check(bands.check_means(edited(inputs, {"results.3": {"value": 1.3}})), "MEAN-results.3")
    assert c.result == "implausible" and c.flagged == "results.3"
    assert "lower limit" in c.explanation and "computed that way" in c.explanation
    assert "midpoints give" in c.allowed and "Recompute the mean" in c.suggestion
    c = check(bands.check_means(edited(inputs, {"results.3": {"value": 1.8}})), "MEAN-results.3")
    assert c.result == "consistent"


def test_mean_over_an_open_band_has_only_a_minimum(inputs):
    changes = {"results.3": {"printed": "mean time in role 0.5 years", "value": 0.5, "measure": "mean time in role"}}
    c = check(bands.check_means(edited(inputs, changes)), "MEAN-results.3")
    # all four bands; >5 years starts at 5 in continuous time -> minimum (0+6+12+20)/18 = 2.11
    assert c.result == "inconsistent" and "2.11" in c.explanation and "unbounded above" in c.explanation


# ----------------------------------------------------------------------------- wording and item numbers


def test_opposite_ends_of_the_scale_in_one_phrase(result, inputs):
    c = check(result, "WORD-results.7")
    assert c.result == "inconsistent" and "agreed or strongly disagreed" in c.explanation
    assert "'agree' was presumably meant" in c.explanation
    assert not (result.checks["check_id"] == "WORD-results.9").any()  # "neither agreed nor disagreed"
    fine = edited(inputs, {"results.7": {"printed": "85% agreed or strongly agreed"}})
    assert wording.check_wording(fine) == []


def test_item_numbers_cited_in_text(result):
    c = check(result, "ITEM-methods.1")
    assert c.result == "inconsistent"
    assert "F1, F2" in c.explanation and "Coherence" in c.explanation
    assert check(result, "ITEM-methods.2").result == "consistent"
    c = check(result, "ITEM-methods.3")
    assert c.result == "inconsistent" and "no item B9" in c.explanation


# ----------------------------------------------------------------------------- check 6: flow


def test_flow_against_the_export(result):
    assert check(result, "FLOW-responded").result == "consistent"
    c = check(result, "FLOW-complete")
    assert c.result == "differs" and "18" in c.explanation and "17" in c.explanation
    assert check(result, "FLOW-invited").result == "not checked"
    assert "excluded_test: 2" in check(result, "FLOW-export-only").explanation
    d = comparison.discrepancies(result)
    assert "FLOW-complete" in set(d.loc[d["what"] == "data differ from report", "check_id"])


def test_flow_figures_are_found_by_value_and_wording_and_reproduced_from_the_export(inputs, result):
    flow = inputs.flow.set_index("figure_id")
    assert flow.loc["summary.1", "stage"] == "responded"
    assert flow.loc["results.11", "stage"] == "complete" and flow.loc["results.11", "cleaned_n"] == 17
    assert "methods.4" not in flow.index  # 20 like the responses, but about interviews
    r = row(result, "results.11")
    assert r.comparison == "differs" and r.reproduced == 17
    assert r.reproduced_source == "exclusions.csv: stage complete"
    assert "results.11" in check(result, "FLOW-complete").figures
    # a figure another step reproduced keeps that reproduction
    assert row(result, "summary.1").reproduced_source == "reproduced.csv: exclusions"


def test_flow_stage_larger_than_its_parent(inputs):
    flow = [
        {"id": "responded", "label": "Responses", "n": 20},
        {"id": "complete", "label": "Complete responses", "n": 22, "parent": "responded"},
    ]
    study = dataclasses.replace(inputs.study, design={**inputs.study.design, "flow": flow})
    c = check(audit_flow.check_flow(dataclasses.replace(inputs, study=study)), "FLOW-complete-parent")
    assert c.result == "inconsistent" and "more than its parent stage responded (20)" in c.explanation


def test_flow_without_exclusions_is_not_checked(inputs):
    checks = audit_flow.check_flow(dataclasses.replace(inputs, exclusions=None))
    assert {c.result for c in checks} == {"not checked"}


# ----------------------------------------------------------------------------- one-to-one comparison


def test_one_to_one_statuses(result):
    assert row(result, "t2.A1.0-5").status == "match"
    b1 = row(result, "t2.B1.agree")
    assert b1.comparison == "differs" and b1.reproduced == 26 and b1.reproduced_exact == 25.5
    assert row(result, "t2.F1.neutral").status == "differs"
    assert "not asked in this export" in row(result, "t2.B2.agree").note
    assert row(result, "summary.2").status == "not reproducible"
    assert "Background" in row(result, "summary.2").note
    health = row(result, "t3.sector.health")
    assert health.status == "match" and health.comparison == "match" and "TOT-t3" in health.note
    assert health.reproduced_source == "reproduced.csv: sector"


@pytest.mark.parametrize(
    "value, printed, decimals, status",
    [
        (16.5, 17, 0, "match"),  # half up
        (16.5, 16, 0, "match"),  # half to even
        (16.4, 17, 0, "differs"),
        (2.84, 2.8, 1, "match"),
        (2.86, 2.8, 1, "differs"),
    ],
)
def test_compare_rounds_to_the_printed_precision(value, printed, decimals, status):
    unit = "percent" if decimals == 0 else "mean"
    fig = pd.Series(
        {
            "figure_id": "x",
            "unit": unit,
            "value": float(printed),
            "value_text": str(printed),
            "decimals": decimals,
            "printed": "",
        }
    )
    rep = pd.Series({"value": value, "unit": unit, "base": 30.0, "source_table": "t", "note": ""})
    assert comparison.compare_figure(fig, rep)[0] == status


def test_compare_converts_a_reproduced_percentage_to_a_count():
    fig = pd.Series({"figure_id": "x", "unit": "count", "value": 9.0, "value_text": "9", "decimals": 0, "printed": ""})
    rep = pd.Series({"value": 90.0, "unit": "percent", "base": 10.0, "source_table": "t", "note": ""})
    assert comparison.compare_figure(fig, rep)[0] == "match"


# ----------------------------------------------------------------------------- summary


def test_summary_counts_and_discrepancy_list(result):
    summary = comparison.status_summary(result).set_index("status")
    assert summary.loc["all figures", "figures"] == len(result.audit)
    assert summary.loc[list(records.STATUSES), "figures"].sum() == len(result.audit)
    rate = comparison.match_rate(result)
    assert rate == {"reproduced": 11, "agree": 7, "percent": 63.6}
    d = comparison.discrepancies(result)
    inconsistent = set(result.checks.loc[result.checks["result"] == "inconsistent", "check_id"])
    assert inconsistent <= set(d["check_id"])
    assert {"t2.B1.agree", "t2.F1.neutral"} <= set(d.loc[d["kind"] == "reproduction", "figures"])
    # a differing cell of a row says which n the printed row needs
    assert "The printed row fits n = 20; the reproduction's base is 20" in row(result, "t2.F1.neutral").note
    assert d["explanation"].str.len().min() > 20
    assert list(d["what"]) == sorted(
        d["what"],
        key=[
            "inconsistent within report",
            "data differ from report",
            "reproduction differs",
            "needs an unstated assumption",
        ].index,
    )
    text = comparison.summary_sentence(result)
    assert "43 figures" in text and "agrees with 7 (63.6%)" in text


# ----------------------------------------------------------------------------- writing and bad input


def _copy_fixture(tmp_path: Path) -> Path:
    """A project root with the fixture study and its tables where the pipeline keeps them."""
    root = tmp_path / "root"
    shutil.copytree(FIX / "data", root / "data")
    shutil.copytree(TABLES, root / "outputs" / "audit-mini" / "tables")
    return root


def test_write_is_deterministic(tmp_path, monkeypatch):
    root = _copy_fixture(tmp_path)
    monkeypatch.setenv("TIEVAL_ROOT", str(root))
    study = load_study("audit-mini")
    paths = audit_step.write(audit_step.run(study))
    first = [p.read_bytes() for p in paths]
    paths = audit_step.write(audit_step.run(study))
    assert [p.read_bytes() for p in paths] == first
    assert [p.name for p in paths] == [
        "audit.csv",
        "audit_checks.csv",
        "audit_denominators.csv",
        "audit_rules.csv",
        "erratum.csv",
    ]
    written = pd.read_csv(paths[0], dtype=str, keep_default_na=False)
    assert list(written.columns) == records.AUDIT_COLUMNS and len(written) == 43


def _write_reproduced(root: Path, text: str, name: str = "reproduced.csv") -> None:
    (root / "outputs" / "audit-mini" / "tables" / name).write_text(text, encoding="utf-8")


@pytest.mark.parametrize(
    "text, column, row, found",
    [
        (
            "figure_id,value,unit,base,source_table,note\nt2.A1.0-5,25,percent,20,x,\nnope,1,count,,x,\n",
            "figure_id",
            3,
            "nope",
        ),
        ("figure_id,value,unit,base,source_table,note\nt2.A1.0-5,about 25,percent,20,x,\n", "value", 2, "about 25"),
    ],
)
def test_bad_reproduced_rows(tmp_path, study, text, column, row, found):
    root = _copy_fixture(tmp_path)
    _write_reproduced(root, text)
    with pytest.raises(InputError) as err:
        audit_inputs.load_inputs(study, tables=root / "outputs" / "audit-mini" / "tables")
    assert err.value.column == column and err.value.row == row and err.value.found == found
    assert "reproduced.csv" in str(err.value)


def test_conflicting_reproductions_in_two_files(tmp_path, study):
    root = _copy_fixture(tmp_path)
    _write_reproduced(
        root, "figure_id,value,unit,base,source_table,note\nsummary.1,21,count,,q,\n", "reproduced_qualitative.csv"
    )
    with pytest.raises(InputError) as err:
        audit_inputs.load_inputs(study, tables=root / "outputs" / "audit-mini" / "tables")
    assert "reproduced_qualitative.csv" in str(err.value) and "also in reproduced.csv" in str(err.value)


def test_reproductions_from_several_files_are_combined(tmp_path, study):
    root = _copy_fixture(tmp_path)
    _write_reproduced(
        root, "figure_id,value,unit,base,source_table,note\nqual.1,3,n,,participants,\n", "reproduced_qualitative.csv"
    )
    res = audit_step.run(study, tables=root / "outputs" / "audit-mini" / "tables").tables
    assert row(res, "qual.1").status == "match"
    assert row(res, "qual.1").reproduced_source == "reproduced_qualitative.csv: participants"


def test_missing_reproductions_name_the_step(tmp_path, study):
    with pytest.raises(InputError) as err:
        audit_inputs.load_inputs(study, tables=tmp_path)
    assert "reproduced.csv" in str(err.value) and "tables step" in str(err.value)
