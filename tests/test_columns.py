"""Column primitives (tieval.survey.columns): codes of distinct values, look-ups by code, text columns."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tieval.survey import columns


def test_take_maps_codes_and_missing_to_the_last_entry():
    codes = np.array([0, 2, -1, 1, 2], dtype=np.int8)
    assert columns.take(np.array([10.0, 11.0, 12.0, 99.0]), codes).tolist() == [10, 12, 99, 11, 12]
    assert columns.take(np.array([False, True, False, False]), codes).tolist() == [False, False, False, True, False]
    assert columns.take(np.array([True, True, False, True]), codes).tolist() == [True, False, True, True, False]
    assert columns.take(np.array([True, False, True, False]), codes).tolist() == [True, True, False, False, True]


def test_take_works_across_blocks(monkeypatch):
    monkeypatch.setattr(columns, "BLOCK", 3)
    codes = np.array([3, 0, 1, 2, -1, 3, 0, 2], dtype=np.int16)
    table = np.array([5, 6, 7, 8, 9], dtype=np.int64)
    assert columns.take(table, codes).tolist() == [8, 5, 6, 7, 9, 8, 5, 7]


@pytest.mark.parametrize(
    "make",
    [
        lambda v: pd.Series(v, dtype="str"),
        lambda v: pd.Series(v).astype("category"),
        lambda v: pd.Series(v, dtype=object),
    ],
)
def test_distinct_gives_the_values_back(make):
    values = ["b", "a", "b", "", "c", "a"]
    codes, uniques = columns.distinct(make(values))
    assert [uniques[c] for c in codes] == values
    assert len(uniques) == 4


def test_distinct_marks_missing_values_minus_one():
    codes, uniques = columns.distinct(pd.Series(["x", None, "y"], dtype=object))
    assert codes.tolist() == [0, -1, 1] and list(uniques) == ["x", "y"]


def test_per_unique_calls_once_per_distinct_value():
    seen = []

    def f(v):
        seen.append(v)
        return len(v) if v is not None else -1

    out = columns.per_unique(pd.Series(["aa", "b", "aa", None, "b"], dtype=object), f, np.int64)
    assert out.tolist() == [2, 1, 2, -1, 1]
    assert sorted(seen, key=str) == sorted(["aa", "b", None], key=str)


def test_texts_gathers_a_str_column():
    out = columns.texts(np.array([1, 0, 1, 2], dtype=np.int8), ["", "yes", "no é"])
    assert str(out.dtype) == "str"
    assert list(out) == ["yes", "", "yes", "no é"]
    assert len(columns.texts(np.zeros(0, dtype=np.int64), [])) == 0
