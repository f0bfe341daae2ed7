"""Which counts and sample sizes a row of rounded percentages allows (tieval.audit.rounding).

Every expected value below was worked out by hand; the brute-force test
checks the search against plain enumeration.
"""

from __future__ import annotations

import itertools
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import pytest

from tieval.audit import rounding


# --- one value ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "k, n, printed, rule, expected",
    [
        (1, 40, 3, "either", True),  # 2.5 -> 3 by half up
        (1, 40, 3, "half_up", True),
        (1, 40, 3, "half_even", False),  # 2.5 -> 2 by half to even
        (1, 40, 2, "half_even", True),
        (1, 40, 2, "half_up", False),
        (1, 40, 2, "either", True),
        (51, 200, 26, "half_up", True),  # 25.5 -> 26 both ways
        (51, 200, 26, "half_even", True),
        (51, 200, 25, "either", False),  # 25.5 never prints as 25
        (53, 200, 26, "either", True),  # 26.5 -> 26 by half to even only
        (53, 200, 26, "half_up", False),
        (49, 200, 25, "either", True),  # 24.5 -> 25 by half up only
        (49, 200, 25, "half_even", False),
        (7, 42, 17, "either", True),  # 16.67
        (7, 42, 16, "either", False),
        (0, 40, 0, "either", True),
        (40, 40, 100, "either", True),
    ],
)
def test_rounds_to_both_half_rules(k, n, printed, rule, expected):
    assert rounding.rounds_to(k, n, printed, rule=rule) is expected


def test_rounds_to_with_decimals():
    assert rounding.rounds_to(7, 250, "2.8", decimals=1)  # exactly 2.8
    assert rounding.rounds_to(1, 3, "33.3", decimals=1)
    assert not rounding.rounds_to(1, 3, "33.4", decimals=1)
    with pytest.raises(ValueError):
        rounding.rounds_to(1, 3, "33.33", decimals=1)  # more digits than stated


def test_rounds_to_rejects_impossible_counts_and_bad_rules():
    assert not rounding.rounds_to(0, 0, 0)
    assert not rounding.rounds_to(5, 4, 100)
    assert not rounding.rounds_to(-1, 4, 0)
    with pytest.raises(ValueError):
        rounding.rounds_to(1, 4, 25, rule="banker")


@pytest.mark.parametrize(
    "k, n, decimals, rule, expected",
    [
        (1, 8, 0, "half_up", 13.0),
        (1, 8, 0, "half_even", 12.0),
        (3, 8, 0, "half_even", 38.0),
        (1, 3, 1, "half_up", 33.3),
        (2, 3, 1, "half_up", 66.7),
        (7, 42, 0, "half_up", 17.0),
    ],
)
def test_rounded_percent(k, n, decimals, rule, expected):
    assert rounding.rounded_percent(k, n, decimals, rule) == expected


def test_count_range():
    assert rounding.count_range(85, 40) == [34]
    assert rounding.count_range(2, 40) == [1]  # 2.5 via half to even
    assert rounding.count_range(0, 40) == [0]  # 1/40 = 2.5 is not 0
    assert rounding.count_range(50, 4) == [2]
    assert rounding.count_range(0, 300) == [0, 1]  # 1/300 = 0.33
    assert rounding.count_range(17, 0) == []


# --- rows --------------------------------------------------------------------------------------
def test_counts_for_one_vector():
    assert rounding.counts_for([5, 10, 85], 40) == [(2, 4, 34)]
    assert rounding.counts_for([33, 33, 33], 3) == [(1, 1, 1)]


def test_counts_for_several_vectors_and_limit():
    assert rounding.counts_for([0, 100], 300) == [(0, 300), (1, 299)]
    assert rounding.counts_for([0, 100], 300, limit=1) == [(0, 300)]


def test_counts_for_none():
    assert rounding.counts_for([50, 50], 3) == []
    assert rounding.counts_for([24, 28, 48, 2], 46) == []


def test_compatible_ns_by_hand():
    # 17/83: 7/41, 7/42, 8/46, 8/47, 8/48 fit; 7/40 = 17.5 prints 18 under both rules
    assert rounding.compatible_ns([17, 83], range(40, 49)) == [41, 42, 46, 47, 48]
    # 10/17/73 (Lancashire D7) fits neither 40 nor 42-47
    assert rounding.compatible_ns([10, 17, 73], range(30, 49)) == [30, 41, 48]


def test_row_summing_to_102_has_no_n_and_a_closest_fit():
    assert rounding.compatible_ns([24, 28, 48, 2], range(1, 200)) == []
    # at n = 200 four halves (23.5, 27.5, 47.5, 1.5) all round up: a 102 row is possible
    assert rounding.compatible_ns([24, 28, 48, 2], [200]) == [200]
    fit = rounding.closest_fit([24, 28, 48, 2], [40])[0]
    assert fit.counts == (9, 11, 19, 1)  # 22.5 / 27.5 / 47.5 / 2.5
    assert fit.exact is False
    assert fit.unmet == (0,)  # 22.5 prints 22 or 23, not 24
    assert fit.deviation == 1.0
    assert sum(fit.counts) == 40


def test_closest_fit_puts_exact_fits_first():
    fits = rounding.closest_fit([5, 10, 85], [38, 39, 40])
    assert fits[0].exact and fits[0].counts in [(2, 4, 33), (2, 4, 34)]
    assert all(f.exact for f in fits if f.deviation == 0)
    assert [f.n for f in fits if f.exact] == [40, 39]  # 40 meets the row with no exact deviation
    assert not any(f.exact for f in fits if f.n == 38)


def test_deviation():
    assert rounding.deviation((2, 4, 34), [5, 10, 85]) == (0.0, 0.0)
    printed_dev, exact_dev = rounding.deviation((4, 7, 29), [10, 17, 73])
    assert printed_dev == 1.0  # 17.5 prints 18
    assert exact_dev == pytest.approx(1.0)  # |17.5 - 17| + |72.5 - 73|


def test_sum_to_100_lists_tie_breaks():
    assert rounding.sum_to_100([4, 7, 29]) == [(10.0, 17.0, 73.0), (10.0, 18.0, 72.0)]
    assert rounding.sum_to_100([1, 1, 1]) == [(33.0, 33.0, 34.0), (33.0, 34.0, 33.0), (34.0, 33.0, 33.0)]
    assert rounding.sum_to_100([1, 3]) == [(25.0, 75.0)]
    assert all(sum(row) == 100 for row in rounding.sum_to_100([3, 5, 29, 3]))


def test_decimals_of():
    assert rounding.decimals_of("26") == 0
    assert rounding.decimals_of("2.8") == 1
    assert rounding.decimals_of(12.25) == 2


# --- against plain enumeration -----------------------------------------------------------------
def _prints(k: int, n: int) -> set[int]:
    """Independent: the values 100k/n prints as under half up and half to even."""
    exact = Fraction(100 * k, n)
    up = int((Decimal(exact.numerator) / Decimal(exact.denominator)).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return {up, round(exact)}


def test_counts_for_matches_enumeration():
    n = 12
    for vec in itertools.product(range(n + 1), repeat=3):
        if sum(vec) != n:
            continue
        options = [sorted(_prints(k, n)) for k in vec]
        for printed in itertools.product(*options):
            found = rounding.counts_for(list(printed), n)
            assert vec in found, (vec, printed)
            brute = [
                v
                for v in itertools.product(range(n + 1), repeat=3)
                if sum(v) == n and all(p in _prints(k, n) for k, p in zip(v, printed))
            ]
            assert found == sorted(brute), printed
