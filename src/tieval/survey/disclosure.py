"""Statistical disclosure control for count tables: small-cell (primary) and secondary suppression.

With a parameter ``min_cell`` (the notebooks' ``min_cell``, default 0 = off,
which reproduces the reports), every count of 1 to ``min_cell - 1``
respondents is hidden (*primary* suppression), together with the percentages
and intervals computed from it.  Zero counts are not hidden by default (pass
``zeros=True`` to hide them too).

A hidden cell is still revealed when a published total lets a reader subtract:
if a row's base is printed and only one of its cells is hidden, that cell is the
base minus the others.  *Secondary* suppression therefore hides further cells,
smallest first (ties: the first in table order), in every group of cells whose
total is published, until

- at least two cells of the group are hidden, and
- the hidden cells together hold at least ``min_cell`` respondents (otherwise
  their sum, which a reader can still compute, is itself a small count),

or every cell of the group is hidden.  Cells that are public anyway (the number
who skipped an item is the difference of two published bases) can be marked
*exempt*: never hidden and in no group.  Groups are given as *partition columns*:
cells sharing a non-empty key in a partition column form one group with a
published total (one column per relation, e.g. "the levels of an item add up to
its base" and "the levels of a category add up to the category count").  The
rules are applied to every group of every partition repeatedly until nothing
changes, so tables linked through shared totals are protected together.  The
procedure is deliberately conservative (it may hide more than an optimal
cell-suppression solver would) and it is deterministic.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

# TEMPORARY (steps-b stand-in for steps-a's item_cells): disclosure <-> likert import each other
# until steps-a's counting module, which does not import disclosure, replaces likert here.
from tieval.survey import likert

__all__ = ["PRIMARY", "SECONDARY", "check_min_cell", "primary", "suppress", "protect", "display", "item_cells"]

PRIMARY = "primary"
SECONDARY = "secondary"


def check_min_cell(min_cell) -> int:
    """The ``min_cell`` parameter as a non-negative integer (``ValueError`` otherwise)."""
    if (
        isinstance(min_cell, bool)
        or not isinstance(min_cell, (int, np.integer, float))
        or float(min_cell) != int(min_cell)
        or min_cell < 0
    ):
        raise ValueError(f"min_cell must be a whole number of respondents, 0 or more; got {min_cell!r}")
    return int(min_cell)


def primary(counts, min_cell: int, *, zeros: bool = False) -> np.ndarray:
    """Boolean mask of the counts below ``min_cell`` (1 .. min_cell-1; 0 too when ``zeros``)."""
    min_cell = check_min_cell(min_cell)
    c = np.asarray(counts, dtype=float)
    lower = 0 if zeros else 1
    return (c >= lower) & (c < min_cell) & (min_cell > 0)


def suppress(
    cells: pd.DataFrame,
    min_cell: int,
    partitions: Sequence[str],
    *,
    count: str = "count",
    zeros: bool = False,
    exempt: str | None = None,
) -> pd.Series:
    """Decide which cells to hide: a Series (index of ``cells``) of '' / 'primary' / 'secondary'.

    ``partitions`` names columns of ``cells``; in each, cells sharing a non-empty key
    form a group whose total is published (see the module docstring).  ``exempt`` names
    a boolean column of cells that are public anyway (e.g. a difference of two published
    bases) and are never hidden; they should belong to no partition.
    """
    min_cell = check_min_cell(min_cell)
    counts = cells[count].to_numpy(dtype=float)
    small = primary(counts, min_cell, zeros=zeros)
    if exempt is not None:
        small &= ~cells[exempt].to_numpy(dtype=bool)
    status = np.where(small, PRIMARY, "").astype(object)
    if min_cell > 0 and (status != "").any():
        groups = []
        for col in partitions:
            keys = cells[col].astype(str).to_numpy()
            for key in sorted(set(keys) - {""}):
                groups.append(np.flatnonzero(keys == key))
        changed = True
        while changed:
            changed = False
            for idx in groups:
                while True:
                    hidden = status[idx] != ""
                    if not hidden.any() or hidden.all():
                        break
                    if hidden.sum() >= 2 and counts[idx][hidden].sum() >= min_cell:
                        break
                    open_idx = idx[~hidden]
                    pick = open_idx[int(np.argmin(counts[open_idx]))]  # first of the smallest: stable
                    status[pick] = SECONDARY
                    changed = True
    return pd.Series(status, index=cells.index, name="suppression", dtype=object).astype(str)


def protect(
    cells: pd.DataFrame,
    min_cell: int,
    partitions: Sequence[str],
    *,
    value_columns: Sequence[str] = ("count",),
    count: str = "count",
    zeros: bool = False,
    exempt: str | None = None,
) -> pd.DataFrame:
    """Apply :func:`suppress`: a copy of ``cells`` with ``value_columns`` blanked (NaN) in hidden
    cells and a boolean ``suppressed`` column.  The reason (primary / secondary) is not kept
    in the output, since telling them apart would tell a reader which cells are small."""
    status = suppress(cells, min_cell, partitions, count=count, zeros=zeros, exempt=exempt)
    out = cells.copy()
    hidden = (status != "").to_numpy()
    for col in value_columns:
        out[col] = out[col].astype(float)
        out.loc[hidden, col] = np.nan
    out["suppressed"] = hidden
    return out


def display(value, suppressed: bool, fmt: str = "{}") -> str:
    """How a possibly hidden value is shown in a rendered table: the formatted value or 'suppressed'."""
    if suppressed:
        return "suppressed"
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    return fmt.format(value)


def item_cells(study, responses: pd.DataFrame, respondents: pd.DataFrame, min_cell: int) -> pd.DataFrame:
    """The item cells of ``study`` exactly as the survey tables show them under disclosure control:
    :func:`tieval.survey.likert.item_cells` of the included respondents, protected with the
    partitions and the exempt skipped-item cells :func:`tieval.survey.likert.reproduce` uses
    (TEMPORARY stand-in of steps-b for steps-a's function of the same signature)."""
    n_included = int((respondents["status"] != "excluded").sum())
    cells = likert.item_cells(responses, study, n_included)
    return protect(
        cells,
        min_cell,
        ["part_levels", "part_categories", "part_within"],
        value_columns=["count", "percent", "ci_lower", "ci_upper"],
        exempt="exempt",
    )
