"""The order of the categories in a processed Parquet file: code-point order, as Python's ``sorted``.

The Parquet writer (``store._column_parts``) sorts the categories with Arrow (UTF-8 byte order) instead of
``sorted`` (a million respondent ids took seconds).  UTF-8 byte order is code-point order; these
tests pin that on texts where other orders differ: case, accents (precomposed and combining),
non-Latin scripts, characters beyond the Basic Multilingual Plane, the empty text and a
missing value (written as '')."""

from __future__ import annotations

import numpy as np
import pandas as pd

from tieval import store

TEXTS = ["b", "B", "a", "é", "e\u0301", "Ж", "中", "😀", "\uffff", "", "İ", "ı", "Z9", "a b", "a_b"]


def _expected(values: list[str]) -> list[str]:
    return sorted(set(values))


def _sorted_categorical(column: pd.Series) -> tuple[np.ndarray, list[str]]:
    """The codes and dictionary the writer stores for ``column`` (all rows as one part)."""
    array = store._column_parts(column, "category")(0, len(column))
    return np.asarray(array.indices), array.dictionary.to_pylist()


def test_categories_are_in_code_point_order():
    codes, cats = _sorted_categorical(pd.Series(pd.Categorical(TEXTS, categories=TEXTS[::-1])))
    assert cats == _expected(TEXTS)
    assert [cats[c] for c in codes] == TEXTS  # every row keeps its text


def test_plain_text_and_a_missing_value_sort_the_same_way():
    values = ["😀", None, "\uffff", "a"]
    codes, cats = _sorted_categorical(pd.Series(values, dtype=object))
    assert cats == ["", "a", "\uffff", "😀"]  # U+FFFF sorts before U+1F600 (as UTF-8 and sorted() order)
    assert codes.tolist() == [3, 0, 2, 1] and codes.dtype == np.int8  # the smallest index type of 4 entries


def test_no_categories():
    codes, cats = _sorted_categorical(pd.Series(pd.Categorical([], categories=[])))
    assert cats == [] and len(codes) == 0


def test_a_missing_code_in_unsorted_categories_is_written_as_the_empty_text():
    column = pd.Series(pd.Categorical(["b", None, "a", "b", None], categories=["b", "a"]))
    codes, cats = _sorted_categorical(column)
    assert cats == ["", "a", "b"]
    assert [cats[c] for c in codes] == ["b", "", "a", "b", ""]
    with_empty = pd.Series(pd.Categorical(["b", None, ""], categories=["b", ""]))
    codes, cats = _sorted_categorical(with_empty)
    assert cats == ["", "b"] and [cats[c] for c in codes] == ["b", "", ""]


def test_row_group_parts_are_slices_of_the_whole_column():
    column = pd.Series(pd.Categorical(TEXTS * 7 + [None], categories=TEXTS[::-1]))
    part = store._column_parts(column, "category")
    whole = part(0, len(column))
    pieces = [part(start, min(len(column), start + 10)) for start in range(0, len(column), 10)]
    assert all(p.dictionary.equals(whole.dictionary) for p in pieces)
    assert np.concatenate([np.asarray(p.indices) for p in pieces]).tolist() == np.asarray(whole.indices).tolist()
    text = store._column_parts(column, "text")
    assert sum((text(s, min(len(column), s + 10)).to_pylist() for s in range(0, len(column), 10)), []) == (
        text(0, len(column)).to_pylist()
    )
