"""What the audit reads: the published figures (with their printed precision), every reproduction an
earlier step wrote (``outputs/<study>/<step>/reproduced*.csv``), the cleaned export's participant flow
(``outputs/<study>/02_clean/exclusions.csv``), the totals the report states, and the largest sample size
worth trying as a denominator."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from tieval import store
from tieval.audit.completion import COMPLETE, completion_claims, completion_reproductions
from tieval.audit.records import (
    printed_decimals,
)
from tieval.config import Study
from tieval.errors import InputError
from tieval.paths import outputs_dir, step_dir
from tieval.published import load_published
from tieval.schema import EXCLUSIONS, REPRODUCED, require_columns
from tieval.survey.clean import compare_flow

__all__ = [
    "AuditInputs",
    "load_inputs",
    "load_reproduced",
    "load_exclusions",
    "stated_totals",
    "default_n_max",
    "flow_figures",
]


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


def published_record(study: Study) -> pd.DataFrame:
    """:func:`tieval.published.load_published` plus ``value_text`` (the value as written) and ``decimals``."""
    frame = load_published(study)
    raw = store.read_csv(study.path("published"), **study.text_options("published"))
    frame["value_text"] = raw["value"].str.strip().to_numpy()
    frame["decimals"] = frame["value_text"].map(printed_decimals).astype(int)
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
            Path(folder) / "reproduced.csv",
            "an existing file of reproduced figures (run the tables step first: `make`)",
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


STOP_WORDS = {"and", "the", "with", "from", "into", "that", "this", "for", "who", "were", "was", "their", "they"}


def _stems(text: str) -> set[str]:
    """Content-word stems (first five letters of words of four letters or more)."""
    return {w[:5] for w in re.findall(r"[a-z]+", str(text).lower()) if len(w) >= 4 and w not in STOP_WORDS}


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
        compared = compare_flow(study, exclusions.assign(n=exclusions["n"].astype(int)))
        for r in compared.itertuples():
            if r.check in ("matches", "differs") and str(r.cleaned_n) != "" and pd.notna(r.cleaned_n):
                cleaned[str(r.flow_stage)] = (r.cleaned_stage, float(r.cleaned_n))
    claims = set(completion_claims(published)["figure_id"])
    rows = []
    for stage in study.flow:
        label = _stems(stage["label"])
        # a claim that every item was answered states only a stage whose own label (asides removed) says so
        says_complete = bool(COMPLETE.search(re.sub(r"\([^)]*\)", "", str(stage["label"]))))
        for r in cand.itertuples():
            if r.figure_id in claims and not says_complete:
                continue
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
    published = published_record(study)
    reproduced = load_reproduced(study, published, tables)
    exclusions = load_exclusions(study, tables)
    flow = flow_figures(study, published, exclusions)
    extra = _flow_reproductions(flow, reproduced, published)
    complete = completion_reproductions(published, exclusions)
    complete = complete[~complete["figure_id"].isin(set(reproduced["figure_id"]) | set(extra["figure_id"]))]
    for more in (extra, complete):
        if len(more):
            reproduced = pd.concat([reproduced, more], ignore_index=True)
    totals = stated_totals(study, published)
    if n_max:
        limit, basis = int(n_max), "set by the parameter n_max"
    else:
        limit, basis = default_n_max(study, exclusions, published)
    return AuditInputs(study, published, reproduced, exclusions, totals, limit, flow, basis)
