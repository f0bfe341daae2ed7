"""The published record: every number a report prints, loaded from ``data/<study>/published/figures.csv``.

:func:`load_published` reads the file (schema in ``data/README.md``), checks it
(required columns, unique figure ids, known location types and units, numeric
values, ``restates`` pointing at a table cell or the count a claim quantifies, item ids known to the
instrument) and returns it with ``value`` and ``base`` as floats.  The tables
step computes reproductions keyed by these ids and the audit compares them.
"""

from __future__ import annotations

import pandas as pd

from tieval.config import Study
from tieval.errors import InputError
from tieval.schema import PUBLISHED, PUBLISHED_OPTIONAL, require_columns
from tieval.store import read_csv

__all__ = [
    "LOCATION_TYPES",
    "UNITS",
    "STATISTIC_UNITS",
    "QUANTIFIED_UNITS",
    "SOURCES",
    "load_published",
    "inventory",
    "bound_direction",
    "printed_cells",
]

LOCATION_TYPES = ("table", "text", "summary")
#: Statistics of a distribution or a test (mean and the rest): compared within the tolerance of their
#: printed precision (:mod:`tieval.audit.statistics`).
STATISTIC_UNITS = (
    "mean",
    "sd",
    "median",
    "min",
    "max",
    "range",
    "effect_size",
    "statistic",
    "p_value",
    "ci_low",
    "ci_high",
)
#: count/percent/n and the statistic units are results of the study's data; context/year are background
#: numbers; percent_bound is a verbal bound such as "less than half"; quantifier is a claim about a group
#: ("all participants", "most", "none", "prominent at both timepoints").
UNITS = ("count", "percent", "n", "context", "year", "percent_bound", "quantifier", *STATISTIC_UNITS)
#: Where a figure's evidence comes from (the optional ``source`` column).
SOURCES = ("", "questionnaire", "interview", "focus group", "document")


#: Units of a figure a quantifier claim may restate: the count it quantifies ("all ... felt", 10 of 10).
QUANTIFIED_UNITS = ("count", "n", "percent")


def _check_restates(frame: pd.DataFrame, fail) -> None:
    """``restates`` names another row, and following it never comes back to the row (no figure
    restates itself through a loop of restatements).  What it names is a table cell (text repeating
    a table), or, for a ``quantifier`` claim, the count, n or percentage it quantifies wherever that
    stands (a questionnaire claim is judged as a share of that count: :mod:`tieval.audit.quantifiers`)."""
    restates = frame["restates"]
    bad = (restates != "") & (~restates.isin(frame["figure_id"]) | (restates == frame["figure_id"]))
    if bad.any():
        fail(bad, "restates", "the figure_id of another row")
    target = restates.map(frame.set_index("figure_id")["location_type"]).fillna("")
    unit = restates.map(frame.set_index("figure_id")["unit"]).fillna("")
    claim = frame["unit"] == "quantifier"
    bad = (restates != "") & ~claim & (target != "table")
    if bad.any():
        fail(bad, "restates", "the figure_id of a table cell (location_type table) this figure repeats")
    bad = (restates != "") & claim & ~unit.isin(QUANTIFIED_UNITS)
    if bad.any():
        fail(bad, "restates", "the figure_id of the count, n or percent this quantifier claim quantifies")
    target = dict(zip(frame["figure_id"], restates))
    for i, start in enumerate(frame["figure_id"]):
        seen, at = {start}, target.get(start, "")
        while at:
            if at in seen:
                fail(pd.Series(frame.index == i), "restates", "restatements that end at a figure (this one loops back)")
            seen.add(at)
            at = target.get(at, "")


def load_published(study: Study) -> pd.DataFrame:
    """Load and check the study's published figures (one row per printed number)."""
    path = study.path("published")
    frame = read_csv(path, **study.text_options("published"))
    require_columns(frame, PUBLISHED, path)
    for column in PUBLISHED_OPTIONAL:
        if column not in frame.columns:
            frame[column] = ""
    header_rows = 1

    def fail(mask: pd.Series, column: str, expected: str):
        i = int(mask.to_numpy().nonzero()[0][0])
        raise InputError(path, expected, row=i + header_rows + 1, column=column, found=frame[column].iloc[i])

    empty_id = frame["figure_id"].str.strip() == ""
    if empty_id.any():
        fail(empty_id, "figure_id", "a figure id")
    dup = frame["figure_id"].duplicated()
    if dup.any():
        fail(dup, "figure_id", "a figure id used once")
    bad = ~frame["location_type"].isin(LOCATION_TYPES)
    if bad.any():
        fail(bad, "location_type", "one of " + ", ".join(LOCATION_TYPES))
    bad = ~frame["unit"].isin(UNITS)
    if bad.any():
        fail(bad, "unit", "one of " + ", ".join(UNITS))
    bad = ~frame["source"].isin(SOURCES)
    if bad.any():
        fail(bad, "source", "one of " + ", ".join(s or "blank" for s in SOURCES))
    for column in ("value", "base"):
        numeric = pd.to_numeric(frame[column].where(frame[column] != ""), errors="coerce")
        bad = (numeric.isna() | numeric.isin([float("inf"), float("-inf")])) & (frame[column] != "")
        if bad.any():
            fail(bad, column, "a finite number or nothing")
        frame[column] = numeric
    _check_restates(frame, fail)
    known = {it.id for it in study.items} | {d.id for d in study.demographics}
    scored = set(study.subscales) | set(study.constructs)  # a statistic may be of a score (a mean, a change)
    bad = (frame["item_id"] != "") & ~frame["item_id"].isin(known)
    bad &= ~(frame["item_id"].isin(scored) & frame["unit"].isin(STATISTIC_UNITS))
    if bad.any():
        fail(
            bad, "item_id", "an item or demographic id from study.yml (or, for a statistic, a subscale or construct id)"
        )
    return frame


def inventory(published: pd.DataFrame) -> pd.DataFrame:
    """Count the published figures by location and unit (the overview's inventory)."""
    table = (
        published.assign(order=range(len(published)))
        .groupby(["location", "location_type"], sort=False)
        .agg(
            figures=("figure_id", "size"),
            first_figure=("figure_id", "first"),
            units=("unit", lambda u: ", ".join(sorted(set(u)))),
            order=("order", "min"),
        )
        .reset_index()
        .sort_values("order")
        .drop(columns="order")
    )
    return table.reset_index(drop=True)


_UPPER = ("less than", "fewer than", "under", "below", "up to", "at most", "no more than")
_LOWER = ("more than", "over", "above", "at least", "exceed")


def bound_direction(text: str) -> str:
    """How a verbal bound reads: 'upper' for "less than half", 'lower' for "more than a third",
    '' if the wording does not say."""
    low = " " + str(text).lower() + " "
    up = min((low.find(" " + w + " ") for w in _UPPER if " " + w + " " in low), default=-1)
    lo = min((low.find(" " + w + " ") for w in _LOWER if " " + w + " " in low), default=-1)
    if up >= 0 and (lo < 0 or up < lo):
        return "upper"
    if lo >= 0:
        return "lower"
    return ""


def printed_cells(study: Study) -> dict[tuple[str, str], str]:
    """The percentage each published table prints for (item, category), as printed (``"73"``); empty when the
    study has no published record.  Displays that show a reproduced cell set the printed value beside it."""
    if not study.has_input("published"):
        return {}
    frame = load_published(study)
    raw = read_csv(study.path("published"), **study.text_options("published"))["value"].str.strip()
    cells = (frame["location_type"] == "table") & (frame["unit"] == "percent") & (frame["item_id"] != "")
    return {
        (r.item_id, r.category): str(raw.iloc[i])
        for i, r in enumerate(frame.itertuples())
        if cells.iloc[i] and r.category
    }
