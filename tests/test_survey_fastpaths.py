"""The fast paths of the survey tables give what the general paths give.

The cleaning step hands over responses as categoricals laid out as a complete grid
(respondents in id order, items in one order); the notebooks read the same table from
CSV as text.  Counts, item matrices and construct scores must not depend on which of
the two arrives, nor on the row order.  Fixture: ``tests/fixtures/tables`` (mini-tables).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tieval.survey.counts import item_cells
from tieval.survey.data import as_text, included, load_table
from tieval.survey.scores import (
    _grid,
    construct_scores,
    construct_summary,
    item_matrix,
    scored_constructs,
    scores_table,
)
from tieval.survey.validate import check_responses

ROOT = Path(__file__).parent / "fixtures" / "tables" / "root"


@pytest.fixture()
def mini(mini_tables):
    study, respondents = mini_tables
    return study, respondents, as_text(load_table(study, "responses"), "responses")


def as_categorical(frame: pd.DataFrame) -> pd.DataFrame:
    """The text table with every column categorical, as the cleaning step builds it."""
    return frame.assign(**{c: pd.Categorical(frame[c]) for c in frame.columns})


def test_check_responses_reads_text_categorical_and_float_codes_alike(mini):
    study, respondents, raw = mini
    expected = check_responses(raw, study, "responses.csv", respondents)["code"].to_numpy()
    as_float = raw.assign(code=pd.to_numeric(raw["code"].replace("", np.nan)))
    for frame in (as_categorical(raw), as_float):
        got = check_responses(frame, study, "responses.csv", respondents)["code"].to_numpy()
        assert np.array_equal(got, expected, equal_nan=True)


def test_check_responses_leaves_its_input_alone(mini):
    study, respondents, raw = mini
    before = raw.copy()
    check_responses(raw, study, "responses.csv", respondents)
    pd.testing.assert_frame_equal(raw, before)


def test_item_cells_do_not_depend_on_dtype_or_row_order(mini):
    study, respondents, raw = mini
    n = len(included(respondents))
    expected = item_cells(check_responses(raw, study, "x", respondents), study, n)
    shuffled = raw.sample(frac=1, random_state=3).reset_index(drop=True)
    for frame in (as_categorical(raw), shuffled):
        got = item_cells(check_responses(frame, study, "x", respondents), study, n)
        pd.testing.assert_frame_equal(got, expected, check_exact=True)
    # a not-relevant answer written differently counts as the scale's answer (labels normalised)
    nr = expected[expected["kind"] == "not_relevant"].set_index("item_id")["count"]
    assert nr["Q2"] == 1 and nr["Q3"] == 1
    respelt = raw.assign(label=raw["label"].where(raw["missing_reason"] != "not_relevant", "  not RELEVANT to my role"))
    for frame in (respelt, as_categorical(respelt)):
        got = item_cells(check_responses(frame, study, "x", respondents), study, n)
        pd.testing.assert_frame_equal(got, expected, check_exact=True)


def test_grid_fast_path_matches_the_general_path(mini):
    study, respondents, raw = mini
    items = [it for its in scored_constructs(study).values() for it in its]
    text = check_responses(raw, study, "x", respondents)
    grid = check_responses(as_categorical(raw), study, "x", respondents)
    assert _grid(grid) is not None and _grid(text) is None
    shuffled = grid.sample(frac=1, random_state=1).reset_index(drop=True)
    assert _grid(shuffled) is None  # not in grid order: the general path
    expected = item_matrix(text, study, items)
    for frame in (grid, shuffled):
        pd.testing.assert_frame_equal(item_matrix(frame, study, items), expected, check_exact=True)
        pd.testing.assert_frame_equal(construct_summary(frame, study), construct_summary(text, study))
        pd.testing.assert_frame_equal(scores_table(frame, study), scores_table(text, study))


def test_kept_matrix_follows_the_table(mini):
    study, respondents, raw = mini
    responses = check_responses(raw, study, "x", respondents)
    first = construct_scores(responses, study)
    first.iloc[:, :] = 0.0  # callers' changes do not reach the kept scores
    again = construct_scores(responses, study)
    assert not (again.fillna(1) == 0).all().all()
    other = responses.assign(code=responses["code"].where(responses["item_id"] != "Q1", 1.0))
    assert not construct_scores(other, study).equals(again)  # a new table: computed afresh
