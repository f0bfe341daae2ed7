"""Checking a processed responses table against the instrument, and reading its missing-reason codes.

:func:`check_responses` validates ``responses.csv`` (items, missing reasons, codes on each
item's scale, not-relevant labels, respondents) and raises :class:`tieval.errors.InputError`
naming the spreadsheet row and column of the first bad cell.  :func:`reason_codes`,
:func:`is_answered` and :func:`is_in` are the vectorised readers of the long table that the
counting and scoring modules share.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from tieval.config import Study, normalise_label
from tieval.errors import InputError
from tieval.schema import MISSING_REASONS
from tieval.survey.columns import BLOCK, distinct, per_unique, take

__all__ = [
    "check_responses",
    "is_in",
    "reason_codes",
    "is_answered",
    "reason_table",
    "ANSWERED",
    "NOT_RELEVANT",
]


#: Positions in MISSING_REASONS (:func:`reason_codes`) of an answered row and a not-relevant answer.
ANSWERED = MISSING_REASONS.index("")


NOT_RELEVANT = MISSING_REASONS.index("not_relevant")


def is_in(values: pd.Series, allowed) -> np.ndarray:
    """Vectorised membership test (hash lookup of the distinct values), fast on long tables."""
    codes, uniques = distinct(values)
    allowed = pd.Index(allowed)
    if allowed.equals(uniques):  # e.g. the cleaning step's respondent ids: no hashing needed
        return take(np.append(np.ones(len(uniques), dtype=bool), False), codes)
    return take(np.append(allowed.unique().get_indexer(uniques) >= 0, False), codes)


def reason_table(reasons) -> np.ndarray:
    """Per distinct missing reason, then for a missing value: its position in
    :data:`~tieval.schema.MISSING_REASONS`, -1 for anything else."""
    return np.array([MISSING_REASONS.index(v) if v in MISSING_REASONS else -1 for v in reasons] + [-1], dtype=np.int8)


def is_answered(values: pd.Series) -> np.ndarray:
    """True where a row's missing reason is ``''`` (the item was answered), one value per row."""
    codes, reasons = distinct(values)
    return take(reason_table(reasons) == ANSWERED, codes)


def reason_codes(values: pd.Series) -> np.ndarray:
    """Position of each row's missing reason in :data:`~tieval.schema.MISSING_REASONS`
    (:data:`ANSWERED`, :data:`NOT_RELEVANT`, ...), -1 for anything else; one small integer per row."""
    codes, reasons = distinct(values)
    return take(reason_table(reasons), codes)


def _code_values(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """``(codes, table)``: answer codes as floats per distinct value (``table``, its last entry NaN
    for a missing value; '' and non-numbers are NaN), and each row's position in it (-1: missing)."""
    codes, uniques = distinct(values)

    def conv(v):
        try:
            return float(v) if v not in (None, "") else np.nan
        except (TypeError, ValueError):
            return np.nan

    return codes, np.array([conv(u) for u in uniques] + [np.nan], dtype=float)


def _code_problems(table: np.ndarray, scales: list) -> np.ndarray:
    """Per scale (rows) and distinct code (columns): 0 if an answered row may hold that code,
    1 if the code is not a number, ``2 + k`` if it is not on the k-th scale."""
    problems = np.zeros((len(scales), len(table)), dtype=np.int16)
    for k, scale in enumerate(scales):
        if scale.type == "numeric":
            problems[k, ~((table >= scale.min) & (table <= scale.max))] = 2 + k
        elif scale.type == "multi_select":  # an option row: 1 chosen, 0 not (survey.multiselect)
            problems[k, ~np.isin(table, [0.0, 1.0])] = 2 + k
        elif scale.type != "text":
            problems[k, ~np.isin(table, [float(lv.code) for lv in scale.levels])] = 2 + k
    problems[:, np.isnan(table)] = 1
    return problems


def _first_code_problems(
    values: pd.Series, scale_pos: np.ndarray, answered: np.ndarray, scales: list, as_float: bool
) -> tuple[dict[int, int], np.ndarray | None]:
    """The first answered row of each kind of code problem (:func:`_code_problems`: 1 not a number,
    ``2 + k`` not on the k-th scale of ``scales``; ``scale_pos``: each row's scale), and the codes as
    floats when ``as_float``.

    The long table is judged in blocks of :data:`~tieval.survey.columns.BLOCK` rows, each block's
    distinct codes once per scale, so the temporaries stay the size of a block (the whole table's
    row-length arrays of positions and pairs would be several times the code column itself)."""
    n = len(values)
    code = np.empty(n, dtype=float) if as_float else None
    first_failing: dict[int, int] = {}
    for start in range(0, n, BLOCK):
        block = slice(start, start + BLOCK)
        code_codes, table = _code_values(values.iloc[block])
        if code is not None:
            code[block] = take(table, code_codes)
        problems = _code_problems(table, scales)
        pair = scale_pos[block].astype(np.int32 if problems.size >= 2**15 else np.int16) * len(table)
        if len(code_codes) and code_codes.min() < 0:  # a missing code: the table's last entry
            code_codes = np.where(code_codes < 0, len(table) - 1, code_codes.astype(pair.dtype))
        pair += code_codes
        row_problem = take(problems.ravel(), pair)
        row_problem *= answered[block]
        failing = np.flatnonzero(row_problem)
        kinds, first = np.unique(row_problem[failing], return_index=True)
        for kind, row in zip(kinds.tolist(), (failing[first] + start).tolist()):
            first_failing.setdefault(kind, row)
    return first_failing, code


def check_responses(frame: pd.DataFrame, study: Study, path, respondents: pd.DataFrame | None = None) -> pd.DataFrame:  # noqa: C901 - above the ceiling before this round; to split (see CHANGELOG)
    """Validate a responses table (see :func:`load_responses`); returns a copy with ``code`` as float
    (text, numeric or categorical codes are read; the copy is shallow, copy-on-write)."""

    def fail_at(i: int, column: str, expected: str):
        """Raise for the table's row ``i`` (spreadsheet row ``i + 2``)."""
        raise InputError(path, expected, row=i + 2, column=column, found=frame[column].iloc[i])

    def fail(mask, column: str, expected: str, rows=None):
        """Raise for the first row of ``mask`` (of ``rows``, the positions ``mask`` refers to)."""
        i = int(np.flatnonzero(np.asarray(mask, dtype=bool))[0])
        fail_at(i if rows is None else int(rows[i]), column, expected)

    known = {it.id: it for it in (*study.items, *study.multi_select)}
    scale_list = sorted({it.scale for it in known.values()})
    # one integer per row: the position of its item's scale in scale_list (-1: unknown item)
    scale_pos = per_unique(
        frame["item_id"],
        lambda v: scale_list.index(known[v].scale) if v in known else -1,
        np.int8 if len(scale_list) < 127 else np.int64,
    )
    bad = scale_pos < 0
    if bad.any():
        fail(bad, "item_id", "an item id from study.yml")
    reason = reason_codes(frame["missing_reason"])  # the reasons are read once
    bad = reason < 0
    if bad.any():
        fail(bad, "missing_reason", "one of '', 'not_answered', 'not_relevant'")
    if respondents is not None:
        bad = ~is_in(frame["respondent_id"], respondents["respondent_id"][respondents["status"] != "excluded"])
        if bad.any():
            fail(bad, "respondent_id", "an included respondent of respondents.csv")
    # each answered row's code must be a number on its item's scale: judged once per pair of
    # (scale, distinct code), then each row looks its pair up (first failing row of each kind)
    as_float = frame["code"].dtype != np.float64  # a float column is kept as it is
    first_failing, code = _first_code_problems(
        frame["code"], scale_pos, reason == ANSWERED, [study.scales[sid] for sid in scale_list], as_float
    )
    if 1 in first_failing:
        fail_at(first_failing[1], "code", "a numeric answer code")
    # codes must lie on the item's scale; not-relevant labels must be the scale's
    nr_rows_all = np.flatnonzero(reason == NOT_RELEVANT)  # positions: not-relevant answers are few
    nr_scale = scale_pos[nr_rows_all]
    label_codes = label_uniques = None  # the labels are read once, when needed
    for k, scale_id in enumerate(scale_list):
        scale = study.scales[scale_id]
        if scale.type == "text":
            continue
        if 2 + k in first_failing:
            if scale.type == "numeric":
                expected = f"a number from {scale.min:g} to {scale.max:g} ({scale_id})"
            elif scale.type == "multi_select":
                expected = f"1 (option chosen) or 0 (not chosen) on the multi-select scale {scale_id}"
            else:
                expected = f"a code of the scale {scale_id}: " + ", ".join(f"{lv.code:g}" for lv in scale.levels)
            fail_at(first_failing[2 + k], "code", expected)
        nr_rows = nr_rows_all[nr_scale == k]
        if len(nr_rows):
            allowed = {normalise_label(x) for x in scale.not_relevant}
            if label_codes is None:
                label_codes, label_uniques = distinct(frame["label"])
            label_ok = np.array([normalise_label(v) in allowed for v in label_uniques] + [False])
            bad = ~label_ok[label_codes[nr_rows]]
            if bad.any():
                fail(
                    bad,
                    "label",
                    "a not-relevant answer of the scale "
                    + scale_id
                    + (
                        ": " + ", ".join(repr(x) for x in scale.not_relevant)
                        if scale.not_relevant
                        else " (it has none)"
                    ),
                    nr_rows,
                )
    out = frame.copy(deep=False)  # shallow (copy-on-write): only the code column is new
    if as_float:
        out["code"] = pd.Series(code, index=frame.index, copy=False)  # the new array itself, not a copy
    return out
