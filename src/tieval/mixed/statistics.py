"""The survey statistics of the findings: each statistic a finding names, computed from the item cells.

No number is typed into ``triangulation.yml``: every statistic comes from the cleaned survey data through
the item cells the survey tables show (counts, base and Wilson interval, under the same disclosure
control)."""

from __future__ import annotations

import pandas as pd

from tieval.config import Study
from tieval.errors import InputError
from tieval.mixed.findings import Triangulation
from tieval.report.survey_tables import percent_cell
from tieval.survey.counts import MISSING_CATEGORIES, category_display

__all__ = [
    "finding_statistics",
]


def finding_statistics(tri: Triangulation, cells: pd.DataFrame, study: Study) -> pd.DataFrame:
    """Every statistic the findings name, computed from the item cells of :func:`tieval.survey.counts.item_cells`.

    Columns: ``finding, item_id, item, construct, category, category_label, count, base,
    percent, ci_lower, ci_upper, shown, suppressed``.  ``shown`` reads ``48% (23/48) [34–62]``
    (percent, count/base, Wilson 95% interval).  A category percentage has as base the
    respondents who answered the item (not-relevant answers included); ``no_answer`` has all
    included respondents.  An item nobody answered raises :class:`InputError`."""
    rows = []
    cats = cells[cells["kind"] == "category"].set_index(["item_id", "category"])
    missing = cells[cells["kind"] == "missing"].set_index("item_id")
    for f in tri.findings:
        for q in f.quantitative:
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
                    "category_label": category_display(study.scale_of(item), q.category),
                    "count": cell["count"],
                    "base": int(cell["base"]),
                    "percent": cell["percent"],
                    "ci_lower": cell["ci_lower"],
                    "ci_upper": cell["ci_upper"],
                    "shown": "suppressed"
                    if suppressed
                    else percent_cell(cell["percent"], cell["count"], cell["base"], cell["ci_lower"], cell["ci_upper"]),
                    "suppressed": suppressed,
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
        ],
    )
    for col in ("percent", "ci_lower", "ci_upper"):
        out[col] = out[col].astype(float).round(1)
    return out
