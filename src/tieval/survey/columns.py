"""Column primitives for long tables: distinct values and their codes, look-ups by code, text columns.

A survey of a million respondents has tens of millions of (respondent, item) rows
but only a handful of distinct values per column.  These helpers work on the
distinct values and broadcast the result back by integer codes, so no step does
per-row Python work or builds a Python object per row:

- :func:`distinct`: ``(codes, uniques)`` of a column (a categorical is read off its
  codes; anything else is factorised once);
- :func:`take`: ``table[codes]`` in blocks, code -1 taking the table's last entry;
- :func:`per_unique`: a function applied once per distinct value, broadcast back;
- :func:`texts`: a pandas text column gathered by Arrow from a few distinct strings
  (:func:`constant`: one string repeated).

They are used by the cleaning step (:mod:`tieval.survey.clean`) and the tables
(:mod:`tieval.survey.likert`, :mod:`tieval.survey.nomad`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["BLOCK", "distinct", "take", "per_unique", "texts", "constant"]


def distinct(values: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """``(codes, uniques)`` of a column: ``uniques[codes]`` gives the values back, code -1 marks a
    missing value.  A categorical column is read off its codes and categories (no hashing of the
    rows, which matters on tables of millions of rows); other columns are factorised."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        return values.array.codes, values.cat.categories
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    return codes, pd.Index(uniques)


#: Rows per block when a long column is processed in blocks (small, reused temporaries).
BLOCK = 1 << 18


def take(table: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """``table[codes]``, code -1 taking the last entry of ``table``.

    A true/false table with one odd entry out is a comparison of the codes; otherwise the
    look-up runs in blocks of :data:`BLOCK` rows (numpy would convert small integer codes into
    one row-length array of 64-bit positions first)."""
    if table.dtype == bool and len(table):
        for value in (True, False):
            where = np.flatnonzero(table == value)
            if len(where) == len(table):
                return np.full(codes.shape, value)
            if len(where) == 1:
                code = where[0] if where[0] < len(table) - 1 else -1
                return codes == code if value else codes != code
    out = np.empty(codes.shape, dtype=table.dtype)
    for start in range(0, len(codes), BLOCK):
        np.take(table, codes[start : start + BLOCK], out=out[start : start + BLOCK], mode="wrap")
    return out


def per_unique(values: pd.Series, func, dtype=object) -> np.ndarray:
    """``func`` applied once per distinct value of ``values`` and broadcast back as an array of
    ``dtype`` (fast on long tables, where most values repeat); missing values are passed as ``None``."""
    codes, uniques = distinct(values)
    mapped = [func(u) for u in uniques] + [func(None)]  # code -1 (missing) takes the last entry
    return take(np.asarray(mapped, dtype=dtype), codes)


def texts(codes: np.ndarray, values) -> pd.api.extensions.ExtensionArray:
    """``values[codes]`` as a pandas text (``str``) array, gathered by Arrow from the distinct
    ``values`` (no Python string per row, which is what building a text column from objects costs)."""

    dictionary = pa.array([str(v) for v in values], type=pa.large_string())
    return pd.array(pc.take(dictionary, pa.array(np.asarray(codes))), dtype="str")


def constant(value: str, n: int) -> pd.api.extensions.ExtensionArray:
    """``value`` repeated ``n`` times as a pandas text array (see :func:`texts`)."""
    return texts(np.zeros(n, dtype=np.int8), [value])
