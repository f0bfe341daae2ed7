"""Inter-coder agreement: Cohen's kappa per code between two coders, and pooled over codes.

Two coders have each decided, for every unit (excerpt) of a shared set, whether
a code applies.  For one code that gives a 2 x 2 table over the ``n`` units::

                    coder B yes   coder B no
    coder A yes        both         a_only
    coder A no         b_only       neither

- observed agreement  ``p_o = (both + neither) / n``
- expected agreement  ``p_e = p_A p_B + (1 - p_A)(1 - p_B)``, with
  ``p_A = (both + a_only) / n`` and ``p_B = (both + b_only) / n``
- Cohen's kappa       ``(p_o - p_e) / (1 - p_e)`` (Cohen 1960).

Kappa is **undefined** when ``p_e = 1``: both coders never used the code, or
both used it on every unit (there is no variation to agree about).  The
result then says so in ``status`` and leaves ``kappa`` empty (NaN) instead of
dividing by zero.  With no units at all, everything is undefined.

Pooled kappa (De Vries, Elliott, Kanouse and Teleki 2008, *Field Methods*
20(3)) averages the observed and the expected agreement over codes first:
``(mean p_o - mean p_e) / (1 - mean p_e)``; it stays defined when single
codes are not.  The plain mean of the defined per-code kappas is given too.

Public API::

    table = kappa_per_code(codings, coder_a="A", coder_b="B", units=excerpts["excerpt_id"])
    summary = pooled_kappa(table)                 # one-row DataFrame
    k = kappa_from_counts(both=8, a_only=3, b_only=2, neither=7)   # -> Kappa
    k = cohen_kappa(ratings_a, ratings_b)         # nominal kappa for two label sequences

``codings`` is the tidy table of ``schema.CODINGS`` (excerpt_id, code_id,
coder), e.g. the study's codings concatenated with a second coder's codings
read by :mod:`tieval.qual.qda`.  ``units`` should be every excerpt both coders
were given: units that neither coder coded with anything still count as
agreement that no code applies, so leaving them out changes kappa.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from tieval.errors import InputError
from tieval.qual.codebook import Codebook
from tieval.qual.codings import at_theme_level
from tieval.schema import CODINGS, require_columns

__all__ = [
    "Kappa",
    "kappa_from_counts",
    "cohen_kappa",
    "kappa_per_code",
    "pooled_kappa",
    "KAPPA_COLUMNS",
    "POOLED_COLUMNS",
]

#: Columns of :func:`kappa_per_code`.
KAPPA_COLUMNS = [
    "code_id",
    "coder_a",
    "coder_b",
    "n_units",
    "both",
    "a_only",
    "b_only",
    "neither",
    "observed_agreement",
    "expected_agreement",
    "kappa",
    "status",
]
#: Columns of :func:`pooled_kappa`.
POOLED_COLUMNS = [
    "n_codes",
    "n_codes_defined",
    "n_units",
    "pooled_observed",
    "pooled_expected",
    "pooled_kappa",
    "mean_kappa",
    "status",
]

DEFINED = "defined"


@dataclass(frozen=True)
class Kappa:
    """Cohen's kappa with its parts. ``kappa`` is NaN when ``status`` is not ``'defined'``."""

    n: int
    observed: float
    expected: float
    kappa: float
    status: str

    @property
    def defined(self) -> bool:
        return self.status == DEFINED


def _kappa(observed: float, expected: float, n: int, constant_reason: str) -> Kappa:
    if n == 0:
        return Kappa(0, math.nan, math.nan, math.nan, "undefined: no units")
    if math.isclose(expected, 1.0, rel_tol=0.0, abs_tol=1e-12):
        return Kappa(n, observed, expected, math.nan, f"undefined: {constant_reason}")
    return Kappa(n, observed, expected, (observed - expected) / (1.0 - expected), DEFINED)


def kappa_from_counts(both: int, a_only: int, b_only: int, neither: int) -> Kappa:
    """Cohen's kappa of one code from its 2 x 2 table (counts of units).

    >>> kappa_from_counts(both=8, a_only=3, b_only=2, neither=7).kappa
    0.5
    """
    counts = (both, a_only, b_only, neither)
    if any(c < 0 for c in counts):
        raise ValueError(f"counts must not be negative: {counts}")
    n = sum(counts)
    if n == 0:
        return _kappa(math.nan, math.nan, 0, "")
    yes_a, yes_b = both + a_only, both + b_only
    # p_e = 1 exactly when both coders are constant and agree: decide it in integers
    if yes_a == yes_b and yes_a in (0, n):
        reason = "both coders never used the code" if yes_a == 0 else "both coders used the code on every unit"
        return Kappa(n, (both + neither) / n, 1.0, math.nan, f"undefined: {reason}")
    p_a, p_b = yes_a / n, yes_b / n
    observed = (both + neither) / n
    expected = p_a * p_b + (1 - p_a) * (1 - p_b)
    return _kappa(observed, expected, n, "")


def cohen_kappa(ratings_a, ratings_b) -> Kappa:
    """Cohen's kappa for two coders' nominal ratings of the same units, in the same order.

    Missing ratings (None/NaN) are not allowed: align the units first.
    """
    a = pd.Series(list(ratings_a), dtype="object")
    b = pd.Series(list(ratings_b), dtype="object")
    if len(a) != len(b):
        raise ValueError(f"both coders must rate the same units: {len(a)} and {len(b)} ratings")
    if a.isna().any() or b.isna().any():
        raise ValueError("ratings must not be missing")
    n = len(a)
    if n == 0:
        return _kappa(math.nan, math.nan, 0, "")
    observed = float((a.to_numpy() == b.to_numpy()).mean())
    share_a = a.value_counts(normalize=True)
    share_b = b.value_counts(normalize=True)
    expected = float(share_a.mul(share_b, fill_value=0.0).sum())
    if a.nunique() == 1 and b.nunique() == 1 and a.iloc[0] == b.iloc[0]:
        return Kappa(
            n, observed, 1.0, math.nan, f"undefined: both coders gave every unit the same rating {a.iloc[0]!r}"
        )
    return _kappa(observed, expected, n, "both coders gave every unit the same rating")


def _pairs(codings: pd.DataFrame, coder: str, units: pd.Index) -> pd.DataFrame:
    mine = codings.loc[codings["coder"] == coder, ["excerpt_id", "code_id"]].drop_duplicates()
    return mine[mine["excerpt_id"].isin(units)]


def kappa_per_code(
    codings: pd.DataFrame,
    coder_a: str | None = None,
    coder_b: str | None = None,
    *,
    units=None,
    codes=None,
    file: str = "codings",
) -> pd.DataFrame:
    """Cohen's kappa for every code between two coders over a shared set of units.

    Parameters
    ----------
    codings:
        Tidy codings with columns excerpt_id, code_id, coder (``schema.CODINGS``).
    coder_a, coder_b:
        The two coders. If both are omitted and exactly two coders appear, those two
        (in sorted order).
    units:
        The excerpt ids both coders were given.  Codings of other units are ignored.
        Default: every excerpt either coder coded (which leaves out units neither coded;
        pass the excerpt ids to count those as agreement).
    codes:
        Codes to report (e.g. the whole codebook: a code neither coder used is reported
        as undefined).  Default: every code either coder used on the units.
    file:
        Name used in error messages.

    Returns one row per code (``KAPPA_COLUMNS``), sorted by code_id.
    """
    require_columns(codings, CODINGS, file)
    codings = codings[CODINGS].fillna("").astype("str")
    present = sorted(set(codings["coder"]))
    if coder_a is None and coder_b is None:
        if len(present) != 2:
            raise InputError(
                file,
                "codings by exactly two coders (or name coder_a and coder_b)",
                column="coder",
                found=", ".join(present) or "none",
            )
        coder_a, coder_b = present
    for coder in (coder_a, coder_b):
        if coder not in present:
            raise InputError(
                file,
                f"codings by coder {coder!r} (coders present: {', '.join(present) or 'none'})",
                column="coder",
                found=coder,
            )
    if coder_a == coder_b:
        raise InputError(file, "two different coders", column="coder", found=coder_a)

    if units is None:
        both_coders = codings[codings["coder"].isin([coder_a, coder_b])]
        units = pd.Index(sorted(set(both_coders["excerpt_id"])))
    else:
        units = pd.Index(pd.unique(pd.Series(list(units), dtype="str")))
    n = len(units)
    a = _pairs(codings, coder_a, units)
    b = _pairs(codings, coder_b, units)
    merged = a.merge(b, on=["excerpt_id", "code_id"], how="outer", indicator=True)
    counts = pd.crosstab(merged["code_id"], merged["_merge"]).reindex(
        columns=["both", "left_only", "right_only"], fill_value=0
    )
    if codes is None:
        code_ids = sorted(counts.index)
    else:
        code_ids = sorted(set(pd.Series(list(codes), dtype="str")))
    counts = counts.reindex(code_ids, fill_value=0)

    rows = []
    for code_id, row in counts.iterrows():
        both, a_only, b_only = int(row["both"]), int(row["left_only"]), int(row["right_only"])
        k = kappa_from_counts(both, a_only, b_only, n - both - a_only - b_only)
        rows.append(
            {
                "code_id": code_id,
                "coder_a": coder_a,
                "coder_b": coder_b,
                "n_units": n,
                "both": both,
                "a_only": a_only,
                "b_only": b_only,
                "neither": n - both - a_only - b_only,
                "observed_agreement": k.observed,
                "expected_agreement": k.expected,
                "kappa": k.kappa,
                "status": k.status,
            }
        )
    table = pd.DataFrame(rows, columns=KAPPA_COLUMNS)
    for column in ("n_units", "both", "a_only", "b_only", "neither"):
        table[column] = table[column].astype("int64")
    for column in ("observed_agreement", "expected_agreement", "kappa"):
        table[column] = table[column].astype("float64")
    return table


def pooled_kappa(per_code: pd.DataFrame) -> pd.DataFrame:
    """Summarise :func:`kappa_per_code`: pooled kappa (De Vries et al. 2008) and mean kappa.

    Codes without units are left out.  Returns one row (``POOLED_COLUMNS``).
    """
    usable = per_code[per_code["n_units"] > 0]
    defined = usable[usable["status"] == DEFINED]
    n_units = int(usable["n_units"].max()) if len(usable) else 0
    mean_kappa = float(defined["kappa"].mean()) if len(defined) else math.nan
    if len(usable) == 0:
        observed = expected = kappa = math.nan
        status = "undefined: no codes with units"
    else:
        observed = float(usable["observed_agreement"].mean())
        expected = float(usable["expected_agreement"].mean())
        if math.isclose(expected, 1.0, rel_tol=0.0, abs_tol=1e-12):
            kappa, status = math.nan, "undefined: no code varied between units for either coder"
        else:
            kappa, status = (observed - expected) / (1.0 - expected), DEFINED
    return pd.DataFrame(
        [
            {
                "n_codes": len(usable),
                "n_codes_defined": len(defined),
                "n_units": n_units,
                "pooled_observed": observed,
                "pooled_expected": expected,
                "pooled_kappa": kappa,
                "mean_kappa": mean_kappa,
                "status": status,
            }
        ],
        columns=POOLED_COLUMNS,
    )


def theme_agreement(
    first: pd.DataFrame, second: pd.DataFrame, codebook: Codebook, excerpts: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Cohen's kappa per theme between two codings (each rolled up to themes, every excerpt a unit)
    and the pooled kappa (:func:`kappa_per_code`, :func:`pooled_kappa`).  Each coding must come from one coder."""
    names = []
    for frame in (first, second):
        coders = sorted(set(frame["coder"]))
        if len(coders) != 1:
            raise InputError(
                "codings", "codings by exactly one coder in each set", column="coder", found=", ".join(coders)
            )
        names.append(coders[0])
    both = pd.concat([at_theme_level(first, codebook), at_theme_level(second, codebook)], ignore_index=True)
    per_code = kappa_per_code(
        both, names[0], names[1], units=excerpts["excerpt_id"], codes=[c.id for c in codebook.themes]
    )
    return per_code, pooled_kappa(per_code)
