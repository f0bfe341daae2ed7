"""Which integer counts and sample sizes a row of rounded, published percentages allows.

A report that prints ``5% / 10% / 85%`` without a denominator still
constrains it: for a sample size ``n`` each category needs an integer count
``k`` whose percentage ``100 k / n`` rounds to the printed value, and the
counts must add up to ``n``.  Checking every ``n`` in a range finds the
denominators a published row allows, or shows that none does (a row that
sums to 102, say).

Rounding rule
-------------
Reports are produced with different software, and a value exactly halfway
(25.5 %) is rounded up by Excel and SPSS ("round half up", away from zero for
the non-negative values used here) but to the even neighbour by Python, R and
numpy ("round half to even", 26.5 -> 26).  Unless told otherwise every
function here accepts a count if *either* rule gives the printed value: a
printed ``26`` accepts any percentage in ``[25.5, 26.5]`` (both ends; 26.5
via half-even), a printed ``25`` accepts ``[24.5, 25.5)``.  Pass
``rule="half_up"`` or ``rule="half_even"`` to insist on one.  All arithmetic
is exact (integers), so 1/3 and 0.5 boundaries are never mis-rounded by
floating point.

Main functions
--------------
:func:`counts_for`      every count vector for a given ``n``
:func:`compatible_ns`   every ``n`` in a range that has at least one
:func:`closest_fit`     for rows no ``n`` meets exactly: the ``n`` and counts
                        nearest the printed values, with the deviation
:func:`count_range`     the counts of one category alone
:func:`rounded_percent` the percentage of ``k`` of ``n`` as a report would print it
:func:`sum_to_100`      the rows a "forced to total 100" rounding (largest remainder) prints

Some reports adjust rounded rows so that they total exactly 100 (largest remainder
method).  That is not one of the accepted rules above, because it makes a cell
depend on its neighbours; :func:`sum_to_100` lets a caller check whether a row
that no ``n`` meets cell by cell is what such an adjustment would print.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from fractions import Fraction
from itertools import combinations

__all__ = [
    "prints_as",
    "RULES",
    "rounds_to",
    "rounded_percent",
    "count_range",
    "counts_for",
    "count_vectors",
    "compatible_ns",
    "closest_fit",
    "Fit",
    "deviation",
    "sum_to_100",
    "decimals_of",
]

#: Accepted rounding rules: ``either`` (default), ``half_up``, ``half_even``.
RULES = ("either", "half_up", "half_even")


def _check(rule: str, decimals: int) -> None:
    if rule not in RULES:
        raise ValueError(f"rule must be one of {', '.join(RULES)}; got {rule!r}")
    if decimals < 0:
        raise ValueError(f"decimals must be 0 or more; got {decimals}")


def _scaled(value: float | int | str, decimals: int) -> int:
    """The printed value as an integer number of units of the last printed digit (5.5, 1 -> 55)."""
    scaled = Decimal(str(value)).scaleb(decimals)
    if scaled != scaled.to_integral_value():
        raise ValueError(f"printed value {value!r} has more than {decimals} decimal place(s)")
    return int(scaled)


def rounds_to(k: int, n: int, printed: float | int | str, decimals: int = 0, rule: str = "either") -> bool:
    """Whether ``100 k / n``, rounded to ``decimals`` places under ``rule``, prints as ``printed``.

    >>> rounds_to(1, 40, 3)       # 2.5 %: half up gives 3
    True
    >>> rounds_to(1, 40, 3, rule="half_even")
    False
    """
    _check(rule, decimals)
    if n <= 0 or k < 0 or k > n:
        return False
    p = _scaled(printed, decimals)
    # distance from the printed value in half-units of the last digit: d = 2*(100 k 10^dec / n - p) * n
    d = 200 * k * 10**decimals - 2 * p * n
    if -n < d < n:
        return True
    if d == -n:  # exactly p - 0.5: half-up rounds it up to p; half-even only if p is even
        return rule in ("either", "half_up") or p % 2 == 0
    if d == n:  # exactly p + 0.5: half-up rounds it to p + 1; half-even keeps p if p is even
        return rule in ("either", "half_even") and p % 2 == 0
    return False


def rounded_percent(k: int, n: int, decimals: int = 0, rule: str = "half_up") -> float:
    """``100 k / n`` rounded as a report would print it (``rule`` ``half_up`` or ``half_even``).

    >>> rounded_percent(1, 8)     # 12.5
    13.0
    >>> rounded_percent(1, 8, rule="half_even")
    12.0
    """
    if rule not in ("half_up", "half_even"):
        raise ValueError("rounded_percent needs one rule: 'half_up' or 'half_even'")
    if n <= 0:
        raise ValueError(f"n must be positive; got {n}")
    exact = Fraction(100 * k * 10**decimals, n)
    whole = exact.numerator // exact.denominator
    rest = exact - whole
    if rest > Fraction(1, 2) or (rest == Fraction(1, 2) and (rule == "half_up" or whole % 2 == 1)):
        whole += 1
    return float(Fraction(whole, 10**decimals))


def count_range(printed: float | int | str, n: int, decimals: int = 0, rule: str = "either") -> list[int]:
    """Every count ``k`` in ``0..n`` whose percentage of ``n`` prints as ``printed``."""
    _check(rule, decimals)
    if n <= 0:
        return []
    p = Fraction(_scaled(printed, decimals), 10**decimals)
    # candidates lie within half a unit of p: k in [n (p - 0.5u) / 100, n (p + 0.5u) / 100]
    half = Fraction(1, 2 * 10**decimals)
    lo = max(0, int((n * (p - half) / 100).__floor__()))
    hi = min(n, int((n * (p + half) / 100).__ceil__()))
    return [k for k in range(lo, hi + 1) if rounds_to(k, n, printed, decimals, rule)]


def counts_for(
    percentages: Sequence[float | int | str], n: int, decimals: int = 0, rule: str = "either", limit: int | None = None
) -> list[tuple[int, ...]]:
    """Every vector of integer counts, one per printed percentage, that rounds to the
    printed values and sums to ``n``; sorted, and empty when there is none.

    ``percentages`` is one published row (all its categories, so that the counts
    exhaust the base).  ``limit`` stops after that many vectors (large ``n``).

    >>> counts_for([5, 10, 85], 40)
    [(2, 4, 34)]
    >>> counts_for([24, 28, 48, 2], 46)      # the row sums to 102
    []
    """
    _check(rule, decimals)
    options = [count_range(p, n, decimals, rule) for p in percentages]
    if any(not opt for opt in options):
        return []
    return count_vectors(options, n, limit)


def count_vectors(options: Sequence[Sequence[int]], n: int, limit: int | None = None) -> list[tuple[int, ...]]:
    """Every vector of counts, one taken from each cell's sorted ``options``, that sums to ``n``
    (at most ``limit`` of them), found depth first with the remaining cells' smallest and largest
    reachable sums as bounds."""
    # suffix bounds for pruning: the smallest and largest sum the remaining categories can reach
    lows = [0] * (len(options) + 1)
    highs = [0] * (len(options) + 1)
    for i in range(len(options) - 1, -1, -1):
        lows[i] = lows[i + 1] + options[i][0]
        highs[i] = highs[i + 1] + options[i][-1]
    found: list[tuple[int, ...]] = []

    def walk(i: int, remaining: int, prefix: tuple[int, ...]) -> bool:
        if i == len(options):
            if remaining == 0:
                found.append(prefix)
                return limit is not None and len(found) >= limit
            return False
        for k in options[i]:
            rest = remaining - k
            if lows[i + 1] <= rest <= highs[i + 1] and walk(i + 1, rest, prefix + (k,)):
                return True
        return False

    walk(0, n, ())
    return found


def compatible_ns(
    percentages: Sequence[float | int | str], n_range: Iterable[int], decimals: int = 0, rule: str = "either"
) -> list[int]:
    """Every ``n`` in ``n_range`` for which :func:`counts_for` finds at least one count vector.

    >>> compatible_ns([17, 83], range(40, 49))
    [41, 42, 46, 47, 48]
    """
    return [n for n in n_range if counts_for(percentages, n, decimals, rule, limit=1)]


def deviation(
    counts: Sequence[int], percentages: Sequence[float | int | str], decimals: int = 0, rule: str = "either"
) -> tuple[float, float]:
    """How far ``counts`` are from a printed row: (sum over the cells not met of |printed -
    reprinted| in printed units, the nearer of the rule's roundings; sum of |printed - exact
    percentage|).  The first is zero for a row the counts meet."""
    n = sum(counts)
    costs = [_cell_cost(k, n, p, decimals, rule) for k, p in zip(counts, percentages)]
    return round(sum(c[0] for c in costs), decimals + 6), sum(c[1] for c in costs)


@dataclass(frozen=True)
class Fit:
    """The best integer reading of a printed row for one ``n``.

    ``exact`` is True when every printed value is met; otherwise ``unmet`` lists the
    positions (0-based) of the values the counts do not reproduce and ``deviation``
    their total absolute difference in printed units (percentage points)."""

    n: int
    counts: tuple[int, ...]
    exact: bool
    deviation: float
    exact_deviation: float
    unmet: tuple[int, ...]


def closest_fit(
    percentages: Sequence[float | int | str], n_range: Iterable[int], decimals: int = 0, rule: str = "either"
) -> list[Fit]:
    """For each ``n`` in ``n_range``, the count vector summing to ``n`` nearest the printed row.

    Exact vectors (from :func:`counts_for`) come first; otherwise the vector minimising
    the total absolute deviation of the reprinted percentages from the printed ones
    (ties broken by the deviation of the exact percentages, then by the counts).  The
    result is sorted best first: exact fits, then smaller deviation, then smaller exact
    deviation, then smaller ``n``; choosing among them by other criteria (a completion
    story) is left to the caller.

    >>> fit = closest_fit([24, 28, 48, 2], [40])[0]     # the row sums to 102
    >>> fit.counts, fit.deviation, fit.unmet
    ((9, 11, 19, 1), 1.0, (0,))
    """
    _check(rule, decimals)
    fits: list[Fit] = []
    for n in n_range:
        exact = counts_for(percentages, n, decimals, rule, limit=1)
        if exact:
            fits.append(Fit(n, exact[0], True, 0.0, deviation(exact[0], percentages, decimals, rule)[1], ()))
            continue
        best = _nearest_vector(percentages, n, decimals, rule)
        dev, exact_dev = deviation(best, percentages, decimals, rule)
        unmet = tuple(i for i, (k, p) in enumerate(zip(best, percentages)) if not rounds_to(k, n, p, decimals, rule))
        fits.append(Fit(n, best, False, dev, exact_dev, unmet))
    fits.sort(key=lambda f: (not f.exact, f.deviation, f.exact_deviation, f.n))
    return fits


def _nearest_vector(percentages: Sequence[float | int | str], n: int, decimals: int, rule: str) -> tuple[int, ...]:
    """Counts summing to ``n`` minimising (printed deviation, exact deviation), by search over
    each category's plausible counts (those within a few units of its printed share)."""
    targets = [Fraction(_scaled(p, decimals), 10**decimals) for p in percentages]
    spans = []
    for t in targets:
        centre = n * t / 100
        lo = max(0, int(centre.__floor__()) - 2)
        hi = min(n, int(centre.__ceil__()) + 2)
        spans.append(range(lo, hi + 1))
    # each cell's deviation depends only on its own count: compute it once per candidate count
    cost = [{k: _cell_cost(k, n, p, decimals, rule) for k in span} for span, p in zip(spans, percentages)]
    best: tuple | None = None
    best_key = None

    def walk(i: int, remaining: int, prefix: tuple[int, ...], printed_dev: float, exact_dev: float) -> None:
        nonlocal best, best_key
        if i == len(spans) - 1:
            if remaining in spans[i]:
                pd_, ed = cost[i][remaining]
                vec = prefix + (remaining,)
                key = (round(printed_dev + pd_, decimals + 6), exact_dev + ed, vec)
                if best_key is None or key < best_key:
                    best, best_key = vec, key
            return
        for k in spans[i]:
            if k <= remaining:
                pd_, ed = cost[i][k]
                walk(i + 1, remaining - k, prefix + (k,), printed_dev + pd_, exact_dev + ed)

    walk(0, n, (), 0.0, 0.0)
    if best is None:  # the spans cannot reach n (printed row far from 100): scale proportionally
        raw = [n * t / 100 for t in targets]
        base = [int(x.__floor__()) for x in raw]
        order = sorted(range(len(raw)), key=lambda i: (-(raw[i] - base[i]), i))
        short = n - sum(base)
        for j in range(abs(short)):
            base[order[j % len(order)]] += 1 if short > 0 else -1
        best = tuple(max(0, b) for b in base)
    return best


def _cell_cost(k: int, n: int, printed, decimals: int, rule: str) -> tuple[float, float]:
    """(printed deviation, exact deviation) of one cell ``k`` of ``n`` from ``printed``."""
    target = Fraction(_scaled(printed, decimals), 10**decimals)
    exact = float(abs(Fraction(100 * k, n) - target))
    if rounds_to(k, n, printed, decimals, rule):
        return 0.0, exact
    rules = ("half_up", "half_even") if rule == "either" else (rule,)
    return min(abs(rounded_percent(k, n, decimals, r) - float(target)) for r in rules), exact


def decimals_of(printed: str | float | int) -> int:
    """Number of decimal places a value was printed with (``"26"`` -> 0, ``"2.8"`` -> 1)."""
    text = str(printed).strip()
    if "." not in text:
        return 0
    return len(text.split(".", 1)[1].rstrip()) if not text.endswith(".") else 0


def sum_to_100(counts: Sequence[int], decimals: int = 0) -> list[tuple[float, ...]]:
    """Every row of percentages the largest-remainder method can print for ``counts``.

    Each share is rounded down, then the units still missing from 100 go to the
    largest remainders; when remainders tie at the cut-off every choice is listed.

    >>> sum_to_100([1, 39])            # 2.5 / 97.5: one of them goes up
    [(2.0, 98.0), (3.0, 97.0)]
    """
    n = sum(counts)
    if n <= 0:
        raise ValueError("counts must sum to a positive n")
    unit = 10**decimals
    exact = [Fraction(100 * k * unit, n) for k in counts]
    floors = [int(x.__floor__()) for x in exact]
    missing = 100 * unit - sum(floors)
    rema = [x - f for x, f in zip(exact, floors)]
    order = sorted(set(rema), reverse=True)
    sure: list[int] = []
    rows: set[tuple[float, ...]] = set()
    for level in order:
        at = [i for i, r in enumerate(rema) if r == level]
        need = missing - len(sure)
        if need <= 0:
            break
        if len(at) <= need:
            sure += at
            continue
        for pick in combinations(at, need):
            chosen = set(sure) | set(pick)
            rows.add(tuple(float(Fraction(f + (i in chosen), unit)) for i, f in enumerate(floors)))
        return sorted(rows)
    chosen = set(sure)
    return [tuple(float(Fraction(f + (i in chosen), unit)) for i, f in enumerate(floors))]


def prints_as(value: float, printed: float, decimals: int) -> bool:
    """Whether ``value`` rounded to ``decimals`` places (half up or half even) equals ``printed``."""
    q = Decimal(1).scaleb(-decimals)
    exact = Decimal(repr(float(value)))
    target = Decimal(repr(float(printed))).quantize(q, rounding=ROUND_HALF_UP)
    return exact.quantize(q, rounding=ROUND_HALF_UP) == target or exact.quantize(q, rounding=ROUND_HALF_EVEN) == target
