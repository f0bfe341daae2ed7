"""The findings of a mixed-methods discussion as data, read from ``analysis/triangulation.yml``.

Each finding names its qualitative evidence (codes of the codebook, excerpts), its survey
evidence (an item and a statistic) and its convergence code (Farmer et al. 2006: agreement,
partial agreement, dissonance; silence is found by the code, not typed).  The format is
documented in ``data/README.md``."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import pandas as pd

from tieval.config import Study
from tieval.errors import ConfigError
from tieval.qual.codebook import Codebook
from tieval.qual.codings import with_ancestors
from tieval.spec import ID_PATTERN, Where, key, load_yaml, read
from tieval.store import note_input
from tieval.survey.counts import MISSING_CATEGORIES, RATED_TYPES
from tieval.survey.scores import score_sets
from tieval.survey.wave_change import change_items, dichotomy

__all__ = [
    "CONVERGENCE",
    "TYPED_CONVERGENCE",
    "SILENCE",
    "STATISTICS",
    "MEAN",
    "QuantSpec",
    "QualEvidence",
    "FindingSpec",
    "TriangulationFile",
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


#: Statistics a finding can name for an item: a category's share (in one wave, or of all answers),
#: or the change between waves (of a category's share, or of the mean: category ``mean``).
STATISTICS = ("percent", "change")

#: The ``category`` of a change in the mean of an item or a subscale score.
MEAN = "mean"


@dataclass(frozen=True)
class QuantSpec:
    """One piece of quantitative evidence: a statistic of one answer category of one item (or,
    for a change in the mean, of an item or subscale score)."""

    item: str = key("an item id of study.yml (answered on a rated scale); for a change in the mean also a subscale id")
    category: str = key(
        "a category of the item's scale (agree, yes, 6-10, not_relevant, ...); mean for a change in the mean"
    )
    statistic: str = key("the statistic shown: percent, or change between waves", "percent", choices=STATISTICS)
    wave: str = key("a wave id of design.waves: the share in that wave, or the follow-up wave of a change "
                    "(default: all answers; for a change, the second wave)", "")  # fmt: skip


@dataclass(frozen=True, kw_only=True)
class QualEvidence:
    """``findings[].qualitative``: the qualitative evidence of a finding."""

    themes: tuple[str, ...] = key("code ids of the codebook", ())
    excerpts: tuple[str, ...] = key("excerpt ids of raw/excerpts.csv, each coded with one of the themes", ())
    quote: str = key("the excerpt the joint display quotes (default: the first)", "")
    sources: tuple[str, ...] = key("kinds of source that speak to it (raw/excerpts.csv source)", ())


@dataclass(frozen=True, kw_only=True)
class FindingSpec:
    """``findings[]``: one mixed-methods finding."""

    id: str = key("finding id", pattern=ID_PATTERN)
    title: str = key("short title", text="strip")
    report_section: str = key("where the report discusses it", "", text="strip")
    qualitative: QualEvidence = key("qualitative evidence (none: the interviews are silent)", None)
    quantitative: tuple[QuantSpec, ...] = key("survey evidence (none: the survey is silent)", ())
    convergence: str = key(
        "agreement, partial agreement or dissonance; leave out when one strand is silent", "", text="strip"
    )
    meta_inference: str = key("what the two strands say together, in our words", text="squash")


@dataclass(frozen=True, kw_only=True)
class TriangulationFile:
    """``triangulation.yml``: the findings of the mixed-methods discussion."""

    findings: tuple[FindingSpec, ...] = key("the findings, in report order", nonempty="a list of at least one finding")


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
    """Check parsed findings (:class:`TriangulationFile`) against the codebook, the excerpts, their
    codings and the instrument."""
    where = Where(Path(file))
    spec: TriangulationFile = read(TriangulationFile, raw, where)
    evidence = _Evidence(
        codebook,
        set(excerpts["excerpt_id"]),
        list(dict.fromkeys(excerpts["source"])),
        with_ancestors(codings, codebook).groupby("excerpt_id")["code_id"].agg(set).to_dict(),
    )
    findings: list[Finding] = []
    for i, f in enumerate(spec.findings):
        at = where.child("findings").index(i)
        if f.id in {g.id for g in findings}:
            raise at.child("id").fail("a finding id used once", f.id)
        _qualitative_fits(f.qualitative, evidence, at.child("qualitative"))
        for j, q in enumerate(f.quantitative):
            _quantitative_fits(q, study, at.child("quantitative").index(j))
        qual = f.qualitative
        finding = Finding(
            f.id,
            f.title,
            qual.themes,
            qual.excerpts,
            qual.quote or (qual.excerpts[0] if qual.excerpts else ""),
            qual.sources,
            f.quantitative,
            f.convergence,
            f.meta_inference,
            f.report_section,
            at.key,
        )
        _check_convergence(finding, partial(_fail_at, at.file))
        findings.append(finding)
    return Triangulation(Path(file), findings)


def _fail_at(file: Path, key: str, expected: str, found: Any = None) -> ConfigError:
    return Where(file, key).fail(expected, found)


@dataclass(frozen=True)
class _Evidence:
    """What findings may cite: the codebook, excerpt ids, sources, and each excerpt's codes (with ancestors)."""

    codebook: Codebook
    excerpt_ids: set
    sources: list
    codes_of: dict


def _qualitative_fits(q: QualEvidence, ev: _Evidence, at: Where) -> None:
    for j, cid in enumerate(q.themes):
        if cid not in ev.codebook.codes:
            raise at.child("themes").index(j).fail("a code id of the codebook", cid)
    for j, eid in enumerate(q.excerpts):
        _excerpt_carries_theme(eid, q.themes, ev, at.child("excerpts").index(j))
    if q.quote and q.quote not in q.excerpts:
        raise at.child("quote").fail("one of the finding's excerpts", q.quote)
    for j, src in enumerate(q.sources):
        if src not in ev.sources:
            raise at.child("sources").index(j).fail("a source of raw/excerpts.csv (" + ", ".join(ev.sources) + ")", src)


def _excerpt_carries_theme(eid: str, themes: tuple[str, ...], ev: _Evidence, at: Where) -> None:
    """A cited excerpt must exist and be coded with one of the finding's themes (or a code below one)."""
    if eid not in ev.excerpt_ids:
        raise at.fail("an excerpt id of raw/excerpts.csv", eid)
    carried = ev.codes_of.get(eid, set())
    if themes and not (carried & set(themes)):
        raise at.fail(
            "an excerpt coded with one of this finding's themes ("
            + ", ".join(themes)
            + f"); it carries {', '.join(sorted(carried)) or 'no code'}",
            eid,
        )


def _quantitative_fits(q: QuantSpec, study: Study, at: Where) -> None:
    """The item must be a rated item of the instrument and the category one of its scale's; a wave
    one of the study's; a change needs two waves and a mean or the scale's dichotomised category."""
    waves = [w.id for w in study.waves]
    if q.wave and q.wave not in waves:
        raise at.child("wave").fail("a wave id of design.waves (" + ", ".join(waves) + ")", q.wave)
    if q.statistic == "change":
        _change_fits(q, study, waves, at)
        return
    if q.item not in {it.id for it in study.items}:
        raise at.child("item").fail("an item id of study.yml", q.item)
    scale = study.scale_of(q.item)
    if scale.type not in RATED_TYPES:
        raise at.child("item").fail("an item answered on a rated scale (not free text)", q.item)
    allowed = list(scale.categories) + list(MISSING_CATEGORIES)
    if q.category not in allowed:
        raise at.child("category").fail(f"a category of the scale {scale.id} (" + ", ".join(allowed) + ")", q.category)


def _change_fits(q: QuantSpec, study: Study, waves: list[str], at: Where) -> None:
    if len(waves) < 2:
        raise at.child("statistic").fail("percent (a change needs two or more design.waves)", q.statistic)
    if q.wave and q.wave == waves[0]:
        raise at.child("wave").fail("a follow-up wave (the change is from the first wave to it)", q.wave)
    if q.item in score_sets(study):
        if q.category != MEAN:
            raise at.child("category").fail(f"{MEAN} (a subscale's change is in its mean score)", q.category)
        return
    if q.item not in {it.id for it in change_items(study)}:
        raise at.child("item").fail("an item on an ordinal scale or a numeric range, or a subscale id", q.item)
    split = dichotomy(study.scale_of(q.item))
    allowed = [MEAN] + ([split[0]] if split else [])
    if q.category not in allowed:
        raise at.child("category").fail(" or ".join(allowed) + " (what a change is computed for)", q.category)


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
