"""Check 1, denominators: each set of rounded percentages against every sample size that could produce it.

A set is searched once rounding halves up and once to even (a report rounds a row one way), with
:mod:`tieval.audit.rounding`; a table's rows against the stated survey totals; and shares of a table's
counts printed in the text against one common n."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd

from tieval.audit import rounding
from tieval.audit.inputs import AuditInputs
from tieval.audit.records import (
    DENOMINATOR_COLUMNS,
    Check,
    common_prefix,
    join_ids,
    num,
    ranges_text,
    slug,
)
from tieval.audit.sets import PercentSet, partitions, percent_sets

__all__ = [
    "check_denominators",
]


#: A report rounds every cell of a row the same way, so the denominator search runs once per
#: rule (rounding.py's per-cell "either" would let one row mix the rules).
RULES = ("half_up", "half_even")


def _feasible_partial(values, n: int, decimals: int, rule: str) -> bool:
    """Whether the printed categories of an incomplete set fit in ``n`` (the rest unprinted)."""
    ranges = [rounding.count_range(v, n, decimals, rule) for v in values]
    return all(ranges) and sum(r[0] for r in ranges) <= n


def _fits(ps: PercentSet, n: int, rule: str) -> bool:
    if ps.complete:
        return bool(rounding.counts_for(ps.values, n, ps.decimals, rule, limit=1))
    return _feasible_partial(ps.values, n, ps.decimals, rule)


def set_ns(ps: PercentSet, n_range) -> dict[str, list[int]]:
    """The sample sizes in ``n_range`` that can produce the set, per rounding rule."""
    out = {}
    for rule in RULES:
        if ps.complete:
            out[rule] = rounding.compatible_ns(ps.values, n_range, ps.decimals, rule)
        else:
            out[rule] = [n for n in n_range if _feasible_partial(ps.values, n, ps.decimals, rule)]
    return out


def _union(by_rule: dict[str, list[int]]) -> list[int]:
    return sorted(set().union(*by_rule.values()))


def _describe_ns(by_rule: dict[str, list[int]]) -> str:
    up, even = by_rule["half_up"], by_rule["half_even"]
    if up == even:
        return f"n = {ranges_text(up)}"
    return f"n = {ranges_text(up)} rounding halves up, {ranges_text(even)} rounding halves to even"


def _reproduced_bases(reproduced: pd.DataFrame, figures) -> str:
    bases = reproduced.loc[reproduced["figure_id"].isin(figures), "base"].dropna().unique()
    return ", ".join(num(b) for b in sorted(bases))


def _closest(ps: PercentSet, n_range):
    """The nearest reading of a complete set no n meets: (fit, rule), best over both rules."""
    best = None
    for rule in RULES:
        fit = rounding.closest_fit(ps.values, n_range, ps.decimals, rule)[0]
        if best is None or (fit.deviation, fit.exact_deviation) < (best[0].deviation, best[0].exact_deviation):
            best = (fit, rule)
    return best


def check_denominators(inputs: AuditInputs) -> tuple[list[Check], pd.DataFrame]:
    """Check 1: every set of rounded percentages against the sample sizes 1..``n_max``.

    Each set is searched twice, once rounding halves up and once to even (a report
    rounds a row one way).  Returns the checks and the denominators table.  A set no
    ``n`` in range can produce is inconsistent; its explanation gives the smallest ``n``
    above the range that would, and the closest reading within the range.  For each
    table, a summary check says whether one stated total fits every row.  Percentages of
    a table's counts printed in the text (e.g. "most respondents (25%) worked in health"
    beside a count of 12) are checked for a single ``n`` that gives them all."""
    study, pub, n_max = inputs.study, inputs.published, inputs.n_max
    survey_totals = inputs.totals[inputs.totals["survey"] & ~inputs.totals["approximate"]]
    n_range = range(1, n_max + 1)
    checks: list[Check] = []
    rows = []
    fits_by_location: dict[str, list[tuple[PercentSet, list[int]]]] = {}
    for ps in percent_sets(study, pub):
        by_rule = set_ns(ps, n_range)
        ns = _union(by_rule)
        fitting = [t for t in survey_totals.itertuples() if int(t.n) in ns]
        fit_text = "; ".join(f"{num(t.n)} ({t.label})" for t in fitting)
        above = closest = None
        if not ns:
            above = next(
                (n for n in range(n_max + 1, 3 * n_max + 1) if any(_fits(ps, n, rule) for rule in RULES)), None
            )
            if ps.complete:
                closest = _closest(ps, n_range)
        printed = " / ".join(f"{c} {v}%" for c, v in zip(ps.categories, ps.values))
        total = sum(Decimal(v) for v in ps.values)
        cid = f"DEN-{ps.key}"
        flagged: tuple[str, ...] = ()
        if ns:
            result = "consistent"
            explanation = (
                f"{ps.location}, {ps.item_id}: {printed} can be whole-number counts of "
                f"{_describe_ns(by_rule)} (searched 1-{n_max})"
            )
            explanation += (
                f"; the stated total(s) {fit_text} fit."
                if fitting
                else "; none of the stated survey totals fits."
                if len(survey_totals)
                else "."
            )
            if not ps.complete:
                explanation += " Not every answer category is printed; the rest may hold any remainder."
        else:
            result = "inconsistent"
            explanation = (
                f"{ps.location}, {ps.item_id}: no sample size from 1 to {n_max} gives {printed} "
                f"(sum {num(total)}) with one rounding rule"
            )
            limit = f"{n_max} ({inputs.n_max_basis})" if inputs.n_max_basis else str(n_max)
            explanation += (
                f"; the smallest n that would is {above}, more than {limit}."
                if above
                else f"; nor does any n up to {3 * n_max}."
            )
            if closest is not None:
                fit, rule = closest
                reprinted = [rounding.rounded_percent(k, fit.n, ps.decimals, rule) for k in fit.counts]
                explanation += (
                    f" Closest reading: n = {fit.n}, counts {'/'.join(map(str, fit.counts))} "
                    f"print as {'/'.join(num(x) for x in reprinted)} "
                    f"({num(fit.deviation)} percentage point(s) off in all)."
                )
            flagged = blame(ps, pub)
        checks.append(Check(cid, "denominators", ps.location, ps.figures, result, explanation, flagged))
        if ps.origin == "table":
            fits_by_location.setdefault(ps.location, []).append((ps, ns))
        fit = closest[0] if closest else None
        rows.append(
            {
                "check_id": cid,
                "location": ps.location,
                "item_id": ps.item_id,
                "figures": join_ids(ps.figures),
                "categories": " / ".join(ps.categories),
                "printed": " / ".join(ps.values),
                "printed_sum": float(total),
                "complete": ps.complete,
                "n_searched": f"1-{n_max}",
                "compatible_n": ranges_text(ns),
                "compatible_n_half_up": ranges_text(by_rule["half_up"]),
                "compatible_n_half_even": ranges_text(by_rule["half_even"]),
                "stated_totals_fitting": fit_text,
                "reproduced_base": _reproduced_bases(inputs.reproduced, ps.figures),
                "smallest_n_above": float(above) if above else np.nan,
                "closest_n": float(fit.n) if fit else np.nan,
                "closest_counts": "/".join(map(str, fit.counts)) if fit else "",
                "closest_deviation": float(fit.deviation) if fit else np.nan,
                "result": result,
            }
        )
    for location, items in fits_by_location.items():
        checks.append(_table_totals_check(location, items, survey_totals))
    checks.extend(_share_checks(inputs))
    frame = pd.DataFrame(rows, columns=DENOMINATOR_COLUMNS)
    return checks, frame


def blame(ps: PercentSet, pub: pd.DataFrame) -> tuple[str, ...]:
    """Figures of a failing set that carry the blame: in text, those that disagree with the
    table cell they restate (if any do); otherwise every figure of the set."""
    if ps.origin == "text":
        sub = pub[pub["figure_id"].isin(ps.figures) & (pub["restates"] != "")]
        cells = pub.set_index("figure_id")["value"]
        differing = tuple(
            r.figure_id
            for r in sub.itertuples()
            if r.unit in ("percent", "count") and abs(cells[r.restates] - r.value) > 1e-9
        )
        if differing:
            return differing
    return ps.figures


def _table_totals_check(location: str, items, survey_totals: pd.DataFrame) -> Check:
    """Does one stated survey total fit every row of a table of percentages?"""
    figures = tuple(f for ps, _ in items for f in ps.figures)
    rows = len(items)
    if not len(survey_totals):
        return Check(
            f"DEN-{slug(location)}",
            "denominators",
            location,
            figures,
            "not checked",
            f"{location}: the study states no survey totals to compare the rows with.",
            overview=True,
        )
    parts, all_fit = [], []
    for t in survey_totals.itertuples():
        fit = [ps.item_id for ps, ns in items if int(t.n) in ns]
        if fit:
            parts.append(f"n = {num(t.n)} ({t.label}) fits {len(fit)} of {rows} rows")
        if len(fit) == rows:
            all_fit.append(t)
    if not parts:
        parts.append(f"none of the stated survey totals fits any of its {rows} rows")
    none_fit = [ps.item_id for ps, ns in items if not any(int(t.n) in ns for t in survey_totals.itertuples())]
    text = f"{location}: " + "; ".join(parts) + "."
    if all_fit:
        return Check(
            f"DEN-{slug(location)}",
            "denominators",
            location,
            figures,
            "consistent",
            text + " One stated total fits every row.",
            overview=True,
        )
    text += (
        " No single stated total fits every row, so the rows have different bases "
        "(item non-response or answers left out of the base), which the report does not give."
    )
    if none_fit:
        text += f" Rows no stated total fits: {', '.join(none_fit)}."
    return Check(f"DEN-{slug(location)}", "denominators", location, figures, "possible", text, overview=True)


def _share_checks(inputs: AuditInputs) -> list[Check]:
    """Text percentages of a table's counts (same category label, no item): one n for all?"""
    pub, n_max = inputs.published, inputs.n_max
    shares = pub[
        (pub["unit"] == "percent")
        & (pub["item_id"] == "")
        & (pub["category"] != "")
        & (pub["location_type"] != "table")
    ]
    survey = inputs.totals.loc[inputs.totals["survey"] & ~inputs.totals["approximate"], "n"]
    checks = []
    for part in partitions(pub):
        lookup = dict(zip(part.categories, zip(part.figures, part.counts)))
        mine = shares[shares["category"].isin(lookup)]
        for location, group in mine.groupby("location", sort=False):
            n_range = range(1, 3 * n_max + 1)
            per_figure = []
            common: dict[str, set[int]] = {rule: set(n_range) for rule in RULES}
            for r in group.itertuples():
                cell, k = lookup[r.category]
                k = int(k)
                ns = {
                    rule: [n for n in n_range if n >= k and rounding.rounds_to(k, n, r.value_text, r.decimals, rule)]
                    for rule in RULES
                }
                per_figure.append((r, cell, k, _union(ns)))
                for rule in RULES:
                    common[rule] &= set(ns[rule])
            fit = sorted(n for n in set().union(*common.values()) if n <= n_max)
            figures = tuple(group["figure_id"]) + tuple(cell for _, cell, _, _ in per_figure)
            detail = "; ".join(
                f"{r.value_text}% of {k} ({cell}) "
                + (f"needs n = {ranges_text(ns)}" if ns else f"fits no n up to {3 * n_max}")
                for r, cell, k, ns in per_figure
            )
            cid = f"DEN-{common_prefix(group['figure_id']) or slug(location)}.{part.key}"
            if fit:
                checks.append(
                    Check(
                        cid,
                        "denominators",
                        location,
                        figures,
                        "consistent",
                        f"{location}: the shares of {part.location}'s counts fit n = {ranges_text(fit)}. {detail}.",
                    )
                )
                continue
            biggest = max(k for _, _, k, _ in per_figure)
            readings = []
            for n in sorted({int(part.total)} | {int(t) for t in survey}):
                if n >= biggest:
                    printed = "/".join(num(rounding.rounded_percent(k, n, r.decimals)) for r, _, k, _ in per_figure)
                    readings.append(f"n = {n} gives {printed}")
            text = (
                f"{location}: no single n gives these shares of {part.location}'s counts ({detail}). "
                f"Printed {'/'.join(r.value_text for r, *_ in per_figure)}"
                + (f"; {'; '.join(readings)}." if readings else ".")
            )
            checks.append(
                Check(cid, "denominators", location, figures, "inconsistent", text, tuple(group["figure_id"]))
            )
    return checks
