"""Change between the waves of a study: answers per wave side by side, and per item, per
dichotomised item and per subscale score the change from the first wave to each later one.

The study-level layer over the pure tests of :mod:`tieval.survey.change`:

- **design**: linked when the study pairs respondents across waves (a link key;
  :func:`tieval.survey.wave_data.is_linked_design`): the pairs are the people of the linkage
  table present in both waves of a comparison; otherwise the waves are independent
  (repeated cross-sections) and every answer of each wave is used;
- **comparisons**: the first wave (baseline) against each later wave, follow-up minus baseline;
- **families** (Holm-adjusted together, per comparison; ``tests_in_family`` is their number):
  ``items`` (each rated ordinal or 0-10 item: Wilcoxon signed-rank with the matched-pairs
  rank-biserial correlation, or Mann-Whitney U with the rank-biserial correlation),
  ``agreement`` (each item on an ordinal scale dichotomised into its ``agree`` category,
  or its highest category when it has none, against any other answer: McNemar with
  Newcombe's paired interval, or two proportions with Newcombe's hybrid score interval) and
  ``subscales`` (each :func:`tieval.survey.scores.score_sets` score: paired t with d_z and
  g_av, or Welch t with Hedges' g);
- "not relevant" answers and skipped items are missing, never a scale point.

Every row also carries the mean difference with its 95 % interval (paired or Welch t), so
each item's change can be read on its own scale.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from tieval.config import Study
from tieval.survey.change import CHANGE_COLUMNS, change_table
from tieval.survey.columns import distinct
from tieval.survey.counts import distributions, rated_items
from tieval.survey.disclosure import item_cells
from tieval.survey.scores import score_sets, set_scores
from tieval.survey.validate import is_answered, is_in
from tieval.survey.wave_data import as_text, is_linked_design, wave_column, wave_ids, wave_labels, wave_subset

__all__ = [
    "answer_values",
    "item_answers",
    "iter_item_answers",
    "COLUMNS",
    "FAMILIES",
    "comparisons",
    "dichotomy",
    "change_items",
    "item_values",
    "study_change",
    "wave_distributions",
    "STATISTIC_UNITS",
    "EFFECT_SIZES",
    "descriptives",
    "statistic_figures",
]

#: Holm families, in table order.
FAMILIES = ("items", "agreement", "subscales")

#: Columns of :func:`study_change` (``change.csv``).
COLUMNS = ["comparison", "baseline", "followup", "label", "yes_codes", *CHANGE_COLUMNS]


def comparisons(study: Study) -> list[tuple[str, str]]:
    """``(baseline, follow-up)`` pairs: the first wave against each later one (none for one wave)."""
    ids = wave_ids(study)
    return [(ids[0], later) for later in ids[1:]]


def dichotomy(scale) -> tuple[str, list[float]] | None:
    """How an ordinal scale is dichotomised for McNemar / two proportions: ``(category, codes)``,
    the codes of its ``agree`` category (or of its highest category when it has none) counting
    as 1 and every other level as 0; None for a scale that is not ordinal."""
    if scale.type != "ordinal":
        return None
    cats = [c for c in scale.categories if c != "not_relevant"]
    cat = "agree" if "agree" in cats else cats[-1]
    return cat, [float(lv.code) for lv in scale.levels if lv.category == cat]


def change_items(study: Study) -> list:
    """Items whose change is tested: rated items on an ordinal scale or a numeric range."""
    out = []
    for it in rated_items(study):
        scale = study.scale_of(it)
        if scale.type == "ordinal" or (scale.type == "numeric" and scale.reversible):
            out.append(it)
    return out


def answer_values(responses: pd.DataFrame, rows: np.ndarray | None = None) -> np.ndarray:
    """Each row's answer code as a float (a new array), NaN for a skipped or not-relevant answer (as
    answered, not reversed); with ``rows``, only the rows at those positions, in that order (one new
    array: the long table's codes are not copied first)."""
    code = responses["code"].to_numpy(dtype=float)
    answered = is_answered(responses["missing_reason"])
    value = code.copy() if rows is None else code[rows]
    value[~(answered if rows is None else answered[rows])] = np.nan
    return value


def item_answers(responses: pd.DataFrame, item_ids: list[str]) -> dict[str, np.ndarray]:
    """Per item of ``item_ids``, the answered codes (:func:`answer_values` without the NaNs) in row
    order, as :func:`item_values` gives them, but without turning the long table's respondent and
    item ids into text: the items are compared on their codes (:func:`tieval.survey.columns.distinct`),
    so a million respondents' answers are read in a few passes of small integers.  An item without
    rows gets an empty array.  :func:`iter_item_answers` gives them one item at a time."""
    return dict(iter_item_answers(responses, item_ids))


def iter_item_answers(responses: pd.DataFrame, item_ids: list[str]):
    """``(item id, answered codes)`` for each item of ``item_ids`` in turn (:func:`item_answers`),
    so that a caller summarising each item holds one item's answers at a time.

    Each item's rows are picked by one comparison of the (small integer) item codes: no row-length
    sort order or copy of the codes is made, so at a million respondents (26 million rows) the
    temporaries are one mask of a byte per row, not four arrays of eight bytes per row."""
    codes, uniques = distinct(responses["item_id"])
    position = {str(u): k for k, u in enumerate(uniques)}
    code = responses["code"].to_numpy(dtype=float)
    answered = is_answered(responses["missing_reason"])
    for i in item_ids:
        k = position.get(i)
        if k is None:
            yield i, np.empty(0)
            continue
        x = code[(codes == k) & answered]
        yield i, x[~np.isnan(x)]


def item_values(responses: pd.DataFrame, item_ids: list[str]) -> pd.DataFrame:
    """Long ``wave, respondent_id, item, value`` of the given items: the answer code, NaN for a
    skipped or not-relevant answer (as answered, not reversed: a per-item change is read on the
    item's own wording)."""
    keep = is_in(responses["item_id"], item_ids)
    sub = responses[keep] if not keep.all() else responses
    value = answer_values(sub)
    return pd.DataFrame(
        {
            "wave": as_text(sub["wave"]) if "wave" in sub.columns else wave_column(sub).array,
            "respondent_id": as_text(sub["respondent_id"]),
            "item": as_text(sub["item_id"]),
            "value": value,
        }
    )


def _keys(values: pd.DataFrame, linkage: pd.DataFrame | None, pair: tuple[str, str]) -> pd.DataFrame:
    """The values of the two waves of ``pair`` keyed by a ``respondent`` column: the linkage
    ``person`` of people present in both waves (linked), or ``wave/respondent_id`` (unlinked)."""
    sub = values[values["wave"].isin(pair)]
    if linkage is None:
        return sub.assign(respondent=sub["wave"] + "/" + sub["respondent_id"])
    link = linkage.assign(wave=linkage["wave"].astype(str), respondent_id=linkage["respondent_id"].astype(str))
    link = link[link["wave"].isin(pair)]
    both = link.groupby("person")["wave"].nunique()
    link = link[link["person"].isin(both[both == 2].index)]
    out = sub.merge(link[["wave", "respondent_id", "person"]], on=["wave", "respondent_id"], how="inner")
    return out.rename(columns={"person": "respondent"})


def _scores_long(responses: pd.DataFrame, study: Study, waves: list[str]) -> pd.DataFrame:
    frames = []
    for wave in waves:
        scores = set_scores(wave_subset(responses, wave), study)
        long = scores.reset_index().melt(id_vars="respondent_id", var_name="item", value_name="value")
        frames.append(long.assign(wave=wave, respondent_id=long["respondent_id"].astype(str)))
    if not frames:
        return pd.DataFrame(columns=["wave", "respondent_id", "item", "value"])
    return pd.concat(frames, ignore_index=True)[["wave", "respondent_id", "item", "value"]]


def study_change(
    study: Study, responses: pd.DataFrame, linkage: pd.DataFrame | None = None, *, confidence: float = 0.95
) -> pd.DataFrame:
    """``change.csv``: for every comparison (:func:`comparisons`), one row per item and family
    (:data:`FAMILIES`) and per subscale score, with the test, estimate and interval, effect sizes,
    raw and Holm-adjusted p and the number of tests in the family (:data:`COLUMNS`).

    ``linkage`` (``person, wave, respondent_id``) is used when the study is a linked design
    (:func:`tieval.survey.wave_data.is_linked_design`); otherwise the waves are independent.
    Empty (with the columns) for a study with one wave."""
    pairs = comparisons(study)
    if not pairs:
        return pd.DataFrame(columns=COLUMNS)
    linked = is_linked_design(study) and linkage is not None
    design = "linked" if linked else "unlinked"
    items = change_items(study)
    ids = [it.id for it in items]
    values = item_values(responses, ids)
    codes = {}
    for it in items:
        d = dichotomy(study.scale_of(it))
        if d is not None:
            codes[it.id] = d
    binary = values[values["item"].isin(codes)].copy()
    yes = binary["item"].map(lambda i: codes[i][1])
    binary["value"] = [np.nan if np.isnan(v) else float(v in y) for v, y in zip(binary["value"], yes)]
    scores = _scores_long(responses, study, wave_ids(study))
    labels = {it.id: it.text for it in items} | {sid: label for sid, (label, _) in score_sets(study).items()}
    parts = []
    for pair in pairs:
        for family, frame, kind in (("items", values, "ordinal"), ("agreement", binary, "binary"),
                                    ("subscales", scores, "score")):  # fmt: skip
            keyed = _keys(frame, linkage if linked else None, pair)
            if keyed.empty:
                continue
            table = change_table(
                keyed, waves=pair, design=design, kinds=kind, families=dict.fromkeys(keyed["item"], family)
            )
            table.insert(0, "comparison", f"{pair[0]} to {pair[1]}")
            table.insert(1, "baseline", pair[0])
            table.insert(2, "followup", pair[1])
            table.insert(3, "label", table["item"].map(labels))
            table.insert(4, "yes_codes", [
                f"{codes[i][0]}: {', '.join(f'{c:g}' for c in codes[i][1])}" if family == "agreement" else ""
                for i in table["item"]
            ])  # fmt: skip
            parts.append(table)
    if not parts:
        return pd.DataFrame(columns=COLUMNS)
    return pd.concat(parts, ignore_index=True)[COLUMNS]


def wave_distributions(study: Study, respondents: pd.DataFrame, responses: pd.DataFrame, min_cell: int) -> pd.DataFrame:
    """Every answer of every rated item in every wave (:func:`tieval.survey.counts.distributions`
    of each wave's data under the same disclosure control), with ``wave`` and ``wave_label``
    first."""
    frames = []
    labels = wave_labels(study)
    for wave in wave_ids(study):
        people = wave_subset(respondents, wave)
        cells = item_cells(study, wave_subset(responses, wave), people, min_cell)
        dist = distributions(cells)
        dist.insert(0, "wave", wave)
        dist.insert(1, "wave_label", labels[wave])
        frames.append(dist)
    return pd.concat(frames, ignore_index=True)


# --- published statistics reproduced --------------------------------------------------------------
#: Units of published statistics this module reproduces (``published/figures.csv`` ``unit``).
STATISTIC_UNITS = ("mean", "sd", "median", "min", "max", "effect_size", "statistic", "p_value", "ci_low", "ci_high")

#: Effect-size names a published figure's ``category`` may give (blank: the test's own).
EFFECT_SIZES = ("rank_biserial", "d_z", "g_av", "hedges_g")

_PRIMARY_EFFECT = {"Wilcoxon signed-rank": "rank_biserial", "Mann-Whitney U": "rank_biserial",
                   "paired t": "d_z", "Welch t": "hedges_g"}  # fmt: skip


def descriptives(study: Study, responses: pd.DataFrame) -> pd.DataFrame:
    """Per wave, item (answer codes as answered) and score set (:func:`tieval.survey.scores.set_scores`):
    n, mean, sd (n - 1), median, min and max.  Columns ``wave, subject, kind, n, mean, sd,
    median, min, max``."""
    rows = []
    items = [it.id for it in change_items(study)]
    for wave in wave_ids(study):
        one = wave_subset(responses, wave)
        # each item summarised as soon as its answers are picked (one item's answers held at a time),
        # the score sets after them
        for subject, x in iter_item_answers(one, items):
            rows.append(_describe(wave, subject, "item", x))
        scores = set_scores(one, study) if score_sets(study) else pd.DataFrame()
        rows += [_describe(wave, s, "score", scores[s].dropna().to_numpy(dtype=float)) for s in scores.columns]
    return pd.DataFrame(rows, columns=["wave", "subject", "kind", "n", "mean", "sd", "median", "min", "max"])


def _describe(wave: str, subject: str, kind: str, x: np.ndarray) -> dict:
    """One row of :func:`descriptives`: n, mean, sd (n - 1), median, min and max of ``x``."""
    return {"wave": wave, "subject": subject, "kind": kind, "n": len(x),
            "mean": x.mean() if len(x) else np.nan, "sd": x.std(ddof=1) if len(x) > 1 else np.nan,
            "median": float(np.median(x)) if len(x) else np.nan,
            "min": x.min() if len(x) else np.nan, "max": x.max() if len(x) else np.nan}  # fmt: skip


def _change_value(row: pd.Series, unit: str, category: str) -> float:
    if unit == "effect_size":
        name = category if category in EFFECT_SIZES else _PRIMARY_EFFECT.get(row["test"], "")
        return float(row[name]) if name else np.nan
    if unit == "statistic":
        return float(row["statistic"])
    if unit == "p_value":
        return float(row["p_holm"] if "holm" in category else row["p"])
    if unit == "mean":  # category mean_diff: the mean of the differences (paired) or of the waves' means
        return float(row["mean_diff"])
    side = "lower" if unit == "ci_low" else "upper"
    return float(row[f"mean_diff_{side}"] if category.startswith("mean_diff") else row[f"ci_{side}"])


def statistic_figures(
    published: pd.DataFrame, study: Study, descriptive: pd.DataFrame, change: pd.DataFrame
) -> pd.DataFrame:
    """``reproduced_statistics.csv`` (:data:`tieval.schema.REPRODUCED` columns): the published
    figures with a :data:`STATISTIC_UNITS` unit whose ``item_id`` names an item or score set.

    - ``mean``, ``sd``, ``median``, ``min``, ``max``: of the item's answers or the set's scores
      in the figure's ``wave`` (blank: the first wave); a ``mean`` whose ``category`` is
      ``mean_diff`` is the mean change instead (follow-up minus baseline, below);
    - ``effect_size``, ``statistic``, ``p_value``, ``ci_low``, ``ci_high``: of the change from the
      first wave to the figure's ``wave`` (blank: the second), in the family ``agreement`` when
      ``category`` starts with ``agreement``, else the item's (``items``) or set's (``subscales``);
      ``category`` names the effect size (:data:`EFFECT_SIZES`; blank: the test's own), asks for
      the Holm p (``p_holm``) or for the interval of the mean difference (``mean_diff``; else of
      the test's estimate).

    Values unrounded (6 dp); the audit rounds to the printed precision.  Figures that name
    nothing computable get no row."""
    waves = wave_ids(study)
    wave_col = published["wave"] if "wave" in published.columns else pd.Series("", index=published.index)
    rows = []
    for (_, fig), wave in zip(published.iterrows(), wave_col.fillna("").astype(str)):
        unit, subject, category = fig["unit"], str(fig.get("item_id", "") or ""), str(fig.get("category", "") or "")
        if unit not in STATISTIC_UNITS or not subject:
            continue
        if unit in ("mean", "sd", "median", "min", "max") and not category.startswith("mean_diff"):
            hit = descriptive[(descriptive["subject"] == subject) & (descriptive["wave"] == (wave or waves[0]))]
            if hit.empty:
                continue
            value, base, source = float(hit[unit].iloc[0]), int(hit["n"].iloc[0]), "descriptives"
            note = f"{unit} of {subject} in wave {hit['wave'].iloc[0]}"
        else:
            if len(waves) < 2:
                continue
            family = "agreement" if category.startswith("agreement") else None
            hit = change[(change["item"] == subject) & (change["followup"] == (wave or waves[1]))]
            hit = hit[hit["family"] == family] if family else hit[hit["family"] != "agreement"]
            if hit.empty:
                continue
            row = hit.iloc[0]
            value, base, source = _change_value(row, unit, category), int(row["n"]), "change.csv"
            note = f"{unit} {category or ''} of {row['test']} for {subject}, {row['comparison']}".replace("  ", " ")
        rows.append({"figure_id": fig["figure_id"], "value": round(value, 6) if not np.isnan(value) else np.nan,
                     "unit": unit, "base": base, "source_table": source, "note": note})  # fmt: skip
    return pd.DataFrame(rows, columns=["figure_id", "value", "unit", "base", "source_table", "note"])
