"""Checks 2-4, the report's arithmetic against itself: category sums (percentages summing to 100 within
what rounding permits, counts within their base), text vs table totals (count columns against each other
and against the totals the report states), and restatements (text repeating a table cell)."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pandas as pd

from tieval.audit import rounding
from tieval.audit.denominators import RULES, blame, set_ns
from tieval.audit.inputs import AuditInputs
from tieval.audit.records import (
    Check,
    common_prefix,
    num,
    ranges_text,
    slug,
)
from tieval.audit.sets import Partition, describe_totals, partitions, percent_sets, totals_equal
from tieval.published import bound_direction

__all__ = [
    "check_category_sums",
    "check_totals",
    "check_restatements",
]


def check_category_sums(inputs: AuditInputs) -> list[Check]:
    """Check 2: the percentages of one set must sum to 100 within what rounding permits, and
    counts of one item sharing a base must not exceed it.

    Each printed percentage p stands for a true share in [p - h, p + h] (h = half a unit of
    the last printed digit, either rounding rule), so k printed categories of a complete set
    sum to within 100 ± k·h; the bound itself is reachable only if every share is an exact
    half.  An incomplete set may sum to less, never to more than 100 + k·h."""
    study, pub = inputs.study, inputs.published
    checks = []
    for ps in percent_sets(study, pub):
        total = sum(Fraction(Decimal(v)) for v in ps.values)
        k = len(ps.values)
        h = Fraction(1, 2 * 10**ps.decimals)
        slack = k * h
        diff = total - 100
        printed = " + ".join(ps.values)
        head = f"{ps.location}, {ps.item_id}: {printed} = {num(float(total))}"
        cid = f"SUM-{ps.key}"
        if ps.conflicts:
            checks.append(
                Check(
                    cid,
                    "category sum",
                    ps.location,
                    ps.figures,
                    "inconsistent",
                    f"{ps.location}, {ps.item_id}: the text gives two different values for {', '.join(ps.conflicts)}.",
                    blame(ps, pub),
                )
            )
            continue
        if ps.complete:
            if diff == 0:
                result, text = "consistent", head + "."
            elif abs(diff) < slack:
                result, text = "consistent", head + f"; rounding {k} categories allows 100 ± {num(float(slack))}."
            elif abs(diff) == slack:
                result, text = (
                    "possible",
                    head
                    + (
                        f"; {k} rounded categories can reach 100 ± {num(float(slack))} "
                        "only if every share is an exact half rounded the same way."
                    ),
                )
            else:
                result, text = (
                    "inconsistent",
                    head + (f"; rounding {k} categories allows at most 100 ± {num(float(slack))}."),
                )
        else:
            if diff <= slack:
                result, text = "consistent", head + "; not every category is printed, so the sum may fall short of 100."
            else:
                result, text = (
                    "inconsistent",
                    head + (f", more than 100 + {num(float(slack))} even before the categories it does not print."),
                )
        flagged = blame(ps, pub) if result == "inconsistent" else ()
        checks.append(Check(cid, "category sum", ps.location, ps.figures, result, text, flagged))
    checks.extend(_count_sums(pub))
    return checks


def _count_sums(pub: pd.DataFrame) -> list[Check]:
    """Counts of several answers to one item that share a stated base must not exceed it."""
    cand = pub[(pub["unit"] == "count") & (pub["item_id"] != "") & (pub["category"] != "") & pub["base"].notna()]
    checks = []
    for (location, item, base), g in cand.groupby(["location", "item_id", "base"], sort=False):
        g = g.drop_duplicates("category")
        if len(g) < 2:
            continue
        total = float(g["value"].sum())
        terms = " + ".join(num(v) for v in g["value"])
        key = common_prefix(g["figure_id"])
        cid = (f"SUM-{key}.{item}" if item not in key.split(".") else f"SUM-{key}") + ".counts"
        head = f"{location}, {item}: {terms} = {num(total)} of a base of {num(base)}"
        if abs(total - base) < 1e-9:
            checks.append(Check(cid, "category sum", location, tuple(g["figure_id"]), "consistent", head + "."))
        elif total < base:
            checks.append(
                Check(
                    cid,
                    "category sum",
                    location,
                    tuple(g["figure_id"]),
                    "consistent",
                    head + f"; the other {num(base - total)} are in categories the report does not print.",
                )
            )
        else:
            checks.append(
                Check(
                    cid,
                    "category sum",
                    location,
                    tuple(g["figure_id"]),
                    "inconsistent",
                    head + "; the counts exceed their base.",
                    tuple(g["figure_id"]),
                )
            )
    return checks


def check_totals(inputs: AuditInputs) -> list[Check]:
    """Check 3: table totals against each other and against the totals the report states.

    For each count partition of a table, its sum is matched with the stated totals
    (:func:`stated_totals`).  Partitions printed in the same table are taken to count the
    same people, so their sums must agree; when they do not, the partitions whose sum
    matches no stated total are flagged.  Each stated base is matched with the stated
    totals too (e.g. a column headed "n/10" with the 10 questionnaire respondents)."""
    pub, totals = inputs.published, inputs.totals
    checks = []
    parts = partitions(pub)
    by_table: dict[str, list[Partition]] = {}
    for part in parts:
        by_table.setdefault(part.location, []).append(part)
        equal = totals_equal(totals, part.total)
        figures = part.figures + tuple(s for s in equal["source"] if s in set(pub["figure_id"]))
        head = f"{part.location}, {part.measure}: {' + '.join(num(c) for c in part.counts)} = {num(part.total)}"
        checks.append(
            _total_check(f"TOT-{part.key}", part.location, figures, head, equal, ", a total the report does not state.")
        )
    for location, group in by_table.items():
        if len(group) < 2:
            continue
        sums = {p.key: p.total for p in group}
        figures = tuple(f for p in group for f in p.figures)
        listing = "; ".join(f"{p.measure}: {num(p.total)}" for p in group)
        prefix = common_prefix([f for p in group for f in p.figures]) or slug(location)
        if len(set(sums.values())) == 1:
            checks.append(
                Check(
                    f"TOT-{prefix}",
                    "text vs table total",
                    location,
                    figures,
                    "consistent",
                    f"{location}: every count column sums to {num(group[0].total)} ({listing}).",
                )
            )
            continue
        stated = [p for p in group if len(totals_equal(totals, p.total))]
        odd = [p for p in group if p not in stated] if stated else group
        text = f"{location} splits the same respondents in {len(group)} ways with different totals ({listing}). "
        if stated:
            text += (
                "The report states "
                + "; ".join(describe_totals(totals_equal(totals, p.total)) for p in stated)
                + f", but no total of {', '.join(num(p.total) for p in odd)}: "
                + ", ".join(
                    f"{p.measure} is {num(abs(stated[0].total - p.total))} "
                    f"{'short' if p.total < stated[0].total else 'over'}"
                    for p in odd
                )
                + (
                    " (a question left unanswered would explain it; the report does not say)."
                    if all(p.total < stated[0].total for p in odd)
                    else "."
                )
            )
        short = bool(stated) and all(p.total < stated[0].total for p in odd)
        # a column short of a stated total is what a question some left unanswered gives: no cell is wrong
        checks.append(
            Check(
                f"TOT-{prefix}",
                "text vs table total",
                location,
                figures,
                "possible" if short else "inconsistent",
                text,
                () if short else tuple(f for p in odd for f in p.figures),
            )
        )
    bases = pub[pub["base"].notna()]
    for base, g in bases.groupby("base", sort=True):
        equal = totals_equal(totals, float(base))
        figures = tuple(g["figure_id"])
        head = f"{len(g)} figure(s) state a base of {num(base)}"
        checks.append(
            _total_check(
                f"TOT-base-{num(base)}", "", figures, head, equal, ", which matches no total the report states."
            )
        )
    return checks


def _total_check(cid: str, location: str, figures: tuple, head: str, equal, unstated: str) -> Check:
    """A total check: consistent when the report states an equal total (``equal``), else possible."""
    if len(equal):
        return Check(
            cid, "text vs table total", location, figures, "consistent", head + f", equal to {describe_totals(equal)}."
        )
    return Check(cid, "text vs table total", location, figures, "possible", head + unstated)


def _same_printed(a: float, a_dec: int, b: float, b_dec: int) -> bool:
    """Equal once the more precise value is rounded to the coarser precision (either rule)."""
    d = min(a_dec, b_dec)
    return rounding.prints_as(a, b, d) if a_dec >= b_dec else rounding.prints_as(b, a, d)


def check_restatements(inputs: AuditInputs) -> list[Check]:
    """Check 4: every figure with ``restates`` against the cell it repeats.

    Same units: the values must print alike.  A verbal bound ("less than half") must hold
    for the cell.  A count against a percentage must be a count that rounds to it for a
    sample size the cell's row allows."""
    pub = inputs.published
    cells = {c.figure_id: c for c in pub.itertuples()}
    sets = {f: ps for ps in percent_sets(inputs.study, pub) for f in ps.figures}
    checks = []
    for r in pub[pub["restates"] != ""].itertuples():
        cell = cells[r.restates]
        where = f"{r.restates} ({cell.location}, {cell.item_id or cell.measure} {cell.category})".replace("  ", " ")
        figures = (r.figure_id, r.restates)
        cid = f"RES-{r.figure_id}"
        result, text = _restatement(r, cell, where, sets, inputs.n_max)
        allowed = suggestion = ""
        if result == "inconsistent":
            sym = "%" if cell.unit == "percent" else ""
            allowed = f"The cell it restates, {r.restates} ({cell.location}), prints {cell.value_text}{sym}."
            suggestion = (
                f"Print {cell.value_text}{sym} in the text, as {cell.location} does."
                if r.unit == cell.unit
                else f"Make the text agree with {r.restates} ({cell.value_text}{sym})."
            )
        checks.append(
            Check(
                cid,
                "restatement",
                r.location,
                figures,
                result,
                text,
                (r.figure_id,) if result == "inconsistent" else (),
                False,
                allowed,
                suggestion,
            )
        )
    return checks


def _restatement(r, cell, where: str, sets: dict, n_max: int) -> tuple[str, str]:
    said = f"{r.figure_id} ({r.location}) prints {r.value_text}{'%' if r.unit in ('percent', 'percent_bound') else ''}"
    cell_text = f"{cell.value_text}{'%' if cell.unit == 'percent' else ''}"
    if r.unit == "percent_bound":
        direction = bound_direction(r.printed)
        if not direction:
            return (
                "not checked",
                f"{said} as a bound whose direction the wording does not make clear; {where} is {cell_text}.",
            )
        ok = cell.value < r.value if direction == "upper" else cell.value > r.value
        word = "below" if direction == "upper" else "above"
        return (
            ("consistent" if ok else "inconsistent"),
            f'{said} as a bound ("{r.printed}"): {where} is {cell_text}, {"" if ok else "not "}{word} {r.value_text}%.',
        )
    units = {r.unit, cell.unit}
    if units <= {"count", "n"} or r.unit == cell.unit:
        ok = _same_printed(r.value, r.decimals, cell.value, cell.decimals)
        return (
            ("consistent" if ok else "inconsistent"),
            f"{said}; {where} prints {cell_text}" + ("." if ok else ": the text and the table disagree."),
        )
    if units == {"count", "percent"}:
        count, pct = (r, cell) if r.unit == "count" else (cell, r)
        if count.value == 0 and pct.value == 0:
            return "consistent", f"{said}; {where} prints {cell_text}: none is 0% whatever the base."
        ps = sets.get(cell.figure_id)
        n_range = range(1, n_max + 1)
        by_rule = set_ns(ps, n_range) if ps is not None else {rule: list(n_range) for rule in RULES}
        ok_ns = sorted(
            {
                n
                for rule, ns in by_rule.items()
                for n in ns
                if rounding.rounds_to(int(count.value), n, pct.value_text, pct.decimals, rule)
            }
        )
        return (
            ("consistent" if ok_ns else "inconsistent"),
            f"{said}; {where} prints {cell_text}: "
            + (
                f"they agree for n = {ranges_text(ok_ns)}."
                if ok_ns
                else "no sample size the row allows makes them agree."
            ),
        )
    return "not checked", f"{said}; {where} prints {cell_text} in another unit ({cell.unit})."
