"""Counting cells: every answer of every rated item and every level of every demographic.

The counting unit is a *cell*: one row of :func:`item_cells` (per rated item: each answer
level in scale order, each not-relevant answer, the respondents who skipped it, and each
collapsed category) or of :func:`demographic_cells` (per demographic: each level and the
respondents who did not say), each with its count, base, percent and Wilson 95 % interval.
Every table, text proportion and disclosure decision is read off these cells, so a number
cannot be computed two ways.  :func:`distributions` and :func:`scale_counts` reshape them
for the full-distribution tables and the figures.  :func:`item_cells` counts the long table or its
answer counts (:func:`tieval.survey.data.answer_counts`) the same way.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from tieval.audit.rounding import rounded_percent
from tieval.config import Study, normalise_label
from tieval.errors import InputError
from tieval.survey.columns import BLOCK, distinct, take
from tieval.survey.data import received, table_path
from tieval.survey.intervals import wilson_interval
from tieval.survey.validate import ANSWERED, NOT_RELEVANT, reason_table

__all__ = [
    "RATED_TYPES",
    "MISSING_CATEGORIES",
    "rated_items",
    "item_cells",
    "demographic_cells",
    "category_display",
    "distributions",
    "scale_counts",
    "items_by_scale",
    "percent_rounded",
    "MISSING_LABEL",
    "NOT_STATED",
    "multi_select_cells",
    "ITEM_CELL_COLUMNS",
]


#: Scale types whose answers are counted (text answers are not).
RATED_TYPES = ("ordinal", "numeric", "binary", "categorical")


#: Published category names that mean "did not answer the item".
MISSING_CATEGORIES = ("no_answer", "missing", "not_answered")


#: The responses columns :func:`item_cells` reads (``load_survey(study, columns=ITEM_CELL_COLUMNS)``
#: reads only these: a step that only counts answers never holds the long table's respondent ids).
ITEM_CELL_COLUMNS = ["item_id", "code", "label", "missing_reason"]


#: Label of the skipped-item cell.
MISSING_LABEL = "missing"


#: Label of the not-stated cell of a demographic.
NOT_STATED = "(not stated)"


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

    ``responses`` as returned by :func:`load_responses`, or its answer counts
    (:func:`tieval.survey.data.answer_counts`: the same cells); ``n_included`` the number of
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
            table_path(study.id, "responses"),
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
    not-relevant label its scale does not list, is not counted.  An answer-counts table
    (:func:`answer_counts`) is counted the same way, each row weighted by its ``n_rows``."""
    position = {it.id: j for j, it in enumerate(items)}
    item_codes, item_names = distinct(responses["item_id"])
    item_lut = np.array([position.get(v, -1) for v in item_names] + [-1], dtype=np.int64)
    why_codes, reasons = distinct(responses["missing_reason"])
    reason_lut = reason_table(reasons)
    label_codes, labels = distinct(responses["label"])
    code = responses["code"].to_numpy(dtype=float)
    # an answer-counts table (:func:`answer_counts`): each row stands for n_rows rows of the long table
    weights = responses["n_rows"].to_numpy(dtype=np.int64) if "n_rows" in responses.columns else None
    is_level = (sk["kind"] == "level").to_numpy()
    level_code = sk["code"].to_numpy(dtype=float)[is_level]
    values = np.unique(level_code)  # every level code, sorted
    level_of = _level_index(values)
    n_values, width = len(values), len(labels) + 1  # label code + 1: 0 is a missing label
    levels = np.zeros(len(items) * n_values, dtype=np.int64)
    nr_pairs, nr_weights = [], []
    for start in range(0, len(code), BLOCK):
        block = slice(start, start + BLOCK)
        item = item_lut.take(item_codes[block], mode="wrap")
        reason = reason_lut.take(why_codes[block], mode="wrap")
        rows = (item >= 0) & (reason == ANSWERED)
        if n_values:
            at = level_of(code[block][rows])
            hit = at >= 0
            w = None if weights is None else weights[block][rows][hit]
            levels += np.bincount(item[rows][hit] * n_values + at[hit], weights=w, minlength=len(levels)).astype(
                np.int64, copy=False
            )
        rows = (item >= 0) & (reason == NOT_RELEVANT)
        nr_pairs.append(item[rows] * width + label_codes[block][rows] + 1)
        if weights is not None:
            nr_weights.append(weights[block][rows])
    out_level = np.full(len(sk), np.nan)
    row_item = sk["item_id"].map(position).to_numpy()[is_level]
    out_level[is_level] = levels[row_item * n_values + np.searchsorted(values, level_code)]

    lookup = {}
    for it in items:
        for label in study.scale_of(it).not_relevant:
            lookup[(it.id, normalise_label(label))] = label
    every_pair = np.concatenate(nr_pairs) if nr_pairs else np.zeros(0, dtype=np.int64)
    if weights is None:
        pairs, counts = np.unique(every_pair, return_counts=True)
    else:
        pairs, inverse = np.unique(every_pair, return_inverse=True)
        counts = np.bincount(inverse, weights=np.concatenate(nr_weights), minlength=len(pairs)).astype(np.int64)
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
    path = table_path(study.id, "respondents")
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


def multi_select_cells(responses: pd.DataFrame, study: Study) -> pd.DataFrame:
    """Count every option of every multi-select question (:mod:`tieval.survey.multiselect`).

    One row per question x option in instrument and option order: ``item_id``, ``option`` (its
    position, from 1), ``label``, ``count`` (respondents choosing it), ``base`` (respondents who
    answered the question: chose at least one option or, split layout, were recorded as shown with
    none chosen), ``n_not_answered`` (included respondents with no answer to it), ``percent``
    (100 x count / base) and its Wilson 95 % interval ``ci_lower``, ``ci_upper`` (percent).
    Options are not exclusive, so the percents of a question may add up to more than 100."""
    rows = []
    for it in study.multi_select:
        for k, opt in enumerate(study.scale_of(it).options, start=1):
            rows.append((it.id, k, opt.label))
    cells = pd.DataFrame(rows, columns=["item_id", "option", "label"])
    if not len(cells):
        return cells.assign(count=0, base=0, n_not_answered=0, percent=0.0, ci_lower=0.0, ci_upper=0.0)
    sub = responses[responses["item_id"].astype("str").isin(set(cells["item_id"]))]
    item = sub["item_id"].astype("str").to_numpy()
    label = sub["label"].astype("str").to_numpy()
    answered = sub["missing_reason"].astype("str").to_numpy() == ""
    chosen = answered & (pd.to_numeric(sub["code"], errors="coerce").to_numpy(dtype=float) == 1.0)
    by_option = pd.Series(chosen.astype(np.int64)).groupby([item, label]).sum()
    answering = pd.Series(answered.astype(np.int64)).groupby([item, label]).sum()
    missing = pd.Series((~answered).astype(np.int64)).groupby([item, label]).sum()
    keys = list(zip(cells["item_id"], cells["label"]))
    cells["count"] = np.array([by_option.get(key, 0) for key in keys], dtype=np.int64)
    cells["base"] = np.array([answering.get(key, 0) for key in keys], dtype=np.int64)
    cells["n_not_answered"] = np.array([missing.get(key, 0) for key in keys], dtype=np.int64)
    _add_percent(cells)
    return cells


# --- tables ---------------------------------------------------------------------------------------
def percent_rounded(count, base):
    if pd.isna(count) or pd.isna(base) or not base:
        return np.nan
    return rounded_percent(int(count), int(base))


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


def scale_counts(cells: pd.DataFrame, item_ids: list[str]) -> pd.DataFrame:
    """Wide counts for figures: items down, answer levels in scale order across, then one
    ``Not relevant`` column (all not-relevant answers together); skipped answers left out."""
    sub = cells[cells["item_id"].isin(item_ids) & cells["kind"].isin(["level", "not_relevant"])].sort_values("order")
    sub = sub.assign(column=np.where(sub["kind"] == "not_relevant", "Not relevant", sub["label"]))
    cols = list(dict.fromkeys(sub["column"]))
    wide = sub.pivot_table(index="item_id", columns="column", values="count", aggfunc="sum", sort=False)
    return wide.reindex(index=list(dict.fromkeys(item_ids)), columns=cols).fillna(0).astype(int)


def items_by_scale(study: Study, scale_type: str) -> dict[str, list[str]]:
    """Rated items on scales of one type, by scale id (instrument order)."""
    out: dict[str, list[str]] = {}
    for it in rated_items(study):
        if study.scale_of(it).type == scale_type:
            out.setdefault(it.scale, []).append(it.id)
    return out
