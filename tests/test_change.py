"""Change between waves (``tieval.survey.change``) against independent references.

Every reference value below was printed by R, a published paper or a vendor manual (source
named beside it), or is worked by hand in the comment; none comes from our code.  Where
scipy implements the same test, it is checked too (agreement, not the reference).

Data sets used (typed from their public sources):

- R ``sleep`` (Cushny & Peebles 1905; Student 1908): extra hours of sleep under two drugs,
  10 patients, used by ``?t.test`` and ``?wilcox.test``.
- Hollander & Wolfe (1973, p. 29) depression scores, the paired example of ``?wilcox.test``.
- Hollander & Wolfe (1973, p. 69) permeability data, the two-sample example of ``?wilcox.test``.
- Lakens (2013, Frontiers in Psychology 4:863) movie ratings, 10 raters x 2 movies.
- Agresti (1990, p. 350) presidential approval, the example of ``?mcnemar.test``.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from tieval.errors import InputError
from tieval.survey import change

SLEEP_1 = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0]
SLEEP_2 = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4]
DEPRESSION_X = [1.83, 0.50, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.30]  # at admission
DEPRESSION_Y = [0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29]  # after treatment
PERM_X = [0.80, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46]
PERM_Y = [1.15, 0.88, 0.90, 0.74, 1.21]
MOVIE_1 = [9, 7, 8, 9, 8, 9, 9, 10, 9, 9]
MOVIE_2 = [9, 6, 7, 8, 7, 9, 8, 8, 8, 7]


# --- paired t -------------------------------------------------------------------------------------
def test_paired_t_matches_r_sleep():
    # R: t.test(extra ~ group, data = sleep, paired = TRUE)
    #   t = -4.0621, df = 9, p-value = 0.002833; 95 percent CI -2.4598858 -0.7001142;
    #   mean difference -1.58.  (group 1 minus group 2: before = group 2, after = group 1)
    res = change.paired_t(SLEEP_2, SLEEP_1)
    assert res.statistic == pytest.approx(-4.0621, abs=5e-5)
    assert res.df == 9
    assert res.p == pytest.approx(0.002833, abs=5e-7)
    assert res.ci[0] == pytest.approx(-2.4598858, abs=5e-8)
    assert res.ci[1] == pytest.approx(-0.7001142, abs=5e-8)
    assert res.estimate == pytest.approx(-1.58, abs=1e-12)
    assert res.n == 10
    sp = stats.ttest_rel(SLEEP_1, SLEEP_2)  # scipy agrees
    assert res.p == pytest.approx(sp.pvalue, rel=1e-12)


def test_paired_effect_sizes_match_lakens_2013():
    # Lakens (2013), worked example (Table 1 data): "t(9) = 4.74, p = 0.001, 95% CI [0.52, 1.48],
    # Hedges's g_av = 1.03"; Cohen's d_z = 1.50 and d_av = 1.13 (means 8.7 / 7.7, SDs 0.82 / 0.95).
    res = change.paired_t(MOVIE_2, MOVIE_1)
    assert round(res.statistic, 2) == 4.74
    assert round(res.p, 3) == 0.001
    assert (round(res.ci[0], 2), round(res.ci[1], 2)) == (0.52, 1.48)
    assert round(res.d_z, 2) == 1.50
    assert round(res.d_av, 2) == 1.13
    assert round(res.g_av, 2) == 1.03
    assert (round(res.sd_after, 2), round(res.sd_before, 2)) == (0.82, 0.95)
    # J on n - 1 = 9 df: 1 - 3/35, by hand
    assert res.g_av == pytest.approx(res.d_av * (1 - 3 / 35), rel=1e-15)


def test_paired_t_drops_incomplete_pairs_and_needs_two():
    res = change.paired_t([1, 2, np.nan, 4], [2, np.nan, 3, 6])  # pairs (1,2), (4,6)
    assert res.n == 2 and res.estimate == 1.5
    # d = 1, 2: sd = 0.7071, se = 0.5, t = 3 on 1 df (by hand); p = 2 * (1/2 - atan(3)/pi)
    assert res.statistic == pytest.approx(3.0)
    assert res.p == pytest.approx(2 * (0.5 - math.atan(3) / math.pi), rel=1e-12)
    one = change.paired_t([1], [2])
    assert one.n == 1 and math.isnan(one.p) and math.isnan(one.d_z)
    with pytest.raises(InputError, match="same length"):
        change.paired_t([1, 2], [1])


# --- Wilcoxon signed-rank -------------------------------------------------------------------------
def test_wilcoxon_exact_matches_r_depression_example():
    # R ?wilcox.test: wilcox.test(x, y, paired = TRUE, alternative = "greater") -> V = 40,
    # p-value = 0.01953.  By hand: |x - y| ranks 8 3 9 4 7 6 5 2 1, the negative ones (ranks 3
    # and 2) sum to 5; P(V >= 40) = P(V <= 5) = 10 subsets of 1..9 / 2^9 = 10/512.
    res = change.wilcoxon_signed_rank(DEPRESSION_Y, DEPRESSION_X, alternative="greater")
    assert res.statistic == 40
    assert res.p == pytest.approx(10 / 512, abs=1e-15)
    assert res.exact and "exact" in res.method
    # matched-pairs rank-biserial (Kerby 2014): (40 - 5) / 45
    assert res.rank_biserial == pytest.approx(35 / 45, abs=1e-15)
    two = change.wilcoxon_signed_rank(DEPRESSION_Y, DEPRESSION_X)
    assert two.p == pytest.approx(20 / 512, abs=1e-15)
    sp = stats.wilcoxon(np.subtract(DEPRESSION_X, DEPRESSION_Y), method="exact")  # scipy agrees
    assert two.p == pytest.approx(sp.pvalue, rel=1e-12)


def test_wilcoxon_ties_and_zero_use_normal_approximation_as_r():
    # R: wilcox.test(extra ~ group, data = sleep, paired = TRUE) -> V = 0, p-value = 0.009091,
    # with warnings "cannot compute exact p-value with ties / with zeroes" (one zero difference,
    # patient 5; |d| = 1.3 twice).  V = 0 is for group 1 - group 2.
    res = change.wilcoxon_signed_rank(SLEEP_2, SLEEP_1)
    assert res.statistic == 0
    assert res.p == pytest.approx(0.009091, abs=5e-7)
    assert not res.exact
    assert "normal approximation with tie and continuity correction" in res.method
    assert res.n == 10 and res.n_zero == 1
    assert res.rank_biserial == -1.0  # every non-zero pair decreased
    flipped = change.wilcoxon_signed_rank(SLEEP_1, SLEEP_2)
    assert flipped.statistic == 45 and flipped.rank_biserial == 1.0
    assert flipped.p == pytest.approx(res.p, rel=1e-12)


def test_wilcoxon_small_exact_case_by_hand():
    # five pairs all increasing by distinct amounts: V = 15 is the largest of 2^5 sign patterns,
    # two-sided exact p = 2/32 (by hand); r = +1.
    res = change.wilcoxon_signed_rank([0, 0, 0, 0, 0], [1, 2, 3, 4, 5])
    assert res.statistic == 15 and res.exact
    assert res.p == 2 / 32
    assert res.rank_biserial == 1.0


def test_wilcoxon_pratt_and_wilcox_agree_with_scipy():
    d = np.array([0, 0, 1, 2, 2, -1, 3, 4, -2, 5, 1.0])
    for zero_method in ("wilcox", "pratt"):
        ours = change.wilcoxon_signed_rank(np.zeros_like(d), d, zero_method=zero_method)
        sp = stats.wilcoxon(d, zero_method=zero_method, correction=True, method="approx")
        assert ours.p == pytest.approx(sp.pvalue, rel=1e-10)
        assert "zeros" in ours.method and not ours.exact
    # Pratt keeps the two zeros in the ranking: non-zero ranks 3.. (ties at |1|, |2|); by hand
    # |d| = 1,1,1 take ranks 3-5 (4 each), 2,2,2 ranks 6-8 (7 each), 3 -> 9, 4 -> 10, 5 -> 11;
    # V = 4+4 + 7+7 + 9+10+11 = 52, R- = 4 + 7 = 11, r = 41/63.
    pratt = change.wilcoxon_signed_rank(np.zeros_like(d), d, zero_method="pratt")
    assert pratt.statistic == 52
    assert pratt.rank_biserial == pytest.approx(41 / 63, abs=1e-15)


def test_wilcoxon_all_zero_differences_give_nan():
    res = change.wilcoxon_signed_rank([3, 4, 5], [3, 4, 5])
    assert math.isnan(res.p) and res.n_zero == 3 and "no non-zero" in res.method


# --- McNemar --------------------------------------------------------------------------------------
def _performance():
    """Agresti (1990) p. 350, as in ?mcnemar.test: 1st survey (rows) x 2nd survey (columns),
    approve = 1: 794 approve/approve, 150 approve/disapprove, 86 disapprove/approve, 570 both
    disapprove."""
    before = [1] * 794 + [1] * 150 + [0] * 86 + [0] * 570
    after = [1] * 794 + [0] * 150 + [1] * 86 + [0] * 570
    return before, after


def test_mcnemar_matches_r_performance():
    # R: mcnemar.test(Performance) -> McNemar's chi-squared = 16.818, df = 1, p-value = 4.115e-05;
    # mcnemar.test(Performance, correct = FALSE) -> 17.356, df = 1, p-value = 3.099e-05.
    # (The brief quoted 34.712 / 3.822e-09 for this table; R prints the values above.)
    before, after = _performance()
    res = change.mcnemar(before, after)
    assert res.statistic == pytest.approx(16.818, abs=5e-4)
    assert res.df == 1
    assert res.p == pytest.approx(4.115e-05, abs=5e-9)
    assert "with continuity correction" in res.method and not res.exact
    raw = change.mcnemar(before, after, correction=False)
    assert raw.statistic == pytest.approx(17.356, abs=5e-4)
    assert raw.p == pytest.approx(3.099e-05, abs=5e-9)
    assert (res.gained, res.lost, res.n) == (86, 150, 1600)
    assert res.estimate == pytest.approx((86 - 150) / 1600)


def test_mcnemar_exact_small_discordant_counts():
    # Minitab 18 help, "Why should I use McNemar's test?": 12 participants, 1 correct both times,
    # 1 correct before only, 8 correct after only, 2 never: p = 0.039.  Exact binomial by hand:
    # 2 * P(X <= 1 | 9, 1/2) = 2 * 10/512 = 0.0390625.
    before = [1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
    after = [1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0]
    res = change.mcnemar(before, after)
    assert res.exact and "exact binomial" in res.method and math.isnan(res.df)
    assert round(res.p, 3) == 0.039
    assert res.p == pytest.approx(20 / 512, abs=1e-15)
    # calcugator chi2_mcnemar example (20 teenagers: 11 changed from in favour to against, 3 the
    # other way): "Two-tails probability: 0.05737304687500008" = 2 * 470 / 16384.
    before = [1] * 1 + [1] * 11 + [0] * 3 + [0] * 5
    after = [1] * 1 + [0] * 11 + [1] * 3 + [0] * 5
    res = change.mcnemar(before, after)
    assert res.p == pytest.approx(0.057373046875, abs=1e-15)
    assert res.p == pytest.approx(stats.binomtest(3, 14, 0.5).pvalue, rel=1e-12)  # scipy agrees


def test_newcombe_paired_interval_matches_newcombe_1998b():
    # Newcombe (1998b, Stat Med 17:2635) method 10, as reproduced by the R package propint's tests
    # ("results reported in Newcombe1998"): e=36, f=12, g=2, h=0 -> 0.0569 to 0.3404;
    # e=18, f=12, g=2, h=18 -> 0.0562 to 0.3290.  D = (f - g)/n: f plays "gained", g "lost".
    lo, hi = change.newcombe_paired_interval(36, 12, 2, 0)
    assert (round(lo, 4), round(hi, 4)) == (0.0569, 0.3404)
    lo, hi = change.newcombe_paired_interval(18, 12, 2, 18)
    assert (round(lo, 4), round(hi, 4)) == (0.0562, 0.3290)


def test_mcnemar_rejects_non_binary_values():
    with pytest.raises(InputError, match="0 or 1"):
        change.mcnemar([0, 1, 2], [1, 1, 0])


# --- Welch t and Hedges' g ------------------------------------------------------------------------
def test_welch_matches_r_sleep():
    # R: t.test(extra ~ group, data = sleep) -> t = -1.8608, df = 17.776, p-value = 0.07939,
    # 95 percent CI -3.3654832 0.2054832 (group 1 minus group 2).
    res = change.welch_t(SLEEP_2, SLEEP_1)
    assert res.statistic == pytest.approx(-1.8608, abs=5e-5)
    assert res.df == pytest.approx(17.776, abs=5e-4)
    assert res.p == pytest.approx(0.07939, abs=5e-6)
    assert res.ci[0] == pytest.approx(-3.3654832, abs=5e-8)
    assert res.ci[1] == pytest.approx(0.2054832, abs=5e-8)
    sp = stats.ttest_ind(SLEEP_1, SLEEP_2, equal_var=False)  # scipy agrees
    assert res.p == pytest.approx(sp.pvalue, rel=1e-12)


def test_hedges_g_matches_lakens_2013():
    # Lakens (2013), the movie data as independent groups: Cohen's d_s = 1.13, Hedges's g_s = 1.08
    # (also the values the R package apa's tests reproduce); J = 1 - 3/(4*20 - 9) = 1 - 3/71.
    res = change.welch_t(MOVIE_2, MOVIE_1)
    assert round(res.cohens_d, 2) == 1.13
    assert round(res.hedges_g, 2) == 1.08
    assert res.hedges_g == pytest.approx(res.cohens_d * (1 - 3 / 71), rel=1e-15)
    assert round(res.statistic, 2) == 2.52  # t(18) = 2.52 in Lakens (Student); Welch rounds alike


# --- Mann-Whitney ---------------------------------------------------------------------------------
def test_mann_whitney_matches_r_permeability_example():
    # R ?wilcox.test: wilcox.test(x, y, alternative = "g") -> W = 35, p-value = 0.1272 (exact);
    # wilcox.test(x, y, alternative = "greater", exact = FALSE, correct = FALSE) -> p-value = 0.1103.
    res = change.mann_whitney(PERM_Y, PERM_X, alternative="greater")
    assert res.statistic == 35
    assert res.p == pytest.approx(0.1272, abs=5e-5)
    assert res.exact and "exact" in res.method
    approx = change.mann_whitney(PERM_Y, PERM_X, alternative="greater", exact=False, correction=False)
    assert approx.p == pytest.approx(0.1103, abs=5e-5)
    assert "normal approximation" in approx.method
    # rank-biserial (Wendt 1972): 2 * 35 / 50 - 1
    assert res.rank_biserial == pytest.approx(0.4, abs=1e-15)
    sp = stats.mannwhitneyu(PERM_X, PERM_Y, alternative="greater", method="exact")  # scipy agrees
    assert res.p == pytest.approx(sp.pvalue, rel=1e-12)


def test_mann_whitney_complete_separation_exact_by_hand():
    # 3 baseline values all below 4 follow-up values: U = 12 is the largest of C(7, 3) = 35
    # equally likely arrangements, two-sided exact p = 2/35; r = +1.
    res = change.mann_whitney([1.1, 2.2, 3.3], [4.4, 5.5, 6.6, 7.7])
    assert res.statistic == 12 and res.exact
    assert res.p == pytest.approx(2 / 35, abs=1e-15)
    assert res.rank_biserial == 1.0


def test_mann_whitney_ties_agree_with_scipy():
    before = [1, 2, 2, 3, 3, 3, 4, 5]
    after = [2, 3, 4, 4, 5, 5, 5]
    res = change.mann_whitney(before, after)
    sp = stats.mannwhitneyu(after, before, method="asymptotic", use_continuity=True)
    assert not res.exact and "ties" in res.method
    assert res.statistic == sp.statistic == 42
    assert res.p == pytest.approx(sp.pvalue, rel=1e-12)


# --- two proportions ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("k1", "n1", "k2", "n2", "lower", "upper"),
    [
        # Newcombe (1998a, Stat Med 17:873) Table II, method 10; (a), (b) also in the R package
        # propint's tests, (d) in the R package ratesci's tests ("Newcombe RD example (d)").
        (56, 70, 48, 80, 0.0524, 0.3339),
        (9, 10, 3, 10, 0.1705, 0.8090),
        (5, 56, 0, 29, -0.0381, 0.1926),
    ],
)
def test_newcombe_interval_matches_newcombe_1998(k1, n1, k2, n2, lower, upper):
    lo, hi = change.newcombe_interval(k1, n1, k2, n2)
    assert (round(lo, 4), round(hi, 4)) == (lower, upper)
    res = change.two_proportions(k2, n2, k1, n1)  # after = sample 1
    assert res.ci == (lo, hi)
    assert res.estimate == pytest.approx(k1 / n1 - k2 / n2)


def test_two_proportion_test_matches_r_prop_test():
    # R: prop.test(x = c(490, 400), n = c(500, 500)) -> X-squared = 80.909, df = 1 (Yates corrected).
    res = change.two_proportions(400, 500, 490, 500, correction=True)
    assert res.statistic**2 == pytest.approx(80.909, abs=5e-4)
    assert "Yates" in res.method
    # without correction z^2 is Pearson's chi-square of the 2 x 2 table (scipy agrees)
    plain = change.two_proportions(400, 500, 490, 500)
    chi2 = stats.chi2_contingency([[490, 10], [400, 100]], correction=False)
    assert plain.statistic**2 == pytest.approx(chi2.statistic, rel=1e-12)
    assert plain.p == pytest.approx(chi2.pvalue, rel=1e-9)
    with pytest.raises(InputError, match="count"):
        change.two_proportions(6, 5, 1, 5)


# --- Holm -----------------------------------------------------------------------------------------
def test_holm_step_down_by_hand():
    # sorted p times (m - i + 1): 0.05, 0.08, 0.09, 0.08 -> 0.09 (running max), 0.05 -> 0.09
    assert change.holm([0.01, 0.02, 0.03, 0.04, 0.05]).tolist() == pytest.approx([0.05, 0.08, 0.09, 0.09, 0.09])
    # input order kept, NaN stays NaN and does not count in m (m = 3), capped at 1
    out = change.holm([0.04, np.nan, 0.01, 0.5])
    assert out[0] == pytest.approx(0.08) and math.isnan(out[1])
    assert out[2] == pytest.approx(0.03) and out[3] == pytest.approx(0.5)
    assert change.holm([0.6, 0.7]).tolist() == [1.0, 1.0]
    assert change.holm([0.02, 0.02]).tolist() == [0.04, 0.04]  # ties: the same value


# --- the battery ----------------------------------------------------------------------------------
def _long_frame():
    """Four respondents at two waves: q1 ordinal, s1 a score, b1 a 0/1 item; r4 skipped q1 at
    follow-up and r5 answered the baseline only."""
    rows = []
    q1 = {"r1": (2, 4), "r2": (3, 4), "r3": (1, 3), "r4": (2, None), "r5": (3, None)}
    s1 = {"r1": (2.5, 3.0), "r2": (3.0, 3.5), "r3": (1.5, 3.5), "r4": (2.0, 2.5), "r5": (4.0, None)}
    b1 = {"r1": (0, 1), "r2": (0, 1), "r3": (1, 1), "r4": (0, 0), "r5": (1, None)}
    for item, values in (("q1", q1), ("s1", s1), ("b1", b1)):
        for resp, (pre, post) in values.items():
            rows.append({"respondent": resp, "wave": "baseline", "item": item, "value": pre})
            if post is not None or resp == "r4":
                rows.append({"respondent": resp, "wave": "followup", "item": item, "value": post})
    return pd.DataFrame(rows)


def test_change_table_linked_runs_one_test_per_item_with_holm():
    frame = _long_frame()
    table = change.change_table(
        frame,
        waves=("baseline", "followup"),
        design="linked",
        kinds={"q1": "ordinal", "s1": "score", "b1": "binary"},
        families={"q1": "inst", "s1": "inst", "b1": "inst"},
    )
    assert table.columns.tolist() == change.CHANGE_COLUMNS
    assert table["item"].tolist() == ["q1", "s1", "b1"]
    assert table["test"].tolist() == ["Wilcoxon signed-rank", "paired t", "McNemar"]
    q1 = table.iloc[0]
    assert q1["n"] == 3  # r4 skipped at follow-up, r5 not followed up
    wil = change.wilcoxon_signed_rank([2, 3, 1], [4, 4, 3])
    assert q1["p"] == wil.p and q1["statistic"] == wil.statistic and q1["rank_biserial"] == 1.0
    assert q1["mean_diff"] == pytest.approx(5 / 3)
    s1 = table.iloc[1]
    t = change.paired_t([2.5, 3.0, 1.5, 2.0], [3.0, 3.5, 3.5, 2.5])
    assert s1["p"] == t.p and s1["d_z"] == t.d_z and s1["g_av"] == t.g_av and s1["n"] == 4
    b1 = table.iloc[2]
    assert b1["estimate"] == pytest.approx(0.5) and "exact binomial" in b1["method"]  # 2 gained, 0 lost
    assert b1["p"] == 0.5  # 2 * P(X <= 0 | 2, 1/2), by hand
    assert (table["tests_in_family"] == 3).all()
    assert table["p_holm"].tolist() == pytest.approx(change.holm(table["p"]).tolist())


def test_change_table_unlinked_and_families():
    frame = _long_frame()
    table = change.change_table(
        frame,
        waves=("baseline", "followup"),
        design="unlinked",
        kinds={"s1": "score", "b1": "binary"},
        families={"q1": "a", "s1": "a"},
    )
    assert table["test"].tolist() == ["Mann-Whitney U", "Welch t", "two proportions"]
    q1 = table.iloc[0]
    assert (q1["n_before"], q1["n_after"]) == (5, 3)
    assert q1["p"] == change.mann_whitney([2, 3, 1, 2, 3], [4, 4, 3]).p
    assert table.iloc[1]["hedges_g"] == change.welch_t([2.5, 3.0, 1.5, 2.0, 4.0], [3.0, 3.5, 3.5, 2.5]).hedges_g
    b1 = table.iloc[2]
    assert b1["estimate"] == pytest.approx(3 / 4 - 2 / 5) and b1["family"] == ""
    assert table["tests_in_family"].tolist() == [2, 2, 1]
    assert table.iloc[2]["p_holm"] == b1["p"]


def test_change_table_rejects_bad_input():
    frame = _long_frame()
    with pytest.raises(InputError, match="wave"):
        change.change_table(frame, waves=("baseline", "month3"), design="linked")
    dup = pd.concat([frame, frame.iloc[[0]]], ignore_index=True)
    with pytest.raises(InputError, match="one value per respondent"):
        change.change_table(dup, waves=("baseline", "followup"), design="linked")
    text = frame.assign(value=frame["value"].astype(object))
    text.loc[2, "value"] = "agree"
    with pytest.raises(InputError, match="row 3, column value"):
        change.change_table(text, waves=("baseline", "followup"), design="linked")
    with pytest.raises(InputError, match="columns"):
        change.change_table(frame.drop(columns="item"), waves=("baseline", "followup"), design="linked")
    with pytest.raises(InputError, match="kind"):
        change.change_table(frame, waves=("baseline", "followup"), design="linked", kinds={"q1": "nominal"})
