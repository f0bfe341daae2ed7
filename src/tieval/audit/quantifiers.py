"""Quantifier claims ("all participants", "most", "none", "several", "prominent at both timepoints") checked
against the evidence the study holds: the survey answers, the coded excerpts and the cases.

A claim is a published figure of unit ``quantifier``; its word is read from ``printed`` (:func:`quantifier_word`).
Its reproduction is the share of the group the evidence shows (written by the qualitative step for interview
claims, ``cases.csv`` or ``prevalence_timepoint.csv``; for a questionnaire claim the reproduction of the count
it restates, as a share of its base).  :func:`judge` decides:

- ``all``: 100% is consistent.  Fewer is *inconsistent* when the evidence is the report's own cases (a case
  that reports no change contradicts "all reported progress"), only *possible* when it is a selection of
  published excerpts (the report quotes some participants, not every one).
- ``none``: 0% is consistent; more is inconsistent.
- ``most``: more than half is consistent; half or less is inconsistent (the largest group is not "most").
- ``prominent``: a prevalence claim at one timepoint; no coded participant there is inconsistent.
- ``several``: at least two is consistent; fewer is only possible (the excerpts are a selection).
"""

from __future__ import annotations

import re

import pandas as pd

from tieval.audit.inputs import AuditInputs
from tieval.audit.records import Check, num

__all__ = ["SELECTIVE", "quantifier_word", "judge", "check_quantifiers"]

#: The reproduction that counts published excerpts, a selection of what participants said.
SELECTIVE = "prevalence_timepoint.csv"

_WORDS = (
    ("none", re.compile(r"\b(none|no participants?|no respondents?|nobody|no one)\b", re.I)),
    ("all", re.compile(r"\b(all|every|everyone)\b", re.I)),
    ("most", re.compile(r"\b(most|majority)\b", re.I)),
    ("prominent", re.compile(r"\bprominent\b", re.I)),
    ("several", re.compile(r"\b(several|some|a few)\b", re.I)),
)


def quantifier_word(printed: str) -> str:
    """The quantifier a claim uses: all, none, most, prominent, several ('' if none is recognised)."""
    for word, pattern in _WORDS:
        if pattern.search(str(printed)):
            return word
    return ""


def judge(word: str, share: float, base: float, selective: bool) -> tuple[str, str]:
    """(check result, reason) for a claim ``word`` when the evidence shows ``share`` percent of ``base``;
    ``selective``: the evidence is a selection (published excerpts) rather than a full account."""
    k = share * base / 100 if base else float("nan")
    shown = f"{num(k)} of {num(base)} ({num(share)}%)"
    if word == "all":
        if share >= 100 - 1e-9:
            return "consistent", f"the evidence shows {shown}"
        if selective:
            return (
                "possible",
                f"the published excerpts show {shown}; they are a selection, so they neither confirm nor refute 'all'",
            )
        return "inconsistent", f"the report's own accounts show {shown}, not all"
    if word == "none":
        return (
            ("consistent", f"the evidence shows {shown}")
            if share <= 1e-9
            else ("inconsistent", f"the evidence shows {shown}, not none")
        )
    if word == "most":
        if share > 50:
            return "consistent", f"the evidence shows {shown}, a majority"
        return "inconsistent", f"the evidence shows {shown}: not a majority"
    if word == "prominent":
        if k > 0:
            return "consistent", f"the published excerpts show {shown}"
        return "inconsistent", f"no published excerpt at this timepoint is coded with the theme: {shown}"
    if word == "several":
        if k >= 2:
            return "consistent", f"the evidence shows {shown}"
        return "possible", f"the published excerpts show {shown}; they are a selection"
    return "not checked", "the wording names no quantifier the audit reads"


def _share(fig, reps: dict, pub: pd.DataFrame) -> tuple[float, float, bool, str] | None:
    """(share %, base, selective, where) of a claim, from its reproduction or the count it restates."""
    rep = reps.get(fig.figure_id)
    if rep is not None and pd.notna(rep.value) and pd.notna(rep.base):
        return float(rep.value), float(rep.base), str(rep.source_table) == SELECTIVE, f"{rep.file}: {rep.note}"
    target = fig.restates
    if target and target in reps:
        r = reps[target]
        if pd.notna(r.value) and pd.notna(r.base) and r.base:
            share = 100 * float(r.value) / float(r.base) if r.unit in ("count", "n") else float(r.value)
            return share, float(r.base), False, f"the reproduction of {target} ({r.file})"
    return None


def check_quantifiers(inputs: AuditInputs) -> list[Check]:
    """One check per quantifier claim (see the module docstring)."""
    pub = inputs.published
    reps = {r.figure_id: r for r in inputs.reproduced.itertuples()}
    checks = []
    for fig in pub[pub["unit"] == "quantifier"].itertuples():
        word = quantifier_word(fig.printed)
        where = f"{fig.figure_id} ({fig.location}"
        where += f", {fig.source}" if fig.source else ""
        where += f", {fig.wave})" if fig.wave else ")"
        head = f'{where}: "{fig.printed}"'
        found = _share(fig, reps, pub)
        if found is None or not word:
            why = "no quantifier word" if not word else "nothing in the data records it"
            checks.append(
                Check(
                    f"QUANT-{fig.figure_id}",
                    "quantifier",
                    fig.location,
                    (fig.figure_id,),
                    "not checked",
                    f"{head}; {why}.",
                )
            )
            continue
        share, base, selective, source = found
        result, reason = judge(word, share, base, selective)
        allowed = suggestion = ""
        if result == "inconsistent":
            k = share * base / 100
            allowed = f"The evidence shows {num(k)} of {num(base)} ({num(share)}%)."
            suggestion = (
                f"Replace '{word}' by the number: {num(k)} of {num(base)}."
                if word != "prominent"
                else f"Say the theme was prominent at the other timepoint only (here {num(k)} of {num(base)})."
            )
        checks.append(
            Check(
                f"QUANT-{fig.figure_id}",
                "quantifier",
                fig.location,
                (fig.figure_id,) + ((fig.restates,) if fig.restates else ()),
                result,
                f"{head} ('{word}'): {reason} ({source}).",
                (fig.figure_id,) if result == "inconsistent" else (),
                False,
                allowed,
                suggestion,
            )
        )
    return checks
