"""Published figures beside their reproductions: the text proportions, reproduced.csv for the audit, the comparison.

A percentage matches when the reproduced count and base round to the printed value (half up
or half even, at the printed precision, :mod:`tieval.audit.rounding`); a count when equal; a
bound when on the right side of it.  ``reproduced.csv`` carries percentages unrounded (4 dp),
for the audit to round.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from tieval.audit.rounding import rounds_to
from tieval.published import bound_direction
from tieval.schema import REPRODUCED
from tieval.survey.counts import percent_rounded

if TYPE_CHECKING:  # the reproduction that calls these functions
    from tieval.survey.published_tables import Reproduction

__all__ = [
    "match_summary",
    "text_proportions",
    "reproduced_list",
    "comparison",
]


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
    out["percent"] = [percent_rounded(k, n) for k, n in zip(out["count"], out["base"])]
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
