"""Completion claims: "N fully completed questionnaires" and "k answered only the first m items", checked
against the stage they name and against the bases the report's own tables allow.

A *completion claim* is a count in the text whose wording says every item was answered ("fully completed",
"completed every item", "complete responses").  It is reproduced from the cleaned export's ``complete``
stage (every item answered), never from the stage of responses with at least one answer.  Two checks of
the report against itself follow (:func:`check_completion`), each under the table's inferred rounding rule:

1. N people answering every item means every item's base is at least N: a table row whose feasible bases
   are all below N contradicts the claim.
2. With k more who answered only the first m items, the rows of those m items need a base of at least
   N + k (and at most the responses received): if no such base fits them all, the claims conflict.

In both the culprit is the completion claim (one figure), the rows are the evidence.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from tieval.audit.records import Check, num, ranges_text
from tieval.audit.rules import RULE_LABELS, feasible_bases
from tieval.audit.sets import percent_sets

if TYPE_CHECKING:  # the inputs module reads the claims from here
    from tieval.audit.inputs import AuditInputs

__all__ = ["COMPLETE", "PARTIAL", "completion_claims", "partial_claims", "completion_reproductions", "check_completion"]

#: Wording of a claim that every item was answered.
COMPLETE = re.compile(
    r"\bfully\s+complete|\bcompleted\s+(?:every|all)\s+(?:item|question)|\bcomplete\s+(?:questionnaire|response)s?\b",
    re.I,
)
#: Wording of "answered only the first m items" (m in digits or words).
PARTIAL = re.compile(r"only\s+the\s+first\s+(\w+)\s+(?:questionnaire\s+)?items?", re.I)
_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10}


def _text_counts(published: pd.DataFrame) -> pd.DataFrame:
    return published[
        published["unit"].isin(["count", "n"]) & (published["item_id"] == "") & (published["location_type"] != "table")
    ]


def completion_claims(published: pd.DataFrame) -> pd.DataFrame:
    """The text counts claiming that every item was answered."""
    cand = _text_counts(published)
    said = cand["measure"].astype(str) + " " + cand["printed"].astype(str)
    return cand[said.map(lambda t: bool(COMPLETE.search(t)))]


def partial_claims(published: pd.DataFrame) -> list[tuple[str, float, int]]:
    """(figure id, k, m) for each text count saying k answered only the first m items."""
    out = []
    for r in _text_counts(published).itertuples():
        if re.match(r"\s*items?\b", str(r.measure), re.I):  # a number of items, not of people
            continue
        m = PARTIAL.search(f"{r.measure} {r.printed}")
        if m:
            word = m.group(1).lower()
            items = int(word) if word.isdigit() else _WORDS.get(word)
            if items:
                out.append((r.figure_id, float(r.value), items))
    return out


def completion_reproductions(published: pd.DataFrame, exclusions: pd.DataFrame | None) -> pd.DataFrame:
    """Reproductions of the completion claims from the cleaned export's ``complete`` stage."""
    columns = ["figure_id", "value", "unit", "base", "source_table", "note", "file"]
    if exclusions is None or "complete" not in set(exclusions["stage"]):
        return pd.DataFrame(columns=columns)
    n = float(exclusions.loc[exclusions["stage"] == "complete", "n"].iloc[0])
    claims = completion_claims(published)
    return pd.DataFrame(
        {
            "figure_id": claims["figure_id"],
            "value": n,
            "unit": claims["unit"],
            "base": np.nan,
            "source_table": "stage complete (every item answered)",
            "note": "respondents who answered every item, counted in the cleaned export",
            "file": "exclusions.csv",
        },
        columns=columns,
    )


def _row_bases(inputs: AuditInputs, rules: dict) -> list[tuple[str, str, list[int], str]]:
    """(item id, location, feasible bases under the table's rule, rule) of each table row of percentages."""
    out = []
    for ps in percent_sets(inputs.study, inputs.published):
        if ps.origin != "table" or ps.location not in rules:
            continue
        rule = rules[ps.location].rule
        if rule == "none":
            continue
        ns = feasible_bases(ps.values, range(1, inputs.n_max + 1), ps.decimals, ps.complete)[rule]
        out.append((ps.item_id, ps.location, ns, rule))
    return out


def check_completion(inputs: AuditInputs, rules: dict) -> list[Check]:
    """The completion claims against the table bases (see the module docstring)."""
    claims = completion_claims(inputs.published)
    if claims.empty:
        return []
    rows = _row_bases(inputs, rules)
    received = [float(s["n"]) for s in inputs.study.flow if not s.get("approximate", False)]
    top = int(max(received)) if received else inputs.n_max
    order = [it.id for it in inputs.study.items]
    checks = []
    for c in claims.itertuples():
        n = int(c.value)
        below = [(item, ns) for item, _, ns, _ in rows if ns and max(ns) < n]
        head = f'{c.figure_id} ({c.location}) says {n} completed every item ("{c.printed}")'
        rule = RULE_LABELS[rows[0][3]] if rows else ""
        if below:
            listing = "; ".join(f"{item}: n = {ranges_text(ns)}" for item, ns in below)
            checks.append(
                Check(
                    f"COMP-{c.figure_id}",
                    "flow",
                    c.location,
                    (c.figure_id,),
                    "inconsistent",
                    f"{head}, so every item has a base of at least {n}; but {len(below)} table row(s) fit only "
                    f"smaller bases under {rule}, the table's rule ({listing}).",
                    (c.figure_id,),
                    False,
                    f"Rows {', '.join(i for i, _ in below)} need a base below {n}: fewer than {n} answered those items.",
                    f"Say how many answered every item, and call the {n} 'responses analysed' "
                    "(at least one item answered) rather than 'fully completed'.",
                )
            )
        elif rows:
            checks.append(
                Check(
                    f"COMP-{c.figure_id}",
                    "flow",
                    c.location,
                    (c.figure_id,),
                    "consistent",
                    f"{head}; every table row fits a base of {n} or more.",
                )
            )
        for fig, k, m in partial_claims(inputs.published):
            first = set(order[:m])
            mine = [(item, ns) for item, _, ns, _ in rows if item in first]
            if not mine:
                continue
            need = n + int(k)
            common = set(range(need, top + 1))
            for _, ns in mine:
                common &= set(ns)
            text = (
                f"{head} and {fig} says {num(k)} more answered only the first {m} items, so those items "
                f"({', '.join(i for i, _ in mine)}) were answered by {need} to {top}; "
            )
            if common:
                checks.append(
                    Check(
                        f"COMP-{c.figure_id}-{fig}",
                        "flow",
                        c.location,
                        (c.figure_id, fig),
                        "consistent",
                        text + f"their rows fit n = {ranges_text(sorted(common))}.",
                    )
                )
                continue
            listing = "; ".join(f"{item}: n = {ranges_text(ns)}" for item, ns in mine)
            checks.append(
                Check(
                    f"COMP-{c.figure_id}-{fig}",
                    "flow",
                    c.location,
                    (c.figure_id, fig),
                    "inconsistent",
                    text + f"no base from {need} to {top} fits all their rows under {rule} ({listing}).",
                    (c.figure_id,),
                    False,
                    f"The rows of the first {m} items fit a common base only below {need}.",
                    f"Read {n} as everyone analysed, the {num(k)} included, and drop 'fully completed'.",
                )
            )
    return checks
