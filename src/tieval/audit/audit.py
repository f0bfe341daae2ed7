"""The audit: every published figure against its reproduction, and the report checked against itself.

Two questions are asked of every number a report prints
(``data/<study>/published/figures.csv``):

1. **Does the pipeline reproduce it?**  The reproductions written by earlier
   steps (every ``outputs/<study>/tables/reproduced*.csv``) are compared one
   to one: percentages and means after rounding to the printed precision,
   counts exactly.
2. **Is the report consistent with itself?**  Checks that need no data at all:

   ``denominators``         each set of rounded percentages (a table row, a
                            sentence giving several answers to one item, or
                            shares of a table's counts) against every sample
                            size ``n`` that could produce it (:mod:`tieval.audit.rounding`);
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
                            counts of the cleaned export (``tables/exclusions.csv``).

Outputs: ``outputs/<study>/06_audit/audit.csv`` (one row per published figure, with
the most important status and a note pointing at the checks),
``outputs/<study>/06_audit/audit_checks.csv`` (one row per check) and
``outputs/<study>/tables/audit_denominators.csv`` (one row per set of
percentages).  Statuses, most important first: ``inconsistent within
report``, ``differs``, ``match``, ``not reproducible``.  A figure keeps its
reproduction in the ``reproduced`` column even when a check marks it as
part of an inconsistent set.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from fractions import Fraction
from pathlib import Path

import numpy as np
import pandas as pd

from tieval import store
from tieval.audit import rounding
from tieval.config import Study
from tieval.errors import InputError
from tieval.paths import outputs_dir, step_dir
from tieval.published import bound_direction, load_published
from tieval.schema import AUDIT, EXCLUSIONS, REPRODUCED, require_columns

__all__ = [
    "STATUSES",
    "RESULTS",
    "KINDS",
    "AUDIT_COLUMNS",
    "CHECK_COLUMNS",
    "DENOMINATOR_COLUMNS",
    "AuditInputs",
    "AuditResult",
    "Check",
    "PercentSet",
    "Partition",
    "load_inputs",
    "load_reproduced",
    "load_exclusions",
    "stated_totals",
    "default_n_max",
    "flow_figures",
    "percent_sets",
    "partitions",
    "parse_band",
    "bound_direction",
    "check_denominators",
    "check_category_sums",
    "check_totals",
    "check_restatements",
    "check_means",
    "check_wording",
    "check_item_numbering",
    "check_flow",
    "compare_figure",
    "run",
    "audit_study",
    "write",
    "figure_table",
    "status_summary",
    "check_summary",
    "match_rate",
    "discrepancies",
    "summary_sentence",
]

#: Figure statuses, most important first.
STATUSES = ("inconsistent within report", "differs", "match", "not reproducible")
#: Check results.  ``possible``: arithmetically possible only under something the report does not
#: state (a base it never gives, everyone at the edge of a band); ``differs``: the data disagree
#: with the report (flow checks); ``not checked``: an input the check needs is missing.
RESULTS = ("inconsistent", "differs", "possible", "consistent", "not checked")
#: Check kinds and the prefix of their check ids.
KINDS = {
    "denominators": "DEN",
    "category sum": "SUM",
    "text vs table total": "TOT",
    "restatement": "RES",
    "mean vs bins": "MEAN",
    "wording": "WORD",
    "item numbering": "ITEM",
    "flow": "FLOW",
}

#: audit.csv: the data contract's columns, then ``comparison`` (the one-to-one result alone: match,
#: differs or not reproducible, before any consistency check), the unit, the unrounded
#: reproduction, its base, where it came from (file: table) and the ids of the checks the figure
#: takes part in.
AUDIT_COLUMNS = [*AUDIT, "comparison", "unit", "reproduced_exact", "reproduced_base", "reproduced_source", "checks"]
#: audit_checks.csv: ``figures`` = every figure the check looks at; ``flagged`` = the figures it
#: marks ``inconsistent within report`` (a subset; empty unless the result is ``inconsistent``).
CHECK_COLUMNS = ["check_id", "kind", "location", "figures", "flagged", "result", "explanation"]
#: tables/audit_denominators.csv: one row per set of rounded percentages.
DENOMINATOR_COLUMNS = [
    "check_id",
    "location",
    "item_id",
    "figures",
    "categories",
    "printed",
    "printed_sum",
    "complete",
    "n_searched",
    "compatible_n",
    "compatible_n_half_up",
    "compatible_n_half_even",
    "stated_totals_fitting",
    "reproduced_base",
    "smallest_n_above",
    "closest_n",
    "closest_counts",
    "closest_deviation",
    "result",
]

_NUMBER_WORDS = {
    w: str(i)
    for i, w in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
        "sixteen seventeen eighteen nineteen twenty".split()
    )
}


# ----------------------------------------------------------------------------- inputs


@dataclass
class AuditInputs:
    """Everything the audit reads: the published figures, the reproductions, the export's flow.

    ``published`` is :func:`tieval.published.load_published`'s frame plus ``decimals``
    (decimal places of the printed value) and ``value_text`` (the value as written).
    ``totals`` is :func:`stated_totals`; ``n_max`` the largest sample size the
    denominator search tries and ``n_max_basis`` where it comes from; ``flow`` is
    :func:`flow_figures`."""

    study: Study
    published: pd.DataFrame
    reproduced: pd.DataFrame
    exclusions: pd.DataFrame | None
    totals: pd.DataFrame
    n_max: int
    flow: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=["figure_id", "stage", "cleaned_stage", "cleaned_n"])
    )
    n_max_basis: str = ""


@dataclass
class AuditResult:
    """The three audit tables."""

    audit: pd.DataFrame
    checks: pd.DataFrame
    denominators: pd.DataFrame


@dataclass(frozen=True)
class Check:
    """One consistency check: what it looked at, what it found, and which figures it flags."""

    check_id: str
    kind: str
    location: str
    figures: tuple[str, ...]
    result: str
    explanation: str
    flagged: tuple[str, ...] = ()
    #: True for a check about a whole table (its figures are not pointed at it one by one).
    overview: bool = False


@dataclass(frozen=True)
class PercentSet:
    """Percentages the report gives for the answers to one item in one place (a table row,
    or one passage of text); ``complete`` when every answer category of the item's scale
    (apart from "not relevant") is printed.  A count of zero joins as 0 %."""

    key: str
    location: str
    item_id: str
    origin: str  # table | text
    figures: tuple[str, ...]
    categories: tuple[str, ...]
    values: tuple[str, ...]
    decimals: int
    complete: bool
    conflicts: tuple[str, ...] = ()


@dataclass(frozen=True)
class Partition:
    """The counts of one table column split by category (e.g. respondents by sector)."""

    key: str
    location: str
    measure: str
    item_id: str
    figures: tuple[str, ...]
    categories: tuple[str, ...]
    counts: tuple[float, ...]

    @property
    def total(self) -> float:
        return float(sum(self.counts))


def _decimals(text: str) -> int:
    """Decimal places of a number as written ('2.8' -> 1, '26' -> 0)."""
    text = str(text).strip()
    return len(text.split(".", 1)[1]) if "." in text else 0


def _load_published(study: Study) -> pd.DataFrame:
    frame = load_published(study)
    raw = store.read_csv(study.path("published"))
    frame["value_text"] = raw["value"].str.strip().to_numpy()
    frame["decimals"] = frame["value_text"].map(_decimals).astype(int)
    return frame.reset_index(drop=True)


def load_reproduced(study: Study, published: pd.DataFrame, folder: Path | None = None) -> pd.DataFrame:
    """Every ``reproduced*.csv`` an earlier step wrote (``outputs/<study>/<step>/``, or ``folder``),
    stacked in path order.

    ``value`` and ``base`` become floats (blank = no value).  A figure id unknown to the
    published figures, a non-numeric value, or one figure reproduced twice with different
    values is an :class:`InputError` naming the file, row and column."""
    if folder is not None:
        files = sorted(Path(folder).glob("reproduced*.csv"))
    else:
        folder = step_dir(study.id, "03_tables")
        files = sorted(outputs_dir(study.id).glob("*/reproduced*.csv"))
    if not files:
        raise InputError(
            Path(folder) / "reproduced.csv", "an existing file of reproduced figures (run the tables step first: `make`)"
        )
    known = set(published["figure_id"])
    frames = []
    seen: dict[str, tuple[float, Path]] = {}
    for path in files:
        frame = store.read_csv(path)
        require_columns(frame, REPRODUCED, path)
        frame = frame[REPRODUCED].copy()
        for column in ("value", "base"):
            text = frame[column].str.strip()
            numeric = pd.to_numeric(text.where(text != ""), errors="coerce")
            bad = numeric.isna() & (text != "")
            if bad.any():
                i = int(bad.to_numpy().nonzero()[0][0])
                raise InputError(path, "a number or nothing", row=i + 2, column=column, found=frame[column].iloc[i])
            frame[column] = numeric
        unknown = ~frame["figure_id"].isin(known)
        if unknown.any():
            i = int(unknown.to_numpy().nonzero()[0][0])
            raise InputError(
                path,
                "a figure_id from published/figures.csv",
                row=i + 2,
                column="figure_id",
                found=frame["figure_id"].iloc[i],
            )
        keep = []
        for i, (fid, value) in enumerate(zip(frame["figure_id"], frame["value"])):
            if fid in seen:
                other, where = seen[fid]
                same = (pd.isna(other) and pd.isna(value)) or (
                    not pd.isna(other) and not pd.isna(value) and abs(other - value) < 1e-9
                )
                if not same:
                    raise InputError(
                        path,
                        f"each figure reproduced once (also in {where.name} with value {other:g})",
                        row=i + 2,
                        column="figure_id",
                        found=fid,
                    )
                keep.append(False)
            else:
                seen[fid] = (value, path)
                keep.append(True)
        frame = frame[np.array(keep, dtype=bool)].copy()
        frame["file"] = path.name
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def load_exclusions(study: Study, folder: Path | None = None) -> pd.DataFrame | None:
    """``exclusions.csv`` of the cleaning step (the cleaned export's participant flow), or None if absent."""
    folder = Path(folder) if folder is not None else step_dir(study.id, "02_clean")
    path = folder / "exclusions.csv"
    if not path.is_file():
        return None
    frame = store.read_csv(path)
    require_columns(frame, EXCLUSIONS, path)
    numeric = pd.to_numeric(frame["n"].str.strip(), errors="coerce")
    bad = numeric.isna()
    if bad.any():
        i = int(bad.to_numpy().nonzero()[0][0])
        raise InputError(path, "a count", row=i + 2, column="n", found=frame["n"].iloc[i])
    frame["n"] = numeric
    return frame


def stated_totals(study: Study, published: pd.DataFrame) -> pd.DataFrame:
    """The totals the report states, as candidates for a table's total or a row's base.

    Columns ``source``, ``label``, ``n``, ``approximate``, ``survey``: the participant flow
    (``design.flow``; ``survey`` True), each qualitative session and their sum, and every
    figure printed as a sample size (unit ``n``)."""
    rows = []
    for stage in study.flow:
        rows.append(
            (
                "design.flow:" + str(stage["id"]),
                str(stage["label"]),
                float(stage["n"]),
                bool(stage.get("approximate", False)),
                True,
            )
        )
    sessions = list(study.design.get("qualitative", {}).get("sessions", []))
    for s in sessions:
        rows.append(
            (
                "design.qualitative.sessions:" + str(s["id"]),
                f"{s['kind']} {s.get('timepoint', '')}".strip(),
                float(s["n"]),
                False,
                False,
            )
        )
    if len(sessions) > 1:
        rows.append(
            (
                "design.qualitative.sessions",
                "all qualitative sessions together",
                float(sum(float(s["n"]) for s in sessions)),
                False,
                False,
            )
        )
    stated_n = published[(published["unit"] == "n") & published["value"].notna()]
    for r in stated_n.itertuples():
        rows.append((r.figure_id, r.measure, float(r.value), False, False))
    return pd.DataFrame(rows, columns=["source", "label", "n", "approximate", "survey"])


def default_n_max(study: Study, exclusions: pd.DataFrame | None, published: pd.DataFrame) -> tuple[int, str]:
    """The largest sample size worth trying as a denominator, and where it comes from: the
    most responses the study states (its exact flow stages); failing that, the most records
    of the cleaned export; failing that three times the largest stated base; failing that 100."""
    stated = [float(s["n"]) for s in study.flow if not s.get("approximate", False)]
    if stated:
        return max(1, int(max(stated))), "the largest count in the study's participant flow"
    if exclusions is not None and len(exclusions):
        return max(1, int(exclusions["n"].max())), "the most records of the cleaned export"
    bases = published["base"].dropna()
    if len(bases):
        return max(1, int(3 * bases.max())), "three times the largest stated base"
    return 100, "a default, as the study states no totals"


_STOP = {"and", "the", "with", "from", "into", "that", "this", "for", "who", "were", "was", "their", "they"}


def _stems(text: str) -> set[str]:
    """Content-word stems (first five letters of words of four letters or more)."""
    return {w[:5] for w in re.findall(r"[a-z]+", str(text).lower()) if len(w) >= 4 and w not in _STOP}


def flow_figures(study: Study, published: pd.DataFrame, exclusions: pd.DataFrame | None) -> pd.DataFrame:
    """Published figures that state a stage of the participant flow, with the cleaned count.

    A figure states flow stage S when it is a count or sample size in the text (no item, no
    category), its value equals S's n and its measure shares a content word with S's label
    (e.g. "survey responses received" and "Responses received").  ``cleaned_stage`` and
    ``cleaned_n`` come from :func:`tieval.survey.clean.compare_flow` (blank when the export does
    not record the stage).  Columns: figure_id, stage, cleaned_stage, cleaned_n."""
    columns = ["figure_id", "stage", "cleaned_stage", "cleaned_n"]
    cand = published[
        published["unit"].isin(["count", "n"])
        & (published["item_id"] == "")
        & (published["category"] == "")
        & (published["location_type"] != "table")
    ]
    cleaned: dict[str, tuple[str, float]] = {}
    if exclusions is not None:
        from tieval.survey.clean import compare_flow

        compared = compare_flow(study, exclusions.assign(n=exclusions["n"].astype(int)))
        for r in compared.itertuples():
            if r.check in ("matches", "differs") and str(r.cleaned_n) != "" and pd.notna(r.cleaned_n):
                cleaned[str(r.flow_stage)] = (r.cleaned_stage, float(r.cleaned_n))
    rows = []
    for stage in study.flow:
        label = _stems(stage["label"])
        for r in cand.itertuples():
            if abs(r.value - float(stage["n"])) < 1e-9 and _stems(r.measure) & label:
                stage_id = str(stage["id"])
                target, n = cleaned.get(stage_id, ("", np.nan))
                rows.append((r.figure_id, stage_id, target, n))
    return pd.DataFrame(rows, columns=columns).drop_duplicates("figure_id").reset_index(drop=True)


def _flow_reproductions(flow: pd.DataFrame, reproduced: pd.DataFrame, published: pd.DataFrame) -> pd.DataFrame:
    """Reproductions of the flow figures from the cleaned export (for figures no step reproduced)."""
    have = set(reproduced["figure_id"])
    units = published.set_index("figure_id")["unit"]
    rows = flow[flow["cleaned_n"].notna() & ~flow["figure_id"].isin(have)]
    return pd.DataFrame(
        {
            "figure_id": rows["figure_id"],
            "value": rows["cleaned_n"].astype(float),
            "unit": [units[f] for f in rows["figure_id"]],
            "base": np.nan,
            "source_table": "stage " + rows["cleaned_stage"],
            "note": "flow stage " + rows["stage"] + " of study.yml, counted in the cleaned export",
            "file": "exclusions.csv",
        }
    )


def load_inputs(study: Study, *, n_max: int | None = None, tables: Path | None = None) -> AuditInputs:
    """Read the published figures, every reproduction and the export's flow for ``study``.

    Figures stating a stage of the participant flow (:func:`flow_figures`) that no step
    reproduced are reproduced here from the cleaned export's counts."""
    published = _load_published(study)
    reproduced = load_reproduced(study, published, tables)
    exclusions = load_exclusions(study, tables)
    flow = flow_figures(study, published, exclusions)
    extra = _flow_reproductions(flow, reproduced, published)
    if len(extra):
        reproduced = pd.concat([reproduced, extra], ignore_index=True)
    totals = stated_totals(study, published)
    if n_max:
        limit, basis = int(n_max), "set by the parameter n_max"
    else:
        limit, basis = default_n_max(study, exclusions, published)
    return AuditInputs(study, published, reproduced, exclusions, totals, limit, flow, basis)


# ----------------------------------------------------------------------------- formatting helpers


def _num(x) -> str:
    """A number for prose: integers without decimals, others with up to 2."""
    if x is None or (isinstance(x, float) and np.isnan(x)):
        return ""
    x = float(x)
    if x.is_integer():
        return str(int(x))
    return f"{x:.2f}".rstrip("0").rstrip(".")


def _ranges(ns: list[int]) -> str:
    """[29, 30, 31, 58, 60] -> '29-31, 58, 60'."""
    if not ns:
        return "none"
    parts, start, prev = [], ns[0], ns[0]
    for n in ns[1:] + [None]:
        if n is not None and n == prev + 1:
            prev = n
            continue
        parts.append(str(start) if start == prev else f"{start}-{prev}")
        if n is not None:
            start = prev = n
    return ", ".join(parts)


def _common_prefix(ids) -> str:
    split = [str(i).split(".") for i in ids]
    out = []
    for parts in zip(*split):
        if len(set(parts)) != 1:
            break
        out.append(parts[0])
    return ".".join(out)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", str(text).lower()).strip("-")


def _join(ids) -> str:
    return ", ".join(ids)


# ----------------------------------------------------------------------------- grouping figures


def _category_order(study: Study, item_id: str) -> list[str]:
    try:
        scale = (
            study.scale_of(item_id)
            if any(i.id == item_id for i in study.items)
            else study.scales[next(d.scale for d in study.demographics if d.id == item_id)]
        )
    except (KeyError, StopIteration):
        return []
    return scale.categories


def _is_complete(study: Study, item_id: str, categories) -> bool:
    order = _category_order(study, item_id)
    needed = [c for c in order if c != "not_relevant"]
    return bool(needed) and set(needed) <= set(categories)


def percent_sets(study: Study, published: pd.DataFrame) -> list[PercentSet]:
    """Group the printed percentages by place and item (see :class:`PercentSet`).

    Table cells group by (location, item); text and summary figures likewise, so one
    passage giving several answers to one item forms a set.  Repeats of the same value are
    kept once; two different values for the same answer are recorded as a conflict."""
    pub = published
    is_pct = pub["unit"] == "percent"
    zero_count = (pub["unit"] == "count") & (pub["value"] == 0)
    cand = pub[(is_pct | zero_count) & (pub["item_id"] != "") & (pub["category"] != "")].copy()
    cand["origin"] = np.where(cand["location_type"] == "table", "table", "text")
    sets: list[PercentSet] = []
    used_keys: set[str] = set()
    for (location, item), group in cand.groupby(["location", "item_id"], sort=False):
        if not (group["unit"] == "percent").any():
            continue
        order = _category_order(study, item)
        cats: dict[str, tuple[str, str]] = {}
        conflicts = []
        figures = []
        for r in group.itertuples():
            text = r.value_text if r.unit == "percent" else "0"
            figures.append(r.figure_id)
            if r.category in cats:
                if Decimal(cats[r.category][1]) != Decimal(text):
                    conflicts.append(r.category)
                continue
            cats[r.category] = (r.figure_id, text)
        if len(cats) < 2:
            continue
        ordered = sorted(cats, key=lambda c: (order.index(c) if c in order else len(order), list(cats).index(c)))
        key = _common_prefix(figures)
        if item not in key.split("."):
            key = f"{key}.{item}" if key else item
        while key in used_keys:
            key += "+"
        used_keys.add(key)
        sets.append(
            PercentSet(
                key=key,
                location=location,
                item_id=item,
                origin=group["origin"].iloc[0],
                figures=tuple(figures),
                categories=tuple(ordered),
                values=tuple(cats[c][1] for c in ordered),
                decimals=max(_decimals(cats[c][1]) for c in ordered),
                complete=_is_complete(study, item, ordered),
                conflicts=tuple(dict.fromkeys(conflicts)),
            )
        )
    return sets


def partitions(published: pd.DataFrame) -> list[Partition]:
    """Table counts split by category: the cells of one table sharing a measure and item,
    with at least two categories (e.g. Table 4's respondents by sector)."""
    pub = published
    cand = pub[
        (pub["location_type"] == "table") & (pub["unit"] == "count") & (pub["category"] != "") & pub["value"].notna()
    ]
    groups = []
    for (location, measure, item), g in cand.groupby(["location", "measure", "item_id"], sort=False):
        if g["category"].nunique() < 2:
            continue
        groups.append((location, measure, item, g))
    prefixes = [_common_prefix(g["figure_id"]) for *_, g in groups]
    out = []
    for (location, measure, item, g), prefix in zip(groups, prefixes):
        key = prefix if prefix and prefixes.count(prefix) == 1 else f"{prefix}.{_slug(measure)}".strip(".")
        out.append(
            Partition(
                key,
                location,
                measure,
                item,
                tuple(g["figure_id"]),
                tuple(g["category"]),
                tuple(float(v) for v in g["value"]),
            )
        )
    return out


def _totals_equal(totals: pd.DataFrame, n: float) -> pd.DataFrame:
    """The stated totals equal to ``n``."""
    return totals[(totals["n"] - n).abs() < 1e-9]


def _describe_totals(rows: pd.DataFrame) -> str:
    return "; ".join(f"{_num(r.n)} ({r.source}: {r.label})" for r in rows.itertuples())


# ----------------------------------------------------------------------------- check 1: denominators

#: A report rounds every cell of a row the same way, so the denominator search runs once per
#: rule (rounding.py's per-cell "either" would let one row mix the rules).
_RULES = ("half_up", "half_even")


def _feasible_partial(values, n: int, decimals: int, rule: str) -> bool:
    """Whether the printed categories of an incomplete set fit in ``n`` (the rest unprinted)."""
    ranges = [rounding.count_range(v, n, decimals, rule) for v in values]
    return all(ranges) and sum(r[0] for r in ranges) <= n


def _fits(ps: PercentSet, n: int, rule: str) -> bool:
    if ps.complete:
        return bool(rounding.counts_for(ps.values, n, ps.decimals, rule, limit=1))
    return _feasible_partial(ps.values, n, ps.decimals, rule)


def _set_ns(ps: PercentSet, n_range) -> dict[str, list[int]]:
    """The sample sizes in ``n_range`` that can produce the set, per rounding rule."""
    out = {}
    for rule in _RULES:
        if ps.complete:
            out[rule] = rounding.compatible_ns(ps.values, n_range, ps.decimals, rule)
        else:
            out[rule] = [n for n in n_range if _feasible_partial(ps.values, n, ps.decimals, rule)]
    return out


def _union(by_rule: dict[str, list[int]]) -> list[int]:
    return sorted(set().union(*by_rule.values()))


def _describe_ns(by_rule: dict[str, list[int]]) -> str:
    up, even = by_rule["half_up"], by_rule["half_even"]
    if up == even:
        return f"n = {_ranges(up)}"
    return f"n = {_ranges(up)} rounding halves up, {_ranges(even)} rounding halves to even"


def _reproduced_bases(reproduced: pd.DataFrame, figures) -> str:
    bases = reproduced.loc[reproduced["figure_id"].isin(figures), "base"].dropna().unique()
    return ", ".join(_num(b) for b in sorted(bases))


def _closest(ps: PercentSet, n_range):
    """The nearest reading of a complete set no n meets: (fit, rule), best over both rules."""
    best = None
    for rule in _RULES:
        fit = rounding.closest_fit(ps.values, n_range, ps.decimals, rule)[0]
        if best is None or (fit.deviation, fit.exact_deviation) < (best[0].deviation, best[0].exact_deviation):
            best = (fit, rule)
    return best


def check_denominators(inputs: AuditInputs) -> tuple[list[Check], pd.DataFrame]:
    """Check 1: every set of rounded percentages against the sample sizes 1..``n_max``.

    Each set is searched twice, once rounding halves up and once to even (a report
    rounds a row one way).  Returns the checks and the denominators table.  A set no
    ``n`` in range can produce is inconsistent; its explanation gives the smallest ``n``
    above the range that would, and the closest reading within the range.  For each
    table, a summary check says whether one stated total fits every row.  Percentages of
    a table's counts printed in the text (e.g. "most respondents (25%) worked in health"
    beside a count of 12) are checked for a single ``n`` that gives them all."""
    study, pub, n_max = inputs.study, inputs.published, inputs.n_max
    survey_totals = inputs.totals[inputs.totals["survey"] & ~inputs.totals["approximate"]]
    n_range = range(1, n_max + 1)
    checks: list[Check] = []
    rows = []
    fits_by_location: dict[str, list[tuple[PercentSet, list[int]]]] = {}
    for ps in percent_sets(study, pub):
        by_rule = _set_ns(ps, n_range)
        ns = _union(by_rule)
        fitting = [t for t in survey_totals.itertuples() if int(t.n) in ns]
        fit_text = "; ".join(f"{_num(t.n)} ({t.label})" for t in fitting)
        above = closest = None
        if not ns:
            above = next(
                (n for n in range(n_max + 1, 3 * n_max + 1) if any(_fits(ps, n, rule) for rule in _RULES)), None
            )
            if ps.complete:
                closest = _closest(ps, n_range)
        printed = " / ".join(f"{c} {v}%" for c, v in zip(ps.categories, ps.values))
        total = sum(Decimal(v) for v in ps.values)
        cid = f"DEN-{ps.key}"
        flagged: tuple[str, ...] = ()
        if ns:
            result = "consistent"
            explanation = (
                f"{ps.location}, {ps.item_id}: {printed} can be whole-number counts of "
                f"{_describe_ns(by_rule)} (searched 1-{n_max})"
            )
            explanation += (
                f"; the stated total(s) {fit_text} fit."
                if fitting
                else "; none of the stated survey totals fits."
                if len(survey_totals)
                else "."
            )
            if not ps.complete:
                explanation += " Not every answer category is printed; the rest may hold any remainder."
        else:
            result = "inconsistent"
            explanation = (
                f"{ps.location}, {ps.item_id}: no sample size from 1 to {n_max} gives {printed} "
                f"(sum {_num(total)}) with one rounding rule"
            )
            limit = f"{n_max} ({inputs.n_max_basis})" if inputs.n_max_basis else str(n_max)
            explanation += (
                f"; the smallest n that would is {above}, more than {limit}."
                if above
                else f"; nor does any n up to {3 * n_max}."
            )
            if closest is not None:
                fit, rule = closest
                reprinted = [rounding.rounded_percent(k, fit.n, ps.decimals, rule) for k in fit.counts]
                explanation += (
                    f" Closest reading: n = {fit.n}, counts {'/'.join(map(str, fit.counts))} "
                    f"print as {'/'.join(_num(x) for x in reprinted)} "
                    f"({_num(fit.deviation)} percentage point(s) off in all)."
                )
            flagged = _blame(ps, pub)
        checks.append(Check(cid, "denominators", ps.location, ps.figures, result, explanation, flagged))
        if ps.origin == "table":
            fits_by_location.setdefault(ps.location, []).append((ps, ns))
        fit = closest[0] if closest else None
        rows.append(
            {
                "check_id": cid,
                "location": ps.location,
                "item_id": ps.item_id,
                "figures": _join(ps.figures),
                "categories": " / ".join(ps.categories),
                "printed": " / ".join(ps.values),
                "printed_sum": float(total),
                "complete": ps.complete,
                "n_searched": f"1-{n_max}",
                "compatible_n": _ranges(ns),
                "compatible_n_half_up": _ranges(by_rule["half_up"]),
                "compatible_n_half_even": _ranges(by_rule["half_even"]),
                "stated_totals_fitting": fit_text,
                "reproduced_base": _reproduced_bases(inputs.reproduced, ps.figures),
                "smallest_n_above": float(above) if above else np.nan,
                "closest_n": float(fit.n) if fit else np.nan,
                "closest_counts": "/".join(map(str, fit.counts)) if fit else "",
                "closest_deviation": float(fit.deviation) if fit else np.nan,
                "result": result,
            }
        )
    for location, items in fits_by_location.items():
        checks.append(_table_totals_check(location, items, survey_totals))
    checks.extend(_share_checks(inputs))
    frame = pd.DataFrame(rows, columns=DENOMINATOR_COLUMNS)
    return checks, frame


def _blame(ps: PercentSet, pub: pd.DataFrame) -> tuple[str, ...]:
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
            f"DEN-{_slug(location)}",
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
            parts.append(f"n = {_num(t.n)} ({t.label}) fits {len(fit)} of {rows} rows")
        if len(fit) == rows:
            all_fit.append(t)
    if not parts:
        parts.append(f"none of the stated survey totals fits any of its {rows} rows")
    none_fit = [ps.item_id for ps, ns in items if not any(int(t.n) in ns for t in survey_totals.itertuples())]
    text = f"{location}: " + "; ".join(parts) + "."
    if all_fit:
        return Check(
            f"DEN-{_slug(location)}",
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
    return Check(f"DEN-{_slug(location)}", "denominators", location, figures, "possible", text, overview=True)


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
            common: dict[str, set[int]] = {rule: set(n_range) for rule in _RULES}
            for r in group.itertuples():
                cell, k = lookup[r.category]
                k = int(k)
                ns = {
                    rule: [n for n in n_range if n >= k and rounding.rounds_to(k, n, r.value_text, r.decimals, rule)]
                    for rule in _RULES
                }
                per_figure.append((r, cell, k, _union(ns)))
                for rule in _RULES:
                    common[rule] &= set(ns[rule])
            fit = sorted(n for n in set().union(*common.values()) if n <= n_max)
            figures = tuple(group["figure_id"]) + tuple(cell for _, cell, _, _ in per_figure)
            detail = "; ".join(
                f"{r.value_text}% of {k} ({cell}) "
                + (f"needs n = {_ranges(ns)}" if ns else f"fits no n up to {3 * n_max}")
                for r, cell, k, ns in per_figure
            )
            cid = f"DEN-{_common_prefix(group['figure_id']) or _slug(location)}.{part.key}"
            if fit:
                checks.append(
                    Check(
                        cid,
                        "denominators",
                        location,
                        figures,
                        "consistent",
                        f"{location}: the shares of {part.location}'s counts fit n = {_ranges(fit)}. {detail}.",
                    )
                )
                continue
            biggest = max(k for _, _, k, _ in per_figure)
            readings = []
            for n in sorted({int(part.total)} | {int(t) for t in survey}):
                if n >= biggest:
                    printed = "/".join(_num(rounding.rounded_percent(k, n, r.decimals)) for r, _, k, _ in per_figure)
                    readings.append(f"n = {n} gives {printed}")
            text = (
                f"{location}: no single n gives these shares of {part.location}'s counts ({detail}). "
                f"Printed {'/'.join(r.value_text for r, *_ in per_figure)}"
                + (f"; {'; '.join(readings)}." if readings else ".")
            )
            checks.append(
                Check(cid, "denominators", location, figures, "inconsistent", text, tuple(group["figure_id"]))
            )
    return checks


# ----------------------------------------------------------------------------- check 2: category sums


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
        head = f"{ps.location}, {ps.item_id}: {printed} = {_num(float(total))}"
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
                    _blame(ps, pub),
                )
            )
            continue
        if ps.complete:
            if diff == 0:
                result, text = "consistent", head + "."
            elif abs(diff) < slack:
                result, text = "consistent", head + f"; rounding {k} categories allows 100 ± {_num(float(slack))}."
            elif abs(diff) == slack:
                result, text = (
                    "possible",
                    head
                    + (
                        f"; {k} rounded categories can reach 100 ± {_num(float(slack))} "
                        "only if every share is an exact half rounded the same way."
                    ),
                )
            else:
                result, text = (
                    "inconsistent",
                    head + (f"; rounding {k} categories allows at most 100 ± {_num(float(slack))}."),
                )
        else:
            if diff <= slack:
                result, text = "consistent", head + "; not every category is printed, so the sum may fall short of 100."
            else:
                result, text = (
                    "inconsistent",
                    head + (f", more than 100 + {_num(float(slack))} even before the categories it does not print."),
                )
        flagged = _blame(ps, pub) if result == "inconsistent" else ()
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
        terms = " + ".join(_num(v) for v in g["value"])
        key = _common_prefix(g["figure_id"])
        cid = (f"SUM-{key}.{item}" if item not in key.split(".") else f"SUM-{key}") + ".counts"
        head = f"{location}, {item}: {terms} = {_num(total)} of a base of {_num(base)}"
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
                    head + f"; the other {_num(base - total)} are in categories the report does not print.",
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


# ----------------------------------------------------------------------------- check 3: totals


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
        equal = _totals_equal(totals, part.total)
        figures = part.figures + tuple(s for s in equal["source"] if s in set(pub["figure_id"]))
        head = f"{part.location}, {part.measure}: {' + '.join(_num(c) for c in part.counts)} = {_num(part.total)}"
        if len(equal):
            checks.append(
                Check(
                    f"TOT-{part.key}",
                    "text vs table total",
                    part.location,
                    figures,
                    "consistent",
                    head + f", equal to {_describe_totals(equal)}.",
                )
            )
        else:
            checks.append(
                Check(
                    f"TOT-{part.key}",
                    "text vs table total",
                    part.location,
                    figures,
                    "possible",
                    head + ", a total the report does not state.",
                )
            )
    for location, group in by_table.items():
        if len(group) < 2:
            continue
        sums = {p.key: p.total for p in group}
        figures = tuple(f for p in group for f in p.figures)
        listing = "; ".join(f"{p.measure}: {_num(p.total)}" for p in group)
        prefix = _common_prefix([f for p in group for f in p.figures]) or _slug(location)
        if len(set(sums.values())) == 1:
            checks.append(
                Check(
                    f"TOT-{prefix}",
                    "text vs table total",
                    location,
                    figures,
                    "consistent",
                    f"{location}: every count column sums to {_num(group[0].total)} ({listing}).",
                )
            )
            continue
        stated = [p for p in group if len(_totals_equal(totals, p.total))]
        odd = [p for p in group if p not in stated] if stated else group
        text = f"{location} splits the same respondents in {len(group)} ways with different totals ({listing}). "
        if stated:
            text += (
                "The report states "
                + "; ".join(_describe_totals(_totals_equal(totals, p.total)) for p in stated)
                + f", but no total of {', '.join(_num(p.total) for p in odd)}: "
                + ", ".join(
                    f"{p.measure} is {_num(abs(stated[0].total - p.total))} "
                    f"{'short' if p.total < stated[0].total else 'over'}"
                    for p in odd
                )
                + (
                    " (a question left unanswered would explain it; the report does not say)."
                    if all(p.total < stated[0].total for p in odd)
                    else "."
                )
            )
        checks.append(
            Check(
                f"TOT-{prefix}",
                "text vs table total",
                location,
                figures,
                "inconsistent",
                text,
                tuple(f for p in odd for f in p.figures),
            )
        )
    bases = pub[pub["base"].notna()]
    for base, g in bases.groupby("base", sort=True):
        equal = _totals_equal(totals, float(base))
        figures = tuple(g["figure_id"])
        head = f"{len(g)} figure(s) state a base of {_num(base)}"
        if len(equal):
            checks.append(
                Check(
                    f"TOT-base-{_num(base)}",
                    "text vs table total",
                    "",
                    figures,
                    "consistent",
                    head + f", equal to {_describe_totals(equal)}.",
                )
            )
        else:
            checks.append(
                Check(
                    f"TOT-base-{_num(base)}",
                    "text vs table total",
                    "",
                    figures,
                    "possible",
                    head + ", which matches no total the report states.",
                )
            )
    return checks


# ----------------------------------------------------------------------------- check 4: restatements


def _same_printed(a: float, a_dec: int, b: float, b_dec: int) -> bool:
    """Equal once the more precise value is rounded to the coarser precision (either rule)."""
    d = min(a_dec, b_dec)
    return _prints_as(a, b, d) if a_dec >= b_dec else _prints_as(b, a, d)


def _prints_as(value: float, printed: float, decimals: int) -> bool:
    """Whether ``value`` rounded to ``decimals`` places (half up or half even) equals ``printed``."""
    q = Decimal(1).scaleb(-decimals)
    exact = Decimal(repr(float(value)))
    target = Decimal(repr(float(printed))).quantize(q, rounding=ROUND_HALF_UP)
    return exact.quantize(q, rounding=ROUND_HALF_UP) == target or exact.quantize(q, rounding=ROUND_HALF_EVEN) == target


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
        checks.append(
            Check(
                cid,
                "restatement",
                r.location,
                figures,
                result,
                text,
                (r.figure_id,) if result == "inconsistent" else (),
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
        by_rule = _set_ns(ps, n_range) if ps is not None else {rule: list(n_range) for rule in _RULES}
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
            + (f"they agree for n = {_ranges(ok_ns)}." if ok_ns else "no sample size the row allows makes them agree."),
        )
    return "not checked", f"{said}; {where} prints {cell_text} in another unit ({cell.unit})."


# ----------------------------------------------------------------------------- check 5: means and bands

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
    only ``possible`` if it meets only the lowest or highest tenth of it (everyone bunched
    at one edge of their band)."""
    pub = inputs.published
    banded = []
    for part in partitions(pub):
        parsed = [parse_band(c) for c in part.categories]
        if all(parsed):
            banded.append((part, parsed))
    checks = []
    for r in pub[pub["unit"] == "mean"].itertuples():
        cid = f"MEAN-{r.figure_id}"
        choice = [b for b in banded if b[0].item_id and b[0].item_id == r.item_id] or (
            banded if len(banded) == 1 else []
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
    total = sum(l[0] for l in limits)
    if total <= 0:
        return Check(
            cid,
            "mean vs bins",
            r.location,
            figures,
            "not checked",
            f"{r.figure_id}: no respondents in the bands the mean is about.",
        )
    lo = sum(l[0] * l[2] for l in limits) / total
    hi_whole = sum(l[0] * l[3] for l in limits) / total
    hi_cont = sum(l[0] * l[4] for l in limits) / total
    mid_whole = sum(l[0] * (l[1] + l[3]) / 2 for l in limits) / total
    mid_cont = sum(l[0] * (l[2] + l[4]) / 2 for l in limits) / total
    half = 0.5 * 10**-r.decimals
    low_end, high_end = r.value - half, r.value + half
    counts = ", ".join(_num(l[0]) for l in limits)
    lowers = ", ".join(_num(l[2]) for l in limits)
    who = f"the {_num(total)} respondents in the bands used ({part.location}: {counts})"
    if condition:
        who += f" (restricted by the wording to {'<' if condition[0] == 'below' else '>'}{_num(condition[1])})"
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
        if _prints_as(edge_mean, r.value, r.decimals):
            text += f" The mean of the bands' {edge} limits ({edge_mean:.3f}) prints as {r.value_text}, which suggests it was computed that way."
        return Check(cid, "mean vs bins", r.location, figures, "possible", text)
    return Check(cid, "mean vs bins", r.location, figures, "consistent", text + f"{r.value_text} lies within it.")


# ----------------------------------------------------------------------------- wording and item numbers

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
                    f"{_unit_symbol(cell.unit)}), so '{cell.category}' was presumably meant"
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
        words = [w for w in re.findall(r"[a-z]+", c.label.lower()) if len(w) >= 4 and w not in _STOP]
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
                Check(
                    f"ITEM-{r.figure_id}",
                    "item numbering",
                    r.location,
                    (r.figure_id,),
                    "inconsistent",
                    f"{said}, but the instrument has no item {', '.join(unknown)}.",
                    (r.figure_id,),
                )
            )
            continue
        words = re.findall(r"[a-z]+", f"{r.printed} {r.measure}".lower())
        named = [cid for cid, lw in labels.items() if all(any(w.startswith(x) for w in words) for x in lw)]
        own = {ids[c].construct for c in cited}
        if named and not own & set(named):
            meant = [it.id for it in study.items if it.construct in named]
            own_labels = ", ".join(sorted(study.constructs[c].label if c in study.constructs else c for c in own if c))
            named_labels = ", ".join(study.constructs[c].label for c in named)
            checks.append(
                Check(
                    f"ITEM-{r.figure_id}",
                    "item numbering",
                    r.location,
                    (r.figure_id,),
                    "inconsistent",
                    f"{said} and describes them as {named_labels} items; the instrument numbers those "
                    f"{', '.join(meant)}, while {', '.join(cited)} are {own_labels} items.",
                    (r.figure_id,),
                )
            )
        else:
            checks.append(
                Check(
                    f"ITEM-{r.figure_id}",
                    "item numbering",
                    r.location,
                    (r.figure_id,),
                    "consistent",
                    f"{said}; they exist in the instrument.",
                )
            )
    return checks


# ----------------------------------------------------------------------------- check 6: flow


def check_flow(inputs: AuditInputs) -> list[Check]:
    """Check 6: the participant flow in ``study.yml`` against the cleaned export's
    ``exclusions.csv`` (stages matched by :func:`tieval.survey.clean.compare_flow`), and each stage
    with a ``parent`` against its parent.  Each check lists the published figures that state
    the stage (:func:`flow_figures`)."""
    from tieval.survey.clean import compare_flow

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
                    f"design.flow {stage['id']} ({_num(stage['n'])}) is more than its parent "
                    f"stage {parent} ({_num(by_id[parent]['n'])}).",
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
                    f"design.flow {stage['id']} ({stage['label']}): {_num(stage['n'])}; "
                    "no exclusions.csv from the cleaning step to compare with.",
                )
            )
        return checks
    reasons = dict(zip(excl["stage"], excl["reason"]))
    compared = compare_flow(study, excl.assign(n=excl["n"].astype(int)))
    results = {"matches": "consistent", "differs": "differs"}
    for r in compared.itertuples():
        figures = stating(r.flow_stage)
        label = f"design.flow {r.flow_stage} ({r.label}): {_num(r.published_n)}"
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
            got = f"the cleaned export's {r.cleaned_stage} stage has {_num(r.cleaned_n)}"
            why = str(reasons.get(r.cleaned_stage, "")).strip()
            text = f"{label}; {got}" + (f" ({why})." if why and r.check == "differs" else ".")
            checks.append(Check(f"FLOW-{r.flow_stage}", "flow", "", figures, results[r.check], text))
        else:
            checks.append(Check(f"FLOW-{r.flow_stage}", "flow", "", figures, "not checked", f"{label}; {r.check}."))
    matched = set(compared["cleaned_stage"])
    extra = excl[~excl["stage"].isin(matched) & (excl["n"] > 0)]
    if len(extra):
        listing = "; ".join(f"{r.stage}: {_num(r.n)}" for r in extra.itertuples())
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


# ----------------------------------------------------------------------------- one-to-one comparison


def _unit_symbol(unit: str) -> str:
    return "%" if unit in ("percent", "percent_bound") else ""


def compare_figure(fig, rep) -> tuple[str, float, str]:
    """Compare one published figure with its reproduction (a row of the reproduced table or
    None).  Returns (status, reproduced value as the report would print it, note)."""
    if rep is None:
        if fig.unit in ("context", "year"):
            return "not reproducible", np.nan, "Background number or date, not a result of the study's data."
        return "not reproducible", np.nan, "No step reproduces it: the data do not contain it."
    if pd.isna(rep.value):
        why = str(rep.note).strip() or "the reproducing step gives no value"
        return "not reproducible", np.nan, f"Not reproducible: {why}."
    value, unit = float(rep.value), rep.unit
    base = rep.base
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
        return ("match" if ok else "differs"), value, f"Reproduced {_num(value)}%{src}; printed as a bound."
    if fig.unit in ("percent", "mean"):
        shown = float(Decimal(repr(value)).quantize(Decimal(1).scaleb(-int(fig.decimals)), rounding=ROUND_HALF_UP))
        ok = _prints_as(value, fig.value, int(fig.decimals))
    else:
        shown = value
        ok = abs(value - fig.value) < 1e-9
    sym = _unit_symbol(fig.unit)
    of = f" of n = {_num(base)}" if pd.notna(base) and fig.unit == "percent" else ""
    if ok:
        return "match", shown, f"Reproduced{src}."
    return "differs", shown, f"Reproduced {_num(value)}{sym}{of}{src}, printed {fig.value_text}{sym}."


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
                "figures": _join(c.figures),
                "flagged": _join(c.flagged) if c.result == "inconsistent" else "",
                "result": c.result,
                "explanation": c.explanation,
                "overview": c.overview,
                "_order": len(rows),
            }
        )
    frame = pd.DataFrame(rows, columns=[*CHECK_COLUMNS, "overview", "_order"])
    frame["_kind"] = frame["kind"].map(_KIND_ORDER.index)
    frame = frame.sort_values(["_kind", "_order"], kind="stable").drop(columns=["_kind", "_order"])
    return frame.reset_index(drop=True)


def run(inputs: AuditInputs) -> AuditResult:
    """Run every check and the one-to-one comparison; return the three audit tables."""
    den_checks, den_table = check_denominators(inputs)
    checks = (
        den_checks
        + check_category_sums(inputs)
        + check_totals(inputs)
        + check_restatements(inputs)
        + check_means(inputs)
        + check_wording(inputs)
        + check_item_numbering(inputs)
        + check_flow(inputs)
    )
    check_frame = _checks_frame(checks)
    audit = _audit_frame(inputs, check_frame, den_table)
    return AuditResult(audit, check_frame, den_table)


def _audit_frame(inputs: AuditInputs, checks: pd.DataFrame, denominators: pd.DataFrame) -> pd.DataFrame:
    pub = inputs.published
    row_ns = {f: r.compatible_n for r in denominators.itertuples() for f in r.figures.split(", ")}
    reps = {r.figure_id: r for r in inputs.reproduced.itertuples()}
    involved: dict[str, list[str]] = {}
    flagged: dict[str, list[str]] = {}
    attention: dict[str, list[str]] = {}
    for c in checks.itertuples():
        for f in filter(None, c.figures.split(", ")):
            involved.setdefault(f, []).append(c.check_id)
            if c.result in ("inconsistent", "possible") and not c.overview:
                attention.setdefault(f, []).append(c.check_id)
        for f in filter(None, c.flagged.split(", ")):
            flagged.setdefault(f, []).append(c.check_id)
    rows = []
    for fig in pub.itertuples():
        rep = reps.get(fig.figure_id)
        status, shown, note = compare_figure(fig, rep)
        comparison = status
        if status == "differs" and fig.figure_id in row_ns and pd.notna(rep.base):
            fits = row_ns[fig.figure_id]
            note += (
                f" The printed row fits no n up to {inputs.n_max}."
                if fits == "none"
                else f" The printed row fits n = {fits}; the reproduction's base is {_num(rep.base)}."
            )
        if fig.figure_id in flagged:
            note = f"Part of an inconsistency in the report: see {', '.join(flagged[fig.figure_id])}. " + (
                ""
                if rep is None or pd.isna(rep.value)
                else f"Reproduction {'matches' if status == 'match' else 'differs'}: {note}"
            )
            status = "inconsistent within report"
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
                "checks": _join(involved.get(fig.figure_id, [])),
            }
        )
    return pd.DataFrame(rows, columns=AUDIT_COLUMNS)


def audit_study(study: Study, *, n_max: int | None = None, tables: Path | None = None) -> AuditResult:
    """Load the inputs of ``study`` and run the audit."""
    return run(load_inputs(study, n_max=n_max, tables=tables))


def write(result: AuditResult, study_id: str) -> list[Path]:
    """Write audit.csv, audit_checks.csv and audit_denominators.csv to ``outputs/<study>/06_audit/``."""
    out = step_dir(study_id, "06_audit")
    return [
        store.write_csv(result.audit[AUDIT_COLUMNS], out / "audit.csv"),
        store.write_csv(result.checks[CHECK_COLUMNS], out / "audit_checks.csv"),
        store.write_csv(result.denominators[DENOMINATOR_COLUMNS], out / "audit_denominators.csv"),
    ]


# ----------------------------------------------------------------------------- summaries for the appendix


def figure_table(result: AuditResult) -> pd.DataFrame:
    """The audit table for reading: numbers as a report prints them (``95%``, ``2.8``), blank
    when there is no reproduction."""
    audit = result.audit

    def show(values, units):
        return [("" if pd.isna(v) else _num(v) + _unit_symbol(u)) for v, u in zip(values, units)]

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


def status_summary(result: AuditResult) -> pd.DataFrame:
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


def check_summary(result: AuditResult) -> pd.DataFrame:
    """Checks by kind (rows, in :data:`KINDS` order) and result (columns, in :data:`RESULTS` order)."""
    checks = result.checks
    table = pd.crosstab(checks["kind"], checks["result"]) if len(checks) else pd.DataFrame()
    table = table.reindex(index=[k for k in KINDS if k in set(checks["kind"])], columns=list(RESULTS), fill_value=0)
    table["all"] = table.sum(axis=1)
    return table.rename_axis(index="kind", columns=None).reset_index()


def match_rate(result: AuditResult) -> dict:
    """Of the figures with a reproduction, how many the pipeline's numbers agree with
    (whatever a consistency check says about the report)."""
    comparison = result.audit["comparison"]
    n = int(comparison.isin(["match", "differs"]).sum())
    k = int((comparison == "match").sum())
    return {"reproduced": n, "agree": k, "percent": round(100 * k / n, 1) if n else None}


def discrepancies(result: AuditResult) -> pd.DataFrame:
    """Every discrepancy with its explanation: failed checks (inconsistent, then data that
    differ), then figures whose reproduction differs without a check explaining it, then
    checks that hold only under an assumption the report does not state."""
    checks = result.checks
    order = {"inconsistent": 0, "differs": 1, "possible": 3}
    found = checks[checks["result"].isin(order)].copy()
    found["what"] = found["result"].map(
        {
            "inconsistent": "inconsistent within report",
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


def summary_sentence(result: AuditResult, study: Study | None = None) -> str:
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
            f"({_num(rate['percent'])}%). "
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
