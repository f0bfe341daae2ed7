"""Published statistics (SD, median, range, effect size, test statistic, p-value, interval limits) against
their reproductions, within the tolerance their printed precision allows.

Tolerance rule: a printed value stands for everything within half a unit of its last printed digit
(``0.45`` covers [0.445, 0.455]; ``3`` covers [2.5, 3.5]), both ends included since the rounding rule is not
known.  A value printed as a bound (``p < 0.001``, ``p > 0.05``; the symbol or the words) holds when the
reproduction lies on the stated side of it.  The reproduction is written by the step that computes the
statistic (the change helper's ``03_tables/reproduced.csv`` rows, from ``change.csv`` and
``reliability.csv``) in the unit of the published figure.
"""

from __future__ import annotations

import re
from decimal import Decimal

from tieval.audit.records import num
from tieval.published import STATISTIC_UNITS, bound_direction

__all__ = ["STATISTIC_UNITS", "tolerance", "printed_bound", "compare_statistic", "is_statistic"]

_SYMBOL = re.compile(r"([<>≤≥])\s*=?\s*[-+]?\d*\.?\d")


def tolerance(value_text: str) -> tuple[float, float]:
    """The interval a printed value stands for: half a unit of its last printed digit either side.

    >>> tolerance("0.45")
    (0.445, 0.455)
    >>> tolerance("-1.2")
    (-1.25, -1.15)
    """
    d = Decimal(str(value_text).strip())
    half = Decimal(5).scaleb(d.as_tuple().exponent - 1)
    return float(d - half), float(d + half)


def printed_bound(printed: str) -> str:
    """'upper' for "p < 0.001" (or "less than"), 'lower' for "p > 0.05", '' for a plain value."""
    m = _SYMBOL.search(str(printed))
    if m:
        return "upper" if m.group(1) in "<≤" else "lower"
    return bound_direction(printed)


def compare_statistic(fig, rep) -> tuple[str, float, str]:
    """(status, reproduced value, note) of a published statistic and its reproduction (both present)."""
    value = float(rep.value)
    src = f" ({rep.source_table})" if str(rep.source_table).strip() else ""
    side = printed_bound(fig.printed)
    if side:
        ok = value < fig.value if side == "upper" else value > fig.value
        sign = "<" if side == "upper" else ">"
        what = f"Reproduced {value:.4g}{src}; printed as a bound ({sign} {fig.value_text})"
        return ("match" if ok else "differs"), value, what + ("." if ok else ": on the wrong side of it.")
    lo, hi = tolerance(fig.value_text)
    ok = lo - 1e-12 <= value <= hi + 1e-12
    span = f"[{num(lo) if abs(lo) >= 0.01 else f'{lo:g}'}, {num(hi) if abs(hi) >= 0.01 else f'{hi:g}'}]"
    if ok:
        return "match", value, f"Reproduced {value:.4g}{src}, within the printed precision {span}."
    return "differs", value, f"Reproduced {value:.4g}{src}; printed {fig.value_text} stands for {span}."


def is_statistic(unit: str) -> bool:
    """Whether a unit is compared by :func:`compare_statistic` (every statistic unit except ``mean``,
    which the percentage comparison already rounds to its printed precision)."""
    return unit in STATISTIC_UNITS and unit != "mean"
