"""Reading survey exports: Qualtrics CSV (three-row and legacy two-row headers) and online-form CSV/XLSX.

:func:`read_export` takes whatever file a researcher dropped into
``data/<study>/raw/`` and returns an :class:`Export`: the answers as a table
of text with the export's own column ids (coded columns - items,
demographics, status - as categoricals of their text, decoded once per
distinct answer downstream), plus what the header says about each column.
The format is recognised from the content, never from the file name:

- ``qualtrics``: three header rows (column ids, question text, ``{"ImportId":...}``
  JSON); answers from spreadsheet row 4.
- ``qualtrics-legacy``: two header rows (``V1``..``V10`` or named ids, then
  question text with ``ResponseID``, ``Status``, ...); answers from row 3.
- ``form-csv`` / ``form-xlsx``: an online-form export, one header row of
  question ids or question texts; answers from row 2.  (``qualtrics-xlsx``: a
  Qualtrics layout saved as a workbook.)

Columns are sorted into roles against ``study.yml``: the response id, the
Qualtrics ``Status``, items, demographics and free text are kept; identifying
metadata (IP address, recipient names and e-mail, location, external
reference, and the study's ``survey.identifying_columns``) are never read into
memory; other metadata (dates, duration, progress) are not analysis data and
are skipped; anything else is embedded data, skipped and named in a warning.

Every problem in the file is an :class:`tieval.errors.InputError` naming the
file, the spreadsheet row (a record with line breaks inside a quoted answer is
one row, as a spreadsheet shows it), the column and what was expected.
Unexpected parser failures are converted into the same error.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from tieval import store
from tieval.config import Study, normalise_label
from tieval.errors import InputError
from tieval.survey.columns import take

__all__ = [
    "Export",
    "read_export",
    "column_letter",
    "column_roles",
    "looks_numeric",
    "STANDARD_IDENTIFYING",
    "STANDARD_METADATA",
    "FORMATS",
]

FORMATS = ("qualtrics", "qualtrics-legacy", "form-csv", "form-xlsx", "qualtrics-xlsx", "qualtrics-legacy-xlsx")

#: Identifying metadata of Qualtrics (current and legacy) and common form tools; never read.
STANDARD_IDENTIFYING = (
    "IPAddress",
    "RecipientLastName",
    "RecipientFirstName",
    "RecipientEmail",
    "ExternalReference",
    "LocationLatitude",
    "LocationLongitude",
    "LocationAccuracy",
    "Name",
    "EmailAddress",
    "ExternalDataReference",  # legacy Qualtrics
    "Email",
    "Email Address",
    "Respondent email",
    "Full name",  # form tools
)

#: Non-identifying metadata: not analysis data, skipped at read time (besides the id and Status).
STANDARD_METADATA = (
    "StartDate",
    "EndDate",
    "Status",
    "Progress",
    "Duration (in seconds)",
    "Finished",
    "RecordedDate",
    "ResponseId",
    "DistributionChannel",
    "UserLanguage",
    "ResponseID",
    "ResponseSet",
    "Timestamp",
    "Start time",
    "Completion time",
    "Last modified time",
    "ID",
    "Submitted",
    "Submitted at",
    "Submission time",
    "Date submitted",
)

_IMPORT_ID = re.compile(r'^\s*\{\s*"ImportId"\s*:')
_LEGACY_V = re.compile(r"^V\d+$")
_DELIMITERS = {";": "semicolons", "\t": "tabs", "|": "vertical bars"}
_HEAD_BYTES = 1 << 18
_SENTINEL = "\ue000"


def column_letter(position: int) -> str:
    """Spreadsheet letter of a 0-based column position (0 -> A, 26 -> AA)."""
    letters = ""
    n = position + 1
    while n:
        n, rem = divmod(n - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


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
    with open(path, "rb") as handle:
        magic = handle.read(8)
    if magic.startswith(b"PK\x03\x04"):
        return _read_xlsx(path, study)
    if magic.startswith(b"\xd0\xcf\x11\xe0"):
        raise InputError(
            path, "a CSV or an .xlsx workbook; found an old-style Excel .xls file (save it as .xlsx or as CSV UTF-8)"
        )
    if magic[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise InputError(
            path,
            "UTF-8 comma-separated text; found UTF-16 text (an 'Excel-compatible' or TSV export: export again as CSV)",
        )
    return _read_csv(path, study)


# --------------------------------------------------------------------------------------------
# header layout and column roles (shared by CSV and XLSX)


@dataclass
class _Layout:
    kind: str  # qualtrics | qualtrics-legacy | form
    header_rows: int
    names: list[str]  # column names in file order (legacy V-columns renamed)
    questions: list[str]


def _detect_layout(records: list[list[str]]) -> _Layout:
    header = [str(h).strip() for h in records[0]]
    width = len(header)

    def row(i: int) -> list[str]:
        values = list(records[i]) if len(records) > i else []
        return (values + [""] * width)[:width]

    third = [c for c in row(2) if c.strip()]
    if third and all(_IMPORT_ID.match(c) for c in third):
        return _Layout("qualtrics", 3, header, [c.strip() for c in row(1)])
    second = row(1)
    if len(records) > 1 and any(normalise_label(c) == "responseid" for c in second):
        names = [second[i].strip() if _LEGACY_V.match(h) and second[i].strip() else h for i, h in enumerate(header)]
        return _Layout("qualtrics-legacy", 2, names, [c.strip() for c in second])
    return _Layout("form", 1, header, list(header))


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
    id_column: str
    status_column: str | None
    item_columns: dict[str, str]
    demographic_columns: dict[str, str]
    free_text_columns: dict[str, str]
    identifying: list[str]
    metadata: list[str]
    extras: list[str]


def _plan_columns(path: Path, layout: _Layout, study: Study) -> _Plan:
    """Match the study's configured columns to the header and sort every column into a role."""
    names = layout.names
    by_name: dict[str, list[int]] = {}
    by_fold: dict[str, list[int]] = {}
    by_text: dict[str, list[int]] = {}
    for i, name in enumerate(names):
        by_name.setdefault(name, []).append(i)
        by_fold.setdefault(name.casefold(), []).append(i)
        if layout.kind == "form":
            by_text.setdefault(normalise_label(layout.questions[i]), []).append(i)

    def find(column: str, text: str = "") -> list[int]:
        return (
            by_name.get(column)
            or by_fold.get(column.casefold())
            or (by_text.get(normalise_label(text)) if text else None)
            or []
        )

    used: dict[int, str] = {}

    def claim(column: str, what: str, text: str = "", required: bool = True) -> str | None:
        found = find(column, text)
        if len(found) > 1:
            letters = ", ".join(column_letter(i) for i in found)
            raise InputError(
                path,
                f"each column name once in the header ({what})",
                row=1,
                column=column,
                found=f"{len(found)} columns named {column!r} (columns {letters})",
            )
        if not found:
            if not required:
                return None
            raise InputError(
                path, f"a column for {what} (the column named in study.yml); the header has none", row=1, column=column
            )
        pos = found[0]
        if pos in used:
            raise InputError(
                path,
                f"a separate column for {what}",
                row=1,
                column=names[pos],
                found=f"the column already holds {used[pos]}",
            )
        used[pos] = what
        return names[pos]

    spec = study.survey
    id_name = spec.id_column if spec else "ResponseId"
    id_col = None
    for candidate in dict.fromkeys([id_name, "ResponseId", "ResponseID"]):
        id_col = claim(candidate, "the response id (survey.id_column)", required=False)
        if id_col:
            break
    if id_col is None:
        raise InputError(
            path, "a column of response ids (survey.id_column in study.yml); the header has none", row=1, column=id_name
        )
    status_col = claim("Status", "the Qualtrics Status", required=False) if layout.kind != "form" else None
    items = {it.id: claim(it.column, f"item {it.id}", it.text) for it in study.items}
    demos = {d.id: claim(d.column, f"demographic {d.id}", d.text) for d in study.demographics}
    texts = {f.id: claim(f.column, f"free-text question {f.id}", f.text) for f in study.free_text}

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
    identifying, metadata, extras = [], [], []
    for pos, name in enumerate(names):
        if pos in used:
            continue
        fold = name.casefold()
        if fold in identifying_set:
            identifying.append(name)
        elif fold in metadata_set or (layout.kind != "form" and name.startswith("Q_")):
            metadata.append(name)
        else:
            extras.append(name or f"(unnamed column {column_letter(pos)})")
    return _Plan(sorted(used), id_col, status_col, items, demos, texts, identifying, metadata, extras)


def column_roles(export: Export, study: Study) -> pd.DataFrame:
    """One row per column of the file: its letter, name and what the pipeline did with it."""
    role: dict[str, str] = {export.id_column: "response id (replaced by a pseudonymous id)"}
    if export.status_column:
        role[export.status_column] = "Qualtrics Status (used for exclusions)"
    for iid, col in export.item_columns.items():
        role[col] = f"item {iid} ({study.scale_of(iid).id})"
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
    rows = [
        {
            "letter": column_letter(pos),
            "column": name or "(unnamed)",
            "role": role.get(name, role.get(f"(unnamed column {column_letter(pos)})", "")),
        }
        for pos, name in enumerate(export.columns)
    ]
    return pd.DataFrame(rows, columns=["letter", "column", "role"])


# --------------------------------------------------------------------------------------------
# CSV


def _csv_records(text: str):
    """Records of CSV text as Python's csv module reads them (no limit on a field's length)."""
    if csv.field_size_limit() < 1 << 30:
        csv.field_size_limit(1 << 30)
    return csv.reader(io.StringIO(text, newline=""))


def _read_head(path: Path, want: int) -> tuple[list[list[str]], bool]:
    """Parse the first ``want`` records with the csv module. Returns (records, whether a BOM starts the file)."""
    size = _HEAD_BYTES
    while True:
        with open(path, "rb") as handle:
            data = handle.read(size + 1)
        eof = len(data) <= size
        bom = data.startswith(codecs.BOM_UTF8)
        body = data[3:] if bom else data
        if not eof:
            cut = body.rfind(b"\n")
            body = body[: cut + 1] if cut >= 0 else b""
        text = _decode_or_fail(path, body, offset=3 if bom else 0)
        records = []
        for rec in _csv_records(text):
            records.append(rec)
            if len(records) > want:
                break
        if eof or len(records) > want:
            return records[:want], bom
        size *= 4


def _decode_or_fail(path: Path, data: bytes, offset: int = 0) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        _raise_bad_byte(path, data, exc.start, offset)
    raise AssertionError  # unreachable


def _raise_bad_byte(path: Path, body: bytes, start: int, offset: int = 0, header: list[str] | None = None) -> None:
    """Raise the error for an undecodable byte at ``body[start]``, naming its row and column."""
    prefix = body[:start].decode("utf-8", errors="replace") + _SENTINEL
    records = list(_csv_records(prefix))
    if header is None and len(records) > 1:
        header = records[0]
    row = max(len(records), 1)
    field_no = len(records[-1]) if records else 1
    column = None
    if header and 0 < field_no <= len(header):
        column = header[field_no - 1] or column_letter(field_no - 1)
    elif field_no:
        column = column_letter(field_no - 1)
    byte = body[start]
    if b"\x00" in body[:4096]:
        raise InputError(
            path,
            "a text CSV file (this is binary data: an image, a PDF or another kind of file?)",
            row=row if row > 1 else None,
            found=f"byte 0x{byte:02X} at offset {start + offset}",
        )
    guess = " (the file looks like Windows-1252/Latin-1: save it as 'CSV UTF-8')" if 0x80 <= byte <= 0xFF else ""
    raise InputError(
        path, f"UTF-8 text{guess}", row=row, column=column, found=f"byte 0x{byte:02X} at offset {start + offset}"
    )


#: Arrow type of a coded column (items, demographics, status): text, dictionary-encoded as it is read.
_CODED = pa.dictionary(pa.int32(), pa.string())


def _coded_columns(plan: _Plan) -> set[str]:
    """The kept columns holding answer codes or labels from a closed list (read as categoricals)."""
    coded = {*plan.item_columns.values(), *plan.demographic_columns.values()}
    if plan.status_column:
        coded.add(plan.status_column)
    return coded


def _read_csv(path: Path, study: Study) -> Export:
    records, bom = _read_head(path, 4)
    if not records or all(not any(c.strip() for c in rec) for rec in records):
        raise InputError(path, "a survey export with a header row and responses; found an empty file")
    header = [c.strip() for c in records[0]]
    _check_delimiter(path, header)
    layout = _detect_layout(records)
    plan = _plan_columns(path, layout, study)
    width = len(layout.names)
    internal = [f"c{i}" for i in range(width)]
    keep_internal = [internal[i] for i in plan.keep]
    coded = _coded_columns(plan)
    column_types = {internal[i]: _CODED if layout.names[i] in coded else pa.string() for i in plan.keep}
    invalid: list[tuple[int, int, str]] = []

    def on_invalid(row) -> str:
        invalid.append((row.expected_columns, row.actual_columns, row.text or ""))
        return "skip"

    try:
        table = pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(column_names=internal, block_size=1 << 22),
            parse_options=pacsv.ParseOptions(
                newlines_in_values=True, ignore_empty_lines=False, invalid_row_handler=on_invalid
            ),
            convert_options=pacsv.ConvertOptions(
                column_types=column_types,
                include_columns=keep_internal,
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except pa.ArrowInvalid as exc:
        if "UTF8" in str(exc) or "utf8" in str(exc) or "UTF-8" in str(exc):
            data = path.read_bytes()
            body = data[3:] if bom else data
            try:
                body.decode("utf-8")
            except UnicodeDecodeError as dec:
                _raise_bad_byte(path, body, dec.start, 3 if bom else 0, layout.names)
        raise

    rows = None
    space_rows: list[int] = []
    if invalid:
        if all(not text.strip() for _, _, text in invalid):
            rows, space_rows = _record_rows_without_blank_lines(path, bom, width)
        if rows is None or len(rows) != table.num_rows:
            _raise_field_count(path, bom, layout.names, invalid)
    if rows is None:
        rows = np.arange(1, table.num_rows + 1, dtype=np.int64)

    table = table.slice(layout.header_rows)
    rows = rows[layout.header_rows :]
    frame = table.to_pandas()
    frame.columns = [layout.names[i] for i in plan.keep]
    fmt = {"qualtrics": "qualtrics", "qualtrics-legacy": "qualtrics-legacy", "form": "form-csv"}[layout.kind]
    return _finish(path, study, fmt, layout, plan, frame, rows, bom, space_rows)


def _scan_records(path: Path, bom: bool):
    """Every record of the file as the csv module reads it (slow; used to locate problems only)."""
    data = path.read_bytes()
    return _csv_records((data[3:] if bom else data).decode("utf-8", errors="replace"))


def _record_rows_without_blank_lines(path: Path, bom: bool, width: int) -> tuple[np.ndarray, list[int]]:
    """Spreadsheet rows of the records pyarrow keeps when it skips lines holding only spaces,
    and the rows it skipped."""
    rows, spaces = [], []
    for n, rec in enumerate(_scan_records(path, bom), start=1):
        (spaces if len(rec) == 1 and rec[0].strip() == "" and rec[0] != "" and width > 1 else rows).append(n)
    return np.asarray(rows, dtype=np.int64), spaces


def _raise_field_count(path: Path, bom: bool, names: list[str], invalid) -> None:
    width = len(names)
    records = list(_scan_records(path, bom))
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
                f"{width} values separated by commas, like the header row{hint}",
                row=number,
                column=column,
                found=f"{len(rec)} values",
            )
    expected, actual, text = invalid[0]
    raise InputError(
        path, f"{expected} values separated by commas, like the header row", found=f"{actual} values in {text!r}"
    )


# --------------------------------------------------------------------------------------------
# XLSX


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, (date, time)):
        return value.isoformat()
    return str(value)


def _read_xlsx(path: Path, study: Study) -> Export:
    import openpyxl

    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.namelist()
    except zipfile.BadZipFile as exc:
        raise InputError(path, "a readable XLSX workbook (the zip container is damaged)", found=str(exc)) from None
    if "xl/workbook.xml" not in members:
        inner = [m for m in members if m.lower().endswith((".csv", ".xlsx", ".tsv"))]
        if inner:
            raise InputError(
                path,
                "the export itself, not a zip download (unzip it and use the file inside)",
                found=", ".join(sorted(inner)[:3]),
            )
        raise InputError(path, "a CSV or an .xlsx workbook; found a zip archive that is not a workbook")
    workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        sheet_name = study.survey.sheet if study.survey and study.survey.sheet else None
        if sheet_name and sheet_name not in workbook.sheetnames:
            raise InputError(
                path, f"a sheet named {sheet_name!r} (survey.sheet in study.yml)", found=", ".join(workbook.sheetnames)
            )
        sheet = workbook[sheet_name] if sheet_name else workbook.worksheets[0]
        grid = [[_cell_text(v) for v in row] for row in sheet.iter_rows(min_row=1, values_only=True)]
    finally:
        workbook.close()
    while grid and not any(c.strip() for c in grid[-1]):
        grid.pop()
    if not grid:
        raise InputError(path, "a survey export with a header row and responses; found an empty sheet")
    width = max(len(r) for r in grid)
    grid = [r + [""] * (width - len(r)) for r in grid]
    header = grid[0]
    while width > 1 and not header[width - 1].strip() and not any(r[width - 1].strip() for r in grid):
        width -= 1
    grid = [r[:width] for r in grid]
    _check_delimiter(path, [c.strip() for c in grid[0]])
    layout = _detect_layout(grid[:4])
    plan = _plan_columns(path, layout, study)
    body = grid[layout.header_rows :]
    frame = pd.DataFrame(
        [[r[i] for i in plan.keep] for r in body], columns=[layout.names[i] for i in plan.keep], dtype="str"
    )
    if not len(body):
        frame = pd.DataFrame({layout.names[i]: pd.Series([], dtype="str") for i in plan.keep})
    rows = np.arange(layout.header_rows + 1, layout.header_rows + 1 + len(body), dtype=np.int64)
    fmt = {"qualtrics": "qualtrics-xlsx", "qualtrics-legacy": "qualtrics-legacy-xlsx", "form": "form-xlsx"}[layout.kind]
    export = _finish(path, study, fmt, layout, plan, frame, rows, False)
    export.warnings.extend(store.formula_warnings(path, sheet_name))
    return export


# --------------------------------------------------------------------------------------------
# common tail


def _finish(
    path: Path,
    study: Study,
    fmt: str,
    layout: _Layout,
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
    # header rows and skipped rows may have left categories unused
    frame = pd.DataFrame({c: _drop_unused(frame[c]) if c in coded else frame[c] for c in frame.columns}, copy=False)
    skipped = sorted(set(skipped) | {r for r in space_rows if len(rows) and r < rows[-1]})
    if not len(frame):
        where = "below the header row" if layout.header_rows == 1 else f"below the {layout.header_rows} header rows"
        raise InputError(path, f"at least one response {where}; found none", row=layout.header_rows + 1)
    warnings: list[str] = []
    if skipped:
        shown = ", ".join(str(r) for r in skipped[:10]) + (", ..." if len(skipped) > 10 else "")
        warnings.append(f"ignored {len(skipped)} row(s) with neither a response id nor an answer (rows {shown})")
    if plan.extras:
        shown = ", ".join(plan.extras[:12]) + (f" and {len(plan.extras) - 12} more" if len(plan.extras) > 12 else "")
        warnings.append(
            f"{len(plan.extras)} column(s) not in study.yml kept out of the analysis (embedded data?): {shown}"
        )
    if layout.kind != "form" and plan.status_column is None:
        warnings.append("no Status column: survey previews, tests and spam cannot be recognised")
    return Export(
        path=path,
        format=fmt,
        frame=frame,
        rows=np.asarray(rows, dtype=np.int64),
        questions={layout.names[i]: layout.questions[i] for i in plan.keep},
        header_rows=layout.header_rows,
        encoding_bom=bom,
        numeric_recodes=_numeric_sample(frame, plan, study),
        id_column=plan.id_column,
        status_column=plan.status_column,
        item_columns=plan.item_columns,
        demographic_columns=plan.demographic_columns,
        free_text_columns=plan.free_text_columns,
        columns=list(layout.names),
        positions={name: pos for pos, name in reversed(list(enumerate(layout.names)))},
        identifying_dropped=plan.identifying,
        metadata_dropped=plan.metadata,
        extra_columns=plan.extras,
        skipped_rows=skipped,
        warnings=warnings,
    )


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
