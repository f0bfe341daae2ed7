"""Check 1, denominators: each set of rounded percentages against every sample size that could produce it.

A set is searched under each rounding rule of :mod:`tieval.audit.rules` (half up, half even, largest
remainder, truncation); its verdict uses one rule, the one its table most likely used
(:mod:`tieval.audit.table_rules`).  A row that fits only under another rule is ``possible`` and says so;
a row no rule and base can produce is ``inconsistent`` and flags only its culprit cells
(:func:`tieval.audit.culprits.diagnose`).  Also a table's rows against the stated survey totals, and
shares of a table's counts printed in the text against one common n."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd

from tieval.audit import rounding, rules
from tieval.audit.culprits import diagnose
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
from tieval.audit.table_rules import table_rules

__all__ = [
    "check_denominators",
]


#: The cell-by-cell rules (rounding.py's per-cell "either" would let one row mix them); the search
#: itself runs over every rule of :data:`tieval.audit.rules.RULES`.
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
    """The sample sizes in ``n_range`` that can produce the set, per cell-by-cell rounding rule."""
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
    """The bases per rule in words, rules giving the same bases together."""
    groups: dict[tuple[int, ...], list[str]] = {}
    for rule in rules.RULES:
        if by_rule[rule]:
            groups.setdefault(tuple(by_rule[rule]), []).append(rules.RULE_LABELS[rule])
    if not groups:
        return "no n"
    return "; ".join(f"n = {ranges_text(list(ns))} ({', '.join(labels)})" for ns, labels in groups.items())


def _rule_source(ps: PercentSet, pub: pd.DataFrame, by_location: dict) -> str:
    if ps.location in by_location:
        return f"the rule inferred for {ps.location}"
    return "the rule of the table it restates"


def set_rule(ps: PercentSet, pub: pd.DataFrame, by_location: dict) -> str | None:
    """The rule a set is judged by: its table's; for text, the table of the cells it restates; else None."""
    if ps.location in by_location:
        return by_location[ps.location].rule
    targets = pub.loc[pub["figure_id"].isin(ps.figures) & (pub["restates"] != ""), "restates"]
    locations = set(pub.loc[pub["figure_id"].isin(targets), "location"])
    found = [by_location[loc].rule for loc in sorted(locations) if loc in by_location]
    return found[0] if found else None


def _reproduced_bases(reproduced: pd.DataFrame, figures) -> str:
    bases = reproduced.loc[reproduced["figure_id"].isin(figures), "base"].dropna().unique()
    return ", ".join(num(b) for b in sorted(bases))


def check_denominators(inputs: AuditInputs, by_location: dict | None = None) -> tuple[list[Check], pd.DataFrame]:
    """Check 1: every set of rounded percentages against the sample sizes 1..``n_max``.

    Each set is searched under every rule of :data:`tieval.audit.rules.RULES` and judged by one:
    its table's inferred rule (``by_location``, :func:`tieval.audit.table_rules.table_rules`; for
    text, the rule of the table it restates; with neither, any rule).  A set that fits under that
    rule is consistent; one that fits only under another rule is ``possible`` and says which; one no
    rule and ``n`` in range can produce is inconsistent, flagging only its culprit cells (the fewest
    cells whose change makes it feasible, :func:`tieval.audit.culprits.diagnose`).  For each table, a
    summary check says whether one stated total fits every row.  Percentages of a table's counts
    printed in the text are checked for a single ``n`` that gives them all."""
    study, pub, n_max = inputs.study, inputs.published, inputs.n_max
    if by_location is None:
        by_location = table_rules(study, pub, n_max)
    survey_totals = inputs.totals[inputs.totals["survey"] & ~inputs.totals["approximate"]]
    preferred = sorted({int(t) for t in survey_totals["n"]})
    n_range = range(1, n_max + 1)
    checks: list[Check] = []
    rows = []
    fits_by_location: dict[str, list[tuple[PercentSet, list[int]]]] = {}
    for ps in percent_sets(study, pub):
        by_rule = rules.feasible_bases(ps.values, n_range, ps.decimals, ps.complete)
        rule = set_rule(ps, pub, by_location)
        every = sorted(set().union(*by_rule.values()))
        ns = by_rule[rule] if rule in by_rule else every
        fitting = [t for t in survey_totals.itertuples() if int(t.n) in ns]
        fit_text = "; ".join(f"{num(t.n)} ({t.label})" for t in fitting)
        printed = " / ".join(f"{c} {v}%" for c, v in zip(ps.categories, ps.values))
        total = sum(Decimal(v) for v in ps.values)
        cid = f"DEN-{ps.key}"
        under = f" under {rules.RULE_LABELS[rule]}, {_rule_source(ps, pub, by_location)}" if rule in by_rule else ""
        head = f"{ps.location}, {ps.item_id}: {printed}"
        flagged: tuple[str, ...] = ()
        diagnosis = None
        above = None
        if ns:
            result = "consistent"
            explanation = f"{head} can be whole-number counts of n = {ranges_text(ns)}{under} (searched 1-{n_max})"
            explanation += (
                f"; the stated total(s) {fit_text} fit."
                if fitting
                else "; none of the stated survey totals fits."
                if len(survey_totals)
                else "."
            )
            if rule in by_rule and by_rule[rule] != every:
                explanation += f" All rules: {_describe_ns(by_rule)}."
            if not ps.complete:
                explanation += " Not every answer category is printed; the rest may hold any remainder."
        elif every:
            result = "possible"
            explanation = (
                f"{head} fits no n from 1 to {n_max}{under}, only under another rule: {_describe_ns(by_rule)}. "
                "One table rounds one way, so this row was rounded differently or one of its cells is off."
            )
            ns = every
        else:
            result = "inconsistent"
            explanation = (
                f"{head} (sum {num(total)}): no sample size from 1 to {n_max} gives it under any rounding rule"
            )
            above = next((n for n in range(n_max + 1, 3 * n_max + 1) if any(_fits(ps, n, r) for r in RULES)), None)
            limit = f"{n_max} ({inputs.n_max_basis})" if inputs.n_max_basis else str(n_max)
            explanation += (
                f"; the smallest n that would is {above}, more than {limit}."
                if above
                else f"; nor does any n up to {3 * n_max}."
            )
            flagged, diagnosis, text = _culprits(ps, pub, inputs, rule, preferred)
            explanation += text
        allowed = suggestion = ""
        if diagnosis is not None:
            cells = dict(zip(ps.cells, ps.values))
            allowed = (
                f"With n = {diagnosis.n} (counts {'/'.join(map(str, diagnosis.counts))}) every other cell of the row is "
                f"reproduced under {rules.RULE_LABELS[rule or 'half_up']}; no base gives the printed "
                + ", ".join(f"{f} = {cells[f]}%" for f in flagged)
                + "."
            )
            suggestion = "Print " + ", ".join(f"{f} as {num(v)}%" for f, v in zip(flagged, diagnosis.suggested)) + "."
        checks.append(
            Check(
                cid, "denominators", ps.location, ps.figures, result, explanation, flagged, False, allowed, suggestion
            )
        )
        if ps.origin == "table":
            fits_by_location.setdefault(ps.location, []).append((ps, ns if result == "consistent" else []))
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
                "rule": rule or "",
                "compatible_n": ranges_text(ns),
                **{f"compatible_n_{r}": ranges_text(by_rule[r]) for r in rules.RULES},
                "stated_totals_fitting": fit_text,
                "reproduced_base": _reproduced_bases(inputs.reproduced, ps.figures),
                "smallest_n_above": float(above) if above else np.nan,
                "closest_n": float(diagnosis.n) if diagnosis else np.nan,
                "closest_counts": "/".join(map(str, diagnosis.counts)) if diagnosis else "",
                "culprits": join_ids(flagged) if result == "inconsistent" else "",
                "suggested": "/".join(num(v) for v in diagnosis.suggested) if diagnosis else "",
                "result": result,
            }
        )
    for location, items in fits_by_location.items():
        checks.append(_table_totals_check(location, items, survey_totals))
    checks.extend(_share_checks(inputs))
    frame = pd.DataFrame(rows, columns=DENOMINATOR_COLUMNS)
    return checks, frame


def _culprits(ps: PercentSet, pub: pd.DataFrame, inputs: AuditInputs, rule: str | None, preferred):
    """(flagged figures, diagnosis, explanation) of an infeasible set: in text, the figures that
    disagree with the cell they restate; in a complete table row, the fewest cells whose change
    makes it feasible under the table's rule; otherwise every figure of the set."""
    blamed = blame(ps, pub)
    if ps.origin == "text" or not ps.complete:
        return blamed, None, ""
    reference = _reproduced_counts(inputs.reproduced, ps, pub)
    d = diagnose(ps.values, range(1, inputs.n_max + 1), ps.decimals, rule or "half_up", preferred, reference)
    if d is None:
        return blamed, None, " No change of one or two cells makes it feasible."
    by_cat = dict(zip(ps.categories, ps.cells))
    cells = tuple(by_cat[ps.categories[i]] for i in d.cells)
    change = ", ".join(f"{by_cat[ps.categories[i]]} {ps.values[i]}% -> {num(v)}%" for i, v in zip(d.cells, d.suggested))
    text = (
        f" Smallest edit: {change} (then n = {d.n}, counts {'/'.join(map(str, d.counts))}, "
        f"under {rules.RULE_LABELS[rule or 'half_up']}); the other cells are consistent."
    )
    if d.alternatives:
        alts = "; ".join(", ".join(by_cat[ps.categories[i]] for i in alt) for alt in d.alternatives)
        text += f" An equally small edit of {alts} would also do; the reproduction and the stated totals favour the one named."
    return cells, d, text


def _reproduced_counts(reproduced: pd.DataFrame, ps: PercentSet, pub: pd.DataFrame) -> tuple[int, ...] | None:
    """The reproduction's counts of a table row, in the set's category order (None if incomplete)."""
    by_cat = dict(zip(ps.categories, ps.cells))
    rep = reproduced.drop_duplicates("figure_id").set_index("figure_id")
    counts = []
    for c in ps.categories:
        f = by_cat[c]
        if f not in rep.index or pd.isna(rep.loc[f, "value"]) or pd.isna(rep.loc[f, "base"]):
            return None
        counts.append(int(round(float(rep.loc[f, "value"]) * float(rep.loc[f, "base"]) / 100)))
    return tuple(counts)


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
            culprits, at = _share_culprits(per_figure, sorted({int(part.total)} | {int(t) for t in survey}))
            allowed = suggestion = ""
            if culprits:
                text += (
                    f" At the stated total that fits most of them (n = {at}), the one(s) off: {', '.join(culprits)}."
                )
                fixes = [
                    (r.figure_id, k, num(rounding.rounded_percent(k, at, r.decimals)))
                    for r, _, k, _ in per_figure
                    if r.figure_id in culprits
                ]
                allowed = "; ".join(f"{f}: {k} of {at} is {v}%" for f, k, v in fixes) + "."
                suggestion = "Print " + ", ".join(f"{f} as {v}%" for f, _, v in fixes) + f" (of all {at})."
            flagged = culprits or tuple(group["figure_id"])
            checks.append(
                Check(cid, "denominators", location, figures, "inconsistent", text, flagged, False, allowed, suggestion)
            )
    return checks


def _share_culprits(per_figure, candidates: list[int]) -> tuple[tuple[str, ...], int]:
    """The shares that do not fit the stated total fitting most of them (fewest culprits), and that total."""
    best: tuple[int, tuple[str, ...], int] | None = None
    for n in candidates:
        if n < max(k for _, _, k, _ in per_figure):
            continue
        off = tuple(
            r.figure_id
            for r, _, k, _ in per_figure
            if not any(rounding.rounds_to(k, n, r.value_text, r.decimals, rule) for rule in RULES)
        )
        if off and (best is None or len(off) < best[0]):
            best = (len(off), off, n)
    return (best[1], best[2]) if best and best[0] < len(per_figure) else ((), 0)
