"""The printed figures grouped for the checks: percentages given for one item in one place
(:class:`PercentSet`) and a table's counts split by category (:class:`Partition`)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import pandas as pd

from tieval.audit.records import (
    common_prefix,
    num,
    printed_decimals,
    slug,
)
from tieval.config import Study

__all__ = [
    "PercentSet",
    "Partition",
    "percent_sets",
    "partitions",
]


@dataclass(frozen=True)
class PercentSet:
    """Percentages the report gives for the answers to one item in one place (a table row,
    or one passage of text); ``complete`` when every answer category of the item's scale
    (apart from "not relevant") is printed.  A count of zero joins as 0 %."""

    key: str
    location: str
    item_id: str
    origin: str  # table | text
    figures: tuple[str, ...]
    categories: tuple[str, ...]
    values: tuple[str, ...]
    decimals: int
    complete: bool
    conflicts: tuple[str, ...] = ()
    #: the figure id printing each category, in ``categories`` order
    cells: tuple[str, ...] = ()


@dataclass(frozen=True)
class Partition:
    """The counts of one table column split by category (e.g. respondents by sector)."""

    key: str
    location: str
    measure: str
    item_id: str
    figures: tuple[str, ...]
    categories: tuple[str, ...]
    counts: tuple[float, ...]

    @property
    def total(self) -> float:
        return float(sum(self.counts))


def _category_order(study: Study, item_id: str) -> list[str]:
    try:
        scale = (
            study.scale_of(item_id)
            if any(i.id == item_id for i in study.items)
            else study.scales[next(d.scale for d in study.demographics if d.id == item_id)]
        )
    except (KeyError, StopIteration):
        return []
    return scale.categories


def _is_complete(study: Study, item_id: str, categories) -> bool:
    order = _category_order(study, item_id)
    needed = [c for c in order if c != "not_relevant"]
    return bool(needed) and set(needed) <= set(categories)


def percent_sets(study: Study, published: pd.DataFrame) -> list[PercentSet]:
    """Group the printed percentages by place and item (see :class:`PercentSet`).

    Table cells group by (location, item); text and summary figures likewise, so one
    passage giving several answers to one item forms a set.  Repeats of the same value are
    kept once; two different values for the same answer are recorded as a conflict."""
    pub = published
    is_pct = pub["unit"] == "percent"
    zero_count = (pub["unit"] == "count") & (pub["value"] == 0)
    cand = pub[(is_pct | zero_count) & (pub["item_id"] != "") & (pub["category"] != "")].copy()
    cand["origin"] = np.where(cand["location_type"] == "table", "table", "text")
    sets: list[PercentSet] = []
    used_keys: set[str] = set()
    for (location, item), group in cand.groupby(["location", "item_id"], sort=False):
        if not (group["unit"] == "percent").any():
            continue
        order = _category_order(study, item)
        cats: dict[str, tuple[str, str]] = {}
        conflicts = []
        figures = []
        for r in group.itertuples():
            text = r.value_text if r.unit == "percent" else "0"
            figures.append(r.figure_id)
            if r.category in cats:
                if Decimal(cats[r.category][1]) != Decimal(text):
                    conflicts.append(r.category)
                continue
            cats[r.category] = (r.figure_id, text)
        if len(cats) < 2:
            continue
        ordered = sorted(cats, key=lambda c: (order.index(c) if c in order else len(order), list(cats).index(c)))
        key = common_prefix(figures)
        if item not in key.split("."):
            key = f"{key}.{item}" if key else item
        while key in used_keys:
            key += "+"
        used_keys.add(key)
        sets.append(
            PercentSet(
                key=key,
                location=location,
                item_id=item,
                origin=group["origin"].iloc[0],
                figures=tuple(figures),
                categories=tuple(ordered),
                values=tuple(cats[c][1] for c in ordered),
                decimals=max(printed_decimals(cats[c][1]) for c in ordered),
                complete=_is_complete(study, item, ordered),
                conflicts=tuple(dict.fromkeys(conflicts)),
                cells=tuple(cats[c][0] for c in ordered),
            )
        )
    return sets


def partitions(published: pd.DataFrame) -> list[Partition]:
    """Table counts split by category: the cells of one table sharing a measure and item,
    with at least two categories (e.g. Table 4's respondents by sector)."""
    pub = published
    cand = pub[
        (pub["location_type"] == "table") & (pub["unit"] == "count") & (pub["category"] != "") & pub["value"].notna()
    ]
    groups = []
    for (location, measure, item), g in cand.groupby(["location", "measure", "item_id"], sort=False):
        if g["category"].nunique() < 2:
            continue
        groups.append((location, measure, item, g))
    prefixes = [common_prefix(g["figure_id"]) for *_, g in groups]
    out = []
    for (location, measure, item, g), prefix in zip(groups, prefixes):
        key = prefix if prefix and prefixes.count(prefix) == 1 else f"{prefix}.{slug(measure)}".strip(".")
        out.append(
            Partition(
                key,
                location,
                measure,
                item,
                tuple(g["figure_id"]),
                tuple(g["category"]),
                tuple(float(v) for v in g["value"]),
            )
        )
    return out


def totals_equal(totals: pd.DataFrame, n: float) -> pd.DataFrame:
    """The stated totals equal to ``n``."""
    return totals[(totals["n"] - n).abs() < 1e-9]


def describe_totals(rows: pd.DataFrame) -> str:
    return "; ".join(f"{num(r.n)} ({r.source}: {r.label})" for r in rows.itertuples())
