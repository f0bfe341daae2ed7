"""Silence beyond the findings, found by the code, never typed.

A finding with no quantitative or no qualitative evidence is *silence* (one data set speaks, the other
does not; :mod:`tieval.mixed.findings` assigns it).  Beyond the findings, :func:`coverage` lists the
survey's constructs and sub-constructs (or, for items without a construct, the items) that no coded
excerpt speaks to, and :func:`codes_without_survey` the codes no survey item asks about; both are
derived from the codebook's construct mapping and the codings."""

from __future__ import annotations

import numpy as np
import pandas as pd

from tieval.config import Study
from tieval.mixed.findings import SILENCE, Triangulation
from tieval.qual.codebook import Codebook
from tieval.survey.counts import RATED_TYPES

__all__ = [
    "survey_links",
    "coverage",
    "codes_without_survey",
    "silence_summary",
]


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
