"""The erratum list: each substantive inconsistency of a report, ranked, worded for the report's authors.

:func:`erratum` keeps the checks that find the report at odds with itself or with arithmetic
(``inconsistent``, and ``implausible`` banded means), never those a rule of the audit explains
(``possible``: another rounding rule, a question left unanswered), nor differences between the
reconstructed stand-in data and the report.  Checks naming the same culprit cells are one entry.
Each entry gives the printed value(s), what the data or the arithmetic allow, the evidence (the
check's explanation), a suggested correction and its culprit cells.  Rank: a text or table
contradicting the report itself first (restatements, impossible rows), then claims the report's own
cases or codings contradict, then flow and base conflicts, then implausible means, then wording.
"""

from __future__ import annotations

import pandas as pd

from tieval.audit.records import ERRATUM_COLUMNS, num, unit_symbol

__all__ = ["erratum", "SEVERITY"]

#: Kinds in order of seriousness (earlier ranks first).
SEVERITY = (
    "restatement",
    "denominators",
    "category sum",
    "text vs table total",
    "quantifier",
    "flow",
    "mean vs bins",
    "statistic",
    "wording",
    "item numbering",
)

_DEFAULT_SUGGESTION = {
    "restatement": "Make the text agree with the table cell it repeats (or say why it differs).",
    "denominators": "Recheck these percentages against the counts they were computed from.",
    "category sum": "Recheck the row: its percentages cannot add up to 100 by rounding alone.",
    "text vs table total": "Recheck the counts against the totals the report states.",
    "quantifier": "Qualify the claim (for example 'most' or the number of participants) to match the evidence.",
    "flow": "State the number who completed every item, and the base of each table row.",
    "mean vs bins": "Recompute the mean from the unbanded answers, or state how it was computed from the bands.",
    "statistic": "Recheck the statistic against the data.",
    "wording": "Rephrase so that the answers combined come from the same end of the scale.",
    "item numbering": "Correct the item numbers cited in the text.",
}


def _printed(figures: list[str], pub: pd.DataFrame) -> str:
    by_id = pub.set_index("figure_id")
    out = []
    for f in figures:
        if f in by_id.index:
            r = by_id.loc[f]
            if pd.isna(r["value"]):  # a claim in words ("most", "prominent")
                out.append(f'{f}: "{r["printed"]}"')
                continue
            out.append(f"{f} = {r['value_text'] if 'value_text' in by_id else num(r['value'])}{unit_symbol(r['unit'])}")
    return "; ".join(out)


def erratum(checks: pd.DataFrame, published: pd.DataFrame) -> pd.DataFrame:
    """One row per substantive inconsistency (:data:`tieval.audit.records.ERRATUM_COLUMNS`), ranked."""
    found = checks[checks["result"].isin(["inconsistent", "implausible"]) & ~checks["overview"].astype(bool)].copy()
    if found.empty:
        return pd.DataFrame(columns=ERRATUM_COLUMNS)
    found["_severity"] = found["kind"].map(lambda k: SEVERITY.index(k) if k in SEVERITY else len(SEVERITY))
    found["_implausible"] = found["result"] == "implausible"
    found["_order"] = range(len(found))
    found = found.sort_values(["_implausible", "_severity", "_order"], kind="stable")
    entries: dict[str, dict] = {}
    for c in found.itertuples():
        culprits = c.flagged or c.figures
        key = culprits
        if key in entries:
            entries[key]["checks"].append(c.check_id)
            entries[key]["evidence"].append(c.explanation)
            continue
        entries[key] = {
            "location": c.location or published.set_index("figure_id").loc[culprits.split(", ")[0], "location"]
            if culprits
            else c.location,
            "culprits": culprits,
            "printed": _printed(culprits.split(", "), published) if culprits else "",
            "allowed": getattr(c, "allowed", "") or "",
            "evidence": [c.explanation],
            "suggested_correction": (getattr(c, "suggestion", "") or "") or _DEFAULT_SUGGESTION.get(c.kind, ""),
            "checks": [c.check_id],
        }
    rows = []
    for rank, e in enumerate(entries.values(), start=1):
        rows.append(
            {
                **e,
                "rank": rank,
                "allowed": e["allowed"] or e["evidence"][0],
                "evidence": " ".join(e["evidence"]),
                "checks": ", ".join(e["checks"]),
            }
        )
    return pd.DataFrame(rows, columns=ERRATUM_COLUMNS)
