"""The order of the categories in a processed Parquet file: code-point order, as Python's ``sorted``.

``store._sorted_categorical`` sorts the categories with Arrow (UTF-8 byte order) instead of
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


def test_categories_are_in_code_point_order():
    codes, cats = store._sorted_categorical(pd.Series(pd.Categorical(TEXTS, categories=TEXTS[::-1])))
    assert cats == _expected(TEXTS)
    assert [cats[c] for c in codes] == TEXTS  # every row keeps its text


def test_plain_text_and_a_missing_value_sort_the_same_way():
    values = ["😀", None, "\uffff", "a"]
    codes, cats = store._sorted_categorical(pd.Series(values, dtype=object))
    assert cats == ["", "a", "\uffff", "😀"]  # U+FFFF sorts before U+1F600 (as UTF-8 and sorted() order)
    assert codes.tolist() == [3, 0, 2, 1] and codes.dtype == np.int8  # the smallest index type of 4 entries


def test_no_categories():
    codes, cats = store._sorted_categorical(pd.Series(pd.Categorical([], categories=[])))
    assert cats == [] and len(codes) == 0
