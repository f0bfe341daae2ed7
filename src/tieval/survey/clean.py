"""Cleaning a survey export into the tidy tables of the data contract, or stopping with one clear error.

The cleaning step (``notebooks/02_clean.ipynb``, ``python -m tieval validate``):

1. :func:`clean_study` verifies the raw folder's checksum manifest
   (:mod:`tieval.integrity`), reads the export (:func:`tieval.survey.ingest.read_export`)
   and validates it.
2. :func:`validate` checks every answer against ``study.yml``, column by column
   (each column's distinct values are mapped once, then broadcast to the
   records): unknown answer labels, numbers outside a scale, unknown numeric
   codes, empty or duplicated response ids, unknown Qualtrics statuses.  The
   first bad cell in file order is reported with its row, column and what the
   scale accepts.
3. Survey previews, tests and spam (Qualtrics ``Status``) and records with no
   item answered are excluded with the reason recorded (kept in
   ``respondents.csv`` with status ``excluded``); included respondents are
   ``complete`` (every item answered; a not-relevant answer counts as an
   answer) or ``partial``.
4. :func:`build_tables` writes the long responses table: ``code`` is the raw
   code on the item's scale (an ordinal answer's code as answered, numeric items as numbers);
   reverse-worded items are *not* reversed here - scoring
   (:mod:`tieval.survey.scores`) uses ``min + max - code`` of the scale for ``Item.reverse``.  Not-relevant
   answers keep their own label and the category ``not_relevant`` with a blank
   code, so tables can show them and scores treat them as missing.
5. Respondents get stable pseudonymous ids and free text is redacted
   (:mod:`tieval.survey.redact`); identifying columns were never read, and free-text
   columns found to hold e-mails, phones or names are kept out (``survey.keep_columns``).
6. The processed tables and the exclusions (participant-flow) table are
   written together, atomically: on any error nothing already built changes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from tieval import schema, store
from tieval.config import Scale, Study, load_study, normalise_label
from tieval.errors import ConfigError, InputError, display_path
from tieval.integrity import MANIFEST_NAME, verify_manifest
from tieval.paths import step_dir
from tieval.survey import data
from tieval.survey.columns import constant, distinct, texts
from tieval.survey.definition import with_definition
from tieval.survey.ingest import Export, format_words, looks_numeric, read_export
from tieval.survey.multiselect import decode_all, expected_answers, multi_select_rows, with_multi_select
from tieval.survey.redact import Redaction, first_duplicate, id_digests, pseudonyms, redact_series, withheld_columns

__all__ = [
    "EXCLUSION_REASONS",
    "STATUS_KINDS",
    "STATUS_EXCLUSIONS",
    "STATUS_REASONS",
    "FLOW_ALIASES",
    "Tables",
    "WaveSource",
    "WaveClean",
    "NO_LINK_KEY",
    "LINK_EXCLUSION",
    "wave_sources",
    "clean_wave",
    "link_keys",
    "linkage_table",
    "linkage_counts",
    "linkage_summary",
    "Decoded",
    "Validation",
    "CleanResult",
    "decode_column",
    "recodes_declared",
    "unknown_answers",
    "validate",
    "validate_file",
    "validate_cli",
    "summary_text",
    "flow_table",
    "compare_flow",
    "build_tables",
    "clean_study",
    "prepare_study",
    "write_processed",
    "item_summary",
    "deidentification_summary",
    "processed_paths",
    "export_overview",
    "flow_check_sentence",
    "table_counts",
]

#: A respondent's status in respondents.csv (``Validation.status_codes`` index this tuple).
STATUS_KINDS = ("partial", "complete", "excluded")

#: Why a record is not analysed (codes used in respondents.csv, descriptions in exclusions.csv).
EXCLUSION_REASONS = {
    "survey_preview": "Survey preview (Qualtrics Status 'Survey Preview')",
    "survey_test": "Survey test (Qualtrics Status 'Survey Test')",
    "spam": "Flagged as spam (Qualtrics Status 'Spam')",
    "no_items_answered": "No questionnaire item answered",
}

#: The exclusion of a study whose waves are linked (a link key): an analysable response without a key.
LINK_EXCLUSION = ("no_link_key", "No link key (participant code) to pair the response across waves")

#: Exclusions decided by the Qualtrics Status (the others concern what was answered).
STATUS_EXCLUSIONS = ("survey_preview", "survey_test", "spam")

#: Qualtrics Status values (text and numeric forms, normalised) -> exclusion reason ('' = a real response).
STATUS_REASONS = {
    "ip address": "",
    "0": "",
    "imported": "",
    "4": "",
    "offline": "",
    "16": "",
    "survey preview": "survey_preview",
    "1": "survey_preview",
    "offline survey preview": "survey_preview",
    "17": "survey_preview",
    "survey test": "survey_test",
    "2": "survey_test",
    "spam": "spam",
    "8": "spam",
    "preview spam": "spam",
    "9": "spam",
    "imported spam": "spam",
    "12": "spam",
}


# --------------------------------------------------------------------------------------------
# decoding one column


@dataclass
class Decoded:
    """The validated answers of one column.

    ``index[r]`` points record ``r`` at one distinct value; ``code``, ``label``, ``category`` and
    ``missing`` describe each distinct value (so a million records cost a handful of lookups)."""

    id: str
    column: str
    scale: Scale
    index: np.ndarray
    code: np.ndarray
    label: np.ndarray
    category: np.ndarray
    missing: np.ndarray
    recoded: bool = False
    bad: np.ndarray | None = None  # per distinct value: not accepted by the scale

    def per_record(self, values: np.ndarray) -> np.ndarray:
        """Broadcast a per-distinct-value array to the records."""
        return values[self.index]

    @property
    def answered(self) -> np.ndarray:
        """Per record: answered (an answer on the scale or a not-relevant answer)."""
        return (self.missing != "not_answered")[self.index]


def _number_text(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def _numeric_entry(text: str, scale: Scale, anchors: dict[str, float]):
    value = anchors.get(normalise_label(text))
    if value is None:
        match = re.match(r"^\s*([-+]?\d+(?:\.\d+)?)\s*(?:[-:=(]\s*(.*?)\)?\s*)?$", text)
        if not match or (match.group(2) and normalise_label(match.group(2)) not in anchors):
            try:
                value = float(text)
            except ValueError:
                return None
        else:
            value = float(match.group(1))
    if (
        not np.isfinite(value)
        or (scale.min is not None and value < scale.min)
        or (scale.max is not None and value > scale.max)
    ):
        return None
    return (value, _number_text(value), scale.bin_of(value) or "", "")


def _distinct_texts(values: pd.Series) -> tuple[np.ndarray, list[str]]:
    """``(codes, uniques)`` of a column of text (:func:`tieval.survey.columns.distinct`); a missing value
    is read as an empty cell, so every code points at a string."""
    codes, uniques = distinct(values if isinstance(values.dtype, pd.CategoricalDtype) else values.astype("str"))
    uniques = [str(u) for u in uniques]
    if len(codes) and codes.min() < 0:
        codes = np.where(codes < 0, len(uniques), codes.astype(np.int64))
        uniques.append("")
    return codes, uniques


def recodes_declared(scale: Scale) -> bool:
    """Whether study.yml says which number the survey tool exports for every level of ``scale``
    (its ``recode``): only then can a numeric export be read.  Qualtrics recode values follow the
    order the options were created in, not the scale (a 7-point item coded 1, 2, 3, 5, 4, 6, 7), so
    a code is never taken for a scale position."""
    return bool(scale.levels) and all(lv.recode is not None for lv in scale.levels)


def decode_column(
    values: pd.Series, scale: Scale, *, item_id: str = "", column: str = ""
) -> tuple[Decoded, int | None, str]:
    """Map a text column through ``scale``.

    Returns the decoded column, the position of the first record whose value the scale
    does not accept (``None`` if all are accepted) and a description of what it accepts.
    Labels are matched case- and space-insensitively (plus the scale's aliases); a column
    of numbers on a labelled scale is read as numeric recodes (``Scale.recode_lookup``).
    A categorical column (as :mod:`tieval.survey.ingest` reads coded columns) is read off its codes;
    a missing value counts as an empty cell."""
    index, uniques = _distinct_texts(values)
    n = len(uniques)
    code = np.full(n, np.nan)
    label = np.full(n, "", dtype=object)
    category = np.full(n, "", dtype=object)
    missing = np.full(n, "not_answered", dtype=object)
    ok = np.ones(n, dtype=bool)
    expected = scale.describe()
    recoded = False
    present = [i for i, u in enumerate(uniques) if u.strip()]

    if scale.type == "numeric":
        anchors = {normalise_label(t): float(k) for k, t in scale.anchors.items()}
        entries = {i: _numeric_entry(uniques[i], scale, anchors) for i in present}
    elif scale.type == "text":
        entries = {i: (np.nan, uniques[i].strip(), "", "") for i in present}
    else:
        lookup = scale.label_lookup()
        entries = {i: lookup.get(normalise_label(uniques[i])) for i in present}
        if any(e is None for e in entries.values()) and looks_numeric(uniques[i] for i in present):
            recoded = True
            if not recodes_declared(scale):
                entries = {i: None for i in present}
                expected = (
                    f"answer labels, or numeric codes whose meaning study.yml declares (the column holds "
                    f"numbers: give every level of scale {scale.id} its `recode`, the value the survey tool "
                    f"exports for it, which need not follow scale order; or export choice text, or a .sav "
                    f"with value labels)"
                )
            else:
                recodes = scale.recode_lookup()
                entries = {i: recodes.get(float(uniques[i])) for i in present}
                codes = ", ".join(_number_text(k) for k in sorted(recodes))
                expected = (
                    f"one of the numeric codes {codes} (the column holds numbers, read as the "
                    f"codes of scale {scale.id} in study.yml"
                )
                if any(r is None for r in scale.not_relevant_recodes):
                    expected += "; give each not-relevant answer its code with `recode` there"
                expected += ")"
        entries = {
            i: None
            if e is None
            else (np.nan if e[0] is None else float(e[0]), e[1], e[2], "not_relevant" if e[2] == "not_relevant" else "")
            for i, e in entries.items()
        }
    for i, entry in entries.items():
        if entry is None:
            ok[i] = False
            continue
        code[i], label[i], category[i], missing[i] = entry
    decoded = Decoded(item_id, column, scale, index, code, label, category, missing, recoded, ~ok)
    first_bad = None
    if not ok.all():
        first_bad = int(np.flatnonzero(~ok[index])[0])
    return decoded, first_bad, expected


# --------------------------------------------------------------------------------------------
# validation


@dataclass
class Validation:
    """An export checked against its study: decoded answers, exclusions and completion per record."""

    export: Export
    study: Study
    ids: pd.Series
    digests: np.ndarray
    items: dict[str, Decoded]
    demographics: dict[str, Decoded]
    reason: np.ndarray
    n_answered: np.ndarray
    answered_prefix: np.ndarray
    warnings: list[str] = field(default_factory=list)
    withheld: list = field(default_factory=list)  # identifying free-text columns kept out (redact.withheld_columns)
    multi: dict = field(default_factory=dict)  # multi-select items (survey.multiselect.MultiSelect) by id
    expected: np.ndarray | None = None  # per record: items asked (blank loop iterations left out); None: all

    @property
    def included(self) -> np.ndarray:
        """Per record: analysed (not excluded)."""
        return self.reason == ""

    @property
    def status_codes(self) -> np.ndarray:
        """Per record: the position of its status in :data:`STATUS_KINDS`."""
        expected = len(self.items) if self.expected is None else self.expected
        return np.where(self.included, self.n_answered >= expected, 2).astype(np.int8)

    @property
    def status(self) -> np.ndarray:
        """Per record: complete, partial or excluded."""
        return np.array(STATUS_KINDS, dtype=object)[self.status_codes]

    @property
    def recoded_columns(self) -> list[str]:
        """Columns read as numeric recodes."""
        return [d.column for d in (*self.items.values(), *self.demographics.values()) if d.recoded]

    def counts(self) -> dict[str, int]:
        """Records, exclusions by reason, responses, complete and partial."""
        status = self.status
        out = {"records": len(self.reason)}
        for code in EXCLUSION_REASONS:
            out[f"excluded_{code}"] = int((self.reason == code).sum())
        if self.study.survey and self.study.survey.link_key:
            out[f"excluded_{LINK_EXCLUSION[0]}"] = int((self.reason == LINK_EXCLUSION[0]).sum())
        out["received"] = out["records"] - sum(out[f"excluded_{c}"] for c in STATUS_EXCLUSIONS)
        out["responses"] = int(self.included.sum())
        out["complete"] = int((status == "complete").sum())
        out["partial"] = int((status == "partial").sum())
        return out


def _check_ids(export: Export, study: Study) -> tuple[pd.Series, np.ndarray]:
    """The stripped response ids and their digests (:func:`tieval.survey.redact.id_digests`); an empty
    or repeated id is an error.  Repeats are found from the digests, which de-identification
    needs anyway, so the ids are hashed once and never compared as text."""
    ids = export.frame[export.id_column].str.strip()
    empty = np.flatnonzero((ids == "").to_numpy())
    if len(empty):
        raise InputError(
            export.path,
            "a response id in every row",
            row=export.row_of(int(empty[0])),
            column=export.id_column,
            found="",
        )
    digests = id_digests(study.id, ids)
    repeat = first_duplicate(digests)
    if repeat is not None:
        pos, first = repeat
        raise InputError(
            export.path,
            f"each response id once (this id is also on row {export.row_of(first)})",
            row=export.row_of(pos),
            column=export.id_column,
            found=ids.iloc[pos],
        )
    return ids, digests


def _status_reasons(export: Export) -> np.ndarray:
    n = export.n_records
    if not export.status_column:
        return np.full(n, "", dtype=object)
    index, uniques = _distinct_texts(export.frame[export.status_column])
    reasons = np.empty(len(uniques), dtype=object)
    for i, value in enumerate(uniques):
        key = normalise_label(value)
        if key.endswith(".0") and key[:-2].isdigit():
            key = key[:-2]
        if key == "":
            reasons[i] = ""
        elif key in STATUS_REASONS:
            reasons[i] = STATUS_REASONS[key]
        else:
            pos = int(np.flatnonzero(index == i)[0])
            raise InputError(
                export.path,
                "a Qualtrics Status: 'IP Address', 'Survey Preview', 'Survey Test', "
                "'Spam', 'Imported' or 'Offline' (or its numeric code)",
                row=export.row_of(pos),
                column=export.status_column,
                found=value,
            )
    return reasons[index]


#: At most this many distinct unknown answers are listed in one message.
UNKNOWN_SHOWN = 8


def unknown_answers(export: Export, decoded: Decoded, where: str, expected: str, others=()) -> InputError:
    """One error for every answer of a column the scale does not accept: each distinct value with the
    first row it is on (at most :data:`UNKNOWN_SHOWN`), and the other columns that also hold some."""
    firsts = np.full(len(decoded.bad), -1, dtype=np.int64)
    seen, first = np.unique(decoded.index, return_index=True)
    firsts[seen] = first
    bad = [i for i in np.flatnonzero(decoded.bad) if firsts[i] >= 0]
    bad.sort(key=lambda i: firsts[i])
    values = export.frame[decoded.column]
    first_row = export.row_of(int(firsts[bad[0]]))
    also = ""
    if others:
        also = (
            f"; {len(others)} other column(s) also hold answers their scale does not accept: "
            + ", ".join(others[:6])
            + (" ..." if len(others) > 6 else "")
        )
    if len(bad) == 1 and not also:
        return InputError(export.path, expected, row=first_row, column=where, found=values.iloc[int(firsts[bad[0]])])
    shown = ", ".join(
        f"{str(values.iloc[int(firsts[i])])[:40]!r} (row {export.row_of(int(firsts[i]))})" for i in bad[:UNKNOWN_SHOWN]
    )
    if len(bad) > UNKNOWN_SHOWN:
        shown += f" and {len(bad) - UNKNOWN_SHOWN} more"
    if decoded.recoded and not recodes_declared(decoded.scale):
        found = f"numeric codes {shown}"
    else:
        noun = "code" if decoded.recoded else "answer"
        found = f"{len(bad)} {noun}s it does not accept: {shown}" if len(bad) > 1 else shown
    return InputError(export.path, f"{expected}; found {found}{also}", row=first_row, column=where)


def validate(export: Export, study: Study) -> Validation:
    """Check every record of ``export`` against ``study``; raise :class:`InputError` at the first problem.
    A survey definition study.yml names (``survey.definition``) supplies the recodes it leaves out
    (:func:`tieval.survey.definition.with_definition`)."""
    study = with_definition(study)
    ids, digests = _check_ids(export, study)
    problems: list[tuple[int, int, InputError]] = []

    def decode(key: str, column: str, scale: Scale, what: str) -> Decoded:
        decoded, bad, expected = decode_column(export.frame[column], scale, item_id=key, column=column)
        if bad is not None:
            problems.append((bad, export.positions.get(column, 0), (decoded, f"{column} ({what})", expected)))
        return decoded

    items = {
        it.id: decode(it.id, export.item_columns[it.id], study.scale_of(it), f"item {it.id}") for it in study.items
    }
    demographics = {
        d.id: decode(d.id, export.demographic_columns[d.id], study.scales[d.scale], d.id) for d in study.demographics
    }
    if problems:
        problems.sort(key=lambda p: (p[0], p[1]))
        decoded, where, expected = problems[0][2]
        others = [p[2][1].split(" (")[0] for p in problems[1:]]
        raise unknown_answers(export, decoded, where, expected, others)
    multi = decode_all(export, study)
    reason = _status_reasons(export)

    n = export.n_records
    if items:
        answered = np.column_stack([d.answered for d in items.values()])
    else:
        answered = np.zeros((n, 0), dtype=bool)
    n_answered = answered.sum(axis=1).astype(np.int64)
    # length of the run of answered items from the first item on
    prefix = (
        np.where(answered.all(axis=1), answered.shape[1], answered.argmin(axis=1))
        if items
        else np.zeros(n, dtype=np.int64)
    )
    reason = np.where((reason == "") & (n_answered == 0), "no_items_answered", reason).astype(object)
    if not (reason == "").any():
        by = ", ".join(
            f"{EXCLUSION_REASONS[c].split(' (')[0].lower()} {int((reason == c).sum())}"
            for c in EXCLUSION_REASONS
            if (reason == c).any()
        )
        raise InputError(
            export.path,
            "at least one response that is not a preview, test, spam or empty record",
            found=f"{n} record(s), all excluded ({by})",
        )
    warnings = list(export.warnings)
    withheld = withheld_columns(export, study)
    warnings += [c.warning for c in withheld]
    recoded = [d.column for d in (*items.values(), *demographics.values()) if d.recoded]
    if recoded:
        warnings.append(
            f"{len(recoded)} column(s) hold numeric codes, read through the scale codes in "
            f"study.yml: {', '.join(recoded[:8])}{' ...' if len(recoded) > 8 else ''}"
        )
    return Validation(
        export,
        study,
        ids,
        digests,
        items,
        demographics,
        reason,
        n_answered,
        np.where(n_answered == prefix, n_answered, -1),
        warnings,
        withheld,
        multi=multi,
        expected=expected_answers(study, answered),
    )


def validate_file(path: str | Path, study: str | Study) -> Validation:
    """Read and validate one export without writing anything."""
    if not isinstance(study, Study):
        study = load_study(study, check_files=False)
    _require_survey(study)
    export = read_export(path, study)
    try:
        return validate(export, study)
    except InputError:
        raise
    except Exception as exc:  # noqa: BLE001 - the command line never shows a traceback
        raise InputError(
            path,
            "an export tieval can validate (this is an unexpected failure; please report it with the file's layout)",
            found=f"{type(exc).__name__}: {' '.join(str(exc).split())}",
        ) from None


def _require_survey(study: Study) -> None:
    if study.survey is None:
        raise ConfigError(
            study.config_file, "a survey section (format, file, id_column) to clean a survey export", column="survey"
        )


def summary_text(validation: Validation) -> str:
    """A short plain-text summary: format and records, responses, exclusions by reason, warnings."""
    export = validation.export
    c = validation.counts()
    codes = [*EXCLUSION_REASONS, LINK_EXCLUSION[0]]
    excluded = {code: c[f"excluded_{code}"] for code in codes if c.get(f"excluded_{code}")}
    lines = [
        f"{display_path(export.path)}: {format_words(export.format)}, {c['records']} record(s)",
        f"received: {c['received']} (records that are not previews, tests or spam)",
        f"responses: {c['responses']} ({c['complete']} complete, {c['partial']} partial)",
    ]
    if excluded:
        lines.append(
            f"excluded: {sum(excluded.values())} ("
            + ", ".join(f"{code.replace('_', ' ')} {k}" for code, k in excluded.items())
            + ")"
        )
    else:
        lines.append("excluded: 0")
    lines.append(f"warnings: {len(validation.warnings)}")
    lines += [f"  - {w}" for w in validation.warnings]
    return "\n".join(lines)


def validate_cli(file: str, study: str) -> int:
    """``python -m tieval validate FILE --study STUDY``: print a summary and return 0, or raise InputError."""
    print(summary_text(validate_file(file, study)))
    return 0


# --------------------------------------------------------------------------------------------
# participant flow


def flow_table(validation: Validation) -> pd.DataFrame:
    """The exclusions and participant-flow table (``schema.EXCLUSIONS``): one row per stage."""
    c = validation.counts()
    study = validation.study
    rows = [("records", c["records"], "Records in the export (rows below the header)")]
    rows += [(f"excluded_{code}", c[f"excluded_{code}"], EXCLUSION_REASONS[code]) for code in STATUS_EXCLUSIONS]
    rows.append(("received", c["received"], "Responses received (records that are not previews, tests or spam)"))
    rows += [
        (f"excluded_{code}", c[f"excluded_{code}"], text)
        for code, text in EXCLUSION_REASONS.items()
        if code not in STATUS_EXCLUSIONS
    ]
    if study.survey and study.survey.link_key:
        rows.append((f"excluded_{LINK_EXCLUSION[0]}", c[f"excluded_{LINK_EXCLUSION[0]}"], LINK_EXCLUSION[1]))
    analysed = "at least one item answered" + (", with a link key" if study.survey and study.survey.link_key else "")
    rows.append(("responses", c["responses"], f"Responses analysed ({analysed})"))
    rows.append(("complete", c["complete"], "Every item answered (a not-relevant answer counts as an answer)"))
    rows.append(("partial", c["partial"], "At least one item not answered"))
    partial = validation.status == "partial"
    ids = [it.id for it in study.items]
    for k in sorted(set(validation.answered_prefix[partial & (validation.answered_prefix > 0)].tolist())):
        span = f"item ({ids[0]})" if k == 1 else f"{k} items ({ids[0]}-{ids[k - 1]})"
        rows.append(
            (
                f"partial_first_{k}",
                int((partial & (validation.answered_prefix == k)).sum()),
                f"Partial: answered the first {span} and no item after them",
            )
        )
    return pd.DataFrame(rows, columns=schema.EXCLUSIONS)


_NUMBER_WORDS = {
    w: i
    for i, w in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
        "sixteen seventeen eighteen nineteen twenty".split()
    )
}

#: Flow stage ids of study.yml (design.flow) understood as stages of the cleaned export
#: (a flow entry's ``stage`` key, when given, names the cleaned stage directly).
FLOW_ALIASES = {
    "records": "records",
    "exported": "records",
    "responded": "received",
    "responses": "received",
    "respondents": "received",
    "received": "received",
    "questionnaire": "received",
    "survey": "received",
    "analysed": "responses",
    "analyzed": "responses",
    "with_data": "responses",
    "complete": "complete",
    "completed": "complete",
    "partial": "partial",
    "incomplete": "partial",
    "missing_data": "excluded_no_items_answered",
    "empty": "excluded_no_items_answered",
}


def _flow_counterpart(stage_id: str, stages: set[str]) -> str | None:
    if stage_id in stages:
        return stage_id
    if stage_id in FLOW_ALIASES:
        return FLOW_ALIASES[stage_id]
    match = re.fullmatch(r"partial_first_(\w+)", stage_id)
    if match:
        k = match.group(1)
        k = int(k) if k.isdigit() else _NUMBER_WORDS.get(k)
        if k is not None:
            return f"partial_first_{k}"
    return None


def _wave_counterpart(stage_id: str, wave: str, stages: set[str]) -> str | None:
    """The cleaned stage of a flow stage of one wave (``design.flow[].wave``): the wave's own
    stages (``<wave>.<stage>``) matched as :func:`_flow_counterpart` matches a single export's; a
    stage without a wave is matched among all stages (``linkage.linked`` ... by id, e.g. ``linked``)."""
    if not wave:
        found = _flow_counterpart(stage_id, stages)
        if found is None and f"linkage.{stage_id}" in stages:
            return f"linkage.{stage_id}"
        return found
    prefix = f"{wave}."
    found = _flow_counterpart(stage_id, {s.removeprefix(prefix) for s in stages if s.startswith(prefix)})
    return None if found is None else prefix + found


def compare_flow(study: Study, exclusions: pd.DataFrame) -> pd.DataFrame:
    """The report's participant flow (``design.flow``) beside the cleaned counts.

    A flow stage is matched to a cleaned stage by its ``stage`` key in ``design.flow``
    (the study's own reading of what the report counted), else by id: the same id, a
    known alias (:data:`FLOW_ALIASES`, e.g. ``responded`` -> ``received``) or
    ``partial_first_<k>`` (``k`` in digits or words).  ``check`` says ``matches``,
    ``differs`` or why there is nothing to compare."""
    counts = dict(zip(exclusions["stage"], exclusions["n"].astype(int)))
    known = set(counts) | {"partial_first_<k>"}
    rows = []
    for i, stage in enumerate(study.flow):
        declared = str(stage.get("stage") or "")
        if declared and declared not in counts and not re.fullmatch(r"([^.]+\.)?partial_first_\d+", declared):
            raise ConfigError(
                study.config_file,
                "a stage of the cleaned export: " + ", ".join(sorted(known)),
                column=f"design.flow[{i}].stage",
                found=declared,
            )
        target = declared or _wave_counterpart(str(stage["id"]), str(stage.get("wave") or ""), set(counts))
        partial = bool(target and re.fullmatch(r"([^.]+\.)?partial_first_\d+", target))
        cleaned = counts.get(target, 0 if partial else None) if target else None
        published = stage["n"]
        if target is None:
            check = "not a stage of the survey export"
        elif stage.get("approximate"):
            check = "approximate in the report"
        elif cleaned == published:
            check = "matches"
        else:
            check = "differs"
        rows.append(
            {
                "flow_stage": stage["id"],
                "label": stage["label"],
                "published_n": published,
                "cleaned_stage": target or "",
                "cleaned_n": "" if cleaned is None else int(cleaned),
                "check": check,
            }
        )
    return pd.DataFrame(rows, columns=["flow_stage", "label", "published_n", "cleaned_stage", "cleaned_n", "check"])


# --------------------------------------------------------------------------------------------
# tidy tables


@dataclass
class Tables:
    """The three processed tables, the exclusions table and the redaction counts."""

    respondents: pd.DataFrame
    responses: pd.DataFrame
    free_text: pd.DataFrame
    exclusions: pd.DataFrame
    redactions: dict[str, int]
    redactions_by_question: pd.DataFrame | None = None  # redact.Redaction.by_group, one row per free-text question


#: The characters Python's ``str.strip()`` removes (Unicode whitespace), so free text is stripped
#: exactly as ``str.strip()`` would while staying in pandas' (Arrow-backed) ``str`` dtype.
_WHITESPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005"
    "\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)


def _index_dtype(n: int) -> np.dtype:
    """The smallest signed integer type holding the positions ``0..n-1``."""
    return np.dtype(np.int8 if n <= 2**7 else np.int16 if n <= 2**15 else np.int32 if n <= 2**31 else np.int64)


def _stacked(values: list[np.ndarray], pairs: np.ndarray) -> pd.Categorical:
    """One column of the long responses table as a categorical.

    ``values[j]`` describes the distinct values of item ``j``; ``pairs`` holds, per (respondent,
    item) row, the position of its value in ``np.concatenate(values)``.  The values are factorised
    once (categories in order of first appearance, plus ``""``) and the rows pick their category
    code from that small table, so a million respondents cost one gather of small integers."""
    codes, categories = pd.factorize(np.concatenate(values + [np.array([""], dtype=object)]))
    small = codes[:-1].astype(_index_dtype(len(categories)))
    return pd.Categorical.from_codes(small[pairs], categories=categories.astype(object), validate=False)


def build_tables(validation: Validation, wave: str = schema.SINGLE_WAVE) -> Tables:
    """Respondents, long responses, redacted free text and the flow table, sorted deterministically;
    every row carries ``wave`` (:data:`tieval.schema.SINGLE_WAVE` for a study without waves).

    The pseudonymous ids are sorted once: that order sorts the respondents table, and its
    included part orders the responses and the free text."""
    study = validation.study
    pseudo_ids = pseudonyms(validation.digests)
    ids, by_id = pseudo_ids.ids.array, pseudo_ids.order  # by_id: code-point order, as Python sorts str
    reason_codes, reasons = pd.factorize(validation.reason)
    columns = {
        "study": constant(study.id, len(by_id)),
        "wave": constant(wave, len(by_id)),
        "respondent_id": ids.take(by_id),
        "status": texts(validation.status_codes[by_id], STATUS_KINDS),
        "exclusion_reason": texts(reason_codes[by_id], reasons),
        "n_items_answered": validation.n_answered[by_id],
    }
    for did, decoded in validation.demographics.items():
        columns[did] = texts(decoded.index[by_id], decoded.label)
    respondents = pd.DataFrame(columns, copy=False)

    included = np.asarray(validation.included, dtype=bool)[by_id]
    order = by_id[included]  # included records, by pseudonymous id
    pseudo = columns["respondent_id"][included]
    items = list(validation.items.values())
    m, n_inc = len(items), len(order)
    # pairs[r, j]: where record r's answer to item j sits among all items' distinct values;
    # built in record order, then the included records' rows are taken in id order
    # (filled item by item into contiguous rows, then turned into one row per record)
    starts = np.cumsum([0] + [len(d.code) for d in items])
    by_item = np.empty((m, len(by_id)), dtype=_index_dtype(int(starts[-1])))
    for j, d in enumerate(items):
        np.add(d.index, starts[j], out=by_item[j], casting="unsafe")
    pairs = np.ascontiguousarray(by_item.T)[order].ravel()
    del by_item

    def stacked(per_value: list[np.ndarray]) -> pd.Categorical:
        return _stacked(per_value, pairs) if m else pd.Categorical([])

    code_text = [np.array(["" if np.isnan(x) else store.FLOAT_FORMAT % x for x in d.code], dtype=object) for d in items]
    respondent = np.broadcast_to(np.arange(n_inc, dtype=_index_dtype(n_inc))[:, None], (n_inc, m)).ravel()
    item = np.broadcast_to(np.arange(m, dtype=_index_dtype(m)), (n_inc, m)).ravel()
    responses = pd.DataFrame(
        {
            "study": pd.Categorical.from_codes(np.zeros(n_inc * m, dtype=np.int8), categories=[study.id]),
            "wave": pd.Categorical.from_codes(np.zeros(n_inc * m, dtype=np.int8), categories=[wave]),
            "respondent_id": pd.Categorical.from_codes(respondent, categories=pd.Index(pseudo), validate=False),
            "item_id": pd.Categorical.from_codes(item, categories=[d.id for d in items], validate=False),
            "code": stacked(code_text),
            "label": stacked([d.label for d in items]),
            "category": stacked([d.category for d in items]),
            "missing_reason": stacked([d.missing for d in items]),
        },
        columns=schema.RESPONSES,
        copy=False,
    )

    constants = {"study": study.id, "wave": wave}
    responses = with_multi_select(responses, multi_select_rows(validation.multi, order), pseudo, constants)
    free, redaction = _free_text(validation, order, pseudo, wave)
    return Tables(
        respondents[schema.RESPONDENTS + [d.id for d in study.demographics]],
        responses,
        free,
        flow_table(validation),
        redaction.counts,
        redaction.by_group,
    )


def _free_text(
    validation: Validation, order: np.ndarray, pseudo, wave: str = schema.SINGLE_WAVE
) -> tuple[pd.DataFrame, Redaction]:
    """The free-text table: non-empty answers of the included records (``order``: their positions,
    by pseudonymous id ``pseudo``), line ends made ``\\n``, stripped and redacted; sorted by
    respondent, then question in ``study.yml`` order.  Also the redaction counts."""
    study, export = validation.study, validation.export
    ranks, questions, parts = [], [], []
    for q, ft in enumerate(study.free_text):
        if export.free_text_columns[ft.id] in {c.column for c in validation.withheld}:
            continue  # identifying (redact.withheld_columns): kept out of processed data
        column = export.frame[export.free_text_columns[ft.id]]
        rank = np.flatnonzero((column != "").to_numpy(dtype=bool)[order])  # positions in id order
        text = column.take(order[rank]).reset_index(drop=True)
        text = text.str.replace("\r\n", "\n", regex=False).str.replace("\r", "\n", regex=False)
        text = text.str.strip(_WHITESPACE)
        keep = (text != "").to_numpy()
        ranks.append(rank[keep])
        questions.append(np.full(int(keep.sum()), q, dtype=np.int64))
        parts.append(text[keep])
    rank = np.concatenate(ranks) if ranks else np.zeros(0, dtype=np.int64)
    question = np.concatenate(questions) if questions else np.zeros(0, dtype=np.int64)
    by = np.lexsort((question, rank))  # respondent (id order), then question
    text = pd.concat(parts, ignore_index=True).take(by) if parts else pd.Series([], dtype="str")
    rank, question = rank[by], question[by]
    names = study.survey.redact_names if study.survey else ()
    redaction = redact_series(text.reset_index(drop=True), names, by=texts(question, [f.id for f in study.free_text]))
    free = pd.DataFrame(
        {
            "study": constant(study.id, len(by)),
            "wave": constant(wave, len(by)),
            "respondent_id": pd.array(pseudo, dtype="str").take(rank),
            "question_id": texts(question, [ft.id for ft in study.free_text]),
            "text": redaction.texts.array,
        },
        columns=schema.FREE_TEXT,
    )
    return free, redaction


def processed_paths(study_id: str, root: Path | None = None) -> dict[str, Path]:
    """Where the cleaning step writes: the three processed tables, the linkage table (studies with a
    link key only) and the exclusions table."""
    return {
        **{
            name: data.table_path(study_id, name, root) for name in ("respondents", "responses", "free_text", "linkage")
        },
        "exclusions": step_dir(study_id, "02_clean", root) / "exclusions.csv",
    }


# --------------------------------------------------------------------------------------------
# waves and linkage


#: Exclusion of an analysable response without a link key, in a study whose waves are linked.
NO_LINK_KEY = LINK_EXCLUSION[0]


@dataclass
class WaveSource:
    """One wave to clean: its id, label, and one study view per export file (each view's
    ``survey`` names that file, with the wave's format, sheet, id column and link key)."""

    id: str
    label: str
    views: list[Study]

    @property
    def link_key(self) -> str:
        """The wave's link key column ('' when its waves are not linked)."""
        return self.views[0].survey.link_key if self.views else ""


def wave_sources(study: Study) -> list[WaveSource]:
    """The waves of ``study`` in time order with their export files; a study without
    ``design.waves`` is one wave, :data:`tieval.schema.SINGLE_WAVE`, of ``survey.file``."""
    _require_survey(study)
    base = study.survey
    if not study.waves:
        return [WaveSource(schema.SINGLE_WAVE, "Survey", [study])]
    out = []
    for wave in study.waves:
        ws = wave.survey
        files = (base.file,) if ws is None else ((ws.file,) if ws.file else ws.files)
        spec = base
        if ws is not None:
            spec = replace(
                base,
                format=ws.format or base.format,
                sheet=ws.sheet or base.sheet,
                id_column=ws.id_column or base.id_column,
                link_key=ws.link_key or base.link_key,
            )
        out.append(WaveSource(wave.id, wave.label, [replace(study, survey=replace(spec, file=f)) for f in files]))
    return out


def _frame_column(export: Export, name: str) -> str:
    """The key of the column ``name`` among the columns the export kept (exact, else ignoring case)."""
    for col in export.frame.columns:
        if col == name:
            return col
    folded = [c for c in export.frame.columns if str(c).split(" [")[0].casefold() == name.casefold()]
    if len(folded) == 1:
        return folded[0]
    raise InputError(export.path, f"a column for the link key {name!r} (survey.link_key in study.yml)", row=1)


def link_keys(validation: Validation, column: str) -> np.ndarray:
    """Per record: the link key, stripped and compared ignoring case; an analysable record with a
    blank key is excluded (:data:`NO_LINK_KEY`, set in ``validation.reason``), and a key given
    twice among the analysed records of one export is an error naming both rows."""
    export = validation.export
    col = _frame_column(export, column)
    keys = export.frame[col].astype("str").str.strip().str.casefold().to_numpy(dtype=object)
    validation.reason = np.where(validation.included & (keys == ""), NO_LINK_KEY, validation.reason).astype(object)
    analysed = np.flatnonzero(validation.included)
    repeated = pd.Series(keys[analysed], dtype=object).duplicated().to_numpy()
    if repeated.any():
        pos = int(analysed[np.flatnonzero(repeated)[0]])
        first = int(analysed[np.flatnonzero(keys[analysed] == keys[pos])[0]])
        raise InputError(
            export.path,
            f"each link key once among a wave's analysed responses (this key is also on row "
            f"{export.row_of(first)}; exclude one of the two, or correct the code)",
            row=export.row_of(int(pos)),
            column=col,
            found=export.frame[col].iloc[int(pos)],
        )
    return keys


@dataclass
class WaveClean:
    """One wave as cleaned: per export file its export and validation; the wave's tables; and, when
    the waves are linked, the link key of each analysed respondent (index ``respondent_id``; kept in
    memory only, never written)."""

    id: str
    label: str
    exports: list[Export]
    validations: list[Validation]
    tables: Tables
    keys: pd.Series | None = None


def clean_wave(source: WaveSource) -> WaveClean:
    """Read, validate and tabulate every export of one wave (the same reading, exclusions and
    de-identification as a single export); several files of a wave are combined, and a response id
    in two of them is an error."""
    exports, validations, parts, keys = [], [], [], []
    for view in source.views:
        export = read_export(view.path("survey"), view)
        validation = validate(export, view)
        record_keys = link_keys(validation, source.link_key) if source.link_key else None
        tables = build_tables(validation, source.id)
        if record_keys is not None:
            ids = pseudonyms(validation.digests).ids.to_numpy(dtype=object)
            inc = validation.included
            keys.append(pd.Series(record_keys[inc], index=ids[inc], dtype=object))
        exports.append(export)
        validations.append(validation)
        parts.append(tables)
    tables = parts[0] if len(parts) == 1 else _combine_files(parts, exports)
    key_series = None
    if keys:
        key_series = pd.concat(keys) if len(keys) > 1 else keys[0]
        dup = key_series[key_series.duplicated(keep=False)]
        if len(dup):
            raise InputError(
                exports[-1].path,
                f"each link key once among the analysed responses of wave {source.id} (the key is also "
                f"in another of the wave's files)",
                column=source.link_key,
                found=str(dup.iloc[0]),
            )
    return WaveClean(source.id, source.label, exports, validations, tables, key_series)


def _combine_files(parts: list[Tables], exports: list[Export]) -> Tables:
    """The tables of several exports of one wave as one: rows sorted by pseudonymous id (stable, so
    each respondent's items and answers keep their order), flow counts summed stage by stage."""
    respondents = pd.concat([t.respondents for t in parts], ignore_index=True)
    repeat = respondents["respondent_id"].duplicated()
    if repeat.any():
        raise InputError(
            exports[-1].path,
            "each response id once across the files of a wave (the same id is in two of its files)",
            column=exports[-1].id_column,
        )

    def by_id(frame: pd.DataFrame) -> pd.DataFrame:
        frame = pd.concat([frame], ignore_index=True)
        order = np.argsort(frame["respondent_id"].astype("str").to_numpy(dtype=object), kind="stable")
        return frame.take(order).reset_index(drop=True)

    flows = pd.concat([t.exclusions for t in parts], ignore_index=True)
    flow = flows.groupby("stage", sort=False).agg(n=("n", "sum"), reason=("reason", "first")).reset_index()
    partial = flow["stage"].str.startswith("partial_first_")
    k = flow.loc[partial, "stage"].str.removeprefix("partial_first_").astype(int)
    flow = pd.concat([flow[~partial], flow[partial].iloc[np.argsort(k.to_numpy(), kind="stable")]], ignore_index=True)
    redactions: dict[str, int] = {}
    for t in parts:
        for kind, n in t.redactions.items():
            redactions[kind] = redactions.get(kind, 0) + n
    groups = [t.redactions_by_question for t in parts if t.redactions_by_question is not None]
    by_question = None
    if groups:
        joined = pd.concat(groups, ignore_index=True)
        by_question = joined.groupby(joined.columns[0], sort=False).sum(numeric_only=True).reset_index()
    return Tables(
        by_id(respondents),
        by_id(pd.concat([t.responses for t in parts], ignore_index=True)),
        by_id(pd.concat([t.free_text for t in parts], ignore_index=True)),
        flow[schema.EXCLUSIONS],
        redactions,
        by_question,
    )


def linkage_table(waves: list[WaveClean]) -> pd.DataFrame:
    """The linkage (``schema.LINKAGE``): one row per analysed response of linked waves.

    Waves are taken in time order and respondents by pseudonymous id within a wave; each distinct
    link key gets the next pseudonym ``P0001``, ``P0002``, ... when first met (the digits widen
    beyond 9999 people).  The pseudonym is a count, not derived from the key, and the key itself
    is not kept."""
    rows = [(w.id, rid, key) for w in waves if w.keys is not None for rid, key in sorted(w.keys.items())]
    persons: dict[str, int] = {}
    for _, _, key in rows:
        persons.setdefault(key, len(persons) + 1)
    width = max(4, len(str(len(persons))))
    return pd.DataFrame(
        {
            "person": [f"P{persons[key]:0{width}d}" for _, _, key in rows],
            "wave": [w for w, _, _ in rows],
            "respondent_id": [rid for _, rid, _ in rows],
        },
        columns=schema.LINKAGE,
    ).astype("str")


def linkage_counts(linkage: pd.DataFrame, waves: list[tuple[str, str]]) -> pd.DataFrame:
    """Stages of the linkage (``schema.EXCLUSIONS`` rows) for the waves ``[(id, label), ...]``:
    people, linked (an analysed response in every wave), each wave only, and per later wave the
    follow-up non-response (people analysed in an earlier wave with no analysed response in it).
    Non-response is a stage of its own, never counted as skipped items."""
    if not len(linkage):
        return pd.DataFrame(columns=schema.EXCLUSIONS)
    ids = [w for w, _ in waves]
    seen = linkage.groupby("person", sort=True)["wave"].agg(frozenset)
    rows = [("linkage.persons", len(seen), "People: distinct link keys among the analysed responses")]
    rows.append(
        ("linkage.linked", int((seen.map(len) == len(ids)).sum()), "Linked: an analysed response in every wave")
    )
    for w, label in waves:
        only = int((seen == frozenset([w])).sum())
        rows.append((f"linkage.{w}_only", only, f"{label} only: no analysed response in another wave"))
    for j, (w, label) in enumerate(waves[1:], start=1):
        earlier = set(ids[:j])
        lost = int(seen.map(lambda s, w=w, earlier=earlier: bool(s & earlier) and w not in s).sum())
        rows.append(
            (
                f"linkage.{w}_nonresponse",
                lost,
                f"{label} non-response: analysed in an earlier wave, no analysed response in this one",
            )
        )
    return pd.DataFrame(rows, columns=schema.EXCLUSIONS)


def linkage_summary(linkage: pd.DataFrame, waves: list[tuple[str, str]]) -> pd.DataFrame:
    """The linkage at a glance, for the cleaning appendix: per wave its analysed responses, how
    many of them are linked (the person has an analysed response in every wave) and how many are
    in that wave only; then the people in total."""
    seen = linkage.groupby("person", sort=True)["wave"].agg(frozenset)
    everywhere = set(seen.index[seen.map(len) == len(waves)])
    only = {w: set(seen.index[seen == frozenset([w])]) for w, _ in waves}
    rows = []
    for w, label in waves:
        people = linkage.loc[linkage["wave"] == w, "person"]
        rows.append(
            {
                "wave": label,
                "analysed responses": int(len(people)),
                "linked (in every wave)": int(people.isin(everywhere).sum()),
                "this wave only": int(people.isin(only[w]).sum()),
            }
        )
    rows.append(
        {
            "wave": "people (distinct link keys)",
            "analysed responses": int(len(seen)),
            "linked (in every wave)": len(everywhere),
            "this wave only": int(sum(len(v) for v in only.values())),
        }
    )
    return pd.DataFrame(rows, columns=["wave", "analysed responses", "linked (in every wave)", "this wave only"])


def _study_exclusions(waves: list[WaveClean], linkage: pd.DataFrame) -> pd.DataFrame:
    """The exclusions table of the study: a single wave's as it is; with waves, every wave's
    stages (``<wave>.<stage>``, the reason led by the wave's label), then the linkage stages."""
    if len(waves) == 1 and waves[0].id == schema.SINGLE_WAVE:
        return waves[0].tables.exclusions
    parts = [
        w.tables.exclusions.assign(
            stage=w.id + "." + w.tables.exclusions["stage"], reason=w.label + ": " + w.tables.exclusions["reason"]
        )
        for w in waves
    ]
    parts.append(linkage_counts(linkage, [(w.id, w.label) for w in waves]))
    frame = pd.concat([p for p in parts if len(p)], ignore_index=True)
    return frame.astype({"n": "int64"})[schema.EXCLUSIONS]


def _stack(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Tables of several waves, one after the other (waves in time order); text columns as text."""
    if len(frames) == 1:
        return frames[0]
    joined = pd.concat([f.astype({c: "str" for c in f.columns if f[c].dtype == "category"}) for f in frames])
    return joined.reset_index(drop=True)


@dataclass
class CleanResult:
    """What :func:`clean_study` read, decided and wrote (``written`` is empty before :func:`write_processed`).

    ``export`` and ``validation`` are the first wave's first export (the only one of a study
    without waves); ``waves`` holds every wave; ``linkage`` is empty unless the waves are linked."""

    study: Study
    export: Export
    validation: Validation
    tables: Tables
    written: list[Path]
    verified: list[str]
    waves: list[WaveClean] = field(default_factory=list)
    linkage: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=schema.LINKAGE))

    @property
    def linked(self) -> bool:
        """Whether the study's waves are linked by a link key (a linkage table is written)."""
        return any(w.keys is not None for w in self.waves)


def prepare_study(study: str | Path | Study, root: Path | None = None) -> CleanResult:
    """Verify the raw manifest, then read, validate and tabulate every wave's export(s) and build
    the processed tables (one set, with a ``wave`` column) and the linkage, writing nothing
    (``written`` is empty); :func:`write_processed` writes them."""
    cfg = study if isinstance(study, Study) else load_study(study, root)
    _require_survey(cfg)
    verified = verify_manifest(cfg.root / "raw")
    store.note_input(cfg.root / "raw" / MANIFEST_NAME)
    waves = [clean_wave(source) for source in wave_sources(cfg)]
    linkage = linkage_table(waves)
    first = waves[0]
    tables = Tables(
        _stack([w.tables.respondents for w in waves]),
        _stack([w.tables.responses for w in waves]),
        _stack([w.tables.free_text for w in waves]),
        _study_exclusions(waves, linkage),
        first.tables.redactions if len(waves) == 1 else _sum_counts([w.tables.redactions for w in waves]),
        first.tables.redactions_by_question,
    )
    return CleanResult(cfg, first.exports[0], first.validations[0], tables, [], verified, waves, linkage)


def _sum_counts(counts: list[dict[str, int]]) -> dict[str, int]:
    out: dict[str, int] = {}
    for c in counts:
        for kind, n in c.items():
            out[kind] = out.get(kind, 0) + n
    return out


def write_processed(result: CleanResult, root: Path | None = None) -> list[Path]:
    """Write the processed tables, the linkage (linked waves only) and the exclusions table of
    ``result`` as one unit (atomically: on any error nothing under ``data/processed/<study>/`` or
    the exclusions table changes)."""
    t = result.tables
    tables = {"respondents": t.respondents, "responses": t.responses, "free_text": t.free_text}
    if result.linked:
        tables["linkage"] = result.linkage
    exclusions = {processed_paths(result.study.id, root)["exclusions"]: t.exclusions}
    return data.write_tables(result.study.id, tables, root, extra=exclusions)


def clean_study(study: str | Path, root: Path | None = None) -> CleanResult:
    """Verify the raw manifest, read and validate every export, and write the processed tables
    (:func:`prepare_study`, then :func:`write_processed`).

    All files are written as one unit after every check has passed; on any error
    nothing under ``data/processed/<study>/`` or the exclusions table changes."""
    result = prepare_study(study, root)
    result.written = write_processed(result, root)
    return result


# --------------------------------------------------------------------------------------------
# summaries for the notebook


def item_summary(validation: Validation) -> pd.DataFrame:
    """Per item (included respondents): column, scale, how it was read, answered / not relevant / not answered."""
    inc = validation.included
    rows = []
    for item in validation.study.items:
        d = validation.items[item.id]
        # records per distinct answer (as per_record broadcasts them: a position -1 is the last one),
        # then summed by missing reason: no per-record text is made
        positions = np.asarray(d.index)[inc] % max(len(d.missing), 1)
        per_value = np.bincount(positions, minlength=len(d.missing))
        missing = np.asarray(d.missing, dtype=object)

        def count(reason: str) -> int:
            return int(per_value[missing == reason].sum())  # noqa: B023 - used within this iteration

        rows.append(
            {
                "item": item.id,
                "column": d.column,
                "scale": d.scale.id,
                "read_as": "numeric codes" if d.recoded else ("numbers" if d.scale.type == "numeric" else "labels"),
                "answered": count(""),
                "not_relevant": count("not_relevant"),
                "not_answered": count("not_answered"),
            }
        )
    return pd.DataFrame(
        rows, columns=["item", "column", "scale", "read_as", "answered", "not_relevant", "not_answered"]
    )


def deidentification_summary(result: CleanResult) -> pd.DataFrame:
    """What de-identification did, by kind (column names and counts only, never values); with
    several exports (waves), the columns of every export, each named once."""
    exports = [e for w in result.waves for e in w.exports] or [result.export]
    tables = result.tables

    def columns(kind: str) -> list[str]:
        return list(dict.fromkeys(c for e in exports for c in getattr(e, kind)))

    identifying, metadata, extra = columns("identifying_dropped"), columns("metadata_dropped"), columns("extra_columns")
    rows = [
        ("identifying columns never read", len(identifying), ", ".join(identifying) or "none"),
        ("metadata columns skipped", len(metadata), ", ".join(metadata) or "none"),
        ("columns not in study.yml skipped", len(extra), ", ".join(extra) or "none"),
        ("response ids replaced by pseudonymous ids", len(tables.respondents), "R + 10 hex digits of SHA-256"),
    ]
    if result.linked:
        rows.append(("link keys replaced by person pseudonyms", int(result.linkage["person"].nunique()), "P + a count"))
    rows += [(f"free-text redactions: {kind}", n, f"replaced by [{kind}]") for kind, n in tables.redactions.items()]
    return pd.DataFrame(rows, columns=["what", "n", "detail"])


def export_overview(result: CleanResult) -> pd.DataFrame:
    """The export as read: file, format, header rows, records, encoding, how answers were coded."""
    export, validation = result.export, result.validation
    recoded = validation.recoded_columns
    rows = [
        ("file", display_path(export.path)),
        ("format (recognised from the content)", format_words(export.format)),
        ("header rows", str(export.header_rows)),
        ("first response on spreadsheet row", str(export.first_data_row)),
        ("records", str(export.n_records)),
        ("byte-order mark (BOM)", "yes" if export.encoding_bom else "no"),
        (
            "answers coded as",
            f"numbers, read through study.yml ({len(recoded)} columns)" if recoded else "answer labels",
        ),
        ("columns in the file", str(len(export.columns))),
        ("columns used", str(len(export.frame.columns))),
        ("warnings", str(len(validation.warnings))),
    ]
    return pd.DataFrame(rows, columns=["property", "value"])


def flow_check_sentence(comparison: pd.DataFrame) -> str:
    """One sentence saying which of the report's flow stages the cleaned counts match."""
    compared = comparison[comparison["check"].isin(["matches", "differs"])]
    if not len(compared):
        return "None of the report's participant-flow stages is a count of the survey export."
    differs = compared[compared["check"] == "differs"]
    text = (
        f"{len(compared) - len(differs)} of the {len(compared)} flow stages of the report that count "
        f"the survey export match the cleaned counts"
    )
    if len(differs):
        text += "; differing: " + "; ".join(
            f"{r.flow_stage} (report {r.published_n:g}, cleaned {r.cleaned_n})" for r in differs.itertuples()
        )
        text += (
            ". A difference means the report counted the stage another way than cleaning does (the "
            "exclusions table says how each cleaned count is defined) or that the data disagree with it"
        )
    return text + "."


def table_counts(result: CleanResult) -> pd.DataFrame:
    """Rows written to each processed table, with what one row is."""
    t = result.tables
    rows = [
        ("respondents.csv", len(t.respondents), "one per record of the export (excluded ones included)"),
        ("responses.csv", len(t.responses), f"one per analysed respondent and item ({len(result.study.items)} items)"),
        ("free_text.csv", len(t.free_text), "one per non-empty open answer of an analysed respondent, redacted"),
        ("exclusions.csv", len(t.exclusions), "one per stage of the participant flow"),
    ]
    if result.linked:
        rows.insert(3, ("linkage.csv", len(result.linkage), "one per analysed response of the linked waves"))
    return pd.DataFrame(rows, columns=["table", "rows", "one row is"])
