"""Recommendations as data: each recommendation of the report with the findings it rests on, read from ``analysis/recommendations.yml``.

The format is documented in ``data/README.md``; a recommendation must cite findings of
``triangulation.yml``."""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from tieval.config import Study
from tieval.mixed.findings import Triangulation, finding_anchor
from tieval.qual.codebook import Codebook, theme_anchor
from tieval.spec import ID_PATTERN, Where, key, load_yaml, read
from tieval.store import note_input

__all__ = [
    "Recommendation",
    "RecommendationsFile",
    "load_recommendations",
    "parse_recommendations",
    "recommendations_table",
    "recommendations_plain",
]


@dataclass(frozen=True)
class Recommendation:
    """A recommendation of the report, verbatim, with the findings that support it."""

    id: str = key("our id", pattern=ID_PATTERN)
    text: str = key("the recommendation exactly as printed (its spelling kept)", text="squash")
    findings: tuple[str, ...] = key(
        "finding ids of triangulation.yml holding the evidence", nonempty="a list of at least one finding id"
    )
    report_pages: str = key("the report's evidence pages as printed, kept for reference only", "")


@dataclass(frozen=True, kw_only=True)
class RecommendationsFile:
    """``recommendations.yml``: the report's recommendations."""

    recommendations: tuple[Recommendation, ...] = key(
        "the recommendations, in report order", nonempty="a list of at least one recommendation"
    )


def load_recommendations(study: Study, tri: Triangulation) -> list[Recommendation]:
    """Load ``analysis/recommendations.yml`` (``inputs.recommendations``); [] if the study has none."""
    if not study.has_input("recommendations"):
        return []
    path = study.path("recommendations")
    raw = load_yaml(path)
    note_input(path)
    return parse_recommendations(raw, path, tri)


def parse_recommendations(raw: Any, file: Path, tri: Triangulation) -> list[Recommendation]:
    """Check parsed recommendations (:class:`RecommendationsFile`): ids used once, each finding one of
    ``triangulation.yml``'s."""
    where = Where(Path(file))
    spec: RecommendationsFile = read(RecommendationsFile, raw, where)
    known = {f.id for f in tri.findings}
    seen: set[str] = set()
    for i, rec in enumerate(spec.recommendations):
        at = where.child("recommendations").index(i)
        if rec.id in seen:
            raise at.child("id").fail("a recommendation id used once", rec.id)
        seen.add(rec.id)
        _findings_exist(rec, known, at)
    return list(spec.recommendations)


def _findings_exist(rec: Recommendation, known: set[str], at: Where) -> None:
    for j, fid in enumerate(rec.findings):
        if fid not in known:
            raise at.child("findings").index(j).fail("a finding id of triangulation.yml", fid)


def recommendations_plain(recs: list[Recommendation], tri: Triangulation) -> pd.DataFrame:
    """Recommendations as a plain table for CSV: ``id, recommendation, findings`` (ids),
    ``convergence`` (their codes), ``report_pages``."""
    return pd.DataFrame(
        [
            {
                "id": r.id,
                "recommendation": r.text,
                "findings": ", ".join(r.findings),
                "convergence": ", ".join(tri.finding(f).convergence for f in r.findings),
                "report_pages": r.report_pages,
            }
            for r in recs
        ],
        columns=["id", "recommendation", "findings", "convergence", "report_pages"],
    )


def recommendations_table(
    recs: list[Recommendation],
    tri: Triangulation,
    codebook: Codebook,
    page: str = "05_triangulation.html",
    qualitative_page: str = "04_qualitative.html",
) -> pd.DataFrame:
    """Recommendations with their evidence as links: to each supporting finding's section
    (``page#finding-<id>``) and to the qualitative appendix sections of its themes.

    Columns ``id, recommendation, findings, themes, report_pages``; every column holds HTML,
    text escaped (show with ``escape=False``)."""
    rows = []
    for r in recs:
        findings = [tri.finding(f) for f in r.findings]
        themes = list(dict.fromkeys(t for f in findings for t in f.themes))
        rows.append(
            {
                "id": html.escape(r.id),
                "recommendation": html.escape(r.text),
                "findings": ", ".join(
                    f'<a href="{page}#{finding_anchor(f.id)}">{html.escape(f.title)}</a> ({html.escape(f.convergence)})'
                    for f in findings
                ),
                "themes": ", ".join(
                    f'<a href="{qualitative_page}#{theme_anchor(t)}">{html.escape(codebook.codes[t].label)}</a>'
                    for t in themes
                ),
                "report_pages": html.escape(r.report_pages),
            }
        )
    return pd.DataFrame(rows, columns=["id", "recommendation", "findings", "themes", "report_pages"])
