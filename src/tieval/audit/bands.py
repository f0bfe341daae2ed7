"""Check 5, mean vs bins: a mean of a quantity the report gives only in bands, against the smallest and
largest mean the band counts allow."""

from __future__ import annotations

import re

import numpy as np

from tieval.audit import rounding
from tieval.audit.inputs import AuditInputs
from tieval.audit.records import (
    Check,
    num,
)
from tieval.audit.sets import Partition, partitions

__all__ = [
    "parse_band",
    "check_means",
]


_NUMBER_WORDS = {
    w: str(i)
    for i, w in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
        "sixteen seventeen eighteen nineteen twenty".split()
    )
}


_BAND_PATTERNS = (
    (re.compile(r"^(?:<|less than|under|below|fewer than)\s*(\d+(?:\.\d+)?)\s*[a-z ]*$"), "below"),
    (re.compile(r"^(?:>|more than|over|above)\s*(\d+(?:\.\d+)?)\s*[a-z ]*$"), "above"),
    (re.compile(r"^(\d+(?:\.\d+)?)\s*\+\s*[a-z ]*$"), "from"),
    (re.compile(r"^(\d+(?:\.\d+)?)\s*(?:-|–|to)\s*(\d+(?:\.\d+)?)\s*[a-z ]*$"), "range"),
)


def _words_to_digits(text: str) -> str:
    return re.sub(r"\b(" + "|".join(_NUMBER_WORDS) + r")\b", lambda m: _NUMBER_WORDS[m.group(1)], text)


def parse_band(label: str) -> tuple[str, float, float] | None:
    """Read a band label: '< one year' -> ('below', 0, 1); '1-2 years' -> ('range', 1, 2);
    '>15 years' -> ('above', 15, inf); '65+' -> ('from', 65, inf).  None if not a band.

    Lower limits of "below" bands are taken as 0 (the bands describe non-negative
    quantities such as years or ages)."""
    text = _words_to_digits(" ".join(str(label).lower().replace("\u2013", "-").split()))
    for pattern, kind in _BAND_PATTERNS:
        m = pattern.match(text)
        if not m:
            continue
        a = float(m.group(1))
        if kind == "below":
            return kind, 0.0, a
        if kind in ("above", "from"):
            return kind, a, float("inf")
        b = float(m.group(2))
        return (kind, a, b) if a <= b else None
    return None


def _condition(text: str) -> tuple[str, float] | None:
    """A restriction such as "for those employed <15 years" -> ('below', 15)."""
    text = _words_to_digits(str(text).lower())
    m = re.search(r"(?:<|less than|under|below|fewer than)\s*(\d+(?:\.\d+)?)", text)
    if m:
        return "below", float(m.group(1))
    m = re.search(r"(?:>|more than|over|above)\s*(\d+(?:\.\d+)?)", text)
    if m:
        return "above", float(m.group(1))
    return None


def _band_limits(bands, condition):
    """Per band: [count, lower whole, lower continuous, upper whole, upper continuous].

    Whole units: '< 1' is 0, 'a-b' runs a..b, '> a' starts at a+1.  Continuous: '< 1' is
    [0, 1), '> a' starts at a, and each 'a-b' band runs up to the next band's lower limit
    when the printed bands leave a one-unit gap (1-2, 3-5 -> [1, 3), [3, 6)).  A condition
    '<C' drops the bands starting at or above C and caps the others (C-1 whole, C
    continuous); '>C' does the reverse."""
    ordered = sorted(bands, key=lambda b: b[1][1])
    out = []
    for i, (count, (kind, a, b)) in enumerate(ordered):
        if kind == "below":
            limits = [0.0, 0.0, b - 1, b]
        elif kind == "above":
            limits = [a + 1, a, float("inf"), float("inf")]
        elif kind == "from":
            limits = [a, a, float("inf"), float("inf")]
        else:
            nxt = ordered[i + 1][1][1] if i + 1 < len(ordered) else None
            limits = [a, a, b, nxt if nxt is not None and nxt == b + 1 else b + 1]
        out.append([count, *limits])
    if not condition:
        return out
    side, c = condition
    kept = []
    for count, lo_w, lo_c, hi_w, hi_c in out:
        if side == "below" and lo_c < c:
            kept.append([count, lo_w, lo_c, min(hi_w, c - 1), min(hi_c, c)])
        elif side == "above" and hi_c > c:
            kept.append([count, max(lo_w, c + 1), max(lo_c, c), hi_w, hi_c])
    return kept


def check_means(inputs: AuditInputs) -> list[Check]:
    """Check 5: a mean of a banded quantity against the range the band counts allow.

    The bands are the one count partition whose categories all read as bands
    (:func:`parse_band`); a restriction in the figure's wording ("for those employed
    <15 years") selects the bands.  The smallest mean puts everyone at the lower limit of
    their band, the largest at the upper limit, under two readings of the band edges
    (whole units; continuous, each band running up to the next).  The printed mean covers
    everything that rounds to it; it is attainable if that interval meets the range, and
    ``implausible`` if it meets only the lowest or highest tenth of it (everyone bunched
    at one edge of their band: the mean needs an extreme)."""
    pub = inputs.published
    banded = []
    for part in partitions(pub):
        parsed = [parse_band(c) for c in part.categories]
        if all(parsed):
            banded.append((part, parsed))
    checks = []
    for r in pub[pub["unit"] == "mean"].itertuples():
        cid = f"MEAN-{r.figure_id}"
        # a mean naming an item is about that item: never fall back on another question's bands
        choice = [b for b in banded if b[0].item_id and b[0].item_id == r.item_id] or (
            banded if len(banded) == 1 and not r.item_id else []
        )
        if len(choice) != 1:
            if banded or r.item_id:
                checks.append(
                    Check(
                        cid,
                        "mean vs bins",
                        r.location,
                        (r.figure_id,),
                        "not checked",
                        f"{r.figure_id}: no single banded count table to check the mean against.",
                    )
                )
            continue
        part, parsed = choice[0]
        condition = _condition(f"{r.printed} {r.measure}")
        limits = _band_limits(list(zip(part.counts, parsed)), condition)
        checks.append(_mean_check(cid, r, part, parsed, limits, condition))
    return checks


def _mean_check(cid, r, part: Partition, parsed, limits, condition) -> Check:
    figures = (r.figure_id,) + part.figures
    total = sum(band[0] for band in limits)
    if total <= 0:
        return Check(
            cid,
            "mean vs bins",
            r.location,
            figures,
            "not checked",
            f"{r.figure_id}: no respondents in the bands the mean is about.",
        )
    lo = sum(band[0] * band[2] for band in limits) / total
    hi_whole = sum(band[0] * band[3] for band in limits) / total
    hi_cont = sum(band[0] * band[4] for band in limits) / total
    mid_whole = sum(band[0] * (band[1] + band[3]) / 2 for band in limits) / total
    mid_cont = sum(band[0] * (band[2] + band[4]) / 2 for band in limits) / total
    half = 0.5 * 10**-r.decimals
    low_end, high_end = r.value - half, r.value + half
    counts = ", ".join(num(band[0]) for band in limits)
    lowers = ", ".join(num(band[2]) for band in limits)
    who = f"the {num(total)} respondents in the bands used ({part.location}: {counts})"
    if condition:
        who += f" (restricted by the wording to {'<' if condition[0] == 'below' else '>'}{num(condition[1])})"
    head = f"{r.figure_id} prints a mean of {r.value_text} for {who}. "
    if np.isinf(hi_cont):
        attainable = high_end >= lo
        text = head + (
            f"An open-ended band leaves the mean unbounded above; the smallest possible mean is "
            f"{lo:.2f} (lower limits {lowers})."
        )
        return Check(
            cid,
            "mean vs bins",
            r.location,
            figures,
            "consistent" if attainable else "inconsistent",
            text + ("" if attainable else f" {r.value_text} is below it."),
            () if attainable else (r.figure_id,),
        )
    text = head + (
        f"The bands allow a mean from {lo:.2f} (everyone at the lower limit: {lowers}) to {hi_whole:.2f} "
        f"(whole units, everyone at the upper limit) or just under {hi_cont:.2f} (continuous time, each "
        f"band running up to the next); band midpoints give {mid_whole:.2f} to {mid_cont:.2f}. "
    )
    if high_end < lo or low_end >= hi_cont:
        return Check(
            cid,
            "mean vs bins",
            r.location,
            figures,
            "inconsistent",
            text + f"{r.value_text} (anything from {low_end:g} to {high_end:g}) is outside that range.",
            (r.figure_id,),
        )
    width = hi_whole - lo
    if width > 0 and (high_end - lo < 0.1 * width or hi_whole - low_end < 0.1 * width):
        edge = "lower" if high_end - lo < 0.1 * width else "upper"
        text += f"{r.value_text} is attainable only with almost everyone at the {edge} limit of their band."
        edge_mean = lo if edge == "lower" else hi_whole
        if rounding.prints_as(edge_mean, r.value, r.decimals):
            text += f" The mean of the bands' {edge} limits ({edge_mean:.3f}) prints as {r.value_text}, which suggests it was computed that way."
        allowed = (
            f"From the bands: {lo:.2f} (all at lower limits) to {hi_whole:.2f} (all at upper limits); "
            f"midpoints give {mid_whole:.2f}-{mid_cont:.2f}."
        )
        suggestion = (
            f"Recompute the mean from the unbanded answers (band midpoints suggest about {mid_whole:.1f}-{mid_cont:.1f}), "
            f"or state that it takes every respondent at the {edge} limit of their band."
        )
        return Check(
            cid, "mean vs bins", r.location, figures, "implausible", text, (r.figure_id,), False, allowed, suggestion
        )
    return Check(cid, "mean vs bins", r.location, figures, "consistent", text + f"{r.value_text} lies within it.")
