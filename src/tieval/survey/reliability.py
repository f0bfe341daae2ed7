"""Internal consistency of a scale: Cronbach's alpha with its Feldt interval, McDonald's omega, item statistics.

Pure statistics for any instrument (no study config): the input is a respondents x
items frame of scored answers (already reversed where an item is negatively worded:
:func:`reverse_score`), the output numbers or small frames.

- :func:`cronbach_alpha`: alpha with the Feldt (1965) F-distribution interval
  (Feldt, Woodruff & Salih 1987); :func:`alpha_from_covariance` and
  :func:`feldt_interval` are its parts;
- :func:`omega_total`: McDonald's omega total from a one-factor model fitted by
  iterated principal-axis factoring (which converges to the unweighted least squares,
  "minres", solution); refused, with the reason, for fewer than 3 items, a matrix that
  is not positive definite, no convergence or a Heywood case;
- :func:`item_statistics`: per item n, mean, SD, corrected item-total (item-rest)
  correlation and alpha if the item is deleted.

Missing answers (NaN: skipped, not relevant)
--------------------------------------------
``missing="listwise"`` (default) uses the respondents who answered every item of the
scale (``n`` is their number); ``missing="pairwise"`` builds each covariance from the
respondents who answered both items (``n`` is then the smallest pairwise count, the
conservative choice for the Feldt interval).  A pairwise matrix need not be positive
definite; omega then refuses.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from tieval.errors import InputError

__all__ = [
    "AlphaResult",
    "OmegaResult",
    "reverse_score",
    "covariance",
    "alpha_from_covariance",
    "feldt_interval",
    "cronbach_alpha",
    "omega_from_covariance",
    "omega_total",
    "item_statistics",
    "ITEM_COLUMNS",
]

Missing = Literal["listwise", "pairwise"]
_NAN = float("nan")


@dataclass(frozen=True)
class AlphaResult:
    """Cronbach's alpha of ``k`` items on ``n`` respondents with its ``ci`` (lower, upper);
    ``method`` names the missing-data handling and the interval."""

    alpha: float
    ci: tuple[float, float]
    n: int
    k: int
    method: str


@dataclass(frozen=True)
class OmegaResult:
    """McDonald's omega total and the one-factor solution (``loadings`` and ``uniquenesses``
    in the items' raw metric, by item).  ``omega`` is NaN and ``reason`` says why when the
    model could not be fitted; ``reason`` is empty otherwise."""

    omega: float
    loadings: pd.Series
    uniquenesses: pd.Series
    n: int
    k: int
    method: str
    iterations: int
    reason: str


def reverse_score(values, minimum: float, maximum: float):
    """Reverse scored answers on a ``minimum .. maximum`` range: ``minimum + maximum - x``.

    Works for any range (1-5 gives ``6 - x``, 0-10 gives ``10 - x``, 1-7 gives ``8 - x``) on a
    scalar, array, Series or DataFrame; NaN stays NaN.  A value outside the range raises
    :class:`~tieval.errors.InputError` (it cannot be a scale point)."""
    if not minimum < maximum:
        raise InputError(None, "a scale range with minimum < maximum", found=f"{minimum} .. {maximum}")
    arr = np.asarray(values, dtype=float)
    bad = ~np.isnan(arr) & ((arr < minimum) | (arr > maximum))
    if bad.any():
        raise InputError(None, f"scale points from {minimum:g} to {maximum:g}", found=arr[bad].flat[0])
    return (minimum + maximum) - values


def _frame(items) -> pd.DataFrame:
    frame = items if isinstance(items, pd.DataFrame) else pd.DataFrame(np.asarray(items, dtype=float))
    try:
        return frame.astype(float)
    except (TypeError, ValueError) as exc:
        raise InputError(None, "numeric item scores (respondents x items)", found=str(exc)) from None


def covariance(items, missing: Missing = "listwise") -> tuple[pd.DataFrame, int]:
    """The items' covariance matrix (n - 1 denominator) and its ``n``: listwise (complete rows,
    ``n`` their number) or pairwise (each pair's complete rows, ``n`` the smallest pair count)."""
    frame = _frame(items)
    if missing not in ("listwise", "pairwise"):
        raise InputError(None, "missing 'listwise' or 'pairwise'", found=missing)
    if missing == "listwise":
        frame = frame.dropna()
        n = len(frame)
    else:
        present = frame.notna().to_numpy(dtype=float)
        counts = present.T @ present
        n = int(counts.min()) if counts.size else 0
    if n < 2:  # no covariance can be estimated (pandas would warn and divide by zero)
        return pd.DataFrame(np.nan, index=frame.columns, columns=frame.columns), n
    return frame.cov(min_periods=2, ddof=1), n


def alpha_from_covariance(cov) -> float:
    """Cronbach's alpha ``k / (k - 1) * (1 - sum(diag(S)) / sum(S))`` of a covariance matrix
    ``S`` of ``k >= 2`` items; NaN with fewer items, a missing entry or no total variance."""
    s = np.asarray(cov, dtype=float)
    k = s.shape[0]
    if k < 2 or np.isnan(s).any():
        return _NAN
    total = float(s.sum())
    if not total > 0:
        return _NAN
    return float(k / (k - 1) * (1.0 - float(np.trace(s)) / total))


def feldt_interval(alpha: float, n: int, k: int, *, confidence: float = 0.95) -> tuple[float, float]:
    """Feldt's confidence interval for coefficient alpha.

    ``(1 - alpha_pop) / (1 - alpha)`` follows an F distribution on ``n - 1`` and
    ``(n - 1)(k - 1)`` df, so with ``c = 1 - confidence``:
    ``lower = 1 - (1 - alpha) F_(1 - c/2)``, ``upper = 1 - (1 - alpha) F_(c/2)``
    (Feldt, Woodruff & Salih 1987, p. 95, eqs. 6-7).  Assumes the items are (essentially)
    parallel with normal errors and respondents sampled at random; NaN for ``n < 2``,
    ``k < 2`` or a NaN alpha.

    References: Feldt, L. S. (1965). The approximate sampling distribution of
    Kuder-Richardson reliability coefficient twenty. Psychometrika 30:357-370; Feldt, L. S.,
    Woodruff, D. J. & Salih, F. A. (1987). Statistical inference for coefficient alpha.
    Applied Psychological Measurement 11:93-103.
    """
    if n < 2 or k < 2 or math.isnan(alpha):
        return _NAN, _NAN
    # The F quantile is scipy.special.fdtri, the function scipy.stats.f.ppf evaluates; scipy.special
    # loads in about 0.2 s, scipy.stats in about 0.7 s more.
    from scipy.special import fdtri  # noqa: PLC0415 - loaded only for this interval

    df1, df2 = n - 1, (n - 1) * (k - 1)
    c = 1.0 - confidence
    return (
        float(1.0 - (1.0 - alpha) * fdtri(df1, df2, 1.0 - c / 2)),
        float(1.0 - (1.0 - alpha) * fdtri(df1, df2, c / 2)),
    )


def cronbach_alpha(items, *, missing: Missing = "listwise", confidence: float = 0.95) -> AlphaResult:
    """Cronbach's alpha of a respondents x items frame with its Feldt interval.

    Formula: ``alpha = k / (k - 1) * (1 - sum(s_i^2) / s_total^2)`` with item variances
    ``s_i^2`` and the variance of the unweighted sum ``s_total^2 = sum of all covariances``
    (n - 1 denominators; :func:`alpha_from_covariance`); interval: :func:`feldt_interval`.
    Missing answers: listwise (default; the same numbers as alpha on the complete rows) or
    pairwise covariances (see the module notes).  Items must already be reverse scored where
    negatively worded.  NaN alpha (and interval) for fewer than 2 items or 2 respondents or no
    variance of the total.  Alpha assumes essential tau-equivalence; see
    :func:`omega_total` for congeneric items.

    Reference: Cronbach, L. J. (1951). Coefficient alpha and the internal structure of tests.
    Psychometrika 16:297-334.

    This is the alpha the construct summary reports (listwise, ``n`` = complete rows):
    ``cronbach_alpha(matrix).alpha`` and ``.n`` equal ``tieval.survey.scores.cronbach_alpha(matrix)``.
    """
    frame = _frame(items)
    cov, n = covariance(frame, missing)
    k = frame.shape[1]
    alpha = alpha_from_covariance(cov) if n >= 2 else _NAN
    ci = feldt_interval(alpha, n, k, confidence=confidence)
    method = f"Cronbach's alpha, {missing} deletion; Feldt (1965) F interval, {confidence:.0%}"
    return AlphaResult(alpha, ci, n, k, method)


def omega_from_covariance(cov, *, n: int = 0, tol: float = 1e-10, max_iter: int = 10_000, names=None) -> OmegaResult:
    """McDonald's omega total of the unweighted sum of ``k >= 3`` items from their covariance matrix.

    Model: one common factor, ``x_i = lambda_i F + e_i``.  Estimation: **iterated
    principal-axis factoring** of the correlation matrix ``R`` (communalities start at the
    squared multiple correlations ``1 - 1 / diag(R^-1)``; each step puts them on the diagonal
    and takes the first eigenvector, ``lambda = sqrt(e_1) v_1``, until the largest change in a
    communality is below ``tol``).  Its fixed point is the unweighted least squares (minres)
    solution.  Loadings are rescaled to the raw metric, ``lambda_i * s_i``, with uniquenesses
    ``psi_i = s_i^2 (1 - h_i)``, and
    ``omega = (sum lambda_i)^2 / ((sum lambda_i)^2 + sum psi_i)`` (McDonald 1999, eq. 6.20b:
    the model-implied variance of the sum in the denominator).

    Refused (omega NaN, ``reason`` set) with fewer than 3 items (one factor is then not
    identified), a missing entry or zero variance, a correlation matrix that is not positive
    definite (smallest eigenvalue <= 1e-12), no convergence within ``max_iter`` steps, or a
    Heywood case (a communality >= 1).  The sign of the factor is chosen so that the loadings
    sum to a positive number.

    References: McDonald, R. P. (1999). Test Theory: A Unified Treatment, ch. 6; Revelle, W. &
    Zinbarg, R. E. (2009). Coefficients alpha, beta, omega, and the glb. Psychometrika
    74:145-154; Harman, H. H. (1976). Modern Factor Analysis (principal-axis iteration).
    """
    s = np.asarray(cov, dtype=float)
    k = s.shape[0]
    names = (
        list(names) if names is not None else (list(cov.columns) if isinstance(cov, pd.DataFrame) else list(range(k)))
    )
    method = "McDonald's omega total, one factor by iterated principal-axis factoring (minres/ULS fixed point)"
    empty = pd.Series(np.nan, index=names, dtype=float)

    def refuse(reason: str, iterations: int = 0) -> OmegaResult:
        return OmegaResult(_NAN, empty, empty.copy(), n, k, method, iterations, reason)

    if k < 3:
        return refuse(f"omega needs at least 3 items for a one-factor model; found {k}")
    if np.isnan(s).any():
        return refuse("the covariance matrix has missing entries")
    sd = np.sqrt(np.diag(s))
    if not (sd > 0).all():
        return refuse("an item has no variance")
    r = s / np.outer(sd, sd)
    smallest = float(np.linalg.eigvalsh(r)[0])
    if smallest <= 1e-12:
        return refuse(f"the correlation matrix is not positive definite (smallest eigenvalue {smallest:.3g})")
    h = 1.0 - 1.0 / np.diag(np.linalg.inv(r))
    loadings = np.sqrt(np.clip(h, 0, None))
    for iteration in range(1, max_iter + 1):
        reduced = r.copy()
        np.fill_diagonal(reduced, h)
        values, vectors = np.linalg.eigh(reduced)
        loadings = vectors[:, -1] * math.sqrt(max(values[-1], 0.0))
        new_h = loadings**2
        change = float(np.abs(new_h - h).max())
        h = new_h
        if (h >= 1.0).any():
            return refuse(
                "Heywood case: a communality reached 1 (an item is explained entirely by the factor)", iteration
            )
        if change < tol:
            break
    else:
        return refuse(f"the factor solution did not converge in {max_iter} iterations", max_iter)
    if loadings.sum() < 0:
        loadings = -loadings
    raw = loadings * sd
    psi = s.diagonal() * (1.0 - h)
    common = float(raw.sum()) ** 2
    omega = common / (common + float(psi.sum()))
    return OmegaResult(
        float(omega),
        pd.Series(raw, index=names, dtype=float),
        pd.Series(psi, index=names, dtype=float),
        n,
        k,
        method,
        iteration,
        "",
    )


def omega_total(items, *, missing: Missing = "listwise", tol: float = 1e-10, max_iter: int = 10_000) -> OmegaResult:
    """McDonald's omega total of a respondents x items frame (:func:`omega_from_covariance` on
    the listwise or pairwise covariance matrix; ``n`` as :func:`covariance` gives it).  Items
    must already be reverse scored where negatively worded."""
    frame = _frame(items)
    cov, n = covariance(frame, missing)
    if n < 2:
        k = frame.shape[1]
        empty = pd.Series(np.nan, index=list(frame.columns), dtype=float)
        return OmegaResult(_NAN, empty, empty.copy(), n, k, "McDonald's omega total", 0,
                           f"fewer than 2 respondents with {missing} complete answers")  # fmt: skip
    result = omega_from_covariance(cov, n=n, tol=tol, max_iter=max_iter, names=list(frame.columns))
    return result


#: Columns of :func:`item_statistics`.
ITEM_COLUMNS = ["item", "n", "mean", "sd", "item_rest_r", "alpha_if_deleted"]


def item_statistics(items, *, missing: Missing = "listwise") -> pd.DataFrame:
    """Per item: n answered, mean and SD (over the respondents used), the corrected item-total
    correlation and alpha if the item is deleted.

    Corrected item-total (item-rest) correlation: the correlation of item ``i`` with the sum of
    the *other* items, from the covariance matrix ``S``:
    ``r_i = sum_{j != i} S_ij / sqrt(S_ii * sum_{j, l != i} S_jl)`` (the item is not in the total
    it is correlated with, so the correlation is not inflated by the item's own variance).
    Alpha if deleted: :func:`alpha_from_covariance` of ``S`` without row and column ``i`` (NaN
    when fewer than 2 items remain).  ``missing`` as in :func:`cronbach_alpha`: listwise
    statistics are computed on the complete rows (``n`` the same for every item); pairwise
    statistics on each covariance's own rows (``n`` the item's answered count, mean and SD
    over those).

    Reference: Nunnally, J. C. & Bernstein, I. H. (1994). Psychometric Theory, 3rd ed., ch. 8.
    """
    frame = _frame(items)
    cov, _ = covariance(frame, missing)
    used = frame.dropna() if missing == "listwise" else frame
    s = cov.to_numpy(dtype=float)
    k = s.shape[0]
    rows = []
    for i, name in enumerate(frame.columns):
        rest = [j for j in range(k) if j != i]
        col = used[name].dropna()
        rest_var = float(s[np.ix_(rest, rest)].sum()) if rest else _NAN
        denom = s[i, i] * rest_var
        r = float(s[i, rest].sum()) / math.sqrt(denom) if rest and denom > 0 else _NAN
        rows.append(
            {
                "item": name,
                "n": len(col),
                "mean": float(col.mean()) if len(col) else _NAN,
                "sd": float(col.std(ddof=1)) if len(col) > 1 else _NAN,
                "item_rest_r": r,
                "alpha_if_deleted": alpha_from_covariance(s[np.ix_(rest, rest)]) if len(rest) >= 2 else _NAN,
            }
        )
    return pd.DataFrame(rows, columns=ITEM_COLUMNS)
