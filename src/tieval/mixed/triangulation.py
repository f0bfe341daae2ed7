"""Mixed-methods triangulation: findings as data, statistics computed from the survey, silence found by the code.

``data/<study>/analysis/triangulation.yml`` lists the findings the report's
discussion draws together.  Each names its qualitative evidence (codes of the
codebook, excerpt ids), its quantitative evidence (survey item, statistic,
answer category), a convergence code after Farmer et al. (2006) and a
meta-inference in our own words.  No number is typed into the file: every
statistic is computed here from ``data/processed/<study>/responses.csv``
through :mod:`tieval.survey.likert` (counts, base and Wilson interval).

The format of ``triangulation.yml`` is documented in ``data/README.md`` (key table
generated from :mod:`tieval.mixed.findings`).

Silence is detected, never typed
--------------------------------
A finding with no quantitative evidence, or no qualitative evidence, is
*silence* (one data set speaks, the other does not).  The step assigns that
code itself: ``convergence`` must be left out of such a finding, and writing
``silence`` (or any code) where the evidence says otherwise is an error, not a
warning -- a typed code that contradicts the evidence would otherwise reach the
joint display.  Beyond the findings, :func:`coverage` lists the survey's
constructs and sub-constructs (or, for items without a construct, the items)
that no coded excerpt speaks to, and :func:`codes_without_survey` the codes no
survey item asks about.

A reference to a code, excerpt or item that does not exist raises
:class:`~tieval.errors.ConfigError` naming ``triangulation.yml`` and the
dotted key (``findings[2].qualitative.excerpts[1]``).
"""

from __future__ import annotations

import html

import numpy as np
import pandas as pd

from tieval.config import Study
from tieval.errors import InputError
from tieval.mixed.findings import CONVERGENCE, SILENCE, Finding, Triangulation, finding_anchor
from tieval.qual.analysis import anonymous_label
from tieval.qual.codebook import Codebook, theme_anchor
from tieval.report.survey_tables import percent_cell
from tieval.survey.counts import MISSING_CATEGORIES, RATED_TYPES, category_display

__all__ = [
    "SURVEY_SOURCE",
    "COLOURS",
    "finding_statistics",
    "survey_links",
    "coverage",
    "codes_without_survey",
    "data_sources",
    "convergence_matrix",
    "convergence_figure",
    "convergence_alt_text",
    "joint_display",
    "joint_display_html",
    "findings_html",
    "convergence_counts",
    "silence_summary",
]

#: Name of the quantitative strand in the convergence matrix.
SURVEY_SOURCE = "survey"
#: Colour-blind-safe colours (Okabe-Ito) per convergence code; grey for "no evidence from this source".
COLOURS = {
    "agreement": "#0072B2",
    "partial agreement": "#56B4E9",
    "dissonance": "#D55E00",
    SILENCE: "#E69F00",
    "": "#F2F2F2",
}
#: Short cell labels, so colour is not the only cue.
ABBREVIATIONS = {"agreement": "A", "partial agreement": "P", "dissonance": "D", SILENCE: "S", "": ""}


# --------------------------------------------------------------------------- loading


# --------------------------------------------------------------------------- statistics


def finding_statistics(tri: Triangulation, cells: pd.DataFrame, study: Study) -> pd.DataFrame:
    """Every statistic the findings name, computed from the item cells of :func:`tieval.survey.likert.item_cells`.

    Columns: ``finding, item_id, item, construct, category, category_label, count, base,
    percent, ci_lower, ci_upper, shown, suppressed``.  ``shown`` reads ``48% (23/48) [34–62]``
    (percent, count/base, Wilson 95% interval).  A category percentage has as base the
    respondents who answered the item (not-relevant answers included); ``no_answer`` has all
    included respondents.  An item nobody answered raises :class:`InputError`."""
    rows = []
    cats = cells[cells["kind"] == "category"].set_index(["item_id", "category"])
    missing = cells[cells["kind"] == "missing"].set_index("item_id")
    for f in tri.findings:
        for q in f.quantitative:
            if q.category in MISSING_CATEGORIES:
                cell = missing.loc[q.item] if q.item in missing.index else None
            else:
                cell = cats.loc[(q.item, q.category)] if (q.item, q.category) in cats.index else None
            if cell is None or not cell["base"] > 0:
                raise InputError(
                    "responses.csv",
                    f"answers to item {q.item} (named by finding {f.id} in triangulation.yml)",
                    column="item_id",
                    found=q.item,
                )
            item = study.item(q.item)
            suppressed = bool(cell.get("suppressed", False))
            construct = study.constructs[item.construct].label if item.construct in study.constructs else item.construct
            rows.append(
                {
                    "finding": f.id,
                    "item_id": q.item,
                    "item": item.text,
                    "construct": construct,
                    "category": q.category,
                    "category_label": category_display(study.scale_of(item), q.category),
                    "count": cell["count"],
                    "base": int(cell["base"]),
                    "percent": cell["percent"],
                    "ci_lower": cell["ci_lower"],
                    "ci_upper": cell["ci_upper"],
                    "shown": "suppressed"
                    if suppressed
                    else percent_cell(cell["percent"], cell["count"], cell["base"], cell["ci_lower"], cell["ci_upper"]),
                    "suppressed": suppressed,
                }
            )
    out = pd.DataFrame(
        rows,
        columns=[
            "finding",
            "item_id",
            "item",
            "construct",
            "category",
            "category_label",
            "count",
            "base",
            "percent",
            "ci_lower",
            "ci_upper",
            "shown",
            "suppressed",
        ],
    )
    for col in ("percent", "ci_lower", "ci_upper"):
        out[col] = out[col].astype(float).round(1)
    return out


# --------------------------------------------------------------------------- silence


def survey_links(study: Study, codebook: Codebook) -> pd.DataFrame:
    """Which items each code is linked to: its ``items`` plus the items of its construct
    (and sub-construct, when the code names one).  Columns ``code_id, item_id``."""
    rows = []
    for code in codebook.codes.values():
        linked = list(code.items)
        if code.construct:
            linked += [
                it.id
                for it in study.items
                if it.construct == code.construct and (not code.subconstruct or it.subconstruct == code.subconstruct)
            ]
        rows += [(code.id, iid) for iid in dict.fromkeys(linked)]
    return pd.DataFrame(rows, columns=["code_id", "item_id"])


def _unit_of(item) -> tuple[str, str]:
    """The coverage unit of an item: (construct, sub-construct), or ('', item id) without a construct."""
    return (item.construct, item.subconstruct) if item.construct else ("", item.id)


def coverage(study: Study, codebook: Codebook, codings: pd.DataFrame) -> pd.DataFrame:
    """Survey units (sub-constructs, or items without a construct) against the coded excerpts
    linked to them.

    Columns: ``construct, subconstruct, items, codes, excerpts, status``; ``status`` is
    'both strands' or 'qualitative silence' (the survey asks, no coded excerpt speaks), and
    ``construct_status`` the same judged at construct level.  Excerpts count direct codings."""
    links = survey_links(study, codebook)
    direct = codings.drop_duplicates(["excerpt_id", "code_id"])
    excerpts_of = direct.groupby("code_id")["excerpt_id"].agg(set).to_dict()
    units: dict[tuple[str, str], list[str]] = {}
    for it in study.items:
        if study.scale_of(it).type in RATED_TYPES:
            units.setdefault(_unit_of(it), []).append(it.id)
    rows = []
    for (construct, sub), item_ids in units.items():
        codes = list(dict.fromkeys(links.loc[links["item_id"].isin(item_ids), "code_id"]))
        exc = set().union(*(excerpts_of.get(c, set()) for c in codes)) if codes else set()
        coded = [c for c in codes if excerpts_of.get(c)]
        label = study.constructs[construct].label if construct in study.constructs else construct
        rows.append(
            {
                "construct": construct,
                "construct_label": label,
                "subconstruct": sub if construct else "",
                "items": ", ".join(item_ids),
                "codes": ", ".join(coded),
                "excerpts": len(exc),
                "status": "both strands" if exc else "qualitative silence",
            }
        )
    out = pd.DataFrame(
        rows, columns=["construct", "construct_label", "subconstruct", "items", "codes", "excerpts", "status"]
    )
    by_construct = out[out["construct"] != ""].groupby("construct")["excerpts"].sum()
    out["construct_status"] = np.where(
        out["construct"] == "",
        out["status"],
        np.where(out["construct"].map(by_construct).fillna(0) > 0, "both strands", "qualitative silence"),
    )
    return out


def codes_without_survey(study: Study, codebook: Codebook, codings: pd.DataFrame) -> pd.DataFrame:
    """Codes that no survey item asks about (no ``items`` and no construct with items), with how
    many excerpts carry them: 'survey silence' where excerpts speak, 'neither strand' where
    none does.  Columns ``code_id, code, theme, excerpts, status``."""
    linked = set(survey_links(study, codebook)["code_id"])
    direct = codings.drop_duplicates(["excerpt_id", "code_id"])
    n = direct.groupby("code_id")["excerpt_id"].nunique()
    rows = []
    for code in codebook.codes.values():
        if code.id in linked:
            continue
        k = int(n.get(code.id, 0))
        rows.append(
            {
                "code_id": code.id,
                "code": codebook.display_label(code.id),
                "theme": codebook.codes[code.theme].label,
                "excerpts": k,
                "status": "survey silence" if k else "neither strand (no printed excerpt)",
            }
        )
    return pd.DataFrame(rows, columns=["code_id", "code", "theme", "excerpts", "status"])


# --------------------------------------------------------------------------- convergence matrix


def data_sources(excerpts: pd.DataFrame) -> list[str]:
    """The data sources of the matrix: the survey, then each excerpt source in order of appearance."""
    return [SURVEY_SOURCE] + [s for s in dict.fromkeys(excerpts["source"]) if s]


def convergence_matrix(tri: Triangulation, excerpts: pd.DataFrame) -> pd.DataFrame:
    """Findings by data source: the finding's convergence code where the source contributes
    evidence (survey items; the sources of its excerpts and declared sources), '' elsewhere."""
    source_of = dict(zip(excerpts["excerpt_id"], excerpts["source"]))
    columns = data_sources(excerpts)
    rows = []
    for f in tri.findings:
        present = {source_of[e] for e in f.excerpts} | set(f.sources)
        if f.has_quantitative:
            present.add(SURVEY_SOURCE)
        rows.append([f.convergence if c in present else "" for c in columns])
    return pd.DataFrame(rows, index=pd.Index([f.title for f in tri.findings], name="finding"), columns=columns)


def convergence_figure(matrix: pd.DataFrame):
    """A grid of findings (rows) by data source (columns), each cell coloured by the finding's
    convergence code (Okabe-Ito colours) and lettered (A, P, D, S) so colour is not the only cue."""
    import matplotlib.pyplot as plt
    from matplotlib.colors import ListedColormap
    from matplotlib.patches import Patch

    codes = list(COLOURS)
    index = matrix.replace({c: i for i, c in enumerate(codes)}).to_numpy(dtype=float)
    height = 0.45 * len(matrix) + 1.6
    # No layout engine: long finding titles and the outside legend would squeeze the grid to
    # nothing; the grid keeps its size and the tight bounding box on saving takes in the labels.
    fig, ax = plt.subplots(figsize=(1.9 * matrix.shape[1] + 0.6, height))
    ax.imshow(index, cmap=ListedColormap([COLOURS[c] for c in codes]), vmin=-0.5, vmax=len(codes) - 0.5, aspect="auto")
    for (r, c), value in np.ndenumerate(matrix.to_numpy()):
        ax.text(
            c,
            r,
            ABBREVIATIONS[value],
            ha="center",
            va="center",
            fontsize=10,
            fontweight="bold",
            color="white" if value in ("agreement", "dissonance") else "black",
        )
    ax.set_xticks(range(matrix.shape[1]), [str(c) for c in matrix.columns])
    ax.set_yticks(range(len(matrix)), list(matrix.index))
    ax.tick_params(axis="x", top=True, bottom=False, labeltop=True, labelbottom=False)
    ax.set_xticks(np.arange(-0.5, matrix.shape[1], 1), minor=True)
    ax.set_yticks(np.arange(-0.5, len(matrix), 1), minor=True)
    ax.grid(which="minor", color="white", linewidth=2)
    ax.grid(which="major", visible=False)
    ax.tick_params(which="minor", length=0)
    handles = [
        Patch(facecolor=COLOURS[c], edgecolor="#999999", label=f"{ABBREVIATIONS[c]}  {c}") for c in CONVERGENCE
    ] + [Patch(facecolor=COLOURS[""], edgecolor="#999999", label="no evidence from this source")]
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.02, 1.0), frameon=False, fontsize=9)
    return fig


def convergence_alt_text(matrix: pd.DataFrame) -> str:
    """Alt text of the convergence matrix: each finding with its code and its sources."""
    parts = []
    for finding, row in matrix.iterrows():
        used = [c for c in matrix.columns if row[c]]
        code = next((row[c] for c in used), "")
        parts.append(f"{finding}: {code} ({', '.join(used)})")
    return (
        f"Grid of {len(matrix)} findings by {matrix.shape[1]} data sources; cells with evidence are "
        "coloured and lettered by convergence code. " + "; ".join(parts) + "."
    )


def convergence_counts(tri: Triangulation) -> pd.DataFrame:
    """How many findings carry each convergence code (every code listed, in :data:`CONVERGENCE` order)."""
    codes = pd.Series([f.convergence for f in tri.findings], dtype=str)
    counts = codes.value_counts().reindex(list(CONVERGENCE), fill_value=0)
    return pd.DataFrame({"convergence": counts.index, "findings": counts.to_numpy().astype(int)})


def silence_summary(tri: Triangulation, cov: pd.DataFrame, quiet: pd.DataFrame) -> str:
    """One sentence on the silences detected: findings, survey units and codes."""
    silent = [f.title for f in tri.findings if f.convergence == SILENCE]
    units = cov[cov["status"] != "both strands"]
    named = [
        f"{u.construct_label} / {u.subconstruct}"
        if u.construct and u.subconstruct
        else (u.construct_label if u.construct else u.items)
        for u in units.itertuples()
    ]
    spoken = quiet[quiet["excerpts"] > 0]
    return (
        f"Silence detected in {len(silent)} of {len(tri.findings)} findings"
        + (f" ({', '.join(silent)})" if silent else "")
        + f"; {len(units)} of {len(cov)} survey units have no coded quotation"
        + (f" ({', '.join(named)})" if named else "")
        + f"; {len(spoken)} codes carrying quotations have no survey item"
        + (f" ({', '.join(spoken['code_id'])})" if len(spoken) else "")
        + "."
    )


# --------------------------------------------------------------------------- joint display


def _quotation(f: Finding, excerpts: pd.DataFrame) -> tuple[str, str]:
    if not f.quote:
        return "", ""
    row = excerpts.set_index("excerpt_id").loc[f.quote]
    who = row["attribution"] if str(row["attribution"]).strip() else anonymous_label(row["source"])
    return str(row["text"]), f"{who} ({f.quote})"


def joint_display(
    tri: Triangulation, stats: pd.DataFrame, codebook: Codebook, excerpts: pd.DataFrame, study: Study
) -> pd.DataFrame:
    """One row per finding: construct, statistics (with base and 95% interval), themes, one
    quotation with attribution, convergence code, meta-inference (the ``joint_display.csv`` table).

    ``data`` says when the statistics come from a reconstructed stand-in export."""
    rows = []
    for f in tri.findings:
        mine = stats[stats["finding"] == f.id]
        shown = "; ".join(f"{r.item_id} {r.category}: {r.shown}" for r in mine.itertuples())
        constructs = list(dict.fromkeys(c for c in mine["construct"] if c))
        if not constructs:
            constructs = list(
                dict.fromkeys(
                    study.constructs[codebook.codes[t].construct].label
                    for t in f.themes
                    if codebook.codes[t].construct in study.constructs
                )
            )
        text, who = _quotation(f, excerpts)
        rows.append(
            {
                "finding": f.id,
                "title": f.title,
                "construct": "; ".join(constructs),
                "statistics": shown or "(no survey item)",
                "base": "; ".join(dict.fromkeys(str(b) for b in mine["base"])),
                "themes": "; ".join(codebook.codes[t].label for t in f.themes),
                "quotation": text,
                "attribution": who,
                "convergence": f.convergence,
                "meta_inference": f.meta_inference,
                "data": (
                    "reconstructed stand-in survey (item marginals as published)"
                    if study.reconstructed and f.has_quantitative
                    else ""
                ),
            }
        )
    return pd.DataFrame(
        rows,
        columns=[
            "finding",
            "title",
            "construct",
            "statistics",
            "base",
            "themes",
            "quotation",
            "attribution",
            "convergence",
            "meta_inference",
            "data",
        ],
    )


def joint_display_html(joint: pd.DataFrame, caption: str, base: str = "") -> str:
    """The joint display as an HTML table whose finding cells link to each finding's section."""
    head = [
        "Finding",
        "Construct",
        "Survey: % (n/base) [95% CI]",
        "Themes",
        "Quotation",
        "Convergence",
        "Meta-inference",
    ]
    body = []
    for r in joint.itertuples(index=False):
        quote = f"“{html.escape(r.quotation)}” — {html.escape(r.attribution)}" if r.quotation else ""
        cells = [
            f'<a href="#{finding_anchor(r.finding)}">{html.escape(r.title)}</a>',
            html.escape(r.construct),
            html.escape(r.statistics),
            html.escape(r.themes),
            quote,
            f'<span style="border-left:1em solid {COLOURS[r.convergence]};padding-left:0.4em">'
            f"{html.escape(r.convergence)}</span>",
            html.escape(r.meta_inference),
        ]
        body.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    cap = html.escape(caption) + (f' <span class="tieval-base">(base: {html.escape(base)})</span>' if base else "")
    return (
        f'<figure class="tieval-figure-table"><figcaption>{cap}</figcaption>'
        '<table class="tieval-table"><thead><tr>'
        + "".join(f"<th>{h}</th>" for h in head)
        + "</tr></thead><tbody>"
        + "".join(body)
        + "</tbody></table></figure>"
    )


def findings_html(
    tri: Triangulation,
    stats: pd.DataFrame,
    codebook: Codebook,
    excerpts: pd.DataFrame,
    qualitative_page: str = "04_qualitative.html",
) -> str:
    """Every finding as a section with an explicit anchor (``finding-<id>``): its evidence from
    each strand (themes linked to the qualitative appendix), its code and meta-inference."""
    by_id = excerpts.set_index("excerpt_id")
    parts = []
    for f in tri.findings:
        mine = stats[stats["finding"] == f.id]
        themes = (
            ", ".join(
                f'<a href="{qualitative_page}#{theme_anchor(t)}">{html.escape(codebook.codes[t].label)}</a>'
                for t in f.themes
            )
            or "none"
        )
        quotes = "".join(
            f"<li>{html.escape(e)}: “{html.escape(str(by_id.at[e, 'text']))}” — "
            f"{html.escape(str(by_id.at[e, 'attribution']) or anonymous_label(by_id.at[e, 'source']))}</li>"
            for e in f.excerpts
        )
        stat_items = "".join(
            f"<li>{html.escape(r.item_id)} ({html.escape(r.item)}), "
            f"{html.escape(r.category_label)}: {html.escape(r.shown)}</li>"
            for r in mine.itertuples()
        )
        silent = f"<p><strong>Silence detected:</strong> no {f.silent_strand} evidence.</p>" if f.silent_strand else ""
        parts.append(
            f'<section class="tieval-finding"><h3 id="{finding_anchor(f.id)}">{html.escape(f.title)}</h3>'
            f'<p><strong>Convergence:</strong> <span style="border-left:1em solid {COLOURS[f.convergence]};'
            f'padding-left:0.4em">{html.escape(f.convergence)}</span>'
            + (
                f" · <em>drawn together in the report under: {html.escape(f.report_section)}</em>"
                if f.report_section
                else ""
            )
            + f"</p>{silent}<p><strong>Themes:</strong> {themes}"
            + (
                f" · <strong>sources summarised without quotation:</strong> {html.escape(', '.join(f.sources))}"
                if f.sources
                else ""
            )
            + "</p>"
            + (
                f"<p><strong>Survey:</strong></p><ul>{stat_items}</ul>"
                if stat_items
                else "<p><strong>Survey:</strong> no item.</p>"
            )
            + (f"<p><strong>Quotations:</strong></p><ul>{quotes}</ul>" if quotes else "")
            + f"<p><strong>Meta-inference:</strong> {html.escape(f.meta_inference)}</p></section>"
        )
    return "".join(parts)


# --------------------------------------------------------------------------- recommendations
