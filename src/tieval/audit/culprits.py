"""Minimal-edit diagnosis: for a printed row no base and rounding rule can produce, the fewest cells to change.

When one cell of a row is wrong (a typo, a cell copied from the next row), blaming the whole row spreads the
fault over correct cells.  :func:`diagnose` frees one cell at a time (then two), and asks whether some base
``n`` and the table's rule then give the other cells exactly; the freed cells are the *culprit*, and the
value the rule gives them there is the suggested correction.  Among equally small edits the one changing
the printed values least wins, then the one whose counts are nearest the ``reference`` counts (the
reproduction, when there is one), then one at a base nearer one of the ``preferred`` bases (the stated
totals), then the one whose unchanged cells sit closest to their exact shares.  Other edits changing the
printed values as little are returned as ``alternatives``: the culprit is then not certain, and the
diagnosis says so.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from itertools import combinations

from tieval.audit import rounding
from tieval.audit.rounding import count_vectors
from tieval.audit.rules import cell_counts

__all__ = ["Diagnosis", "diagnose"]


@dataclass(frozen=True)
class Diagnosis:
    """The smallest edit making a row feasible: ``cells`` (0-based positions) to change, the
    ``suggested`` printed values for them, at base ``n`` with ``counts``; ``alternatives`` lists other
    single edits that work equally well (positions)."""

    cells: tuple[int, ...]
    suggested: tuple[float, ...]
    n: int
    counts: tuple[int, ...]
    alternatives: tuple[tuple[int, ...], ...] = ()


def _printed_rows(counts: Sequence[int], decimals: int, rule: str) -> list[tuple[float, ...]]:
    if rule == "largest_remainder":
        return rounding.sum_to_100(list(counts), decimals)
    if rule == "truncation":
        n = sum(counts)
        unit = 10**decimals
        return [tuple(float(Fraction((100 * k * unit) // n, unit)) for k in counts)]
    cell_rule = "half_even" if rule == "half_even" else "half_up"
    return [tuple(rounding.rounded_percent(k, sum(counts), decimals, cell_rule) for k in counts)]


def _edits(printed: Sequence, free: tuple[int, ...], n: int, decimals: int, rule: str):
    """Every (counts, printed row) of base ``n`` meeting the printed cells outside ``free``."""
    fixed_rule = "half_up" if rule == "largest_remainder" else rule
    values = [float(Decimal(str(p))) for p in printed]
    options = [
        list(range(n + 1)) if i in free else cell_counts(p, n, decimals, fixed_rule) for i, p in enumerate(printed)
    ]
    if rule == "largest_remainder":  # a raised cell may sit one unit below its printed value before rounding
        options = [
            o if i in free else cell_counts(p, n, decimals, rule) for i, (o, p) in enumerate(zip(options, printed))
        ]
    if any(not o for o in options):
        return
    for vec in count_vectors(options, n):
        for row in _printed_rows(vec, decimals, rule):
            if all(abs(row[i] - values[i]) < 1e-9 for i in range(len(values)) if i not in free):
                yield vec, row


def diagnose(
    printed: Sequence,
    n_range: Iterable[int],
    decimals: int,
    rule: str,
    preferred: Sequence[int] = (),
    reference: Sequence[int] | None = None,
    max_cells: int = 2,
) -> Diagnosis | None:
    """The minimal edit of a complete row ``printed`` under ``rule`` (None if even ``max_cells`` free
    cells cannot make it feasible).

    >>> d = diagnose([24, 28, 48, 2], range(40, 41), 0, "largest_remainder")
    >>> d.cells, d.suggested, d.counts
    ((0,), (22.0,), (9, 11, 19, 1))
    """
    values = [float(Decimal(str(p))) for p in printed]
    ns = list(n_range)
    for size in range(1, max_cells + 1):
        found = []
        for free in combinations(range(len(printed)), size):
            best = None
            for n in ns:
                for vec, row in _edits(printed, free, n, decimals, rule):
                    change = sum(abs(row[i] - values[i]) for i in free)
                    exact = sum(
                        abs(float(Fraction(100 * vec[i], n)) - values[i]) for i in range(len(values)) if i not in free
                    )
                    near = min((abs(n - p) for p in preferred), default=0)
                    ref = sum(abs(a - b) for a, b in zip(vec, reference)) if reference is not None else 0
                    key = (round(change, 9), ref, near, round(exact, 9), n)
                    if best is None or key < best[0]:
                        best = (key, vec, row, n)
            if best is not None:
                found.append((best[0], free, best))
        if found:
            found.sort(key=lambda f: f[0])
            key, free, (_, vec, row, n) = found[0]
            ties = tuple(f[1] for f in found[1:] if f[0][0] == key[0])
            return Diagnosis(free, tuple(row[i] for i in free), n, tuple(vec), ties)
    return None
