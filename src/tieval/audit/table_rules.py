"""The rounding rule each published table of a study most likely used, inferred from its printed rows.

:func:`table_rules` runs :func:`tieval.audit.rules.feasible_bases` on every row of rounded percentages
printed in a table (:func:`tieval.audit.sets.percent_sets`) and keeps, per table, the rule that explains
most rows (:func:`tieval.audit.rules.infer_rules`).  :func:`study_table_rules` does the same from the
published record alone, for the tables step, which prints its reproduced tables by the same rule;
:func:`rule_of` says which rule governs one figure (its table's, or for text restating a table cell,
that cell's table's).
"""

from __future__ import annotations

import pandas as pd

from tieval.audit.inputs import default_n_max, published_record
from tieval.audit.rules import RULE_LABELS, RULES, TableRule, feasible_bases, infer_rules, round_row
from tieval.audit.sets import percent_sets
from tieval.config import Study

__all__ = ["table_rules", "study_table_rules", "rule_of", "rules_frame", "ruled_values"]


def table_rules(study: Study, published: pd.DataFrame, n_max: int) -> dict[str, TableRule]:
    """Per table location with rows of percentages: its :class:`TableRule` over bases 1..``n_max``."""
    rows: dict[str, dict[str, dict[str, list[int]]]] = {}
    for ps in percent_sets(study, published):
        if ps.origin != "table":
            continue
        by_rule = feasible_bases(ps.values, range(1, n_max + 1), ps.decimals, ps.complete)
        rows.setdefault(ps.location, {})[ps.item_id] = by_rule
    return {location: infer_rules(location, found) for location, found in rows.items()}


def study_table_rules(study: Study) -> dict[str, TableRule]:
    """:func:`table_rules` of ``study``'s published record, searching bases up to its largest stated total."""
    published = published_record(study)
    n_max, _ = default_n_max(study, None, published)
    return table_rules(study, published, n_max)


def rule_of(figure_id: str, published: pd.DataFrame, rules: dict[str, TableRule]) -> str | None:
    """The rule governing one figure: its table's, or the table of the cell it restates; None if neither."""
    by_id = published.set_index("figure_id")
    if figure_id not in by_id.index:
        return None
    row = by_id.loc[figure_id]
    if row["location"] in rules:
        return rules[row["location"]].rule
    target = row["restates"]
    if target and target in by_id.index and by_id.loc[target, "location"] in rules:
        return rules[by_id.loc[target, "location"]].rule
    return None


def rules_frame(rules: dict[str, TableRule]) -> pd.DataFrame:
    """One row per table and rule: rows explained, the rows, and whether it is the inferred rule."""
    rows = []
    for location, tr in rules.items():
        for rule in RULES:
            rows.append(
                {
                    "location": location,
                    "rule": rule,
                    "description": RULE_LABELS[rule],
                    "rows": len(tr.rows),
                    "rows_explained": len(tr.explained[rule]),
                    "rows_not_explained": ", ".join(r for r in tr.rows if r not in tr.explained[rule]),
                    "inferred": rule == tr.rule,
                    "evidence": tr.evidence if rule == tr.rule else "",
                }
            )
    return pd.DataFrame(
        rows,
        columns=[
            "location",
            "rule",
            "description",
            "rows",
            "rows_explained",
            "rows_not_explained",
            "inferred",
            "evidence",
        ],
    )


def ruled_values(study: Study, published: pd.DataFrame, reproduced: pd.DataFrame, rules: dict[str, TableRule]):
    """Each table percentage's reproduction printed by its table's rule: figure id -> (printed value,
    rule).  The whole row is rounded together (largest remainder needs every cell; ties go towards
    the printed row); rows without a reproduction of every cell are left out.  A text figure
    restating such a cell gets the cell's value."""
    rep = reproduced.drop_duplicates("figure_id").set_index("figure_id")
    out: dict[str, tuple[float, str]] = {}
    for ps in percent_sets(study, published):
        if ps.origin != "table" or ps.location not in rules:
            continue
        rule = rules[ps.location].rule
        counts = []
        for f in ps.cells:
            if f not in rep.index or pd.isna(rep.loc[f, "value"]) or pd.isna(rep.loc[f, "base"]):
                break
            k = float(rep.loc[f, "value"]) * float(rep.loc[f, "base"]) / 100
            if abs(k - round(k)) > 1e-6:  # not a whole count of its base: compared cell by cell instead
                break
            counts.append(int(round(k)))
        else:
            if sum(counts) <= 0 or (ps.complete and sum(counts) != int(rep.loc[ps.cells[0], "base"])):
                continue
            cell_rule = rule if ps.complete else ("half_up" if rule in ("largest_remainder", "none") else rule)
            if ps.complete:
                row = round_row(counts, ps.decimals, cell_rule, prefer=ps.values)
            else:
                base = int(rep.loc[ps.cells[0], "base"])
                row = tuple(round_row([k, base - k], ps.decimals, cell_rule)[0] for k in counts)
            for f, v in zip(ps.cells, row):
                out[f] = (v, rule)
            for f in ps.figures:  # repeats of a category in the same row
                if f not in out:
                    cat = published.loc[published["figure_id"] == f, "category"].iloc[0]
                    out[f] = (row[ps.categories.index(cat)], rule)
    restating = published[(published["restates"] != "") & published["restates"].isin(out)]
    for r in restating.itertuples():
        if r.unit == "percent" and r.figure_id not in out:
            out[r.figure_id] = out[r.restates]
    return out
