"""Reliability (``tieval.survey.reliability``) against independent references.

References: the StatsBase.jl documentation example for ``cronbachalpha`` (a 4-item covariance
matrix with printed alpha and alpha-if-dropped); the R package statpsych's ``ci.cronbach``
example (a Feldt-type interval); one-factor matrices built from known loadings, for which
omega has a closed form (McDonald 1999); and results worked by hand in the comments.  Data
sets with a prescribed sample covariance are built by whitening random numbers, so that the
data path meets the same references as the matrix path.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import optimize

from tieval.errors import InputError
from tieval.survey import reliability, scores

# StatsBase.jl docs, cronbachalpha(cov_X): "Cronbach's alpha for all items: 0.8136; item 1:
# 0.7500, item 2: 0.7606, item 3: 0.7714, item 4: 0.7826" (alpha if the item is dropped).
STATSBASE_COV = np.array([[10, 6, 6, 6], [6, 11, 6, 6], [6, 6, 12, 6], [6, 6, 6, 13]], dtype=float)


def data_with_covariance(cov, n, seed=0, mean=3.0):
    """n rows whose sample covariance (n - 1) is exactly ``cov``."""
    rng = np.random.default_rng(seed)
    z = rng.standard_normal((n, cov.shape[0]))
    z -= z.mean(axis=0)
    z = z @ np.linalg.inv(np.linalg.cholesky(np.cov(z, rowvar=False))).T
    x = z @ np.linalg.cholesky(cov).T + mean
    return pd.DataFrame(x, columns=[f"i{j + 1}" for j in range(cov.shape[0])])


def test_alpha_and_alpha_if_deleted_match_statsbase():
    assert round(reliability.alpha_from_covariance(STATSBASE_COV), 4) == 0.8136
    data = data_with_covariance(STATSBASE_COV, 30)
    res = reliability.cronbach_alpha(data)
    assert round(res.alpha, 4) == 0.8136 and (res.n, res.k) == (30, 4)
    items = reliability.item_statistics(data)
    assert items["alpha_if_deleted"].round(4).tolist() == [0.7500, 0.7606, 0.7714, 0.7826]


def test_item_rest_correlations_by_hand():
    # item i covaries 6 with each of the 3 others (18 in all); the rest's variance is the other
    # three variances plus 2 * 3 * 6 = 36: item 1: 18 / sqrt(10 * 72), item 2: 18 / sqrt(11 * 71),
    # item 3: 18 / sqrt(12 * 70), item 4: 18 / sqrt(13 * 69).
    items = reliability.item_statistics(data_with_covariance(STATSBASE_COV, 25, seed=3))
    expected = [18 / math.sqrt(10 * 72), 18 / math.sqrt(11 * 71), 18 / math.sqrt(12 * 70), 18 / math.sqrt(13 * 69)]
    assert items["item_rest_r"].tolist() == pytest.approx(expected, abs=1e-10)
    assert items["sd"].tolist() == pytest.approx(np.sqrt([10, 11, 12, 13]).tolist(), abs=1e-10)
    assert items["mean"].tolist() == pytest.approx([3.0] * 4, abs=1e-10)
    assert items["n"].tolist() == [25] * 4


def test_feldt_interval_matches_statpsych():
    # R statpsych, ci.cronbach(.05, .85, 7, 89) example: LL 0.7971254, UL 0.8931436 (documented
    # "should return" values).  Our F-distribution limits (df 88 and 528) agree to 1e-4; swapping
    # the two df would give a lower limit of 0.789, so the check discriminates.
    lo, hi = reliability.feldt_interval(0.85, 89, 7)
    assert lo == pytest.approx(0.7971254, abs=1e-4)
    assert hi == pytest.approx(0.8931436, abs=1e-4)
    assert math.isnan(reliability.feldt_interval(0.8, 1, 5)[0])
    assert math.isnan(reliability.feldt_interval(float("nan"), 50, 5)[1])


def test_cronbach_alpha_is_nomads_listwise_alpha():
    rng = np.random.default_rng(7)
    m = pd.DataFrame(rng.integers(1, 6, size=(40, 5)).astype(float), columns=list("abcde"))
    m.iloc[3, 2] = np.nan
    m.iloc[9, 0] = np.nan
    alpha, n = scores.cronbach_alpha(m)
    res = reliability.cronbach_alpha(m)
    assert res.alpha == pytest.approx(alpha, rel=1e-12) and res.n == n == 38
    assert "listwise" in res.method and "Feldt" in res.method


def test_pairwise_uses_each_pairs_rows_and_smallest_count():
    m = data_with_covariance(STATSBASE_COV, 20, seed=5)
    m.iloc[0, 0] = np.nan
    m.iloc[1, 1] = np.nan
    cov, n = reliability.covariance(m, "pairwise")
    assert n == 18  # items 1 and 2 are both answered by 18 respondents
    assert cov.iloc[2, 3] == pytest.approx(6.0, abs=1e-10)  # items 3 and 4 still use all 20 rows
    res = reliability.cronbach_alpha(m, missing="pairwise")
    assert res.n == 18 and "pairwise" in res.method
    assert res.alpha == pytest.approx(reliability.alpha_from_covariance(cov), rel=1e-15)
    items = reliability.item_statistics(m, missing="pairwise")
    assert items["n"].tolist() == [19, 19, 20, 20]
    with pytest.raises(InputError, match="listwise"):
        reliability.covariance(m, "available")


def test_alpha_degenerate_cases_are_nan():
    assert math.isnan(reliability.cronbach_alpha(pd.DataFrame({"a": [1.0, 2, 3]})).alpha)
    assert math.isnan(reliability.cronbach_alpha(pd.DataFrame({"a": [1.0], "b": [2.0]})).alpha)
    assert math.isnan(reliability.cronbach_alpha(pd.DataFrame({"a": [2.0, 2], "b": [3.0, 3]})).alpha)


# --- omega ----------------------------------------------------------------------------------------
def test_omega_tau_equivalent_equals_alpha():
    # STATSBASE_COV is exactly one-factor with equal loadings sqrt(6) (every covariance is 6) and
    # uniquenesses 4, 5, 6, 7: omega = (4 sqrt 6)^2 / ((4 sqrt 6)^2 + 22) = 96 / 118, which is
    # alpha, as it must be for tau-equivalent items.
    res = reliability.omega_from_covariance(STATSBASE_COV)
    assert res.omega == pytest.approx(96 / 118, abs=1e-9)
    assert res.loadings.tolist() == pytest.approx([math.sqrt(6)] * 4, abs=1e-6)
    assert res.uniquenesses.tolist() == pytest.approx([4, 5, 6, 7], abs=1e-5)
    assert res.reason == "" and "principal-axis" in res.method


def test_omega_congeneric_closed_form_from_data():
    # loadings 0.8, 0.7, 0.6, 0.5 on standardised items (population correlations l_i l_j), item
    # SDs 1, 2, 1, 2: omega = (sum l_i s_i)^2 / ((sum l_i s_i)^2 + sum s_i^2 (1 - l_i^2))
    # = 3.8^2 / (14.44 + 0.36 + 2.04 + 0.64 + 3.0) = 14.44 / 20.48.
    lam, sd = np.array([0.8, 0.7, 0.6, 0.5]), np.array([1.0, 2.0, 1.0, 2.0])
    corr = np.outer(lam, lam)
    np.fill_diagonal(corr, 1.0)
    cov = corr * np.outer(sd, sd)
    res = reliability.omega_total(data_with_covariance(cov, 60, seed=11))
    assert res.omega == pytest.approx(14.44 / 20.48, abs=1e-8)
    assert res.loadings.tolist() == pytest.approx((lam * sd).tolist(), abs=1e-6)
    assert res.n == 60 and res.k == 4
    # alpha is lower than omega for congeneric items
    assert reliability.alpha_from_covariance(cov) < res.omega


def test_omega_loadings_are_the_minres_solution():
    # a correlation matrix that no single factor fits exactly: the principal-axis fixed point must
    # minimise the sum of squared off-diagonal residuals (ULS / minres), found here by scipy.
    r = np.array(
        [[1.0, 0.55, 0.40, 0.35, 0.30], [0.55, 1.0, 0.45, 0.20, 0.35], [0.40, 0.45, 1.0, 0.50, 0.25],
         [0.35, 0.20, 0.50, 1.0, 0.40], [0.30, 0.35, 0.25, 0.40, 1.0]]
    )  # fmt: skip
    res = reliability.omega_from_covariance(r)
    off = ~np.eye(5, dtype=bool)

    def loss(lam):
        return float(((r - np.outer(lam, lam))[off] ** 2).sum())

    best = optimize.minimize(loss, np.full(5, 0.5), method="BFGS", options={"gtol": 1e-12})
    assert res.loadings.tolist() == pytest.approx(best.x.tolist(), abs=1e-5)
    lam = best.x
    assert res.omega == pytest.approx(lam.sum() ** 2 / (lam.sum() ** 2 + (1 - lam**2).sum()), abs=1e-6)


def test_omega_refuses_with_reasons():
    two = reliability.omega_from_covariance(np.array([[1.0, 0.5], [0.5, 1.0]]))
    assert math.isnan(two.omega) and "at least 3 items" in two.reason
    singular = reliability.omega_from_covariance(np.array([[1.0, 1.0, 0.5], [1.0, 1.0, 0.5], [0.5, 0.5, 1.0]]))
    assert math.isnan(singular.omega) and "not positive definite" in singular.reason
    # positive definite (determinant 0.128) but one factor would need l_1^2 = .8 * .8 / .6 > 1
    heywood = reliability.omega_from_covariance(np.array([[1.0, 0.8, 0.8], [0.8, 1.0, 0.6], [0.8, 0.6, 1.0]]))
    assert math.isnan(heywood.omega) and "Heywood" in heywood.reason
    few = reliability.omega_total(pd.DataFrame({"a": [1.0, np.nan], "b": [2.0, 3], "c": [1.0, 1]}))
    assert math.isnan(few.omega) and "fewer than 2 respondents" in few.reason


# --- reverse scoring ------------------------------------------------------------------------------
def test_reverse_score_any_range():
    assert reliability.reverse_score(np.array([1.0, 2, 5]), 1, 5).tolist() == [5, 4, 1]  # 6 - x
    assert reliability.reverse_score(pd.Series([0.0, 3, 10, np.nan]), 0, 10).tolist()[:3] == [10, 7, 0]  # 10 - x
    assert math.isnan(reliability.reverse_score(pd.Series([np.nan]), 1, 7).iloc[0])
    assert reliability.reverse_score(7, 1, 7) == 1  # 8 - x
    frame = pd.DataFrame({"a": [1.0, 4.0]})
    assert reliability.reverse_score(frame, 1, 4)["a"].tolist() == [4, 1]
    with pytest.raises(InputError, match="scale points from 1 to 5"):
        reliability.reverse_score(np.array([1.0, 6.0]), 1, 5)
    with pytest.raises(InputError, match="minimum < maximum"):
        reliability.reverse_score(np.array([1.0]), 5, 1)


@pytest.mark.parametrize("n", [2, 5, 48, 1000, 10**6])
@pytest.mark.parametrize("k", [2, 5, 20])
def test_feldt_interval_is_scipy_stats_f_quantile_exactly(n, k):
    from scipy.stats import f

    alpha, df1, df2, c = 0.8, n - 1, (n - 1) * (k - 1), 1.0 - 0.95  # c as feldt_interval computes it
    expected = (1 - (1 - alpha) * f.ppf(1 - c / 2, df1, df2), 1 - (1 - alpha) * f.ppf(c / 2, df1, df2))
    assert reliability.feldt_interval(alpha, n, k) == tuple(map(float, expected))
