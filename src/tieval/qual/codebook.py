"""The codebook: themes and codes of a study's qualitative analysis, read from ``analysis/codebook.yml``.

The format is documented in ``data/README.md``.  A problem in the codebook raises
:class:`~tieval.errors.ConfigError` naming the file and the dotted key
(``themes[2].children[0].construct``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from tieval.config import ID_PATTERN, Study, check_top_keys, load_yaml
from tieval.errors import ConfigError
from tieval.schema import CODEBOOK
from tieval.store import note_input

__all__ = [
    "NPT_SUBCONSTRUCTS",
    "Code",
    "Codebook",
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


_CODE_KEYS = {"id", "label", "description", "construct", "subconstruct", "items", "children", "report_count", "case"}


_TOP_KEYS = {"themes", "sections", "lead_ins"}


_CASE_KEYS = {"participant", "issue", "progress"}


_COUNT_KEYS = {"figures", "printed"}


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


def load_codebook(study: Study) -> Codebook:
    """Load and check the study's ``codebook.yml`` (``inputs.codebook``)."""
    path = study.path("codebook")
    raw = load_yaml(path)
    note_input(path)
    return parse_codebook(raw, path, study)


def parse_codebook(raw: Any, file: Path, study: Study) -> Codebook:
    """Check a parsed codebook against the study's instrument; return a :class:`Codebook`."""

    def fail(key: str, expected: str, found: Any = None) -> ConfigError:
        return ConfigError(file, expected, column=key, found=found)

    check_top_keys(raw, file, _TOP_KEYS, "the keys themes and sections")
    themes = raw.get("themes")
    if not isinstance(themes, list) or not themes:
        raise fail("themes", "a list of at least one theme", themes)

    item_ids = {it.id for it in study.items}
    item_subconstructs: dict[str, set[str]] = {}
    for it in study.items:
        if it.construct:
            item_subconstructs.setdefault(it.construct, set()).add(it.subconstruct)
    codes: dict[str, Code] = {}

    def text(value: Any, key: str, required: bool = True) -> str:
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                raise fail(key, "a value (this key is required)")
            return ""
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            raise fail(key, "text", value)
        return str(value).strip()

    def read(spec: Any, key: str, parent: str, theme: str, depth: int) -> None:
        if not isinstance(spec, dict):
            raise fail(key, "a mapping with id, label and description", type(spec).__name__)
        for name in spec:
            if name not in _CODE_KEYS:
                raise fail(f"{key}.{name}", "one of the keys " + ", ".join(sorted(_CODE_KEYS)), name)
        cid = text(spec.get("id"), key + ".id")
        if not ID_PATTERN.match(cid):
            raise fail(key + ".id", "an id of letters, digits, '_', '-' or '.'", cid)
        if cid in codes:
            raise fail(key + ".id", "a code id used once in the codebook", cid)
        label = text(spec.get("label"), key + ".label")
        description = text(spec.get("description"), key + ".description")
        construct = text(spec.get("construct"), key + ".construct", required=False)
        subconstruct = text(spec.get("subconstruct"), key + ".subconstruct", required=False)
        if construct and construct not in study.constructs:
            known = ", ".join(study.constructs) or "none (study.yml defines no constructs)"
            raise fail(key + ".construct", f"a construct of study.yml ({known})", construct)
        if subconstruct:
            if not construct:
                raise fail(key + ".subconstruct", "a construct beside the sub-construct", subconstruct)
            allowed = set(NPT_SUBCONSTRUCTS.get(construct, ())) | (item_subconstructs.get(construct, set()) - {""})
            if subconstruct not in allowed:
                raise fail(
                    key + ".subconstruct",
                    f"a sub-construct of {construct} (" + ", ".join(sorted(allowed)) + ")",
                    subconstruct,
                )
        items = spec.get("items") or []
        if not isinstance(items, list):
            raise fail(key + ".items", "a list of item ids", items)
        for i, item in enumerate(items):
            if str(item) not in item_ids:
                raise fail(f"{key}.items[{i}]", "an item id of study.yml", item)
        figures: tuple[str, ...] = ()
        printed = ""
        if spec.get("report_count") is not None:
            rc = spec["report_count"]
            if not isinstance(rc, dict) or not set(rc) <= _COUNT_KEYS or not rc:
                raise fail(key + ".report_count", "a mapping with figures and/or printed", rc)
            figs = rc.get("figures") or []
            if not isinstance(figs, list):
                raise fail(key + ".report_count.figures", "a list of figure ids", figs)
            figures = tuple(str(f) for f in figs)
            printed = text(rc.get("printed"), key + ".report_count.printed", required=False)
        case = None
        if spec.get("case") is not None:
            cs = spec["case"]
            if not isinstance(cs, dict):
                raise fail(key + ".case", "a mapping with participant, issue and progress", cs)
            for name in cs:
                if name not in _CASE_KEYS:
                    raise fail(f"{key}.case.{name}", "one of the keys " + ", ".join(sorted(_CASE_KEYS)), name)
            case = {k: text(cs.get(k), f"{key}.case.{k}") for k in ("participant", "issue", "progress")}
        codes[cid] = Code(
            cid,
            label,
            description,
            parent,
            theme or cid,
            depth,
            construct,
            subconstruct,
            tuple(str(i) for i in items),
            figures,
            printed,
            case,
            key,
        )
        children = spec.get("children") or []
        if not isinstance(children, list):
            raise fail(key + ".children", "a list of sub-codes", children)
        for i, child in enumerate(children):
            read(child, f"{key}.children[{i}]", cid, theme or cid, depth + 1)

    for i, spec in enumerate(themes):
        read(spec, f"themes[{i}]", "", "", 0)

    sections = raw.get("sections")
    if not isinstance(sections, dict) or not sections:
        raise fail("sections", "a mapping of report headings to code ids", sections)
    for heading, cid in sections.items():
        if str(cid) not in codes:
            raise fail(f"sections.{heading}", "a code id of this codebook", cid)
    lead_ins = raw.get("lead_ins") or {}
    if not isinstance(lead_ins, dict):
        raise fail("lead_ins", "a mapping of excerpt ids to code ids", lead_ins)
    for eid, cid in lead_ins.items():
        if str(cid) not in codes:
            raise fail(f"lead_ins.{eid}", "a code id of this codebook", cid)
    for theme in study.themes:
        if theme.get("id") not in codes:
            raise fail("themes", f"a code for every theme study.yml names (missing {theme.get('id')!r})")
    return Codebook(
        Path(file), codes, {str(k): str(v) for k, v in sections.items()}, {str(k): str(v) for k, v in lead_ins.items()}
    )


def theme_anchor(code_id: str) -> str:
    """HTML id of a code's section in the qualitative appendix (``04_qualitative.html#theme-<id>``)."""
    return f"theme-{code_id}"
