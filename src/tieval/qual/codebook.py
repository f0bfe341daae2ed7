"""The codebook: themes and codes of a study's qualitative analysis, read from ``analysis/codebook.yml``.

The format is documented in ``data/README.md``.  A problem in the codebook raises
:class:`~tieval.errors.ConfigError` naming the file and the dotted key
(``themes[2].children[0].construct``)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from tieval.config import Study
from tieval.schema import CODEBOOK
from tieval.spec import ID_PATTERN, Where, key, load_yaml, read
from tieval.store import note_input

__all__ = [
    "NPT_SUBCONSTRUCTS",
    "Code",
    "Codebook",
    "CodebookFile",
    "CodeSpec",
    "load_codebook",
    "parse_codebook",
    "theme_anchor",
]


#: Normalisation Process Theory sub-constructs (May and Finch; NoMAD), by construct id.
NPT_SUBCONSTRUCTS: dict[str, tuple[str, ...]] = {
    "coherence": ("differentiation", "communal specification", "individual specification", "internalisation"),
    "cognitive_participation": ("initiation", "enrolment", "legitimation", "activation"),
    "collective_action": (
        "interactional workability",
        "relational integration",
        "skill set workability",
        "contextual integration",
    ),
    "reflexive_monitoring": ("systematisation", "communal appraisal", "individual appraisal", "reconfiguration"),
}


@dataclass(frozen=True)
class Code:
    """One code of the codebook (a theme when ``parent`` is empty)."""

    id: str
    label: str
    description: str
    parent: str = ""
    theme: str = ""
    depth: int = 0
    construct: str = ""
    subconstruct: str = ""
    items: tuple[str, ...] = ()
    report_figures: tuple[str, ...] = ()
    report_printed: str = ""
    case: dict | None = None
    key: str = ""  # dotted key of the code in the file, for messages


@dataclass
class Codebook:
    """Codes in file order, the section map and the lead-in map of a study's ``codebook.yml``."""

    file: Path
    codes: dict[str, Code]
    sections: dict[str, str]
    lead_ins: dict[str, str] = field(default_factory=dict)

    @property
    def themes(self) -> list[Code]:
        """Top-level codes, in file order."""
        return [c for c in self.codes.values() if not c.parent]

    def children(self, code_id: str) -> list[Code]:
        """Direct sub-codes of a code."""
        return [c for c in self.codes.values() if c.parent == code_id]

    def ancestors(self, code_id: str) -> list[str]:
        """Parent, grandparent, ... of a code (nearest first)."""
        out = []
        parent = self.codes[code_id].parent
        while parent:
            out.append(parent)
            parent = self.codes[parent].parent
        return out

    def descendants(self, code_id: str) -> list[str]:
        """Every code below ``code_id`` (file order)."""
        return [c.id for c in self.codes.values() if code_id in self.ancestors(c.id)]

    def table(self) -> pd.DataFrame:
        """The codebook flattened, one row per code (columns :data:`tieval.schema.CODEBOOK` plus ``items``)."""
        rows = [
            {
                "code_id": c.id,
                "label": c.label,
                "parent": c.parent,
                "theme": c.theme,
                "construct": c.construct,
                "subconstruct": c.subconstruct,
                "description": c.description,
                "items": ", ".join(c.items),
            }
            for c in self.codes.values()
        ]
        return pd.DataFrame(rows, columns=CODEBOOK + ["items"])

    def display_label(self, code_id: str) -> str:
        """Label indented by depth (for tables that list themes with their sub-codes)."""
        code = self.codes[code_id]
        return "\u2003" * code.depth + code.label


@dataclass(frozen=True, kw_only=True)
class ReportCount:
    """``report_count``: how many participants the report says raised a code."""

    figures: tuple[str, ...] = key("figure ids of published/figures.csv, summed", ())
    printed: str = key("the words as printed when the report gives no number", "", text="strip")


def _count_given(rc: ReportCount, where: Where) -> None:
    if not rc.figures and not rc.printed:
        raise where.fail("a mapping with figures and/or printed")


ReportCount.checks = (_count_given,)


@dataclass(frozen=True, kw_only=True)
class Case:
    """``case``: a participant case described by the report."""

    participant: str = key("the case's participant as the report names them", text="strip")
    issue: str = key("what the participant was working on, in our words", text="strip")
    progress: str = key("what progress the report describes, in our words", text="strip")


@dataclass(frozen=True, kw_only=True)
class CodeSpec:
    """``themes[]`` (and ``children[]``): one code of the codebook."""

    id: str = key("code id, unique in the codebook", pattern=ID_PATTERN)
    label: str = key("the heading as the report prints it (or a short name of our own)", text="strip")
    description: str = key("one sentence in our words: what an excerpt must say to get this code", text="strip")
    construct: str = key("a construct id of study.yml instrument.constructs", "", text="strip")
    subconstruct: str = key("a sub-construct of that construct (NPT sub-constructs)", "", text="strip")
    items: tuple[str, ...] = key("survey item ids that ask about the same thing", ())
    report_count: ReportCount | None = key("how many participants the report says raised it", None)
    case: Case | None = key("a participant case (participant, issue, progress)", None)
    children: tuple[CodeSpec, ...] = key("sub-codes, same keys", ())


@dataclass(frozen=True, kw_only=True)
class CodebookFile:
    """``codebook.yml``: themes and codes of the qualitative analysis."""

    themes: tuple[CodeSpec, ...] = key(
        "top-level codes (themes), in report order", nonempty="a list of at least one theme"
    )
    sections: dict[str, str] = key(
        "report heading (raw/excerpts.csv section) → code id: every excerpt printed under a heading gets its code",
        nonempty="a mapping of report headings to code ids",
    )
    lead_ins: dict[str, str] = key("excerpt id → code id for the point made in the sentence introducing it", {})


def load_codebook(study: Study) -> Codebook:
    """Load and check the study's ``codebook.yml`` (``inputs.codebook``)."""
    path = study.path("codebook")
    raw = load_yaml(path)
    note_input(path)
    return parse_codebook(raw, path, study)


def parse_codebook(raw: Any, file: Path, study: Study) -> Codebook:
    """Check a parsed codebook (:class:`CodebookFile`) against the study's instrument; return a :class:`Codebook`."""
    where = Where(Path(file))
    spec: CodebookFile = read(CodebookFile, raw, where)
    codes: dict[str, Code] = {}
    for i, theme in enumerate(spec.themes):
        _flatten(theme, where.child("themes").index(i), "", "", 0, codes)
    for code in codes.values():
        _code_fits_study(code, study, where)
    _codes_exist(spec.sections, codes, where.child("sections"))
    _codes_exist(spec.lead_ins, codes, where.child("lead_ins"))
    _study_themes_coded(study, codes, where)
    return Codebook(Path(file), codes, dict(spec.sections), dict(spec.lead_ins))


def _flatten(spec: CodeSpec, at: Where, parent: str, theme: str, depth: int, codes: dict[str, Code]) -> None:
    """Add a code and its children (depth first, file order) to ``codes``; each id once."""
    if spec.id in codes:
        raise at.child("id").fail("a code id used once in the codebook", spec.id)
    rc = spec.report_count
    codes[spec.id] = Code(
        spec.id,
        spec.label,
        spec.description,
        parent,
        theme or spec.id,
        depth,
        spec.construct,
        spec.subconstruct,
        spec.items,
        rc.figures if rc else (),
        rc.printed if rc else "",
        None if spec.case is None else dataclasses.asdict(spec.case),
        at.key,
    )
    for i, child in enumerate(spec.children):
        _flatten(child, at.child("children").index(i), spec.id, theme or spec.id, depth + 1, codes)


def _code_fits_study(code: Code, study: Study, where: Where) -> None:
    """A code's construct, sub-construct and items must be the study's."""
    at = Where(where.file, code.key)
    if code.construct and code.construct not in study.constructs:
        known = ", ".join(study.constructs) or "none (study.yml defines no constructs)"
        raise at.child("construct").fail(f"a construct of study.yml ({known})", code.construct)
    if code.subconstruct:
        _subconstruct_fits(code, study, at.child("subconstruct"))
    item_ids = {it.id for it in study.items}
    for i, item in enumerate(code.items):
        if item not in item_ids:
            raise at.child("items").index(i).fail("an item id of study.yml", item)


def _subconstruct_fits(code: Code, study: Study, at: Where) -> None:
    """A sub-construct needs its construct, and must be an NPT sub-construct of it or one its items use."""
    if not code.construct:
        raise at.fail("a construct beside the sub-construct", code.subconstruct)
    used = {it.subconstruct for it in study.items if it.construct == code.construct} - {""}
    allowed = set(NPT_SUBCONSTRUCTS.get(code.construct, ())) | used
    if code.subconstruct not in allowed:
        raise at.fail(f"a sub-construct of {code.construct} (" + ", ".join(sorted(allowed)) + ")", code.subconstruct)


def _codes_exist(mapping: dict[str, str], codes: dict[str, Code], at: Where) -> None:
    for name, cid in mapping.items():
        if cid not in codes:
            raise at.child(name).fail("a code id of this codebook", cid)


def _study_themes_coded(study: Study, codes: dict[str, Code], where: Where) -> None:
    for theme in study.themes:
        if theme.get("id") not in codes:
            raise where.child("themes").fail(f"a code for every theme study.yml names (missing {theme.get('id')!r})")


def theme_anchor(code_id: str) -> str:
    """HTML id of a code's section in the qualitative appendix (``04_qualitative.html#theme-<id>``)."""
    return f"theme-{code_id}"
