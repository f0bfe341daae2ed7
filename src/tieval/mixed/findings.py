"""The findings of a mixed-methods discussion as data, read from ``analysis/triangulation.yml``.

Each finding names its qualitative evidence (codes of the codebook, excerpts), its survey
evidence (an item and a statistic) and its convergence code (Farmer et al. 2006: agreement,
partial agreement, dissonance; silence is found by the code, not typed).  The format is
documented in ``data/README.md``."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from tieval.config import ID_PATTERN, Study, check_top_keys, load_yaml
from tieval.errors import ConfigError
from tieval.qual.codebook import Codebook
from tieval.qual.codings import with_ancestors
from tieval.store import note_input
from tieval.survey.likert import MISSING_CATEGORIES, RATED_TYPES

__all__ = [
    "CONVERGENCE",
    "TYPED_CONVERGENCE",
    "SILENCE",
    "STATISTICS",
    "QuantSpec",
    "Finding",
    "Triangulation",
    "load_triangulation",
    "parse_triangulation",
    "finding_anchor",
]


SILENCE = "silence"


#: Convergence codes an analyst may type (Farmer et al. 2006); silence is assigned by the code.
TYPED_CONVERGENCE = ("agreement", "partial agreement", "dissonance")


CONVERGENCE = TYPED_CONVERGENCE + (SILENCE,)


#: Statistics a finding can name for an item.
STATISTICS = ("percent",)


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
