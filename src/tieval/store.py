"""Writing derived files safely and reproducibly.

Every derived file goes through :func:`atomic_write` (from :mod:`tieval.atomic`, re-exported
here with the provenance record): it is written to a temporary file beside its target and
renamed into place only when complete, so a failed run never leaves a half-written table and
never destroys the previous good one.  CSVs are written with fixed formatting (``\\n`` line
endings, UTF-8 without BOM, fixed float format) so that the same data give
byte-identical files.

Spreadsheet formulas: a text cell (or column name) that starts with ``=``, ``+``,
``-``, ``@``, a tab or a carriage return would be evaluated by a spreadsheet that
opens the CSV (CSV injection), so every CSV written here gets a single quote
before such a text (:func:`neutralise`, the OWASP rule), unless the text is a
plain number (``-3``, ``+4.5``, ``-0.25``, ``1e-05``), which stays as it is.
Numeric columns are never touched.  :func:`formula_cells` finds the formula
cells of an XLSX input so that a reader can flag them.

Processed data (the tables passed between steps, possibly millions of rows) are Parquet
(:func:`write_parquets`, :func:`read_parquet`): every column has a declared type
(:data:`tieval.schema.COLUMN_TYPES`: dictionary-encoded text, plain text, integers, floats),
written with fixed options and no time-dependent metadata, so the same data give
byte-identical files, and checked when read.
"""

from __future__ import annotations

import contextlib
import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from tieval.atomic import (
    atomic_write,
    inputs_read,
    note_input,
    note_output,
    outputs_written,
    reset_provenance,
    sha256_file,
    write_json,
    write_text,
)
from tieval.errors import InputError

__all__ = [
    "atomic_write",
    "write_csv",
    "write_csvs",
    "write_text_array",
    "CSV_BATCH",
    "write_json",
    "write_text",
    "sha256_file",
    "FLOAT_FORMAT",
    "FORMULA_TRIGGERS",
    "neutralise",
    "neutralise_frame",
    "FormulaCell",
    "formula_cells",
    "formula_warnings",
    "read_csv",
    "checked_text",
    "BIDI_CONTROLS",
    "bidi_problem",
    "cell_problem",
    "check_cells",
    "control_problem",
    "check_bidi_frame",
    "write_parquets",
    "read_parquet",
    "parquet_columns",
    "ROW_GROUP",
    "note_input",
    "note_output",
    "inputs_read",
    "outputs_written",
    "reset_provenance",
]


def read_csv(path: str | Path, *, declared: str = "", **kwargs) -> pd.DataFrame:
    """Read a CSV written by an earlier step (or a committed data file), recording it as an input.

    Everything is read as text unless ``dtype`` is given, so codes like "01" survive.
    A missing file raises :class:`tieval.errors.InputError` naming the step that makes it.
    ``encoding`` (default UTF-8) is the file's text encoding; ``declared`` names the study.yml key
    that declares it (``inputs.encoding``), named in the error for a file that is not in it.  With
    ``declared`` (a hand-made input: quotations, codings, participants, published figures) every
    cell's bidirectional controls must be balanced (:func:`check_bidi_frame`).
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(path, "an existing file (run the earlier pipeline steps first: `make`)")
    note_input(path)
    kwargs.setdefault("dtype", str)
    kwargs.setdefault("keep_default_na", False)
    text = checked_text(path, kwargs.pop("encoding", "utf-8"), declared)
    _columns_once(path, text)
    try:
        frame = pd.read_csv(io.StringIO(text), **kwargs)
    except pd.errors.EmptyDataError:
        raise InputError(path, "a CSV file with a header row", found="an empty file") from None
    except pd.errors.ParserError as exc:
        line = re.search(r"line (\d+)", str(exc))
        row = _unclosed_quote_row(text) or (int(line.group(1)) if line else None)
        raise InputError(
            path,
            "well-formed CSV (every quote closed, the same number of fields on every row)",
            row=row,
            found=str(exc).split(". ")[-1].strip(),
        ) from None
    if declared:
        check_bidi_frame(path, frame)
    return frame


#: Characters a CSV data file never holds (NUL, C0 controls but tab and line ends, DEL).
_CONTROL_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

#: Bidirectional embedding, override and isolate controls (U+202A-U+202E, U+2066-U+2069).  Right-to-left
#: text may hold them in balanced pairs; one left open (or a closer with nothing open) reorders the rest
#: of what a reader sees (Trojan Source), so :func:`bidi_problem` finds it and :func:`check_cells` refuses it.
_BIDI_CHARS = re.compile("[\u202a-\u202e\u2066-\u2069]")

#: The bidirectional controls by code point: embeddings and overrides (closed by U+202C), isolates
#: (closed by U+2069) and the two closers.  The plain marks U+200E, U+200F and U+061C open nothing.
BIDI_CONTROLS = {
    0x202A: "left-to-right embedding",
    0x202B: "right-to-left embedding",
    0x202C: "pop directional formatting",
    0x202D: "left-to-right override",
    0x202E: "right-to-left override",
    0x2066: "left-to-right isolate",
    0x2067: "right-to-left isolate",
    0x2068: "first strong isolate",
    0x2069: "pop directional isolate",
}
_PDF, _PDI = 0x202C, 0x2069


def _bidi_name(code: int) -> str:
    return f"U+{code:04X} ({BIDI_CONTROLS[code]})"


def bidi_problem(text: str) -> tuple[str, str] | None:
    """``(expected, found)`` for the first bidirectional control of ``text`` that is not balanced
    within it, or None when every one is.

    Balanced: each embedding or override (U+202A, U+202B, U+202D, U+202E) is closed by a later
    U+202C and each isolate (U+2066-U+2068) by a later U+2069, properly nested (the last opened is
    the first closed).  Unbalanced: an opener left open at the end of the text, a closer with
    nothing of its kind open, or a closer of one kind while the last opened is of the other.  The
    plain marks (U+200E, U+200F, U+061C) are not controls of this kind and are always kept."""
    if _BIDI_CHARS.search(text) is None:
        return None
    opened: list[int] = []
    for match in _BIDI_CHARS.finditer(text):
        code = ord(match.group())
        if code not in (_PDF, _PDI):
            opened.append(code)
            continue
        if not opened:
            return (
                "a bidirectional closer only after its opener in the same cell (U+202C after U+202A, U+202B, "
                "U+202D or U+202E; U+2069 after U+2066-U+2068)",
                f"{_bidi_name(code)} with nothing open",
            )
        last = opened.pop()
        if (last >= 0x2066) != (code == _PDI):
            closer = "U+2069" if last >= 0x2066 else "U+202C"
            return (
                f"a {closer} closing the {_bidi_name(last)} before any other bidirectional closer",
                f"{_bidi_name(code)} first",
            )
    if opened:
        closer = "U+2069" if opened[-1] >= 0x2066 else "U+202C"
        return (
            f"a {closer} closing the {_bidi_name(opened[-1])} in the same cell (bidirectional controls balanced)",
            f"{_bidi_name(opened[-1])} never closed",
        )
    return None


def control_problem(text: str) -> tuple[str, str] | None:
    """``(expected, found)`` for the first NUL or other control character of ``text`` (C0 controls
    but tab and line ends, and DEL: what a broken export or a pasted binary leaves), or None."""
    found = _CONTROL_CHARS.search(text)
    if found is None:
        return None
    return "text without NUL or other control characters", f"\\x{ord(found.group()):02x}"


def cell_problem(text: str) -> tuple[str, str] | None:
    """``(expected, found)`` for a text cell that cannot be kept as it is: a control character
    (:func:`control_problem`) or unbalanced bidirectional controls (:func:`bidi_problem`); else None."""
    return control_problem(text) or bidi_problem(text)


#: What :func:`check_cells` looks for first, in one vectorised pass.
_CELL_CHARS = re.compile(f"{_CONTROL_CHARS.pattern}|{_BIDI_CHARS.pattern}")


def check_cells(path, values: pd.Series, column: str, rows=None) -> None:
    """Raise a one-line :class:`InputError` (file, row, column, the character, what was expected)
    for the first text of ``values`` that holds a control character or whose bidirectional
    controls are not balanced (:func:`cell_problem`); balanced ones are kept as they are.

    ``rows[i]`` is the spreadsheet row of ``values.iloc[i]`` (default: ``i + 2``, below one header
    row).  Text, categorical and object columns are checked (a categorical by its categories);
    other columns hold no text."""
    dtype = values.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        categories = pd.Series(dtype.categories.astype(object))
        bad = [i for i, v in enumerate(categories) if isinstance(v, str) and cell_problem(v)]
        if not bad:
            return
        codes = np.asarray(values.cat.codes)
        position = int(np.flatnonzero(np.isin(codes, bad))[0])
    elif isinstance(dtype, pd.StringDtype) or dtype == np.dtype(object):
        if isinstance(dtype, pd.StringDtype):  # vectorised (Arrow): a million answers in a fraction of a second
            hits = values.str.contains(_CELL_CHARS.pattern, regex=True).fillna(False)
        else:
            hits = values.map(lambda v: isinstance(v, str) and _CELL_CHARS.search(v) is not None)
        candidates = np.flatnonzero(hits.to_numpy(dtype=bool))
        position = next((int(i) for i in candidates if cell_problem(values.iloc[i])), None)
        if position is None:
            return
    else:
        return
    expected, found = cell_problem(str(values.iloc[position]))
    row = int(rows[position]) if rows is not None else position + 2
    raise InputError(path, expected, row=row, column=column, found=found)


def check_bidi_frame(path, frame: pd.DataFrame, rows=None) -> None:
    """:func:`check_cells` on the column names (row 1) and on every column of ``frame`` (named by its
    column name), left to right."""
    for name in frame.columns:
        problem = cell_problem(str(name))
        if problem:
            raise InputError(path, problem[0], row=1, found=problem[1])
    for name in frame.columns:
        check_cells(path, frame[name], str(name), rows)


_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


def checked_text(path: Path, encoding: str = "utf-8", declared: str = "") -> str:
    """The file's text in ``encoding`` (a UTF-8 byte-order mark dropped; ``utf-16`` needs its BOM), or a
    one-line error naming the row and byte offset of the first byte that is not ``encoding`` (with
    ``declared``, the study.yml key that declares another encoding), or of the first NUL or control character
    (bidirectional controls are checked cell by cell: :func:`check_cells`)."""
    data = path.read_bytes()
    codec = encoding.replace("_", "-").lower()
    utf8 = codec in ("utf-8", "utf8")
    key = declared or "encoding"
    if codec == "utf-16" and data[:2] not in _UTF16_BOMS:
        raise InputError(path, f"UTF-16 text with a byte-order mark ({key}: utf-16)", row=1, found="no byte-order mark")
    try:
        text = data.decode("utf-8-sig" if utf8 else codec)
    except UnicodeDecodeError as exc:
        if not utf8:
            expected = f"{encoding} text, as {key} declares"
        elif data[:2] in _UTF16_BOMS:
            expected = f"UTF-8 text (this is UTF-16: declare {key}: utf-16 in study.yml, or save it as UTF-8)"
        elif declared:
            expected = (
                f"UTF-8 text (another encoding is read only when study.yml declares it: {declared}: cp1252 "
                "for a CSV saved by Excel, latin-1 or utf-16; or save it as UTF-8)"
            )
        else:
            expected = "UTF-8 text"
        row = data.count(b"\n", 0, exc.start) + 1
        raise InputError(path, expected, row=row, found=f"byte 0x{data[exc.start]:02X} at offset {exc.start}") from None
    control = _CONTROL_CHARS.search(text)
    if control is not None:
        row = text.count("\n", 0, control.start()) + 1
        code = ord(control.group())
        raise InputError(
            path,
            "text without NUL or other control characters",
            row=row,
            found=f"\\x{code:02x}" if code < 0x100 else f"U+{code:04X}",
        )
    return text


def _columns_once(path: Path, text: str) -> None:
    """Refuse a header naming a column twice (pandas would rename the second ``text.1``)."""
    header = next(csv.reader(io.StringIO(text.split("\n", 1)[0])), [])
    seen: set[str] = set()
    for name in header:
        if name in seen:
            raise InputError(path, "each column name once in the header row", row=1, found=f"{name!r} twice")
        seen.add(name)


def _unclosed_quote_row(text: str) -> int | None:
    """The line (1 = first) where a quoted CSV field opens and is never closed, or None."""
    row, opened, quoted, start = 1, None, False, True
    for ch in text:
        if quoted:
            if ch == '"':
                quoted = False
            elif ch == "\n":
                row += 1
            continue
        if ch == '"' and start:
            quoted, opened = True, row
        start = ch in ",\n"
        if ch == "\n":
            row += 1
    return opened if quoted else None


#: Float format of every CSV the compendium writes (enough digits for audit, stable across runs).
FLOAT_FORMAT = "%.6g"


# --------------------------------------------------------------------------------------------
# spreadsheet formulas (CSV injection)

#: First characters that make a spreadsheet read a cell as a formula (OWASP, "CSV Injection").
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

#: A plain decimal number (optionally signed, with a decimal point and exponent): never neutralised.
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
# the same two tests for Arrow (RE2 syntax, anchored)
_TRIGGER_RE2 = "^[=+@\t\r-]"
_NUMBER_RE2 = r"^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$"


def neutralise(text: str) -> str:
    """``text`` made safe to open in a spreadsheet: ``'`` + ``text`` if it starts with one of
    :data:`FORMULA_TRIGGERS` and is not a plain number (``-3``, ``+4.5``, ``-0.25``), else ``text``.

    This is the OWASP rule for CSV injection (prefix the cell with a single quote, which
    spreadsheets read as "this cell is text" and do not display)."""
    if text and text[0] in FORMULA_TRIGGERS and _NUMBER.fullmatch(text) is None:
        return "'" + text
    return text


def _neutralise_values(values) -> list | None:
    """The values with every text neutralised, or ``None`` if none needs it (non-texts kept)."""
    out, changed = list(values), False
    for i, v in enumerate(out):
        if isinstance(v, str) and v[:1] in FORMULA_TRIGGERS:
            safe = neutralise(v)
            if safe is not v:
                out[i], changed = safe, True
    return out if changed else None


def _neutralise_column(column: pd.Series) -> pd.Series:
    """A column with its texts neutralised (the column itself when none needs it)."""
    dtype = column.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        categories = _neutralise_values(dtype.categories)
        if categories is None:
            return column
        if len(set(categories)) == len(categories):
            return column.cat.rename_categories(categories)
        return pd.Series(
            _neutralise_values(column.astype(object)) or column.astype(object), index=column.index, name=column.name
        )
    if isinstance(dtype, pd.StringDtype):
        starts = column.str.match("[=+@\t\r-]").fillna(False).to_numpy(dtype=bool)
        if not starts.any():
            return column
        values = column.to_numpy(dtype=object)
        fixed = _neutralise_values(values[starts])
        if fixed is None:
            return column
        values[starts] = fixed
        return pd.Series(pd.array(values, dtype=dtype), index=column.index, name=column.name)
    if dtype == np.dtype(object):
        fixed = _neutralise_values(column.to_numpy())
        return column if fixed is None else pd.Series(fixed, index=column.index, name=column.name, dtype=object)
    return column


def _neutralise_index(index: pd.Index) -> pd.Index:
    """An index with its text labels and names neutralised (the index itself when none needs it)."""
    out = index
    if isinstance(index, pd.MultiIndex):
        levels = [_neutralise_index(level) for level in index.levels]
        if any(new is not old for new, old in zip(levels, index.levels, strict=True)):
            out = index.set_levels(levels)
    elif index.dtype == np.dtype(object) or isinstance(index.dtype, (pd.StringDtype, pd.CategoricalDtype)):
        fixed = _neutralise_values(index)
        if fixed is not None:
            out = pd.Index(fixed, name=index.name, dtype=object)
    names = _neutralise_values(index.names)
    if names is not None:
        out = out.set_names(names)
    return out


def neutralise_frame(frame: pd.DataFrame, *, index: bool = False) -> pd.DataFrame:
    """``frame`` with every text cell and column name neutralised (:func:`neutralise`), and its
    index labels when ``index`` (they are written too).  Numbers, and texts that need nothing,
    are unchanged; a frame that needs nothing is returned itself (not copied)."""
    changed = {}
    for j in range(frame.shape[1]):
        column = frame.iloc[:, j]
        safe = _neutralise_column(column)
        if safe is not column:
            changed[j] = safe
    out = frame
    if changed:
        out = frame.copy(deep=False)
        for j, safe in changed.items():
            out.isetitem(j, safe)
    names = _neutralise_index(frame.columns)
    rows = _neutralise_index(frame.index) if index else frame.index
    if names is not frame.columns or rows is not frame.index:
        out = out.copy(deep=False) if out is frame else out
        out.columns, out.index = names, rows
    return out


@dataclass(frozen=True)
class FormulaCell:
    """A cell of an XLSX input that holds a formula (or text starting with ``=``)."""

    sheet: str
    row: int
    column: str
    formula: str

    @property
    def cell(self) -> str:
        """Spreadsheet reference, e.g. ``C7``."""
        return f"{self.column}{self.row}"


def formula_cells(path: str | Path, sheet: str | None = None) -> list[FormulaCell]:
    """The formula cells of one sheet of an XLSX workbook (the first sheet unless ``sheet``), in
    row order: cells openpyxl reads with ``data_type == "f"`` (a formula, whose cached value is
    what a ``data_only`` reader sees) and text cells whose value starts with ``=``.

    A reader calls this to flag such cells: a formula's value depends on the workbook that
    computed it (and is missing when no spreadsheet ever computed it)."""
    import openpyxl  # noqa: PLC0415 - heavy, and only needed for XLSX inputs

    workbook = openpyxl.load_workbook(path, read_only=True, data_only=False)
    try:
        ws = workbook[sheet] if sheet else workbook.worksheets[0]
        found = []
        for row in ws.iter_rows():
            for cell in row:
                value = getattr(cell, "value", None)
                if getattr(cell, "data_type", None) == "f" or (isinstance(value, str) and value.startswith("=")):
                    found.append(FormulaCell(ws.title, cell.row, cell.column_letter, str(value)))
        return found
    finally:
        workbook.close()


def write_csv(frame: pd.DataFrame, path: str | Path, *, index: bool = False) -> Path:
    """Write ``frame`` as a reproducible CSV, atomically. Returns the path."""
    return write_csvs({path: frame}, index=index)[0]


def write_csvs(frames: dict, *, index: bool = False) -> list[Path]:
    """Write several CSVs as one unit ({path: frame}): every file is written to a temporary
    file first and all are renamed into place only when every one is complete, so a failure
    leaves all the previous files as they were.

    The bytes are those of ``DataFrame.to_csv`` (``\\n`` line ends, :data:`FLOAT_FORMAT`,
    minimal quoting) of the frame with its texts neutralised (:func:`neutralise_frame`: a
    text that a spreadsheet would take for a formula gets a leading ``'``).  A frame of text,
    categorical and integer columns only (the processed survey tables) is formatted by Arrow
    instead, in batches of rows, to the same bytes: pandas formats tens of millions of rows
    one Python object at a time."""
    with contextlib.ExitStack() as stack:
        for path, frame in frames.items():
            _stage_csv(stack, path, frame, index)
    return [note_output(path) for path in frames]


def _stage_csv(stack: contextlib.ExitStack, path, frame: pd.DataFrame, index: bool) -> None:
    """Write ``frame`` to the temporary file of ``path`` (renamed when ``stack`` closes cleanly)."""
    if not index and _arrow_formattable(frame):
        _write_csv_arrow(frame, stack.enter_context(atomic_write(path, "wb")))
    else:
        handle = stack.enter_context(atomic_write(path))
        safe = neutralise_frame(frame, index=index)
        safe.to_csv(handle, index=index, lineterminator="\n", float_format=FLOAT_FORMAT)


#: Rows per batch of the Arrow CSV formatter.
CSV_BATCH = 1 << 20


def _arrow_formattable(frame: pd.DataFrame) -> bool:
    """Whether every column is text (``str``), categorical text or a plain integer, and there
    are at least two columns (a lone empty field is written ``""`` by the csv module)."""
    if frame.shape[1] < 2 or not frame.columns.is_unique:
        return False
    for dtype in frame.dtypes:
        if isinstance(dtype, pd.CategoricalDtype):
            dtype = dtype.categories.dtype
            if not isinstance(dtype, pd.StringDtype):
                return False
        elif not (
            isinstance(dtype, pd.StringDtype)
            or (dtype.kind in "iu" and not isinstance(dtype, pd.api.extensions.ExtensionDtype))
        ):
            return False
    return True


def _csv_field(values):
    """Arrow text as CSV fields: neutralised (:func:`neutralise`), then quoted as the csv module's
    minimal quoting does (a field holding a comma, a double quote or a line feed is quoted,
    double quotes doubled); missing -> ''."""

    values = _neutralise_arrow(pc.fill_null(values.cast(pa.large_string()), ""))
    needs = pc.match_substring_regex(values, '[,"\n]')
    if pc.any(needs).as_py():
        quote, empty = pa.scalar('"', pa.large_string()), pa.scalar("", pa.large_string())
        quoted = pc.binary_join_element_wise(quote, pc.replace_substring(values, '"', '""'), quote, empty)
        values = pc.if_else(needs, quoted, values)
    return values


def _neutralise_arrow(values):
    """:func:`neutralise` on an Arrow (large) string array without nulls."""

    trigger = pc.match_substring_regex(values, _TRIGGER_RE2)
    if not pc.any(trigger).as_py():
        return values
    needs = pc.and_(trigger, pc.invert(pc.match_substring_regex(values, _NUMBER_RE2)))
    if not pc.any(needs).as_py():
        return values
    prefixed = pc.binary_join_element_wise(pa.scalar("'", pa.large_string()), values, pa.scalar("", pa.large_string()))
    return pc.if_else(needs, prefixed, values)


def _column_fields(column: pd.Series):
    """A function of ``(start, stop)`` giving those rows of ``column`` as CSV fields (Arrow text).
    A categorical's categories are quoted once and gathered by code."""

    if isinstance(column.dtype, pd.CategoricalDtype):
        codes, fields = column.array.codes, _csv_field(pa.array(column.cat.categories.array))
        missing = bool((codes < 0).any())

        def part(start, stop):
            chunk = codes[start:stop]
            if not missing:
                return fields.take(pa.array(chunk))
            return pc.fill_null(fields.take(pa.array(chunk, mask=chunk < 0)), "")

        return part
    if isinstance(column.dtype, pd.StringDtype):
        values = pa.array(column.array)
        return lambda start, stop: _csv_field(values.slice(start, stop - start))
    values = pa.array(np.asarray(column))
    return lambda start, stop: values.slice(start, stop - start).cast(pa.large_string())


def _write_csv_arrow(frame: pd.DataFrame, handle) -> None:
    """Write ``frame`` (see :func:`_arrow_formattable`) as ``to_csv`` would, batch by batch."""

    header = pa.array([str(c) for c in frame.columns], type=pa.large_string())
    handle.write((",".join(_csv_field(header).to_pylist()) + "\n").encode("utf-8"))
    comma, newline = pa.scalar(",", pa.large_string()), pa.scalar("\n", pa.large_string())
    columns = [_column_fields(frame.iloc[:, j]) for j in range(frame.shape[1])]
    for start in range(0, len(frame), CSV_BATCH):
        stop = min(len(frame), start + CSV_BATCH)
        lines = pc.binary_join_element_wise(*[c(start, stop) for c in columns], comma)
        lines = pc.binary_join_element_wise(lines, pa.scalar("", pa.large_string()), newline)
        write_text_array(lines.combine_chunks() if isinstance(lines, pa.ChunkedArray) else lines, handle)


def write_text_array(lines, handle) -> None:
    """Write the concatenated bytes of an Arrow string (or large string) array to a binary handle."""

    width = np.int64 if pa.types.is_large_string(lines.type) else np.int32
    offsets = np.frombuffer(lines.buffers()[1], dtype=width)[lines.offset : lines.offset + len(lines) + 1]
    if len(lines):
        handle.write(memoryview(lines.buffers()[2])[int(offsets[0]) : int(offsets[-1])])


def formula_warnings(path: str | Path, sheet: str | None = None) -> list[str]:
    """The warning (a list of at most one) a reader of an XLSX input gives for its formula cells
    (:func:`formula_cells`): how many, the file's name, the sheet and the first few cell references
    (never their content)."""
    cells = formula_cells(path, sheet)
    if not cells:
        return []
    shown = ", ".join(c.cell for c in cells[:10]) + (", ..." if len(cells) > 10 else "")
    return [
        f"{len(cells)} formula cell(s) in {Path(path).name}, sheet {cells[0].sheet!r} (cells {shown}): read as "
        "the value the "
        "spreadsheet last computed (a text starting with '=' as that text); check them, or paste them as values"
    ]


# --------------------------------------------------------------------------------------------
# Parquet (processed data)

#: Rows per Parquet row group (a reader streams one group at a time).
ROW_GROUP = 1 << 20

#: Fixed writer options: the same table always gives the same bytes (no timestamps are written;
#: ``created_by`` names the pinned pyarrow version).
_PARQUET_OPTIONS = {
    "compression": "zstd",
    "compression_level": 3,
    "use_dictionary": True,
    "write_statistics": True,
    "version": "2.6",
    "data_page_version": "1.0",
    "row_group_size": ROW_GROUP,
    "store_schema": True,
}


def _index_type(n: int):
    """The smallest signed integer type that indexes ``n`` dictionary entries."""
    return pa.int8() if n < 2**7 else pa.int16() if n < 2**15 else pa.int32()


def _dictionary(column: pd.Series) -> tuple[np.ndarray, np.ndarray | None, pa.Array]:
    """``(codes, remap, dictionary)`` of a text column, without copying its codes: the dictionary
    (an Arrow string array) sorted in code-point order, a missing value as the empty text ``''``;
    ``remap[codes]`` (or ``codes`` itself when ``remap`` is None) gives each row's position in it,
    in the smallest index type (:func:`_index_type`).  A missing code (-1) picks ``remap``'s last
    entry."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        categories = column.cat.categories
        text = isinstance(categories.dtype, pd.StringDtype)  # already str: no per-value str()
        codes = np.asarray(column.cat.codes)
        cats = pa.array(categories.array if text else [str(c) for c in categories], type=pa.string())
    else:
        codes, uniques = pd.factorize(column.astype(object), use_na_sentinel=True)
        cats = pa.array([str(c) for c in uniques], type=pa.string())
    missing = bool(len(codes)) and codes.min() < 0
    empty = pc.index(cats, "").as_py() if missing else -1
    if missing and empty < 0:
        cats, empty = pa.concat_arrays([cats, pa.array([""], type=pa.string())]), len(cats)
    width = np.dtype(_index_type(len(cats)).to_pandas_dtype())
    # code-point order (as sorted() orders str): Arrow sorts UTF-8 bytes, which is the same order
    order = np.asarray(pc.sort_indices(cats), dtype=np.int64)
    if np.array_equal(order, np.arange(len(cats))) and not missing:  # already in order, nothing missing
        return codes, None, cats
    remap = np.empty(len(cats) + 1, dtype=width)
    remap[order] = np.arange(len(cats))
    remap[-1] = remap[empty] if missing else 0
    return codes, remap, cats.take(pa.array(order))


def _numbers(column: pd.Series) -> np.ndarray:
    """A column of numbers (or of number texts, '' meaning missing) as float64 (NaN = missing)."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        cats = pd.to_numeric(pd.Series(column.cat.categories, dtype=object).replace("", np.nan), errors="raise")
        table = np.append(np.asarray(cats, dtype=float), np.nan)
        return table[np.asarray(column.cat.codes)]
    if column.dtype.kind in "iuf":
        return np.asarray(column, dtype=float)
    return np.asarray(pd.to_numeric(column.astype(object).replace("", np.nan), errors="raise"), dtype=float)


def _column_parts(column: pd.Series, kind: str):
    """A function ``part(start, stop)`` giving rows ``start:stop`` of ``column`` as an Arrow array of
    the declared ``kind`` (see :data:`tieval.schema.COLUMN_TYPES`).  A text column's dictionary is
    sorted once for the whole column; each part converts only its own rows, so a table is written
    one row group at a time without a second copy of it in Arrow."""
    if kind in ("category", "text") and (kind == "category" or isinstance(column.dtype, pd.CategoricalDtype)):
        codes, remap, dictionary = _dictionary(column)
        width = np.dtype(_index_type(len(dictionary)).to_pandas_dtype())

        def indices(start: int, stop: int) -> pa.Array:
            rows = codes[start:stop]
            return pa.array(rows.astype(width, copy=False) if remap is None else remap[rows])

        if kind == "category":
            return lambda start, stop: pa.DictionaryArray.from_arrays(indices(start, stop), dictionary)
        return lambda start, stop: dictionary.take(indices(start, stop)) if stop > start else pa.array([], pa.string())
    if kind == "text":
        return lambda start, stop: pc.fill_null(pa.array(column.iloc[start:stop].astype(object), type=pa.string()), "")
    if kind == "int32":
        return lambda start, stop: pa.array(
            np.asarray(column.iloc[start:stop], dtype=np.int64).astype(np.int32), type=pa.int32()
        )
    if kind == "float64":
        return lambda start, stop: pa.array(_numbers(column.iloc[start:stop]), type=pa.float64(), from_pandas=True)
    raise ValueError(f"unknown column type {kind!r}")


def _arrow_type_matches(arrow_type, kind: str) -> bool:
    """Whether a Parquet column's Arrow type is the declared ``kind``."""
    if kind == "category":
        return pa.types.is_dictionary(arrow_type) and pa.types.is_string(arrow_type.value_type)
    return {
        "text": pa.types.is_string,
        "int32": lambda t: t == pa.int32(),
        "float64": lambda t: t == pa.float64(),
    }[kind](arrow_type)


#: A dictionary column is compacted per row group when its dictionary has more entries than this.
COMPACT_ABOVE = 1 << 12


def _compact(part: pa.Array) -> pa.Array:
    """One row group's rows of a column; a dictionary column of many entries (respondent ids) keeps
    only the entries those rows use, in the dictionary's order.

    Parquet stores a column's dictionary once per row group: written as is, a million-entry
    dictionary of respondent ids would be written (and read back, and hashed) in every group,
    although each group uses a small run of it."""
    if not pa.types.is_dictionary(part.type) or len(part.dictionary) <= COMPACT_ABOVE:
        return part
    codes = np.asarray(part.indices)
    used, inverse = np.unique(codes, return_inverse=True)
    return pa.DictionaryArray.from_arrays(
        pa.array(inverse.astype(codes.dtype), type=part.type.index_type), part.dictionary.take(pa.array(used))
    )


def _write_row_groups(parts: list, names: list[str], n_rows: int, handle) -> None:
    """Write a table of ``n_rows`` rows as Parquet, :data:`ROW_GROUP` rows per group, converting
    each column's rows of one group at a time (``parts``: :func:`_column_parts` per column) and
    compacting each dictionary column per group (:func:`_compact`); fixed options
    (:data:`_PARQUET_OPTIONS`), so the same table always gives the same bytes.  Read back, a column
    holds the same values (a reader unifies the groups' dictionaries; :func:`read_parquet` sorts
    the categories)."""
    options = {k: v for k, v in _PARQUET_OPTIONS.items() if k != "row_group_size"}
    if not n_rows:
        table = pa.Table.from_arrays([part(0, 0) for part in parts], names=names)
        with pq.ParquetWriter(handle, table.schema, **options) as writer:
            writer.write_table(table)
        return
    writer = None
    try:
        for start in range(0, n_rows, ROW_GROUP):
            stop = min(n_rows, start + ROW_GROUP)
            group = pa.Table.from_arrays([_compact(part(start, stop)) for part in parts], names=names)
            if writer is None:
                writer = pq.ParquetWriter(handle, group.schema, **options)
            writer.write_table(group, row_group_size=ROW_GROUP)
    finally:
        if writer is not None:
            writer.close()


def write_parquets(tables: dict, kinds, csvs: dict | None = None) -> list[Path]:
    """Write several frames as Parquet ({path: frame}), and the ``csvs`` ({path: frame}) as
    :func:`write_csvs` does, as one unit: every file is complete before any is renamed into
    place, so a failure leaves all the previous files as they were.

    ``kinds(path, column)`` gives each column's declared type (``category``, ``text``, ``int32``,
    ``float64``); the frame's index is not written and no pandas metadata is stored, so the file
    depends only on the values and their declared types (byte-identical for the same data).  A
    table is converted to Arrow one row group at a time (:func:`_write_row_groups`)."""
    csvs = csvs or {}
    with contextlib.ExitStack() as stack:
        for path, frame in tables.items():
            parts = [_column_parts(frame.iloc[:, j], kinds(path, str(c))) for j, c in enumerate(frame.columns)]
            handle = stack.enter_context(atomic_write(path, "wb"))
            _write_row_groups(parts, [str(c) for c in frame.columns], len(frame), handle)
        for path, frame in csvs.items():
            _stage_csv(stack, path, frame, False)
    return [note_output(path) for path in list(tables) + list(csvs)]


def parquet_columns(path: str | Path) -> list[str]:
    """The column names of a Parquet file (read from its footer only)."""
    return list(pq.read_schema(path).names)


def _arrow_to_pandas(table: pa.Table, categorical: bool) -> pd.DataFrame:
    """``table`` as a frame: dictionary columns as ``Categorical``, or as ``str`` when not ``categorical``."""
    if not categorical:
        table = pa.Table.from_arrays(
            [c.cast(pa.string()) if pa.types.is_dictionary(c.type) else c for c in table.columns],
            names=table.column_names,
        )
    return table.to_pandas()


def _read_columns(path: Path, columns: list[str], categorical: bool) -> pd.DataFrame:
    """The ``columns`` of a Parquet file as a frame, read and converted one column at a time, so that
    only one column is ever held twice (as Arrow and as pandas): at a million respondents the long
    table's Arrow copy is a gigabyte (its respondent ids are one dictionary per row group).  The frame
    is the one a whole-table read gives (same columns, dtypes, values and positional index)."""
    if not columns or len(set(columns)) < len(columns):
        return _arrow_to_pandas(pq.read_table(path, columns=columns), categorical)
    parts = {c: _arrow_to_pandas(pq.read_table(path, columns=[c]), categorical)[c] for c in columns}
    return pd.DataFrame(parts, columns=columns, copy=False)  # a dict of Series is copied by default


def read_parquet(
    path: str | Path, kinds, required: list[str], columns: list[str] | None = None, *, categorical: bool = True
) -> pd.DataFrame:
    """Read a processed Parquet table (all columns, or only ``columns``), recording it as an input.

    The file must hold the ``required`` columns, each of the type ``kinds(column)`` declares;
    otherwise (or when the file is missing or not Parquet) :class:`InputError` names the file and
    column.  Dictionary columns come back as ``Categorical`` with sorted categories (as plain
    ``str`` when not ``categorical``), texts as ``str``."""
    path = Path(path)
    if not path.is_file():
        raise InputError(path, "an existing file (run the earlier pipeline steps first: `make`)")
    note_input(path)
    try:
        file_schema = pq.read_schema(path)
    except (pa.ArrowInvalid, OSError) as exc:
        raise InputError(path, "a Parquet file written by the cleaning step", found=str(exc).splitlines()[0]) from None
    names = list(file_schema.names)
    wanted = names if columns is None else list(columns)
    for column in dict.fromkeys(list(required) + wanted):
        if column not in names:
            expected = "the columns " + ", ".join(required) if column in required else f"a column {column}"
            raise InputError(path, expected, column=column, found="missing")
        arrow_type = file_schema.field(column).type
        if not _arrow_type_matches(arrow_type, kinds(column)):
            raise InputError(path, f"a column of type {kinds(column)}", column=column, found=str(arrow_type))
    frame = _read_columns(path, wanted, categorical)
    pa.default_memory_pool().release_unused()  # the Arrow copies of the columns read: back to the system
    for column in wanted:
        if isinstance(frame[column].dtype, pd.CategoricalDtype):
            cats = frame[column].cat.categories
            if not cats.is_monotonic_increasing:
                frame[column] = frame[column].cat.reorder_categories(sorted(cats))
    return frame
