"""Construct scores (with reversal and not-relevant as missing) and Cronbach's alpha, worked by hand.

Fixture: ``tests/fixtures/tables/root/data/mini-tables``.  Construct c1 = Q1, Q2
(negatively worded, reversed), Q3; c2 = Q4, Q5.  Answers (NR = not relevant,
- = skipped):

    resp  Q1 Q2 Q3 | Q4 Q5
    r1     5  1  5 |  4  5
    r2     4  2  5 |  4  3
    r3     4 NR  4 |  3  3
    r4     2  4  1 |  2  1
    r5     3  3 NR |  5  4
    r6     -  -  - |  -  -
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tieval.survey.data import load_responses
from tieval.survey.scores import (
    RECONSTRUCTION_BASIS,
    construct_scores,
    construct_summary,
    cronbach_alpha,
    forget,
    item_matrix,
    reverse_codes,
    scored_constructs,
    scores_table,
)

ROOT = Path(__file__).parent / "fixtures" / "tables" / "root"


@pytest.fixture()
def mini(mini_tables):
    study, respondents = mini_tables
    return study, load_responses(study, respondents)


def test_reverse_codes_is_min_plus_max_minus_code(mini):
    study, _ = mini
    scale = study.scales["agreement"]
    assert reverse_codes(pd.Series([1.0, 2, 3, 4, 5]), scale).tolist() == [5, 4, 3, 2, 1]  # 6 - code


def test_scored_constructs_need_two_ordinal_items(mini):
    study, _ = mini
    scored = scored_constructs(study)
    assert {c: [it.id for it in items] for c, items in scored.items()} == {"c1": ["Q1", "Q2", "Q3"], "c2": ["Q4", "Q5"]}


def test_item_matrix_reverses_and_treats_not_relevant_as_missing(mini):
    study, responses = mini
    m = item_matrix(responses, study, scored_constructs(study)["c1"])
    assert m.loc["r1"].tolist() == [5, 5, 5]  # Q2 = 1 reversed to 5
    assert m.loc["r4", "Q2"] == 2  # 4 reversed to 2
    assert np.isnan(m.loc["r3", "Q2"]) and np.isnan(m.loc["r5", "Q3"])  # not relevant: missing, not 0
    assert m.loc["r6"].isna().all()


def test_construct_scores_are_means_of_answered_items(mini):
    study, responses = mini
    s = construct_scores(responses, study)
    expected = {"r1": 5.0, "r2": 13 / 3, "r3": 4.0, "r4": 5 / 3, "r5": 3.0}
    for rid, value in expected.items():
        assert math.isclose(s.loc[rid, "c1"], value)
    assert np.isnan(s.loc["r6", "c1"])
    assert s.loc["r5", "c2"] == 4.5
    s2 = construct_scores(responses, study, min_items=3)
    assert np.isnan(s2.loc["r3", "c1"]) and s2.loc["r1", "c1"] == 5.0


def test_cronbach_alpha_textbook_cases():
    perfect = pd.DataFrame({"a": [1, 2, 3], "b": [1, 2, 3]})
    assert math.isclose(cronbach_alpha(perfect)[0], 1.0)
    unrelated = pd.DataFrame({"a": [1, 2, 1, 2], "b": [1, 1, 2, 2]})
    assert math.isclose(cronbach_alpha(unrelated)[0], 0.0, abs_tol=1e-12)
    alpha, n = cronbach_alpha(pd.DataFrame({"a": [1, 2, np.nan], "b": [2, 3, 4]}))
    assert n == 2 and math.isclose(alpha, 1.0)
    assert np.isnan(cronbach_alpha(pd.DataFrame({"a": [1, 2]}))[0])  # one item
    assert np.isnan(cronbach_alpha(pd.DataFrame({"a": [3, 3], "b": [2, 2]}))[0])  # no variance


def test_alpha_is_listwise_and_uses_the_reversed_item(mini):
    study, responses = mini
    items = scored_constructs(study)["c1"]
    alpha, n = cronbach_alpha(item_matrix(responses, study, items))
    # complete cases r1 (5,5,5), r2 (4,4,5), r4 (2,2,1): item variances 7/3, 7/3, 16/3 (sum 10),
    # totals 15, 13, 5 (variance 28): alpha = 3/2 * (1 - 10/28) = 27/28
    assert n == 3 and math.isclose(alpha, 27 / 28)
    raw = item_matrix(responses, study, items)
    raw["Q2"] = 6 - raw["Q2"]  # undo the reversal: a different alpha
    assert not math.isclose(cronbach_alpha(raw)[0], 27 / 28)


def test_construct_summary(mini):
    study, responses = mini
    summary = construct_summary(responses, study).set_index("construct")
    c1 = summary.loc["c1"]
    assert c1["items"] == "Q1, Q2, Q3" and c1["reversed"] == "Q2"
    assert c1["n"] == 5 and math.isclose(c1["mean"], 3.6) and c1["median"] == 4.0
    assert math.isclose(c1["sd"], round(float(np.std([5, 13 / 3, 4, 5 / 3, 3], ddof=1)), 4))
    assert c1["alpha"] == round(27 / 28, 4) and c1["alpha_n"] == 3 and c1["reference_alpha"] == 0.71
    assert c1["basis"] == RECONSTRUCTION_BASIS  # the fixture study is marked reconstructed
    assert np.isnan(summary.loc["c2", "reference_alpha"])
    assert summary.loc["c2", "alpha_n"] == 5


def test_forget_drops_the_kept_matrix_and_the_tables_stay_the_same(mini):
    from tieval.survey import scores  # noqa: PLC0415 - the module's kept results

    study, responses = mini
    summary, table = construct_summary(responses, study), scores_table(responses, study)
    assert scores._LAST["matrix"] is not None  # kept for scores_table, which reused it
    forget()
    assert not scores._LAST
    pd.testing.assert_frame_equal(construct_summary(responses, study), summary)
    forget()
    pd.testing.assert_frame_equal(scores_table(responses, study), table)
