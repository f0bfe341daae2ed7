"""Proportions with Wilson intervals, full item distributions, and the published tables rebuilt from processed data.

This module turns the tidy survey data written by the cleaning step
(``data/processed/<study>/responses.csv`` and ``respondents.csv``) into every
count the reports publish, and into the tables that set them beside the
published values.

The counting unit is a *cell*: one row of :func:`item_cells` (per rated item:
each answer level in scale order, each not-relevant answer, the respondents
who skipped it, and each collapsed category) or of :func:`demographic_cells`
(per demographic: each level and the respondents who did not say).  Every
table, text proportion and disclosure decision is read off these cells, so a
number cannot be computed two ways.

Conventions (choices a reviewer may want to check)
--------------------------------------------------
- **Base of an item percentage**: respondents who gave an answer to the item,
  *including* not-relevant answers, which are a category of their own (so a
  row of collapsed categories sums to 100 %, as Table 5 of the Lancashire report
  does).  Respondents who skipped the item are not in the base.  The category
  ``no_answer`` (also ``missing`` / ``not_answered``) counts the skips, on the
  base of every included respondent.  When a published figure states a base and
  that base equals the number of included respondents, the figure's percentage
  and interval use that base (the report's own denominator).
- **Base of a demographic percentage**: in a table, the respondents who answered
  the question; in the running text (``"We received 48 responses ... Most
  respondents (25%) worked for ..."``) a share of all responses received
  (analysed records and real responses that answered nothing; not previews,
  tests or spam), because that is what such sentences describe.  Table CSVs
  carry both.
- **Rounding**: percentages in table CSVs are rounded half up to whole numbers
  (:func:`tieval.audit.rounding.rounded_percent`, as Excel and SPSS print them); Wilson
  bounds are given in percent to one decimal place.  The reports do not always
  round half up (Lancashire prints 2.5 % as 2 and 97.5 % as 98 in one row), so
  comparisons accept either half-up or half-even rounding.
- **Disclosure control** (``min_cell``, default 0 = off): applied to the cells
  before anything is tabulated (:mod:`tieval.survey.disclosure`); the partitions are
  "the levels and not-relevant answers of an item add up to its answered base",
  "its categories add up to the same base" and "the levels of a category add up
  to the category".  The number who skipped an item is the difference of two
  published bases and is not protected.
- **Reproduced values** (``reproduced.csv``, keyed by published figure id):
  counts as integers and percentages *unrounded* to 4 decimal places, in the
  unit of the published figure; the audit step rounds them to the printed
  precision.  ``published_comparison.csv`` shows the match at that precision
  (either half-up or half-even rounding accepted, see :mod:`tieval.audit.rounding`).
- **Intervals**: Wilson score intervals (Wilson 1927; recommended for small n
  by Brown, Cai & DasGupta 2001), 95 %, never Wald.

Numbers that are not counts of survey answers (flow counts, context numbers,
means of banded data) are left to the audit step.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from tieval.audit.rounding import rounded_percent, rounds_to
from tieval.config import Study, normalise_label
from tieval.errors import InputError
from tieval.paths import processed_dir
from tieval.published import bound_direction
from tieval.schema import MISSING_REASONS, REPRODUCED, RESPONDENTS, RESPONSES, require_columns
from tieval.store import read_csv
from tieval.survey import disclosure
from tieval.survey.columns import BLOCK, distinct, per_unique, take

__all__ = [
    "Z95",
    "RATED_TYPES",
    "MISSING_CATEGORIES",
    "wilson_interval",
    "load_respondents",
    "load_responses",
    "included",
    "rated_items",
    "item_cells",
    "demographic_cells",
    "category_display",
    "resolve_figures",
    "figure_values",
    "item_table",
    "demographic_table",
    "PublishedTable",
    "Reproduction",
    "reproduce",
    "render_item_table",
    "render_demographic_table",
    "render_comparison",
    "distributions",
    "render_distributions",
    "scale_counts",
    "percent_cell",
    "base_text",
    "check_responses",
    "item_table_bases",
    "load_survey",
    "respondent_summary",
    "table_views",
    "match_summary",
    "item_groups",
    "items_by_scale",
    "item_label",
    "proportion_rows",
    "single_category_tables",
    "table_rows",
    "standalone_text",
    "write_tables",
    "text_proportions",
    "reproduced_list",
    "comparison",
    "received",
    "NO_ITEMS_REASON",
    "is_in",
    "reason_codes",
    "is_answered",
    "ANSWERED",
    "NOT_RELEVANT",
]

#: Two-sided 95 % standard normal quantile (scipy.stats.norm.ppf(0.975)).
Z95 = 1.959963984540054
#: Scale types whose answers are counted (text answers are not).
RATED_TYPES = ("ordinal", "numeric", "binary", "categorical")
#: Published category names that mean "did not answer the item".
MISSING_CATEGORIES = ("no_answer", "missing", "not_answered")
#: Label of the skipped-item cell.
MISSING_LABEL = "missing"
#: Positions in MISSING_REASONS (:func:`reason_codes`) of an answered row and a not-relevant answer.
ANSWERED = MISSING_REASONS.index("")
NOT_RELEVANT = MISSING_REASONS.index("not_relevant")
#: Label of the not-stated cell of a demographic.
NOT_STATED = "(not stated)"
#: Exclusion reason (``tieval.survey.clean.EXCLUSION_REASONS``) of a real response that answered no item.
NO_ITEMS_REASON = "no_items_answered"


# --- Wilson interval ------------------------------------------------------------------------------
def wilson_interval(k, n, z: float = Z95):
    """Wilson score interval for ``k`` successes out of ``n`` (arrays or scalars), as proportions.

    Returns ``(lower, upper)``; both are NaN where ``n`` is 0.  ``k = 0`` gives a
    lower bound of exactly 0 and ``k = n`` an upper bound of exactly 1.

    >>> [round(b, 4) for b in wilson_interval(81, 263)]     # Newcombe (1998), Table I
    [0.2553, 0.3662]
    """
    k_arr = np.asarray(k, dtype=float)
    n_arr = np.asarray(n, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = k_arr / n_arr
        z2 = z * z
        denom = 1.0 + z2 / n_arr
        centre = (p + z2 / (2.0 * n_arr)) / denom
        half = (z / denom) * np.sqrt(p * (1.0 - p) / n_arr + z2 / (4.0 * n_arr * n_arr))
        lower = np.clip(centre - half, 0.0, 1.0)
        upper = np.clip(centre + half, 0.0, 1.0)
    lower = np.where(k_arr == 0, 0.0, lower)
    upper = np.where(k_arr == n_arr, 1.0, upper)
    bad = ~(n_arr > 0)
    lower = np.where(bad, np.nan, lower)
    upper = np.where(bad, np.nan, upper)
    if lower.ndim == 0:
        return float(lower), float(upper)
    return lower, upper


def percent_cell(percent, count, base, lower, upper) -> str:
    """One table cell as the appendix shows it: ``85% (39/46) [72–93]`` (percent, count/base, Wilson 95 %)."""
    if any(pd.isna(x) for x in (percent, count, base)):
        return ""
    lo = "" if pd.isna(lower) else f"{lower:.0f}"
    hi = "" if pd.isna(upper) else f"{upper:.0f}"
    return f"{percent:.0f}% ({int(count)}/{int(base)}) [{lo}–{hi}]"


# --- loading --------------------------------------------------------------------------------------
def load_respondents(study: Study) -> pd.DataFrame:
    """Read ``processed/<study>/respondents.csv`` and check its columns and statuses."""
    path = processed_dir(study.id) / "respondents.csv"
    frame = read_csv(path)
    require_columns(frame, RESPONDENTS + [d.id for d in study.demographics], path)
    bad = ~frame["status"].isin(("complete", "partial", "excluded"))
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputError(
            path, "a status of complete, partial or excluded", row=i + 2, column="status", found=frame["status"].iloc[i]
        )
    return frame


def included(respondents: pd.DataFrame) -> pd.DataFrame:
    """The respondents whose answers are analysed (status complete or partial)."""
    return respondents[respondents["status"] != "excluded"].reset_index(drop=True)


def received(respondents: pd.DataFrame) -> pd.Series:
    """Mask of the responses received: analysed records and real responses that answered no rated
    item (excluded only for that); survey previews, tests and spam are not responses."""
    return (respondents["status"] != "excluded") | (respondents["exclusion_reason"] == NO_ITEMS_REASON)


def load_responses(study: Study, respondents: pd.DataFrame | None = None) -> pd.DataFrame:
    """Read ``processed/<study>/responses.csv``, check it against the instrument, return it with a numeric ``code``.

    Raises :class:`InputError` (file, spreadsheet row, column) for an unknown item,
    an unknown missing reason, an answered row without a valid code, a not-relevant
    label the scale does not list, or a respondent not among the included ones.
    """
    path = processed_dir(study.id) / "responses.csv"
    frame = read_csv(path)
    require_columns(frame, RESPONSES, path)
    return check_responses(frame, study, path, respondents)


def is_in(values: pd.Series, allowed) -> np.ndarray:
    """Vectorised membership test (hash lookup of the distinct values), fast on long tables."""
    codes, uniques = distinct(values)
    allowed = pd.Index(allowed)
    if allowed.equals(uniques):  # e.g. the cleaning step's respondent ids: no hashing needed
        return take(np.append(np.ones(len(uniques), dtype=bool), False), codes)
    return take(np.append(allowed.unique().get_indexer(uniques) >= 0, False), codes)


def _reason_table(reasons) -> np.ndarray:
    """Per distinct missing reason, then for a missing value: its position in
    :data:`~tieval.schema.MISSING_REASONS`, -1 for anything else."""
    return np.array([MISSING_REASONS.index(v) if v in MISSING_REASONS else -1 for v in reasons] + [-1], dtype=np.int8)


def is_answered(values: pd.Series) -> np.ndarray:
    """True where a row's missing reason is ``''`` (the item was answered), one value per row."""
    codes, reasons = distinct(values)
    return take(_reason_table(reasons) == ANSWERED, codes)


def reason_codes(values: pd.Series) -> np.ndarray:
    """Position of each row's missing reason in :data:`~tieval.schema.MISSING_REASONS`
    (:data:`ANSWERED`, :data:`NOT_RELEVANT`, ...), -1 for anything else; one small integer per row."""
    codes, reasons = distinct(values)
    return take(_reason_table(reasons), codes)


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
        elif scale.type != "text":
            problems[k, ~np.isin(table, [float(lv.code) for lv in scale.levels])] = 2 + k
    problems[:, np.isnan(table)] = 1
    return problems


def check_responses(frame: pd.DataFrame, study: Study, path, respondents: pd.DataFrame | None = None) -> pd.DataFrame:
    """Validate a responses table (see :func:`load_responses`); returns a copy with ``code`` as float
    (text, numeric or categorical codes are read; the copy is shallow, copy-on-write)."""

    def fail_at(i: int, column: str, expected: str):
        """Raise for the table's row ``i`` (spreadsheet row ``i + 2``)."""
        raise InputError(path, expected, row=i + 2, column=column, found=frame[column].iloc[i])

    def fail(mask, column: str, expected: str, rows=None):
        """Raise for the first row of ``mask`` (of ``rows``, the positions ``mask`` refers to)."""
        i = int(np.flatnonzero(np.asarray(mask, dtype=bool))[0])
        fail_at(i if rows is None else int(rows[i]), column, expected)

    known = {it.id: it for it in study.items}
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
    answered = reason == ANSWERED
    code_codes, table = _code_values(frame["code"])
    code = take(table, code_codes)
    problems = _code_problems(table, [study.scales[sid] for sid in scale_list])
    pair = scale_pos.astype(np.int32 if problems.size >= 2**15 else np.int16) * len(table)
    if len(code_codes) and code_codes.min() < 0:  # a missing code: the table's last entry
        code_codes = np.where(code_codes < 0, len(table) - 1, code_codes.astype(pair.dtype))
    pair += code_codes
    row_problem = take(problems.ravel(), pair)
    row_problem *= answered
    failing = np.flatnonzero(row_problem)
    kinds, first = np.unique(row_problem[failing], return_index=True)
    first_failing = dict(zip(kinds.tolist(), failing[first].tolist()))
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
    if frame["code"].dtype != np.float64:  # a float column is kept as it is
        out["code"] = pd.Series(code, index=frame.index, copy=False)  # the new array itself, not a copy
    return out


# --- cells ----------------------------------------------------------------------------------------
def rated_items(study: Study) -> list:
    """Items answered on a scale that is counted (not free text), in instrument order."""
    return [it for it in study.items if study.scale_of(it).type in RATED_TYPES]


def category_display(scale, category: str) -> str:
    """Readable name of a collapsed category: the labels of its levels joined by ' / '."""
    if category == "not_relevant":
        return "Not relevant"
    if category in MISSING_CATEGORIES or category == MISSING_LABEL:
        return "No answer"
    if scale.type == "numeric":
        return category
    labels = [lv.label for lv in scale.levels if lv.category == category]
    return " / ".join(labels) if labels else category


def _numeric_levels(scale) -> list[float]:
    lo, hi = scale.min, scale.max
    if float(lo).is_integer() and float(hi).is_integer():
        return [float(v) for v in range(int(lo), int(hi) + 1)]
    return [float(lo), float(hi)]


def _skeleton(study: Study, items) -> pd.DataFrame:
    """Every cell of every item, in display order, with zero counts."""
    rows = []
    for it in items:
        scale = study.scale_of(it)
        if scale.type == "numeric":
            for v in _numeric_levels(scale):
                rows.append((it.id, "level", f"{v:g}", scale.bin_of(v) or "", v))
        else:
            for lv in scale.levels:
                rows.append((it.id, "level", lv.label, lv.category, float(lv.code)))
        for label in scale.not_relevant:
            rows.append((it.id, "not_relevant", label, "not_relevant", np.nan))
        rows.append((it.id, "missing", MISSING_LABEL, MISSING_LABEL, np.nan))
        for cat in scale.categories:
            rows.append((it.id, "category", category_display(scale, cat), cat, np.nan))
    sk = pd.DataFrame(rows, columns=["item_id", "kind", "label", "category", "code"])
    sk["order"] = np.arange(len(sk))
    return sk


def item_cells(responses: pd.DataFrame, study: Study, n_included: int) -> pd.DataFrame:
    """Count every cell of every rated item.

    ``responses`` as returned by :func:`load_responses`; ``n_included`` the number of
    included respondents (everyone who could have answered).  Columns: item_id, kind
    (level / not_relevant / missing / category), label, category, code, order, count,
    n_shown, n_answered, base, percent, ci_lower, ci_upper (percent), and the
    disclosure partitions ``part_levels`` (levels + not-relevant + missing add up to
    n_shown), ``part_categories`` (categories + missing add up to n_shown) and
    ``part_within`` (the levels of one category add up to its count); ``exempt`` marks the
    skipped-item cells, which the published bases reveal anyway.
    """
    items = rated_items(study)
    sk = _skeleton(study, items)
    n_level, n_nr = _answer_counts(responses, study, sk, items)
    cells = sk.assign(
        item_id=sk["item_id"].astype(object),  # object ids: fast index look-ups later
        n_level=n_level,
        n_nr=n_nr,
    )
    is_level = cells["kind"] == "level"
    is_nr = cells["kind"] == "not_relevant"
    cells["count"] = np.where(is_level, cells["n_level"].fillna(0), 0) + np.where(is_nr, cells["n_nr"].fillna(0), 0)
    cells = cells.drop(columns=["n_level", "n_nr"])

    answered_n = cells[is_level | is_nr].groupby("item_id")["count"].sum()
    cells["n_answered"] = cells["item_id"].map(answered_n).fillna(0)
    cells["n_shown"] = float(n_included)
    is_missing = cells["kind"] == "missing"
    cells.loc[is_missing, "count"] = cells.loc[is_missing, "n_shown"] - cells.loc[is_missing, "n_answered"]
    if (cells["count"] < 0).any():
        bad = cells.loc[cells["count"] < 0, "item_id"].iloc[0]
        raise InputError(
            processed_dir(study.id) / "responses.csv",
            f"at most {n_included} answers per item (the included respondents)",
            column="item_id",
            found=bad,
        )
    by_cat = cells[is_level | is_nr].groupby(["item_id", "category"])["count"].sum()
    is_cat = cells["kind"] == "category"
    cat_keys = pd.Series(list(zip(cells["item_id"], cells["category"])), index=cells.index, dtype=object)
    cells.loc[is_cat, "count"] = cat_keys[is_cat].map(by_cat).fillna(0).to_numpy()
    cells["count"] = cells["count"].astype(int)
    cells["n_answered"] = cells["n_answered"].astype(int)
    cells["n_shown"] = cells["n_shown"].astype(int)
    cells["base"] = np.where(is_cat, cells["n_answered"], cells["n_shown"]).astype(int)
    _add_percent(cells)
    # partitions for disclosure control: cells whose total is published.  The bases (n answering,
    # n shown) are published, so the skipped count (their difference) is public and not protected.
    cells["part_levels"] = np.where(is_level | is_nr, cells["item_id"], "")
    cells["part_categories"] = np.where(is_cat, cells["item_id"], "")
    # a category cell and its levels form one linear relation (levels sum to the category):
    # all of them are members of the group, so no single one of them may be the only one hidden
    cells["part_within"] = np.where(is_missing, "", cells["item_id"] + "|" + cells["category"])
    cells["exempt"] = is_missing
    return cells.reset_index(drop=True)


def _level_index(values: np.ndarray):
    """A function giving, for an array of answer codes, each code's position in the sorted level
    codes ``values`` (-1 for a code that is none of them, and for NaN).  Whole-number codes from 0
    to 4095 (every scale of the studies) are looked up in a table; others are binary-searched."""
    whole = len(values) and values[0] >= 0 and values[-1] < 4096 and (values == np.floor(values)).all()
    if whole:
        table = np.full(int(values[-1]) + 2, -1, dtype=np.int64)  # last entry: not a level code
        table[values.astype(np.int64)] = np.arange(len(values))

        def level_of(code: np.ndarray) -> np.ndarray:
            with np.errstate(invalid="ignore"):
                whole_code = code.astype(np.int64)  # NaN and huge codes: garbage, refused below
            ok = (whole_code == code) & (whole_code >= 0) & (whole_code < len(table) - 1)
            return table[np.where(ok, whole_code, len(table) - 1)]

        return level_of

    def search(code: np.ndarray) -> np.ndarray:
        at = np.minimum(np.searchsorted(values, code), max(len(values) - 1, 0))
        return np.where(values[at] == code, at, -1) if len(values) else np.full(len(code), -1)

    return search


def _answer_counts(responses: pd.DataFrame, study: Study, sk: pd.DataFrame, items) -> tuple[np.ndarray, np.ndarray]:
    """Per row of the skeleton ``sk``: how many answered rows of its item carry its code (levels),
    and how many not-relevant rows of its item carry its not-relevant answer (NaN on other rows).

    One pass over the long table in blocks of :data:`BLOCK` rows: each row's item, missing
    reason and label are read off their distinct values, answer codes are looked up among the
    skeleton's level codes and (item, level) pairs counted with ``bincount``; (item, label)
    pairs of not-relevant rows are counted and each distinct label normalised once
    (:func:`tieval.config.normalise_label`).  A code that is no level of its item, or a
    not-relevant label its scale does not list, is not counted."""
    position = {it.id: j for j, it in enumerate(items)}
    item_codes, item_names = distinct(responses["item_id"])
    item_lut = np.array([position.get(v, -1) for v in item_names] + [-1], dtype=np.int64)
    why_codes, reasons = distinct(responses["missing_reason"])
    reason_lut = _reason_table(reasons)
    label_codes, labels = distinct(responses["label"])
    code = responses["code"].to_numpy(dtype=float)
    is_level = (sk["kind"] == "level").to_numpy()
    level_code = sk["code"].to_numpy(dtype=float)[is_level]
    values = np.unique(level_code)  # every level code, sorted
    level_of = _level_index(values)
    n_values, width = len(values), len(labels) + 1  # label code + 1: 0 is a missing label
    levels = np.zeros(len(items) * n_values, dtype=np.int64)
    nr_pairs = []
    for start in range(0, len(code), BLOCK):
        block = slice(start, start + BLOCK)
        item = item_lut.take(item_codes[block], mode="wrap")
        reason = reason_lut.take(why_codes[block], mode="wrap")
        rows = (item >= 0) & (reason == ANSWERED)
        if n_values:
            at = level_of(code[block][rows])
            hit = at >= 0
            levels += np.bincount(item[rows][hit] * n_values + at[hit], minlength=len(levels))
        rows = (item >= 0) & (reason == NOT_RELEVANT)
        nr_pairs.append(item[rows] * width + label_codes[block][rows] + 1)
    out_level = np.full(len(sk), np.nan)
    row_item = sk["item_id"].map(position).to_numpy()[is_level]
    out_level[is_level] = levels[row_item * n_values + np.searchsorted(values, level_code)]

    lookup = {}
    for it in items:
        for label in study.scale_of(it).not_relevant:
            lookup[(it.id, normalise_label(label))] = label
    pairs, counts = np.unique(np.concatenate(nr_pairs) if nr_pairs else np.zeros(0, dtype=np.int64), return_counts=True)
    totals: dict[tuple[str, str], int] = {}
    for pair, count in zip(pairs.tolist(), counts.tolist()):
        j, k = divmod(pair, width)
        if k == 0:
            continue
        key = (items[j].id, lookup.get((items[j].id, normalise_label(labels[k - 1]))))
        totals[key] = totals.get(key, 0) + count
    is_nr = (sk["kind"] == "not_relevant").to_numpy()
    out_nr = np.where(is_nr, [totals.get(key, 0) for key in zip(sk["item_id"], sk["label"])], np.nan)
    return out_level, out_nr


def _add_percent(cells: pd.DataFrame) -> None:
    base = cells["base"].astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        cells["percent"] = np.where(base > 0, 100.0 * cells["count"] / base, np.nan)
    lo, hi = wilson_interval(cells["count"].to_numpy(), base.to_numpy())
    cells["ci_lower"] = 100.0 * lo
    cells["ci_upper"] = 100.0 * hi


def demographic_cells(respondents: pd.DataFrame, study: Study) -> pd.DataFrame:
    """Count every level of every demographic among the included respondents.

    Respondents here are the responses received (:func:`received`: analysed records and
    real responses that answered no rated item, but not previews, tests or spam), which is
    what a report's "48 responses ... most respondents (25%) worked for the NHS" counts.
    Columns: demographic, kind (level / missing), label, order, count, base (those who
    answered), percent, ci_lower, ci_upper, respondents (responses received),
    percent_of_respondents, part_demographic, exempt.  A label that is not a level of the
    demographic's scale raises :class:`InputError`.
    """
    path = processed_dir(study.id) / "respondents.csv"
    mask = received(respondents)
    n_all = int(mask.sum())
    frames = []
    for demo in study.demographics:
        scale = study.scales[demo.scale]
        levels = [lv.label for lv in scale.levels]
        lookup = {normalise_label(lv.label): lv.label for lv in scale.levels}
        for alias, code in scale.aliases.items():
            lookup[normalise_label(alias)] = next(lv.label for lv in scale.levels if lv.code == code)
        values = respondents[demo.id][mask].astype(str)
        # per distinct answer (the last entry: a missing answer): stated?, its level, how many
        codes, uniques = distinct(values)
        stated = np.append((pd.Series(uniques, dtype=values.dtype).str.strip() != "").to_numpy(dtype=bool), True)
        canon = [lookup.get(normalise_label(v)) for v in uniques] + [None]
        n = np.roll(np.bincount(codes.astype(np.int64) + 1, minlength=len(canon)), -1)  # missing last
        bad = stated & np.array([c is None for c in canon]) & (n > 0)
        if bad.any():
            pos = int(np.flatnonzero(take(bad, codes))[0])
            row = int(values.index[pos]) + 2
            raise InputError(
                path,
                f"one of the levels of {demo.scale}: " + ", ".join(repr(x) for x in levels),
                row=row,
                column=demo.id,
                found=values.iloc[pos],
            )
        counts: dict[str, int] = {}
        for level, is_stated, k in zip(canon, stated, n.tolist()):
            if is_stated and level is not None:
                counts[level] = counts.get(level, 0) + k
        frame = pd.DataFrame({"demographic": demo.id, "kind": "level", "label": levels})
        frame["count"] = np.array([counts.get(level, 0) for level in levels], dtype=np.int64)
        frame = pd.concat(
            [
                frame,
                pd.DataFrame(
                    {
                        "demographic": [demo.id],
                        "kind": ["missing"],
                        "label": [NOT_STATED],
                        "count": [int(n[~stated].sum())],
                    }
                ),
            ],
            ignore_index=True,
        )
        frames.append(frame)
    if not frames:
        return pd.DataFrame(
            columns=[
                "demographic",
                "kind",
                "label",
                "order",
                "count",
                "base",
                "percent",
                "ci_lower",
                "ci_upper",
                "respondents",
                "percent_of_respondents",
                "part_demographic",
                "exempt",
            ]
        )
    cells = pd.concat(frames, ignore_index=True)
    cells["order"] = np.arange(len(cells))
    stated_n = cells[cells["kind"] == "level"].groupby("demographic")["count"].sum()
    cells["respondents"] = n_all
    cells["base"] = np.where(cells["kind"] == "level", cells["demographic"].map(stated_n), n_all).astype(int)
    _add_percent(cells)
    with np.errstate(divide="ignore", invalid="ignore"):
        cells["percent_of_respondents"] = np.where(n_all > 0, 100.0 * cells["count"] / max(n_all, 1), np.nan)
    cells["part_demographic"] = np.where(cells["kind"] == "level", cells["demographic"], "")
    cells["exempt"] = cells["kind"] == "missing"
    return cells


# --- published figures -> cells -----------------------------------------------------------------
_TABLE_ID = re.compile(r"^t(\d+)\.")
MEASURABLE_UNITS = ("count", "percent", "percent_bound", "n")


def resolve_figures(published: pd.DataFrame, study: Study) -> pd.DataFrame:
    """Add to each published figure the table it belongs to and the survey subject it counts.

    Columns added: ``table`` (``table5`` for ``t5.*`` table cells, else ''),
    ``subject_kind`` (item / demographic / ''), ``subject`` (its id) and
    ``computable`` (a count or percentage of one category of a survey item or
    demographic).  The subject is the figure's ``item_id``; otherwise the second
    part of its id (``t4.sector.*``); otherwise the subject of the figure it
    restates; otherwise, for a figure in the text, the one demographic with a level of
    that name ("Most respondents (25%) worked for the NHS").  A table cell is never matched
    by level name alone: a table of interviewees by sector is not the survey's sector question.
    """
    items = {it.id for it in rated_items(study)}
    demos = {d.id: d for d in study.demographics}
    out = published.copy()
    tables = out["figure_id"].str.extract(_TABLE_ID)[0]
    out["table"] = np.where((out["location_type"] == "table") & tables.notna(), "table" + tables.fillna(""), "")

    def subject(row) -> tuple[str, str]:
        if row.item_id in items:
            return "item", row.item_id
        if row.item_id in demos:
            return "demographic", row.item_id
        parts = row.figure_id.split(".")
        if len(parts) >= 3 and parts[1] in items:
            return "item", parts[1]
        if len(parts) >= 3 and parts[1] in demos:
            return "demographic", parts[1]
        return "", ""

    # one pass per figure: the published record is a few hundred rows, not respondent data
    pairs = [subject(r) for r in out.itertuples(index=False)]
    out["subject_kind"] = [p[0] for p in pairs]
    out["subject"] = [p[1] for p in pairs]
    by_id = out.set_index("figure_id")
    restated = out["restates"].where(out["restates"] != "")
    fill = (out["subject"] == "") & restated.notna() & restated.isin(by_id.index)
    out.loc[fill, "subject_kind"] = restated[fill].map(by_id["subject_kind"])
    out.loc[fill, "subject"] = restated[fill].map(by_id["subject"])
    # a demographic named only by one of its levels
    level_owner: dict[str, list[str]] = {}
    for d in study.demographics:
        for lv in study.scales[d.scale].levels:
            level_owner.setdefault(normalise_label(lv.label), []).append(d.id)
    owners = out["category"].map(lambda c: level_owner.get(normalise_label(c), []))
    fill = (out["subject"] == "") & owners.map(len).eq(1) & (out["table"] == "")
    out.loc[fill, "subject_kind"] = "demographic"
    out.loc[fill, "subject"] = owners[fill].map(lambda o: o[0])
    out["computable"] = (out["subject"] != "") & (out["category"] != "") & out["unit"].isin(MEASURABLE_UNITS)
    return out


def figure_values(figures: pd.DataFrame, cells: pd.DataFrame, demo_cells: pd.DataFrame) -> pd.DataFrame:
    """The reproduction of every computable figure (as resolved by :func:`resolve_figures`).

    One row per computable figure: figure_id, count, base, percent (unrounded),
    ci_lower, ci_upper (percent), suppressed, base_note.  Cells already passed
    through disclosure control carry blanks where suppressed.
    """
    figs = figures[figures["computable"]].copy()
    rows = []
    item_cat = cells[cells["kind"].isin(["category", "missing"])].copy()
    item_cat["key"] = np.where(item_cat["kind"] == "missing", "__missing__", item_cat["category"])
    item_lookup = item_cat.set_index(["item_id", "key"])
    demo = demo_cells.copy()
    demo["key"] = demo["label"].map(normalise_label)
    demo_lookup = demo.set_index(["demographic", "key"])
    for f in figs.itertuples(index=False):
        if f.subject_kind == "item":
            key = "__missing__" if f.category in MISSING_CATEGORIES else f.category
            if (f.subject, key) not in item_lookup.index:
                continue
            c = item_lookup.loc[(f.subject, key)]
            count, base = c["count"], c["base"]
            n_shown, n_answered = c["n_shown"], c["n_answered"]
            note = (
                "skipped the item; base = all included respondents"
                if key == "__missing__"
                else "base = respondents answering the item (not-relevant answers included)"
            )
            if key != "__missing__" and not pd.isna(f.base) and f.base == n_shown and n_shown != n_answered:
                base = n_shown
                note = "base = all included respondents, as the report states"
        else:
            key = normalise_label(f.category)
            if (f.subject, key) not in demo_lookup.index:
                continue
            c = demo_lookup.loc[(f.subject, key)]
            count = c["count"]
            if f.table:
                base = c["base"]
                note = "base = respondents answering the question"
            else:
                base = c["respondents"]
                note = (
                    "base = all responses received (the text gives shares of respondents); "
                    f"of the {c['base']} answering the question: "
                    + ("" if pd.isna(count) or not c["base"] else f"{100 * count / c['base']:.1f}%")
                )
        suppressed = bool(c.get("suppressed", False))
        if suppressed or pd.isna(count):
            rows.append((f.figure_id, np.nan, base, np.nan, np.nan, np.nan, True, note))
            continue
        pct = 100.0 * count / base if base else np.nan
        lo, hi = wilson_interval(count, base)
        rows.append((f.figure_id, int(count), int(base), pct, 100 * lo, 100 * hi, False, note))
    return pd.DataFrame(
        rows, columns=["figure_id", "count", "base", "percent", "ci_lower", "ci_upper", "suppressed", "base_note"]
    )


# --- tables ---------------------------------------------------------------------------------------
def _round_pct(count, base):
    if pd.isna(count) or pd.isna(base) or not base:
        return np.nan
    return rounded_percent(int(count), int(base))


def item_table(cells: pd.DataFrame, study: Study, item_ids: list[str], categories: list[str]) -> pd.DataFrame:
    """A published table of items, one row per item (``item_id`` column), with per category
    ``<category>_count``, ``_base``, ``_percent`` (rounded like the report), ``_ci_lower``, ``_ci_upper``."""
    order = {it.id: i for i, it in enumerate(study.items)}
    ids = sorted(dict.fromkeys(item_ids), key=lambda i: order.get(i, len(order)))
    out = pd.DataFrame({"item_id": ids, "item": [study.item(i).text for i in ids]})
    for cat in categories:
        key_kind = "missing" if cat in MISSING_CATEGORIES else "category"
        sub = cells[(cells["kind"] == key_kind) & ((cells["category"] == cat) | (key_kind == "missing"))]
        sub = sub.set_index("item_id").reindex(ids)
        count = sub["count"]
        base = sub["base"]
        out[f"{cat}_count"] = count.to_numpy()
        out[f"{cat}_base"] = base.to_numpy()
        out[f"{cat}_percent"] = [_round_pct(k, n) for k, n in zip(count, base)]
        out[f"{cat}_ci_lower"] = sub["ci_lower"].round(1).to_numpy()
        out[f"{cat}_ci_upper"] = sub["ci_upper"].round(1).to_numpy()
        if "suppressed" in sub:
            out[f"{cat}_suppressed"] = sub["suppressed"].fillna(False).astype(bool).to_numpy()
    for col in out.columns:
        if col.endswith(("_count", "_base")):
            out[col] = out[col].astype("Int64")
    return out


def demographic_table(demo_cells: pd.DataFrame, demographic_ids: list[str]) -> pd.DataFrame:
    """A published table of demographics, one row per level (and the not-stated row)."""
    sub = demo_cells[demo_cells["demographic"].isin(demographic_ids)].sort_values("order")
    out = pd.DataFrame(
        {
            "demographic": sub["demographic"].to_numpy(),
            "level": sub["label"].to_numpy(),
            "count": sub["count"].astype("Int64").to_numpy(),
            "base": sub["base"].astype("Int64").to_numpy(),
            "percent": [_round_pct(k, n) for k, n in zip(sub["count"], sub["base"])],
            "ci_lower": sub["ci_lower"].round(1).to_numpy(),
            "ci_upper": sub["ci_upper"].round(1).to_numpy(),
            "respondents": sub["respondents"].astype("Int64").to_numpy(),
            "percent_of_respondents": [_round_pct(k, n) for k, n in zip(sub["count"], sub["respondents"])],
        }
    )
    if "suppressed" in sub:
        out["suppressed"] = sub["suppressed"].fillna(False).astype(bool).to_numpy()
    return out


@dataclass
class PublishedTable:
    """One published table rebuilt: its id (``table5``), layout, CSV frame and the figures it covers."""

    id: str
    number: str
    layout: str  # "items" or "demographics"
    frame: pd.DataFrame
    categories: list[str]
    figures: pd.DataFrame  # the published rows of this table that were computed
    base: str  # "n = 46" or a range


@dataclass
class Reproduction:
    """Everything the tables step computes for one study."""

    cells: pd.DataFrame
    demo_cells: pd.DataFrame
    figures: pd.DataFrame  # published record with subjects resolved
    values: pd.DataFrame  # figure_values of every computable figure
    tables: list[PublishedTable] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)
    text: pd.DataFrame | None = None
    reproduced: pd.DataFrame | None = None
    comparison: pd.DataFrame | None = None
    min_cell: int = 0


def base_text(bases, per: str = "row") -> str:
    """The base of a table or figure in words: ``n = 46`` or ``n = 44-46 per row``."""
    b = pd.to_numeric(pd.Series(bases), errors="coerce").dropna().astype(int)
    if b.empty:
        return ""
    lo, hi = int(b.min()), int(b.max())
    return f"n = {lo}" if lo == hi else f"n = {lo}-{hi} per {per}"


def reproduce(
    study: Study, responses: pd.DataFrame, respondents: pd.DataFrame, published: pd.DataFrame, *, min_cell: int = 0
) -> Reproduction:
    """Rebuild every published table and text proportion from the processed data.

    Counts below ``min_cell`` (and the cells that would reveal them) are suppressed
    before anything is tabulated (see :mod:`tieval.survey.disclosure`); ``min_cell = 0``
    reproduces the reports.
    """
    n_included = int((respondents["status"] != "excluded").sum())  # len(included(respondents))
    cells = item_cells(responses, study, n_included)
    demo_cells = demographic_cells(respondents, study)
    cells = disclosure.protect(
        cells,
        min_cell,
        ["part_levels", "part_categories", "part_within"],
        value_columns=["count", "percent", "ci_lower", "ci_upper"],
        exempt="exempt",
    )
    demo_cells = disclosure.protect(
        demo_cells,
        min_cell,
        ["part_demographic"],
        value_columns=["count", "percent", "ci_lower", "ci_upper", "percent_of_respondents"],
        exempt="exempt",
    )
    figures = resolve_figures(published, study)
    if n_included == 0:  # no survey answers: nothing can be reproduced from them
        figures["computable"] = False
    values = figure_values(figures, cells, demo_cells)
    rep = Reproduction(cells, demo_cells, figures, values, min_cell=min_cell)

    tab = figures[figures["table"] != ""]
    table_ids = sorted(tab["table"].unique(), key=lambda t: int(t[5:]))
    for tid in table_ids:
        rows = tab[tab["table"] == tid]
        number = rows["location"].iloc[0]
        comp = rows[rows["computable"]]
        if comp.empty and n_included == 0:
            rep.skipped[tid] = f"{number}: there are no survey responses to rebuild it from"
            continue
        if comp.empty:
            rep.skipped[tid] = (
                f"{number}: its rows are not survey items or demographics "
                f"(e.g. {rows['figure_id'].iloc[0]}), so it is not built from the survey "
                "(a table of interview or focus-group participants comes from the qualitative step)"
            )
            continue
        kinds = set(comp["subject_kind"])
        if kinds == {"item"}:
            cats = list(dict.fromkeys(comp["category"]))
            frame = item_table(cells, study, list(comp["subject"]), cats)
            base = base_text(pd.concat([frame[f"{c}_base"] for c in cats]))
            rep.tables.append(PublishedTable(tid, number, "items", frame, cats, comp, base))
        elif kinds == {"demographic"}:
            frame = demographic_table(demo_cells, list(dict.fromkeys(comp["subject"])))
            base = base_text(frame.loc[frame["level"] != NOT_STATED, "base"])
            rep.tables.append(PublishedTable(tid, number, "demographics", frame, [], comp, base))
        else:
            rep.skipped[tid] = f"{number}: mixes items and demographics; not laid out automatically"
    rep.text = text_proportions(figures, values)
    rep.reproduced = reproduced_list(figures, values, rep)
    rep.comparison = comparison(figures, values, rep)
    return rep


def _merged(figures: pd.DataFrame, values: pd.DataFrame) -> pd.DataFrame:
    """Published figures joined to their reproductions (the published base renamed ``published_base``)."""
    return figures.rename(columns={"base": "published_base"}).merge(values, on="figure_id", how="inner")


def text_proportions(figures: pd.DataFrame, values: pd.DataFrame) -> pd.DataFrame:
    """Every computable proportion printed outside tables (running text, summary)."""
    text = figures[(figures["table"] == "") & figures["computable"]]
    out = _merged(text, values)[
        [
            "figure_id",
            "location",
            "subject",
            "category",
            "unit",
            "value",
            "restates",
            "count",
            "base",
            "percent",
            "ci_lower",
            "ci_upper",
            "suppressed",
        ]
    ]
    out = out.rename(columns={"subject": "item_id", "value": "published"})
    out["percent"] = [_round_pct(k, n) for k, n in zip(out["count"], out["base"])]
    out["ci_lower"] = out["ci_lower"].round(1)
    out["ci_upper"] = out["ci_upper"].round(1)
    out["count"] = out["count"].astype("Int64")
    out["base"] = out["base"].astype("Int64")
    return out[
        [
            "figure_id",
            "location",
            "item_id",
            "category",
            "unit",
            "published",
            "count",
            "base",
            "percent",
            "ci_lower",
            "ci_upper",
            "restates",
            "suppressed",
        ]
    ].reset_index(drop=True)


def reproduced_list(figures: pd.DataFrame, values: pd.DataFrame, rep: Reproduction) -> pd.DataFrame:
    """``reproduced.csv``: one row per computable published figure (schema.REPRODUCED).

    ``value`` is in the figure's unit: counts as integers, percentages unrounded to
    4 decimal places (the audit rounds them to the printed precision)."""
    built = {t.id for t in rep.tables}
    merged = _merged(figures[figures["computable"]], values)
    is_pct = merged["unit"].isin(["percent", "percent_bound"])
    value = np.where(is_pct, merged["percent"].round(4), merged["count"])
    source = np.where(merged["table"].isin(list(built)), merged["table"] + ".csv", "text_proportions.csv")
    kind = np.where(is_pct, "percent unrounded (4 dp; the audit rounds); ", "")
    counts = merged["count"].astype("Int64").astype(str).where(merged["count"].notna(), "suppressed")
    note = kind + counts + "/" + merged["base"].astype("Int64").astype(str) + "; " + merged["base_note"]
    note = np.where(merged["suppressed"], f"suppressed (min_cell = {rep.min_cell}); " + merged["base_note"], note)
    out = pd.DataFrame(
        {
            "figure_id": merged["figure_id"],
            "value": value,
            "unit": merged["unit"],
            "base": merged["base"].astype("Int64"),
            "source_table": source,
            "note": note,
        }
    )
    out.loc[merged["suppressed"].to_numpy(), "value"] = np.nan
    return out[REPRODUCED].reset_index(drop=True)


def _decimals(value: float) -> int:
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    return len(text.split(".")[1]) if "." in text else 0


def comparison(figures: pd.DataFrame, values: pd.DataFrame, rep: Reproduction) -> pd.DataFrame:
    """Published beside reproduced for every computable figure, with whether they match.

    A percentage matches when the reproduced count and base round to the printed
    value (half up or half even, at the printed precision); a count when equal; a
    ``percent_bound`` when on the right side of the bound.  Suppressed cells are
    neither (``match`` blank).  ``reproduced`` shows a percentage with one decimal
    more than printed (2.5 for a printed 2), so the reader sees how it rounds."""
    merged = _merged(figures[figures["computable"]], values)
    results = []
    shown = []
    for r in merged.itertuples(index=False):
        if r.suppressed:
            results.append("")
            shown.append("suppressed")
            continue
        if r.unit == "percent":
            d = _decimals(r.value)
            ok = rounds_to(int(r.count), int(r.base), r.value, d)
            shown.append(f"{r.percent:.{d + 1}f}")  # one digit more than printed: shows how it rounds
        elif r.unit == "percent_bound":
            d = bound_direction(r.printed)
            ok = (r.percent < r.value) if d == "upper" else (r.percent > r.value) if d == "lower" else False
            shown.append(f"{r.percent:.1f}")
        else:
            ok = int(r.count) == r.value
            shown.append(str(int(r.count)))
        results.append("yes" if ok else "no")
    out = pd.DataFrame(
        {
            "figure_id": merged["figure_id"],
            "location": merged["location"],
            "subject": merged["subject"],
            "category": merged["category"],
            "unit": merged["unit"],
            "published": merged["value"],
            "reproduced": shown,
            "count": merged["count"].astype("Int64"),
            "base": merged["base"].astype("Int64"),
            "ci_lower": merged["ci_lower"].round(1),
            "ci_upper": merged["ci_upper"].round(1),
            "match": results,
            "published_note": merged["note"],
        }
    )
    return out.reset_index(drop=True)


# --- rendering ------------------------------------------------------------------------------------
def _cell_text(frame: pd.DataFrame, cat: str) -> list[str]:
    out = []
    supp = frame.get(f"{cat}_suppressed")
    for i in range(len(frame)):
        if supp is not None and bool(supp.iloc[i]):
            out.append("suppressed")
            continue
        out.append(
            percent_cell(
                frame[f"{cat}_percent"].iloc[i],
                frame[f"{cat}_count"].iloc[i],
                frame[f"{cat}_base"].iloc[i],
                frame[f"{cat}_ci_lower"].iloc[i],
                frame[f"{cat}_ci_upper"].iloc[i],
            )
        )
    return out


def _table_groups(table: PublishedTable, study: Study) -> list[tuple[tuple, list[int]]]:
    """Rows of an item table grouped by the categories their scale has (in table order)."""
    groups: dict[tuple, list[int]] = {}
    for i, iid in enumerate(table.frame["item_id"]):
        scale = study.scale_of(iid)
        cats = tuple(c for c in table.categories if c in scale.categories or c in MISSING_CATEGORIES)
        groups.setdefault(cats, []).append(i)
    return list(groups.items())


def render_item_table(table: PublishedTable, study: Study) -> list[pd.DataFrame]:
    """Display frames of an item table, one per group of items sharing a set of categories
    (e.g. the 0-10 items and the agreement items of Table 5); cells read ``85% (39/46) [72–93]``."""
    shown = []
    for cats, idx in _table_groups(table, study):
        part = table.frame.iloc[idx].reset_index(drop=True)
        scale = study.scale_of(part["item_id"].iloc[0])
        disp = pd.DataFrame({"Item": part["item_id"] + ". " + part["item"]})
        for c in cats:
            disp[category_display(scale, c)] = _cell_text(part, c)
        shown.append(disp)
    return shown


def item_table_bases(table: PublishedTable, study: Study) -> list[str]:
    """The base text (``n = 46`` or a range) of each display frame of :func:`render_item_table`."""
    out = []
    for cats, idx in _table_groups(table, study):
        part = table.frame.iloc[idx]
        out.append(base_text(pd.concat([part[f"{c}_base"] for c in cats])) if cats else "")
    return out


def render_demographic_table(table: PublishedTable, study: Study) -> pd.DataFrame:
    """Display frame of a demographic table: level, count, percent of those answering with its
    Wilson interval, and percent of all respondents."""
    f = table.frame
    text = {d.id: d.text for d in study.demographics}
    supp = f["suppressed"] if "suppressed" in f else pd.Series(False, index=f.index)
    return pd.DataFrame(
        {
            "Question": f["demographic"].map(text),
            "Answer": f["level"],
            "n": ["suppressed" if s else str(c) for s, c in zip(supp, f["count"])],
            "% of those answering [95% CI]": [
                "suppressed"
                if s
                else ("" if pd.isna(p) or lv == NOT_STATED else f"{p:.0f}% [{lo:.0f}–{hi:.0f}] of {b}")
                for s, p, lo, hi, b, lv in zip(supp, f["percent"], f["ci_lower"], f["ci_upper"], f["base"], f["level"])
            ],
            "% of all respondents": [
                "suppressed" if s else ("" if pd.isna(p) else f"{p:.0f}% of {r}")
                for s, p, r in zip(supp, f["percent_of_respondents"], f["respondents"])
            ],
        }
    )


def render_comparison(comp: pd.DataFrame) -> pd.DataFrame:
    """Display frame: figure, published, reproduced (at the printed precision), count/base, 95% CI, match."""
    ci = [("" if pd.isna(lo) else f"{lo:.1f}–{hi:.1f}") for lo, hi in zip(comp["ci_lower"], comp["ci_upper"])]
    return pd.DataFrame(
        {
            "Figure": comp["figure_id"],
            "Category": comp["category"],
            "Unit": comp["unit"],
            "Published": comp["published"].map(lambda v: f"{v:g}"),
            "Reproduced": comp["reproduced"],
            "Count/base": [("" if pd.isna(k) else f"{k}/{n}") for k, n in zip(comp["count"], comp["base"])],
            "95% CI (%)": ci,
            "Match": comp["match"],
        }
    )


# --- full distributions ---------------------------------------------------------------------------
def distributions(cells: pd.DataFrame) -> pd.DataFrame:
    """Every answer of every item: each level in scale order, each not-relevant answer and the
    respondents who skipped it, with count and percent of everyone shown the item."""
    d = cells[cells["kind"].isin(["level", "not_relevant", "missing"])].sort_values("order")
    out = pd.DataFrame(
        {
            "item_id": d["item_id"].to_numpy(),
            "label": d["label"].to_numpy(),
            "category": d["category"].to_numpy(),
            "count": d["count"].astype("Int64").to_numpy(),
            "percent": d["percent"].round(1).to_numpy(),
            "base": d["base"].astype("Int64").to_numpy(),
        }
    )
    if "suppressed" in d:
        out["suppressed"] = d["suppressed"].fillna(False).astype(bool).to_numpy()
    return out


def render_distributions(dist: pd.DataFrame, study: Study) -> list[tuple[str, pd.DataFrame]]:
    """Display frames of the full distributions, one per scale: items down, answers across,
    cells ``n (p%)`` of everyone shown the item."""
    out = []
    by_scale: dict[str, list[str]] = {}
    for iid in dict.fromkeys(dist["item_id"]):
        by_scale.setdefault(study.scale_of(iid).id, []).append(iid)
    for scale_id, ids in by_scale.items():
        sub = dist[dist["item_id"].isin(ids)].copy()
        supp = sub["suppressed"] if "suppressed" in sub else pd.Series(False, index=sub.index)
        sub["cell"] = [
            "suppressed" if s else ("" if pd.isna(k) else f"{k} ({p:.0f}%)")
            for s, k, p in zip(supp, sub["count"], sub["percent"])
        ]
        labels = list(dict.fromkeys(sub["label"]))
        wide = sub.pivot(index="item_id", columns="label", values="cell").reindex(index=ids, columns=labels)
        wide = wide.rename(columns={MISSING_LABEL: "No answer"})
        wide.columns.name = None
        wide.insert(0, "n", sub.groupby("item_id")["base"].first().reindex(ids).astype(str))
        wide.index.name = "Item"
        out.append((scale_id, wide.reset_index()))
    return out


def scale_counts(cells: pd.DataFrame, item_ids: list[str]) -> pd.DataFrame:
    """Wide counts for figures: items down, answer levels in scale order across, then one
    ``Not relevant`` column (all not-relevant answers together); skipped answers left out."""
    sub = cells[cells["item_id"].isin(item_ids) & cells["kind"].isin(["level", "not_relevant"])].sort_values("order")
    sub = sub.assign(column=np.where(sub["kind"] == "not_relevant", "Not relevant", sub["label"]))
    cols = list(dict.fromkeys(sub["column"]))
    wide = sub.pivot_table(index="item_id", columns="column", values="count", aggfunc="sum", sort=False)
    return wide.reindex(index=list(dict.fromkeys(item_ids)), columns=cols).fillna(0).astype(int)


# --- the notebook's building blocks ---------------------------------------------------------------
def load_survey(study: Study) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The processed respondents and responses of a study (empty tables for a study without a survey)."""
    if study.survey is None:
        return (
            pd.DataFrame(columns=RESPONDENTS + [d.id for d in study.demographics], dtype=str),
            pd.DataFrame({c: pd.Series(dtype=float if c == "code" else str) for c in RESPONSES}),
        )
    respondents = load_respondents(study)
    return respondents, load_responses(study, respondents)


def respondent_summary(respondents: pd.DataFrame) -> str:
    """One sentence on who is analysed: included (complete / partial) and excluded respondents."""
    counts = respondents["status"].value_counts()
    inc = int(counts.get("complete", 0) + counts.get("partial", 0))
    empty = int((respondents["exclusion_reason"] == NO_ITEMS_REASON).sum())
    other = int(counts.get("excluded", 0)) - empty
    return (
        f"{inc} respondents are analysed ({int(counts.get('complete', 0))} complete, "
        f"{int(counts.get('partial', 0))} partial). The cleaning step set aside {empty} response(s) "
        f"that answered no questionnaire item and {other} record(s) that were not responses "
        "(previews, tests, spam)."
    )


def table_views(table: PublishedTable, study: Study) -> list[tuple[pd.DataFrame, str, str]]:
    """What the appendix shows for one rebuilt table: (display frame, caption, base) tuples."""
    if table.layout == "items":
        caption = (
            f"{table.number} reproduced: percent of respondents answering the item (count/base) [Wilson 95% interval]"
        )
        return [
            (frame, caption, base)
            for frame, base in zip(render_item_table(table, study), item_table_bases(table, study))
        ]
    return [
        (
            render_demographic_table(table, study),
            f"{table.number} reproduced: respondents by answer, with the share of those answering "
            "[Wilson 95% interval] and of all respondents",
            table.base,
        )
    ]


def match_summary(comp: pd.DataFrame, figures: pd.DataFrame) -> pd.DataFrame:
    """Per published table (and the running text): figures computed from the survey, matching,
    not matching, suppressed."""
    where = comp["figure_id"].map(figures.set_index("figure_id")["table"]).replace("", "text")
    frame = pd.DataFrame({"where": where, "match": comp["match"]})
    out = frame.groupby("where", sort=False).agg(
        computed=("match", "size"),
        match=("match", lambda m: int((m == "yes").sum())),
        differ=("match", lambda m: int((m == "no").sum())),
        suppressed=("match", lambda m: int((m == "").sum())),
    )
    return out.reset_index().rename(columns={"where": "published in"})


def item_groups(study: Study, item_ids: list[str]) -> list[tuple[str, list[str]]]:
    """Items grouped for display: by construct (its label), else by group, in instrument order."""
    groups: dict[str, list[str]] = {}
    for it in study.items:
        if it.id not in item_ids:
            continue
        if it.construct:
            c = study.constructs.get(it.construct)
            title = c.label if c else it.construct
        else:
            title = (it.group or "Items").replace("_", " ").capitalize() if it.group else "Items"
        groups.setdefault(title, []).append(it.id)
    return list(groups.items())


def items_by_scale(study: Study, scale_type: str) -> dict[str, list[str]]:
    """Rated items on scales of one type, by scale id (instrument order)."""
    out: dict[str, list[str]] = {}
    for it in rated_items(study):
        if study.scale_of(it).type == scale_type:
            out.setdefault(it.scale, []).append(it.id)
    return out


def item_label(study: Study, item_id: str) -> str:
    """An item's wording, marked when it is negatively worded (reversed for scores)."""
    it = study.item(item_id)
    return it.text + (" [negatively worded]" if it.reverse else "")


def proportion_rows(rows: pd.DataFrame, study: Study, *, with_category: bool = True) -> pd.DataFrame:
    """Frame for :func:`tieval.report.figures.proportion_chart` from text proportions or a one-category
    table: label (item wording and answer), count, base, percent (unrounded), ci_lower, ci_upper."""
    rows = rows[rows["count"].notna()]
    items = {it.id for it in study.items}
    questions = {d.id: d.text for d in study.demographics}
    labels = []
    for iid, cat in zip(rows["item_id"], rows["category"]):
        if iid in items:
            text = item_label(study, iid)
            if with_category:
                text += f" — {category_display(study.scale_of(iid), cat)}"
        else:
            text = f"{questions.get(iid, iid)} — {cat}"
        labels.append(text)
    count = rows["count"].astype(float)
    base = rows["base"].astype(float)
    lo, hi = wilson_interval(count.to_numpy(), base.to_numpy())
    return pd.DataFrame(
        {
            "label": labels,
            "count": count.to_numpy(),
            "base": base.to_numpy(),
            "percent": (100 * count / base).to_numpy(),
            "ci_lower": 100 * lo,
            "ci_upper": 100 * hi,
        }
    )


def single_category_tables(rep: Reproduction) -> list[PublishedTable]:
    """Item tables that publish one answer category per item (e.g. 'n/10 agree')."""
    return [t for t in rep.tables if t.layout == "items" and len(t.categories) == 1]


def table_rows(table: PublishedTable) -> pd.DataFrame:
    """A one-category item table as rows of item_id, category, count, base."""
    cat = table.categories[0]
    f = table.frame
    return pd.DataFrame(
        {"item_id": f["item_id"], "category": cat, "count": f[f"{cat}_count"], "base": f[f"{cat}_base"]}
    )


def standalone_text(rep: Reproduction) -> pd.DataFrame:
    """Text proportions that do not repeat a table cell (the numbers only the prose gives)."""
    t = rep.text
    return t[(t["restates"] == "") & t["unit"].isin(["count", "percent"])].reset_index(drop=True)


def write_tables(rep: Reproduction, study: Study) -> list:
    """Write every table of the step to ``outputs/<study>/03_tables/``: one CSV per rebuilt published
    table (``table<k>.csv``), ``text_proportions.csv``, ``reproduced.csv`` (for the audit),
    ``published_comparison.csv`` and ``distributions.csv``."""
    from tieval import store
    from tieval.paths import step_dir

    folder = step_dir(study.id, "03_tables")
    paths = [store.write_csv(t.frame, folder / f"{t.id}.csv") for t in rep.tables]
    paths.append(store.write_csv(rep.text, folder / "text_proportions.csv"))
    paths.append(store.write_csv(rep.reproduced, folder / "reproduced.csv"))
    paths.append(store.write_csv(rep.comparison, folder / "published_comparison.csv"))
    paths.append(store.write_csv(distributions(rep.cells), folder / "distributions.csv"))
    return paths
