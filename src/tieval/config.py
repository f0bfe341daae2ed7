"""A study's configuration: ``data/<study>/study.yml`` loaded, checked and typed.

The keys are declared once, as the frozen dataclasses below (the mechanism is
:mod:`tieval.spec`); the key tables of ``data/README.md`` are generated from them.
:func:`load_study` reads the file strictly (no duplicate keys or aliases), checks
every key and type, then the references between parts (an item's scale must
exist, ids are used once, input files exist) with small named functions, and
returns a :class:`Study` whose methods every other module uses to find items,
scales, constructs and input paths.  A problem raises
:class:`tieval.errors.ConfigError` naming the file and the dotted key, e.g.
``data/x/study.yml, key instrument.items[4].scale: expected one of the scales
agreement, zero_ten; found 'agree'``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from tieval.errors import ConfigError
from tieval.paths import inside, project_root, study_dir
from tieval.spec import ID_PATTERN, Where, key, load_yaml, read

__all__ = [
    "Level",
    "Bin",
    "Option",
    "Scale",
    "Item",
    "Demographic",
    "FreeText",
    "TextField",
    "Construct",
    "Subscale",
    "Reference",
    "SurveySpec",
    "ColumnRef",
    "Wave",
    "WaveSurvey",
    "Study",
    "StudyFile",
    "load_study",
    "expand_loops",
    "load_yaml",
    "normalise_label",
    "check_top_keys",
    "ID_PATTERN",
    "SCALE_TYPES",
    "SURVEY_FORMATS",
    "REFERENCE_STATISTICS",
    "ENCODINGS",
]

#: Scale types; ``multi_select`` and ``text`` are declared for the readers of issues 13 and 14.
SCALE_TYPES = ("ordinal", "numeric", "binary", "categorical", "text", "multi_select")
#: Survey export formats :mod:`tieval.survey.ingest` reads; add a reader's name here to allow it.
SURVEY_FORMATS = ("qualtrics", "form", "auto", "surveymonkey", "microsoft-forms", "google-forms", "spss")
#: Statistics an instrument may declare published reference values for.
REFERENCE_STATISTICS = ("alpha", "omega", "mean", "sd", "median", "item_total")
TEXT_FIELD_KINDS = ("participant_code", "other_specify", "note")
#: Text encodings a survey export or a CSV input may declare (``survey.encoding``, ``inputs.encoding``).
#: UTF-8 is the default; any other is read only when declared, never guessed; ``utf-16`` needs its
#: byte-order mark (which also reads a survey export as UTF-16 without a declaration).
ENCODINGS = ("utf-8", "cp1252", "latin-1", "utf-16")


_LOOP_STEP = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")


def normalise_label(text: Any) -> str:
    """Case- and space-insensitive form of an answer label used for matching."""
    return " ".join(str(text).replace("\u00a0", " ").split()).casefold()


def check_top_keys(raw: Any, file: Path, allowed: set[str], shape: str) -> dict:
    """Check that a parsed analysis file is a mapping whose keys are all in ``allowed``; ``shape``
    says what the mapping should hold (kept for callers outside the schema)."""
    if not isinstance(raw, dict):
        raise ConfigError(file, f"a mapping with {shape}", column="(top level)", found=type(raw).__name__)
    for name in raw:
        if name not in allowed:
            raise ConfigError(file, "one of the keys " + ", ".join(sorted(allowed)), column=str(name), found=name)
    return raw


def _fmt(x: float | None) -> str:
    if x is None:
        return "?"
    return str(int(x)) if float(x).is_integer() else str(x)


# --------------------------------------------------------------------------- report and design
@dataclass(frozen=True)
class ReportSpec:
    """``report``: the published report the study re-runs."""

    title: str = key("the report's title, as printed")
    organisation: str = key("who published or commissioned it", "")
    year: str = key("year of publication", "")
    authors: str = key("authors as printed", "")
    citation: str = key("how to cite the report", "")
    source: str = key("the text the figures were read from (file name or address)", "")
    url: str = key("where the report can be found", "")
    commissioner: str = key("who commissioned the evaluation", "")


@dataclass(frozen=True)
class FlowStage:
    """``design.flow[]``: one stage of the participant flow."""

    id: str = key("stage id", pattern=ID_PATTERN)
    label: str = key("the stage as the report words it")
    n: int | float = key("how many people the report gives for the stage")
    approximate: bool = key("the report's number is approximate ('about 3000')", False)
    note: str = key("anything odd about the number", "")
    parent: str = key("stage it branches from (default: the previous stage)", "")
    wave: str = key("the design.waves id the stage belongs to (none: the whole study)", "")
    stage: str = key(
        "the cleaned stage it counts: records, received, responses, complete, partial, "
        "partial_first_<k>, excluded_<reason> (default: matched by id)",
        "",
    )


@dataclass(frozen=True)
class Session:
    """``design.qualitative.sessions[]``: who was interviewed when."""

    id: str = key("session id", pattern=ID_PATTERN)
    kind: str = key("interview, focus group, ...")
    n: int | float = key("participants in these sessions")
    timepoint: str = key("when, as the report says ('1 month')", "")
    count: int | float | None = key("number of sessions, where the report gives it", None)
    note: str = key("our note on the sessions", "")


@dataclass(frozen=True)
class Theme:
    """``design.qualitative.themes[]``: a theme as the report names it."""

    id: str = key("theme id; the codebook must have a code with this id", pattern=ID_PATTERN)
    label: str = key("the theme as the report names it")
    description: str = key("our one-sentence description", "")


@dataclass(frozen=True)
class Qualitative:
    """``design.qualitative``: the qualitative strand."""

    method: str = key("analysis method as the report names it", "")
    sessions: tuple[Session, ...] = key("interview and focus-group sessions", ())
    themes: tuple[Theme, ...] = key("themes, in report order", ())
    participants: str = key("who took part, in words", "")
    note: str = key("anything else about the strand", "")


@dataclass(frozen=True)
class WaveSurvey:
    """``design.waves[].survey``: the export(s) of one wave; unset keys come from ``survey``."""

    file: str = key("the wave's export, relative to the study folder", "")
    files: tuple[str, ...] = key("several exports of the wave (e.g. one per site), read as one", ())
    format: str = key("export format (default: survey.format)", "", choices=lambda: ("",) + SURVEY_FORMATS)
    sheet: str = key("sheet of an XLSX export (default: survey.sheet)", "")
    id_column: str = key("respondent id column (default: survey.id_column)", "")
    link_key: str = key("column pairing respondents across waves (default: survey.link_key)", "")


def _wave_has_export(wave: WaveSurvey, where: Where) -> None:
    if bool(wave.file) == bool(wave.files):
        raise where.fail("either file or files (one export or a list of them)")


WaveSurvey.checks = (_wave_has_export,)


@dataclass(frozen=True)
class Wave:
    """``design.waves[]``: one wave of a repeated or pre/post survey (planned: issue 14)."""

    id: str = key("wave id (e.g. baseline, followup)", pattern=ID_PATTERN)
    label: str = key("the wave as tables name it")
    timing: str = key("when, in words ('before training', '3 months after')", "")
    survey: WaveSurvey | None = key("the wave's export(s)", None)


@dataclass(frozen=True)
class Design:
    """``design``: how the study was run."""

    summary: str = key("one paragraph in our words", "")
    flow: tuple[FlowStage, ...] = key("participant flow, in order (overview figure, exclusions check)", ())
    qualitative: Qualitative = key("the qualitative strand", None)
    groups: tuple[str, ...] = key("names of the groups or sites the study ran in", ())
    waves: tuple[Wave, ...] = key("survey waves, in time order (none: one cross-sectional survey)", ())


# --------------------------------------------------------------------------- instrument
@dataclass(frozen=True)
class Level:
    """One answer option of an ordinal, binary or categorical scale."""

    code: int | float = key("the answer's code (its order on the scale)")
    label: str = key("the answer as the export writes it")
    category: str = key("collapsed category for tables (agree, neutral, ...)", default_from="label")
    recode: int | float | None = key("its value in a numeric-recode export (default: code)", None)


@dataclass(frozen=True)
class NotRelevant:
    """``not_relevant[]`` given as a mapping: an off-scale answer with its numeric recode."""

    label: str = key("the answer as the export writes it")
    recode: int | float | None = key("its value in a numeric-recode export", None)


@dataclass(frozen=True)
class Bin:
    """A collapsed band of a numeric scale (e.g. 0-5 of a 0-10 item)."""

    label: str = key("the band's label in tables")
    min: int | float = key("lowest value in the band")
    max: int | float = key("highest value in the band")


@dataclass(frozen=True)
class Option:
    """One option of a ``multi_select`` scale (read by :mod:`tieval.survey.multiselect`)."""

    label: str = key("the option as the export writes it")
    code: int | float | None = key("its code in a numeric export", None)
    column: str = key("split layout: its column, `{column}` standing for the item's (default `{column}_<n>`)", "")


@dataclass(frozen=True)
class ScaleSpec:
    """``instrument.scales.<id>``: a response scale."""

    id: str = key("scale id", from_key=True, pattern=ID_PATTERN)
    type: str = key("kind of scale", choices=SCALE_TYPES)
    label: str = key("a name for the scale", "")
    levels: tuple[Level, ...] = key("answer options in scale order (ordinal, binary, categorical)", ())
    not_relevant: tuple[NotRelevant | str, ...] = key(
        "answers that are not on the scale ('Not relevant to my role'), kept as their own category; "
        "text or {label, recode}",
        (),
    )
    aliases: dict[str, int | float] = key("other spellings seen in exports → the level's code", {})
    min: int | float | None = key("numeric: lowest value (required for numeric)", None)
    max: int | float | None = key("numeric: highest value (required for numeric)", None)
    anchors: dict[int, str] = key("numeric: printed words at values, e.g. {0: 'Still feels very new'}", {})
    bins: tuple[Bin, ...] = key("numeric: collapsed bands for tables", ())
    options: tuple[Option, ...] = key("multi_select: the options", ())
    layout: str = key(
        "multi_select: one column per option, or one cell joining the chosen", "split", choices=("split", "joined")
    )
    separator: str = key("multi_select, joined layout: what separates the chosen options", ";")
    selected: tuple[str, ...] = key(
        "multi_select, split layout: cell values meaning 'chosen' (default: 1, the option's label)", ()
    )


def _levels_for_type(s: ScaleSpec, where: Where) -> None:
    if s.type in ("ordinal", "binary", "categorical") and not s.levels:
        raise where.child("levels").fail(f"answer levels for a {s.type} scale")
    if s.type == "multi_select" and not s.options:
        raise where.child("options").fail("the options of a multi_select scale")


def _distinct_levels(s: ScaleSpec, where: Where) -> None:
    codes = [lv.code for lv in s.levels]
    if len(set(codes)) != len(codes):
        raise where.child("levels").fail("distinct codes", codes)
    labels = [normalise_label(lv.label) for lv in s.levels]
    if len(set(labels)) != len(labels):
        raise where.child("levels").fail("distinct labels")


def _aliases_name_levels(s: ScaleSpec, where: Where) -> None:
    codes = [lv.code for lv in s.levels]
    for alias, code in s.aliases.items():
        if code not in codes:
            raise where.child("aliases").child(alias).fail("a code of one of the scale's levels", code)


def _numeric_range(s: ScaleSpec, where: Where) -> None:
    for name in ("min", "max"):
        if s.type == "numeric" and getattr(s, name) is None:
            raise where.child(name).fail("a number (this key is required)")
    if s.min is not None and s.max is not None and s.min >= s.max:
        raise where.child("max").fail(f"a maximum above the minimum {s.min}", s.max)


ScaleSpec.checks = (_levels_for_type, _distinct_levels, _aliases_name_levels, _numeric_range)


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
    options: tuple[Option, ...] = ()
    layout: str = "split"
    separator: str = ";"
    selected: tuple[str, ...] = ()

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

    @property
    def reversible(self) -> bool:
        """Whether items on this scale can be reverse-scored: an ordinal scale or a numeric range."""
        return self.type == "ordinal" or (self.type == "numeric" and self.min is not None and self.max is not None)

    def reversed_code(self, code: float) -> float:
        """The code of an answer on a reverse-scored item: ``lowest + highest - code`` on any range
        (5-point 1..5: 6 - code; 0-10: 10 - code; 7-point 1..7: 8 - code)."""
        if self.type == "numeric":
            lo, hi = self.min, self.max
        else:
            codes = [lv.code for lv in self.levels]
            lo, hi = min(codes), max(codes)
        return lo + hi - code

    @classmethod
    def from_spec(cls, s: ScaleSpec) -> Scale:
        """The scale a :class:`ScaleSpec` declares."""
        labels = tuple(nr if isinstance(nr, str) else nr.label for nr in s.not_relevant)
        recodes = tuple(None if isinstance(nr, str) else nr.recode for nr in s.not_relevant)
        return cls(
            s.id, s.type, s.levels, labels, recodes, dict(s.aliases), s.min, s.max, dict(s.anchors), s.bins,
            s.options, s.layout, s.separator, s.selected,
        )  # fmt: skip


@dataclass(frozen=True)
class ColumnRef:
    """An export column named by its question text or its position (1 = column A) instead of its id
    (``column: {text: "..."}`` or ``column: {position: 12}``): for exports whose ids repeat."""

    text: str = key("the column's question text (header row 2 of a Qualtrics export)", "")
    position: int | None = key("the column's position, 1 = column A", None, minimum=1)

    def __str__(self) -> str:
        return f"position {self.position}" if self.position else f"text {self.text!r}"


def _one_way_to_name(ref: ColumnRef, at: Where) -> None:
    if bool(ref.text) == (ref.position is not None):
        raise at.fail("a column id, {text: question text} or {position: N} (one of them)", "a mapping")


ColumnRef.checks = (_one_way_to_name,)


@dataclass(frozen=True)
class Item:
    """A rated questionnaire item."""

    id: str = key("item id", pattern=ID_PATTERN)
    text: str = key("wording as printed")
    scale: str = key("id of the scale it is answered on")
    column: str | ColumnRef = key("column in the export: its id, {text: ...} or {position: N}", default_from="id")
    construct: str = key("construct it belongs to (instrument.constructs)", "")
    subconstruct: str = key("sub-construct (e.g. an NPT sub-construct)", "")
    reverse: bool = key("negatively worded: reversed for scores (lowest + highest - code, on any range)", False)
    group: str = key("display group", "")
    wording_source: str = key("where the wording comes from", "printed", choices=("printed", "reconstructed"))
    published_as: str = key("how the report prints its result, for reference", "")
    loop: tuple[int | str, ...] = key(
        "loop-and-merge: the loop's iterations as the export prefixes its columns (Qualtrics `1_Q5`, `2_Q5`: "
        "[1, 2]); one item `<id>_<n>` per iteration, read from column `<n>_<column>`; a blank iteration is "
        "not a missing answer",
        (),
    )


@dataclass(frozen=True)
class Demographic:
    """A respondent attribute (sector, length in role, ...)."""

    id: str = key("attribute id", pattern=ID_PATTERN)
    text: str = key("the question as printed")
    column: str | ColumnRef = key("column in the export: its id, {text: ...} or {position: N}", default_from="id")
    scale: str = key("id of its scale (categorical or ordinal)")


@dataclass(frozen=True)
class FreeText:
    """An open question; ``published_sections`` names the report sections quoting its answers."""

    id: str = key("question id", pattern=ID_PATTERN)
    text: str = key("the question as printed")
    column: str | ColumnRef = key("column in the export: its id, {text: ...} or {position: N}", default_from="id")
    published_sections: tuple[str, ...] = key("report sections that quote its answers", ())
    published_words: tuple[str, ...] = key("words the report prints from its answers (a word cloud)", ())
    most_frequent: str = key("the word the report prints as most frequent", "")


@dataclass(frozen=True)
class TextField:
    """A text column that is not a scale: a participant code, an 'other, please specify' (planned: issue 14)."""

    id: str = key("field id", pattern=ID_PATTERN)
    text: str = key("the question as printed")
    column: str | ColumnRef = key("column in the export: its id, {text: ...} or {position: N}", default_from="id")
    kind: str = key("what the text is", "note", choices=TEXT_FIELD_KINDS)
    other_of: str = key("other_specify: the item or demographic whose 'other' answer it details", "")


@dataclass(frozen=True)
class Construct:
    """A construct that items are grouped under (from the instrument's theory, or the study's own)."""

    id: str = key("construct id", from_key=True, pattern=ID_PATTERN)
    label: str = key("name in tables", default_from="id")
    description: str = key("what it covers, in our words", "")
    reference_alpha: float | None = key("published Cronbach's alpha (same as an instrument.reference entry)", None)


@dataclass(frozen=True)
class Subscale:
    """``instrument.subscales.<id>``: a named set of items scored together (planned: issue 14)."""

    id: str = key("subscale id", from_key=True, pattern=ID_PATTERN)
    label: str = key("name in tables", default_from="id")
    items: tuple[str, ...] = key(
        "its item ids (reverse-scored ones say reverse: true)", nonempty="at least one item id"
    )
    description: str = key("what it measures, in our words", "")


@dataclass(frozen=True)
class Reference:
    """``instrument.reference[]``: a published reference value of the instrument (e.g. an alpha)."""

    of: str = key("the construct, subscale or item it is about")
    statistic: str = key("which statistic", choices=REFERENCE_STATISTICS)
    value: float = key("the published value")
    source: str = key("where it is published (e.g. Rapley et al. 2018)", "")
    note: str = key("anything to know about it", "")


@dataclass(frozen=True)
class Instrument:
    """``instrument``: the questionnaire."""

    scales: dict[str, ScaleSpec] = key("response scales by id", key_pattern=ID_PATTERN, nonempty="at least one scale")
    items: tuple[Item, ...] = key("rated items, in questionnaire order", ())
    demographics: tuple[Demographic, ...] = key("respondent attributes, kept in respondents.csv", ())
    free_text: tuple[FreeText, ...] = key("open questions", ())
    text_fields: tuple[TextField, ...] = key("text columns that are neither items nor open questions", ())
    constructs: dict[str, Construct] = key(
        "constructs by id (descriptions, reference alphas)", {}, key_pattern=ID_PATTERN
    )
    subscales: dict[str, Subscale] = key("subscales by id", {}, key_pattern=ID_PATTERN)
    reference: tuple[Reference, ...] = key("published reference values (alphas, means) of the instrument", ())


# --------------------------------------------------------------------------- survey and inputs
#: ``survey.id_column`` of an export with no id column (an SPSS file of cases, a sheet of answers):
#: each respondent is known by its row (spreadsheet row, or SPSS case number).
ROW_ID = "#row"


@dataclass(frozen=True)
class SurveySpec:
    """Where the survey export is and how to read it."""

    format: str = key("export format", choices=lambda: SURVEY_FORMATS)
    id_column: str = key(
        f"respondent id column in the export; {ROW_ID!r} when the file has none (respondents numbered by row)"
    )
    file: str = key("the export, relative to the study folder (with design.waves: each wave's own)", "")
    identifying_columns: tuple[str, ...] = key("columns that identify people; never reach processed data", ())
    redact_names: tuple[str, ...] = key("names to redact from free text", ())
    keep_columns: tuple[str, ...] = key(
        "free-text columns (or question ids) that look identifying but are safe to keep, e.g. a role", ()
    )
    sheet: str | None = key(
        "sheet of an XLSX/XLS export holding the answers (read even if hidden); needed when the workbook has "
        "more than one visible sheet",
        None,
    )
    link_key: str = key("column pairing respondents across waves (e.g. an embedded participant code)", "")
    definition: str = key(
        "the survey's Qualtrics definition (.qsf) under raw/, listed in the manifest: a numeric export's codes "
        "are read through its recode values",
        "",
    )
    encoding: str = key(
        "text encoding of a CSV/TSV export (and of each wave's): any but UTF-8 is read only when declared here",
        "utf-8",
        choices=ENCODINGS,
    )


@dataclass(frozen=True)
class Inputs:
    """``inputs``: the study's other input files, relative to the study folder."""

    excerpts: str = key("published quotations (raw/excerpts.csv)", "")
    codings: str = key("excerpt → code allocations: CSV, .qdpx (REFI-QDA), Taguette or QualCoder export", "")
    codings_second_coder: str = key("a second coder's codings (Cohen's kappa per code)", "")
    participants: str = key("qualitative participants (raw/participants.csv)", "")
    codebook: str = key("themes and codes (analysis/codebook.yml)", "")
    triangulation: str = key("mixed-methods findings (analysis/triangulation.yml)", "")
    recommendations: str = key("the report's recommendations (analysis/recommendations.yml)", "")
    published: str = key("every published number (published/figures.csv)", "")
    encoding: str = key(
        "text encoding of the CSV files above (excerpts, codings, participants, published figures): any but "
        "UTF-8 is read only when declared here",
        "utf-8",
        choices=ENCODINGS,
    )


#: Keys of ``inputs`` that are not input files.
_INPUT_SETTINGS = ("encoding",)

_OPTIONAL_INPUTS = {"recommendations", "codings_second_coder", "participants", "triangulation", "codings", "codebook"}


@dataclass(frozen=True, kw_only=True)
class StudyFile:
    """``study.yml``: everything study-specific."""

    id: str = key("study id; must equal the folder name", pattern=ID_PATTERN)
    reconstructed: bool = key("raw survey export is a stand-in rebuilt from published aggregates", False)
    invented: bool = key("the whole study is invented (a template): every appendix says so", False)
    report: ReportSpec = key("the published report")
    design: Design = key("how the study was run", None)
    instrument: Instrument = key("the questionnaire")
    survey: SurveySpec | None = key("the survey export (none: a qualitative-only study)", None)
    inputs: Inputs = key("the other input files", None)


@dataclass
class Study:
    """A study as configured in ``study.yml``: metadata, instrument, inputs.

    ``report`` and ``design`` are the mappings as written (checked against :class:`ReportSpec`
    and :class:`Design`); ``spec`` is the whole file typed."""

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
    waves: tuple[Wave, ...] = ()
    subscales: dict[str, Subscale] = field(default_factory=dict)
    references: tuple[Reference, ...] = ()
    text_fields: tuple[TextField, ...] = ()
    invented: bool = False
    spec: StudyFile | None = None
    multi_select: list[Item] = field(default_factory=list)  # items on a multi_select scale (not in ``items``)
    loops: dict[str, tuple[str, str]] = field(default_factory=dict)  # looped item id -> (item as declared, iteration)

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
            item = next((m for m in self.multi_select if m.id == item), None) or self.item(item)
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

    def encoding(self, name: str) -> str:
        """The declared text encoding of an input named in ``inputs`` (``survey``: the survey export)."""
        if name == "survey":
            return self.survey.encoding if self.survey is not None else "utf-8"
        return self.spec.inputs.encoding if self.spec is not None else "utf-8"

    def text_options(self, name: str) -> dict[str, str]:
        """Keywords for :func:`tieval.store.read_csv` of the input ``name``: its declared encoding and
        the study.yml key that declares it (named when the file is not in that encoding)."""
        key = "survey.encoding" if name == "survey" else "inputs.encoding"
        return {"encoding": self.encoding(name), "declared": key}

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

    @property
    def invention_notice(self) -> str:
        """The sentence every output of an invented study must show ('' for a real study)."""
        if not self.invented:
            return ""
        return (
            "INVENTED DATA: this study, its survey exports and its published figures were made up "
            "for the tieval template (generated by tieval.tools.template); they describe no real "
            "evaluation or person."
        )

    @property
    def data_notice(self) -> str:
        """The banner of every appendix: the reconstruction or invention notice ('' for real data)."""
        return " ".join(n for n in (self.reconstruction_notice, self.invention_notice) if n)

    def reference_values(self, statistic: str) -> dict[str, float]:
        """Published reference values of one statistic (``alpha`` ...) by construct, subscale or item id."""
        return {r.of: r.value for r in self.references if r.statistic == statistic}


# --------------------------------------------------------------------------- cross-references
def _theme_ids_once(f: StudyFile, where: Where) -> None:
    seen: set[str] = set()
    for i, theme in enumerate(f.design.qualitative.themes):
        if theme.id in seen:
            raise where.child("design.qualitative.themes").index(i).child("id").fail("a theme id used once", theme.id)
        seen.add(theme.id)


def _item_ids_once(f: StudyFile, where: Where) -> None:
    seen: set[str] = set()
    for i, item in enumerate(f.instrument.items):
        if item.id in seen:
            raise where.child("instrument.items").index(i).child("id").fail("an item id used once", item.id)
        seen.add(item.id)


def _scales_exist(f: StudyFile, where: Where) -> None:
    scales = f.instrument.scales
    for kind in ("items", "demographics"):
        for i, entry in enumerate(getattr(f.instrument, kind)):
            if entry.scale not in scales:
                at = where.child(f"instrument.{kind}").index(i).child("scale")
                raise at.fail("one of the scales " + ", ".join(scales), entry.scale)


def _constructs_exist(f: StudyFile, where: Where) -> None:
    constructs = f.instrument.constructs
    for i, item in enumerate(f.instrument.items):
        if item.construct and constructs and item.construct not in constructs:
            at = where.child("instrument.items").index(i).child("construct")
            raise at.fail("one of the constructs " + ", ".join(constructs), item.construct)


def _reverse_on_a_range(f: StudyFile, where: Where) -> None:
    for i, item in enumerate(f.instrument.items):
        if item.reverse and not Scale.from_spec(f.instrument.scales[item.scale]).reversible:
            at = where.child("instrument.items").index(i).child("reverse")
            raise at.fail("reverse scoring only on an ordinal scale or a numeric range (min and max)", item.scale)


def _columns_once(f: StudyFile, where: Where) -> None:
    seen: dict[str, str] = {}
    for kind in ("items", "demographics", "free_text", "text_fields"):
        entries = getattr(f.instrument, kind)
        for i, entry in enumerate(entries):
            at = where.child(f"instrument.{kind}").index(i)
            if entry.column in seen:
                raise at.child("column").fail(f"a column not already used by {seen[entry.column]}", entry.column)
            seen[entry.column] = entry.id
            if entry.id in [e.id for e in entries[:i]]:
                raise at.child("id").fail("an id used once", entry.id)


def _subscale_items_exist(f: StudyFile, where: Where) -> None:
    items = {it.id for it in f.instrument.items}
    for sid, sub in f.instrument.subscales.items():
        for j, iid in enumerate(sub.items):
            if iid not in items:
                raise (
                    where.child(f"instrument.subscales.{sid}.items").index(j).fail("an item id of the instrument", iid)
                )


def _references_name_something(f: StudyFile, where: Where) -> None:
    ins = f.instrument
    known = set(ins.constructs) | set(ins.subscales) | {it.id for it in ins.items}
    for i, ref in enumerate(ins.reference):
        at = where.child("instrument.reference").index(i)
        if ref.of not in known:
            raise at.child("of").fail("a construct, subscale or item id of the instrument", ref.of)
        given = ins.constructs.get(ref.of)
        if ref.statistic == "alpha" and given and given.reference_alpha not in (None, ref.value):
            raise at.child("value").fail(
                f"the reference_alpha constructs.{ref.of} gives ({given.reference_alpha})", ref.value
            )


def _text_fields_point_at_questions(f: StudyFile, where: Where) -> None:
    known = {e.id for e in f.instrument.items + f.instrument.demographics}
    for i, tf in enumerate(f.instrument.text_fields):
        if tf.other_of and tf.other_of not in known:
            raise (
                where.child("instrument.text_fields")
                .index(i)
                .child("other_of")
                .fail("an item or demographic id", tf.other_of)
            )


def _waves_fit_the_survey(f: StudyFile, where: Where) -> None:
    waves = f.design.waves
    seen: set[str] = set()
    for i, wave in enumerate(waves):
        if wave.id in seen:
            raise where.child("design.waves").index(i).child("id").fail("a wave id used once", wave.id)
        seen.add(wave.id)
        if f.survey is not None and not f.survey.file and wave.survey is None:
            raise where.child("design.waves").index(i).child("survey").fail("the wave's export (file or files)")
    if f.survey is not None and not f.survey.file and not waves:
        raise where.child("survey.file").fail("a value (this key is required)")
    if f.survey is not None and f.survey.link_key and len(waves) < 2:
        raise where.child("survey.link_key").fail("two or more design.waves to link", f.survey.link_key)
    for i, stage in enumerate(f.design.flow):
        if stage.wave and stage.wave not in seen:
            at = where.child("design.flow").index(i).child("wave")
            raise at.fail(
                "one of the design.waves ids " + (", ".join(w.id for w in waves) or "(none declared)"), stage.wave
            )


def _loops_fit(f: StudyFile, where: Where) -> None:
    ids = {it.id for it in f.instrument.items}
    for i, item in enumerate(f.instrument.items):
        if not item.loop:
            continue
        at = where.child("instrument.items").index(i)
        if not isinstance(item.column, str):
            raise at.child("column").fail(
                "a column id for a looped item (its columns are <n>_<column>)", str(item.column)
            )
        if f.instrument.scales[item.scale].type == "multi_select":
            raise at.child("loop").fail("a loop on an item that is not multi_select", item.scale)
        steps = [str(n) for n in item.loop]
        for j, n in enumerate(steps):
            if not _LOOP_STEP.match(n) or n in steps[:j]:
                raise at.child("loop").index(j).fail("distinct iteration prefixes of letters, digits, '_' or '-'", n)
            if f"{item.id}_{n}" in ids:
                raise at.child("loop").index(j).fail(f"an iteration whose item id {item.id}_{n} is not taken", n)


def expand_loops(items: list[Item] | tuple[Item, ...]) -> tuple[list[Item], dict[str, tuple[str, str]]]:
    """Items with each looped item (``loop``) replaced by one item per iteration: id ``<id>_<n>``, column
    ``<n>_<column>`` (Qualtrics loop-and-merge naming); also the map looped id -> (declared id, iteration)."""
    out: list[Item] = []
    loops: dict[str, tuple[str, str]] = {}
    for it in items:
        if not it.loop:
            out.append(it)
            continue
        for n in (str(x) for x in it.loop):
            out.append(replace(it, id=f"{it.id}_{n}", column=f"{n}_{it.column}", loop=()))
            loops[f"{it.id}_{n}"] = (it.id, n)
    return out, loops


def _survey_has_items(f: StudyFile, where: Where) -> None:
    """A study that reads a survey export declares the rated items it reads from it."""
    surveyed = f.survey is not None or any(w.survey is not None for w in f.design.waves)
    if surveyed and not f.instrument.items:
        raise where.child("instrument.items").fail(
            "at least one rated item (the survey export is read for the items declared here)", "an empty list"
        )


_STUDY_CHECKS = (
    _survey_has_items,
    _theme_ids_once,
    _item_ids_once,
    _scales_exist,
    _constructs_exist,
    _reverse_on_a_range,
    _columns_once,
    _subscale_items_exist,
    _references_name_something,
    _text_fields_point_at_questions,
    _waves_fit_the_survey,
    _loops_fit,
)


# --------------------------------------------------------------------------- loading
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
    where = Where(file)
    if isinstance(raw, dict) and "reconstruction" in raw:
        raise where.child("reconstruction").fail(
            f"the reconstruction parameters in reconstruction.yml beside study.yml "
            f"(python -m tieval migrate {folder.name} moves them)"
        )
    spec: StudyFile = read(StudyFile, raw, where)
    if spec.id != folder.name:
        raise where.child("id").fail(f"the study folder's name {folder.name!r}", spec.id)
    for check in _STUDY_CHECKS:
        check(spec, where)
    result = _study(spec, raw, folder, file)
    _check_confined(where, result)
    if check_files:
        _check_files(where, result)
    return result


def _study(spec: StudyFile, raw: dict, folder: Path, file: Path) -> Study:
    ins = spec.instrument
    alphas = {r.of: r.value for r in ins.reference if r.statistic == "alpha"}
    constructs = {
        cid: c if c.reference_alpha is not None or cid not in alphas else Construct(cid, c.label, c.description, alphas[cid])
        for cid, c in ins.constructs.items()
    }  # fmt: skip
    given_inputs = raw.get("inputs") or {}
    scales = {sid: Scale.from_spec(s) for sid, s in ins.scales.items()}
    items, loops = expand_loops(ins.items)
    return Study(
        id=spec.id,
        root=folder,
        config_file=file,
        reconstructed=spec.reconstructed,
        report=dict(raw.get("report") or {}),
        design=dict(raw.get("design") or {}),
        scales=scales,
        items=[it for it in items if scales[it.scale].type != "multi_select"],
        demographics=[d for d in ins.demographics if ins.scales[d.scale].type != "text"],
        free_text=list(ins.free_text) + _text_as_free_text(ins),
        constructs=constructs,
        survey=spec.survey,
        inputs={
            k: getattr(spec.inputs, k) for k in given_inputs if getattr(spec.inputs, k) and k not in _INPUT_SETTINGS
        },
        waves=spec.design.waves,
        subscales=dict(ins.subscales),
        references=ins.reference,
        text_fields=ins.text_fields,
        invented=spec.invented,
        spec=spec,
        multi_select=[it for it in items if scales[it.scale].type == "multi_select"],
        loops=loops,
    )


def _text_as_free_text(ins: Instrument) -> list[FreeText]:
    """Text columns that are not scales, carried as free text (redacted, ``free_text.csv``) and never
    counted: demographics on a ``text`` scale and ``text_fields`` other than participant codes
    (a participant code is identifying: it is never read, unless it is the link key)."""
    out = [FreeText(d.id, d.text, d.column) for d in ins.demographics if ins.scales[d.scale].type == "text"]
    out += [FreeText(tf.id, tf.text, tf.column) for tf in ins.text_fields if tf.kind != "participant_code"]
    return out


def _study_folder(study: str | Path, root: Path | None) -> Path:
    p = Path(study)
    if p.name == "study.yml":
        return p.parent
    if p.is_dir() and (p / "study.yml").exists() and (len(p.parts) > 1 or not (study_dir(str(study), root)).is_dir()):
        return p
    return study_dir(str(study), root or project_root())


#: Inputs that are collected data (raw, checksummed in raw/MANIFEST.sha256): they must lie under ``raw/``.
RAW_INPUTS = ("excerpts", "codings", "codings_second_coder", "participants")


def input_paths(study: Study, where: Where | None = None) -> list[tuple[Where | None, str, bool]]:
    """Every input path a study configures: (key, path relative to the study folder, must lie under
    ``raw/``) for the survey export(s), each wave's export(s) and each ``inputs`` entry."""
    at = where or Where(study.config_file)
    found = _export_paths(study, at)
    found += [(at.child(f"inputs.{name}"), rel, name in RAW_INPUTS) for name, rel in study.inputs.items()]
    return found


def survey_exports(study: Study) -> list[str]:
    """The survey export(s) a study configures (``survey.file``, each wave's ``file`` and ``files``), as
    paths relative to the study folder: the files only the cleaning step reads."""
    return [rel for _, rel, _ in _export_paths(study, Where(study.config_file))]


def _export_paths(study: Study, at: Where) -> list[tuple[Where | None, str, bool]]:
    """(key, path, True) for each survey export of :func:`input_paths`."""
    found: list[tuple[Where | None, str, bool]] = []
    if study.survey is not None and study.survey.file:
        found.append((at.child("survey.file"), study.survey.file, True))
    for i, wave in enumerate(study.waves):
        if wave.survey is None:
            continue
        base = at.child("design.waves").index(i).child("survey")
        if wave.survey.file:
            found.append((base.child("file"), wave.survey.file, True))
        found += [(base.child("files").index(j), rel, True) for j, rel in enumerate(wave.survey.files)]
    return found


def _check_confined(where: Where, study: Study) -> None:
    """Every input path stays inside the study folder once resolved (``..``, absolute paths and symlinks
    followed); survey exports and coded files lie under its ``raw/`` (so the manifest covers them)."""
    for at, rel, raw in input_paths(study, where):
        path = study.root / rel
        if Path(rel).is_absolute() or not inside(path, study.root):
            raise at.fail(
                f"a path inside the study folder {study.root.as_posix()}/ (no '..', no absolute path, no link out)", rel
            )
        if raw and not inside(path, study.root / "raw"):
            raise at.fail("a file under the study's raw/ folder (raw data are checksummed in raw/MANIFEST.sha256)", rel)


def _check_files(where: Where, study: Study) -> None:
    if study.survey is not None and study.survey.file and not study.path("survey").is_file():
        raise where.child("survey.file").fail(f"an existing file ({study.path('survey')})", study.survey.file)
    for i, wave in enumerate(study.waves):
        files = () if wave.survey is None else ((wave.survey.file,) if wave.survey.file else wave.survey.files)
        for j, rel in enumerate(files):
            if not (study.root / rel).is_file():
                at = where.child("design.waves").index(i).child("survey")
                at = at.child("file") if wave.survey.file else at.child("files").index(j)
                raise at.fail(f"an existing file ({study.root / rel})", rel)
    for name, rel in study.inputs.items():
        if name in _OPTIONAL_INPUTS and not (study.root / rel).exists():
            continue
        if not (study.root / rel).exists():
            raise where.child(f"inputs.{name}").fail(f"an existing file ({study.root / rel})", rel)
