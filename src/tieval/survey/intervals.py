"""Wilson score interval for a binomial proportion (pure: counts in, bounds out).

For ``k`` successes in ``n`` trials, ``p = k / n`` and the standard normal quantile ``z``
(1.96 for 95 %), the Wilson (1927) score interval is

    centre = (p + z² / 2n) / (1 + z² / n)
    half   = z / (1 + z² / n) · sqrt(p (1 - p) / n + z² / 4n²)
    [lower, upper] = [centre - half, centre + half]

It keeps its coverage close to the nominal level for small ``n`` and for ``p`` near 0 or 1,
where the Wald interval ``p ± z sqrt(p (1 - p) / n)`` fails; Brown, Cai & DasGupta (2001,
Statistical Science 16:101-133) recommend it for small samples.  Newcombe (1998, Statistics
in Medicine 17:857-872, method 3) gives the worked values used in the doctest.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "Z95",
    "wilson_interval",
]


#: Two-sided 95 % standard normal quantile (scipy.stats.norm.ppf(0.975)).
Z95 = 1.959963984540054


# --- Wilson interval ------------------------------------------------------------------------------
def wilson_interval(k, n, z: float = Z95):
    """Wilson score interval for ``k`` successes out of ``n`` (arrays or scalars), as proportions.

    Returns ``(lower, upper)``; both are NaN where ``n`` is 0.  ``k = 0`` gives a
    lower bound of exactly 0 and ``k = n`` an upper bound of exactly 1.

    >>> [round(b, 4) for b in wilson_interval(81, 263)]     # Newcombe (1998), Table I
    [0.2553, 0.3662]
    """
    k_arr = np.asarray(k, dtype=float)
    n_arr = np.asarray(n, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = k_arr / n_arr
        z2 = z * z
        denom = 1.0 + z2 / n_arr
        centre = (p + z2 / (2.0 * n_arr)) / denom
        half = (z / denom) * np.sqrt(p * (1.0 - p) / n_arr + z2 / (4.0 * n_arr * n_arr))
        lower = np.clip(centre - half, 0.0, 1.0)
        upper = np.clip(centre + half, 0.0, 1.0)
    lower = np.where(k_arr == 0, 0.0, lower)
    upper = np.where(k_arr == n_arr, 1.0, upper)
    bad = ~(n_arr > 0)
    lower = np.where(bad, np.nan, lower)
    upper = np.where(bad, np.nan, upper)
    if lower.ndim == 0:
        return float(lower), float(upper)
    return lower, upper
