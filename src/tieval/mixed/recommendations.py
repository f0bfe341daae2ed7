"""Recommendations as data: each recommendation of the report with the findings it rests on, read from ``analysis/recommendations.yml``.

The format is documented in ``data/README.md``; a recommendation must cite findings of
``triangulation.yml``."""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from tieval.config import ID_PATTERN, Study, load_yaml
from tieval.errors import ConfigError
from tieval.mixed.findings import Triangulation, finding_anchor
from tieval.qual.codebook import Codebook, theme_anchor
from tieval.store import note_input

__all__ = [
    "Recommendation",
    "load_recommendations",
    "parse_recommendations",
    "recommendations_table",
    "recommendations_plain",
]


@dataclass(frozen=True)
class Recommendation:
    """A recommendation of the report, verbatim, with the findings that support it."""

    id: str
    text: str
    findings: tuple[str, ...]
    report_pages: str = ""


def load_recommendations(study: Study, tri: Triangulation) -> list[Recommendation]:
    """Load ``analysis/recommendations.yml`` (``inputs.recommendations``); [] if the study has none."""
    if not study.has_input("recommendations"):
        return []
    path = study.path("recommendations")
    raw = load_yaml(path)
    note_input(path)
    return parse_recommendations(raw, path, tri)


def parse_recommendations(raw: Any, file: Path, tri: Triangulation) -> list[Recommendation]:
    """Check recommendations: ``recommendations: [{id, text, findings, report_pages}]``, each
    finding id one of ``triangulation.yml``'s."""

    def fail(key: str, expected: str, found: Any = None) -> ConfigError:
        return ConfigError(file, expected, column=key, found=found)

    if not isinstance(raw, dict) or set(raw) != {"recommendations"}:
        raise fail(
            "(top level)",
            "a mapping with the one key recommendations",
            ", ".join(raw) if isinstance(raw, dict) else type(raw).__name__,
        )
    specs = raw["recommendations"]
    if not isinstance(specs, list) or not specs:
        raise fail("recommendations", "a list of at least one recommendation", specs)
    known = {f.id for f in tri.findings}
    out, seen = [], set()
    for i, spec in enumerate(specs):
        key = f"recommendations[{i}]"
        if not isinstance(spec, dict):
            raise fail(key, "a mapping with id, text, findings and report_pages", spec)
        for name in spec:
            if name not in {"id", "text", "findings", "report_pages"}:
                raise fail(f"{key}.{name}", "one of the keys findings, id, report_pages, text", name)
        rid = str(spec.get("id") or "")
        if not ID_PATTERN.match(rid) or rid in seen:
            raise fail(key + ".id", "an id of letters, digits, '_', '-' or '.' used once", rid or None)
        seen.add(rid)
        text = " ".join(str(spec.get("text") or "").split())
        if not text:
            raise fail(key + ".text", "the recommendation as printed")
        findings = spec.get("findings")
        if not isinstance(findings, list) or not findings:
            raise fail(key + ".findings", "a list of at least one finding id", findings)
        for j, fid in enumerate(findings):
            if str(fid) not in known:
                raise fail(f"{key}.findings[{j}]", "a finding id of triangulation.yml", fid)
        out.append(Recommendation(rid, text, tuple(str(f) for f in findings), str(spec.get("report_pages") or "")))
    return out


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
