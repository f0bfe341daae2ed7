"""What the audit records: figure statuses, check results and kinds, the columns of its tables, the
:class:`Check` record, and the number formats its sentences share."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from tieval.schema import AUDIT

__all__ = [
    "STATUSES",
    "RESULTS",
    "KINDS",
    "AUDIT_COLUMNS",
    "CHECK_COLUMNS",
    "DENOMINATOR_COLUMNS",
    "ERRATUM_COLUMNS",
    "Check",
]


#: Figure statuses, most important first.
STATUSES = ("inconsistent within report", "implausible", "differs", "match", "not reproducible")


#: Check results.  ``possible``: arithmetically possible only under something the report does not
#: state (a base it never gives, a rounding rule other than its table's); ``implausible``: possible
#: only at an extreme (a banded mean needing everyone at one limit of their band); ``differs``: the
#: data disagree with the report (flow checks); ``not checked``: an input the check needs is missing.
RESULTS = ("inconsistent", "differs", "implausible", "possible", "consistent", "not checked")


#: Check kinds and the prefix of their check ids.
KINDS = {
    "denominators": "DEN",
    "category sum": "SUM",
    "text vs table total": "TOT",
    "restatement": "RES",
    "mean vs bins": "MEAN",
    "wording": "WORD",
    "item numbering": "ITEM",
    "flow": "FLOW",
    "quantifier": "QUANT",
    "statistic": "STAT",
}


#: audit.csv: the data contract's columns, then ``comparison`` (the one-to-one result alone: match,
#: differs or not reproducible, before any consistency check), the unit, the unrounded
#: reproduction, its base, where it came from (file: table) and the ids of the checks the figure
#: takes part in.
AUDIT_COLUMNS = [*AUDIT, "comparison", "unit", "reproduced_exact", "reproduced_base", "reproduced_source", "checks"]


#: audit_checks.csv: ``figures`` = every figure the check looks at; ``flagged`` = the figures it
#: marks ``inconsistent within report`` (a subset; empty unless the result is ``inconsistent``).
CHECK_COLUMNS = ["check_id", "kind", "location", "figures", "flagged", "result", "explanation"]


#: audit_denominators.csv: one row per set of rounded percentages; ``rule`` is the rule it is judged by
#: (its table's), ``compatible_n`` the bases under it, ``closest_*``/``culprits``/``suggested`` the
#: minimal edit of an infeasible row.
DENOMINATOR_COLUMNS = [
    "check_id",
    "location",
    "item_id",
    "figures",
    "categories",
    "printed",
    "printed_sum",
    "complete",
    "n_searched",
    "rule",
    "compatible_n",
    "compatible_n_half_up",
    "compatible_n_half_even",
    "compatible_n_largest_remainder",
    "compatible_n_truncation",
    "stated_totals_fitting",
    "reproduced_base",
    "smallest_n_above",
    "closest_n",
    "closest_counts",
    "culprits",
    "suggested",
    "result",
]


@dataclass(frozen=True)
class Check:
    """One consistency check: what it looked at, what it found, and which figures it flags."""

    check_id: str
    kind: str
    location: str
    figures: tuple[str, ...]
    result: str
    explanation: str
    flagged: tuple[str, ...] = ()
    #: True for a check about a whole table (its figures are not pointed at it one by one).
    overview: bool = False
    #: for the erratum: what the data or arithmetic allow, and the suggested correction ('' if none)
    allowed: str = ""
    suggestion: str = ""


def printed_decimals(text: str) -> int:
    """Decimal places of a number as written ('2.8' -> 1, '26' -> 0)."""
    text = str(text).strip()
    return len(text.split(".", 1)[1]) if "." in text else 0


def num(x) -> str:
    """A number for prose: integers without decimals, others with up to 2."""
    if x is None or (isinstance(x, float) and np.isnan(x)):
        return ""
    x = float(x)
    if x.is_integer():
        return str(int(x))
    return f"{x:.2f}".rstrip("0").rstrip(".")


def ranges_text(ns: list[int]) -> str:
    """[29, 30, 31, 58, 60] -> '29-31, 58, 60'."""
    if not ns:
        return "none"
    parts, start, prev = [], ns[0], ns[0]
    for n in ns[1:] + [None]:
        if n is not None and n == prev + 1:
            prev = n
            continue
        parts.append(str(start) if start == prev else f"{start}-{prev}")
        if n is not None:
            start = prev = n
    return ", ".join(parts)


def common_prefix(ids) -> str:
    split = [str(i).split(".") for i in ids]
    out = []
    for parts in zip(*split):
        if len(set(parts)) != 1:
            break
        out.append(parts[0])
    return ".".join(out)


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", str(text).lower()).strip("-")


def join_ids(ids) -> str:
    return ", ".join(ids)


def unit_symbol(unit: str) -> str:
    return "%" if unit in ("percent", "percent_bound") else ""


#: erratum.csv: one row per substantive inconsistency of the report, most serious first.
ERRATUM_COLUMNS = [
    "rank",
    "location",
    "culprits",
    "printed",
    "allowed",
    "evidence",
    "suggested_correction",
    "checks",
]
