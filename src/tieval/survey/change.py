"""Change between two survey waves: paired and independent tests, effect sizes, Holm adjustment.

Pure statistics (arrays in, small results out; no files, no study config), for the
two designs a pre/post evaluation has:

- **linked** respondents (the same people at baseline and follow-up, paired by a link
  key): :func:`paired_t` (mean paired difference with its t interval, Cohen's d_z,
  Hedges' g_av), :func:`wilcoxon_signed_rank` (ordinal items; matched-pairs
  rank-biserial correlation) and :func:`mcnemar` (a dichotomised item; Newcombe's
  paired interval for the change in the proportion);
- **unlinked** waves (repeated cross-sections): :func:`welch_t` (Hedges' g),
  :func:`mann_whitney` (rank-biserial correlation) and :func:`two_proportions`
  (Newcombe's hybrid score interval and the two-proportion z test).

Multiplicity: :func:`holm` gives Holm (1979) step-down adjusted p-values; the
battery :func:`change_table` runs one primary test per item for a long frame of
``(respondent, wave, item, value)`` and sets the Holm-adjusted p beside the raw one,
across the items of each family (an instrument or subscale set), with the number of
tests in the family.

Conventions (the same in every function)
----------------------------------------
- **Direction**: every difference is *follow-up minus baseline* (``after - before``),
  so a positive estimate, statistic direction or effect size means the follow-up
  is higher.  Functions take ``(before, after)`` in that order.
- **Missing values** (NaN) are dropped: in paired tests the whole pair, in
  independent tests the single value.  The ``n`` of a result counts what was used.
- **Two-sided** tests by default; ``alternative="greater"`` tests follow-up >
  baseline, ``"less"`` follow-up < baseline.
- **Exact p-values** (rank tests, McNemar) are used for small samples without
  ties or zeros, as R's ``wilcox.test`` and the exact binomial do; a result's
  ``method`` string says which computation was used.  The two-sided exact p is
  ``min(1, 2 * min(P(S <= s), P(S >= s)))``.
- Confidence level 95 % unless ``confidence`` says otherwise.

Each test returns a frozen dataclass (one per test) sharing the fields ``estimate``,
``ci`` (lower, upper), ``statistic``, ``df`` (NaN where the test has none), ``p``,
``method`` and ``n``; :meth:`ChangeResult.row` flattens one to a dict.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Literal

import numpy as np
import pandas as pd

from tieval.errors import InputError
from tieval.survey.intervals import wilson_interval

__all__ = [
    "ChangeResult",
    "PairedT",
    "WilcoxonSignedRank",
    "McNemar",
    "WelchT",
    "MannWhitney",
    "TwoProportions",
    "EXACT_MAX_N",
    "MCNEMAR_EXACT_BELOW",
    "hedges_j",
    "paired_t",
    "wilcoxon_signed_rank",
    "mcnemar",
    "newcombe_paired_interval",
    "welch_t",
    "mann_whitney",
    "two_proportions",
    "newcombe_interval",
    "holm",
    "change_table",
    "CHANGE_COLUMNS",
]


def _stats():
    """``scipy.stats``, imported on first use (about 0.85 s): a module that imports this one but
    tests no change does not load it."""
    from scipy import stats  # noqa: PLC0415 - heavy, loaded only to test a change

    return stats


Alternative = Literal["two-sided", "greater", "less"]

#: Rank tests use the exact null distribution when the sample is smaller than this and has
#: no ties (and, for the signed-rank test, no zero differences); R's ``wilcox.test`` rule.
EXACT_MAX_N = 50

#: McNemar's test is the exact binomial test when fewer discordant pairs than this.
MCNEMAR_EXACT_BELOW = 25

_NAN = float("nan")


# --- results --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ChangeResult:
    """Fields every test result has.  ``ci`` is ``(lower, upper)`` of ``estimate`` (NaNs when
    the test gives no interval); ``df`` is NaN for tests without degrees of freedom."""

    estimate: float
    ci: tuple[float, float]
    statistic: float
    df: float
    p: float
    method: str
    n: int

    def row(self) -> dict:
        """The result as a flat dict: ``ci`` split into ``ci_lower`` and ``ci_upper``."""
        out = asdict(self)
        lo, hi = out.pop("ci")
        out["ci_lower"], out["ci_upper"] = lo, hi
        return out


@dataclass(frozen=True)
class PairedT(ChangeResult):
    """Paired t test: ``estimate`` is the mean of ``after - before`` with its t interval;
    ``statistic`` is t on ``df = n - 1``.  Effect sizes ``d_z``, ``d_av`` and ``g_av``."""

    mean_before: float
    mean_after: float
    sd_before: float
    sd_after: float
    sd_diff: float
    d_z: float
    d_av: float
    g_av: float


@dataclass(frozen=True)
class WilcoxonSignedRank(ChangeResult):
    """Wilcoxon signed-rank test: ``statistic`` is V, the sum of the ranks of the positive
    differences (``after > before``); ``estimate`` is the median difference (no interval).
    ``n`` counts the pairs, ``n_zero`` those with a zero difference; ``exact`` says whether
    the exact null distribution gave ``p``."""

    n_zero: int
    zero_method: str
    exact: bool
    rank_biserial: float


@dataclass(frozen=True)
class McNemar(ChangeResult):
    """McNemar's test for a dichotomised item (1 = yes): ``estimate`` is
    ``p_after - p_before`` with Newcombe's paired interval; ``gained`` pairs are 0 before
    and 1 after, ``lost`` pairs 1 before and 0 after.  For the exact test ``statistic`` is
    ``gained`` (binomial on ``gained + lost`` trials) and ``df`` NaN."""

    p_before: float
    p_after: float
    gained: int
    lost: int
    exact: bool


@dataclass(frozen=True)
class WelchT(ChangeResult):
    """Welch's t test: ``estimate`` is ``mean(after) - mean(before)`` with the Welch interval,
    ``df`` Welch-Satterthwaite.  Effect sizes ``cohens_d`` (pooled SD) and ``hedges_g``."""

    n_before: int
    n_after: int
    mean_before: float
    mean_after: float
    sd_before: float
    sd_after: float
    cohens_d: float
    hedges_g: float


@dataclass(frozen=True)
class MannWhitney(ChangeResult):
    """Mann-Whitney U test: ``statistic`` is U of the follow-up sample (pairs with
    ``after > before``, ties counting one half; R's ``W`` for ``wilcox.test(after, before)``);
    ``estimate`` is ``median(after) - median(before)`` (no interval)."""

    n_before: int
    n_after: int
    exact: bool
    rank_biserial: float


@dataclass(frozen=True)
class TwoProportions(ChangeResult):
    """Two independent proportions: ``estimate`` is ``p_after - p_before`` with Newcombe's
    hybrid score interval; ``statistic`` is the pooled z (its square is the chi-square)."""

    k_before: int
    n_before: int
    k_after: int
    n_after: int
    p_before: float
    p_after: float


# --- helpers --------------------------------------------------------------------------------------
def _values(x, name: str) -> np.ndarray:
    """A 1-d float array from a Series, list or array (an InputError for text)."""
    try:
        arr = np.asarray(x, dtype=float)
    except (TypeError, ValueError) as exc:
        raise InputError(None, f"numbers in {name}", found=str(exc)) from None
    if arr.ndim != 1:
        raise InputError(None, f"a one-dimensional sequence for {name}", found=f"shape {arr.shape}")
    return arr


def _pairs(before, after) -> tuple[np.ndarray, np.ndarray]:
    """The complete pairs of two equal-length sequences."""
    b, a = _values(before, "before"), _values(after, "after")
    if len(b) != len(a):
        raise InputError(
            None, "before and after of the same length (one pair per respondent)", found=f"{len(b)} and {len(a)}"
        )
    keep = ~(np.isnan(b) | np.isnan(a))
    return b[keep], a[keep]


def _check_alternative(alternative: str) -> None:
    if alternative not in ("two-sided", "greater", "less"):
        raise InputError(None, "alternative 'two-sided', 'greater' or 'less'", found=alternative)


def _t_p(t: float, df: float, alternative: str) -> float:
    """p-value of a t statistic."""
    if alternative == "greater":
        return float(_stats().t.sf(t, df))
    if alternative == "less":
        return float(_stats().t.cdf(t, df))
    return float(2.0 * _stats().t.sf(abs(t), df))


def _z_p(z: float, alternative: str) -> float:
    """p-value of a standard normal statistic."""
    if alternative == "greater":
        return float(_stats().norm.sf(z))
    if alternative == "less":
        return float(_stats().norm.cdf(z))
    return float(min(1.0, 2.0 * _stats().norm.sf(abs(z))))


def _exact_p(counts: list[int], s: int, alternative: str) -> float:
    """p-value from the exact null distribution ``counts[v]`` = number of arrangements with
    statistic ``v`` (``v = 0 .. len - 1``): ``greater`` is ``P(S >= s)``, ``less``
    ``P(S <= s)``, two-sided ``min(1, 2 min(...))``."""
    total = sum(counts)
    lower = sum(counts[: s + 1]) / total
    upper = sum(counts[s:]) / total
    if alternative == "greater":
        return float(upper)
    if alternative == "less":
        return float(lower)
    return float(min(1.0, 2.0 * min(lower, upper)))


def _signed_rank_counts(n: int) -> list[int]:
    """Number of subsets of ``{1..n}`` with each sum ``0 .. n(n+1)/2``: the exact null
    distribution of V (coefficients of ``prod (1 + q^i)``), in exact integers."""
    counts = [1] + [0] * (n * (n + 1) // 2)
    top = 0
    for i in range(1, n + 1):
        top += i
        for s in range(top, i - 1, -1):
            counts[s] += counts[s - i]
    return counts


def _rank_sum_counts(m: int, n: int) -> list[int]:
    """Number of arrangements of ``m`` follow-up and ``n`` baseline values with each U
    ``0 .. m n``: the coefficients of the Gaussian binomial ``[m + n choose m]_q``, built as
    ``prod_{i=1..m} (1 - q^(n+i)) / (1 - q^i)`` in exact integers (Mann & Whitney 1947)."""
    size = m * n + 1
    poly = [0] * size
    poly[0] = 1
    for i in range(1, m + 1):
        shift = n + i  # multiply by (1 - q^shift)
        for s in range(size - 1, shift - 1, -1):
            poly[s] -= poly[s - shift]
        for s in range(i, size):  # divide by (1 - q^i): a running sum with stride i
            poly[s] += poly[s - i]
    return poly


def hedges_j(df: float) -> float:
    """Hedges' small-sample correction ``J = 1 - 3 / (4 df - 1)`` (Hedges & Olkin 1985, the
    approximation Lakens 2013 uses), NaN for ``df < 1``."""
    return 1.0 - 3.0 / (4.0 * df - 1.0) if df >= 1 else _NAN


# --- paired (linked respondents) ------------------------------------------------------------------
def paired_t(before, after, *, confidence: float = 0.95, alternative: Alternative = "two-sided") -> PairedT:
    """Paired t test of ``d = after - before`` with Cohen's d_z and Hedges' g_av.

    Formula: ``mean_d = mean(d)``, ``s_d = sd(d)`` (n - 1), ``t = mean_d / (s_d / sqrt(n))`` on
    ``n - 1`` df; interval ``mean_d +/- t_(1 - (1 - confidence)/2, n-1) s_d / sqrt(n)``.
    Effect sizes (Lakens 2013, eqs. 6 and 10): ``d_z = mean_d / s_d`` (the standardiser is the
    SD of the differences, so d_z depends on the correlation of the waves);
    ``d_av = mean_d / ((s_before + s_after) / 2)`` (comparable with between-subject d);
    ``g_av = d_av * J`` with ``J = 1 - 3 / (4 (n - 1) - 1)`` (:func:`hedges_j` on n - 1 df, as
    in Lakens's worked example: d_av 1.13, g_av 1.03 for n = 10).

    Assumptions: differences roughly normal (or n large).  Pairs with a missing value are
    dropped.  With fewer than 2 pairs, or differences without variance, t, p, d_z are NaN.

    References: Student (1908); Lakens, D. (2013). Calculating and reporting effect sizes to
    facilitate cumulative science. Frontiers in Psychology 4:863.
    """
    _check_alternative(alternative)
    b, a = _pairs(before, after)
    n = len(b)
    d = a - b
    method = "paired t test"
    if n < 2:
        mean_d = float(d.mean()) if n else _NAN
        return PairedT(mean_d, (_NAN, _NAN), _NAN, _NAN, _NAN, method, n,
                       *(float(v.mean()) if n else _NAN for v in (b, a)), _NAN, _NAN, _NAN, _NAN, _NAN, _NAN)  # fmt: skip
    mean_d = float(d.mean())
    sd_d = float(d.std(ddof=1))
    sd_b, sd_a = float(b.std(ddof=1)), float(a.std(ddof=1))
    df = n - 1
    se = sd_d / math.sqrt(n)
    half = float(_stats().t.ppf(1 - (1 - confidence) / 2, df)) * se
    if se > 0:
        t = mean_d / se
        p = _t_p(t, df, alternative)
        d_z = mean_d / sd_d
    else:
        t = p = d_z = _NAN
    sd_av = (sd_b + sd_a) / 2
    d_av = mean_d / sd_av if sd_av > 0 else _NAN
    g_av = d_av * hedges_j(df)
    return PairedT(
        mean_d, (mean_d - half, mean_d + half), float(t), float(df), float(p), method, n,
        float(b.mean()), float(a.mean()), sd_b, sd_a, sd_d, float(d_z), float(d_av), float(g_av),
    )  # fmt: skip


def wilcoxon_signed_rank(
    before,
    after,
    *,
    zero_method: Literal["wilcox", "pratt"] = "wilcox",
    correction: bool = True,
    alternative: Alternative = "two-sided",
    exact: bool | None = None,
) -> WilcoxonSignedRank:
    """Wilcoxon signed-rank test of ``d = after - before`` with the matched-pairs rank-biserial r.

    Formula: rank ``|d|`` (mid-ranks for ties); ``V`` = sum of the ranks of positive ``d``,
    ``R-`` that of negative ``d``.  Zero differences: ``zero_method="wilcox"`` (default, as R's
    ``wilcox.test``) drops them before ranking; ``"pratt"`` (Pratt 1959) ranks them with the
    others and then leaves their ranks out of both sums.
    p-value: **exact** (the distribution of V over the 2^n sign patterns) when
    ``n < EXACT_MAX_N`` and there are no ties and no zeros (``exact=None``; ``exact=True/False``
    forces it where possible); otherwise the **normal approximation**
    ``z = (V - E - c) / sqrt(Var)`` with ``E = sum(r) / 2`` and ``Var = sum(r^2) / 4`` over the
    ranks of the non-zero differences (which is ``n(n+1)(2n+1)/24 - sum(t^3 - t)/48``, the
    tie correction, when zeros are dropped), and continuity correction ``c = 0.5 sign(V - E)``
    (two-sided; +0.5 for ``greater``, -0.5 for ``less``) unless ``correction=False``.

    Effect size (Kerby 2014, simple difference formula): ``r = (V - R-) / (V + R-)``, from -1
    (every pair decreased) to +1 (every pair increased): positive means the follow-up is
    higher.  ``estimate`` is the median of all differences (zeros included); no interval.

    Assumptions: pairs independent; differences symmetric about their median for a test of
    location.  Pairs with a missing value are dropped.  All differences zero (or no pairs):
    V, p and r are NaN.

    References: Wilcoxon (1945); Pratt (1959) JASA 54:655-667; Hollander & Wolfe (1973)
    Nonparametric Statistical Methods, pp. 27-33; Kerby, D. S. (2014). The simple difference
    formula: an approach to teaching nonparametric correlation. Comprehensive Psychology 3:1.
    """
    _check_alternative(alternative)
    if zero_method not in ("wilcox", "pratt"):
        raise InputError(None, "zero_method 'wilcox' or 'pratt'", found=zero_method)
    b, a = _pairs(before, after)
    d = a - b
    n = len(d)
    zero = d == 0
    n_zero = int(zero.sum())
    estimate = float(np.median(d)) if n else _NAN
    ranked = d[~zero] if zero_method == "wilcox" else d
    ranks = _stats().rankdata(np.abs(ranked)) if len(ranked) else np.array([])
    nonzero = ranked != 0
    r_pos = float(ranks[ranked > 0].sum())
    r_neg = float(ranks[ranked < 0].sum())
    nz_ranks = ranks[nonzero]
    label = "zeros dropped (Wilcoxon)" if zero_method == "wilcox" else "zeros ranked then dropped (Pratt)"
    if not len(nz_ranks):
        return WilcoxonSignedRank(estimate, (_NAN, _NAN), _NAN, _NAN, _NAN,
                                  f"Wilcoxon signed-rank test, {label}; no non-zero differences", n,
                                  n_zero, zero_method, False, _NAN)  # fmt: skip
    rb = (r_pos - r_neg) / (r_pos + r_neg)
    ties = len(np.unique(np.abs(ranked[nonzero]))) < len(nz_ranks)
    can_exact = n_zero == 0 and not ties
    use_exact = can_exact and (exact if exact is not None else len(nz_ranks) < EXACT_MAX_N)
    if use_exact:
        p = _exact_p(_signed_rank_counts(len(nz_ranks)), int(round(r_pos)), alternative)
        method = f"Wilcoxon signed-rank test, exact p (n = {len(nz_ranks)}, no ties or zeros)"
    else:
        mean = float(nz_ranks.sum()) / 2
        sd = math.sqrt(float((nz_ranks**2).sum()) / 4)
        diff = r_pos - mean
        if not correction:
            c = 0.0
        elif alternative == "two-sided":
            c = 0.5 * np.sign(diff)
        else:
            c = 0.5 if alternative == "greater" else -0.5
        z = (diff - c) / sd if sd > 0 else _NAN
        p = _z_p(z, alternative) if sd > 0 else _NAN
        why = []
        if ties:
            why.append("ties")
        if n_zero:
            why.append(f"{n_zero} zero difference(s)")
        if not why:
            why.append(f"n = {len(nz_ranks)}")
        method = (
            f"Wilcoxon signed-rank test, {label}, normal approximation with tie"
            f"{' and continuity' if correction else ''} correction ({', '.join(why)})"
        )
    return WilcoxonSignedRank(estimate, (_NAN, _NAN), r_pos, _NAN, float(p), method, n, n_zero, zero_method,
                              bool(use_exact), float(rb))  # fmt: skip


def newcombe_paired_interval(both: int, gained: int, lost: int, neither: int, *, confidence: float = 0.95):
    """Newcombe's (1998b, method 10) interval for ``p_after - p_before`` from paired yes/no data.

    Cells: ``both`` (yes at both waves), ``gained`` (no before, yes after), ``lost`` (yes
    before, no after), ``neither``; ``n`` their sum.  With ``p1 = (both + gained) / n``
    (after), ``p2 = (both + lost) / n`` (before), ``D = p1 - p2`` and Wilson limits
    ``(l1, u1)``, ``(l2, u2)``:
    ``L = D - sqrt((p1 - l1)^2 - 2 phi (p1 - l1)(u2 - p2) + (u2 - p2)^2)``,
    ``U = D + sqrt((p2 - l2)^2 - 2 phi (p2 - l2)(u1 - p1) + (u1 - p1)^2)``, where ``phi`` is
    the continuity-corrected phi coefficient of the 2 x 2 table: ``B = both * neither -
    gained * lost``; ``C = B - n/2`` if ``B > n/2``, ``0`` if ``0 <= B <= n/2``, ``B`` if
    ``B < 0``; ``phi = C / sqrt(A)`` with ``A`` the product of the four margins (0 if A = 0).
    Returns ``(lower, upper)``; NaNs for ``n = 0``.

    Reference: Newcombe, R. G. (1998). Improved confidence intervals for the difference
    between binomial proportions based on paired data. Statistics in Medicine 17:2635-2650.
    """
    n = both + gained + lost + neither
    if n <= 0:
        return _NAN, _NAN
    z = float(_stats().norm.ppf(1 - (1 - confidence) / 2))
    p1, p2 = (both + gained) / n, (both + lost) / n
    l1, u1 = wilson_interval(both + gained, n, z)
    l2, u2 = wilson_interval(both + lost, n, z)
    a = (both + gained) * (lost + neither) * (both + lost) * (gained + neither)
    b = both * neither - gained * lost
    c = b - n / 2 if b > n / 2 else (0.0 if b >= 0 else b)
    phi = c / math.sqrt(a) if a > 0 else 0.0
    d = p1 - p2
    lower = d - math.sqrt(max(0.0, (p1 - l1) ** 2 - 2 * phi * (p1 - l1) * (u2 - p2) + (u2 - p2) ** 2))
    upper = d + math.sqrt(max(0.0, (p2 - l2) ** 2 - 2 * phi * (p2 - l2) * (u1 - p1) + (u1 - p1) ** 2))
    return float(lower), float(upper)


def _binary(x: np.ndarray, name: str) -> np.ndarray:
    bad = ~np.isin(x, (0.0, 1.0))
    if bad.any():
        raise InputError(None, f"0 or 1 in {name} (a dichotomised item)", found=x[bad][0])
    return x.astype(int)


def mcnemar(
    before,
    after,
    *,
    correction: bool = True,
    exact: bool | None = None,
    confidence: float = 0.95,
) -> McNemar:
    """McNemar's test for a dichotomised item (values 0/1), with Newcombe's paired interval.

    Only the discordant pairs inform the test: ``g`` = gained (0 -> 1), ``l`` = lost (1 -> 0).
    **Exact** (default when ``g + l < MCNEMAR_EXACT_BELOW``, or ``exact=True``): two-sided
    binomial test of ``g`` successes in ``g + l`` trials with p = 1/2,
    ``p = min(1, 2 P(X <= min(g, l)))``.  Otherwise the **chi-square** statistic on 1 df,
    ``(|g - l| - 1)^2 / (g + l)`` with Edwards's continuity correction (``correction=True``,
    as R's ``mcnemar.test``) or ``(g - l)^2 / (g + l)`` without.  ``method`` says which.
    ``estimate`` is ``p_after - p_before = (g - l) / n`` with the interval of
    :func:`newcombe_paired_interval`.  No discordant pairs: statistic and p are NaN (exact
    p would be 1; nothing changed).

    References: McNemar, Q. (1947). Psychometrika 12:153-157; Edwards, A. L. (1948).
    Psychometrika 13:185-187; Agresti, A. (1990). Categorical Data Analysis, pp. 350-354;
    Newcombe (1998b), see :func:`newcombe_paired_interval`.
    """
    b, a = _pairs(before, after)
    b, a = _binary(b, "before"), _binary(a, "after")
    n = len(b)
    both = int(((b == 1) & (a == 1)).sum())
    gained = int(((b == 0) & (a == 1)).sum())
    lost = int(((b == 1) & (a == 0)).sum())
    neither = n - both - gained - lost
    p_before = float(b.mean()) if n else _NAN
    p_after = float(a.mean()) if n else _NAN
    ci = newcombe_paired_interval(both, gained, lost, neither, confidence=confidence)
    m = gained + lost
    estimate = (gained - lost) / n if n else _NAN
    if m == 0:
        return McNemar(estimate, ci, _NAN, _NAN, _NAN, "McNemar test: no discordant pairs", n,
                       p_before, p_after, gained, lost, False)  # fmt: skip
    use_exact = exact if exact is not None else m < MCNEMAR_EXACT_BELOW
    if use_exact:
        p = min(1.0, 2.0 * float(_stats().binom.cdf(min(gained, lost), m, 0.5)))
        return McNemar(estimate, ci, float(gained), _NAN, p,
                       f"McNemar test, exact binomial ({m} discordant pairs)", n,
                       p_before, p_after, gained, lost, True)  # fmt: skip
    num = (abs(gained - lost) - 1) ** 2 if correction else (gained - lost) ** 2
    chi2 = num / m
    p = float(_stats().chi2.sf(chi2, 1))
    method = (
        f"McNemar chi-square test {'with' if correction else 'without'} continuity correction ({m} discordant pairs)"
    )
    return McNemar(estimate, ci, float(chi2), 1.0, p, method, n, p_before, p_after, gained, lost, False)


# --- independent (unlinked waves) -----------------------------------------------------------------
def welch_t(before, after, *, confidence: float = 0.95, alternative: Alternative = "two-sided") -> WelchT:
    """Welch's t test of ``mean(after) - mean(before)`` with Cohen's d and Hedges' g.

    Formula: ``se = sqrt(s_a^2/n_a + s_b^2/n_b)``, ``t = (mean_a - mean_b) / se`` on the
    Welch-Satterthwaite ``df = se^4 / ((s_a^2/n_a)^2/(n_a - 1) + (s_b^2/n_b)^2/(n_b - 1))``;
    interval ``diff +/- t_(1 - (1 - confidence)/2, df) se``.
    Effect size: the standardiser is the **pooled** SD
    ``s_p = sqrt(((n_a - 1) s_a^2 + (n_b - 1) s_b^2) / (n_a + n_b - 2))`` (not the Welch
    variance), ``d = diff / s_p``, ``g = d * J`` with ``J = 1 - 3 / (4 (n_a + n_b) - 9)``
    (:func:`hedges_j` on ``n_a + n_b - 2`` df; Lakens 2013 eq. 4).

    Assumptions: independent samples, roughly normal means; no equal-variance assumption for
    the test.  Missing values dropped.  Fewer than 2 values in a wave: NaN statistics.

    References: Welch, B. L. (1947). Biometrika 34:28-35; Hedges, L. V. & Olkin, I. (1985)
    Statistical Methods for Meta-Analysis; Lakens (2013).
    """
    _check_alternative(alternative)
    b, a = _values(before, "before"), _values(after, "after")
    b, a = b[~np.isnan(b)], a[~np.isnan(a)]
    nb, na = len(b), len(a)
    mb = float(b.mean()) if nb else _NAN
    ma = float(a.mean()) if na else _NAN
    diff = ma - mb
    method = "Welch two-sample t test"
    if nb < 2 or na < 2:
        return WelchT(diff, (_NAN, _NAN), _NAN, _NAN, _NAN, method, nb + na, nb, na, mb, ma, _NAN, _NAN, _NAN, _NAN)
    vb, va = float(b.var(ddof=1)), float(a.var(ddof=1))
    se2 = va / na + vb / nb
    if se2 > 0:
        se = math.sqrt(se2)
        df = se2**2 / ((va / na) ** 2 / (na - 1) + (vb / nb) ** 2 / (nb - 1))
        t = diff / se
        p = _t_p(t, df, alternative)
        half = float(_stats().t.ppf(1 - (1 - confidence) / 2, df)) * se
        ci = (diff - half, diff + half)
    else:
        df = t = p = _NAN
        ci = (_NAN, _NAN)
    sp = math.sqrt(((na - 1) * va + (nb - 1) * vb) / (na + nb - 2))
    d = diff / sp if sp > 0 else _NAN
    g = d * hedges_j(na + nb - 2)
    return WelchT(diff, ci, float(t), float(df), float(p), method, nb + na, nb, na, mb, ma,
                  math.sqrt(vb), math.sqrt(va), float(d), float(g))  # fmt: skip


def mann_whitney(
    before,
    after,
    *,
    correction: bool = True,
    alternative: Alternative = "two-sided",
    exact: bool | None = None,
) -> MannWhitney:
    """Mann-Whitney U (Wilcoxon rank-sum) test of follow-up against baseline, with rank-biserial r.

    Formula: ``U`` = number of (after, before) pairs with ``after > before`` plus half the
    tied pairs, ``= R_a - n_a (n_a + 1) / 2`` with ``R_a`` the follow-up rank sum (mid-ranks).
    p-value: **exact** (distribution of U over all ``C(n_a + n_b, n_a)`` arrangements) when
    both samples are smaller than ``EXACT_MAX_N`` and there are no ties (``exact=None``);
    otherwise the **normal approximation** ``z = (U - n_a n_b / 2 - c) / sigma`` with the tie
    correction ``sigma^2 = n_a n_b / 12 ((N + 1) - sum(t^3 - t) / (N (N - 1)))`` and continuity
    correction ``c`` as in :func:`wilcoxon_signed_rank` (unless ``correction=False``).

    Effect size: rank-biserial ``r = 2 U / (n_a n_b) - 1`` (Wendt 1972; Kerby 2014: the share
    of favourable minus unfavourable pairs), positive when the follow-up tends higher.
    ``estimate`` is ``median(after) - median(before)``; no interval.

    Assumptions: independent observations; a test of stochastic equality (of location when
    the shapes agree).  Missing values dropped; an empty wave gives NaN.

    References: Mann, H. B. & Whitney, D. R. (1947). Annals of Mathematical Statistics
    18:50-60; Wendt, H. W. (1972). European Journal of Social Psychology 2:463-465; Kerby (2014).
    """
    _check_alternative(alternative)
    b, a = _values(before, "before"), _values(after, "after")
    b, a = b[~np.isnan(b)], a[~np.isnan(a)]
    nb, na = len(b), len(a)
    if nb == 0 or na == 0:
        return MannWhitney(_NAN, (_NAN, _NAN), _NAN, _NAN, _NAN, "Mann-Whitney U test: an empty wave",
                           nb + na, nb, na, False, _NAN)  # fmt: skip
    estimate = float(np.median(a) - np.median(b))
    both = np.concatenate([a, b])
    ranks = _stats().rankdata(both)
    u = float(ranks[:na].sum() - na * (na + 1) / 2)
    rb = 2 * u / (na * nb) - 1
    _, tie_sizes = np.unique(both, return_counts=True)
    ties = bool((tie_sizes > 1).any())
    can_exact = not ties
    use_exact = can_exact and (exact if exact is not None else (na < EXACT_MAX_N and nb < EXACT_MAX_N))
    if use_exact:
        p = _exact_p(_rank_sum_counts(na, nb), int(round(u)), alternative)
        method = f"Mann-Whitney U test, exact p (n = {na} and {nb}, no ties)"
    else:
        big_n = na + nb
        var = na * nb / 12 * ((big_n + 1) - float((tie_sizes**3 - tie_sizes).sum()) / (big_n * (big_n - 1)))
        diff = u - na * nb / 2
        if not correction:
            c = 0.0
        elif alternative == "two-sided":
            c = 0.5 * np.sign(diff)
        else:
            c = 0.5 if alternative == "greater" else -0.5
        p = _z_p((diff - c) / math.sqrt(var), alternative) if var > 0 else _NAN
        method = (
            f"Mann-Whitney U test, normal approximation with tie{' and continuity' if correction else ''} "
            f"correction ({'ties' if ties else f'n = {na} and {nb}'})"
        )
    return MannWhitney(estimate, (_NAN, _NAN), u, _NAN, float(p), method, nb + na, nb, na, bool(use_exact), float(rb))


def newcombe_interval(k1: int, n1: int, k2: int, n2: int, *, confidence: float = 0.95):
    """Newcombe's hybrid score interval (1998a, method 10) for ``k1/n1 - k2/n2``.

    With Wilson limits ``(l1, u1)`` for ``p1 = k1/n1`` and ``(l2, u2)`` for ``p2 = k2/n2``:
    ``L = (p1 - p2) - sqrt((p1 - l1)^2 + (u2 - p2)^2)``,
    ``U = (p1 - p2) + sqrt((u1 - p1)^2 + (p2 - l2)^2)``.  Returns ``(lower, upper)``; NaNs when
    a base is 0.  Well behaved at 0 and 100 % (no continuity correction).

    Reference: Newcombe, R. G. (1998). Interval estimation for the difference between
    independent proportions: comparison of eleven methods. Statistics in Medicine
    17:873-890 (Table II: 56/70 - 48/80 gives 0.0524 to 0.3339).
    """
    if n1 <= 0 or n2 <= 0:
        return _NAN, _NAN
    z = float(_stats().norm.ppf(1 - (1 - confidence) / 2))
    p1, p2 = k1 / n1, k2 / n2
    l1, u1 = wilson_interval(k1, n1, z)
    l2, u2 = wilson_interval(k2, n2, z)
    d = p1 - p2
    return float(d - math.hypot(p1 - l1, u2 - p2)), float(d + math.hypot(u1 - p1, p2 - l2))


def two_proportions(
    k_before: int,
    n_before: int,
    k_after: int,
    n_after: int,
    *,
    correction: bool = False,
    confidence: float = 0.95,
    alternative: Alternative = "two-sided",
) -> TwoProportions:
    """Difference of two independent proportions (``p_after - p_before``): Newcombe's interval
    and the pooled two-proportion z test.

    Test: ``p = (k_a + k_b) / (n_a + n_b)``, ``z = (p_a - p_b) / sqrt(p (1 - p) (1/n_a + 1/n_b))``
    (``z^2`` is Pearson's chi-square of the 2 x 2 table).  ``correction=True`` applies Yates's
    continuity correction, shrinking ``|p_a - p_b|`` by ``(1/n_a + 1/n_b) / 2`` (not past 0),
    as R's ``prop.test`` does by default.  Interval: :func:`newcombe_interval` (never
    continuity corrected here).  No variance (both 0 % or both 100 %): z and p are NaN.

    References: Newcombe (1998a); Agresti (2013) Categorical Data Analysis, 3rd ed., s. 2.2 and 3.1.
    """
    _check_alternative(alternative)
    for name, k, n in (("before", k_before, n_before), ("after", k_after, n_after)):
        if not (0 <= k <= n) or n <= 0:
            raise InputError(None, f"0 <= count <= base, base > 0 ({name})", found=f"{k}/{n}")
    pa, pb = k_after / n_after, k_before / n_before
    ci = newcombe_interval(k_after, n_after, k_before, n_before, confidence=confidence)
    pooled = (k_after + k_before) / (n_after + n_before)
    var = pooled * (1 - pooled) * (1 / n_after + 1 / n_before)
    diff = pa - pb
    if var > 0:
        num = diff
        if correction:
            yates = min(abs(diff), (1 / n_after + 1 / n_before) / 2)
            num = diff - math.copysign(yates, diff)
        z = num / math.sqrt(var)
        p = _z_p(z, alternative)
    else:
        z = p = _NAN
    method = (
        "difference of two proportions: Newcombe hybrid score interval; pooled z test "
        f"{'with Yates continuity correction' if correction else 'without continuity correction'}"
    )
    return TwoProportions(diff, ci, float(z), _NAN, float(p), method, n_before + n_after,
                          k_before, n_before, k_after, n_after, pb, pa)  # fmt: skip


# --- multiplicity ---------------------------------------------------------------------------------
def holm(p) -> np.ndarray:
    """Holm (1979) step-down adjusted p-values, in the input order.

    With the ``m`` non-missing p-values sorted ``p_(1) <= ... <= p_(m)``:
    ``adj_(i) = min(1, max_{j <= i} (m - j + 1) p_(j))``.  A hypothesis is rejected at level
    alpha when its adjusted p is <= alpha; this controls the family-wise error rate under any
    dependence.  NaN p-values stay NaN and do not count in ``m``; tied p-values get the same
    adjusted value (as R's ``p.adjust(method = "holm")``).

    Reference: Holm, S. (1979). A simple sequentially rejective multiple test procedure.
    Scandinavian Journal of Statistics 6:65-70.
    """
    arr = np.asarray(p, dtype=float)
    out = np.full(arr.shape, np.nan)
    ok = np.flatnonzero(~np.isnan(arr))
    m = len(ok)
    if m == 0:
        return out
    order = ok[np.argsort(arr[ok], kind="stable")]
    scaled = (m - np.arange(m)) * arr[order]
    out[order] = np.minimum(1.0, np.maximum.accumulate(scaled))
    return out


# --- the battery ----------------------------------------------------------------------------------
#: Columns of :func:`change_table`, in order.
CHANGE_COLUMNS = [
    "family", "item", "kind", "design", "test", "n", "n_before", "n_after",
    "mean_before", "mean_after", "mean_diff", "mean_diff_lower", "mean_diff_upper",
    "estimate", "ci_lower", "ci_upper", "statistic", "df", "p", "p_holm", "tests_in_family",
    "rank_biserial", "d_z", "g_av", "hedges_g", "method",
]  # fmt: skip

Kind = Literal["ordinal", "score", "binary"]

_TESTS = {
    ("linked", "ordinal"): "Wilcoxon signed-rank",
    ("linked", "score"): "paired t",
    ("linked", "binary"): "McNemar",
    ("unlinked", "ordinal"): "Mann-Whitney U",
    ("unlinked", "score"): "Welch t",
    ("unlinked", "binary"): "two proportions",
}


def _long(frame: pd.DataFrame, columns: tuple[str, str, str, str], waves: tuple[str, str]) -> pd.DataFrame:
    """The long frame checked: the four columns present, waves known, one value per
    respondent, wave and item, values numeric.  Returned with standard column names."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InputError(None, f"columns {', '.join(columns)} in the change data", column=missing[0], found="absent")
    resp, wave, item, value = columns
    out = pd.DataFrame(
        {
            "respondent": frame[resp].to_numpy(),
            "wave": frame[wave].astype(str).to_numpy(),
            "item": frame[item].astype(str).to_numpy(),
        }
    )
    vals = pd.to_numeric(frame[value], errors="coerce")
    bad = vals.isna() & frame[value].notna()
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputError(None, "a number or an empty value", row=i + 1, column=value, found=frame[value].iloc[i])
    out["value"] = vals.to_numpy(dtype=float)
    unknown = sorted(set(out["wave"]) - set(waves))
    if unknown:
        raise InputError(None, f"wave {waves[0]!r} or {waves[1]!r}", column=wave, found=unknown[0])
    dup = out.duplicated(["respondent", "wave", "item"], keep="first")
    if dup.any():
        i = int(np.flatnonzero(dup.to_numpy())[0])
        raise InputError(None, "one value per respondent, wave and item", row=i + 1, column=resp,
                         found=f"{out['respondent'].iloc[i]} / {out['wave'].iloc[i]} / {out['item'].iloc[i]} again")  # fmt: skip
    return out


def _item_row(design: str, kind: str, before: np.ndarray, after: np.ndarray, confidence: float) -> dict:
    """One item's primary test and its mean difference, as a dict of :data:`CHANGE_COLUMNS`."""
    row = dict.fromkeys(["rank_biserial", "d_z", "g_av", "hedges_g"], _NAN)
    if design == "linked":
        mean = paired_t(before, after, confidence=confidence)
        row.update(n_before=mean.n, n_after=mean.n)
        if kind == "ordinal":
            res = wilcoxon_signed_rank(before, after)
            row["rank_biserial"] = res.rank_biserial
        elif kind == "score":
            res = mean
            row.update(d_z=res.d_z, g_av=res.g_av)
        else:
            res = mcnemar(before, after, confidence=confidence)
    else:
        mean = welch_t(before, after, confidence=confidence)
        row.update(n_before=mean.n_before, n_after=mean.n_after)
        if kind == "ordinal":
            res = mann_whitney(before, after)
            row["rank_biserial"] = res.rank_biserial
        elif kind == "score":
            res = mean
            row["hedges_g"] = res.hedges_g
        else:
            b, a = before[~np.isnan(before)], after[~np.isnan(after)]
            b, a = _binary(b, "before"), _binary(a, "after")
            res = two_proportions(int(b.sum()), len(b), int(a.sum()), len(a), confidence=confidence)
    row.update(
        n=res.n,
        mean_before=mean.mean_before,
        mean_after=mean.mean_after,
        mean_diff=mean.estimate,
        mean_diff_lower=mean.ci[0],
        mean_diff_upper=mean.ci[1],
        estimate=res.estimate,
        ci_lower=res.ci[0],
        ci_upper=res.ci[1],
        statistic=res.statistic,
        df=res.df,
        p=res.p,
        method=res.method,
    )
    return row


def change_table(
    frame: pd.DataFrame,
    *,
    waves: tuple[str, str],
    design: Literal["linked", "unlinked"],
    kinds: Mapping[str, Kind] | Kind = "ordinal",
    families: Mapping[str, str] | None = None,
    columns: tuple[str, str, str, str] = ("respondent", "wave", "item", "value"),
    confidence: float = 0.95,
) -> pd.DataFrame:
    """One row per item: its primary change test between ``waves = (baseline, follow-up)``,
    the mean difference with its interval, and Holm-adjusted p-values within each family.

    ``frame`` is long: one row per respondent, wave and item with a numeric ``value`` (NaN
    for skipped / not relevant); column names as ``columns`` says.  ``kinds`` gives each
    item's kind (one kind for all, or a mapping; items missing from a mapping are ordinal):

    ==========  ==============================  ===================================
    kind        linked (paired by respondent)   unlinked (independent waves)
    ==========  ==============================  ===================================
    ordinal     :func:`wilcoxon_signed_rank`    :func:`mann_whitney`
    score       :func:`paired_t`                :func:`welch_t`
    binary      :func:`mcnemar` (values 0/1)    :func:`two_proportions` (values 0/1)
    ==========  ==============================  ===================================

    Linked: the pairs are the respondents with a value at both waves for that item.
    Unlinked: every value of each wave (respondent ids are not used).  Every row also
    carries the mean difference (follow-up minus baseline) with its t interval (paired t
    for linked, Welch for unlinked), for every kind.

    Multiplicity: the primary p-values of the items of one family (``families`` maps item
    to family, e.g. an instrument or a subscale set; unmapped items form the family ``""``)
    are Holm adjusted together (:func:`holm`); ``tests_in_family`` is the number of p-values
    that entered the adjustment.  Items are in order of first appearance in ``frame``.
    Columns: :data:`CHANGE_COLUMNS`.
    """
    if design not in ("linked", "unlinked"):
        raise InputError(None, "design 'linked' or 'unlinked'", found=design)
    if len(waves) != 2 or waves[0] == waves[1]:
        raise InputError(None, "two different waves (baseline, follow-up)", found=waves)
    data = _long(frame, columns, waves)
    rows = []
    for item, sub in data.groupby("item", sort=False):
        kind = kinds if isinstance(kinds, str) else kinds.get(item, "ordinal")
        if kind not in ("ordinal", "score", "binary"):
            raise InputError(None, "kind 'ordinal', 'score' or 'binary'", column=item, found=kind)
        if design == "linked":
            wide = sub.pivot(index="respondent", columns="wave", values="value").reindex(columns=list(waves))
            wide = wide.dropna()
            before, after = wide[waves[0]].to_numpy(float), wide[waves[1]].to_numpy(float)
        else:
            before = sub.loc[sub["wave"] == waves[0], "value"].to_numpy(float)
            after = sub.loc[sub["wave"] == waves[1], "value"].to_numpy(float)
        row = _item_row(design, kind, before, after, confidence)
        row.update(family=(families or {}).get(item, ""), item=item, kind=kind, design=design,
                   test=_TESTS[(design, kind)])  # fmt: skip
        rows.append(row)
    table = pd.DataFrame(rows, columns=CHANGE_COLUMNS)
    table["p_holm"] = np.nan
    table["tests_in_family"] = 0
    for _, idx in table.groupby("family", sort=False).groups.items():
        p = table.loc[idx, "p"].to_numpy(float)
        table.loc[idx, "p_holm"] = holm(p)
        table.loc[idx, "tests_in_family"] = int((~np.isnan(p)).sum())
    table["tests_in_family"] = table["tests_in_family"].astype(int)
    return table
