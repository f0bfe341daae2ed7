"""The joint display (Guetterman, Fetters and Creswell 2015): one row per finding with its statistics, themes, a
quotation, the convergence code and the meta-inference, as a table and as HTML, and every finding as an
HTML section with all its evidence."""

from __future__ import annotations

import html

import pandas as pd

from tieval.config import Study
from tieval.mixed.convergence import COLOURS
from tieval.mixed.findings import Finding, Triangulation, finding_anchor
from tieval.published import printed_cells
from tieval.qual.codebook import Codebook, theme_anchor
from tieval.qual.excerpts import anonymous_label
from tieval.report.present import table_html

__all__ = [
    "joint_display",
    "joint_display_html",
    "findings_html",
]


def _quotation(f: Finding, excerpts: pd.DataFrame) -> tuple[str, str]:
    if not f.quote:
        return "", ""
    row = excerpts.set_index("excerpt_id").loc[f.quote]
    who = row["attribution"] if str(row["attribution"]).strip() else anonymous_label(row["source"])
    return str(row["text"]), f"{who} ({f.quote})"


def _what(r) -> str:
    """What a statistic is of: its category, or with a wave or a change its label (with the wave)."""
    if getattr(r, "statistic", "percent") == "change":
        return r.category_label
    if getattr(r, "wave", ""):
        return f"{r.category} ({r.wave})"
    return r.category


def _printed_key(r) -> tuple[str, str] | None:
    """The published table cell a statistic reproduces: a share of one category, not a change or one wave's share."""
    if getattr(r, "statistic", "percent") == "change" or getattr(r, "wave", ""):
        return None
    return (r.item_id, r.category)


def joint_display(
    tri: Triangulation, stats: pd.DataFrame, codebook: Codebook, excerpts: pd.DataFrame, study: Study
) -> pd.DataFrame:
    """One row per finding: construct, statistics (with base and 95% interval), themes, one
    quotation with attribution, convergence code, meta-inference (the ``joint_display.csv`` table).
    Each statistic of a published table cell has the printed value beside it ("(published 73%)").

    ``data`` says when the statistics come from a reconstructed stand-in export."""
    rows = []
    printed = printed_cells(study)
    for f in tri.findings:
        mine = stats[stats["finding"] == f.id]
        shown = "; ".join(
            f"{r.item_id} {_what(r)}: {r.shown}"
            + (f" (published {printed[(r.item_id, r.category)]}%)" if _printed_key(r) in printed else "")
            for r in mine.itertuples()
        )
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


def joint_display_html(joint: pd.DataFrame, caption: str, base: str = "", csv: str = "") -> str:
    """The joint display as a table block (:func:`tieval.report.present.table_html`, id
    ``tbl-joint-display``) whose finding cells link to each finding's section; ``csv``: the path of
    ``joint_display.csv`` relative to the page."""
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
        body.append(cells)
    frame = pd.DataFrame(body, columns=head)
    if not (joint["construct"] != "").any():  # a study that declares no constructs: no empty column
        frame = frame.drop(columns="Construct")
    return table_html(frame, caption, base, escape=False, csv=csv, ident="joint-display")


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
