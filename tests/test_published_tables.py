"""Counts, percentages, Wilson intervals and the published-table builder, on hand-made data.

The fixture study ``tests/fixtures/tables/root/data/mini-tables`` has six included
respondents (r1-r6) and one excluded (r7); every expected number below was
worked out by hand from ``responses.csv`` / ``respondents.csv`` there.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tieval import published
from tieval.config import load_study
from tieval.errors import InputError
from tieval.report.survey_tables import (
    percent_cell,
    render_comparison,
    render_demographic_table,
    render_distributions,
    render_item_table,
)
from tieval.schema import REPRODUCED
from tieval.survey.counts import (
    NOT_STATED,
    category_display,
    demographic_cells,
    distributions,
    item_cells,
    scale_counts,
)
from tieval.survey.data import NO_ITEMS_REASON, as_text, load_respondents, load_responses, load_table
from tieval.survey.intervals import wilson_interval
from tieval.survey.published_tables import reproduce
from tieval.survey.validate import check_responses

ROOT = Path(__file__).parent / "fixtures" / "tables" / "root"


@pytest.fixture()
def mini(mini_tables):
    study, respondents = mini_tables
    return study, respondents, load_responses(study, respondents)


@pytest.fixture()
def rep(mini):
    study, respondents, responses = mini
    return reproduce(study, responses, respondents, published.load_published(study))


# --- Wilson ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "k, n, lower, upper",
    [
        (81, 263, 0.2553, 0.3662),  # Newcombe (1998) Table I, example (a); Agresti & Coull (1998)
        (15, 148, 0.0624, 0.1605),  # Newcombe (1998) Table I, example (b)
        (0, 10, 0.0, 0.2775),  # Newcombe (1998) Table I, example (f)
        (1, 29, 0.0061, 0.1718),  # Newcombe (1998) Table I, example (e)
    ],
)
def test_wilson_matches_published_reference_values(k, n, lower, upper):
    lo, hi = wilson_interval(k, n)
    assert round(lo, 4) == lower
    assert round(hi, 4) == upper


def test_wilson_edges_and_vectorised():
    lo, hi = wilson_interval(np.array([0, 10, 5, 3]), np.array([10, 10, 10, 0]))
    assert lo[0] == 0.0 and hi[1] == 1.0
    assert round(lo[1], 4) == round(1 - 0.2775, 4)  # symmetric to 0/10
    assert lo[2] < 0.5 < hi[2] and math.isclose(0.5 - lo[2], hi[2] - 0.5)
    assert np.isnan(lo[3]) and np.isnan(hi[3])  # n = 0


def test_wilson_is_not_wald():
    # Wald would give 0.9 +- 1.96 * sqrt(0.09 / 10) = (0.714, 1.086); Wilson stays inside [0, 1]
    lo, hi = wilson_interval(9, 10)
    assert round(lo, 4) == 0.5958 and round(hi, 4) == 0.9821


def test_percent_cell_format():
    assert percent_cell(85.0, 39, 46, 72.1, 92.6) == "85% (39/46) [72–93]"
    assert percent_cell(np.nan, 1, 2, 0, 1) == ""


# --- cells ----------------------------------------------------------------------------------------
def _cell(cells, item, kind, label_or_cat):
    sub = cells[(cells["item_id"] == item) & (cells["kind"] == kind)]
    col = "category" if kind == "category" else "label"
    row = sub[sub[col] == label_or_cat]
    assert len(row) == 1, (item, kind, label_or_cat)
    return row.iloc[0]


def test_item_cells_counts_bases_and_not_relevant(mini):
    study, respondents, responses = mini
    cells = item_cells(responses, study, n_included=6)
    # Q2: codes 1, 2, NR, 4, 3 and one skip -> answered 5 (NR counted), shown 6
    agree = _cell(cells, "Q2", "category", "agree")
    assert (agree["count"], agree["base"], agree["n_answered"], agree["n_shown"]) == (1, 5, 5, 6)
    nr = _cell(cells, "Q2", "category", "not_relevant")
    assert nr["count"] == 1 and nr["percent"] == 20.0
    assert _cell(cells, "Q2", "not_relevant", "Not relevant to my role")["count"] == 1
    assert _cell(cells, "Q2", "missing", "missing")["count"] == 1
    assert _cell(cells, "Q2", "category", "disagree")["count"] == 2
    # level cells are percentages of everyone shown the item
    sd = _cell(cells, "Q2", "level", "Strongly disagree")
    assert sd["count"] == 1 and sd["base"] == 6
    # numeric item: bins from the scale, every value 0..10 present
    n1 = cells[(cells["item_id"] == "N1") & (cells["kind"] == "level")]
    assert list(n1["label"]) == [str(v) for v in range(11)]
    assert _cell(cells, "N1", "category", "0-5")["count"] == 2
    assert _cell(cells, "N1", "category", "6-10")["count"] == 4
    # binary item with one skip
    assert _cell(cells, "Y1", "category", "yes")["count"] == 4
    assert _cell(cells, "Y1", "missing", "missing")["count"] == 1
    # categories of every item add up to the answered base
    cats = cells[cells["kind"] == "category"].groupby("item_id")["count"].sum()
    answered = cells[cells["kind"] == "category"].groupby("item_id")["n_answered"].first()
    assert (cats == answered).all()


def test_category_display_joins_level_labels(mini):
    study, *_ = mini
    scale = study.scales["agreement"]
    assert category_display(scale, "agree") == "Agree / Strongly agree"
    assert category_display(scale, "not_relevant") == "Not relevant"
    assert category_display(study.scales["zero_ten"], "0-5") == "0-5"


def test_demographic_cells_normalise_and_count_responses_received(mini):
    study, respondents, _ = mini
    demo = demographic_cells(respondents, study).set_index("label")
    # r1, r2 'Nurse', r5 'nurse'; r7 (a survey test) is a nurse but not a response
    assert demo.loc["Nurse", "count"] == 3
    assert demo.loc["Porter", "count"] == 0
    # r4 left the role blank; r8 is a real response that answered nothing
    assert demo.loc[NOT_STATED, "count"] == 2
    assert demo.loc["Nurse", "base"] == 5 and demo.loc["Nurse", "respondents"] == 7
    assert math.isclose(demo.loc["Nurse", "percent_of_respondents"], 300 / 7)


def test_no_items_reason_is_a_cleaning_reason():
    from tieval.survey.clean import EXCLUSION_REASONS

    assert NO_ITEMS_REASON in EXCLUSION_REASONS


# --- published tables -----------------------------------------------------------------------------
def test_item_table_reproduces_published_cells(rep):
    t1 = next(t for t in rep.tables if t.id == "table1")
    assert t1.layout == "items" and t1.categories == ["disagree", "neutral", "agree", "not_relevant", "0-5", "6-10"]
    f = t1.frame.set_index("item_id")
    assert list(f.index) == ["Q1", "Q2", "N1"]
    assert f.loc["Q1", "agree_count"] == 3 and f.loc["Q1", "agree_base"] == 5
    assert f.loc["Q1", "agree_percent"] == 60.0
    assert (f.loc["Q1", "agree_ci_lower"], f.loc["Q1", "agree_ci_upper"]) == (23.1, 88.2)
    assert f.loc["N1", "0-5_percent"] == 33.0 and f.loc["N1", "6-10_percent"] == 67.0
    assert pd.isna(f.loc["N1", "agree_count"])  # not a category of a 0-10 item


def test_demographic_table_and_skipped_table(rep):
    t2 = next(t for t in rep.tables if t.id == "table2")
    assert t2.layout == "demographics"
    assert list(t2.frame["level"]) == ["Nurse", "Doctor", "Porter", NOT_STATED]
    assert list(t2.frame["count"]) == [3, 2, 0, 2]
    assert "table3" in rep.skipped and "not survey items" in rep.skipped["table3"]


def test_text_proportions_bases(rep):
    text = rep.text.set_index("figure_id")
    # stated base 6 = everyone shown the item (one skipped): the report's denominator is used
    assert (text.loc["text.2", "count"], text.loc["text.2", "base"]) == (4, 6)
    assert (text.loc["text.3", "count"], text.loc["text.3", "base"]) == (1, 6)  # no_answer
    # no stated base: answered base, not-relevant answers included
    assert (text.loc["text.1", "count"], text.loc["text.1", "base"]) == (3, 5)
    # a demographic share in the text is a share of all responses received
    assert (text.loc["text.4", "count"], text.loc["text.4", "base"]) == (3, 7)
    assert "text.7" not in text.index  # a flow count: left to the audit


def test_comparison_matches_and_mismatches(rep):
    comp = rep.comparison.set_index("figure_id")
    assert (comp.loc[[i for i in comp.index if i.startswith(("t1.", "t2."))], "match"] == "yes").all()
    assert comp.loc["text.5", "match"] == "yes"  # 40% is "less than half"
    assert comp.loc["text.6", "match"] == "no"  # the text says 70, the data 60
    assert comp.loc["text.6", "reproduced"] == "60.0"
    assert comp.loc["t1.N1.0-5", "reproduced"] == "33.3"  # one digit more than printed


def test_reproduced_list_schema_and_unrounded_values(rep):
    r = rep.reproduced.set_index("figure_id")
    assert list(rep.reproduced.columns) == REPRODUCED
    assert r.loc["t1.N1.0-5", "value"] == 33.3333  # unrounded, 4 dp
    assert r.loc["t1.N1.0-5", "source_table"] == "table1.csv"
    assert r.loc["t2.role.nurse", "value"] == 3 and r.loc["t2.role.nurse", "unit"] == "count"
    assert r.loc["text.4", "source_table"] == "text_proportions.csv"
    assert "t3.nurses.participants" not in r.index


def test_reproduce_with_min_cell_blanks_small_cells(mini):
    study, respondents, responses = mini
    rep = reproduce(study, responses, respondents, published.load_published(study), min_cell=2)
    r = rep.reproduced.set_index("figure_id")
    assert pd.isna(r.loc["t1.Q1.disagree", "value"]) and "suppressed" in r.loc["t1.Q1.disagree", "note"]
    assert r.loc["t1.Q1.agree", "value"] == 60.0
    comp = rep.comparison.set_index("figure_id")
    assert comp.loc["t1.Q1.disagree", "match"] == "" and comp.loc["t1.Q1.disagree", "reproduced"] == "suppressed"
    t1 = next(t for t in rep.tables if t.id == "table1").frame.set_index("item_id")
    assert bool(t1.loc["Q1", "disagree_suppressed"]) and pd.isna(t1.loc["Q1", "disagree_count"])
    shown = render_item_table(next(t for t in rep.tables if t.id == "table1"), study)
    assert "suppressed" in shown[0].to_string()


def test_distributions_cover_every_answer(rep):
    d = distributions(rep.cells)
    q2 = d[d["item_id"] == "Q2"]
    assert list(q2["label"]) == [
        "Strongly disagree",
        "Disagree",
        "Neither agree nor disagree",
        "Agree",
        "Strongly agree",
        "Not relevant to my role",
        "missing",
    ]
    assert q2["count"].sum() == 6 and (q2["base"] == 6).all()
    assert q2.set_index("label").loc["Not relevant to my role", "percent"] == 16.7


def test_renderers_produce_readable_frames(mini, rep):
    study, *_ = mini
    t1 = next(t for t in rep.tables if t.id == "table1")
    frames = render_item_table(t1, study)
    assert len(frames) == 2  # agreement items, then the 0-10 item
    assert frames[0].loc[0, "Agree / Strongly agree"] == "60% (3/5) [23–88]"
    demo = render_demographic_table(next(t for t in rep.tables if t.id == "table2"), study)
    assert demo.loc[0, "% of all respondents"] == "43% of 7"
    comp = render_comparison(rep.comparison)
    assert {"Published", "Reproduced", "Match"} <= set(comp.columns)
    dist = render_distributions(distributions(rep.cells), study)
    assert [s for s, _ in dist] == ["agreement", "zero_ten", "yes_no"]
    counts = scale_counts(rep.cells, ["Q1", "Q2"])
    assert list(counts.columns)[-1] == "Not relevant" and counts.loc["Q2", "Not relevant"] == 1


# --- bad input ------------------------------------------------------------------------------------
def _responses(mini):
    study, respondents, _ = mini
    frame = as_text(load_table(study, "responses"), "responses")
    return study, respondents, frame


@pytest.mark.parametrize(
    "column, row, value, expected",
    [
        ("item_id", 3, "Q9", "an item id from study.yml"),
        ("code", 2, "7", "a code of the scale agreement"),
        ("code", 2, "x", "a numeric answer code"),
        ("missing_reason", 4, "skipped", "one of ''"),
        ("respondent_id", 5, "r7", "an included respondent"),
    ],
)
def test_bad_responses_name_file_row_and_column(mini, column, row, value, expected):
    study, respondents, frame = _responses(mini)
    frame.loc[row - 2, column] = value
    with pytest.raises(InputError) as err:
        check_responses(frame, study, "responses.csv", respondents)
    msg = str(err.value)
    assert f"row {row}" in msg and f"column {column}" in msg and expected in msg


@pytest.mark.parametrize("as_type", ["text", "categorical", "float"])
def test_code_errors_name_the_first_bad_row(mini, as_type):
    study, respondents, frame = _responses(mini)
    agreement = frame.index[(frame["item_id"] == "Q2") & (frame["missing_reason"] == "")]
    frame.loc[agreement[2], "code"] = "7"  # off the agreement scale
    frame.loc[agreement[1], "code"] = "9"  # ... and an earlier row: reported
    if as_type == "categorical":
        frame = frame.assign(code=frame["code"].astype("category"))
    elif as_type == "float":
        frame = frame.assign(code=pd.to_numeric(frame["code"].replace("", np.nan)))
    with pytest.raises(InputError) as err:
        check_responses(frame, study, "responses.csv", respondents)
    msg = str(err.value)
    assert f"row {agreement[1] + 2}, column code" in msg and "a code of the scale agreement" in msg


@pytest.mark.parametrize("as_type", ["text", "categorical"])
def test_a_code_that_is_not_a_number_is_reported_before_codes_off_the_scale(mini, as_type):
    study, respondents, frame = _responses(mini)
    answered = frame.index[frame["missing_reason"] == ""]
    frame.loc[answered[0], "code"] = "99"  # off every scale, first
    frame.loc[answered[-1], "code"] = "x"  # not a number, last: still the error reported
    if as_type == "categorical":
        frame = frame.assign(code=frame["code"].astype("category"))
    with pytest.raises(InputError) as err:
        check_responses(frame, study, "responses.csv", respondents)
    assert f"row {answered[-1] + 2}, column code" in str(err.value)
    assert "a numeric answer code" in str(err.value)


def test_unknown_not_relevant_label_is_an_input_error(mini):
    study, respondents, frame = _responses(mini)
    i = frame.index[frame["missing_reason"] == "not_relevant"][0]
    frame.loc[i, "label"] = "Not my job"
    with pytest.raises(InputError, match=f"row {i + 2}, column label"):
        check_responses(frame, study, "responses.csv", respondents)


def test_numeric_code_out_of_range(mini):
    study, respondents, frame = _responses(mini)
    i = frame.index[frame["item_id"] == "N1"][0]
    frame.loc[i, "code"] = "11"
    with pytest.raises(InputError, match="a number from 0 to 10"):
        check_responses(frame, study, "responses.csv", respondents)


def test_unknown_demographic_label(mini):
    study, respondents, _ = mini
    bad = respondents.copy()
    bad.loc[2, "role"] = "Astronaut"
    with pytest.raises(InputError, match="row 4, column role"):
        demographic_cells(bad, study)


def test_missing_processed_file_names_the_step(monkeypatch, tmp_path):
    monkeypatch.setenv("TIEVAL_ROOT", str(tmp_path))
    study = load_study(ROOT / "data" / "mini-tables", check_files=False)
    with pytest.raises(InputError, match="respondents.parquet.*run the earlier pipeline steps"):
        load_respondents(study)


# --- the notebook, end to end on the fixture ------------------------------------------------------
@pytest.mark.slow
@pytest.mark.parametrize("min_cell", [0, 2])
def test_tables_notebook_runs_on_the_fixture_study(tmp_path, monkeypatch, min_cell):
    import shutil

    import papermill as pm

    root = tmp_path / "root"
    shutil.copytree(ROOT, root)
    monkeypatch.setenv("TIEVAL_ROOT", str(root))
    notebook = Path(__file__).resolve().parents[1] / "notebooks" / "03_tables.ipynb"
    pm.execute_notebook(
        str(notebook),
        str(tmp_path / "out.ipynb"),
        parameters={"study": "mini-tables", "min_cell": min_cell},
        cwd=str(root),
        kernel_name="python3",
        progress_bar=False,
    )
    tables = root / "outputs" / "mini-tables" / "03_tables"
    for name in (
        "table1.csv",
        "table2.csv",
        "text_proportions.csv",
        "reproduced.csv",
        "distributions.csv",
        "published_comparison.csv",
        "construct_summary.csv",
    ):
        assert (tables / name).is_file(), name
    assert not (tables / "table3.csv").exists()  # interviewees: the qualitative step's table
    reproduced = pd.read_csv(tables / "reproduced.csv", dtype=str, keep_default_na=False)
    figures = {p.name for p in tables.glob("*.png")}
    if min_cell:
        assert (reproduced["value"] == "").any()
        assert not (tables / "construct_scores.csv").exists()  # no respondent-level file under disclosure control
        assert not figures
    else:
        assert (reproduced["value"] != "").all()
        assert figures == {
            "diverging_agreement.png",
            "histograms_zero_ten.png",
            "proportions_text.png",
            "words_feel.png",
        }
