"""The answer counts (``data/processed/<study>/answer_counts.parquet``): the long responses table
shrunk to one row per distinct answer, which the triangulation step counts instead of the long
table.  Fixtures: ``mini-tables`` (tests/fixtures/tables/root) and a generated long table."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tieval.schema import ANSWER_COUNTS
from tieval.survey import counts, data
from tieval.survey.data import answer_counts, load_responses, load_table, n_included
from tieval.survey.validate import check_responses


def _long(n: int, seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    items = rng.choice(["Q1", "Q2", "Q3"], n)
    answered = rng.random(n) < 0.8
    code = np.where(answered, rng.integers(1, 6, n).astype(str), "")
    return pd.DataFrame(
        {
            "study": pd.Categorical(["s"] * n),
            "wave": pd.Categorical(rng.choice(["t1", "t2"], n)),
            "respondent_id": pd.Categorical([f"R{i // 3}" for i in range(n)]),
            "item_id": pd.Categorical(items),
            "code": pd.Categorical(code),
            "label": pd.Categorical(np.where(answered, "L" + code, "")),
            "category": pd.Categorical(np.where(answered, "c", "not_answered")),
            "missing_reason": pd.Categorical(np.where(answered, "", "not_answered")),
        }
    )


def _by_text(frame: pd.DataFrame) -> pd.Series:
    columns = frame[[c for c in ANSWER_COUNTS if c != "n_rows"]].astype(object)
    key = columns.apply(lambda col: col.map(lambda v: "" if pd.isna(v) else str(v))).agg("|".join, axis=1)
    return pd.Series(frame["n_rows"].to_numpy(), index=key).sort_index()


def test_every_distinct_answer_once_with_its_number_of_rows():
    long = _long(5_000)
    out = answer_counts(long)
    assert list(out.columns) == ANSWER_COUNTS and out["n_rows"].dtype == np.int32
    expected = long.astype(str).groupby([c for c in ANSWER_COUNTS if c != "n_rows"]).size()
    expected.index = expected.index.map("|".join)
    pd.testing.assert_series_equal(_by_text(out), expected.sort_index().astype(np.int32), check_names=False)
    assert int(out["n_rows"].sum()) == len(long)


def test_the_sparse_path_counts_as_the_dense_one(monkeypatch):
    long = _long(3_000, seed=3)
    dense = answer_counts(long)
    monkeypatch.setattr(data, "DENSE_COMBINATIONS", 1)
    monkeypatch.setattr(data, "BLOCK", 257)  # several blocks, merged
    pd.testing.assert_frame_equal(answer_counts(long), dense)


def test_a_missing_value_stays_missing():
    long = _long(10).astype({"label": object})
    long.loc[0, "label"] = None
    out = answer_counts(long)
    assert out["label"].isna().sum() == 1 and int(out["n_rows"].sum()) == 10


@pytest.fixture()
def mini(mini_tables):
    return mini_tables


def test_item_cells_from_the_counts_equal_those_of_the_long_table(mini):
    study, respondents = mini
    long = load_responses(study, respondents)
    counted = check_responses(answer_counts(load_table(study, "responses")), study, "answer_counts.parquet")
    n = n_included(respondents)
    pd.testing.assert_frame_equal(counts.item_cells(counted, study, n), counts.item_cells(long, study, n))


def test_the_fixture_counts_are_those_of_its_responses(mini):
    study, _ = mini
    written = data.load_answer_counts(study)
    again = check_responses(answer_counts(load_table(study, "responses")), study, "answer_counts.parquet")
    pd.testing.assert_series_equal(_by_text(written), _by_text(again))


def test_load_survey_counted_reads_the_counts(mini):
    study, _ = mini
    respondents, table = data.load_survey(study, counts.ITEM_CELL_COLUMNS, [], counted=True)
    assert list(table.columns) == ANSWER_COUNTS and list(respondents.columns) == ["status"]
    assert int(table["n_rows"].sum()) == len(load_table(study, "responses"))
