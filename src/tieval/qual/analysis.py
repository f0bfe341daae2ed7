"""The tables of the qualitative appendix, computed from the codings, excerpts and codebook.

Theme by participant matrix, prevalence by timepoint or sector, quotations under each theme (and
their HTML sections), the report's own counts beside the coded quotations, and the participant
cases.  Loading and checking the inputs is :mod:`tieval.qual.data` (with :mod:`tieval.qual.excerpts`,
:mod:`tieval.qual.codings`, :mod:`tieval.qual.participants`); the qualitative participants table is
:mod:`tieval.qual.participants`; word frequencies of the three-words answers are
:mod:`tieval.survey.words`.

The formats of ``codebook.yml``, ``excerpts.csv``, ``codings.csv`` and ``participants.csv`` are
documented in ``data/README.md`` (key tables generated from the schema).
"""

from __future__ import annotations

import html

import pandas as pd

from tieval.errors import ConfigError
from tieval.qual.codebook import Codebook, theme_anchor
from tieval.qual.codings import with_ancestors
from tieval.qual.excerpts import anonymous_label, participant_key
from tieval.qual.participants import speaker_sector

__all__ = [
    "theme_matrix",
    "prevalence",
    "prevalence_groups",
    "quotations",
    "barrier_counts",
    "cases_table",
    "prevalence_table",
    "quotations_html",
]


# --------------------------------------------------------------------------- codebook


# --------------------------------------------------------------------------- excerpts


# --------------------------------------------------------------------------- codings


# --------------------------------------------------------------------------- participants


# --------------------------------------------------------------------------- appendix tables


def theme_matrix(codings: pd.DataFrame, excerpts: pd.DataFrame, codebook: Codebook) -> pd.DataFrame:
    """Codes by participant: number of excerpts of each participant carrying each code.

    Codes include their sub-codes' excerpts; excerpts without a speaker are counted in one
    column per source ('questionnaire free text (anonymous)').  Every code of the codebook is a
    row, in codebook order (rows of zeros show codes no printed excerpt carries)."""
    full = with_ancestors(codings, codebook).drop_duplicates(["excerpt_id", "code_id"])
    ex = excerpts.assign(
        who=excerpts["speaker"].where(excerpts["speaker"].str.strip() != "", excerpts["source"].map(anonymous_label))
    )
    merged = full.merge(ex[["excerpt_id", "who"]], on="excerpt_id")
    counts = merged.groupby(["code_id", "who"]).size().unstack(fill_value=0)
    named = sorted(set(ex.loc[ex["speaker"].str.strip() != "", "who"]), key=participant_key)
    anonymous = sorted(set(ex["who"]) - set(named))
    columns = named + anonymous
    counts = counts.reindex(index=list(codebook.codes), columns=columns, fill_value=0).fillna(0).astype(int)
    counts.columns.name = None
    counts.insert(0, "code", [codebook.display_label(c) for c in counts.index])
    counts.insert(0, "code_id", counts.index)
    counts["participants"] = (counts[named] > 0).sum(axis=1) if named else 0
    counts["excerpts"] = merged.groupby("code_id")["excerpt_id"].nunique().reindex(counts.index, fill_value=0)
    return counts.reset_index(drop=True)


def prevalence_groups(excerpts: pd.DataFrame, participants: pd.DataFrame | None) -> list[str]:
    """Which breakdowns the data allow: 'timepoint' if excerpts carry timepoints,
    'sector' if participants (or speaker labels) carry sectors."""
    groups = []
    if (excerpts["timepoint"].str.strip() != "").any():
        groups.append("timepoint")
    sectors = participants["sector"] if participants is not None else excerpts["speaker"].map(speaker_sector)
    if (sectors.str.strip() != "").any():
        groups.append("sector")
    return groups


def prevalence(
    codings: pd.DataFrame, excerpts: pd.DataFrame, participants: pd.DataFrame, codebook: Codebook, by: str
) -> pd.DataFrame:
    """How many participants raised each code, per timepoint (``by='timepoint'``, an excerpt
    attribute) or per sector (``by='sector'``, a participant attribute).

    The base of each group is the number of participants in it (timepoints and sectors from
    ``participants.csv``).  Long table: ``code_id, code, group, participants, base, percent,
    excerpts``; only excerpts with a named speaker count."""
    if by not in ("timepoint", "sector"):
        raise ValueError(f"prevalence by {by!r}: expected 'timepoint' or 'sector'")
    full = with_ancestors(codings, codebook).drop_duplicates(["excerpt_id", "code_id"])
    ex = excerpts[excerpts["speaker"].str.strip() != ""]
    merged = full.merge(ex[["excerpt_id", "speaker", "timepoint"]], on="excerpt_id")
    if by == "timepoint":
        merged = merged.assign(group=merged["timepoint"])
        people = participants.assign(group=participants["timepoints"].str.split(";")).explode("group")
    else:
        sector = participants.set_index("participant")["sector"]
        merged = merged.assign(group=merged["speaker"].map(sector))
        people = participants.assign(group=participants["sector"])
    people = people.assign(group=people["group"].str.strip())
    people = people[people["group"] != ""]
    base = people.groupby("group")["participant"].nunique()
    merged = merged[merged["group"].fillna("").str.strip() != ""]
    raised = merged.groupby(["code_id", "group"])["speaker"].nunique()
    n_excerpts = merged.groupby(["code_id", "group"])["excerpt_id"].nunique()
    groups = sorted(base.index, key=participant_key)
    index = pd.MultiIndex.from_product([list(codebook.codes), groups], names=["code_id", "group"])
    out = pd.DataFrame(
        {"participants": raised.reindex(index, fill_value=0), "excerpts": n_excerpts.reindex(index, fill_value=0)}
    ).reset_index()
    out["base"] = out["group"].map(base).astype(int)
    out["percent"] = (100 * out["participants"] / out["base"]).round(1)
    out.insert(1, "code", out["code_id"].map(codebook.display_label))
    return out[["code_id", "code", "group", "participants", "base", "percent", "excerpts"]]


def quotations(codings: pd.DataFrame, excerpts: pd.DataFrame, codebook: Codebook) -> pd.DataFrame:
    """The quotations under each code (direct codings only), with attribution as printed.

    Columns: ``code_id, code, excerpt_id, attribution, source, timepoint, text``, in codebook
    then excerpt order.  Anonymous questionnaire answers are attributed by their source."""
    direct = codings.drop_duplicates(["excerpt_id", "code_id"])
    merged = direct.merge(excerpts, on="excerpt_id")
    attribution = merged["attribution"].where(
        merged["attribution"].str.strip() != "", merged["source"].map(anonymous_label)
    )
    out = pd.DataFrame(
        {
            "code_id": merged["code_id"],
            "code": merged["code_id"].map(lambda c: codebook.codes[c].label),
            "excerpt_id": merged["excerpt_id"],
            "attribution": attribution,
            "source": merged["source"],
            "timepoint": merged["timepoint"],
            "text": merged["text"],
        }
    )
    corder = {c: i for i, c in enumerate(codebook.codes)}
    eorder = {e: i for i, e in enumerate(excerpts["excerpt_id"])}
    out = out.assign(_c=out["code_id"].map(corder), _e=out["excerpt_id"].map(eorder))
    return out.sort_values(["_c", "_e"]).drop(columns=["_c", "_e"]).reset_index(drop=True)


def barrier_counts(
    codings: pd.DataFrame, excerpts: pd.DataFrame, codebook: Codebook, published: pd.DataFrame
) -> pd.DataFrame:
    """Codes with a ``report_count``: the report's own count of participants beside what the
    coded excerpts show.

    Columns: ``code_id, code, report_participants, printed, figure_ids, participants_coded,
    excerpts_coded, status``.  ``status`` is 'reproduced', 'differs', or 'not reproducible from
    the published excerpts' when no printed quotation carries the code.  A figure id that is not
    in ``published/figures.csv`` raises :class:`ConfigError` on the codebook."""
    figures = published.set_index("figure_id")
    full = with_ancestors(codings, codebook).drop_duplicates(["excerpt_id", "code_id"])
    merged = full.merge(excerpts[["excerpt_id", "speaker"]], on="excerpt_id")
    rows = []
    for code in codebook.codes.values():
        if not code.report_figures and not code.report_printed:
            continue
        for j, fid in enumerate(code.report_figures):
            if fid not in figures.index:
                raise ConfigError(
                    codebook.file,
                    "a figure id of published/figures.csv",
                    column=f"{code.key}.report_count.figures[{j}]",
                    found=fid,
                )
        values = [figures.at[f, "value"] for f in code.report_figures]
        report_n = int(sum(values)) if values else None
        printed = "; ".join(str(figures.at[f, "printed"]) for f in code.report_figures) or code.report_printed
        mine = merged[merged["code_id"] == code.id]
        n_exc = int(mine["excerpt_id"].nunique())
        n_people = int(mine.loc[mine["speaker"].str.strip() != "", "speaker"].nunique())
        if n_exc == 0:
            status = "not reproducible from the published excerpts"
        elif report_n is not None and n_people == report_n:
            status = "reproduced"
        elif report_n is None:
            status = "no number in the report"
        else:
            status = "differs"
        rows.append(
            {
                "code_id": code.id,
                "code": code.label,
                "report_participants": report_n,
                "printed": printed,
                "figure_ids": ", ".join(code.report_figures),
                "participants_coded": n_people,
                "excerpts_coded": n_exc,
                "status": status,
            }
        )
    out = pd.DataFrame(
        rows,
        columns=[
            "code_id",
            "code",
            "report_participants",
            "printed",
            "figure_ids",
            "participants_coded",
            "excerpts_coded",
            "status",
        ],
    )
    return out.astype({"report_participants": "Int64"})


def cases_table(codings: pd.DataFrame, excerpts: pd.DataFrame, codebook: Codebook) -> pd.DataFrame:
    """The participant cases (codes with a ``case``): participant, issue, progress, and the
    excerpts that carry the case code as evidence, with their timepoints."""
    merged = codings.drop_duplicates(["excerpt_id", "code_id"]).merge(excerpts, on="excerpt_id")
    rows = []
    for code in codebook.codes.values():
        if code.case is None:
            continue
        mine = merged[merged["code_id"] == code.id]
        rows.append(
            {
                "case": code.label,
                "participant": code.case["participant"],
                "issue": code.case["issue"],
                "progress": code.case["progress"],
                "evidence": ", ".join(mine["excerpt_id"]),
                "evidence_timepoints": ", ".join(sorted(set(mine["timepoint"]) - {""}, key=participant_key)),
            }
        )
    return pd.DataFrame(rows, columns=["case", "participant", "issue", "progress", "evidence", "evidence_timepoints"])


def prevalence_table(prev: pd.DataFrame, codebook: Codebook) -> tuple[pd.DataFrame, str]:
    """:func:`prevalence` laid out for display: codes down, groups across, cells 'participants/base';
    returns the table and a base sentence ('1 month: 7 participants; ...')."""
    bases = prev.groupby("group", sort=False)["base"].first()
    cell = prev["participants"].astype(str) + "/" + prev["base"].astype(str)
    wide = (
        prev.assign(cell=cell)
        .pivot(index="code_id", columns="group", values="cell")
        .reindex(index=list(codebook.codes), columns=list(bases.index))
    )
    wide.columns.name = None
    wide.insert(0, "code", [codebook.display_label(c) for c in wide.index])
    return wide.reset_index(drop=True), "; ".join(f"{g}: {n} participants" for g, n in bases.items())


def quotations_html(quotes: pd.DataFrame, codebook: Codebook) -> str:
    """Every code as a section with the anchor ``theme-<id>`` (themes as h3, codes below as h4) and its
    quotations as a list; codes without a printed quotation say so.  Text is escaped."""
    parts = []
    for code in codebook.codes.values():
        level = 3 if code.depth == 0 else 4
        mine = quotes[quotes["code_id"] == code.id]
        items = "".join(
            f"<li><blockquote>{html.escape(r.text)}</blockquote>"
            f"<p>{html.escape(r.attribution)} · {html.escape(r.excerpt_id)}</p></li>"
            for r in mine.itertuples()
        )
        body = (
            f'<ul class="tieval-quotes">{items}</ul>'
            if items
            else "<p><em>No quotation printed under this code.</em></p>"
        )
        heading = f'<h{level} id="{theme_anchor(code.id)}">{html.escape(code.label)}</h{level}>'
        parts.append(f'<section class="tieval-theme">{heading}<p>{html.escape(code.description)}</p>{body}</section>')
    return "".join(parts)
