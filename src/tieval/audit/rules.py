"""Rounding rules as data: which rule a published row (and table) of percentages was rounded with.

A report rounds every cell of a table one way.  Four rules are known here, each exact (integer
arithmetic, no floating point at the 0.5 boundaries):

``half_up``            a share exactly halfway goes up (Excel, SPSS): 2.5 -> 3
``half_even``          a share exactly halfway goes to the even neighbour (Python, R, numpy): 2.5 -> 2
``truncation``         the digits after the printed precision are dropped: 2.9 -> 2
``largest_remainder``  every share is rounded down, then the units still missing from 100 go to the
                       largest remainders ("forced to total 100", Hamilton's method; ties may go
                       either way), so a complete row always sums to exactly 100

A row is *explained* by a rule at a base ``n`` when some integer counts summing to ``n`` print as the
row under that rule.  :func:`feasible_bases` lists those ``n`` per rule; :func:`infer_rules` takes a
table's rows and returns the rule explaining most of them (``none`` when no rule explains any), with
the evidence (rows explained by each rule).  :func:`round_row` prints reproduced counts by one rule,
breaking largest-remainder ties towards the printed row, so a reproduced table shows what the
report's own rule gives.  An incomplete row (not every answer category printed) cannot show the
largest-remainder adjustment; it is judged under that rule as if rounded half up.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from tieval.audit import rounding

__all__ = [
    "RULES",
    "RULE_LABELS",
    "cell_counts",
    "counts_at",
    "feasible_bases",
    "round_row",
    "TableRule",
    "infer_rules",
]

#: The rules tried, in order of preference when the evidence ties (the commonest software default first).
RULES = ("half_up", "half_even", "largest_remainder", "truncation")

RULE_LABELS = {
    "half_up": "round half up",
    "half_even": "round half to even",
    "largest_remainder": "largest remainder (forced to total 100)",
    "truncation": "truncation",
    "none": "no rule",
}


def _units(printed, decimals: int) -> int:
    value = Decimal(str(printed)).scaleb(decimals)
    if value != value.to_integral_value():
        raise ValueError(f"printed value {printed!r} has more than {decimals} decimal place(s)")
    return int(value)


def _floor_units(k: int, n: int, decimals: int) -> int:
    return (100 * k * 10**decimals) // n


def cell_counts(printed, n: int, decimals: int, rule: str) -> list[int]:
    """Every count ``k`` of ``n`` whose share can print as ``printed`` in one cell under ``rule``
    (for largest remainder: rounded down, or rounded down and then raised by one unit)."""
    if n <= 0:
        return []
    if rule in ("half_up", "half_even"):
        return rounding.count_range(printed, n, decimals, rule)
    p = _units(printed, decimals)
    allowed = {p} if rule == "truncation" else {p, p - 1}
    lo = max(0, (max(p - 1, 0) * n) // (100 * 10**decimals) - 1)
    hi = min(n, ((p + 1) * n) // (100 * 10**decimals) + 1)
    return [k for k in range(lo, hi + 1) if _floor_units(k, n, decimals) in allowed]


def _lr_prints(counts: Sequence[int], units: Sequence[int], decimals: int) -> bool:
    """Whether largest remainder, with some choice among tied remainders, prints ``counts`` as ``units``."""
    n = sum(counts)
    scale = 100 * 10**decimals
    floors = [(scale * k) // n for k in counts]
    rema = [scale * k - f * n for k, f in zip(counts, floors)]  # remainders times n (integers)
    up = [u - f for u, f in zip(units, floors)]
    if any(d not in (0, 1) for d in up) or sum(units) != scale:
        return False
    raised = [r for r, d in zip(rema, up) if d == 1]
    kept = [r for r, d in zip(rema, up) if d == 0]
    if not raised:
        return True
    return min(raised) > 0 and (not kept or min(raised) >= max(kept))


def counts_at(printed: Sequence, n: int, decimals: int, rule: str, complete: bool = True) -> tuple[int, ...] | None:
    """One count vector of base ``n`` that prints as the row under ``rule`` (None if there is none).

    For an incomplete row the printed cells need only fit within ``n`` (the rest unprinted)."""
    cell_rule = "half_up" if rule == "largest_remainder" and not complete else rule
    options = [cell_counts(p, n, decimals, cell_rule) for p in printed]
    if any(not o for o in options):
        return None
    if not complete:
        low = tuple(o[0] for o in options)
        return low if sum(low) <= n else None
    if rule != "largest_remainder":
        found = rounding.count_vectors(options, n, limit=1)
        return found[0] if found else None
    units = [_units(p, decimals) for p in printed]
    for vec in rounding.count_vectors(options, n):
        if _lr_prints(vec, units, decimals):
            return vec
    return None


def feasible_bases(
    printed: Sequence, n_range: Iterable[int], decimals: int = 0, complete: bool = True
) -> dict[str, list[int]]:
    """Per rule of :data:`RULES`, every ``n`` in ``n_range`` for which some counts print as the row.

    >>> feasible_bases([15, 2, 83], range(40, 42))["largest_remainder"]
    [40, 41]
    >>> feasible_bases([15, 2, 83], range(40, 42))["half_up"]
    [41]
    """
    ns = list(n_range)
    return {rule: [n for n in ns if counts_at(printed, n, decimals, rule, complete) is not None] for rule in RULES}


def round_row(counts: Sequence[int], decimals: int, rule: str, prefer: Sequence | None = None) -> tuple[float, ...]:
    """The row ``counts`` print as under ``rule`` (``none`` or an unknown rule: half up).

    Largest-remainder ties are broken towards ``prefer`` (the printed row): the tied choice
    differing from it in fewest cells, then the first.

    >>> round_row([6, 1, 33], 0, "largest_remainder", prefer=[15, 2, 83])
    (15.0, 2.0, 83.0)
    >>> round_row([6, 1, 33], 0, "half_up")
    (15.0, 3.0, 83.0)
    """
    n = sum(counts)
    if n <= 0:
        raise ValueError("counts must sum to a positive n")
    unit = 10**decimals
    if rule == "truncation":
        return tuple(float(Fraction(_floor_units(k, n, decimals), unit)) for k in counts)
    if rule == "largest_remainder":
        options = rounding.sum_to_100(list(counts), decimals)
        if prefer is not None:
            want = tuple(float(Fraction(_units(p, decimals), unit)) for p in prefer)
            return min(options, key=lambda row: (sum(a != b for a, b in zip(row, want)), options.index(row)))
        return options[0]
    cell_rule = "half_even" if rule == "half_even" else "half_up"
    return tuple(rounding.rounded_percent(k, n, decimals, cell_rule) for k in counts)


@dataclass(frozen=True)
class TableRule:
    """The rule a published table most likely used: ``rule`` (or ``none``), and per rule the rows it
    explains at some base (``explained``) out of ``rows``; ``evidence`` in words."""

    location: str
    rule: str
    rows: tuple[str, ...]
    explained: dict[str, tuple[str, ...]]

    @property
    def evidence(self) -> str:
        parts = [f"{RULE_LABELS[r]} {len(self.explained[r])} of {len(self.rows)}" for r in RULES]
        unexplained = [row for row in self.rows if not any(row in self.explained[r] for r in RULES)]
        text = "Rows explained at some base: " + "; ".join(parts) + "."
        if unexplained:
            text += f" No rule explains {', '.join(unexplained)}."
        return text


def infer_rules(location: str, rows: dict[str, dict[str, list[int]]]) -> TableRule:
    """The rule explaining most of a table's rows (``rows``: row id -> :func:`feasible_bases`).

    Ties go to the earlier rule in :data:`RULES`; ``none`` when no rule explains any row."""
    explained = {rule: tuple(r for r, by_rule in rows.items() if by_rule[rule]) for rule in RULES}
    best = max(RULES, key=lambda rule: (len(explained[rule]), -RULES.index(rule)))
    return TableRule(location, best if explained[best] else "none", tuple(rows), explained)
