"""A study's configuration: ``data/<study>/study.yml`` loaded, checked and typed.

The schema is documented in ``data/README.md``.  :func:`load_study` reads the
file, rejects unknown keys, items that reference unknown scales, duplicate
ids and missing input files, and returns a :class:`Study` whose methods every
other module uses to find items, scales, constructs and input paths.  A
problem raises :class:`tieval.errors.ConfigError` naming the file and the
dotted key, e.g. ``data/x/study.yml, key instrument.items[4].scale: expected
one of the scales agreement, zero_ten; found 'agree'``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from tieval.errors import ConfigError
from tieval.paths import project_root, study_dir

__all__ = [
    "Level",
    "Bin",
    "Scale",
    "Item",
    "Demographic",
    "FreeText",
    "Construct",
    "SurveySpec",
    "ColumnRef",
    "Study",
    "load_study",
    "load_yaml",
    "normalise_label",
    "check_top_keys",
]

SCALE_TYPES = ("ordinal", "numeric", "binary", "categorical", "text")
SURVEY_FORMATS = ("qualtrics", "form", "auto", "surveymonkey", "microsoft-forms", "google-forms", "spss")
ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


def normalise_label(text: Any) -> str:
    """Case- and space-insensitive form of an answer label used for matching."""
    return " ".join(str(text).replace("\u00a0", " ").split()).casefold()


def load_yaml(path: Path) -> Any:
    """Parse a YAML file, turning a syntax error into a one-line :class:`ConfigError`."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(path, "an existing file") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(path, f"UTF-8 text (undecodable byte at offset {exc.start})") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        row = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ConfigError(path, f"valid YAML ({problem})", row=row) from None


class _Reader:
    """Walks a parsed YAML mapping, checking keys and types with dotted key paths."""

    def __init__(self, file: Path):
        self.file = file

    def fail(self, key: str, expected: str, found: Any = None) -> ConfigError:
        return ConfigError(self.file, expected, column=key, found=found)

    def mapping(self, value: Any, key: str, allowed: set[str], required: set[str] = frozenset()) -> dict:
        if value is None:
            value = {}
        if not isinstance(value, dict):
            raise self.fail(key or "(top level)", "a mapping of keys to values", type(value).__name__)
        for name in value:
            if name not in allowed:
                raise self.fail(_join(key, str(name)), "one of the keys " + ", ".join(sorted(allowed)), name)
        for name in sorted(required):
            if name not in value or value[name] is None:
                raise self.fail(_join(key, name), "a value (this key is required)")
        return value

    def list(self, value: Any, key: str) -> list:
        if value is None:
            return []
        if not isinstance(value, list):
            raise self.fail(key, "a list", type(value).__name__)
        return value

    def string(self, value: Any, key: str, *, required: bool = False) -> str:
        if value is None:
            if required:
                raise self.fail(key, "a value (this key is required)")
            return ""
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            raise self.fail(key, "text", value)
        return str(value)

    def ident(self, value: Any, key: str) -> str:
        text = self.string(value, key, required=True)
        if not ID_PATTERN.match(text):
            raise self.fail(key, "an id of letters, digits, '_', '-' or '.'", text)
        return text

    def number(self, value: Any, key: str, *, required: bool = False) -> float | None:
        if value is None:
            if required:
                raise self.fail(key, "a number (this key is required)")
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.fail(key, "a number", value)
        return value

    def boolean(self, value: Any, key: str, default: bool = False) -> bool:
        if value is None:
            return default
        if not isinstance(value, bool):
            raise self.fail(key, "true or false", value)
        return value


def check_top_keys(raw: Any, file: Path, allowed: set[str], shape: str) -> dict:
    """Check that a parsed analysis file (codebook, triangulation, ...) is a mapping whose keys are
    all in ``allowed``; ``shape`` says what the mapping should hold (e.g. "the key findings")."""
    if not isinstance(raw, dict):
        raise ConfigError(file, f"a mapping with {shape}", column="(top level)", found=type(raw).__name__)
    for name in raw:
        if name not in allowed:
            raise ConfigError(file, "one of the keys " + ", ".join(sorted(allowed)), column=str(name), found=name)
    return raw


def _join(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


@dataclass(frozen=True)
class Level:
    """One answer option of an ordinal, binary or categorical scale."""

    code: int | float
    label: str
    category: str
    recode: int | float | None = None  # numeric value in a 'numeric recode' export, defaults to code


@dataclass(frozen=True)
class Bin:
    """A collapsed band of a numeric scale (e.g. 0-5 of a 0-10 item)."""

    label: str
    min: float
    max: float


@dataclass(frozen=True)
class Scale:
    """A response scale: its answer options (or numeric range), collapsed categories
    and the answers that are not on it ("not relevant")."""

    id: str
    type: str
    levels: tuple[Level, ...] = ()
    not_relevant: tuple[str, ...] = ()
    not_relevant_recodes: tuple[int | float | None, ...] = ()
    aliases: dict[str, int | float] = field(default_factory=dict)
    min: float | None = None
    max: float | None = None
    anchors: dict[int, str] = field(default_factory=dict)
    bins: tuple[Bin, ...] = ()

    @property
    def labels(self) -> list[str]:
        """Answer labels in code order."""
        return [lv.label for lv in self.levels]

    @property
    def categories(self) -> list[str]:
        """Collapsed categories in scale order (each once), then ``not_relevant`` if the scale has one."""
        if self.type == "numeric":
            cats = [b.label for b in self.bins]
        else:
            cats = list(dict.fromkeys(lv.category for lv in self.levels))
        return cats + (["not_relevant"] if self.not_relevant else [])

    def label_lookup(self) -> dict[str, tuple[int | float | None, str, str]]:
        """Map normalised answer text -> (code, canonical label, category).

        Not-relevant answers map to code ``None`` and category ``not_relevant``."""
        table: dict[str, tuple[int | float | None, str, str]] = {}
        for lv in self.levels:
            table[normalise_label(lv.label)] = (lv.code, lv.label, lv.category)
        by_code = {lv.code: lv for lv in self.levels}
        for alias, code in self.aliases.items():
            lv = by_code[code]
            table[normalise_label(alias)] = (lv.code, lv.label, lv.category)
        for label in self.not_relevant:
            table[normalise_label(label)] = (None, label, "not_relevant")
        return table

    def recode_lookup(self) -> dict[float, tuple[int | float | None, str, str]]:
        """Map a numeric recode -> (code, label, category), for exports with numeric values."""
        table: dict[float, tuple[int | float | None, str, str]] = {}
        for lv in self.levels:
            table[float(lv.code if lv.recode is None else lv.recode)] = (lv.code, lv.label, lv.category)
        for label, recode in zip(self.not_relevant, self.not_relevant_recodes):
            if recode is not None:
                table[float(recode)] = (None, label, "not_relevant")
        return table

    def bin_of(self, value: float) -> str | None:
        """Label of the numeric bin holding ``value`` (``None`` if it falls in none)."""
        for b in self.bins:
            if b.min <= value <= b.max:
                return b.label
        return None

    def describe(self) -> str:
        """Short human description of what the scale accepts."""
        if self.type == "numeric":
            return f"a number from {_fmt(self.min)} to {_fmt(self.max)}"
        options = self.labels + list(self.not_relevant)
        return "one of " + ", ".join(repr(o) for o in options)


def _fmt(x: float | None) -> str:
    if x is None:
        return "?"
    return str(int(x)) if float(x).is_integer() else str(x)


@dataclass(frozen=True)
class ColumnRef:
    """An export column named by its question text or its position (1 = column A) instead of its id
    (``column: {text: "..."}`` or ``column: {position: 12}`` in study.yml)."""

    text: str = ""
    position: int | None = None

    def __str__(self) -> str:
        return f"position {self.position}" if self.position else f"text {self.text!r}"


@dataclass(frozen=True)
class Item:
    """A rated questionnaire item."""

    id: str
    text: str
    scale: str
    column: str | ColumnRef
    construct: str = ""
    subconstruct: str = ""
    reverse: bool = False
    group: str = ""
    wording_source: str = "printed"
    published_as: str = ""


@dataclass(frozen=True)
class Demographic:
    """A respondent attribute (sector, length in role, ...)."""

    id: str
    text: str
    column: str | ColumnRef
    scale: str


@dataclass(frozen=True)
class FreeText:
    """An open question; ``published_sections`` names the report sections quoting its answers."""

    id: str
    text: str
    column: str | ColumnRef
    published_sections: tuple[str, ...] = ()
    published_words: tuple[str, ...] = ()
    most_frequent: str = ""


@dataclass(frozen=True)
class Construct:
    """A construct (NoMAD / NPT or study-specific) that items are grouped under."""

    id: str
    label: str
    description: str = ""
    reference_alpha: float | None = None


@dataclass(frozen=True)
class SurveySpec:
    """Where the survey export is and how to read it."""

    format: str
    file: str
    id_column: str
    identifying_columns: tuple[str, ...] = ()
    redact_names: tuple[str, ...] = ()
    sheet: str | None = None


@dataclass
class Study:
    """A study as configured in ``study.yml``: metadata, instrument, inputs."""

    id: str
    root: Path
    config_file: Path
    reconstructed: bool
    report: dict
    design: dict
    scales: dict[str, Scale]
    items: list[Item]
    demographics: list[Demographic]
    free_text: list[FreeText]
    constructs: dict[str, Construct]
    survey: SurveySpec | None
    inputs: dict[str, str]
    reconstruction: dict

    # -- lookups ---------------------------------------------------------------
    def item(self, item_id: str) -> Item:
        """The item with this id (``KeyError`` naming the id if absent)."""
        for it in self.items:
            if it.id == item_id:
                return it
        raise KeyError(f"{self.id}: no item {item_id!r}")

    def scale_of(self, item: Item | Demographic | str) -> Scale:
        """The scale an item (or item id) is answered on."""
        if isinstance(item, str):
            item = self.item(item)
        return self.scales[item.scale]

    def items_by_construct(self) -> dict[str, list[Item]]:
        """Items grouped by construct id, in instrument order (items without a construct omitted)."""
        grouped: dict[str, list[Item]] = {}
        for it in self.items:
            if it.construct:
                grouped.setdefault(it.construct, []).append(it)
        return grouped

    def path(self, name: str) -> Path:
        """Path of an input named in ``inputs`` (or ``survey`` for the survey export)."""
        if name == "survey":
            if self.survey is None:
                raise KeyError(f"{self.id}: no survey configured")
            return self.root / self.survey.file
        return self.root / self.inputs[name]

    def has_input(self, name: str) -> bool:
        """Whether the study configures this input and the file exists."""
        try:
            return self.path(name).exists()
        except KeyError:
            return False

    @property
    def flow(self) -> list[dict]:
        """Participant-flow stages from ``design.flow``."""
        return list(self.design.get("flow", []))

    @property
    def themes(self) -> list[dict]:
        """Themes as the report names them (``design.qualitative.themes``)."""
        return list(self.design.get("qualitative", {}).get("themes", []))

    @property
    def title(self) -> str:
        return self.report.get("title", self.id)

    @property
    def reconstruction_notice(self) -> str:
        """The sentence every output built on reconstructed data must show ('' for real data)."""
        if not self.reconstructed:
            return ""
        return (
            "RECONSTRUCTED DATA: the respondent-level survey data used here were generated "
            "from the report's published aggregates by tieval.reconstruct; they are not the "
            "study's responses. Statistics that depend on how answers combine within a "
            "respondent (correlations, alphas, construct scores) are properties of the "
            "reconstruction, not findings of the study."
        )


_TOP_KEYS = {"id", "reconstructed", "report", "design", "instrument", "survey", "inputs", "reconstruction"}
_REPORT_KEYS = {"title", "organisation", "year", "authors", "citation", "source", "url", "commissioner"}
_DESIGN_KEYS = {"summary", "flow", "qualitative", "groups"}
_FLOW_KEYS = {
    "id",
    "label",
    "n",
    "approximate",
    "note",
    "parent",
    "stage",
}  # stage: cleaned stage it counts (clean.compare_flow)
_QUAL_KEYS = {"method", "sessions", "themes", "participants", "note"}
_SESSION_KEYS = {"id", "kind", "timepoint", "n", "count", "note"}
_THEME_KEYS = {"id", "label", "description"}
_INSTRUMENT_KEYS = {"scales", "items", "demographics", "free_text", "constructs"}
_SCALE_KEYS = {"type", "levels", "not_relevant", "aliases", "min", "max", "anchors", "bins", "label"}
_LEVEL_KEYS = {"code", "label", "category", "recode"}
_ITEM_KEYS = {
    "id",
    "text",
    "scale",
    "column",
    "construct",
    "subconstruct",
    "reverse",
    "group",
    "wording_source",
    "published_as",
}
_DEMO_KEYS = {"id", "text", "column", "scale"}
_FREE_KEYS = {"id", "text", "column", "published_sections", "published_words", "most_frequent"}
_CONSTRUCT_KEYS = {"label", "description", "reference_alpha"}
_SURVEY_KEYS = {"format", "file", "id_column", "identifying_columns", "redact_names", "sheet"}
_INPUT_KEYS = {
    "excerpts",
    "codings",
    "codebook",
    "triangulation",
    "recommendations",
    "published",
    "codings_second_coder",
    "participants",
}
_OPTIONAL_INPUTS = {"recommendations", "codings_second_coder", "participants", "triangulation", "codings", "codebook"}


def load_study(study: str | Path, root: Path | None = None, *, check_files: bool = True) -> Study:
    """Load and check ``data/<study>/study.yml``.

    ``study`` is a study id (looked up under ``data/``) or a path to a study
    folder or its ``study.yml``.  With ``check_files`` the survey export and
    every required input must exist.
    """
    folder = _study_folder(study, root)
    file = folder / "study.yml"
    if not file.is_file():
        raise ConfigError(file, f"a study.yml in {folder} (is '{study}' a study id?)")
    raw = load_yaml(file)
    r = _Reader(file)
    top = r.mapping(raw, "", _TOP_KEYS, {"id", "report", "instrument"})
    sid = r.ident(top["id"], "id")
    if sid != folder.name:
        raise r.fail("id", f"the study folder's name {folder.name!r}", sid)

    report = r.mapping(top.get("report"), "report", _REPORT_KEYS, {"title"})
    design = _read_design(r, top.get("design"))
    instrument = r.mapping(top.get("instrument"), "instrument", _INSTRUMENT_KEYS, {"scales"})
    scales = _read_scales(r, instrument.get("scales"))
    constructs = _read_constructs(r, instrument.get("constructs"))
    items = _read_items(r, instrument.get("items"), scales, constructs)
    demographics = _read_demographics(r, instrument.get("demographics"), scales)
    free_text = _read_free_text(r, instrument.get("free_text"))
    _check_unique_columns(r, items, demographics, free_text)
    survey = _read_survey(r, top.get("survey"))
    inputs = _read_inputs(r, top.get("inputs"))
    reconstruction = top.get("reconstruction") or {}
    if not isinstance(reconstruction, dict):
        raise r.fail("reconstruction", "a mapping of generator parameters", reconstruction)

    result = Study(
        id=sid,
        root=folder,
        config_file=file,
        reconstructed=r.boolean(top.get("reconstructed"), "reconstructed"),
        report=report,
        design=design,
        scales=scales,
        items=items,
        demographics=demographics,
        free_text=free_text,
        constructs=constructs,
        survey=survey,
        inputs=inputs,
        reconstruction=reconstruction,
    )
    if check_files:
        _check_files(r, result)
    return result


def _study_folder(study: str | Path, root: Path | None) -> Path:
    p = Path(study)
    if p.name == "study.yml":
        return p.parent
    if p.is_dir() and (p / "study.yml").exists() and (len(p.parts) > 1 or not (study_dir(str(study), root)).is_dir()):
        return p
    return study_dir(str(study), root or project_root())


def _read_design(r: _Reader, value: Any) -> dict:
    design = r.mapping(value, "design", _DESIGN_KEYS)
    flow = r.list(design.get("flow"), "design.flow")
    for i, stage in enumerate(flow):
        key = f"design.flow[{i}]"
        r.mapping(stage, key, _FLOW_KEYS, {"id", "label", "n"})
        r.number(stage["n"], key + ".n", required=True)
        r.boolean(stage.get("approximate"), key + ".approximate")
    qual = r.mapping(design.get("qualitative"), "design.qualitative", _QUAL_KEYS)
    for i, session in enumerate(r.list(qual.get("sessions"), "design.qualitative.sessions")):
        key = f"design.qualitative.sessions[{i}]"
        r.mapping(session, key, _SESSION_KEYS, {"id", "kind", "n"})
        r.number(session["n"], key + ".n", required=True)
    seen: set[str] = set()
    for i, theme in enumerate(r.list(qual.get("themes"), "design.qualitative.themes")):
        key = f"design.qualitative.themes[{i}]"
        r.mapping(theme, key, _THEME_KEYS, {"id", "label"})
        tid = r.ident(theme["id"], key + ".id")
        if tid in seen:
            raise r.fail(key + ".id", "a theme id used once", tid)
        seen.add(tid)
    return design


def _read_scales(r: _Reader, value: Any) -> dict[str, Scale]:
    raw = r.mapping(value, "instrument.scales", set(value or {}))
    if not raw:
        raise r.fail("instrument.scales", "at least one scale")
    scales: dict[str, Scale] = {}
    for sid, spec in raw.items():
        key = f"instrument.scales.{sid}"
        r.ident(sid, key)
        spec = r.mapping(spec, key, _SCALE_KEYS, {"type"})
        stype = spec["type"]
        if stype not in SCALE_TYPES:
            raise r.fail(key + ".type", "one of " + ", ".join(SCALE_TYPES), stype)
        levels: list[Level] = []
        for i, lv in enumerate(r.list(spec.get("levels"), key + ".levels")):
            lkey = f"{key}.levels[{i}]"
            lv = r.mapping(lv, lkey, _LEVEL_KEYS, {"code", "label"})
            code = r.number(lv["code"], lkey + ".code", required=True)
            label = r.string(lv["label"], lkey + ".label", required=True)
            category = r.string(lv.get("category"), lkey + ".category") or label
            levels.append(Level(code, label, category, r.number(lv.get("recode"), lkey + ".recode")))
        if stype in ("ordinal", "binary", "categorical") and not levels:
            raise r.fail(key + ".levels", f"answer levels for a {stype} scale")
        codes = [lv.code for lv in levels]
        if len(set(codes)) != len(codes):
            raise r.fail(key + ".levels", "distinct codes", codes)
        labels = [normalise_label(lv.label) for lv in levels]
        if len(set(labels)) != len(labels):
            raise r.fail(key + ".levels", "distinct labels")
        not_relevant: list[str] = []
        nr_recodes: list[int | float | None] = []
        for i, nr in enumerate(r.list(spec.get("not_relevant"), key + ".not_relevant")):
            nkey = f"{key}.not_relevant[{i}]"
            if isinstance(nr, dict):
                nr = r.mapping(nr, nkey, {"label", "recode"}, {"label"})
                not_relevant.append(r.string(nr["label"], nkey + ".label", required=True))
                nr_recodes.append(r.number(nr.get("recode"), nkey + ".recode"))
            else:
                not_relevant.append(r.string(nr, nkey, required=True))
                nr_recodes.append(None)
        aliases = {}
        for alias, code in (r.mapping(spec.get("aliases"), key + ".aliases", set(spec.get("aliases") or {}))).items():
            if code not in codes:
                raise r.fail(f"{key}.aliases.{alias}", "a code of one of the scale's levels", code)
            aliases[str(alias)] = code
        bins = []
        for i, b in enumerate(r.list(spec.get("bins"), key + ".bins")):
            bkey = f"{key}.bins[{i}]"
            b = r.mapping(b, bkey, {"label", "min", "max"}, {"label", "min", "max"})
            bins.append(
                Bin(
                    r.string(b["label"], bkey + ".label", required=True),
                    r.number(b["min"], bkey + ".min", required=True),
                    r.number(b["max"], bkey + ".max", required=True),
                )
            )
        lo = r.number(spec.get("min"), key + ".min", required=stype == "numeric")
        hi = r.number(spec.get("max"), key + ".max", required=stype == "numeric")
        if lo is not None and hi is not None and lo >= hi:
            raise r.fail(key + ".max", f"a maximum above the minimum {lo}", hi)
        anchors = {}
        for k, v in (spec.get("anchors") or {}).items():
            anchors[int(r.number(k, f"{key}.anchors", required=True))] = r.string(v, f"{key}.anchors.{k}")
        scales[sid] = Scale(
            sid, stype, tuple(levels), tuple(not_relevant), tuple(nr_recodes), aliases, lo, hi, anchors, tuple(bins)
        )
    return scales


def _read_constructs(r: _Reader, value: Any) -> dict[str, Construct]:
    raw = r.mapping(value, "instrument.constructs", set(value or {}))
    out = {}
    for cid, spec in raw.items():
        key = f"instrument.constructs.{cid}"
        r.ident(cid, key)
        spec = r.mapping(spec, key, _CONSTRUCT_KEYS)
        alpha = r.number(spec.get("reference_alpha"), key + ".reference_alpha")
        out[cid] = Construct(
            cid,
            r.string(spec.get("label"), key + ".label") or cid,
            r.string(spec.get("description"), key + ".description"),
            alpha,
        )
    return out


def _read_items(r: _Reader, value: Any, scales: dict[str, Scale], constructs: dict[str, Construct]) -> list[Item]:
    items: list[Item] = []
    seen: set[str] = set()
    for i, spec in enumerate(r.list(value, "instrument.items")):
        key = f"instrument.items[{i}]"
        spec = r.mapping(spec, key, _ITEM_KEYS, {"id", "text", "scale"})
        iid = r.ident(spec["id"], key + ".id")
        if iid in seen:
            raise r.fail(key + ".id", "an item id used once", iid)
        seen.add(iid)
        scale = r.string(spec["scale"], key + ".scale", required=True)
        if scale not in scales:
            raise r.fail(key + ".scale", "one of the scales " + ", ".join(scales), scale)
        construct = r.string(spec.get("construct"), key + ".construct")
        if construct and constructs and construct not in constructs:
            raise r.fail(key + ".construct", "one of the constructs " + ", ".join(constructs), construct)
        wording = r.string(spec.get("wording_source"), key + ".wording_source") or "printed"
        if wording not in ("printed", "reconstructed"):
            raise r.fail(key + ".wording_source", "'printed' or 'reconstructed'", wording)
        items.append(
            Item(
                id=iid,
                text=r.string(spec["text"], key + ".text", required=True),
                scale=scale,
                column=_read_column(r, spec.get("column"), key + ".column") or iid,
                construct=construct,
                subconstruct=r.string(spec.get("subconstruct"), key + ".subconstruct"),
                reverse=r.boolean(spec.get("reverse"), key + ".reverse"),
                group=r.string(spec.get("group"), key + ".group"),
                wording_source=wording,
                published_as=r.string(spec.get("published_as"), key + ".published_as"),
            )
        )
        if items[-1].reverse and scales[scale].type != "ordinal":
            raise r.fail(key + ".reverse", "reverse scoring only on an ordinal scale", scale)
    return items


def _read_demographics(r: _Reader, value: Any, scales: dict[str, Scale]) -> list[Demographic]:
    out = []
    for i, spec in enumerate(r.list(value, "instrument.demographics")):
        key = f"instrument.demographics[{i}]"
        spec = r.mapping(spec, key, _DEMO_KEYS, {"id", "text", "scale"})
        scale = r.string(spec["scale"], key + ".scale", required=True)
        if scale not in scales:
            raise r.fail(key + ".scale", "one of the scales " + ", ".join(scales), scale)
        did = r.ident(spec["id"], key + ".id")
        out.append(
            Demographic(
                did,
                r.string(spec["text"], key + ".text", required=True),
                _read_column(r, spec.get("column"), key + ".column") or did,
                scale,
            )
        )
    return out


def _read_free_text(r: _Reader, value: Any) -> list[FreeText]:
    out = []
    for i, spec in enumerate(r.list(value, "instrument.free_text")):
        key = f"instrument.free_text[{i}]"
        spec = r.mapping(spec, key, _FREE_KEYS, {"id", "text"})
        fid = r.ident(spec["id"], key + ".id")
        out.append(
            FreeText(
                fid,
                r.string(spec["text"], key + ".text", required=True),
                _read_column(r, spec.get("column"), key + ".column") or fid,
                tuple(
                    r.string(s, key + ".published_sections")
                    for s in r.list(spec.get("published_sections"), key + ".published_sections")
                ),
                tuple(
                    r.string(s, key + ".published_words")
                    for s in r.list(spec.get("published_words"), key + ".published_words")
                ),
                r.string(spec.get("most_frequent"), key + ".most_frequent"),
            )
        )
    return out


def _read_column(r: _Reader, value: Any, key: str) -> str | ColumnRef:
    """An item's ``column``: the column id, or ``{text: ...}`` / ``{position: N}`` (1 = column A)."""
    if not isinstance(value, dict):
        return r.string(value, key)
    spec = r.mapping(value, key, {"text", "position"})
    if len(spec) != 1:
        raise r.fail(key, "a column id, {text: question text} or {position: N} (one of them)", value)
    if "text" in spec:
        return ColumnRef(text=r.string(spec["text"], key + ".text", required=True))
    position = r.number(spec["position"], key + ".position", required=True)
    if not float(position).is_integer() or position < 1:
        raise r.fail(key + ".position", "a whole number from 1 (column A)", spec["position"])
    return ColumnRef(position=int(position))


def _check_unique_columns(r: _Reader, items, demographics, free_text) -> None:
    seen: dict[str, str] = {}
    for kind, entries in (("items", items), ("demographics", demographics), ("free_text", free_text)):
        for i, entry in enumerate(entries):
            if entry.column in seen:
                raise r.fail(
                    f"instrument.{kind}[{i}].column", f"a column not already used by {seen[entry.column]}", entry.column
                )
            seen[entry.column] = entry.id
        ids = [e.id for e in entries]
        for i, eid in enumerate(ids):
            if eid in ids[:i]:
                raise r.fail(f"instrument.{kind}[{i}].id", "an id used once", eid)


def _read_survey(r: _Reader, value: Any) -> SurveySpec | None:
    if value is None:
        return None
    spec = r.mapping(value, "survey", _SURVEY_KEYS, {"format", "file", "id_column"})
    fmt = r.string(spec["format"], "survey.format", required=True)
    if fmt not in SURVEY_FORMATS:
        raise r.fail("survey.format", "one of " + ", ".join(SURVEY_FORMATS), fmt)
    return SurveySpec(
        format=fmt,
        file=r.string(spec["file"], "survey.file", required=True),
        id_column=r.string(spec["id_column"], "survey.id_column", required=True),
        identifying_columns=tuple(
            r.string(c, "survey.identifying_columns")
            for c in r.list(spec.get("identifying_columns"), "survey.identifying_columns")
        ),
        redact_names=tuple(
            r.string(c, "survey.redact_names") for c in r.list(spec.get("redact_names"), "survey.redact_names")
        ),
        sheet=r.string(spec.get("sheet"), "survey.sheet") or None,
    )


def _read_inputs(r: _Reader, value: Any) -> dict[str, str]:
    spec = r.mapping(value, "inputs", _INPUT_KEYS)
    return {k: r.string(v, f"inputs.{k}", required=True) for k, v in spec.items()}


def _check_files(r: _Reader, study: Study) -> None:
    if study.survey is not None and not study.path("survey").is_file():
        raise r.fail("survey.file", f"an existing file ({study.path('survey')})", study.survey.file)
    for name, rel in study.inputs.items():
        if name in _OPTIONAL_INPUTS and not (study.root / rel).exists():
            continue
        if not (study.root / rel).exists():
            raise r.fail(f"inputs.{name}", f"an existing file ({study.root / rel})", rel)
