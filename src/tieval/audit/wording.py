"""Checks of the report's words: wording that joins answers from opposite ends of an agreement scale, and
item numbers cited in the text against the instrument."""

from __future__ import annotations

import re

from tieval.audit.inputs import STOP_WORDS, AuditInputs
from tieval.audit.records import (
    Check,
    unit_symbol,
)
from tieval.config import Study

__all__ = [
    "check_wording",
    "check_item_numbering",
]


_NEUTRAL = re.compile(r"neither\s+agree\w*\s+n?or\s+disagree\w*")


_AGREE_PAIR = re.compile(r"\b(strongly\s+)?(dis)?agree\w*\s*(?:,?\s*(?:or|and)\s+|/\s*)(strongly\s+)?(dis)?agree\w*")


def _has_agreement_scale(study: Study) -> bool:
    return any({"agree", "disagree"} <= {lv.category for lv in s.levels} for s in study.scales.values())


def check_wording(inputs: AuditInputs) -> list[Check]:
    """Text that joins answers from opposite ends of an agreement scale, e.g. "agreed or
    strongly disagreed" (only for studies with an agree/disagree scale)."""
    if not _has_agreement_scale(inputs.study):
        return []
    pub = inputs.published
    cells = {c.figure_id: c for c in pub.itertuples()}
    checks = []
    for r in pub[pub["location_type"] != "table"].itertuples():
        text = _NEUTRAL.sub(" ", str(r.printed).lower())
        for m in _AGREE_PAIR.finditer(text):
            sides = {"disagree" if m.group(2) else "agree", "disagree" if m.group(4) else "agree"}
            if len(sides) < 2:
                continue
            phrase = m.group(0)
            explanation = (
                f'{r.figure_id} ({r.location}) says "{phrase}", which joins answers from opposite '
                "ends of the agreement scale, so the wording does not say which answers are counted"
            )
            if r.restates:
                cell = cells[r.restates]
                explanation += (
                    f"; the figure restates {r.restates} ({cell.category}, {cell.value_text}"
                    f"{unit_symbol(cell.unit)}), so '{cell.category}' was presumably meant"
                )
            checks.append(
                Check(
                    f"WORD-{r.figure_id}",
                    "wording",
                    r.location,
                    (r.figure_id,) + ((r.restates,) if r.restates else ()),
                    "inconsistent",
                    explanation + ".",
                    (r.figure_id,),
                )
            )
            break
    return checks


_ITEM_REF = re.compile(r"\b([A-Za-z]{1,3})(\d+)(?:\s*(?:-|–|to)\s*(?:\1)?(\d+))?\b")


def check_item_numbering(inputs: AuditInputs) -> list[Check]:
    """Item numbers cited in the text ("four questions (D1-4)") against the instrument: the
    items must exist, and when the text names a construct (all the words of its label, e.g.
    "network ... culture change") the cited items must belong to it."""
    study, pub = inputs.study, inputs.published
    ids = {it.id: it for it in study.items}
    prefixes = {m.group(1) for i in ids if (m := re.fullmatch(r"([A-Za-z]{1,3})(\d+)", i))}
    if not prefixes:
        return []
    labels = {}
    for cid, c in study.constructs.items():
        words = [w for w in re.findall(r"[a-z]+", c.label.lower()) if len(w) >= 4 and w not in STOP_WORDS]
        if words:
            labels[cid] = words
    checks = []
    for r in pub.itertuples():
        cited = []
        for m in _ITEM_REF.finditer(str(r.printed)):
            prefix, first, last = m.group(1), int(m.group(2)), m.group(3)
            if prefix not in prefixes:
                continue
            last = int(last) if last else first
            cited += [f"{prefix}{k}" for k in range(first, last + 1)]
        if not cited:
            continue
        cited = list(dict.fromkeys(cited))
        unknown = [c for c in cited if c not in ids]
        said = f"{r.figure_id} ({r.location}) cites {', '.join(cited)}"
        if unknown:
            checks.append(
                _numbering(r, "inconsistent", f"{said}, but the instrument has no item {', '.join(unknown)}.")
            )
            continue
        words = re.findall(r"[a-z]+", f"{r.printed} {r.measure}".lower())
        named = [cid for cid, lw in labels.items() if all(any(w.startswith(x) for w in words) for x in lw)]
        own = {ids[c].construct for c in cited}
        if named and not own & set(named):
            meant = [it.id for it in study.items if it.construct in named]
            own_labels = ", ".join(sorted(study.constructs[c].label if c in study.constructs else c for c in own if c))
            named_labels = ", ".join(study.constructs[c].label for c in named)
            text = (
                f"{said} and describes them as {named_labels} items; the instrument numbers those "
                f"{', '.join(meant)}, while {', '.join(cited)} are {own_labels} items."
            )
            checks.append(_numbering(r, "inconsistent", text))
        else:
            checks.append(_numbering(r, "consistent", f"{said}; they exist in the instrument."))
    return checks


def _numbering(r, result: str, text: str) -> Check:
    """The item-numbering check of figure ``r``; an inconsistent one flags the figure."""
    flagged = (r.figure_id,) if result == "inconsistent" else ()
    return Check(f"ITEM-{r.figure_id}", "item numbering", r.location, (r.figure_id,), result, text, flagged)
