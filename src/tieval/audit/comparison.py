"""The audit put together: every published figure against its reproduction, the checks of the report
against itself, and the summaries of the audit appendix.

Two questions are asked of every number a report prints
(``data/<study>/published/figures.csv``):

1. **Does the pipeline reproduce it?**  The reproductions written by earlier
   steps (every ``outputs/<study>/<step>/reproduced*.csv``) are compared one
   to one: percentages and means after rounding to the printed precision,
   counts exactly.
2. **Is the report consistent with itself?**  Checks that need no data at all:

   ``denominators``         each set of rounded percentages (a table row, a
                            sentence giving several answers to one item, or
                            shares of a table's counts) against every sample
                            size ``n`` that could produce it (:mod:`tieval.audit.denominators`);
   ``category sum``         percentages of one item summing to 100 within what
                            rounding permits, counts summing to their stated base;
   ``text vs table total``  the totals of a table's count columns against each
                            other, against the totals the report states (the
                            participant flow in ``study.yml``, the qualitative
                            sessions, figures printed as a sample size) and
                            against stated bases;
   ``restatement``          every figure whose ``restates`` names a table cell
                            against that cell;
   ``mean vs bins``         a mean of a quantity the report only gives in bands,
                            against the smallest and largest mean the band counts allow;
   ``wording``              text joining answers from opposite ends of an
                            agreement scale ("agreed or strongly disagreed");
   ``item numbering``       item numbers cited in the text against the instrument;
   ``flow``                 the participant flow in ``study.yml`` against the
                            counts of the cleaned export (``02_clean/exclusions.csv``), and
                            completion claims ("fully completed") against the complete stage
                            and the table bases (:mod:`tieval.audit.completion`);
   ``quantifier``           "all", "most", "none", "prominent" claims against the cases,
                            the coded excerpts and the survey (:mod:`tieval.audit.quantifiers`).

Every row of percentages is judged by one rounding rule, its table's
(:mod:`tieval.audit.rules`, :mod:`tieval.audit.table_rules`); an infeasible row flags only its
culprit cells (:mod:`tieval.audit.culprits`); statistics are matched within their printed
precision (:mod:`tieval.audit.statistics`); the erratum is :mod:`tieval.audit.erratum`.

The inputs are :mod:`tieval.audit.inputs`; the checks :mod:`tieval.audit.denominators`,
:mod:`tieval.audit.checks`, :mod:`tieval.audit.bands`, :mod:`tieval.audit.wording` and
:mod:`tieval.audit.flow`.  The step :mod:`tieval.steps.audit` writes
``outputs/<study>/06_audit/audit.csv`` (one row per published figure, with the most important status
and a note pointing at the checks),
``outputs/<study>/06_audit/audit_checks.csv`` (one row per check) and
``outputs/<study>/06_audit/audit_denominators.csv`` (one row per set of
percentages).  Statuses, most important first: ``inconsistent within
report``, ``implausible``, ``differs``, ``match``, ``not reproducible``; a text figure
restating a cell faithfully takes the cell's status when that is inconsistent or differs.  A figure keeps its
reproduction in the ``reproduced`` column even when a check marks it as
part of an inconsistent set.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd

from tieval.audit import rounding
from tieval.audit.bands import check_means
from tieval.audit.checks import check_category_sums, check_restatements, check_totals
from tieval.audit.completion import check_completion
from tieval.audit.denominators import check_denominators
from tieval.audit.flow import check_flow
from tieval.audit.inputs import AuditInputs
from tieval.audit.quantifiers import SELECTIVE, check_quantifiers, judge, quantifier_word
from tieval.audit.records import (
    AUDIT_COLUMNS,
    CHECK_COLUMNS,
    KINDS,
    RESULTS,
    STATUSES,
    Check,
    join_ids,
    num,
    unit_symbol,
)
from tieval.audit.rules import RULE_LABELS
from tieval.audit.statistics import compare_statistic, is_statistic
from tieval.audit.table_rules import ruled_values, rules_frame, table_rules
from tieval.audit.wording import check_item_numbering, check_wording
from tieval.config import Study
from tieval.published import bound_direction

__all__ = [
    "AuditTables",
    "compare_figure",
    "audit_tables",
    "figure_table",
    "status_summary",
    "check_summary",
    "match_rate",
    "discrepancies",
    "summary_sentence",
]


@dataclass
class AuditTables:
    """The three audit tables: ``audit`` (one row per published figure, :data:`AUDIT_COLUMNS`),
    ``checks`` (one row per check, :data:`CHECK_COLUMNS` and ``overview``) and ``denominators``
    (one row per set of percentages, :data:`DENOMINATOR_COLUMNS`)."""

    audit: pd.DataFrame
    checks: pd.DataFrame
    denominators: pd.DataFrame
    #: one row per table and rounding rule (:func:`tieval.audit.table_rules.rules_frame`)
    rules: pd.DataFrame = None  # type: ignore[assignment]


# ----------------------------------------------------------------------------- one-to-one comparison


def compare_figure(fig, rep, ruled: tuple[float, str] | None = None) -> tuple[str, float, str]:
    """Compare one published figure with its reproduction (a row of the reproduced table or
    None).  Returns (status, reproduced value as the report would print it, note).

    ``ruled`` is the reproduction printed by its table's rounding rule (value, rule;
    :func:`tieval.audit.table_rules.ruled_values`): a table percentage then matches only if that
    value is the printed one, so "match" never sets two different numbers side by side."""
    if rep is None:
        if fig.unit in ("context", "year"):
            return "not reproducible", np.nan, "Background number or date, not a result of the study's data."
        return "not reproducible", np.nan, "No step reproduces it: the data do not contain it."
    if pd.isna(rep.value):
        why = str(rep.note).strip() or "the reproducing step gives no value"
        return "not reproducible", np.nan, f"Not reproducible: {why}."
    value, unit = float(rep.value), rep.unit
    base = rep.base
    special = _claim_or_statistic(fig, rep, value, unit, base)
    if special is not None:
        return special
    if unit != fig.unit and not ({unit, fig.unit} <= {"count", "n"}):
        if fig.unit == "count" and unit == "percent" and pd.notna(base):
            value = value * float(base) / 100
        elif fig.unit == "percent" and unit == "count" and pd.notna(base) and base > 0:
            value = 100 * value / float(base)
        elif not (fig.unit == "percent_bound" and unit == "percent"):
            return "differs", value, f"Reproduced as {unit}, published as {fig.unit}."
    src = f" ({rep.source_table})" if str(rep.source_table).strip() else ""
    if fig.unit == "percent_bound":
        direction = bound_direction(fig.printed)
        ok = value < fig.value if direction == "upper" else value > fig.value if direction == "lower" else None
        if ok is None:
            return "not reproducible", value, "A verbal bound whose direction the wording does not make clear."
        return ("match" if ok else "differs"), value, f"Reproduced {num(value)}%{src}; printed as a bound."
    if fig.unit == "percent" and ruled is not None:
        shown, rule = ruled
        how = f"{num(value)}% of n = {num(base)} prints as {num(shown)} under {RULE_LABELS[rule]}"
        if abs(shown - fig.value) < 1e-9:
            return "match", shown, f"Reproduced{src}: {how}, the table's rule."
        return "differs", shown, f"Reproduced{src}: {how}, the table's rule; printed {fig.value_text}%."
    if fig.unit in ("percent", "mean"):
        shown = float(Decimal(repr(value)).quantize(Decimal(1).scaleb(-int(fig.decimals)), rounding=ROUND_HALF_UP))
        ok = rounding.prints_as(value, fig.value, int(fig.decimals))
    else:
        shown = value
        ok = abs(value - fig.value) < 1e-9
    sym = unit_symbol(fig.unit)
    of = f" of n = {num(base)}" if pd.notna(base) and fig.unit == "percent" else ""
    if ok:
        return "match", shown, f"Reproduced{src}."
    return "differs", shown, f"Reproduced {num(value)}{sym}{of}{src}, printed {fig.value_text}{sym}."


def _claimed_share(fig, reps: dict):
    """A questionnaire claim restating a count ("all who answered ... agreed", restating 10 of 10) is
    reproduced as that count's reproduction, a share of its base; None for other figures."""
    target = reps.get(fig.restates) if fig.unit == "quantifier" and fig.restates else None
    if target is None or pd.isna(target.value) or pd.isna(target.base) or not target.base:
        return None
    share = 100 * float(target.value) / float(target.base) if target.unit in ("count", "n") else float(target.value)
    return target._replace(figure_id=fig.figure_id, value=share, unit="quantifier", note=f"share from {fig.restates}")


def _claim_or_statistic(fig, rep, value: float, unit: str, base) -> tuple[str, float, str] | None:
    """A statistic within its printed precision (:mod:`tieval.audit.statistics`), or a quantifier claim
    judged against the share the evidence shows (:mod:`tieval.audit.quantifiers`); None for other units."""
    if is_statistic(fig.unit) and unit == fig.unit:
        return compare_statistic(fig, rep)
    if fig.unit == "quantifier":
        result, reason = judge(quantifier_word(fig.printed), value, base, str(rep.source_table) == SELECTIVE)
        status = {"consistent": "match", "inconsistent": "differs"}.get(result, "not reproducible")
        return status, value, f"Claim checked against {rep.source_table}: {reason}."
    return None


# ----------------------------------------------------------------------------- putting it together

_KIND_ORDER = list(KINDS)


def _checks_frame(checks: list[Check]) -> pd.DataFrame:
    seen: dict[str, int] = {}
    rows = []
    for c in checks:
        cid = c.check_id
        if cid in seen:
            seen[cid] += 1
            cid = f"{cid}~{seen[c.check_id]}"
        else:
            seen[cid] = 1
        rows.append(
            {
                "check_id": cid,
                "kind": c.kind,
                "location": c.location,
                "figures": join_ids(c.figures),
                "flagged": join_ids(c.flagged) if c.result in ("inconsistent", "implausible") else "",
                "result": c.result,
                "explanation": c.explanation,
                "overview": c.overview,
                "allowed": c.allowed,
                "suggestion": c.suggestion,
                "_order": len(rows),
            }
        )
    frame = pd.DataFrame(rows, columns=[*CHECK_COLUMNS, "overview", "allowed", "suggestion", "_order"])
    frame["_kind"] = frame["kind"].map(_KIND_ORDER.index)
    frame = frame.sort_values(["_kind", "_order"], kind="stable").drop(columns=["_kind", "_order"])
    return frame.reset_index(drop=True)


def audit_tables(inputs: AuditInputs) -> AuditTables:
    """Run every check and the one-to-one comparison; return the three audit tables."""
    by_location = table_rules(inputs.study, inputs.published, inputs.n_max)
    den_checks, den_table = check_denominators(inputs, by_location)
    checks = (
        den_checks
        + check_category_sums(inputs)
        + check_totals(inputs)
        + check_restatements(inputs)
        + check_means(inputs)
        + check_wording(inputs)
        + check_item_numbering(inputs)
        + check_flow(inputs)
        + check_completion(inputs, by_location)
        + check_quantifiers(inputs)
    )
    check_frame = _checks_frame(checks)
    ruled = ruled_values(inputs.study, inputs.published, inputs.reproduced, by_location)
    audit = _audit_frame(inputs, check_frame, den_table, ruled)
    return AuditTables(audit, check_frame, den_table, rules_frame(by_location))


def _audit_frame(inputs: AuditInputs, checks: pd.DataFrame, denominators: pd.DataFrame, ruled: dict) -> pd.DataFrame:
    pub = inputs.published
    row_ns = {f: r.compatible_n for r in denominators.itertuples() for f in r.figures.split(", ")}
    reps = {r.figure_id: r for r in inputs.reproduced.itertuples()}
    involved: dict[str, list[str]] = {}
    flagged: dict[str, list[str]] = {}
    attention: dict[str, list[str]] = {}
    contradicted: set[str] = set()
    for c in checks.itertuples():
        for f in filter(None, c.figures.split(", ")):
            involved.setdefault(f, []).append(c.check_id)
            if c.result in ("inconsistent", "possible", "implausible") and not c.overview:
                attention.setdefault(f, []).append(c.check_id)
        for f in filter(None, c.flagged.split(", ")):
            flagged.setdefault(f, []).append(c.check_id)
            if c.result == "inconsistent":
                contradicted.add(f)
    rows = []
    for fig in pub.itertuples():
        rep = reps.get(fig.figure_id) or _claimed_share(fig, reps)
        status, shown, note = compare_figure(fig, rep, ruled.get(fig.figure_id))
        comparison = status
        if status == "differs" and fig.figure_id in row_ns and pd.notna(rep.base):
            fits = row_ns[fig.figure_id]
            note += (
                f" The printed row fits no n up to {inputs.n_max}."
                if fits == "none"
                else f" The printed row fits n = {fits}; the reproduction's base is {num(rep.base)}."
            )
        if fig.figure_id in flagged:
            note = f"Part of an inconsistency in the report: see {', '.join(flagged[fig.figure_id])}. " + (
                ""
                if rep is None or pd.isna(rep.value)
                else f"Reproduction {'matches' if status == 'match' else 'differs'}: {note}"
            )
            status = "inconsistent within report" if fig.figure_id in contradicted else "implausible"
        else:
            others = [c for c in attention.get(fig.figure_id, [])]
            if others:
                note = f"{note} See also {', '.join(others)}."
        rows.append(
            {
                "figure_id": fig.figure_id,
                "location": fig.location,
                "measure": fig.measure,
                "published": fig.value,
                "reproduced": shown,
                "status": status,
                "note": note.strip(),
                "comparison": comparison,
                "unit": fig.unit,
                "reproduced_exact": float(rep.value) if rep is not None and pd.notna(rep.value) else np.nan,
                "reproduced_base": float(rep.base) if rep is not None and pd.notna(rep.base) else np.nan,
                "reproduced_source": ""
                if rep is None
                else f"{rep.file}: {rep.source_table}"
                if str(rep.source_table).strip()
                else rep.file,
                "checks": join_ids(involved.get(fig.figure_id, [])),
            }
        )
    return _inherit(pd.DataFrame(rows, columns=AUDIT_COLUMNS), pub, checks)


def _inherit(audit: pd.DataFrame, pub: pd.DataFrame, checks: pd.DataFrame) -> pd.DataFrame:
    """A text figure that restates a cell faithfully takes the cell's status when the cell is
    inconsistent or differs (the fault is the cell's; the text repeats it)."""
    status = audit.set_index("figure_id")["status"]
    results = checks.set_index("check_id")["result"]
    out = audit.copy()
    for i, r in enumerate(pub.itertuples()):
        target = r.restates
        if not target or target not in status.index or results.get(f"RES-{r.figure_id}") != "consistent":
            continue
        inherited = status[target]
        if inherited in ("inconsistent within report", "differs") and out.at[i, "status"] != inherited:
            out.at[i, "status"] = inherited
            out.at[i, "note"] = f"Restates {target}, whose status is {inherited}. " + out.at[i, "note"]
    return out


# ----------------------------------------------------------------------------- summaries for the appendix


def figure_table(result: AuditTables) -> pd.DataFrame:
    """The audit table for reading: numbers as a report prints them (``95%``, ``2.8``), blank
    when there is no reproduction."""
    audit = result.audit

    def show(values, units):
        return [("" if pd.isna(v) else num(v) + unit_symbol(u)) for v, u in zip(values, units)]

    out = audit[
        [
            "figure_id",
            "location",
            "measure",
            "published",
            "reproduced",
            "comparison",
            "status",
            "note",
            "reproduced_source",
        ]
    ].copy()
    out["published"] = show(audit["published"], audit["unit"])
    out["reproduced"] = show(audit["reproduced"], audit["unit"])
    return out


def status_summary(result: AuditTables) -> pd.DataFrame:
    """Figures by status (every status listed, in order of importance), with percentages."""
    counts = result.audit["status"].value_counts()
    total = len(result.audit)
    rows = [
        {
            "status": s,
            "figures": int(counts.get(s, 0)),
            "percent": round(100 * counts.get(s, 0) / total, 1) if total else 0.0,
        }
        for s in STATUSES
    ]
    rows.append({"status": "all figures", "figures": total, "percent": 100.0 if total else 0.0})
    return pd.DataFrame(rows)


def check_summary(result: AuditTables) -> pd.DataFrame:
    """Checks by kind (rows, in :data:`KINDS` order) and result (columns, in :data:`RESULTS` order)."""
    checks = result.checks
    table = pd.crosstab(checks["kind"], checks["result"]) if len(checks) else pd.DataFrame()
    table = table.reindex(index=[k for k in KINDS if k in set(checks["kind"])], columns=list(RESULTS), fill_value=0)
    table["all"] = table.sum(axis=1)
    return table.rename_axis(index="kind", columns=None).reset_index()


def match_rate(result: AuditTables) -> dict:
    """Of the figures with a reproduction, how many the pipeline's numbers agree with
    (whatever a consistency check says about the report)."""
    comparison = result.audit["comparison"]
    n = int(comparison.isin(["match", "differs"]).sum())
    k = int((comparison == "match").sum())
    return {"reproduced": n, "agree": k, "percent": round(100 * k / n, 1) if n else None}


def discrepancies(result: AuditTables) -> pd.DataFrame:
    """Every discrepancy with its explanation: failed checks (inconsistent, then data that
    differ), then figures whose reproduction differs without a check explaining it, then
    checks that hold only under an assumption the report does not state."""
    checks = result.checks
    order = {"inconsistent": 0, "implausible": 0, "differs": 1, "possible": 3}
    found = checks[checks["result"].isin(order)].copy()
    found["what"] = found["result"].map(
        {
            "inconsistent": "inconsistent within report",
            "implausible": "implausible",
            "differs": "data differ from report",
            "possible": "needs an unstated assumption",
        }
    )
    rows = [
        {
            "rank": order[r.result],
            "what": r.what,
            "check_id": r.check_id,
            "kind": r.kind,
            "figures": r.flagged or r.figures,
            "explanation": r.explanation,
        }
        for r in found.itertuples()
    ]
    differ = result.audit[result.audit["status"] == "differs"]
    for r in differ.itertuples():
        rows.append(
            {
                "rank": 2,
                "what": "reproduction differs",
                "check_id": "",
                "kind": "reproduction",
                "figures": r.figure_id,
                "explanation": f"{r.location}, {r.measure}: {r.note}",
            }
        )
    frame = pd.DataFrame(rows, columns=["rank", "what", "check_id", "kind", "figures", "explanation"])
    frame = frame.sort_values("rank", kind="stable").drop(columns="rank").reset_index(drop=True)
    return frame


def summary_sentence(result: AuditTables, study: Study | None = None) -> str:
    """One paragraph: how many figures, how many reproduced and agreeing, how many inconsistent,
    and (for reconstructed data) what a match does and does not show."""
    audit = result.audit
    counts = audit["status"].value_counts()
    rate = match_rate(result)
    failed = int((result.checks["result"] == "inconsistent").sum())
    text = f"The report prints {len(audit)} figures. "
    if rate["reproduced"]:
        text += (
            f"The pipeline reproduces {rate['reproduced']} of them and agrees with {rate['agree']} "
            f"({num(rate['percent'])}%). "
        )
    else:
        text += "No figure has a reproduction yet. "
    text += (
        f"{int(counts.get('not reproducible', 0))} cannot be reproduced from these data "
        f"(context numbers, interview findings, statements about people the data do not contain). "
        f"{failed} check(s) find the report inconsistent with itself, marking "
        f"{int(counts.get('inconsistent within report', 0))} figure(s) 'inconsistent within report'."
    )
    if study is not None and study.reconstructed:
        text += (
            " The survey reproductions are computed on the reconstructed stand-in export, built from the "
            "report's own aggregates: a match shows that the pipeline computes what the report printed, "
            "not that the study's respondents answered that way."
        )
    return text
