"""``python -m tieval init --from FILE``: draft a complete, commented ``study.yml`` for a survey.

Three sources, best first:

1. a Qualtrics survey definition (``.qsf``, read by :mod:`tieval.survey.exports.qsf`): items with ids,
   export columns and wording; scales with codes, labels and order as the survey shows them and
   the recode values a numeric export writes; free-text, multi-select and identifying questions;
2. an SPSS ``.sav`` (metadata only, through pyreadstat): value labels give codes and labels,
   variable labels the question text, user-missing codes the off-scale answers; variables with
   the same value labels share one scale;
3. an export itself (a Qualtrics CSV/XLSX or an online-form export): the header's question text
   and the distinct answers seen in each column, in first-seen order, every scale flagged.

Every guess is marked ``# check`` with what was guessed; the draft loads with
:func:`tieval.config.load_study` as it is and, given the matching export, validates and builds.
With ``--export`` the columns are matched to the export's header (through the ImportId row of a
Qualtrics export when there is one), the export is copied into ``raw/`` and the checksum manifest
written.  An existing ``study.yml`` is never overwritten.

The pipeline does not import this module (it is a tool); it reads exports with its own small
raw-table reader (:func:`read_raw_table`) because :func:`tieval.survey.ingest.read_export` needs
a study.  Multi-select questions are drafted as ``multi_select`` scales when cleaning reads them
(:data:`MULTI_SELECT_READY`) and the schema knows the type, and as a commented block otherwise.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from tieval import config
from tieval.config import normalise_label
from tieval.errors import ConfigError, InputError
from tieval.integrity import write_manifest
from tieval.paths import study_dir
from tieval.store import write_text
from tieval.survey.exports.qsf import Option, QsfSurvey, Question, read_qsf
from tieval.survey.ingest import STANDARD_IDENTIFYING, STANDARD_METADATA

__all__ = [
    "Level",
    "ScaleDraft",
    "Entry",
    "Draft",
    "RawTable",
    "draft_from_qsf",
    "draft_from_sav",
    "draft_from_export",
    "draft_study",
    "render",
    "read_raw_table",
    "init_study",
    "init_cli",
    "CHECK_SEEN",
]

CHECK_SEEN = "check: levels guessed from the answers seen (order and categories need confirming)"
QUALTRICS_IDENTIFYING = (
    "IPAddress",
    "RecipientLastName",
    "RecipientFirstName",
    "RecipientEmail",
    "ExternalReference",
    "LocationLatitude",
    "LocationLongitude",
)
#: Columns of ``published/figures.csv`` (data/README.md); init writes the header for the user to fill.
FIGURE_COLUMNS = "figure_id,location,location_type,measure,item_id,category,value,unit,base,restates,printed,note"
#: Whether drafts declare multi-select questions as live ``multi_select`` scales.  The schema
#: declares the type, but until :mod:`tieval.survey.ingest` and cleaning read such items
#: (issue 13, point 5) a live one would stop validation ("no column Q4"), so they are written
#: as a commented block; set this to True when cleaning reads them.
MULTI_SELECT_READY = True
_STUDY_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_SOURCE_KINDS = "a Qualtrics survey definition (.qsf), an SPSS file (.sav) or a survey export (.csv, .tsv, .xlsx)"

# wording -> collapsed category, first match wins (normalised text)
_CATEGORY_WORDS = (
    (re.compile(r"\bneither\b|\bneutral\b|\bundecided\b|\bunsure\b|\bnot sure\b"), "neutral"),
    (re.compile(r"disagree"), "disagree"),
    (re.compile(r"\bagree"), "agree"),
    (re.compile(r"dissatisfied|unsatisfied"), "dissatisfied"),
    (re.compile(r"satisfied"), "satisfied"),
    (re.compile(r"unlikely"), "unlikely"),
    (re.compile(r"likely"), "likely"),
    (re.compile(r"unhelpful|not helpful"), "unhelpful"),
    (re.compile(r"helpful"), "helpful"),
)
_POLES = {"agree": "disagree", "satisfied": "dissatisfied", "likely": "unlikely", "helpful": "unhelpful"}
_OFF_SCALE = re.compile(
    r"not relevant|not applicable|^n/?a$|don.?t know|do not know|prefer not to (say|answer)|no opinion|can.?t say"
)
_INTENSITY = (
    (re.compile(r"\b(strongly|completely|very|extremely|totally)\b"), 3),
    (re.compile(r"\b(somewhat|slightly|mostly|tend to|a little)\b"), 1),
)
_IDENTIFYING_TEXT = re.compile(
    r"e-?mail|\bname\b|\bphone\b|telephone|mobile number|postcode|post code|zip code|date of birth|home address"
)
_CODE_TEXT = re.compile(
    r"participant.?(code|id|number)|\bp.?code\b|\bpid\b|unique code|your code|respondent.?id|link.?code"
)
_IDENTIFYING_TYPES = {"ValidEmail", "ValidPhone", "ValidUSPhone", "ValidZip", "ValidUSZip"}


# --------------------------------------------------------------------------- the draft
@dataclass
class Level:
    """A drafted answer level; ``check`` says what was guessed about it."""

    code: int | float
    label: str
    category: str
    recode: int | float | None = None
    check: str = ""


@dataclass
class ScaleDraft:
    """A drafted scale (keys as in ``instrument.scales.<id>``), with comment lines and flags."""

    id: str
    type: str
    levels: list[Level] = field(default_factory=list)
    not_relevant: list[tuple[str, int | float | None, str]] = field(default_factory=list)
    aliases: dict[str, int | float] = field(default_factory=dict)
    min: int | float | None = None
    max: int | float | None = None
    anchors: dict[int, str] = field(default_factory=dict)
    options: list[tuple[str, int | float | None, str]] = field(default_factory=list)  # label, code, column
    layout: str = "split"
    notes: list[str] = field(default_factory=list)
    check: str = ""
    separator: str = ";"

    def signature(self) -> tuple:
        """What makes two drafted scales the same scale."""
        return (
            self.type,
            tuple((lv.code, lv.label, lv.category, lv.recode) for lv in self.levels),
            tuple(self.not_relevant),
            tuple(sorted(self.aliases.items())),
            self.min,
            self.max,
            tuple(sorted(self.anchors.items())),
            tuple(self.options),
            self.layout,
            self.separator,
        )


@dataclass
class Entry:
    """A drafted item, demographic or free-text question.

    ``import_id`` is the Qualtrics ImportId of its column and ``alternatives`` other names the
    export may give it; both are used to match the column to an export's header."""

    id: str
    text: str
    column: str
    scale: str = ""
    check: str = ""
    import_id: str = ""
    alternatives: tuple[str, ...] = ()
    group: str = ""  # comment line (the question) written above the first entry of its group


@dataclass
class Draft:
    """Everything a drafted ``study.yml`` holds, before it is written as text."""

    study_id: str
    title: str
    source: str
    kind: str  # qsf | sav | export
    scales: dict[str, ScaleDraft] = field(default_factory=dict)
    items: list[Entry] = field(default_factory=list)
    demographics: list[Entry] = field(default_factory=list)
    free_text: list[Entry] = field(default_factory=list)
    multi_select: list[Entry] = field(default_factory=list)
    identifying: list[tuple[str, str]] = field(default_factory=list)  # column, why
    skipped: list[str] = field(default_factory=list)
    survey_format: str = "qualtrics"
    survey_file: str = "raw/survey.csv"
    id_column: str = "ResponseId"
    survey_check: str = ""
    records: int | None = None  # records in the matched export (drafts the participant flow)
    multi_select_live: bool | None = None  # None: MULTI_SELECT_READY and the schema has the type

    def add_scale(self, scale: ScaleDraft) -> str:
        """Add ``scale`` (or find the same scale already drafted); returns the id to use."""
        for sid, other in self.scales.items():
            if other.signature() == scale.signature():
                return sid
        sid, n = scale.id, 2
        while sid in self.scales:
            sid, n = f"{scale.id}_{n}", n + 1
        scale.id = sid
        self.scales[sid] = scale
        return sid

    def entry_id(self, wanted: str) -> str:
        """A unique id (letters, digits, '_', '-', '.') made from ``wanted``."""
        base = re.sub(r"[^A-Za-z0-9_.-]+", "_", wanted).strip("_.-") or "q"
        if not base[0].isalnum():
            base = "q" + base
        used = {e.id for e in self.items + self.demographics + self.free_text + self.multi_select}
        out, n = base, 2
        while out in used:
            out, n = f"{base}_{n}", n + 1
        return out

    def identify(self, column: str, why: str) -> None:
        if all(c != column for c, _ in self.identifying):
            self.identifying.append((column, why))


def _number(x: float) -> int | float:
    return int(x) if float(x).is_integer() else float(x)


def guess_category(label: str) -> str:
    """Collapsed category guessed from an answer's wording ('' when the wording says nothing)."""
    text = normalise_label(label)
    for pattern, category in _CATEGORY_WORDS:
        if pattern.search(text):
            return category
    return ""


def _wording_rank(label: str) -> float | None:
    """Position of an agreement-type answer on its scale from its wording, or None."""
    category = guess_category(label)
    if not category:
        return None
    if category == "neutral":
        return 0.0
    sign = -1.0 if category in _POLES.values() else 1.0
    strength = 2.0
    for pattern, value in _INTENSITY:
        if pattern.search(normalise_label(label)):
            strength = float(value)
            break
    return sign * strength


def _is_off_scale(label: str) -> bool:
    return bool(_OFF_SCALE.search(normalise_label(label)))


def build_scale(
    sid: str,
    answers: list[tuple[str, int | float | None]],
    *,
    source: str,
    order: str = "shown",
    aliases: dict[str, str] | None = None,
) -> ScaleDraft:
    """A drafted scale from answers ``(label, value in the export)`` in scale order.

    ``order`` says where the order comes from: ``shown`` (the survey's display order),
    ``codes`` (sorted codes of a .sav: reordered by wording when the wording ranks every answer
    differently) or ``seen`` (first seen in an export: kept, and the scale flagged).  Answers
    whose wording puts them off the scale ("Not relevant to my role") become ``not_relevant``.
    When the values rise with the order they are also the codes; otherwise the codes are the
    scale positions.  Every level with a known value carries it as its ``recode``."""
    on = [(lab, val) for lab, val in answers if not _is_off_scale(lab)]
    off = [(lab, val) for lab, val in answers if _is_off_scale(lab)]
    notes: list[str] = []
    if order == "codes":
        ranks = [_wording_rank(lab) for lab, _ in on]
        if None not in ranks and len(set(ranks)) == len(ranks):
            ranked = [a for _, a in sorted(zip(ranks, on), key=lambda p: p[0])]
            if ranked != on:
                notes.append(
                    "check: order taken from the wording; the codes ("
                    + ", ".join(_fmt(v) for _, v in on)
                    + ") are not in scale order"
                )
                on = ranked
    categories = [guess_category(lab) for lab, _ in on]
    polar = {c for c in categories if c and c != "neutral"}
    yes_no = sorted(normalise_label(lab) for lab, _ in on) == ["no", "yes"]
    if yes_no:
        stype = "binary"
    elif len(polar) >= 2 or (order == "shown" and polar and len(on) >= 4):
        stype = "ordinal"
    else:
        stype = "categorical"
    values = [val for _, val in on]
    rising = all(v is not None for v in values) and all(a < b for a, b in zip(values, values[1:]))
    if not rising and all(v is not None for v in values) and order != "seen":
        notes.append(
            f"the {source} values are not in scale order: `code` is the position on the scale, "
            "`recode` the value a numeric export writes"
        )
    levels = []
    for pos, ((lab, val), cat) in enumerate(zip(on, categories), start=1):
        code = val if rising else pos
        recode = val  # always declared: a numeric export is read only through recodes study.yml states
        guessed = stype == "ordinal" and bool(cat)
        levels.append(
            Level(
                code,
                lab,
                cat if guessed else lab,
                recode,
                "check: category guessed from the wording" if guessed and order != "seen" else "",
            )
        )
    scale = ScaleDraft(sid, stype, levels, notes=notes)
    scale.not_relevant = [(lab, val, "check: taken as off the scale from its wording") for lab, val in off]
    for alias, label in (aliases or {}).items():
        for lv in levels:
            if lv.label == label and normalise_label(alias) != normalise_label(label):
                scale.aliases[alias] = lv.code
    if order == "seen":
        scale.check = CHECK_SEEN
    return scale


def _fmt(x: int | float | None) -> str:
    if x is None:
        return ""
    return str(_number(x))


def _scale_name(scale: ScaleDraft, fallback: str) -> str:
    if scale.type == "binary":
        return "yes_no"
    cats = {lv.category for lv in scale.levels}
    if "agree" in cats or "disagree" in cats:
        return f"agree{len(scale.levels)}"
    if cats & {"satisfied", "dissatisfied"}:
        return f"satisfaction{len(scale.levels)}"
    return re.sub(r"[^A-Za-z0-9_]+", "_", fallback).strip("_").lower() or "scale"


# --------------------------------------------------------------------------- from a .qsf
def _answer_value(opt: Option) -> int | float | None:
    if opt.recode is not None:
        return opt.recode
    return int(opt.id) if opt.id.isdigit() else None


def _label(opt: Option) -> str:
    return opt.variable_name or opt.text


def _aliases(opts) -> dict[str, str]:
    return {o.text: o.variable_name for o in opts if o.variable_name and o.text and o.variable_name != o.text}


def _identifying_question(text: str, content_type: str) -> str:
    if content_type in _IDENTIFYING_TYPES:
        return f"a text entry validated as {content_type}"
    if _CODE_TEXT.search(normalise_label(text)):
        return "a participant code (to link waves, name it as the link key once design.waves exist)"
    if _IDENTIFYING_TEXT.search(normalise_label(text)):
        return "a text entry asking for contact details or a name"
    return ""


def _qsf_scale(draft: Draft, q: Question, answers, fallback: str) -> str:
    scale = build_scale(
        "s", [(_label(a), _answer_value(a)) for a in answers], source="Qualtrics recode", aliases=_aliases(answers)
    )
    scale.id = _scale_name(scale, fallback)
    scale.notes.insert(0, f"{q.tag}: {_short(q.text)}")
    return draft.add_scale(scale)


def _short(text: str, n: int = 90) -> str:
    return text if len(text) <= n else text[: n - 3].rstrip() + "..."


def _matrix(draft: Draft, q: Question) -> None:
    if q.selector not in ("Likert", "") or q.sub_selector not in ("SingleAnswer", "DL", ""):
        draft.skipped.append(f"{q.tag} ({q.qid}): a {q.selector or 'matrix'} {q.sub_selector} matrix, not drafted")
        return
    sid = _qsf_scale(draft, q, q.answers, q.tag)
    for k, row in enumerate(q.choices):
        column, alternatives, check = f"{q.tag}_{row.id}", (), ""
        if row.export_tag:
            column, alternatives = row.export_tag, (f"{q.tag}_{row.export_tag}", f"{q.tag}_{row.id}")
            check = "check: column from the row's export tag"
        draft.items.append(
            Entry(
                draft.entry_id(column),
                row.text or q.text,
                column,
                sid,
                check,
                f"{q.qid}_{row.id}",
                alternatives,
                f"{q.tag}: {q.text}" if k == 0 else "",
            )
        )


def _multiple_choice(draft: Draft, q: Question) -> None:
    if q.selector == "NPS":
        sid = draft.add_scale(ScaleDraft("nps", "numeric", min=0, max=10, notes=[f"{q.tag}: {_short(q.text)}"]))
        draft.items.append(Entry(draft.entry_id(q.tag), q.text, q.tag, sid, "", q.qid, (), f"{q.tag}: {q.text}"))
        return
    multiple = q.selector in ("MAVR", "MAHR", "MACOL", "MSB") or q.sub_selector == "MultipleAnswer"
    if multiple:
        options = []
        for opt in q.choices:
            value = _answer_value(opt)
            options.append((_label(opt), value, f"{q.tag}_{_fmt(value) if value is not None else opt.id}"))
        scale = ScaleDraft(f"{q.tag}_options".lower(), "multi_select", options=options)
        scale.notes.append(f"{q.tag}: {_short(q.text)}")
        scale.notes.append("one column per option; a chosen option holds 1 (numeric export) or its text")
        sid = draft.add_scale(scale)
        draft.multi_select.append(Entry(draft.entry_id(q.tag), q.text, q.tag, sid, "", q.qid, (), f"{q.tag}: {q.text}"))
    else:
        sid = _qsf_scale(draft, q, q.choices, q.tag)
        entry = Entry(draft.entry_id(q.tag), q.text, q.tag, sid, "", q.qid, (), f"{q.tag}: {q.text}")
        (draft.items if draft.scales[sid].type in ("ordinal", "binary") else draft.demographics).append(entry)
    for opt in q.choices:
        if opt.text_entry:
            column = f"{q.tag}_{opt.id}_TEXT"
            draft.free_text.append(
                Entry(
                    draft.entry_id(column),
                    f"{q.text} - {opt.text} (text)",
                    column,
                    import_id=f"{q.qid}_{opt.id}_TEXT",
                    check="check: the text typed beside an 'other' option",
                )
            )


def _slider(draft: Draft, q: Question) -> None:
    cfg = q.configuration
    lo, hi = cfg.get("CSSliderMin", 0), cfg.get("CSSliderMax", 100)
    try:
        lo, hi = _number(float(lo)), _number(float(hi))
    except (TypeError, ValueError):
        raise InputError(
            draft.source, "numbers", column=f"{q.qid}.Configuration.CSSliderMin/Max", found=(lo, hi)
        ) from None
    anchors = {}
    if len(q.labels) >= 2:
        step = (hi - lo) / (len(q.labels) - 1)
        spots = [lo + i * step for i in range(len(q.labels))]
        if all(float(s).is_integer() for s in spots):
            anchors = {int(s): lab for s, lab in zip(spots, q.labels) if lab}
    scale = ScaleDraft(f"range_{_fmt(lo)}_{_fmt(hi)}".replace("-", "m").replace(".", "_"), "numeric", min=lo, max=hi)
    scale.anchors = anchors
    scale.notes.append(f"{q.tag}: {_short(q.text)}")
    if anchors:
        scale.notes.append("check: anchors placed at even steps under the slider's labels")
    sid = draft.add_scale(scale)
    for k, row in enumerate(q.choices):
        column = f"{q.tag}_{row.id}"
        text = q.text if len(q.choices) == 1 else f"{q.text} - {row.text}"
        draft.items.append(
            Entry(
                draft.entry_id(column),
                text,
                column,
                sid,
                "",
                f"{q.qid}_{row.id}",
                (),
                f"{q.tag}: {q.text}" if k == 0 else "",
            )
        )


def _text_entry(draft: Draft, q: Question) -> None:
    fields = [(f"{q.tag}_{c.id}", f"{q.qid}_{c.id}", f"{q.text} - {c.text}", c.text) for c in q.choices]
    if q.selector != "FORM" or not fields:
        fields = [(q.tag, f"{q.qid}_TEXT", q.text, q.text)]
    for column, import_id, text, own in fields:
        why = _identifying_question(own, q.content_type) or _identifying_question(text, q.content_type)
        if why:
            draft.identify(column, f'{why}: "{_short(text, 60)}"')
            continue
        lo, hi = q.number_range
        if q.content_type == "ValidNumber" and lo is not None and hi is not None and lo < hi:
            scale = ScaleDraft(
                f"number_{_fmt(lo)}_{_fmt(hi)}".replace("-", "m").replace(".", "_"), "numeric", min=lo, max=hi
            )
            scale.notes.append(f"{q.tag}: a number from {_fmt(lo)} to {_fmt(hi)} typed in")
            sid = draft.add_scale(scale)
            draft.demographics.append(Entry(draft.entry_id(column), text, column, sid, "", import_id))
            continue
        draft.free_text.append(Entry(draft.entry_id(column), text, column, import_id=import_id))


def draft_from_qsf(survey: QsfSurvey, study_id: str) -> Draft:
    """A draft from a Qualtrics survey definition (see the module docstring)."""
    draft = Draft(study_id, survey.name, survey.path.name, "qsf")
    for column in QUALTRICS_IDENTIFYING:
        draft.identify(column, "Qualtrics metadata")
    for q in survey.questions:
        if q.type == "DB":
            draft.skipped.append(f"{q.tag} ({q.qid}): descriptive text, no answer")
        elif q.type == "Matrix":
            _matrix(draft, q)
        elif q.type == "MC":
            _multiple_choice(draft, q)
        elif q.type == "Slider":
            _slider(draft, q)
        elif q.type == "TE":
            _text_entry(draft, q)
        else:
            draft.skipped.append(f"{q.tag} ({q.qid}): question type {q.type} {q.selector}, not drafted")
    for qid in survey.trashed:
        draft.skipped.append(f"{qid}: in the survey's trash, left out")
    for name in survey.embedded:
        why = _identifying_question(name, "")
        if why:
            draft.identify(name, f"embedded data: {why}")
        else:
            draft.skipped.append(f"embedded data {name}: not drafted (a demographic with its own scale, if analysed)")
    return draft


# --------------------------------------------------------------------------- from a .sav
def _pyreadstat():
    import pyreadstat  # noqa: PLC0415 - heavy optional reader, only for .sav input

    return pyreadstat


def _common_stem(labels: list[str]) -> tuple[str, list[str]]:
    """Split 'Question - row' variable labels that share the question into (question, rows)."""
    parts = [lab.rsplit(" - ", 1) for lab in labels]
    if len(labels) > 1 and all(len(p) == 2 for p in parts) and len({p[0] for p in parts}) == 1:
        return parts[0][0], [p[1] for p in parts]
    return "", labels


def draft_from_sav(path: Path, study_id: str) -> Draft:
    """A draft from an SPSS file's metadata: value labels, variable labels, user-missing codes."""
    try:
        _, meta = _pyreadstat().read_sav(str(path), metadataonly=True, user_missing=True)
    except Exception as exc:  # noqa: BLE001 - any reader failure is one line naming the file
        detail = " ".join(str(exc).split()) or type(exc).__name__
        raise InputError(path, "an SPSS .sav file pyreadstat can read", found=detail) from None
    draft = Draft(study_id, meta.file_label or path.stem, path.name, "sav")
    draft.survey_file = f"raw/{path.name}"
    draft.survey_check = ""
    names = list(meta.column_names)
    labels = meta.column_names_to_labels or {}
    value_labels = meta.variable_value_labels or {}
    kinds = meta.readstat_variable_types or {}
    missing = meta.missing_ranges or {}
    identifying = {c.casefold() for c in STANDARD_IDENTIFYING}
    metadata = {c.casefold() for c in STANDARD_METADATA}
    id_column = next((n for n in names if n.casefold() in ("responseid", "response_id", "respondent_id")), "")
    draft.id_column = id_column or config.ROW_ID
    if not id_column:
        draft.survey_check = (
            "check: no ResponseId variable, so respondents are numbered by case; name the id variable if there is one"
        )
    groups: dict[tuple, list[str]] = {}
    unlabelled: list[tuple[str, str]] = []
    formats = {k: str(v).upper() for k, v in (getattr(meta, "original_variable_types", None) or {}).items()}
    taken = _sav_multi_select(draft, names, labels, value_labels, getattr(meta, "mr_sets", None) or {})
    for name in names:
        text = (labels.get(name) or name).strip()
        fold = name.casefold()
        if name == id_column or fold in metadata or name in taken:
            continue
        if fold in identifying:
            draft.identify(name, "export metadata that identifies people")
        elif name in value_labels and _on_scale_codes(value_labels[name], missing.get(name, [])):
            groups.setdefault(_label_key(value_labels[name]), []).append(name)
        elif kinds.get(name) == "string":
            why = _identifying_question(f"{name} {text}", "")
            if why:
                draft.identify(name, f'{why}: "{_short(text, 60)}"')
            else:
                draft.free_text.append(Entry(draft.entry_id(name), text, name))
        elif _SPSS_DATE.match(formats.get(name, "")):
            draft.skipped.append(f"{name} ({_short(text, 50)}): a date or time ({formats[name]}), not a question")
        else:
            unlabelled.append((name, text))
            draft.skipped.append(
                f"{name} ({_short(text, 50)}): a number without value labels; add a numeric scale with min and max if analysed"
            )
    unlabelled_codes = _codes_without_labels(path, groups, missing)
    for key, members in groups.items():
        miss = {v for name in members for v, _ in key if _user_missing(v, missing.get(name, []))}
        answers = [(lab, _number(v) if isinstance(v, float) else None) for v, lab in key if v not in miss]
        scale = build_scale("s", answers, source=".sav", order="codes")
        scale.not_relevant = [
            (lab, _number(v), "user-missing code in the .sav") for v, lab in key if v in miss
        ] + scale.not_relevant
        scale.id = _scale_name(scale, members[0])
        stem, rows = _common_stem([(labels.get(n) or n).strip() for n in members])
        scale.notes.insert(0, f"value labels of {', '.join(members)}")
        _add_unlabelled_codes(scale, sorted({c for n in members for c in unlabelled_codes.get(n, ())}))
        sid = draft.add_scale(scale)
        target = draft.items if scale.type in ("ordinal", "binary") else draft.demographics
        for k, (name, row) in enumerate(zip(members, rows)):
            target.append(Entry(draft.entry_id(name), row, name, sid, "", "", (), (stem if k == 0 else "")))
    if not draft.items and draft.demographics:
        # no question on an ordered scale: the labelled questions are what the survey asked
        draft.items, draft.demographics = draft.demographics, []
        for entry in draft.items:
            draft.scales[entry.scale].notes.append(
                "check: no ordered scale in the .sav; its labelled questions are the items"
            )
    elif not draft.items and unlabelled:
        _sav_numeric_items(draft, path, unlabelled)
    return draft


def _codes_without_labels(path: Path, groups: dict[tuple, list[str]], missing: dict) -> dict[str, set[float]]:
    """Per labelled numeric variable, the codes found in the file's cases that have no value label
    and are not user-missing (an SPSS file may hold them: a dictionary is not checked against data)."""
    numeric = [n for key, names in groups.items() if key and isinstance(key[0][0], float) for n in names]
    if not numeric:
        return {}
    try:
        frame, _ = _pyreadstat().read_sav(str(path), usecols=numeric, user_missing=True)
    except Exception as exc:  # noqa: BLE001 - any reader failure is one line naming the file
        raise InputError(path, "an SPSS .sav file pyreadstat can read", found=" ".join(str(exc).split())) from None
    labelled = {n: {v for v, _ in key} for key, names in groups.items() for n in names}
    found: dict[str, set[float]] = {}
    for name in numeric:
        seen = set(pd.to_numeric(frame[name], errors="coerce").dropna().astype(float).unique())
        extra = {v for v in seen - labelled[name] if not _user_missing(v, missing.get(name, []))}
        if extra:
            found[name] = extra
    return found


def _add_unlabelled_codes(scale: ScaleDraft, codes: list[float]) -> None:
    """Codes seen in the cases with no value label: a categorical scale gets a level per code,
    labelled with the code and flagged; on an ordered scale the place of a code cannot be guessed,
    so the scale is flagged and the build stops on them until study.yml declares them."""
    if not codes:
        return
    shown = ", ".join(_fmt(_number(c)) for c in codes)
    if scale.type == "categorical":
        top = max((lv.code for lv in scale.levels), default=0)
        rising = all(lv.code == lv.recode for lv in scale.levels)
        for k, code in enumerate(codes, start=1):
            value = _number(code)
            scale.levels.append(
                Level(
                    value if rising else top + k,
                    _fmt(value),
                    _fmt(value),
                    value,
                    "check: a code in the data with no value label",
                )
            )
    else:
        scale.notes.append(
            f"check: codes {shown} occur in the data with no value label: declare each as a level or under not_relevant"
        )


#: SPSS print formats of dates and times (DATE11, ADATE10, DATETIME20, TIME8, MOYR6...).
_SPSS_DATE = re.compile(r"^(DATE|ADATE|EDATE|JDATE|SDATE|DATETIME|YMDHMS|MTIME|TIME|DTIME|QYR|MOYR|WKYR|WKDAY|MONTH)\d")


def _label_key(table: dict) -> tuple:
    """A value-label table as a hashable key in code order: numeric codes as floats, string codes
    (an SPSS string variable with value labels) as text, so either kind groups variables alike."""
    if all(isinstance(k, (int, float)) for k in table):
        return tuple(sorted((float(k), str(v)) for k, v in table.items()))
    return tuple(sorted((str(k).rstrip(), str(v)) for k, v in table.items()))


def _user_missing(code, ranges: list[dict]) -> bool:
    """Whether a numeric ``code`` lies in one of a variable's user-missing ranges (``lo``-``hi``)."""
    return isinstance(code, float) and any(
        isinstance(r.get("lo"), (int, float)) and isinstance(r.get("hi"), (int, float)) and r["lo"] <= code <= r["hi"]
        for r in ranges
    )


def _on_scale_codes(table: dict, ranges: list[dict]) -> bool:
    """Whether a value-label table labels at least one code that is not user-missing: a variable
    whose only labels are missing codes ("99 = refused") is a number without value labels."""
    return any(not _user_missing(v, ranges) for v, _ in _label_key(table))


def _sav_numeric_items(draft: Draft, path: Path, variables: list[tuple[str, str]]) -> None:
    """Draft the unlabelled numeric variables of a .sav as numeric items from the values in the
    file (its range, flagged to confirm), when its dictionary gave no question on a scale."""
    try:
        frame, _ = _pyreadstat().read_sav(str(path), usecols=[n for n, _ in variables], user_missing=False)
    except Exception as exc:  # noqa: BLE001 - any reader failure is one line naming the file
        raise InputError(path, "an SPSS .sav file pyreadstat can read", found=" ".join(str(exc).split())) from None
    for name, text in variables:
        values = pd.to_numeric(frame[name], errors="coerce").dropna()
        if values.empty:
            continue
        scale = ScaleDraft("s", "numeric", min=_number(float(values.min())), max=_number(float(values.max())))
        if scale.min == scale.max:
            scale.max = scale.min + 1
        scale.id = (re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")[:40] or "q") + "_range"
        scale.check = "check: no value labels in the .sav; range taken from the values in the file"
        sid = draft.add_scale(scale)
        draft.items.append(Entry(draft.entry_id(name), text, name, sid))
        draft.skipped = [s for s in draft.skipped if not s.startswith(f"{name} (")]


#: Value labels of code 1 that say "chosen" rather than naming the option.
_CHOSEN_WORDS = {"selected", "checked", "chosen", "yes", "1", "ticked", "true"}


def _sav_multi_select(draft: Draft, names, labels: dict, value_labels: dict, mr_sets: dict) -> set[str]:
    """Draft the multi-select questions of a .sav: its multiple-response sets (``mr_sets``: a
    dichotomy set's variables, counted value 1) and groups of ``<stem>_<n>`` variables (two or
    more) whose value labels hold only the codes 0 and 1, as Qualtrics' SPSS export writes a
    "select all" question (1 labelled with the option's text).  Returns the variables drafted."""
    sets: dict[str, tuple[str, list[str]]] = {}
    for set_name, spec in mr_sets.items():
        members = [v for v in (spec.get("variable_list") or []) if v in names]
        if members and spec.get("is_dichotomy", spec.get("type") == "D"):
            sets[str(set_name).lstrip("$")] = (str(spec.get("label") or set_name), members)
    in_sets = {v for _, members in sets.values() for v in members}
    stems: dict[str, list[str]] = {}
    for name in names:
        codes = set((value_labels.get(name) or {}).keys())
        match = re.match(r"^(.*)_\d+$", name)
        if match and name not in in_sets and codes and codes <= {0.0, 1.0} and 1.0 in codes:
            stems.setdefault(match.group(1), []).append(name)
    for stem, members in stems.items():
        if len(members) > 1:
            question = _common_stem([(labels.get(n) or n).strip() for n in members])[0]
            sets[stem] = (question, members)
    taken: set[str] = set()
    for stem, (question, members) in sets.items():
        options = []
        for name in members:
            label = str((value_labels.get(name) or {}).get(1.0, "")).strip()
            if not label or label.casefold() in _CHOSEN_WORDS:
                label = _question_parts((labels.get(name) or name).strip())[1] or name
            options.append((label, None, name))
        scale = ScaleDraft(f"{stem}_options".lower(), "multi_select", options=options)
        scale.notes += [f"{stem}: {_short(question)}", "one variable per option: 1 chosen, 0 or blank not"]
        sid = draft.add_scale(scale)
        draft.multi_select.append(Entry(draft.entry_id(stem), question or stem, stem, sid, "", "", (), question))
        taken.update(members)
    return taken


# --------------------------------------------------------------------------- from an export
@dataclass
class RawTable:
    """An export's cells as text: column names, question text per column, records, layout."""

    names: list[str]
    questions: list[str]
    records: list[list[str]]
    layout: str  # qualtrics | qualtrics-legacy | form
    import_ids: list[str] = field(default_factory=list)


_IMPORT = re.compile(r"""^\s*\{\s*["']ImportId["']\s*:\s*["']([^"']*)["']""")


def _decode(path: Path, data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError as exc:
            raise InputError(
                path, "UTF-8, UTF-16 or Windows-1252 text", found=f"an undecodable byte at offset {exc.start}"
            ) from None


def _grid(path: Path) -> list[list[str]]:
    data = path.read_bytes()
    if data.startswith(b"PK\x03\x04"):
        import openpyxl  # noqa: PLC0415 - workbook reader, only for .xlsx input

        try:
            book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as exc:  # noqa: BLE001 - a damaged workbook is one line
            raise InputError(path, "a readable .xlsx workbook", found=" ".join(str(exc).split())) from None
        sheet = book.worksheets[0]
        rows = [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]
        book.close()
        return rows
    text = _decode(path, data)
    first = text.split("\n", 1)[0]
    delimiter = "\t" if first.count("\t") > first.count(",") else ","
    if csv.field_size_limit() < 1 << 30:
        csv.field_size_limit(1 << 30)
    return [row for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]


def read_raw_table(path: str | Path) -> RawTable:
    """Read an export's header rows and records as text, recognising the Qualtrics three-row and
    legacy two-row headers (a small reader of our own: the pipeline's reader needs a study)."""
    path = Path(path)
    try:
        rows = _grid(path)
    except FileNotFoundError:
        raise InputError(path, "an existing survey export") from None
    except csv.Error as exc:
        raise InputError(path, "a CSV survey export", found=str(exc)) from None
    rows = [r for r in rows if any(c.strip() for c in r)]
    if not rows:
        raise InputError(path, "a survey export with a header row", found="an empty file")
    names = [c.strip() for c in rows[0]]
    width = len(names)

    def row(i: int) -> list[str]:
        return ((rows[i] if len(rows) > i else []) + [""] * width)[:width]

    third = [c for c in row(2) if c.strip()]
    if third and all(_IMPORT.match(c) for c in third):
        ids = [(_IMPORT.match(c).group(1) if _IMPORT.match(c) else "") for c in row(2)]
        return RawTable(names, [c.strip() for c in row(1)], [row(i) for i in range(3, len(rows))], "qualtrics", ids)
    if len(rows) > 1 and any(normalise_label(c) == "responseid" for c in row(1)):
        second = row(1)
        legacy = [second[i].strip() if re.match(r"^V\d+$", h) and second[i].strip() else h for i, h in enumerate(names)]
        return RawTable(legacy, [c.strip() for c in second], [row(i) for i in range(2, len(rows))], "qualtrics-legacy")
    return RawTable(names, list(names), [row(i) for i in range(1, len(rows))], "form")


def _question_parts(text: str) -> tuple[str, str]:
    if " - " in text:
        head, tail = text.rsplit(" - ", 1)
        return head.strip(), tail.strip()
    return text, text


def _looks_numeric(values: list[str]) -> bool:
    try:
        [float(v) for v in values]
    except ValueError:
        return False
    return bool(values)


def draft_from_export(path: Path, study_id: str) -> Draft:
    """A draft from an export alone: each column's header text and the answers seen in it."""
    table = read_raw_table(path)
    draft = Draft(study_id, path.stem, path.name, "export")
    draft.survey_format = "form" if table.layout == "form" else "qualtrics"
    draft.survey_file = f"raw/{path.name}"
    draft.records = len(table.records)
    identifying = {c.casefold() for c in STANDARD_IDENTIFYING}
    metadata = {c.casefold() for c in STANDARD_METADATA}
    id_column = next(
        (n for n in table.names if n.casefold() in ("responseid", "response id", "id", "respondent id")), ""
    )
    draft.id_column = id_column or (table.names[0] if table.names else "ResponseId")
    if not id_column:
        draft.survey_check = "check: no response id column recognised; the first column is taken"
    groups: dict[str, list[tuple[int, str, str, list[str]]]] = {}
    for pos, name in enumerate(table.names):
        if not name or name == draft.id_column or name.casefold() in metadata:
            continue
        if table.layout != "form" and name.startswith("Q_"):
            continue
        text = re.sub(r" - Selected Choice$", "", table.questions[pos] or name)
        if name.casefold() in identifying:
            draft.identify(name, "export metadata that identifies people")
            continue
        values = [r[pos].strip() for r in table.records if r[pos].strip()]
        if not values:
            draft.skipped.append(f"{name}: no answers in the export")
            continue
        seen = list(dict.fromkeys(values))
        why = _identifying_question(f"{name} {text}", "")
        if why or any("@" in v and " " not in v for v in seen):
            draft.identify(name, why or "answers that look like e-mail addresses")
            continue
        joined = _joined_options(values) if table.layout == "form" else None
        if joined:
            separator, options = joined
            scale = ScaleDraft(f"q{pos + 1}_options", "multi_select", options=[(o, None, "") for o in options])
            scale.layout, scale.separator, scale.check = "joined", separator, CHECK_SEEN
            scale.notes += [f"{name}: {_short(text)}", f"one cell joining the chosen options with {separator!r}"]
            sid = draft.add_scale(scale)
            draft.multi_select.append(Entry(draft.entry_id(name), text, name, sid, "", "", (), text))
            continue
        if _looks_numeric(seen) and not (table.layout != "form" and re.search(r"_\d+$", name) and seen == ["1"]):
            nums = [float(v) for v in seen]
            scale = ScaleDraft("s", "numeric", min=_number(min(nums)), max=_number(max(nums)))
            if scale.min == scale.max:
                scale.max = scale.min + 1
            scale.id = (re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")[:40] or f"q{pos + 1}") + "_range"
            scale.check = (
                "check: range taken from the answers seen (numbers may be recode values: confirm with the survey)"
            )
            sid = draft.add_scale(scale)
            draft.items.append(Entry(draft.entry_id(name), text, name, sid))
            continue
        if name.upper().endswith("_TEXT") or _free_text_answers(seen):
            draft.free_text.append(Entry(draft.entry_id(name), text, name))
            continue
        stem = re.sub(r"_\d+$", "", name) if table.layout != "form" else _question_parts(text)[0]
        groups.setdefault(stem, []).append((pos, name, text, seen))
    for stem, members in groups.items():
        question = _question_parts(members[0][2])[0]
        if len(members) > 1 and all(_chosen_marker(text, seen) for _, _, text, seen in members):
            options = [(_question_parts(text)[1], None, name) for _, name, text, _ in members]
            scale = ScaleDraft(f"{stem}_options".lower(), "multi_select", options=options, check=CHECK_SEEN)
            scale.notes += [f"{stem}: {_short(question)}", "one column per option, each holding one mark when chosen"]
            sid = draft.add_scale(scale)
            draft.multi_select.append(Entry(draft.entry_id(stem), question, stem, sid, "", "", (), question))
            continue
        answers = list(dict.fromkeys(v for *_, seen in members for v in seen))
        scale = build_scale("s", [(a, None) for a in answers], source="export", order="seen")
        scale.id = _scale_name(scale, stem)
        scale.notes.insert(0, f"{stem}: {_short(question)}")
        sid = draft.add_scale(scale)
        target = draft.items if scale.type in ("ordinal", "binary") else draft.demographics
        for k, (_, name, text, _) in enumerate(members):
            item_text = _question_parts(text)[1] if len(members) > 1 else text
            group = question if k == 0 and len(members) > 1 else ""
            target.append(Entry(draft.entry_id(name), item_text, name, sid, "", "", (), group))
    return draft


def _joined_options(seen: list[str]) -> tuple[str, list[str]] | None:
    """A multi-select column whose cell joins the chosen options (``seen``: every answer, repeats
    kept): Microsoft Forms ``A;B;`` (every answer ends with ';'), or Google Forms ``A, B`` (some answer
    holds two or more options, and every option recurs: in two answers, or alone as a whole answer).
    Returns (separator, options in first-seen order)."""
    if all(v.endswith(";") for v in seen):
        return ";", list(dict.fromkeys(t.strip() for v in seen for t in v.split(";") if t.strip()))
    split = [[t.strip() for t in v.split(", ") if t.strip()] for v in seen]
    if not any(len(parts) > 1 for parts in split):
        return None
    tokens = list(dict.fromkeys(t for parts in split for t in parts))
    whole = set(seen)
    if len(tokens) > 20 or any(sum(t in parts for parts in split) < 2 and t not in whole for t in tokens):
        return None
    return ",", tokens


def _free_text_answers(seen: list[str]) -> bool:
    """Whether a column's distinct answers read as open text rather than options of a scale."""
    if any(guess_category(v) or _is_off_scale(v) for v in seen):
        return False
    words = sum(len(v.split()) for v in seen) / len(seen)
    return len(seen) > 12 or max(len(v) for v in seen) > 60 or (words > 3 and len(seen) > 1)


def _chosen_marker(text: str, seen: list[str]) -> bool:
    """A split multi-select column: one mark only, 1 or the option's own text from the header."""
    return len(seen) == 1 and (seen[0] == "1" or normalise_label(seen[0]) == normalise_label(_question_parts(text)[1]))


# --------------------------------------------------------------------------- matching an export
def match_export(draft: Draft, export: Path) -> None:
    """Point every drafted column at the export's header: through the ImportId row of a Qualtrics
    export, else by name or one of the alternatives; a column found nowhere is flagged."""
    table = read_raw_table(export)
    header = set(table.names)
    by_import = {i: n for i, n in zip(table.import_ids, table.names) if i}
    draft.survey_file = f"raw/{export.name}"
    draft.survey_format = "form" if table.layout == "form" else "qualtrics"
    draft.records = len(table.records)
    for entry in draft.items + draft.demographics + draft.free_text + draft.multi_select:
        if entry.import_id in by_import:
            entry.column = by_import[entry.import_id]
        elif entry.column not in header:
            found = next((a for a in entry.alternatives if a in header), "")
            if found:
                entry.column = found
            elif draft.scales.get(entry.scale, ScaleDraft("", "")).type != "multi_select":
                entry.check = f"check: no column {entry.column} in {export.name}"
    for sid, scale in draft.scales.items():
        if scale.type == "multi_select":
            for entry in draft.multi_select:
                if entry.scale == sid and entry.import_id:
                    scale.options = [
                        (label, code, by_import.get(f"{entry.import_id}_{column.rsplit('_', 1)[-1]}", column))
                        for label, code, column in scale.options
                    ]
    draft.identifying = [(by_import.get(c, c), why) for c, why in draft.identifying if by_import.get(c, c) in header]
    if draft.id_column not in header:
        draft.survey_check = f"check: no column {draft.id_column} in {export.name}"


# --------------------------------------------------------------------------- writing YAML
def _q(value) -> str:
    """A YAML scalar: numbers as numbers, text double-quoted (JSON strings are YAML)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return _fmt(value)
    text = str(value)
    if _PLAIN.match(text) and text.lower() not in _RESERVED:
        return text
    return json.dumps(text, ensure_ascii=False)


_PLAIN = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_RESERVED = {"yes", "no", "on", "off", "true", "false", "null", "y", "n", "nan", "inf"}


def _key(name: str) -> str:
    return _q(name)


def _flow(pairs: list[tuple[str, object]]) -> str:
    return "{" + ", ".join(f"{k}: {_q(v)}" for k, v in pairs if v is not None and v != "") + "}"


def _with(line: str, comment: str) -> str:
    return f"{line}   # {comment}" if comment else line


def _scale_lines(scale: ScaleDraft) -> list[str]:
    out = [f"    # {n}" for n in scale.notes]
    out.append(_with(f"    {_key(scale.id)}:", scale.check))
    out.append(f"      type: {scale.type}")
    if scale.levels:
        out.append("      levels:")
        for lv in scale.levels:
            category = "" if lv.category == lv.label else lv.category
            pairs = [("code", lv.code), ("label", lv.label), ("category", category), ("recode", lv.recode)]
            out.append(_with("        - " + _flow(pairs), lv.check))
    if scale.not_relevant:
        out.append("      not_relevant:")
        for label, recode, check in scale.not_relevant:
            out.append(_with("        - " + _flow([("label", label), ("recode", recode)]), check))
    if scale.aliases:
        out.append("      aliases: {" + ", ".join(f"{_q(k)}: {_q(v)}" for k, v in scale.aliases.items()) + "}")
    if scale.type == "numeric":
        out.append(f"      min: {_q(scale.min)}")
        out.append(f"      max: {_q(scale.max)}")
        if scale.anchors:
            out.append("      anchors: {" + ", ".join(f"{k}: {_q(v)}" for k, v in scale.anchors.items()) + "}")
        bins = _halves(scale.min, scale.max)
        out.append("      bins:                    # check: the range cut in halves for collapsed tables")
        out += [f"        - {_flow([('label', label), ('min', lo), ('max', hi)])}" for label, lo, hi in bins]
    if scale.options:
        out.append("      options:")
        for label, code, column in scale.options:
            out.append("        - " + _flow([("label", label), ("code", code), ("column", column)]))
        out.append(f"      layout: {scale.layout}")
        if scale.layout == "joined":
            out.append(f"      separator: {json.dumps(scale.separator)}")
    return out


def _halves(lo: int | float, hi: int | float) -> list[tuple[str, int | float, int | float]]:
    """Two bands splitting a numeric range (0-10: 0-5 and 6-10)."""
    if float(lo).is_integer() and float(hi).is_integer() and hi - lo >= 1:
        lo, hi = int(lo), int(hi)
        mid = lo + (hi - lo) // 2
        return (
            [(f"{lo}-{mid}", lo, mid), (f"{mid + 1}-{hi}", mid + 1, hi)] if mid + 1 <= hi else [(f"{lo}-{hi}", lo, hi)]
        )
    mid = (lo + hi) / 2
    return [(f"{_fmt(lo)}-{_fmt(mid)}", lo, mid), (f"{_fmt(mid)}-{_fmt(hi)}", mid, hi)]


def _entry_lines(entries: list[Entry], with_scale: bool) -> list[str]:
    out = []
    for e in entries:
        if e.group:
            out.append(f"    # {_short(e.group, 110)}")
        pairs = [("id", e.id), ("text", e.text)] + ([("scale", e.scale)] if with_scale else []) + [("column", e.column)]
        out.append(_with("    - " + _flow(pairs), e.check))
    return out


def _section(name: str, lines: list[str]) -> list[str]:
    return [f"  {name}:"] + lines if lines else [f"  {name}: []"]


def render(draft: Draft) -> str:
    """The draft as commented ``study.yml`` text."""
    live_multi = draft.multi_select_live
    if live_multi is None:
        live_multi = MULTI_SELECT_READY and "multi_select" in config.SCALE_TYPES
    scales = [s for s in draft.scales.values() if s.type != "multi_select"]
    multi = [s for s in draft.scales.values() if s.type == "multi_select"]
    if not scales and not (live_multi and multi):
        raise InputError(draft.source, "a survey with at least one question answered on a scale", found="none")
    lines = [
        f"# study.yml drafted by `python -m tieval init --from {draft.source}` (tieval.tools.init).",
        "# A draft to confirm: every `# check` marks a guess. The schema is documented in data/README.md;",
        "# unknown keys are errors. Fill in the report and design, then build with `make study-<id>`.",
        f"id: {draft.study_id}",
        "reconstructed: false",
        "report:",
        _with(f"  title: {_q(draft.title)}", "check: the survey's name; write the report's title as printed"),
        '  organisation: ""          # fill in',
        '  year: ""                  # fill in: year of publication',
        "design:",
        f"  summary: {_q(f'Drafted from {draft.source}; describe the design in one paragraph.')}",
        "  flow:                       # participant flow as the report states it, e.g.",
        '    # - {id: invited, label: "Invited to the survey", n: 100, approximate: true}',
        _with(
            f'    - {{id: responded, label: "Responses received", n: {draft.records or 0}, stage: records}}',
            "check: records counted in the export; write the report's numbers"
            if draft.records is not None
            else "fill in: the number of responses the report gives",
        ),
        "instrument:",
        "  scales:",
    ]
    for scale in scales:
        lines += _scale_lines(scale)
    for scale in multi:
        block = _scale_lines(scale)
        if not live_multi:
            block = ["    # multi-select (needs the multi_select scale type; until then its columns are skipped):"] + [
                "    #" + line[3:] if line.startswith("    ") else "# " + line for line in block
            ]
        lines += block
    items = _entry_lines(draft.items, True)
    multi_items = _entry_lines(draft.multi_select, True)
    if live_multi:
        items += multi_items
    else:
        items += ["    #" + line[3:] for line in multi_items]
    lines += _section("items", items)
    lines += _section("demographics", _entry_lines(draft.demographics, True))
    lines += _section("free_text", _entry_lines(draft.free_text, False))
    if draft.skipped:
        lines.append("  # not drafted:")
        lines += [f"  #   {s}" for s in draft.skipped]
    lines += [
        "survey:",
        _with(f"  format: {draft.survey_format}", draft.survey_check if draft.kind != "export" else ""),
        _with(
            f"  file: {_q(draft.survey_file)}", "" if draft.survey_file != "raw/survey.csv" else "put the export here"
        ),
        _with(f"  id_column: {_q(draft.id_column)}", draft.survey_check if draft.kind == "export" else ""),
    ]
    if draft.identifying:
        lines.append("  identifying_columns:       # never read into processed data")
        lines += [_with(f"    - {_q(c)}", why) for c, why in draft.identifying]
    else:
        lines.append("  identifying_columns: []")
    lines += [
        "inputs:",
        "  published: published/figures.csv   # every number the report prints, one row each (header written by init)",
        "  # the qualitative inputs, when there are any, e.g.",
        "  # excerpts: raw/excerpts.csv",
        "  # codings: raw/codings.csv",
        "  # codebook: analysis/codebook.yml",
        "",
    ]
    return "\n".join(lines)


# --------------------------------------------------------------------------- entry points
def _kind(path: Path) -> str:
    suffix = path.suffix.lower()
    if not path.is_file():
        raise InputError(path, f"an existing file: {_SOURCE_KINDS}")
    with open(path, "rb") as handle:
        head = handle.read(4)
    if suffix == ".qsf":
        return "qsf"
    if suffix in (".sav", ".zsav") or head in (b"$FL2", b"$FL3"):
        return "sav"
    if suffix in (".csv", ".tsv", ".xlsx"):
        return "export"
    raise InputError(path, _SOURCE_KINDS, found=f"a {suffix or 'suffix-less'} file")


def default_id(path: Path) -> str:
    """A study id made from a file name: lower case, words joined by '-'."""
    return re.sub(r"[^a-z0-9]+", "-", path.stem.lower()).strip("-") or "study"


def draft_study(
    source: str | Path, study_id: str, export: str | Path | None = None, *, multi_select: bool | None = None
) -> str:
    """The drafted ``study.yml`` text for ``source`` (matched to ``export`` when given)."""
    source = Path(source)
    kind = _kind(source)
    if kind == "qsf":
        draft = draft_from_qsf(read_qsf(source), study_id)
    elif kind == "sav":
        draft = draft_from_sav(source, study_id)
    else:
        draft = draft_from_export(source, study_id)
    if multi_select is not None:
        draft.multi_select_live = multi_select
    if export is not None and kind != "sav":
        match_export(draft, Path(export))
    elif export is not None:
        draft.survey_file = f"raw/{Path(export).name}"
    return render(draft)


def init_study(
    source: str | Path, study_id: str | None = None, export: str | Path | None = None, root: Path | None = None
) -> Path:
    """Write ``data/<id>/study.yml`` (never over an existing one), copy the export into ``raw/``
    with its manifest, and check that the draft loads; returns the study.yml path."""
    source = Path(source)
    sid = study_id or default_id(source)
    if not _STUDY_ID.match(sid) or sid == "processed":
        raise InputError("--id", "a study id of lower-case letters, digits and '-' (e.g. my-study)", found=sid)
    if export is not None and not Path(export).is_file():
        raise InputError(export, "an existing survey export (--export)")
    folder = study_dir(sid, root)
    target = folder / "study.yml"
    if target.exists():
        raise InputError(target, "a study that has no study.yml yet (init never overwrites one)")
    if export is None and _kind(source) == "sav":
        export = source  # a .sav is its own export: its dictionary drafts study.yml, its cases are read
    text = draft_study(source, sid, export)
    copied = None
    if export is not None:
        copied = folder / "raw" / Path(export).name
        if copied.exists():
            raise InputError(copied, "a raw/ without this file (init never overwrites raw data)")
    created = not folder.exists()
    folder.mkdir(parents=True, exist_ok=True)
    write_text(text, target)
    figures = folder / "published" / "figures.csv"
    made_figures = not figures.exists()
    if made_figures:
        figures.parent.mkdir(parents=True, exist_ok=True)
        write_text(FIGURE_COLUMNS + "\n", figures)
    if copied is not None:
        copied.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(export, copied)
        write_manifest(folder / "raw")
    try:
        config.load_study(folder, check_files=copied is not None)
    except ConfigError:
        target.unlink()
        if made_figures:
            figures.unlink()
        if copied is not None:
            copied.unlink()
            (folder / "raw" / "MANIFEST.sha256").unlink(missing_ok=True)
        if created:
            shutil.rmtree(folder, ignore_errors=True)
        raise
    return target


def init_cli(source: str, study_id: str | None = None, export: str | None = None) -> int:
    """``python -m tieval init``: write the draft and say what to do next."""
    path = init_study(source, study_id, export)
    text = path.read_text(encoding="utf-8")
    checks = text.count("# check")
    print(f"wrote {path} ({checks} guesses marked '# check' to confirm)")
    if (path.parent / "raw" / "MANIFEST.sha256").is_file():
        print(f"next: confirm the '# check' lines, then `make study-{path.parent.name}`")
    else:
        print("next: put the export in raw/, set survey.file, then `python -m tieval manifest --study <id>`")
    return 0
