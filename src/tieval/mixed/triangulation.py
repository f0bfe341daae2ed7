"""Mixed-methods triangulation: findings as data, statistics computed from the survey, silence found by the code.

``data/<study>/analysis/triangulation.yml`` lists the findings the report's
discussion draws together.  Each names its qualitative evidence (codes of the
codebook, excerpt ids), its quantitative evidence (survey item, statistic,
answer category), a convergence code after Farmer et al. (2006) and a
meta-inference in our own words.  No number is typed into the file: every
statistic is computed here from ``data/processed/<study>/responses.csv``
through :mod:`tieval.survey.likert` (counts, base and Wilson interval).

Format (``triangulation.yml``)
------------------------------
::

    findings:
      - id: leadership                    # unique; also the HTML anchor finding-<id>
        title: "Leadership"
        report_section: "Mixed-methods discussion"      # optional: where the report draws it together
        qualitative:
          themes: [impl_leadership]       # code ids of the codebook
          excerpts: [L-010, L-011]        # excerpt ids; each must carry one of the themes
          quote: L-010                    # optional: the representative quotation (default: first)
          sources: [interview]            # optional: strands the report summarises without quoting
        quantitative:
          - {item: C1, statistic: percent, category: agree}
        convergence: partial agreement    # agreement | partial agreement | dissonance
        meta_inference: "Our own sentence on what the two strands say together."

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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tieval.config import ID_PATTERN, Study, check_top_keys, load_yaml
from tieval.errors import ConfigError, InputError
from tieval.qual.analysis import Codebook, anonymous_label, theme_anchor, with_ancestors
from tieval.store import note_input
from tieval.survey.likert import MISSING_CATEGORIES, RATED_TYPES, category_display, percent_cell

__all__ = [
    "CONVERGENCE",
    "TYPED_CONVERGENCE",
    "SILENCE",
    "STATISTICS",
    "SURVEY_SOURCE",
    "COLOURS",
    "QuantSpec",
    "Finding",
    "Triangulation",
    "Recommendation",
    "load_triangulation",
    "parse_triangulation",
    "finding_anchor",
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
    "load_recommendations",
    "parse_recommendations",
    "recommendations_table",
    "recommendations_plain",
    "convergence_counts",
    "silence_summary",
]

SILENCE = "silence"
#: Convergence codes an analyst may type (Farmer et al. 2006); silence is assigned by the code.
TYPED_CONVERGENCE = ("agreement", "partial agreement", "dissonance")
CONVERGENCE = TYPED_CONVERGENCE + (SILENCE,)
#: Statistics a finding can name for an item.
STATISTICS = ("percent",)
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

_TOP_KEYS = {"findings"}
_FINDING_KEYS = {"id", "title", "report_section", "qualitative", "quantitative", "convergence", "meta_inference"}
_QUAL_KEYS = {"themes", "excerpts", "quote", "sources"}
_QUANT_KEYS = {"item", "statistic", "category"}


@dataclass(frozen=True)
class QuantSpec:
    """One piece of quantitative evidence: a statistic of one answer category of one item."""

    item: str
    category: str
    statistic: str = "percent"


@dataclass(frozen=True)
class Finding:
    """A mixed-methods finding with its evidence, convergence code and meta-inference."""

    id: str
    title: str
    themes: tuple[str, ...]
    excerpts: tuple[str, ...]
    quote: str
    sources: tuple[str, ...]
    quantitative: tuple[QuantSpec, ...]
    typed_convergence: str
    meta_inference: str
    report_section: str = ""
    key: str = ""

    @property
    def has_qualitative(self) -> bool:
        return bool(self.themes or self.excerpts or self.sources)

    @property
    def has_quantitative(self) -> bool:
        return bool(self.quantitative)

    @property
    def convergence(self) -> str:
        """The finding's code: the typed one, or silence when one strand has no evidence."""
        if not (self.has_qualitative and self.has_quantitative):
            return SILENCE
        return self.typed_convergence

    @property
    def silent_strand(self) -> str:
        """Which strand is silent ('survey' / 'qualitative'), '' when both speak."""
        if not self.has_quantitative:
            return "survey"
        if not self.has_qualitative:
            return "qualitative"
        return ""


@dataclass
class Triangulation:
    """The findings of a study's ``triangulation.yml``."""

    file: Path
    findings: list[Finding] = field(default_factory=list)

    def finding(self, finding_id: str) -> Finding:
        for f in self.findings:
            if f.id == finding_id:
                return f
        raise KeyError(finding_id)


def finding_anchor(finding_id: str) -> str:
    """HTML id of a finding's section in the triangulation appendix (``05_triangulation.html#finding-<id>``)."""
    return f"finding-{finding_id}"


# --------------------------------------------------------------------------- loading


def load_triangulation(
    study: Study, codebook: Codebook, excerpts: pd.DataFrame, codings: pd.DataFrame
) -> Triangulation:
    """Load and check the study's ``triangulation.yml`` (``inputs.triangulation``)."""
    path = study.path("triangulation")
    raw = load_yaml(path)
    note_input(path)
    return parse_triangulation(raw, path, study, codebook, excerpts, codings)


def parse_triangulation(
    raw: Any, file: Path, study: Study, codebook: Codebook, excerpts: pd.DataFrame, codings: pd.DataFrame
) -> Triangulation:
    """Check parsed findings against the codebook, the excerpts, their codings and the instrument."""

    def fail(key: str, expected: str, found: Any = None) -> ConfigError:
        return ConfigError(file, expected, column=key, found=found)

    def str_list(value: Any, key: str) -> list[str]:
        if value is None:
            return []
        if not isinstance(value, list):
            raise fail(key, "a list", value)
        return [str(v) for v in value]

    check_top_keys(raw, file, _TOP_KEYS, "the key findings")
    specs = raw.get("findings")
    if not isinstance(specs, list) or not specs:
        raise fail("findings", "a list of at least one finding", specs)

    excerpt_ids = set(excerpts["excerpt_id"])
    known_sources = list(dict.fromkeys(excerpts["source"]))
    expanded = with_ancestors(codings, codebook)
    codes_of = expanded.groupby("excerpt_id")["code_id"].agg(set).to_dict()
    items = {it.id: it for it in study.items}
    findings: list[Finding] = []
    seen: set[str] = set()
    for i, spec in enumerate(specs):
        key = f"findings[{i}]"
        if not isinstance(spec, dict):
            raise fail(key, "a mapping with id, title, qualitative, quantitative and meta_inference", spec)
        for name in spec:
            if name not in _FINDING_KEYS:
                raise fail(f"{key}.{name}", "one of the keys " + ", ".join(sorted(_FINDING_KEYS)), name)
        fid = str(spec.get("id") or "")
        if not ID_PATTERN.match(fid):
            raise fail(key + ".id", "an id of letters, digits, '_', '-' or '.'", fid or None)
        if fid in seen:
            raise fail(key + ".id", "a finding id used once", fid)
        seen.add(fid)
        for name in ("title", "meta_inference"):
            if not str(spec.get(name) or "").strip():
                raise fail(f"{key}.{name}", "a value (this key is required)")

        qual = spec.get("qualitative") or {}
        if not isinstance(qual, dict):
            raise fail(key + ".qualitative", "a mapping with themes and excerpts", qual)
        for name in qual:
            if name not in _QUAL_KEYS:
                raise fail(f"{key}.qualitative.{name}", "one of the keys " + ", ".join(sorted(_QUAL_KEYS)), name)
        themes = str_list(qual.get("themes"), key + ".qualitative.themes")
        for j, cid in enumerate(themes):
            if cid not in codebook.codes:
                raise fail(f"{key}.qualitative.themes[{j}]", "a code id of the codebook", cid)
        cited = str_list(qual.get("excerpts"), key + ".qualitative.excerpts")
        for j, eid in enumerate(cited):
            k = f"{key}.qualitative.excerpts[{j}]"
            if eid not in excerpt_ids:
                raise fail(k, "an excerpt id of raw/excerpts.csv", eid)
            if themes and not (codes_of.get(eid, set()) & set(themes)):
                raise fail(
                    k,
                    "an excerpt coded with one of this finding's themes ("
                    + ", ".join(themes)
                    + f"); it carries {', '.join(sorted(codes_of.get(eid, set()))) or 'no code'}",
                    eid,
                )
        quote = str(qual.get("quote") or (cited[0] if cited else ""))
        if quote and quote not in cited:
            raise fail(key + ".qualitative.quote", "one of the finding's excerpts", quote)
        sources = str_list(qual.get("sources"), key + ".qualitative.sources")
        for j, src in enumerate(sources):
            if src not in known_sources:
                raise fail(
                    f"{key}.qualitative.sources[{j}]",
                    "a source of raw/excerpts.csv (" + ", ".join(known_sources) + ")",
                    src,
                )

        quants = spec.get("quantitative") or []
        if not isinstance(quants, list):
            raise fail(key + ".quantitative", "a list of {item, statistic, category}", quants)
        parsed: list[QuantSpec] = []
        for j, q in enumerate(quants):
            k = f"{key}.quantitative[{j}]"
            if not isinstance(q, dict):
                raise fail(k, "a mapping with item, statistic and category", q)
            for name in q:
                if name not in _QUANT_KEYS:
                    raise fail(f"{k}.{name}", "one of the keys " + ", ".join(sorted(_QUANT_KEYS)), name)
            iid = str(q.get("item") or "")
            if iid not in items:
                raise fail(k + ".item", "an item id of study.yml", iid or None)
            scale = study.scale_of(iid)
            if scale.type not in RATED_TYPES:
                raise fail(k + ".item", "an item answered on a rated scale (not free text)", iid)
            statistic = str(q.get("statistic") or "percent")
            if statistic not in STATISTICS:
                raise fail(k + ".statistic", "one of " + ", ".join(STATISTICS), statistic)
            category = str(q.get("category") or "")
            allowed = list(scale.categories) + list(MISSING_CATEGORIES)
            if category not in allowed:
                raise fail(
                    k + ".category",
                    f"a category of the scale {scale.id} (" + ", ".join(allowed) + ")",
                    category or None,
                )
            parsed.append(QuantSpec(iid, category, statistic))

        finding = Finding(
            fid,
            str(spec["title"]).strip(),
            tuple(themes),
            tuple(cited),
            quote,
            tuple(sources),
            tuple(parsed),
            str(spec.get("convergence") or "").strip(),
            " ".join(str(spec["meta_inference"]).split()),
            str(spec.get("report_section") or "").strip(),
            key,
        )
        _check_convergence(finding, fail)
        findings.append(finding)
    return Triangulation(Path(file), findings)


def _check_convergence(f: Finding, fail) -> None:
    """A typed convergence code must agree with the evidence (see the module docstring)."""
    key = f.key + ".convergence"
    if not f.has_qualitative and not f.has_quantitative:
        raise fail(f.key, "qualitative or quantitative evidence (the finding names neither)")
    if f.typed_convergence == SILENCE:
        raise fail(
            key,
            "no convergence code here: silence is detected from the evidence, not typed "
            "(leave out a strand's evidence instead)",
            SILENCE,
        )
    if f.silent_strand:
        if f.typed_convergence:
            raise fail(
                key,
                f"no convergence code: the finding has no {f.silent_strand} evidence, so the "
                "step codes it silence itself",
                f.typed_convergence,
            )
        return
    if f.typed_convergence not in TYPED_CONVERGENCE:
        raise fail(
            key,
            "one of " + ", ".join(TYPED_CONVERGENCE) + " (the finding has evidence from both strands)",
            f.typed_convergence or None,
        )


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
