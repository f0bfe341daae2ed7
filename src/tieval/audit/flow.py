"""Check 6, flow: the participant flow in ``study.yml`` against the counts of the cleaned export."""

from __future__ import annotations

import pandas as pd

from tieval.audit.inputs import AuditInputs
from tieval.audit.records import (
    Check,
    num,
)
from tieval.survey.clean import compare_flow

__all__ = [
    "check_flow",
]


def check_flow(inputs: AuditInputs) -> list[Check]:
    """Check 6: the participant flow in ``study.yml`` against the cleaned export's
    ``exclusions.csv`` (stages matched by :func:`tieval.survey.clean.compare_flow`), and each stage
    with a ``parent`` against its parent.  Each check lists the published figures that state
    the stage (:func:`flow_figures`)."""
    study, excl = inputs.study, inputs.exclusions
    flow = study.flow
    by_id = {str(s["id"]): s for s in flow}

    def stating(stage_id) -> tuple[str, ...]:
        return tuple(inputs.flow.loc[inputs.flow["stage"] == str(stage_id), "figure_id"])

    checks = []
    for stage in flow:
        parent = stage.get("parent")
        if parent and parent in by_id and float(stage["n"]) > float(by_id[parent]["n"]):
            checks.append(
                Check(
                    f"FLOW-{stage['id']}-parent",
                    "flow",
                    "",
                    stating(stage["id"]),
                    "inconsistent",
                    f"design.flow {stage['id']} ({num(stage['n'])}) is more than its parent "
                    f"stage {parent} ({num(by_id[parent]['n'])}).",
                    stating(stage["id"]),
                )
            )
    if excl is None:
        for stage in flow:
            checks.append(
                Check(
                    f"FLOW-{stage['id']}",
                    "flow",
                    "",
                    stating(stage["id"]),
                    "not checked",
                    f"design.flow {stage['id']} ({stage['label']}): {num(stage['n'])}; "
                    "no exclusions.csv from the cleaning step to compare with.",
                )
            )
        return checks
    reasons = dict(zip(excl["stage"], excl["reason"]))
    compared = compare_flow(study, excl.assign(n=excl["n"].astype(int)))
    results = {"matches": "consistent", "differs": "differs"}
    for r in compared.itertuples():
        figures = stating(r.flow_stage)
        label = f"design.flow {r.flow_stage} ({r.label}): {num(r.published_n)}"
        if figures:
            label += f", printed as {', '.join(figures)}"
        if r.check in results and (str(r.cleaned_n) == "" or pd.isna(r.cleaned_n)):
            checks.append(
                Check(
                    f"FLOW-{r.flow_stage}",
                    "flow",
                    "",
                    figures,
                    "not checked",
                    f"{label}; the cleaned export has no {r.cleaned_stage} stage.",
                )
            )
        elif r.check in results:
            got = f"the cleaned export's {r.cleaned_stage} stage has {num(r.cleaned_n)}"
            why = str(reasons.get(r.cleaned_stage, "")).strip()
            text = f"{label}; {got}" + (f" ({why})." if why and r.check == "differs" else ".")
            checks.append(Check(f"FLOW-{r.flow_stage}", "flow", "", figures, results[r.check], text))
        else:
            checks.append(Check(f"FLOW-{r.flow_stage}", "flow", "", figures, "not checked", f"{label}; {r.check}."))
    matched = set(compared["cleaned_stage"])
    extra = excl[~excl["stage"].isin(matched) & (excl["n"] > 0)]
    if len(extra):
        listing = "; ".join(f"{r.stage}: {num(r.n)}" for r in extra.itertuples())
        checks.append(
            Check(
                "FLOW-export-only",
                "flow",
                "",
                (),
                "not checked",
                f"Stages of the cleaned export that study.yml does not state: {listing}.",
            )
        )
    return checks
