"""Reading survey exports of every tool evaluators use, or refusing them with a reason.

:func:`read_export` takes whatever file a researcher dropped into
``data/<study>/raw/`` and returns an :class:`Export`: the answers as a table
of text with the export's own column ids (coded columns - items,
demographics, status - as categoricals of their text, decoded once per
distinct answer downstream), plus what the header says about each column.
The file is recognised from its content, never from its name
(:mod:`tieval.survey.exports`):

- the container (:mod:`~tieval.survey.exports.sniff`): CSV text in UTF-8 (with or without a BOM),
  UTF-16 (Qualtrics' TSV download, Excel's "Unicode text"; tab- or comma-separated) or another
  encoding declared by ``survey.encoding`` (cp1252 for a CSV re-saved by Excel; never guessed), an
  ``.xlsx`` or old ``.xls`` workbook, or an SPSS ``.sav``; a Stata, ODS, PDF or other file is named as what it is;
- the header layout (:mod:`~tieval.survey.exports.layouts`): Qualtrics (current three-row,
  2016-2018 "Insights", legacy two-row), SurveyMonkey (two rows), Microsoft Forms, Google Forms
  or another one-row form export; ``survey.format`` in study.yml says which layouts it accepts.

Columns are sorted into roles against ``study.yml``: the response id, the
Qualtrics ``Status``, items, demographics and free text are kept (a column named
by its id, by its question text, or by ``{text: ...}`` / ``{position: N}`` in
study.yml); identifying metadata of each tool (IP address, names, e-mail,
location, external reference, custom data, and the study's
``survey.identifying_columns``) is never read into memory; other metadata
(dates, duration, progress) is not analysis data and is skipped; anything else
is embedded data, skipped and named in a warning.

Every problem in the file is an :class:`tieval.errors.InputError` naming the
file, the spreadsheet row (a record with line breaks inside a quoted answer is
one row, as a spreadsheet shows it), the column and what was expected.
Unexpected parser failures are converted into the same error.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from tieval import store
from tieval.config import ROW_ID, ColumnRef, Study, normalise_label
from tieval.errors import InputError
from tieval.survey.columns import take
from tieval.survey.exports.layouts import (
    LAYOUT_WORDS,
    QUALTRICS_FAMILY,
    STANDARD_IDENTIFYING,
    STANDARD_METADATA,
    STANDIN_NOTICE_COLUMN,
    Layout,
    column_letter,
    detect_layout,
)
from tieval.survey.exports.sheets import fill_header_merges, read_sheet
from tieval.survey.exports.sniff import Sniffed, sniff
from tieval.survey.exports.spss import sav_columns, sav_header
from tieval.survey.exports.stream import read_columns
from tieval.survey.multiselect import option_columns

__all__ = [
    "Export",
    "read_export",
    "column_letter",
    "column_roles",
    "looks_numeric",
    "STANDARD_IDENTIFYING",
    "STANDARD_METADATA",
    "FORMATS",
    "format_words",
    "summarise_names",
]

#: Export.format values: a layout, then how it was stored (CSV needs no suffix, except for forms).
FORMATS = (
    "qualtrics",
    "qualtrics-legacy",
    "form-csv",
    "form-xlsx",
    "qualtrics-xlsx",
    "qualtrics-legacy-xlsx",
    "qualtrics-insights",
    "qualtrics-tsv",
    "qualtrics-xls",
    "surveymonkey",
    "surveymonkey-xlsx",
    "microsoft-forms-xlsx",
    "google-forms-csv",
    "spss-sav",
)

_CONTAINER_WORDS = {"csv": "CSV", "tsv": "TSV (UTF-16)", "xlsx": "XLSX", "xls": "XLS", "sav": ".sav"}

#: Words for the formats of the first releases (kept as they were: the appendices show them).
_FIXED_WORDS = {
    "qualtrics": "Qualtrics CSV export (three header rows)",
    "qualtrics-legacy": "legacy Qualtrics CSV export (two header rows)",
    "form-csv": "online-form CSV export (one header row)",
    "form-xlsx": "online-form XLSX export (one header row)",
    "qualtrics-xlsx": "Qualtrics export saved as XLSX (three header rows)",
    "qualtrics-legacy-xlsx": "legacy Qualtrics export saved as XLSX (two header rows)",
}

_DELIMITERS = {";": "semicolons", "\t": "tabs", "|": "vertical bars"}
_HEAD_BYTES = 1 << 18
_SENTINEL = "\ue000"
_EXPORT_NOUN = "a readable survey export (CSV, XLSX, XLS or SPSS .sav)"


def _format_name(kind: str, container: str) -> str:
    if kind == "spss":
        return "spss-sav"
    if container == "csv" and kind not in ("form", "microsoft-forms", "google-forms"):
        return kind
    return f"{kind}-{container}"


def format_words(fmt: str) -> str:
    """An Export.format in words (``qualtrics`` -> 'Qualtrics CSV export (three header rows)')."""
    if fmt in _FIXED_WORDS:
        return _FIXED_WORDS[fmt]
    for kind in sorted(LAYOUT_WORDS, key=len, reverse=True):
        if fmt == kind or fmt.startswith(kind + "-"):
            container = fmt[len(kind) + 1 :] or "csv"
            return LAYOUT_WORDS[kind].format(container=_CONTAINER_WORDS.get(container, container.upper()))
    return fmt


def looks_numeric(values) -> bool:
    """Whether every non-blank value parses as a number (and there is at least one)."""
    text = pd.Series(list(values), dtype=object).astype(str).str.strip()
    text = text[text != ""]
    return bool(len(text)) and bool(pd.to_numeric(text, errors="coerce").notna().all())


@dataclass
class Export:
    """A survey export as read: the kept columns as text, and what the header says about the file.

    ``frame`` holds one row per response record (rows with neither an id nor an answer are
    left out and reported in ``warnings``), with the export's own column ids, every cell a
    string ('' when empty).  Coded columns (items, demographics, the status) are categoricals
    of those strings (categories in order of first appearance, none unused): an answer column
    of a million records holds a few distinct texts, so it is read and decoded once per text.
    ``rows[i]`` is the spreadsheet row of ``frame.iloc[i]``.
    """

    path: Path
    format: str
    frame: pd.DataFrame
    rows: np.ndarray
    questions: dict[str, str]
    header_rows: int
    encoding_bom: bool
    numeric_recodes: bool
    id_column: str
    status_column: str | None
    item_columns: dict[str, str]
    demographic_columns: dict[str, str]
    free_text_columns: dict[str, str]
    columns: list[str]
    positions: dict[str, int]
    identifying_dropped: list[str] = field(default_factory=list)
    metadata_dropped: list[str] = field(default_factory=list)
    extra_columns: list[str] = field(default_factory=list)
    skipped_rows: list[int] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    multi_select_columns: dict[str, list[str]] = field(default_factory=dict)  # item id -> its option columns

    @property
    def first_data_row(self) -> int:
        """Spreadsheet row of the first record below the header rows."""
        return self.header_rows + 1

    @property
    def n_records(self) -> int:
        """Number of response records (blank rows not counted)."""
        return len(self.frame)

    def row_of(self, position: int) -> int:
        """Spreadsheet row of the record at ``position`` in ``frame``."""
        return int(self.rows[position])

    def letter_of(self, column: str) -> str:
        """Spreadsheet column letter of a column of the file."""
        return column_letter(self.positions[column])


# --------------------------------------------------------------------------------------------
# entry point


def read_export(path: str | Path, study: Study) -> Export:
    """Read a survey export and sort its columns into roles against ``study``.

    Raises :class:`InputError` (file, row, column, expected) for anything the pipeline cannot
    use; parser exceptions are converted into it."""
    path = Path(path)
    if not path.is_file():
        raise InputError(path, "an existing survey export file" + (" (it is a folder)" if path.is_dir() else ""))
    store.note_input(path)
    try:
        return _read(path, study)
    except InputError:
        raise
    except Exception as exc:  # noqa: BLE001 - any parser failure becomes a one-line input error
        detail = " ".join(str(exc).split()) or type(exc).__name__
        raise InputError(
            path, "a readable survey export (a CSV or XLSX file)", found=f"{type(exc).__name__}: {detail}"
        ) from None


def _read(path: Path, study: Study) -> Export:
    if path.stat().st_size == 0:
        raise InputError(path, "a survey export with a header row and responses; found an empty file (0 bytes)")
    sniffed = sniff(path)
    if sniffed.kind in ("xlsx", "xls"):
        return _read_sheet(path, study, sniffed.kind)
    if sniffed.kind == "sav":
        return _read_sav(path, study)
    return _read_csv(path, study, sniffed)


def _declared(study: Study) -> str:
    return study.survey.format if study.survey else "auto"


# --------------------------------------------------------------------------------------------
# column roles (shared by every container)


def _check_delimiter(path: Path, header: list[str]) -> None:
    if len(header) == 1:
        for char, word in _DELIMITERS.items():
            if char in header[0]:
                raise InputError(
                    path,
                    "a comma-separated export (the file seems to be separated by "
                    f"{word} ({char!r}); export again as CSV, or save as 'CSV UTF-8 "
                    "(comma delimited)')",
                    row=1,
                    found=header[0],
                )


@dataclass
class _Plan:
    keep: list[int]
    keys: list[str]  # a unique name per column of the file (a repeated id gets its letter)
    id_column: str
    status_column: str | None
    item_columns: dict[str, str]
    demographic_columns: dict[str, str]
    free_text_columns: dict[str, str]
    identifying: list[str]
    metadata: list[str]
    extras: list[str]
    multi_select: dict[str, list[str]] = field(default_factory=dict)


def _unique_keys(names: list[str]) -> list[str]:
    counts: dict[str, int] = {}
    for name in names:
        counts[name] = counts.get(name, 0) + 1
    return [name if counts[name] == 1 else f"{name} [{column_letter(i)}]" for i, name in enumerate(names)]


def _plan_columns(path: Path, layout: Layout, study: Study, header_row: int = 1) -> _Plan:  # noqa: C901 - above the ceiling before this round; to split (see CHANGELOG)
    """Match the study's configured columns to the header and sort every column into a role."""
    names = layout.names
    keys = _unique_keys(names)
    by_name: dict[str, list[int]] = {}
    by_fold: dict[str, list[int]] = {}
    by_text: dict[str, list[int]] = {}
    for i, name in enumerate(names):
        by_name.setdefault(name, []).append(i)
        by_fold.setdefault(name.casefold(), []).append(i)
        for text in dict.fromkeys(normalise_label(t) for t in layout.texts[i] if t.strip()):
            by_text.setdefault(text, []).append(i)

    def find(column, text: str = "") -> tuple[list[int], str]:
        if isinstance(column, ColumnRef):
            if column.position is not None:
                return ([column.position - 1] if column.position <= len(names) else []), str(column)
            return by_text.get(normalise_label(column.text), []), str(column)
        found = by_name.get(column) or by_fold.get(column.casefold())
        if found:
            return found, column
        return (by_text.get(normalise_label(text), []) if text else []), column

    used: dict[int, str] = {}

    def claim(column, what: str, text: str = "", required: bool = True) -> str | None:
        found, shown = find(column, text)
        if len(found) > 1:
            letters = ", ".join(column_letter(i) for i in found)
            named = (
                f"{len(found)} columns named {shown!r}"
                if not isinstance(column, ColumnRef)
                else (f"{len(found)} columns with {shown}")
            )
            raise InputError(
                path,
                f"each column name once in the header ({what}; name it in study.yml by position, e.g. "
                f"column: {{position: {found[0] + 1}}})",
                row=header_row,
                column=shown,
                found=f"{named} (columns {letters})",
            )
        if not found:
            if not required:
                return None
            where = (
                f"the file has {len(names)} columns"
                if isinstance(column, ColumnRef) and column.position
                else "the header has none"
            )
            raise InputError(
                path, f"a column for {what} (the column named in study.yml); {where}", row=header_row, column=shown
            )
        pos = found[0]
        if pos in used:
            raise InputError(
                path,
                f"a separate column for {what}",
                row=header_row,
                column=keys[pos],
                found=f"the column already holds {used[pos]}",
            )
        used[pos] = what
        return keys[pos]

    spec = study.survey
    id_name = spec.id_column if spec else "ResponseId"
    fallbacks = {"surveymonkey": ["Respondent ID"], "microsoft-forms": ["ID"], "google-forms": ["Timestamp"]}
    fallbacks = fallbacks.get(layout.kind, [])
    id_col = None
    for candidate in dict.fromkeys([id_name, "ResponseId", "ResponseID", *fallbacks]):
        id_col = claim(candidate, "the response id (survey.id_column)", required=False)
        if id_col:
            break
    if id_col is None and id_name == ROW_ID:
        id_col = ROW_ID  # no id in the file: respondents are numbered by their row (see _finish)
    if id_col is None:
        raise InputError(
            path,
            "a column of response ids (survey.id_column in study.yml); the header has none",
            row=header_row,
            column=id_name,
        )
    qualtrics = layout.kind in QUALTRICS_FAMILY or layout.kind == "spss"
    status_col = claim("Status", "the Qualtrics Status", required=False) if qualtrics else None
    items = {it.id: claim(it.column, f"item {it.id}", it.text) for it in study.items}
    demos = {d.id: claim(d.column, f"demographic {d.id}", d.text) for d in study.demographics}
    texts = {f.id: claim(f.column, f"free-text question {f.id}", f.text) for f in study.free_text}
    multi = _claim_multi_select(study, claim)
    if spec and spec.link_key:  # waves: kept for linkage by tieval.survey.clean, never written
        claim(spec.link_key, "the link key (survey.link_key)")

    study_identifying = {c.casefold() for c in (spec.identifying_columns if spec else ())}
    for pos, what in used.items():
        if names[pos].casefold() in study_identifying:
            raise InputError(
                study.config_file,
                "an identifying column that is not also analysis data",
                column="survey.identifying_columns",
                found=f"{names[pos]} ({what})",
            )
    identifying_set = study_identifying | {c.casefold() for c in STANDARD_IDENTIFYING}
    metadata_set = {c.casefold() for c in STANDARD_METADATA}
    if study.reconstructed:  # the stand-in's own notice column is not embedded data of the study
        metadata_set.add(STANDIN_NOTICE_COLUMN.casefold())
    identifying, metadata, extras = [], [], []
    for pos, name in enumerate(names):
        if pos in used:
            continue
        fold = name.casefold()
        if fold in identifying_set:
            identifying.append(name)
        elif fold in metadata_set or (qualtrics and name.startswith("Q_")):
            metadata.append(name)
        elif not name and pos == len(names) - 1 and layout.kind in QUALTRICS_FAMILY:
            metadata.append(f"(empty column {column_letter(pos)} after the last comma)")
        else:
            extras.append(name or f"(unnamed column {column_letter(pos)})")
    return _Plan(sorted(used), keys, id_col, status_col, items, demos, texts, identifying, metadata, extras, multi)


def _claim_multi_select(study: Study, claim) -> dict[str, list[str]]:
    """The columns of every multi-select item (:func:`tieval.survey.multiselect.option_columns`), each
    claimed like an item's: split layout one per option, found by id or by ``<question> - <option>`` text."""
    out: dict[str, list[str]] = {}
    for it in study.multi_select:
        scale = study.scale_of(it)
        columns = option_columns(it, scale)
        if scale.layout == "joined":
            out[it.id] = [claim(columns[0], f"item {it.id}", it.text)]
        else:
            out[it.id] = [
                claim(col, f"option {opt.label!r} of item {it.id}", f"{it.text} - {opt.label}")
                for col, opt in zip(columns, scale.options)
            ]
    return out


def column_roles(export: Export, study: Study) -> pd.DataFrame:
    """One row per column of the file: its letter, name and what the pipeline did with it."""
    role: dict[str, str] = {export.id_column: "response id (replaced by a pseudonymous id)"}
    if study.survey and study.survey.link_key:
        role[study.survey.link_key] = "link key (pairs waves; replaced by a person pseudonym, never written)"
    if export.status_column:
        role[export.status_column] = "Qualtrics Status (used for exclusions)"
    for iid, col in export.item_columns.items():
        role[col] = f"item {iid} ({study.scale_of(iid).id})"
    for iid, cols in export.multi_select_columns.items():
        for col in cols:
            role[col] = f"multi-select item {iid} ({study.scale_of(iid).id})"
    for did, col in export.demographic_columns.items():
        role[col] = f"demographic {did}"
    for fid, col in export.free_text_columns.items():
        role[col] = f"free text {fid} (redacted)"
    for col in export.identifying_dropped:
        role[col] = "identifying: never read"
    for col in export.metadata_dropped:
        role[col] = "metadata: not analysis data, skipped"
    for col in export.extra_columns:
        role[col] = "unknown (embedded data?): skipped, see warnings"
    keys = _unique_keys(export.columns)
    rows = []
    for pos, name in enumerate(export.columns):
        letter = column_letter(pos)
        unnamed = f"(unnamed column {letter})"
        trailing = f"(empty column {letter} after the last comma)"
        what = role.get(keys[pos], role.get(name, role.get(unnamed, role.get(trailing, ""))))
        rows.append({"letter": letter, "column": name or "(unnamed)", "role": what})
    return pd.DataFrame(rows, columns=["letter", "column", "role"])


# --------------------------------------------------------------------------------------------
# CSV and TSV text


@dataclass
class _Source:
    """A text export: the file, its encoding and delimiter, and (when it is not UTF-8) its text
    transcoded to UTF-8 for the Arrow reader."""

    path: Path
    encoding: str  # utf-8, utf-16 (a byte-order mark) or the declared survey.encoding
    bom: int
    delimiter: str = ","
    data: bytes | None = None  # UTF-8 bytes without a BOM, when the file itself is not UTF-8

    @property
    def transcoded(self) -> bool:
        return self.data is not None

    def body(self) -> bytes:
        """The text as UTF-8 bytes, without a byte-order mark."""
        return self.data if self.data is not None else self.path.read_bytes()[self.bom :]

    def arrow_input(self):
        return pa.BufferReader(self.data) if self.data is not None else self.path


def _csv_records(text: str, delimiter: str = ","):
    """Records of CSV text as Python's csv module reads them (no limit on a field's length)."""
    if csv.field_size_limit() < 1 << 30:
        csv.field_size_limit(1 << 30)
    return csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)


def _first_records(text: str, want: int, delimiter: str) -> list[list[str]]:
    records = []
    for rec in _csv_records(text, delimiter):
        records.append(rec)
        if len(records) >= want:
            break
    return records


def _transcode(path: Path, sniffed: Sniffed, encoding: str) -> _Source:
    """The file as UTF-8 text: UTF-16 when it starts with a UTF-16 byte-order mark (Qualtrics' TSV
    download; tab-separated when its first line is), else the encoding study.yml declares."""
    raw = path.read_bytes()
    if sniffed.encoding != "utf-16" and encoding == "utf-16":
        raise InputError(
            path, "UTF-16 text with a byte-order mark (survey.encoding: utf-16)", found="no byte-order mark"
        )
    codec = "utf-16" if sniffed.encoding == "utf-16" else encoding
    try:
        text = raw[sniffed.bom if codec != "utf-16" else 0 :].decode(codec)
    except UnicodeDecodeError as exc:
        if codec == "utf-16":
            raise InputError(
                path, "UTF-16 text (the file starts with a UTF-16 byte-order mark)", found=str(exc)
            ) from None
        _raise_bad_byte(path, raw[sniffed.bom :], exc.start, sniffed.bom, expected=f"{encoding} text (survey.encoding)")
    text = text.lstrip("\ufeff")
    first = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first else ","
    return _Source(path, codec, sniffed.bom, delimiter, text.encode("utf-8"))


def _text_source(path: Path, sniffed: Sniffed, encoding: str) -> tuple[_Source, list[list[str]]]:
    """The export's text source and its first four records (``encoding``: survey.encoding)."""
    if sniffed.encoding == "utf-16" or encoding != "utf-8":
        source = _transcode(path, sniffed, encoding)
        return source, _first_records(source.data.decode("utf-8"), 4, source.delimiter)
    size = _HEAD_BYTES
    while True:
        with open(path, "rb") as handle:
            data = handle.read(size + 1)
        eof = len(data) <= size
        body = data[sniffed.bom :]
        if not eof:
            cut = body.rfind(b"\n")
            body = body[: cut + 1] if cut >= 0 else b""
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError as exc:
            _raise_bad_byte(path, body, exc.start, sniffed.bom)
        records = _first_records(text, 5, ",")
        if eof or len(records) > 4:
            return _Source(path, "utf-8", sniffed.bom), records[:4]
        size *= 4


def _locate(prefix: str, header: list[str] | None) -> tuple[int, str | None]:
    """Spreadsheet row and column of the character just after the text ``prefix``."""
    records = list(_csv_records(prefix + _SENTINEL))
    if header is None and len(records) > 1:
        header = records[0]
    row = max(len(records), 1)
    field_no = len(records[-1]) if records else 1
    column = None
    if header and 0 < field_no <= len(header):
        column = header[field_no - 1] or column_letter(field_no - 1)
    elif field_no:
        column = column_letter(field_no - 1)
    return row, column


#: What an undeclared file that is not UTF-8 is expected to be, and how to declare another encoding.
_NOT_UTF8 = (
    "UTF-8 text (a file in another encoding is read only when study.yml declares it: survey.encoding: "
    "cp1252 for a CSV saved by Excel, latin-1 or utf-16; or save it as 'CSV UTF-8')"
)


def _raise_bad_byte(
    path: Path, body: bytes, start: int, offset: int = 0, header: list[str] | None = None, expected: str = _NOT_UTF8
) -> None:
    """Raise the error for an undecodable byte at ``body[start]``, naming its row and column."""
    row, column = _locate(body[:start].decode("utf-8", errors="replace"), header)
    byte = body[start]
    raise InputError(path, expected, row=row, column=column, found=f"byte 0x{byte:02X} at offset {start + offset}")


#: Arrow type of a coded column (items, demographics, status): text, dictionary-encoded as it is read.
def _coded_columns(plan: _Plan) -> set[str]:
    """The kept columns holding answer codes or labels from a closed list (read as categoricals)."""
    coded = {*plan.item_columns.values(), *plan.demographic_columns.values()}
    coded.update(c for cols in plan.multi_select.values() for c in cols)
    if plan.status_column:
        coded.add(plan.status_column)
    return coded


def _read_csv(path: Path, study: Study, sniffed: Sniffed) -> Export:
    source, records = _text_source(path, sniffed, study.encoding("survey"))
    if not records or all(not any(c.strip() for c in rec) for rec in records):
        raise InputError(path, "a survey export with a header row and responses; found an empty file")
    header = [c.strip() for c in records[0]]
    if source.delimiter == ",":
        _check_delimiter(path, header)
    layout = detect_layout(path, records, _declared(study))
    plan = _plan_columns(path, layout, study)
    try:
        frame, invalid = _arrow_read(source, layout, plan)
    except pa.ArrowInvalid as exc:
        if source.encoding != "utf-8" or not any(w in str(exc) for w in ("UTF8", "utf8", "UTF-8")):
            raise
        body = source.body()
        try:
            body.decode("utf-8")
            raise
        except UnicodeDecodeError as dec:
            _raise_bad_byte(path, body, dec.start, source.bom, layout.names)

    width = len(layout.names)
    rows = None
    space_rows: list[int] = []
    if invalid:
        if all(not text.strip() for _, _, text in invalid):
            rows, space_rows = _record_rows_without_blank_lines(source, width)
        if rows is None or len(rows) != len(frame) + layout.header_rows:
            _raise_field_count(source, layout.names, invalid)
    if rows is None:
        rows = np.arange(1, len(frame) + layout.header_rows + 1, dtype=np.int64)
    rows = rows[layout.header_rows :]
    frame.columns = [plan.keys[i] for i in plan.keep]
    container = "tsv" if source.delimiter == "\t" else "csv"
    export = _finish(
        path, study, _format_name(layout.kind, container), layout, plan, frame, rows, source.bom > 0, space_rows
    )
    return export


def _arrow_read(source: _Source, layout: Layout, plan: _Plan) -> tuple[pd.DataFrame, list[tuple[int, int, str]]]:
    """The kept columns below the header rows, batch by batch
    (:func:`~tieval.survey.exports.stream.read_columns`), and the records Arrow could not split
    into the header's fields."""
    width = len(layout.names)
    internal = [f"c{i}" for i in range(width)]
    coded = _coded_columns(plan)
    invalid: list[tuple[int, int, str]] = []

    def on_invalid(row) -> str:
        invalid.append((row.expected_columns, row.actual_columns, row.text or ""))
        return "skip"

    frame = read_columns(
        source.arrow_input(),
        internal,
        [internal[i] for i in plan.keep],
        {internal[i] for i in plan.keep if plan.keys[i] in coded},
        source.delimiter,
        on_invalid,
        skip=layout.header_rows,
    )
    return frame, invalid


def _scan_records(source: _Source):
    """Every record of the file as the csv module reads it (slow; used to locate problems only)."""
    return _csv_records(source.body().decode("utf-8", errors="replace"), source.delimiter)


def _record_rows_without_blank_lines(source: _Source, width: int) -> tuple[np.ndarray, list[int]]:
    """Spreadsheet rows of the records pyarrow keeps when it skips lines holding only spaces,
    and the rows it skipped."""
    rows, spaces = [], []
    for n, rec in enumerate(_scan_records(source), start=1):
        (spaces if len(rec) == 1 and rec[0].strip() == "" and rec[0] != "" and width > 1 else rows).append(n)
    return np.asarray(rows, dtype=np.int64), spaces


def _raise_field_count(source: _Source, names: list[str], invalid) -> None:
    path, width = source.path, len(names)
    sep = "tabs" if source.delimiter == "\t" else "commas"
    records = list(_scan_records(source))
    for number, rec in enumerate(records, start=1):
        if rec and len(rec) != width and not (len(rec) == 1 and not rec[0].strip()):
            kind = "shorter" if len(rec) < width else "longer"
            hint = ""
            if number == len(records) and "\n" in rec[-1]:
                hint = ' (a quote (") opened in this row is never closed)'
            elif kind == "shorter":
                hint = " (the row is shorter than the header: cut short, or a line break outside quotes?)"
            else:
                hint = " (the row is longer than the header: a value with a comma but no quotes?)"
            column = names[len(rec)] if kind == "shorter" else f"{column_letter(width)} (beyond the header)"
            raise InputError(
                path,
                f"{width} values separated by {sep}, like the header row{hint}",
                row=number,
                column=column,
                found=f"{len(rec)} values",
            )
    expected, actual, text = invalid[0]
    raise InputError(
        path, f"{expected} values separated by {sep}, like the header row", found=f"{actual} values in {text!r}"
    )


# --------------------------------------------------------------------------------------------
# workbooks (.xlsx, .xls) and SPSS (.sav)


def _read_sheet(path: Path, study: Study, kind: str) -> Export:
    read = read_sheet(path, kind, study.survey.sheet if study.survey and study.survey.sheet else None)
    grid = read.grid
    _check_delimiter(path, [c.strip() for c in grid[0]])
    layout = detect_layout(path, grid[:4], _declared(study))
    if read.merged:  # merged header cells filled along their columns; a merged answer is an error
        grid = fill_header_merges(path, read, layout.header_rows)
        layout = detect_layout(path, grid[:4], _declared(study))
    plan = _plan_columns(path, layout, study)
    body = grid[layout.header_rows :]
    columns = [plan.keys[i] for i in plan.keep]
    frame = pd.DataFrame([[r[i] for i in plan.keep] for r in body], columns=columns, dtype="str")
    if not len(body):
        frame = pd.DataFrame({c: pd.Series([], dtype="str") for c in columns})
    rows = np.arange(layout.header_rows + 1, layout.header_rows + 1 + len(body), dtype=np.int64)
    export = _finish(path, study, _format_name(layout.kind, kind), layout, plan, frame, rows, False)
    if kind == "xlsx":
        export.warnings.extend(store.formula_warnings(path, read.title))
    return export


def _read_sav(path: Path, study: Study) -> Export:
    header = sav_header(path)
    layout = Layout("spss", 0, header.names, [lab or name for lab, name in zip(header.labels, header.names)])
    layout.texts = [tuple(t for t in (lab,) if t) for lab in header.labels]
    declared = _declared(study)
    if declared not in ("auto", "spss", "qualtrics"):
        raise InputError(path, f"a {declared} export (survey.format in study.yml)", found="an SPSS .sav file")
    plan = _plan_columns(path, layout, study, header_row=None)
    labelled = {plan.status_column} if plan.status_column else set()
    for iid, col in plan.item_columns.items():
        if study.scale_of(iid).type != "numeric":
            labelled.add(col)
    for d in study.demographics:
        if study.scales[d.scale].type != "numeric":
            labelled.add(plan.demographic_columns[d.id])
    keep = [header.names[i] for i in plan.keep]
    frame = sav_columns(path, header, keep, labelled)
    rows = np.arange(1, len(frame) + 1, dtype=np.int64)
    return _finish(path, study, "spss-sav", layout, plan, frame, rows, False)


# --------------------------------------------------------------------------------------------
# common tail


def _finish(
    path: Path,
    study: Study,
    fmt: str,
    layout: Layout,
    plan: _Plan,
    frame: pd.DataFrame,
    rows: np.ndarray,
    bom: bool,
    space_rows: list[int] = (),
) -> Export:
    coded = _coded_columns(plan)
    frame = frame.astype({c: "str" for c in frame.columns if c not in coded})
    for col in coded:
        frame[col] = _categorical(frame[col])
    for col in frame.columns:  # free text, ids and answers: no control character, bidirectional controls balanced
        store.check_cells(path, frame[col], col, rows)
    if plan.id_column == ROW_ID:
        frame[ROW_ID] = ""  # numbered below, once rows with no answer at all are dropped
    blank = np.array(frame[plan.id_column].str.strip() == "", dtype=bool)
    candidates = np.flatnonzero(blank)
    if len(candidates):
        sub = frame.iloc[candidates]
        for col in frame.columns:
            blank[candidates] &= (sub[col].str.strip() == "").to_numpy()
    skipped: list[int] = []
    if blank.any():
        last = np.flatnonzero(~blank)
        end = last[-1] + 1 if len(last) else 0
        inner = np.flatnonzero(blank[:end])
        skipped = [int(rows[i]) for i in inner]
        frame = frame.iloc[:end][~blank[:end]].reset_index(drop=True)
        rows = rows[:end][~blank[:end]]
    if plan.id_column == ROW_ID:
        frame[ROW_ID] = pd.array([str(r) for r in rows], dtype="str")
    # header rows and skipped rows may have left categories unused
    frame = pd.DataFrame({c: _drop_unused(frame[c]) if c in coded else frame[c] for c in frame.columns}, copy=False)
    skipped = sorted(set(skipped) | {r for r in space_rows if len(rows) and r < rows[-1]})
    if not len(frame):
        if layout.header_rows == 0:
            raise InputError(path, "at least one case (response) in the file; found none")
        where = "below the header row" if layout.header_rows == 1 else f"below the {layout.header_rows} header rows"
        raise InputError(path, f"at least one response {where}; found none", row=layout.header_rows + 1)
    warnings: list[str] = list(layout.notes)
    if skipped:
        shown = ", ".join(str(r) for r in skipped[:10]) + (", ..." if len(skipped) > 10 else "")
        warnings.append(f"ignored {len(skipped)} row(s) with neither a response id nor an answer (rows {shown})")
    if plan.extras:
        warnings.append(
            f"{len(plan.extras)} column(s) not in study.yml kept out of the analysis (embedded data?): "
            + summarise_names(plan.extras)
        )
    if layout.kind in QUALTRICS_FAMILY and plan.status_column is None:
        warnings.append("no Status column: survey previews, tests and spam cannot be recognised")
    return Export(
        path=path,
        format=fmt,
        frame=frame,
        rows=np.asarray(rows, dtype=np.int64),
        questions={plan.keys[i]: layout.questions[i] for i in plan.keep},
        header_rows=layout.header_rows,
        encoding_bom=bom,
        numeric_recodes=_numeric_sample(frame, plan, study),
        id_column=plan.id_column,
        status_column=plan.status_column,
        item_columns=plan.item_columns,
        demographic_columns=plan.demographic_columns,
        free_text_columns=plan.free_text_columns,
        columns=list(layout.names),
        positions={
            **{name: pos for pos, name in reversed(list(enumerate(layout.names)))},
            **{key: pos for pos, key in enumerate(plan.keys)},
        },
        identifying_dropped=plan.identifying,
        metadata_dropped=plan.metadata,
        extra_columns=plan.extras,
        skipped_rows=skipped,
        warnings=warnings,
        multi_select_columns=plan.multi_select,
    )


_NUMBERED = re.compile(r"^(.*?)(\d+)$")


def summarise_names(names: list[str], limit: int = 12) -> str:
    """Column names for a one-line message: runs of three or more numbered names in file order are
    shortened (``Q7_1``, ``Q7_2``, ... ``Q7_40`` -> ``Q7_1..Q7_40 (40)``); at most ``limit`` entries,
    then how many names are left."""
    parts: list[tuple[str, int]] = []
    i = 0
    while i < len(names):
        match = _NUMBERED.match(names[i])
        j = i + 1
        if match:
            prefix, number = match.group(1), int(match.group(2))
            while j < len(names):
                nxt = _NUMBERED.match(names[j])
                if not nxt or nxt.group(1) != prefix or int(nxt.group(2)) != number + (j - i):
                    break
                j += 1
        if j - i >= 3:
            parts.append((f"{names[i]}..{names[j - 1]} ({j - i})", j - i))
            i = j
        else:
            parts.append((names[i], 1))
            i += 1
    shown = ", ".join(text for text, _ in parts[:limit])
    if len(parts) > limit:
        shown += f" and {len(names) - sum(n for _, n in parts[:limit])} more"
    return shown


def _categorical(column: pd.Series) -> pd.Series:
    """A coded column as a categorical of text, categories in order of first appearance (as Arrow's
    dictionary encoding gives them)."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        if isinstance(column.cat.categories.dtype, pd.StringDtype):
            return column
        column = column.astype(object)
    codes, uniques = pd.factorize(column.astype("str"), sort=False)
    return pd.Series(
        pd.Categorical.from_codes(codes, categories=pd.Index(uniques, dtype="str"), validate=False),
        index=column.index,
        name=column.name,
    )


def _drop_unused(column: pd.Series) -> pd.Series:
    """A categorical without the categories no row uses (``cat.remove_unused_categories``, by
    marking the used codes instead of finding the unique ones)."""
    codes, categories = column.array.codes, column.cat.categories
    keep = np.bincount(codes[codes >= 0] if codes.min(initial=0) < 0 else codes, minlength=len(categories)) > 0
    if keep.all():
        return column
    renumber = np.append(np.cumsum(keep) - 1, -1).astype(codes.dtype)
    return pd.Series(
        pd.Categorical.from_codes(take(renumber, codes), categories=categories[keep], validate=False),
        index=column.index,
        name=column.name,
    )


def _numeric_sample(frame: pd.DataFrame, plan: _Plan, study: Study, n: int = 200) -> bool:
    """Whether the labelled items hold numbers instead of answer labels (a 'numeric values' export)."""
    head = frame.head(n)
    for iid, col in plan.item_columns.items():
        scale = study.scale_of(iid)
        if scale.type not in ("ordinal", "binary", "categorical"):
            continue
        values = [v for v in pd.unique(head[col]) if str(v).strip()]
        lookup = scale.label_lookup()
        if values and looks_numeric(values) and not all(normalise_label(v) in lookup for v in values):
            return True
    return False
