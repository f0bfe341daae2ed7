"""The survey statistics of the findings: each statistic a finding names, computed from the item cells.

No number is typed into ``triangulation.yml``: every statistic comes from the cleaned survey data through
the item cells the survey tables show (counts, base and Wilson interval, under the same disclosure
control)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from tieval.config import Study
from tieval.errors import InputError
from tieval.mixed.findings import MEAN, Triangulation
from tieval.report.survey_tables import p_text, percent_cell
from tieval.survey.counts import MISSING_CATEGORIES, category_display
from tieval.survey.scores import score_sets
from tieval.survey.wave_data import wave_labels

__all__ = [
    "finding_statistics",
    "WAVE_COLUMNS",
]


def finding_statistics(
    tri: Triangulation,
    cells: pd.DataFrame,
    study: Study,
    *,
    wave_cells: dict[str, pd.DataFrame] | None = None,
    change: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Every statistic the findings name, computed from the item cells of :func:`tieval.survey.counts.item_cells`.

    A percent with a ``wave`` is read off that wave's cells (``wave_cells``, by wave id); a
    ``change`` is the row of ``change`` (:func:`tieval.survey.wave_change.study_change`) for the
    item or subscale, family ``agreement`` for a category (the change in its share, in
    percentage points, with Newcombe's interval) or ``items`` / ``subscales`` for ``mean`` (the
    mean difference with its t interval), from the first wave to the finding's ``wave`` (default
    the second).  When any finding names a wave or a change, the columns ``statistic, wave,
    estimate, estimate_lower, estimate_upper, test, p, p_holm`` follow (a study whose findings
    name neither keeps the columns below).

    Columns: ``finding, item_id, item, construct, category, category_label, count, base,
    percent, ci_lower, ci_upper, shown, suppressed``.  ``shown`` reads ``48% (23/48) [34–62]``
    (percent, count/base, Wilson 95% interval).  A category percentage has as base the
    respondents who answered the item (not-relevant answers included); ``no_answer`` has all
    included respondents.  An item nobody answered raises :class:`InputError`."""
    rows = []
    all_cats = cells[cells["kind"] == "category"].set_index(["item_id", "category"])
    all_missing = cells[cells["kind"] == "missing"].set_index("item_id")
    by_wave = any(q.wave or q.statistic == "change" for f in tri.findings for q in f.quantitative)
    for f in tri.findings:
        for q in f.quantitative:
            if q.statistic == "change":
                rows.append(_change_row(f.id, q, study, change))
                continue
            if q.wave:
                one = (wave_cells or {})[q.wave]
                cats = one[one["kind"] == "category"].set_index(["item_id", "category"])
                missing = one[one["kind"] == "missing"].set_index("item_id")
            else:
                cats, missing = all_cats, all_missing
            if q.category in MISSING_CATEGORIES:
                cell = missing.loc[q.item] if q.item in missing.index else None
            else:
                cell = cats.loc[(q.item, q.category)] if (q.item, q.category) in cats.index else None
            if cell is None or not cell["base"] > 0:
                raise InputError(
                    "responses.csv",
                    f"answers to item {q.item} (named by finding {f.id} in triangulation.yml)",
                    column="item_id",
                    found=q.item,
                )
            item = study.item(q.item)
            suppressed = bool(cell.get("suppressed", False))
            construct = study.constructs[item.construct].label if item.construct in study.constructs else item.construct
            rows.append(
                {
                    "finding": f.id,
                    "item_id": q.item,
                    "item": item.text,
                    "construct": construct,
                    "category": q.category,
                    "category_label": category_display(study.scale_of(item), q.category)
                    + (f" ({wave_labels(study)[q.wave]})" if q.wave else ""),
                    "count": cell["count"],
                    "base": int(cell["base"]),
                    "percent": cell["percent"],
                    "ci_lower": cell["ci_lower"],
                    "ci_upper": cell["ci_upper"],
                    "shown": "suppressed"
                    if suppressed
                    else percent_cell(cell["percent"], cell["count"], cell["base"], cell["ci_lower"], cell["ci_upper"]),
                    "suppressed": suppressed,
                    "statistic": "percent",
                    "wave": q.wave,
                }
            )
    out = pd.DataFrame(
        rows,
        columns=[
            "finding",
            "item_id",
            "item",
            "construct",
            "category",
            "category_label",
            "count",
            "base",
            "percent",
            "ci_lower",
            "ci_upper",
            "shown",
            "suppressed",
            *(WAVE_COLUMNS if by_wave else []),
        ],
    )
    for col in ("percent", "ci_lower", "ci_upper"):
        out[col] = out[col].astype(float).round(1)
    return out


#: Columns :func:`finding_statistics` adds when a finding names a wave or a change.
WAVE_COLUMNS = ["statistic", "wave", "estimate", "estimate_lower", "estimate_upper", "test", "p", "p_holm"]


def _change_row(finding: str, q, study: Study, change: pd.DataFrame | None) -> dict:
    """One change statistic of a finding, from the change table (an InputError when it has none)."""
    waves = [w.id for w in study.waves]
    followup = q.wave or waves[1]
    sets = score_sets(study)
    family = "agreement" if q.category != MEAN else ("subscales" if q.item in sets else "items")
    hit = pd.DataFrame() if change is None else change[
        (change["item"] == q.item) & (change["family"] == family) & (change["followup"] == followup)
    ]  # fmt: skip
    if hit.empty or pd.isna(hit["estimate"].iloc[0]):
        raise InputError("change.csv", f"a change of {q.item} from {waves[0]} to {followup} "
                         f"(named by finding {finding} in triangulation.yml)", column="item", found=q.item)  # fmt: skip
    r = hit.iloc[0]
    if family == "agreement":
        est, lo, hi, scale = r["estimate"] * 100, r["ci_lower"] * 100, r["ci_upper"] * 100, 0
        shown = f"{est:+.0f} points [{lo:.0f} to {hi:.0f}]"
    else:
        est, lo, hi, scale = r["mean_diff"], r["mean_diff_lower"], r["mean_diff_upper"], 2
        shown = f"{est:+.2f} [{lo:.2f} to {hi:.2f}]"
    shown += f" ({r['test']}, n = {int(r['n'])}, p = {p_text(r['p'])}, Holm p = {p_text(r['p_holm'])})"
    if q.item in sets:
        label, construct = sets[q.item][0], ""
    else:
        item = study.item(q.item)
        label = item.text
        construct = study.constructs[item.construct].label if item.construct in study.constructs else item.construct
    what = "mean" if q.category == MEAN else category_display(study.scale_of(q.item), q.category)
    return {
        "finding": finding, "item_id": q.item, "item": label, "construct": construct, "category": q.category,
        "category_label": f"change in {what}, {r['comparison']}", "count": np.nan, "base": int(r["n"]),
        "percent": np.nan, "ci_lower": np.nan, "ci_upper": np.nan, "shown": shown, "suppressed": False,
        "statistic": "change", "wave": followup, "estimate": round(float(est), 4 if scale else 2),
        "estimate_lower": round(float(lo), 4 if scale else 2), "estimate_upper": round(float(hi), 4 if scale else 2),
        "test": r["test"], "p": r["p"], "p_holm": r["p_holm"],
    }  # fmt: skip
